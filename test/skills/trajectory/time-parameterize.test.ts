import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRobotModel, type RobotModel } from '../../../model/description/robot-model.js';
import {
  concatTrajectories,
  timeParameterize,
  trajectorySummary,
  TrajectoryError,
  type TimeParameterizeOptions,
} from '../../../skills/trajectory/index.js';
import { LIMITS } from '../../../model/bounds.js';
import type { JointTrajectory } from '../../../robot-bridge/types.js';

const models: Record<string, RobotModel> = { panda: loadRobotModel('panda'), ur5e: loadRobotModel('ur5e') };

// --- generators ---------------------------------------------------------------------------------

/** A configuration inside the limits, `inset` rad away from them. */
const config = (m: RobotModel, inset = 0) =>
  fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: m.dof, maxLength: m.dof })
    .map((fs) => m.arm.map((j, i) => j.lower + inset + fs[i] * (j.upper - j.lower - 2 * inset)));

const options = fc.record({
  velocityScale: fc.double({ min: 0.05, max: 1, noNaN: true }),
  accelerationScale: fc.double({ min: 0.05, max: 1, noNaN: true }),
  dt: fc.double({ min: 0.004, max: 0.05, noNaN: true }),
});

/** Sparse waypoints anywhere in the limits. */
const sparse = (m: RobotModel) => fc.array(config(m), { minLength: 2, maxLength: 6 });

/** A dense smooth path (like Cartesian IK output): 20–200 points, small steps, kept inside the limits. */
const dense = (m: RobotModel) =>
  fc
    .record({
      start: config(m, 0.4),
      n: fc.integer({ min: 20, max: 200 }),
      amp: fc.array(fc.double({ min: -0.35, max: 0.35, noNaN: true }), { minLength: m.dof, maxLength: m.dof }),
      freq: fc.array(fc.double({ min: 0.2, max: 2, noNaN: true }), { minLength: m.dof, maxLength: m.dof }),
    })
    .map(({ start, n, amp, freq }) =>
      Array.from({ length: n }, (_, k) =>
        start.map((q, i) => {
          const j = m.arm[i];
          return Math.min(j.upper, Math.max(j.lower, q + amp[i] * Math.sin((freq[i] * Math.PI * k) / (n - 1))));
        }),
      ),
    );

/** A dense circular arc in two joints plus a straight drift in the others: curved, never reversing. */
const arc = (m: RobotModel) =>
  fc
    .record({
      start: config(m, 0.6),
      n: fc.integer({ min: 20, max: 200 }),
      a: fc.integer({ min: 0, max: m.dof - 1 }),
      db: fc.integer({ min: 1, max: m.dof - 1 }),
      r: fc.double({ min: 0.05, max: 0.25, noNaN: true }),
      sweep: fc.double({ min: 0.3, max: Math.PI, noNaN: true }),
      drift: fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: m.dof, maxLength: m.dof }),
    })
    .map(({ start, n, a, db, r, sweep, drift }) => {
      const b = (a + db) % m.dof;
      return Array.from({ length: n }, (_, k) => {
        const f = k / (n - 1),
          th = f * sweep;
        return start.map((q, i) => (i === a ? q + r * (Math.cos(th) - 1) : i === b ? q + r * Math.sin(th) : q + drift[i] * f));
      });
    });

// --- independent checks -----------------------------------------------------------------------

/** Worst ratio of |value| to scale × limit over given values and finite differences. */
function worstRatio(traj: JointTrajectory, m: RobotModel, o: TimeParameterizeOptions): { what: string; ratio: number } {
  const vmax = m.arm.map((j) => j.velocity * (o.velocityScale ?? 0.5));
  const amax = m.arm.map((j) => j.acceleration * (o.accelerationScale ?? 0.5));
  const pts = traj.points;
  let worst = { what: 'none', ratio: 0 };
  const see = (what: string, ratio: number) => {
    if (!(ratio <= worst.ratio)) worst = { what, ratio };
  };
  pts.forEach((p, k) => {
    p.velocities!.forEach((v, j) => see(`given velocity j${j} @${k}`, Math.abs(v) / vmax[j]));
    p.accelerations!.forEach((a, j) => see(`given acceleration j${j} @${k}`, Math.abs(a) / amax[j]));
  });
  // Finite differences, at rest before and after: what a downstream guard computes.
  for (let j = 0; j < m.dof; j++) {
    let vPrev = 0,
      hPrev = 0;
    for (let k = 0; k + 1 < pts.length; k++) {
      const h = pts[k + 1].timeFromStart - pts[k].timeFromStart;
      const v = (pts[k + 1].positions[j] - pts[k].positions[j]) / h;
      see(`FD velocity j${j} @${k}`, Math.abs(v) / vmax[j]);
      see(`FD acceleration j${j} @${k}`, Math.abs(v - vPrev) / ((h + hPrev) / 2) / amax[j]);
      vPrev = v;
      hPrev = h;
    }
    if (pts.length > 1) see(`FD acceleration j${j} @end`, Math.abs(vPrev) / (hPrev / 2) / amax[j]);
  }
  return worst;
}

