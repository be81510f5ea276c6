/** 3-vectors and row-major 3×3 matrices for the spatial scaling (meters, radians). */
import type { Vec3 } from '../../model/math/transform.js';
import { DmpError } from './model.js';

export function sub(a: ArrayLike<number>, b: ArrayLike<number>): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function norm(v: ArrayLike<number>): number {
  return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

export function mulMat(M: Float64Array, v: ArrayLike<number>): Vec3 {
  return [M[0] * v[0] + M[1] * v[1] + M[2] * v[2], M[3] * v[0] + M[4] * v[1] + M[5] * v[2], M[6] * v[0] + M[7] * v[1] + M[8] * v[2]];
}

export function mul3(A: Float64Array, B: Float64Array): Float64Array {
  const C = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) C[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
  return C;
}

export function invert3(M: Float64Array): Float64Array {
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

export function rotZ(a: number): Float64Array {
  const c = Math.cos(a),
    s = Math.sin(a);
  return Float64Array.of(c, -s, 0, s, c, 0, 0, 0, 1);
}

/** Smallest rotation taking unit u onto unit v (row-major). */
export function minimalRotation(u: Vec3, v: Vec3): Float64Array {
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

export function wrapAngle(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}
