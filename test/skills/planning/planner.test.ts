import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JointSpacePlanner, planPath, resolutionMotionValidity, type PlannerOptions } from '../../../skills/planning/index.js';
import { length, pathIsValid, slab7d, splitWorld2d, validity, worldArb, zigzag2d, type World } from './worlds.js';

const RES = 0.005; // rad between checked configurations
const FINE = RES / 8; // the independent check's step

/** Options for a world: obstacles inflated by the resolution for the planner, a sample cap, no clock in the way. */
function optionsFor(world: World, extra: Partial<PlannerOptions> = {}): PlannerOptions {
  return {
    lower: world.lower,
    upper: world.upper,
    isStateValid: validity(world, RES),
    resolution: RES,
    budget: { timeMs: 60_000, maxSamples: 20_000 },
    ...extra,
  };
}

function expectGoodPath(world: World, r: ReturnType<JointSpacePlanner['plan']>, start: number[], goal: number[]) {
  if (!r.ok) throw new Error(`expected a path: ${r.message}`);
  expect(Array.from(r.path[0])).toEqual(start);
  expect(Array.from(r.path[r.path.length - 1])).toEqual(goal);
  expect(pathIsValid(world, r.path, FINE)).toBe(true);
  // a re-check at the planner's own resolution, with its own validity function, agrees
  const again = resolutionMotionValidity(world.dim, validity(world, RES), RES);
  expect(r.path.every((q, i) => i === 0 || again(r.path[i - 1], q))).toBe(true);
  expect(r.stats.length).toBeCloseTo(length(r.path), 9);
  expect(r.stats.length).toBeLessThanOrEqual(r.stats.rawLength + 1e-9);
  expect(r.stats.waypoints).toBe(r.path.length);
}

