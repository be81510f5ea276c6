/**
 * Collision-free joint-space moves for the primitives: the straight move when it touches
 * nothing, otherwise a path planned around the obstacles (RRT-Connect, seeded so a preview and
 * its execution plan the same path), checked against the planning scene with the table in it
 * and the hand as the plan predicts it (the object held, objects let go of earlier).
 * Radians; the scene in meters, world frame z up.
 */
import type { TrajectoryCheckOptions, WorldCollision } from '../collision/index.js';
import type { RobotModel } from '../model/description/robot-model.js';
import { JointSpacePlanner } from './planning/index.js';

/** The hand during a motion, as the plan predicts it (see collision/world-sync.ts). */
export type HandState = Omit<TrajectoryCheckOptions, 'allow'>;

/**
 * Planning budget for one move (wall time ms, samples; both capped) and the planner's seed (the
 * same every time: the same inputs give the same path). Mutable only for offline runs that judge
 * which problems have a solution at all (bench/scripts/judge-pick-problems.ts); the app never changes it.
 */
export const FREE_MOTION_PLANNING = { budget: { timeMs: 250, maxSamples: 20_000 }, seed: 1 };

export class NoFreeMotion extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoFreeMotion';
  }
}

/**
 * Waypoints from q0 to q1 that touch nothing: [q0, q1] when the straight move is free, else a
 * planned path. Throws NoFreeMotion with a plain reason (the goal itself touches something, or
 * no path within the budget).
 */
export function freeMove(
  collision: WorldCollision,
  model: RobotModel,
  q0: number[],
  q1: number[],
  hand: HandState,
  what: string,
): number[][] {
  return collision.withHand(
    hand,
    (c) => {
      const g = hand.gripper;
      if (c.isMotionFree(q0, q1, g)) return [q0, q1];
      const atGoal = c.checkState(q1, g);
      if (atGoal) throw new NoFreeMotion(`${what}: there ${atGoal.a} would touch ${atGoal.b}`);
      const planner = new JointSpacePlanner({
        lower: model.arm.map((j) => j.lower),
        upper: model.arm.map((j) => j.upper),
        isStateValid: (q) => c.isFree(q, g),
        isMotionValid: (a, b) => c.isMotionFree(a, b, g),
        budget: { ...FREE_MOTION_PLANNING.budget },
        seed: FREE_MOTION_PLANNING.seed,
      });
      const r = planner.plan(Float64Array.from(q0), Float64Array.from(q1));
      if (!r.ok) {
        const blocked = c.checkPath([q0, q1], { gripper: g });
        const why = blocked ? `the direct way ${blocked.a} would hit ${blocked.b}` : 'the direct way is blocked';
        throw new NoFreeMotion(`${what}: ${why}, and ${r.message}`);
      }
      return r.path.map((q) => [...q]);
    },
    'transit',
  );
}
