/**
 * RosBackend: the RobotBackend interface over a ROS robot running ros2_control (or ros_control),
 * through any RosTransport (rosbridge via roslib, or native DDS via rclnodejs). The planner,
 * skills, session and SafetyGuard see the same interface as with the sim.
 *
 * - Joint states: sensor_msgs/JointState on `jointStates`, mapped to the URDF's joints by name
 *   (`jointNames` / `jointPrefix` for robots whose names differ). URDF joints missing from the
 *   messages, never updated, stale or non-finite are problems, and a trajectory is refused
 *   while the arm's state is not fresh.
 * - Trajectories: control_msgs FollowJointTrajectory of a joint_trajectory_controller;
 *   feedback -> progress, cancel/stop -> cancel. Slowed by `speedScale` (never sped up).
 *   A goal nobody acknowledges, or whose result never comes, is cancelled and reported.
 * - Gripper: control_msgs GripperCommand action, or a command topic / service (`gripper.mode`).
 * - Link loss: presence 'reconnecting' with a problem and a tip; retries with backoff. A motion
 *   in progress ends 'aborted' (a failed step; nothing is resumed), and the robot is told to
 *   stop (all goals cancelled) as soon as the link is back.
 * - Clock: the robot's, from joint-state header stamps (extrapolated between messages), or
 *   the wall clock when the robot does not stamp. wait() waits on that clock.
 *
 * Units: rad, rad/s (m for prismatic joints), gripper in the URDF joint's unit, seconds.
 */
import { trajectoryJointOrder } from '../joint-order.js';
import type { RobotModel } from '../../model/description/robot-model.js';
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
} from '../types.js';
import { rosType, type RosBridgeConfig } from './config.js';
import { controllerHint, jointMismatchHint, jointStatesHint, linkHint } from './hints.js';
import {
  encodeGripperGoal,
  encodeTrajectoryGoal,
  isObject,
  parseGripperResult,
  parseJointState,
  parseTfMessage,
  parseTrajectoryFeedback,
  parseTrajectoryResult,
  TRAJECTORY_ERRORS,
} from './messages.js';
import { TfBuffer } from './tf.js';
import { TransportError, type GoalEnd, type GoalHandle, type LinkFailure, type RosTransport } from './transport.js';

/** Thrown by connect(): the robot is not usable, with a hint that says what to do. */
export class RosConnectionError extends Error {
  constructor(
    message: string,
    readonly kind: LinkFailure | 'joint_states' | 'joint_names' | 'controller',
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(`${message}\n  hint: ${hint}`, options);
    this.name = 'RosConnectionError';
  }
}

export interface RosBackendOptions {
  model: RobotModel;
  transport: RosTransport;
  config: RosBridgeConfig;
  /** 'rosbridge' (ROS 2), 'rosbridge-ros1' or 'rclnodejs' */
  kind: string;
  /** half extents of known bodies (m), for the TF pose provider (TF carries no sizes) */
  halfExtents?: Map<string, [number, number, number]>;
}

interface Exec {
  id: string;
  handle: GoalHandle | null;
  /** s, after speed scaling */
  duration: number;
  /** the last point, model order (for the final error) */
  goal: number[];
  onProgress?: (p: TrajectoryProgress) => void;
  accepted: boolean;
  ended: boolean;
  /** reason to report if a cancel ends it (stop vs cancel) */
  cancelReason: string;
  timers: ReturnType<typeof setTimeout>[];
  resolve: (o: TrajectoryOutcome) => void;
  done: Promise<TrajectoryOutcome>;
}

interface GripOp {
  goal: number;
  handle: GoalHandle | null;
  ended: boolean;
  timers: ReturnType<typeof setTimeout>[];
  resolve: (r: GripperResult) => void;
  done: Promise<GripperResult>;
  /** topic/service modes: completion judged from joint states */
  watch?: { startedAt: number; lastValue: number; lastChange: number };
}

const GRIPPER_TOLERANCE = 0.002; // joint units (m per finger on a Panda): close enough to the goal
const START_TOLERANCE = 0.1; // rad: a first point at t = 0 further than this from the arm would jump
const CANCEL_CONFIRM_MS = 2000; // wait this long for the robot to confirm a cancel
const RESULT_MARGIN_S = 2; // beyond duration + goal time tolerance before a missing result is an error
const MAX_SEEN_NAMES = 64;
/** rad (m): no joint of a real arm reports more; a larger value is garbage, not a position */
const ABSURD_POSITION = 1e4;

export class RosBackend implements RobotBackend {
  readonly kind: string;
  readonly capabilities: Capabilities;
  readonly jointNames: readonly string[];
  readonly model: RobotModel;
  readonly config: RosBridgeConfig;
  readonly transport: RosTransport;
  /** object frames from /tf and /tf_static (when tf.enabled) */
  readonly tf: TfBuffer | null;

  readonly #n: number;
  /** robot joint name -> model arm index */
  readonly #armIndex = new Map<string, number>();
  readonly #gripperJoint: string | null;
  readonly #robotNames: string[];
  readonly #q: Float64Array;
  readonly #qd: Float64Array;
  readonly #effort: Float64Array;
  /** performance.now() of each joint's last update (0: never) */
  readonly #seenAt: Float64Array;
  #gripper = NaN;
  #gripperSeenAt = 0;
  readonly #seenNames = new Set<string>();
  #stamp = 0;
  #stampWall = 0;
  #wall0 = performance.now();
  #lastNow = 0;
  /** joint-state messages received, and their arrival times for rate figures */
  #stateCount = 0;
  #badStates = 0;
  #nonFinite = new Set<string>();

