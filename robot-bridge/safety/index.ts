export { SafetyGuard, type GuardedGripperResult, type SafetyRejection } from './guard.js';
export {
  checkTrajectory,
  lowestLinkPoints,
  defaultToolLinks,
  type CheckResult,
  type CheckOptions,
  type Violation,
  type ViolationKind,
} from './check.js';
export {
  DEFAULT_SAFETY,
  parseSafetyConfig,
  safetyConfigSchema,
  SafetyConfigError,
  type SafetyConfig,
  type SafetyConfigInput,
} from './config.js';
