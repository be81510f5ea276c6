/**
 * Path simplification that never lengthens a path and never lets an unchecked segment out:
 *
 * 1. reduce vertices: from each vertex, jump to the farthest later vertex it sees directly;
 * 2. random shortcuts between two points anywhere on the path (not only vertices);
 * 3. smoothing by corner cutting (Chaikin's scheme, whose limit is the quadratic B-spline of the
 *    path): a corner v between u and w becomes the two points a quarter of the way toward u and
 *    toward w, kept only when the new edge is valid;
 * 4. re-check in full every segment that is new (see below).
 *
 * Every returned segment passes the MotionChecker as a whole, at full resolution, on its own grid of
 * checks (so any re-check at that resolution agrees). `checked[i]` (segment i joins waypoints i and
 * i + 1) says whether segment i already did. A change makes new segments: the chord, and the pieces
 * of the segments it cuts into (a piece's checks differ from its parent's).
 *
 * Pass 1 screens chords at a coarse resolution (`coarse` × the step) and leaves pieces unchecked:
 * most new segments are replaced again later, so checking them in full at once would be mostly
 * wasted. Step 4 then checks the survivors in full. Should one fail (an obstacle slipped between
 * coarse samples), pass 2 starts over from the input checking chords in full; should a piece still
 * fail (it grazes an obstacle between its parent's samples), pass 3 checks every new segment, chord
 * and pieces, in full before making a change, and needs no re-check.
 *
 * Each change replaces a polyline by a chord, so the length can only drop (a change is kept only
 * when it is shorter by more than `MIN_GAIN`). Waypoint arrays are never mutated.
 */
import { distanceAt, type MotionChecker } from './motion.js';

/** rad: a change that saves less than this is not worth a check */
const MIN_GAIN = 1e-9;
/** vertices: reduceVertices tries every candidate this close, and halves its way in from farther */
const DENSE_SPAN = 32;

export interface SimplifyParams {
  shortcutAttempts: number;
  shortcutPatience: number;
  smoothRounds: number;
  /** absolute time, ms on `now`'s clock, after which only the re-check runs */
  deadline: number;
  now: () => number;
  random: () => number;
  /** screening step as a multiple of the checker's resolution (1 = check everything in full) */
  coarse: number;
}

export interface SimplifyOutcome {
  /** the simplified path, or the input when a re-check failed (then `verified` is false) */
  path: Float64Array[];
  verified: boolean;
  /** the coarse pass's result failed its full re-check and simplification ran again in full */
  redone: boolean;
}

export function pathLength(path: readonly Float64Array[]): number {
  let len = 0;
  for (let i = 1; i < path.length; i++) len += distanceAt(path[i - 1], 0, path[i], 0, path[i].length);
  return len;
}

/** Simplify a path whose segments were all checked (a raw planner path). */
export function simplifyPath(input: readonly Float64Array[], check: MotionChecker, p: SimplifyParams): SimplifyOutcome {
  // a custom motion check has no resolution to coarsen
  const coarse = Number.isFinite(check.resolution) ? Math.max(1, p.coarse) : 1;
  // cheapest first: coarse chords; then chords in full (only a grazing piece can fail); then strict
  const passes: Mode[] = [{ coarse: 1, strict: true }];
  passes.unshift({ coarse: 1, strict: false });
  if (coarse > 1) passes.unshift({ coarse, strict: false });
  for (let k = 0; k < passes.length; k++) {
    const w = pipeline(input, check, p, passes[k]);
    if (recheck(w, check)) return { path: w.path, verified: true, redone: k > 0 };
  }
  return { path: input.slice(), verified: false, redone: true }; // unreachable unless the validity function changes its mind
}

/** How new segments are checked: chords at `coarse` × the resolution; pieces too (in full) when strict. */
interface Mode {
  coarse: number;
  strict: boolean;
}

function pipeline(input: readonly Float64Array[], check: MotionChecker, p: SimplifyParams, m: Mode): Work {
  let w: Work = { path: dropDuplicates(input), checked: [] };
  w.checked = w.path.slice(1).map(() => true);
  if (w.path.length <= 2) return w;
  w = reduceVertices(w, check, p, m);
  w = shortcut(w, check, p, m);
  w = reduceVertices(w, check, p, m);
  for (let r = 0; r < p.smoothRounds && w.path.length > 2 && p.now() < p.deadline; r++) {
    const next = cutCorners(w, check, p, m);
    if (next.path.length === w.path.length) break; // no corner could be cut
    w = next;
  }
  return w;
}

