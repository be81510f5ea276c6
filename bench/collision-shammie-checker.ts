/**
 * The OMPL side-by-side benchmark's validity function (bench/collision-plan.ts, the default):
 * Shammie's own collision checker (`collision/`) exactly as the app builds it (the same
 * allowed-collision matrix, known-safe pairs included), over the anchor's scene.
 *
 * The robot is Shammie's built-in Panda (its URDF's shapes, fingers open), not the anchor's
 * panda_fingers.urdf, and the checker keeps a clearance margin: it calls more of the anchor's
 * starts and goals blocked, and the benchmark compares on the problems it calls valid at both ends.
 * The anchor's capsule (the candy) becomes the cylinder that holds it.
 */
import { allowedCollisions, CollisionChecker, knownSafePairs, PlanningScene, robotCollisionModel, type Shape } from '../collision/index.js';
import { loadRobotModel } from '../model/description/robot-model.js';
import type { Quat } from '../model/math/transform.js';
import type { AnchorProblemSet } from './collision-anchor-model.js';

export function createBenchChecker(ctx: { anchorDir: string; problems: AnchorProblemSet }) {
  const model = loadRobotModel('panda');
  const robot = robotCollisionModel(model);
  const scene = new PlanningScene();
  const identity = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  for (const o of ctx.problems.scene) {
    const w = o.quat_wxyz ?? [1, 0, 0, 0];
    const r = o.radius ?? 0;
    const shape: Shape =
      o.type === 'box'
        ? { type: 'box', halfExtents: o.half_size ?? [0, 0, 0] }
        : o.type === 'sphere'
          ? { type: 'sphere', radius: r }
          : { type: 'cylinder', radius: r, halfLength: (o.half_length_along_local_z ?? 0) + r };
    const kind = o.name === 'table_top' || o.name === 'floor' ? 'table' : 'object';
    scene.add(o.name, kind, [{ shape, transform: identity }], { position: o.pos, quaternion: [w[1], w[2], w[3], w[0]] as Quat });
  }
  const checker = new CollisionChecker(robot, scene, { acm: allowedCollisions(robot, { disable: knownSafePairs(model) }) });
  const gripper = robot.kinematics.gripperDefault;
  return {
    isStateValid: (q: Float64Array) => checker.isFree(q, gripper),
    describe: `collision/ CollisionChecker.isFree: built-in Panda (sphere model vs exact primitives), margin ${checker.margin} m, fingers at ${gripper} m`,
  };
}
