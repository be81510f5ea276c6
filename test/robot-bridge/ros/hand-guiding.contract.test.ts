/**
 * Kinesthetic demonstrations on a real arm, against the rosbridge v2 test server: the arm is
 * switched to its compliant controller through controller_manager (the profile's
 * teaching.handGuide), /joint_states are recorded while a "person" moves the arm, and the
 * trajectory controller is switched back however the recording ends (done, stop, cancel, the app
 * closing, a failure). Also the teaching dialogue on such an arm: "I'll show you how to track
 * around the hulk" → guide → "done" learns track(target).
 *
 * The arm behind the server is a kinematic FakeBackend. The "person" moves it only while the
 * compliant controller is active (the fake controller_manager's state), and the fake trajectory
 * controller refuses goals while it is inactive, like ros2_control.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../session/app.js';
import { loadProfile } from '../../../session/profile.js';
import { placeObjects, loadScene } from '../../../sim/scene.js';
import { HandGuidedRecording, processDemonstration, type Demonstration } from '../../../skills/demonstration/index.js';
import { KinematicChain } from '../../../skills/kinematics/index.js';
import { motionSkillData } from '../../../skills/motion-skills.js';
import type { FakeBackend } from '../../fakes/fake-backend.js';
import { FakeRobot, type TfFrame } from './fake-robot.js';
import { FakeRosbridge } from './fake-rosbridge.js';
import { nudge, panda, rig, sleep, until, type Rig } from './rig.js';

const HAND_GUIDE = {
  service: '/controller_manager/switch_controller',
  compliantController: 'gravity_compensation_controller',
  trajectoryController: 'joint_trajectory_controller',
};
const COMPLIANT = 'gravity_compensation_controller';
const DEMO = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../skills/demonstration/examples/track-hulk.json'), 'utf8'),
) as Demonstration;

const toCompliant = { activate: [COMPLIANT], deactivate: ['joint_trajectory_controller'], ok: true };
const toTrajectory = { activate: ['joint_trajectory_controller'], deactivate: [COMPLIANT], ok: true };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/**
 * A person's hand on the arm, and a tap on what the robot publishes. The hand moves the arm along
 * `path(u)` (u = seconds of the robot's clock since the hand started), only while the compliant
 * controller is active. It acts right before each joint-state message, so every message carries
 * the position at its own stamp, as a driver that stamps at read time does. `guide` resolves
 * when `path` returns null.
 */
function hand(robot: FakeRobot, arm: FakeBackend) {
  const published: { stamp: number; q: number[] }[] = [];
  let step: (() => void) | null = null;
  const publish = robot.publishJointState.bind(robot);
  robot.publishJointState = () => {
    step?.();
    if (robot.publishing) published.push({ stamp: arm.now(), q: [...arm.jointState().position] });
    publish();
  };
  const guide = (path: (u: number) => { q: number[]; gripper?: number } | null): Promise<{ moved: number }> =>
    new Promise((done) => {
      let t0 = NaN;
      let moved = 0;
      step = () => {
        if (robot.controllers.get(COMPLIANT) !== 'active') return;
        if (Number.isNaN(t0)) t0 = arm.now();
        const p = path(arm.now() - t0);
        if (!p) {
          step = null;
          done({ moved });
          return;
        }
        arm.setJointPositions(p.q);
        if (p.gripper !== undefined) arm.setGripperPosition(p.gripper);
        moved++;
      };
    });
  return { published, guide };
}

/** Rest, then joint 1 swings by 0.4 rad (smoothly) over 1 s, then rest, then the gripper closes. */
function swing(q0: number[]) {
  return (u: number) => {
    if (u > 1.8) return null;
    const f = u < 0.3 ? 0 : u > 1.3 ? 1 : (1 - Math.cos(Math.PI * (u - 0.3))) / 2;
    return { q: q0.map((v, i) => (i === 0 ? v + 0.4 * f : v)), gripper: u > 1.5 ? 0.01 : 0.04 };
  };
}

/** The track-hulk demonstration file replayed by hand, at its own timing. */
function replay(demo: Demonstration) {
  const S = demo.samples;
  return (u: number) => {
    const t = S[0].t + u;
    if (t > S[S.length - 1].t) return null;
    let k = 1;
    while (k < S.length - 1 && S[k].t < t) k++;
    const a = S[k - 1],
      b = S[k];
    const f = Math.max(0, Math.min(1, (t - a.t) / (b.t - a.t)));
    return { q: a.q.map((v, i) => v + f * (b.q[i] - v)), gripper: a.gripper };
  };
}

