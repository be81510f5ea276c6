/**
 * Dynamic Movement Primitives for end-effector poses: a discrete DMP for the tool position and a
 * unit-quaternion DMP for its orientation, learned from demonstrations by locally weighted
 * regression (LWR).
 *
 * Formulation — Saveriano, Abu-Dakka, Kramberger, Peternel, "Dynamic Movement Primitives in
 * Robotics: A Tutorial Survey" (IJRR 2023, arXiv 2102.03861; the reference Vocal Sandbox cites),
 * §2.1 discrete DMP and §2.3 unit-quaternion DMP (Ude et al. 2014); goal filtering from
 * Ijspeert et al. 2013. See /work/shared/reference/vocal-sandbox.md §4.2.
 *
 *   canonical      τ ẋ = −α_x x                          x: 1 → e^(−α_x) at t = τ
 *   position       τ ż = α_z(β_z(g − y) − z) + M f_p(x),  τ ẏ = z
 *   orientation    τ η̇ = α_z(β_z·2log(g_q ∗ q̄) − η) + f_o(x),  τ q̇ = ½ η ∗ q
 *   forcing        f(x) = x · Σψ_i(x) w_i / Σψ_i(x),  ψ_i(x) = exp(−h_i (x − c_i)²)
 *   goal filter    τ ġ = α_g (g_target − g)   (a goal change never makes the pose jump)
 *
 * Spatial scaling M (this is where the classic DMP fails): the textbook forcing term is scaled
 * per axis by (g − y0)/(g_demo − y0_demo). When the new goal lies on the other side of the start
 * along an axis the shape is mirrored, and when the demo barely moves along an axis (or the new
 * goal is very close to the start) the ratio explodes or squashes the shape to nothing. Here the
 * forcing term is learned in meters ("fixed" scaling: M = I, the forcing is used as learned) and
 * re-targeting uses rotate-and-scale of the whole shape by default (M = s·R, R taking the
 * demo's start→goal direction onto the new one, yaw first so "up" stays up on a table; Ginesi
 * et al. 2019 / Koutras & Doulgeri 2020). A guard falls back to fixed scaling whenever s·R is
 * ill-conditioned (goal within 2 cm of the start, demo span < 2 cm, scale beyond ×3 or ÷3, or
 * the shape would tilt over by more than 60°); the classic per-axis mode exists for comparison
 * and is guarded the same way. What was used, and why, is in the rollout's `scaling` report so
 * a preview can say it.
 *
 * Ending: the forcing term fades out over 0.1 τ after t = τ (its learned tail would otherwise
 * keep the tool creeping), and a rollout ends once at rest within 0.25 mm / 2.5 mrad of the goal;
 * the last sample is not snapped onto the goal (that would put a velocity spike at the end).
 *
 * Frames and units: world (= robot base) frame, z up, meters, radians, seconds;
 * quaternions [x, y, z, w].
 */
import type { Pose, Quat, Vec3 } from '../../model/math/transform.js';
import { qmul, qconj, qnormalize, rotateByInto, rotationBetween, rotationBetweenInto } from './quaternion.js';

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

// ------------------------------------------------------------------------------------ basis

interface Basis {
  c: Float64Array;
  h: Float64Array;
}
const basisCache = new Map<string, Basis>();

/** Centres evenly spaced in time (c_i = exp(−α_x i/(N−1))); neighbours overlap at e^(−1). */
function basisOf(n: number, alphaX: number): Basis {
  const key = `${n}:${alphaX}`;
  let b = basisCache.get(key);
  if (!b) {
    const c = new Float64Array(n),
      h = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = Math.exp((-alphaX * i) / Math.max(1, n - 1));
    for (let i = 0; i < n - 1; i++) h[i] = 1 / (c[i + 1] - c[i]) ** 2;
    h[n - 1] = h[Math.max(0, n - 2)];
    b = { c, h };
    basisCache.set(key, b);
  }
  return b;
}

