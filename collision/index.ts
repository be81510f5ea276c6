/**
 * collision/: the planning scene and conservative collision checks for one robot (see
 * checker.ts). Imports only model/. Typical use:
 *
 *   const robot = robotCollisionModel(loadRobotModel('panda'));
 *   const scene = new PlanningScene();
 *   scene.setTable({ size: [1.4, 1.2], center: [0.35, 0] });
 *   scene.addContainer('GIFT_BAG', { position: [0.5, -0.28], inner: [0.2, 0.14], height: 0.16 });
 *   const checker = new CollisionChecker(robot, scene);
 *   checker.checkState(q, gripper) // → null or { a: 'panda_hand', b: 'GIFT_BAG wall', point }
 */
export * from './shapes.js';
export { decompose, DEFAULT_TOLERANCE, type SphereSet } from './spheres.js';
export { TreeKinematics } from './kinematics.js';
export {
  robotCollisionModel,
  RobotCollisionModel,
  DEFAULT_MESH_BOX,
  type RobotCollisionOptions,
  type CollisionWarning,
  type LinkBody,
} from './robot.js';
export {
  allowedCollisions,
  computeAllowedCollisions,
  loadAllowedCollisions,
  saveAllowedCollisions,
  DEFAULT_ACM_MARGIN,
  DEFAULT_ACM_SAMPLES,
  DEFAULT_ACM_SEED,
  type AcmOptions,
  type AllowedCollisionMatrix,
  type AllowedPair,
  type AllowReason,
} from './acm.js';
export * from './scene.js';
export * from './checker.js';
export { clearCollisionCaches, descriptionKey } from './cache.js';
export { WorldCollision, describeContact, type TrajectoryCollision, type TrajectoryCheckOptions } from './world-sync.js';
export { KNOWN_SAFE_PAIRS, knownSafePairs } from './known-pairs.js';
