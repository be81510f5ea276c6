import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { buildMjcf } from '../../sim/mjcf.js';
import { mujoco } from '../../sim/mujoco.js';
import { loadScene } from '../../sim/scene.js';

describe('MJCF from URDF + scene', () => {
  for (const name of ['panda', 'ur5e'] as const) {
    it(`compiles for ${name}`, async () => {
      const mj = await mujoco();
      const robot = loadRobotModel(name);
      const out = buildMjcf(robot, loadScene('giftbag'));
      const m = mj.MjModel.from_xml_string(out.xml);
      try {
        // arm servos + one gripper actuator
        expect(m.nu).toBe(robot.dof + 1);
        expect(out.armJoints).toEqual(robot.jointNames);
        // arm + 2 fingers + 5 free objects (7 qpos each)
        expect(m.nq).toBe(robot.dof + 2 + 5 * 7);
        for (const j of robot.arm) {
          const id = mj.mj_name2id(m, mj.mjtObj.mjOBJ_JOINT.value, j.name);
          expect(id, j.name).toBeGreaterThanOrEqual(0);
          const range = m.jnt_range as Float64Array;
          if (Number.isFinite(j.lower)) {
            expect(range[id * 2]).toBeCloseTo(j.lower, 6);
            expect(range[id * 2 + 1]).toBeCloseTo(j.upper, 6);
          }
          const a = mj.mj_name2id(m, mj.mjtObj.mjOBJ_ACTUATOR.value, `${j.name}/servo`);
          const ctrl = m.actuator_ctrlrange as Float64Array;
          expect(ctrl[a * 2]).toBeCloseTo(j.lower, 6); // ctrlrange = joint limits
          expect(ctrl[a * 2 + 1]).toBeCloseTo(j.upper, 6);
          const force = m.actuator_forcerange as Float64Array;
          expect(force[a * 2 + 1]).toBeCloseTo(j.effort, 6);
        }
        // a weld for the grasp assist, the mimic finger coupling
        expect(m.neq).toBe(2);
        // finger × object contact sensors
        expect(m.nsensor).toBe(2 * 5);
      } finally {
        m.delete();
      }
    });
  }

  it('keeps the arm from colliding with itself but not with the world', () => {
    const out = buildMjcf(loadRobotModel('panda'), loadScene('giftbag'));
    const robotGeoms = [...out.xml.matchAll(/<geom name="panda_[^"]*"[^>]*>/g)].map((m) => m[0]);
    expect(robotGeoms.length).toBeGreaterThan(10);
    for (const g of robotGeoms) expect(g).toContain('contype="2" conaffinity="1"');
    const worldGeoms = [...out.xml.matchAll(/<geom name="(CANDY|GIFT_BAG\/floor|table)"[^>]*>/g)].map((m) => m[0]);
    expect(worldGeoms).toHaveLength(3);
    for (const g of worldGeoms) expect(g).toContain('contype="1" conaffinity="3"');
    // fingers: friction 1, condim 4
    expect(out.xml).toMatch(/<geom name="panda_leftfinger\/collision0"[^>]*friction="1 [^"]*" condim="4"/);
    expect(out.xml).toContain('gravcomp="1"');
  });

  it('puts the seeded object poses into the model', () => {
    const scene = loadScene('giftbag');
    const a = buildMjcf(loadRobotModel('panda'), scene, { seed: 3 });
    const b = buildMjcf(loadRobotModel('panda'), scene, { seed: 3 });
    const c = buildMjcf(loadRobotModel('panda'), scene, { seed: 4 });
    expect(a.xml).toBe(b.xml);
    expect(a.xml).not.toBe(c.xml);
  });
});