describe('JointSpacePlanner', () => {
  it('returns the straight line at once when it is free', () => {
    const world: World = { dim: 2, lower: [-1, -1], upper: [1, 1], boxes: [{ lo: [0.5, 0.5], hi: [0.6, 0.6] }] };
    const r = planPath([-0.5, -0.5], [0.5, -0.5], optionsFor(world));
    expectGoodPath(world, r, [-0.5, -0.5], [0.5, -0.5]);
    expect(r.ok && r.path.length).toBe(2);
    expect(r.stats.directPath).toBe(true);
    expect(r.stats.iterations).toBe(0);
  });

  it('threads two narrow gaps in 2-D', () => {
    const world = zigzag2d();
    const start = [-0.8, -0.8],
      goal = [0.8, 0.8];
    const r = planPath(start, goal, optionsFor(world, { seed: 7 }));
    expectGoodPath(world, r, start, goal);
    expect(r.stats.directPath).toBe(false);
    // the detour through both gaps is far longer than the straight line (2.26 rad)
    expect(r.stats.length).toBeGreaterThan(3);
  });

  it('finds the hole in a 7-D slab behind a block', () => {
    const world = slab7d();
    const start = [-0.8, 0, 0, 0.2, -0.3, 0.1, 0],
      goal = [0.8, 0.1, -0.2, -0.4, 0.5, 0, 0.3];
    const r = planPath(start, goal, optionsFor(world, { seed: 3 }));
    expectGoodPath(world, r, start, goal);
    expect(r.stats.directPath).toBe(false);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const world = zigzag2d();
    const start = [-0.8, -0.8],
      goal = [0.8, 0.8];
    const a = new JointSpacePlanner(optionsFor(world)),
      b = new JointSpacePlanner(optionsFor(world));
    const r1 = a.plan(start, goal, { seed: 11 }),
      r2 = a.plan(start, goal, { seed: 11 }),
      r3 = b.plan(start, goal, { seed: 11 }),
      r4 = b.plan(start, goal, { seed: 12 });
    if (!r1.ok || !r2.ok || !r3.ok || !r4.ok) throw new Error('expected paths');
    const flat = (p: Float64Array[]) => p.flatMap((q) => Array.from(q));
    expect(flat(r2.path)).toEqual(flat(r1.path));
    expect(flat(r3.path)).toEqual(flat(r1.path));
    expect([r2.stats.iterations, r2.stats.stateChecks]).toEqual([r1.stats.iterations, r1.stats.stateChecks]);
    expect(flat(r4.path)).not.toEqual(flat(r1.path));
  });

  it('stays inside the joint limits, even when the way around would leave them', () => {
    // a wall that only leaves a way out beyond the upper limit of joint 1: no path inside
    const world: World = { dim: 2, lower: [-1, -1], upper: [1, 1], boxes: [{ lo: [-0.05, -2], hi: [0.05, 0.995] }] };
    const opts = optionsFor(world, { budget: { timeMs: 60_000, maxSamples: 3000 } });
    const r = planPath([-0.5, 0], [0.5, 0], opts);
    expect(r.ok).toBe(false);
    // with the gap inside the limits, every waypoint respects them
    const open: World = { ...world, boxes: [{ lo: [-0.05, -2], hi: [0.05, 0.9] }] };
    const r2 = planPath([-0.5, 0], [0.5, 0], optionsFor(open, { seed: 2 }));
    expectGoodPath(open, r2, [-0.5, 0], [0.5, 0]);
  });

  it('says clearly that no path exists within the budget (disconnected space)', () => {
    const world = splitWorld2d();
    const r = planPath([-0.5, 0], [0.5, 0], optionsFor(world, { budget: { timeMs: 60_000, maxSamples: 2000 } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('budget-exhausted');
    expect(r.message).toBe('no collision-free path found within 60,000 ms / 2,000 samples');
    expect(r.stats.iterations).toBe(2000);
  });

  it('stops at the time budget', () => {
    const world = splitWorld2d();
    let t = 0;
    // a fake clock: 1 ms per reading, so the 50 ms budget ends the search after ~50 iterations
    const r = planPath([-0.5, 0], [0.5, 0], optionsFor(world, { budget: { timeMs: 50, maxSamples: 1_000_000 }, now: () => t++ }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe('no collision-free path found within 50 ms / 1,000,000 samples');
    expect(r.stats.iterations).toBeLessThan(60);
  });

  it('refuses a goal or start inside an obstacle before searching', () => {
    const world = zigzag2d();
    const goalIn = planPath([-0.8, -0.8], [0.3, 0], optionsFor(world));
    expect(goalIn).toMatchObject({ ok: false, reason: 'goal-invalid', message: 'the goal configuration is in collision' });
    expect(goalIn.stats.iterations).toBe(0);
    const startIn = planPath([0.3, 0], [0.8, 0.8], optionsFor(world));
    expect(startIn).toMatchObject({ ok: false, reason: 'start-invalid' });
    const outside = planPath([-0.8, -0.8], [1.2, 0], optionsFor(world));
    expect(outside).toMatchObject({ ok: false, reason: 'goal-out-of-limits' });
  });

  it('accepts a valid goal within goalTolerance when the goal itself is blocked', () => {
    const world: World = { dim: 2, lower: [-1, -1], upper: [1, 1], boxes: [{ lo: [0.5, -0.02], hi: [0.6, 0.02] }] };
    const goal = [0.55, 0.021]; // just inside the inflated obstacle
    const strict = planPath([-0.5, 0], goal, optionsFor(world));
    expect(strict).toMatchObject({ ok: false, reason: 'goal-invalid' });
    const r = planPath([-0.5, 0], goal, optionsFor(world, { goalTolerance: 0.02 }));
    if (!r.ok) throw new Error(r.message);
    expect(r.goalOffset).toBeGreaterThan(0);
    expect(r.goalOffset).toBeLessThanOrEqual(0.02);
    expect(pathIsValid(world, r.path, FINE)).toBe(true);
  });

  it('uses a motion check of its own when given one', () => {
    const world = zigzag2d();
    const isStateValid = validity(world, RES);
    const motion = resolutionMotionValidity(2, isStateValid, RES);
    let calls = 0;
    const r = planPath([-0.8, -0.8], [0.8, 0.8], {
      lower: world.lower,
      upper: world.upper,
      isStateValid,
      isMotionValid: (a, b) => (calls++, motion(a, b)),
      budget: { timeMs: 60_000, maxSamples: 20_000 },
    });
    expectGoodPath(world, r, [-0.8, -0.8], [0.8, 0.8]);
    expect(calls).toBe(r.stats.motionChecks);
  });

  it('hands the validity function one reused buffer', () => {
    const world = zigzag2d();
    const seen = new Set<Float64Array>();
    const inner = validity(world, RES);
    planPath([-0.8, -0.8], [0.8, 0.8], optionsFor(world, { isStateValid: (q) => (seen.add(q), inner(q)) }));
    expect(seen.size).toBe(1);
  });

  it('can return the raw path (simplify: false)', () => {
    const world = zigzag2d();
    const r = planPath([-0.8, -0.8], [0.8, 0.8], optionsFor(world, { simplify: false, seed: 5 }));
    if (!r.ok) throw new Error(r.message);
    expect(r.stats.length).toBe(r.stats.rawLength);
    expect(r.stats.simplifyStateChecks).toBe(0);
    expect(pathIsValid(world, r.path, FINE)).toBe(true);
  });

  it('validates its inputs', () => {
    const world = zigzag2d();
    const ok = optionsFor(world);
    expect(() => new JointSpacePlanner({ ...ok, lower: [0, Number.NaN] })).toThrow(/finite/);
    expect(() => new JointSpacePlanner({ ...ok, lower: [0] })).toThrow(/lower limits/);
    expect(() => new JointSpacePlanner({ ...ok, lower: [1, -1] })).toThrow(/not below/);
    expect(() => new JointSpacePlanner({ ...ok, resolution: undefined })).toThrow(/resolution/);
    expect(() => new JointSpacePlanner({ ...ok, resolution: 0 })).toThrow(/resolution/);
    expect(() => new JointSpacePlanner({ ...ok, range: -1 })).toThrow(/range/);
    expect(() => new JointSpacePlanner({ ...ok, budget: { maxSamples: 1.5 } })).toThrow(/maxSamples/);
    expect(() => new JointSpacePlanner({ ...ok, budget: { timeMs: Infinity } })).toThrow(/timeMs/);
    expect(() => new JointSpacePlanner({ ...ok, simplify: { coarse: 0 } })).toThrow(/coarse/);
    const p = new JointSpacePlanner(ok);
    expect(() => p.plan([0, 0, 0], [0, 0])).toThrow(/2 joint values/);
    expect(() => p.plan([0, Number.POSITIVE_INFINITY], [0, 0])).toThrow(/finite/);
    expect(() => p.plan([0, 0], [0, 0], { seed: 0.5 })).toThrow(/seed/);
  });

  for (const dim of [2, 4]) {
    it(`returns only valid paths inside the limits, or a reason (random ${dim}-D worlds, property)`, () => {
      let found = 0;
      fc.assert(
        fc.property(
          worldArb(dim),
          fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2 * dim, maxLength: 2 * dim }),
          fc.integer({ min: 0, max: 1 << 30 }),
          (world, ends, seed) => {
            // start on the low side of joint 0, goal on the high side, so the middle box is in the way
            const start = ends.slice(0, dim).map((v, i) => (i === 0 ? -0.5 - Math.abs(v) / 2 : v)),
              goal = ends.slice(dim).map((v, i) => (i === 0 ? 0.5 + Math.abs(v) / 2 : v));
            const r = planPath(start, goal, optionsFor(world, { seed, budget: { timeMs: 60_000, maxSamples: 2000 } }));
            if (r.ok) {
              found++;
              expectGoodPath(world, r, start, goal);
            } else {
              expect(['start-invalid', 'goal-invalid', 'budget-exhausted']).toContain(r.reason);
              expect(r.message.length).toBeGreaterThan(10);
            }
          },
        ),
        { seed: 12, numRuns: 80 },
      );
      expect(found).toBeGreaterThan(15);
    });
  }

  it('start equal to goal is a one-segment path', () => {
    const world = zigzag2d();
    const r = planPath([-0.8, -0.8], [-0.8, -0.8], optionsFor(world));
    if (!r.ok) throw new Error(r.message);
    expect(r.path).toHaveLength(2);
    expect(r.stats.length).toBe(0);
  });
});
