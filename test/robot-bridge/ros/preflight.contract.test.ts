/**
 * A missing trajectory controller is caught before the first motion, by what only a server
 * offers, not by topic names this process registers itself. The reproductions of issue 13: with
 * ROS 1, our own actionlib client registers the action's five topics before the graph is read,
 * so the action always looked present; with ROS 2 over rosbridge, a goal sent to a missing
 * server leaves rosbridge's action client behind, so the action stays listed; with rclnodejs,
 * our action client subscribes to `/_action/feedback`, which was taken for a server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RclnodejsBackend } from '../../../robot-bridge/ros/rclnodejs-backend.js';
import { RosConnectionError } from '../../../robot-bridge/ros/ros-backend.js';
import { connectProfileBackend, loadProfile } from '../../../session/profile.js';
import { loadScene } from '../../../sim/scene.js';
import { fakeRclnodejs } from './fake-rclnodejs.js';
import { FakeRobot } from './fake-robot.js';
import { FakeRosbridge } from './fake-rosbridge.js';
import { nudge, panda, rig, type Rig } from './rig.js';

let r: Rig | undefined;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await r?.dispose();
  r = undefined;
  for (const c of cleanup.splice(0)) await c();
});

const missing: unknown = expect.objectContaining({
  id: 'ros.controller.missing',
  severity: 'error',
  tip: expect.stringMatching(/Missing controller/) as unknown,
});

describe('ROS 1 over rosbridge', () => {
  it('no controller: preflight says so, although our own client has registered the action topics', async () => {
    r = await rig({ dialect: 'ros1', robot: { noController: true } });
    const ns = '/arm_controller/follow_joint_trajectory';
    // The topics are there (ours): rosapi lists them and even calls it an action server.
    const graph = await r.backend.transport.graph(1000);
    expect(graph.topics.map((t) => t.name)).toEqual(expect.arrayContaining([`${ns}/status`, `${ns}/goal`]));
    expect(await r.backend.preflight()).toEqual([missing]);
    expect(graph.actions).not.toContain(ns);
    expect(r.backend.status().problems.map((p) => p.id)).toContain('ros.controller.missing');
  });

  it('with the controller: no problem, and the gripper server is found the same way', async () => {
    r = await rig({ dialect: 'ros1' });
    expect(await r.backend.preflight()).toEqual([]);
    expect(r.server.ops('call_service').filter((m) => m.service === '/rosapi/publishers')).toEqual(
      expect.arrayContaining([expect.objectContaining({ args: { topic: '/arm_controller/follow_joint_trajectory/status' } })]),
    );
    expect((await r.backend.transport.graph(1000)).actions).toEqual(
      expect.arrayContaining(['/arm_controller/follow_joint_trajectory', '/gripper_controller/gripper_cmd']),
    );
  });

  it('shammie run with the ros1-rosbridge profile and no controller stops at start with the hint, not after a goal times out', async () => {
    const server = await new FakeRosbridge({ dialect: 'ros1' }).start();
    const robot = new FakeRobot({ server, backend: FakeRobot.kinematic(panda), model: panda, noController: true }).start();
    cleanup.push(async () => {
      robot.stop();
      await server.stop();
    });
    const p = loadProfile('ros1-rosbridge', {});
    const t0 = Date.now();
    const err = (await connectProfileBackend({ ...p, ros: { ...p.ros, url: server.url } }, loadScene('giftbag')).catch(
      (e: unknown) => e,
    )) as RosConnectionError;
    expect(err).toBeInstanceOf(RosConnectionError);
    expect(err.kind).toBe('controller');
    expect(err.message).toMatch(/No trajectory action server at \/arm_controller\/follow_joint_trajectory/);
    expect(err.hint).toMatch(/Missing controller/);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(robot.goalIds).toEqual([]);
  });
});

describe('ROS 2 over rosbridge', () => {
  it("a goal to a missing controller leaves rosbridge's own client listed; preflight still finds no server", async () => {
    r = await rig({ robot: { noController: true } });
    const action = '/joint_trajectory_controller/follow_joint_trajectory';
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('rejected');
    const listed = await r.backend.transport.callService('/rosapi/action_servers', 'rosapi_msgs/srv/GetActionServers', {}, 1000);
    expect(listed).toMatchObject({ action_servers: expect.arrayContaining([action]) as unknown });
    expect(await r.backend.preflight()).toEqual([missing]);
    expect((await r.backend.transport.graph(1000)).actions).not.toContain(action);
  });

  it('with the controller: the check cancels nothing', async () => {
    r = await rig();
    expect(await r.backend.preflight()).toEqual([]);
    expect(r.robot.cancelAllCount).toBe(0);
    expect(r.robot.cancelRequests.every((c) => c.cancelled.length === 0)).toBe(true);
  });
});

describe('rclnodejs (stand-in module over the test server)', () => {
  async function rclRig(noController: boolean) {
    const server = await new FakeRosbridge({ dialect: 'ros2' }).start();
    const robot = new FakeRobot({ server, backend: FakeRobot.kinematic(panda), model: panda, noController }).start();
    const mod = fakeRclnodejs({ url: server.url, server });
    const backend = new RclnodejsBackend({ model: panda, load: () => Promise.resolve(mod), config: { timeouts: { jointStates: 1 } } });
    await backend.connect();
    cleanup.push(async () => {
      await backend.disconnect();
      mod.shutdown();
      robot.stop();
      await server.stop();
    });
    return backend;
  }

  it("no controller: our action client's /_action topics are in the graph, but no server is", async () => {
    const backend = await rclRig(true);
    const action = '/joint_trajectory_controller/follow_joint_trajectory';
    const graph = await backend.transport.graph(1000);
    expect(graph.actions).not.toContain(action);
    expect(graph.actions).toContain('/gripper_controller/gripper_cmd');
    expect(await backend.preflight()).toEqual([missing]);
  });

  it('with the controller: it is found', async () => {
    const backend = await rclRig(false);
    expect((await backend.transport.graph(1000)).actions).toContain('/joint_trajectory_controller/follow_joint_trajectory');
    expect(await backend.preflight()).toEqual([]);
  });
});
