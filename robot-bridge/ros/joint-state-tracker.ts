/**
 * The arm's state as the robot reports it: sensor_msgs/JointState messages mapped to the URDF's
 * joints by the robot's names, the gripper joint, the robot's clock from the header stamps, and
 * the problems of the stream (joints missing, stale, malformed messages, non-finite values).
 *
 * Units: rad, rad/s, N·m (m, m/s, N for prismatic joints), gripper in the URDF joint's unit,
 * seconds; arrival times are performance.now() ms.
 */
import type { JointState, Unsubscribe } from '../types.js';
import type { RosBridgeConfig } from './config.js';
import { jointMismatchHint, jointStatesHint } from './hints.js';
import type { ProblemSink } from './link-status.js';
import { parseJointState } from './messages.js';

const MAX_SEEN_NAMES = 64;
/** rad (m): no joint of a real arm reports more; a larger value is garbage, not a position */
const ABSURD_POSITION = 1e4;

export interface JointStateTrackerOptions {
  config: RosBridgeConfig;
  /** URDF arm joints, model order */
  jointNames: readonly string[];
  /** the robot's names for them, same order */
  robotNames: readonly string[];
  /** the robot's name for the gripper joint (null: none) */
  gripperJoint: string | null;
  problems: ProblemSink;
  /** after every usable message, with its arrival time (ms): the gripper watch in topic/service modes */
  afterMessage?: (now: number) => void;
}

export class JointStateTracker {
  /** robot joint name -> model arm index */
  readonly armIndex = new Map<string, number>();

  readonly #config: RosBridgeConfig;
  readonly #jointNames: readonly string[];
  readonly #n: number;
  readonly #gripperJoint: string | null;
  readonly #problems: ProblemSink;
  readonly #afterMessage?: (now: number) => void;
  readonly #q: Float64Array;
  readonly #qd: Float64Array;
  readonly #effort: Float64Array;
  /** performance.now() of each joint's last update (0: never) */
  readonly #seenAt: Float64Array;
  #gripper = NaN;
  readonly #seenNames = new Set<string>();
  #stamp = 0;
  #stampWall = 0;
  #wall0 = performance.now();
  #lastNow = 0;
  /** joint-state messages received, and their arrival times for rate figures */
  #stateCount = 0;
  #badStates = 0;
  #nonFinite = new Set<string>();
  readonly #jointListeners = new Set<(s: JointState) => void>();
  readonly #freshWaiters = new Set<() => void>();

  constructor(options: JointStateTrackerOptions) {
    this.#config = options.config;
    this.#jointNames = options.jointNames;
    this.#n = options.jointNames.length;
    this.#gripperJoint = options.gripperJoint;
    this.#problems = options.problems;
    this.#afterMessage = options.afterMessage;
    options.robotNames.forEach((r, i) => this.armIndex.set(r, i));
    this.#q = new Float64Array(this.#n).fill(NaN);
    this.#qd = new Float64Array(this.#n);
    this.#effort = new Float64Array(this.#n);
    this.#seenAt = new Float64Array(this.#n);
  }

  /** arm positions, model order (NaN: never received) */
  get q(): ArrayLike<number> {
    return this.#q;
  }

  /** the gripper joint's last position (NaN: never received), URDF unit */
  get gripper(): number {
    return this.#gripper;
  }

  /** A gripper result reports where the fingers ended. */
  setGripper(position: number): void {
    this.#gripper = position;
  }

  /** joint-state messages received, and how many were unusable */
  get counts(): { received: number; malformed: number } {
    return { received: this.#stateCount, malformed: this.#badStates };
  }

  /** Joint names the robot publishes (up to 64), for diagnostics. */
  seenNames(): string[] {
    return [...this.#seenNames];
  }

  /** The link is (re)opened: the wall clock starts again for a robot that does not stamp. */
  resetWallClock(): void {
    this.#wall0 = performance.now();
  }

  onJointState(listener: (s: JointState) => void): Unsubscribe {
    this.#jointListeners.add(listener);
    return () => {
      this.#jointListeners.delete(listener);
    };
  }

  /** One message from the joint-states topic. */
  ingest(msg: unknown): void {
    const js = parseJointState(msg);
    if (typeof js === 'string') {
      this.#badStates++;
      this.#problems.setProblem({
        id: 'ros.joint_states.malformed',
        severity: 'warn',
        message: `Ignored ${this.#badStates} malformed joint-state message(s) on ${this.#config.jointStates} (last: ${js}).`,
      });
      return;
    }
    this.#stateCount++;
    const now = performance.now();
    const { name, position, velocity, effort } = js;
    let touched = false;
    let bad: string | null = null;
    for (let i = 0; i < name.length; i++) {
      const n = name[i];
      const idx = this.armIndex.get(n);
      if (idx === undefined) {
        if (n === this.#gripperJoint) {
          const v = position[i];
          if (Number.isFinite(v)) this.#gripper = v / this.#config.gripper.scale;
        } else if (this.#seenNames.size < MAX_SEEN_NAMES) {
          this.#seenNames.add(n);
        }
        continue;
      }
      if (this.#seenNames.size < MAX_SEEN_NAMES) this.#seenNames.add(n);
      const v = position[i];
      // A non-finite (or absurd) position is not a position: the joint keeps its last value
      // and goes stale if no good value follows.
      if (!Number.isFinite(v) || Math.abs(v) > ABSURD_POSITION) {
        bad = n;
        continue;
      }
      this.#q[idx] = v;
      const vel = velocity.length ? velocity[i] : 0;
      const eff = effort.length ? effort[i] : 0;
      this.#qd[idx] = Number.isFinite(vel) ? vel : 0;
      this.#effort[idx] = Number.isFinite(eff) ? eff : 0;
      this.#seenAt[idx] = now;
      touched = true;
    }
    if (bad) {
      if (!this.#nonFinite.has(bad)) {
        this.#nonFinite.add(bad);
        this.#problems.setProblem({
          id: 'ros.joint_states.nonfinite',
          severity: 'warn',
          message: `The robot sent non-finite or absurd positions for ${[...this.#nonFinite].join(', ')}; those values were ignored.`,
        });
      }
    }
    if (js.stamp > 0) {
      this.#stamp = js.stamp;
      this.#stampWall = now;
    }
    this.#afterMessage?.(now);
    if (!touched) return;
    if (this.#freshWaiters.size) {
      const w = [...this.#freshWaiters];
      this.#freshWaiters.clear();
      w.forEach((f) => f());
    }
    if (!this.#jointListeners.size) return;
    for (let i = 0; i < this.#n; i++) if (!Number.isFinite(this.#q[i])) return;
    const s = this.jointState();
    if (js.stamp > 0) s.stamp = js.stamp;
    for (const l of this.#jointListeners) {
      try {
        l(s);
      } catch {
        /* a throwing listener must not stop the stream */
      }
    }
  }

  /** resolves on the next joint state that updates an arm joint, or after `ms` */
  nextState(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#freshWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#freshWaiters.add(done);
    });
  }