/** Check in full every segment not yet checked as a whole; true when all pass. */
function recheck(w: Work, check: MotionChecker): boolean {
  const { path, checked } = w;
  for (let i = 0; i < checked.length; i++) {
    if (checked[i]) continue;
    if (!check.stateAt(path[i], 0) || !check.stateAt(path[i + 1], 0) || !check.motionAt(path[i], 0, path[i + 1], 0)) return false;
    checked[i] = true;
  }
  return true;
}

/** A piece a → b of a checked segment (ends already checked as states): checked in full when strict. */
function piece(a: Float64Array, b: Float64Array, check: MotionChecker, m: Mode): boolean {
  return !m.strict || check.motionAt(a, 0, b, 0);
}

interface Work {
  path: Float64Array[];
  checked: boolean[];
}

function dropDuplicates(path: readonly Float64Array[]): Float64Array[] {
  const out = [path[0]];
  for (let i = 1; i < path.length; i++) {
    if (i === path.length - 1 || distanceAt(out[out.length - 1], 0, path[i], 0, path[i].length) > 0) out.push(path[i]);
  }
  // the goal is kept even when it duplicates the point before it: drop that point instead
  if (out.length > 2 && distanceAt(out[out.length - 2], 0, out[out.length - 1], 0, out[0].length) === 0) out.splice(out.length - 2, 1);
  return out;
}

/**
 * Greedy: from vertex i, the farthest later vertex j with a valid direct motion replaces i → … → j.
 * Candidates run from the last vertex back to i + 2, one by one within `DENSE_SPAN` vertices and
 * halving the distance beyond, so a long raw path costs O(n log n) motion checks, not O(n²).
 */
function reduceVertices(w: Work, check: MotionChecker, p: SimplifyParams, m: Mode): Work {
  const { path, checked } = w;
  const n = path.length,
    dim = path[0].length;
  const outP = [path[0]],
    outC: boolean[] = [];
  // cum[j] − cum[i]: the length along the path from vertex i to vertex j
  const cum = new Float64Array(n);
  for (let k = 1; k < n; k++) cum[k] = cum[k - 1] + distanceAt(path[k - 1], 0, path[k], 0, dim);
  let i = 0;
  while (i < n - 1) {
    let next = i + 1,
      ok = checked[i];
    if (p.now() < p.deadline) {
      for (let span = n - 1 - i; span >= 2; span = span > DENSE_SPAN ? Math.max(DENSE_SPAN, span >> 1) : span - 1) {
        const j = i + span;
        if (distanceAt(path[i], 0, path[j], 0, dim) >= cum[j] - cum[i] - MIN_GAIN) continue;
        if (check.motionAt(path[i], 0, path[j], 0, m.coarse)) {
          next = j;
          ok = m.coarse === 1;
          break;
        }
      }
    }
    outP.push(path[next]);
    outC.push(ok);
    i = next;
  }
  return { path: outP, checked: outC };
}

/** The point at arc length s along the path: segment index and the point (a vertex when within `snap` of one). */
function pointAt(path: Float64Array[], cum: Float64Array, s: number, snap: number): { seg: number; q: Float64Array; vertex: number } {
  const n = path.length;
  let seg = 0;
  while (seg < n - 2 && cum[seg + 1] <= s) seg++;
  const len = cum[seg + 1] - cum[seg];
  if (s - cum[seg] <= snap) return { seg, q: path[seg], vertex: seg };
  if (cum[seg + 1] - s <= snap) return { seg, q: path[seg + 1], vertex: seg + 1 };
  const t = (s - cum[seg]) / len,
    a = path[seg],
    b = path[seg + 1];
  return { seg, q: a.map((v, k) => v + (b[k] - v) * t), vertex: -1 };
}

