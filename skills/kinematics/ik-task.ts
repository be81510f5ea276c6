/**
 * The task of one IK solve: the goal loaded into scratch (position, and a full orientation or
 * an approach axis) and the task error of a tool pose against it, weighted for Levenberg–
 * Marquardt. Allocation-free.
 *
 * Frames and units: base (= world) frame, meters, radians. Tool frames come in the
 * KinematicChain `tip` layout (rotation column-major in [0..8], position in [9..11]).
 */
import type { IkGoal } from './ik-types.js';

export const MODE_POSITION = 0,
  MODE_POSE = 1,
  MODE_AXIS = 2;

export class IkTask {
  /** weight of orientation against position in the least-squares error, m/rad */
  readonly w: number;
  /** MODE_POSITION, MODE_POSE or MODE_AXIS */
  mode = MODE_POSE;
  /** rows of the task error: 3 (position), 6 (pose) or 5 (approach axis) */
  m = 6;
  /** goal position, m */
  readonly gp = new Float64Array(3);
  /** goal rotation, column-major 3×3 */
  readonly gR = new Float64Array(9);
  /** goal approach axis (unit) */
  readonly ga = new Float64Array(3);
  /** unweighted position (m) and orientation (rad) errors of the last error() call */
  pErr = 0;
  rErr = 0;

  constructor(orientationWeight: number) {
    this.w = orientationWeight;
  }

  /** Load the goal into scratch; returns a reason string if the goal is malformed. */
  set(goal: IkGoal): string | undefined {
    const p = goal?.position;
    if (!p || p.length !== 3 || !p.every(Number.isFinite))
      return `goal position must be three finite numbers (meters), got ${JSON.stringify(p)}`;
    this.gp[0] = p[0];
    this.gp[1] = p[1];
    this.gp[2] = p[2];
    if (goal.quaternion) {
      const [x, y, z, w] = goal.quaternion;
      const nq = Math.hypot(x, y, z, w);
      if (!(nq > 1e-9) || !Number.isFinite(nq))
        return `goal quaternion must be a non-zero [x, y, z, w], got ${JSON.stringify(goal.quaternion)}`;
      const qx = x / nq,
        qy = y / nq,
        qz = z / nq,
        qw = w / nq;
      const R = this.gR; // column-major 3×3
      R[0] = 1 - 2 * (qy * qy + qz * qz);
      R[3] = 2 * (qx * qy - qw * qz);
      R[6] = 2 * (qx * qz + qw * qy);
      R[1] = 2 * (qx * qy + qw * qz);
      R[4] = 1 - 2 * (qx * qx + qz * qz);
      R[7] = 2 * (qy * qz - qw * qx);
      R[2] = 2 * (qx * qz - qw * qy);
      R[5] = 2 * (qy * qz + qw * qx);
      R[8] = 1 - 2 * (qx * qx + qy * qy);
      this.mode = MODE_POSE;
      this.m = 6;
    } else if (goal.approachAxis) {
      const a = goal.approachAxis;
      const na = Math.hypot(a[0], a[1], a[2]);
      if (!(na > 1e-9) || !Number.isFinite(na)) return `goal approachAxis must be a non-zero direction, got ${JSON.stringify(a)}`;
      this.ga[0] = a[0] / na;
      this.ga[1] = a[1] / na;
      this.ga[2] = a[2] / na;
      this.mode = MODE_AXIS;
      this.m = 5;
    } else {
      this.mode = MODE_POSITION;
      this.m = 3;
    }
    return undefined;
  }

  /** Weighted squared error from unweighted position (m) and orientation (rad) errors. */
  weighted(p: number, r: number): number {
    return p * p + this.w * this.w * r * r;
  }

