/**
 * RosbridgeBackend: a ROS 2 (or, with `dialect: 'ros1'`, a ROS 1 Noetic) arm reached through a
 * rosbridge_server WebSocket, via roslib v2. All behaviour lives in RosBackend; this only picks
 * the transport.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import { resolveRosConfig, type RosBridgeConfig, type RosBridgeConfigInput } from './config.js';
import { RosBackend } from './ros-backend.js';
import { RoslibTransport } from './roslib-transport.js';

export interface RosbridgeBackendOptions {
  model: RobotModel;
  /** url, topic and action names, joint mapping… (defaults: a stock ros2_control arm on ws://localhost:9090) */
  config?: RosBridgeConfigInput | RosBridgeConfig;
  /** half extents of known bodies (m) for TF-grounded objects */
  halfExtents?: Map<string, [number, number, number]>;
}

export class RosbridgeBackend extends RosBackend {
  constructor(options: RosbridgeBackendOptions) {
    const config = resolveRosConfig(options.config);
    super({
      model: options.model,
      config,
      transport: new RoslibTransport({ url: config.url, dialect: config.dialect }),
      kind: config.dialect === 'ros1' ? 'rosbridge-ros1' : 'rosbridge',
      halfExtents: options.halfExtents,
    });
  }
}
