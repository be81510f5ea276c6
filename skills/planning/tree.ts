/**
 * A search tree in flat storage: node i's configuration is q[i·dim .. (i+1)·dim), its parent
 * parent[i] (−1 at the root). Capacity doubles when full (rare; no allocation per node otherwise).
 * Nearest-neighbour search is a linear scan with partial-distance early exit: the trees RRT-Connect
 * grows with a long range stay small (tens to a few thousand nodes), where a scan beats an index.
 */
export class Tree {
  readonly dim: number;
  q: Float64Array;
  parent: Int32Array;
  size = 0;

  constructor(dim: number, capacity = 256) {
    this.dim = dim;
    this.q = new Float64Array(capacity * dim);
    this.parent = new Int32Array(capacity);
  }

  reset(): void {
    this.size = 0;
  }

  /** Append src[o .. o + dim) with the given parent; returns the node index. */
  add(src: Float64Array, o: number, parent: number): number {
    if (this.size === this.parent.length) this.#grow();
    const i = this.size++;
    const d = this.dim,
      base = i * d;
    for (let k = 0; k < d; k++) this.q[base + k] = src[o + k];
    this.parent[i] = parent;
    return i;
  }

  /** Index of the node nearest (L2) to src[o ..]; the tree must not be empty. */
  nearest(src: Float64Array, o: number): number {
    const d = this.dim,
      q = this.q,
      n = this.size;
    let best = 0,
      bestD2 = Infinity;
    for (let i = 0; i < n; i++) {
      const base = i * d;
      let d2 = 0;
      for (let k = 0; k < d && d2 < bestD2; k++) {
        const e = q[base + k] - src[o + k];
        d2 += e * e;
      }
      if (d2 < bestD2) {
        bestD2 = d2;
        best = i;
      }
    }
    return best;
  }

  #grow(): void {
    const cap = this.parent.length * 2;
    const q = new Float64Array(cap * this.dim);
    q.set(this.q);
    const p = new Int32Array(cap);
    p.set(this.parent);
    this.q = q;
    this.parent = p;
  }
}
