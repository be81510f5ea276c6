/**
 * Fast forward kinematics and geometric Jacobian of a RobotModel's arm chain (base → tool).
 *
 * Frames: everything is in the robot base (= world) frame, meters and radians.
 * Speed: the fixed transforms between actuated joints are folded together once, and each joint
 * axis is rotated onto local z (Rot(a, q) = Rₐ·Rz(q)·Rₐᵀ, with Rₐᵀ folded into the next fixed
 * transform), so one joint costs a 3×4 compose plus a two-column rotation. No allocation per
 * call: results go into Float64Array scratch owned by the chain (or an `out` you pass).
 *
 * Layout of one rigid transform in `frames` / `tip` (12 numbers): the 3×3 rotation column-major
 * (x axis, y axis, z axis), then the origin — i.e. a Mat4 without its last row.
 */
import { fromXyzRpy, multiply, toPose, type Mat4, type Pose } from '../../model/math/transform.js';
import type { RobotModel } from '../../model/description/robot-model.js';

/** 4×4 column-major → 12-number rigid layout. */
function toRigid12(m: Mat4, out: Float64Array, o: number): void {
  out[o] = m[0];
  out[o + 1] = m[1];
  out[o + 2] = m[2];
  out[o + 3] = m[4];
  out[o + 4] = m[5];
  out[o + 5] = m[6];
  out[o + 6] = m[8];
  out[o + 7] = m[9];
  out[o + 8] = m[10];
  out[o + 9] = m[12];
  out[o + 10] = m[13];
  out[o + 11] = m[14];
}

const mul = (a: Mat4, b: Mat4): Mat4 => multiply(a, b);

function eye(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

/** Rotation Rₐ whose z column is the unit axis `a` (and its transpose). */
function axisFrame(a: readonly number[]): { R: Mat4; Rt: Mat4 } {
  const [ax, ay, az] = a;
  // helper not parallel to a
  const hx = Math.abs(ax) < 0.9 ? 1 : 0,
    hy = hx ? 0 : 1,
    hz = 0;
  // x' = normalize(h × a)
  let xx = hy * az - hz * ay,
    xy = hz * ax - hx * az,
    xz = hx * ay - hy * ax;
  const xn = Math.hypot(xx, xy, xz);
  xx /= xn;
  xy /= xn;
  xz /= xn;
  // y' = a × x'
  const yx = ay * xz - az * xy,
    yy = az * xx - ax * xz,
    yz = ax * xy - ay * xx;
  const R = eye();
  if (Math.abs(az - 1) < 1e-15) return { R, Rt: eye() }; // already z: keep exact identity
  R[0] = xx;
  R[1] = xy;
  R[2] = xz;
  R[4] = yx;
  R[5] = yy;
  R[6] = yz;
  R[8] = ax;
  R[9] = ay;
  R[10] = az;
  const Rt = eye();
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) Rt[c * 4 + r] = R[r * 4 + c];
  return { R, Rt };
}

export class KinematicChain {
  /** number of actuated joints */
  readonly dof: number;
  readonly jointNames: readonly string[];
  /** position limits, radians (meters for prismatic); ±Infinity for continuous joints */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** 1 for revolute/continuous joints, 0 for prismatic */
  readonly revolute: Uint8Array;
  /**
   * World frame of each joint after the last `update` (12 numbers each, see file header).
   * Its z axis is the joint axis and its origin lies on the axis.
   */
  readonly frames: Float64Array;
  /** tool pose after the last `update` (12 numbers) */
  readonly tip: Float64Array;
  /** world position of the first joint's origin (the "shoulder"), fixed for a revolute first joint */
  readonly shoulder: [number, number, number];
  /**
   * Upper bound on |tool − shoulder| over all configurations, meters (sum of the fixed link
   * offsets plus prismatic travel). Targets farther than this are certainly out of reach.
   */
  readonly reachUpperBound: number;
  /** fixed transform before joint i (incl. Rₐ), 12 numbers each; then the tool transform */
  readonly #pre: Float64Array;
  readonly #post = new Float64Array(12);

