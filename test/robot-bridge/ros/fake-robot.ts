/**
 * A ros2_control-like robot behind the fake rosbridge: any RobotBackend (a kinematic
 * FakeBackend ticking on the wall clock, or the MuJoCo SimBackend in real time) exposed with
 * the interfaces a real arm has:
 *
 * - /joint_states (sensor_msgs JointState, arm + gripper joints, in the robot's joint names)
 * - FollowJointTrajectory (ROS 2 action ops, or ROS 1 actionlib topics), feedback at 20 Hz,
 *   a new goal preempts the old one (canceled), cancel and "cancel all" (ROS 2 cancel_goal
 *   service, ROS 1 empty GoalID)
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
  return Number(o.sec ?? o.secs ?? 0) + Number(o.nanosec ?? o.nsecs ?? 0) * 1e-9;
}

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
  /** ROS 1 actionlib status lists per action namespace */
  readonly #status1 = new Map<string, Map<string, { status: number; text: string }>>();
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
    s.declareTopic('/joint_states', T(d, 'sensor_msgs', 'msg', 'JointState'));
    s.declareTopic('/tf', T(d, 'tf2_msgs', 'msg', 'TFMessage'));
    s.declareTopic('/tf_static', T(d, 'tf2_msgs', 'msg', 'TFMessage'));
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
      s.advertiseAction(action, {
        type: 'control_msgs/action/FollowJointTrajectory',
        onGoal: (g) =>
          this.#trajectoryGoal(g.id, g.args, {
            feedback: (v) => g.feedback(v),
            finish: (status, values) =>
              status === 'rejected'
                ? g.reject(String(values.error_string))
                : g.result({ succeeded: 4, canceled: 5, aborted: 6 }[status], values),
          }),
        onCancel: (id) => this.#cancelArm(id),
      });
      s.advertiseService(`${action}/_action/cancel_goal`, 'action_msgs/srv/CancelGoal', () => {
        this.cancelAllCount++;
        this.#cancelArm(null);
        return { return_code: 0, goals_canceling: [] };
      });
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

  /** cancel one trajectory goal by id, or (null) every goal */
  #cancelArm(id: string | null): void {
    const a = this.#active;
    if (a && (id === null || a.id === id)) {
      a.canceled = true;
      if (a.exec) void a.exec.cancel();
      else a.finish('canceled', { error_code: 0, error_string: 'canceled' });
    }
  }

  #cancelGripper(id: string | null): void {
    const g = this.#gripOp;
    if (g && (id === null || g.id === id)) {
      void this.backend.stop();
      g.finish('canceled', { position: this.backend.gripperPosition(), effort: 0, stalled: false, reached_goal: false });
    }
  }

  // --- GripperCommand -----------------------------------------------------------------------------

  #serveGripper(): void {
    const s = this.server,
      d = this.dialect;
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
      s.advertiseAction(this.gripperAction, {
        type: 'control_msgs/action/GripperCommand',
        onGoal: (g: GoalContext) =>
          onGoal(g.id, g.args, { finish: (status, values) => g.result({ succeeded: 4, canceled: 5, aborted: 6 }[status], values) }),
        onCancel: (id) => this.#cancelGripper(id),
      });
    } else {
      this.#actionlib(
        this.gripperAction,
        'control_msgs/GripperCommandAction',
        (id, goal, reply) => onGoal(id, goal, reply),
        (id) => this.#cancelGripper(id),
      );
    }
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
    onCancel: (id: string | null) => void,
  ): void {
    const s = this.server;
    s.declareTopic(`${ns}/goal`, `${type}Goal`);
    s.declareTopic(`${ns}/cancel`, 'actionlib_msgs/GoalID');
    s.declareTopic(`${ns}/status`, 'actionlib_msgs/GoalStatusArray');
    s.declareTopic(`${ns}/feedback`, `${type}Feedback`);
    s.declareTopic(`${ns}/result`, `${type}Result`);
    const list = new Map<string, { status: number; text: string }>();
    this.#status1.set(ns, list);
    const header = () => ({ seq: 0, stamp: time('ros1', this.backend.now()), frame_id: '' });
    s.onTopic(`${ns}/goal`, (m) => {
      const msg = (m ?? {}) as Obj;
      const id = idText(((msg.goal_id ?? {}) as Obj).id);
      if (!id || list.has(id)) return; // a resent goal is the same goal
      list.set(id, { status: 1, text: '' });
      const goalId = { id, stamp: time('ros1', 0) };
      onGoal(id, msg.goal, {
        feedback: (v) => s.publish(`${ns}/feedback`, { header: header(), status: { goal_id: goalId, status: 1, text: '' }, feedback: v }),
        finish: (status, values) => {
          const code = { succeeded: 3, canceled: 2, aborted: 4, rejected: 5 }[status];
          const text = typeof values.error_string === 'string' ? values.error_string : '';
          list.set(id, { status: code, text });
          s.publish(`${ns}/result`, { header: header(), status: { goal_id: goalId, status: code, text }, result: values });
        },
      });
    });
    s.onTopic(`${ns}/cancel`, (m) => {
      const id = idText(((m ?? {}) as Obj).id);
      if (!id) this.cancelAllCount++;
      onCancel(id || null);
    });
  }

  #publishStatus1(): void {
    for (const [ns, list] of this.#status1) {
      this.server.publish(`${ns}/status`, {
        header: { seq: 0, stamp: time('ros1', this.backend.now()), frame_id: '' },
        status_list: [...list].map(([id, s]) => ({ goal_id: { id, stamp: time('ros1', 0) }, status: s.status, text: s.text })),
      });
    }
  }
}
