/**
 * "Track around the tower over 24 frames": a confirmed camera move, posed N times for
 * stop-motion capture.
 *
 * The camera move is the last trajectory of the plan's last compiled step (for a learned motion
 * skill: the DMP rollout, after the move to its start). Everything before it runs on confirm
 * and ends at pose 1. Pose k (1..N) is that trajectory's position at t = T·(k−1)/(N−1), sampled
 * with the same cubic Hermite interpolation the sim's controller follows (sim/trajectory.ts),
 * so pose 1 is its start and pose N its end. The move from pose k to pose k+1 is the stretch
 * of the same path between those times, re-timed to start and end at rest (the arm stops at
 * each pose for the picture): the arm never leaves the path the operator confirmed, and each
 * stretch still goes through the backend's SafetyGuard like every motion.
 *
 * Units: radians (joint space), seconds.
 */
import type { JointTrajectory } from '../robot-bridge/types.js';
import { checkTrajectory, type SafetyConfig } from '../robot-bridge/safety/index.js';
import { TrajectorySampler } from '../sim/trajectory.js';
import type { RobotModel } from '../model/description/robot-model.js';
import type { CompiledStep, Motion } from '../skills/primitives.js';
import { formatCall } from '../skills/registry.js';
import { timeParameterize } from '../skills/trajectory/index.js';

/** A film needs at least two poses to be a move, and a session stays a few hundred frames. */
export const MIN_FRAMES = 2;
export const MAX_FRAMES = 1000;

export class FrameMoveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameMoveError';
  }
}

export interface FrameMovePlan {
  /** the call that moves the camera, e.g. "track(TOWER)" */
  call: string;
  total: number;
  /** the split step, without the camera move and what follows it: runs on confirm, ends at pose 1 */
  head: CompiledStep;
  /** the camera move itself, as previewed */
  trajectory: JointTrajectory;
  /** seconds into `trajectory` of each pose */
  times: number[];
  /** joint positions of each pose, rad (poses[0] is pose 1) */
  poses: number[][];
  /** segments[i]: pose i+1 → pose i+2, at rest at both ends */
  segments: JointTrajectory[];
  /** motions of the step after the camera move (e.g. a demonstrated gripper change): run after the last frame */
  tail: Motion[];
}

/** Joint positions of a trajectory at time t (s from its start), as the sim's controller interpolates. */
export function trajectoryAt(traj: JointTrajectory, t: number, sampler = samplerOf(traj)): number[] {
  const n = traj.points[0].positions.length;
  const q = new Array<number>(n).fill(0),
    qd = new Array<number>(n).fill(0),
    qdd = new Array<number>(n).fill(0);
  sampler.sample(t, q, qd, qdd);
  return q;
}

function samplerOf(traj: JointTrajectory): TrajectorySampler {
  return new TrajectorySampler(
    traj.points.map((p) => ({ t: p.timeFromStart, q: p.positions, ...(p.velocities ? { qd: p.velocities } : {}) })),
  );
}

/**
 * Split the camera move of a compiled step into `total` poses and the segments between them.
 * `speedScale`: the fraction of the URDF velocity/acceleration limits the segments may use
 * (the planner's, so a segment is never faster than planned motions).
 */
export function planFrameMove(step: CompiledStep, total: number, model: RobotModel, opts: { speedScale: number }): FrameMovePlan {
  if (!Number.isInteger(total) || total < MIN_FRAMES || total > MAX_FRAMES)
    throw new FrameMoveError(`a move can be split into ${MIN_FRAMES} to ${MAX_FRAMES} frames, not ${total}`);
  const call = formatCall(step.call);
  let at = -1;
  step.motions.forEach((m, i) => {
    if (m.kind === 'trajectory') at = i;
  });
  if (at < 0) throw new FrameMoveError(`${call} does not move the camera, so it cannot be split into frames`);
  const m = step.motions[at] as Extract<Motion, { kind: 'trajectory' }>;
  const trajectory = m.trajectory;
  const pts = trajectory.points;
  const T = pts[pts.length - 1].timeFromStart;
  if (pts.length < 2 || !(T > 0)) throw new FrameMoveError(`${call} hardly moves the camera; there is nothing to split into frames`);
  const sampler = samplerOf(trajectory);
  const times = Array.from({ length: total }, (_, k) => (k === total - 1 ? T : (T * k) / (total - 1)));
  // The ends are the trajectory's own points, exactly.
  const poses = times.map((t, k) =>
    k === 0 ? [...pts[0].positions] : k === total - 1 ? [...pts[pts.length - 1].positions] : trajectoryAt(trajectory, t, sampler),
  );
  const segments: JointTrajectory[] = [];
  for (let k = 0; k + 1 < total; k++) {
    const inside = pts
      .filter((p) => p.timeFromStart > times[k] + 1e-9 && p.timeFromStart < times[k + 1] - 1e-9)
      .map((p) => [...p.positions]);
    const waypoints = [poses[k], ...inside, poses[k + 1]];
    try {
      segments.push(
        timeParameterize(waypoints, model, {
          velocityScale: opts.speedScale,
          accelerationScale: opts.speedScale,
          jointNames: [...trajectory.jointNames],
          // The waypoints are dense samples of a smooth path: blend no wider than the sim tracks (1 mrad).
          pathTolerance: 0.001,
        }),
      );
    } catch (err) {
      throw new FrameMoveError(`cannot move between poses ${k + 1} and ${k + 2} of ${call}: ${(err as Error).message}`);
    }
  }
  return {
    call,
    total,
    head: { ...step, motions: step.motions.slice(0, at) },
    trajectory,
    times,
    poses,
    segments,
    tail: step.motions.slice(at + 1),
  };
}

/** Safety-check every segment before any moves (the guard checks each again when it is sent). */
export function checkFrameMove(plan: FrameMovePlan, model: RobotModel, safety: SafetyConfig): { ok: true } | { ok: false; reason: string } {
  for (const [i, seg] of plan.segments.entries()) {
    const r = checkTrajectory(seg, model, safety, seg.points[0].positions);
    if (!r.ok) return { ok: false, reason: `the move from pose ${i + 1} to pose ${i + 2} fails a safety check: ${r.reason}` };
  }
  return { ok: true };
}
