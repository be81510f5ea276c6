/**
 * SafetyGuard: a RobotBackend that wraps any other backend and is the last software check
 * before motion. Trajectories are validated whole (checkTrajectory) against the measured state
 * and either sent complete, as an untouchable copy, or not at all. Gripper commands are clamped
 * to the gripper's range and effort limit, and the command actually sent is reported. stop() is
 * forwarded at once, in every state, and nothing in the guard can delay it.
 */
import type {
  BackendStatus,
  Capabilities,
  ExecuteOptions,
  GripperCommand,
  GripperResult,
  JointState,
  JointTrajectory,
  Problem,
  RobotBackend,
  TrajectoryExecution,
  Unsubscribe,
} from '../types.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import { parseSafetyConfig, type SafetyConfig, type SafetyConfigInput } from './config.js';
import { checkTrajectory, type CheckResult, type Violation, type ViolationKind } from './check.js';

/** GripperResult plus the command that was really sent after clamping (absent if none was sent). */
export interface GuardedGripperResult extends GripperResult {
  requested: GripperCommand;
  sent?: GripperCommand;
  /** true when `sent` differs from `requested` */
  clamped: boolean;
}

export interface SafetyRejection {
  /** backend clock time of the rejection, seconds */
  at: number;
  reason: string;
  violations: Violation[];
}

const TIPS: Record<ViolationKind, string> = {
  joint_names: 'The motion was planned for a different robot or joint order; plan it again for this arm.',
  empty: 'The planner produced an empty motion; plan it again.',
  malformed: 'The planner produced a malformed motion; plan it again.',
  non_finite: 'The planner produced invalid numbers (NaN); plan it again, and report it if it repeats.',
  time: 'The motion has broken timing; re-time it with timeParameterize.',
  start_jump: 'The robot is not where the plan starts (it moved since planning); plan again from where it is now.',
  position_limit: 'Choose a target the arm can reach without a joint at the end of its range, or approach from another side.',
  velocity_limit: 'Re-time the motion with timeParameterize, or lower the speed.',
  acceleration_limit: 'Re-time the motion with timeParameterize, or lower the speed.',
  table: 'The motion passes too close to the table; move the target higher or approach from above.',
  workspace: 'Keep targets inside the workspace, or widen it in the safety config if that is intended.',
  collision: 'Something is in the way: move it, or reach the target from another side.',
};

let nextId = 0;

/**
 * Collision checking of a whole trajectory against the planning scene, made current first
 * (collision/world-sync.ts WorldCollision fits). Optional: a guard without one checks limits,
 * speeds, the table and the workspace only.
 */
export interface GuardCollisionCheck {
  refresh(q: readonly number[], gripper: number): void;
  checkTrajectory(
    trajectory: JointTrajectory,
    opts: { gripper: number; allow?: readonly { robot: string; obstacle: string }[] },
  ): { ok: true } | { ok: false; reason: string; contact: { time: number | null; point: readonly number[]; a: string; b: string } };
}

export class SafetyGuard implements RobotBackend {
  readonly inner: RobotBackend;
  readonly model: RobotModel;
  readonly config: SafetyConfig;
  #rejection: SafetyRejection | null = null;
  #lastSentGripper: GripperCommand | null = null;
  readonly #listeners = new Set<(s: BackendStatus) => void>();

  /** checks every trajectory against the planning scene when set */
  #collision: GuardCollisionCheck | null = null;

  constructor(
    inner: RobotBackend,
    model: RobotModel,
    config: SafetyConfigInput | SafetyConfig = {},
    options: { collision?: GuardCollisionCheck } = {},
  ) {
    this.inner = inner;
    this.model = model;
    this.config = parseSafetyConfig(config);
    this.#collision = options.collision ?? null;
    const a = inner.jointNames,
      b = model.jointNames;
    if (a.length !== b.length || a.some((n, i) => n !== b[i])) {
      throw new Error(
        `[safety] the backend's joints [${a.join(', ')}] do not match the robot model ${model.name} [${b.join(', ')}]; load the URDF of the robot that is connected`,
      );
    }
  }