async function rosRig(dialect: 'ros2' | 'ros1' = 'ros2'): Promise<Rig> {
  const r = await rig({ dialect, config: { handGuide: HAND_GUIDE } });
  cleanup.push(() => r.dispose());
  return r;
}

describe('HandGuidedRecording over rosbridge', () => {
  it.each(['ros2', 'ros1'] as const)(
    '%s: compliant controller on, the joint states recorded as published (stamps kept), trajectory controller back on finish',
    async (dialect) => {
      const r = await rosRig(dialect);
      const { published, guide } = hand(r.robot, r.arm);
      expect(r.backend.capabilities.handGuiding).toBe(true);
      const q0 = [...r.arm.jointState().position];

      const rec = await HandGuidedRecording.start(r.backend, {
        robot: panda.name,
        reference: { entity: 'HULK', position: [0.68, 0.2, 0.0275] },
      });
      expect(r.robot.controllers.get(COMPLIANT)).toBe('active');
      expect(r.robot.controllers.get('joint_trajectory_controller')).toBe('inactive');
      // While compliant the bridge refuses motions, and so would the robot.
      expect(await r.backend.executeTrajectory(nudge(r.backend)).done).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/hand-guiding/) as unknown,
      });
      const { moved } = await guide(swing(q0));
      expect(moved).toBeGreaterThan(50);
      await sleep(100);
      const demo = await rec.finish();
      expect(rec.restored).toBe(true);

      // Two switches, in this order: to the compliant controller, then back.
      expect(r.robot.switchLog.map(({ activate, deactivate, ok }) => ({ activate, deactivate, ok }))).toEqual([toCompliant, toTrajectory]);
      expect(r.robot.switches[0]).toMatchObject(
        dialect === 'ros2'
          ? { activate_controllers: [COMPLIANT], deactivate_controllers: ['joint_trajectory_controller'], strictness: 2 }
          : { start_controllers: [COMPLIANT], stop_controllers: ['joint_trajectory_controller'], strictness: 2 },
      );
      const [on, off] = r.robot.switchLog;

      // The recording: exactly the published messages between the switches, at their stamps.
      expect(demo).toMatchObject({
        format: 'shammie-demonstration',
        robot: 'panda',
        jointNames: panda.jointNames,
        reference: { entity: 'HULK' },
        source: `joint_states via ${r.backend.kind}`,
      });
      // Stamps travel as sec + nanosec, so they come back within a nanosecond or two.
      const at = (stamp: number) => published.find((m) => Math.abs(m.stamp - stamp) < 1e-6);
      const first = published.find((m) => m.q.every((v, i) => v === demo.samples[0].q[i]) && demo.samples.every((s) => at(m.stamp + s.t)));
      expect(first, 'the recording is the published joint states, at their stamps').toBeDefined();
      const t0 = first!.stamp;
      for (const s of demo.samples) expect(s.q).toEqual(at(t0 + s.t)!.q);
      const lastStamp = t0 + demo.samples.at(-1)!.t;
      const stamps = [...new Set(published.map((m) => m.stamp))].filter((t) => t >= t0 - 1e-6 && t <= lastStamp + 1e-6);
      expect(demo.samples.length).toBe(stamps.length); // none lost in between (repeated stamps count once)
      expect(t0).toBeGreaterThanOrEqual(on.at - 1e-6);
      expect(t0 - on.at).toBeLessThan(0.3);
      expect(lastStamp).toBeLessThanOrEqual(off.at + 1e-6);
      expect(off.at - lastStamp).toBeLessThan(0.3);
      expect(demo.rate).toBeGreaterThanOrEqual(50); // the arrival rate (100 Hz published)
      // The gripper closing is kept, the pauses are trimmed.
      const p = processDemonstration(demo, panda);
      expect(p.gripper?.events.map((e) => e.action)).toEqual(['close']);
      expect(p.trimmed.start).toBeGreaterThan(0.1);
      expect(p.q.at(-1)![0] - q0[0]).toBeCloseTo(0.4, 3);

      // The arm takes trajectories again.
      expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
    },
  );

  it('abort (stop), a refused switch, a failed switch back (retried), and the time limit all leave the trajectory controller active', async () => {
    const r = await rosRig();
    // abort
    const rec = await HandGuidedRecording.start(r.backend, { robot: panda.name });
    await sleep(50);
    await rec.abort();
    expect(r.robot.switchLog.map((s) => s.activate[0])).toEqual([COMPLIANT, 'joint_trajectory_controller']);
    expect(r.robot.controllers.get('joint_trajectory_controller')).toBe('active');

    // the switch to compliant is refused: nothing records, the trajectory controller is asked back
    const log: string[] = [];
    const service = '/controller_manager/switch_controller';
    r.server.advertiseService(service, 'controller_manager_msgs/srv/SwitchController', (args) => {
      const on = (args.activate_controllers as string[])[0];
      log.push(on);
      return on === COMPLIANT ? { ok: false, message: 'gravity_compensation_controller failed to configure' } : { ok: true };
    });
    await expect(HandGuidedRecording.start(r.backend, { robot: panda.name })).rejects.toThrow(
      /could not switch the arm to its compliant controller: .*failed to configure/,
    );
    expect(log).toEqual([COMPLIANT, 'joint_trajectory_controller']);
    expect(r.backend.handGuiding).toBe(false);

    // the switch back fails once: reported, then retried
    let failBack = true;
    r.server.advertiseService(service, 'controller_manager_msgs/srv/SwitchController', (args) => {
      const on = (args.activate_controllers as string[])[0];
      log.push(on);
      if (on === 'joint_trajectory_controller' && failBack) {
        failBack = false;
        return { ok: false, message: 'busy' };
      }
      return { ok: true };
    });
    const rec2 = await HandGuidedRecording.start(r.backend, { robot: panda.name });
    await sleep(50);
    await expect(rec2.finish()).rejects.toThrow(/could not switch the arm back to its trajectory controller: .*busy/);
    expect(r.backend.handGuiding).toBe(true);
    expect((await rec2.finish()).samples.length).toBeGreaterThan(0);
    expect(r.backend.handGuiding).toBe(false);
    expect(log.slice(2)).toEqual([COMPLIANT, 'joint_trajectory_controller', 'joint_trajectory_controller']);

    // the time limit switches back by itself
    const rec3 = await HandGuidedRecording.start(r.backend, { robot: panda.name, maxDuration: 0.2 });
    await until(() => rec3.restored, 3000, 'the switch back after the time limit');
    expect(rec3.truncated).toBe(true);
    expect(r.backend.handGuiding).toBe(false);
  });
});

