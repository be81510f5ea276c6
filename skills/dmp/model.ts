/**
 * The pose DMP's data and vocabulary: gains, the learned model (plain JSON, stored in the skill
 * library), demonstration samples, the scaling modes and their report, the error type, and the
 * checks a model or pose must pass.
 *
 * Frames and units: world (= robot base) frame, z up, meters, radians, seconds;
 * quaternions [x, y, z, w].
 */
import type { Pose, Quat, Vec3 } from '../../model/math/transform.js';
import { qnormalize } from './quaternion.js';

export interface DmpGains {
  alphaZ: number;
  betaZ: number;
  /** canonical decay: x(τ) = e^(−alphaX) */
  alphaX: number;
  /** goal filter gain */
  alphaG: number;
}

/** α_z = 25, β_z = α_z/4 (critically damped), x(τ) = 1 %, goal filter α_z/2. */
export const DEFAULT_GAINS: Readonly<DmpGains> = Object.freeze({ alphaZ: 25, betaZ: 25 / 4, alphaX: 4.6, alphaG: 12.5 });
export const DEFAULT_BASIS = 50;

/** A learned pose DMP: plain JSON, stored in the skill library. */
export interface PoseDmpModel {
  kind: 'pose-dmp';
  version: 1;
  gains: DmpGains;
  /** number of basis functions (centres and widths follow from it and alphaX) */
  basis: number;
  /** duration of the (first) demonstration, s */
  duration: number;
  /** start and goal of the (first) demonstration: the frame the weights are expressed in */
  start: Pose;
  goal: Pose;
  /** forcing weights, 3 × basis: position (m), orientation (rad) */
  position: number[][];
  orientation: number[][];
  /** how many demonstrations were averaged */
  demos: number;
}

/** Tool poses sampled every `dt` seconds. */
export interface PoseSamples {
  dt: number;
  positions: Vec3[];
  quaternions: Quat[];
}

export type ScalingMode = 'fixed' | 'rotate-scale' | 'classic';

export interface GuardOptions {
  /** smallest start→goal distance (demo and new) for which scaling is trusted, m (default 0.02) */
  minSpan?: number;
  /** largest scale factor (and 1/smallest), default 3 */
  maxScale?: number;
  /** largest tilt of the shape's up axis under rotate-scale, rad (default π/3) */
  maxTilt?: number;
}

export type GuardKind = 'goal-near-start' | 'demo-span-small' | 'goal-flipped' | 'scale-too-large' | 'scale-too-small' | 'tilted';

export interface ScalingReport {
  requested: ScalingMode;
  /** what was applied (the guard may have fallen back to 'fixed') */
  used: ScalingMode;
  /** set when the guard fell back; `message` is for a person */
  guard: { kind: GuardKind; message: string; axis?: 'x' | 'y' | 'z' } | null;
  /** uniform scale (rotate-scale), largest per-axis factor (classic) or 1 */
  scale: number;
  /** total rotation angle of the shape, rad (rotate-scale) */
  rotation: number;
  /** yaw part of it, rad */
  yaw: number;
}

export class DmpError extends Error {
  constructor(message: string) {
    super(`[dmp] ${message}`);
    this.name = 'DmpError';
  }
}

export function validateModel(m: PoseDmpModel): void {
  if (m?.kind !== 'pose-dmp' || m.version !== 1) throw new DmpError('not a pose DMP (kind "pose-dmp", version 1)');
  const ok = (w: number[][]) =>
    Array.isArray(w) && w.length === 3 && w.every((r) => Array.isArray(r) && r.length === m.basis && r.every(Number.isFinite));
  if (!ok(m.position) || !ok(m.orientation)) throw new DmpError(`weights must be 3 × ${m.basis} finite numbers`);
  if (!(m.duration > 0)) throw new DmpError('duration must be positive');
  checkPose(m.start, 'demo start');
  checkPose(m.goal, 'demo goal');
}

export function checkPose(p: Pose, what: string): Pose {
  if (!p || !Array.isArray(p.position) || p.position.length !== 3 || !p.position.every(Number.isFinite))
    throw new DmpError(`${what}: position must be 3 finite numbers (m)`);
  if (!Array.isArray(p.quaternion) || p.quaternion.length !== 4 || !p.quaternion.every(Number.isFinite))
    throw new DmpError(`${what}: quaternion must be 4 finite numbers [x, y, z, w]`);
  return { position: [...p.position] as Vec3, quaternion: qnormalize(p.quaternion) };
}
