/**
 * Conservative sphere decomposition of a rigid body made of primitive shapes (a robot link, a
 * held object): a set of spheres whose union holds every point of every shape, and no point of
 * which lies farther than `tolerance` outside the shapes.
 *
 * How (all in the body frame, meters):
 * 1. Each box or cylinder is cut into cells in its own frame (a k-d split: boxes into boxes,
 *    cylinders into annular sectors in r, θ, z) until each cell fits in the sphere about its
 *    centre whose radius is the largest the tolerance allows there, `tolerance − sd(centre)`,
 *    sd being the signed distance to the union of the body's shapes. For a convex shape K and a
 *    centre at depth d, B(c, d + t) ⊂ K ⊕ B(0, t), so such a sphere never overshoots by more
 *    than t. Cells lying wholly inside one of the body's sphere shapes are dropped.
 * 2. Candidate centres lie on each shape's medial surface, about tolerance / 2 apart (a box's
 *    mid-planes and edge bisectors; a cylinder's axis, mid-plane and rim cones): only there is
 *    a candidate not held by a bigger one. Each is at its largest radius. Every cell centre is a
 *    candidate too (so the cover always completes), and the body's sphere shapes are candidates
 *    that are always kept.
 * 3. Greedy set cover picks candidates until every cell is covered, then each pick shrinks to
 *    the farthest point of the cells it is the first to cover. "Covers" is exact, not sampled:
 *    the farthest point of a box cell is a corner, of an annular sector one of a few points.
 * The union therefore holds every cell, hence every shape; each sphere stays within its bound,
 * so the over-approximation is ≤ `tolerance` (the achieved figure is returned). Sphere shapes
 * stay exact.
 */
import { CollisionInputError, signedDistance, validateShape, validateTransform, type PlacedShape } from './shapes.js';

export interface SphereSet {
  /** sphere centres, x y z per sphere, in the body frame (m) */
  centers: Float64Array;
  /** sphere radii (m) */
  radii: Float64Array;
  count: number;
  /** the farthest any point of the union lies outside the body's shapes (m); ≤ the tolerance asked */
  overshoot: number;
}

/** Default over-approximation bound (m). */
export const DEFAULT_TOLERANCE = 0.005;

/** Cells per body above which the input is refused (a size typo, not a gripper). */
const MAX_CELLS = 200_000;

/** A cell of one shape: its frame (body ← shape), its kind and bounds in that frame. */
interface Cell {
  /** index into the placements */
  shape: number;
  /** box: [x0, x1, y0, y1, z0, z1]; sector: [r0, r1, θ0, θ1, z0, z1] (θ in rad) */
  b: [number, number, number, number, number, number];
  /** centre in the body frame */
  c: [number, number, number];
  /** bounding radius about c (m) */
  rho: number;
  /** sectors only: cos θ0, sin θ0, cos θ1, sin θ1 */
  trig?: [number, number, number, number];
}

