/**
 * A ros2_control-like robot behind the fake rosbridge: any RobotBackend (a kinematic
 * FakeBackend ticking on the wall clock, or the MuJoCo SimBackend in real time) exposed with
 * the interfaces a real arm has:
 *
 * - /joint_states (sensor_msgs JointState, arm + gripper joints, in the robot's joint names)
 * - FollowJointTrajectory (ROS 2 action ops, or ROS 1 actionlib topics), feedback at 20 Hz,
 *   a new goal preempts the old one (canceled). Cancel requests follow the action servers'
 *   rules (actionlib's ActionServer; ROS 2 action_msgs/srv/CancelGoal): an empty id and a zero
 *   stamp cancel every goal on the server, whoever sent it; an id cancels that goal; a stamp
 *   cancels the goals accepted at or before it. ROS 1: a cancel for an id not seen yet recalls
 *   that goal when it arrives, and goal stamps of zero are set to the robot's clock.
 * - The nodes publishing each topic (rosapi/publishers): the action server publishes its
 *   status and feedback, which is how a client can tell the server is there
 * - GripperCommand, /tf + /tf_static, /robot_description and robot_state_publisher's parameter,
 *   controller_manager switch/list services
 *
 * Joint names can be renamed (joint-name mismatch tests) and joints omitted (missing joints).
 */
import type { RobotBackend, TrajectoryExecution, TrajectoryOutcome } from '../../../robot-bridge/types.js';
import type { RobotModel } from '../../../model/description/robot-model.js';
import { FakeBackend } from '../../fakes/fake-backend.js';
import type { Dialect, FakeRosbridge, GoalContext } from './fake-rosbridge.js';

type Obj = Record<string, unknown>;
type Vec3 = [number, number, number];
type Quat = [number, number, number, number];

export interface TfFrame {
  parent: string;
  child: string;
  t: Vec3;
  q: Quat;
}

export interface FakeRobotOptions {
  server: FakeRosbridge;
  backend: RobotBackend;
  model: RobotModel;
  /** URDF joint name -> the robot's name (default: the same) */
  rename?: (urdf: string) => string;
  /** URDF joints never published */
  omit?: string[];
  /** Hz (default 100) */
  jointStateRate?: number;
  /** header stamps: the backend clock (default), the wall clock (epoch s), or zero */
  stamps?: 'backend' | 'wall' | 'zero';
  trajectoryAction?: string;
  gripperAction?: string;
  /** frames published on /tf (dynamic) at 20 Hz */
  tf?: () => TfFrame[];
  tfStatic?: TfFrame[];
  robotDescription?: string;
  /** a FakeBackend is advanced by a wall-clock timer (× speed) */
  speed?: number;
  /** no trajectory action server (a missing controller) */
  noController?: boolean;
  /** an empty JointTrajectory here stops the arm (the JTC's topic interface) */
  stopTopic?: string;
}

const T = (dialect: Dialect, pkg: string, kind: 'msg' | 'srv' | 'action', name: string) =>
  dialect === 'ros2' ? `${pkg}/${kind}/${name}` : kind === 'action' ? `${pkg}/${name}Action` : `${pkg}/${name}`;

function time(dialect: Dialect, s: number): Obj {
  const sec = Math.floor(s),
    ns = Math.round((s - sec) * 1e9);
  return dialect === 'ros2' ? { sec, nanosec: ns } : { secs: sec, nsecs: ns };
}

/** An actionlib goal id as text ('' when missing); ids are strings on the wire, a number is taken as its digits. */
function idText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function seconds(v: unknown): number {
  const o = (v ?? {}) as Obj;
  const s = Number(o.sec ?? o.secs ?? 0) + Number(o.nanosec ?? o.nsecs ?? 0) * 1e-9;
  return Number.isFinite(s) ? s : 0;
}

/** actionlib_msgs/GoalStatus codes the fake uses */
const GOAL_STATUS = { RECALLED: 8 } as const;
/** ROS 1 statuses a goal never leaves: PREEMPTED, SUCCEEDED, ABORTED, REJECTED, RECALLED, LOST */
const TERMINAL_1 = new Set([2, 3, 4, 5, 8, 9]);

