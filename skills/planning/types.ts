/**
 * Types of the joint-space motion planner (RRT-Connect + shortcutting + smoothing).
 *
 * Units: joint values in radians (meters for a prismatic joint); distances between
 * configurations are Euclidean (L2) in joint space, in the same units; times in milliseconds.
 */

/**
 * True when the configuration is collision-free. `q` is a scratch buffer the planner reuses on the
 * next call: read it, never keep it.
 */
export type StateValidity = (q: Float64Array) => boolean;

/**
 * True when the straight joint-space motion a → b is collision-free (both ends are already known
 * valid). Like `StateValidity`, the arguments may be scratch buffers.
 */
export type MotionValidity = (a: Float64Array, b: Float64Array) => boolean;

export interface PlanBudget {
  /** wall-clock cap on the search, ms (default 250) */
  timeMs?: number;
  /** cap on RRT-Connect iterations, one random sample each (default 20,000) */
  maxSamples?: number;
}

export interface SimplifyOptions {
  /** random shortcut attempts at most (default 16); each failed one stops at its first invalid point */
  shortcutAttempts?: number;
  /** stop shortcutting after this many failures in a row (default 10) */
  shortcutPatience?: number;
  /** corner-cutting rounds at most (default 2) */
  smoothRounds?: number;
  /**
   * Candidate motions are screened with checks this many resolution steps apart (default 4); the
   * final segments are always re-checked at full resolution, and if one fails, simplification runs
   * again checking everything in full. 1 = check every candidate in full.
   */
  coarse?: number;
  /**
   * Cap on the simplification's own time, ms (default: half the search budget). When it is hit the
   * best verified path so far is returned; the result is then no longer seed-reproducible.
   */
  timeMs?: number;
}

export interface PlannerOptions {
  /** joint limits, rad; equal lengths (the dimension), lower < upper, finite */
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  isStateValid: StateValidity;
  /**
   * Largest joint-space step (L2, rad) between two checked configurations along a motion. Every
   * segment of a returned path was checked at this resolution. Required unless `isMotionValid` is
   * given. For a Panda, 0.00568 rad keeps every point of the arm within 1 cm between checks.
   */
  resolution?: number;
  /** a motion check of your own (then `resolution` is unused by the planner) */
  isMotionValid?: MotionValidity;
  budget?: PlanBudget;
  /**
   * When the goal itself is invalid, accept a valid configuration within this L2 distance of it
   * (rad, default 0: the goal must be valid). The path then ends there and `goalOffset` says how far.
   */
  goalTolerance?: number;
  /** longest tree extension, rad (default 0.03 × the diagonal of the joint box; OMPL uses 0.2) */
  range?: number;
  /** PRNG seed (default 1): the same seed and inputs give the same path unless `budget.timeMs` cuts in */
  seed?: number;
  /** false: return the raw RRT-Connect path (still direct-path first) */
  simplify?: boolean | SimplifyOptions;
  /** clock, ms (default performance.now); injectable for tests */
  now?: () => number;
}

export interface PlanStats {
  /** RRT-Connect iterations (random samples drawn) */
  iterations: number;
  /** nodes in the start and goal trees */
  treeNodes: [number, number];
  /** calls of isStateValid, in total and during simplification (incl. the final re-check) */
  stateChecks: number;
  simplifyStateChecks: number;
  /** motion checks (segments) requested */
  motionChecks: number;
  /** the straight start → goal motion was valid: no search */
  directPath: boolean;
  /** the coarse simplification failed its full re-check and was redone in full */
  simplifyRedone: boolean;
  /** time in the search (incl. the direct-path try), in simplification + re-check, and both, ms */
  planMs: number;
  simplifyMs: number;
  totalMs: number;
  /** L2 path length, rad, before and after simplification */
  rawLength: number;
  length: number;
  rawWaypoints: number;
  waypoints: number;
}

export type PlanFailureReason =
  'start-out-of-limits' | 'goal-out-of-limits' | 'start-invalid' | 'goal-invalid' | 'budget-exhausted' | 'verify-failed';

export type PlanResult =
  | {
      ok: true;
      /** waypoints, start first and goal (or the accepted goal, see goalOffset) last; fresh arrays */
      path: Float64Array[];
      /** L2 distance, rad, between the requested goal and the path's end (0 unless goalTolerance was used) */
      goalOffset: number;
      stats: PlanStats;
    }
  | {
      ok: false;
      reason: PlanFailureReason;
      /** one sentence for a person: "no collision-free path found within 250 ms / 20,000 samples" */
      message: string;
      stats: PlanStats;
    };
