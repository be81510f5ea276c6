/**
 * Screen-space label placement, pure (no DOM, no three.js): scene/labels.ts measures the labels
 * and applies the result; the unit tests call it directly.
 */

/** the most two shown labels may share, over the smaller one's area (the acceptance bound) */
export const LABEL_OVERLAP_MAX = 0.2;
/** what the placement itself allows: a sliver, well under the bound */
const SLIVER = 0.02;
/** lifts tried before a label is hidden */
const MAX_LIFT = 3;
/** gap between a lifted label and the one under it, in label heights */
export const LIFT_GAP = 0.12;
/** labels placed per pass; more are left as they are (a scene has a handful) */
export const MAX_LABELS = 256;

/** A label's rectangle on screen (CSS px, y down) where its owner put it. */
export interface LabelBox {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  priority: number;
  /** distance from the camera: nearer is placed first */
  depth: number;
}
export interface LabelPlacement {
  id: number;
  /** lifted this many steps (a label height plus a gap each) */
  lift: number;
  visible: boolean;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Intersection area over the smaller rectangle's area (0 when apart). */
export function overlapShare(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): number {
  const ix = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const smaller = Math.min(a.w * a.h, b.w * b.h);
  return smaller > 0 ? (ix * iy) / smaller : 1;
}

/**
 * Greedy placement: by priority, then nearest first; each label takes the lowest lift at which
 * it touches no placed label (a sliver of 2 % is allowed), else it is hidden. Pure, for tests.
 */
export function declutter(boxes: readonly LabelBox[]): LabelPlacement[] {
  const order = boxes.slice(0, MAX_LABELS).sort((a, b) => b.priority - a.priority || a.depth - b.depth);
  const placed: LabelPlacement[] = [];
  const out: LabelPlacement[] = [];
  for (const b of order) {
    let done: LabelPlacement | null = null;
    for (let k = 0; k <= MAX_LIFT && !done; k++) {
      const r = { id: b.id, lift: k, visible: true, x: b.x, y: b.y - k * b.h * (1 + LIFT_GAP), w: b.w, h: b.h };
      if (placed.every((p) => overlapShare(p, r) <= SLIVER)) done = r;
    }
    if (done) placed.push(done);
    out.push(done ?? { id: b.id, lift: 0, visible: false, x: b.x, y: b.y, w: b.w, h: b.h });
  }
  return out;
}

/** a label moved less than this from where its owner put it still sits on its object, px */
export const LEADER_MIN_PX = 4;
/** the leader line's colour (scene/labels.ts draws it; the layout e2e looks for it) */
export const LEADER_COLOR = '#f4f6fa';

/** Whether a placed label gets a leader line back to its anchor: shown, and moved more than a few px. */
export function needsLeader(from: LabelBox, to: LabelPlacement): boolean {
  return to.visible && Math.hypot(to.x - from.x, to.y - from.y) > LEADER_MIN_PX;
}

/** What the last label pass showed (window.__shammieLabels), for tests and debugging; canvas px. */
export interface LabelProbe {
  passes: number;
  labels: {
    text: string;
    visible: boolean;
    x: number;
    y: number;
    w: number;
    h: number;
    lift: number;
    /** the leader as drawn, read back from its vertex buffer, or null */
    leader: { x1: number; y1: number; x2: number; y2: number } | null;
  }[];
}
