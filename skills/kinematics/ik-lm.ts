/**
 * One Levenberg–Marquardt attempt on the weighted task error, in its 6×6 form
 *   Δq = Jᵀ (J Jᵀ + λI)⁻¹ e
 * (hand-written Cholesky, no allocation in the loop), with accept/reject adaptive damping λ,
 * joint limits enforced by clamping every step, and an active set that drops joints pinned at a
 * limit. Restarts and the choice between attempts are the solver's (ik.ts).
 *
 * Units: joint values in radians (meters for prismatic joints); errors as in IkTask.
 */
import type { KinematicChain } from './chain.js';
import type { IkTask } from './ik-task.js';

export class LmAttempt {
  readonly #chain: KinematicChain;
  readonly #task: IkTask;
  readonly #convP: number;
  readonly #convR: number;

  /** the configuration an attempt starts from; afterwards, the attempt's best */
  q: Float64Array;
  /** unweighted position (m) / orientation (rad) errors at q after an attempt */
  pErr = 0;
  rErr = 0;
  /** LM trial steps taken (the solver resets it per solve) */
  iterations = 0;

  // scratch (allocation-free inner loop)
  #qTry: Float64Array;
  readonly #dq: Float64Array;
  #e = new Float64Array(6);
  #eTry = new Float64Array(6);
  readonly #J: Float64Array;
  readonly #Jt: Float64Array;
  readonly #A = new Float64Array(36);
  readonly #L = new Float64Array(36);
  readonly #y = new Float64Array(6);

  /** convP, convR: an attempt stops as converged below these errors (m, rad) */
  constructor(chain: KinematicChain, task: IkTask, convP: number, convR: number) {
    this.#chain = chain;
    this.#task = task;
    this.#convP = convP;
    this.#convR = convR;
    const n = chain.dof;
    this.q = new Float64Array(n);
    this.#qTry = new Float64Array(n);
    this.#dq = new Float64Array(n);
    this.#J = new Float64Array(6 * n);
    this.#Jt = new Float64Array(6 * n);
  }

  /** Put the chain at `q` and evaluate the task error there (into task.pErr / task.rErr); no search. */
  evaluate(q: ArrayLike<number>): void {
    this.#chain.update(q);
    this.#task.error(this.#chain.tip, this.#eTry);
  }

