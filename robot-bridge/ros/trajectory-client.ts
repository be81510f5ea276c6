/**
 * Trajectories on a ROS robot: the client of a joint_trajectory_controller's control_msgs
 * FollowJointTrajectory action. Checks and reorders a trajectory, slows it by `speedScale`,
 * sends the goal and follows it: feedback -> progress, result -> outcome. A goal nobody
 * acknowledges, or whose result never comes, is cancelled and reported.
 *
 * Cancels name our goals by id (RosTransport.cancelOwnGoals), never "every goal on the
 * controller": that would also cancel a motion someone else started, or our own next one when
 * a cancel sent again after a stop arrives after it.
 *
 * Units: rad, rad/s, rad/s² (m for prismatic joints), seconds.
 */
import { trajectoryJointOrder } from '../joint-order.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import type { ExecuteOptions, JointTrajectory, TrajectoryExecution, TrajectoryOutcome, TrajectoryProgress } from '../types.js';
import { rosType, type RosBridgeConfig } from './config.js';
import { controllerHint } from './hints.js';
import type { JointStateTracker } from './joint-state-tracker.js';
import type { LinkStatus } from './link-status.js';
import { encodeTrajectoryGoal, parseTrajectoryFeedback, parseTrajectoryResult, TRAJECTORY_ERRORS } from './messages.js';
import type { GoalEnd, GoalHandle, RosTransport } from './transport.js';

/** One goal sent to the trajectory action, until its outcome. */
export interface Exec {
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

const START_TOLERANCE = 0.1; // rad: a first point at t = 0 further than this from the arm would jump
/** ms: wait this long for the robot to confirm a cancel */
export const CANCEL_CONFIRM_MS = 2000;
const RESULT_MARGIN_S = 2; // beyond duration + goal time tolerance before a missing result is an error

/** An execution refused before anything was sent. */
export function rejectedExecution(id: string, reason: string): TrajectoryExecution {
  return {
    id,
    done: Promise.resolve({ status: 'rejected', reason }),
    cancel: async () => {},
  };
}

export interface TrajectoryClientOptions {
  model: RobotModel;
  transport: RosTransport;
  config: RosBridgeConfig;
  /** URDF arm joints, model order */
  jointNames: readonly string[];
  /** the robot's names for them, same order (the goal's joint_names) */
  robotNames: string[];
  joints: JointStateTracker;
  status: LinkStatus;
  /** cancel our goals and hold: when the robot's end of a motion is in doubt */
  sendStop: () => void;
}

export class TrajectoryClient {
  readonly #o: TrajectoryClientOptions;
  #exec: Exec | null = null;

  constructor(options: TrajectoryClientOptions) {
    this.#o = options;
  }

  /** the goal in progress (null: none) */
  get current(): Exec | null {
    return this.#exec;
  }

  get moving(): boolean {
    return !!this.#exec && !this.#exec.ended;
  }

  /**
   * The ids of our trajectory goals the controller may still be running (sent, end not
   * reported), as the server knows them: for something that must cancel them from elsewhere.
   */
  goalsInFlight(): string[] {
    return this.#o.transport.goalsInFlight(this.#o.config.trajectoryAction);
  }

  #actionType(): string {
    return rosType(this.#o.config.dialect, 'control_msgs', 'action', 'FollowJointTrajectory');
  }

