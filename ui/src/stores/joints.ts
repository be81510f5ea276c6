/**
 * The live joint-state buffer. Written by the WebSocket client at the stream rate (~50 Hz),
 * read by the 3D scene inside its frame loop: no React state, no allocation per message.
 */
import type { JointsMessage } from '../../../server/protocol.js';

export class JointBuffer {
  q: Float64Array = new Float64Array(0);
  gripper = 0;
  /** 7 numbers per scene body: x, y, z, qx, qy, qz, qw */
  bodies: Float64Array = new Float64Array(0);
  stamp = 0;
  /** increments on every change; the scene compares it to what it last drew */
  version = 0;
  /** messages received in total */
  received = 0;
  readonly #times = new Float64Array(64);
  #head = 0;
  readonly #listeners = new Set<() => void>();

  /** Size the buffers (on hello); keeps the arrays stable afterwards. */
  configure(dof: number, bodies: number): void {
    if (this.q.length !== dof) this.q = new Float64Array(dof);
    if (this.bodies.length !== bodies * 7) this.bodies = new Float64Array(bodies * 7);
    this.version++;
  }

  write(m: JointsMessage): void {
    this.received++;
    this.#times[this.#head] = performance.now();
    this.#head = (this.#head + 1) % this.#times.length;
    let changed = m.gripper !== this.gripper;
    const n = Math.min(this.q.length, m.q.length);
    for (let i = 0; i < n; i++) {
      if (this.q[i] !== m.q[i]) {
        this.q[i] = m.q[i];
        changed = true;
      }
    }
    const b = Math.min(this.bodies.length, m.bodies.length);
    for (let i = 0; i < b; i++) {
      if (this.bodies[i] !== m.bodies[i]) {
        this.bodies[i] = m.bodies[i];
        changed = true;
      }
    }
    this.gripper = m.gripper;
    this.stamp = m.stamp;
    if (changed) {
      this.version++;
      for (const l of this.#listeners) l();
    }
  }

  /** messages per second over the last (up to) 64 messages */
  rate(): number {
    const n = Math.min(this.received, this.#times.length);
    if (n < 2) return 0;
    const newest = this.#times[(this.#head - 1 + this.#times.length) % this.#times.length];
    const oldest = this.#times[(this.#head - n + this.#times.length) % this.#times.length];
    return newest > oldest ? ((n - 1) * 1000) / (newest - oldest) : 0;
  }

  /** called when a message changed the state (the scene uses it to request a frame) */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export const joints = new JointBuffer();
