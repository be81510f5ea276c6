/**
 * Whole-trajectory safety check, pure: the guard runs it before sending anything, the planner
 * preview runs it to mark unsafe steps. Written independently of the trajectory generator on
 * purpose (a second opinion). Every message is meant for a person.
 *
 * Checked: joint names, shape and finiteness, strictly increasing time, start near the measured
 * state, position limits minus a margin, velocity and acceleration (given values and finite
 * differences of positions, at rest before and after) against factor × limit, collision geometry
 * of moving links above the table top with a clearance (smaller for tool links), and the tool
 * centre inside a workspace box; geometry also between points that are far apart.
 *
 * Units: rad, rad/s, rad/s² (m for prismatic joints), meters, seconds. World frame: z up,
 * z = tableZ is the table top, robot base at the origin.
 */
import type { JointTrajectory } from '../types.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import { checkGeometry } from './check-geometry.js';
import { checkDynamics, checkPositions, checkStart } from './check-limits.js';
import { checkStructure } from './check-structure.js';
import { parseSafetyConfig, type SafetyConfig, type SafetyConfigInput } from './config.js';
import type { Violation, ViolationKind } from './violation.js';

export type { Violation, ViolationKind } from './violation.js';
export { defaultToolLinks, lowestLinkPoints } from './check-geometry.js';

export type CheckResult = { ok: true } | { ok: false; reason: string; violations: Violation[] };

export interface CheckOptions {
  /** gripper joint value for finger geometry (default: open) */
  gripper?: number;
}

/** Which order to report problems in: the ones that explain the others first. */
const PRIORITY: ViolationKind[] = [
  'joint_names',
  'empty',
  'malformed',
  'non_finite',
  'time',
  'start_jump',
  'position_limit',
  'table',
  'workspace',
  'velocity_limit',
  'acceleration_limit',
];

export function checkTrajectory(
  traj: JointTrajectory,
  model: RobotModel,
  config: SafetyConfigInput | SafetyConfig = {},
  currentQ: ArrayLike<number>,
  opts: CheckOptions = {},
): CheckResult {
  const cfg = parseSafetyConfig(config);
  const structural = checkStructure(traj, model);
  if (structural.length) return fail(structural);

  const v: Violation[] = [];
  checkStart(traj, model, cfg, currentQ, v);
  checkPositions(traj, model, cfg, v);
  checkDynamics(traj, model, cfg, v);
  checkGeometry(traj, model, cfg, opts.gripper ?? model.gripper?.open ?? 0, v);
  return v.length ? fail(v) : { ok: true };
}

function fail(violations: Violation[]): CheckResult {
  const sorted = [...violations].sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind));
  const more = sorted.length - 1;
  const reason = more > 0 ? `${sorted[0].message}; and ${more} more problem${more > 1 ? 's' : ''}` : sorted[0].message;
  return { ok: false, reason, violations: sorted };
}
