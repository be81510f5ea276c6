/**
 * ROS message codecs for the ROS backends: encode what we send, and validate what we receive.
 * Inbound data is `unknown` until a parser here has checked its shape, sizes and numbers; a
 * parser returns null (or a reason) rather than throwing, so a malformed or hostile message can
 * never reach the robot or crash the session.
 *
 * Both dialects are accepted on input (ROS 1 `{secs, nsecs}` and ROS 2 `{sec, nanosec}` times;
 * arrays or TypedArrays, as cbor and rclnodejs deliver them).
 */
import type { JointTrajectory } from '../types.js';
import type { Dialect } from './transport.js';

/** Larger arrays than this are refused outright (a robot has tens of joints, not thousands). */
export const MAX_ARRAY = 4096;
/** Longer names than this are refused (ROS names are short). */
const MAX_NAME = 256;

type Obj = Record<string, unknown>;
export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An array (or TypedArray) of numbers, at most MAX_ARRAY long. Values are not checked. */
export function isNumberArray(v: unknown, max = MAX_ARRAY): v is ArrayLike<number> {
  if (ArrayBuffer.isView(v))
    return (
      !(v instanceof DataView) &&
      (v as unknown as ArrayLike<number>).length <= max &&
      typeof (v as unknown as ArrayLike<unknown>)[0] !== 'bigint'
    );
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return false;
  return true;
}

function isNameArray(v: unknown): v is string[] {
  if (!Array.isArray(v) || v.length > MAX_ARRAY) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string' || (v[i] as string).length > MAX_NAME) return false;
  return true;
}

/** builtin_interfaces/Time or Duration (either dialect) -> seconds; null if malformed. */
export function parseTime(v: unknown): number | null {
  if (!isObject(v)) return null;
  const s = v.sec ?? v.secs;
  const ns = v.nanosec ?? v.nsecs ?? 0;
  if (typeof s !== 'number' || typeof ns !== 'number' || !Number.isFinite(s) || !Number.isFinite(ns)) return null;
  return s + ns * 1e-9;
}

/** seconds -> the dialect's Time/Duration object */
export function encodeTime(dialect: Dialect, seconds: number): Record<string, number> {
  let sec = Math.floor(seconds);
  let nanosec = Math.round((seconds - sec) * 1e9);
  if (nanosec >= 1e9) {
    sec += 1;
    nanosec -= 1e9;
  }
  return dialect === 'ros2' ? { sec, nanosec } : { secs: sec, nsecs: nanosec };
}

// ---------------------------------------------------------------------------------------------
// sensor_msgs/JointState

export interface ParsedJointState {
  /** header stamp, seconds (0 when the publisher does not stamp) */
  stamp: number;
  name: string[];
  position: ArrayLike<number>;
  /** empty when not published */
  velocity: ArrayLike<number>;
  effort: ArrayLike<number>;
}

/** A JointState, or the reason it is unusable. Non-finite values are kept (the caller skips them). */
export function parseJointState(msg: unknown): ParsedJointState | string {
  if (!isObject(msg)) return 'not an object';
  const { name, position } = msg;
  if (!isNameArray(name))
    return Array.isArray(name) && name.length > MAX_ARRAY ? `name[] has ${name.length} entries` : 'name[] is not a list of strings';
  if (!isNumberArray(position))
    return Array.isArray(position) && position.length > MAX_ARRAY
      ? `position[] has ${position.length} entries`
      : 'position[] is not a list of numbers';
  if (position.length !== name.length) return `${name.length} names but ${position.length} positions`;
  const velocity = isNumberArray(msg.velocity) && msg.velocity.length === name.length ? msg.velocity : [];
  const effort = isNumberArray(msg.effort) && msg.effort.length === name.length ? msg.effort : [];
  const stamp = isObject(msg.header) ? (parseTime(msg.header.stamp) ?? 0) : 0;
  return { stamp, name, position, velocity, effort };
}

