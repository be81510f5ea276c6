import type { JointTrajectory } from './types.js';

/**
 * Map a trajectory's joint names onto the arm's: for each arm joint, its column in the
 * trajectory. Every backend checks names the same way, so the reasons read the same.
 * Returns the reason when the names are wrong.
 */
export function trajectoryJointOrder(tr: JointTrajectory, names: readonly string[]): number[] | string {
  if (!tr || !Array.isArray(tr.jointNames) || !Array.isArray(tr.points)) return 'a trajectory needs jointNames and points';
  if (tr.points.length === 0) return 'the trajectory has no points';
  const unknown = tr.jointNames.filter((j) => !names.includes(j));
  if (unknown.length)
    return `unknown joint${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; this arm's joints are ${names.join(', ')}`;
  const missing = names.filter((j) => !tr.jointNames.includes(j));
  if (missing.length) return `the trajectory must command every arm joint; missing ${missing.join(', ')}`;
  if (new Set(tr.jointNames).size !== tr.jointNames.length) return 'a joint name appears twice in jointNames';
  return names.map((j) => tr.jointNames.indexOf(j));
}
