import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_ROBOTS, loadRobotModel, RobotModel } from '../../../model/description/robot-model.js';
import { parseUrdf, UrdfError } from '../../../model/description/urdf.js';

const minimal = (joints: string, extra = '') => `<?xml version="1.0"?>
<robot name="mini">
  <link name="base"/><link name="a"/><link name="b"/>
  ${joints}
  ${extra}
</robot>`;
const J1 =
  '<joint name="j1" type="revolute"><parent link="base"/><child link="a"/><origin xyz="0 0 0.1"/><axis xyz="0 0 1"/><limit lower="-1" upper="1" velocity="1" effort="1"/></joint>';
const J2 =
  '<joint name="j2" type="revolute"><parent link="a"/><child link="b"/><origin xyz="0.2 0 0"/><axis xyz="0 1 0"/><limit lower="-2" upper="2" velocity="2" effort="1"/></joint>';

describe('URDF descriptions', () => {
  it('the Panda description is a 7-DoF arm with published limits and a gripper', () => {
    const m = loadRobotModel('panda');
    expect(m.dof).toBe(7);
    expect(m.jointNames[0]).toBe('panda_joint1');
    expect(m.arm[3].lower).toBeCloseTo(-3.0718);
    expect(m.arm[3].upper).toBeCloseTo(-0.0698);
    expect(m.arm[0].velocity).toBeCloseTo(2.175);
    expect(m.arm[6].velocity).toBeCloseTo(2.61);
    expect(m.arm[1].acceleration).toBeCloseTo(7.5);
    expect(m.gripper).toMatchObject({ joint: 'panda_finger_joint1', open: 0.04, closed: 0 });
    expect(m.tipLink).toBe('panda_tcp');
    expect(m.withinLimits(m.home)).toBe(true);
    // Home puts the tool about where the paper's HOME is ([0.36, 0, 0.49]), pointing down.
    const T = m.tipPose(m.home);
    expect(T[12]).toBeGreaterThan(0.25);
    expect(T[14]).toBeGreaterThan(0.4);
    expect(T[10]).toBeCloseTo(-1, 6);
  });

  it('the UR5e description is a 6-DoF arm; nothing assumes 7 joints', () => {
    const m = loadRobotModel('ur5e');
    expect(m.dof).toBe(6);
    expect(m.jointNames).toEqual([
      'shoulder_pan_joint',
      'shoulder_lift_joint',
      'elbow_joint',
      'wrist_1_joint',
      'wrist_2_joint',
      'wrist_3_joint',
    ]);
    expect(m.gripper?.joint).toBe('gripper_finger_left_joint');
    expect(m.withinLimits(m.home)).toBe(true);
  });

  it('loads any URDF by path and infers tool frame, home and acceleration limits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-urdf-'));
    const f = join(dir, 'mini.urdf');
    writeFileSync(f, minimal(J1 + J2));
    const m = RobotModel.fromFile(f);
    expect(m.jointNames).toEqual(['j1', 'j2']);
    expect(m.tipLink).toBe('b');
    expect(m.home).toEqual([0, 0]);
    expect(m.arm[1].acceleration).toBeCloseTo(4);
    expect(m.gripper).toBeUndefined();
    const T = m.tipPose([0, 0]);
    expect([T[12], T[13], T[14]]).toEqual([0.2, 0, 0.1]);
    expect(loadRobotModel(BUILTIN_ROBOTS.panda).dof).toBe(7);
  });

  it.each([
    ['not XML at all <<', /not well-formed XML/],
    ['<?xml version="1.0"?><model/>', /no <robot> element/],
    [
      minimal('<joint name="j1" type="revolute"><parent link="base"/><child link="zz"/><limit lower="0" upper="1" velocity="1"/></joint>'),
      /child link "zz", which is not defined/,
    ],
    [minimal('<joint name="j1" type="hinge"><parent link="base"/><child link="a"/></joint>'), /type "hinge"/],
    [minimal('<joint name="j1" type="revolute"><parent link="base"/><child link="a"/></joint>'), /needs a <limit>/],
    [
      minimal('<joint name="j1" type="revolute"><parent link="base"/><child link="a"/><limit lower="1" upper="-1" velocity="1"/></joint>'),
      /lower limit 1 above upper -1/,
    ],
    [
      minimal(
        '<joint name="j1" type="revolute"><parent link="base"/><child link="a"/><origin xyz="0 0"/><limit lower="0" upper="1" velocity="1"/></joint>',
      ),
      /origin xyz: expected three numbers/,
    ],
    [
      minimal(
        '<joint name="j1" type="revolute"><parent link="base"/><child link="a"/><limit lower="0" upper="1" velocity="fast"/></joint>',
      ),
      /velocity: expected a number/,
    ],
    [minimal(J1 + J1), /defined twice/],
  ])('rejects a malformed URDF with a clear error (%#)', (text, msg) => {
    expect(() => parseUrdf(text, 'bad.urdf')).toThrow(UrdfError);
    expect(() => parseUrdf(text, 'bad.urdf')).toThrow(msg);
  });

  it('rejects a home pose that does not fit the arm', () => {
    const text = minimal(J1 + J2, '<shammie home="0 0 0"/>');
    expect(() => new RobotModel(parseUrdf(text, 'x.urdf'))).toThrow(/home> has 3 values but the arm has 2 joints/);
  });

  it('reports a missing file clearly', () => {
    expect(() => loadRobotModel('/no/such/robot.urdf')).toThrow(/cannot read URDF file \/no\/such\/robot.urdf/);
  });
});
