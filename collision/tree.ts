/**
 * Bounding-sphere trees over a body's spheres, and the narrow-phase tests that walk them: a
 * tree against one exact primitive (an obstacle part), and a tree against another body's exact
 * primitives (link vs link, held object vs link). Everything is flat typed arrays and a
 * preallocated stack, so a test allocates nothing.
 *
 * A tree's node holds a sphere (x, y, z, r in the body frame, m) that encloses every sphere
 * below it; a leaf holds up to four of the body's spheres. Poses are row-major 3x4 rigid
 * transforms (see kinematics.ts).
 */
import type { Mat4 } from '../model/math/transform.js';
import type { PlacedShape } from './shapes.js';
import type { SphereSet } from './spheres.js';

export interface SphereTree {
  /** per node: x, y, z, r (body frame, m); node 0 is the root */
  nodes: Float64Array;
  /** per node: index of its first child (the second is the next node), or −1 for a leaf */
  child: Int32Array;
  /** per leaf node: its spheres are spheres[first .. first + count) */
  first: Int32Array;
  count: Int32Array;
  /** the body's spheres in tree order: x, y, z, r */
  spheres: Float64Array;
  /** number of spheres */
  leaves: number;
}

/**
 * A body's exact primitive shapes, flat: for self-collision one side is its spheres, the other
 * its true shapes (conservative: a point of both bodies lies in a sphere of the first and in a
 * shape of the second), which halves the over-approximation and the work.
 */
export interface PrimSet {
  count: number;
  /** PART_* per shape */
  type: Uint8Array;
  /** shape local ← body (row-major 3x4) per shape */
  inv: Float64Array;
  /** dims per shape: box half extents; cylinder radius, half length; sphere radius */
  dim: Float64Array;
}

/** Flat exact shapes from placed shapes (body ← shape transforms). */
export function primSet(shapes: readonly PlacedShape[]): PrimSet {
  const n = shapes.length;
  const out: PrimSet = { count: n, type: new Uint8Array(n), inv: new Float64Array(12 * n), dim: new Float64Array(3 * n) };
  shapes.forEach(({ shape: s, transform: m }, k) => {
    out.type[k] = s.type === 'box' ? PART_BOX : s.type === 'cylinder' ? PART_CYLINDER : PART_SPHERE;
    out.dim.set(s.type === 'box' ? s.halfExtents : s.type === 'cylinder' ? [s.radius, s.halfLength, 0] : [s.radius, 0, 0], 3 * k);
    out.inv.set(inverseRowMajor(m), 12 * k);
  });
  return out;
}

/** Inverse of a column-major rigid Mat4, as a row-major 3x4 (local ← frame). */
export function inverseRowMajor(m: Mat4): number[] {
  // rows of Rᵀ are the columns of R
  const tx = m[12],
    ty = m[13],
    tz = m[14];
  return [
    m[0],
    m[1],
    m[2],
    -(m[0] * tx + m[1] * ty + m[2] * tz),
    m[4],
    m[5],
    m[6],
    -(m[4] * tx + m[5] * ty + m[6] * tz),
    m[8],
    m[9],
    m[10],
    -(m[8] * tx + m[9] * ty + m[10] * tz),
  ];
}

/** Obstacle part types in the flat part arrays. */
export const PART_BOX = 0,
  PART_CYLINDER = 1,
  PART_SPHERE = 2;

/** Spheres per leaf: testing a few in a row is cheaper than walking more nodes. */
const LEAF_SIZE = 4;

/** Build a balanced tree: split the spheres at the median along the widest axis of their centres. */
export function buildTree(set: SphereSet): SphereTree {
  const n = set.count;
  const c = set.centers,
    r = set.radii;
  const nodes: number[] = [],
    child: number[] = [],
    first: number[] = [],
    count: number[] = [];
  const spheres: number[] = [];
  if (n === 0)
    return {
      nodes: new Float64Array(0),
      child: new Int32Array(0),
      first: new Int32Array(0),
      count: new Int32Array(0),
      spheres: new Float64Array(0),
      leaves: 0,
    };
  const alloc = () => {
    nodes.push(0, 0, 0, 0);
    child.push(-1);
    first.push(0);
    count.push(0);
    return child.length - 1;
  };
  const queue: { node: number; idx: number[] }[] = [{ node: alloc(), idx: Array.from({ length: n }, (_, i) => i) }];
  while (queue.length) {
    const { node, idx } = queue.shift()!;
    const [mx, my, mz, rad] = enclosing(idx, c, r);
    nodes.splice(4 * node, 4, mx, my, mz, rad);
    if (idx.length <= LEAF_SIZE) {
      first[node] = spheres.length / 4;
      count[node] = idx.length;
      for (const s of idx) spheres.push(c[3 * s], c[3 * s + 1], c[3 * s + 2], r[s]);
      continue;
    }
    const lo = [Infinity, Infinity, Infinity],
      hi = [-Infinity, -Infinity, -Infinity];
    for (const s of idx)
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a], c[3 * s + a]);
        hi[a] = Math.max(hi[a], c[3 * s + a]);
      }
    const axis = hi[0] - lo[0] >= hi[1] - lo[1] && hi[0] - lo[0] >= hi[2] - lo[2] ? 0 : hi[1] - lo[1] >= hi[2] - lo[2] ? 1 : 2;
    const sorted = [...idx].sort((a, b) => c[3 * a + axis] - c[3 * b + axis] || a - b);
    const half = sorted.length >> 1;
    const left = alloc();
    alloc();
    child[node] = left;
    queue.push({ node: left, idx: sorted.slice(0, half) }, { node: left + 1, idx: sorted.slice(half) });
  }
  return {
    nodes: Float64Array.from(nodes),
    child: Int32Array.from(child),
    first: Int32Array.from(first),
    count: Int32Array.from(count),
    spheres: Float64Array.from(spheres),
    leaves: n,
  };
}

