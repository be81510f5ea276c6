/**
 * End-to-end: the console's layout at 1280×800 and 1920×1080 in headless Debian chromium.
 * Screenshots of each side-panel tab (test-artifacts/ui/layout-<size>-<panel>.png) and checks
 * computed from bounding boxes: the dialogue keeps ≥ 40 % of the side panel, the teach tab's
 * Record button shows without scrolling, the command box's placeholder fits, no two overlays
 * over the 3D view intersect (pointing banner, a problem, the wrist monitor, HUD, toolbar), no
 * two visible object labels overlap by more than 20 %, a lifted label has a leader line to its
 * object, the overlays are larger at 1920×1080 than at 1280×800, and the side panel's separator resizes
 * by keyboard, collapses, and is remembered after a reload (a malformed saved value is ignored).
 *
 * The scene is the gift-bag scene with TOY_CAR set down right beside CANDY and both known by
 * name, so their labels fall on each other from the default camera unless they are laid out.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, openConsole, startConsole, type BrowserHarness, type ConsoleHarness } from './harness.js';
import type { PageWindow } from './browser.js';
import { LEADER_COLOR, type LabelProbe } from '../../ui/src/scene/declutter.js';
import { pixelsAt } from './pixels.js';

// Code inside page.evaluate runs in the browser; the root tsconfig has no DOM library.
declare const window: PageWindow & {
  __shammieLabels?: LabelProbe;
  innerWidth: number;
  localStorage: { getItem(k: string): string | null };
};
interface El {
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
  scrollHeight: number;
  clientHeight: number;
  clientWidth: number;
  scrollTop: number;
  placeholder: string;
  matches(s: string): boolean;
}
declare const document: {
  querySelector(s: string): El | null;
  querySelectorAll(s: string): ArrayLike<El>;
  createElement(t: 'canvas'): {
    width: number;
    height: number;
    getContext(k: '2d', o?: unknown): { font: string; measureText(t: string): { width: number } } & Ctx2d;
  };
};
declare function getComputedStyle(e: El): {
  fontSize: string;
  display: string;
  visibility: string;
  font: string;
  paddingLeft: string;
  paddingRight: string;
  position: string;
  zoom: string;
};
interface Ctx2d {
  drawImage(i: unknown, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}

const ARTIFACTS = 'test-artifacts/ui';
const LAYOUT_KEY = 'shammie.layout.v1';
const run = chromiumAvailable() || process.env.CI ? describe : describe.skip;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
const area = (b: Box) => Math.max(0, b.w) * Math.max(0, b.h);
function intersection(a: Box, b: Box): number {
  const ix = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return ix > 0 && iy > 0 ? ix * iy : 0;
}
/** intersection over the smaller box's area */
const overlapShare = (a: Box, b: Box) => intersection(a, b) / Math.max(1e-9, Math.min(area(a), area(b)));

/** The visible element's box (page px), or null. */
async function box(page: Page, selector: string): Promise<Box | null> {
  return page.evaluate((s) => {
    const e = document.querySelector(s);
    if (!e) return null;
    const st = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    if (st.display === 'none' || st.visibility === 'hidden' || r.width === 0 || r.height === 0) return null;
    return { x: r.x, y: r.y, w: r.width, h: r.height };
  }, selector);
}

