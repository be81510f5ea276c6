/**
 * What goes over the wire, per dialect, against the rosbridge v2 test server: subscriptions
 * and types, ROS 2 action goals / feedback / results / cancel, ROS 1 actionlib over topics,
 * joint-name mapping, speed scaling, the gripper modes, hand-guiding and the robot description.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRobotDescription } from '../../../robot-bridge/ros/description.js';
import { RosConnectionError } from '../../../robot-bridge/ros/ros-backend.js';
import { RosbridgeBackend } from '../../../robot-bridge/ros/rosbridge-backend.js';
import { RoslibTransport } from '../../../robot-bridge/ros/roslib-transport.js';
import { BUILTIN_ROBOTS } from '../../../model/description/robot-model.js';
import { readFileSync } from 'node:fs';
import { nudge, panda, rig, sleep, until, type Rig } from './rig.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

type Obj = Record<string, unknown>;

// The wire messages these checks read, as the bridge sends them. Type aliases, not interfaces, so
// a received op (a Record) converts to them.
/** control_msgs JointTrajectory (either dialect's time_from_start). */
type WireTrajectory = { joint_names: string[]; points: { positions: number[]; time_from_start: unknown }[] };
/** ROS 2: a send_action_goal op for FollowJointTrajectory. */
type SendActionGoalOp = { id: string; action: string; action_type: string; args: { trajectory: WireTrajectory } };
/** ROS 1: a publish op on an actionlib topic (…/goal carries an ActionGoal, …/cancel a GoalID). */
type PublishOp = { topic: string; msg: { goal_id: { id: string }; goal: { trajectory: WireTrajectory }; id?: string } };

