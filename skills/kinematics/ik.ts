/**
 * Numerical inverse kinematics for any serial arm described by a RobotModel.
 *
 * Method: Levenberg–Marquardt on the weighted task error, in its 6×6 form
 *   Δq = Jᵀ (J Jᵀ + λI)⁻¹ e
 * (hand-written Cholesky, no allocation in the loop), with accept/reject adaptive damping λ,
 * joint limits enforced by clamping every step, and restarts from seeded random in-limit
 * configurations when an attempt stalls (local minimum, stuck against a limit). The first attempt
 * always starts from the seed, so the answer is near the seed whenever the seed's basin reaches
 * the goal. Deterministic: the restart RNG is re-seeded on every call.
 *
 * Frames and units: goals are tool poses in the robot base (= world) frame, meters; quaternions
 * [x, y, z, w]; joint values in radians (meters for prismatic joints).
 */
import { mulberry32 } from '../../model/math/random.js';
import type { Quat, Vec3 } from '../../model/math/transform.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import { KinematicChain } from './chain.js';

export interface IkGoal {
  /** tool position in the base frame, meters */
  position: Vec3;
  /** tool orientation [x, y, z, w]; omit (and omit approachAxis) for a position-only goal */
  quaternion?: Quat;
  /**
   * Instead of a full orientation: the direction the tool z axis must point along (unit vector,
   * base frame), rotation about it left free — e.g. [0, 0, -1] for a top-down grasp.
   * Ignored when `quaternion` is given.
   */
  approachAxis?: Vec3;
}

export interface IkSolveOptions {
  /** start configuration of the first attempt (default: the model's home pose); clamped into limits */
  seed?: ArrayLike<number>;
  /** random restarts after the seeded attempt (default 100) */
  maxRestarts?: number;
  /** LM iterations (trial steps, one FK each) per attempt (default 60) */
  maxIterations?: number;
  /** success threshold on the position error, meters (default 1e-3) */
  positionTolerance?: number;
  /** success threshold on the orientation error, radians (default 0.01) */
  orientationTolerance?: number;
  /** seed of the restart RNG (default 1); same inputs + same seed ⇒ same answer */
  randomSeed?: number;
}

export interface IkSolverOptions extends Omit<IkSolveOptions, 'seed'> {
  /**
   * Weight of orientation against position in the least-squares error, meters per radian
   * (default 0.2: 1 rad of tool rotation counts like 20 cm). Only shapes the path LM takes.
   */
  orientationWeight?: number;
  /** an attempt stops as converged below these errors (defaults 1e-5 m, 1e-4 rad) */
  convergedPosition?: number;
  convergedOrientation?: number;
}

export interface IkResult {
  /** position error < positionTolerance and orientation error < orientationTolerance */
  ok: boolean;
  /** the best configuration found, always within the joint limits */
  q: number[];
  /** |tool position − goal|, meters */
  positionError: number;
  /** angle between tool and goal orientation (or tool z and approachAxis), radians; 0 for position-only goals */
  orientationError: number;
  /** LM trial steps used in total */
  iterations: number;
  /** random restarts used */
  restarts: number;
  /** plain-English reason when ok is false */
  reason?: string;
}

const MODE_POSITION = 0,
  MODE_POSE = 1,
  MODE_AXIS = 2;

const makeRng = mulberry32;

const TWO_PI = 2 * Math.PI;

export class IkSolver {
  readonly model: RobotModel;
  readonly chain: KinematicChain;
  readonly #n: number;
  readonly #defaults: Required<Omit<IkSolveOptions, 'seed'>>;
  readonly #w: number;
  readonly #convP: number;
  readonly #convR: number;
  /** sampling range for restarts: the limits, narrowed to one turn for multi-turn joints */
  readonly #sampleLo: Float64Array;
  readonly #sampleHi: Float64Array;