/** A lower bound (s) on a stop-at-each-waypoint motion's duration: each joint at its scaled speed limit. */
function velocityBoundDuration(w: number[][], m: RobotModel, scale: number): number {
  let t = 0;
  for (let k = 0; k + 1 < w.length; k++) t += Math.max(...m.arm.map((j, i) => Math.abs(w[k + 1][i] - w[k][i]) / (j.velocity * scale)));
  return t;
}

/**
 * The trajectory, or null when the motion is too long for the caps (LIMITS: a bounded loop). Such
 * a motion is refused with a clear error, never cut short, and only one that really is that long.
 */
function parameterizeOrRefuse(w: number[][], m: RobotModel, o: TimeParameterizeOptions & { dt: number }): JointTrajectory | null {
  try {
    return timeParameterize(w, m, o);
  } catch (err) {
    expect(err).toBeInstanceOf(TrajectoryError);
    expect((err as Error).message).toMatch(/at most (\d+ s|\d+: use a larger dt)/);
    const cap = Math.min(LIMITS.motionDuration, LIMITS.trajectoryPoints * o.dt);
    expect(velocityBoundDuration(w, m, o.velocityScale ?? 1), 'a refused motion takes long').toBeGreaterThan(cap / 4);
    return null;
  }
}

function assertLimits(traj: JointTrajectory, m: RobotModel, o: TimeParameterizeOptions) {
  const w = worstRatio(traj, m, o);
  expect(w.ratio, w.what).toBeLessThanOrEqual(1 + 1e-6);
  let outside = 0;
  for (const p of traj.points)
    p.positions.forEach((q, j) => {
      if (!(q >= m.arm[j].lower - 1e-9 && q <= m.arm[j].upper + 1e-9)) outside++;
    });
  expect(outside).toBe(0);
}

function assertShape(traj: JointTrajectory, waypoints: number[][], m: RobotModel, dt: number) {
  const pts = traj.points;
  expect(traj.jointNames).toEqual(m.jointNames);
  expect(pts[pts.length - 1].positions).toEqual(waypoints[waypoints.length - 1]);
  if (pts.length > 1) expect(pts[0].positions).toEqual(waypoints[0]);
  // (a move shorter than 1e-9 rad collapses to a single point at the last waypoint)
  else pts[0].positions.forEach((q, i) => expect(Math.abs(q - waypoints[0][i])).toBeLessThan(1e-8));
  expect(pts[0].timeFromStart).toBe(0);
  let bad = 0;
  for (let k = 1; k < pts.length; k++) {
    const h = pts[k].timeFromStart - pts[k - 1].timeFromStart;
    if (!(h > 0 && h <= dt * (1 + 1e-9))) bad++;
  }
  expect(bad, 'sample spacing in (0, dt]').toBe(0);
  expect(pts[0].velocities!.every((v) => v === 0)).toBe(true);
  expect(pts[pts.length - 1].velocities!.every((v) => v === 0)).toBe(true);
}

function distToSegment(p: number[], a: number[], b: number[]): number {
  let ab2 = 0,
    apab = 0;
  for (let i = 0; i < p.length; i++) {
    ab2 += (b[i] - a[i]) ** 2;
    apab += (p[i] - a[i]) * (b[i] - a[i]);
  }
  const t = ab2 > 0 ? Math.min(1, Math.max(0, apab / ab2)) : 0;
  return Math.sqrt(p.reduce((s, x, i) => s + (x - (a[i] + t * (b[i] - a[i]))) ** 2, 0));
}

function distToPolyline(p: number[], w: number[][]): number {
  let d = Infinity;
  for (let k = 0; k + 1 < w.length; k++) d = Math.min(d, distToSegment(p, w[k], w[k + 1]));
  return w.length === 1 ? Math.sqrt(p.reduce((s, x, i) => s + (x - w[0][i]) ** 2, 0)) : d;
}

