/**
 * The gripper of a ROS robot, by `gripper.mode`: a control_msgs GripperCommand action (its
 * result says how it ended), or a command topic / service (completion judged from the gripper
 * joint in the joint states: at the goal, or stalled short of it).
 *
 * Units: the URDF gripper joint's (m per finger on a Panda); the robot's command is that × `scale`.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { GripperCommand, GripperResult } from '../types.js';
import { rosType, type RosBridgeConfig } from './config.js';
import type { JointStateTracker } from './joint-state-tracker.js';
import type { LinkStatus } from './link-status.js';
import { encodeGripperGoal, isObject, parseGripperResult } from './messages.js';
import type { GoalEnd, GoalHandle, RosTransport } from './transport.js';

/** One gripper command, until its result. */
export interface GripOp {
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

export interface GripperClientOptions {
  model: RobotModel;
  transport: RosTransport;
  config: RosBridgeConfig;
  /** false when the profile says gripper.mode: none or the robot has no gripper */
  enabled: boolean;
  joints: JointStateTracker;
  status: LinkStatus;
}

export class GripperClient {
  readonly #o: GripperClientOptions;
  #grip: GripOp | null = null;

  constructor(options: GripperClientOptions) {
    this.#o = options;
  }

  /** the command in progress (null: none) */
  get current(): GripOp | null {
    return this.#grip;
  }

  async command(command: GripperCommand): Promise<GripperResult> {
    const { transport, config, model, joints } = this.#o;
    const fail = (error: string): GripperResult => ({ position: joints.gripper, effort: 0, stalled: false, reachedGoal: false, error });
    if (!this.#o.enabled) return fail(model.gripper ? 'this profile has no gripper (gripper.mode: none)' : `${model.name} has no gripper`);
    const presence = this.#o.status.presence;
    if (presence !== 'connected' || !transport.isOpen) return fail(`not connected to the robot (${presence})`);
    if (!command || !Number.isFinite(command.position) || !Number.isFinite(command.maxEffort))
      return fail('gripper position and effort must be finite numbers');
    if (this.#grip)
      this.finish(this.#grip, {
        position: joints.gripper,
        effort: 0,
        stalled: false,
        reachedGoal: false,
        error: 'superseded by a newer gripper command',
      });

    const g = config.gripper;
    let resolve!: (r: GripperResult) => void;
    const done = new Promise<GripperResult>((r) => {
      resolve = r;
    });
    const op: GripOp = { goal: command.position, handle: null, ended: false, timers: [], resolve, done };
    this.#grip = op;
    op.timers.push(
      setTimeout(() => {
        op.handle?.cancel();
        this.finish(op, fail(`the gripper did not finish within ${g.timeout} s`));
      }, g.timeout * 1000),
    );

    const robotPos = command.position * g.scale;
    if (g.mode === 'action') {
      op.handle = transport.sendGoal(
        g.action,
        rosType(config.dialect, 'control_msgs', 'action', 'GripperCommand'),
        encodeGripperGoal(robotPos, command.maxEffort),
        {
          onEnd: (e) => this.#onEnd(op, e),
        },
      );
      if (!op.handle) this.finish(op, fail('not connected to the robot'));
    } else if (g.mode === 'topic') {
      const scalar = /Float64$/.test(g.topicType) && !/MultiArray/.test(g.topicType);
      if (!transport.publish(g.topic, g.topicType, { data: scalar ? robotPos : [robotPos] }))
        this.finish(op, fail('not connected to the robot'));
      else op.watch = { startedAt: performance.now(), lastValue: joints.gripper, lastChange: performance.now() };
    } else {
      const request = substitute(g.request, robotPos, command.maxEffort);
      transport.callService(g.service, g.serviceType, request, g.timeout * 1000).then(
        (r) => {
          if (isObject(r) && r.success === false)
            this.finish(op, fail(`the gripper service refused: ${typeof r.message === 'string' ? r.message : 'success: false'}`));
          else op.watch = { startedAt: performance.now(), lastValue: joints.gripper, lastChange: performance.now() };
        },
        (err: Error) => this.finish(op, fail(err.message)),
      );
    }
    const r = await done;
    return r;
  }

  #onEnd(op: GripOp, e: GoalEnd): void {
    if (op.ended) return;
    const joints = this.#o.joints;
    if (e.status === 'rejected') {
      this.finish(op, {
        position: joints.gripper,
        effort: 0,
        stalled: false,
        reachedGoal: false,
        error: `the gripper refused the command: ${e.reason}`,
      });
      return;
    }
    const r = parseGripperResult(e.values);
    const scale = this.#o.config.gripper.scale;
    const position = r && Number.isFinite(r.position) ? r.position / scale : joints.gripper;
    if (Number.isFinite(position)) joints.setGripper(position);
    const reachedGoal = r
      ? r.reachedGoal || (e.status === 'succeeded' && Math.abs(position - op.goal) <= GRIPPER_TOLERANCE)
      : Math.abs(position - op.goal) <= GRIPPER_TOLERANCE;
    const stalled = !!r?.stalled && !reachedGoal;
    const effort = r && Number.isFinite(r.effort) ? Math.abs(r.effort) : 0;
    // A gripper that stalls on an object may report "aborted": that is a grasp, not an error.
    const error =
      e.status === 'aborted' && !stalled && !reachedGoal ? `the gripper aborted the command${e.text ? `: ${e.text}` : ''}` : undefined;
    this.finish(op, { position, effort, stalled, reachedGoal, ...(error ? { error } : {}) });
  }

  /**
   * After each joint-state message (arrival time `now`, ms), in topic/service modes: done when
   * at the goal, or stalled when it stops moving short of it.
   */
  watch(now: number): void {
    const op = this.#grip;
    if (!op?.watch) return;
    const w = op.watch;
    const g = this.#o.joints.gripper;
    if (Math.abs(g - op.goal) <= GRIPPER_TOLERANCE) {
      this.finish(op, { position: g, effort: 0, stalled: false, reachedGoal: true });
      return;
    }
    if (!Number.isFinite(w.lastValue) || Math.abs(g - w.lastValue) > 1e-4) {
      w.lastValue = g;
      w.lastChange = now;
      return;
    }
    if (now - w.startedAt > 500 && now - w.lastChange > 300) this.finish(op, { position: g, effort: 0, stalled: true, reachedGoal: false });
  }

  /** End `op` with `r` (once). */
  finish(op: GripOp, r: GripperResult): void {
    if (op.ended) return;
    op.ended = true;
    op.timers.forEach(clearTimeout);
    op.handle?.release();
    if (this.#grip === op) this.#grip = null;
    op.resolve(r);
  }
}

/** The service request template with "$position" and "$effort" replaced, at any depth. */
function substitute(template: Record<string, unknown>, position: number, effort: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) {
    out[k] = v === '$position' ? position : v === '$effort' ? effort : isObject(v) ? substitute(v, position, effort) : v;
  }
  return out;
}
