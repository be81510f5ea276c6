/**
 * SimBackend: the RobotBackend interface over a MuJoCo SimWorld.
 *
 * - executeTrajectory: cubic Hermite interpolation of the (dense) points at the physics rate
 *   (every 2 ms), with velocity and acceleration feedforward to the joint servos. Ends
 *   `succeeded` once the arm settles within `goalTolerance`, `aborted` if the tracking error
 *   exceeds `pathTolerance` (a collision, a blocked joint) or the goal is not reached within
 *   `goalTimeTolerance`, `preempted` on cancel/stop/a newer trajectory. `done` resolves once
 *   the arm is at rest.
 * - stop(): from any state, cancels the trajectory and finger motion and brakes the arm with a
 *   short linear velocity ramp (`stopTime`, 50 ms), then holds.
 * - Pacing (sim/loop.ts): 'fast' steps only while something is commanded (a trajectory, the
 *   gripper, a brake, `wait`); 'realtime' steps continuously at wall-clock speed.
 *
 * Beside this file: sim-options.ts (options, defaults), sim-motion.ts (trajectory check, the
 * execution record, the braking ramp), sim-gripper.ts (gripper commands).
 *
 * Units: rad, rad/s, N·m, m (gripper), N, seconds of sim time.
 */
import { loadRobotModel } from '../model/description/robot-model.js';
import { loadScene, sceneRobot } from '../sim/scene.js';
import { SimLoop, type Pace } from '../sim/loop.js';
import { TrajectorySampler } from '../sim/trajectory.js';
import { SimWorld } from '../sim/world.js';
import { SimGripper } from './sim-gripper.js';
import { brakeTarget, checkSimTrajectory, newBrake, type Brake, type Execution } from './sim-motion.js';
import { simTuning, type CreateSimBackendOptions, type SimBackendOptions, type SimTuning } from './sim-options.js';
import type {
  BackendStatus,
  Capabilities,
  ExecuteOptions,
  GripperCommand,
  GripperResult,
  JointState,
  JointTrajectory,
  Presence,
  Problem,
  RobotBackend,
  TrajectoryExecution,
  TrajectoryOutcome,
  Unsubscribe,
} from './types.js';

/** sim lag is reported when time was dropped in this many distinct seconds of the last LAG_WINDOW_MS */
const LAG_WINDOW_MS = 10_000;
const LAG_SECONDS = 3;
/**
 * Drops in the first 10 s of real-time stepping are start-up (MuJoCo's WASM warming up, the
 * console page loading beside the server), not a machine that cannot keep up: not counted.
 */
const LAG_GRACE_MS = 10_000;

export type { CreateSimBackendOptions, SimBackendOptions } from './sim-options.js';

const REST_SPEED = 0.02; // rad/s: below this on every joint the arm counts as halted
const BRAKE_SETTLE_MAX = 0.2; // s after the ramp before a brake gives up waiting for rest

export class SimBackend implements RobotBackend {
  readonly kind = 'sim';
  readonly capabilities: Capabilities = {
    trajectoryExecution: true,
    gripper: true,
    groundTruthObjects: true,
    simTimeControl: true,
    handGuiding: false,
  };
  readonly jointNames: readonly string[];
  /** the physics world: objectStates(), bodyPosition() etc. for ground truth */
  readonly world: SimWorld;
  readonly loop: SimLoop;

  readonly #o: SimTuning;
  readonly #ownsWorld: boolean;
  #presence: Presence = 'not_connected';
  #problems: Problem[] = [];
  #lastStatus = '';
  readonly #statusListeners = new Set<(s: BackendStatus) => void>();
  readonly #jointListeners = new Set<(s: JointState) => void>();
  #nextJointState = 0;
  /** performance.now() (ms) from which dropped time counts as lag (the start-up grace ends) */
  #lagFrom = 0;

  #exec: Execution | null = null;
  #brake: Brake | null = null;
  readonly #grip: SimGripper;
  #waits: { until: number; resolve: () => void }[] = [];
  /** earliest `until` among #waits */
  #nextWait = Infinity;
  #counter = 0;
  readonly #unhook: (() => void)[] = [];
  #watchdog: { cells: Int32Array; tripped: number; halt?: number } | null = null;

