/**
 * Straight-line Cartesian moves: the tool travels on the segment from its current pose to a goal
 * (linear in position, slerp in orientation), solved by IK at small steps, each seeded from the
 * previous solution. Used for approach and retreat moves (e.g. 10 cm down with the gripper down).
 *
 * Frames and units: base (= world) frame, meters, radians, quaternions [x, y, z, w].
 */
import { quatAngle, slerp, type Quat, type Vec3 } from '../../model/math/transform.js';
import type { IkSolver } from './ik.js';
import { BoundsError, formatNumber, LIMITS } from '../../model/bounds.js';

export interface CartesianGoal {
  /** tool position, meters */
  position: Vec3;
  /** tool orientation at the end; omitted ⇒ keep the start orientation */
  quaternion?: Quat;
}

export interface CartesianPathOptions {
  /** tool travel between waypoints, meters (default 0.005) */
  step?: number;
  /** tool rotation between waypoints, radians (default 0.05) */
  rotationStep?: number;
  /**
   * Largest allowed change of any joint between consecutive waypoints, radians (meters for
   * prismatic joints; default 0.1). A bigger jump means IK switched branch, so the motion between
   * those waypoints would not be a straight line.
   */
  maxJointStep?: number;
  /** per-waypoint IK success thresholds (defaults: the solver's, 1 mm and 0.01 rad) */
  positionTolerance?: number;
  orientationTolerance?: number;
  /** most waypoints the path may have (default LIMITS.pathWaypoints); a longer move throws a BoundsError */
  maxWaypoints?: number;
}

export interface CartesianPathResult {
  ok: boolean;
  /**
   * Joint configurations from qStart (first) to the goal (last), all within limits. When ok is
   * false this is only the feasible prefix, for diagnosis: do not execute it as the move.
   */
  waypoints: number[][];
  /** share of the path (0..1) that was solved */
  fraction: number;
  /** plain-English reason when ok is false */
  reason?: string;
}

/**
 * Plan a straight-line tool move from FK(qStart) to `goal`. Never throws for infeasible moves; a
 * move that would need more than `maxWaypoints` steps (a goal far outside any arm's reach)
 * throws a BoundsError before any work.
 */
export function cartesianPath(
  solver: IkSolver,
  qStart: ArrayLike<number>,
  goal: CartesianGoal,
  opts: CartesianPathOptions = {},
): CartesianPathResult {
  const chain = solver.chain;
  const n = chain.dof;
  if (qStart.length !== n) throw new Error(`[cartesian] qStart has ${qStart.length} values but the arm has ${n} joints`);
  const start = Array.from(qStart);
  const fail = (reason: string, waypoints: number[][] = [start], fraction = 0): CartesianPathResult => ({
    ok: false,
    waypoints,
    fraction,
    reason,
  });
  if (!chain.withinLimits(start, 1e-9)) return fail('the start configuration is outside the joint limits');
  if (!goal?.position || !goal.position.every(Number.isFinite))
    return fail(`goal position must be three finite numbers (meters), got ${JSON.stringify(goal?.position)}`);

  const step = opts.step ?? 0.005;
  const rotStep = opts.rotationStep ?? 0.05;
  const maxJump = opts.maxJointStep ?? 0.1;
  if (!(step > 0) || !(rotStep > 0) || !(maxJump > 0)) throw new Error('[cartesian] step, rotationStep and maxJointStep must be positive');

  const from = chain.pose(start);
  const p0 = from.position,
    p1 = goal.position;
  const q0 = from.quaternion;
  let q1 = q0;
  if (goal.quaternion) {
    const nq = Math.hypot(...goal.quaternion);
    if (!(nq > 1e-9) || !Number.isFinite(nq))
      return fail(`goal quaternion must be a non-zero [x, y, z, w], got ${JSON.stringify(goal.quaternion)}`);
    q1 = goal.quaternion.map((v) => v / nq) as Quat;
  }
  const dist = Math.hypot(p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]);
  const angle = quatAngle(q0, q1);
  const steps = Math.max(1, Math.ceil(dist / step), Math.ceil(angle / rotStep));
  // The waypoint count comes from the goal: a goal 1e306 m away must not make the loop below run forever.
  const maxSteps = opts.maxWaypoints ?? LIMITS.pathWaypoints;
  if (!(steps <= maxSteps)) {
    throw new BoundsError(
      `a straight move of ${formatNumber(dist)} m (and ${formatNumber(angle)} rad) needs ${formatNumber(steps)} steps of ${step} m; at most ${maxSteps}: is the goal inside the workspace, in meters?`,
    );
  }

  const waypoints: number[][] = [start];
  let prev = start;
  for (let k = 1; k <= steps; k++) {
    const t = k / steps;
    const position: Vec3 = [p0[0] + (p1[0] - p0[0]) * t, p0[1] + (p1[1] - p0[1]) * t, p0[2] + (p1[2] - p0[2]) * t];
    const quaternion = t === 1 ? q1 : slerp(q0, q1, t);
    // No random restarts: a restart lands on another branch, which is exactly what must not happen here.
    const r = solver.solve(
      { position, quaternion },
      {
        seed: prev,
        maxRestarts: 0,
        positionTolerance: opts.positionTolerance,
        orientationTolerance: opts.orientationTolerance,
      },
    );
    const where =
      dist > 1e-4
        ? `${(t * dist * 100).toFixed(1)} cm into the ${(dist * 100).toFixed(1)} cm move`
        : `${Math.round(t * 100)}% into the rotation`;
    if (!r.ok) return fail(`cannot keep the tool on the straight line ${where}: ${r.reason}`, waypoints, (k - 1) / steps);
    let jump = 0,
      joint = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(r.q[i] - prev[i]);
      if (d > jump) {
        jump = d;
        joint = i;
      }
    }
    if (jump > maxJump) {
      return fail(
        `joint ${chain.jointNames[joint]} would jump ${jump.toFixed(2)} rad ${where} (limit ${maxJump} per step): the arm would leave the straight line (singularity or joint limit)`,
        waypoints,
        (k - 1) / steps,
      );
    }
    waypoints.push(r.q);
    prev = r.q;
  }
  return { ok: true, waypoints, fraction: 1 };
}
