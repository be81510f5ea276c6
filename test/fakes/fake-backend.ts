/**
 * FakeBackend: a real, simple RobotBackend for tests. Kinematic, no physics: an executing
 * trajectory moves the joint state along its points (linear interpolation between points,
 * perfect tracking); the gripper moves at its speed and can stall on an "object". Time is a
 * virtual clock: by default every motion runs to completion on its own (autoAdvance, on a
 * microtask, so a synchronous stop()/cancel() right after a command still preempts it); with
 * `autoAdvance: false` only advance() / wait() move time, for stepping through a motion.
 *
 * Every call is recorded (deep copies) in `calls`, so tests can assert exactly what a wrapper
 * sent. Units: rad, m (gripper travel per finger), seconds on the virtual clock.
 */
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
} from '../../robot-bridge/types.js';
import type { RobotModel } from '../../model/description/robot-model.js';

export interface FakeGripperOptions {
  /** joint values, e.g. 0.04 open / 0 closed for a Panda finger */
  open: number;
  closed: number;
  /** initial value (default open) */
  position?: number;
  /** m/s (default 0.1) */
  velocity?: number;
}

export interface FakeBackendOptions {
  jointNames: readonly string[];
  /** initial arm joint values (default all 0) */
  position?: number[];
  /** omit for an arm without a gripper */
  gripper?: FakeGripperOptions;
  kind?: string;
  /** initial presence (default 'connected', so tests need not connect) */
  presence?: Presence;
  /** run motions to completion by themselves (default true) */
  autoAdvance?: boolean;
  /** integration step of the virtual clock, seconds (default 0.01) */
  step?: number;
}

export type FakeCall =
  | { method: 'connect' | 'disconnect' | 'stop'; at: number }
  | { method: 'executeTrajectory'; at: number; id: string; trajectory: JointTrajectory }
  | { method: 'cancel'; at: number; id: string }
  | { method: 'gripper'; at: number; command: GripperCommand }
  | { method: 'wait'; at: number; seconds: number };

type CallOf<M extends FakeCall['method']> = Extract<FakeCall, { method: M }>;

interface ActiveTrajectory {
  id: string;
  trajectory: JointTrajectory;
  start: number;
  startQ: number[];
  duration: number;
  resolve: (o: TrajectoryOutcome) => void;
  onProgress?: ExecuteOptions['onProgress'];
  /** abort when this fraction is reached (fault injection) */
  failAt?: { fraction: number; reason: string };
}

interface ActiveGripper {
  target: number;
  maxEffort: number;
  resolve: (r: GripperResult) => void;
}

export class FakeBackend implements RobotBackend {
  readonly kind: string;
  readonly capabilities: Capabilities;
  readonly jointNames: readonly string[];
  /** every call, in order, with deep copies of the arguments */
  readonly calls: FakeCall[] = [];
  /** when set, a closing gripper stalls at this joint value (an object between the fingers) */
  gripperObstacle: number | null = null;
  autoAdvance: boolean;

  #t = 0;
  readonly #step: number;
  #q: number[];
  #qd: number[];
  #presence: Presence;
  #problems: Problem[] = [];
  #traj: ActiveTrajectory | null = null;
  #grip: ActiveGripper | null = null;
  #g: number;
  readonly #gripper?: Required<FakeGripperOptions>;
  #failNext: { fraction: number; reason: string } | null = null;
  #nextId = 0;
  #autoScheduled = false;
  readonly #stateListeners = new Set<(s: JointState) => void>();
  readonly #statusListeners = new Set<(s: BackendStatus) => void>();

