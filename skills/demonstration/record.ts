/**
 * Recording a demonstration from a RobotBackend's joint-state stream: the sim's, and on a real
 * arm the bridge's /joint_states (same JointState shape). Samples are taken at `rate` Hz by the
 * backend's clock (stamps), or with `rate: 'as-received'` every message is kept with its own
 * stamp (the file's nominal rate is then the median rate measured), with the gripper value read
 * alongside.
 *
 * Note: a 'fast'-paced SimBackend only steps (and publishes joint states) while something is
 * commanded; record with the 'realtime' pace when a person guides the simulated arm.
 */
import type { JointState, RobotBackend, Unsubscribe } from '../../robot-bridge/types.js';
import { DEMONSTRATION_FORMAT, DEMONSTRATION_VERSION, type Demonstration, type DemonstrationSample } from './format.js';

export interface RecorderOptions {
  /** robot model name written into the file (e.g. "panda") */
  robot: string;
  /** samples per second (default 100), or 'as-received': every joint state, at its own stamp */
  rate?: number | 'as-received';
  /** stop by itself after this long, s (default 300) */
  maxDuration?: number;
  /** read the gripper value with every sample (default true when the backend has a gripper) */
  gripper?: boolean;
  /** written into the file */
  source?: string;
  reference?: Demonstration['reference'];
  /** called once when maxDuration ended the recording */
  onLimit?: () => void;
}

export class DemonstrationRecorder {
  readonly #backend: RobotBackend;
  readonly #opts: Required<Omit<RecorderOptions, 'reference' | 'source' | 'onLimit'>> &
    Pick<RecorderOptions, 'reference' | 'source' | 'onLimit'>;
  #samples: DemonstrationSample[] = [];
  #unsubscribe: Unsubscribe | null = null;
  #t0 = 0;
  #next = 0;
  /** set when maxDuration ended the recording */
  truncated = false;

  constructor(backend: RobotBackend, opts: RecorderOptions) {
    const rate = opts.rate ?? 100;
    if (rate !== 'as-received' && !(rate > 0 && rate <= 10_000))
      throw new Error(`[demonstration] rate must be 0..10000 Hz or 'as-received', got ${rate}`);
    this.#backend = backend;
    this.#opts = {
      rate,
      maxDuration: opts.maxDuration ?? 300,
      gripper: opts.gripper ?? backend.capabilities.gripper,
      robot: opts.robot,
      source: opts.source,
      reference: opts.reference,
      onLimit: opts.onLimit,
    };
  }

  get recording(): boolean {
    return this.#unsubscribe !== null;
  }

  get sampleCount(): number {
    return this.#samples.length;
  }

  /** seconds recorded so far */
  get duration(): number {
    return this.#samples.length ? this.#samples[this.#samples.length - 1].t : 0;
  }

  start(): void {
    if (this.#unsubscribe) throw new Error('[demonstration] already recording');
    this.#samples = [];
    this.truncated = false;
    this.#t0 = NaN;
    this.#unsubscribe = this.#backend.onJointState((s) => this.#onState(s));
    // On the rate grid the current state is the first sample, so a recording never starts
    // late; as received, only real messages (with their own stamps) count.
    if (this.#opts.rate !== 'as-received') this.#onState(this.#backend.jointState());
  }

  #onState(s: JointState): void {
    if (!this.#unsubscribe) return;
    if (Number.isNaN(this.#t0)) {
      this.#t0 = s.stamp;
      this.#next = s.stamp;
    }
    const rate = this.#opts.rate;
    if (rate !== 'as-received') {
      const period = 1 / rate;
      if (s.stamp < this.#next - period * 1e-3) return;
      // Stay on the rate grid; after a gap, restart it from this stamp.
      this.#next = s.stamp - this.#next > period ? s.stamp + period : this.#next + period;
    }
    const t = s.stamp - this.#t0;
    const last = this.#samples[this.#samples.length - 1];
    // A repeated or older stamp (a resent message, a clock step back) is not a new sample.
    if (last && !(t > last.t)) return;
    const sample: DemonstrationSample = { t, q: [...s.position] };
    if (this.#opts.gripper) {
      // A gripper the robot does not report (NaN) is left out rather than written as a non-number.
      const g = this.#backend.gripperPosition();
      if (Number.isFinite(g)) sample.gripper = g;
    }
    this.#samples.push(sample);
    if (t >= this.#opts.maxDuration) {
      this.truncated = true;
      this.#unsubscribe?.();
      this.#unsubscribe = null;
      try {
        this.#opts.onLimit?.();
      } catch {
        /* the recording itself is complete */
      }
    }
  }

  /** The nominal rate for the file: the grid rate, or the median rate of what was received. */
  #fileRate(): number {
    const rate = this.#opts.rate;
    if (rate !== 'as-received') return rate;
    const gaps = this.#samples
      .slice(1)
      .map((x, k) => x.t - this.#samples[k].t)
      .sort((a, b) => a - b);
    const median = gaps[gaps.length >> 1];
    return median > 0 ? Math.min(10_000, Math.max(0.01, Math.round(1 / median))) : 1;
  }

  /** Stop and return the raw demonstration (check it with processDemonstration). */
  stop(): Demonstration {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    return {
      format: DEMONSTRATION_FORMAT,
      version: DEMONSTRATION_VERSION,
      robot: this.#opts.robot,
      jointNames: [...this.#backend.jointNames],
      rate: this.#fileRate(),
      samples: this.#samples,
      ...(this.#opts.reference ? { reference: this.#opts.reference } : {}),
      ...(this.#opts.source ? { source: this.#opts.source } : {}),
      recordedAt: new Date().toISOString(),
    };
  }
}
