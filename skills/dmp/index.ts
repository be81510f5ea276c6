/** Pose DMPs (position + unit-quaternion orientation): learning, rollout, and joint trajectories. */
export {
  DEFAULT_BASIS,
  DEFAULT_GAINS,
  DmpError,
  learnPoseDmp,
  PoseDmpRunner,
  rolloutPoseDmp,
  spatialScaling,
  validateModel,
  type DmpGains,
  type GuardKind,
  type GuardOptions,
  type LearnOptions,
  type PoseDmpModel,
  type PoseRollout,
  type PoseSamples,
  type RolloutOptions,
  type ScalingMode,
  type ScalingReport,
} from './dmp.js';
export { rolloutToJointTrajectory, type JointRollout, type JointRolloutOptions } from './joints.js';
export { fromRotationVector, qconj, qmul, qnormalize, qrotate, rotationBetween, rotationVector } from './quaternion.js';
