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
 *
 * This file holds the rollout (PoseDmpRunner, rolloutPoseDmp); the parts are beside it:
 * model.ts (the model, gains, scaling report, DmpError, validation), basis.ts (the forcing
 * term's basis), learn.ts (LWR learning), smoothing.ts (demonstration preprocessing),
 * scaling.ts (spatial scaling and its guard), mat3.ts (3×3 helpers).
 */
import type { Pose, Quat, Vec3 } from '../../model/math/transform.js';
import { formatNumber, LIMITS } from '../../model/bounds.js';
import { activations, basisOf, type Basis } from './basis.js';
import { mulMat, norm, sub } from './mat3.js';
import { DmpError, checkPose, validateModel, type GuardOptions, type PoseDmpModel, type ScalingMode, type ScalingReport } from './model.js';
import { qconj, qmul, qnormalize, rotateByInto, rotationBetween, rotationBetweenInto } from './quaternion.js';
import { spatialScaling } from './scaling.js';

export {
  DEFAULT_BASIS,
  DEFAULT_GAINS,
  DmpError,
  validateModel,
  type DmpGains,
  type GuardKind,
  type GuardOptions,
  type PoseDmpModel,
  type PoseSamples,
  type ScalingMode,
  type ScalingReport,
} from './model.js';
export { learnPoseDmp, type LearnOptions } from './learn.js';
export { spatialScaling } from './scaling.js';

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
  // The loop below runs (τ + settle) / h times, both from the stored skill: bound it before starting.
  if (!(r.tau + settle <= LIMITS.motionDuration))
    throw new DmpError(`the motion would last ${formatNumber(r.tau + settle)} s; one motion may last at most ${LIMITS.motionDuration} s`);
  const steps = Math.ceil((r.tau + settle) / dt) * sub;
  if (!(steps <= LIMITS.rolloutSteps))
    throw new DmpError(`the rollout would take ${formatNumber(steps)} integration steps; at most ${LIMITS.rolloutSteps}: use a larger dt`);
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
