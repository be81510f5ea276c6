/**
 * From a DMP rollout (tool poses over time) to a JointTrajectory the arm can run: IK at every
 * sample, each seeded from the previous solution with no random restarts (like cartesianPath:
 * a restart would jump to another IK branch), then timing.
 *
 * Timing 'dmp' (default) keeps the demonstrated speed profile: velocities and accelerations are
 * finite differences of the sampled joint path, and if any exceeds speedScale × the URDF limit
 * the whole motion is slowed uniformly (temporal scaling: velocities ÷ k, accelerations ÷ k²).
 * Timing 'optimal' re-times the joint path with timeParameterize (fastest within the limits).
 * Either way the result starts and ends at rest and stays within the limits by construction;
 * callers still run checkTrajectory (the independent second opinion) before execution.
 *
 * Units: radians, rad/s, rad/s² (meters for prismatic joints), seconds; poses in the base frame.
 */
import type { JointTrajectory, JointTrajectoryPoint } from '../../robot-bridge/types.js';
import type { IkSolver } from '../kinematics/index.js';
import { quatAngle } from '../../model/math/transform.js';
import { timeParameterize } from '../trajectory/index.js';
import type { PoseRollout } from './dmp.js';

export interface JointRolloutOptions {
  /** fraction of the URDF velocity and acceleration limits to use (default 0.5) */
  speedScale?: number;
  /** keep the DMP's timing (slowed down if needed) or re-time optimally (default 'dmp') */
  timing?: 'dmp' | 'optimal';
  /** largest joint change between consecutive samples, rad (default 0.1): more means a branch switch */
  maxJointStep?: number;
  /**
   * keep every joint this far inside its limits, rad (default 0.03; the safety check wants
   * 0.02): IK happily returns solutions right at a limit
   */
  limitMargin?: number;
  /** per-sample IK thresholds (defaults 1 mm, 0.01 rad) */
  positionTolerance?: number;
  orientationTolerance?: number;
}

export interface JointRollout {
  ok: boolean;
  /** null when ok is false */
  trajectory: JointTrajectory | null;
  /** joint configuration of every rollout sample (the feasible prefix when ok is false) */
  waypoints: number[][];
  /** share of the rollout solved, 0..1 */
  fraction: number;
  reason?: string;
  /** how much the DMP timing was slowed down to stay within the limits (1 = not at all) */
  timeStretch: number;
  /** worst IK residual along the path (m, rad) */
  maxPositionError: number;
  maxOrientationError: number;
}