/**
 * A small sphere holding the given spheres: start at the middle of their bounding box, then
 * repeatedly step toward the sphere that sticks out most while that shrinks the radius.
 */
function enclosing(idx: number[], c: Float64Array, r: Float64Array): [number, number, number, number] {
  const lo = [Infinity, Infinity, Infinity],
    hi = [-Infinity, -Infinity, -Infinity];
  for (const s of idx)
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a], c[3 * s + a] - r[s]);
      hi[a] = Math.max(hi[a], c[3 * s + a] + r[s]);
    }
  let m = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
  const radiusAbout = (p: number[]) => {
    let best = 0,
      far = idx[0];
    for (const s of idx) {
      const d = Math.hypot(c[3 * s] - p[0], c[3 * s + 1] - p[1], c[3 * s + 2] - p[2]) + r[s];
      if (d > best) {
        best = d;
        far = s;
      }
    }
    return { rad: best, far };
  };
  let { rad, far } = radiusAbout(m);
  for (let step = 0.5, it = 0; it < 60 && step > 1e-4; it++) {
    const d = Math.hypot(c[3 * far] - m[0], c[3 * far + 1] - m[1], c[3 * far + 2] - m[2]);
    if (d < 1e-12) break;
    const t = (step * (rad - r[far] - 0)) / d / 4;
    const trial = [m[0] + (c[3 * far] - m[0]) * t, m[1] + (c[3 * far + 1] - m[1]) * t, m[2] + (c[3 * far + 2] - m[2]) * t];
    const next = radiusAbout(trial);
    if (next.rad < rad) {
      m = trial;
      rad = next.rad;
      far = next.far;
    } else step /= 2;
  }
  return [m[0], m[1], m[2], rad];
}

/** Signed distance (m) from a point in a part's local frame to the part (< 0 inside). */
export function partDistance(type: number, d0: number, d1: number, d2: number, x: number, y: number, z: number): number {
  if (type === PART_BOX) {
    const qx = Math.abs(x) - d0,
      qy = Math.abs(y) - d1,
      qz = Math.abs(z) - d2;
    if (qx <= 0 && qy <= 0 && qz <= 0) return Math.max(qx, qy, qz);
    const ox = qx > 0 ? qx : 0,
      oy = qy > 0 ? qy : 0,
      oz = qz > 0 ? qz : 0;
    return Math.sqrt(ox * ox + oy * oy + oz * oz);
  }
  if (type === PART_CYLINDER) {
    const dr = Math.sqrt(x * x + y * y) - d0,
      dz = Math.abs(z) - d1;
    if (dr <= 0 && dz <= 0) return Math.max(dr, dz);
    const or = dr > 0 ? dr : 0,
      oz = dz > 0 ? dz : 0;
    return Math.sqrt(or * or + oz * oz);
  }
  return Math.sqrt(x * x + y * y + z * z) - d0;
}

/** Nodes are visited depth first from this stack. */
const STACK = new Int32Array(4096);

/** What the last successful test found: `a` a sphere of the tree (index into its `spheres`), `b` the shape index (treeHitsPrims). */
export const hit = { a: -1, b: -1 };

/**
 * Does any sphere of `tree`, placed by pose P[po..po+12) (world ← body), come closer than
 * `margin` to part k (local ← world in inv[12k..], dims in dim[3k..])? Sets `hit.a` and
 * returns true, or returns false.
 */
