/**
 * Sampling a dense joint trajectory between its points: cubic Hermite on position and velocity
 * per segment (C¹, exact at the points), which also gives the acceleration feedforward.
 * Points without velocities get finite-difference ones (zero at both ends).
 *
 * Units: rad, rad/s, rad/s² (m for prismatic joints), seconds from the start.
 */

export interface SamplePoint {
  /** s from the start */
  t: number;
  q: ArrayLike<number>;
  qd?: ArrayLike<number>;
}

export class TrajectorySampler {
  readonly dof: number;
  readonly duration: number;
  readonly #t: Float64Array;
  readonly #q: Float64Array[];
  readonly #qd: Float64Array[];
  #seg = 0;

  /** `points` must have strictly increasing times (validate first). */
  constructor(points: SamplePoint[]) {
    if (points.length === 0) throw new Error('[trajectory] no points');
    this.dof = points[0].q.length;
    this.#t = Float64Array.from(points.map((p) => p.t));
    this.#q = points.map((p) => Float64Array.from(p.q));
    const n = points.length;
    this.#qd = points.map((p, k) => {
      if (p.qd) return Float64Array.from(p.qd);
      const v = new Float64Array(this.dof);
      if (k === 0 || k === n - 1) return v;
      const a = points[k - 1],
        b = points[k + 1];
      for (let i = 0; i < this.dof; i++) v[i] = (b.q[i] - a.q[i]) / (b.t - a.t);
      return v;
    });
    this.duration = this.#t[n - 1];
  }

  /**
   * Desired state at time t (clamped to [t0, duration]); writes into the given arrays.
   * Sampling forwards in time is O(1) per call.
   */
  sample(t: number, q: Float64Array | number[], qd: Float64Array | number[], qdd: Float64Array | number[]): void {
    const T = this.#t,
      n = T.length,
      dof = this.dof;
    if (n === 1) {
      for (let i = 0; i < dof; i++) {
        q[i] = this.#q[0][i];
        qd[i] = 0;
        qdd[i] = 0;
      }
      return;
    }
    if (t <= T[0]) {
      for (let i = 0; i < dof; i++) {
        q[i] = this.#q[0][i];
        qd[i] = this.#qd[0][i];
        qdd[i] = 0;
      }
      return;
    }
    if (t >= T[n - 1]) {
      const k = n - 1;
      for (let i = 0; i < dof; i++) {
        q[i] = this.#q[k][i];
        qd[i] = 0;
        qdd[i] = 0;
      }
      return;
    }
    let s = this.#seg;
    if (T[s] > t) s = 0;
    while (s < n - 2 && T[s + 1] <= t) s++;
    this.#seg = s;
    const h = T[s + 1] - T[s];
    const u = (t - T[s]) / h;
    const u2 = u * u,
      u3 = u2 * u;
    // Hermite basis and its derivatives (d/dt = (1/h) d/du)
    const h00 = 2 * u3 - 3 * u2 + 1,
      h10 = u3 - 2 * u2 + u,
      h01 = -2 * u3 + 3 * u2,
      h11 = u3 - u2;
    const d00 = (6 * u2 - 6 * u) / h,
      d10 = 3 * u2 - 4 * u + 1,
      d01 = (-6 * u2 + 6 * u) / h,
      d11 = 3 * u2 - 2 * u;
    const a00 = (12 * u - 6) / (h * h),
      a10 = (6 * u - 4) / h,
      a01 = (-12 * u + 6) / (h * h),
      a11 = (6 * u - 2) / h;
    const q0 = this.#q[s],
      q1 = this.#q[s + 1],
      v0 = this.#qd[s],
      v1 = this.#qd[s + 1];
    for (let i = 0; i < dof; i++) {
      q[i] = h00 * q0[i] + h10 * h * v0[i] + h01 * q1[i] + h11 * h * v1[i];
      qd[i] = d00 * q0[i] + d10 * v0[i] + d01 * q1[i] + d11 * v1[i];
      qdd[i] = a00 * q0[i] + a10 * v0[i] + a01 * q1[i] + a11 * v1[i];
    }
  }
}
