import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../model/math/random.js';
import { MotionChecker, planPath, resolutionMotionValidity, simplifyPath, type SimplifyParams } from '../../../skills/planning/index.js';
import { length, pathIsValid, validity, worldArb, type World } from './worlds.js';

const RES = 0.01;
const FINE = RES / 8;

const paramsArb = fc.record({
  shortcutAttempts: fc.integer({ min: 0, max: 40 }),
  shortcutPatience: fc.integer({ min: 1, max: 20 }),
  smoothRounds: fc.integer({ min: 0, max: 4 }),
  coarse: fc.constantFrom(1, 2, 4, 8),
  seed: fc.integer({ min: 0, max: 1 << 30 }),
});

/** A raw (unsimplified) valid path through the world, or undefined when none was found quickly. */
function rawPath(world: World, start: number[], goal: number[], seed: number): Float64Array[] | undefined {
  const r = planPath(start, goal, {
    lower: world.lower,
    upper: world.upper,
    isStateValid: validity(world, RES),
    resolution: RES,
    simplify: false,
    seed,
    budget: { timeMs: 60_000, maxSamples: 3000 },
  });
  return r.ok && r.path.length > 2 ? r.path : undefined;
}

function simplify(
  world: World,
  path: Float64Array[],
  p: { shortcutAttempts: number; shortcutPatience: number; smoothRounds: number; coarse: number; seed: number },
) {
  const check = new MotionChecker(world.dim, validity(world, RES), RES);
  const params: SimplifyParams = { ...p, deadline: Infinity, now: () => 0, random: mulberry32(p.seed) };
  return simplifyPath(path, check, params);
}

describe('simplifyPath', () => {
  for (const dim of [2, 7]) {
    it(`never lengthens a path nor makes it invalid (${dim}-D, property)`, () => {
      let tried = 0;
      fc.assert(
        fc.property(
          worldArb(dim),
          fc.array(fc.double({ min: -0.95, max: 0.95, noNaN: true }), { minLength: 2 * dim, maxLength: 2 * dim }),
          paramsArb,
          (world, ends, p) => {
            // start on the low side of joint 0, goal on the high side
            const start = ends.slice(0, dim).map((v, i) => (i === 0 ? -0.5 - Math.abs(v) / 2 : v)),
              goal = ends.slice(dim).map((v, i) => (i === 0 ? 0.5 + Math.abs(v) / 2 : v));
            const raw = rawPath(world, start, goal, p.seed);
            fc.pre(raw !== undefined);
            if (!raw) return;
            tried++;
            const before = raw.map((q) => q.slice());
            const out = simplify(world, raw, p);
            expect(out.verified).toBe(true);
            expect(length(out.path)).toBeLessThanOrEqual(length(raw) + 1e-9);
            expect(pathIsValid(world, out.path, FINE)).toBe(true);
            // and any re-check at the planner's own resolution, with its own validity, agrees
            const again = resolutionMotionValidity(dim, validity(world, RES), RES);
            expect(out.path.every((q, i) => i === 0 || again(out.path[i - 1], q))).toBe(true);
            expect(Array.from(out.path[0])).toEqual(start);
            expect(Array.from(out.path[out.path.length - 1])).toEqual(goal);
            // the input is left as it was
            expect(raw.map((q) => Array.from(q))).toEqual(before.map((q) => Array.from(q)));
          },
        ),
        { seed: 20261205, numRuns: dim === 2 ? 150 : 60 },
      );
      expect(tried).toBeGreaterThan(dim === 2 ? 30 : 10);
    });
  }

  it('re-checks coarse shortcuts in full and falls back when one skipped an obstacle', () => {
    // a sliver (true thickness 0.5 × RES, 2.5 × RES as the planner sees it) that screening 8 steps apart can jump
    const world: World = {
      dim: 2,
      lower: [-1, -1],
      upper: [1, 1],
      boxes: [
        { lo: [-0.0025, -1], hi: [0.0025, 0.5] },
        { lo: [-0.1, 0.45], hi: [0.1, 0.55] },
      ],
    };
    let redone = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const raw = rawPath(world, [-0.5, -0.5], [0.5, -0.5], seed);
      if (!raw) continue;
      const out = simplify(world, raw, { shortcutAttempts: 40, shortcutPatience: 40, smoothRounds: 2, coarse: 8, seed });
      redone += Number(out.redone);
      expect(out.verified).toBe(true);
      expect(pathIsValid(world, out.path, FINE)).toBe(true);
      expect(length(out.path)).toBeLessThanOrEqual(length(raw) + 1e-9);
    }
    expect(redone).toBeGreaterThan(0);
  });
});