/** Random shortcuts between two points on the path, until `shortcutPatience` misses in a row. */
function shortcut(w: Work, check: MotionChecker, p: SimplifyParams, m: Mode): Work {
  let { path, checked } = w;
  const dim = path[0].length;
  // a cut within one check step of a vertex snaps to it: no sliver segments
  const snap = Number.isFinite(check.resolution) ? check.resolution : 1e-6;
  let misses = 0;
  for (let attempt = 0; attempt < p.shortcutAttempts && misses < p.shortcutPatience && path.length > 2; attempt++) {
    if (p.now() >= p.deadline) break;
    const n = path.length;
    const cum = new Float64Array(n);
    for (let i = 1; i < n; i++) cum[i] = cum[i - 1] + distanceAt(path[i - 1], 0, path[i], 0, dim);
    let s0 = p.random() * cum[n - 1],
      s1 = p.random() * cum[n - 1];
    if (s0 > s1) [s0, s1] = [s1, s0];
    const a = pointAt(path, cum, s0, snap),
      b = pointAt(path, cum, s1, snap);
    // both on one segment (or the same vertex): a chord of a straight line saves nothing
    const firstAfterA = a.vertex >= 0 ? a.vertex + 1 : a.seg + 1;
    const lastBeforeB = b.vertex >= 0 ? b.vertex - 1 : b.seg;
    if (lastBeforeB < firstAfterA) {
      misses++;
      continue;
    }
    // arc length between the points actually used (a snapped point sits on its vertex)
    const along = (b.vertex >= 0 ? cum[b.vertex] : s1) - (a.vertex >= 0 ? cum[a.vertex] : s0),
      chord = distanceAt(a.q, 0, b.q, 0, dim);
    if (chord >= along - MIN_GAIN) {
      misses++;
      continue;
    }
    // the last vertex kept before the chord, and the first after it
    const headEnd = a.vertex >= 0 ? a.vertex : a.seg;
    const tailStart = b.vertex >= 0 ? b.vertex + 1 : b.seg + 1;
    const ok =
      (a.vertex >= 0 || (check.stateAt(a.q, 0) && piece(path[headEnd], a.q, check, m))) &&
      (b.vertex >= 0 || (check.stateAt(b.q, 0) && piece(b.q, path[tailStart], check, m))) &&
      check.motionAt(a.q, 0, b.q, 0, m.coarse);
    if (!ok) {
      misses++;
      continue;
    }
    misses = 0;
    // path[0 .. headEnd], a (when not a vertex), b, path[tailStart ..]
    const np = path.slice(0, headEnd + 1),
      nc = checked.slice(0, headEnd);
    if (a.vertex < 0) {
      np.push(a.q);
      nc.push(m.strict); // a piece of segment a.seg
    }
    np.push(b.q);
    nc.push(m.coarse === 1);
    for (let k = tailStart; k < path.length; k++) {
      np.push(path[k]);
      nc.push(k === tailStart && b.vertex < 0 ? m.strict : checked[k - 1]); // b → path[tailStart]: a piece of segment b.seg
    }
    path = np;
    checked = nc;
  }
  return { path, checked };
}

/**
 * One round of corner cutting at every interior vertex (a quarter of each neighbouring segment).
 * The segment into a corner runs from the last point kept (u, or the previous corner's b) to a: a
 * piece of u → v. When strict, a cut also needs its pieces in and out checked; the piece out
 * (b → w) covers the next corner when that one is not cut.
 */
function cutCorners(work: Work, check: MotionChecker, p: SimplifyParams, m: Mode): Work {
  const { path, checked } = work;
  const dim = path[0].length,
    n = path.length;
  const np = [path[0]],
    nc: boolean[] = [];
  // whether the segment from the last point kept to the next vertex is checked as a whole
  let into = checked[0];
  for (let i = 1; i < n - 1; i++) {
    const u = np[np.length - 1],
      v = path[i],
      w = path[i + 1];
    const a = v.map((x, k) => x + (path[i - 1][k] - x) * 0.25),
      b = v.map((x, k) => x + (w[k] - x) * 0.25);
    const gain = distanceAt(a, 0, v, 0, dim) + distanceAt(v, 0, b, 0, dim) - distanceAt(a, 0, b, 0, dim);
    const ok =
      p.now() < p.deadline &&
      gain > MIN_GAIN &&
      check.stateAt(a, 0) &&
      check.stateAt(b, 0) &&
      check.motionAt(a, 0, b, 0, m.coarse) &&
      piece(u, a, check, m) &&
      piece(b, w, check, m);
    if (ok) {
      np.push(a, b);
      nc.push(m.strict, m.coarse === 1);
      into = m.strict;
    } else {
      np.push(v);
      nc.push(into);
      into = checked[i];
    }
  }
  np.push(path[n - 1]);
  nc.push(into);
  return { path: np, checked: nc };
}
