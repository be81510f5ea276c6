/**
 * Options of the SimBackend, and the defaults of its tolerances and periods.
 *
 * Units: rad, seconds of sim time.
 */
import type { RobotModel } from '../model/description/robot-model.js';
import type { Pace } from '../sim/loop.js';
import type { Scene } from '../sim/scene.js';

export interface SimBackendOptions {
  /** 'fast' (default): sim runs flat out, only while commanded. 'realtime': paced to the wall clock. */
  pace?: Pace;
  /** sim seconds per wall second in realtime pace (default 1) */
  speed?: number;
  /** period of joint-state messages, s of sim time (default 0.01) */
  jointStatePeriod?: number;
  /** period of trajectory progress callbacks, s of sim time (default 0.05) */
  progressPeriod?: number;
  /** largest tracking error tolerated while moving, rad (default 0.15) */
  pathTolerance?: number;
  /** final error that counts as arrived, rad (default 0.01) */
  goalTolerance?: number;
  /** how long after the trajectory's end the arm may take to settle, s (default 0.5) */
  goalTimeTolerance?: number;
  /** first point at t = 0 must be this close to the current position, rad (default 0.1) */
  startTolerance?: number;
  /** braking ramp of stop/cancel/abort, s (default 0.05) */
  stopTime?: number;
  /** give up on a gripper command after this long, s (default 3) */
  gripperTimeout?: number;
}

export interface CreateSimBackendOptions extends SimBackendOptions {
  /** a Scene, a built-in scene name or a scene file path (default 'giftbag') */
  scene?: Scene | string;
  /** the robot (default: the scene's `robot`) */
  robot?: RobotModel | string;
  /** jitter seed (default: the scene's) */
  seed?: number;
  /** weld grasp assist (default true); see sim/README.md */
  graspAssist?: boolean;
}

/** The periods and tolerances of SimBackendOptions, every one set. */
export type SimTuning = Required<Omit<SimBackendOptions, 'pace' | 'speed'>>;

/** `options` with the defaults filled in. */
export function simTuning(options: SimBackendOptions): SimTuning {
  return {
    jointStatePeriod: options.jointStatePeriod ?? 0.01,
    progressPeriod: options.progressPeriod ?? 0.05,
    pathTolerance: options.pathTolerance ?? 0.15,
    goalTolerance: options.goalTolerance ?? 0.01,
    goalTimeTolerance: options.goalTimeTolerance ?? 0.5,
    startTolerance: options.startTolerance ?? 0.1,
    stopTime: options.stopTime ?? 0.05,
    gripperTimeout: options.gripperTimeout ?? 3,
  };
}