export function treeHitsPart(
  tree: SphereTree,
  P: Float64Array,
  po: number,
  type: number,
  inv: Float64Array,
  dim: Float64Array,
  k: number,
  margin: number,
): boolean {
  const N = tree.nodes,
    C = tree.child,
    S = tree.spheres;
  if (N.length === 0) return false;
  // M = part local ← body = inv · pose
  const io = 12 * k;
  const i00 = inv[io],
    i01 = inv[io + 1],
    i02 = inv[io + 2],
    i03 = inv[io + 3];
  const i10 = inv[io + 4],
    i11 = inv[io + 5],
    i12 = inv[io + 6],
    i13 = inv[io + 7];
  const i20 = inv[io + 8],
    i21 = inv[io + 9],
    i22 = inv[io + 10],
    i23 = inv[io + 11];
  const p00 = P[po],
    p01 = P[po + 1],
    p02 = P[po + 2],
    p03 = P[po + 3];
  const p10 = P[po + 4],
    p11 = P[po + 5],
    p12 = P[po + 6],
    p13 = P[po + 7];
  const p20 = P[po + 8],
    p21 = P[po + 9],
    p22 = P[po + 10],
    p23 = P[po + 11];
  const m00 = i00 * p00 + i01 * p10 + i02 * p20,
    m01 = i00 * p01 + i01 * p11 + i02 * p21,
    m02 = i00 * p02 + i01 * p12 + i02 * p22,
    m03 = i00 * p03 + i01 * p13 + i02 * p23 + i03;
  const m10 = i10 * p00 + i11 * p10 + i12 * p20,
    m11 = i10 * p01 + i11 * p11 + i12 * p21,
    m12 = i10 * p02 + i11 * p12 + i12 * p22,
    m13 = i10 * p03 + i11 * p13 + i12 * p23 + i13;
  const m20 = i20 * p00 + i21 * p10 + i22 * p20,
    m21 = i20 * p01 + i21 * p11 + i22 * p21,
    m22 = i20 * p02 + i21 * p12 + i22 * p22,
    m23 = i20 * p03 + i21 * p13 + i22 * p23 + i23;
  const d0 = dim[3 * k],
    d1 = dim[3 * k + 1],
    d2 = dim[3 * k + 2];
  let sp = 0;
  STACK[sp++] = 0;
  while (sp > 0) {
    const node = STACK[--sp];
    const o = 4 * node;
    const x = N[o],
      y = N[o + 1],
      z = N[o + 2];
    if (
      partDistance(
        type,
        d0,
        d1,
        d2,
        m00 * x + m01 * y + m02 * z + m03,
        m10 * x + m11 * y + m12 * z + m13,
        m20 * x + m21 * y + m22 * z + m23,
      ) -
        N[o + 3] >=
      margin
    )
      continue;
    const fc = C[node];
    if (fc >= 0) {
      if (sp + 2 > STACK.length) throw new Error('[collision] sphere tree too deep');
      STACK[sp++] = fc + 1;
      STACK[sp++] = fc;
      continue;
    }
    const end = tree.first[node] + tree.count[node];
    for (let s = tree.first[node]; s < end; s++) {
      const q = 4 * s;
      const sx = S[q],
        sy = S[q + 1],
        sz = S[q + 2];
      if (
        partDistance(
          type,
          d0,
          d1,
          d2,
          m00 * sx + m01 * sy + m02 * sz + m03,
          m10 * sx + m11 * sy + m12 * sz + m13,
          m20 * sx + m21 * sy + m22 * sz + m23,
        ) -
          S[q + 3] <
        margin
      ) {
        hit.a = s;
        hit.b = -1;
        return true;
      }
    }
  }
  return false;
}

/** Scratch: shape local ← world per shape of the body being tested. */
let SCRATCH = new Float64Array(12 * 16);

/**
 * Does any sphere of tree A (pose PA[pa..]) come closer than `margin` to any exact shape of body B
 * (pose PB[pb..])? Sets `hit.a` (A's sphere) and `hit.b` (B's shape) and returns true, or false.
 */
export function treeHitsPrims(
  A: SphereTree,
  PA: Float64Array,
  pa: number,
  B: PrimSet,
  PB: Float64Array,
  pb: number,
  margin: number,
): boolean {
  if (SCRATCH.length < 12 * B.count) SCRATCH = new Float64Array(12 * B.count);
  const W = SCRATCH,
    I = B.inv;
  // world → B body: Rᵀ, −Rᵀ t
  const r00 = PB[pb],
    r01 = PB[pb + 1],
    r02 = PB[pb + 2],
    t0 = PB[pb + 3];
  const r10 = PB[pb + 4],
    r11 = PB[pb + 5],
    r12 = PB[pb + 6],
    t1 = PB[pb + 7];
  const r20 = PB[pb + 8],
    r21 = PB[pb + 9],
    r22 = PB[pb + 10],
    t2 = PB[pb + 11];
  const u0 = -(r00 * t0 + r10 * t1 + r20 * t2),
    u1 = -(r01 * t0 + r11 * t1 + r21 * t2),
    u2 = -(r02 * t0 + r12 * t1 + r22 * t2);
  for (let k = 0; k < B.count; k++) {
    const o = 12 * k;
    // W_k = (local ← body) · (body ← world)
    for (let r = 0; r < 3; r++) {
      const a0 = I[o + 4 * r],
        a1 = I[o + 4 * r + 1],
        a2 = I[o + 4 * r + 2],
        a3 = I[o + 4 * r + 3];
      W[o + 4 * r] = a0 * r00 + a1 * r01 + a2 * r02;
      W[o + 4 * r + 1] = a0 * r10 + a1 * r11 + a2 * r12;
      W[o + 4 * r + 2] = a0 * r20 + a1 * r21 + a2 * r22;
      W[o + 4 * r + 3] = a0 * u0 + a1 * u1 + a2 * u2 + a3;
    }
  }
  for (let k = 0; k < B.count; k++)
    if (treeHitsPart(A, PA, pa, B.type[k], W, B.dim, k, margin)) {
      hit.b = k;
      return true;
    }
  return false;
}
