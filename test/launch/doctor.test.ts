/**
 * `shammie doctor`: each check against the rosbridge test server, the --move test, and the
 * specific hint for each failure (wrong URL, rosbridge not running, missing controller,
 * joint-name mismatch); with rclnodejs, the release found and the ROS 2 it must match; and the
 * note on what protects the arm when the link dies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatReport, runDoctor, type DoctorReport } from '../../launch/doctor.js';
import type { RclnodejsInstall } from '../../robot-bridge/ros/rclnodejs-api.js';
import { loadProfile, type LaunchProfile } from '../../session/profile.js';
import { fakeRclnodejs } from '../robot-bridge/ros/fake-rclnodejs.js';
import { FakeRobot } from '../robot-bridge/ros/fake-robot.js';
import { FakeRosbridge } from '../robot-bridge/ros/fake-rosbridge.js';
import { panda, rig, type Rig } from '../robot-bridge/ros/rig.js';

let r: Rig | undefined;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await r?.dispose();
  r = undefined;
  for (const c of cleanup.splice(0)) await c();
});

function profileFor(url: string, name = 'ros2-rosbridge', ros: object = {}): LaunchProfile {
  const p = loadProfile(name, {});
  return { ...p, ros: { ...p.ros, url, timeouts: { connect: 1, jointStates: 1, goalAck: 1, call: 1 }, ...ros } };
}

const check = (rep: DoctorReport, id: string) => rep.checks.find((c) => c.id === id)!;

describe('shammie doctor', () => {
  it('a healthy robot: link, graph, joint states (rate, latency), controller, gripper, and --move', async () => {
    r = await rig({ robot: { stamps: 'wall' }, connect: false });
    const asked: string[] = [];
    const rep = await runDoctor({
      profile: profileFor(r.server.url),
      sampleSeconds: 0.3,
      move: true,
      moveAmount: 0.02,
      moveSeconds: 0.2,
      ask: (q) => {
        asked.push(q);
        return Promise.resolve(true);
      },
    });
    expect(rep.ok).toBe(true);
    expect(rep.checks.map((c) => [c.id, c.ok])).toEqual([
      ['link', true],
      ['graph', true],
      ['joint_states', true],
      ['controller', true],
      ['gripper', true],
      ['move', true],
    ]);
    expect(rep.graph!.topics.map((t) => t.name)).toContain('/joint_states');
    expect(rep.graph!.actions).toEqual(
      expect.arrayContaining(['/joint_trajectory_controller/follow_joint_trajectory', '/gripper_controller/gripper_cmd']),
    );
    expect(rep.graph!.services).toContain('/controller_manager/switch_controller');
    expect(rep.jointStates!.rateHz).toBeGreaterThan(30); // 100 Hz nominal; the machine may be busy
    expect(rep.jointStates!.latencyMs!.p99).toBeLessThan(500);
    expect(asked[0]).toMatch(/Move each of the 7 joints by 0.02 rad/);
    expect(rep.moves).toHaveLength(7);
    for (const m of rep.moves!)
      expect(m).toMatchObject({ ok: true, returnError: expect.any(Number) as unknown, trackingError: expect.any(Number) as unknown });
    // Two goals per joint, plus the zero-motion check.
    expect(r.robot.goals).toHaveLength(15);
    // Said plainly: when the link dies mid-motion, only the robot's side can stop the arm.
    expect(rep.notes[0]).toMatch(/nothing on this computer can stop the arm.*controller.*goal_time.*stopped_velocity_tolerance.*watchdog/);
    expect(formatReport(rep)).toMatch(/\nnote: If the link to the robot drops during a motion/);
  });

  it('--move answered no: nothing moves', async () => {
    r = await rig({ connect: false });
    const rep = await runDoctor({ profile: profileFor(r.server.url), sampleSeconds: 0.1, move: true, ask: () => Promise.resolve(false) });
    expect(rep.ok).toBe(true);
    expect(check(rep, 'move').message).toMatch(/skipped/);
    expect(r.robot.goals).toHaveLength(1); // the zero-motion check only
  });

  it('rosbridge not running: FAIL link with the hint to start it', async () => {
    const rep = await runDoctor({ profile: profileFor('ws://127.0.0.1:9') });
    expect(rep.ok).toBe(false);
    expect(check(rep, 'link')).toMatchObject({ ok: false, hint: expect.stringMatching(/rosbridge is not running/) as unknown });
  });

  it('a wrong URL: FAIL link with the hint about the URL', async () => {
    const rep = await runDoctor({ profile: profileFor('localhost:9090') });
    expect(check(rep, 'link')).toMatchObject({ ok: false, hint: expect.stringMatching(/Wrong URL/) as unknown });
  });

  it('a missing controller: FAIL controller with the hint to load joint_trajectory_controller', async () => {
    r = await rig({ robot: { noController: true }, connect: false });
    const rep = await runDoctor({ profile: profileFor(r.server.url), sampleSeconds: 0.1 });
    expect(rep.ok).toBe(false);
    expect(check(rep, 'joint_states').ok).toBe(true);
    expect(check(rep, 'controller')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no action server at .*: no node on the robot serves it/) as unknown,
      hint: expect.stringMatching(/Missing controller.*list_controllers/) as unknown,
    });
  });

  for (const joints of [true, false]) {
    it(`ROS 1, no controller${joints ? '' : ', no joint states'}: FAIL controller at once, although our client registered the action topics`, async () => {
      r = await rig({ dialect: 'ros1', robot: { noController: true }, connect: false });
      r.robot.publishing = joints;
      const rep = await runDoctor({
        profile: profileFor(r.server.url, 'ros1-rosbridge', { timeouts: { connect: 1, jointStates: 0.3, goalAck: 1, call: 1 } }),
        sampleSeconds: 0.1,
      });
      expect(rep.ok).toBe(false);
      expect(check(rep, 'controller')).toMatchObject({
        ok: false,
        severity: 'error',
        message: expect.stringMatching(/no action server at \/arm_controller\/follow_joint_trajectory/) as unknown,
        hint: expect.stringMatching(/Missing controller/) as unknown,
      });
      expect(rep.graph!.actions).not.toContain('/arm_controller/follow_joint_trajectory');
      expect(r.robot.goalIds).toEqual([]); // found out without sending a goal
    });
  }

  it('a joint-name mismatch: FAIL joint states with the mapping hint', async () => {
    r = await rig({ robot: { rename: (n) => n.replace('panda_', 'fr3_') }, connect: false });
    const rep = await runDoctor({
      profile: profileFor(r.server.url, 'ros2-rosbridge', { timeouts: { connect: 1, jointStates: 0.4, goalAck: 1, call: 1 } }),
      sampleSeconds: 0.1,
    });
    expect(rep.ok).toBe(false);
    expect(check(rep, 'joint_states')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/missing panda_joint1/) as unknown,
      hint: expect.stringMatching(/Joint-name mismatch.*fr3_joint1.*joints: \{names/) as unknown,
    });
  });

  it('the ROS 1 profile against a ROS 1 rosbridge', async () => {
    r = await rig({ dialect: 'ros1', connect: false });
    const rep = await runDoctor({ profile: profileFor(r.server.url, 'ros1-rosbridge'), sampleSeconds: 0.1 });
    expect(rep.checks.map((c) => [c.id, c.ok])).toEqual([
      ['link', true],
      ['graph', true],
      ['joint_states', true],
      ['controller', true],
      ['gripper', true],
    ]);
  });
});

describe('shammie doctor with rclnodejs (a stand-in module over the test server)', () => {
  const jazzy: RclnodejsInstall = { version: '0.33.0', path: '/app/node_modules/rclnodejs', rosDistro: 'jazzy', rcl: '9.2.0' };

  async function rclDoctor(install: RclnodejsInstall, noController: boolean) {
    const server = await new FakeRosbridge({ dialect: 'ros2' }).start();
    const robot = new FakeRobot({ server, backend: FakeRobot.kinematic(panda), model: panda, noController }).start();
    const mod = fakeRclnodejs({ url: server.url, server });
    cleanup.push(async () => {
      mod.shutdown();
      robot.stop();
      await server.stop();
    });
    const p = loadProfile('ros2-rclnodejs', {});
    const profile = { ...p, ros: { ...p.ros, timeouts: { connect: 1, jointStates: 1, goalAck: 1, call: 1 } } };
    return { rep: await runDoctor({ profile, sampleSeconds: 0.1, rclnodejs: { load: () => Promise.resolve(mod), install } }), robot };
  }

  it('an empty graph but for our own action client: 1 action server (the gripper), FAIL controller; it names the release and the ROS 2', async () => {
    const { rep, robot } = await rclDoctor(jazzy, true);
    expect(check(rep, 'rclnodejs')).toMatchObject({ ok: true, message: 'rclnodejs 0.33.0; ROS 2 jazzy (rcl 9.2.0)' });
    expect(check(rep, 'graph').message).toMatch(/, 1 action servers,/);
    expect(rep.graph!.actions).toEqual(['/gripper_controller/gripper_cmd']);
    expect(check(rep, 'controller')).toMatchObject({ ok: false, hint: expect.stringMatching(/ros2 control list_controllers/) as unknown });
    expect(robot.goalIds).toEqual([]);
    expect(rep.rclnodejs).toEqual(jazzy);
  });

  it('rclnodejs not installed: FAIL with how to pick the release that matches the sourced ROS 2', async () => {
    const { rep } = await rclDoctor({ version: null, path: null, rosDistro: 'jazzy', rcl: '9.2.0' }, false);
    expect(rep.ok).toBe(false);
    expect(rep.checks.map((c) => c.id)).toEqual(['rclnodejs']);
    expect(check(rep, 'rclnodejs')).toMatchObject({
      ok: false,
      message: 'rclnodejs is not installed; ROS 2 jazzy (rcl 9.2.0)',
      hint: expect.stringMatching(/rcl_timer_get_next_call_time.*npm install rclnodejs@0\.33\.0/) as unknown,
    });
  });

  it('ROS 2 not sourced: FAIL with the hint to source it', async () => {
    const { rep } = await rclDoctor({ version: '0.33.0', path: '/x', rosDistro: null, rcl: null }, false);
    expect(check(rep, 'rclnodejs')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no ROS 2 sourced/) as unknown,
      hint: expect.stringMatching(/source \/opt\/ros/) as unknown,
    });
  });
});