/** Sphere decomposition of one rigid body; `tolerance` in meters (0.5 mm .. 5 cm). */
export function decompose(placed: readonly PlacedShape[], tolerance = DEFAULT_TOLERANCE): SphereSet {
  if (!(Number.isFinite(tolerance) && tolerance >= 0.0005 && tolerance <= 0.05))
    throw new CollisionInputError(`sphere tolerance must be between 0.0005 and 0.05 m, got ${tolerance}`);
  placed.forEach((p, i) => {
    validateShape(p.shape, `shape ${i}`);
    validateTransform(p.transform, `shape ${i}`);
  });
  const sdUnion = (x: number, y: number, z: number): number => {
    let d = Infinity;
    for (const p of placed) d = Math.min(d, signedDistance(p, x, y, z));
    return d;
  };
  const exact: { c: [number, number, number]; r: number }[] = [];
  for (const p of placed)
    if (p.shape.type === 'sphere') exact.push({ c: [p.transform[12], p.transform[13], p.transform[14]], r: p.shape.radius });

  const cells: Cell[] = [];
  placed.forEach((p, i) => {
    if (p.shape.type !== 'sphere') cutCells(placed, i, sdUnion, exact, tolerance, cells);
  });

  // Candidates: exact spheres first, then the medial grids, then the cell centres.
  const cand: number[] = [];
  const candR: number[] = [];
  const addCand = (x: number, y: number, z: number, r: number) => {
    if (r <= 0) return;
    cand.push(x, y, z);
    candR.push(r);
  };
  for (const e of exact) addCand(e.c[0], e.c[1], e.c[2], e.r + tolerance);
  for (const p of placed)
    for (const q of medialCandidates(p, tolerance / 2)) addCand(q[0], q[1], q[2], tolerance - sdUnion(q[0], q[1], q[2]));
  for (const cell of cells) addCand(cell.c[0], cell.c[1], cell.c[2], tolerance - sdUnion(cell.c[0], cell.c[1], cell.c[2]));
  const nCand = candR.length;

  // Cells sorted by centre x for range queries.
  const order = cells.map((_, k) => k).sort((a, b) => cells[a].c[0] - cells[b].c[0]);
  const xs = order.map((k) => cells[k].c[0]);
  const rhoMax = cells.reduce((m, c) => Math.max(m, c.rho), 0);
  const lowerBound = (x: number) => {
    let lo = 0,
      hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const covers: Int32Array[] = [];
  const coveredByCount = new Int32Array(cells.length);
  const scratch: number[] = [];
  for (let j = 0; j < nCand; j++) {
    scratch.length = 0;
    const cx = cand[3 * j],
      cy = cand[3 * j + 1],
      cz = cand[3 * j + 2],
      r = candR[j];
    for (let i = lowerBound(cx - r - rhoMax); i < order.length && xs[i] <= cx + r + rhoMax; i++) {
      const k = order[i];
      const cell = cells[k];
      const dx = cell.c[0] - cx,
        dy = cell.c[1] - cy,
        dz = cell.c[2] - cz;
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (d - cell.rho > r) continue;
      if (d + cell.rho > r && farthest(placed, cell, cx, cy, cz) > r) continue;
      scratch.push(k);
      coveredByCount[k]++;
    }
    covers.push(Int32Array.from(scratch));
  }
  // Inverse lists, flat.
  const start = new Int32Array(cells.length + 1);
  for (let k = 0; k < cells.length; k++) start[k + 1] = start[k] + coveredByCount[k];
  const fill = start.slice(0, cells.length);
  const coveredBy = new Int32Array(start[cells.length]);
  for (let j = 0; j < nCand; j++) for (const k of covers[j]) coveredBy[fill[k]++] = j;

  // Greedy set cover with a lazy max-heap on the count of still-uncovered cells.
  const count = Int32Array.from(covers, (l) => l.length);
  const covered = new Uint8Array(cells.length);
  let left = cells.length;
  const chosen: number[] = [];
  const take = (j: number) => {
    chosen.push(j);
    for (const k of covers[j]) {
      if (covered[k]) continue;
      covered[k] = 1;
      left--;
      for (let i = start[k]; i < start[k + 1]; i++) count[coveredBy[i]]--;
    }
  };
  for (let j = 0; j < exact.length; j++) take(j);
  const heap = new MaxHeap();
  for (let j = exact.length; j < nCand; j++) if (count[j] > 0) heap.push(count[j], j);
  while (left > 0) {
    const top = heap.pop();
    // Every cell is covered by its own centre's candidate, so the heap cannot run dry first.
    if (!top) throw new Error('[collision] sphere cover did not complete (a bug)');
    const [key, j] = top;
    if (count[j] <= 0) continue;
    if (key !== count[j]) {
      heap.push(count[j], j);
      continue;
    }
    take(j);
  }

  // Shrink each pick to the cells it is first to cover (exact spheres keep their radius).
  const owner = new Uint8Array(cells.length);
  const radius = chosen.map((_, i) => (i < exact.length ? exact[i].r : 0));
  chosen.forEach((j, i) => {
    for (const k of covers[j]) {
      if (owner[k]) continue;
      owner[k] = 1;
      radius[i] = Math.max(radius[i], farthest(placed, cells[k], cand[3 * j], cand[3 * j + 1], cand[3 * j + 2]));
    }
  });
  const keep = chosen.map((_, i) => i).filter((i) => radius[i] > 0);
  const out: SphereSet = {
    centers: new Float64Array(3 * keep.length),
    radii: new Float64Array(keep.length),
    count: keep.length,
    overshoot: 0,
  };
  keep.forEach((i, s) => {
    const j = chosen[i];
    out.centers.set([cand[3 * j], cand[3 * j + 1], cand[3 * j + 2]], 3 * s);
    out.radii[s] = radius[i];
    out.overshoot = Math.max(out.overshoot, radius[i] + sdUnion(cand[3 * j], cand[3 * j + 1], cand[3 * j + 2]));
  });
  return out;
}

/**
 * Candidate centres on the shape's medial surface, about `step` m apart (body frame). Only those
 * matter: off the medial surface, moving a centre away from its nearest face by δ grows the
 * allowed radius by δ, so the bigger sphere there holds the smaller one.
 */
function medialCandidates(p: PlacedShape, step: number): [number, number, number][] {
  const m = p.transform;
  const out: [number, number, number][] = [];
  const put = (x: number, y: number, z: number) =>
    out.push([m[0] * x + m[4] * y + m[8] * z + m[12], m[1] * x + m[5] * y + m[9] * z + m[13], m[2] * x + m[6] * y + m[10] * z + m[14]]);
  // Symmetric 1-D grid on [−h, h] through 0.
  const grid = (h: number): number[] => {
    const g = [0];
    for (let i = 1; i * step <= h; i++) g.push(i * step, -i * step);
    return g;
  };
  // Depths t = step, 2 step, … and h itself (the deepest sheet point).
  const depths = (h: number): number[] => {
    const d: number[] = [];
    for (let t = step; t < h; t += step) d.push(t);
    d.push(h);
    return d;
  };
  const s = p.shape;
  if (s.type === 'box') {
    const h = s.halfExtents;
    for (let i = 0; i < 3; i++) {
      const j = (i + 1) % 3,
        k = (i + 2) % 3;
      const at = (vi: number, vj: number, vk: number) => {
        const v = [0, 0, 0];
        v[i] = vi;
        v[j] = vj;
        v[k] = vk;
        put(v[0], v[1], v[2]);
      };
      // Mid-plane between the two faces normal to axis i: depth h[i] there.
      for (const a of grid(h[j] - h[i])) for (const b of grid(h[k] - h[i])) at(0, a, b);
      // Bisector sheets of the edges along axis k (faces i and j meet): depth t from both.
      for (const t of depths(Math.min(h[i], h[j])))
        for (const c of grid(h[k] - t)) for (const si of [-1, 1]) for (const sj of [-1, 1]) at(si * (h[i] - t), sj * (h[j] - t), c);
    }
  } else if (s.type === 'cylinder') {
    const R = s.radius,
      H = s.halfLength;
    for (const z of grid(H - R)) put(0, 0, z);
    // Mid-plane of a disc-like cylinder (shorter than wide).
    for (let r = step; r <= R - H; r += step) ring(r, 0);
    // Cones from the rims inward: depth t from both the end face and the side.
    for (const t of depths(Math.min(R, H))) for (const sz of [-1, 1]) ring(R - t, sz * (H - t));
  }
  return out;
  function ring(r: number, z: number) {
    if (r <= 1e-12) return put(0, 0, z);
    const n = Math.max(3, Math.ceil((2 * Math.PI * r) / step));
    for (let a = 0; a < n; a++) put(r * Math.cos((2 * Math.PI * a) / n), r * Math.sin((2 * Math.PI * a) / n), z);
  }
}

/** Distance from (x, y, z) (body frame) to the farthest point of a cell. Exact. */
function farthest(placed: readonly PlacedShape[], cell: Cell, x: number, y: number, z: number): number {
  const m = placed[cell.shape].transform;
  // body → shape frame
  const dx = x - m[12],
    dy = y - m[13],
    dz = z - m[14];
  const lx = m[0] * dx + m[1] * dy + m[2] * dz,
    ly = m[4] * dx + m[5] * dy + m[6] * dz,
    lz = m[8] * dx + m[9] * dy + m[10] * dz;
  const b = cell.b;
  const fz = Math.max(Math.abs(b[4] - lz), Math.abs(b[5] - lz));
  const t = cell.trig;
  if (t === undefined) {
    const fx = Math.max(Math.abs(b[0] - lx), Math.abs(b[1] - lx)),
      fy = Math.max(Math.abs(b[2] - ly), Math.abs(b[3] - ly));
    return Math.sqrt(fx * fx + fy * fy + fz * fz);
  }
  // Annular sector: the farthest angle is the one in [θ0, θ1] nearest the point's antipode; then
  // the squared planar distance r² + ρ² − 2rρ·cos is convex in r, so an end of [r0, r1] wins.
  const rho = Math.sqrt(lx * lx + ly * ly);
  let cosMin = -1;
  if (rho > 0) {
    const ux = lx / rho,
      uy = ly / rho;
    const span = b[3] - b[2];
    // Is the antipode −u inside the sector? Cross products against the two bounding directions.
    const afterStart = t[0] * -uy - t[1] * -ux >= 0,
      beforeEnd = -ux * t[3] - -uy * t[2] >= 0;
    const holds = span >= 2 * Math.PI - 1e-12 || (span <= Math.PI ? afterStart && beforeEnd : afterStart || beforeEnd);
    if (!holds) cosMin = Math.min(t[0] * ux + t[1] * uy, t[2] * ux + t[3] * uy);
  }
  const r0 = b[0],
    r1 = b[1];
  const q0 = r0 * r0 + rho * rho - 2 * r0 * rho * cosMin,
    q1 = r1 * r1 + rho * rho - 2 * r1 * rho * cosMin;
  return Math.sqrt(Math.max(0, q0, q1) + fz * fz);
}

/** k-d cells of one box or cylinder, in its own frame, appended to `cells`. */
function cutCells(
  placed: readonly PlacedShape[],
  index: number,
  sdUnion: (x: number, y: number, z: number) => number,
  exact: { c: [number, number, number]; r: number }[],
  tolerance: number,
  cells: Cell[],
): void {
  const p = placed[index];
  const m = p.transform;
  const s = p.shape;
  const toBody = (x: number, y: number, z: number): [number, number, number] => [
    m[0] * x + m[4] * y + m[8] * z + m[12],
    m[1] * x + m[5] * y + m[9] * z + m[13],
    m[2] * x + m[6] * y + m[10] * z + m[14],
  ];
  type B = Cell['b'];
  const stack: B[] = [];
  if (s.type === 'box')
    stack.push([-s.halfExtents[0], s.halfExtents[0], -s.halfExtents[1], s.halfExtents[1], -s.halfExtents[2], s.halfExtents[2]]);
  else if (s.type === 'cylinder') stack.push([0, s.radius, 0, 2 * Math.PI, -s.halfLength, s.halfLength]);
  while (stack.length) {
    const b = stack.pop()!;
    let c: [number, number, number];
    const cell: Cell = { shape: index, b, c: [0, 0, 0], rho: 0 };
    if (s.type === 'cylinder') cell.trig = [Math.cos(b[2]), Math.sin(b[2]), Math.cos(b[3]), Math.sin(b[3])];
    if (s.type === 'box') {
      c = toBody((b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2);
    } else {
      // A sector's reference point: mid radius (0 for a full-circle core), mid angle.
      const full = b[3] - b[2] >= 2 * Math.PI - 1e-12;
      const rm = b[0] === 0 && full ? 0 : (b[0] + b[1]) / 2,
        tm = (b[2] + b[3]) / 2;
      c = toBody(rm * Math.cos(tm), rm * Math.sin(tm), (b[4] + b[5]) / 2);
    }
    cell.c = c;
    cell.rho = farthest(placed, cell, c[0], c[1], c[2]);
    if (exact.some((e) => farthest(placed, cell, e.c[0], e.c[1], e.c[2]) <= e.r)) continue; // inside an exact sphere already
    if (cell.rho <= tolerance - sdUnion(c[0], c[1], c[2])) {
      if (cells.length >= MAX_CELLS)
        throw new CollisionInputError(`a body is too large for a ${tolerance} m sphere tolerance (over ${MAX_CELLS} cells)`);
      cells.push(cell);
      continue;
    }
    // Split the longest extent (a sector's angular extent measured along its outer arc).
    const ex = s.type === 'box' ? [b[1] - b[0], b[3] - b[2], b[5] - b[4]] : [b[1] - b[0], b[1] * (b[3] - b[2]), b[5] - b[4]];
    const a = ex[0] >= ex[1] && ex[0] >= ex[2] ? 0 : ex[1] >= ex[2] ? 1 : 2;
    const mid = (b[2 * a] + b[2 * a + 1]) / 2;
    const lo = [...b] as B,
      hi = [...b] as B;
    lo[2 * a + 1] = mid;
    hi[2 * a] = mid;
    stack.push(lo, hi);
  }
}

/** A binary max-heap of (key, value) pairs. */
class MaxHeap {
  readonly #k: number[] = [];
  readonly #v: number[] = [];
  push(key: number, value: number): void {
    const k = this.#k,
      v = this.#v;
    let i = k.length;
    k.push(key);
    v.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] >= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = value;
  }
  pop(): [number, number] | undefined {
    const k = this.#k,
      v = this.#v;
    if (!k.length) return undefined;
    const top: [number, number] = [k[0], v[0]];
    const lk = k.pop()!,
      lv = v.pop()!;
    if (k.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i,
          mk = lk;
        if (l < k.length && k[l] > mk) {
          m = l;
          mk = k[l];
        }
        if (r < k.length && k[r] > mk) m = r;
        if (m === i) break;
        k[i] = k[m];
        v[i] = v[m];
        i = m;
      }
      k[i] = lk;
      v[i] = lv;
    }
    return top;
  }
}
