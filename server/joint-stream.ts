/**
 * The joint-state stream to the consoles: the arm's joints, the gripper and every body's pose,
 * at a bounded rate, coalesced (a slow console skips frames, nothing queues), with a keepalive
 * so a console can tell a still robot from a dead link.
 */
import type { WebSocket } from 'ws';
import type { JointsMessage } from './messages.js';

/** a client that has this much unsent data gets no joint frames until it catches up */
const BACKPRESSURE_BYTES = 512 * 1024;
/** re-send an unchanged joint frame this often, so the console can tell the stream is alive */
const KEEPALIVE_MS = 250;
/** joint frames that may go out back to back after a stall */
const BURST = 10;

export class JointStream {
  readonly #clients: ReadonlySet<WebSocket>;
  /** seconds between frames at most (1 / the joint rate) */
  readonly #period: number;
  readonly #build: () => JointsMessage;
  #last: number[] = [];
  #lastAt = 0;
  #lastStamp = -Infinity;
  #tokens = 0;
  #tokenAt = 0;

  constructor(clients: ReadonlySet<WebSocket>, rateHz: number, build: () => JointsMessage) {
    this.#clients = clients;
    this.#period = 1 / rateHz;
    this.#build = build;
  }

  /** A joint state was published (stamp: backend clock, s): forward it if the rate allows. */
  onJointState(stamp: number): void {
    if (this.#clients.size === 0) return;
    if (stamp < this.#lastStamp) this.#lastStamp = -Infinity; // the clock was reset
    if (stamp - this.#lastStamp < this.#period - 1e-6) return;
    // Token bucket on the wall clock: bursts after a stall pass, a sim running faster than
    // real time ('fast' pace) is capped at twice the joint rate.
    const now = performance.now();
    this.#tokens = Math.min(BURST, this.#tokens + ((now - this.#tokenAt) * 2) / (this.#period * 1000));
    this.#tokenAt = now;
    if (this.#tokens < 1) return;
    this.#tokens -= 1;
    this.#lastStamp = stamp;
    this.send(false);
  }

  /** Send the current joint state if it changed (or a keepalive is due). */
  send(keepaliveOnly: boolean): void {
    const now = Date.now();
    if (keepaliveOnly && now - this.#lastAt < KEEPALIVE_MS) return;
    const msg = this.#build();
    const flat = [...msg.q, msg.gripper, ...msg.bodies];
    let changed = flat.length !== this.#last.length;
    for (let i = 0; !changed && i < flat.length; i++) if (flat[i] !== this.#last[i]) changed = true;
    if (!changed && now - this.#lastAt < KEEPALIVE_MS) return;
    this.#last = flat;
    this.#lastAt = now;
    const text = JSON.stringify(msg);
    for (const ws of this.#clients) {
      // Coalesce rather than queue: a slow console skips frames.
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < BACKPRESSURE_BYTES) ws.send(text);
    }
  }
}
