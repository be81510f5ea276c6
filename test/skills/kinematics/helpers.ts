/** Shared fixtures for the kinematics tests. */
import { RobotModel } from '../../../model/description/robot-model.js';
import { mulberry32 } from '../../../model/math/random.js';
import { parseUrdf } from '../../../model/description/urdf.js';

/** deterministic test randomness, uniform in [0, 1) */
export const rng = mulberry32;

/** Uniform random configuration within the limits (continuous joints: one turn). */
export function randomConfig(model: RobotModel, r: () => number): number[] {
  return model.arm.map((j) => {
    const lo = Number.isFinite(j.lower) ? j.lower : -Math.PI;
    const hi = Number.isFinite(j.upper) ? j.upper : Math.PI;
    return lo + (hi - lo) * r();
  });
}

/**
 * A deliberately awkward 4-joint arm: a fixed offset before the first joint, a tilted revolute
 * axis, a prismatic joint, a continuous joint, a side branch off the chain, fixed joints between
 * actuated ones and a rotated tool frame.
 */
export function oddArm(): RobotModel {
  const urdf = `<?xml version="1.0"?>
<robot name="odd">
  <link name="base"/><link name="riser"/><link name="l1"/><link name="l2"/><link name="l3"/><link name="l4"/>
  <link name="flange"/><link name="tool"/><link name="camera"/>
  <joint name="riser_fixed" type="fixed"><origin xyz="0.05 0 0.2" rpy="0 0 0.3"/><parent link="base"/><child link="riser"/></joint>
  <joint name="j1" type="revolute"><origin xyz="0 0 0.1" rpy="0 0 0"/><parent link="riser"/><child link="l1"/><axis xyz="0 0 1"/>
    <limit lower="-2.5" upper="2.5" velocity="1"/></joint>
  <joint name="j2" type="revolute"><origin xyz="0 0.02 0.05" rpy="0.2 -0.4 0.1"/><parent link="l1"/><child link="l2"/><axis xyz="0.6 0 0.8"/>
    <limit lower="-1.5" upper="1.5" velocity="1"/></joint>
  <joint name="cam_mount" type="fixed"><origin xyz="0 0.1 0" rpy="0 0 0"/><parent link="l2"/><child link="camera"/></joint>
  <joint name="j3" type="prismatic"><origin xyz="0.3 0 0" rpy="0 1.2 0"/><parent link="l2"/><child link="l3"/><axis xyz="1 0 0"/>
    <limit lower="-0.1" upper="0.2" velocity="0.5"/></joint>
  <joint name="j3_fixed" type="fixed"><origin xyz="0.1 0 0.05" rpy="0.5 0 0"/><parent link="l3"/><child link="l4"/></joint>
  <joint name="j4" type="continuous"><origin xyz="0 0 0.1" rpy="0 0 0"/><parent link="l4"/><child link="flange"/><axis xyz="0 -1 0"/>
    <limit velocity="2" effort="1"/></joint>
  <joint name="tool_fixed" type="fixed"><origin xyz="0.02 0.03 0.12" rpy="0.1 0.2 0.3"/><parent link="flange"/><child link="tool"/></joint>
  <shammie tip_link="tool"/>
</robot>`;
  return new RobotModel(parseUrdf(urdf, 'odd.urdf'));
}
