/**
 * Small rigid-transform math shared by the sim, kinematics, safety and UI.
 *
 * Conventions: meters and radians; frames are z up (REP-103); `Mat4` is a 4x4 homogeneous
 * transform stored column-major in 16 numbers (the layout three.js uses), so element
 * (row r, col c) is at index c*4 + r. Quaternions are [x, y, z, w] (ROS / three.js order).
 */
export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number];
export type Mat4 = Float64Array;

export interface Pose {
  /** meters, in the world frame unless stated otherwise */
  position: Vec3;
  /** unit quaternion [x, y, z, w] */
  quaternion: Quat;
}

export function identity(out: Mat4 = new Float64Array(16)): Mat4 {
  out.fill(0);
  out[0] = out[5] = out[10] = out[15] = 1;
  return out;
}

/** out = a * b (safe when out aliases a or b). */
export function multiply(a: Mat4, b: Mat4, out: Mat4 = new Float64Array(16)): Mat4 {
  const a00 = a[0],
    a10 = a[1],
    a20 = a[2];
  const a01 = a[4],
    a11 = a[5],
    a21 = a[6];
  const a02 = a[8],
    a12 = a[9],
    a22 = a[10];
  const a03 = a[12],
    a13 = a[13],
    a23 = a[14];
  for (let c = 0; c < 4; c++) {
    const b0 = b[c * 4],
      b1 = b[c * 4 + 1],
      b2 = b[c * 4 + 2],
      b3 = b[c * 4 + 3];
    out[c * 4] = a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3;
    out[c * 4 + 1] = a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3;
    out[c * 4 + 2] = a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3;
    out[c * 4 + 3] = b3;
  }
  return out;
}

/** URDF origin: translation xyz, then fixed-axis roll-pitch-yaw (R = Rz(y) Ry(p) Rx(r)). */
export function fromXyzRpy(xyz: Vec3, rpy: Vec3, out: Mat4 = new Float64Array(16)): Mat4 {
  const [r, p, y] = rpy;
  const cr = Math.cos(r),
    sr = Math.sin(r);
  const cp = Math.cos(p),
    sp = Math.sin(p);
  const cy = Math.cos(y),
    sy = Math.sin(y);
  out[0] = cy * cp;
  out[4] = cy * sp * sr - sy * cr;
  out[8] = cy * sp * cr + sy * sr;
  out[12] = xyz[0];
  out[1] = sy * cp;
  out[5] = sy * sp * sr + cy * cr;
  out[9] = sy * sp * cr - cy * sr;
  out[13] = xyz[1];
  out[2] = -sp;
  out[6] = cp * sr;
  out[10] = cp * cr;
  out[14] = xyz[2];
  out[3] = 0;
  out[7] = 0;
  out[11] = 0;
  out[15] = 1;
  return out;
}

/** Rotation of `angle` radians about the unit `axis`, as a transform. */
export function fromAxisAngle(axis: Vec3, angle: number, out: Mat4 = new Float64Array(16)): Mat4 {
  const [x, y, z] = axis;
  const c = Math.cos(angle),
    s = Math.sin(angle),
    t = 1 - c;
  out[0] = t * x * x + c;
  out[4] = t * x * y - s * z;
  out[8] = t * x * z + s * y;
  out[12] = 0;
  out[1] = t * x * y + s * z;
  out[5] = t * y * y + c;
  out[9] = t * y * z - s * x;
  out[13] = 0;
  out[2] = t * x * z - s * y;
  out[6] = t * y * z + s * x;
  out[10] = t * z * z + c;
  out[14] = 0;
  out[3] = 0;
  out[7] = 0;
  out[11] = 0;
  out[15] = 1;
  return out;
}

export function fromTranslation(v: Vec3, out: Mat4 = new Float64Array(16)): Mat4 {
  identity(out);
  out[12] = v[0];
  out[13] = v[1];
  out[14] = v[2];
  return out;
}

