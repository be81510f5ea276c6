/**
 * Time-parameterization of joint-space waypoints into a dense JointTrajectory that starts and
 * ends at rest and never exceeds scale × the URDF velocity and acceleration limits.
 *
 * Geometry: the waypoint polyline with small quadratic corner blends (see path.ts); two
 * waypoints give a straight, synchronized joint move. Time law: time-optimal along the path
 * under per-joint limits, computed like TOPP-RA (reachability analysis on a grid over s, with
 * x = ṡ² and u = s̈ piecewise constant per grid interval). Each grid interval lies in one path
 * piece, where q'(s) is affine and q'' constant, so q̈ = q'u + q''x is affine in s on the interval
 * and enforcing the limit at both ends enforces it everywhere; |q̇| is bounded the same way.
 * The sampled output is then checked (given and finite-difference values) and, should rounding
 * ever push it over, uniformly slowed down, so the contract holds by construction.
 *
 * Units: radians, rad/s, rad/s² (meters for prismatic joints); seconds.
 */
import type { JointTrajectory, JointTrajectoryPoint } from '../../robot-bridge/types.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import { buildPath, evalPiece, type JointPath } from './path.js';
import { formatNumber, LIMITS } from '../../model/bounds.js';

export interface TimeParameterizeOptions {
  /** fraction of each joint's URDF velocity limit to use, (0, 1]; default 0.5 */
  velocityScale?: number;
  /** fraction of each joint's acceleration limit to use, (0, 1]; default 0.5 */
  accelerationScale?: number;
  /** maximum output sample spacing in seconds (samples are evenly spaced); default 0.02 */
  dt?: number;
  /** joint names for the output; default the model's arm joints */
  jointNames?: string[];
  /**
   * Max joint-space distance (rad) the path may cut a corner of the waypoint polyline;
   * default 0.005. Corners turning more than ~154° are not blended: the arm stops there.
   */
  pathTolerance?: number;
}

export class TrajectoryError extends Error {
  constructor(message: string) {
    super(`[trajectory] ${message}`);
    this.name = 'TrajectoryError';
  }
}

/** Grid intervals for the whole path (each piece gets at least 2). */
const GRID_TARGET = 200;
/** Plan against slightly reduced limits so rounding never crosses the real ones. */
const INTERNAL_MARGIN = 0.999;
/** Waypoints closer than this (joint-space norm) are merged. */
const DUPLICATE_EPS = 1e-9;