  /**
   * One LM attempt from q. Leaves the best configuration of the attempt in q and its errors in
   * pErr/rErr. Returns true when converged to the internal tolerance.
   */
  attempt(maxIter: number): boolean {
    const task = this.#task;
    const ch = this.#chain,
      n = ch.dof,
      m = task.m,
      lo = ch.lower,
      hi = ch.upper;
    const J = this.#J,
      Jt = this.#Jt,
      A = this.#A,
      L = this.#L,
      y = this.#y,
      dq = this.#dq,
      w = task.w;
    const convP = this.#convP,
      convR = this.#convR;
    ch.update(this.q);
    let E = task.error(ch.tip, this.#e);
    this.pErr = task.pErr;
    this.rErr = task.rErr;
    let lambda = 1e-3;
    let it = 0;
    let windowE = E,
      windowIt = 0;
    const maxStep = 0.6; // rad per step: keeps LM inside the region where the linear model holds
    while (it < maxIter) {
      if (this.pErr < convP && this.rErr < convR) return true;
      // Task Jacobian (m×n, weighted like the error)
      ch.jacobianFromLastUpdate(J);
      for (let k = 0; k < 3 * n; k++) Jt[k] = J[k];
      if (m === 6) {
        for (let k = 3 * n; k < 6 * n; k++) Jt[k] = w * J[k];
      } else if (m === 5) {
        const t = ch.tip;
        for (let c = 0; c < n; c++) {
          const jx = J[3 * n + c],
            jy = J[4 * n + c],
            jz = J[5 * n + c];
          Jt[3 * n + c] = w * (t[0] * jx + t[1] * jy + t[2] * jz);
          Jt[4 * n + c] = w * (t[3] * jx + t[4] * jy + t[5] * jz);
        }
      }
      // Joints pinned at a limit whose descent direction points further out are dropped from this
      // step (active set), so the others compensate instead of the clamp silently eating the step.
      {
        const q = this.q,
          e = this.#e;
        for (let c = 0; c < n; c++) {
          const atLo = q[c] <= lo[c],
            atHi = q[c] >= hi[c];
          if (!atLo && !atHi) continue;
          let g = 0;
          for (let r = 0; r < m; r++) g += Jt[r * n + c] * e[r];
          if ((atLo && g < 0) || (atHi && g > 0)) for (let r = 0; r < m; r++) Jt[r * n + c] = 0;
        }
      }
      // A = Jt Jtᵀ (m×m, symmetric)
      for (let r = 0; r < m; r++) {
        for (let s = 0; s <= r; s++) {
          let acc = 0;
          for (let c = 0; c < n; c++) acc += Jt[r * n + c] * Jt[s * n + c];
          A[r * 6 + s] = acc;
        }
      }
      let accepted = false;
      while (it < maxIter) {
        it++;
        this.iterations++;
        // Cholesky of A + λI (lower triangle, in L), then solve L Lᵀ y = e
        const e = this.#e;
        for (let r = 0; r < m; r++) {
          for (let s = 0; s <= r; s++) {
            let acc = A[r * 6 + s] + (r === s ? lambda : 0);
            for (let k = 0; k < s; k++) acc -= L[r * 6 + k] * L[s * 6 + k];
            L[r * 6 + s] = r === s ? Math.sqrt(acc) : acc / L[s * 6 + s];
          }
        }
        for (let r = 0; r < m; r++) {
          let acc = e[r];
          for (let k = 0; k < r; k++) acc -= L[r * 6 + k] * y[k];
          y[r] = acc / L[r * 6 + r];
        }
        for (let r = m - 1; r >= 0; r--) {
          let acc = y[r];
          for (let k = r + 1; k < m; k++) acc -= L[k * 6 + r] * y[k];
          y[r] = acc / L[r * 6 + r];
        }
        // Δq = Jtᵀ y, capped
        let big = 0;
        for (let c = 0; c < n; c++) {
          let acc = 0;
          for (let r = 0; r < m; r++) acc += Jt[r * n + c] * y[r];
          dq[c] = acc;
          const a = Math.abs(acc);
          if (a > big) big = a;
        }
        const scale = big > maxStep ? maxStep / big : 1;
        const q = this.q,
          qt = this.#qTry;
        for (let c = 0; c < n; c++) {
          const v = q[c] + scale * dq[c];
          qt[c] = v < lo[c] ? lo[c] : v > hi[c] ? hi[c] : v;
        }
        ch.update(qt);
        const Et = task.error(ch.tip, this.#eTry);
        if (Et < E) {
          // accept: swap buffers, relax damping
          this.#qTry = q;
          this.q = qt;
          const te = this.#e;
          this.#e = this.#eTry;
          this.#eTry = te;
          E = Et;
          this.pErr = task.pErr;
          this.rErr = task.rErr;
          lambda = Math.max(lambda * 0.3, 1e-7);
          accepted = true;
          break;
        }
        lambda *= 5;
        if (lambda > 1e3) break; // no descent direction left: local minimum or pinned at a limit
      }
      if (!accepted) {
        ch.update(this.q); // leave the chain at the attempt's best
        return this.pErr < convP && this.rErr < convR;
      }
      // slow progress ⇒ likely creeping along a limit or into a local minimum: give up early
      if (it - windowIt >= 12) {
        if (E > 0.5 * windowE) break;
        windowE = E;
        windowIt = it;
      }
    }
    if (this.pErr < convP && this.rErr < convR) return true;
    return false;
  }
}
