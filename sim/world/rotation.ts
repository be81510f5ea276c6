/**
 * Small rotation helpers at the MuJoCo boundary: MuJoCo stores quaternions [w, x, y, z] and
 * rotation matrices row-major; the SimWorld API uses [x, y, z, w].
 */
import { quatFromRotation, type Quat, type Vec3 } from '../../model/math/transform.js';

/** q* · v · q for a [w, x, y, z] quaternion: a world vector in the body frame. */
export function rotateByConj(q: number[], v: number[]): number[] {
  const R = rowMajorFromQuat([q[1], q[2], q[3], q[0]]);
  return [R[0] * v[0] + R[3] * v[1] + R[6] * v[2], R[1] * v[0] + R[4] * v[1] + R[7] * v[2], R[2] * v[0] + R[5] * v[1] + R[8] * v[2]];
}

export function quatMulWxyz(a: number[], b: number[]): number[] {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/** Row-major 3×3 rotation of an [x, y, z, w] quaternion. */
export function rowMajorFromQuat(q: Quat): number[] {
  const [x, y, z, w] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

export function quatFromRowMajor(r: ArrayLike<number>): Quat {
  return quatFromRotation(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
}

/** World-axis-aligned half extents (m) of a box with half extents `h` rotated by row-major R. */
export function aabb(R: number[], h: Vec3): Vec3 {
  return [0, 1, 2].map((i) => Math.abs(R[i * 3]) * h[0] + Math.abs(R[i * 3 + 1]) * h[1] + Math.abs(R[i * 3 + 2]) * h[2]) as Vec3;
}