  constructor(model: RobotModel) {
    const d = model.description;
    const byChild = new Map(d.joints.map((j) => [j.child, j]));
    const path = [];
    for (let link = model.tipLink; link !== d.rootLink;) {
      const j = byChild.get(link);
      if (!j) break;
      path.unshift(j);
      link = j.parent;
    }
    const armIndex = new Map(model.arm.map((j, i) => [j.name, i]));
    const n = model.arm.length;
    this.dof = n;
    this.jointNames = model.jointNames.slice();
    this.lower = Float64Array.from(model.arm, (j) => j.lower);
    this.upper = Float64Array.from(model.arm, (j) => j.upper);
    this.revolute = Uint8Array.from(model.arm, (j) => (j.type === 'prismatic' ? 0 : 1));
    this.frames = new Float64Array(12 * n);
    this.tip = new Float64Array(12);
    this.#pre = new Float64Array(12 * n);

    let acc = eye();
    let k = 0;
    for (const j of path) {
      const origin = model.arm[armIndex.get(j.name) ?? -1]?.origin;
      acc = mul(acc, origin ?? fromXyzRpy(j.origin.xyz, j.origin.rpy));
      const i = armIndex.get(j.name);
      if (i !== undefined) {
        if (i !== k) throw new Error(`[kinematics] arm joint order mismatch at ${j.name}`);
        const { R, Rt } = axisFrame(model.arm[i].axis);
        toRigid12(mul(acc, R), this.#pre, 12 * i);
        acc = Rt;
        k++;
      } else if (j.mimic) {
        // RobotModel drives mimic joints from their leader; a mimic inside the arm path is not a serial chain we model.
        throw new Error(
          `[kinematics] joint "${j.name}" on the arm path mimics "${j.mimic.joint}"; mimic joints inside the arm chain are not supported`,
        );
      }
      // fixed (and floating/planar, which RobotModel holds at zero) joints only contribute their origin
    }
    if (k !== n) throw new Error(`[kinematics] found ${k} of ${n} arm joints on the path to ${model.tipLink}`);
    toRigid12(acc, this.#post, 0);

    const p = this.#pre;
    this.shoulder = [p[9], p[10], p[11]];
    let bound = 0;
    for (let i = 1; i < n; i++) bound += Math.hypot(p[12 * i + 9], p[12 * i + 10], p[12 * i + 11]);
    bound += Math.hypot(this.#post[9], this.#post[10], this.#post[11]);
    for (let i = 0; i < n; i++) if (!this.revolute[i]) bound += Math.max(Math.abs(this.lower[i]), Math.abs(this.upper[i]));
    this.reachUpperBound = bound;
  }

  /** Compute every joint frame and the tool pose for `q` into `frames` / `tip`. Allocation-free. */
  update(q: ArrayLike<number>): void {
    const P = this.#pre,
      F = this.frames,
      rev = this.revolute,
      n = this.dof;
    // running transform A (world ← current frame), starts at the base
    let a00 = 1,
      a10 = 0,
      a20 = 0,
      a01 = 0,
      a11 = 1,
      a21 = 0,
      a02 = 0,
      a12 = 0,
      a22 = 1,
      ax = 0,
      ay = 0,
      az = 0;
    for (let i = 0; i < n; i++) {
      const o = 12 * i;
      const p00 = P[o],
        p10 = P[o + 1],
        p20 = P[o + 2];
      const p01 = P[o + 3],
        p11 = P[o + 4],
        p21 = P[o + 5];
      const p02 = P[o + 6],
        p12 = P[o + 7],
        p22 = P[o + 8];
      const px = P[o + 9],
        py = P[o + 10],
        pz = P[o + 11];
      // B = A · Pre_i
      let b00 = a00 * p00 + a01 * p10 + a02 * p20,
        b10 = a10 * p00 + a11 * p10 + a12 * p20,
        b20 = a20 * p00 + a21 * p10 + a22 * p20;
      let b01 = a00 * p01 + a01 * p11 + a02 * p21,
        b11 = a10 * p01 + a11 * p11 + a12 * p21,
        b21 = a20 * p01 + a21 * p11 + a22 * p21;
      const b02 = a00 * p02 + a01 * p12 + a02 * p22,
        b12 = a10 * p02 + a11 * p12 + a12 * p22,
        b22 = a20 * p02 + a21 * p12 + a22 * p22;
      let bx = a00 * px + a01 * py + a02 * pz + ax,
        by = a10 * px + a11 * py + a12 * pz + ay,
        bz = a20 * px + a21 * py + a22 * pz + az;
      const v = q[i];
      if (rev[i]) {
        // B · Rz(v): mixes the x and y columns
        const c = Math.cos(v),
          s = Math.sin(v);
        const n00 = c * b00 + s * b01,
          n10 = c * b10 + s * b11,
          n20 = c * b20 + s * b21;
        b01 = c * b01 - s * b00;
        b11 = c * b11 - s * b10;
        b21 = c * b21 - s * b20;
        b00 = n00;
        b10 = n10;
        b20 = n20;
      } else {
        // translation v along local z
        bx += v * b02;
        by += v * b12;
        bz += v * b22;
      }
      F[o] = b00;
      F[o + 1] = b10;
      F[o + 2] = b20;
      F[o + 3] = b01;
      F[o + 4] = b11;
      F[o + 5] = b21;
      F[o + 6] = b02;
      F[o + 7] = b12;
      F[o + 8] = b22;
      F[o + 9] = bx;
      F[o + 10] = by;
      F[o + 11] = bz;
      a00 = b00;
      a10 = b10;
      a20 = b20;
      a01 = b01;
      a11 = b11;
      a21 = b21;
      a02 = b02;
      a12 = b12;
      a22 = b22;
      ax = bx;
      ay = by;
      az = bz;
    }
    const T = this.#post,
      t = this.tip;
    for (let c = 0; c < 3; c++) {
      const t0 = T[3 * c],
        t1 = T[3 * c + 1],
        t2 = T[3 * c + 2];
      t[3 * c] = a00 * t0 + a01 * t1 + a02 * t2;
      t[3 * c + 1] = a10 * t0 + a11 * t1 + a12 * t2;
      t[3 * c + 2] = a20 * t0 + a21 * t1 + a22 * t2;
    }
    t[9] = a00 * T[9] + a01 * T[10] + a02 * T[11] + ax;
    t[10] = a10 * T[9] + a11 * T[10] + a12 * T[11] + ay;
    t[11] = a20 * T[9] + a21 * T[10] + a22 * T[11] + az;
  }

  /**
   * Geometric Jacobian (world frame, about the tool origin) for the frames of the last `update`.
   * Row-major 6×n: rows vx, vy, vz (m per unit joint), wx, wy, wz (rad per unit joint);
   * element (r, c) at r*n + c.
   */
  jacobianFromLastUpdate(out: Float64Array): Float64Array {
    const F = this.frames,
      n = this.dof,
      rev = this.revolute;
    const tx = this.tip[9],
      ty = this.tip[10],
      tz = this.tip[11];
    for (let i = 0; i < n; i++) {
      const o = 12 * i;
      const zx = F[o + 6],
        zy = F[o + 7],
        zz = F[o + 8];
      if (rev[i]) {
        const dx = tx - F[o + 9],
          dy = ty - F[o + 10],
          dz = tz - F[o + 11];
        out[i] = zy * dz - zz * dy;
        out[n + i] = zz * dx - zx * dz;
        out[2 * n + i] = zx * dy - zy * dx;
        out[3 * n + i] = zx;
        out[4 * n + i] = zy;
        out[5 * n + i] = zz;
      } else {
        out[i] = zx;
        out[n + i] = zy;
        out[2 * n + i] = zz;
        out[3 * n + i] = 0;
        out[4 * n + i] = 0;
        out[5 * n + i] = 0;
      }
    }
    return out;
  }

  /** Geometric Jacobian at `q` (see `jacobianFromLastUpdate` for the layout). */
  jacobian(q: ArrayLike<number>, out: Float64Array = new Float64Array(6 * this.dof)): Float64Array {
    this.update(q);
    return this.jacobianFromLastUpdate(out);
  }

  /** Tool pose at `q` as a column-major Mat4 in the base frame. */
  tipPose(q: ArrayLike<number>, out: Mat4 = new Float64Array(16)): Mat4 {
    this.update(q);
    const t = this.tip;
    out[0] = t[0];
    out[1] = t[1];
    out[2] = t[2];
    out[3] = 0;
    out[4] = t[3];
    out[5] = t[4];
    out[6] = t[5];
    out[7] = 0;
    out[8] = t[6];
    out[9] = t[7];
    out[10] = t[8];
    out[11] = 0;
    out[12] = t[9];
    out[13] = t[10];
    out[14] = t[11];
    out[15] = 1;
    return out;
  }

  /** Tool pose at `q` as position + quaternion [x, y, z, w]. */
  pose(q: ArrayLike<number>): Pose {
    return toPose(this.tipPose(q));
  }

  /** Is q within the joint limits (plus `margin`)? */
  withinLimits(q: ArrayLike<number>, margin = 0): boolean {
    for (let i = 0; i < this.dof; i++) if (!(q[i] >= this.lower[i] - margin && q[i] <= this.upper[i] + margin)) return false;
    return true;
  }
}
