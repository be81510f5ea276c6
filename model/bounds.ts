/**
 * Physical bounds for every number that comes from outside (the HTTP API, the console's
 * WebSocket, scripts, library files, profiles, demonstrations): the one place that says how far
 * a pointed position, a motion's duration or a loop's length may go.
 *
 * - The workspace: the box a world point must lie in, derived from the robot's reach (an upper
 *   bound over all joint values, from the URDF) and the table (so a click anywhere on the table
 *   top, or on an object standing on it, is inside). The sim and a real arm both get it from
 *   their own description and scene.
 * - WORLD_LIMIT: the absolute bound used where no robot is known yet (a script or a library file
 *   read before the app exists, the console protocol).
 * - LIMITS: caps on durations and counts, so no loop sizes itself from a bad number.
 *
 * Frames and units: world frame, meters, z up, z = 0 at the table top; seconds; radians.
 */
import type { RobotModel } from './description/robot-model.js';
import { fromXyzRpy, multiply, type Vec3 } from './math/transform.js';

/** m: no world coordinate from anywhere may be farther from the origin than this on any axis. */
export const WORLD_LIMIT = 10;

/** Caps on durations and counts (units in the names' comments). */
export const LIMITS = {
  /** s: the longest single motion (a trajectory, a learned motion's rollout) */
  motionDuration: 600,
  /** samples of one trajectory (a 600 s motion at 100 Hz is 60 000) */
  trajectoryPoints: 100_000,
  /** straight-line (Cartesian) path waypoints: 10 m at the default 5 mm step, far beyond any arm's reach */
  pathWaypoints: 2_000,
  /** integration steps of one learned-motion (DMP) rollout */
  rolloutSteps: 2_000_000,
  /** primitive calls a plan may expand to (behaviors calling behaviors) */
  planCalls: 1_000,
  /** |value| of a number argument of a skill (no unit: a count, seconds, meters) */
  skillArgument: 10_000,
  /** s: the longest delay a script may ask for (`!stop SECONDS`) */
  scriptDelay: 600,
  /** arm joints a message or file may carry */
  joints: 64,
  /** rad (m for prismatic joints): |joint value| anyone may send; 16 turns of a continuous joint */
  jointValue: 100,
  /** rad (m): how far a demonstrated joint value may be outside its URDF limits (encoder noise at a stop) */
  jointMargin: 0.01,
  /** s: |t| of a demonstration sample (ROS stamps are seconds since 1970, about 1.8e9) */
  sampleTime: 1e10,
  /** s: the longest demonstration the robot learns from */
  demonstrationDuration: 300,
} as const;

/** Slack when checking a point against the workspace: floating-point noise of a ray hit (m). */
const TOLERANCE = 1e-3;

export class BoundsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoundsError';
  }
}

/** "1e+306", "0.5", "-0.04": short, and exact enough to see what was wrong. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toFixed(3)));
}

const AXES = ['x', 'y', 'z'] as const;

/** An axis-aligned box in the world frame (m) that world points must lie in. */
export class Workspace {
  constructor(
    readonly min: Vec3,
    readonly max: Vec3,
    /** what it was made from, for messages ("panda's reach and the table") */
    readonly source: string,
  ) {
    for (let i = 0; i < 3; i++) {
      if (!(Number.isFinite(min[i]) && Number.isFinite(max[i]) && min[i] < max[i]))
        throw new BoundsError(`workspace ${AXES[i]} range ${min[i]}..${max[i]} m is empty or not finite`);
    }
  }

  /** "x -1.1..1.1, y -1.1..1.1, z -0.04..1.2 m" */
  describe(axes: readonly number[] = [0, 1, 2]): string {
    return `${axes.map((i) => `${AXES[i]} ${formatNumber(this.min[i])}..${formatNumber(this.max[i])}`).join(', ')} m`;
  }

  contains(p: readonly number[]): boolean {
    return this.problem(p) === null;
  }

