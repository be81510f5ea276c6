/**
 * The motion pieces of the SimBackend: the trajectory check (reordered into sample points for
 * the interpolator), the record of a running execution, and the braking ramp of
 * stop/cancel/abort.
 *
 * Units: rad, rad/s, rad/s², seconds of sim time.
 */
import { trajectoryJointOrder } from './joint-order.js';
import type { SamplePoint, TrajectorySampler } from '../sim/trajectory.js';
import type { SimWorld } from '../sim/world.js';
import type { JointTrajectory, TrajectoryOutcome, TrajectoryProgress } from './types.js';

export interface Execution {
  id: string;
  sampler: TrajectorySampler;
  t0: number;
  onProgress?: (p: TrajectoryProgress) => void;
  nextProgress: number;
  finalProgressSent: boolean;
  /** how the motion ended; set when it stops tracking (the brake may still be running) */
  outcome?: TrajectoryOutcome;
  resolve: (o: TrajectoryOutcome) => void;
}

export interface Brake {
  t0: number;
  q0: Float64Array;
  v0: Float64Array;
  hold: Float64Array;
  /** resolved once the arm is at rest */
  waiters: (() => void)[];
  /** the execution that ends with this brake */
  execution?: Execution;
}

/**
 * Check and reorder a trajectory for `world`'s arm; returns sample points (starting with the
 * arm's current state when the first point is later than t = 0), or the reason it is rejected.
 * `startTolerance`: rad, how far a first point at t = 0 may be from the arm.
 */
export function checkSimTrajectory(tr: JointTrajectory, world: SimWorld, startTolerance: number): SamplePoint[] | string {
  const names = world.jointNames;
  const order = trajectoryJointOrder(tr, names);
  if (typeof order === 'string') return order;
  const arm = world.robot.arm;
  const out: SamplePoint[] = [];
  let prevT = -Infinity;
  for (let k = 0; k < tr.points.length; k++) {
    const p = tr.points[k];
    if (!p || !Array.isArray(p.positions) || p.positions.length !== names.length)
      return `point ${k} has ${p?.positions?.length ?? 0} positions; expected ${names.length}`;
    if (p.velocities && p.velocities.length !== names.length)
      return `point ${k} has ${p.velocities.length} velocities; expected ${names.length}`;
    if (!Number.isFinite(p.timeFromStart) || p.timeFromStart < 0) return `point ${k} has an invalid timeFromStart ${p.timeFromStart}`;
    if (p.timeFromStart <= prevT) return `point ${k}: timeFromStart must increase (${p.timeFromStart} s after ${prevT} s)`;
    prevT = p.timeFromStart;
    const q = order.map((i) => p.positions[i]);
    const qd = p.velocities ? order.map((i) => p.velocities![i]) : undefined;
    for (let i = 0; i < q.length; i++) {
      if (!Number.isFinite(q[i]) || (qd && !Number.isFinite(qd[i]))) return `point ${k}: ${names[i]} is not a finite number`;
      if (q[i] < arm[i].lower - 1e-6 || q[i] > arm[i].upper + 1e-6) {
        return `point ${k} puts ${names[i]} at ${q[i].toFixed(4)}, outside its limits [${arm[i].lower}, ${arm[i].upper}]`;
      }
    }
    out.push({ t: p.timeFromStart, q, qd });
  }
  const current = world.armPositions();
  if (out[0].t > 0) {
    out.unshift({ t: 0, q: current, qd: new Array(names.length).fill(0) });
  } else {
    const far = current.map((c, i) => Math.abs(c - out[0].q[i]));
    const worst = far.indexOf(Math.max(...far));
    if (far[worst] > startTolerance) {
      return `the trajectory starts ${far[worst].toFixed(3)} rad away from the current position of ${names[worst]} (tolerance ${startTolerance} rad)`;
    }
  }
  return out;
}

/**
 * A brake from the arm's state now: its velocity ramps linearly to zero over `stopTime` (s),
 * and it then holds where the ramp ends (clamped into the joint limits).
 */
export function newBrake(world: SimWorld, stopTime: number): Brake {
  const n = world.jointNames.length;
  const q0 = Float64Array.from(world.armPositions());
  const v0 = Float64Array.from(world.armVelocities());
  const T = stopTime;
  const hold = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = world.robot.arm[i];
    hold[i] = Math.min(j.upper, Math.max(j.lower, q0[i] + (v0[i] * T) / 2));
  }
  return { t0: world.time, q0, v0, hold, waiters: [] };
}

/** The arm target `elapsed` s into brake `b` with a ramp of `T` s, written into q, qd, qdd. */
export function brakeTarget(b: Brake, elapsed: number, T: number, q: Float64Array, qd: Float64Array, qdd: Float64Array): void {
  // Linear velocity ramp to zero over T: q = q0 + v0·t − v0·t²/(2T).
  const t = Math.min(elapsed, T);
  const done = t >= T;
  for (let i = 0; i < q.length; i++) {
    q[i] = done ? b.hold[i] : b.q0[i] + b.v0[i] * (t - (t * t) / (2 * T));
    qd[i] = done ? 0 : b.v0[i] * (1 - t / T);
    qdd[i] = done ? 0 : -b.v0[i] / T;
  }
}
