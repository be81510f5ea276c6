/**
 * The joint-space motion planner: straight line first, else RRT-Connect, then shortcutting and
 * smoothing, every returned segment checked at the given resolution.
 *
 *   const planner = new JointSpacePlanner({ lower, upper, isStateValid, resolution: 0.00568 });
 *   const r = planner.plan(start, goal);            // r.ok ? r.path : r.message
 *
 * A planner owns its scratch buffers and trees, so reuse one for many queries with the same
 * limits and validity function; it is not re-entrant.
 */
import { mulberry32 } from '../../model/math/random.js';
import { distanceAt, MotionChecker } from './motion.js';
import { RrtConnect } from './rrt-connect.js';
import { pathLength, simplifyPath } from './simplify.js';
import type { PlanBudget, PlanFailureReason, PlannerOptions, PlanResult, PlanStats, SimplifyOptions } from './types.js';

export const PLANNER_DEFAULTS = {
  timeMs: 250,
  maxSamples: 20_000,
  /**
   * range = this × the diagonal of the joint box (0.39 rad for a Panda). OMPL's default is 0.2; a
   * short range wastes fewer checks on long extensions that end in an obstacle (on the OMPL anchor's
   * 250 problems: about half the checks of 0.2 at the 95th percentile).
   */
  rangeFraction: 0.03,
  shortcutAttempts: 16,
  shortcutPatience: 10,
  smoothRounds: 2,
  coarse: 4,
} as const;

/** Input caps: beyond these a request is a mistake, not a plan */
const MAX_DOF = 64;
const MAX_SAMPLES_CAP = 10_000_000;
const MAX_TIME_MS = 600_000;
const MAX_SIMPLIFY_ATTEMPTS = 100_000;
const MAX_SMOOTH_ROUNDS = 8;
const MAX_COARSE = 64;
/** tries to find a valid configuration within goalTolerance of an invalid goal */
const GOAL_REGION_TRIES = 200;
/** rad: a start or goal this far outside a limit still counts as inside (IK round-off) */
const LIMIT_SLACK = 1e-9;

interface Resolved {
  timeMs: number;
  maxSamples: number;
  seed: number;
}

export class JointSpacePlanner {
  readonly dim: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly range: number;
  readonly goalTolerance: number;
  readonly #check: MotionChecker;
  readonly #rrt: RrtConnect;
  readonly #defaults: Resolved;
  readonly #simplify: Required<Omit<SimplifyOptions, 'timeMs'>> & { timeMs?: number; enabled: boolean };
  readonly #now: () => number;