/** Normalised activations ψ_i(x)/Σψ into `out` (terms below e^(−30) skipped). */
function activations(b: Basis, x: number, out: Float64Array): void {
  let sum = 0;
  const c = b.c,
    h = b.h;
  for (let i = 0; i < out.length; i++) {
    const d = x - c[i];
    const a = h[i] * d * d;
    const v = a > 30 ? 0 : Math.exp(-a);
    out[i] = v;
    sum += v;
  }
  const k = sum > 1e-300 ? 1 / sum : 0;
  for (let i = 0; i < out.length; i++) out[i] *= k;
}

// ------------------------------------------------------------------------------------ learning

export interface LearnOptions {
  basis?: number;
  gains?: Partial<DmpGains>;
  /**
   * σ of the zero-phase Gaussian smoothing applied before differentiating, s (default 0.02).
   * Encoder noise of a fraction of a millimetre becomes m/s² after two finite differences.
   */
  smoothing?: number;
}

/**
 * Learn a pose DMP from one or more demonstrations (each sampled at a constant dt, starting and
 * ending at rest). Forcing targets of every demonstration are stacked over the phase and fitted
 * by LWR; demonstrations after the first are first mapped into the first one's frame (inverse
 * rotate-and-scale, guarded), so several demos of "the same motion" average into one shape.
 */
export function learnPoseDmp(demos: PoseSamples | PoseSamples[], opts: LearnOptions = {}): PoseDmpModel {
  const list = Array.isArray(demos) ? demos : [demos];
  if (!list.length) throw new DmpError('no demonstration to learn from');
  const gains: DmpGains = { ...DEFAULT_GAINS, ...opts.gains };
  const N = opts.basis ?? DEFAULT_BASIS;
  if (!Number.isInteger(N) || N < 2 || N > 500) throw new DmpError(`basis must be an integer in 2..500, got ${N}`);
  list.forEach((d, k) => {
    if (!(d.dt > 0) || !Number.isFinite(d.dt)) throw new DmpError(`demonstration ${k + 1}: dt must be a positive number of seconds`);
    if (d.positions.length < 5 || d.quaternions.length !== d.positions.length)
      throw new DmpError(`demonstration ${k + 1}: needs at least 5 samples with one position and one orientation each`);
  });
  const b = basisOf(N, gains.alphaX);
  const ref = list[0];
  const refStart = ref.positions[0],
    refGoal = ref.positions[ref.positions.length - 1];
  const dRef = sub(refGoal, refStart);

  // LWR accumulators: num[d][i] = Σ s ψ_i f_d, den[i] = Σ s² ψ_i (s = x), per subsystem.
  const numP = [new Float64Array(N), new Float64Array(N), new Float64Array(N)];
  const numO = [new Float64Array(N), new Float64Array(N), new Float64Array(N)];
  const den = new Float64Array(N);
  const psi = new Float64Array(N);
  const { alphaZ: az, betaZ: bz, alphaX: ax } = gains;

  for (const demo of list) {
    const n = demo.positions.length,
      dt = demo.dt,
      tau = (n - 1) * dt;
    const sigma = (opts.smoothing ?? 0.02) / dt;
    const P = smoothPositions(demo.positions, sigma);
    const Q = smoothQuaternions(alignHemisphere(demo.quaternions), sigma);
    // Start and goal are the raw end samples: the shape is smoothed, the ends are kept exact.
    const g = demo.positions[n - 1],
      gq = alignHemisphere([Q[n - 1], demo.quaternions[n - 1]])[1];
    // Demos after the first: forcing mapped into the first demo's frame (M⁻¹ f).
    let Minv: Float64Array | null = null;
    if (demo !== ref) {
      const s = spatialScaling(dRef, sub(g, P[0]), 'rotate-scale', {});
      if (s.report.used === 'rotate-scale') Minv = invert3(s.M);
    }
    const vel = gradient3(P, dt),
      acc = gradient3(vel, dt);
    const omega = angularVelocity(Q, dt),
      domega = gradient3(omega, dt);
    const e = [0, 0, 0],
      fp = [0, 0, 0],
      fo = [0, 0, 0];
    const decay = Math.exp((-ax * dt) / tau);
    let x = 1;
    for (let k = 0; k < n; k++, x *= decay) {
      activations(b, x, psi);
      rotationBetweenInto(Q[k], gq, e);
      const pk = P[k],
        vk = vel[k],
        ak = acc[k],
        wk = omega[k],
        dwk = domega[k];
      for (let d = 0; d < 3; d++) {
        fp[d] = tau * tau * ak[d] - az * (bz * (g[d] - pk[d]) - tau * vk[d]);
        fo[d] = tau * tau * dwk[d] - az * (bz * e[d] - tau * wk[d]);
      }
      const f = Minv ? mulMat(Minv, fp) : fp;
      // psi is normalised (ψ_i/Σψ): the regressor of w_i is then x·ψ_i/Σψ, matching the rollout.
      for (let i = 0; i < N; i++) {
        const p = psi[i];
        if (p < 1e-12) continue;
        den[i] += x * x * p;
        const sp = x * p;
        numP[0][i] += sp * f[0];
        numP[1][i] += sp * f[1];
        numP[2][i] += sp * f[2];
        numO[0][i] += sp * fo[0];
        numO[1][i] += sp * fo[1];
        numO[2][i] += sp * fo[2];
      }
    }
  }
  const w = (num: Float64Array[]) => num.map((row) => Array.from(row, (v, i) => (den[i] > 1e-14 ? v / den[i] : 0)));
  return {
    kind: 'pose-dmp',
    version: 1,
    gains,
    basis: N,
    duration: (ref.positions.length - 1) * ref.dt,
    start: { position: [...refStart] as Vec3, quaternion: [...ref.quaternions[0]] as Quat },
    goal: { position: [...refGoal] as Vec3, quaternion: [...ref.quaternions[ref.quaternions.length - 1]] as Quat },
    position: w(numP),
    orientation: w(numO),
    demos: list.length,
  };
}

