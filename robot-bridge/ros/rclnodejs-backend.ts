/**
 * RclnodejsBackend: the same behaviour as RosbridgeBackend over native ROS 2 (DDS), through
 * rclnodejs. rclnodejs is imported only when connect() runs; without a sourced ROS 2 the user
 * gets a RosConnectionError naming AMENT_PREFIX_PATH, not a stack trace.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import { resolveRosConfig, type RosBridgeConfig, type RosBridgeConfigInput } from './config.js';
import type { RclnodejsModule } from './rclnodejs-api.js';
import { RclnodejsTransport } from './rclnodejs-transport.js';
import { RosBackend } from './ros-backend.js';

export interface RclnodejsBackendOptions {
  model: RobotModel;
  config?: RosBridgeConfigInput | RosBridgeConfig;
  halfExtents?: Map<string, [number, number, number]>;
  /** node name (default shammie_<pid>) */
  nodeName?: string;
  /** tests: provide the module instead of importing rclnodejs */
  load?: () => Promise<RclnodejsModule>;
}

export class RclnodejsBackend extends RosBackend {
  constructor(options: RclnodejsBackendOptions) {
    // Native ROS 2 only; the url is not used.
    const config = resolveRosConfig({ ...options.config, dialect: 'ros2' });
    super({
      model: options.model,
      config,
      transport: new RclnodejsTransport({ nodeName: options.nodeName, load: options.load }),
      kind: 'rclnodejs',
      halfExtents: options.halfExtents,
    });
  }
}
