/**
 * RRT-Connect (Kuffner & LaValle, 2000) in joint space: a tree from the start and one from the
 * goal; each iteration extends one tree a step (at most `range` rad) toward a uniform random
 * sample, then greedily grows the other tree straight toward the new node; the trees swap roles
 * every iteration. It ends when they meet, or at the sample cap or the deadline.
 *
 * Every tree edge is a checked motion (MotionChecker) and every node a checked state, so the raw
 * path is valid at the checker's resolution.
 */
import { distanceAt, type MotionChecker } from './motion.js';
import { Tree } from './tree.js';

const TRAPPED = 0,
  ADVANCED = 1,
  REACHED = 2;
type Step = typeof TRAPPED | typeof ADVANCED | typeof REACHED;

export type SearchOutcome =
  { found: true; path: Float64Array[]; iterations: number } | { found: false; stop: 'time' | 'samples'; iterations: number };

export interface SearchLimits {
  maxSamples: number;
  /** absolute time, ms on `now`'s clock */
  deadline: number;
  now: () => number;
  /** longest extension, rad (L2) */
  range: number;
}

export class RrtConnect {
  readonly #dim: number;
  readonly #lower: Float64Array;
  readonly #span: Float64Array;
  readonly #check: MotionChecker;
  readonly #trees: [Tree, Tree];
  /** the random sample and the candidate node (reused) */
  readonly #sample: Float64Array;
  readonly #cand: Float64Array;

  constructor(lower: Float64Array, upper: Float64Array, check: MotionChecker) {
    const dim = lower.length;
    this.#dim = dim;
    this.#lower = lower;
    this.#span = upper.map((u, i) => u - lower[i]);
    this.#check = check;
    this.#trees = [new Tree(dim), new Tree(dim)];
    this.#sample = new Float64Array(dim);
    this.#cand = new Float64Array(dim);
  }

  /** Node counts of the start and goal trees after the last search. */
  get treeSizes(): [number, number] {
    return [this.#trees[0].size, this.#trees[1].size];
  }

  /** Start and goal must be valid states (the caller checked them). */
  search(start: Float64Array, goal: Float64Array, random: () => number, lim: SearchLimits): SearchOutcome {
    const [ts, tg] = this.#trees;
    ts.reset();
    tg.reset();
    ts.add(start, 0, -1);
    tg.add(goal, 0, -1);
    let a = ts,
      b = tg;
    const dim = this.#dim,
      x = this.#sample;
    let it = 0;
    for (; it < lim.maxSamples; it++) {
      if (lim.now() > lim.deadline) return { found: false, stop: 'time', iterations: it };
      for (let i = 0; i < dim; i++) x[i] = this.#lower[i] + this.#span[i] * random();
      if (this.#extend(a, x, 0, lim.range, false) !== TRAPPED) {
        const na = a.size - 1;
        if (this.#connect(b, a.q, na * dim, lim.range) === REACHED) {
          const path = joinPaths(a, na, b, b.size - 1);
          if (a !== ts) path.reverse();
          return { found: true, path, iterations: it + 1 };
        }
      }
      const t = a;
      a = b;
      b = t;
    }
    return { found: false, stop: 'samples', iterations: it };
  }

  /**
   * One step from the node nearest to target toward it. `targetValid`: the target is a known-valid
   * node of the other tree, so reaching it needs no state check.
   */
  #extend(tree: Tree, target: Float64Array, to: number, range: number, targetValid: boolean): Step {
    const dim = this.#dim,
      near = tree.nearest(target, to),
      no = near * dim;
    const d = distanceAt(tree.q, no, target, to, dim);
    const c = this.#cand;
    const reach = d <= range;
    if (reach) for (let i = 0; i < dim; i++) c[i] = target[to + i];
    else {
      const f = range / d;
      for (let i = 0; i < dim; i++) c[i] = tree.q[no + i] + (target[to + i] - tree.q[no + i]) * f;
    }
    if (!(reach && targetValid) && !this.#check.stateAt(c, 0)) return TRAPPED;
    if (!this.#check.motionAt(tree.q, no, c, 0)) return TRAPPED;
    tree.add(c, 0, near);
    return reach ? REACHED : ADVANCED;
  }

  /** Grow `tree` straight toward target until it gets there or is blocked (at most ⌈d/range⌉ + 1 steps). */
  #connect(tree: Tree, target: Float64Array, to: number, range: number): Step {
    const dim = this.#dim;
    const d0 = distanceAt(tree.q, tree.nearest(target, to) * dim, target, to, dim);
    const cap = Math.ceil(d0 / range) + 1;
    let s: Step = ADVANCED;
    for (let k = 0; k < cap && s === ADVANCED; k++) s = this.#extend(tree, target, to, range, true);
    return s;
  }
}

/** Root of a → node ia, then node ib of b → root of b, leaving out ib (it duplicates ia). */
function joinPaths(a: Tree, ia: number, b: Tree, ib: number): Float64Array[] {
  const dim = a.dim;
  const head: Float64Array[] = [];
  for (let i = ia, n = 0; i >= 0 && n <= a.size; i = a.parent[i], n++) head.push(a.q.slice(i * dim, (i + 1) * dim));
  head.reverse();
  for (let i = b.parent[ib], n = 0; i >= 0 && n <= b.size; i = b.parent[i], n++) head.push(b.q.slice(i * dim, (i + 1) * dim));
  return head;
}
