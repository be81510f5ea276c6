/**
 * A watchdog outside the session's event loop. The session's thread beats a heartbeat into shared
 * memory; a worker thread (watchdog-worker.mjs) watches it. When the arm is moving and the
 * session has been silent for longer than `timeoutMs` (a frozen event loop, a long computation
 * on the wrong thread), the worker halts the motion over its own link to the robot:
 * - sim: it sets a shared flag that the sim backend reads before every physics step, and the
 *   backend brakes the arm as for a stop. (The sim's physics runs on the session's thread, so a
 *   frozen loop also freezes the simulated arm: the flag makes the first step after the freeze
 *   a halt instead of a catch-up of the old motion.)
 * - ROS through rosbridge: it cancels exactly the goals in flight, by id, over its own
 *   WebSocket to rosbridge, while the session's thread is still frozen.
 *
 * When the session answers again it sees the trip (`onTrip`), reports it, and clears the flag.
 */
import { Worker } from 'node:worker_threads';

const HEARTBEAT = 0;
const MOVING = 1;
const TRIPPED = 2;
const TRIPPED_AT = 3;
const SILENT_MS = 4;
const STOP = 5;
const HALT = 6;
const CELLS = 8;

export interface WatchdogOptions {
  /** ms of silence while moving before the arm is halted (default 250) */
  timeoutMs?: number;
  /** ms between heartbeats (default 50) */
  periodMs?: number;
  /** ms between the worker's checks (default 5) */
  checkMs?: number;
  /** the watchdog's own rosbridge link, to cancel goals by id when it trips (ROS 1 actions are advertised up front) */
  rosbridge?: { url: string; version: 1 | 2; actions: string[] };
}

export interface WatchdogTrip {
  /** how long the session had been silent when the watchdog halted the arm, ms */
  silentMs: number;
  /** wall clock (Date.now()) of the halt */
  at: number;
}

export class Watchdog {
  readonly timeoutMs: number;
  /** the shared cells: the sim backend reads TRIPPED (index 2) before every physics step */
  readonly cells: Int32Array;
  readonly #base = Date.now();
  readonly #worker: Worker;
  readonly #beat: NodeJS.Timeout;
  readonly #listeners = new Set<(t: WatchdogTrip) => void>();
  readonly #stopListeners = new Set<() => void>();
  #disposed = false;
  #goals = '';
  #goalProvider: (() => readonly { action: string; ids: readonly string[] }[]) | null = null;
  /** settles when the worker thread watches (its start takes tens of ms); rejects if it cannot start */
  readonly ready: Promise<void>;
  /** why the worker is not watching, if it failed */
  problem: string | null = null;