  #presence: Presence = 'not_connected';
  readonly #problems = new Map<string, Problem>();
  #lastStatusKey = '';
  readonly #statusListeners = new Set<(s: BackendStatus) => void>();
  readonly #jointListeners = new Set<(s: JointState) => void>();
  readonly #freshWaiters = new Set<() => void>();

  #exec: Exec | null = null;
  #grip: GripOp | null = null;
  #counter = 0;
  #wantConnected = false;
  #stopOnReconnect = false;
  #handGuiding = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectAttempt = 0;
  #staleTimer: ReturnType<typeof setInterval> | undefined;
  #opening: Promise<void> | null = null;
  readonly #unhook: (() => void)[] = [];
  #subscribed = false;

  constructor(options: RosBackendOptions) {
    const { model, config } = options;
    this.model = model;
    this.config = config;
    this.transport = options.transport;
    this.kind = options.kind;
    this.jointNames = [...model.jointNames];
    this.#n = model.jointNames.length;
    this.#robotNames = model.jointNames.map((j) => this.robotJointName(j));
    this.#robotNames.forEach((r, i) => this.#armIndex.set(r, i));
    this.#gripperJoint = config.gripper.joint ?? (model.gripper ? this.robotJointName(model.gripper.joint) : null);
    this.#q = new Float64Array(this.#n).fill(NaN);
    this.#qd = new Float64Array(this.#n);
    this.#effort = new Float64Array(this.#n);
    this.#seenAt = new Float64Array(this.#n);
    const gripper = config.gripper.mode !== 'none' && !!model.gripper;
    this.capabilities = {
      trajectoryExecution: true,
      gripper,
      groundTruthObjects: false,
      simTimeControl: false,
      handGuiding: !!config.handGuide,
    };
    this.tf = config.tf.enabled
      ? new TfBuffer({
          fixedFrame: config.tf.fixedFrame ?? model.baseLink,
          frames: config.tf.frames,
          maxAge: config.tf.maxAge,
          halfExtents: options.halfExtents,
        })
      : null;
  }

  /** The robot's name for a URDF joint. */
  robotJointName(urdfJoint: string): string {
    return this.config.jointNames[urdfJoint] ?? `${this.config.jointPrefix}${urdfJoint}`;
  }

