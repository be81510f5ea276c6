/**
 * Test rig: the rosbridge test server + a kinematic arm behind it + a RosbridgeBackend
 * connected to it. Fast defaults (short timeouts and reconnect delays) so failure paths take
 * fractions of a second.
 */
import type { RosBridgeConfigInput } from '../../../robot-bridge/ros/config.js';
import { RosbridgeBackend } from '../../../robot-bridge/ros/rosbridge-backend.js';
import { loadRobotModel, type RobotModel } from '../../../model/description/robot-model.js';
import type { FakeBackend } from '../../fakes/fake-backend.js';
import { FakeRosbridge, type FakeRosbridgeOptions } from './fake-rosbridge.js';
import { FakeRobot, type FakeRobotOptions } from './fake-robot.js';

export const panda = loadRobotModel('panda');

export interface RigOptions {
  dialect?: 'ros1' | 'ros2';
  server?: Partial<FakeRosbridgeOptions>;
  robot?: Partial<Omit<FakeRobotOptions, 'server' | 'backend' | 'model'>>;
  config?: RosBridgeConfigInput;
  model?: RobotModel;
  /** connect the backend (default true) */
  connect?: boolean;
}

export interface Rig {
  server: FakeRosbridge;
  robot: FakeRobot;
  arm: FakeBackend;
  backend: RosbridgeBackend;
  dispose(): Promise<void>;
}

export async function rig(o: RigOptions = {}): Promise<Rig> {
  const dialect = o.dialect ?? 'ros2';
  const model = o.model ?? panda;
  const server = await new FakeRosbridge({ dialect, ...o.server }).start();
  const arm = FakeRobot.kinematic(model);
  const robot = new FakeRobot({ server, backend: arm, model, ...o.robot }).start();
  const backend = new RosbridgeBackend({
    model,
    config: {
      dialect,
      url: server.url,
      trajectoryAction: robot.trajectoryAction,
      ...o.config,
      timeouts: { connect: 2, jointStates: 1, goalAck: 1, call: 1, ...o.config?.timeouts },
      reconnect: { initial: 0.05, max: 0.2, ...o.config?.reconnect },
    },
  });
  if (o.connect !== false) await backend.connect();
  return {
    server,
    robot,
    arm,
    backend,
    async dispose() {
      await backend.disconnect().catch(() => undefined);
      robot.stop();
      await server.stop();
    },
  };
}

/** A smooth move of every joint by `delta` from where the arm is (rad), over `duration` s. */
export function nudge(
  b: { jointState(): { position: number[] }; jointNames: readonly string[] },
  delta = 0.05,
  duration = 0.3,
  points = 16,
) {
  const q0 = b.jointState().position;
  return {
    jointNames: [...b.jointNames],
    points: Array.from({ length: points }, (_, k) => {
      const t = (duration * (k + 1)) / points;
      const f = (1 - Math.cos((Math.PI * t) / duration)) / 2;
      return { positions: q0.map((q) => q + f * delta), timeFromStart: t };
    }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `f()` is true (or fail after `ms`). */
export async function until(f: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
