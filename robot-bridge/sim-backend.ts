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
 * Units: rad, rad/s, N·m, m (gripper), N, seconds of sim time.
 */
import { trajectoryJointOrder } from './joint-order.js';
import type { RobotModel } from '../model/description/robot-model.js';
import { loadRobotModel } from '../model/description/robot-model.js';
import { loadScene, sceneRobot, type Scene } from '../sim/scene.js';
import { SimLoop, type Pace } from '../sim/loop.js';
import { TrajectorySampler, type SamplePoint } from '../sim/trajectory.js';
import { GRIPPER_GOAL_TOLERANCE, SimWorld } from '../sim/world.js';
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
  TrajectoryProgress,
  Unsubscribe,
} from './types.js';

export interface SimBackendOptions {
  /** 'fast' (default): sim runs flat out, only while commanded. 'realtime': paced to the wall clock. */
  pace?: Pace;
  /** sim seconds per wall second in realtime pace (default 1) */
  speed?: number;
  /** period of joint-state messages, s of sim time (default 0.01) */
  jointStatePeriod?: number;
  /** period of trajectory progress callbacks, s of sim time (default 0.05) */
  progressPeriod?: number;
  /** largest tracking error tolerated while moving, rad (default 0.15) */
  pathTolerance?: number;
  /** final error that counts as arrived, rad (default 0.01) */
  goalTolerance?: number;
  /** how long after the trajectory's end the arm may take to settle, s (default 0.5) */
  goalTimeTolerance?: number;
  /** first point at t = 0 must be this close to the current position, rad (default 0.1) */
  startTolerance?: number;
  /** braking ramp of stop/cancel/abort, s (default 0.05) */
  stopTime?: number;
  /** give up on a gripper command after this long, s (default 3) */
  gripperTimeout?: number;
}

export interface CreateSimBackendOptions extends SimBackendOptions {
  /** a Scene, a built-in scene name or a scene file path (default 'giftbag') */
  scene?: Scene | string;
  /** the robot (default: the scene's `robot`) */
  robot?: RobotModel | string;
  /** jitter seed (default: the scene's) */
  seed?: number;
  /** weld grasp assist (default true); see sim/README.md */
  graspAssist?: boolean;
}

interface Execution {
  id: string;
  sampler: TrajectorySampler;
  t0: number;
  onProgress?: (p: TrajectoryProgress) => void;
  nextProgress: number;
  finalProgressSent: boolean;
  /** how the motion ended; set when it stops tracking (the brake may still be running) */
  outcome?: TrajectoryOutcome;
  resolve: (o: TrajectoryOutcome) => void;
}

interface Brake {
  t0: number;
  q0: Float64Array;
  v0: Float64Array;
  hold: Float64Array;
  /** resolved once the arm is at rest */
  waiters: (() => void)[];
  /** the execution that ends with this brake */
  execution?: Execution;
}

