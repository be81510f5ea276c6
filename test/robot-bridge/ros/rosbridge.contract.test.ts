/**
 * The RobotBackend contract (test/fakes/backend-contract.ts) for RosbridgeBackend against the
 * rosbridge v2 test server with a kinematic arm behind it: ROS 2 action ops, and ROS 1
 * actionlib over topics (Noetic labs). Also with the SafetyGuard on top, as the app runs it.
 */
import { RosbridgeBackend } from '../../../robot-bridge/ros/rosbridge-backend.js';
import { SafetyGuard } from '../../../robot-bridge/safety/index.js';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { backendContract } from '../../fakes/backend-contract.js';
import { FakeRosbridge } from './fake-rosbridge.js';
import { FakeRobot } from './fake-robot.js';

const panda = loadRobotModel('panda');

async function rig(dialect: 'ros1' | 'ros2') {
  const server = await new FakeRosbridge({ dialect }).start();
  const robot = new FakeRobot({ server, backend: FakeRobot.kinematic(panda), model: panda }).start();
  const backend = new RosbridgeBackend({ model: panda, config: { dialect, url: server.url, trajectoryAction: robot.trajectoryAction } });
  await backend.connect();
  const dispose = async () => {
    await backend.disconnect();
    robot.stop();
    await server.stop();
  };
  return { backend, dispose };
}

for (const dialect of ['ros2', 'ros1'] as const) {
  backendContract(`RosbridgeBackend (${dialect})`, () => rig(dialect), { duration: 0.4 });
}
backendContract(
  'SafetyGuard over RosbridgeBackend (ros2)',
  async () => {
    const r = await rig('ros2');
    return { backend: new SafetyGuard(r.backend, panda), dispose: r.dispose };
  },
  { duration: 0.4 },
);