// ---------------------------------------------------------------------------------------------
// control_msgs FollowJointTrajectory

/**
 * Numbers go out rounded to 1e-9 (nrad, nm, ns-scale): far below any encoder's resolution, and
 * JSON text of short numbers is much faster to write and parse than 17 significant digits
 * (a 1,000-point goal is ~40% smaller).
 */
function rounded(a: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.round(a[i] * 1e9) / 1e9;
  return out;
}

/**
 * The goal for a trajectory already in the robot's joint names and order. Header stamp zero
 * means "start now" for a joint_trajectory_controller.
 */
export function encodeTrajectoryGoal(dialect: Dialect, tr: JointTrajectory, goalTimeTolerance: number): Obj {
  const zero = encodeTime(dialect, 0);
  const points = new Array(tr.points.length);
  for (let k = 0; k < tr.points.length; k++) {
    const p = tr.points[k];
    points[k] = {
      positions: rounded(p.positions),
      velocities: p.velocities ? rounded(p.velocities) : [],
      accelerations: p.accelerations ? rounded(p.accelerations) : [],
      effort: [],
      time_from_start: encodeTime(dialect, p.timeFromStart),
    };
  }
  return {
    trajectory: {
      header: dialect === 'ros2' ? { stamp: zero, frame_id: '' } : { seq: 0, stamp: zero, frame_id: '' },
      joint_names: tr.jointNames,
      points,
    },
    path_tolerance: [],
    goal_tolerance: [],
    goal_time_tolerance: encodeTime(dialect, goalTimeTolerance),
  };
}

export interface TrajectoryFeedback {
  jointNames: string[];
  /** trajectory time of the desired point, s (null when absent) */
  elapsed: number | null;
  desired: ArrayLike<number> | null;
  actual: ArrayLike<number> | null;
}

export function parseTrajectoryFeedback(values: unknown): TrajectoryFeedback | null {
  if (!isObject(values) || !isNameArray(values.joint_names)) return null;
  const n = values.joint_names.length;
  const point = (v: unknown) => (isObject(v) && isNumberArray(v.positions) && v.positions.length === n ? v.positions : null);
  const desired = isObject(values.desired) ? values.desired : null;
  return {
    jointNames: values.joint_names,
    elapsed: desired ? parseTime(desired.time_from_start) : null,
    desired: point(values.desired),
    actual: point(values.actual),
  };
}

/** control_msgs FollowJointTrajectory result codes */
export const TRAJECTORY_ERRORS: Record<number, string> = {
  0: 'SUCCESSFUL',
  [-1]: 'INVALID_GOAL',
  [-2]: 'INVALID_JOINTS',
  [-3]: 'OLD_HEADER_TIMESTAMP',
  [-4]: 'PATH_TOLERANCE_VIOLATED',
  [-5]: 'GOAL_TOLERANCE_VIOLATED',
};

export function parseTrajectoryResult(values: unknown): { errorCode: number; errorString: string } {
  if (!isObject(values))
    return { errorCode: typeof values === 'string' ? -1 : 0, errorString: typeof values === 'string' ? values.slice(0, 500) : '' };
  const code = typeof values.error_code === 'number' && Number.isFinite(values.error_code) ? values.error_code : 0;
  const text = typeof values.error_string === 'string' ? values.error_string.slice(0, 500) : '';
  return { errorCode: code, errorString: text };
}

// ---------------------------------------------------------------------------------------------
// control_msgs GripperCommand

export function encodeGripperGoal(position: number, maxEffort: number): Obj {
  return { command: { position, max_effort: maxEffort } };
}

export interface GripperFeedbackOrResult {
  position: number;
  effort: number;
  stalled: boolean;
  reachedGoal: boolean;
}

export function parseGripperResult(values: unknown): GripperFeedbackOrResult | null {
  if (!isObject(values)) return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
  return {
    position: num(values.position),
    effort: num(values.effort),
    stalled: values.stalled === true,
    reachedGoal: values.reached_goal === true,
  };
}

