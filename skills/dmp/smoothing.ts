/**
 * Preparing a demonstration for learning: hemisphere alignment of quaternions, zero-phase
 * Gaussian smoothing, and finite-difference velocities (m/s, rad/s) and accelerations.
 */
import type { Quat, Vec3 } from '../../model/math/transform.js';
import { qnormalize, rotationBetweenInto } from './quaternion.js';

/** Flip signs so consecutive quaternions are on the same hemisphere (q and −q are one rotation). */
export function alignHemisphere(qs: Quat[]): Quat[] {
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
export function smoothPositions(p: Vec3[], sigma: number): Vec3[] {
  const k = gaussianKernel(sigma);
  if (!k) return p;
  const n = p.length,
    r = (k.length - 1) / 2,
    out: Vec3[] = new Array<Vec3>(n);
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
export function smoothQuaternions(q: Quat[], sigma: number): Quat[] {
  const k = gaussianKernel(sigma);
  if (!k) return q;
  const n = q.length,
    r = (k.length - 1) / 2,
    out: Quat[] = new Array<Quat>(n);
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
export function gradient3(v: Vec3[], dt: number): Vec3[] {
  const n = v.length,
    out: Vec3[] = new Array<Vec3>(n);
  for (let k = 0; k < n; k++) {
    const a = v[Math.max(0, k - 1)],
      b = v[Math.min(n - 1, k + 1)];
    const span = (Math.min(n - 1, k + 1) - Math.max(0, k - 1)) * dt;
    out[k] = [(b[0] - a[0]) / span, (b[1] - a[1]) / span, (b[2] - a[2]) / span];
  }
  return out;
}

/** World-frame angular velocity from consecutive orientations, rad/s. */
export function angularVelocity(q: Quat[], dt: number): Vec3[] {
  const n = q.length,
    out: Vec3[] = new Array<Vec3>(n);
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
