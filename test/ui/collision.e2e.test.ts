/**
 * Issue 12's reproduction in the real console (headless Debian chromium, software WebGL)
 * against a real-time session server: "pick up the candy" → Execute → "put it in the bag" →
 * Execute → "pick up the candy". The hand does not fit between the bag's walls, so the third
 * command must be refused before anything moves, the refused step shown red with a reason
 * naming the link and the bag, and a marker drawn in the 3-D view at the contact point. Never a
 * passed check followed by a collision abort. Every wait is on app state, never on frame rate.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchBrowser,
  openConsole,
  startConsole,
  type BrowserHarness,
  type ConsoleHarness,
  consoleStatus,
} from './harness.js';
import type { PageWindow } from './browser.js';
import { pixelStats } from './pixels.js';

// Code inside page.evaluate runs in the browser; the root tsconfig has no DOM library.
declare const window: PageWindow;
declare const getComputedStyle: (e: unknown) => { borderColor: string };

const ARTIFACTS = 'test-artifacts/ui';
// In CI a missing browser is a failure; on a dev machine without chromium the file is skipped.
const run = chromiumAvailable() || process.env.CI ? describe : describe.skip;

run('collision refusal in the console (chromium)', () => {
  let h: ConsoleHarness;
  let b: BrowserHarness;
  const status = () => consoleStatus(h.url);
  const type = async (text: string) => {
    await b.page.fill('[data-testid=utterance]', text);
    await b.page.press('[data-testid=utterance]', 'Enter');
  };
  const mode = () => b.page.evaluate(() => window.__shammie.stores.preview.getState().mode);
  const transcript = () => b.page.evaluate(() => window.__shammie.stores.session.getState().transcript);
  // Two rendered frames after a change (the view renders on demand).
  const frameAfter = async () => {
    for (let i = 0; i < 2; i++) {
      const f = await b.page.evaluate(() => {
        window.__shammie.requestFrame();
        return window.__shammie.frames.frames;
      });
      await b.page.waitForFunction((n) => window.__shammie.frames.frames > n, f);
    }
  };

  /** Type a command, wait for its confirmable preview, press Execute and wait until it ran. */
  const runCommand = async (text: string) => {
    const before = await b.page.evaluate(() => window.__shammie.stores.preview.getState().preview?.id ?? '');
    await type(text);
    await b.page.waitForFunction(
      (old) => {
        const s = window.__shammie.stores.preview.getState();
        return s.mode === 'pending' && s.preview !== null && s.preview.id !== old;
      },
      before,
      { timeout: 20_000 },
    );
    const id = await b.page.evaluate(() => window.__shammie.stores.preview.getState().preview!.id);
    await b.page.click('[data-testid=execute]');
    await b.page.waitForFunction(() => window.__shammie.stores.preview.getState().mode === 'done', undefined, { timeout: 40_000 });
    const ex = await b.page.evaluate(() => window.__shammie.stores.preview.getState().execution);
    expect(ex, `"${text}" ran to the end`).toMatchObject({ previewId: id, outcome: 'succeeded', active: false });
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startConsole();
    b = await launchBrowser({ width: 1280, height: 800 });
    await openConsole(b.page, h.url);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('"pick up the candy" with the candy in the bag: refused before motion, the step red, a marker at the contact', async () => {
    await runCommand('pick up the candy');
    await runCommand('put it in the bag');
    expect((await status()).objects.CANDY.in).toBe('GIFT_BAG');

    const before = await status();
    const executionsBefore = (await transcript()).filter((e) => e.kind === 'done' || e.kind === 'failed').length;
    await type('pick up the candy');
    await b.page.waitForFunction(
      () => {
        const s = window.__shammie.stores.preview.getState();
        return s.mode === 'rejected' && s.preview?.planText === 'pickup(CANDY)' && s.contact !== null;
      },
      undefined,
      { timeout: 20_000 },
    );

    // The refusal, in words: the step, the link and the bag.
    const reply = (await transcript()).filter((e) => e.role === 'robot').at(-1)?.text ?? '';
    expect(reply).toMatch(
      /^Here is my plan: pickup\(CANDY\), but I can't carry it out: goto\(CANDY\): .*panda_\w+ would hit GIFT_BAG (wall|floor)/,
    );

    // Execute cannot be pressed; nothing starts, the arm does not move.
    expect(await b.page.locator('[data-testid=execute]').isDisabled()).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await status();
    expect(after.executing).toBe(false);
    expect(after.pendingPlan).toBeNull();
    expect(maxDiff(after.joints.positions, before.joints.positions)).toBeLessThan(1e-3);
    const ex = await b.page.evaluate(() => window.__shammie.stores.preview.getState().execution);
    expect(ex.active).toBe(false);
    expect(await mode()).toBe('rejected');
    expect((await transcript()).filter((e) => e.kind === 'done' || e.kind === 'failed').length).toBe(executionsBefore);

    // The refused step is red in the Plan panel, with the reason and where the contact is.
    const step = b.page.locator('[data-testid=step]').first();
    expect(await step.getAttribute('class')).toMatch(/\bunsafe\b/);
    expect(await step.getAttribute('data-safe')).toBe('false');
    // --bad (#ff4d5e) on the border
    expect(await step.evaluate((el) => getComputedStyle(el).borderColor)).toBe('rgb(255, 77, 94)');
    expect(await step.locator('code').innerText()).toBe('goto(CANDY)');
    expect(await step.locator('[data-testid=unsafe-reason]').innerText()).toMatch(
      /^goto\(CANDY\): .*panda_\w+ would hit GIFT_BAG (wall|floor) \d+\.\d\d s into the descent, at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\)$/,
    );
    expect(await step.locator('[data-testid=step-contact]').innerText()).toMatch(
      /^panda_\w+ × GIFT_BAG (wall|floor), at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\) m$/,
    );

    // The marker: from the step's contact, at a point on the bag.
    const { preview, contact } = await b.page.evaluate(() => {
      const s = window.__shammie.stores.preview.getState();
      return { preview: s.preview!, contact: s.contact! };
    });
    const sent = preview.steps[0].contact!;
    expect(sent.a).toMatch(/^panda_\w+$/);
    expect(sent.b).toMatch(/^GIFT_BAG (wall|floor)$/);
    expect(contact).toEqual({ previewId: preview.id, step: 0, point: sent.point, label: `${sent.a} × ${sent.b}`, time: null });
    const bag = h.app.world.position('GIFT_BAG');
    // The bag is 20 × 14 cm inside: its walls are within about 15 cm of its centre.
    expect(Math.hypot(sent.point[0] - bag[0], sent.point[1] - bag[1])).toBeLessThan(0.15);

    // Drawn in the view at that point: red pixels around its projection, which go with the marker.
    await frameAfter();
    await b.page.locator('[data-testid=viewport]').screenshot({ path: join(ARTIFACTS, 'collision-refused.png') });
    await b.page.screenshot({ path: join(ARTIFACTS, 'collision-refused-console.png') });
    const xy = await b.page.evaluate((p) => window.__shammie.project(p), sent.point);
    expect(xy).not.toBeNull();
    const clip = { x: Math.round(xy!.x) - 16, y: Math.round(xy!.y) - 16, width: 32, height: 32 };
    const withMarker = await b.page.screenshot({ clip });
    await b.page.evaluate(() => window.__shammie.stores.preview.setState({ contact: null }));
    await frameAfter();
    const withoutMarker = await b.page.screenshot({ clip });
    await b.page.evaluate((c) => window.__shammie.stores.preview.setState({ contact: c }), contact);
    await frameAfter();
    const on = await pixelStats(b.page, withMarker, withoutMarker);
    const off = await pixelStats(b.page, withoutMarker);
    expect(on.red - off.red, 'red marker pixels at the contact point').toBeGreaterThan(100);
    expect(on.diff, 'pixels the marker changes there').toBeGreaterThan(100);

    // Never a passed check followed by a collision abort: every execution succeeded.
    const entries = await transcript();
    expect(entries.filter((e) => e.kind === 'done')).toHaveLength(2);
    expect(entries.filter((e) => e.kind === 'failed')).toEqual([]);
    expect(entries.filter((e) => e.role !== 'user' && /tracking error|abort|That did not work/i.test(e.text))).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it("the marker goes with its preview: the next command's preview replaces it", async () => {
    await type('go home');
    await b.page.waitForFunction(() => window.__shammie.stores.preview.getState().preview?.planText === 'go_home()');
    expect(await b.page.evaluate(() => window.__shammie.stores.preview.getState().contact)).toBeNull();
    // Leave nothing pending behind.
    await b.page.click('[data-testid=cancel]');
    await b.page.waitForFunction(() => window.__shammie.stores.preview.getState().preview === null);
  });
});

function maxDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