  #type(pkg: string, kind: 'msg' | 'srv' | 'action', name: string): string {
    return rosType(this.config.dialect, pkg, kind, name);
  }

  // ---------------------------------------------------------------------------------------------
  // connection

  /**
   * Open the link and subscribe, without requiring anything of the robot yet (doctor uses
   * this to diagnose). Throws RosConnectionError when the link cannot be opened.
   */
  async open(): Promise<void> {
    if (this.#presence === 'connected') return;
    if (this.#opening) return this.#opening;
    this.#opening = (async () => {
      this.#wantConnected = true;
      this.#setPresence('connecting');
      try {
        await this.transport.open(this.config.timeouts.connect * 1000);
      } catch (err) {
        const kind: LinkFailure = err instanceof TransportError ? err.kind : 'other';
        const hint = linkHint(kind, this.transport.endpoint, this.config.dialect);
        this.#wantConnected = false;
        this.#setProblem({ id: 'ros.link', severity: 'error', message: `Cannot reach the robot: ${(err as Error).message}`, tip: hint });
        this.#setPresence('error');
        throw new RosConnectionError(`[ros] cannot connect to ${this.transport.endpoint}: ${(err as Error).message}`, kind, hint, {
          cause: err,
        });
      }
      this.#wall0 = performance.now();
      this.#hook();
      this.#problems.delete('ros.link');
      this.#startStaleTimer();
      this.#setPresence('connected');
    })();
    try {
      await this.#opening;
    } finally {
      this.#opening = null;
    }
  }

  /**
   * Open the link and wait until joint states cover every URDF joint. Throws
   * RosConnectionError (with a hint) when the robot cannot be reached or its joint states do
   * not arrive or do not match the URDF.
   */
  async connect(): Promise<void> {
    await this.open();
    const ok = await this.waitForJointStates(this.config.timeouts.jointStates);
    if (ok) return;
    const missing = this.missingJoints();
    const seen = [...this.#seenNames];
    const err =
      seen.length === 0
        ? new RosConnectionError(
            `[ros] no joint states arrived on ${this.config.jointStates} within ${this.config.timeouts.jointStates} s`,
            'joint_states',
            jointStatesHint(this.config.jointStates, this.config.dialect),
          )
        : new RosConnectionError(
            `[ros] the joint states do not cover the URDF joints ${missing.join(', ')}`,
            'joint_names',
            jointMismatchHint(missing, seen, this.jointNames),
          );
    await this.disconnect();
    this.#setProblem({ id: 'ros.joint_states.missing', severity: 'error', message: err.message.split('\n')[0], tip: err.hint });
    this.#setPresence('error');
    throw err;
  }

  /** Resolves true once every URDF arm joint has a finite position (false on timeout, s). */
  async waitForJointStates(timeoutS: number): Promise<boolean> {
    const deadline = performance.now() + timeoutS * 1000;
    while (this.missingJoints().length) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.#nextState(Math.min(left, 100));
    }
    return true;
  }

  /** URDF arm joints (by URDF name) with no finite position yet. */
  missingJoints(): string[] {
    return this.jointNames.filter((_, i) => !(this.#seenAt[i] > 0 && Number.isFinite(this.#q[i])));
  }

  /** Joint names the robot publishes (up to 64), for diagnostics. */
  seenJointNames(): string[] {
    return [...this.#seenNames];
  }

  /** joint-state messages received, and how many were unusable */
  get jointStateCounts(): { received: number; malformed: number } {
    return { received: this.#stateCount, malformed: this.#badStates };
  }

  /**
   * Check the robot's ROS graph for the trajectory action (and gripper action) servers.
   * Returns problems; an unreachable introspection service (no rosapi) is a warning only.
   */
  async preflight(): Promise<Problem[]> {
    const out: Problem[] = [];
    let graph;
    try {
      graph = await this.transport.graph(this.config.timeouts.call * 1000);
    } catch (err) {
      return [
        {
          id: 'ros.graph',
          severity: 'warn',
          message: `Could not list the robot's topics and actions: ${(err as Error).message}`,
          tip: 'Run rosapi next to rosbridge (the rosbridge launch files start it) so the bridge can check the controllers.',
        },
      ];
    }
    const hasAction = (a: string) =>
      graph.actions.includes(a) || graph.topics.some((t) => t.name === `${a}/_action/feedback` || t.name === `${a}/status`);
    if (!hasAction(this.config.trajectoryAction)) {
      out.push({
        id: 'ros.controller.missing',
        severity: 'error',
        message: `No trajectory action server at ${this.config.trajectoryAction}.`,
        tip: controllerHint(this.config.trajectoryAction, this.config.dialect),
      });
    }
    if (this.capabilities.gripper && this.config.gripper.mode === 'action' && !hasAction(this.config.gripper.action)) {
      out.push({
        id: 'ros.gripper.missing',
        severity: 'warn',
        message: `No gripper action server at ${this.config.gripper.action}.`,
        tip: 'Start the gripper controller, set gripper.action in the profile, or set gripper.mode to topic, service or none.',
      });
    }
    for (const p of out) this.#setProblem(p);
    return out;
  }

  async disconnect(): Promise<void> {
    this.#wantConnected = false;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.transport.isOpen && (this.#exec || this.#grip)) await this.stop().catch(() => undefined);
    this.#finishAll('the backend disconnected');
    this.transport.close();
    this.#stopStaleTimer();
    for (const u of this.#unhook) u();
    this.#unhook.length = 0;
    this.#subscribed = false;
    if (this.#presence !== 'error') this.#setPresence('not_connected');
  }

  #hook(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    const t = this.transport;
    this.#unhook.push(
      t.onLinkLost((reason) => this.#onLinkLost(reason)),
      t.onServerMessage((level, text) => {
        if (level === 'info') return;
        this.#setProblem({ id: 'ros.server', severity: 'warn', message: `rosbridge reported: ${text}` });
      }),
      t.subscribe(this.config.jointStates, this.#type('sensor_msgs', 'msg', 'JointState'), (m) => this.#onJointState(m)),
    );
    if (this.tf) {
      const tfType = this.#type('tf2_msgs', 'msg', 'TFMessage');
      const tf = this.tf;
      const ingest = (m: unknown, isStatic: boolean) => {
        const { entries, invalid } = parseTfMessage(m);
        tf.ingest(entries, isStatic);
        if (invalid) tf.invalid += invalid;
      };
      this.#unhook.push(
        t.subscribe('/tf', tfType, (m) => ingest(m, false)),
        t.subscribe('/tf_static', tfType, (m) => ingest(m, true), { latched: true }),
      );
    }
    t.prepareAction(this.config.trajectoryAction, this.#type('control_msgs', 'action', 'FollowJointTrajectory'));
    if (this.capabilities.gripper && this.config.gripper.mode === 'action')
      t.prepareAction(this.config.gripper.action, this.#type('control_msgs', 'action', 'GripperCommand'));
    if (this.config.stopTopic)
      this.#unhook.push(t.advertise(this.config.stopTopic, this.#type('trajectory_msgs', 'msg', 'JointTrajectory')));
    if (this.capabilities.gripper && this.config.gripper.mode === 'topic')
      this.#unhook.push(t.advertise(this.config.gripper.topic, this.config.gripper.topicType));
  }

  #onLinkLost(reason: string): void {
    if (!this.#wantConnected) return;
    const moving = this.#exec && !this.#exec.ended;
    if (moving || this.#grip) {
      this.#stopOnReconnect = true;
      this.#setProblem({
        id: 'ros.motion.interrupted',
        severity: 'warn',
        message: 'The link to the robot dropped during a motion; the motion was reported as failed and will not resume.',
        tip: 'The robot is told to stop as soon as the link is back. Check the arm before giving the next command.',
      });
    }
    this.#finishAll(`lost the connection to the robot mid-motion (${reason}); nothing will be resumed`);
    this.#reconnectAttempt = 0;
    this.#setPresence('reconnecting');
    this.#scheduleReconnect(reason);
  }

  #scheduleReconnect(reason: string): void {
    const { initial, max } = this.config.reconnect;
    const delay = Math.min(max, initial * 2 ** this.#reconnectAttempt);
    this.#setProblem({
      id: 'ros.link',
      severity: 'error',
      message: `Lost the link to the robot (${reason}); reconnecting (attempt ${this.#reconnectAttempt + 1}, in ${delay.toFixed(1)} s).`,
      tip: `Check that rosbridge at ${this.transport.endpoint} is running and reachable.`,
    });
    this.#reconnectTimer = setTimeout(() => void this.#tryReconnect(), delay * 1000);
  }

  async #tryReconnect(): Promise<void> {
    this.#reconnectTimer = undefined;
    if (!this.#wantConnected) return;
    try {
      await this.transport.open(this.config.timeouts.connect * 1000);
    } catch (err) {
      if (!this.#wantConnected) return;
      this.#reconnectAttempt++;
      this.#scheduleReconnect((err as Error).message);
      return;
    }
    if (!this.#wantConnected) {
      this.transport.close();
      return;
    }
    this.#problems.delete('ros.link');
    if (this.#stopOnReconnect) {
      // First thing on the restored link: tell the robot to stop whatever it was doing.
      this.#stopOnReconnect = false;
      this.#sendStop();
    }
    this.#setPresence('connected');
  }

  #startStaleTimer(): void {
    this.#stopStaleTimer();
    this.#staleTimer = setInterval(() => this.#checkStale(), 200);
    this.#staleTimer.unref?.();
  }

  #stopStaleTimer(): void {
    if (this.#staleTimer) clearInterval(this.#staleTimer);
    this.#staleTimer = undefined;
  }

  #checkStale(): void {
    if (this.#presence !== 'connected') return;
    const now = performance.now();
    const staleMs = this.config.timeouts.stale * 1000;
    const never = this.missingJoints();
    const age = now - this.#wall0;
    if (never.length && age > this.config.timeouts.jointStates * 1000) {
      const seen = [...this.#seenNames];
      this.#setProblem({
        id: 'ros.joint_states.missing',
        severity: 'error',
        message: seen.length ? `Joint states never included ${never.join(', ')}.` : `No joint states on ${this.config.jointStates}.`,
        tip: seen.length ? jointMismatchHint(never, seen, this.jointNames) : jointStatesHint(this.config.jointStates, this.config.dialect),
      });
    } else if (!never.length) {
      this.#clearProblem('ros.joint_states.missing');
    }
    const stale = this.jointNames.filter((_, i) => this.#seenAt[i] > 0 && now - this.#seenAt[i] > staleMs);
    if (stale.length) {
      const oldest = Math.max(...stale.map((j) => now - this.#seenAt[this.jointNames.indexOf(j)]));
      this.#setProblem({
        id: 'ros.joint_states.stale',
        severity: 'warn',
        message: `Joint states are stale: no update of ${stale.length === this.#n ? 'any joint' : stale.join(', ')} for ${(oldest / 1000).toFixed(1)} s.`,
        tip: 'Motions are refused until joint states are fresh. Check the robot driver and joint_state_broadcaster.',
      });
    } else {
      this.#clearProblem('ros.joint_states.stale');
    }
    this.#emitStatus();
  }

  status(): BackendStatus {
    const problems = [...this.#problems.values()];
    return { presence: this.#presence, problems, moving: !!this.#exec && !this.#exec.ended };
  }

  onStatus(listener: (s: BackendStatus) => void): Unsubscribe {
    this.#statusListeners.add(listener);
    return () => {
      this.#statusListeners.delete(listener);
    };
  }

  onJointState(listener: (s: JointState) => void): Unsubscribe {
    this.#jointListeners.add(listener);
    return () => {
      this.#jointListeners.delete(listener);
    };
  }

  #setPresence(p: Presence): void {
    this.#presence = p;
    this.#emitStatus();
  }

  #setProblem(p: Problem): void {
    const old = this.#problems.get(p.id);
    if (old && old.message === p.message && old.severity === p.severity) return;
    this.#problems.set(p.id, p);
    this.#emitStatus();
  }

  #clearProblem(id: string): void {
    if (this.#problems.delete(id)) this.#emitStatus();
  }

  #emitStatus(): void {
    const s = this.status();
    const key = `${s.presence}|${s.moving}|${s.problems.map((p) => `${p.id}:${p.message}`).join(',')}`;
    if (key === this.#lastStatusKey) return;
    this.#lastStatusKey = key;
    for (const l of this.#statusListeners) {
      try {
        l(s);
      } catch {
        /* a listener's failure is not the robot's */
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // joint states

  #onJointState(msg: unknown): void {
    const js = parseJointState(msg);
    if (typeof js === 'string') {
      this.#badStates++;
      this.#setProblem({
        id: 'ros.joint_states.malformed',
        severity: 'warn',
        message: `Ignored ${this.#badStates} malformed joint-state message(s) on ${this.config.jointStates} (last: ${js}).`,
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
      const idx = this.#armIndex.get(n);
      if (idx === undefined) {
        if (n === this.#gripperJoint) {
          const v = position[i];
          if (Number.isFinite(v)) {
            this.#gripper = v / this.config.gripper.scale;
            this.#gripperSeenAt = now;
          }
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
        this.#setProblem({
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
    if (this.#grip?.watch) this.#watchGripper(this.#grip, now);
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
  #nextState(ms: number): Promise<void> {
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

  jointState(): JointState {
    return {
      stamp: this.now(),
      name: [...this.jointNames],
      position: Array.from(this.#q),
      velocity: Array.from(this.#qd),
      effort: Array.from(this.#effort),
    };
  }

  gripperPosition(): number {
    return this.#gripper;
  }

  /** Seconds on the robot's clock (joint-state stamps), or since connecting when it does not stamp. */
  now(): number {
    const w = performance.now();
    const t = this.#stampWall > 0 ? this.#stamp + (w - this.#stampWall) / 1000 : (w - this.#wall0) / 1000;
    if (t > this.#lastNow) this.#lastNow = t;
    return this.#lastNow;
  }

  #fresh(): string | null {
    const now = performance.now();
    const staleMs = this.config.timeouts.stale * 1000;
    for (let i = 0; i < this.#n; i++) {
      if (!(this.#seenAt[i] > 0) || !Number.isFinite(this.#q[i]))
        return `the position of ${this.jointNames[i]} is not known (no joint state for it)`;
      if (now - this.#seenAt[i] > staleMs)
        return `the joint states are stale (no update of ${this.jointNames[i]} for ${((now - this.#seenAt[i]) / 1000).toFixed(1)} s)`;
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // trajectories

  executeTrajectory(trajectory: JointTrajectory, options: ExecuteOptions = {}): TrajectoryExecution {
    const id = `ros-trajectory-${++this.#counter}`;
    const rejected = (reason: string): TrajectoryExecution => ({
      id,
      done: Promise.resolve({ status: 'rejected', reason }),
      cancel: async () => {},
    });
    if (this.#presence !== 'connected' || !this.transport.isOpen) return rejected(`not connected to the robot (${this.#presence})`);
    if (this.#handGuiding) return rejected('hand-guiding is on (the arm is compliant); switch it off before moving');
    const checked = this.#validate(trajectory);
    if (typeof checked === 'string') return rejected(checked);
    const stale = this.#fresh();
    if (stale) return rejected(`${stale}; not sending a motion`);

    // Speed scaling: same path, slower (times / s, velocities × s, accelerations × s²).
    const s = this.config.speedScale;
    const points =
      s === 1
        ? checked
        : checked.map((p) => ({
            positions: p.positions,
            velocities: p.velocities?.map((v) => v * s),
            accelerations: p.accelerations?.map((a) => a * s * s),
            timeFromStart: p.timeFromStart / s,
          }));
    const duration = points[points.length - 1].timeFromStart;
    const goal = encodeTrajectoryGoal(this.config.dialect, { jointNames: this.#robotNames, points }, this.config.goalTimeTolerance);

    // A newer goal replaces the running one (the controller does the same on its side).
    const prev = this.#exec;
    if (prev && !prev.ended) this.#finishExec(prev, { status: 'preempted', reason: `replaced by ${id}` });

    let resolve!: (o: TrajectoryOutcome) => void;
    const done = new Promise<TrajectoryOutcome>((r) => {
      resolve = r;
    });
    const exec: Exec = {
      id,
      handle: null,
      duration,
      goal: [...points[points.length - 1].positions],
      onProgress: options.onProgress,
      accepted: false,
      ended: false,
      cancelReason: 'cancelled',
      timers: [],
      resolve,
      done,
    };
    const handle = this.transport.sendGoal(
      this.config.trajectoryAction,
      this.#type('control_msgs', 'action', 'FollowJointTrajectory'),
      goal,
      {
        onAccepted: () => this.#accepted(exec),
        onFeedback: (v) => this.#onFeedback(exec, v),
        onEnd: (e) => void this.#onTrajectoryEnd(exec, e),
      },
    );
    if (!handle) return rejected('not connected to the robot');
    exec.handle = handle;
    this.#exec = exec;
    const ack = this.config.timeouts.goalAck;
    exec.timers.push(
      setTimeout(() => {
        if (exec.accepted || exec.ended) return;
        handle.cancel();
        this.#finishExec(exec, {
          status: 'aborted',
          reason: `the trajectory controller did not answer within ${ack} s. ${controllerHint(this.config.trajectoryAction, this.config.dialect)}`,
        });
      }, ack * 1000),
    );
    exec.timers.push(
      setTimeout(
        () => {
          if (exec.ended) return;
          handle.cancel();
          this.#finishExec(exec, {
            status: 'aborted',
            reason: `no result from the robot ${(duration + this.config.goalTimeTolerance + RESULT_MARGIN_S).toFixed(1)} s after the motion started; it was cancelled`,
          });
          this.#sendStop();
        },
        (duration + this.config.goalTimeTolerance + RESULT_MARGIN_S + ack) * 1000,
      ),
    );
    this.#emitStatus();
    return {
      id,
      done,
      cancel: async () => {
        if (exec.ended) {
          await done;
          return;
        }
        exec.handle?.cancel();
        await this.#confirmEnd(exec, 'cancelled');
      },
    };
  }

  /** Wait for the robot to confirm the end of `exec`; if it does not, end it here and cancel everything. */
  async #confirmEnd(exec: Exec, reason: string): Promise<void> {
    exec.cancelReason = reason;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      exec.done.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), CANCEL_CONFIRM_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut && !exec.ended) {
      this.#finishExec(exec, { status: 'preempted', reason: `${reason}; the robot did not confirm within ${CANCEL_CONFIRM_MS / 1000} s` });
      this.transport.cancelAllGoals(this.config.trajectoryAction, this.#type('control_msgs', 'action', 'FollowJointTrajectory'));
    }
  }

  #accepted(exec: Exec): void {
    if (exec.accepted) return;
    exec.accepted = true;
    this.#clearProblem('ros.motion.interrupted');
  }

  #onFeedback(exec: Exec, values: unknown): void {
    if (exec.ended) return;
    this.#accepted(exec);
    if (!exec.onProgress) return;
    const fb = parseTrajectoryFeedback(values);
    if (!fb) return;
    const desired = new Array<number>(this.#n).fill(NaN);
    const actual = new Array<number>(this.#n).fill(NaN);
    for (let i = 0; i < fb.jointNames.length; i++) {
      const idx = this.#armIndex.get(fb.jointNames[i]);
      if (idx === undefined) continue;
      if (fb.desired) desired[idx] = fb.desired[i];
      if (fb.actual) actual[idx] = fb.actual[i];
    }
    const elapsed = fb.elapsed !== null ? Math.min(Math.max(0, fb.elapsed), exec.duration) : 0;
    try {
      exec.onProgress({ elapsed, duration: exec.duration, fraction: exec.duration > 0 ? elapsed / exec.duration : 1, desired, actual });
    } catch {
      /* a throwing listener must not stop the arm */
    }
  }

  async #onTrajectoryEnd(exec: Exec, end: GoalEnd): Promise<void> {
    if (exec.ended) return;
    switch (end.status) {
      case 'succeeded': {
        // Let the joint state catch up with the end of the motion before reporting it.
        await this.#nextState(200);
        if (exec.ended) return;
        let err = 0;
        for (let i = 0; i < this.#n; i++) err = Math.max(err, Math.abs(this.#q[i] - exec.goal[i]));
        if (exec.onProgress) {
          try {
            exec.onProgress({
              elapsed: exec.duration,
              duration: exec.duration,
              fraction: 1,
              desired: [...exec.goal],
              actual: Array.from(this.#q),
            });
          } catch {
            /* listener */
          }
        }
        this.#finishExec(exec, { status: 'succeeded', finalError: Number.isFinite(err) ? err : 0 });
        return;
      }
      case 'canceled':
        this.#finishExec(exec, { status: 'preempted', reason: exec.cancelReason });
        return;
      case 'rejected':
        this.#finishExec(exec, { status: 'rejected', reason: `the robot refused the motion: ${end.reason}` });
        return;
      case 'aborted': {
        const r = parseTrajectoryResult(end.values);
        const code = TRAJECTORY_ERRORS[r.errorCode] ?? `error ${r.errorCode}`;
        const detail = [code !== 'SUCCESSFUL' ? code : '', r.errorString, end.text ?? ''].filter(Boolean).join(': ');
        // A final status we do not understand: make sure the arm is not still going.
        if (end.text?.startsWith('unexpected final status')) this.#sendStop();
        const tip = r.errorCode === -2 ? ' (the controller does not know these joints: check the joint-name mapping in the profile)' : '';
        this.#finishExec(exec, { status: 'aborted', reason: `the robot aborted the motion${detail ? `: ${detail}` : ''}${tip}` });
        return;
      }
    }
  }

  #finishExec(exec: Exec, outcome: TrajectoryOutcome): void {
    if (exec.ended) return;
    exec.ended = true;
    exec.timers.forEach(clearTimeout);
    exec.handle?.release();
    if (this.#exec === exec) this.#exec = null;
    exec.resolve(outcome);
    this.#emitStatus();
  }

  /** Reorder to model order and check shape, numbers, time and limits; or the reason it is refused. */
  #validate(tr: JointTrajectory): JointTrajectory['points'] | string {
    const names = this.jointNames;
    const order = trajectoryJointOrder(tr, names);
    if (typeof order === 'string') return order;
    const identity = order.every((o, i) => o === i);
    const arm = this.model.arm;
    const n = names.length;
    const out: JointTrajectory['points'] = new Array(tr.points.length);
    let prevT = -Infinity;
    // No copy in joint order: the goal is encoded (into new arrays) before this call returns.
    const pick = (a: number[]) => (identity ? a : order.map((i) => a[i]));
    for (let k = 0; k < tr.points.length; k++) {
      const p = tr.points[k];
      if (!p || !Array.isArray(p.positions) || p.positions.length !== n)
        return `point ${k} has ${p?.positions?.length ?? 0} positions; expected ${n}`;
      if (p.velocities !== undefined && (!Array.isArray(p.velocities) || p.velocities.length !== n))
        return `point ${k} has a wrong velocities array; expected ${n}`;
      if (p.accelerations !== undefined && (!Array.isArray(p.accelerations) || p.accelerations.length !== n))
        return `point ${k} has a wrong accelerations array; expected ${n}`;
      if (typeof p.timeFromStart !== 'number' || !Number.isFinite(p.timeFromStart) || p.timeFromStart < 0)
        return `point ${k} has an invalid timeFromStart ${p.timeFromStart}`;
      if (p.timeFromStart <= prevT) return `point ${k}: timeFromStart must increase (${p.timeFromStart} s after ${prevT} s)`;
      prevT = p.timeFromStart;
      const q = pick(p.positions);
      const qd = p.velocities ? pick(p.velocities) : undefined;
      const qdd = p.accelerations ? pick(p.accelerations) : undefined;
      for (let i = 0; i < n; i++) {
        if (typeof q[i] !== 'number' || !Number.isFinite(q[i]) || (qd && !Number.isFinite(qd[i])) || (qdd && !Number.isFinite(qdd[i])))
          return `point ${k}: ${names[i]} is not a finite number`;
        if (q[i] < arm[i].lower - 1e-6 || q[i] > arm[i].upper + 1e-6)
          return `point ${k} puts ${names[i]} at ${q[i].toFixed(4)}, outside its limits [${arm[i].lower}, ${arm[i].upper}]`;
      }
      out[k] = { positions: q, ...(qd ? { velocities: qd } : {}), ...(qdd ? { accelerations: qdd } : {}), timeFromStart: p.timeFromStart };
    }
    if (out[0].timeFromStart === 0) {
      // The controller starts the first point immediately: far from the arm would be a jump.
      for (let i = 0; i < n; i++) {
        const d = Math.abs(out[0].positions[i] - this.#q[i]);
        if (d > START_TOLERANCE)
          return `the trajectory starts ${d.toFixed(3)} rad away from the current position of ${names[i]} (tolerance ${START_TOLERANCE} rad)`;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // gripper

  async gripper(command: GripperCommand): Promise<GripperResult> {
    const fail = (error: string): GripperResult => ({ position: this.#gripper, effort: 0, stalled: false, reachedGoal: false, error });
    if (!this.capabilities.gripper)
      return fail(this.model.gripper ? 'this profile has no gripper (gripper.mode: none)' : `${this.model.name} has no gripper`);
    if (this.#presence !== 'connected' || !this.transport.isOpen) return fail(`not connected to the robot (${this.#presence})`);
    if (!command || !Number.isFinite(command.position) || !Number.isFinite(command.maxEffort))
      return fail('gripper position and effort must be finite numbers');
    if (this.#grip)
      this.#finishGrip(this.#grip, {
        position: this.#gripper,
        effort: 0,
        stalled: false,
        reachedGoal: false,
        error: 'superseded by a newer gripper command',
      });

    const g = this.config.gripper;
    let resolve!: (r: GripperResult) => void;
    const done = new Promise<GripperResult>((r) => {
      resolve = r;
    });
    const op: GripOp = { goal: command.position, handle: null, ended: false, timers: [], resolve, done };
    this.#grip = op;
    op.timers.push(
      setTimeout(() => {
        op.handle?.cancel();
        this.#finishGrip(op, fail(`the gripper did not finish within ${g.timeout} s`));
      }, g.timeout * 1000),
    );

    const robotPos = command.position * g.scale;
    if (g.mode === 'action') {
      op.handle = this.transport.sendGoal(
        g.action,
        this.#type('control_msgs', 'action', 'GripperCommand'),
        encodeGripperGoal(robotPos, command.maxEffort),
        {
          onEnd: (e) => this.#onGripperEnd(op, e),
        },
      );
      if (!op.handle) this.#finishGrip(op, fail('not connected to the robot'));
    } else if (g.mode === 'topic') {
      const scalar = /Float64$/.test(g.topicType) && !/MultiArray/.test(g.topicType);
      if (!this.transport.publish(g.topic, g.topicType, { data: scalar ? robotPos : [robotPos] }))
        this.#finishGrip(op, fail('not connected to the robot'));
      else op.watch = { startedAt: performance.now(), lastValue: this.#gripper, lastChange: performance.now() };
    } else {
      const request = substitute(g.request, robotPos, command.maxEffort);
      this.transport.callService(g.service, g.serviceType, request, g.timeout * 1000).then(
        (r) => {
          if (isObject(r) && r.success === false)
            this.#finishGrip(op, fail(`the gripper service refused: ${typeof r.message === 'string' ? r.message : 'success: false'}`));
          else op.watch = { startedAt: performance.now(), lastValue: this.#gripper, lastChange: performance.now() };
        },
        (err: Error) => this.#finishGrip(op, fail(err.message)),
      );
    }
    const r = await done;
    return r;
  }

  #onGripperEnd(op: GripOp, e: GoalEnd): void {
    if (op.ended) return;
    if (e.status === 'rejected') {
      this.#finishGrip(op, {
        position: this.#gripper,
        effort: 0,
        stalled: false,
        reachedGoal: false,
        error: `the gripper refused the command: ${e.reason}`,
      });
      return;
    }
    const r = parseGripperResult(e.values);
    const scale = this.config.gripper.scale;
    const position = r && Number.isFinite(r.position) ? r.position / scale : this.#gripper;
    if (Number.isFinite(position)) this.#gripper = position;
    const reachedGoal = r
      ? r.reachedGoal || (e.status === 'succeeded' && Math.abs(position - op.goal) <= GRIPPER_TOLERANCE)
      : Math.abs(position - op.goal) <= GRIPPER_TOLERANCE;
    const stalled = !!r?.stalled && !reachedGoal;
    const effort = r && Number.isFinite(r.effort) ? Math.abs(r.effort) : 0;
    // A gripper that stalls on an object may report "aborted": that is a grasp, not an error.
    const error =
      e.status === 'aborted' && !stalled && !reachedGoal ? `the gripper aborted the command${e.text ? `: ${e.text}` : ''}` : undefined;
    this.#finishGrip(op, { position, effort, stalled, reachedGoal, ...(error ? { error } : {}) });
  }

  /** topic/service modes: done when at the goal, or stalled when it stops moving short of it */
  #watchGripper(op: GripOp, now: number): void {
    const w = op.watch!;
    const g = this.#gripper;
    if (Math.abs(g - op.goal) <= GRIPPER_TOLERANCE) {
      this.#finishGrip(op, { position: g, effort: 0, stalled: false, reachedGoal: true });
      return;
    }
    if (!Number.isFinite(w.lastValue) || Math.abs(g - w.lastValue) > 1e-4) {
      w.lastValue = g;
      w.lastChange = now;
      return;
    }
    if (now - w.startedAt > 500 && now - w.lastChange > 300)
      this.#finishGrip(op, { position: g, effort: 0, stalled: true, reachedGoal: false });
  }

  #finishGrip(op: GripOp, r: GripperResult): void {
    if (op.ended) return;
    op.ended = true;
    op.timers.forEach(clearTimeout);
    op.handle?.release();
    if (this.#grip === op) this.#grip = null;
    op.resolve(r);
  }

  // ---------------------------------------------------------------------------------------------
  // stop, wait

  /** Cancel our goals and every goal on the trajectory action, and hold (stop topic). */
  #sendStop(): void {
    const t = this.transport;
    if (!t.isOpen) return;
    this.#exec?.handle?.cancel();
    this.#grip?.handle?.cancel();
    t.cancelAllGoals(this.config.trajectoryAction, this.#type('control_msgs', 'action', 'FollowJointTrajectory'));
    if (this.config.stopTopic) {
      const header =
        this.config.dialect === 'ros2'
          ? { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }
          : { seq: 0, stamp: { secs: 0, nsecs: 0 }, frame_id: '' };
      // An empty trajectory on the controller's command topic makes it hold the current position.
      t.publish(this.config.stopTopic, this.#type('trajectory_msgs', 'msg', 'JointTrajectory'), { header, joint_names: [], points: [] });
    }
  }

  async stop(): Promise<void> {
    const exec = this.#exec && !this.#exec.ended ? this.#exec : null;
    const grip = this.#grip;
    if (!this.transport.isOpen) {
      // Nothing can reach the robot now: stop it first thing when the link is back.
      if (this.#wantConnected) this.#stopOnReconnect = true;
      this.#finishAll('stopped while the link to the robot was down');
      return;
    }
    if (exec) exec.cancelReason = 'stopped';
    this.#sendStop();
    const waits: Promise<void>[] = [];
    if (exec) waits.push(this.#confirmEnd(exec, 'stopped'));
    if (grip) {
      waits.push(
        (async () => {
          const r = await Promise.race([grip.done, sleep(CANCEL_CONFIRM_MS).then(() => null)]);
          if (!r) this.#finishGrip(grip, { position: this.#gripper, effort: 0, stalled: false, reachedGoal: false });
        })(),
      );
    }
    await Promise.all(waits);
  }

  async wait(seconds: number): Promise<void> {
    if (this.#presence !== 'connected' && this.#presence !== 'reconnecting')
      throw new Error(`[ros] not connected (${this.#presence}); call connect() first`);
    if (!(seconds > 0)) return;
    const until = this.now() + seconds;
    for (;;) {
      const left = until - this.now();
      if (left <= 0) return;
      await sleep(Math.min(50, left * 1000));
    }
  }

  /** End everything in progress (link lost, disconnect). */
  #finishAll(reason: string): void {
    const exec = this.#exec;
    if (exec && !exec.ended) this.#finishExec(exec, { status: 'aborted', reason });
    const grip = this.#grip;
    if (grip) this.#finishGrip(grip, { position: this.#gripper, effort: 0, stalled: false, reachedGoal: false, error: reason });
  }

  // ---------------------------------------------------------------------------------------------
  // hand-guiding

  get handGuiding(): boolean {
    return this.#handGuiding;
  }

  /**
   * Switch to the compliant (gravity-compensation) controller for hand-guiding, or back to the
   * trajectory controller, through controller_manager. Motions are refused while it is on.
   */
  async setHandGuiding(on: boolean): Promise<void> {
    const hg = this.config.handGuide;
    if (!hg)
      throw new Error(
        '[ros] hand-guiding is not configured: add teaching.handGuide (compliantController, trajectoryController) to the profile',
      );
    if (on) await this.stop();
    const [activate, deactivate] = on
      ? [hg.compliantController, hg.trajectoryController]
      : [hg.trajectoryController, hg.compliantController];
    const request =
      this.config.dialect === 'ros2'
        ? {
            activate_controllers: [activate],
            deactivate_controllers: [deactivate],
            strictness: 2,
            activate_asap: true,
            timeout: { sec: 5, nanosec: 0 },
          }
        : { start_controllers: [activate], stop_controllers: [deactivate], strictness: 2, start_asap: true, timeout: 5 };
    const r = await this.transport.callService(
      hg.service,
      this.#type('controller_manager_msgs', 'srv', 'SwitchController'),
      request,
      this.config.timeouts.call * 1000 + 5000,
    );
    if (!isObject(r) || r.ok !== true)
      throw new Error(
        `[ros] controller_manager refused to switch to ${activate}${isObject(r) && typeof r.message === 'string' && r.message ? `: ${r.message}` : ''}`,
      );
    this.#handGuiding = on;
    if (on)
      this.#setProblem({
        id: 'ros.hand_guiding',
        severity: 'info',
        message: `Hand-guiding: ${activate} is active and the arm is compliant.`,
        tip: 'Motions are refused until hand-guiding is switched off.',
      });
    else this.#clearProblem('ros.hand_guiding');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function substitute(template: Record<string, unknown>, position: number, effort: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) {
    out[k] = v === '$position' ? position : v === '$effort' ? effort : isObject(v) ? substitute(v, position, effort) : v;
  }
  return out;
}