  constructor(options: PlannerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('planning: options must be an object');
    const lower = finiteVector(options.lower, 'lower limits'),
      upper = finiteVector(options.upper, 'upper limits');
    if (lower.length === 0 || lower.length > MAX_DOF) throw new RangeError(`planning: 1..${MAX_DOF} joints expected, got ${lower.length}`);
    if (upper.length !== lower.length) throw new RangeError(`planning: ${lower.length} lower limits but ${upper.length} upper limits`);
    for (let i = 0; i < lower.length; i++) {
      if (!(lower[i] < upper[i])) throw new RangeError(`planning: joint ${i}: lower limit ${lower[i]} is not below upper ${upper[i]}`);
    }
    if (typeof options.isStateValid !== 'function') throw new TypeError('planning: isStateValid must be a function');
    if (options.isMotionValid !== undefined && typeof options.isMotionValid !== 'function') {
      throw new TypeError('planning: isMotionValid must be a function');
    }
    if (!options.isMotionValid) positive(options.resolution, 'resolution (rad), required without isMotionValid');
    this.dim = lower.length;
    this.lower = lower;
    this.upper = upper;
    let diag = 0;
    for (let i = 0; i < lower.length; i++) diag += (upper[i] - lower[i]) ** 2;
    this.range = options.range === undefined ? PLANNER_DEFAULTS.rangeFraction * Math.sqrt(diag) : positive(options.range, 'range (rad)');
    this.goalTolerance = options.goalTolerance === undefined ? 0 : nonNegative(options.goalTolerance, 'goalTolerance (rad)');
    this.#defaults = resolveRun(options.budget, options.seed, {
      timeMs: PLANNER_DEFAULTS.timeMs,
      maxSamples: PLANNER_DEFAULTS.maxSamples,
      seed: 1,
    });
    const s = options.simplify;
    const so: SimplifyOptions = typeof s === 'object' && s !== null ? s : {};
    this.#simplify = {
      enabled: s !== false,
      shortcutAttempts: count(so.shortcutAttempts, PLANNER_DEFAULTS.shortcutAttempts, MAX_SIMPLIFY_ATTEMPTS, 'simplify.shortcutAttempts'),
      shortcutPatience: count(so.shortcutPatience, PLANNER_DEFAULTS.shortcutPatience, MAX_SIMPLIFY_ATTEMPTS, 'simplify.shortcutPatience'),
      smoothRounds: count(so.smoothRounds, PLANNER_DEFAULTS.smoothRounds, MAX_SMOOTH_ROUNDS, 'simplify.smoothRounds'),
      coarse: so.coarse === undefined ? PLANNER_DEFAULTS.coarse : Math.min(positive(so.coarse, 'simplify.coarse'), MAX_COARSE),
      timeMs: so.timeMs === undefined ? undefined : Math.min(positive(so.timeMs, 'simplify.timeMs'), MAX_TIME_MS),
    };
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('planning: now must be a function');
    this.#now = options.now ?? (() => performance.now());
    this.#check = new MotionChecker(this.dim, options.isStateValid, options.resolution, options.isMotionValid);
    this.#rrt = new RrtConnect(lower, upper, this.#check);
  }

  /** Plan from start to goal (rad). `run` overrides the budget and seed for this query. */
  plan(start: ArrayLike<number>, goal: ArrayLike<number>, run: { budget?: PlanBudget; seed?: number } = {}): PlanResult {
    const t0 = this.#now();
    const { timeMs, maxSamples, seed } = resolveRun(run.budget, run.seed, this.#defaults);
    const s = finiteVector(start, 'start'),
      g0 = finiteVector(goal, 'goal');
    if (s.length !== this.dim || g0.length !== this.dim) {
      throw new RangeError(`planning: start and goal need ${this.dim} joint values, got ${s.length} and ${g0.length}`);
    }
    const check = this.#check;
    check.stateChecks = 0;
    check.motionChecks = 0;
    const stats: PlanStats = {
      iterations: 0,
      treeNodes: [0, 0],
      stateChecks: 0,
      simplifyStateChecks: 0,
      motionChecks: 0,
      directPath: false,
      simplifyRedone: false,
      planMs: 0,
      simplifyMs: 0,
      totalMs: 0,
      rawLength: 0,
      length: 0,
      rawWaypoints: 0,
      waypoints: 0,
    };
    const fail = (reason: PlanFailureReason, message: string): PlanResult => {
      stats.stateChecks = check.stateChecks;
      stats.motionChecks = check.motionChecks;
      stats.planMs = stats.totalMs = this.#now() - t0;
      return { ok: false, reason, message, stats };
    };

    const outS = this.#outsideLimits(s),
      outG = this.#outsideLimits(g0);
    if (outS >= 0) return fail('start-out-of-limits', `the start is outside joint ${outS}'s limits`);
    if (outG >= 0) return fail('goal-out-of-limits', `the goal is outside joint ${outG}'s limits`);
    if (!check.stateAt(s, 0)) return fail('start-invalid', 'the start configuration is in collision');
    let g = g0;
    if (!check.stateAt(g0, 0)) {
      const near = this.goalTolerance > 0 ? this.#validNear(g0, mulberry32(seed ^ 0x5bd1e995)) : undefined;
      if (!near) return fail('goal-invalid', 'the goal configuration is in collision');
      g = near;
    }
    const goalOffset = distanceAt(g, 0, g0, 0, this.dim);

    let raw: Float64Array[];
    if (check.motionAt(s, 0, g, 0)) {
      raw = [s, g];
      stats.directPath = true;
    } else {
      const out = this.#rrt.search(s, g, mulberry32(seed), { maxSamples, deadline: t0 + timeMs, now: this.#now, range: this.range });
      stats.iterations = out.iterations;
      stats.treeNodes = this.#rrt.treeSizes;
      if (!out.found) {
        return fail('budget-exhausted', `no collision-free path found within ${fmt(timeMs)} ms / ${fmt(maxSamples)} samples`);
      }
      raw = out.path;
      // the trees hold copies: pin the exact start and goal arrays at the ends
      raw[0] = s;
      raw[raw.length - 1] = g;
    }
    const t1 = this.#now();
    stats.planMs = t1 - t0;
    stats.rawLength = pathLength(raw);
    stats.rawWaypoints = raw.length;
    const checksBefore = check.stateChecks;
    let path = raw;
    if (this.#simplify.enabled && raw.length > 2) {
      const o = this.#simplify;
      const r = simplifyPath(raw, check, {
        shortcutAttempts: o.shortcutAttempts,
        shortcutPatience: o.shortcutPatience,
        smoothRounds: o.smoothRounds,
        deadline: t1 + (o.timeMs ?? timeMs / 2),
        now: this.#now,
        random: mulberry32(seed ^ 0x2545f491),
        coarse: o.coarse,
      });
      path = r.path;
      stats.simplifyRedone = r.redone;
    }
    const t2 = this.#now();
    stats.simplifyMs = t2 - t1;
    stats.totalMs = t2 - t0;
    stats.simplifyStateChecks = check.stateChecks - checksBefore;
    stats.stateChecks = check.stateChecks;
    stats.motionChecks = check.motionChecks;
    stats.length = pathLength(path);
    stats.waypoints = path.length;
    return { ok: true, path: path.map((q) => q.slice()), goalOffset, stats };
  }

  /** Index of the first joint outside its limits, or −1. */
  #outsideLimits(q: Float64Array): number {
    for (let i = 0; i < this.dim; i++) if (q[i] < this.lower[i] - LIMIT_SLACK || q[i] > this.upper[i] + LIMIT_SLACK) return i;
    return -1;
  }

  /** A valid configuration within goalTolerance of q (uniform in the ball, clamped to limits), if one is found. */
  #validNear(q: Float64Array, random: () => number): Float64Array | undefined {
    const dim = this.dim,
      c = new Float64Array(dim);
    for (let t = 0; t < GOAL_REGION_TRIES; t++) {
      // direction: normalized Gaussian (Box–Muller); radius ∝ u^(1/dim) for a uniform ball
      let n2 = 0;
      for (let i = 0; i < dim; i++) {
        c[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        n2 += c[i] * c[i];
      }
      const r = (this.goalTolerance * Math.pow(random(), 1 / dim)) / Math.sqrt(n2 || 1);
      for (let i = 0; i < dim; i++) c[i] = Math.min(this.upper[i], Math.max(this.lower[i], q[i] + c[i] * r));
      if (this.#check.stateAt(c, 0)) return c.slice();
    }
    return undefined;
  }
}