  // scratch
  readonly #q: Float64Array;
  readonly #qd: Float64Array;
  readonly #qdd: Float64Array;
  readonly #actual: number[];
  readonly #vel: number[];

  constructor(world: SimWorld, options: SimBackendOptions & { ownsWorld?: boolean } = {}) {
    this.world = world;
    this.jointNames = world.jointNames;
    this.#ownsWorld = options.ownsWorld ?? false;
    this.#o = simTuning(options);
    const n = this.jointNames.length;
    this.#q = new Float64Array(n);
    this.#qd = new Float64Array(n);
    this.#qdd = new Float64Array(n);
    this.#actual = new Array<number>(n).fill(0);
    this.#vel = new Array<number>(n).fill(0);
    this.loop = new SimLoop(world, {
      pace: options.pace ?? 'fast',
      speed: options.speed,
      busy: () => this.#busy(),
      onError: (err) => this.#fail(err),
    });
    this.#grip = new SimGripper(world, this.loop, this.#o.gripperTimeout);
    this.#unhook.push(
      world.onBeforeStep(() => this.#control()),
      world.onAfterStep(() => this.#monitor()),
    );
  }

  /** Build the world for a scene (default: the gift-bag scene with its robot) and a backend over it. */
  static async create(options: CreateSimBackendOptions = {}): Promise<SimBackend> {
    const scene = typeof options.scene === 'object' ? options.scene : loadScene(options.scene ?? 'giftbag');
    const robot = typeof options.robot === 'object' ? options.robot : options.robot ? loadRobotModel(options.robot) : sceneRobot(scene);
    const world = await SimWorld.create({ robot, scene, seed: options.seed, graspAssist: options.graspAssist });
    return new SimBackend(world, { ...options, ownsWorld: true });
  }

  // ---------------------------------------------------------------------------------------
  // connection and status

  // Nothing to wait for in the sim; the executors keep a throw a rejection, as the Backend contract has it.
  connect(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#presence !== 'connected') {
        if (this.world.disposed) throw new Error('[sim-backend] the sim world was disposed');
        this.#setPresence('connecting');
        this.#problems = [];
        this.#nextJointState = this.world.time;
        this.#lagFrom = performance.now() + LAG_GRACE_MS;
        this.loop.start();
        this.#setPresence('connected');
      }
      resolve();
    });
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#presence !== 'not_connected') {
        this.loop.stop();
        this.#finishAll('disconnected');
        this.#setPresence('not_connected');
      }
      resolve();
    });
  }

  /** Disconnect and, if this backend built the world, free it. */
  async dispose(): Promise<void> {
    await this.disconnect();
    for (const u of this.#unhook) u();
    this.#unhook.length = 0;
    if (this.#ownsWorld) this.world.dispose();
  }

  /** 'realtime' tracks the wall clock; 'fast' steps flat out, only while something is commanded. */
  get pace(): Pace {
    return this.loop.pace;
  }

  /** Switch pace at run time (the console's pace switch). */
  setPace(pace: Pace): void {
    // Real-time stepping starts over (the loop forgets its drops): so does the grace.
    if (pace === 'realtime' && this.loop.pace !== 'realtime') this.#lagFrom = performance.now() + LAG_GRACE_MS;
    this.loop.setPace(pace);
  }

  status(): BackendStatus {
    const problems = [...this.#problems];
    // Only lag that applies now: time dropped in at least 3 of the last 10 s (one stall is not a
    // machine that cannot keep up), and none of it from the start-up grace.
    const now = performance.now();
    const span = Math.min(LAG_WINDOW_MS, now - this.#lagFrom);
    const lag = this.loop.pace === 'realtime' && span > 0 ? this.loop.recentLag(span, now) : null;
    if (lag && lag.seconds >= LAG_SECONDS) {
      problems.push({
        id: 'sim-lag',
        severity: 'warn',
        message: `The simulation could not keep up with real time (${lag.dropped.toFixed(1)} s dropped in the last ${LAG_WINDOW_MS / 1000} s).`,
        tip: 'Switch the pace to fast (the button below, or Pace over the 3-D view): the sim then runs as fast as it can, only while the arm moves. Or close other heavy programs.',
      });
    }
    return { presence: this.#presence, problems, moving: this.#exec !== null && !this.#exec.outcome };
  }

  onStatus(listener: (s: BackendStatus) => void): Unsubscribe {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  onJointState(listener: (s: JointState) => void): Unsubscribe {
    this.#jointListeners.add(listener);
    return () => this.#jointListeners.delete(listener);
  }

  jointState(): JointState {
    return {
      stamp: this.world.time,
      name: [...this.jointNames],
      position: this.world.armPositions(),
      velocity: this.world.armVelocities(),
      effort: this.world.armEfforts(),
    };
  }

  gripperPosition(): number {
    return this.world.gripperPosition();
  }

  now(): number {
    return this.world.time;
  }

  #connected(): boolean {
    return this.#presence === 'connected' && !this.world.disposed;
  }

  #setPresence(p: Presence): void {
    this.#presence = p;
    this.#emitStatus();
  }

  #emitStatus(): void {
    const s = this.status();
    const key = `${s.presence}|${s.moving}|${s.problems.map((p) => p.id).join(',')}`;
    if (key === this.#lastStatus) return;
    this.#lastStatus = key;
    for (const l of this.#statusListeners) l(s);
  }

  #fail(err: unknown): void {
    this.#problems = [
      {
        id: 'sim-crashed',
        severity: 'error',
        message: `The simulation stopped: ${(err as Error)?.message ?? String(err)}`,
        tip: 'Restart the simulator.',
      },
    ];
    this.#finishAll('the simulation stopped');
    this.#setPresence('error');
  }

  /** Resolve everything pending (disconnect, crash). */
  #finishAll(reason: string): void {
    const exec = this.#exec;
    this.#exec = null;
    if (exec) exec.resolve(exec.outcome ?? { status: 'aborted', reason });
    const brake = this.#brake;
    this.#brake = null;
    if (brake) {
      if (brake.execution && brake.execution !== exec) brake.execution.resolve(brake.execution.outcome ?? { status: 'aborted', reason });
      brake.waiters.forEach((w) => w());
    }
    this.world.holdArm();
    this.world.stopGripper();
    this.#grip.resolve();
    const waits = this.#waits;
    this.#waits = [];
    this.#nextWait = Infinity;
    waits.forEach((w) => w.resolve());
  }

  // ---------------------------------------------------------------------------------------
  // stepping

  #busy(): boolean {
    return this.#exec !== null || this.#brake !== null || this.#grip.busy || this.#waits.length > 0;
  }

  /** Before each physics step: set the arm targets. */
  /**
   * Let the watchdog's thread halt the arm: `cells[tripped]` non-zero means the session stopped
   * answering, `cells[halt]` that an operator's stop reached the watchdog's thread. Both are read
   * before every physics step, so the first step after a frozen event loop is already a brake.
   */
  linkWatchdog(cells: Int32Array, index: { tripped: number; halt?: number }): void {
    this.#watchdog = { cells, ...index };
  }

  /** The watchdog tripped: brake the running motion as for a stop (idempotent). */
  haltByWatchdog(reason = 'halted by the watchdog: the session stopped answering while the arm moved'): void {
    const exec = this.#exec;
    if (exec && !exec.outcome) this.#endExecution(exec, { status: 'aborted', reason });
  }

  #control(): void {
    const wd = this.#watchdog;
    if (wd) {
      if (Atomics.load(wd.cells, wd.tripped) !== 0) this.haltByWatchdog();
      else if (wd.halt !== undefined && Atomics.load(wd.cells, wd.halt) !== 0) {
        // As stop() does: the motion is preempted and the arm brakes. The session's own stop follows
        // at its next heartbeat; the reason tells it the operator stopped this motion.
        const exec = this.#exec;
        if (exec && !exec.outcome) this.#endExecution(exec, { status: 'preempted', reason: 'stopped by the operator' });
      }
    }
    const exec = this.#exec;
    if (exec && !exec.outcome) {
      exec.sampler.sample(this.world.time - exec.t0, this.#q, this.#qd, this.#qdd);
      this.world.setArmTarget(this.#q, this.#qd, this.#qdd);
      return;
    }
    const b = this.#brake;
    if (b) {
      brakeTarget(b, this.world.time - b.t0, this.#o.stopTime, this.#q, this.#qd, this.#qdd);
      this.world.setArmTarget(this.#q, this.#qd, this.#qdd);
    }
  }

  /** After each physics step: supervise, report, resolve. */
  #monitor(): void {
    const now = this.world.time;
    const eps = 1e-9;
    const exec = this.#exec;
    if (exec && !exec.outcome) this.#superviseExecution(exec, now);
    const b = this.#brake;
    if (b) {
      const t = now - b.t0;
      if (t >= this.#o.stopTime - eps) {
        this.world.armVelocities(this.#vel);
        const still = this.#vel.every((v) => Math.abs(v) < REST_SPEED);
        if (still || t >= this.#o.stopTime + BRAKE_SETTLE_MAX) this.#endBrake(b);
      }
    }
    this.#grip.monitor(now);
    if (this.#waits.length && now >= this.#nextWait - eps) {
      const due = this.#waits.filter((w) => now >= w.until - eps);
      this.#waits = this.#waits.filter((w) => now < w.until - eps);
      this.#nextWait = Math.min(Infinity, ...this.#waits.map((w) => w.until));
      due.forEach((w) => w.resolve());
      this.loop.yieldSoon();
    }
    if (now >= this.#nextJointState - eps) {
      this.#nextJointState = now + this.#o.jointStatePeriod;
      if (this.#jointListeners.size) {
        const s = this.jointState();
        for (const l of this.#jointListeners) {
          try {
            l(s);
          } catch {
            /* a throwing listener must not stop the sim */
          }
        }
      }
    }
  }

  #superviseExecution(exec: Execution, now: number): void {
    const t = now - exec.t0;
    const duration = exec.sampler.duration;
    const err = this.world.trackingError();
    const last = t >= duration && !exec.finalProgressSent;
    if (exec.onProgress && (now >= exec.nextProgress - 1e-9 || last)) {
      exec.nextProgress = now + this.#o.progressPeriod;
      if (t >= duration) exec.finalProgressSent = true;
      this.world.armPositions(this.#actual);
      try {
        exec.onProgress({
          elapsed: Math.min(t, duration),
          duration,
          fraction: duration > 0 ? Math.min(1, t / duration) : 1,
          desired: Array.from(this.#q),
          actual: [...this.#actual],
        });
      } catch {
        /* a throwing listener must not stop the arm */
      }
      if (exec.outcome) return; // the listener cancelled or stopped
    }
    if (t <= duration) {
      if (err > this.#o.pathTolerance) {
        const j = this.#worstJoint();
        this.#endExecution(exec, {
          status: 'aborted',
          reason: `tracking error ${err.toFixed(3)} rad on ${j} exceeded the path tolerance ${this.#o.pathTolerance} rad (blocked or in collision?)`,
        });
      }
      return;
    }
    this.world.armVelocities(this.#vel);
    const still = this.#vel.every((v) => Math.abs(v) < REST_SPEED * 5);
    if (err <= this.#o.goalTolerance && still) {
      exec.outcome = { status: 'succeeded', finalError: err };
      this.#exec = null;
      this.world.setArmTarget(this.#q); // keep holding the exact goal
      exec.resolve(exec.outcome);
      this.loop.yieldSoon();
      this.#emitStatus();
    } else if (t > duration + this.#o.goalTimeTolerance) {
      this.#endExecution(exec, {
        status: 'aborted',
        reason: `did not reach the goal: error ${err.toFixed(3)} rad on ${this.#worstJoint()} after ${this.#o.goalTimeTolerance} s`,
      });
    }
  }

  #worstJoint(): string {
    const target = this.world.armTarget().position;
    this.world.armPositions(this.#actual);
    let worst = 0;
    for (let i = 1; i < target.length; i++)
      if (Math.abs(target[i] - this.#actual[i]) > Math.abs(target[worst] - this.#actual[worst])) worst = i;
    return this.jointNames[worst];
  }

  /** Stop tracking `exec` with `outcome`, brake, and resolve `done` once the arm is at rest. */
  #endExecution(exec: Execution, outcome: TrajectoryOutcome): Brake {
    exec.outcome = outcome;
    if (this.#exec === exec) this.#exec = null;
    const b = this.#startBrake();
    b.execution = exec;
    this.#emitStatus();
    return b;
  }

  /** Brake from the current state (see newBrake); a brake already running hands over to it. */
  #startBrake(): Brake {
    const b = newBrake(this.world, this.#o.stopTime);
    const prev = this.#brake;
    if (prev) {
      // A brake already running is restarted from the current state: it keeps the waiters;
      // the execution it was ending is over now.
      b.waiters.push(...prev.waiters);
      if (prev.execution?.outcome) prev.execution.resolve(prev.execution.outcome);
    }
    this.#brake = b;
    return b;
  }

  #endBrake(b: Brake): void {
    if (this.#brake !== b) return;
    this.#brake = null;
    this.world.setArmTarget(b.hold);
    if (b.execution?.outcome) b.execution.resolve(b.execution.outcome);
    b.waiters.forEach((w) => w());
    this.loop.yieldSoon();
    this.#emitStatus();
  }

  // ---------------------------------------------------------------------------------------
  // commands

  executeTrajectory(trajectory: JointTrajectory, options: ExecuteOptions = {}): TrajectoryExecution {
    const id = `sim-trajectory-${++this.#counter}`;
    const rejected = (reason: string): TrajectoryExecution => ({
      id,
      done: Promise.resolve({ status: 'rejected', reason }),
      cancel: async () => {},
    });
    if (!this.#connected()) return rejected('the sim backend is not connected; call connect() first');
    const checked = checkSimTrajectory(trajectory, this.world, this.#o.startTolerance);
    if (typeof checked === 'string') return rejected(checked);

    let resolve!: (o: TrajectoryOutcome) => void;
    const done = new Promise<TrajectoryOutcome>((r) => {
      resolve = r;
    });
    let finished = false;
    const exec: Execution = {
      id,
      sampler: new TrajectorySampler(checked),
      t0: this.world.time,
      onProgress: options.onProgress,
      nextProgress: this.world.time,
      finalProgressSent: false,
      resolve: (o) => {
        if (!finished) {
          finished = true;
          resolve(o);
        }
      },
    };
    // A newer goal preempts the running one (ROS action semantics).
    const prev = this.#exec;
    if (prev && !prev.outcome) {
      prev.outcome = { status: 'preempted', reason: `replaced by ${id}` };
      prev.resolve(prev.outcome);
    }
    // A running brake (after stop) is superseded: its waiters are released now.
    const brake = this.#brake;
    if (brake) {
      this.#brake = null;
      if (brake.execution?.outcome) brake.execution.resolve(brake.execution.outcome);
      brake.waiters.forEach((w) => w());
    }
    this.#exec = exec;
    this.#emitStatus();
    this.loop.kick();
    return {
      id,
      done,
      cancel: async () => {
        if (finished || exec.outcome) {
          await done;
          return;
        }
        this.#endExecution(exec, { status: 'preempted', reason: 'cancelled' });
        this.loop.kick();
        await done;
      },
    };
  }

  async gripper(command: GripperCommand): Promise<GripperResult> {
    return this.#grip.command(command, this.#connected());
  }

  async stop(): Promise<void> {
    if (!this.#connected()) {
      this.world.holdArm();
      this.world.stopGripper();
      this.#grip.resolve();
      return;
    }
    this.world.stopGripper();
    this.#grip.resolve();
    const exec = this.#exec;
    const b = exec && !exec.outcome ? this.#endExecution(exec, { status: 'preempted', reason: 'stopped' }) : this.#startBrake();
    const halted = new Promise<void>((r) => b.waiters.push(r));
    this.loop.kick();
    await halted;
  }

  async wait(seconds: number): Promise<void> {
    if (!this.#connected()) throw new Error('[sim-backend] not connected; call connect() first');
    if (!(seconds > 0)) return;
    await new Promise<void>((resolve) => {
      const until = this.world.time + seconds;
      this.#waits.push({ until, resolve });
      this.#nextWait = Math.min(this.#nextWait, until);
      this.loop.kick();
    });
  }
}