function assertOnPath(traj: JointTrajectory, waypoints: number[][], tolerance = 0.005) {
  const worst = Math.max(...traj.points.map((p) => distToPolyline(p.positions, waypoints)));
  expect(worst).toBeLessThanOrEqual(tolerance + 1e-9);
}

// --- properties -------------------------------------------------------------------------------

describe.each(Object.keys(models))('timeParameterize on %s', (name) => {
  const m = models[name];

  it('keeps velocity and acceleration within scale × limits (given and finite differences), sparse waypoints', () => {
    fc.assert(
      fc.property(sparse(m), options, (w, o) => {
        const traj = parameterizeOrRefuse(w, m, o);
        if (!traj) return;
        assertShape(traj, w, m, o.dt);
        assertLimits(traj, m, o);
        assertOnPath(traj, w);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the limits and follows dense paths (20–200 points) within the path tolerance', () => {
    fc.assert(
      fc.property(fc.oneof(dense(m), arc(m)), options, (w, o) => {
        const traj = parameterizeOrRefuse(w, m, o);
        if (!traj) return;
        assertShape(traj, w, m, o.dt);
        assertLimits(traj, m, o);
        assertOnPath(traj, w);
      }),
      { numRuns: 60 },
    );
  });

  it('does not stop at the waypoints of a smooth dense path', () => {
    fc.assert(
      fc.property(arc(m), (w) => {
        const traj = timeParameterize(w, m);
        const T = traj.points[traj.points.length - 1].timeFromStart;
        const mid = traj.points.filter((p) => p.timeFromStart > 0.1 * T && p.timeFromStart < 0.9 * T);
        const slowest = Math.min(...mid.map((p) => Math.max(...p.velocities!.map(Math.abs))));
        expect(slowest).toBeGreaterThan(1e-4);
      }),
      { numRuns: 30 },
    );
  });

  it('moves all joints together on a straight line for two waypoints, near time-optimally', () => {
    fc.assert(
      fc.property(config(m), config(m), (a, b) => {
        fc.pre(Math.max(...a.map((x, i) => Math.abs(x - b[i]))) > 1e-3);
        const traj = timeParameterize([a, b], m);
        const d = b.map((x, i) => x - a[i]);
        const lead = d.reduce((best, x, i) => (Math.abs(x) > Math.abs(d[best]) ? i : best), 0);
        let offLine = 0;
        for (const p of traj.points) {
          const f = (p.positions[lead] - a[lead]) / d[lead];
          if (f < -1e-9 || f > 1 + 1e-9) offLine++;
          p.positions.forEach((q, i) => {
            if (!(Math.abs(q - (a[i] + f * d[i])) < 1e-9)) offLine++;
          });
        }
        expect(offLine, 'samples off the straight joint-space line').toBe(0);
        // Lower bound: the slowest joint alone, on its own bang-coast-bang profile.
        const bound = Math.max(
          ...m.arm.map((j, i) => {
            const v = 0.5 * j.velocity,
              acc = 0.5 * j.acceleration,
              D = Math.abs(d[i]);
            return D > (v * v) / acc ? D / v + v / acc : 2 * Math.sqrt(D / acc);
          }),
        );
        const T = traj.points[traj.points.length - 1].timeFromStart;
        expect(T).toBeGreaterThanOrEqual(bound * (1 - 1e-6));
        // Within 3.5 % of that bound: fast-check found a pair at the joint limits 3.03 % above it
        // (CI, seed -115879541: joint 6 from 3.63 to -0.02 rad), so 3 % was a claim it did not keep.
        expect(T).toBeLessThanOrEqual(bound * 1.035 + 0.001);
      }),
      { numRuns: 60 },
    );
  });

  it('a straight line given as 100 waypoints takes as long as the same line given as 2', () => {
    const a = m.home,
      b = m.home.map((x, i) => Math.min(m.arm[i].upper, Math.max(m.arm[i].lower, x + (i % 2 ? 0.4 : -0.3))));
    const line = Array.from({ length: 100 }, (_, k) => a.map((x, i) => x + ((b[i] - x) * k) / 99));
    const t2 = trajectorySummary(timeParameterize([a, b], m)).duration;
    const t100 = trajectorySummary(timeParameterize(line, m)).duration;
    expect(Math.abs(t100 - t2) / t2).toBeLessThan(0.02);
  });
});

describe('timeParameterize edge cases', () => {
  const m = models.panda;

  it('turns a zero-length move into one point at rest, duration 0', () => {
    for (const w of [[m.home], [m.home, [...m.home]], [m.home, m.home, m.home]]) {
      const traj = timeParameterize(w, m);
      expect(traj.points).toHaveLength(1);
      expect(traj.points[0]).toEqual({
        positions: m.home,
        velocities: m.home.map(() => 0),
        accelerations: m.home.map(() => 0),
        timeFromStart: 0,
      });
    }
  });

  it('ignores repeated waypoints inside a path', () => {
    const b = m.home.map((x) => x + 0.1);
    const traj = timeParameterize([m.home, m.home, b, b], m);
    expect(traj.points[traj.points.length - 1].positions).toEqual(b);
    assertLimits(traj, m, {});
  });

  it('stops exactly at a reversal instead of cutting it', () => {
    const b = m.home.map((x) => x + 0.2);
    const traj = timeParameterize([m.home, b, m.home], m, { dt: 0.005 });
    const closest = Math.min(...traj.points.map((p) => Math.hypot(...p.positions.map((x, i) => x - b[i]))));
    expect(closest).toBeLessThan(1e-3);
    assertLimits(traj, m, {});
  });

  it('cuts an ordinary corner by at most the path tolerance, without stopping', () => {
    const b = m.home.map((x, i) => (i === 0 ? x + 0.5 : x));
    const c = b.map((x, i) => (i === 1 ? x + 0.5 : x));
    const traj = timeParameterize([m.home, b, c], m, { pathTolerance: 0.02 });
    assertOnPath(traj, [m.home, b, c], 0.02);
    const T = traj.points[traj.points.length - 1].timeFromStart;
    const mid = traj.points.filter((p) => p.timeFromStart > 0.2 * T && p.timeFromStart < 0.8 * T);
    for (const p of mid) expect(Math.max(...p.velocities!.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('explains bad input', () => {
    const out = m.home.map((x, i) => (i === 3 ? -3.5 : x));
    expect(() => timeParameterize([m.home, out], m)).toThrow(/panda_joint4 = -3\.5000 rad is outside its limits/);
    expect(() => timeParameterize([m.home, [1, 2]], m)).toThrow(TrajectoryError);
    expect(() => timeParameterize([m.home, m.home.map(() => NaN)], m)).toThrow(/NaN/);
    expect(() => timeParameterize([], m)).toThrow(/no waypoints/);
    expect(() => timeParameterize([m.home], m, { velocityScale: 0 })).toThrow(/velocityScale/);
  });

  it('accepts waypoints exactly on the joint limits', () => {
    const atLimit = m.arm.map((j) => j.upper);
    const traj = timeParameterize([m.home, atLimit], m);
    assertLimits(traj, m, {});
  });
});

describe('trajectorySummary and concatTrajectories', () => {
  const m = models.panda;
  const a = m.home,
    b = m.home.map((x) => x + 0.2),
    c = m.home.map((x) => x - 0.1);

  it('summarizes points, duration and the fastest joint', () => {
    const traj = timeParameterize([a, b], m);
    const s = trajectorySummary(traj);
    expect(s.points).toBe(traj.points.length);
    expect(s.duration).toBe(traj.points[traj.points.length - 1].timeFromStart);
    const speeds = traj.points.flatMap((p) => p.velocities!.map(Math.abs));
    expect(s.maxJointSpeed).toBeCloseTo(Math.max(...speeds), 6);
    expect(m.jointNames).toContain(s.maxJointSpeedJoint);
    expect(trajectorySummary({ jointNames: m.jointNames, points: [] })).toEqual({
      points: 0,
      duration: 0,
      maxJointSpeed: 0,
      maxJointSpeedJoint: null,
    });
  });

  it('joins motions end to start with continuous time and no duplicate junction point', () => {
    const t1 = timeParameterize([a, b], m),
      t2 = timeParameterize([b, c], m);
    const all = concatTrajectories([t1, t2]);
    expect(all.points).toHaveLength(t1.points.length + t2.points.length - 1);
    const T1 = t1.points[t1.points.length - 1].timeFromStart,
      T2 = t2.points[t2.points.length - 1].timeFromStart;
    expect(all.points[all.points.length - 1].timeFromStart).toBeCloseTo(T1 + T2, 12);
    for (let k = 1; k < all.points.length; k++) expect(all.points[k].timeFromStart).toBeGreaterThan(all.points[k - 1].timeFromStart);
    assertLimits(all, m, {});
    expect(() => concatTrajectories([t1, timeParameterize([c, a], m)])).toThrow(/starts .* away/);
    expect(() => concatTrajectories([t1, { ...t2, jointNames: ['x'] }])).toThrow(/joints/);
  });
});