// ------------------------------------------------------------------------------------ scaling

const AXES = ['x', 'y', 'z'] as const;

/** The spatial scaling matrix (row-major 3×3) for a demo span dDemo and a new span dNew. */
export function spatialScaling(
  dDemo: Vec3,
  dNew: Vec3,
  requested: ScalingMode,
  guardOpts: GuardOptions | false,
): { M: Float64Array; report: ScalingReport } {
  const eye = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  const report: ScalingReport = { requested, used: requested, guard: null, scale: 1, rotation: 0, yaw: 0 };
  if (requested === 'fixed') return { M: eye, report };
  const g = guardOpts === false ? null : { minSpan: 0.02, maxScale: 3, maxTilt: Math.PI / 3, ...guardOpts };
  const fallback = (kind: GuardKind, message: string, axis?: 'x' | 'y' | 'z') => {
    report.used = 'fixed';
    report.guard = {
      kind,
      message: `${message}; the learned motion is used at its demonstrated size (no scaling)`,
      ...(axis ? { axis } : {}),
    };
    report.scale = 1;
    report.rotation = 0;
    report.yaw = 0;
    return { M: eye, report };
  };
  const cm = (v: number) => `${(v * 100).toFixed(1)} cm`;

  if (requested === 'classic') {
    const k = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      k[i] = dNew[i] / dDemo[i];
      if (g) {
        if (Math.abs(dDemo[i]) < g.minSpan && Math.abs(dNew[i] - dDemo[i]) > 1e-9)
          return fallback(
            'demo-span-small',
            `the demonstration moves only ${cm(Math.abs(dDemo[i]))} along ${AXES[i]}, so (g − y0)/(g_demo − y0_demo) would explode`,
            AXES[i],
          );
        if (k[i] < 0)
          return fallback(
            'goal-flipped',
            `the new goal is on the other side of the start along ${AXES[i]}, which would mirror the motion`,
            AXES[i],
          );
        if (Math.abs(k[i]) > g.maxScale)
          return fallback('scale-too-large', `the motion would be stretched ×${Math.abs(k[i]).toFixed(1)} along ${AXES[i]}`, AXES[i]);
        if (!Number.isFinite(k[i]) || Math.abs(dDemo[i]) < 1e-12) k[i] = 1; // both spans ≈ 0: leave the axis alone
      }
    }
    report.scale = Math.max(...k.map(Math.abs));
    return { M: Float64Array.of(k[0], 0, 0, 0, k[1], 0, 0, 0, k[2]), report };
  }

  // rotate-scale
  const nd = norm(dDemo),
    nn = norm(dNew);
  if (g) {
    if (nd < g.minSpan) return fallback('demo-span-small', `the demonstration ends only ${cm(nd)} from where it starts`);
    if (nn < g.minSpan) return fallback('goal-near-start', `the new goal is only ${cm(nn)} from the start`);
  }
  const s = nn / nd;
  if (g && s > g.maxScale) return fallback('scale-too-large', `the motion would be stretched ×${s.toFixed(1)}`);
  if (g && s < 1 / g.maxScale) return fallback('scale-too-small', `the motion would be shrunk to ${(s * 100).toFixed(0)} %`);
  if (!(nd > 0) || !(nn > 0)) return { M: eye, report: { ...report, used: 'fixed' } };
  // Yaw first (about world z, so the shape stays upright on the table), then the smallest
  // rotation that lines the yawed demo direction up with the new one.
  const u = dDemo.map((v) => v / nd) as Vec3,
    v = dNew.map((c) => c / nn) as Vec3;
  const hu = Math.hypot(u[0], u[1]),
    hv = Math.hypot(v[0], v[1]);
  const yaw = hu > 0.05 && hv > 0.05 ? Math.atan2(v[1], v[0]) - Math.atan2(u[1], u[0]) : 0;
  const Rz = rotZ(yaw);
  const uy = mulMat(Rz, u);
  const Rt = minimalRotation(uy, v);
  const R = mul3(Rt, Rz);
  const up = R[8]; // (R·e_z)·e_z
  if (g && up < Math.cos(g.maxTilt))
    return fallback(
      'tilted',
      `rotating the motion onto the new goal would tip it over by ${((Math.acos(Math.max(-1, Math.min(1, up))) * 180) / Math.PI).toFixed(0)}°`,
    );
  report.scale = s;
  report.yaw = wrapAngle(yaw);
  report.rotation = Math.acos(Math.max(-1, Math.min(1, (R[0] + R[4] + R[8] - 1) / 2)));
  return { M: R.map((c) => c * s), report };
}

