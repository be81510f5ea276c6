/**
 * What the safety check reports, and the number formats its messages share. Every message is
 * meant for a person.
 *
 * Units in messages: rad, rad/s, rad/s² (m for prismatic joints), meters, seconds.
 */
import type { RobotModel } from '../../model/description/robot-model.js';

export type ViolationKind =
  | 'joint_names'
  | 'empty'
  | 'malformed'
  | 'non_finite'
  | 'time'
  | 'start_jump'
  | 'position_limit'
  | 'velocity_limit'
  | 'acceleration_limit'
  | 'table'
  | 'workspace'
  /** a robot link or the held object would touch something it is not meant to (the planning scene) */
  | 'collision';

export interface Violation {
  kind: ViolationKind;
  /** one sentence for a person */
  message: string;
  /** seconds from the trajectory start, when it applies */
  time?: number;
  /** index of the trajectory point, when it applies */
  point?: number;
  joint?: string;
  link?: string;
  /** the offending value and the limit it breaks, in the unit of the check */
  value?: number;
  limit?: number;
}

/** The messages' formats: 2 or 3 decimals, a time as `t=1.23 s`, the unit of arm joint j. */
export const f2 = (x: number) => x.toFixed(2);
export const f3 = (x: number) => x.toFixed(3);
export const at = (t: number) => `t=${f2(t)} s`;
export const unitOf = (model: RobotModel, j: number) => (model.arm[j].type === 'prismatic' ? 'm' : 'rad');
