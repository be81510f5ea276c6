/**
 * Link pairs of the shipped robots that are never checked against each other, from their
 * published MoveIt SRDFs (facts about the robots, not sampled). One list for the app and the
 * benchmarks, so both check the same robot.
 */
import type { RobotModel } from '../model/description/robot-model.js';

/**
 * Robot link pairs whose URDF collision shapes overlap although the real links cannot touch, so
 * they are not checked against each other (like a MoveIt SRDF's disabled pairs; both pairs are
 * "Never" in MoveIt's published Panda SRDF, moveit_resources panda_moveit_config). This URDF's
 * primitives are coarse: the upper arm (link2) and forearm (link4) cylinders, 5.5 cm and 5 cm in
 * radius with axes 8.25 cm apart at the elbow, overlap whenever the elbow is open; the flange
 * cylinder (link7, 4 cm) folded back along the forearm (5 cm) at joint 6 near π sits 8.8 cm from
 * its axis (the wrist offset), 2 mm into it, where the real wrist housing keeps them apart.
 * The UR5e needs none: its sampled matrix already disables every pair ur_moveit_config's SRDF
 * does (Universal_Robots_ROS2_Driver, ur_moveit_config/srdf/ur_macro.srdf.xacro: the adjacent
 * pairs and wrist_1 × wrist_3), and the pairs that SRDF keeps checked (upper arm × wrist 1,
 * shoulder × forearm) can really touch when the elbow folds; no false contact at home or along
 * the gift-bag moves (test/session/ur5e-collision.test.ts).
 */
export const KNOWN_SAFE_PAIRS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  panda: [
    ['panda_link2', 'panda_link4'],
    ['panda_link4', 'panda_link7'],
  ],
};

/** The known-safe pairs of this robot (by its URDF name) whose links it has. */
export function knownSafePairs(model: RobotModel): [string, string][] {
  const names = new Set(model.description.links.keys());
  return (KNOWN_SAFE_PAIRS[model.name] ?? []).filter(([a, b]) => names.has(a) && names.has(b)).map(([a, b]) => [a, b]);
}