  /** Resolves true once every URDF arm joint has a finite position (false on timeout, s). */
  async waitForAll(timeoutS: number): Promise<boolean> {
    const deadline = performance.now() + timeoutS * 1000;
    while (this.missing().length) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.nextState(Math.min(left, 100));
    }
    return true;
  }

  /** URDF arm joints (by URDF name) with no finite position yet. */
  missing(): string[] {
    return this.#jointNames.filter((_, i) => !(this.#seenAt[i] > 0 && Number.isFinite(this.#q[i])));
  }

  jointState(): JointState {
    return {
      stamp: this.now(),
      name: [...this.#jointNames],
      position: Array.from(this.#q),
      velocity: Array.from(this.#qd),
      effort: Array.from(this.#effort),
    };
  }

  /** Seconds on the robot's clock (joint-state stamps), or since connecting when it does not stamp. */
  now(): number {
    const w = performance.now();
    const t = this.#stampWall > 0 ? this.#stamp + (w - this.#stampWall) / 1000 : (w - this.#wall0) / 1000;
    if (t > this.#lastNow) this.#lastNow = t;
    return this.#lastNow;
  }

  /** Why the arm's state is not good enough to start a motion from, or null when it is. */
  fresh(): string | null {
    const now = performance.now();
    const staleMs = this.#config.timeouts.stale * 1000;
    for (let i = 0; i < this.#n; i++) {
      if (!(this.#seenAt[i] > 0) || !Number.isFinite(this.#q[i]))
        return `the position of ${this.#jointNames[i]} is not known (no joint state for it)`;
      if (now - this.#seenAt[i] > staleMs)
        return `the joint states are stale (no update of ${this.#jointNames[i]} for ${((now - this.#seenAt[i]) / 1000).toFixed(1)} s)`;
    }
    return null;
  }

  /** Set or clear the problems of joints that never arrived or went stale (the caller emits the status). */
  checkHealth(): void {
    const now = performance.now();
    const staleMs = this.#config.timeouts.stale * 1000;
    const never = this.missing();
    const age = now - this.#wall0;
    if (never.length && age > this.#config.timeouts.jointStates * 1000) {
      const seen = [...this.#seenNames];
      this.#problems.setProblem({
        id: 'ros.joint_states.missing',
        severity: 'error',
        message: seen.length ? `Joint states never included ${never.join(', ')}.` : `No joint states on ${this.#config.jointStates}.`,
        tip: seen.length
          ? jointMismatchHint(never, seen, this.#jointNames)
          : jointStatesHint(this.#config.jointStates, this.#config.dialect),
      });
    } else if (!never.length) {
      this.#problems.clearProblem('ros.joint_states.missing');
    }
    const stale = this.#jointNames.filter((_, i) => this.#seenAt[i] > 0 && now - this.#seenAt[i] > staleMs);
    if (stale.length) {
      const oldest = Math.max(...stale.map((j) => now - this.#seenAt[this.#jointNames.indexOf(j)]));
      this.#problems.setProblem({
        id: 'ros.joint_states.stale',
        severity: 'warn',
        message: `Joint states are stale: no update of ${stale.length === this.#n ? 'any joint' : stale.join(', ')} for ${(oldest / 1000).toFixed(1)} s.`,
        tip: 'Motions are refused until joint states are fresh. Check the robot driver and joint_state_broadcaster.',
      });
    } else {
      this.#problems.clearProblem('ros.joint_states.stale');
    }
  }
}