/** One-shot form of `new JointSpacePlanner(options).plan(start, goal)`. */
export function planPath(start: ArrayLike<number>, goal: ArrayLike<number>, options: PlannerOptions): PlanResult {
  return new JointSpacePlanner(options).plan(start, goal);
}

function resolveRun(budget: PlanBudget | undefined, seed: number | undefined, base: Resolved): Resolved {
  if (budget !== undefined && (typeof budget !== 'object' || budget === null)) throw new TypeError('planning: budget must be an object');
  const timeMs = budget?.timeMs === undefined ? base.timeMs : Math.min(positive(budget.timeMs, 'budget.timeMs'), MAX_TIME_MS);
  const maxSamples = count(budget?.maxSamples, base.maxSamples, MAX_SAMPLES_CAP, 'budget.maxSamples');
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new RangeError(`planning: seed must be an integer, got ${seed}`);
  return { timeMs, maxSamples, seed: seed === undefined ? base.seed : seed >>> 0 };
}

function finiteVector(v: ArrayLike<number>, what: string): Float64Array {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number')
    throw new TypeError(`planning: ${what} must be an array of numbers`);
  if (v.length > MAX_DOF) throw new RangeError(`planning: ${what} has ${v.length} values (at most ${MAX_DOF})`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new RangeError(`planning: ${what}[${i}] must be a finite number, got ${String(x)}`);
    out[i] = x;
  }
  return out;
}

function positive(v: number | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new RangeError(`planning: ${what} must be a finite number > 0, got ${String(v)}`);
  return v;
}

function nonNegative(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new RangeError(`planning: ${what} must be a finite number ≥ 0, got ${String(v)}`);
  return v;
}

function count(v: number | undefined, fallback: number, max: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 0 || v > max)
    throw new RangeError(`planning: ${what} must be an integer in 0..${max}, got ${String(v)}`);
  return v;
}

/** 20000 → "20,000" */
function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