  /** Send `trajectory` (the link and the controller were checked by the caller). */
  execute(id: string, trajectory: JointTrajectory, options: ExecuteOptions): TrajectoryExecution {
    const { config, transport } = this.#o;
    const checked = checkGoalTrajectory(trajectory, this.#o.jointNames, this.#o.model, this.#o.joints.q);
    if (typeof checked === 'string') return rejectedExecution(id, checked);
    const stale = this.#o.joints.fresh();
    if (stale) return rejectedExecution(id, `${stale}; not sending a motion`);

    // Speed scaling: same path, slower (times / s, velocities × s, accelerations × s²).
    const s = config.speedScale;
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
    const goal = encodeTrajectoryGoal(config.dialect, { jointNames: this.#o.robotNames, points }, config.goalTimeTolerance);

    // A newer goal replaces the running one (the controller does the same on its side).
    const prev = this.#exec;
    if (prev && !prev.ended) this.finish(prev, { status: 'preempted', reason: `replaced by ${id}` });

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
    const handle = transport.sendGoal(config.trajectoryAction, this.#actionType(), goal, {
      onAccepted: () => this.#accepted(exec),
      onFeedback: (v) => this.#onFeedback(exec, v),
      onEnd: (e) => void this.#onEnd(exec, e),
    });
    if (!handle) return rejectedExecution(id, 'not connected to the robot');
    exec.handle = handle;
    this.#exec = exec;
    const ack = config.timeouts.goalAck;
    exec.timers.push(
      setTimeout(() => {
        if (exec.accepted || exec.ended) return;
        handle.cancel();
        this.finish(exec, {
          status: 'aborted',
          reason: `the trajectory controller did not answer within ${ack} s. ${controllerHint(config.trajectoryAction, config.dialect)}`,
        });
      }, ack * 1000),
    );
    exec.timers.push(
      setTimeout(
        () => {
          if (exec.ended) return;
          handle.cancel();
          this.finish(exec, {
            status: 'aborted',
            reason: `no result from the robot ${(duration + config.goalTimeTolerance + RESULT_MARGIN_S).toFixed(1)} s after the motion started; it was cancelled`,
          });
          this.#o.sendStop();
        },
        (duration + config.goalTimeTolerance + RESULT_MARGIN_S + ack) * 1000,
      ),
    );
    this.#o.status.emit();
    return {
      id,
      done,
      cancel: async () => {
        if (exec.ended) {
          await done;
          return;
        }
        exec.handle?.cancel();
        await this.confirmEnd(exec, 'cancelled');
      },
    };
  }

  /** Wait for the robot to confirm the end of `exec`; if it does not, end it here and cancel our goals again. */
  async confirmEnd(exec: Exec, reason: string): Promise<void> {
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
      this.finish(exec, { status: 'preempted', reason: `${reason}; the robot did not confirm within ${CANCEL_CONFIRM_MS / 1000} s` });
      this.#o.transport.cancelOwnGoals(this.#o.config.trajectoryAction, this.#actionType());
    }
  }

  /**
   * Cancel our goals on the trajectory action (each by id; with the link down, first thing
   * when it is back), and hold (stop topic, when configured and the link is up).
   */
  cancelOwnAndHold(): void {
    const { config, transport: t } = this.#o;
    t.cancelOwnGoals(config.trajectoryAction, this.#actionType());
    if (config.stopTopic) {
      const header =
        config.dialect === 'ros2'
          ? { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }
          : { seq: 0, stamp: { secs: 0, nsecs: 0 }, frame_id: '' };
      // An empty trajectory on the controller's command topic makes it hold the current position.
      t.publish(config.stopTopic, rosType(config.dialect, 'trajectory_msgs', 'msg', 'JointTrajectory'), {
        header,
        joint_names: [],
        points: [],
      });
    }
  }

  #accepted(exec: Exec): void {
    if (exec.accepted) return;
    exec.accepted = true;
    this.#o.status.clearProblem('ros.motion.interrupted');
  }

  #onFeedback(exec: Exec, values: unknown): void {
    if (exec.ended) return;
    this.#accepted(exec);
    if (!exec.onProgress) return;
    const fb = parseTrajectoryFeedback(values);
    if (!fb) return;
    const n = this.#o.jointNames.length;
    const desired = new Array<number>(n).fill(NaN);
    const actual = new Array<number>(n).fill(NaN);
    for (let i = 0; i < fb.jointNames.length; i++) {
      const idx = this.#o.joints.armIndex.get(fb.jointNames[i]);
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

  async #onEnd(exec: Exec, end: GoalEnd): Promise<void> {
    if (exec.ended) return;
    switch (end.status) {
      case 'succeeded': {
        // Let the joint state catch up with the end of the motion before reporting it.
        await this.#o.joints.nextState(200);
        if (exec.ended) return;
        const q = this.#o.joints.q;
        let err = 0;
        for (let i = 0; i < this.#o.jointNames.length; i++) err = Math.max(err, Math.abs(q[i] - exec.goal[i]));
        if (exec.onProgress) {
          try {
            exec.onProgress({
              elapsed: exec.duration,
              duration: exec.duration,
              fraction: 1,
              desired: [...exec.goal],
              actual: Array.from(q),
            });
          } catch {
            /* listener */
          }
        }
        this.finish(exec, { status: 'succeeded', finalError: Number.isFinite(err) ? err : 0 });
        return;
      }
      case 'canceled':
        this.finish(exec, { status: 'preempted', reason: exec.cancelReason });
        return;
      case 'rejected':
        this.finish(exec, { status: 'rejected', reason: `the robot refused the motion: ${end.reason}` });
        return;
      case 'aborted': {
        const r = parseTrajectoryResult(end.values);
        const code = TRAJECTORY_ERRORS[r.errorCode] ?? `error ${r.errorCode}`;
        const detail = [code !== 'SUCCESSFUL' ? code : '', r.errorString, end.text ?? ''].filter(Boolean).join(': ');
        // A final status we do not understand: make sure the arm is not still going.
        if (end.text?.startsWith('unexpected final status')) this.#o.sendStop();
        const tip = r.errorCode === -2 ? ' (the controller does not know these joints: check the joint-name mapping in the profile)' : '';
        this.finish(exec, { status: 'aborted', reason: `the robot aborted the motion${detail ? `: ${detail}` : ''}${tip}` });
        return;
      }
    }
  }

  /** End `exec` with `outcome` (once), and report the status. */
  finish(exec: Exec, outcome: TrajectoryOutcome): void {
    if (exec.ended) return;
    exec.ended = true;
    exec.timers.forEach(clearTimeout);
    exec.handle?.release();
    if (this.#exec === exec) this.#exec = null;
    exec.resolve(outcome);
    this.#o.status.emit();
  }
}

/**
 * Reorder to model order and check shape, numbers, time and limits, and that a first point at
 * t = 0 starts at the arm (`q`, model order); returns the points or the reason it is refused.
 */
export function checkGoalTrajectory(
  tr: JointTrajectory,
  names: readonly string[],
  model: RobotModel,
  q0: ArrayLike<number>,
): JointTrajectory['points'] | string {
  const order = trajectoryJointOrder(tr, names);
  if (typeof order === 'string') return order;
  const identity = order.every((o, i) => o === i);
  const arm = model.arm;
  const n = names.length;
  const out: JointTrajectory['points'] = new Array<JointTrajectory['points'][number]>(tr.points.length);
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
      const d = Math.abs(out[0].positions[i] - q0[i]);
      if (d > START_TOLERANCE)
        return `the trajectory starts ${d.toFixed(3)} rad away from the current position of ${names[i]} (tolerance ${START_TOLERANCE} rad)`;
    }
  }
  return out;
}
