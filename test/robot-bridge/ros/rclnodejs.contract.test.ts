/**
 * RclnodejsBackend: with the module absent (this machine has no ROS 2), the user gets an error
 * that names AMENT_PREFIX_PATH, not a stack trace. With a stand-in module (fake-rclnodejs.ts)
 * carrying the calls to the test server, the same RobotBackend contract holds: the backend
 * uses rclnodejs's published API as documented (TypedArrays, goal handles, feedback wrappers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadRclnodejs, RclnodejsUnavailableError } from '../../../robot-bridge/ros/rclnodejs-api.js';
import { RclnodejsBackend } from '../../../robot-bridge/ros/rclnodejs-backend.js';
import { RosConnectionError } from '../../../robot-bridge/ros/ros-backend.js';
import { backendContract } from '../../fakes/backend-contract.js';
import { FakeRosbridge } from './fake-rosbridge.js';
import { FakeRobot } from './fake-robot.js';
import { fakeRclnodejs, type FakeRclOptions } from './fake-rclnodejs.js';
import { nudge, panda, until } from './rig.js';

describe('rclnodejs absent', () => {
  it('no sourced ROS 2: the error names AMENT_PREFIX_PATH and says what to do', async () => {
    const err = (await loadRclnodejs({}).catch((e: unknown) => e)) as RclnodejsUnavailableError;
    expect(err).toBeInstanceOf(RclnodejsUnavailableError);
    expect(err.message).toMatch(/AMENT_PREFIX_PATH is not set/);
    expect(err.message).toMatch(/source \/opt\/ros\/<distro>\/setup\.bash/);
  });

  it('ROS 2 sourced but rclnodejs not installed (the real import on this machine)', async () => {
    const err = (await loadRclnodejs({ AMENT_PREFIX_PATH: '/opt/ros/jazzy' }).catch((e: unknown) => e)) as RclnodejsUnavailableError;
    expect(err).toBeInstanceOf(RclnodejsUnavailableError);
    expect(err.message).toMatch(/rclnodejs is not installed.*AMENT_PREFIX_PATH=\/opt\/ros\/jazzy.*npm install rclnodejs/);
    expect(err.message).toMatch(/older release, see docs\/ros2\.md/);
  });

  it('an addon that fails to load, or a module without the API', async () => {
    const broken = (await loadRclnodejs({ AMENT_PREFIX_PATH: '/x' }, () =>
      Promise.reject(new Error('librcl.so: cannot open shared object file')),
    ).catch((e: unknown) => e)) as RclnodejsUnavailableError;
    expect(broken.message).toMatch(/failed to load \(librcl\.so.*AMENT_PREFIX_PATH=\/x/);
    const odd = (await loadRclnodejs({ AMENT_PREFIX_PATH: '/x' }, () => Promise.resolve({ default: { hello: 1 } })).catch(
      (e: unknown) => e,
    )) as RclnodejsUnavailableError;
    expect(odd.message).toMatch(/expected API/);
  });

  it('RclnodejsBackend.connect() turns it into a RosConnectionError with a hint, no stack trace', async () => {
    const saved = process.env.AMENT_PREFIX_PATH;
    delete process.env.AMENT_PREFIX_PATH;
    try {
      const b = new RclnodejsBackend({ model: panda });
      const err = (await b.connect().catch((e: unknown) => e)) as RosConnectionError;
      expect(err).toBeInstanceOf(RosConnectionError);
      expect(err.kind).toBe('no_ros');
      expect(err.message).toMatch(/AMENT_PREFIX_PATH/);
      expect(err.hint).toMatch(/source \/opt\/ros/);
      expect(b.status().presence).toBe('error');
    } finally {
      if (saved !== undefined) process.env.AMENT_PREFIX_PATH = saved;
    }
  });
});

async function rclRig(extra: Partial<FakeRclOptions> = {}) {
  const server = await new FakeRosbridge({ dialect: 'ros2' }).start();
  const robot = new FakeRobot({ server, backend: FakeRobot.kinematic(panda), model: panda }).start();
  const mod = fakeRclnodejs({ url: server.url, server, ...extra });
  const backend = new RclnodejsBackend({
    model: panda,
    load: () => Promise.resolve(mod),
    config: { timeouts: { jointStates: 1, goalAck: 1 } },
  });
  await backend.connect();
  return {
    backend,
    server,
    robot,
    mod,
    dispose: async () => {
      await backend.disconnect();
      mod.shutdown();
      robot.stop();
      await server.stop();
    },
  };
}

backendContract('RclnodejsBackend (stand-in rclnodejs module)', () => rclRig(), { duration: 0.4 });

describe('RclnodejsBackend with the stand-in module', () => {
  let r: Awaited<ReturnType<typeof rclRig>> | undefined;
  afterEach(async () => {
    await r?.dispose();
    r = undefined;
  });

  it('uses the published API: init once, a node, spin, ActionClient goal handles and getResult', async () => {
    r = await rclRig();
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
    expect(r.mod.calls).toEqual(
      expect.arrayContaining([
        'init',
        expect.stringMatching(/^createNode shammie_/),
        'spin',
        'subscribe /joint_states sensor_msgs/msg/JointState',
        'subscribe /tf_static tf2_msgs/msg/TFMessage qos',
        'sendGoal /joint_trajectory_controller/follow_joint_trajectory',
        'getResult',
      ]),
    );
    expect(await r.backend.preflight()).toEqual([]);
  });

  it('NaN positions (TypedArrays can carry them) are ignored and reported', async () => {
    let n = 0;
    r = await rclRig({
      mangle: (topic, msg) =>
        topic === '/joint_states' && ++n % 3 === 0
          ? { ...msg, position: (msg.position as number[]).map((v, i) => (i === 2 ? NaN : v)) }
          : msg,
    });
    await until(() => r!.backend.status().problems.some((p) => p.id === 'ros.joint_states.nonfinite'), 2000, 'the problem');
    expect(r.backend.status().problems.find((p) => p.id === 'ros.joint_states.nonfinite')!.message).toMatch(/panda_joint3/);
    expect(r.backend.jointState().position.every(Number.isFinite)).toBe(true);
  });

  it('stop cancels our goal through its handle (by its UUID), never with the cancel-all request', async () => {
    r = await rclRig();
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2));
    await until(() => r!.robot.goalIds.length === 1 && r!.mod.calls.includes('getResult'), 2000, 'the goal accepted');
    await r.backend.stop();
    expect(await ex.done).toEqual({ status: 'preempted', reason: 'stopped' });
    expect(r.mod.calls).toContain('cancelGoal');
    expect(r.robot.cancelAllCount).toBe(0);
    expect(r.server.ops('call_service').map((m) => m.service)).not.toContain(
      '/joint_trajectory_controller/follow_joint_trajectory/_action/cancel_goal',
    );
    expect(r.robot.cancelRequests.every((c) => c.id === r!.robot.goalIds[0])).toBe(true);
    // In flight, a goal is known by its UUID (hex), what a cancel_goal request names.
    const ex2 = r.backend.executeTrajectory(nudge(r.backend, -0.05, 0.5));
    await until(() => /^[0-9a-f]{32}$/.test(r!.backend.goalsInFlight()[0].ids[0] ?? ''), 2000, 'the second goal accepted');
    expect((await ex2.done).status).toBe('succeeded');
    expect(r.backend.goalsInFlight()[0].ids).toEqual([]);
  });

  it('a missing controller is refused at once', async () => {
    r = await rclRig();
    r.server.removeAction('/joint_trajectory_controller/follow_joint_trajectory');
    const o = await r.backend.executeTrajectory(nudge(r.backend)).done;
    expect(o).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/no action server/) as unknown });
    expect(await r.backend.preflight()).toEqual([expect.objectContaining({ id: 'ros.controller.missing' })]);
  });
});