interface GripperOp {
  resolve: (r: GripperResult) => void;
  deadline: number;
  /** the commanded position (clamped into the finger range) */
  goal: number;
}

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
  readonly pace: Pace;
  readonly loop: SimLoop;

  readonly #o: Required<Omit<SimBackendOptions, 'pace' | 'speed'>>;
  readonly #ownsWorld: boolean;
  #presence: Presence = 'not_connected';
  #problems: Problem[] = [];
  #lastStatus = '';
  readonly #statusListeners = new Set<(s: BackendStatus) => void>();
  readonly #jointListeners = new Set<(s: JointState) => void>();
  #nextJointState = 0;

  #exec: Execution | null = null;
  #brake: Brake | null = null;
  #gripperOp: GripperOp | null = null;
  #waits: { until: number; resolve: () => void }[] = [];
  /** earliest `until` among #waits */
  #nextWait = Infinity;
  #counter = 0;
  readonly #unhook: (() => void)[] = [];

  // scratch
  readonly #q: Float64Array;
  readonly #qd: Float64Array;
  readonly #qdd: Float64Array;
  readonly #actual: number[];
  readonly #vel: number[];

  constructor(world: SimWorld, options: SimBackendOptions & { ownsWorld?: boolean } = {}) {
    this.world = world;
    this.jointNames = world.jointNames;
    this.pace = options.pace ?? 'fast';
    this.#ownsWorld = options.ownsWorld ?? false;
    this.#o = {
      jointStatePeriod: options.jointStatePeriod ?? 0.01,
      progressPeriod: options.progressPeriod ?? 0.05,
      pathTolerance: options.pathTolerance ?? 0.15,
      goalTolerance: options.goalTolerance ?? 0.01,
      goalTimeTolerance: options.goalTimeTolerance ?? 0.5,
      startTolerance: options.startTolerance ?? 0.1,
      stopTime: options.stopTime ?? 0.05,
      gripperTimeout: options.gripperTimeout ?? 3,
    };
    const n = this.jointNames.length;
    this.#q = new Float64Array(n);
    this.#qd = new Float64Array(n);
    this.#qdd = new Float64Array(n);
    this.#actual = new Array(n).fill(0);
    this.#vel = new Array(n).fill(0);
    this.loop = new SimLoop(world, {
      pace: this.pace,
      speed: options.speed,
      busy: () => this.#busy(),
      onError: (err) => this.#fail(err),
    });
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

  async connect(): Promise<void> {
    if (this.#presence === 'connected') return;
    if (this.world.disposed) throw new Error('[sim-backend] the sim world was disposed');
    this.#setPresence('connecting');
    this.#problems = [];
    this.#nextJointState = this.world.time;
    this.loop.start();
    this.#setPresence('connected');
  }

  async disconnect(): Promise<void> {
    if (this.#presence === 'not_connected') return;
    this.loop.stop();
    this.#finishAll('disconnected');
    this.#setPresence('not_connected');
  }

  /** Disconnect and, if this backend built the world, free it. */
  async dispose(): Promise<void> {
    await this.disconnect();
    for (const u of this.#unhook) u();
    this.#unhook.length = 0;
    if (this.#ownsWorld) this.world.dispose();
  }

  status(): BackendStatus {
    const problems = [...this.#problems];
    if (this.loop.lagging) {
      problems.push({
        id: 'sim-lag',
        severity: 'warn',
        message: `The simulation could not keep up with real time (${this.loop.droppedTime.toFixed(1)} s dropped).`,
        tip: 'Close other heavy programs, or use fast pace.',
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
    this.#resolveGripper();
    const waits = this.#waits;
    this.#waits = [];
    this.#nextWait = Infinity;
    waits.forEach((w) => w.resolve());
  }

  // ---------------------------------------------------------------------------------------
  // stepping

  #busy(): boolean {
    return this.#exec !== null || this.#brake !== null || this.#gripperOp !== null || this.#waits.length > 0;
  }

  /** Before each physics step: set the arm targets. */
  #control(): void {
    const exec = this.#exec;
    if (exec && !exec.outcome) {
      exec.sampler.sample(this.world.time - exec.t0, this.#q, this.#qd, this.#qdd);
      this.world.setArmTarget(this.#q, this.#qd, this.#qdd);
      return;
    }
    const b = this.#brake;
    if (b) {
      // Linear velocity ramp to zero over T: q = q0 + v0·t − v0·t²/(2T).
      const T = this.#o.stopTime;
      const t = Math.min(this.world.time - b.t0, T);
      const done = t >= T;
      for (let i = 0; i < this.#q.length; i++) {
        this.#q[i] = done ? b.hold[i] : b.q0[i] + b.v0[i] * (t - (t * t) / (2 * T));
        this.#qd[i] = done ? 0 : b.v0[i] * (1 - t / T);
        this.#qdd[i] = done ? 0 : -b.v0[i] / T;
      }
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
    if (this.#gripperOp) {
      if (!this.world.gripperMoving) this.#resolveGripper();
      else if (now >= this.#gripperOp.deadline) this.#resolveGripper('the gripper did not finish in time');
    }
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

  #startBrake(): Brake {
    const n = this.jointNames.length;
    const q0 = Float64Array.from(this.world.armPositions());
    const v0 = Float64Array.from(this.world.armVelocities());
    const T = this.#o.stopTime;
    const hold = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = this.world.robot.arm[i];
      hold[i] = Math.min(j.upper, Math.max(j.lower, q0[i] + (v0[i] * T) / 2));
    }
    const prev = this.#brake;
    const b: Brake = { t0: this.world.time, q0, v0, hold, waiters: [] };
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
    const checked = this.#validate(trajectory);
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

  /** Check and reorder a trajectory; returns sample points, or the reason it is rejected. */
  #validate(tr: JointTrajectory): SamplePoint[] | string {
    const names = this.jointNames;
    const order = trajectoryJointOrder(tr, names);
    if (typeof order === 'string') return order;
    const arm = this.world.robot.arm;
    const out: SamplePoint[] = [];
    let prevT = -Infinity;
    for (let k = 0; k < tr.points.length; k++) {
      const p = tr.points[k];
      if (!p || !Array.isArray(p.positions) || p.positions.length !== names.length)
        return `point ${k} has ${p?.positions?.length ?? 0} positions; expected ${names.length}`;
      if (p.velocities && p.velocities.length !== names.length)
        return `point ${k} has ${p.velocities.length} velocities; expected ${names.length}`;
      if (!Number.isFinite(p.timeFromStart) || p.timeFromStart < 0) return `point ${k} has an invalid timeFromStart ${p.timeFromStart}`;
      if (p.timeFromStart <= prevT) return `point ${k}: timeFromStart must increase (${p.timeFromStart} s after ${prevT} s)`;
      prevT = p.timeFromStart;
      const q = order.map((i) => p.positions[i]);
      const qd = p.velocities ? order.map((i) => p.velocities![i]) : undefined;
      for (let i = 0; i < q.length; i++) {
        if (!Number.isFinite(q[i]) || (qd && !Number.isFinite(qd[i]))) return `point ${k}: ${names[i]} is not a finite number`;
        if (q[i] < arm[i].lower - 1e-6 || q[i] > arm[i].upper + 1e-6) {
          return `point ${k} puts ${names[i]} at ${q[i].toFixed(4)}, outside its limits [${arm[i].lower}, ${arm[i].upper}]`;
        }
      }
      out.push({ t: p.timeFromStart, q, qd });
    }
    const current = this.world.armPositions();
    if (out[0].t > 0) {
      out.unshift({ t: 0, q: current, qd: new Array(names.length).fill(0) });
    } else {
      const far = current.map((c, i) => Math.abs(c - out[0].q[i]));
      const worst = far.indexOf(Math.max(...far));
      if (far[worst] > this.#o.startTolerance) {
        return `the trajectory starts ${far[worst].toFixed(3)} rad away from the current position of ${names[worst]} (tolerance ${this.#o.startTolerance} rad)`;
      }
    }
    return out;
  }

  async gripper(command: GripperCommand): Promise<GripperResult> {
    const fail = (error: string): GripperResult => ({
      position: this.world.gripperPosition(),
      effort: 0,
      stalled: false,
      reachedGoal: false,
      error,
    });
    if (!this.#connected()) return fail('the sim backend is not connected; call connect() first');
    if (!this.world.hasGripper) return fail(`${this.world.robot.name} has no gripper`);
    if (!command || !Number.isFinite(command.position)) return fail('gripper position must be a finite number');
    if (this.#gripperOp) this.#resolveGripper(); // superseded by this command
    this.world.setGripper(command.position, { maxEffort: Number.isFinite(command.maxEffort) ? command.maxEffort : undefined });
    const goal = this.world.gripperState().goal;
    const result = new Promise<GripperResult>((resolve) => {
      this.#gripperOp = { resolve, deadline: this.world.time + this.#o.gripperTimeout, goal };
    });
    this.loop.kick();
    return result;
  }

  #resolveGripper(error?: string): void {
    const op = this.#gripperOp;
    if (!op) return;
    this.#gripperOp = null;
    const g = this.world.gripperState();
    // Judged against the command's goal (a stop moves the world's goal to where the fingers are).
    const reachedGoal = Math.abs(g.position - op.goal) <= GRIPPER_GOAL_TOLERANCE;
    op.resolve({
      position: g.position,
      effort: Math.abs(g.effort),
      stalled: g.stalled && !reachedGoal,
      reachedGoal,
      ...(error ? { error } : {}),
    });
    this.loop.yieldSoon();
  }

  async stop(): Promise<void> {
    if (!this.#connected()) {
      this.world.holdArm();
      this.world.stopGripper();
      this.#resolveGripper();
      return;
    }
    this.world.stopGripper();
    this.#resolveGripper();
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
