/**
 * Who advances the sim clock, and how fast.
 *
 * - 'fast': steps as fast as the CPU allows, but only while `busy()` says something is
 *   commanded, yielding to the event loop every `chunk` steps (and whenever `yieldSoon()` is
 *   called, e.g. after a promise was resolved) so callbacks, cancels and follow-up commands
 *   run. An idle headless script burns no CPU. Deterministic: steps happen only in response
 *   to commands, at sim times that do not depend on the wall clock.
 * - 'realtime': a timer steps continuously so sim time tracks the wall clock (× `speed`),
 *   idle or not, so objects keep settling and joint states stream to a person watching. If the
 *   CPU cannot keep up for more than `maxLag` seconds, the loop drops the missing time rather
 *   than trying to catch up (`lagging` tells).
 */
import type { SimWorld } from './world.js';

export type Pace = 'fast' | 'realtime';

export interface SimLoopOptions {
  pace: Pace;
  /** fast pace: keep stepping while this is true (default: never) */
  busy?: () => boolean;
  /** fast pace: physics steps per event-loop turn (default 25, i.e. 50 ms at 2 ms steps) */
  chunk?: number;
  /** realtime pace: sim seconds per wall second (default 1) */
  speed?: number;
  /** realtime pace: seconds behind the wall clock before time is dropped (default 0.25) */
  maxLag?: number;
  /** realtime pace: timer period, ms (default 5) */
  tickMs?: number;
  /** called when an exception escapes a step (the loop stops) */
  onError?: (err: unknown) => void;
}

/** drops remembered for recentLag (a tick every 5 ms drops at most once: 10 s of history) */
const DROP_HISTORY = 2048;

const immediate = () => new Promise<void>((r) => setImmediate(r));

export class SimLoop {
  readonly world: SimWorld;
  #pace: Pace;
  readonly #busy: () => boolean;
  readonly #chunk: number;
  readonly #speed: number;
  readonly #maxLag: number;
  readonly #tickMs: number;
  readonly #onError?: (err: unknown) => void;
  #running = false;
  #pumping = false;
  #yield = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wall0 = 0;
  #sim0 = 0;
  /** realtime: the CPU fell behind and time was dropped at least once since start */
  lagging = false;
  /** realtime: total sim seconds dropped because the CPU could not keep up */
  droppedTime = 0;
  /** realtime: recent drops, [wall ms, sim seconds dropped], oldest first (at most DROP_HISTORY) */
  readonly #drops: [number, number][] = [];

  constructor(world: SimWorld, options: SimLoopOptions) {
    this.world = world;
    this.#pace = options.pace;
    this.#busy = options.busy ?? (() => false);
    this.#chunk = Math.max(1, options.chunk ?? 25);
    this.#speed = options.speed ?? 1;
    this.#maxLag = options.maxLag ?? 0.25;
    this.#tickMs = options.tickMs ?? 5;
    this.#onError = options.onError;
  }

  get pace(): Pace {
    return this.#pace;
  }

  /** Switch pace at run time (the console's pace switch); a running loop goes on in the new pace. */
  setPace(pace: Pace): void {
    if (pace === this.#pace) return;
    const running = this.#running;
    this.stop();
    this.#pace = pace;
    this.#drops.length = 0;
    this.lagging = false;
    if (running) this.start();
  }

  /**
   * Lag that applies now: the sim seconds dropped within the last `windowMs` of wall time and in
   * how many distinct seconds of it. One stall (start-up, a long compile) is one second; a CPU
   * that cannot keep up drops in most of them.
   */
  recentLag(windowMs = 10_000, now = performance.now()): { dropped: number; seconds: number } {
    let dropped = 0;
    const seconds = new Set<number>();
    for (const [at, d] of this.#drops)
      if (now - at <= windowMs) {
        dropped += d;
        seconds.add(Math.floor(at / 1000));
      }
    return { dropped, seconds: seconds.size };
  }

  get running(): boolean {
    return this.#running;
  }

  /** Start: realtime pace begins ticking; fast pace begins accepting kicks. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#pace === 'realtime') {
      this.#wall0 = performance.now();
      this.#sim0 = this.world.time;
      this.#tick();
    } else {
      this.kick();
    }
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Fast pace: something was commanded; step until `busy()` turns false. No-op in realtime. */
  kick(): void {
    if (this.#pace !== 'fast' || !this.#running || this.#pumping) return;
    this.#pumping = true;
    void this.#pump();
  }

  /** End the current chunk after this step so awaiting code runs promptly. */
  yieldSoon(): void {
    this.#yield = true;
  }

  async #pump(): Promise<void> {
    try {
      // Let the caller finish registering its command before the first step.
      await Promise.resolve();
      // A switch to realtime ends this pump (the timer steps from then on).
      while (this.#running && this.#pace === 'fast' && this.#busy()) {
        this.#yield = false;
        for (let i = 0; i < this.#chunk && !this.#yield && this.#running && this.#busy(); i++) this.world.step(1);
        await immediate();
      }
    } catch (err) {
      this.#running = false;
      this.#onError?.(err);
    } finally {
      this.#pumping = false;
    }
  }

  #tick = (): void => {
    if (!this.#running) return;
    try {
      const dt = this.world.timestep;
      const due = this.#sim0 + ((performance.now() - this.#wall0) / 1000) * this.#speed;
      let behind = due - this.world.time;
      if (behind > this.#maxLag) {
        // Cannot keep up: drop the excess instead of spiralling.
        const drop = behind - this.#maxLag;
        this.#sim0 -= drop;
        this.droppedTime += drop;
        this.lagging = true;
        this.#drops.push([performance.now(), drop]);
        if (this.#drops.length > DROP_HISTORY) this.#drops.shift();
        behind = this.#maxLag;
      }
      const steps = Math.floor(behind / dt + 1e-9);
      if (steps > 0) this.world.step(steps);
    } catch (err) {
      this.#running = false;
      this.#onError?.(err);
      return;
    }
    this.#timer = setTimeout(this.#tick, this.#tickMs);
  };
}
