/** The inverse-kinematics API shapes (skills/kinematics/ik.ts re-exports them). */
import type { Quat, Vec3 } from '../../model/math/transform.js';

export interface IkGoal {
  /** tool position in the base frame, meters */
  position: Vec3;
  /** tool orientation [x, y, z, w]; omit (and omit approachAxis) for a position-only goal */
  quaternion?: Quat;
  /**
   * Instead of a full orientation: the direction the tool z axis must point along (unit vector,
   * base frame), rotation about it left free — e.g. [0, 0, -1] for a top-down grasp.
   * Ignored when `quaternion` is given.
   */
  approachAxis?: Vec3;
}

export interface IkSolveOptions {
  /** start configuration of the first attempt (default: the model's home pose); clamped into limits */
  seed?: ArrayLike<number>;
  /** random restarts after the seeded attempt (default 100) */
  maxRestarts?: number;
  /** LM iterations (trial steps, one FK each) per attempt (default 60) */
  maxIterations?: number;
  /** success threshold on the position error, meters (default 1e-3) */
  positionTolerance?: number;
  /** success threshold on the orientation error, radians (default 0.01) */
  orientationTolerance?: number;
  /** seed of the restart RNG (default 1); same inputs + same seed ⇒ same answer */
  randomSeed?: number;
}

export interface IkSolverOptions extends Omit<IkSolveOptions, 'seed'> {
  /**
   * Weight of orientation against position in the least-squares error, meters per radian
   * (default 0.2: 1 rad of tool rotation counts like 20 cm). Only shapes the path LM takes.
   */
  orientationWeight?: number;
  /** an attempt stops as converged below these errors (defaults 1e-5 m, 1e-4 rad) */
  convergedPosition?: number;
  convergedOrientation?: number;
}

export interface IkResult {
  /** position error < positionTolerance and orientation error < orientationTolerance */
  ok: boolean;
  /** the best configuration found, always within the joint limits */
  q: number[];
  /** |tool position − goal|, meters */
  positionError: number;
  /** angle between tool and goal orientation (or tool z and approachAxis), radians; 0 for position-only goals */
  orientationError: number;
  /** LM trial steps used in total */
  iterations: number;
  /** random restarts used */
  restarts: number;
  /** plain-English reason when ok is false */
  reason?: string;
}
