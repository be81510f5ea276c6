/**
 * The public option and state shapes of SimWorld (sim/world.ts re-exports them).
 *
 * Units: m, rad, N. World frame: z up, z = 0 the table top. Quaternions [x, y, z, w].
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { Quat, Vec3 } from '../../model/math/transform.js';
import type { MjcfOptions } from '../mjcf.js';
import type { Scene } from '../scene.js';

export interface SimWorldOptions {
  robot: RobotModel;
  scene: Scene;
  /** jitter seed; overrides the scene's `seed` */
  seed?: number;
  /** weld grasp assist (default true); see sim/README.md */
  graspAssist?: boolean;
  /** start configuration of the arm (default: the robot's home) */
  initialArm?: ArrayLike<number>;
  mjcf?: Omit<MjcfOptions, 'seed'>;
}

export interface ObjectState {
  name: string;
  /** centre, world frame, m */
  position: Vec3;
  /** [x, y, z, w] */
  quaternion: Quat;
  /** the container it rests in (centre inside the walls' footprint, below the rim, at rest), else null */
  in: string | null;
  /** grasped by the gripper (both fingers on it, or the grasp assist holds it) */
  held: boolean;
  /** linear speed below 5 cm/s and angular below 1 rad/s */
  resting: boolean;
}

export interface GripperOptions {
  /** squeeze force limit, N (default and maximum: the URDF effort of the finger joint) */
  maxEffort?: number;
  /** finger speed, m/s (default and maximum: the URDF velocity limit) */
  speed?: number;
}

export interface GripperState {
  /** leader finger joint value (per-finger travel for parallel grippers), m */
  position: number;
  velocity: number;
  /** actuator force, N (positive opens) */
  effort: number;
  goal: number;
  /** the target is still ramping or the fingers still move */
  moving: boolean;
  /** the fingers stopped short of the goal (closed on something) */
  stalled: boolean;
  reachedGoal: boolean;
}

/**
 * What a restart needs to put the sim back as it was (SimWorld.snapshot / restore): the arm's
 * joints (rad, the world's `jointNames` order), the leader finger joint (m; null without a
 * gripper), every object's pose (world frame, m, [x, y, z, w]) and the object the grasp assist
 * holds. Velocities are not kept: a snapshot is taken with the arm at rest.
 */
export interface WorldSnapshot {
  arm: number[];
  gripper: number | null;
  objects: { name: string; position: Vec3; quaternion: Quat }[];
  grasped: string | null;
}
