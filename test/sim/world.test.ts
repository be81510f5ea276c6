import { afterEach, describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { loadScene, objectHalfExtents, validateScene, type Scene, type SceneData } from '../../sim/scene.js';
import { SimWorld } from '../../sim/world.js';
import { ikTopDown } from './helpers.js';

const panda = loadRobotModel('panda');
const worlds: SimWorld[] = [];
async function world(options: Partial<Parameters<typeof SimWorld.create>[0]> = {}): Promise<SimWorld> {
  const w = await SimWorld.create({ robot: panda, scene: loadScene('giftbag'), ...options });
  worlds.push(w);
  return w;
}
afterEach(() => {
  while (worlds.length) worlds.pop()!.dispose();
});

/** Min-jerk joint move driven from a before-step hook; returns the largest tracking error (rad). */
function move(w: SimWorld, to: number[], T: number): number {
  const from = w.armTarget().position;
  const t0 = w.time;
  let maxErr = 0;
  const q = new Array(to.length),
    qd = new Array(to.length),
    qdd = new Array(to.length);
  const off = w.onBeforeStep(() => {
    const u = Math.min(1, (w.time - t0) / T);
    const s = 10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5,
      ds = (30 * u ** 2 - 60 * u ** 3 + 30 * u ** 4) / T,
      dds = (60 * u - 180 * u ** 2 + 120 * u ** 3) / (T * T);
    for (let i = 0; i < to.length; i++) {
      q[i] = from[i] + (to[i] - from[i]) * s;
      qd[i] = (to[i] - from[i]) * ds;
      qdd[i] = (to[i] - from[i]) * dds;
    }
    w.setArmTarget(q, qd, qdd);
  });
  const off2 = w.onAfterStep(() => {
    maxErr = Math.max(maxErr, w.trackingError());
  });
  w.stepFor(T + 0.2);
  off();
  off2();
  return maxErr;
}

/** The same scripted session: sweep through the objects, close the gripper, come back. */
function script(w: SimWorld): void {
  const a = ikTopDown(panda, [0.4, 0.2, 0.06], 0);
  const b = ikTopDown(panda, [0.58, -0.12, 0.06], 0, a);
  move(w, a, 1);
  move(w, b, 1);
  w.setGripper(0, { maxEffort: 20 });
  move(w, panda.home, 1);
  w.stepFor(0.5);
}

describe('SimWorld', () => {
  it('starts with the arm at home, tool where forward kinematics puts it, and holds it there', async () => {
    const w = await world();
    const fk = panda.tipPose(panda.home);
    const tool = w.toolPose();
    expect(tool.position[0]).toBeCloseTo(fk[12], 6);
    expect(tool.position[2]).toBeCloseTo(fk[14], 6);
    w.stepFor(1);
    expect(w.time).toBeCloseTo(1, 9);
    expect(Math.max(...w.armPositions().map((q, i) => Math.abs(q - panda.home[i])))).toBeLessThan(1e-3);
    expect(w.gripperPosition()).toBeCloseTo(0.04, 3);
    expect(w.graspAssist).toBe(true);
  });

  it('lets every object come to rest on the table under gravity', async () => {
    const w = await world();
    const before = w.objectStates();
    w.stepFor(1.5);
    const scene = loadScene('giftbag');
    for (const s of w.objectStates()) {
      const o = scene.objects.find((x) => x.name === s.name)!;
      expect(s.position[2], s.name).toBeGreaterThan(objectHalfExtents(o)[2] - 0.002);
      expect(s.position[2], s.name).toBeLessThan(objectHalfExtents(o)[2] + 0.002);
      const b = before.find((x) => x.name === s.name)!;
      expect(Math.hypot(s.position[0] - b.position[0], s.position[1] - b.position[1]), s.name).toBeLessThan(0.002);
      expect(s).toMatchObject({ in: null, held: false, resting: true });
    }
  });

  it('is deterministic: same seed and commands give identical states, another seed does not', async () => {
    const [a, b, c] = await Promise.all([world({ seed: 5 }), world({ seed: 5 }), world({ seed: 6 })]);
    script(a);
    script(b);
    expect(a.objectStates()).toEqual(b.objectStates());
    expect(a.armPositions()).toEqual(b.armPositions());
    expect(a.objectStates()[0].position).not.toEqual(c.objectStates()[0].position);
  });

  it('a candy dropped above the gift bag ends up in it', async () => {
    const data = JSON.parse(JSON.stringify(loadScene('giftbag'))) as SceneData;
    const bag = data.containers.find((c) => c.name === 'GIFT_BAG')!;
    data.objects[0].position = [bag.position[0] + 0.02, bag.position[1] + 0.01, 0.35];
    const scene: Scene = validateScene(data, 'drop.json');
    const w = await world({ scene });
    expect(w.objectState('CANDY')!.in).toBeNull();
    w.stepFor(2);
    const candy = w.objectState('CANDY')!;
    expect(candy.in).toBe('GIFT_BAG');
    expect(candy.position[2]).toBeLessThan(0.05); // on the bag's floor
  });

  it('reports poses and world-aligned half extents (BodyPoseProvider)', async () => {
    const w = await world();
    const spec = loadScene('giftbag').containers.find((c) => c.name === 'GIFT_BAG')!;
    expect(w.bodyPosition('GIFT_BAG')).toEqual([spec.position[0], spec.position[1], 0.08]);
    const bag = w.bodyHalfExtents('GIFT_BAG')!;
    expect(bag[0]).toBeCloseTo(0.106, 6);
    expect(bag[2]).toBeCloseTo(0.08, 6);
    const lotion = w.bodyHalfExtents('LOTION')!;
    expect(lotion[2]).toBeCloseTo(0.05, 3);
    expect(w.bodyPosition('panda_hand')).toBeDefined();
    expect(w.bodyHalfExtents('panda_hand')).toBeUndefined();
    expect(w.bodyPosition('NOTHING')).toBeUndefined();
    expect(w.isContainer('GIFT_BAG')).toBe(true);
    expect(w.isContainer('CANDY')).toBe(false);
    const q = w.bodyQuaternion('CANDY')!;
    expect(Math.hypot(...q)).toBeCloseTo(1, 9);
  });

  for (const assist of [true, false]) {
    it(`grasps the candy in physics and lifts it${assist ? ' (grasp assist on)' : ' (friction only)'}`, async () => {
      const w = await world({ graspAssist: assist });
      const c = w.bodyPosition('CANDY')!;
      const yaw = Math.atan2(2 * w.bodyQuaternion('CANDY')![2] * w.bodyQuaternion('CANDY')![3], 1 - 2 * w.bodyQuaternion('CANDY')![2] ** 2);
      const pre = ikTopDown(panda, [c[0], c[1], 0.12], yaw);
      const grasp = ikTopDown(panda, [c[0], c[1], 0.012], yaw, pre);
      const lift = ikTopDown(panda, [c[0], c[1], 0.112], yaw, grasp);
      expect(move(w, pre, 1.5)).toBeLessThan(0.01);
      move(w, grasp, 1);
      w.setGripper(0, { maxEffort: 20 });
      w.stepFor(0.5);
      const g = w.gripperState();
      expect(g.stalled).toBe(true);
      expect(g.position).toBeGreaterThan(0.012); // stopped on the 3 cm candy
      expect(w.objectState('CANDY')!.held).toBe(true);
      expect(w.graspedObject).toBe(assist ? 'CANDY' : null);
      move(w, lift, 1);
      w.stepFor(0.5);
      const held = w.objectState('CANDY')!;
      expect(held.held).toBe(true);
      expect(held.position[2]).toBeGreaterThan(0.0125 + 0.095); // rose ~10 cm with the gripper
      expect(Math.abs(held.position[2] - w.toolPose().position[2])).toBeLessThan(0.005);
      w.setGripper(0.04);
      w.stepFor(1);
      const dropped = w.objectState('CANDY')!;
      expect(dropped.held).toBe(false);
      expect(w.graspedObject).toBeNull();
      expect(dropped.position[2]).toBeLessThan(0.02); // fell back onto the table
    });
  }

  it('runs the UR5e too', async () => {
    const ur5e = loadRobotModel('ur5e');
    const w = await world({ robot: ur5e });
    w.stepFor(0.5);
    expect(w.jointNames).toEqual(ur5e.jointNames);
    expect(w.graspAssist).toBe(true);
    expect(w.mjcf.gripper?.fingerBodies).toEqual(['gripper_finger_left', 'gripper_finger_right']);
    expect(Math.max(...w.armPositions().map((q, i) => Math.abs(q - ur5e.home[i])))).toBeLessThan(1e-3);
  });

  it('refuses to work after dispose', async () => {
    const w = await SimWorld.create({ robot: panda, scene: loadScene('giftbag') });
    w.dispose();
    expect(w.disposed).toBe(true);
    expect(() => w.step()).toThrow(/disposed/);
    w.dispose(); // twice is fine
  });
});
