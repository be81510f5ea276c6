/**
 * Collision-free motion generation in joint space: RRT-Connect with shortcutting and smoothing,
 * seeded and deterministic, against any state (or motion) validity function. See plan.ts.
 */
export { JointSpacePlanner, planPath, PLANNER_DEFAULTS } from './plan.js';
export { MotionChecker, distanceAt, resolutionMotionValidity } from './motion.js';
export { pathLength, simplifyPath, type SimplifyParams, type SimplifyOutcome } from './simplify.js';
export type * from './types.js';
