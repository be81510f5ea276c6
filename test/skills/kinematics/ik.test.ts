import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { quatAngle, quatFromMatrix, type Quat, type Vec3 } from '../../../model/math/transform.js';
import { IkSolver, jointDistance, type IkGoal } from '../../../skills/kinematics/ik.js';
import { oddArm, randomConfig, rng } from './helpers.js';

describe.each(['panda', 'ur5e'] as const)('IkSolver on %s', (robot) => {
  const model = loadRobotModel(robot);
  const solver = new IkSolver(model);

  /** Errors of q against a goal, measured with RobotModel (independent of the solver's FK). */
  const check = (q: number[], goal: { position: Vec3; quaternion?: Quat }) => {
    const T = model.tipPose(q);
    return {
      pos: Math.hypot(T[12] - goal.position[0], T[13] - goal.position[1], T[14] - goal.position[2]),
      rot: goal.quaternion ? quatAngle(quatFromMatrix(T), goal.quaternion) : 0,
    };
  };

  it('solves random reachable poses from home (≥ 99 %), always within limits', () => {
    const r = rng(robot === 'panda' ? 11 : 12);
    const N = 200;
    let ok = 0;
    for (let k = 0; k < N; k++) {
      const goal = solver.chain.pose(randomConfig(model, r));
      const res = solver.solve(goal);
      expect(model.withinLimits(res.q)).toBe(true);
      const e = check(res.q, goal);
      // the reported errors are the real ones
      expect(e.pos).toBeCloseTo(res.positionError, 9);
      expect(e.rot).toBeCloseTo(res.orientationError, 6);
      if (res.ok) {
        expect(e.pos).toBeLessThan(1e-3);
        expect(e.rot).toBeLessThan(0.01);
        expect(res.reason).toBeUndefined();
        ok++;
      } else {
        expect(res.reason).toMatch(/\w/);
      }
    }
    expect(ok / N).toBeGreaterThanOrEqual(0.99);
  });

  it('solves position-only goals', () => {
    const r = rng(21);
    let ok = 0;
    for (let k = 0; k < 100; k++) {
      const { position } = solver.chain.pose(randomConfig(model, r));
      const res = solver.solve({ position });
      expect(model.withinLimits(res.q)).toBe(true);
      if (res.ok) {
        ok++;
        expect(check(res.q, { position }).pos).toBeLessThan(1e-3);
        expect(res.orientationError).toBe(0);
      }
    }
    expect(ok).toBeGreaterThanOrEqual(99);
  });

  it('solves approach-axis goals (tool z along a direction, yaw free)', () => {
    const home = solver.chain.pose(model.home).position;
    const axes: Vec3[] = [
      [0, 0, -1],
      [Math.SQRT1_2, 0, -Math.SQRT1_2],
      [0, -0.6, -0.8],
    ];
    for (const approachAxis of axes) {
      const position: Vec3 = [home[0] + 0.1, home[1] - 0.1, home[2] - 0.15];
      const res = solver.solve({ position, approachAxis });
      expect(res.ok).toBe(true);
      const T = model.tipPose(res.q);
      expect(check(res.q, { position }).pos).toBeLessThan(1e-3);
      const dot = T[8] * approachAxis[0] + T[9] * approachAxis[1] + T[10] * approachAxis[2];
      expect(Math.acos(Math.min(1, dot))).toBeLessThan(0.01);
    }
  });

  it('returns the seed itself for the seed pose, with no restarts', () => {
    const goal = solver.chain.pose(model.home);
    const res = solver.solve(goal);
    expect(res.ok).toBe(true);
    expect(res.restarts).toBe(0);
    expect(jointDistance(res.q, model.home)).toBeLessThan(1e-6);
  });

  it('stays near the seed for a small move (no branch flip)', () => {
    const r = rng(31);
    let solved = 0;
    for (let k = 0; k < 20; k++) {
      const q0 = randomConfig(model, r).map((v, i) => {
        const j = model.arm[i];
        return Math.min(Math.max(v, j.lower + 0.1), j.upper - 0.1);
      });
      const q1 = q0.map((v, i) => Math.min(Math.max(v + (r() - 0.5) * 0.02, model.arm[i].lower), model.arm[i].upper));
      const res = solver.solve(solver.chain.pose(q1), { seed: q0, maxRestarts: 0 });
      if (!res.ok) continue; // near-singular draws may not converge without restarts
      solved++;
      expect(jointDistance(res.q, q0)).toBeLessThan(0.2);
    }
    expect(solved).toBeGreaterThanOrEqual(18);
  });

  it('is deterministic', () => {
    const r = rng(41);
    const goals = Array.from({ length: 30 }, () => solver.chain.pose(randomConfig(model, r)));
    const other = new IkSolver(model);
    for (const g of goals) {
      const a = solver.solve(g),
        b = solver.solve(g),
        c = other.solve(g);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }
  });

  it('fails with a plain-English reason, without throwing, for an unreachable goal', () => {
    const goal = { position: [1.4, 0.2, 0.5] as Vec3, quaternion: [1, 0, 0, 0] as Quat };
    // a fresh solver: the reach estimate is computed during this very call
    const res = new IkSolver(model).solve(goal);
    expect(res.ok).toBe(false);
    expect(res.reason).toMatch(/out of reach \(max reach ≈ \d\.\d\d m\)/);
    expect(model.withinLimits(res.q)).toBe(true);
    // reported errors are those of the returned q (the seed) against this goal
    const e = check(res.q, goal);
    expect(res.positionError).toBeCloseTo(e.pos, 9);
    expect(res.orientationError).toBeCloseTo(e.rot, 6);
    expect(res.iterations).toBe(0);
  });

  it('fails with a reason just beyond the workspace edge (passes the quick bound)', () => {
    const s = solver.chain.shoulder;
    const d = solver.maxReach * 1.03;
    expect(d).toBeLessThan(solver.chain.reachUpperBound);
    const res = solver.solve({ position: [s[0] + d, s[1], s[2]] }, { maxRestarts: 5 });
    expect(res.ok).toBe(false);
    expect(res.reason).toMatch(/reach/);
    expect(res.positionError).toBeGreaterThan(1e-3);
    expect(model.withinLimits(res.q)).toBe(true);
  });

  it('rejects malformed goals with a reason instead of throwing', () => {
    const bad: IkGoal[] = [
      { position: [Number.NaN, 0, 0.3] },
      { position: [0.4, 0, 0.3], quaternion: [0, 0, 0, 0] },
      { position: [0.4, 0, 0.3], approachAxis: [0, 0, 0] },
    ];
    for (const g of bad) {
      const res = solver.solve(g);
      expect(res.ok).toBe(false);
      expect(res.reason).toBeTruthy();
    }
    expect(() => solver.solve({ position: [0.4, 0, 0.3] }, { seed: [0, 0] })).toThrow(/seed/);
  });

  it('solveNearest returns a valid solution at least as close to the seed as solve', () => {
    const r = rng(51);
    let compared = 0;
    for (let k = 0; k < 5; k++) {
      const goal = solver.chain.pose(randomConfig(model, r));
      const a = solver.solve(goal),
        b = solver.solveNearest(goal, { candidates: 6 });
      if (!a.ok) continue;
      expect(b.ok).toBe(true);
      expect(model.withinLimits(b.q)).toBe(true);
      expect(check(b.q, goal).pos).toBeLessThan(1e-3);
      expect(jointDistance(b.q, model.home)).toBeLessThanOrEqual(jointDistance(a.q, model.home) + 1e-9);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});

describe('IkSolver on an arm with prismatic and continuous joints', () => {
  const model = oddArm();
  const solver = new IkSolver(model);
  it('solves position-only goals within limits', () => {
    const r = rng(61);
    let ok = 0;
    for (let k = 0; k < 50; k++) {
      const { position } = solver.chain.pose(randomConfig(model, r));
      const res = solver.solve({ position });
      expect(model.withinLimits(res.q)).toBe(true);
      if (res.ok) ok++;
    }
    expect(ok).toBeGreaterThanOrEqual(49);
  });
});