  /**
   * Task error of the tool frame `t` into e (weighted; first m entries) and the unweighted
   * position/orientation errors into pErr/rErr. Returns the weighted squared norm.
   */
  error(t: Float64Array, e: Float64Array): number {
    const w = this.w;
    const ex = this.gp[0] - t[9],
      ey = this.gp[1] - t[10],
      ez = this.gp[2] - t[11];
    e[0] = ex;
    e[1] = ey;
    e[2] = ez;
    const pe2 = ex * ex + ey * ey + ez * ez;
    this.pErr = Math.sqrt(pe2);
    if (this.mode === MODE_POSITION) {
      this.rErr = 0;
      return pe2;
    }
    if (this.mode === MODE_POSE) {
      const g = this.gR;
      // v = ½ Σ_k r_k × g_k = sinθ·axis of R_goal·Rᵀ (world frame); tr(R_goal·Rᵀ) = Σ_k r_k·g_k
      let vx = 0,
        vy = 0,
        vz = 0,
        tr = 0;
      for (let k = 0; k < 3; k++) {
        const rx = t[3 * k],
          ry = t[3 * k + 1],
          rz = t[3 * k + 2];
        const gx = g[3 * k],
          gy = g[3 * k + 1],
          gz = g[3 * k + 2];
        vx += ry * gz - rz * gy;
        vy += rz * gx - rx * gz;
        vz += rx * gy - ry * gx;
        tr += rx * gx + ry * gy + rz * gz;
      }
      vx *= 0.5;
      vy *= 0.5;
      vz *= 0.5;
      const s = Math.sqrt(vx * vx + vy * vy + vz * vz),
        c = (tr - 1) * 0.5;
      const th = Math.atan2(s, c);
      let wx: number, wy: number, wz: number;
      if (s > 1e-7 || c > 0) {
        const k = s > 1e-12 ? th / s : 1;
        wx = vx * k;
        wy = vy * k;
        wz = vz * k;
      } else {
        [wx, wy, wz] = this.#axisNearPi(t, vx, vy, vz, c, th);
      }
      e[3] = w * wx;
      e[4] = w * wy;
      e[5] = w * wz;
      this.rErr = th;
      return pe2 + w * w * th * th;
    }
    // MODE_AXIS: rotate tool z onto the goal axis; keep the two components normal to tool z
    const zx = t[6],
      zy = t[7],
      zz = t[8],
      a = this.ga;
    let vx = zy * a[2] - zz * a[1],
      vy = zz * a[0] - zx * a[2],
      vz = zx * a[1] - zy * a[0];
    const s = Math.sqrt(vx * vx + vy * vy + vz * vz),
      c = zx * a[0] + zy * a[1] + zz * a[2];
    const th = Math.atan2(s, c);
    if (s > 1e-12) {
      const k = th / s;
      vx *= k;
      vy *= k;
      vz *= k;
    } else if (c < 0) {
      vx = th * t[0];
      vy = th * t[1];
      vz = th * t[2];
    }
    e[3] = w * (vx * t[0] + vy * t[1] + vz * t[2]);
    e[4] = w * (vx * t[3] + vy * t[4] + vz * t[5]);
    this.rErr = th;
    return pe2 + w * w * th * th;
  }

  /** Rotation vector of R_goal·Rᵀ when the angle is ≈ π (sinθ too small to give the axis). */
  #axisNearPi(t: Float64Array, vx: number, vy: number, vz: number, c: number, th: number): [number, number, number] {
    const g = this.gR;
    // symmetric part B = (R_err + R_errᵀ)/2 = cI + (1−c)aaᵀ, with R_err[r][c'] = Σ_k g_k[r] r_k[c']
    const Rerr = (r: number, cc: number) => g[r] * t[cc] + g[3 + r] * t[3 + cc] + g[6 + r] * t[6 + cc];
    const B = (r: number, cc: number) => 0.5 * (Rerr(r, cc) + Rerr(cc, r));
    let i = 0;
    if (B(1, 1) > B(i, i)) i = 1;
    if (B(2, 2) > B(i, i)) i = 2;
    const k = 1 - c;
    const ai = Math.sqrt(Math.max(0, (B(i, i) - c) / k));
    const a = [0, 0, 0];
    for (let j = 0; j < 3; j++) a[j] = j === i ? ai : B(i, j) / (k * ai);
    const sgn = a[0] * vx + a[1] * vy + a[2] * vz < 0 ? -1 : 1;
    return [sgn * th * a[0], sgn * th * a[1], sgn * th * a[2]];
  }
}
