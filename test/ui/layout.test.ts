/**
 * The console's layout logic without a browser: the saved panel sizes (validated on read, bad
 * values ignored), the separators' keyboard steps and bounds, and the label declutter.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DIALOGUE_MAX,
  DIALOGUE_MIN,
  dialogueKey,
  layoutStore,
  OVERLAY_SCALE_MAX,
  overlayScale,
  parseSavedLayout,
  SIDE_MAX,
  SIDE_MIN,
  sideKey,
  sideMax,
} from '../../ui/src/panels/layout.js';
import {
  declutter,
  LABEL_OVERLAP_MAX,
  LEADER_MIN_PX,
  MAX_LABELS,
  needsLeader,
  overlapShare,
  type LabelBox,
} from '../../ui/src/scene/declutter.js';
import { monitorRect, NOTICE_STRIP, noticeStrip } from '../../ui/src/studio/layout.js';

describe('saved layout', () => {
  it('reads a well-formed value back', () => {
    expect(parseSavedLayout(JSON.stringify({ sideWidth: 480, collapsed: true, dialogueShare: 0.55 }))).toEqual({
      sideWidth: 480,
      collapsed: true,
      dialogueShare: 0.55,
    });
    expect(parseSavedLayout(JSON.stringify({ sideWidth: null, collapsed: false, dialogueShare: 0.4 })).sideWidth).toBeNull();
  });

  it('ignores anything malformed or out of bounds (the defaults come back)', () => {
    const defaults = parseSavedLayout(null);
    expect(defaults.sideWidth).toBeNull();
    expect(defaults.collapsed).toBe(false);
    expect(defaults.dialogueShare).toBeGreaterThanOrEqual(DIALOGUE_MIN);
    for (const bad of [
      '{not json',
      '"wide"',
      JSON.stringify({ sideWidth: 'wide', collapsed: false, dialogueShare: 0.5 }),
      JSON.stringify({ sideWidth: SIDE_MIN - 1, collapsed: false, dialogueShare: 0.5 }),
      JSON.stringify({ sideWidth: SIDE_MAX + 1, collapsed: false, dialogueShare: 0.5 }),
      JSON.stringify({ sideWidth: 400.5, collapsed: false, dialogueShare: 0.5 }),
      JSON.stringify({ sideWidth: 400, collapsed: 'yes', dialogueShare: 0.5 }),
      JSON.stringify({ sideWidth: 400, collapsed: false, dialogueShare: 0.1 }),
      JSON.stringify({ sideWidth: 400, collapsed: false }),
    ])
      expect(parseSavedLayout(bad), bad).toEqual(defaults);
  });
});

describe('separators by keyboard', () => {
  beforeEach(() => layoutStore.setState(parseSavedLayout(null)));

  it('side panel: Left widens, Right narrows, Shift steps further, bounded by the window', () => {
    expect(sideKey('ArrowLeft', false, 400, 1280)).toBe(true);
    expect(layoutStore.getState().sideWidth).toBe(416);
    sideKey('ArrowRight', true, 416, 1280);
    expect(layoutStore.getState().sideWidth).toBe(352);
    sideKey('Home', false, 352, 1280);
    expect(layoutStore.getState().sideWidth).toBe(SIDE_MIN);
    sideKey('End', false, SIDE_MIN, 1280);
    expect(layoutStore.getState().sideWidth).toBe(sideMax(1280));
    // the 3D view keeps its share of a narrow window
    expect(sideMax(1280)).toBeLessThan(1280 - 400);
    sideKey('ArrowLeft', true, sideMax(1280), 1280);
    expect(layoutStore.getState().sideWidth).toBe(sideMax(1280));
    expect(sideKey('a', false, 400, 1280)).toBe(false);
  });

  it('Enter collapses and expands; resizing a collapsed panel opens it', () => {
    sideKey('Enter', false, 400, 1280);
    expect(layoutStore.getState().collapsed).toBe(true);
    sideKey('Enter', false, 400, 1280);
    expect(layoutStore.getState().collapsed).toBe(false);
    layoutStore.setState({ collapsed: true });
    sideKey('ArrowLeft', false, 400, 1280);
    expect(layoutStore.getState()).toMatchObject({ collapsed: false, sideWidth: 416 });
  });

  it('dialogue share: Down gives the dialogue more, never under 40 % nor over 80 %', () => {
    const start = layoutStore.getState().dialogueShare;
    dialogueKey('ArrowDown', false);
    expect(layoutStore.getState().dialogueShare).toBeCloseTo(start + 0.02, 5);
    for (let i = 0; i < 50; i++) dialogueKey('ArrowUp', true);
    expect(layoutStore.getState().dialogueShare).toBe(DIALOGUE_MIN);
    dialogueKey('End', false);
    expect(layoutStore.getState().dialogueShare).toBe(DIALOGUE_MAX);
  });
});

describe('label declutter', () => {
  const label = (id: number, x: number, y: number, depth: number, priority = 0): LabelBox => ({ id, x, y, w: 100, h: 24, depth, priority });
  const shown = (boxes: LabelBox[]) => declutter(boxes).filter((p) => p.visible);

  it('overlapShare: shared area over the smaller box', () => {
    expect(overlapShare({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 0, w: 10, h: 10 })).toBeCloseTo(0.5);
    expect(overlapShare({ x: 0, y: 0, w: 10, h: 10 }, { x: 2, y: 2, w: 2, h: 2 })).toBe(1);
    expect(overlapShare({ x: 0, y: 0, w: 10, h: 10 }, { x: 10, y: 0, w: 10, h: 10 })).toBe(0);
  });

  it('leaves labels that do not touch where they are', () => {
    const out = declutter([label(0, 0, 0, 1), label(1, 200, 0, 1), label(2, 0, 100, 1)]);
    expect(out.every((p) => p.visible && p.lift === 0)).toBe(true);
  });

  it('lifts the farther of two overlapping labels above the nearer one (TOY_CAR over CANDY)', () => {
    const out = declutter([label(0, 30, 100, 2.1), label(1, 0, 104, 1.9)]);
    const near = out.find((p) => p.id === 1)!;
    const far = out.find((p) => p.id === 0)!;
    expect(near).toMatchObject({ visible: true, lift: 0, y: 104 });
    expect(far.visible).toBe(true);
    expect(far.lift).toBeGreaterThan(0);
    expect(far.y + far.h).toBeLessThanOrEqual(near.y);
  });

  it('a higher priority keeps its place whatever the depth', () => {
    const out = declutter([label(0, 0, 100, 5, 1), label(1, 0, 100, 1, 0)]);
    expect(out.find((p) => p.id === 0)!.lift).toBe(0);
    expect(out.find((p) => p.id === 1)!.lift).toBeGreaterThan(0);
  });

  it('in a pile, no two shown labels overlap by more than 20 %; what cannot be placed is hidden', () => {
    const pile = Array.from({ length: 12 }, (_, i) => label(i, (i % 3) * 10, 200 + (i % 2) * 5, i));
    const out = declutter(pile);
    expect(out).toHaveLength(12);
    const vis = shown(pile);
    expect(vis.length).toBeGreaterThan(1);
    expect(vis.length).toBeLessThan(12);
    for (let i = 0; i < vis.length; i++)
      for (let j = i + 1; j < vis.length; j++) expect(overlapShare(vis[i], vis[j])).toBeLessThanOrEqual(LABEL_OVERLAP_MAX);
  });

  it('a label moved off its place needs a leader back to its anchor; one left in place or hidden does not', () => {
    const boxes = [label(0, 30, 100, 2.1), label(1, 0, 104, 1.9), label(2, 400, 100, 1)];
    const out = declutter(boxes);
    const by = (id: number) => out.find((p) => p.id === id)!;
    expect(needsLeader(boxes[0], by(0))).toBe(true); // lifted over the nearer one
    expect(needsLeader(boxes[1], by(1))).toBe(false);
    expect(needsLeader(boxes[2], by(2))).toBe(false);
    // A few px is still on its object; a hidden label has nothing to point from.
    expect(needsLeader(boxes[2], { ...by(2), y: by(2).y - LEADER_MIN_PX })).toBe(false);
    expect(needsLeader(boxes[2], { ...by(2), y: by(2).y - LEADER_MIN_PX - 1 })).toBe(true);
    expect(needsLeader(boxes[0], { ...by(0), visible: false })).toBe(false);
  });

  it('places at most MAX_LABELS labels per pass', () => {
    const many = Array.from({ length: MAX_LABELS + 10 }, (_, i) => label(i, i * 200, 0, i));
    expect(declutter(many)).toHaveLength(MAX_LABELS);
  });
});

describe('overlays over the 3D view grow with the window', () => {
  it('scale 1 up to 1280×800, then with the smaller proportion, at most OVERLAY_SCALE_MAX', () => {
    expect(overlayScale(1280, 800)).toBe(1);
    expect(overlayScale(1000, 700)).toBe(1);
    expect(overlayScale(1920, 1080)).toBe(1.35);
    expect(overlayScale(1920, 800)).toBe(1); // a short window: the height decides
    expect(overlayScale(3840, 2160)).toBe(OVERLAY_SCALE_MAX);
  });

  it("the wrist monitor keeps clear of the grown top row and notice strip, and of the view's edges", () => {
    for (const [winW, winH, viewW, viewH] of [
      [1280, 800, 906, 750],
      [1920, 1080, 1426, 1024],
      [2560, 1440, 1900, 1380],
    ]) {
      const scale = overlayScale(winW, winH);
      for (const large of [false, true]) {
        const r = monitorRect(viewW, viewH, 16 / 9, large, { x: 0, y: 0, w: 0, h: 0 }, scale);
        const what = `${winW}×${winH}, ${large ? 'large' : 'small'}`;
        expect(r.y, what).toBeGreaterThanOrEqual(44 * scale);
        expect(r.y + r.h, what).toBeLessThanOrEqual(viewH - 10 - noticeStrip(scale));
        expect(r.x + r.w, what).toBeLessThanOrEqual(viewW - 10);
      }
    }
    expect(noticeStrip(1)).toBe(NOTICE_STRIP);
    expect(noticeStrip(1.35)).toBeGreaterThan(NOTICE_STRIP * 1.3);
  });
});