describe('ROS 2 over rosbridge', () => {
  it('subscribes with ROS 2 type names and sends FollowJointTrajectory goals with feedback, result, cancel and stop', async () => {
    r = await rig({ config: { speedScale: 0.5 } });
    const subs = r.server.ops('subscribe');
    expect(subs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic: '/joint_states', type: 'sensor_msgs/msg/JointState' }),
        expect.objectContaining({ topic: '/tf', type: 'tf2_msgs/msg/TFMessage' }),
        expect.objectContaining({ topic: '/tf_static', type: 'tf2_msgs/msg/TFMessage' }),
      ]),
    );
    const traj = nudge(r.backend, 0.05, 0.3);
    const fractions: number[] = [];
    const outcome = await r.backend.executeTrajectory(traj, { onProgress: (p) => fractions.push(p.fraction) }).done;
    expect(outcome.status).toBe('succeeded');
    const goal = r.server.ops('send_action_goal')[0] as SendActionGoalOp;
    expect(goal).toMatchObject({
      action: '/joint_trajectory_controller/follow_joint_trajectory',
      action_type: 'control_msgs/action/FollowJointTrajectory',
    });
    expect(goal.args.trajectory.joint_names).toEqual(panda.jointNames);
    // Half speed: the same path in twice the time.
    const last = goal.args.trajectory.points.at(-1)!;
    expect(last.time_from_start).toEqual({ sec: 0, nanosec: 600_000_000 });
    last.positions.forEach((v, i) => expect(v).toBeCloseTo(traj.points.at(-1)!.positions[i], 9)); // sent to 1e-9 rad
    expect(fractions.length).toBeGreaterThan(3);
    expect(fractions.at(-1)).toBe(1);
    r.backend.jointState().position.forEach((q, i) => expect(q).toBeCloseTo(traj.points.at(-1)!.positions[i], 4));

    // cancel → cancel_action_goal with the goal's id; the result says canceled → preempted
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2));
    await sleep(150);
    await ex.cancel();
    expect((await ex.done).status).toBe('preempted');
    const cancels = r.server.ops('cancel_action_goal');
    expect(cancels.at(-1)).toMatchObject({ id: r.server.ops('send_action_goal')[1].id });

    // stop → our goal cancelled by its id, and nothing else (never the controller's "cancel all")
    const ex2 = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2));
    await sleep(150);
    await r.backend.stop();
    expect(await ex2.done).toEqual({ status: 'preempted', reason: 'stopped' });
    const id2 = r.server.ops('send_action_goal')[2].id;
    expect(r.server.ops('cancel_action_goal').slice(1)).not.toHaveLength(0);
    for (const c of r.server.ops('cancel_action_goal').slice(1)) expect(c).toMatchObject({ id: id2 });
    expect(r.robot.cancelAllCount).toBe(0);
    expect(r.server.ops('call_service').map((m) => m.service)).not.toContain(
      '/joint_trajectory_controller/follow_joint_trajectory/_action/cancel_goal',
    );
    expect(r.backend.status().moving).toBe(false);
  });

  it('a new trajectory replaces the running one', async () => {
    r = await rig();
    const a = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2));
    await sleep(100);
    const b = r.backend.executeTrajectory(nudge(r.backend, -0.02, 0.3));
    expect((await a.done).status).toBe('preempted');
    expect((await b.done).status).toBe('succeeded');
  });

  it('refuses bad trajectories before sending anything', async () => {
    r = await rig();
    const q = r.backend.jointState().position;
    const bad: [string, object][] = [
      ['NaN', { jointNames: [...panda.jointNames], points: [{ positions: q.map(() => NaN), timeFromStart: 1 }] }],
      [
        'beyond limits',
        { jointNames: [...panda.jointNames], points: [{ positions: q.map((v, i) => (i === 3 ? -3.3 : v)), timeFromStart: 1 }] },
      ],
      ['a jump at t = 0', { jointNames: [...panda.jointNames], points: [{ positions: q.map((v) => v + 0.5), timeFromStart: 0 }] }],
      [
        'time going back',
        {
          jointNames: [...panda.jointNames],
          points: [
            { positions: q, timeFromStart: 1 },
            { positions: q, timeFromStart: 0.5 },
          ],
        },
      ],
      ['other joints', { jointNames: panda.jointNames.map((n) => `${n}_x`), points: [{ positions: q, timeFromStart: 1 }] }],
      ['not an object', null as unknown as object],
    ];
    for (const [, t] of bad) {
      const o = await r.backend.executeTrajectory(t as never).done;
      expect(o.status).toBe('rejected');
    }
    expect(r.server.ops('send_action_goal')).toHaveLength(0);
  });

  it('maps joint names: a common prefix, or an explicit table', async () => {
    r = await rig({ robot: { rename: (n) => `left_${n}` }, config: { timeouts: { jointStates: 0.4 } }, connect: false });
    const err = (await r.backend.connect().catch((e: unknown) => e)) as RosConnectionError;
    expect(err).toBeInstanceOf(RosConnectionError);
    expect(err.kind).toBe('joint_names');
    expect(err.hint).toMatch(/prefix: "left_"/);
    await r.dispose();

    r = await rig({ robot: { rename: (n) => `left_${n}` }, config: { jointPrefix: 'left_' } });
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
    expect((r.server.ops('send_action_goal')[0] as SendActionGoalOp).args.trajectory.joint_names[0]).toBe('left_panda_joint1');
    await r.dispose();

    const table = Object.fromEntries(panda.jointNames.map((n, i) => [n, `fr3_joint${i + 1}`]));
    r = await rig({ robot: { rename: (n) => table[n] ?? n }, config: { jointNames: table } });
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
    expect(r.backend.jointState().name).toEqual(panda.jointNames);
  });

  it('joints missing from the joint states are a connect error naming them, and a problem', async () => {
    r = await rig({ robot: { omit: ['panda_joint7'] }, config: { timeouts: { jointStates: 0.4 } }, connect: false });
    const err = (await r.backend.connect().catch((e: unknown) => e)) as RosConnectionError;
    expect(err).toBeInstanceOf(RosConnectionError);
    expect(err.message).toMatch(/panda_joint7/);
    expect(r.backend.status().problems.map((p) => p.id)).toContain('ros.joint_states.missing');
  });

  it('no joint states at all: a connect error whose hint names joint_state_broadcaster', async () => {
    r = await rig({ config: { timeouts: { jointStates: 0.4 } }, connect: false });
    r.robot.publishing = false;
    const err = (await r.backend.connect().catch((e: unknown) => e)) as RosConnectionError;
    expect(err.kind).toBe('joint_states');
    expect(err.hint).toMatch(/joint_state_broadcaster/);
  });

  it('stale joint states: a problem, and motions are refused until they are fresh again', async () => {
    r = await rig({ config: { timeouts: { stale: 0.2 } } });
    r.robot.publishing = false;
    await until(() => r!.backend.status().problems.some((p) => p.id === 'ros.joint_states.stale'), 2000, 'stale problem');
    const o = await r.backend.executeTrajectory(nudge(r.backend)).done;
    expect(o).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/stale/) as unknown });
    r.robot.publishing = true;
    await until(() => !r!.backend.status().problems.some((p) => p.id === 'ros.joint_states.stale'), 2000, 'fresh again');
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
  });

  it("a missing controller: rejected with the server's reason, and preflight names it with a hint", async () => {
    r = await rig({ robot: { noController: true } });
    const o = await r.backend.executeTrajectory(nudge(r.backend)).done;
    expect(o).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/not available/) as unknown });
    const problems = await r.backend.preflight();
    expect(problems).toEqual([
      expect.objectContaining({
        id: 'ros.controller.missing',
        tip: expect.stringMatching(/Missing controller.*joint_trajectory_controller/) as unknown,
      }),
    ]);
  });

  it('a controller that never answers: aborted after the acknowledgement timeout, and the goal is cancelled', async () => {
    r = await rig({ config: { timeouts: { goalAck: 0.3 } } });
    r.robot.silent = true;
    const t0 = Date.now();
    const o = await r.backend.executeTrajectory(nudge(r.backend)).done;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(o).toMatchObject({ status: 'aborted', reason: expect.stringMatching(/did not answer.*Missing controller/s) as unknown });
    await until(() => r!.server.ops('cancel_action_goal').length === 1, 1000, 'the cancel');
  });

  it('status errors from rosbridge become problems (e.g. subscribing with the wrong type)', async () => {
    r = await rig({ config: { jointStates: '/tf', timeouts: { jointStates: 0.4 } }, connect: false });
    await expect(r.backend.connect()).rejects.toThrow(RosConnectionError);
    r.server.inject({ op: 'status', level: 'error', msg: 'boom' });
    await sleep(50);
    // The backend disconnected after the failed connect; the problem from the refused subscribe stays.
    const msgs = r.backend
      .status()
      .problems.map((p) => p.message)
      .join('\n');
    expect(msgs).toMatch(/cannot subscribe to \/tf: .*has type tf2_msgs\/msg\/TFMessage/i);
  });

  it('gripper: GripperCommand goals; a stall on an object is a grasp, not an error', async () => {
    r = await rig();
    const open = await r.backend.gripper({ position: 0.03, maxEffort: 20 });
    expect(open).toMatchObject({ reachedGoal: true, stalled: false });
    expect(open.error).toBeUndefined();
    expect(r.robot.gripperGoals[0]).toEqual({ command: { position: 0.03, max_effort: 20 } });
    r.arm.gripperObstacle = 0.012;
    const grasp = await r.backend.gripper({ position: 0, maxEffort: 40 });
    expect(grasp).toMatchObject({ stalled: true, reachedGoal: false });
    expect(grasp.error).toBeUndefined();
    expect(grasp.position).toBeCloseTo(0.012, 4);
    expect(r.backend.gripperPosition()).toBeCloseTo(0.012, 3);
  });

  it('gripper: topic mode publishes commands and judges the result from the joint states', async () => {
    r = await rig({ config: { gripper: { mode: 'topic', topic: '/gripper_controller/commands' } } });
    const arm = r.arm;
    r.server.onTopic(
      '/gripper_controller/commands',
      (m) => void arm.gripper({ position: (m as { data: number[] }).data[0], maxEffort: 10 }),
    );
    await sleep(250); // rosbridge may drop publishes right after an advertise
    const res = await r.backend.gripper({ position: 0.02, maxEffort: 10 });
    expect(res).toMatchObject({ reachedGoal: true });
    expect(r.server.ops('advertise')).toEqual(
      expect.arrayContaining([expect.objectContaining({ topic: '/gripper_controller/commands', type: 'std_msgs/msg/Float64MultiArray' })]),
    );
  });

  it('gripper: service mode fills the request template', async () => {
    const seen: Obj[] = [];
    r = await rig({
      config: {
        gripper: {
          mode: 'service',
          service: '/gripper/move',
          serviceType: 'my_gripper/srv/Move',
          request: { width: '$position', force: '$effort', fast: true },
        },
      },
    });
    const arm = r.arm;
    r.server.advertiseService('/gripper/move', 'my_gripper/srv/Move', (args) => {
      seen.push(args);
      void arm.gripper({ position: args.width as number, maxEffort: 10 });
      return { success: true };
    });
    const res = await r.backend.gripper({ position: 0.025, maxEffort: 15 });
    expect(res.reachedGoal).toBe(true);
    expect(seen).toEqual([{ width: 0.025, force: 15, fast: true }]);
  });

  it('hand-guiding switches to the compliant controller through controller_manager, and motions wait', async () => {
    r = await rig({
      config: {
        handGuide: {
          service: '/controller_manager/switch_controller',
          compliantController: 'gravity_compensation_controller',
          trajectoryController: 'joint_trajectory_controller',
        },
      },
    });
    await r.backend.setHandGuiding(true);
    expect(r.robot.switches[0]).toMatchObject({
      activate_controllers: ['gravity_compensation_controller'],
      deactivate_controllers: ['joint_trajectory_controller'],
      strictness: 2,
    });
    expect(await r.backend.executeTrajectory(nudge(r.backend)).done).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/hand-guiding/) as unknown,
    });
    await r.backend.setHandGuiding(false);
    expect(r.robot.switches[1]).toMatchObject({ activate_controllers: ['joint_trajectory_controller'] });
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
  });

  it('reads the robot description from /robot_description, else from robot_state_publisher', async () => {
    const urdf = readFileSync(BUILTIN_ROBOTS.panda, 'utf8');
    r = await rig({ robot: { robotDescription: urdf } });
    expect(await fetchRobotDescription(r.backend.transport)).toBe(urdf);
    // Without the topic: the parameter.
    const t = new RoslibTransport({ url: r.server.url, dialect: 'ros2' });
    await t.open(1000);
    try {
      expect(await fetchRobotDescription(t, { topic: '/no_such_topic' }, 0.4)).toBe(urdf);
    } finally {
      t.close();
    }
  });
});