/** Every visible overlay over the 3D view: the slots' children, the monitor, anything absolute. */
async function overlays(page: Page): Promise<{ name: string; box: Box }[]> {
  return page.evaluate(() => {
    const out: { name: string; box: { x: number; y: number; w: number; h: number } }[] = [];
    const seen = new Set<El>();
    const add = (e: El, name: string) => {
      if (seen.has(e)) return;
      seen.add(e);
      const st = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      if (st.display === 'none' || st.visibility === 'hidden' || r.width === 0 || r.height === 0) return;
      out.push({ name, box: { x: r.x, y: r.y, w: r.width, h: r.height } });
    };
    const named: [string, string][] = [
      ['.viewport .hud', 'hud'],
      ['.viewport .view-toolbar', 'toolbar'],
      ['.viewport .point-banner', 'point-banner'],
      ['.viewport .problem', 'problem'],
      ['.viewport .studio-monitor', 'wrist-monitor'],
    ];
    for (const [sel, name] of named) {
      const all = document.querySelectorAll(sel);
      for (let i = 0; i < all.length; i++) add(all[i], `${name}${all.length > 1 ? `#${i}` : ''}`);
    }
    // Anything else laid over the view (a new overlay someone adds) counts too.
    const extra = document.querySelectorAll('.viewport > *, .viewport > [data-overlay-slot] > *');
    for (let i = 0; i < extra.length; i++) {
      const e = extra[i];
      // slots and the problems' list are containers: their children are counted one by one
      if (e.matches('[data-overlay-slot], .problems, .studio-layer, canvas, div:has(> canvas)')) continue;
      if (getComputedStyle(e).position === 'absolute' || e.matches('[data-overlay-slot] > *')) add(e, `other:${i}`);
    }
    return out;
  });
}

/** The label layout after one more rendered frame (window.__shammieLabels). */
async function probeLabels(page: Page): Promise<LabelProbe> {
  const passes = await page.evaluate(() => window.__shammieLabels?.passes ?? 0);
  await page.evaluate(() => window.__shammie.requestFrame());
  await page.waitForFunction((n) => (window.__shammieLabels?.passes ?? 0) > n, passes, { timeout: 10_000 });
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__shammieLabels)) as LabelProbe);
}

/** Font size (px) of the first visible match, or 0. */
async function fontPx(page: Page, selector: string): Promise<number> {
  return page.evaluate((s) => {
    const e = document.querySelector(s);
    return e ? parseFloat(getComputedStyle(e).fontSize) : 0;
  }, selector);
}

/** What the overlays measure at each window size (the 1920×1080 block compares with 1280×800). */
const overlayFigures: Record<string, Record<string, number>> = {};

async function sideWidth(page: Page): Promise<number> {
  return (await box(page, 'aside.side'))?.w ?? 0;
}

async function separatorValue(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid=side-resize]', 'aria-valuenow'));
}