/** the controller node of an action (/arm_controller/follow_joint_trajectory -> /arm_controller) */
function nodeOf(action: string): string {
  const first = action.split('/').filter(Boolean)[0];
  return `/${first ?? 'action_server'}`;
}

/** a unique_identifier_msgs/UUID's bytes as rosbridge carries them (a list, or base64 text) */
function uuidOf(v: unknown): number[] {
  const bytes =
    Array.isArray(v) || ArrayBuffer.isView(v)
      ? Array.from(v as ArrayLike<number>)
      : typeof v === 'string'
        ? [...Buffer.from(v, 'base64')]
        : [];
  return Array.from({ length: 16 }, (_, i) => (Number.isInteger(bytes[i]) ? bytes[i] : 0));
}

const hex = (b: number[]) => b.map((x) => x.toString(16).padStart(2, '0')).join('');

export class FakeRobot {
  readonly server: FakeRosbridge;
  readonly backend: RobotBackend;
  readonly model: RobotModel;
  readonly dialect: Dialect;
  readonly trajectoryAction: string;
  readonly gripperAction: string;
  /** trajectory goals received (robot joint names, as sent) */
  readonly goals: Obj[] = [];
  readonly gripperGoals: Obj[] = [];
  readonly switches: Obj[] = [];
  /** each switch_controller request: when (backend clock), what, and whether it was granted */
  readonly switchLog: { at: number; activate: string[]; deactivate: string[]; ok: boolean }[] = [];
  /** controller_manager's controllers and their states */
  readonly controllers = new Map([
    ['joint_trajectory_controller', 'active'],
    ['joint_state_broadcaster', 'active'],
    ['gravity_compensation_controller', 'inactive'],
  ]);
  /** trajectory goal ids, in the order received (ROS 2: rosbridge's ids; ROS 1: actionlib GoalID ids) */
  readonly goalIds: string[] = [];
  /**
   * every cancel request an action server got (ROS 1 …/cancel; ROS 2 rosbridge's
   * cancel_action_goal or the cancel_goal service): the id ('' for none; ROS 2: rosbridge's id,
   * or for the service the uuid in hex), the stamp (s), what it cancelled, when (Date.now() ms)
   */
  readonly cancelRequests: { action: string; id: string; stamp: number; all: boolean; cancelled: string[]; at: number }[] = [];
  /** cancel requests that cancel every goal on a server (empty id and zero stamp) */
  cancelAllCount = 0;
  jointStatesSent = 0;
  /** false: stop publishing joint states (a dead driver) */
  publishing = true;
  /** next trajectory goals are accepted but never answered (a hung controller) */
  silent = false;

