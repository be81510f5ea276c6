/**
 * End-to-end accessibility (issue 15, "Keyboard-first"): axe-core, injected into the real
 * console in Debian's chromium, finds no serious or critical violation in the console's main
 * states (idle, a preview shown, the library open, the shortcut sheet open); and every control
 * Tab reaches has an accessible name and a visible focus ring.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, openConsole, startConsole, type BrowserHarness, type ConsoleHarness } from './harness.js';
import type { PageWindow } from './browser.js';

// Code inside page.evaluate runs in the browser; the root tsconfig has no DOM library.
declare const window: PageWindow & { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResults> } };
declare const document: unknown;

const run = chromiumAvailable() || process.env.CI ? describe : describe.skip;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One violation, as the failure message lists it. */
interface Finding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** Run axe on the whole page; the serious and critical violations. */
async function seriousViolations(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      // at most 5 nodes per rule keeps the message readable
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`),
    }));
}

/** At most this many Tab presses per walk (the console has about 40 stops). */
const MAX_TAB_STOPS = 150;

/**
 * Runs in the page after each Tab: what has the focus, its accessible name (aria-label,
 * aria-labelledby, its <label>, its text, title, placeholder: the order browsers use, simplified)
 * and whether a focus ring shows (an outline at least 1 px wide). Marks the element so a second
 * visit ends the walk. A string, so the page code needs no DOM typings here.
 */
const FOCUS_PROBE = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (el.hasAttribute('data-tab-walk')) return { again: true };
  el.setAttribute('data-tab-walk', '');
  const text = (n) => (n ? (n.textContent || '').replace(/\\s+/g, ' ').trim() : '');
  const byIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean).map((id) => text(document.getElementById(id))).join(' ');
  const label = el.labels && el.labels.length ? text(el.labels[0]) : '';
  const name = (el.getAttribute('aria-label') || byIds || label || text(el) || el.getAttribute('title') || el.getAttribute('placeholder') || '').trim();
  const cs = getComputedStyle(el);
  const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
  const id = el.getAttribute('data-testid') || el.id || el.tagName.toLowerCase() + (el.getAttribute('type') ? '[' + el.getAttribute('type') + ']' : '');
  return { again: false, id: id + (name ? ' "' + name.slice(0, 40) + '"' : ''), name, ring };
})()`;

interface TabStop {
  id: string;
  name: string;
  ring: boolean;
}

/** Press Tab from the top of the page until the focus comes back to a control already seen. */
async function tabWalk(page: Page): Promise<TabStop[]> {
  await page.evaluate(
    "document.querySelectorAll('[data-tab-walk]').forEach((e) => e.removeAttribute('data-tab-walk')); document.activeElement && document.activeElement.blur && document.activeElement.blur()",
  );
  const stops: TabStop[] = [];
  for (let i = 0; i < MAX_TAB_STOPS; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate<(TabStop & { again: boolean }) | null>(FOCUS_PROBE);
    if (!stop) continue;
    if (stop.again) return stops;
    stops.push({ id: stop.id, name: stop.name, ring: stop.ring });
  }
  throw new Error(`the Tab walk did not come back to its start within ${MAX_TAB_STOPS} presses: ${stops.map((s) => s.id).join(', ')}`);
}

function expectNamedAndRinged(state: string, stops: TabStop[], mustReach: string[]): void {
  const ids = stops.map((s) => s.id);
  for (const want of mustReach)
    expect(
      ids.some((id) => id.startsWith(want)),
      `${state}: Tab never reaches ${want}; stops: ${ids.join(', ')}`,
    ).toBe(true);
  // A name of symbols only (an icon: "❚❚", "×") says nothing to a screen reader.
  const unnamed = stops.filter((s) => !/[\p{L}\p{N}]/u.test(s.name)).map((s) => s.id);
  const noRing = stops.filter((s) => !s.ring).map((s) => s.id);
  expect(unnamed, `${state}: Tab stops without an accessible name`).toEqual([]);
  expect(noRing, `${state}: Tab stops without a visible focus ring`).toEqual([]);
}

function report(state: string, found: Finding[]): string {
  return `${state}: ${found.length} serious/critical axe violations\n${found
    .map((f) => `- [${f.impact}] ${f.id}: ${f.help}\n    ${f.nodes.join('\n    ')}`)
    .join('\n')}`;
}

run('accessibility: axe-core (chromium)', () => {
  let h: ConsoleHarness;
  let b: BrowserHarness;
  let page: Page;

  beforeAll(async () => {
    h = await startConsole();
    b = await launchBrowser({ width: 1280, height: 800 });
    page = b.page;
    await openConsole(page, h.url);
  }, 180_000);

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('idle: no serious or critical violations', async () => {
    const found = await seriousViolations(page);
    expect(found, report('idle', found)).toEqual([]);
    // The 3-D canvas is labelled (axe has no rule for a canvas).
    expect(await page.locator('[data-testid=viewport] canvas').first().getAttribute('aria-label')).toMatch(/3-D view/);
  }, 60_000);

  it('a preview shown: no serious or critical violations', async () => {
    await page.fill('[data-testid=utterance]', 'pick up the candy');
    await page.press('[data-testid=utterance]', 'Enter');
    await page.waitForFunction(() => window.__shammie.stores.preview.getState().mode === 'pending', undefined, { timeout: 30_000 });
    await page.locator('[data-testid=execute]').waitFor();
    const found = await seriousViolations(page);
    expect(found, report('preview', found)).toEqual([]);
  }, 60_000);

  it('a preview shown: every control Tab reaches, Execute included, is named and shows a focus ring', async () => {
    const stops = await tabWalk(page);
    expectNamedAndRinged('preview', stops, ['utterance', 'stop', 'shortcuts', 'tab-plan', 'scrub', 'execute', 'cancel', 'transcript']);
  }, 120_000);

  it('the library open: no serious or critical violations', async () => {
    await page.keyboard.press('Control+l');
    await page.locator('[data-testid=library]').waitFor();
    const found = await seriousViolations(page);
    expect(found, report('library', found)).toEqual([]);
    const stops = await tabWalk(page);
    expectNamedAndRinged('library', stops, ['tab-library', 'undo']);
  }, 120_000);

  it('the Teach tab (teaching started) and the Studio tab: no serious or critical violations', async () => {
    const found: Finding[] = [];
    // Arrow keys move along the tabs (Library → Teach → Studio).
    await page.locator('[data-testid=tab-library]').focus();
    await page.keyboard.press('ArrowRight');
    await page.locator('[data-testid=teach]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=teach-start]').focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=record]').waitFor({ timeout: 10_000 });
    found.push(...(await seriousViolations(page)));
    await page.locator('[data-testid=tab-teach]').focus();
    await page.keyboard.press('ArrowRight');
    await page.locator('[data-testid=studio]').waitFor({ timeout: 10_000 });
    found.push(...(await seriousViolations(page)));
    expect(found, report('teach and studio', found)).toEqual([]);
    await page.locator('[data-testid=tab-studio]').focus();
    await page.keyboard.press('Home');
    await page.locator('[data-testid=plan], [data-testid=plan-empty]').first().waitFor({ timeout: 10_000 });
  }, 120_000);

  it('the shortcut sheet open: no serious or critical violations', async () => {
    await page.locator('[data-testid=tab-library]').focus();
    await page.keyboard.press('?');
    await page.locator('[data-testid=shortcut-sheet]').waitFor();
    const found = await seriousViolations(page);
    expect(found, report('shortcut sheet', found)).toEqual([]);
    await page.keyboard.press('Escape');
  }, 60_000);
});
