/**
 * Unit-quaternion helpers for the orientation DMP. Quaternions are [x, y, z, w] (the order used
 * everywhere in Shammie); rotation vectors are axis × angle in radians, world frame.
 */
import type { Quat, Vec3 } from '../../model/math/transform.js';

/** a ∗ b (apply b, then a). */
export function qmul(a: ArrayLike<number>, b: ArrayLike<number>): Quat {
  const [ax, ay, az, aw] = [a[0], a[1], a[2], a[3]];
  const [bx, by, bz, bw] = [b[0], b[1], b[2], b[3]];
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

export function qconj(q: ArrayLike<number>): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

export function qnormalize(q: ArrayLike<number>): Quat {
  const n = Math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (!(n > 1e-12)) throw new Error('[dmp] zero quaternion');
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/**
 * Rotation vector of a unit quaternion, shortest way (2·log(q) in the quaternion-DMP papers):
 * the rotation by |r| radians about r/|r|. q and −q give the same answer.
 */
export function rotationVector(q: ArrayLike<number>): Vec3 {
  let x = q[0],
    y = q[1],
    z = q[2],
    w = q[3];
  if (w < 0) {
    x = -x;
    y = -y;
    z = -z;
    w = -w;
  }
  const s = Math.sqrt(x * x + y * y + z * z);
  if (s < 1e-12) return [2 * x, 2 * y, 2 * z];
  const k = (2 * Math.atan2(s, w)) / s;
  return [x * k, y * k, z * k];
}

/** Quaternion of the rotation vector r (inverse of rotationVector). */
export function fromRotationVector(r: ArrayLike<number>): Quat {
  const a = Math.sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  if (a < 1e-12) return qnormalize([r[0] / 2, r[1] / 2, r[2] / 2, 1]);
  const s = Math.sin(a / 2) / a;
  return [r[0] * s, r[1] * s, r[2] * s, Math.cos(a / 2)];
}

/** World-frame rotation vector taking orientation `from` to `to` (to = exp(r) ∗ from). */
export function rotationBetween(from: ArrayLike<number>, to: ArrayLike<number>): Vec3 {
  return rotationVector(qmul(to, qconj(from)));
}

/** Rotate vector v by unit quaternion q. */
export function qrotate(q: ArrayLike<number>, v: ArrayLike<number>): Vec3 {
  const r = qmul(qmul(q, [v[0], v[1], v[2], 0]), qconj(q));
  return [r[0], r[1], r[2]];
}

/** out ← rotation vector taking `from` to `to` (allocation-free rotationBetween). */
export function rotationBetweenInto(from: ArrayLike<number>, to: ArrayLike<number>, out: number[] | Float64Array): void {
  // r = to ∗ conj(from)
  const ax = to[0],
    ay = to[1],
    az = to[2],
    aw = to[3];
  const bx = -from[0],
    by = -from[1],
    bz = -from[2],
    bw = from[3];
  let x = aw * bx + ax * bw + ay * bz - az * by;
  let y = aw * by - ax * bz + ay * bw + az * bx;
  let z = aw * bz + ax * by - ay * bx + az * bw;
  let w = aw * bw - ax * bx - ay * by - az * bz;
  if (w < 0) {
    x = -x;
    y = -y;
    z = -z;
    w = -w;
  }
  const s = Math.sqrt(x * x + y * y + z * z);
  const k = s < 1e-12 ? 2 : (2 * Math.atan2(s, w)) / s;
  out[0] = x * k;
  out[1] = y * k;
  out[2] = z * k;
}

/** q ← exp(r) ∗ q, renormalised (r: rotation vector, world frame). */
export function rotateByInto(r0: number, r1: number, r2: number, q: number[] | Float64Array): void {
  const a = Math.sqrt(r0 * r0 + r1 * r1 + r2 * r2);
  let ax: number, ay: number, az: number, aw: number;
  if (a < 1e-12) {
    ax = r0 / 2;
    ay = r1 / 2;
    az = r2 / 2;
    aw = 1;
  } else {
    const s = Math.sin(a / 2) / a;
    ax = r0 * s;
    ay = r1 * s;
    az = r2 * s;
    aw = Math.cos(a / 2);
  }
  const bx = q[0],
    by = q[1],
    bz = q[2],
    bw = q[3];
  const x = aw * bx + ax * bw + ay * bz - az * by;
  const y = aw * by - ax * bz + ay * bw + az * bx;
  const z = aw * bz + ax * by - ay * bx + az * bw;
  const w = aw * bw - ax * bx - ay * by - az * bz;
  const n = 1 / Math.sqrt(x * x + y * y + z * z + w * w);
  q[0] = x * n;
  q[1] = y * n;
  q[2] = z * n;
  q[3] = w * n;
}