  get kind(): string {
    return this.inner.kind;
  }
  get capabilities(): Capabilities {
    return this.inner.capabilities;
  }
  get jointNames(): readonly string[] {
    return this.inner.jointNames;
  }

  /** The last rejected trajectory, until a trajectory is accepted or clearRejection() is called. */
  get lastRejection(): SafetyRejection | null {
    return this.#rejection;
  }
  /** The last gripper command actually sent to the inner backend. */
  get lastSentGripper(): GripperCommand | null {
    return this.#lastSentGripper;
  }

  clearRejection(): void {
    if (!this.#rejection) return;
    this.#rejection = null;
    this.#emit();
  }

  /** Validate against the measured state without executing. */
  check(trajectory: JointTrajectory): CheckResult {
    const q = this.#measuredQ();
    return checkTrajectory(trajectory, this.model, this.config, q.ok ? q.q : [], { gripper: this.#gripperValue() });
  }

  // --- motion ----------------------------------------------------------------------------------

  executeTrajectory(trajectory: JointTrajectory, options?: ExecuteOptions): TrajectoryExecution {
    // Freeze a private copy first: what is validated is exactly what is sent, even if the
    // caller mutates its object afterwards.
    let copy: JointTrajectory;
    try {
      copy = structuredClone(trajectory);
    } catch {
      return this.#reject([{ kind: 'malformed', message: 'the trajectory is not plain data and cannot be checked' }]);
    }
    const q = this.#measuredQ();
    if (!q.ok) return this.#reject([{ kind: 'start_jump', message: q.reason }]);
    const result = checkTrajectory(copy, this.model, this.config, q.q, { gripper: this.#gripperValue() });
    if (!result.ok) return this.#reject(result.violations, result.reason);
    if (this.#collision) {
      // Against the scene as it is now (the physics or TF): whatever the planner believed.
      let hit: ReturnType<GuardCollisionCheck['checkTrajectory']>;
      try {
        const g = this.#gripperValue() ?? this.model.gripper?.open ?? 0;
        this.#collision.refresh(q.q, g);
        hit = this.#collision.checkTrajectory(copy, { gripper: g, ...(options?.allow ? { allow: options.allow } : {}) });
      } catch (err) {
        return this.#reject([{ kind: 'collision', message: `the collision check could not run: ${(err as Error).message}` }]);
      }
      if (!hit.ok) {
        const t = hit.contact.time ?? undefined;
        return this.#reject([
          { kind: 'collision', message: `the motion ${hit.reason}`, ...(t !== undefined ? { time: t } : {}), link: hit.contact.a },
        ]);
      }
    }
    if (this.#rejection) {
      this.#rejection = null;
      this.#emit();
    }
    return this.inner.executeTrajectory(copy, options);
  }

  async gripper(command: GripperCommand): Promise<GuardedGripperResult> {
    const requested = { position: command?.position, maxEffort: command?.maxEffort };
    const spec = this.model.gripper;
    const refuse = (error: string): GuardedGripperResult => ({
      position: this.#gripperValue() ?? NaN,
      effort: 0,
      stalled: false,
      reachedGoal: false,
      error,
      requested,
      clamped: false,
    });
    if (!spec) return refuse(`${this.model.name} has no gripper in its description`);
    if (!Number.isFinite(requested.position) || !Number.isFinite(requested.maxEffort)) {
      return refuse(`gripper command not sent: position ${requested.position} and effort ${requested.maxEffort} must be numbers`);
    }
    const lo = Math.min(spec.closed, spec.open),
      hi = Math.max(spec.closed, spec.open);
    const sent: GripperCommand = {
      position: Math.min(hi, Math.max(lo, requested.position)),
      maxEffort: Math.min(spec.effort, Math.max(0, requested.maxEffort)),
    };
    this.#lastSentGripper = sent;
    const r = await this.inner.gripper(sent);
    return { ...r, requested, sent, clamped: sent.position !== requested.position || sent.maxEffort !== requested.maxEffort };
  }

  /** Forwarded synchronously (the inner stop starts before this returns), whatever the state. */
  stop(): Promise<void> {
    try {
      return this.inner.stop();
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on whatever the inner stop threw, unchanged, as an async function would
      return Promise.reject(err);
    }
  }

  // --- status ------------------------------------------------------------------------------------

  status(): BackendStatus {
    return this.#merge(this.inner.status());
  }

  onStatus(listener: (s: BackendStatus) => void): Unsubscribe {
    const own = () => listener(this.status());
    this.#listeners.add(own);
    const off = this.inner.onStatus((s) => listener(this.#merge(s)));
    return () => {
      this.#listeners.delete(own);
      off();
    };
  }

  #merge(s: BackendStatus): BackendStatus {
    const problems = [...s.problems];
    if (this.#rejection) problems.push(this.#problem(this.#rejection));
    return { ...s, problems };
  }

  #problem(r: SafetyRejection): Problem {
    const kind = r.violations[0]?.kind;
    return {
      id: 'safety.rejected',
      severity: 'warn',
      message: `Motion refused for safety: ${r.reason}`,
      tip: kind ? TIPS[kind] : undefined,
    };
  }

  #emit(): void {
    for (const l of this.#listeners) {
      try {
        l(this.status());
      } catch {
        /* a listener's failure is not the guard's */
      }
    }
  }

  #reject(violations: Violation[], reason = violations[0].message): TrajectoryExecution {
    let at = NaN;
    try {
      at = this.inner.now();
    } catch {
      /* clock unavailable: keep NaN */
    }
    this.#rejection = { at, reason, violations };
    this.#emit();
    return {
      id: `rejected-${++nextId}`,
      done: Promise.resolve({ status: 'rejected', reason }),
      cancel: async () => {},
    };
  }

  /** Measured arm joint values in model order, looked up by name (never trust the order). */
  #measuredQ(): { ok: true; q: number[] } | { ok: false; reason: string } {
    let s: JointState;
    try {
      s = this.inner.jointState();
    } catch (err) {
      return { ok: false, reason: `the current joint state is not available (${(err as Error).message})` };
    }
    const q: number[] = [];
    for (const name of this.model.jointNames) {
      const i = s.name.indexOf(name);
      const v = i >= 0 ? s.position[i] : NaN;
      if (!Number.isFinite(v))
        return { ok: false, reason: `the current position of ${name} is not known, so the start of the motion cannot be checked` };
      q.push(v);
    }
    return { ok: true, q };
  }

  #gripperValue(): number | undefined {
    try {
      const g = this.inner.gripperPosition();
      return Number.isFinite(g) ? g : undefined;
    } catch {
      return undefined;
    }
  }

  // --- pass-through ------------------------------------------------------------------------------

  connect(): Promise<void> {
    return this.inner.connect();
  }
  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
  onJointState(listener: (s: JointState) => void): Unsubscribe {
    return this.inner.onJointState(listener);
  }
  jointState(): JointState {
    return this.inner.jointState();
  }
  gripperPosition(): number {
    return this.inner.gripperPosition();
  }
  now(): number {
    return this.inner.now();
  }
  wait(seconds: number): Promise<void> {
    return this.inner.wait(seconds);
  }

  /**
   * Forwarded: hand-guiding moves nothing (a person does), and the inner backend refuses
   * trajectories while it is on. Rejects when the inner backend cannot hand-guide.
   */
  setHandGuiding(on: boolean): Promise<void> {
    const inner = this.inner;
    if (!inner.capabilities.handGuiding || !inner.setHandGuiding)
      return Promise.reject(new Error(`[safety] the ${inner.kind} backend cannot switch to hand-guiding`));
    return inner.setHandGuiding(on);
  }
}