export function timeParameterize(waypoints: number[][], model: RobotModel, opts: TimeParameterizeOptions = {}): JointTrajectory {
  const velocityScale = opts.velocityScale ?? 0.5;
  const accelerationScale = opts.accelerationScale ?? 0.5;
  const dt = opts.dt ?? 0.02;
  const tolerance = opts.pathTolerance ?? 0.005;
  const jointNames = opts.jointNames ? [...opts.jointNames] : [...model.jointNames];
  const n = model.dof;
  if (!(velocityScale > 0 && velocityScale <= 1)) throw new TrajectoryError(`velocityScale must be in (0, 1], got ${velocityScale}`);
  if (!(accelerationScale > 0 && accelerationScale <= 1))
    throw new TrajectoryError(`accelerationScale must be in (0, 1], got ${accelerationScale}`);
  if (!(dt > 0 && Number.isFinite(dt))) throw new TrajectoryError(`dt must be a positive number of seconds, got ${dt}`);
  if (!(tolerance > 0)) throw new TrajectoryError(`pathTolerance must be positive, got ${tolerance}`);
  if (jointNames.length !== n) throw new TrajectoryError(`${jointNames.length} joint names given but ${model.name} has ${n} arm joints`);
  if (waypoints.length === 0) throw new TrajectoryError('no waypoints');
  if (waypoints.length > LIMITS.trajectoryPoints)
    throw new TrajectoryError(`${waypoints.length} waypoints is too many for one motion; at most ${LIMITS.trajectoryPoints}`);
  waypoints.forEach((w, k) => {
    if (w.length !== n) throw new TrajectoryError(`waypoint ${k} has ${w.length} values but ${model.name} has ${n} arm joints`);
    model.arm.forEach((j, i) => {
      if (!Number.isFinite(w[i])) throw new TrajectoryError(`waypoint ${k}: ${j.name} is ${w[i]}`);
      // Tiny slack: IK clamps onto limits and rounding may land a hair outside.
      if (w[i] < j.lower - 1e-9 || w[i] > j.upper + 1e-9) {
        throw new TrajectoryError(
          `waypoint ${k}: ${j.name} = ${w[i].toFixed(4)} rad is outside its limits [${j.lower.toFixed(4)}, ${j.upper.toFixed(4)}]`,
        );
      }
    });
  });

  // Merge duplicates; keep the first and the last waypoint exact.
  const pts: number[][] = [waypoints[0]];
  for (let k = 1; k < waypoints.length; k++) {
    if (dist(waypoints[k], pts[pts.length - 1]) > DUPLICATE_EPS) pts.push(waypoints[k]);
    else if (k === waypoints.length - 1 && pts.length > 1) pts[pts.length - 1] = waypoints[k];
  }
  if (pts.length === 1) {
    // Zero-length move: one point, at rest, duration 0.
    return { jointNames, points: [restPoint(waypoints[waypoints.length - 1], 0)] };
  }

  const vmax = model.arm.map((j) => j.velocity * velocityScale);
  const amax = model.arm.map((j) => j.acceleration * accelerationScale);
  const path = buildPath(pts, tolerance);
  const profile = solveProfile(
    path,
    vmax.map((v) => v * INTERNAL_MARGIN),
    amax.map((a) => a * INTERNAL_MARGIN),
  );

  let stretch = 1;
  let points = sample(path, profile, stretch, dt, n);
  for (let attempt = 0; attempt < 6; attempt++) {
    const r = limitRatios(points, vmax, amax);
    const k = Math.max(r.velocity, Math.sqrt(r.acceleration));
    if (k <= 1) break;
    stretch *= k * (1 + 1e-6);
    points = sample(path, profile, stretch, dt, n);
  }
  // Exact endpoints, exactly at rest; the accelerations stay the true ones (the profile starts
  // accelerating and ends braking), which is what a quintic-interpolating controller wants.
  const first = points[0],
    last = points[points.length - 1];
  points[0] = { ...restPoint(waypoints[0], 0), accelerations: first.accelerations };
  points[points.length - 1] = { ...restPoint(waypoints[waypoints.length - 1], last.timeFromStart), accelerations: last.accelerations };
  return { jointNames, points };
}

interface Profile {
  /** grid over s, squared path speed x = ṡ² at each grid point, s̈ per interval, time at each grid point */
  s: number[];
  x: number[];
  u: number[];
  t: number[];
  piece: number[];
}

