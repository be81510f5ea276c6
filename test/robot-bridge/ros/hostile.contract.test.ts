/**
 * Malformed and hostile input from the "rosbridge" side: garbage frames, wrong types, huge
 * arrays, NaN and absurd positions, forged ops and event names, bogus feedback and results for
 * our own goal. None may move the robot, corrupt the joint state, break the link, or crash the
 * session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../session/app.js';
import { loadProfile } from '../../../session/profile.js';
import { runScript } from '../../../session/script-run.js';
import { parseScript } from '../../../session/script.js';
import { nudge, panda, rig, sleep, until, type Rig } from './rig.js';

let r: Rig | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
  await r?.dispose();
  r = undefined;
});

type Obj = Record<string, unknown>;

function hostileFrames(q: number[]): unknown[] {
  const js = (over: Obj) => ({
    op: 'publish',
    topic: '/joint_states',
    msg: { header: { stamp: { sec: 1, nanosec: 0 } }, name: panda.jointNames, position: q, ...over },
  });
  const huge = 100_000;
  return [
    'not json {',
    'NaN',
    '[]',
    '42',
    'null',
    '"text"',
    '',
    // rosbridge (Python json) writes NaN as a bare token, which is not JSON
    '{"op":"publish","topic":"/joint_states","msg":{"name":["panda_joint1"],"position":[NaN]}}',
    { no: 'op' },
    { op: 42 },
    { op: 'explode' },
    { op: 'publish' },
    { op: 'publish', topic: '/joint_states' },
    js({ name: 'panda_joint1' }),
    js({ name: [1, 2, 3] }),
    js({ name: null }),
    js({ position: 'abc' }),
    js({ position: q.map(() => null) }),
    js({ position: q.map(() => '1') }),
    js({ position: q.slice(0, 3) }),
    js({ position: { 0: 1 } }),
    js({ name: new Array(huge).fill('panda_joint1'), position: new Array(huge).fill(0) }),
    js({ position: q.map(() => 1e308) }),
    js({ position: q.map(() => -1e6) }),
    js({ header: 'x', velocity: 'fast', effort: [1] }),
    { op: 'publish', topic: '/tf', msg: { transforms: 'lots' } },
    {
      op: 'publish',
      topic: '/tf',
      msg: {
        transforms: [
          {
            header: { frame_id: 'panda_link0' },
            child_frame_id: 'CANDY',
            transform: { translation: { x: 'a', y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
          },
        ],
      },
    },
    {
      op: 'publish',
      topic: '/tf',
      msg: {
        transforms: [
          {
            header: { frame_id: 'A' },
            child_frame_id: 'B',
            transform: { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
          },
          {
            header: { frame_id: 'B' },
            child_frame_id: 'A',
            transform: { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
          },
          {
            header: { frame_id: 'panda_link0' },
            child_frame_id: 'Z',
            transform: { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 0 } },
          },
        ],
      },
    },
    // event names roslib also uses internally
    { op: 'publish', topic: 'close', msg: {} },
    { op: 'publish', topic: 'connection', msg: {} },
    { op: 'publish', topic: 'error', msg: {} },
    { op: 'service_response', id: 'nobody', values: {}, result: true },
    { op: 'action_feedback', id: 'nobody', values: 'x' },
    { op: 'action_result', id: 'nobody', status: 4, result: true, values: {} },
    { op: 'status', level: 'error', msg: 'x'.repeat(100_000) },
    { op: 'status', level: 42, msg: null },
    { op: 'fragment', id: 'f', data: '{', num: 0, total: 2 },
    { op: 'fragment', id: 'f', data: 'garbage', num: 1, total: 2 },
    { op: 'fragment', id: 'g', data: 'x', num: 5, total: 1e9 },
    { op: 'png', data: '!!!' },
    { op: 'call_service', service: '/shammie/anything', args: {} },
    { op: 'send_action_goal', action: '/shammie/a', id: 'x', args: {} },
  ];
}

describe('hostile rosbridge input', () => {
  it('garbage of every kind: the link survives, nothing moves, the joint state stays true', async () => {
    r = await rig();
    const q = r.arm.jointState().position;
    for (const f of hostileFrames(q)) r.server.inject(f);
    await sleep(150);
    expect(r.backend.status().presence).toBe('connected');
    expect(r.backend.transport.isOpen).toBe(true);
    expect(r.robot.goals).toHaveLength(0);
    // Good messages keep flowing and win; garbage never became a position.
    await r.backend.waitForJointStates(1);
    await sleep(50);
    r.backend.jointState().position.forEach((v, i) => expect(v).toBeCloseTo(q[i], 6));
    const ids = r.backend.status().problems.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['ros.joint_states.malformed', 'ros.joint_states.nonfinite']));
    expect(r.backend.tf!.lookup('A')).toBeUndefined(); // a cycle resolves to nothing, not a hang
    expect(r.backend.tf!.bodyPosition('CANDY')).toBeUndefined();
    // And it still works.
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
  });

  it('bogus feedback and results for our own goal: no crash, a strange final status stops the arm', async () => {
    r = await rig();
    const progress: number[] = [];
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.05, 2), { onProgress: (p) => progress.push(p.fraction) });
    await until(() => r!.server.ops('send_action_goal').length === 1, 1000, 'the goal');
    const { id, action } = r.server.ops('send_action_goal')[0] as { id: string; action: string };
    for (const values of [
      null,
      'x',
      5,
      { joint_names: 5 },
      { joint_names: panda.jointNames, desired: { positions: 'x', time_from_start: 'soon' } },
      { joint_names: new Array(100_000).fill('a') },
    ]) {
      r.server.inject({ op: 'action_feedback', id, action, values });
    }
    await sleep(100);
    expect(progress.every((f) => Number.isFinite(f) && f >= 0 && f <= 1)).toBe(true);
    r.server.inject({ op: 'action_result', id, action, status: 'weird', result: true, values: 'x' });
    const o = await ex.done;
    expect(o).toMatchObject({ status: 'aborted', reason: expect.stringMatching(/unexpected final status/) as unknown });
    // A result we cannot read is no proof the goal ended: it is cancelled, by its id.
    await until(() => r!.server.ops('cancel_action_goal').some((m) => m.id === id), 1000, 'a stop');
    expect(r.robot.cancelRequests.find((c) => c.id === id)).toMatchObject({ cancelled: [id] });
    expect(r.robot.cancelAllCount).toBe(0);
    expect(r.robot.goals).toHaveLength(1);
  });

  it('the session survives a flood of garbage and still runs a command over the link', async () => {
    // Object frames as a static TF publisher would give them (m, robot base frame).
    r = await rig({
      robot: {
        tfStatic: [
          { parent: 'panda_link0', child: 'CANDY', t: [0.45, 0.02, 0.0125], q: [0, 0, 0, 1] },
          { parent: 'panda_link0', child: 'GIFT_BAG', t: [0.5, -0.28, 0.08], q: [0, 0, 0, 1] },
        ],
      },
      connect: false,
    });
    const p = loadProfile('ros2-rosbridge');
    app = await createApp({ profile: { ...p, ros: { ...p.ros, url: r.server.url, timeouts: { goalAck: 1, stale: 3 } } } });
    const q = r.arm.jointState().position;
    for (const f of hostileFrames(q)) r.server.inject(f);
    const turns = await runScript(app, parseScript('go to the candy\n'));
    expect(turns[0], `failure: ${turns[0].failure ?? '-'}`).toMatchObject({ kind: 'plan', outcome: 'succeeded' });
    for (const f of hostileFrames(r.arm.jointState().position)) r.server.inject(f);
    const again = await runScript(app, parseScript('go home\n'));
    expect(again[0].outcome, `failure: ${again[0].failure ?? '-'}`).toBe('succeeded');
    expect(app.backend.status().presence).toBe('connected');
  }, 30_000);
});