describe('teaching a motion skill by guiding a ROS arm by hand (the dialogue)', () => {
  /** The stop-motion figures on /tf_static, the app on the ros2-rosbridge profile. */
  async function rosApp(): Promise<{ app: App; robot: FakeRobot; server: FakeRosbridge; guide: ReturnType<typeof hand>['guide'] }> {
    const scene = loadScene('stopmotion');
    const tfStatic: TfFrame[] = placeObjects(scene).map((p) => ({
      parent: panda.baseLink,
      child: p.object.name,
      t: p.position,
      q: [0, 0, 0, 1],
    }));
    const server = await new FakeRosbridge({ dialect: 'ros2' }).start();
    const arm = FakeRobot.kinematic(panda);
    arm.setJointPositions(DEMO.samples[0].q); // the person has put the arm where the shot starts
    const robot = new FakeRobot({ server, backend: arm, model: panda, tfStatic, speed: 3 }).start();
    const p = loadProfile('ros2-rosbridge');
    // Stale joint states (a stalled event loop on a loaded test machine) are not what this tests.
    const app = await createApp({
      scene: 'stopmotion',
      profile: { ...p, ros: { ...p.ros, url: server.url, timeouts: { ...p.ros?.timeouts, stale: 3 } } },
    });
    cleanup.push(async () => {
      await app.dispose();
      robot.stop();
      await server.stop();
    });
    return { app, robot, server, guide: hand(robot, arm).guide };
  }

  it('"I\'ll show you how to track around the hulk" → move the arm by hand → "done" learns track(target), which then runs', async () => {
    const { app, robot, guide } = await rosApp();
    expect(app.backend.capabilities.handGuiding).toBe(true);
    const start = await app.session.say("I'll show you how to track around the hulk");
    expect(start.reply).toMatch(/arm is compliant now: move it by hand to show me how to track \(relative to HULK\), then say "done"/);
    expect(robot.switchLog.map(({ activate, deactivate, ok }) => ({ activate, deactivate, ok }))).toEqual([toCompliant]);

    await guide(replay(DEMO));
    const done = await app.session.say('done');
    expect(done.kind).toBe('taught');
    expect(done.reply).toMatch(/learned track\(target\) from 1 demonstration/);
    expect(robot.switchLog.map(({ activate, deactivate, ok }) => ({ activate, deactivate, ok }))).toEqual([toCompliant, toTrajectory]);

    // What was learned is the guided motion: the DMP's start and goal are the demonstration's.
    const data = motionSkillData(app.library.motions()[0]);
    const chain = new KinematicChain(panda);
    const file = processDemonstration(DEMO, panda);
    const d = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    expect(d(data.dmp.start.position, chain.pose(file.q[0]).position)).toBeLessThan(0.005);
    expect(d(data.dmp.goal.position, chain.pose(file.q.at(-1)!).position)).toBeLessThan(0.002);
    expect(data.frame.reference.entity).toBe('HULK');
    expect(data.demo.duration).toBeCloseTo(file.duration, 0);

    // The arm is back under position control: the new skill runs on it.
    const goals = robot.goals.length;
    const plan = await app.session.say('track around the tower');
    expect(plan.plan).toEqual([{ skill: 'track', args: { target: 'TOWER' } }]);
    const ran = await app.session.confirm();
    expect([ran.outcome, ran.failure]).toEqual(['succeeded', undefined]);
    expect(robot.goals.length).toBeGreaterThan(goals);
  }, 30_000);

  it('"stop" while recording aborts it and restores the trajectory controller; "cancel" and closing the app do too', async () => {
    const { app, robot } = await rosApp();
    await app.session.say("I'll show you how to track around the hulk");
    expect(robot.controllers.get(COMPLIANT)).toBe('active');
    const stopped = await app.session.say('stop');
    expect(stopped.reply).toMatch(
      /Stopping\. I threw away the demonstration I was recording; the arm is back on its trajectory controller/,
    );
    expect(robot.switchLog.map((s) => s.activate[0])).toEqual([COMPLIANT, 'joint_trajectory_controller']);
    expect(robot.controllers.get('joint_trajectory_controller')).toBe('active');
    // Still teaching, but with nothing recorded: "done" has nothing to learn from.
    expect((await app.session.say('done')).kind).toBe('question');

    await app.session.say("I'll show you how to track around the hulk");
    const cancelled = await app.session.say('cancel');
    expect(cancelled.reply).toMatch(/stopped learning track\. The arm is back on its trajectory controller/);
    expect(robot.switchLog.map((s) => s.activate[0])).toEqual([
      COMPLIANT,
      'joint_trajectory_controller',
      COMPLIANT,
      'joint_trajectory_controller',
    ]);

    // A motion command while recording: the recording ends first, then the motion is planned.
    await app.session.say("I'll show you how to track around the hulk");
    const step = await app.session.say('go home');
    expect(step.plan).toEqual([{ skill: 'go_home', args: {} }]);
    expect(robot.controllers.get('joint_trajectory_controller')).toBe('active');
    expect((await app.session.confirm()).outcome).toBe('succeeded');

    await app.session.say("I'll show you how to track around the hulk");
    expect(robot.controllers.get(COMPLIANT)).toBe('active');
    await app.dispose();
    expect(robot.switchLog.map((s) => s.activate[0])).toEqual([
      COMPLIANT,
      'joint_trajectory_controller',
      COMPLIANT,
      'joint_trajectory_controller',
      COMPLIANT,
      'joint_trajectory_controller',
      COMPLIANT,
      'joint_trajectory_controller',
    ]);
    expect(robot.controllers.get('joint_trajectory_controller')).toBe('active');
  }, 30_000);

  it('"done" when the switch back fails: said plainly, motions refused, and the next "done" retries it', async () => {
    const { app, robot, server } = await rosApp();
    await app.session.say("I'll show you how to track around the hulk");
    let failBack = 2; // the first two switches back fail
    server.advertiseService('/controller_manager/switch_controller', 'controller_manager_msgs/srv/SwitchController', (args) => {
      const on = (args.activate_controllers as string[])[0];
      if (on === 'joint_trajectory_controller' && failBack > 0) {
        failBack--;
        return { ok: false, message: 'controller_manager is busy' };
      }
      robot.controllers.set(on, 'active');
      robot.controllers.set((args.deactivate_controllers as string[])[0], 'inactive');
      return { ok: true };
    });
    await sleep(300);
    const first = await app.session.say('done');
    expect(first.kind).toBe('error');
    expect(first.reply).toMatch(
      /I stopped recording, but I could not switch the arm back to its trajectory controller: .*busy\. Motions are refused until it is back; say "done" to try again/,
    );
    expect(robot.controllers.get(COMPLIANT)).toBe('active');
    // A motion command retries the switch too; it fails again, so nothing is planned.
    const step = await app.session.say('go home');
    expect([step.kind, step.plan]).toEqual(['error', null]);
    expect(step.reply).toMatch(/can't plan a motion while the arm is compliant/);
    // The arm never moved: once the switch back works, the recording is refused with the reason.
    const second = await app.session.say('done');
    expect(second.reply).toMatch(/can't learn from that demonstration: .*did not move.* The arm is back on its trajectory controller/);
    expect(robot.controllers.get('joint_trajectory_controller')).toBe('active');
  }, 30_000);
});