// ------------------------------------------------------------------------------------ rollout

export interface RolloutOptions {
  /** default: the demonstration's start */
  start?: Pose;
  /** default: the demonstration's goal */
  goal?: Pose;
  /** movement duration τ, s (temporal scaling; default the demonstration's) */
  duration?: number;
  /** default 'rotate-scale' (guarded) */
  scaling?: ScalingMode;
  /** guard thresholds, or false to switch the guard off (only to show the failure) */
  guard?: GuardOptions | false;
  /** output sample period, s (default 0.01) */
  dt?: number;
  /** goal changes during execution, at t seconds after the start */
  goalChanges?: { t: number; goal: Pose }[];
  /** at most this long after τ to settle on the goal, s (default max(0.5, τ/2)) */
  settle?: number;
}

export interface PoseRollout {
  /** seconds from the start, evenly spaced by dt (the last sample may be closer) */
  t: number[];
  positions: Vec3[];
  quaternions: Quat[];
  /** τ used */
  tau: number;
  /** came to rest on the goal (within 0.25 mm and 2.5 mrad; the samples are not snapped) */
  converged: boolean;
  /** final distance to the goal (m) and angle (rad) */
  finalError: { position: number; orientation: number };
  /** spatial scaling at the start */
  scaling: ScalingReport;
  /** each goal change, with the scaling it re-evaluated */
  goalChanges: { t: number; goal: Pose; scaling: ScalingReport }[];
  /** plain-English notes for a preview (guard fallbacks, large rotations) */
  notes: string[];
}

