/**
 * A C¹ geometric path in joint space through a list of waypoints: the waypoint polyline with
 * each interior corner replaced by a quadratic Bézier blend, or, at near-reversals, left sharp
 * (the time law must stop there). Blends stay inside the triangle (entry, corner, exit), so a
 * path through in-limit waypoints stays inside the (box-shaped) joint limits, and never further
 * than `tolerance` from the polyline.
 *
 * Parameter s: arc length on straight pieces; on a blend ds/dτ = 2δ, so |q'(s)| ∈ [cos(θ/2), 1].
 * Units: radians (meters for prismatic joints); s in the same units.
 */

export interface LinePiece {
  kind: 'line';
  s0: number;
  s1: number;
  /** start point and unit direction */
  p: number[];
  u: number[];
}

export interface BlendPiece {
  kind: 'blend';
  s0: number;
  s1: number;
  /** entry point, corner, exit point; unit directions in and out; half-length δ */
  a: number[];
  w: number[];
  b: number[];
  u1: number[];
  u2: number[];
  delta: number;
}

export type PathPiece = LinePiece | BlendPiece;

export interface JointPath {
  pieces: PathPiece[];
  length: number;
  /** s values where the path has a sharp corner: the speed must be zero there */
  stops: number[];
}

/** Corners turning more than this (cos of the turn angle below it) are not blended: stop there. */
const STOP_COS = -0.9;

const sub = (a: number[], b: number[]) => a.map((v, i) => v - b[i]);
const norm = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const axpy = (p: number[], k: number, u: number[]) => p.map((v, i) => v + k * u[i]);

/**
 * Build the path. `points` must already be free of consecutive duplicates (≥ 2 points).
 * `tolerance`: max joint-space distance of the path from the polyline at a corner.
 */
export function buildPath(points: number[][], tolerance: number): JointPath {
  const n = points.length;
  const seg = [];
  for (let i = 0; i + 1 < n; i++) {
    const d = sub(points[i + 1], points[i]);
    const len = norm(d);
    seg.push({ len, u: d.map((v) => v / len) });
  }
  // Blend half-length at each interior waypoint (0 = sharp stop corner).
  const delta = new Array<number>(n).fill(0);
  const stopAt = new Array<boolean>(n).fill(false);
  for (let i = 1; i + 1 < n; i++) {
    const c = Math.max(-1, Math.min(1, dot(seg[i - 1].u, seg[i].u)));
    if (c < STOP_COS) {
      stopAt[i] = true;
      continue;
    }
    const sinHalf = Math.sqrt((1 - c) / 2);
    // Apex deviation from the corner is δ·sin(θ/2)/2; the distance to the polyline is less.
    const byTol = sinHalf > 1e-12 ? (2 * tolerance) / sinHalf : Infinity;
    delta[i] = Math.min(seg[i - 1].len / 2, seg[i].len / 2, byTol);
  }

  const pieces: PathPiece[] = [];
  const stops: number[] = [];
  let s = 0;
  for (let i = 0; i + 1 < n; i++) {
    const { len, u } = seg[i];
    const start = axpy(points[i], delta[i], u);
    const lineLen = len - delta[i] - delta[i + 1];
    if (lineLen > 1e-12) {
      pieces.push({ kind: 'line', s0: s, s1: s + lineLen, p: start, u });
      s += lineLen;
    }
    if (i + 1 < n - 1) {
      if (stopAt[i + 1]) stops.push(s);
      else if (delta[i + 1] > 0) {
        const d = delta[i + 1];
        const u2 = seg[i + 1].u;
        pieces.push({
          kind: 'blend',
          s0: s,
          s1: s + 2 * d,
          a: axpy(points[i + 1], -d, u),
          w: points[i + 1],
          b: axpy(points[i + 1], d, u2),
          u1: u,
          u2,
          delta: d,
        });
        s += 2 * d;
      }
    }
  }
  return { pieces, length: s, stops };
}

/** q, q' = dq/ds and q'' = d²q/ds² of one piece at s (clamped into the piece). */
export function evalPiece(piece: PathPiece, s: number, q: number[], dq: number[], ddq: number[]): void {
  const n = q.length;
  if (piece.kind === 'line') {
    const t = Math.min(Math.max(s - piece.s0, 0), piece.s1 - piece.s0);
    for (let j = 0; j < n; j++) {
      q[j] = piece.p[j] + t * piece.u[j];
      dq[j] = piece.u[j];
      ddq[j] = 0;
    }
    return;
  }
  const tau = Math.min(Math.max((s - piece.s0) / (2 * piece.delta), 0), 1);
  const k0 = (1 - tau) * (1 - tau),
    k1 = 2 * tau * (1 - tau),
    k2 = tau * tau;
  for (let j = 0; j < n; j++) {
    q[j] = k0 * piece.a[j] + k1 * piece.w[j] + k2 * piece.b[j];
    dq[j] = (1 - tau) * piece.u1[j] + tau * piece.u2[j];
    ddq[j] = (piece.u2[j] - piece.u1[j]) / (2 * piece.delta);
  }
}