// ---------------------------------------------------------------------------------------------
// tf2_msgs/TFMessage

export interface TfEntry {
  parent: string;
  child: string;
  stamp: number;
  /** meters */
  translation: [number, number, number];
  /** unit quaternion [x, y, z, w] */
  rotation: [number, number, number, number];
}

/** The valid transforms of a TFMessage (invalid ones are counted, not returned). */
export function parseTfMessage(msg: unknown): { entries: TfEntry[]; invalid: number } {
  const out: TfEntry[] = [];
  if (!isObject(msg) || !Array.isArray(msg.transforms) || msg.transforms.length > MAX_ARRAY) return { entries: out, invalid: 1 };
  let invalid = 0;
  for (const t of msg.transforms as unknown[]) {
    const e = parseTransformStamped(t);
    if (e) out.push(e);
    else invalid++;
  }
  return { entries: out, invalid };
}

function parseTransformStamped(t: unknown): TfEntry | null {
  if (!isObject(t) || !isObject(t.header) || !isObject(t.transform)) return null;
  const parent = t.header.frame_id,
    child = t.child_frame_id;
  if (typeof parent !== 'string' || typeof child !== 'string' || !parent || !child || parent.length > MAX_NAME || child.length > MAX_NAME)
    return null;
  const tr = t.transform.translation,
    rot = t.transform.rotation;
  if (!isObject(tr) || !isObject(rot)) return null;
  const v = [tr.x, tr.y, tr.z, rot.x, rot.y, rot.z, rot.w];
  if (!v.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  const q = v.slice(3) as number[];
  const norm = Math.hypot(q[0], q[1], q[2], q[3]);
  if (norm < 1e-6) return null;
  return {
    parent: strip(parent),
    child: strip(child),
    stamp: parseTime(t.header.stamp) ?? 0,
    translation: [v[0], v[1], v[2]] as [number, number, number],
    rotation: [q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm],
  };
}

/** TF frame ids may carry a leading slash (ROS 1); compare without it. */
export const strip = (frame: string) => (frame.startsWith('/') ? frame.slice(1) : frame);

// ---------------------------------------------------------------------------------------------
// goal status numbers, per dialect

/** action_msgs/GoalStatus (ROS 2) */
export const GOAL_STATUS_2 = { UNKNOWN: 0, ACCEPTED: 1, EXECUTING: 2, CANCELING: 3, SUCCEEDED: 4, CANCELED: 5, ABORTED: 6 } as const;
/** actionlib_msgs/GoalStatus (ROS 1) */
export const GOAL_STATUS_1 = {
  PENDING: 0,
  ACTIVE: 1,
  PREEMPTED: 2,
  SUCCEEDED: 3,
  ABORTED: 4,
  REJECTED: 5,
  PREEMPTING: 6,
  RECALLING: 7,
  RECALLED: 8,
  LOST: 9,
} as const;

/** A terminal ROS 2 status -> our words (null while the goal is still going). */
export function ros2End(status: number): 'succeeded' | 'aborted' | 'canceled' | null {
  if (status === GOAL_STATUS_2.SUCCEEDED) return 'succeeded';
  if (status === GOAL_STATUS_2.CANCELED) return 'canceled';
  if (status === GOAL_STATUS_2.ABORTED) return 'aborted';
  return null;
}

/** A terminal ROS 1 status -> our words (null while the goal is still going). */
export function ros1End(status: number): 'succeeded' | 'aborted' | 'canceled' | 'rejected' | null {
  switch (status) {
    case GOAL_STATUS_1.SUCCEEDED:
      return 'succeeded';
    case GOAL_STATUS_1.PREEMPTED:
    case GOAL_STATUS_1.RECALLED:
      return 'canceled';
    case GOAL_STATUS_1.ABORTED:
    case GOAL_STATUS_1.LOST:
      return 'aborted';
    case GOAL_STATUS_1.REJECTED:
      return 'rejected';
    default:
      return null;
  }
}
