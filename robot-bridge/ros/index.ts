/** The ROS 2 / ROS 1 bridge: RobotBackend implementations over rosbridge (roslib) and rclnodejs. */
export {
  resolveRosConfig,
  rosType,
  type GripperConfig,
  type GripperMode,
  type HandGuideConfig,
  type RosBridgeConfig,
  type RosBridgeConfigInput,
  type TfConfig,
} from './config.js';
export { fetchRobotDescription, type DescriptionSource } from './description.js';
export { controllerHint, jointMismatchHint, jointStatesHint, linkHint } from './hints.js';
export {
  describeRclnodejs,
  findRclnodejs,
  loadRclnodejs,
  RCLNODEJS_VERSION_HINT,
  RclnodejsUnavailableError,
  type RclnodejsInstall,
  type RclnodejsModule,
} from './rclnodejs-api.js';
export { RclnodejsBackend, type RclnodejsBackendOptions } from './rclnodejs-backend.js';
export { RclnodejsTransport } from './rclnodejs-transport.js';
export { RosBackend, RosConnectionError, type RosBackendOptions } from './ros-backend.js';
export { RosbridgeBackend, type RosbridgeBackendOptions } from './rosbridge-backend.js';
export { RoslibTransport } from './roslib-transport.js';
export { TfBuffer } from './tf.js';
export { linkErrorText, TransportError, type Dialect, type GoalHandle, type RosGraph, type RosTransport } from './transport.js';