describe('ROS 1 (Noetic) over rosbridge: actionlib over topics', () => {
  it('advertises goal/cancel, subscribes status/feedback/result, and follows goals to their result', async () => {
    r = await rig({ dialect: 'ros1' });
    const ns = '/arm_controller/follow_joint_trajectory';
    expect(r.server.ops('subscribe')).toEqual(
      expect.arrayContaining([expect.objectContaining({ topic: '/joint_states', type: 'sensor_msgs/JointState' })]),
    );
    const fractions: number[] = [];
    const o = await r.backend.executeTrajectory(nudge(r.backend), { onProgress: (p) => fractions.push(p.fraction) }).done;
    expect(o.status).toBe('succeeded');
    expect(fractions.length).toBeGreaterThan(2);
    expect(r.server.ops('advertise')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic: `${ns}/goal`, type: 'control_msgs/FollowJointTrajectoryActionGoal' }),
        expect.objectContaining({ topic: `${ns}/cancel`, type: 'actionlib_msgs/GoalID' }),
      ]),
    );
    // The cancel topic is latched, and advertised before anything else of the action.
    const advertised = r.server.ops('advertise').map((m) => m.topic);
    expect(advertised.indexOf(`${ns}/cancel`)).toBeLessThan(advertised.indexOf(`${ns}/goal`));
    expect(r.server.ops('advertise').find((m) => m.topic === `${ns}/cancel`)).toMatchObject({ latch: true });
    expect(r.server.ops('subscribe').map((m) => m.topic)).toEqual(
      expect.arrayContaining([`${ns}/status`, `${ns}/feedback`, `${ns}/result`]),
    );
    const goal = r.server.ops('publish').find((m) => m.topic === `${ns}/goal`) as PublishOp;
    expect(goal.msg.goal_id.id).toMatch(/^goal_/);
    expect(goal.msg.goal.trajectory.points.at(-1)?.time_from_start).toEqual({ secs: 0, nsecs: 300_000_000 });

    // cancel and stop publish the goal's id on …/cancel (zero stamp), never an empty GoalID
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2));
    await sleep(200);
    await ex.cancel();
    expect((await ex.done).status).toBe('preempted');
    const id = (
      r.server
        .ops('publish')
        .filter((m) => m.topic === `${ns}/goal`)
        .at(-1) as PublishOp
    ).msg.goal_id.id;
    const cancels = () => r!.server.ops('publish').filter((m) => m.topic === `${ns}/cancel`) as PublishOp[];
    expect(cancels().at(-1)!.msg).toEqual({ id, stamp: { secs: 0, nsecs: 0 } });
    const ex2 = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2));
    await sleep(200);
    await r.backend.stop();
    expect((await ex2.done).status).toBe('preempted');
    const id2 = (
      r.server
        .ops('publish')
        .filter((m) => m.topic === `${ns}/goal`)
        .at(-1) as PublishOp
    ).msg.goal_id.id;
    // (sent again 0.3 s and 1 s later while its end is not seen, and only by id)
    await sleep(1200);
    expect(cancels().filter((m) => m.msg.id === id2).length).toBeGreaterThan(0);
    expect(cancels().every((m) => m.msg.id === id || m.msg.id === id2)).toBe(true);
    expect(r.robot.cancelAllCount).toBe(0);
  });

  it('a goal lost right after the advertise is sent again with the same goal id', async () => {
    r = await rig({ dialect: 'ros1', server: { advertiseDropMs: 500 }, config: { timeouts: { goalAck: 3 } } });
    const o = await r.backend.executeTrajectory(nudge(r.backend)).done;
    expect(o.status).toBe('succeeded');
    const sent = r.server.ops('publish').filter((m) => m.topic === '/arm_controller/follow_joint_trajectory/goal') as PublishOp[];
    expect(sent.length).toBe(2);
    expect(sent[0].msg.goal_id.id).toBe(sent[1].msg.goal_id.id);
    expect(r.robot.goals).toHaveLength(1);
  });

  it('gripper over actionlib, and the robot description from the parameter server', async () => {
    const urdf = readFileSync(BUILTIN_ROBOTS.panda, 'utf8');
    r = await rig({ dialect: 'ros1', robot: { robotDescription: urdf } });
    expect((await r.backend.gripper({ position: 0.02, maxEffort: 10 })).reachedGoal).toBe(true);
    expect(r.server.ops('advertise').map((m) => m.topic)).toContain('/gripper_controller/gripper_cmd/goal');
    expect(await fetchRobotDescription(r.backend.transport)).toBe(urdf);
  });

  it('a ROS 1 rosbridge that never answers a service call: the call times out instead of hanging', async () => {
    r = await rig({ dialect: 'ros1' });
    await expect(r.backend.transport.callService('/no/such/service', 'std_srvs/Trigger', {}, 200)).rejects.toThrow(
      /did not answer within 200 ms/,
    );
  });
});

