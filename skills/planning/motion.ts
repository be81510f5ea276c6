/**
 * State and motion checks for the planner, counted, allocation-free.
 *
 * A motion a → b is checked at a fixed joint-space resolution: with n = ⌈|b − a| / step⌉ pieces,
 * the n − 1 interior configurations a + (b − a)·k/n are checked coarse to fine (k = n/2 first,
 * then the quarters, …), so a blocked motion is usually refuted after a few checks. The ends are
 * the caller's business (they are tree nodes or path points that were checked on their own).
 * Configurations live in flat Float64Arrays at an offset (tree storage, paths), so no views are made.
 */
import type { MotionValidity, StateValidity } from './types.js';

export class MotionChecker {
  readonly dim: number;
  /** L2 step between checked configurations, rad (NaN when a custom motion check is used) */
  readonly resolution: number;
  stateChecks = 0;
  motionChecks = 0;
  readonly #isStateValid: StateValidity;
  readonly #isMotionValid: MotionValidity | undefined;
  /** the configuration handed to isStateValid (reused) */
  readonly #q: Float64Array;
  /** copies of the two ends for a custom motion check (reused) */
  readonly #a: Float64Array;
  readonly #b: Float64Array;

  constructor(dim: number, isStateValid: StateValidity, resolution: number | undefined, isMotionValid?: MotionValidity) {
    this.dim = dim;
    this.#isStateValid = isStateValid;
    this.#isMotionValid = isMotionValid;
    this.resolution = isMotionValid ? NaN : (resolution ?? NaN);
    this.#q = new Float64Array(dim);
    this.#a = new Float64Array(dim);
    this.#b = new Float64Array(dim);
  }

  /** Check the configuration stored at src[o .. o + dim). */
  stateAt(src: Float64Array, o: number): boolean {
    const q = this.#q;
    for (let i = 0; i < this.dim; i++) q[i] = src[o + i];
    this.stateChecks++;
    return this.#isStateValid(q);
  }

  /**
   * Check the motion between a[ao ..] and b[bo ..], ends excluded. `coarse` > 1 spaces the checks
   * that many resolution steps apart (a quick screen whose survivors are re-checked in full).
   */
  motionAt(a: Float64Array, ao: number, b: Float64Array, bo: number, coarse = 1): boolean {
    this.motionChecks++;
    const dim = this.dim;
    if (this.#isMotionValid) {
      const ca = this.#a,
        cb = this.#b;
      for (let i = 0; i < dim; i++) {
        ca[i] = a[ao + i];
        cb[i] = b[bo + i];
      }
      return this.#isMotionValid(ca, cb);
    }
    let d2 = 0;
    for (let i = 0; i < dim; i++) {
      const d = b[bo + i] - a[ao + i];
      d2 += d * d;
    }
    const n = Math.ceil(Math.sqrt(d2) / (this.resolution * coarse));
    if (!(n > 1)) return true; // no interior point (also catches a zero-length motion)
    if (!Number.isSafeInteger(n)) return false; // a non-finite configuration never passes
    let top = 1;
    while (top * 2 < n) top *= 2;
    const q = this.#q,
      check = this.#isStateValid;
    // each k in 1..n−1 is an odd multiple of exactly one power of two s: visit s = top … 1
    for (let s = top; s >= 1; s >>= 1) {
      for (let k = s; k < n; k += 2 * s) {
        const t = k / n;
        for (let i = 0; i < dim; i++) q[i] = a[ao + i] + (b[bo + i] - a[ao + i]) * t;
        this.stateChecks++;
        if (!check(q)) return false;
      }
    }
    return true;
  }
}

/** L2 distance between a[ao ..] and b[bo ..] over `dim` joints, rad. */
export function distanceAt(a: Float64Array, ao: number, b: Float64Array, bo: number, dim: number): number {
  let d2 = 0;
  for (let i = 0; i < dim; i++) {
    const d = b[bo + i] - a[ao + i];
    d2 += d * d;
  }
  return Math.sqrt(d2);
}

/**
 * A motion check built from a state check alone, for callers outside the planner (e.g. a guard
 * re-checking a path): interior configurations at most `resolution` rad (L2) apart, ends excluded.
 */
export function resolutionMotionValidity(dim: number, isStateValid: StateValidity, resolution: number): MotionValidity {
  if (!(Number.isInteger(dim) && dim > 0)) throw new RangeError(`planning: dimension must be a positive integer, got ${dim}`);
  if (!(Number.isFinite(resolution) && resolution > 0)) throw new RangeError(`planning: resolution must be > 0 rad, got ${resolution}`);
  const m = new MotionChecker(dim, isStateValid, resolution);
  return (a, b) => {
    if (a.length !== dim || b.length !== dim) throw new RangeError(`planning: expected ${dim} joint values per configuration`);
    return m.motionAt(a, 0, b, 0);
  };
}
