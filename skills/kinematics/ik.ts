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
 * This file holds the solver (restarts, nearest solution, reach); the parts are beside it:
 * ik-task.ts (the goal and its weighted task error), ik-lm.ts (one LM attempt), ik-types.ts
 * (the API shapes).
 *
 * Frames and units: goals are tool poses in the robot base (= world) frame, meters; quaternions
 * [x, y, z, w]; joint values in radians (meters for prismatic joints).
 */
import { mulberry32 } from '../../model/math/random.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import { KinematicChain } from './chain.js';
import { LmAttempt } from './ik-lm.js';
import { IkTask, MODE_POSITION } from './ik-task.js';
import type { IkGoal, IkResult, IkSolveOptions, IkSolverOptions } from './ik-types.js';

export type { IkGoal, IkResult, IkSolveOptions, IkSolverOptions } from './ik-types.js';

const makeRng = mulberry32;

const TWO_PI = 2 * Math.PI;

export class IkSolver {
  readonly model: RobotModel;
  readonly chain: KinematicChain;
  readonly #n: number;
  readonly #defaults: Required<Omit<IkSolveOptions, 'seed'>>;
  /** sampling range for restarts: the limits, narrowed to one turn for multi-turn joints */
  readonly #sampleLo: Float64Array;
  readonly #sampleHi: Float64Array;
  readonly #qBest: Float64Array;
  /** the goal and its error (scratch, reloaded by every solve) */
  readonly #task: IkTask;
  /** LM scratch: the current configuration, its errors, the iteration count */
  readonly #lm: LmAttempt;
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
    this.#task = new IkTask(options.orientationWeight ?? 0.2);
    this.#lm = new LmAttempt(this.chain, this.#task, options.convergedPosition ?? 1e-5, options.convergedOrientation ?? 1e-4);
    this.#sampleLo = new Float64Array(n);
    this.#sampleHi = new Float64Array(n);
    this.#qBest = new Float64Array(n);
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
    const task = this.#task,
      lm = this.#lm;
    const maxRestarts = Math.max(0, Math.floor(opts.maxRestarts ?? o.maxRestarts));
    const maxIter = Math.max(1, Math.floor(opts.maxIterations ?? o.maxIterations));
    const tolP = opts.positionTolerance ?? o.positionTolerance;
    const tolR = opts.orientationTolerance ?? o.orientationTolerance;
    const seed = opts.seed ?? this.model.home;
    if (seed.length !== n) throw new Error(`[ik] seed has ${seed.length} values but ${this.model.name} has ${n} arm joints`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(seed[i])) throw new Error(`[ik] seed value ${i} (${this.chain.jointNames[i]}) is ${seed[i]}`);
    lm.iterations = 0;

    const bad = task.set(goal);
    if (bad) return this.#fail(seed, bad, false);

    // Certainly out of reach? (cheap bound; the message quotes the estimated real reach)
    const dx = task.gp[0] - ch.shoulder[0],
      dy = task.gp[1] - ch.shoulder[1],
      dz = task.gp[2] - ch.shoulder[2];
    const dist = Math.hypot(dx, dy, dz);
    if (dist > ch.reachUpperBound) {
      return this.#fail(seed, `target ${dist.toFixed(2)} m from the shoulder is out of reach (max reach ≈ ${this.maxReach.toFixed(2)} m)`);
    }

    const rng = makeRng(opts.randomSeed ?? o.randomSeed);
    const q = lm.q;
    for (let i = 0; i < n; i++) q[i] = Math.min(Math.max(seed[i], ch.lower[i]), ch.upper[i]);
    let bestE = Infinity,
      bestP = Infinity,
      bestR = Infinity;
    let restarts = 0;
    for (let attempt = 0; attempt <= maxRestarts; attempt++) {
      if (attempt > 0) {
        restarts++;
        const cur = lm.q;
        for (let i = 0; i < n; i++) cur[i] = this.#sampleLo[i] + (this.#sampleHi[i] - this.#sampleLo[i]) * rng();
      }
      const converged = lm.attempt(maxIter);
      const cur = lm.q;
      const E = task.weighted(lm.pErr, lm.rErr);
      if (E < bestE) {
        bestE = E;
        bestP = lm.pErr;
        bestR = lm.rErr;
        this.#qBest.set(cur);
      }
      if (converged) break;
    }
    const ok = bestP < tolP && bestR < tolR;
    const out = this.#unwrapToward(this.#qBest, seed);
    const result: IkResult = { ok, q: out, positionError: bestP, orientationError: bestR, iterations: lm.iterations, restarts };
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
    const task = this.#task,
      lm = this.#lm;
    const saved = { mode: task.mode, m: task.m, gp: task.gp.slice(), iterations: lm.iterations };
    // Stretch: position-only LM toward a point far beyond reach along each candidate's direction
    // ends at the locally farthest reachable point.
    for (const t of top) {
      ch.update(t.q);
      const ux = ch.tip[9] - s[0],
        uy = ch.tip[10] - s[1],
        uz = ch.tip[11] - s[2];
      const k = (2 * ch.reachUpperBound) / Math.hypot(ux, uy, uz);
      task.mode = MODE_POSITION;
      task.m = 3;
      task.gp[0] = s[0] + ux * k;
      task.gp[1] = s[1] + uy * k;
      task.gp[2] = s[2] + uz * k;
      lm.q.set(t.q);
      lm.attempt(200);
      ch.update(lm.q);
      best = Math.max(best, Math.hypot(ch.tip[9] - s[0], ch.tip[10] - s[1], ch.tip[11] - s[2]));
    }
    task.mode = saved.mode;
    task.m = saved.m;
    task.gp.set(saved.gp);
    lm.iterations = saved.iterations;
    this.#maxReach = best;
    return best;
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
      this.#lm.evaluate(q);
      positionError = this.#task.pErr;
      orientationError = this.#task.rErr;
    }
    return { ok: false, q, positionError, orientationError, iterations: this.#lm.iterations, restarts: 0, reason };
  }

  #explain(dist: number, p: number, r: number, tolP: number, tolR: number, restarts: number): string {
    const off = `best attempt is ${(p * 1000).toFixed(1)} mm${this.#task.mode === MODE_POSITION ? '' : ` and ${r.toFixed(3)} rad`} off after ${restarts} restarts`;
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
