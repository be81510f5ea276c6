import fc from 'fast-check';

/**
 * Toy worlds in joint space for the planner tests: axis-aligned boxes (rad) in an n-D joint box.
 *
 * The planner sees every obstacle inflated by `margin` (≥ its resolution); the independent check
 * (`pathIsValid`) samples the path much more finely against the true obstacles. Every point of a
 * segment lies within resolution/2 of a point the planner checked, so a path the planner built
 * correctly always passes, and a segment it failed to check shows up.
 */
export interface Box {
  lo: number[];
  hi: number[];
}

export interface World {
  dim: number;
  lower: number[];
  upper: number[];
  boxes: Box[];
}

const inside = (q: ArrayLike<number>, b: Box, m: number): boolean => {
  for (let i = 0; i < b.lo.length; i++) if (q[i] < b.lo[i] - m || q[i] > b.hi[i] + m) return false;
  return true;
};

/** State validity with obstacles grown by `margin`; counts its calls. */
export function validity(world: World, margin: number) {
  const fn = Object.assign(
    (q: Float64Array): boolean => {
      fn.calls++;
      for (const b of world.boxes) if (inside(q, b, margin)) return false;
      return true;
    },
    { calls: 0 },
  );
  return fn;
}

/** Independent check: every vertex inside the limits and free, every segment sampled at `step`. */
export function pathIsValid(world: World, path: readonly ArrayLike<number>[], step: number): boolean {
  const free = (q: ArrayLike<number>) => world.boxes.every((b) => !inside(q, b, 0));
  const q = new Float64Array(world.dim);
  for (let k = 0; k < path.length; k++) {
    const p = path[k];
    if (p.length !== world.dim) return false;
    for (let i = 0; i < world.dim; i++) if (!(p[i] >= world.lower[i] - 1e-12 && p[i] <= world.upper[i] + 1e-12)) return false;
    if (!free(p)) return false;
    if (k === 0) continue;
    const a = path[k - 1];
    const n = Math.ceil(distance(a, p) / step);
    for (let s = 1; s < n; s++) {
      for (let i = 0; i < world.dim; i++) q[i] = a[i] + ((p[i] - a[i]) * s) / n;
      if (!free(q)) return false;
    }
  }
  return true;
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
  return Math.sqrt(d);
}

export function length(path: readonly ArrayLike<number>[]): number {
  let l = 0;
  for (let i = 1; i < path.length; i++) l += distance(path[i - 1], path[i]);
  return l;
}

/**
 * 2-D: two walls across [−1, 1]², each with one narrow gap, at opposite ends (a zig-zag): the
 * straight line is blocked and the only way threads both gaps. Gap width `gap` rad (true size).
 */
export function zigzag2d(gap = 0.06): World {
  const t = 0.05; // wall half thickness, rad
  return {
    dim: 2,
    lower: [-1, -1],
    upper: [1, 1],
    boxes: [
      // wall at x = −0.3 with its gap near the top
      { lo: [-0.3 - t, -1.5], hi: [-0.3 + t, 0.7] },
      { lo: [-0.3 - t, 0.7 + gap], hi: [-0.3 + t, 1.5] },
      // wall at x = +0.3 with its gap near the bottom
      { lo: [0.3 - t, -1.5], hi: [0.3 + t, -0.7 - gap] },
      { lo: [0.3 - t, -0.7], hi: [0.3 + t, 1.5] },
    ],
  };
}

/** 2-D: a wall across the whole space: start and goal on either side are disconnected. */
export function splitWorld2d(): World {
  return { dim: 2, lower: [-1, -1], upper: [1, 1], boxes: [{ lo: [-0.05, -2], hi: [0.05, 2] }] };
}

/**
 * 7-D: a slab across joint 0 (|q0| ≤ 0.1) with one square hole, `hole` rad wide in joints 1 and 2
 * and open in the other joints, plus a block right behind the hole on the start side that forces a
 * detour. Limits [−1, 1]^7.
 */
export function slab7d(hole = 0.12): World {
  const n = 7,
    big = 5;
  const lo = (v: Record<number, number>) => Array.from({ length: n }, (_, i) => v[i] ?? -big);
  const hi = (v: Record<number, number>) => Array.from({ length: n }, (_, i) => v[i] ?? big);
  const h0 = 0.3,
    h1 = -0.2; // hole corner in joints 1, 2
  return {
    dim: n,
    lower: Array.from({ length: n }, () => -1),
    upper: Array.from({ length: n }, () => 1),
    boxes: [
      // the slab minus the hole, as four boxes around it in the (q1, q2) plane
      { lo: lo({ 0: -0.1 }), hi: hi({ 0: 0.1, 1: h0 }) },
      { lo: lo({ 0: -0.1, 1: h0 + hole }), hi: hi({ 0: 0.1 }) },
      { lo: lo({ 0: -0.1, 1: h0 }), hi: hi({ 0: 0.1, 1: h0 + hole, 2: h1 }) },
      { lo: lo({ 0: -0.1, 1: h0, 2: h1 + hole }), hi: hi({ 0: 0.1, 1: h0 + hole }) },
      // a block on the start side, in front of the start
      { lo: lo({ 0: -0.6, 1: -0.4, 2: -0.4 }), hi: hi({ 0: -0.4, 1: 0.4, 2: 0.4 }) },
    ],
  };
}

/** A random world of a few boxes in [−1, 1]^dim, plus one across the middle of joint 0 so the straight line is usually blocked. */
export const worldArb = (dim: number) =>
  fc
    .array(
      fc.record({
        c: fc.array(fc.double({ min: -0.8, max: 0.8, noNaN: true }), { minLength: dim, maxLength: dim }),
        h: fc.array(fc.double({ min: 0.05, max: 0.35, noNaN: true }), { minLength: dim, maxLength: dim }),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((bs): World => ({
      dim,
      lower: Array.from({ length: dim }, () => -1),
      upper: Array.from({ length: dim }, () => 1),
      boxes: bs.map((b): Box => ({ lo: b.c.map((c, i) => c - b.h[i]), hi: b.c.map((c, i) => c + b.h[i]) })),
    }));