export function rolloutToJointTrajectory(
  rollout: PoseRollout,
  ik: IkSolver,
  qStart: ArrayLike<number>,
  opts: JointRolloutOptions = {},
): JointRollout {
  const model = ik.model,
    chain = ik.chain,
    n = chain.dof;
  const scale = opts.speedScale ?? 0.5;
  const maxJump = opts.maxJointStep ?? 0.1;
  const margin = opts.limitMargin ?? 0.03;
  if (!(scale > 0 && scale <= 1)) throw new Error(`[dmp] speedScale must be in (0, 1], got ${scale}`);
  if (qStart.length !== n) throw new Error(`[dmp] qStart has ${qStart.length} values but the arm has ${n} joints`);
  const start = Array.from(qStart);
  const count = rollout.positions.length;
  const out: JointRollout = {
    ok: false,
    trajectory: null,
    waypoints: [start],
    fraction: 0,
    timeStretch: 1,
    maxPositionError: 0,
    maxOrientationError: 0,
  };
  const fail = (reason: string, k: number): JointRollout => ({
    ...out,
    ok: false,
    reason,
    fraction: count > 1 ? (k - 1) / (count - 1) : 0,
  });
  if (!chain.withinLimits(start, 1e-9)) return fail('the start configuration is outside the joint limits', 1);
  const nearLimit = (q: number[]): string | null => {
    for (let i = 0; i < n; i++) {
      if (q[i] < chain.lower[i] + margin || q[i] > chain.upper[i] - margin)
        return `${chain.jointNames[i]} comes within ${margin} rad of its limit (${q[i].toFixed(2)} rad)`;
    }
    return null;
  };
  const startNear = nearLimit(start);
  if (startNear) return fail(`at the start ${startNear}`, 1);

  // The rollout must begin where the arm is.
  const p0 = chain.pose(start);
  const d0 = Math.hypot(
    p0.position[0] - rollout.positions[0][0],
    p0.position[1] - rollout.positions[0][1],
    p0.position[2] - rollout.positions[0][2],
  );
  if (d0 > 2e-3 || quatAngle(p0.quaternion, rollout.quaternions[0]) > 0.02) {
    return fail(`the motion starts ${(d0 * 1000).toFixed(0)} mm away from the tool's current pose`, 1);
  }

  let prev = start;
  for (let k = 1; k < count; k++) {
    const r = ik.solve(
      { position: rollout.positions[k], quaternion: rollout.quaternions[k] },
      {
        seed: prev,
        maxRestarts: 0,
        positionTolerance: opts.positionTolerance,
        orientationTolerance: opts.orientationTolerance,
      },
    );
    const when = `${rollout.t[k].toFixed(2)} s into the ${rollout.t[count - 1].toFixed(1)} s motion`;
    if (!r.ok) return fail(`the arm cannot follow the motion ${when}: ${r.reason}`, k);
    let jump = 0,
      joint = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(r.q[i] - prev[i]);
      if (d > jump) {
        jump = d;
        joint = i;
      }
    }
    if (jump > maxJump)
      return fail(`joint ${chain.jointNames[joint]} would jump ${jump.toFixed(2)} rad ${when} (singularity or joint limit)`, k);
    const near = nearLimit(r.q);
    if (near) return fail(`${when} ${near}`, k);
    out.maxPositionError = Math.max(out.maxPositionError, r.positionError);
    out.maxOrientationError = Math.max(out.maxOrientationError, r.orientationError);
    out.waypoints.push(r.q);
    prev = r.q;
  }
  out.fraction = 1;

  if ((opts.timing ?? 'dmp') === 'optimal') {
    // Every few samples is plenty for the path; timeParameterize blends the corners.
    const w = out.waypoints.filter((_, k) => k % 5 === 0 || k === count - 1);
    out.trajectory = timeParameterize(w, model, { velocityScale: scale, accelerationScale: scale });
    out.ok = true;
    return out;
  }

  // DMP timing, slowed down uniformly when needed.
  const vmax = model.arm.map((j) => j.velocity * scale);
  const amax = model.arm.map((j) => j.acceleration * scale);
  const W = out.waypoints,
    T = rollout.t;
  const points: JointTrajectoryPoint[] = W.map((q, k) => {
    const v = new Array<number>(n).fill(0),
      a = new Array<number>(n).fill(0);
    if (k > 0 && k < count - 1) {
      const h0 = T[k] - T[k - 1],
        h1 = T[k + 1] - T[k];
      for (let i = 0; i < n; i++) {
        const s0 = (q[i] - W[k - 1][i]) / h0,
          s1 = (W[k + 1][i] - q[i]) / h1;
        v[i] = (s0 * h1 + s1 * h0) / (h0 + h1);
        a[i] = (2 * (s1 - s0)) / (h0 + h1);
      }
    }
    return { positions: [...q], velocities: v, accelerations: a, timeFromStart: T[k] };
  });
  // Worst ratio to the limits: given values and finite differences, at rest before and after.
  let rv = 0,
    ra = 0;
  for (const p of points)
    for (let i = 0; i < n; i++) {
      rv = Math.max(rv, Math.abs(p.velocities![i]) / vmax[i]);
      ra = Math.max(ra, Math.abs(p.accelerations![i]) / amax[i]);
    }
  for (let i = 0; i < n; i++) {
    let vPrev = 0,
      hPrev = 0;
    for (let k = 0; k + 1 < count; k++) {
      const h = T[k + 1] - T[k];
      const v = (W[k + 1][i] - W[k][i]) / h;
      rv = Math.max(rv, Math.abs(v) / vmax[i]);
      ra = Math.max(ra, Math.abs(v - vPrev) / ((h + hPrev) / 2) / amax[i]);
      vPrev = v;
      hPrev = h;
    }
    if (count > 1) ra = Math.max(ra, Math.abs(vPrev) / (hPrev / 2) / amax[i]);
  }
  const worst = Math.max(rv, Math.sqrt(ra));
  out.timeStretch = worst > 1 ? worst * (1 + 1e-3) : 1;
  const s = out.timeStretch;
  for (const p of points) {
    p.timeFromStart *= s;
    p.velocities = p.velocities!.map((v) => v / s);
    p.accelerations = p.accelerations!.map((a) => a / (s * s));
  }
  out.trajectory = { jointNames: [...model.jointNames], points };
  out.ok = true;
  return out;
}