export function fromPose(pose: Pose, out: Mat4 = new Float64Array(16)): Mat4 {
  const [x, y, z, w] = pose.quaternion;
  const xx = x * x,
    yy = y * y,
    zz = z * z,
    xy = x * y,
    xz = x * z,
    yz = y * z,
    wx = w * x,
    wy = w * y,
    wz = w * z;
  out[0] = 1 - 2 * (yy + zz);
  out[4] = 2 * (xy - wz);
  out[8] = 2 * (xz + wy);
  out[12] = pose.position[0];
  out[1] = 2 * (xy + wz);
  out[5] = 1 - 2 * (xx + zz);
  out[9] = 2 * (yz - wx);
  out[13] = pose.position[1];
  out[2] = 2 * (xz - wy);
  out[6] = 2 * (yz + wx);
  out[10] = 1 - 2 * (xx + yy);
  out[14] = pose.position[2];
  out[3] = 0;
  out[7] = 0;
  out[11] = 0;
  out[15] = 1;
  return out;
}

export function toPose(m: Mat4): Pose {
  return { position: [m[12], m[13], m[14]], quaternion: quatFromMatrix(m) };
}

/** Quaternion [x, y, z, w] of the rotation part of `m` (Shepperd's method). */
export function quatFromMatrix(m: Mat4): Quat {
  return quatFromRotation(m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]);
}

/** Quaternion [x, y, z, w] of a rotation matrix given by rows (mRC = row R, column C). */
export function quatFromRotation(
  m00: number,
  m01: number,
  m02: number,
  m10: number,
  m11: number,
  m12: number,
  m20: number,
  m21: number,
  m22: number,
): Quat {
  const tr = m00 + m11 + m22;
  let x: number, y: number, z: number, w: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    w = (m21 - m12) / s;
    x = 0.25 * s;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = 0.25 * s;
    z = (m12 + m21) / s;
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = 0.25 * s;
  }
  if (w < 0) {
    x = -x;
    y = -y;
    z = -z;
    w = -w;
  }
  return [x, y, z, w];
}

/** Inverse of a rigid transform. */
export function invertRigid(m: Mat4, out: Mat4 = new Float64Array(16)): Mat4 {
  const r00 = m[0],
    r10 = m[1],
    r20 = m[2],
    r01 = m[4],
    r11 = m[5],
    r21 = m[6],
    r02 = m[8],
    r12 = m[9],
    r22 = m[10];
  const tx = m[12],
    ty = m[13],
    tz = m[14];
  out[0] = r00;
  out[4] = r10;
  out[8] = r20;
  out[1] = r01;
  out[5] = r11;
  out[9] = r21;
  out[2] = r02;
  out[6] = r12;
  out[10] = r22;
  out[12] = -(r00 * tx + r10 * ty + r20 * tz);
  out[13] = -(r01 * tx + r11 * ty + r21 * tz);
  out[14] = -(r02 * tx + r12 * ty + r22 * tz);
  out[3] = 0;
  out[7] = 0;
  out[11] = 0;
  out[15] = 1;
  return out;
}

/** Apply transform `m` to point `p`. */
export function transformPoint(m: Mat4, p: Vec3): Vec3 {
  return [
    m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12],
    m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13],
    m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14],
  ];
}

/** Angle in radians between two unit quaternions (0..pi). */
export function quatAngle(a: Quat, b: Quat): number {
  const d = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * Math.acos(Math.min(1, d));
}

/** Spherical linear interpolation between unit quaternions, t in [0, 1]. */
export function slerp(a: Quat, b: Quat, t: number): Quat {
  let bx = b[0],
    by = b[1],
    bz = b[2],
    bw = b[3];
  let cos = a[0] * bx + a[1] * by + a[2] * bz + a[3] * bw;
  if (cos < 0) {
    cos = -cos;
    bx = -bx;
    by = -by;
    bz = -bz;
    bw = -bw;
  }
  let k0: number, k1: number;
  if (cos > 0.9995) {
    k0 = 1 - t;
    k1 = t;
  } else {
    const th = Math.acos(cos),
      s = Math.sin(th);
    k0 = Math.sin((1 - t) * th) / s;
    k1 = Math.sin(t * th) / s;
  }
  const q: Quat = [k0 * a[0] + k1 * bx, k0 * a[1] + k1 * by, k0 * a[2] + k1 * bz, k0 * a[3] + k1 * bw];
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}