  constructor(opts: FakeBackendOptions) {
    this.jointNames = [...opts.jointNames];
    this.kind = opts.kind ?? 'fake';
    this.#q = opts.position ? [...opts.position] : this.jointNames.map(() => 0);
    if (this.#q.length !== this.jointNames.length)
      throw new Error(`[fake] ${this.#q.length} initial positions for ${this.jointNames.length} joints`);
    this.#qd = this.#q.map(() => 0);
    this.#presence = opts.presence ?? 'connected';
    this.autoAdvance = opts.autoAdvance ?? true;
    this.#step = opts.step ?? 0.01;
    if (opts.gripper) {
      this.#gripper = { position: opts.gripper.open, velocity: 0.1, ...opts.gripper };
      this.#g = this.#gripper.position;
    } else {
      this.#g = 0;
    }
    this.capabilities = {
      trajectoryExecution: true,
      gripper: !!opts.gripper,
      groundTruthObjects: false,
      simTimeControl: true,
      handGuiding: false,
    };
  }

  /** A fake for a robot model: its joints, at its home pose, with its gripper. */
  static forModel(model: RobotModel, opts: Partial<FakeBackendOptions> = {}): FakeBackend {
    const g = model.gripper;
    return new FakeBackend({
      jointNames: model.jointNames,
      position: [...model.home],
      ...(g ? { gripper: { open: g.open, closed: g.closed, velocity: g.velocity } } : {}),
      ...opts,
    });
  }

  // --- test controls -----------------------------------------------------------------------------

  callsOf<M extends FakeCall['method']>(method: M): CallOf<M>[] {
    return this.calls.filter((c): c is CallOf<M> => c.method === method);
  }

  /** Move the virtual clock forward, progressing any motion. */
  advance(seconds: number): void {
    const end = this.#t + seconds;
    while (this.#t < end - 1e-12) {
      const h = Math.min(this.#step, end - this.#t);
      this.#t += h;
      this.#tick(h);
    }
  }

  /** Advance until nothing moves (at most `maxSeconds`). */
  runUntilIdle(maxSeconds = 3600): void {
    const end = this.#t + maxSeconds;
    while ((this.#traj || this.#grip) && this.#t < end) this.advance(this.#step);
  }

  /** Teleport the arm (e.g. to make a plan stale). */
  setJointPositions(q: number[]): void {
    if (q.length !== this.jointNames.length) throw new Error(`[fake] ${q.length} positions for ${this.jointNames.length} joints`);
    this.#q = [...q];
    this.#qd = q.map(() => 0);
    this.#emitState();
  }

  setGripperPosition(g: number): void {
    this.#g = g;
  }

  setPresence(p: Presence): void {
    this.#presence = p;
    this.#emitStatus();
  }

  setProblems(problems: Problem[]): void {
    this.#problems = [...problems];
    this.#emitStatus();
  }

  /** The next trajectory aborts when it reaches `fraction` of its duration. */
  failNextTrajectory(reason = 'following error too large', fraction = 0.5): void {
    this.#failNext = { fraction, reason };
  }

  get activeTrajectory(): JointTrajectory | null {
    return this.#traj?.trajectory ?? null;
  }

  // --- RobotBackend ------------------------------------------------------------------------------

  connect(): Promise<void> {
    this.#record({ method: 'connect', at: this.#t });
    this.setPresence('connected');
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    this.#record({ method: 'disconnect', at: this.#t });
    this.#endTrajectory({ status: 'aborted', reason: 'the backend disconnected' });
    this.#endGripper(false, false);
    this.setPresence('not_connected');
    return Promise.resolve();
  }

  status(): BackendStatus {
    return { presence: this.#presence, problems: [...this.#problems], moving: this.#traj !== null };
  }

  onStatus(listener: (s: BackendStatus) => void): Unsubscribe {
    this.#statusListeners.add(listener);
    return () => {
      this.#statusListeners.delete(listener);
    };
  }

  onJointState(listener: (s: JointState) => void): Unsubscribe {
    this.#stateListeners.add(listener);
    return () => {
      this.#stateListeners.delete(listener);
    };
  }

  jointState(): JointState {
    return this.#snapshot();
  }

  gripperPosition(): number {
    return this.#g;
  }

  now(): number {
    return this.#t;
  }

  executeTrajectory(trajectory: JointTrajectory, options: ExecuteOptions = {}): TrajectoryExecution {
    const id = `fake-${++this.#nextId}`;
    this.#record({ method: 'executeTrajectory', at: this.#t, id, trajectory: structuredClone(trajectory) });
    const rejected = (reason: string): TrajectoryExecution => ({
      id,
      done: Promise.resolve({ status: 'rejected', reason }),
      cancel: async () => {},
    });
    // What a real trajectory controller refuses outright; limits are not checked (that is the guard's job).
    if (this.#presence !== 'connected') return rejected('not connected');
    const names = trajectory.jointNames;
    if (names.length !== this.jointNames.length || names.some((n, i) => n !== this.jointNames[i])) {
      return rejected(`joint names [${names.join(', ')}] do not match [${this.jointNames.join(', ')}]`);
    }
    if (trajectory.points.length === 0) return rejected('empty trajectory');
    if (trajectory.points.some((p) => p.positions.length !== this.jointNames.length)) return rejected('wrong number of positions');

    this.#endTrajectory({ status: 'preempted', reason: 'replaced by a new trajectory' });
    let resolve!: (o: TrajectoryOutcome) => void;
    const done = new Promise<TrajectoryOutcome>((r) => {
      resolve = r;
    });
    const traj = structuredClone(trajectory);
    this.#traj = {
      id,
      trajectory: traj,
      start: this.#t,
      startQ: [...this.#q],
      duration: traj.points[traj.points.length - 1].timeFromStart,
      resolve,
      onProgress: options.onProgress,
      ...(this.#failNext ? { failAt: this.#failNext } : {}),
    };
    this.#failNext = null;
    this.#emitStatus();
    if (this.#traj.duration <= 0) this.#tick(0);
    this.#scheduleAuto();
    return {
      id,
      done,
      cancel: () => {
        this.#record({ method: 'cancel', at: this.#t, id });
        if (this.#traj?.id === id) this.#endTrajectory({ status: 'preempted', reason: 'cancelled' });
        return Promise.resolve();
      },
    };
  }

  gripper(command: GripperCommand): Promise<GripperResult> {
    this.#record({ method: 'gripper', at: this.#t, command: { ...command } });
    if (!this.#gripper)
      return Promise.resolve({ position: 0, effort: 0, stalled: false, reachedGoal: false, error: 'this arm has no gripper' });
    if (this.#presence !== 'connected')
      return Promise.resolve({ position: this.#g, effort: 0, stalled: false, reachedGoal: false, error: 'not connected' });
    this.#endGripper(false, false);
    return new Promise<GripperResult>((resolve) => {
      this.#grip = { target: command.position, maxEffort: command.maxEffort, resolve };
      this.#tickGripper(0);
      this.#scheduleAuto();
    });
  }

  stop(): Promise<void> {
    this.#record({ method: 'stop', at: this.#t });
    this.#endTrajectory({ status: 'preempted', reason: 'stopped' });
    this.#endGripper(false, false);
    this.#qd = this.#q.map(() => 0);
    this.#emitState();
    return Promise.resolve();
  }

  wait(seconds: number): Promise<void> {
    this.#record({ method: 'wait', at: this.#t, seconds });
    this.advance(Math.max(0, seconds));
    return Promise.resolve();
  }

  // --- internals ---------------------------------------------------------------------------------

  #record(c: FakeCall): void {
    this.calls.push(c);
  }

  #scheduleAuto(): void {
    if (!this.autoAdvance || this.#autoScheduled) return;
    this.#autoScheduled = true;
    queueMicrotask(() => {
      this.#autoScheduled = false;
      if (this.autoAdvance) this.runUntilIdle();
    });
  }

  #tick(h: number): void {
    const tr = this.#traj;
    if (tr) {
      const elapsed = this.#t - tr.start;
      const desired = this.#sample(tr, Math.min(elapsed, tr.duration));
      this.#qd = h > 0 ? desired.map((x, i) => (x - this.#q[i]) / h) : this.#q.map(() => 0);
      this.#q = desired;
      const fraction = tr.duration > 0 ? Math.min(1, elapsed / tr.duration) : 1;
      tr.onProgress?.({
        elapsed: Math.min(elapsed, tr.duration),
        duration: tr.duration,
        fraction,
        desired: [...desired],
        actual: [...desired],
      });
      if (tr.failAt && fraction >= tr.failAt.fraction) this.#endTrajectory({ status: 'aborted', reason: tr.failAt.reason });
      else if (elapsed >= tr.duration - 1e-12) this.#endTrajectory({ status: 'succeeded', finalError: 0 });
    } else {
      this.#qd = this.#q.map(() => 0);
    }
    this.#tickGripper(h);
    this.#emitState();
  }

  /** Positions at trajectory time t: linear between points, from the start state before the first. */
  #sample(tr: ActiveTrajectory, t: number): number[] {
    const pts = tr.trajectory.points;
    let prevQ = tr.startQ,
      prevT = 0;
    for (const p of pts) {
      if (t <= p.timeFromStart) {
        const span = p.timeFromStart - prevT;
        const f = span > 0 ? (t - prevT) / span : 1;
        return p.positions.map((x, i) => prevQ[i] + f * (x - prevQ[i]));
      }
      prevQ = p.positions;
      prevT = p.timeFromStart;
    }
    return [...pts[pts.length - 1].positions];
  }

  #tickGripper(h: number): void {
    const g = this.#grip;
    const spec = this.#gripper;
    if (!g || !spec) return;
    const dir = Math.sign(g.target - this.#g);
    const closingDir = Math.sign(spec.closed - spec.open);
    const next = dir === 0 ? this.#g : this.#g + dir * Math.min(Math.abs(g.target - this.#g), spec.velocity * h);
    const obs = this.gripperObstacle;
    if (
      obs !== null &&
      dir !== 0 &&
      dir === closingDir &&
      (obs - this.#g) * dir >= 0 &&
      (next - obs) * dir >= 0 &&
      (g.target - obs) * dir > 0
    ) {
      // The fingers close on an object.
      this.#g = obs;
      this.#endGripper(true, false);
      return;
    }
    this.#g = next;
    if (Math.abs(this.#g - g.target) < 1e-12) {
      this.#g = g.target;
      this.#endGripper(false, true);
    }
  }

  #endTrajectory(outcome: TrajectoryOutcome): void {
    const tr = this.#traj;
    if (!tr) return;
    this.#traj = null;
    if (outcome.status === 'succeeded') {
      const last = tr.trajectory.points[tr.trajectory.points.length - 1].positions;
      this.#q = [...last];
    }
    this.#qd = this.#q.map(() => 0);
    tr.resolve(outcome);
    this.#emitStatus();
  }

  #endGripper(stalled: boolean, reachedGoal: boolean): void {
    const g = this.#grip;
    if (!g) return;
    this.#grip = null;
    g.resolve({ position: this.#g, effort: stalled ? g.maxEffort : 0, stalled, reachedGoal });
  }

  #snapshot(): JointState {
    return { stamp: this.#t, name: [...this.jointNames], position: [...this.#q], velocity: [...this.#qd], effort: this.#q.map(() => 0) };
  }

  #emitState(): void {
    const s = this.#snapshot();
    for (const l of this.#stateListeners) l(s);
  }

  #emitStatus(): void {
    const s = this.status();
    for (const l of this.#statusListeners) l(s);
  }
}