  // scratch (allocation-free inner loop)
  #q: Float64Array;
  #qTry: Float64Array;
  readonly #qBest: Float64Array;
  readonly #dq: Float64Array;
  #e = new Float64Array(6);
  #eTry = new Float64Array(6);
  readonly #J: Float64Array;
  readonly #Jt: Float64Array;
  readonly #A = new Float64Array(36);
  readonly #L = new Float64Array(36);
  readonly #y = new Float64Array(6);
  // goal
  #mode = MODE_POSE;
  #m = 6;
  readonly #gp = new Float64Array(3);
  readonly #gR = new Float64Array(9);
  readonly #ga = new Float64Array(3);
  // errors of the last #error call
  #pErr = 0;
  #rErr = 0;
  #pErrTry = 0;
  #rErrTry = 0;
  #iterations = 0;
  #maxReach?: number;

  constructor(model: RobotModel, options: IkSolverOptions = {}) {
    this.model = model;
    this.chain = new KinematicChain(model);
    const n = (this.#n = this.chain.dof);
    this.#defaults = {
      maxRestarts: options.maxRestarts ?? 100,
      maxIterations: options.maxIterations ?? 60,
      positionTolerance: options.positionTolerance ?? 1e-3,
      orientationTolerance: options.orientationTolerance ?? 0.01,
      randomSeed: options.randomSeed ?? 1,
    };
    this.#w = options.orientationWeight ?? 0.2;
    this.#convP = options.convergedPosition ?? 1e-5;
    this.#convR = options.convergedOrientation ?? 1e-4;
    this.#q = new Float64Array(n);
    this.#qTry = new Float64Array(n);
    this.#qBest = new Float64Array(n);
    this.#dq = new Float64Array(n);
    this.#J = new Float64Array(6 * n);
    this.#Jt = new Float64Array(6 * n);
    this.#sampleLo = new Float64Array(n);
    this.#sampleHi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let lo = this.chain.lower[i],
        hi = this.chain.upper[i];
      if (this.chain.revolute[i] && hi - lo > TWO_PI) {
        // one full turn covers every orientation of this joint; centre it on 0 where the limits allow
        const c = Math.min(Math.max(0, lo + Math.PI), hi - Math.PI);
        lo = c - Math.PI;
        hi = c + Math.PI;
      }
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
        lo = -1;
        hi = 1;
      } // unbounded prismatic: a nominal metre of travel
      this.#sampleLo[i] = lo;
      this.#sampleHi[i] = hi;
    }
  }

  get dof(): number {
    return this.#n;
  }

  /** Solve for the tool pose `goal`. Never throws for unreachable or malformed goals: see `reason`. */
  solve(goal: IkGoal, opts: IkSolveOptions = {}): IkResult {
    const n = this.#n,
      ch = this.chain;
    const o = this.#defaults;
    const maxRestarts = Math.max(0, Math.floor(opts.maxRestarts ?? o.maxRestarts));
    const maxIter = Math.max(1, Math.floor(opts.maxIterations ?? o.maxIterations));
    const tolP = opts.positionTolerance ?? o.positionTolerance;
    const tolR = opts.orientationTolerance ?? o.orientationTolerance;
    const seed = opts.seed ?? this.model.home;
    if (seed.length !== n) throw new Error(`[ik] seed has ${seed.length} values but ${this.model.name} has ${n} arm joints`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(seed[i])) throw new Error(`[ik] seed value ${i} (${this.chain.jointNames[i]}) is ${seed[i]}`);
    this.#iterations = 0;

    const bad = this.#setGoal(goal);
    if (bad) return this.#fail(seed, bad, false);

    // Certainly out of reach? (cheap bound; the message quotes the estimated real reach)
    const dx = this.#gp[0] - ch.shoulder[0],
      dy = this.#gp[1] - ch.shoulder[1],
      dz = this.#gp[2] - ch.shoulder[2];
    const dist = Math.hypot(dx, dy, dz);
    if (dist > ch.reachUpperBound) {
      return this.#fail(seed, `target ${dist.toFixed(2)} m from the shoulder is out of reach (max reach ≈ ${this.maxReach.toFixed(2)} m)`);
    }

    const rng = makeRng(opts.randomSeed ?? o.randomSeed);
    const q = this.#q;
    for (let i = 0; i < n; i++) q[i] = Math.min(Math.max(seed[i], ch.lower[i]), ch.upper[i]);
    let bestE = Infinity,
      bestP = Infinity,
      bestR = Infinity;
    let restarts = 0;
    for (let attempt = 0; attempt <= maxRestarts; attempt++) {
      if (attempt > 0) {
        restarts++;
        const cur = this.#q;
        for (let i = 0; i < n; i++) cur[i] = this.#sampleLo[i] + (this.#sampleHi[i] - this.#sampleLo[i]) * rng();
      }
      const converged = this.#attempt(maxIter);
      const cur = this.#q;
      const E = this.#weighted(this.#pErr, this.#rErr);
      if (E < bestE) {
        bestE = E;
        bestP = this.#pErr;
        bestR = this.#rErr;
        this.#qBest.set(cur);
      }
      if (converged) break;
    }
    const ok = bestP < tolP && bestR < tolR;
    const out = this.#unwrapToward(this.#qBest, seed);
    const result: IkResult = { ok, q: out, positionError: bestP, orientationError: bestR, iterations: this.#iterations, restarts };
    if (!ok) result.reason = this.#explain(dist, bestP, bestR, tolP, tolR, restarts);
    return result;
  }

  /**
   * Like `solve`, but collects up to `candidates` distinct solutions (the seeded one first, then
   * from random restarts) and returns the one closest to the seed in joint space (max-norm).
   * Use when a far-away branch would be a surprising motion.
   */
  solveNearest(goal: IkGoal, opts: IkSolveOptions & { candidates?: number } = {}): IkResult {
    const seed = opts.seed ?? this.model.home;
    const first = this.solve(goal, { ...opts, maxRestarts: 0 });
    let best = first.ok ? first : undefined;
    let bestD = best ? jointDistance(best.q, seed) : Infinity;
    let iterations = first.iterations,
      restarts = 0;
    const want = Math.max(1, opts.candidates ?? 8);
    const rng = makeRng((opts.randomSeed ?? this.#defaults.randomSeed) ^ 0x9e3779b9);
    const maxRestarts = opts.maxRestarts ?? this.#defaults.maxRestarts;
    let found = best ? 1 : 0;
    let last = first;
    for (let k = 0; k < maxRestarts && found < want; k++) {
      const start = Array.from({ length: this.#n }, (_, i) => this.#sampleLo[i] + (this.#sampleHi[i] - this.#sampleLo[i]) * rng());
      const r = this.solve(goal, { ...opts, seed: start, maxRestarts: 0 });
      iterations += r.iterations;
      restarts++;
      last = r;
      if (!r.ok) continue;
      found++;
      const q = this.#unwrapToward(Float64Array.from(r.q), seed);
      const d = jointDistance(q, seed);
      if (d < bestD) {
        bestD = d;
        best = { ...r, q };
      }
    }
    if (!best) return { ...this.solve(goal, opts), iterations: iterations + last.iterations, restarts };
    return { ...best, iterations, restarts };
  }

  /**
   * Estimated maximum distance from the shoulder (first joint origin) to the tool, meters.
   * Computed once on first use (random sampling refined by stretching toward far points).
   */
  get maxReach(): number {
    if (this.#maxReach !== undefined) return this.#maxReach;
    const n = this.#n,
      ch = this.chain,
      s = ch.shoulder;
    const rng = makeRng(12345);
    const top: { d: number; q: Float64Array }[] = [];
    const q = new Float64Array(n);
    for (let k = 0; k < 2000; k++) {
      for (let i = 0; i < n; i++) q[i] = this.#sampleLo[i] + (this.#sampleHi[i] - this.#sampleLo[i]) * rng();
      ch.update(q);
      const d = Math.hypot(ch.tip[9] - s[0], ch.tip[10] - s[1], ch.tip[11] - s[2]);
      if (top.length < 4 || d > top[top.length - 1].d) {
        top.push({ d, q: q.slice() });
        top.sort((a, b) => b.d - a.d);
        if (top.length > 4) top.pop();
      }
    }
    let best = top[0].d;
    // this may run in the middle of a solve: keep its goal
    const saved = { mode: this.#mode, m: this.#m, gp: this.#gp.slice(), iterations: this.#iterations };
    // Stretch: position-only LM toward a point far beyond reach along each candidate's direction
    // ends at the locally farthest reachable point.
    for (const t of top) {
      ch.update(t.q);
      const ux = ch.tip[9] - s[0],
        uy = ch.tip[10] - s[1],
        uz = ch.tip[11] - s[2];
      const k = (2 * ch.reachUpperBound) / Math.hypot(ux, uy, uz);
      this.#mode = MODE_POSITION;
      this.#m = 3;
      this.#gp[0] = s[0] + ux * k;
      this.#gp[1] = s[1] + uy * k;
      this.#gp[2] = s[2] + uz * k;
      this.#q.set(t.q);
      this.#attempt(200);
      ch.update(this.#q);
      best = Math.max(best, Math.hypot(ch.tip[9] - s[0], ch.tip[10] - s[1], ch.tip[11] - s[2]));
    }
    this.#mode = saved.mode;
    this.#m = saved.m;
    this.#gp.set(saved.gp);
    this.#iterations = saved.iterations;
    this.#maxReach = best;
    return best;
  }

  // ---------------------------------------------------------------------------------------------

  /** Load the goal into scratch; returns a reason string if the goal is malformed. */
  #setGoal(goal: IkGoal): string | undefined {
    const p = goal?.position;
    if (!p || p.length !== 3 || !p.every(Number.isFinite))
      return `goal position must be three finite numbers (meters), got ${JSON.stringify(p)}`;
    this.#gp[0] = p[0];
    this.#gp[1] = p[1];
    this.#gp[2] = p[2];
    if (goal.quaternion) {
      const [x, y, z, w] = goal.quaternion;
      const nq = Math.hypot(x, y, z, w);
      if (!(nq > 1e-9) || !Number.isFinite(nq))
        return `goal quaternion must be a non-zero [x, y, z, w], got ${JSON.stringify(goal.quaternion)}`;
      const qx = x / nq,
        qy = y / nq,
        qz = z / nq,
        qw = w / nq;
      const R = this.#gR; // column-major 3×3
      R[0] = 1 - 2 * (qy * qy + qz * qz);
      R[3] = 2 * (qx * qy - qw * qz);
      R[6] = 2 * (qx * qz + qw * qy);
      R[1] = 2 * (qx * qy + qw * qz);
      R[4] = 1 - 2 * (qx * qx + qz * qz);
      R[7] = 2 * (qy * qz - qw * qx);
      R[2] = 2 * (qx * qz - qw * qy);
      R[5] = 2 * (qy * qz + qw * qx);
      R[8] = 1 - 2 * (qx * qx + qy * qy);
      this.#mode = MODE_POSE;
      this.#m = 6;
    } else if (goal.approachAxis) {
      const a = goal.approachAxis;
      const na = Math.hypot(a[0], a[1], a[2]);
      if (!(na > 1e-9) || !Number.isFinite(na)) return `goal approachAxis must be a non-zero direction, got ${JSON.stringify(a)}`;
      this.#ga[0] = a[0] / na;
      this.#ga[1] = a[1] / na;
      this.#ga[2] = a[2] / na;
      this.#mode = MODE_AXIS;
      this.#m = 5;
    } else {
      this.#mode = MODE_POSITION;
      this.#m = 3;
    }
    return undefined;
  }

  #weighted(p: number, r: number): number {
    return p * p + this.#w * this.#w * r * r;
  }

  /**
   * Task error of the chain's current tip into e (weighted; first m entries) and the unweighted
   * position/orientation errors into #pErrTry/#rErrTry. Returns the weighted squared norm.
   */
  #error(e: Float64Array): number {
    const t = this.chain.tip,
      w = this.#w;
    const ex = this.#gp[0] - t[9],
      ey = this.#gp[1] - t[10],
      ez = this.#gp[2] - t[11];
    e[0] = ex;
    e[1] = ey;
    e[2] = ez;
    const pe2 = ex * ex + ey * ey + ez * ez;
    this.#pErrTry = Math.sqrt(pe2);
    if (this.#mode === MODE_POSITION) {
      this.#rErrTry = 0;
      return pe2;
    }
    if (this.#mode === MODE_POSE) {
      const g = this.#gR;
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
        [wx, wy, wz] = this.#axisNearPi(vx, vy, vz, c, th);
      }
      e[3] = w * wx;
      e[4] = w * wy;
      e[5] = w * wz;
      this.#rErrTry = th;
      return pe2 + w * w * th * th;
    }
    // MODE_AXIS: rotate tool z onto the goal axis; keep the two components normal to tool z
    const zx = t[6],
      zy = t[7],
      zz = t[8],
      a = this.#ga;
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
    this.#rErrTry = th;
    return pe2 + w * w * th * th;
  }

  /** Rotation vector of R_goal·Rᵀ when the angle is ≈ π (sinθ too small to give the axis). */
  #axisNearPi(vx: number, vy: number, vz: number, c: number, th: number): [number, number, number] {
    const t = this.chain.tip,
      g = this.#gR;
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

  /**
   * One LM attempt from #q. Leaves the best configuration of the attempt in #q and its errors in
   * #pErr/#rErr. Returns true when converged to the internal tolerance.
   */
  #attempt(maxIter: number): boolean {
    const n = this.#n,
      m = this.#m,
      ch = this.chain,
      lo = ch.lower,
      hi = ch.upper;
    const J = this.#J,
      Jt = this.#Jt,
      A = this.#A,
      L = this.#L,
      y = this.#y,
      dq = this.#dq,
      w = this.#w;
    const convP = this.#convP,
      convR = this.#convR;
    ch.update(this.#q);
    let E = this.#error(this.#e);
    this.#pErr = this.#pErrTry;
    this.#rErr = this.#rErrTry;
    let lambda = 1e-3;
    let it = 0;
    let windowE = E,
      windowIt = 0;
    const maxStep = 0.6; // rad per step: keeps LM inside the region where the linear model holds
    while (it < maxIter) {
      if (this.#pErr < convP && this.#rErr < convR) return true;
      // Task Jacobian (m×n, weighted like the error)
      ch.jacobianFromLastUpdate(J);
      for (let k = 0; k < 3 * n; k++) Jt[k] = J[k];
      if (m === 6) {
        for (let k = 3 * n; k < 6 * n; k++) Jt[k] = w * J[k];
      } else if (m === 5) {
        const t = ch.tip;
        for (let c = 0; c < n; c++) {
          const jx = J[3 * n + c],
            jy = J[4 * n + c],
            jz = J[5 * n + c];
          Jt[3 * n + c] = w * (t[0] * jx + t[1] * jy + t[2] * jz);
          Jt[4 * n + c] = w * (t[3] * jx + t[4] * jy + t[5] * jz);
        }
      }
      // Joints pinned at a limit whose descent direction points further out are dropped from this
      // step (active set), so the others compensate instead of the clamp silently eating the step.
      {
        const q = this.#q,
          e = this.#e;
        for (let c = 0; c < n; c++) {
          const atLo = q[c] <= lo[c],
            atHi = q[c] >= hi[c];
          if (!atLo && !atHi) continue;
          let g = 0;
          for (let r = 0; r < m; r++) g += Jt[r * n + c] * e[r];
          if ((atLo && g < 0) || (atHi && g > 0)) for (let r = 0; r < m; r++) Jt[r * n + c] = 0;
        }
      }
      // A = Jt Jtᵀ (m×m, symmetric)
      for (let r = 0; r < m; r++) {
        for (let s = 0; s <= r; s++) {
          let acc = 0;
          for (let c = 0; c < n; c++) acc += Jt[r * n + c] * Jt[s * n + c];
          A[r * 6 + s] = acc;
        }
      }
      let accepted = false;
      while (it < maxIter) {
        it++;
        this.#iterations++;
        // Cholesky of A + λI (lower triangle, in L), then solve L Lᵀ y = e
        const e = this.#e;
        for (let r = 0; r < m; r++) {
          for (let s = 0; s <= r; s++) {
            let acc = A[r * 6 + s] + (r === s ? lambda : 0);
            for (let k = 0; k < s; k++) acc -= L[r * 6 + k] * L[s * 6 + k];
            L[r * 6 + s] = r === s ? Math.sqrt(acc) : acc / L[s * 6 + s];
          }
        }
        for (let r = 0; r < m; r++) {
          let acc = e[r];
          for (let k = 0; k < r; k++) acc -= L[r * 6 + k] * y[k];
          y[r] = acc / L[r * 6 + r];
        }
        for (let r = m - 1; r >= 0; r--) {
          let acc = y[r];
          for (let k = r + 1; k < m; k++) acc -= L[k * 6 + r] * y[k];
          y[r] = acc / L[r * 6 + r];
        }
        // Δq = Jtᵀ y, capped
        let big = 0;
        for (let c = 0; c < n; c++) {
          let acc = 0;
          for (let r = 0; r < m; r++) acc += Jt[r * n + c] * y[r];
          dq[c] = acc;
          const a = Math.abs(acc);
          if (a > big) big = a;
        }
        const scale = big > maxStep ? maxStep / big : 1;
        const q = this.#q,
          qt = this.#qTry;
        for (let c = 0; c < n; c++) {
          const v = q[c] + scale * dq[c];
          qt[c] = v < lo[c] ? lo[c] : v > hi[c] ? hi[c] : v;
        }
        ch.update(qt);
        const Et = this.#error(this.#eTry);
        if (Et < E) {
          // accept: swap buffers, relax damping
          this.#qTry = q;
          this.#q = qt;
          const te = this.#e;
          this.#e = this.#eTry;
          this.#eTry = te;
          E = Et;
          this.#pErr = this.#pErrTry;
          this.#rErr = this.#rErrTry;
          lambda = Math.max(lambda * 0.3, 1e-7);
          accepted = true;
          break;
        }
        lambda *= 5;
        if (lambda > 1e3) break; // no descent direction left: local minimum or pinned at a limit
      }
      if (!accepted) {
        ch.update(this.#q); // leave the chain at the attempt's best
        return this.#pErr < convP && this.#rErr < convR;
      }
      // slow progress ⇒ likely creeping along a limit or into a local minimum: give up early
      if (it - windowIt >= 12) {
        if (E > 0.5 * windowE) break;
        windowE = E;
        windowIt = it;
      }
    }
    if (this.#pErr < convP && this.#rErr < convR) return true;
    return false;
  }

  /**
   * Copy q out as number[], shifting multi-turn revolute joints by whole turns toward the seed
   * when the limits allow (same pose, smaller motion).
   */
  #unwrapToward(q: Float64Array, seed: ArrayLike<number>): number[] {
    const out = Array.from(q);
    const ch = this.chain;
    for (let i = 0; i < out.length; i++) {
      if (!ch.revolute[i] || ch.upper[i] - ch.lower[i] <= Math.PI) continue;
      let v = out[i];
      const turns = Math.round((seed[i] - v) / TWO_PI);
      if (turns !== 0) {
        const shifted = v + turns * TWO_PI;
        if (shifted >= ch.lower[i] && shifted <= ch.upper[i]) v = shifted;
      }
      out[i] = v;
    }
    return out;
  }

  /** Failure without searching: q is the (clamped) seed, errors are the seed's (Infinity for a malformed goal). */
  #fail(seed: ArrayLike<number>, reason: string, goalValid = true): IkResult {
    const q = Array.from(seed, (v, i) =>
      Math.min(Math.max(Number.isFinite(v) ? v : this.model.home[i], this.chain.lower[i]), this.chain.upper[i]),
    );
    let positionError = Infinity,
      orientationError = Infinity;
    if (goalValid) {
      this.chain.update(q);
      this.#error(this.#eTry);
      positionError = this.#pErrTry;
      orientationError = this.#rErrTry;
    }
    return { ok: false, q, positionError, orientationError, iterations: this.#iterations, restarts: 0, reason };
  }

  #explain(dist: number, p: number, r: number, tolP: number, tolR: number, restarts: number): string {
    const off = `best attempt is ${(p * 1000).toFixed(1)} mm${this.#mode === MODE_POSITION ? '' : ` and ${r.toFixed(3)} rad`} off after ${restarts} restarts`;
    const reach = this.maxReach;
    if (dist > reach * 0.98) {
      return `target ${dist.toFixed(2)} m from the shoulder is at or beyond the edge of the arm's reach (max reach ≈ ${reach.toFixed(2)} m); ${off}`;
    }
    if (p < tolP && r >= tolR) {
      return `the position is reachable but not with that orientation within the joint limits; ${off}`;
    }
    return `no configuration within the joint limits reaches the target; ${off}`;
  }
}

/** Max-norm joint distance (radians / meters). */
export function jointDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
