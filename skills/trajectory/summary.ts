/**
 * Small helpers over JointTrajectory: a summary for previews and logs, and concatenation of
 * consecutive motions into one trajectory. Units: rad, rad/s, seconds.
 */
import type { JointTrajectory, JointTrajectoryPoint } from '../../robot-bridge/types.js';
import { TrajectoryError } from './time-parameterize.js';

export interface TrajectorySummary {
  points: number;
  /** seconds */
  duration: number;
  /** rad/s (m/s for prismatic joints): the larger of the given velocities and finite differences */
  maxJointSpeed: number;
  /** name of the joint reaching maxJointSpeed; null for an empty or motionless trajectory */
  maxJointSpeedJoint: string | null;
}

export function trajectorySummary(traj: JointTrajectory): TrajectorySummary {
  const pts = traj.points;
  let max = 0;
  let joint = -1;
  const consider = (v: number, j: number) => {
    if (Math.abs(v) > max) {
      max = Math.abs(v);
      joint = j;
    }
  };
  pts.forEach((p, k) => {
    p.velocities?.forEach(consider);
    if (k > 0) {
      const h = p.timeFromStart - pts[k - 1].timeFromStart;
      if (h > 0) p.positions.forEach((q, j) => consider((q - pts[k - 1].positions[j]) / h, j));
    }
  });
  return {
    points: pts.length,
    duration: pts.length ? pts[pts.length - 1].timeFromStart : 0,
    maxJointSpeed: max,
    maxJointSpeedJoint: joint >= 0 ? (traj.jointNames[joint] ?? null) : null,
  };
}

/**
 * Join trajectories end to start into one (times shifted). Each must begin where the previous
 * one ended (within `tolerance` rad per joint), so the result has no jumps; the duplicate
 * junction point is dropped. Throws TrajectoryError otherwise.
 */
export function concatTrajectories(trajs: JointTrajectory[], opts: { tolerance?: number } = {}): JointTrajectory {
  const tolerance = opts.tolerance ?? 1e-6;
  const nonEmpty = trajs.filter((t) => t.points.length > 0);
  if (trajs.length === 0) throw new TrajectoryError('nothing to concatenate');
  const jointNames = [...trajs[0].jointNames];
  const points: JointTrajectoryPoint[] = [];
  let offset = 0;
  trajs.forEach((t, k) => {
    if (t.jointNames.length !== jointNames.length || t.jointNames.some((n, i) => n !== jointNames[i])) {
      throw new TrajectoryError(`trajectory ${k} is for joints [${t.jointNames.join(', ')}], not [${jointNames.join(', ')}]`);
    }
  });
  for (const t of nonEmpty) {
    let start = 0;
    if (points.length) {
      const last = points[points.length - 1];
      const first = t.points[0];
      const jump = Math.max(...first.positions.map((q, i) => Math.abs(q - last.positions[i])));
      if (jump > tolerance) throw new TrajectoryError(`a trajectory starts ${jump.toFixed(4)} rad away from where the previous one ends`);
      offset = last.timeFromStart - first.timeFromStart;
      start = 1;
    }
    for (let k = start; k < t.points.length; k++) {
      const p = t.points[k];
      points.push({
        positions: [...p.positions],
        ...(p.velocities ? { velocities: [...p.velocities] } : {}),
        ...(p.accelerations ? { accelerations: [...p.accelerations] } : {}),
        timeFromStart: p.timeFromStart + offset,
      });
    }
  }
  return { jointNames, points };
}