  /**
   * Why `p` is not a usable world point, or null when it is: three finite numbers inside the box.
   * `what` names it in the message ("position", "LOTION"); `hint` says what to do instead.
   */
  problem(p: readonly number[], what = 'position', hint = 'click on the table or an object'): string | null {
    // Callers may hold unchecked JSON: the shape is checked too.
    const list: unknown = p;
    if (!Array.isArray(list) || list.length !== 3) return `${what} must be three numbers [x, y, z] in meters`;
    for (let i = 0; i < 3; i++) {
      const v: unknown = p[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${what} ${AXES[i]} must be a finite number of meters, got ${String(v)}`;
      if (v < this.min[i] - TOLERANCE || v > this.max[i] + TOLERANCE)
        return `${what} ${AXES[i]} ${formatNumber(v)} m is outside the workspace (${this.describe([i])}); ${hint}`;
    }
    return null;
  }

  /** `p` as a Vec3, or a BoundsError saying why it is not a usable world point. */
  check(p: readonly number[], what?: string, hint?: string): Vec3 {
    const why = this.problem(p, what, hint);
    if (why) throw new BoundsError(why);
    return [p[0], p[1], p[2]];
  }
}

/** The absolute box (±WORLD_LIMIT on every axis), for checks made before the robot is known. */
export const WORLD_BOX = new Workspace(
  [-WORLD_LIMIT, -WORLD_LIMIT, -WORLD_LIMIT],
  [WORLD_LIMIT, WORLD_LIMIT, WORLD_LIMIT],
  'the world limit',
);

/**
 * The robot's reach: the position of its first moving joint (the "shoulder", fixed in the base
 * frame) and an upper bound on the tool's distance from it over all joint values (the sum of the
 * link offsets after it, plus prismatic travel). Meters, base frame.
 */
export function robotReach(model: RobotModel): { shoulder: Vec3; reach: number } {
  const d = model.description;
  const byChild = new Map(d.joints.map((j) => [j.child, j]));
  const path = [];
  for (let link = model.tipLink, guard = 0; link !== d.rootLink && guard <= d.joints.length; guard++) {
    const j = byChild.get(link);
    if (!j) break;
    path.unshift(j);
    link = j.parent;
  }
  const first = path.findIndex((j) => j.type !== 'fixed' && !j.mimic);
  if (first < 0) return { shoulder: [0, 0, 0], reach: 0 };
  const j0 = path[first];
  const parent = model.linkPoses(model.home).get(j0.parent);
  const frame = parent ? multiply(parent, fromXyzRpy(j0.origin.xyz, j0.origin.rpy)) : fromXyzRpy(j0.origin.xyz, j0.origin.rpy);
  let reach = 0;
  path.forEach((j, k) => {
    if (k > first) reach += Math.hypot(...j.origin.xyz);
    if (k >= first && j.type === 'prismatic') reach += Math.max(Math.abs(j.limit?.lower ?? Infinity), Math.abs(j.limit?.upper ?? Infinity));
  });
  return { shoulder: [frame[12], frame[13], frame[14]], reach };
}

export interface WorkspaceScene {
  /** where the robot base stands in the world (m) and its turn about z (rad); default the origin */
  robot?: { position?: readonly number[]; yaw?: number };
  /** the table top: size [x, y] and centre [x, y] (m), slab thickness below z = 0 (m) */
  table?: { size: readonly number[]; center?: readonly number[]; thickness?: number };
  /** scene name, for messages */
  name?: string;
}

const roundDown = (v: number) => Math.floor(v * 100) / 100;
const roundUp = (v: number) => Math.ceil(v * 100) / 100;
const clampWorld = (v: number) => Math.min(WORLD_LIMIT, Math.max(-WORLD_LIMIT, v));

/**
 * The workspace of a robot in a scene: the box around the reach sphere, joined with the table top
 * (so every click on the table or on an object standing on it is inside), from the table's
 * underside (a click on its edge) up to the top of the reach. Rounded out to centimetres and
 * never beyond WORLD_LIMIT.
 */
export function workspaceFor(model: RobotModel, scene: WorkspaceScene = {}): Workspace {
  const { shoulder, reach } = robotReach(model);
  const base = scene.robot?.position ?? [0, 0, 0];
  const yaw = scene.robot?.yaw ?? 0;
  const c = Math.cos(yaw),
    s = Math.sin(yaw);
  const center: Vec3 = [base[0] + c * shoulder[0] - s * shoulder[1], base[1] + s * shoulder[0] + c * shoulder[1], base[2] + shoulder[2]];
  const r = Math.min(reach, 2 * WORLD_LIMIT);
  const min: Vec3 = [center[0] - r, center[1] - r, 0];
  const max: Vec3 = [center[0] + r, center[1] + r, Math.max(center[2] + r, 0.01)];
  const t = scene.table;
  if (t) {
    const [cx, cy] = t.center ?? [0, 0];
    min[0] = Math.min(min[0], cx - t.size[0] / 2);
    max[0] = Math.max(max[0], cx + t.size[0] / 2);
    min[1] = Math.min(min[1], cy - t.size[1] / 2);
    max[1] = Math.max(max[1], cy + t.size[1] / 2);
    min[2] = -(t.thickness ?? 0);
  }
  const where = `${model.name}'s reach${t ? ' and the table' : ''}${scene.name ? ` of ${scene.name}` : ''}`;
  return new Workspace(min.map((v) => clampWorld(roundDown(v))) as Vec3, max.map((v) => clampWorld(roundUp(v))) as Vec3, where);
}
