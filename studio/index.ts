/** Stop-motion studio: session folders (frames + metadata), PNG helpers, the film camera, moves split into frames. (The console's studio controller is in server/.) */
export {
  FRAMES_DIR,
  frameFile,
  STUDIO_FILE,
  STUDIO_FORMAT,
  STUDIO_LIMITS,
  STUDIO_VERSION,
  StudioError,
  StudioSession,
  writeAtomic,
  type AddFrameInfo,
  type CameraPose,
  type FrameRecord,
  type OpenStudioOptions,
  type StudioLimits,
  type StudioMeta,
} from './session.js';
export { encodePng, isPng, pngSize, testPattern } from './png.js';
export { checkFrameMove, FrameMoveError, MAX_FRAMES, MIN_FRAMES, planFrameMove, trajectoryAt, type FrameMovePlan } from './frame-move.js';
export * from './camera/index.js';
