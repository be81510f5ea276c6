/**
 * `shammie doctor`: each check against the rosbridge test server, the --move test, and the
 * specific hint for each failure (wrong URL, rosbridge not running, missing controller,
 * joint-name mismatch).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorReport } from '../../launch/doctor.js';
import { loadProfile, type LaunchProfile } from '../../session/profile.js';
import { rig, type Rig } from '../robot-bridge/ros/rig.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
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
      hint: expect.stringMatching(/Missing controller.*list_controllers/) as unknown,
    });
  });

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