/** TOPP-RA-style time-optimal profile along the path. */
function solveProfile(path: JointPath, vmax: number[], amax: number[]): Profile {
  const n = vmax.length;
  const h = path.length / GRID_TARGET;
  const s: number[] = [];
  const piece: number[] = [];
  path.pieces.forEach((p, pi) => {
    const m = Math.max(2, Math.ceil((p.s1 - p.s0) / h));
    for (let k = 0; k < m; k++) {
      s.push(p.s0 + ((p.s1 - p.s0) * k) / m);
      piece.push(pi);
    }
  });
  s.push(path.length);
  const N = s.length - 1; // intervals

  // Per-interval constraints a·x + b·u ≤ c on (x_i, u_i), from the acceleration limits at both ends.
  const q = new Array<number>(n),
    d0 = new Array<number>(n),
    d1 = new Array<number>(n),
    dd = new Array<number>(n),
    tmp = new Array<number>(n);
  const cons: { a: Float64Array; b: Float64Array; c: Float64Array }[] = [];
  const V = new Array<number>(N + 1).fill(Infinity);
  for (let i = 0; i < N; i++) {
    const p = path.pieces[piece[i]];
    const delta = s[i + 1] - s[i];
    evalPiece(p, s[i], q, d0, dd);
    evalPiece(p, s[i + 1], q, d1, tmp);
    const a = new Float64Array(4 * n),
      b = new Float64Array(4 * n),
      c = new Float64Array(4 * n);
    for (let j = 0; j < n; j++) {
      const bs = d0[j],
        be = d1[j] + 2 * delta * dd[j];
      a[4 * j] = dd[j];
      b[4 * j] = bs;
      c[4 * j] = amax[j];
      a[4 * j + 1] = -dd[j];
      b[4 * j + 1] = -bs;
      c[4 * j + 1] = amax[j];
      a[4 * j + 2] = dd[j];
      b[4 * j + 2] = be;
      c[4 * j + 2] = amax[j];
      a[4 * j + 3] = -dd[j];
      b[4 * j + 3] = -be;
      c[4 * j + 3] = amax[j];
      // |q̇_j| = |q'_j| ṡ with |q'_j| affine on the interval: bound by its larger end.
      const m = Math.max(Math.abs(d0[j]), Math.abs(d1[j]));
      if (m > 0) {
        const bound = (vmax[j] / m) ** 2;
        if (bound < V[i]) V[i] = bound;
        if (bound < V[i + 1]) V[i + 1] = bound;
      }
    }
    cons.push({ a, b, c });
  }
  V[0] = 0;
  V[N] = 0;
  for (const st of path.stops) V[nearestIndex(s, st)] = 0;

  // Backward pass: K[i] = largest x_i from which the end is still reachable at rest.
  const K = new Array<number>(N + 1).fill(0);
  K[N] = 0;
  for (let i = N - 1; i >= 0; i--) {
    const delta = s[i + 1] - s[i];
    K[i] = Math.max(0, maxFeasibleX(cons[i], delta, K[i + 1], V[i]));
  }

  // Forward pass: greedy largest s̈ that stays controllable.
  const x = new Array<number>(N + 1).fill(0);
  const u = new Array<number>(N).fill(0);
  const t = new Array<number>(N + 1).fill(0);
  for (let i = 0; i < N; i++) {
    const delta = s[i + 1] - s[i];
    const { a, b, c } = cons[i];
    let hi = (K[i + 1] - x[i]) / (2 * delta);
    for (let k = 0; k < a.length; k++) if (b[k] > 1e-12) hi = Math.min(hi, (c[k] - a[k] * x[i]) / b[k]);
    u[i] = hi;
    x[i + 1] = Math.min(K[i + 1], Math.max(0, x[i] + 2 * delta * hi));
    if (i === N - 1) x[i + 1] = 0;
    u[i] = (x[i + 1] - x[i]) / (2 * delta);
    const den = Math.sqrt(x[i]) + Math.sqrt(x[i + 1]);
    if (!(den > 0)) throw new TrajectoryError(`internal: the speed profile stalls at s=${s[i].toFixed(4)} (please report)`);
    t[i + 1] = t[i] + (2 * delta) / den;
  }
  return { s, x, u, t, piece };
}

/** Largest x ≥ 0 with some u satisfying the interval's constraints, x + 2Δu ∈ [0, kNext], x ≤ vBound. */
function maxFeasibleX(con: { a: Float64Array; b: Float64Array; c: Float64Array }, delta: number, kNext: number, vBound: number): number {
  // Fourier–Motzkin elimination of u: every (lower, upper) pair gives α·x ≤ β with β ≥ 0.
  const A = [...con.a, 1, -1],
    B = [...con.b, 2 * delta, -2 * delta],
    C = [...con.c, kNext, 0];
  let xmax = vBound;
  const lo: number[] = [],
    up: number[] = [];
  for (let k = 0; k < A.length; k++) {
    if (B[k] > 1e-12) up.push(k);
    else if (B[k] < -1e-12) lo.push(k);
    else if (A[k] > 0) xmax = Math.min(xmax, C[k] / A[k]);
  }
  for (const l of lo) {
    const Bl = -B[l];
    for (const m of up) {
      const coef = B[m] * A[l] + Bl * A[m];
      if (coef > 0) xmax = Math.min(xmax, (Bl * C[m] + B[m] * C[l]) / coef);
    }
  }
  return xmax;
}