  readonly #o: FakeRobotOptions;
  readonly #rename: (urdf: string) => string;
  readonly #toBackend = new Map<string, string>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #active: {
    id: string;
    exec: TrajectoryExecution | null;
    canceled: boolean;
    finish: (status: 'succeeded' | 'canceled' | 'aborted' | 'rejected', values: Obj, text?: string) => void;
  } | null = null;
  #gripOp: { id: string; finish: (status: 'succeeded' | 'canceled' | 'aborted', values: Obj) => void } | null = null;
  /** ROS 1 actionlib status lists per action namespace (stamp: s, robot clock; endedAt: ms) */
  readonly #status1 = new Map<string, Map<string, { status: number; text: string; stamp: number; endedAt?: number }>>();
  /** ROS 2 goals per action: rosbridge id -> the server's goal uuid and accept stamp (s) */
  readonly #goals2 = new Map<string, Map<string, { uuid: number[]; stamp: number; done: boolean }>>();
  #t0 = performance.now();
  #next = 0;

  constructor(o: FakeRobotOptions) {
    this.#o = o;
    this.server = o.server;
    this.backend = o.backend;
    this.model = o.model;
    this.dialect = o.server.dialect;
    this.#rename = o.rename ?? ((n) => n);
    for (const j of o.model.jointNames) this.#toBackend.set(this.#rename(j), j);
    this.trajectoryAction =
      o.trajectoryAction ??
      (this.dialect === 'ros2' ? '/joint_trajectory_controller/follow_joint_trajectory' : '/arm_controller/follow_joint_trajectory');
    this.gripperAction = o.gripperAction ?? '/gripper_controller/gripper_cmd';
  }

  /** A kinematic FakeBackend for `model` (its home pose, its gripper), driven by the wall clock. */
  static kinematic(model: RobotModel): FakeBackend {
    return FakeBackend.forModel(model, { autoAdvance: false, step: 0.002 });
  }

  start(): this {
    const s = this.server,
      d = this.dialect;
    s.declareTopic('/joint_states', T(d, 'sensor_msgs', 'msg', 'JointState'), '/joint_state_broadcaster');
    s.declareTopic('/tf', T(d, 'tf2_msgs', 'msg', 'TFMessage'), '/tf_publisher');
    s.declareTopic('/tf_static', T(d, 'tf2_msgs', 'msg', 'TFMessage'), '/static_tf_publisher');
    if (this.backend instanceof FakeBackend) {
      const fake = this.backend;
      let last = performance.now();
      this.#timers.push(
        setInterval(() => {
          const now = performance.now();
          fake.advance(((now - last) / 1000) * (this.#o.speed ?? 1));
          last = now;
        }, 5),
      );
    }
    // Joint states at the rate, catching up when the timer is late (no message lost).
    const period = 1000 / (this.#o.jointStateRate ?? 100);
    this.#t0 = performance.now();
    this.#next = 0;
    this.#timers.push(
      setInterval(
        () => {
          const due = Math.floor((performance.now() - this.#t0) / period);
          while (this.#next <= due) {
            this.#next++;
            if (this.publishing) this.publishJointState();
          }
        },
        Math.max(1, Math.floor(period / 2)),
      ),
    );
    if (this.#o.tf) {
      const tf = this.#o.tf;
      this.#timers.push(setInterval(() => s.publish('/tf', this.#tfMessage(tf())), 50));
    }
    if (this.#o.tfStatic) s.publish('/tf_static', this.#tfMessage(this.#o.tfStatic), { latched: true });
    if (this.#o.robotDescription !== undefined) this.#description(this.#o.robotDescription);
    if (!this.#o.noController) this.#serveTrajectory();
    if (this.model.gripper) this.#serveGripper();
    this.#controllerManager();
    if (this.#o.stopTopic) {
      s.declareTopic(this.#o.stopTopic, T(d, 'trajectory_msgs', 'msg', 'JointTrajectory'));
      s.onTopic(this.#o.stopTopic, (m) => {
        if (Array.isArray((m as Obj)?.points) && ((m as Obj).points as unknown[]).length === 0) void this.backend.stop();
      });
    }
    if (d === 'ros1') this.#timers.push(setInterval(() => this.#publishStatus1(), 100));
    return this;
  }

  stop(): void {
    this.#timers.forEach(clearInterval);
    this.#timers.length = 0;
  }

  publishJointState(): void {
    const d = this.dialect;
    const js = this.backend.jointState();
    const omit = new Set(this.#o.omit ?? []);
    const name: string[] = [],
      position: number[] = [],
      velocity: number[] = [],
      effort: number[] = [];
    js.name.forEach((n, i) => {
      if (omit.has(n)) return;
      name.push(this.#rename(n));
      position.push(js.position[i]);
      velocity.push(js.velocity[i] ?? 0);
      effort.push(js.effort[i] ?? 0);
    });
    const g = this.model.gripper;
    if (g) {
      const v = this.backend.gripperPosition();
      name.push(this.#rename(g.joint));
      position.push(v);
      velocity.push(0);
      effort.push(0);
      for (const m of g.mimics) {
        name.push(this.#rename(m.joint));
        position.push(v * m.multiplier + m.offset);
        velocity.push(0);
        effort.push(0);
      }
    }
    const mode = this.#o.stamps ?? 'backend';
    const stamp = mode === 'zero' ? 0 : mode === 'wall' ? (performance.timeOrigin + performance.now()) / 1000 : this.backend.now();
    const header =
      d === 'ros2' ? { stamp: time(d, stamp), frame_id: '' } : { seq: this.jointStatesSent, stamp: time(d, stamp), frame_id: '' };
    this.server.publish('/joint_states', { header, name, position, velocity, effort });
    this.jointStatesSent++;
  }

  #tfMessage(frames: TfFrame[]): Obj {
    const d = this.dialect;
    return {
      transforms: frames.map((f) => ({
        header: { stamp: time(d, this.backend.now()), frame_id: f.parent },
        child_frame_id: f.child,
        transform: { translation: { x: f.t[0], y: f.t[1], z: f.t[2] }, rotation: { x: f.q[0], y: f.q[1], z: f.q[2], w: f.q[3] } },
      })),
    };
  }

  #description(urdf: string): void {
    const s = this.server;
    if (this.dialect === 'ros2') {
      s.declareTopic('/robot_description', 'std_msgs/msg/String');
      s.publish('/robot_description', { data: urdf }, { latched: true });
      s.advertiseService('/robot_state_publisher/get_parameters', 'rcl_interfaces/srv/GetParameters', (args) => ({
        values: ((args.names as string[]) ?? []).map((n) => (n === 'robot_description' ? { type: 4, string_value: urdf } : { type: 0 })),
      }));
    } else {
      s.advertiseService('/rosapi/get_param', 'rosapi/GetParam', (args) => ({
        value: args.name === '/robot_description' || args.name === 'robot_description' ? JSON.stringify(urdf) : '',
      }));
    }
  }

  #controllerManager(): void {
    const d = this.dialect;
    const controllers = this.controllers;
    this.server.advertiseService(
      '/controller_manager/switch_controller',
      T(d, 'controller_manager_msgs', 'srv', 'SwitchController'),
      (args) => {
        this.switches.push(args);
        const on = (args.activate_controllers ?? args.start_controllers) as string[] | undefined;
        const off = (args.deactivate_controllers ?? args.stop_controllers) as string[] | undefined;
        const ok = ![...(on ?? []), ...(off ?? [])].some((c) => !controllers.has(c));
        this.switchLog.push({ at: this.backend.now(), activate: [...(on ?? [])], deactivate: [...(off ?? [])], ok });
        if (!ok) return { ok: false, message: 'unknown controller' };
        for (const c of off ?? []) controllers.set(c, 'inactive');
        for (const c of on ?? []) controllers.set(c, 'active');
        return { ok: true };
      },
    );
    this.server.advertiseService('/controller_manager/list_controllers', T(d, 'controller_manager_msgs', 'srv', 'ListControllers'), () => ({
      controller: [...controllers].map(([name, state]) => ({ name, state, type: '' })),
    }));
  }

  // --- FollowJointTrajectory --------------------------------------------------------------------

  #serveTrajectory(): void {
    const s = this.server,
      d = this.dialect,
      action = this.trajectoryAction;
    if (d === 'ros2') {
      this.#action2(
        action,
        'control_msgs/action/FollowJointTrajectory',
        (g, reply) => this.#trajectoryGoal(g.id, g.args, reply),
        (id) => this.#cancelArm(id),
      );
      s.advertiseService(`${action}/_action/send_goal`, 'control_msgs/action/FollowJointTrajectory_SendGoal', () => ({}));
    } else {
      this.#actionlib(
        action,
        'control_msgs/FollowJointTrajectoryAction',
        (id, goal, reply) => this.#trajectoryGoal(id, goal, reply),
        (id) => this.#cancelArm(id),
      );
    }
  }

  #trajectoryGoal(
    id: string,
    args: unknown,
    reply: { feedback(v: Obj): void; finish(status: 'succeeded' | 'canceled' | 'aborted' | 'rejected', values: Obj): void },
  ): void {
    const a = (args ?? {}) as Obj;
    this.goals.push(a);
    this.goalIds.push(id);
    const tr = (a.trajectory ?? {}) as Obj;
    const names = (tr.joint_names ?? []) as string[];
    const unknown = names.filter((n) => !this.#toBackend.has(n));
    if (!names.length || unknown.length) {
      reply.finish('rejected', { error_code: -2, error_string: `unknown joints ${unknown.join(', ')}` });
      return;
    }
    // Like ros2_control: an inactive trajectory controller (hand-guiding) accepts no goals.
    if (this.controllers.get('joint_trajectory_controller') !== 'active') {
      reply.finish('rejected', { error_code: -1, error_string: 'joint_trajectory_controller is not active' });
      return;
    }
    const points = ((tr.points ?? []) as Obj[]).map((p) => ({
      positions: p.positions as number[],
      velocities: (p.velocities as number[])?.length ? (p.velocities as number[]) : undefined,
      timeFromStart: seconds(p.time_from_start),
    }));
    if (this.#active)
      this.#active.finish('canceled', { error_code: 0, error_string: 'Current goal cancelled due to new incoming action.' });
    let finished = false;
    const active = {
      id,
      exec: null as TrajectoryExecution | null,
      canceled: false,
      finish: (status: 'succeeded' | 'canceled' | 'aborted' | 'rejected', values: Obj) => {
        if (finished) return;
        finished = true;
        if (this.#active === active) this.#active = null;
        reply.finish(status, values);
      },
    };
    this.#active = active;
    if (this.silent) return;
    let lastFb = 0;
    const jointNames = names.map((n) => this.#toBackend.get(n)!);
    const exec = this.backend.executeTrajectory(
      { jointNames, points },
      {
        onProgress: (p) => {
          const now = performance.now();
          if (now - lastFb < 50 && p.fraction < 1) return;
          lastFb = now;
          const order = jointNames.map((j) => this.backend.jointNames.indexOf(j));
          reply.feedback({
            header: { stamp: time(this.dialect, this.backend.now()), frame_id: '' },
            joint_names: names,
            desired: { positions: order.map((i) => p.desired[i]), velocities: [], time_from_start: time(this.dialect, p.elapsed) },
            actual: { positions: order.map((i) => p.actual[i]), velocities: [], time_from_start: time(this.dialect, p.elapsed) },
            error: { positions: order.map((i) => p.actual[i] - p.desired[i]), time_from_start: time(this.dialect, p.elapsed) },
          });
        },
      },
    );
    active.exec = exec;
    void exec.done.then((o: TrajectoryOutcome) => {
      if (o.status === 'succeeded') active.finish('succeeded', { error_code: 0, error_string: '' });
      else if (o.status === 'preempted' || active.canceled) active.finish('canceled', { error_code: 0, error_string: o.reason });
      else if (o.status === 'rejected') active.finish('rejected', { error_code: -1, error_string: o.reason });
      else active.finish('aborted', { error_code: -4, error_string: o.reason });
    });
  }

  /** cancel the trajectory goal `id` (if it is the one running) */
  #cancelArm(id: string): void {
    const a = this.#active;
    if (a && a.id === id) {
      a.canceled = true;
      if (a.exec) void a.exec.cancel();
      else a.finish('canceled', { error_code: 0, error_string: 'canceled' });
    }
  }

  #cancelGripper(id: string): void {
    const g = this.#gripOp;
    if (g && g.id === id) {
      void this.backend.stop();
      g.finish('canceled', { position: this.backend.gripperPosition(), effort: 0, stalled: false, reached_goal: false });
    }
  }

  // --- GripperCommand -----------------------------------------------------------------------------

  #serveGripper(): void {
    const d = this.dialect;
    const onGoal = (id: string, args: unknown, reply: { finish(status: 'succeeded' | 'canceled' | 'aborted', values: Obj): void }) => {
      this.gripperGoals.push(args as Obj);
      const cmd = ((args as Obj)?.command ?? {}) as Obj;
      let finished = false;
      const op = {
        id,
        finish: (status: 'succeeded' | 'canceled' | 'aborted', values: Obj) => {
          if (finished) return;
          finished = true;
          if (this.#gripOp === op) this.#gripOp = null;
          reply.finish(status, values);
        },
      };
      this.#gripOp = op;
      void this.backend.gripper({ position: Number(cmd.position), maxEffort: Number(cmd.max_effort) }).then((r) => {
        const values = { position: r.position, effort: r.effort, stalled: r.stalled, reached_goal: r.reachedGoal };
        op.finish(r.reachedGoal ? 'succeeded' : r.stalled ? 'aborted' : r.error ? 'aborted' : 'canceled', values);
      });
    };
    if (d === 'ros2') {
      this.#action2(
        this.gripperAction,
        'control_msgs/action/GripperCommand',
        (g, reply) => onGoal(g.id, g.args, { finish: (status, values) => reply.finish(status, values) }),
        (id) => this.#cancelGripper(id),
      );
    } else {
      this.#actionlib(
        this.gripperAction,
        'control_msgs/GripperCommandAction',
        (id, goal, reply) => onGoal(id, goal, reply),
        (id) => this.#cancelGripper(id),
      );
    }
  }

  // --- ROS 2 action servers ---------------------------------------------------------------------

  /**
   * A ROS 2 action server: goals through rosbridge's action ops, its status and feedback
   * publishers in the graph, and its cancel_goal service with action_msgs/srv/CancelGoal's rules.
   */
  #action2(
    action: string,
    type: string,
    onGoal: (
      g: GoalContext,
      reply: { feedback(v: Obj): void; finish(status: 'succeeded' | 'canceled' | 'aborted' | 'rejected', values: Obj): void },
    ) => void,
    onCancel: (id: string) => void,
  ): void {
    const s = this.server;
    const goals = new Map<string, { uuid: number[]; stamp: number; done: boolean }>();
    this.#goals2.set(action, goals);
    for (const t of ['status', 'feedback']) s.declarePublisher(`${action}/_action/${t}`, nodeOf(action));
    s.advertiseAction(action, {
      type,
      onGoal: (g) => {
        const entry = { uuid: Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)), stamp: this.backend.now(), done: false };
        goals.set(g.id, entry);
        // Keep the table small: forget goals that ended long ago (64 is plenty for a test).
        for (const [id, e] of goals) if (goals.size > 64 && e.done) goals.delete(id);
        onGoal(g, {
          feedback: (v) => g.feedback(v),
          finish: (status, values) => {
            entry.done = true;
            if (status === 'rejected') g.reject(String(values.error_string));
            else g.result({ succeeded: 4, canceled: 5, aborted: 6 }[status], values);
          },
        });
      },
      // rosbridge's cancel_action_goal: that goal, by rosbridge's id
      onCancel: (id) => {
        const g = goals.get(id);
        this.cancelRequests.push({ action, id, stamp: 0, all: false, cancelled: g && !g.done ? [id] : [], at: Date.now() });
        onCancel(id);
      },
    });
    s.advertiseService(`${action}/_action/cancel_goal`, 'action_msgs/srv/CancelGoal', (args) => {
      const info = (args.goal_info ?? {}) as Obj;
      const uuid = uuidOf(((info.goal_id ?? {}) as Obj).uuid);
      const stamp = seconds(info.stamp);
      const byId = uuid.some((b) => b !== 0);
      const all = !byId && stamp === 0;
      const hit = [...goals].filter(
        ([, g]) => !g.done && (all || (byId && g.uuid.every((b, i) => b === uuid[i])) || (stamp > 0 && g.stamp <= stamp)),
      );
      if (all) this.cancelAllCount++;
      this.cancelRequests.push({ action, id: byId ? hex(uuid) : '', stamp, all, cancelled: hit.map(([id]) => id), at: Date.now() });
      for (const [id] of hit) onCancel(id);
      // action_msgs/srv/CancelGoal: 0 ERROR_NONE, 2 ERROR_UNKNOWN_GOAL_ID
      return {
        return_code: byId && !hit.length ? 2 : 0,
        goals_canceling: hit.map(([, g]) => ({ goal_id: { uuid: g.uuid }, stamp: time('ros2', g.stamp) })),
      };
    });
  }

  /** the uuid (16 bytes) of a ROS 2 goal this server accepted, by rosbridge id */
  goalUuid(action: string, id: string): number[] | undefined {
    return this.#goals2.get(action)?.get(id)?.uuid;
  }

  // --- ROS 1 actionlib over topics ----------------------------------------------------------------

  #actionlib(
    ns: string,
    type: string,
    onGoal: (
      id: string,
      goal: unknown,
      reply: { feedback(v: Obj): void; finish(status: 'succeeded' | 'canceled' | 'aborted' | 'rejected', values: Obj): void },
    ) => void,
    onCancel: (id: string) => void,
  ): void {
    const s = this.server;
    const node = nodeOf(ns);
    s.declareTopic(`${ns}/goal`, `${type}Goal`);
    s.declareTopic(`${ns}/cancel`, 'actionlib_msgs/GoalID');
    s.declareTopic(`${ns}/status`, 'actionlib_msgs/GoalStatusArray', node);
    s.declareTopic(`${ns}/feedback`, `${type}Feedback`, node);
    s.declareTopic(`${ns}/result`, `${type}Result`, node);
    const list = new Map<string, { status: number; text: string; stamp: number; endedAt?: number }>();
    this.#status1.set(ns, list);
    /** ids cancelled before their goal arrived: recalled when it does (actionlib's RECALLING trackers) */
    const recall = new Set<string>();
    /** the latest stamp of a stamped cancel (s): a goal stamped at or before it is recalled */
    let lastCancel = 0;
    const header = () => ({ seq: 0, stamp: time('ros1', this.backend.now()), frame_id: '' });
    const result = (id: string, stamp: number, code: number, text: string, values: Obj) => {
      const entry = list.get(id);
      if (entry) Object.assign(entry, { status: code, text, endedAt: Date.now() });
      s.publish(`${ns}/result`, {
        header: header(),
        status: { goal_id: { id, stamp: time('ros1', stamp) }, status: code, text },
        result: values,
      });
    };
    s.onTopic(`${ns}/goal`, (m) => {
      const msg = (m ?? {}) as Obj;
      const goalId = (msg.goal_id ?? {}) as Obj;
      const id = idText(goalId.id);
      if (!id || list.has(id)) return; // a resent goal is the same goal
      const sent = seconds(goalId.stamp);
      const stamp = sent || this.backend.now();
      list.set(id, { status: 1, text: '', stamp });
      if (recall.delete(id) || (sent > 0 && sent <= lastCancel)) {
        result(id, stamp, GOAL_STATUS.RECALLED, 'recalled: cancelled before it arrived', {});
        return;
      }
      onGoal(id, msg.goal, {
        feedback: (v) =>
          s.publish(`${ns}/feedback`, {
            header: header(),
            status: { goal_id: { id, stamp: time('ros1', stamp) }, status: 1, text: '' },
            feedback: v,
          }),
        finish: (status, values) => {
          const code = { succeeded: 3, canceled: 2, aborted: 4, rejected: 5 }[status];
          result(id, stamp, code, typeof values.error_string === 'string' ? values.error_string : '', values);
        },
      });
    });
    s.onTopic(`${ns}/cancel`, (m) => {
      const msg = (m ?? {}) as Obj;
      const id = idText(msg.id);
      const stamp = seconds(msg.stamp);
      const all = !id && stamp === 0;
      const hit = [...list]
        .filter(([gid, g]) => !TERMINAL_1.has(g.status) && (all || gid === id || (stamp > 0 && g.stamp <= stamp)))
        .map(([gid]) => gid);
      if (id && !list.has(id)) {
        recall.add(id);
        if (recall.size > 64) recall.delete(recall.values().next().value as string);
      }
      lastCancel = Math.max(lastCancel, stamp);
      if (all) this.cancelAllCount++;
      this.cancelRequests.push({ action: ns, id, stamp, all, cancelled: hit, at: Date.now() });
      for (const gid of hit) onCancel(gid);
    });
  }

  #publishStatus1(): void {
    const now = Date.now();
    for (const [ns, list] of this.#status1) {
      // actionlib keeps an ended goal in the status list for status_list_timeout (5 s)
      for (const [id, g] of list) if (g.endedAt !== undefined && now - g.endedAt > 5000) list.delete(id);
      this.server.publish(`${ns}/status`, {
        header: { seq: 0, stamp: time('ros1', this.backend.now()), frame_id: '' },
        status_list: [...list].map(([id, g]) => ({ goal_id: { id, stamp: time('ros1', g.stamp) }, status: g.status, text: g.text })),
      });
    }
  }
}
