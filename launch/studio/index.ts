/** Stop-motion studio: session folders (frames + metadata) and PNG helpers. */
export {
  FRAMES_DIR, frameFile, STUDIO_FILE, STUDIO_FORMAT, STUDIO_VERSION, StudioError, StudioSession, writeAtomic,
  type AddFrameInfo, type CameraPose, type FrameRecord, type OpenStudioOptions, type StudioMeta,
} from './session.js';
export { encodePng, isPng, pngSize, testPattern } from './png.js';
