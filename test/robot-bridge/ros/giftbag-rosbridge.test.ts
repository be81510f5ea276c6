/**
 * The whole gift-bag script through RosbridgeBackend: session → SafetyGuard → RosbridgeBackend →
 * WebSocket (rosbridge v2 protocol) → the test server, whose joint states, trajectory and
 * gripper actions and TF object frames are driven by the MuJoCo sim. The outcome is read from
 * the physics behind the server, not from the plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../session/app.js';
import { loadProfile } from '../../../session/profile.js';
import { runScript } from '../../../session/script-run.js';
import { parseScript } from '../../../session/script.js';
import { SimBackend } from '../../../robot-bridge/sim-backend.js';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { FakeRosbridge } from './fake-rosbridge.js';
import { FakeRobot } from './fake-robot.js';

const model = loadRobotModel('panda');
let sim: SimBackend;
let server: FakeRosbridge;
let robot: FakeRobot;
let app: App | undefined;

beforeAll(async () => {
  // Real time ×3: joint states and TF stream continuously, like a robot, but the test is quick.
  sim = await SimBackend.create({ scene: 'giftbag', seed: 1, pace: 'realtime', speed: 3 });
  await sim.connect();
  server = await new FakeRosbridge({ dialect: 'ros2' }).start();
  const bodies = [...sim.world.objectNames, ...sim.world.containerNames];
  robot = new FakeRobot({
    server,
    backend: sim,
    model,
    tf: () =>
      bodies.flatMap((name) => {
        const t = sim.world.bodyPosition(name),
          q = sim.world.bodyQuaternion(name);
        return t && q ? [{ parent: model.baseLink, child: name, t, q }] : [];
      }),
  }).start();
});

afterAll(async () => {
  await app?.dispose();
  robot?.stop();
  await server?.stop();
  await sim?.dispose();
});

describe('gift bag through the rosbridge backend', () => {
  it('"pick up the candy", "put it in the bag": CANDY ends in GIFT_BAG in the physics behind the server', async () => {
    const p = loadProfile('ros2-rosbridge');
    // A 3 s stale window: the loaded suite can hold this process's loop past the default 0.5 s.
    app = await createApp({ profile: { ...p, ros: { ...p.ros, url: server.url, timeouts: { stale: 3 } } } });
    expect(app.robot.kind).toBe('rosbridge');
    expect(app.sim).toBeUndefined();
    // Object poses come from TF.
    const candy = app.world.position('CANDY');
    const truth = sim.world.bodyPosition('CANDY')!;
    candy.forEach((v, i) => expect(v).toBeCloseTo(truth[i], 3));

    const turns = await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    expect(turns.map((t) => [t.kind, t.outcome, t.failure])).toEqual([
      ['plan', 'succeeded', null],
      ['plan', 'succeeded', null],
    ]);
    const state = sim.world.objectStates().find((o) => o.name === 'CANDY')!;
    expect(state.in).toBe('GIFT_BAG');
    expect(state.held).toBe(false);
    // Everything went through the protocol: trajectory goals and gripper goals.
    expect(robot.goals.length).toBeGreaterThan(3);
    expect(robot.gripperGoals.length).toBeGreaterThanOrEqual(2);
    expect(server.ops('send_action_goal').every((m) => typeof m.action_type === 'string')).toBe(true);
  }, 60_000);
});
