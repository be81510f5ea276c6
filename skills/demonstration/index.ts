/** Kinesthetic demonstrations: format and validation, recording, synthetic demos. */
export {
  DEMONSTRATION_FORMAT,
  DEMONSTRATION_VERSION,
  DemonstrationError,
  demonstrationPoses,
  demonstrationSchema,
  loadDemonstration,
  parseDemonstration,
  processDemonstration,
  type Demonstration,
  type DemonstrationSample,
  type GripperEvent,
  type ProcessedDemonstration,
  type ProcessOptions,
} from './format.js';
export { DemonstrationRecorder, type RecorderOptions } from './record.js';
export { HandGuidedRecording, HandGuidingError, type HandGuidedOptions } from './hand-guided.js';
export { lookAt, orbitPath, pushInPath, syntheticDemonstration, type OrbitOptions, type SyntheticOptions } from './synthetic.js';