  constructor(options: WatchdogOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 250;
    this.cells = new Int32Array(new SharedArrayBuffer(CELLS * 4));
    this.#heartbeat();
    this.#worker = new Worker(new URL('./watchdog-worker.mjs', import.meta.url), {
      workerData: {
        cells: this.cells.buffer,
        base: this.#base,
        timeoutMs: this.timeoutMs,
        checkMs: options.checkMs ?? 5,
        rosbridge: options.rosbridge ?? null,
      },
    });
    this.#worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (m: { type?: string }) => {
        if (m?.type === 'ready') resolve();
      });
      // The watchdog is a second line of defence; its failure must not take the session down,
      // but it is reported.
      this.#worker.on('error', (err) => {
        this.problem = `the watchdog thread failed: ${err.message}`;
        reject(err);
      });
    });
    this.ready.catch(() => undefined);
    this.#beat = setInterval(() => this.#heartbeat(), options.periodMs ?? 50);
    this.#beat.unref();
  }

  /** The arm is (not) executing a motion: only a moving arm is halted. */
  setMoving(moving: boolean): void {
    // A thread that starts a motion is alive: beat first, or a long computation before the
    // motion (planning on a loaded machine) leaves a stale beat and the motion trips at once.
    if (moving) Atomics.store(this.cells, HEARTBEAT, Date.now() - this.#base);
    Atomics.store(this.cells, MOVING, moving ? 1 : 0);
  }

  /** The goals in flight on the robot (ROS), for the worker to cancel by id; sent only when they change. */
  setGoals(goals: readonly { action: string; ids: readonly string[] }[]): void {
    const key = JSON.stringify(goals);
    if (this.#disposed || key === this.#goals) return;
    this.#goals = key;
    this.#worker.postMessage({ type: 'goals', goals });
  }

  /** Where the goals in flight come from: asked at every heartbeat and on demand (`refreshGoals`). */
  goalsFrom(provider: () => readonly { action: string; ids: readonly string[] }[]): void {
    this.#goalProvider = provider;
    this.refreshGoals();
  }

  refreshGoals(): void {
    if (this.#goalProvider) this.setGoals(this.#goalProvider());
  }

  /** true from the watchdog's halt until the session has reported it */
  get tripped(): boolean {
    return Atomics.load(this.cells, TRIPPED) !== 0;
  }

  /**
   * Take operator stops on the watchdog's thread too: an HTTP listener of its own (POST /stop with
   * the token), answered even while this thread is busy or frozen. Resolves with its port.
   */
  serveStop(o: {
    host: string;
    port?: number;
    token: string;
    /** the token cookie's name (the console's cookie reaches every port of the host) */
    cookie: string;
    /** Host names accepted (no ports) */
    hosts: string[];
    /** Origins accepted (the console's) */
    origins: string[];
    tls?: { cert: string; key: string };
  }): Promise<number> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type?: string; ok?: boolean; port?: number; message?: string }) => {
        if (m?.type !== 'stop_listener') return;
        this.#worker.off('message', onMessage);
        if (m.ok) resolve(m.port ?? 0);
        else reject(new Error(`the stop listener could not start: ${m.message ?? 'unknown error'}`));
      };
      this.#worker.on('message', onMessage);
      this.#worker.postMessage({ type: 'serve_stop', ...o });
    });
  }

  /** An operator's stop reached the watchdog's thread: `listener` runs on this thread at its next beat. */
  onStopRequest(listener: () => void): () => void {
    this.#stopListeners.add(listener);
    return () => this.#stopListeners.delete(listener);
  }

  /** Called (on the session's thread) once it answers again after a halt. */
  onTrip(listener: (t: WatchdogTrip) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  dispose(): Promise<number> {
    this.#disposed = true;
    clearInterval(this.#beat);
    Atomics.store(this.cells, STOP, 1);
    return this.#worker.terminate();
  }

  #heartbeat(): void {
    // The beat first: clearing TRIPPED while the old beat is still in the cell would let the
    // worker trip again on the same silence (a second halt for one freeze).
    Atomics.store(this.cells, HEARTBEAT, Date.now() - this.#base);
    if (Atomics.load(this.cells, HALT) !== 0) {
      Atomics.store(this.cells, HALT, 0);
      for (const l of this.#stopListeners) {
        try {
          l();
        } catch {
          /* a listener's bug must not stop the heartbeat */
        }
      }
    }
    if (Atomics.load(this.cells, TRIPPED) !== 0) {
      // We were silent and the arm was halted: say so once, then watch again.
      const trip = { silentMs: Atomics.load(this.cells, SILENT_MS), at: this.#base + Atomics.load(this.cells, TRIPPED_AT) };
      Atomics.store(this.cells, TRIPPED, 0);
      for (const l of this.#listeners) {
        try {
          l(trip);
        } catch {
          /* a listener's bug must not stop the heartbeat */
        }
      }
    }
    this.refreshGoals();
  }
}

/** indices of the cells that mean "halt the arm now", for readers of `Watchdog.cells` (the sim backend) */
export const WATCHDOG_TRIPPED = TRIPPED;
export const WATCHDOG_HALT = HALT;