/** Step-by-step integration of a pose DMP; setGoal() works at any time. */
export class PoseDmpRunner {
  readonly model: PoseDmpModel;
  readonly tau: number;
  t = 0;
  x = 1;
  readonly y: Vec3;
  readonly z: Vec3 = [0, 0, 0];
  q: Quat;
  readonly eta: Vec3 = [0, 0, 0];
  /** filtered goal (position, orientation) */
  readonly gp: Vec3;
  gq: Quat;
  /** goal the filter moves towards */
  goal: Pose;
  scaling: ScalingReport;
  readonly #y0: Vec3;
  readonly #dDemo: Vec3;
  #M: Float64Array;
  readonly #basis: Basis;
  readonly #psi: Float64Array;
  readonly #requested: ScalingMode;
  readonly #guard: GuardOptions | false;
  readonly #e: Vec3 = [0, 0, 0];

  constructor(model: PoseDmpModel, opts: Pick<RolloutOptions, 'start' | 'goal' | 'duration' | 'scaling' | 'guard'> = {}) {
    validateModel(model);
    this.model = model;
    this.tau = opts.duration ?? model.duration;
    if (!(this.tau > 0) || !Number.isFinite(this.tau))
      throw new DmpError(`duration must be a positive number of seconds, got ${opts.duration}`);
    const start = checkPose(opts.start ?? model.start, 'start');
    const goal = checkPose(opts.goal ?? model.goal, 'goal');
    this.#basis = basisOf(model.basis, model.gains.alphaX);
    this.#psi = new Float64Array(model.basis);
    this.#requested = opts.scaling ?? 'rotate-scale';
    this.#guard = opts.guard ?? {};
    this.y = [...start.position] as Vec3;
    this.#y0 = [...start.position] as Vec3;
    this.q = qnormalize(start.quaternion);
    this.#dDemo = sub(model.goal.position, model.start.position);
    this.goal = goal;
    const s = spatialScaling(this.#dDemo, sub(goal.position, this.#y0), this.#requested, this.#guard);
    this.#M = s.M;
    this.scaling = s.report;
    // The filtered goal starts where the demonstrated shape would end from this start, so a
    // goal the shape does not reach by itself is blended in (no acceleration jump at t = 0).
    const shape = mulMat(this.#M, this.#dDemo);
    this.gp = [this.#y0[0] + shape[0], this.#y0[1] + shape[1], this.#y0[2] + shape[2]];
    this.gq = qnormalize(qmul(qmul(model.goal.quaternion, qconj(model.start.quaternion)), this.q));
  }

  /** Change the goal now; the scaling is re-evaluated (guard included) and the goal filtered. */
  setGoal(goal: Pose): ScalingReport {
    this.goal = checkPose(goal, 'goal');
    const s = spatialScaling(this.#dDemo, sub(this.goal.position, this.#y0), this.#requested, this.#guard);
    this.#M = s.M;
    this.scaling = s.report;
    return s.report;
  }

  /** Advance by h seconds (semi-implicit Euler; allocation-free). */
  step(h: number): void {
    const m = this.model,
      { alphaZ: az, betaZ: bz, alphaX: ax, alphaG: ag } = m.gains;
    const k = h / this.tau;
    // After τ the forcing term is faded out over 0.1 τ: the learned tail (x·w with w = f/x fitted
    // where x is ~1 %) would otherwise keep the tool creeping for seconds.
    const over = (this.t - this.tau) / (0.1 * this.tau);
    const x = over <= 0 ? this.x : over >= 1 ? 0 : this.x * 0.5 * (1 + Math.cos(Math.PI * over));
    activations(this.#basis, this.x, this.#psi);
    const psi = this.#psi,
      wp = m.position,
      wo = m.orientation;
    let f0 = 0,
      f1 = 0,
      f2 = 0,
      o0 = 0,
      o1 = 0,
      o2 = 0;
    for (let i = 0; i < psi.length; i++) {
      const p = psi[i];
      if (p < 1e-12) continue;
      f0 += p * wp[0][i];
      f1 += p * wp[1][i];
      f2 += p * wp[2][i];
      o0 += p * wo[0][i];
      o1 += p * wo[1][i];
      o2 += p * wo[2][i];
    }
    const M = this.#M,
      e = this.#e,
      y = this.y,
      z = this.z,
      gp = this.gp,
      G = this.goal.position,
      eta = this.eta;
    rotationBetweenInto(this.q, this.gq, e);
    const fo = [o0, o1, o2];
    for (let d = 0; d < 3; d++) {
      const fp = x * (M[3 * d] * f0 + M[3 * d + 1] * f1 + M[3 * d + 2] * f2);
      z[d] += k * (az * (bz * (gp[d] - y[d]) - z[d]) + fp);
      y[d] += k * z[d];
      eta[d] += k * (az * (bz * e[d] - eta[d]) + x * fo[d]);
      gp[d] += k * ag * (G[d] - gp[d]);
    }
    rotateByInto(eta[0] * k, eta[1] * k, eta[2] * k, this.q);
    rotationBetweenInto(this.gq, this.goal.quaternion, e);
    rotateByInto(e[0] * k * ag, e[1] * k * ag, e[2] * k * ag, this.gq);
    this.x *= Math.exp(-ax * k);
    this.t += h;
  }

  get pose(): Pose {
    return { position: [...this.y] as Vec3, quaternion: [...this.q] as Quat };
  }

  /** Distance (m) and angle (rad) to the goal. */
  error(): { position: number; orientation: number } {
    return { position: norm(sub(this.goal.position, this.y)), orientation: norm(rotationBetween(this.q, this.goal.quaternion)) };
  }

  /** At rest on the goal (0.25 mm, 2.5 mm/s, 2.5 mrad, 25 mrad/s). */
  atRest(): boolean {
    const e = this.error();
    return e.position < 2.5e-4 && e.orientation < 2.5e-3 && norm(this.z) / this.tau < 2.5e-3 && norm(this.eta) / this.tau < 2.5e-2;
  }
}

/** Integrate a pose DMP offline (for preview and execution alike: the same samples run). */
export function rolloutPoseDmp(model: PoseDmpModel, opts: RolloutOptions = {}): PoseRollout {
  const r = new PoseDmpRunner(model, opts);
  const dt = opts.dt ?? 0.01;
  if (!(dt > 0) || !Number.isFinite(dt)) throw new DmpError(`dt must be a positive number of seconds, got ${dt}`);
  const settle = opts.settle ?? Math.max(0.5, r.tau / 2);
  // Internal step: small against τ for accuracy, and an integer divisor of dt.
  const sub = Math.max(1, Math.ceil(dt / (r.tau / 1000)));
  const h = dt / sub;
  const changes = [...(opts.goalChanges ?? [])].sort((a, b) => a.t - b.t);
  const out: PoseRollout = {
    t: [0],
    positions: [r.pose.position],
    quaternions: [r.pose.quaternion],
    tau: r.tau,
    converged: false,
    finalError: { position: 0, orientation: 0 },
    scaling: r.scaling,
    goalChanges: [],
    notes: [],
  };
  let ci = 0;
  const maxT = r.tau + settle;
  for (let k = 1; ; k++) {
    for (let s = 0; s < sub; s++) {
      while (ci < changes.length && changes[ci].t <= r.t + 1e-9) {
        const rep = r.setGoal(changes[ci].goal);
        out.goalChanges.push({ t: r.t, goal: changes[ci].goal, scaling: rep });
        ci++;
      }
      r.step(h);
    }
    const p = r.pose;
    out.t.push(k * dt);
    out.positions.push(p.position);
    out.quaternions.push(p.quaternion);
    if (!p.position.every(Number.isFinite)) {
      out.notes.push('the rollout diverged (non-finite position)');
      break;
    }
    if (r.t >= r.tau - 1e-9 && ci >= changes.length && r.atRest()) {
      out.converged = true;
      break;
    }
    if (r.t >= maxT - 1e-9) break;
  }
  out.finalError = r.error();
  // The last sample is left where the DMP is (sub-millimetre from the goal): snapping it would
  // put a velocity spike into the last interval.
  if (!out.converged && out.positions[out.positions.length - 1].every(Number.isFinite)) {
    out.notes.push(
      `did not settle on the goal within ${settle.toFixed(1)} s after τ (off by ${(out.finalError.position * 1000).toFixed(1)} mm, ${((out.finalError.orientation * 180) / Math.PI).toFixed(1)}°)`,
    );
  }
  for (const s of [out.scaling, ...out.goalChanges.map((c) => c.scaling)]) {
    if (s.guard) out.notes.push(`${s.requested} scaling not used: ${s.guard.message}`);
    else if (s.used === 'rotate-scale' && (s.rotation > Math.PI / 2 || Math.abs(s.scale - 1) > 0.5)) {
      out.notes.push(
        `the demonstrated shape is turned ${((s.rotation * 180) / Math.PI).toFixed(0)}° and scaled ×${s.scale.toFixed(2)} to reach the new goal`,
      );
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ helpers

export function validateModel(m: PoseDmpModel): void {
  if (m?.kind !== 'pose-dmp' || m.version !== 1) throw new DmpError('not a pose DMP (kind "pose-dmp", version 1)');
  const ok = (w: number[][]) =>
    Array.isArray(w) && w.length === 3 && w.every((r) => Array.isArray(r) && r.length === m.basis && r.every(Number.isFinite));
  if (!ok(m.position) || !ok(m.orientation)) throw new DmpError(`weights must be 3 × ${m.basis} finite numbers`);
  if (!(m.duration > 0)) throw new DmpError('duration must be positive');
  checkPose(m.start, 'demo start');
  checkPose(m.goal, 'demo goal');
}

function checkPose(p: Pose, what: string): Pose {
  if (!p || !Array.isArray(p.position) || p.position.length !== 3 || !p.position.every(Number.isFinite))
    throw new DmpError(`${what}: position must be 3 finite numbers (m)`);
  if (!Array.isArray(p.quaternion) || p.quaternion.length !== 4 || !p.quaternion.every(Number.isFinite))
    throw new DmpError(`${what}: quaternion must be 4 finite numbers [x, y, z, w]`);
  return { position: [...p.position] as Vec3, quaternion: qnormalize(p.quaternion) };
}

/** Flip signs so consecutive quaternions are on the same hemisphere (q and −q are one rotation). */
function alignHemisphere(qs: Quat[]): Quat[] {
  const out: Quat[] = [];
  let prev: Quat | null = null;
  for (const q0 of qs) {
    let q = qnormalize(q0);
    if (prev && q[0] * prev[0] + q[1] * prev[1] + q[2] * prev[2] + q[3] * prev[3] < 0) q = [-q[0], -q[1], -q[2], -q[3]];
    out.push(q);
    prev = q;
  }
  return out;
}

/** Zero-phase Gaussian weights (σ in samples), truncated at 3σ; null when σ is negligible. */
function gaussianKernel(sigma: number): Float64Array | null {
  if (!(sigma > 0.3)) return null;
  const r = Math.ceil(3 * sigma),
    k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Smooth with mirror padding (the demo is at rest at both ends, so mirroring keeps it there). */
function smoothPositions(p: Vec3[], sigma: number): Vec3[] {
  const k = gaussianKernel(sigma);
  if (!k) return p;
  const n = p.length,
    r = (k.length - 1) / 2,
    out: Vec3[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0,
      b = 0,
      c = 0;
    for (let j = -r; j <= r; j++) {
      let m = i + j;
      if (m < 0) m = -m;
      else if (m >= n) m = 2 * n - 2 - m;
      m = Math.min(n - 1, Math.max(0, m));
      const w = k[j + r],
        v = p[m];
      a += w * v[0];
      b += w * v[1];
      c += w * v[2];
    }
    out[i] = [a, b, c];
  }
  return out;
}

/**
 * The same smoothing for orientations: weighted average of the (hemisphere-aligned) neighbouring
 * quaternions, renormalised — exact to second order for the small angles inside one window.
 */
function smoothQuaternions(q: Quat[], sigma: number): Quat[] {
  const k = gaussianKernel(sigma);
  if (!k) return q;
  const n = q.length,
    r = (k.length - 1) / 2,
    out: Quat[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0,
      b = 0,
      c = 0,
      d = 0;
    for (let j = -r; j <= r; j++) {
      let m = i + j;
      if (m < 0) m = -m;
      else if (m >= n) m = 2 * n - 2 - m;
      m = Math.min(n - 1, Math.max(0, m));
      const w = k[j + r],
        v = q[m];
      a += w * v[0];
      b += w * v[1];
      c += w * v[2];
      d += w * v[3];
    }
    const s = 1 / Math.sqrt(a * a + b * b + c * c + d * d);
    out[i] = [a * s, b * s, c * s, d * s];
  }
  return out;
}

/** Central differences (one-sided at the ends). */
function gradient3(v: Vec3[], dt: number): Vec3[] {
  const n = v.length,
    out: Vec3[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const a = v[Math.max(0, k - 1)],
      b = v[Math.min(n - 1, k + 1)];
    const span = (Math.min(n - 1, k + 1) - Math.max(0, k - 1)) * dt;
    out[k] = [(b[0] - a[0]) / span, (b[1] - a[1]) / span, (b[2] - a[2]) / span];
  }
  return out;
}

/** World-frame angular velocity from consecutive orientations, rad/s. */
function angularVelocity(q: Quat[], dt: number): Vec3[] {
  const n = q.length,
    out: Vec3[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const a = Math.max(0, k - 1),
      b = Math.min(n - 1, k + 1);
    const r: Vec3 = [0, 0, 0];
    rotationBetweenInto(q[a], q[b], r);
    const span = (b - a) * dt;
    r[0] /= span;
    r[1] /= span;
    r[2] /= span;
    out[k] = r;
  }
  return out;
}

function sub(a: ArrayLike<number>, b: ArrayLike<number>): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function norm(v: ArrayLike<number>): number {
  return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

function mulMat(M: Float64Array, v: ArrayLike<number>): Vec3 {
  return [M[0] * v[0] + M[1] * v[1] + M[2] * v[2], M[3] * v[0] + M[4] * v[1] + M[5] * v[2], M[6] * v[0] + M[7] * v[1] + M[8] * v[2]];
}

function mul3(A: Float64Array, B: Float64Array): Float64Array {
  const C = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) C[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
  return C;
}

function invert3(M: Float64Array): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = M;
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new DmpError('internal: singular scaling matrix');
  const k = 1 / det;
  return Float64Array.of(
    A * k,
    -(b * i - c * h) * k,
    (b * f - c * e) * k,
    B * k,
    (a * i - c * g) * k,
    -(a * f - c * d) * k,
    C * k,
    -(a * h - b * g) * k,
    (a * e - b * d) * k,
  );
}

function rotZ(a: number): Float64Array {
  const c = Math.cos(a),
    s = Math.sin(a);
  return Float64Array.of(c, -s, 0, s, c, 0, 0, 0, 1);
}

/** Smallest rotation taking unit u onto unit v (row-major). */
function minimalRotation(u: Vec3, v: Vec3): Float64Array {
  const c = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  let ax: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  let s = norm(ax);
  if (s < 1e-9) {
    if (c > 0) return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    // Opposite: half a turn about any axis perpendicular to u (world z when possible).
    const h: Vec3 = Math.abs(u[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
    const d = h[0] * u[0] + h[1] * u[1] + h[2] * u[2];
    ax = [h[0] - d * u[0], h[1] - d * u[1], h[2] - d * u[2]];
    s = 0;
  }
  const n = norm(ax);
  const [x, y, z] = [ax[0] / n, ax[1] / n, ax[2] / n];
  const angle = Math.atan2(s, c);
  const co = Math.cos(angle),
    si = Math.sin(angle),
    t = 1 - co;
  return Float64Array.of(
    t * x * x + co,
    t * x * y - si * z,
    t * x * z + si * y,
    t * x * y + si * z,
    t * y * y + co,
    t * y * z - si * x,
    t * x * z - si * y,
    t * y * z + si * x,
    t * z * z + co,
  );
}

function wrapAngle(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}
