/** Shared set-up for the collision tests: a robot, its collision model, a scene, IK for poses. */
import { loadRobotModel, type RobotModel } from '../../model/description/robot-model.js';
import { transformPoint, type Mat4, type Vec3 } from '../../model/math/transform.js';
import { CollisionChecker, PlanningScene, robotCollisionModel, type RobotCollisionModel } from '../../collision/index.js';
import { IkSolver } from '../../skills/kinematics/ik.js';

export interface Rig {
  model: RobotModel;
  robot: RobotCollisionModel;
  scene: PlanningScene;
  checker: CollisionChecker;
  /** a top-down configuration with the tool centre at p (m, world) */
  topDown(p: Vec3): number[];
  /** world point of a link-frame point at q (independent FK: RobotModel.linkPoses) */
  at(q: number[], link: string, local?: Vec3, gripper?: number): Vec3;
  /** world ← link at q (independent FK) */
  pose(q: number[], link: string, gripper?: number): Mat4;
}

/** The gift-bag table: 1.4 × 1.2 m, centred at x = 0.35 m, top at z = 0. */
export function rig(name: 'panda' | 'ur5e', table = true): Rig {
  const model = loadRobotModel(name);
  const robot = robotCollisionModel(model);
  const scene = new PlanningScene();
  if (table) scene.setTable({ size: [1.4, 1.2], center: [0.35, 0] });
  const checker = new CollisionChecker(robot, scene);
  const ik = new IkSolver(model);
  return {
    model,
    robot,
    scene,
    checker,
    topDown(p) {
      const r = ik.solve({ position: p, approachAxis: [0, 0, -1] });
      if (!r.ok) throw new Error(`test set-up: no top-down IK solution at ${p.join(', ')}`);
      return r.q;
    },
    at: (q, link, local = [0, 0, 0], gripper) => transformPoint(model.linkPoses(q, gripper).get(link)!, local),
    pose: (q, link, gripper) => model.linkPoses(q, gripper).get(link)!,
  };
}

/** The hand link and the finger/tool names per robot. */
export const HAND = { panda: 'panda_hand', ur5e: 'gripper_base' } as const;
/** Centre of the hand's collision box in the hand frame (m). */
export const HAND_BOX_CENTER: Record<'panda' | 'ur5e', Vec3> = { panda: [0, 0, 0.03], ur5e: [0, 0, 0.035] };
/** Centre between the fingertips' pads (hand frame, m): finger joint origin + half the finger length. */
export const FINGER_CENTER: Record<'panda' | 'ur5e', Vec3> = { panda: [0, 0, 0.0584 + 0.027], ur5e: [0, 0, 0.07 + 0.027] };