run('console layout (chromium)', () => {
  let h: ConsoleHarness;
  let sceneDir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The gift-bag scene, with TOY_CAR set down beside CANDY (across the default camera's line
    // of sight, 11 cm apart) and known by name: their labels land on each other.
    const scene = JSON.parse(readFileSync('sim/scenes/giftbag.json', 'utf8')) as {
      objects: { name: string; position: number[] }[];
      known: { name: string; description: string }[];
    };
    const candy = scene.objects.find((o) => o.name === 'CANDY')!;
    scene.objects.find((o) => o.name === 'TOY_CAR')!.position = [candy.position[0] + 0.08, candy.position[1] + 0.08];
    scene.known.push({ name: 'TOY_CAR', description: 'A small green toy car.' });
    sceneDir = mkdtempSync(join(tmpdir(), 'shammie-layout-'));
    writeFileSync(join(sceneDir, 'crowded.json'), JSON.stringify({ ...scene, name: 'crowded' }));
    h = await startConsole({ scene: join(sceneDir, 'crowded.json') });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (sceneDir) rmSync(sceneDir, { recursive: true, force: true });
  });

  for (const size of [
    { width: 1280, height: 800 },
    { width: 1920, height: 1080 },
  ]) {
    const tag = `${size.width}x${size.height}`;
    describe(tag, () => {
      let b: BrowserHarness;
      let page: Page;

      beforeAll(async () => {
        b = await launchBrowser(size);
        page = b.page;
        await openConsole(page, h.url);
      }, 60_000);

      afterAll(async () => {
        await b?.close();
      });

      it('each tab: the dialogue keeps ≥ 40 % of the side panel, the tabs scroll inside, a screenshot', async () => {
        const side = (await box(page, 'aside.side'))!;
        expect(side.w).toBeGreaterThan(0);
        if (size.width >= 1920) {
          // a wide window gets a wider panel and larger text than the 1280 layout (360 px, 14 px)
          expect(side.w).toBeGreaterThanOrEqual(440);
          const zoom = await page.evaluate(() => Number(getComputedStyle(document.querySelector('aside.side')!).zoom));
          expect(zoom).toBeGreaterThan(1);
        }
        const figures: Record<string, unknown> = { side: side.w };
        for (const tab of ['plan', 'library', 'teach', 'studio'] as const) {
          await page.click(`[data-testid=tab-${tab}]`);
          await page.waitForSelector(`#tab-${tab}[aria-selected=true]`);
          // the lazy panels show "Loading…" first
          await page.waitForFunction(() => !document.querySelector('.tab-body > p.hint'), undefined, { timeout: 15_000 });
          const dialogue = (await box(page, 'section.dialogue'))!;
          const s = (await box(page, 'aside.side'))!;
          expect(dialogue.h / s.h, `${tab}: dialogue ${dialogue.h} px of ${s.h} px`).toBeGreaterThanOrEqual(0.4);
          // The panel itself never scrolls or spills: the tab body does.
          const spill = await page.evaluate(() => {
            const a = document.querySelector('aside.side')!;
            return a.scrollHeight - a.clientHeight;
          });
          expect(spill, `${tab}: side panel overflow`).toBeLessThanOrEqual(1);
          const body = (await box(page, '.tab-body'))!;
          expect(body.y + body.h).toBeLessThanOrEqual(s.y + s.h + 1);
          await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-${tab}.png`) });
          figures[tab] = { dialogue: dialogue.h, sideHeight: s.h, share: +(dialogue.h / s.h).toFixed(3), tabBody: body.h };
        }
        writeFileSync(join(ARTIFACTS, `layout-${tag}.json`), JSON.stringify(figures, null, 2));
      }, 60_000);

      it('the Record button of the Teach tab is visible without scrolling', async () => {
        await page.click('[data-testid=tab-teach]');
        await page.click('[data-testid=teach-start]');
        await page.waitForSelector('[data-testid=record]');
        const scrollTop = await page.evaluate(() => document.querySelector('.tab-body')!.scrollTop);
        expect(scrollTop).toBe(0);
        const rec = (await box(page, '[data-testid=record]'))!;
        const body = (await box(page, '.tab-body'))!;
        expect(rec).not.toBeNull();
        expect(rec.y).toBeGreaterThanOrEqual(body.y);
        expect(rec.y + rec.h).toBeLessThanOrEqual(Math.min(body.y + body.h, size.height));
        await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-teach-active.png`) });
        await page.click('[data-testid=teach] button:text-is("Done")');
        await page.waitForSelector('[data-testid=teach-start]');
      });

      it('the command box shows its whole placeholder', async () => {
        const fit = await page.evaluate(() => {
          const input = document.querySelector('[data-testid=utterance]')!;
          const st = getComputedStyle(input);
          const ctx = document.createElement('canvas').getContext('2d');
          ctx.font = st.font;
          const text = ctx.measureText(input.placeholder).width;
          const room = input.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
          return { text, room, placeholder: input.placeholder };
        });
        expect(fit.placeholder.length).toBeGreaterThan(10);
        expect(fit.text, `"${fit.placeholder}" is ${fit.text.toFixed(0)} px in ${fit.room} px`).toBeLessThanOrEqual(fit.room);
      });

      it('overlays over the 3D view never intersect (pointing banner, problems, wrist monitor, HUD, toolbar)', async () => {
        await page.click('[data-testid=tab-plan]');
        await page.evaluate(() => {
          window.__shammie.stores.view.setState({ pointMode: true });
          const s = window.__shammie.stores.session;
          s.setState({
            localProblems: [
              {
                id: 'layout-test-1',
                severity: 'warning',
                message: 'A long warning that wraps over more than one line in the corner of the view.',
                t: 0,
              },
              {
                id: 'layout-test-2',
                severity: 'error',
                message: 'A second problem, stacked above the first.',
                tip: 'How to fix it.',
                t: 0,
              },
            ] as never,
          });
        });
        await page.waitForSelector('[data-testid=point-banner]');
        await page.waitForSelector('[data-problem=layout-test-2]');
        const check = async (what: string) => {
          const all = await overlays(page);
          const names = all.map((o) => o.name);
          expect(names, what).toEqual(expect.arrayContaining(['toolbar', 'point-banner']));
          for (let i = 0; i < all.length; i++)
            for (let j = i + 1; j < all.length; j++)
              expect(intersection(all[i].box, all[j].box), `${what}: ${all[i].name} × ${all[j].name}`).toBe(0);
          return names;
        };
        await check('plan tab');
        await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-overlays.png`) });
        // The studio's wrist-camera monitor (small, then large) keeps off the banner and problems.
        await page.click('[data-testid=tab-studio]');
        const hasCamera = await page
          .waitForSelector('[data-testid=studio-monitor]', { timeout: 15_000 })
          .then(() => true)
          .catch(() => false);
        if (hasCamera) {
          expect(await check('studio, small monitor')).toContain('wrist-monitor');
          await page.evaluate(() => window.__shammie.studio.store.setState({ monitorLarge: true }));
          await page.waitForFunction(() => window.__shammie.studio.store.getState().monitorLarge);
          await page.waitForTimeout(100);
          expect(await check('studio, large monitor')).toContain('wrist-monitor');
          await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-overlays-studio.png`) });
          await page.evaluate(() => window.__shammie.studio.store.setState({ monitorLarge: false }));
        }
        expect(hasCamera, 'the scene has a wrist camera: the monitor shows in the Studio tab').toBe(true);
        await page.evaluate(() => {
          window.__shammie.stores.view.setState({ pointMode: false });
          window.__shammie.stores.session.setState({ localProblems: [] });
        });
        await page.click('[data-testid=tab-plan]');
      }, 60_000);

      it('object labels: no two visible labels overlap by more than 20 % (TOY_CAR behind CANDY)', async () => {
        const probe = () => probeLabels(page);
        for (const preset of ['perspective', 'front', 'top'] as const) {
          await page.click(`[data-testid=view-${preset}]`);
          await page.waitForTimeout(600); // the camera glides to the preset
          const p = await probe();
          const texts = p.labels.map((l) => l.text);
          expect(texts, preset).toEqual(expect.arrayContaining(['CANDY', 'TOY_CAR', 'GIFT_BAG']));
          const shown = p.labels.filter((l) => l.visible);
          expect(shown.length, preset).toBeGreaterThanOrEqual(2);
          for (let i = 0; i < shown.length; i++)
            for (let j = i + 1; j < shown.length; j++)
              expect(overlapShare(shown[i], shown[j]), `${preset}: ${shown[i].text} × ${shown[j].text}`).toBeLessThanOrEqual(0.2);
          if (preset === 'perspective') {
            // Where their owners put them, CANDY's and TOY_CAR's labels do overlap: the layout moved one.
            const at = (t: string) => {
              const l = p.labels.find((x) => x.text === t)!;
              return { x: l.x, y: l.y + l.lift * l.h * 1.12, w: l.w, h: l.h };
            };
            expect(overlapShare(at('CANDY'), at('TOY_CAR'))).toBeGreaterThan(0.2);
            expect(p.labels.some((l) => l.lift > 0 || !l.visible)).toBe(true);
            await page.locator('[data-testid=viewport]').screenshot({ path: join(ARTIFACTS, `layout-${tag}-labels.png`) });
          }
        }
        await page.click('[data-testid=view-perspective]');
      }, 60_000);

      it("a label moved off its object has a leader line to the object's anchor; a label left in place has none", async () => {
        await page.click('[data-testid=view-perspective]');
        await page.waitForTimeout(600); // the camera glides to the preset
        const p = await probeLabels(page);
        const canvas = (await box(page, '[data-testid=viewport] canvas'))!;
        // Each object's anchor, projected here: the point just above its top where its label stands
        // when nothing moves it (scene/Bodies.tsx: the body's origin + half its height + 2.5 cm).
        const anchors = await page.evaluate(() => {
          const s = window.__shammie;
          const scene = s.stores.session.getState().scene!;
          const out: Record<string, { x: number; y: number } | null> = {};
          for (const o of scene.objects) {
            const top = o.shape === 'box' ? o.size[2] / 2 : o.shape === 'sphere' ? o.size[0] : o.size[1] / 2;
            const k = scene.bodies.indexOf(o.name) * 7;
            const b = s.joints.bodies;
            out[o.name] = s.project([b[k], b[k + 1], b[k + 2] + top + 0.025]);
          }
          return out;
        });
        const shown = p.labels.filter((l) => l.visible);
        const moved = shown.filter((l) => l.lift > 0);
        expect(
          moved.map((l) => l.text),
          'CANDY and TOY_CAR overlap from this camera: one of them is lifted',
        ).toEqual(expect.arrayContaining([expect.stringMatching(/^(CANDY|TOY_CAR)$/) as unknown]));
        for (const l of shown) {
          if (l.lift === 0) {
            expect(l.leader, `${l.text} was not moved: no leader`).toBeNull();
            continue;
          }
          expect(l.leader, `${l.text} was lifted ${l.lift}: a leader`).not.toBeNull();
          const ld = l.leader!;
          // One end at the label (the middle of its lower edge)…
          expect(Math.abs(ld.x1 - (l.x + l.w / 2)), `${l.text}: leader x at the label`).toBeLessThanOrEqual(3);
          expect(Math.abs(ld.y1 - (l.y + l.h)), `${l.text}: leader y at the label`).toBeLessThanOrEqual(3);
          // …the other at the object's projected anchor (page px → canvas px).
          const a = anchors[l.text];
          if (!a) continue; // a taught location has no object
          expect(Math.abs(ld.x2 - (a.x - canvas.x)), `${l.text}: leader x at the object`).toBeLessThanOrEqual(3);
          expect(Math.abs(ld.y2 - (a.y - canvas.y)), `${l.text}: leader y at the object`).toBeLessThanOrEqual(3);
        }
        // It is drawn: the pixels along it (one px either side) are the leader's colour.
        const png = await page.locator('[data-testid=viewport] canvas').screenshot();
        const target = [0, 2, 4].map((i) => parseInt(LEADER_COLOR.slice(1 + i, 3 + i), 16));
        for (const l of moved) {
          const ld = l.leader!;
          const rows: number[] = [];
          for (let y = Math.ceil(Math.min(ld.y1, ld.y2)) + 2; y <= Math.floor(Math.max(ld.y1, ld.y2)) - 2; y++) rows.push(y);
          expect(rows.length, `${l.text}: leader length`).toBeGreaterThan(4);
          const pts = rows.flatMap((y) => {
            const x = Math.round(ld.x1 + ((ld.x2 - ld.x1) * (y - ld.y1)) / (ld.y2 - ld.y1 || 1));
            return [x - 1, x, x + 1].map((xx) => [xx, y] as [number, number]);
          });
          const px = await pixelsAt(page, png, pts);
          let hit = 0;
          for (let r = 0; r < rows.length; r++)
            if (px.slice(r * 3, r * 3 + 3).some((c) => c.every((v, i) => Math.abs(v - target[i]) <= 24))) hit++;
          expect(hit / rows.length, `${l.text}: rows of the leader drawn in ${LEADER_COLOR}`).toBeGreaterThanOrEqual(0.8);
        }
        await page.locator('[data-testid=viewport]').screenshot({ path: join(ARTIFACTS, `layout-${tag}-leaders.png`) });
      }, 60_000);

      it('overlays scale with the window: their text, the wrist monitor and the labels are larger at 1920×1080, and still apart', async () => {
        await page.click('[data-testid=view-perspective]');
        await page.waitForTimeout(600);
        await page.evaluate(() => {
          window.__shammie.stores.view.setState({ pointMode: true });
          window.__shammie.stores.session.setState({
            localProblems: [{ id: 'scale-test', severity: 'warning', message: 'A warning in the corner of the view.', t: 0 }] as never,
          });
        });
        await page.click('[data-testid=tab-studio]');
        await page.waitForSelector('[data-testid=studio-monitor]', { timeout: 15_000 });
        await page.waitForSelector('[data-problem=scale-test]');
        await page.waitForTimeout(100);
        const monitor = (await box(page, '[data-testid=studio-monitor]'))!;
        const candy = (await probeLabels(page)).labels.find((l) => l.text === 'CANDY')!;
        const figures: Record<string, number> = {
          hud: await fontPx(page, '.viewport .hud'),
          toolbar: await fontPx(page, '.viewport .view-toolbar button'),
          banner: await fontPx(page, '.viewport .point-banner'),
          problem: await fontPx(page, '.viewport .problem'),
          monitorLabel: await fontPx(page, '.viewport .studio-monitor .monitor-label'),
          monitorW: monitor.w,
          monitorH: monitor.h,
          labelH: candy.h,
        };
        for (const [k, v] of Object.entries(figures)) expect(v, k).toBeGreaterThan(0);
        overlayFigures[tag] = figures;
        writeFileSync(join(ARTIFACTS, `layout-${tag}-overlay-scale.json`), JSON.stringify(figures, null, 2));
        // Still apart at this size, the monitor up.
        const all = await overlays(page);
        for (let i = 0; i < all.length; i++)
          for (let j = i + 1; j < all.length; j++) expect(intersection(all[i].box, all[j].box), `${all[i].name} × ${all[j].name}`).toBe(0);
        await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-overlay-scale.png`) });
        await page.evaluate(() => {
          window.__shammie.stores.view.setState({ pointMode: false });
          window.__shammie.stores.session.setState({ localProblems: [] });
        });
        await page.click('[data-testid=tab-plan]');
        if (size.width === 1920) {
          const small = overlayFigures['1280x800'];
          expect(small, 'the 1280×800 figures (measured first)').toBeDefined();
          // Readable at a distance: every overlay at least 15 % larger than at 1280×800.
          for (const [k, v] of Object.entries(figures)) expect(v / small[k], `${k}: ${small[k]} → ${v}`).toBeGreaterThanOrEqual(1.15);
        }
      }, 60_000);

      it('the side panel resizes by keyboard, collapses, and both are remembered after a reload', async () => {
        const grip = page.locator('[data-testid=side-resize]');
        await grip.focus();
        const before = Math.round(await sideWidth(page));
        await expect.poll(() => separatorValue(page)).toBe(before);
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.press('Shift+ArrowLeft');
        await expect.poll(() => separatorValue(page)).toBe(before + 16 + 16 + 64);
        const wider = await sideWidth(page);
        expect(Math.abs(wider - (before + 96))).toBeLessThanOrEqual(1);
        await page.keyboard.press('ArrowRight');
        await expect.poll(() => separatorValue(page)).toBe(before + 80);
        const saved = await page.evaluate((k) => window.localStorage.getItem(k), LAYOUT_KEY);
        expect(JSON.parse(saved ?? '{}')).toMatchObject({ sideWidth: before + 80, collapsed: false });

        await openConsole(page, h.url);
        expect(Math.round(await sideWidth(page))).toBe(before + 80);
        expect(await separatorValue(page)).toBe(before + 80);
        // The dialogue still keeps ≥ 40 % after the change.
        expect((await box(page, 'section.dialogue'))!.h / (await box(page, 'aside.side'))!.h).toBeGreaterThanOrEqual(0.4);

        // Enter on the separator collapses the panel; the 3D view takes the room; remembered too.
        const view = (await box(page, '[data-testid=viewport]'))!.w;
        await page.locator('[data-testid=side-resize]').focus();
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => getComputedStyle(document.querySelector('aside.side')!).display === 'none');
        expect(await page.getAttribute('[data-testid=side-toggle]', 'aria-expanded')).toBe('false');
        await expect.poll(async () => (await box(page, '[data-testid=viewport]'))!.w).toBeGreaterThan(view + before);
        await openConsole(page, h.url);
        expect(await box(page, 'aside.side')).toBeNull();
        await page.click('[data-testid=side-toggle]');
        expect(Math.round(await sideWidth(page))).toBe(before + 80);
        await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-resized.png`) });

        // A malformed saved layout is ignored: the automatic width comes back.
        await page.evaluate((k) => {
          (window as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
            k,
            JSON.stringify({ sideWidth: 'wide', collapsed: 'yes', dialogueShare: 0.1 }),
          );
        }, LAYOUT_KEY);
        await openConsole(page, h.url);
        expect(Math.round(await sideWidth(page))).toBe(before);
        expect((await box(page, 'section.dialogue'))!.h / (await box(page, 'aside.side'))!.h).toBeGreaterThanOrEqual(0.4);

        // At its widest (End) the panel leaves the 3D view room for its top row on one line.
        await page.locator('[data-testid=side-resize]').focus();
        await page.keyboard.press('End');
        await expect.poll(() => separatorValue(page)).toBeGreaterThan(before + 80);
        const view2 = (await box(page, '[data-testid=viewport]'))!;
        const top = (await overlays(page)).filter((o) => o.name === 'hud' || o.name === 'toolbar');
        expect(top.map((o) => o.name).sort()).toEqual(['hud', 'toolbar']);
        expect(intersection(top[0].box, top[1].box)).toBe(0);
        for (const o of top) expect(o.box.x + o.box.w, o.name).toBeLessThanOrEqual(view2.x + view2.w);
        await page.screenshot({ path: join(ARTIFACTS, `layout-${tag}-widest.png`) });
        await page.keyboard.press('Home');
        await expect.poll(() => separatorValue(page)).toBe(300);
      }, 90_000);
    });
  }
});