/** Evenly spaced samples (spacing ≤ dt) of the profile, slowed down uniformly by `stretch`. */
function sample(path: JointPath, pr: Profile, stretch: number, dt: number, n: number): JointTrajectoryPoint[] {
  const T = pr.t[pr.t.length - 1] * stretch;
  // The sample count comes from the path's length: cap it before allocating (a huge joint value must not fill memory).
  if (!(T <= LIMITS.motionDuration))
    throw new TrajectoryError(`the motion would take ${formatNumber(T)} s; one motion may take at most ${LIMITS.motionDuration} s`);
  const count = Math.max(1, Math.ceil(T / dt - 1e-9));
  if (count > LIMITS.trajectoryPoints)
    throw new TrajectoryError(`the motion would need ${count} samples of ${dt} s; at most ${LIMITS.trajectoryPoints}: use a larger dt`);
  const out: JointTrajectoryPoint[] = [];
  const q = new Array<number>(n),
    dq = new Array<number>(n),
    ddq = new Array<number>(n);
  let i = 0;
  for (let k = 0; k <= count; k++) {
    const time = k === count ? T : (T * k) / count;
    const tp = time / stretch; // profile time
    while (i < pr.u.length - 1 && pr.t[i + 1] <= tp) i++;
    const tau = Math.min(Math.max(tp - pr.t[i], 0), pr.t[i + 1] - pr.t[i]);
    const sd0 = Math.sqrt(pr.x[i]);
    const s = Math.min(pr.s[i] + sd0 * tau + 0.5 * pr.u[i] * tau * tau, pr.s[i + 1]);
    const sd = Math.max(0, sd0 + pr.u[i] * tau) / stretch;
    const sdd = pr.u[i] / (stretch * stretch);
    evalPiece(path.pieces[pr.piece[i]], s, q, dq, ddq);
    out.push({
      positions: [...q],
      velocities: dq.map((v) => v * sd),
      accelerations: dq.map((v, j) => v * sdd + ddq[j] * sd * sd),
      timeFromStart: time,
    });
  }
  return out;
}

/**
 * Worst ratio to the limits over given values and finite differences (FD velocity per
 * interval; FD acceleration between consecutive intervals, with rest before and after).
 */
function limitRatios(points: JointTrajectoryPoint[], vmax: number[], amax: number[]): { velocity: number; acceleration: number } {
  let rv = 0,
    ra = 0;
  const n = vmax.length;
  for (const p of points) {
    for (let j = 0; j < n; j++) {
      rv = Math.max(rv, Math.abs(p.velocities![j]) / vmax[j]);
      ra = Math.max(ra, Math.abs(p.accelerations![j]) / amax[j]);
    }
  }
  for (let j = 0; j < n; j++) {
    let vPrev = 0,
      hPrev = 0;
    for (let k = 0; k + 1 < points.length; k++) {
      const h = points[k + 1].timeFromStart - points[k].timeFromStart;
      const v = (points[k + 1].positions[j] - points[k].positions[j]) / h;
      rv = Math.max(rv, Math.abs(v) / vmax[j]);
      ra = Math.max(ra, Math.abs(v - vPrev) / ((h + hPrev) / 2) / amax[j]);
      vPrev = v;
      hPrev = h;
    }
    if (points.length > 1) ra = Math.max(ra, Math.abs(vPrev) / (hPrev / 2) / amax[j]);
  }
  return { velocity: rv, acceleration: ra };
}

function restPoint(q: number[], time: number): JointTrajectoryPoint {
  return { positions: [...q], velocities: q.map(() => 0), accelerations: q.map(() => 0), timeFromStart: time };
}

function dist(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

function nearestIndex(sorted: number[], v: number): number {
  let lo = 0,
    hi = sorted.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid;
    else hi = mid;
  }
  return Math.abs(sorted[lo] - v) <= Math.abs(sorted[hi] - v) ? lo : hi;
}
