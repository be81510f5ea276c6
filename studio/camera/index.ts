/** The stop-motion film camera: one interface, the sim's console-rendered wrist camera and a ROS topic. */
export {
  CameraError,
  cameraConfigSchema,
  MissingCamera,
  cameraInfo,
  DEFAULT_CAMERA,
  type Camera,
  type CameraConfig,
  type CameraConfigInput,
  type CameraInfo,
  type CameraStatus,
  type CapturedImage,
} from './types.js';
export { ConsoleCamera, decodeBase64, NO_CONSOLE, type ConsoleLink } from './console-camera.js';
export { decodeCompressedImage, isJpeg, jpegToPng, RosCamera, type RosCameraOptions } from './ros-camera.js';