describe('RosbridgeBackend without a server', () => {
  it('never queues a goal while disconnected', async () => {
    const b = new RosbridgeBackend({ model: panda, config: { url: 'ws://127.0.0.1:9' } });
    const o = await b.executeTrajectory(nudge({ jointState: () => ({ position: panda.home }), jointNames: panda.jointNames })).done;
    expect(o).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/not connected/) as unknown });
    expect((await b.gripper({ position: 0.01, maxEffort: 5 })).error).toMatch(/not connected/);
    await b.stop();
  });
});

describe('a profile that reads the URDF from the robot', () => {
  it('builds the model from /robot_description and connects', async () => {
    const { connectProfileBackend, loadProfile } = await import('../../../session/profile.js');
    const { loadScene } = await import('../../../sim/scene.js');
    const urdf = readFileSync(BUILTIN_ROBOTS.panda, 'utf8').replace('<robot name="panda"', '<robot name="panda_from_robot"');
    r = await rig({ robot: { robotDescription: urdf }, connect: false });
    const p = loadProfile('ros2-rosbridge', {});
    const { model, backend } = await connectProfileBackend(
      { ...p, urdf: 'robot', ros: { ...p.ros, url: r.server.url } },
      loadScene('giftbag'),
    );
    try {
      expect(model.name).toBe('panda_from_robot');
      expect(model.jointNames).toEqual(panda.jointNames);
      expect(backend.status().presence).toBe('connected');
    } finally {
      await backend.disconnect();
    }
  });
});
