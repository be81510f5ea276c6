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
 *   in progress ends 'aborted' (a failed step; nothing is resumed), and the cancel of our goals
 *   (by id) is the first thing sent when the link is back. While the link is down nothing here
 *   can stop the arm: the controller runs the goal it has; only a robot-side limit (the
 *   controller's tolerances and goal time, a watchdog on the robot, the emergency stop) can.
 * - Stop cancels our goals by id, never every goal on the controller (that would cancel a
 *   motion someone else started, or our own next one).
 * - Clock: the robot's, from joint-state header stamps (extrapolated between messages), or
 *   the wall clock when the robot does not stamp. wait() waits on that clock.
 *
 * This file holds the link (open, reconnect, stop on reconnect) and wires the parts beside it:
 * link-status.ts (presence, problems), joint-state-tracker.ts (joint states, clock),
 * trajectory-client.ts (FollowJointTrajectory goals), gripper-client.ts, preflight.ts (graph
 * check) and hand-guiding.ts (controller switch).
 *
 * Units: rad, rad/s (m for prismatic joints), gripper in the URDF joint's unit, seconds.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
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
import { rosType, type RosBridgeConfig } from './config.js';
import { GripperClient } from './gripper-client.js';
import { handGuidingProblem, requireHandGuide, switchControllers } from './hand-guiding.js';
import { jointMismatchHint, jointStatesHint, linkHint } from './hints.js';
import { JointStateTracker } from './joint-state-tracker.js';
import { LinkStatus } from './link-status.js';
import { parseTfMessage } from './messages.js';
import { checkActionServers } from './preflight.js';
import { TfBuffer } from './tf.js';
import { CANCEL_CONFIRM_MS, rejectedExecution, TrajectoryClient } from './trajectory-client.js';
import { linkErrorText, TransportError, type LinkFailure, type RosTransport } from './transport.js';

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

export class RosBackend implements RobotBackend {
  readonly kind: string;
  readonly capabilities: Capabilities;
  readonly jointNames: readonly string[];
  readonly model: RobotModel;
  readonly config: RosBridgeConfig;
  readonly transport: RosTransport;
  /** object frames from /tf and /tf_static (when tf.enabled) */
  readonly tf: TfBuffer | null;

  /** presence, problems and the status listeners */
  readonly #status: LinkStatus;
  /** the arm and gripper joints from the joint states, and the robot's clock */
  readonly #joints: JointStateTracker;
  readonly #trajectories: TrajectoryClient;
  readonly #gripper: GripperClient;

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
    const robotNames = model.jointNames.map((j) => this.robotJointName(j));
    const gripperJoint = config.gripper.joint ?? (model.gripper ? this.robotJointName(model.gripper.joint) : null);
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

    const transport = this.transport;
    this.#status = new LinkStatus(() => this.#trajectories.moving);
    this.#joints = new JointStateTracker({
      config,
      jointNames: this.jointNames,
      robotNames,
      gripperJoint,
      problems: this.#status,
      afterMessage: (now) => this.#gripper.watch(now),
    });
    const parts = { model, transport, config, joints: this.#joints, status: this.#status };
    this.#trajectories = new TrajectoryClient({ ...parts, jointNames: this.jointNames, robotNames, sendStop: () => this.#sendStop() });
    this.#gripper = new GripperClient({ ...parts, enabled: gripper });
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
    if (this.#status.presence === 'connected') return;
    if (this.#opening) return this.#opening;
    this.#opening = (async () => {
      this.#wantConnected = true;
      this.#status.setPresence('connecting');
      try {
        await this.transport.open(this.config.timeouts.connect * 1000);
      } catch (err) {
        const kind: LinkFailure = err instanceof TransportError ? err.kind : 'other';
        const hint = linkHint(kind, this.transport.endpoint, this.config.dialect);
        this.#wantConnected = false;
        const text = linkErrorText(this.transport.endpoint, err);
        this.#status.setProblem({
          id: 'ros.link',
          severity: 'error',
          message: `Cannot reach the robot: ${text}`,
          tip: hint,
        });
        this.#status.setPresence('error');
        throw new RosConnectionError(`[ros] ${text}`, kind, hint, { cause: err });
      }
      this.#joints.resetWallClock();
      this.#hook();
      this.#status.dropProblem('ros.link');
      this.#startStaleTimer();
      this.#status.setPresence('connected');
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
    const seen = this.#joints.seenNames();
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
    this.#status.setProblem({ id: 'ros.joint_states.missing', severity: 'error', message: err.message.split('\n')[0], tip: err.hint });
    this.#status.setPresence('error');
    throw err;
  }

  /** Resolves true once every URDF arm joint has a finite position (false on timeout, s). */
  async waitForJointStates(timeoutS: number): Promise<boolean> {
    return this.#joints.waitForAll(timeoutS);
  }

  /** URDF arm joints (by URDF name) with no finite position yet. */
  missingJoints(): string[] {
    return this.#joints.missing();
  }

  /** Joint names the robot publishes (up to 64), for diagnostics. */
  seenJointNames(): string[] {
    return this.#joints.seenNames();
  }

  /** joint-state messages received, and how many were unusable */
  get jointStateCounts(): { received: number; malformed: number } {
    return this.#joints.counts;
  }

  /**
   * Check the robot's ROS graph for the trajectory action (and gripper action) servers.
   * Returns problems; an unreachable introspection service (no rosapi) is a warning only.
   */
  async preflight(): Promise<Problem[]> {
    return checkActionServers(this.transport, this.config, this.capabilities.gripper, this.#status);
  }

  /**
   * Our goals the robot may still be running (sent, end not reported), by action, with the ids
   * the servers know them by: what a watchdog with its own link would cancel.
   */
  goalsInFlight(): { action: string; ids: string[] }[] {
    const out = [{ action: this.config.trajectoryAction, ids: this.#trajectories.goalsInFlight() }];
    if (this.capabilities.gripper && this.config.gripper.mode === 'action')
      out.push({ action: this.config.gripper.action, ids: this.transport.goalsInFlight(this.config.gripper.action) });
    return out;
  }

  async disconnect(): Promise<void> {
    this.#wantConnected = false;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.transport.isOpen && (this.#trajectories.current || this.#gripper.current)) await this.stop().catch(() => undefined);
    this.#finishAll('the backend disconnected');
    this.transport.close();
    this.#stopStaleTimer();
    for (const u of this.#unhook) u();
    this.#unhook.length = 0;
    this.#subscribed = false;
    if (this.#status.presence !== 'error') this.#status.setPresence('not_connected');
  }

  #hook(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    const t = this.transport;
    this.#unhook.push(
      t.onLinkLost((reason) => this.#onLinkLost(reason)),
      t.onServerMessage((level, text) => {
        if (level === 'info') return;
        this.#status.setProblem({ id: 'ros.server', severity: 'warn', message: `rosbridge reported: ${text}` });
      }),
      t.subscribe(this.config.jointStates, this.#type('sensor_msgs', 'msg', 'JointState'), (m) => this.#joints.ingest(m)),
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
    if (this.#trajectories.moving || this.#gripper.current) {
      this.#stopOnReconnect = true;
      // Queued in the transport: the first thing sent on the restored link.
      this.#cancelOwnGoals();
      this.#status.setProblem({
        id: 'ros.motion.interrupted',
        severity: 'warn',
        message:
          'The link to the robot dropped during a motion; the motion was reported as failed and will not resume. Until the link is back the controller runs the goal it has.',
        tip: 'Its cancel is the first thing sent when the link is back. Check the arm before giving the next command; what stops an arm while the link is down is on the robot (controller limits, a watchdog there, the emergency stop).',
      });
    }
    this.#finishAll(`lost the connection to the robot mid-motion (${reason}); nothing will be resumed`);
    this.#reconnectAttempt = 0;
    this.#status.setPresence('reconnecting');
    this.#scheduleReconnect(reason);
  }

  #scheduleReconnect(reason: string): void {
    const { initial, max } = this.config.reconnect;
    const delay = Math.min(max, initial * 2 ** this.#reconnectAttempt);
    this.#status.setProblem({
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
    this.#status.dropProblem('ros.link');
    if (this.#stopOnReconnect) {
      // The transport has already sent the cancel of our goals, first thing on the new link;
      // now the hold (stop topic), and the cancels again (ROS 1 resends them: a first publish can be lost).
      this.#stopOnReconnect = false;
      this.#sendStop();
    }
    this.#status.setPresence('connected');
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
    if (this.#status.presence !== 'connected') return;
    this.#joints.checkHealth();
    this.#status.emit();
  }

  status(): BackendStatus {
    return this.#status.status();
  }

  onStatus(listener: (s: BackendStatus) => void): Unsubscribe {
    return this.#status.onStatus(listener);
  }

  onJointState(listener: (s: JointState) => void): Unsubscribe {
    return this.#joints.onJointState(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // joint states, clock

  jointState(): JointState {
    return this.#joints.jointState();
  }

  gripperPosition(): number {
    return this.#joints.gripper;
  }

  /** Seconds on the robot's clock (joint-state stamps), or since connecting when it does not stamp. */
  now(): number {
    return this.#joints.now();
  }

  // ---------------------------------------------------------------------------------------------
  // trajectories, gripper

  executeTrajectory(trajectory: JointTrajectory, options: ExecuteOptions = {}): TrajectoryExecution {
    const id = `ros-trajectory-${++this.#counter}`;
    const presence = this.#status.presence;
    if (presence !== 'connected' || !this.transport.isOpen) return rejectedExecution(id, `not connected to the robot (${presence})`);
    if (this.#handGuiding) return rejectedExecution(id, 'hand-guiding is on (the arm is compliant); switch it off before moving');
    return this.#trajectories.execute(id, trajectory, options);
  }

  async gripper(command: GripperCommand): Promise<GripperResult> {
    return this.#gripper.command(command);
  }

  // ---------------------------------------------------------------------------------------------
  // stop, wait

  /** Cancel our goals (trajectory and gripper, each by id), and hold (stop topic). */
  #sendStop(): void {
    if (!this.transport.isOpen) return;
    this.#trajectories.current?.handle?.cancel();
    this.#gripper.current?.handle?.cancel();
    this.#trajectories.cancelOwnAndHold();
    if (this.capabilities.gripper && this.config.gripper.mode === 'action')
      this.transport.cancelOwnGoals(this.config.gripper.action, this.#type('control_msgs', 'action', 'GripperCommand'));
  }

  /** Cancel our goals by id; with the link down, the transport sends them first thing when it is back. */
  #cancelOwnGoals(): void {
    this.transport.cancelOwnGoals(this.config.trajectoryAction, this.#type('control_msgs', 'action', 'FollowJointTrajectory'));
    if (this.capabilities.gripper && this.config.gripper.mode === 'action')
      this.transport.cancelOwnGoals(this.config.gripper.action, this.#type('control_msgs', 'action', 'GripperCommand'));
  }

  async stop(): Promise<void> {
    const exec = this.#trajectories.moving ? this.#trajectories.current : null;
    const grip = this.#gripper.current;
    if (!this.transport.isOpen) {
      // Nothing can reach the robot now: stop it first thing when the link is back.
      if (this.#wantConnected) {
        this.#stopOnReconnect = true;
        this.#cancelOwnGoals();
      }
      this.#finishAll('stopped while the link to the robot was down');
      return;
    }
    if (exec) exec.cancelReason = 'stopped';
    this.#sendStop();
    const waits: Promise<void>[] = [];
    if (exec) waits.push(this.#trajectories.confirmEnd(exec, 'stopped'));
    if (grip) {
      waits.push(
        (async () => {
          const r = await Promise.race([grip.done, sleep(CANCEL_CONFIRM_MS).then(() => null)]);
          if (!r) this.#gripper.finish(grip, { position: this.#joints.gripper, effort: 0, stalled: false, reachedGoal: false });
        })(),
      );
    }
    await Promise.all(waits);
  }

  async wait(seconds: number): Promise<void> {
    const presence = this.#status.presence;
    if (presence !== 'connected' && presence !== 'reconnecting') throw new Error(`[ros] not connected (${presence}); call connect() first`);
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
    const exec = this.#trajectories.current;
    if (exec && !exec.ended) this.#trajectories.finish(exec, { status: 'aborted', reason });
    const grip = this.#gripper.current;
    if (grip) this.#gripper.finish(grip, { position: this.#joints.gripper, effort: 0, stalled: false, reachedGoal: false, error: reason });
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
    const hg = requireHandGuide(this.config);
    if (on) await this.stop();
    const active = await switchControllers(this.transport, this.config, hg, on);
    this.#handGuiding = on;
    if (on) this.#status.setProblem(handGuidingProblem(active));
    else this.#status.clearProblem('ros.hand_guiding');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
