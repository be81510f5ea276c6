/**
 * Learning a pose DMP from demonstrations by locally weighted regression (LWR) of the forcing
 * term over the canonical phase (see the formulation in dmp.ts).
 *
 * Frames and units: world frame, z up, meters, radians, seconds; quaternions [x, y, z, w].
 */
import type { Quat, Vec3 } from '../../model/math/transform.js';
import { activations, basisOf } from './basis.js';
import { invert3, mulMat, sub } from './mat3.js';
import { DEFAULT_BASIS, DEFAULT_GAINS, DmpError, type DmpGains, type PoseDmpModel, type PoseSamples } from './model.js';
import { rotationBetweenInto } from './quaternion.js';
import { spatialScaling } from './scaling.js';
import { alignHemisphere, angularVelocity, gradient3, smoothPositions, smoothQuaternions } from './smoothing.js';

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
