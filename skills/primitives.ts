/**
 * The paper's seed primitives: go_home(), goto(object), grasp(), release(), and
 * pickup(object) = goto(object); grasp().
 *
 * A primitive does not move anything itself: it compiles to motions (joint trajectories,
 * gripper commands, waits) from a predicted arm state. The whole plan is compiled before
 * anything moves, so the operator sees exactly the trajectories that will run, and the
 * SafetyGuard can check each one up front.
 *
 * Frames: world = robot base frame, z up, z = 0 at the table top; meters, radians.
 */
import type { GripperCommand, JointTrajectory } from '../robot-bridge/types.js';
import { cartesianPath, IkSolver } from './kinematics/index.js';
import type { RobotModel } from '../model/description/robot-model.js';
import { fromAxisAngle, multiply, quatFromMatrix, type Mat4, type Quat, type Vec3 } from '../model/math/transform.js';
import { SkillRegistry, type ArgValue, type SkillCall } from './registry.js';
import { mulberry32 } from '../model/math/random.js';
import { timeParameterize } from './trajectory/index.js';
import type { WorldModel } from '../model/world.js';
import type { WorldCollision } from '../collision/index.js';
import { freeMove, NoFreeMotion, type HandState } from './free-motion.js';

/** What the arm is predicted to be like between steps. */
export interface ArmState {
  q: number[];
  /** gripper joint value */
  gripper: number;
  /** entity name the gripper holds, if any */
  held: string | null;
  /** entity the arm last went to, for "it" */
  lastTouched: string | null;
  /** entity the gripper is at right now (set by goto, cleared by other moves) */
  at?: string | null;
  /** arm joints where `held` was grasped, when that happened earlier in the plan being compiled */
  graspQ?: number[];
  /** scene bodies let go of earlier in the plan (where they land is not known yet) */
  released?: string[];
}

/** A contact a motion intends (robot side × obstacle side, names as in collision/types.ts). */
export interface IntendedContact {
  robot: string;
  obstacle: string;
}

export type Motion =
  | {
      kind: 'trajectory';
      label: string;
      trajectory: JointTrajectory;
      /** contacts it intends: the fingers around the object to grasp */ allow?: IntendedContact[];
    }
  | { kind: 'gripper'; label: string; command: GripperCommand; /** entity expected between the fingers */ grasping?: string | null }
  | { kind: 'wait'; label: string; seconds: number };

export interface CompiledStep {
  call: SkillCall;
  motions: Motion[];
  end: ArmState;
  /** where the target was when this step was compiled (to detect a changed world) */
  targetAt?: { entity: string; position: Vec3 };
}

/**
 * The contact that refuses a motion: the two sides as collision/types.ts names them (a: the
 * robot link or held object, b: the scene part), a world point (m, z up) and, when the motion
 * was timed, seconds from its start. The console draws a marker there.
 */
export interface RefusalContact {
  a: string;
  b: string;
  point: Vec3;
  time?: number;
}

export class SkillFailure extends Error {
  /** set when the refusal is a collision, so the console can show where */
  readonly contact?: RefusalContact;
  constructor(message: string, contact?: RefusalContact) {
    super(message);
    this.name = 'SkillFailure';
    if (contact) this.contact = contact;
  }
}

export interface MotionConfig {
  /** height of the pre-grasp pose above the grasp point (m) */
  approachHeight: number;
  /** hover height above a container's rim when placing (m) */
  placeHeight: number;
  /** lowest tool-centre height for grasping, so fingertips clear the table (m) */
  minGraspZ: number;
  /** fraction of the URDF velocity/acceleration limits used for planned moves */
  speedScale: number;
  /** gripper squeeze force (N) */
  graspEffort: number;
  /** seconds to let things settle after opening or closing the gripper */
  settleAfterGrasp: number;
  settleAfterRelease: number;
  /** Cartesian step for approach/retreat lines (m) */
  cartesianStep: number;
}

export const DEFAULT_MOTION: MotionConfig = {
  approachHeight: 0.12,
  placeHeight: 0.1,
  minGraspZ: 0.016,
  speedScale: 0.5,
  graspEffort: 40,
  settleAfterGrasp: 0.3,
  settleAfterRelease: 0.8,
  cartesianStep: 0.005,
};

export interface MotionContext {
  model: RobotModel;
  ik: IkSolver;
  world: WorldModel;
  config: MotionConfig;
  /** when set, moves are planned around the scene's obstacles and approaches chosen so the hand fits */
  collision?: WorldCollision;
}

/** The scene body an entity stands for, if any. */
function bodyOf(ctx: MotionContext, entity: string | null | undefined): string | null {
  if (!entity) return null;
  // With the planning scene: its object for the entity (a sim body, or the box standing in for a pointed one).
  if (ctx.collision) return ctx.collision.objectOf(entity);
  const e = ctx.world.get(entity);
  return e?.source.type === 'body' ? e.source.body : null;
}

/** The hand at the start of a step, as the plan predicts it (what it holds, what it let go of). */
export function handOf(ctx: MotionContext, s: ArmState): HandState {
  const body = bodyOf(ctx, s.held);
  // Held since before the plan: the scene already carries it where it really is.
  const held = !s.held ? null : s.graspQ && body ? { name: body, graspQ: s.graspQ, graspGripper: s.gripper } : undefined;
  return { gripper: s.gripper, ...(held !== undefined ? { held } : {}), without: s.released ?? [] };
}

/** A joint-space move that touches nothing (planned around obstacles when the straight one would). */
function jointMove(ctx: MotionContext, s: ArmState, q0: number[], q1: number[], label: string): Motion {
  if (!ctx.collision) return { kind: 'trajectory', label, trajectory: traj(ctx, [q0, q1]) };
  let path: number[][];
  try {
    path = freeMove(ctx.collision, ctx.model, q0, q1, handOf(ctx, s), label);
  } catch (err) {
    if (err instanceof NoFreeMotion) throw new SkillFailure(`I can't ${label} without hitting something: ${err.message}`);
    throw err;
  }
  // The timed trajectory is a smooth curve through the waypoints, which can cut a corner of the
  // checked polyline past an obstacle: check it as the preview and the guard will, and where it
  // touches, add the segments' midpoints so the curve keeps to the checked path (at most 3 times).
  let trajectory = traj(ctx, path);
  const hand = handOf(ctx, s);
  for (let k = 0; k < 3 && path.length > 2 && !ctx.collision.checkTrajectory(trajectory, hand).ok; k++) {
    path = path.flatMap((q, i) => (i === 0 ? [q] : [q.map((v, j) => (v + path[i - 1][j]) / 2), q]));
    trajectory = traj(ctx, path);
  }
  return { kind: 'trajectory', label, trajectory };
}

/** The first contact of a straight (Cartesian) move with the scene, as a sentence and as data, or null. */
function blocked(
  ctx: MotionContext,
  s: ArmState,
  waypoints: number[][],
  allow?: IntendedContact[],
): { text: string; contact: RefusalContact } | null {
  if (!ctx.collision) return null;
  const hit = ctx.collision.withHand(handOf(ctx, s), (c) => c.checkPath(waypoints, { gripper: s.gripper, ...(allow ? { allow } : {}) }));
  // Bare waypoints carry no time: the move is not yet placed within its step.
  return hit
    ? { text: `${hit.a} would hit ${hit.b} at ${fmtPoint(hit.point)}`, contact: { a: hit.a, b: hit.b, point: [...hit.point] } }
    : null;
}

const fmtPoint = (p: readonly number[]): string => `(${p.map((v) => v.toFixed(2)).join(', ')})`;

/**
 * A refused descent, timed: the same contact on the time-parameterized move, with its time (s
 * from the start of the descent). Only for the refusal that is finally reported, so refused
 * candidates cost no timing.
 */
function timedRefusal(ctx: MotionContext, miss: ApproachMiss): SkillFailure {
  const trajectory = traj(ctx, miss.waypoints);
  const hit = ctx.collision?.withHand(handOf(ctx, miss.state), (c) =>
    c.checkPath(trajectory, { gripper: miss.state.gripper, ...(miss.allow ? { allow: miss.allow } : {}) }),
  );
  if (!hit || hit.time === null) return miss.error;
  return new SkillFailure(
    `approaching ${miss.name} from above, ${hit.a} would hit ${hit.b} ${hit.time.toFixed(2)} s into the descent, at ${fmtPoint(hit.point)}`,
    // No step time: the step was not compiled, so the descent has no place on its timeline.
    { a: hit.a, b: hit.b, point: [...hit.point] },
  );
}

interface ApproachMiss {
  name: string;
  waypoints: number[][];
  state: ArmState;
  allow: IntendedContact[] | undefined;
  error: SkillFailure;
}

export interface PrimitiveImpl {
  compile(ctx: MotionContext, args: Record<string, ArgValue>, start: ArmState): Omit<CompiledStep, 'call'>;
}

/** Tool pointing straight down (tool z = world −z), rotated `yaw` about world z. */
function downOrientation(yaw: number): Quat {
  const flip = fromAxisAngle([1, 0, 0], Math.PI);
  const rz = fromAxisAngle([0, 0, 1], yaw);
  return quatFromMatrix(multiply(rz, flip));
}

function tipOf(ctx: MotionContext, q: number[]): Mat4 {
  return ctx.model.tipPose(q);
}

function traj(ctx: MotionContext, waypoints: number[][]): JointTrajectory {
  return timeParameterize(waypoints, ctx.model, {
    velocityScale: ctx.config.speedScale,
    accelerationScale: ctx.config.speedScale,
  });
}

function maxJointDelta(a: number[], b: number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Straight-line vertical move of the tool to height z, keeping its orientation. */
function verticalMove(ctx: MotionContext, q: number[], z: number, label: string): { motion?: Motion; q: number[] } {
  const path = verticalPath(ctx, q, z);
  return path.waypoints ? { motion: { kind: 'trajectory', label, trajectory: traj(ctx, path.waypoints) }, q: path.q } : { q };
}

/** The joint waypoints of a straight vertical tool move to height z (m), not yet timed; null waypoints when already there. */
function verticalPath(ctx: MotionContext, q: number[], z: number): { waypoints: number[][] | null; q: number[] } {
  const tip = tipOf(ctx, q);
  if (Math.abs(tip[14] - z) < 1e-3) return { waypoints: null, q };
  const goal = { position: [tip[12], tip[13], z] as Vec3, quaternion: quatFromMatrix(tip) };
  const path = cartesianPath(ctx.ik, q, goal, { step: ctx.config.cartesianStep });
  if (!path.ok)
    throw new SkillFailure(`cannot move the gripper straight ${z > tip[14] ? 'up' : 'down'} to ${z.toFixed(2)} m: ${path.reason}`);
  return { waypoints: path.waypoints, q: path.waypoints[path.waypoints.length - 1] };
}

/** Arm joints for a down-pointing tool at `position`, both finger orientations (yaw, yaw + π), nearest first. */
function poseCandidates(ctx: MotionContext, q: number[], position: Vec3, yaw: number): { qs: number[][]; reason: string } {
  const qs: number[][] = [];
  let reason = '';
  for (const y of [yaw, yaw + Math.PI]) {
    const r = ctx.ik.solve({ position, quaternion: downOrientation(y) }, { seed: q });
    if (r.ok) qs.push(r.q);
    else reason = r.reason ?? 'no solution';
  }
  // Nearest first, but a posture within 0.05 rad of a joint limit last: moves ending there fail
  // the safety margin (0.02 rad) once time-parameterized paths overshoot a little.
  const nearLimit = (x: number[]) => ctx.model.arm.some((j, i) => x[i] - j.lower < 0.05 || j.upper - x[i] < 0.05);
  qs.sort((a, b) => Number(nearLimit(a)) - Number(nearLimit(b)) || maxJointDelta(q, a) - maxJointDelta(q, b));
  return { qs, reason };
}

/**
 * Extra arm postures tried when the nearest ones collide (e.g. the elbow raised over a tall
 * object), and the fixed seed they are drawn with (the same scene gives the same postures, so a
 * preview and its execution agree). Mutable only for offline judging runs (see free-motion.ts).
 */
export const GRASP_SEARCH = { extraPostures: 6, postureSeed: 7 };

/**
 * Other arm postures (7 joints give the elbow freedom) for the same down-pointing tool pose:
 * IK from seeded random starts within the limits, distinct from `known` by 0.3 rad (max-norm).
 */
function otherPostures(ctx: MotionContext, position: Vec3, yaw: number, known: number[][]): number[][] {
  const rand = mulberry32(GRASP_SEARCH.postureSeed);
  const out: number[][] = [];
  for (let k = 0; k < GRASP_SEARCH.extraPostures * 2; k++) {
    const seed = ctx.model.arm.map((j) => {
      const lo = Number.isFinite(j.lower) ? j.lower : -Math.PI,
        hi = Number.isFinite(j.upper) ? j.upper : Math.PI;
      return lo + (hi - lo) * rand();
    });
    const y = k % 2 === 0 ? yaw : yaw + Math.PI;
    const r = ctx.ik.solve({ position, quaternion: downOrientation(y) }, { seed, maxRestarts: 0 });
    if (!r.ok) continue;
    if ([...known, ...out].some((o) => maxJointDelta(o, r.q) < 0.3)) continue;
    out.push(r.q);
    if (out.length >= GRASP_SEARCH.extraPostures) break;
  }
  return out;
}

/** Half the object's width (m) across the fingers of a down-pointing tool at `yaw` (fingers close along tool y). */
function halfWidthAcross(ctx: MotionContext, entity: string, yaw: number): number | null {
  const half = ctx.world.halfExtents(entity);
  if (!half) return null;
  const objYaw = objectYaw(ctx, entity);
  // Tool y of downOrientation(yaw) is world (sin yaw, −cos yaw); |d·x̂|·hx + |d·ŷ|·hy of the object's box.
  const a = yaw - objYaw;
  return Math.abs(Math.sin(a)) * half[0] + Math.abs(Math.cos(a)) * half[1];
}

/** The gripper's finger joints slide (per-finger travel in m), so widths map to joint values. */
function prismaticFingers(ctx: MotionContext): boolean {
  const g = ctx.model.gripper;
  if (!g || !(g.open > g.closed)) return false;
  return ctx.model.description.joints.some((j) => j.name === g.joint && j.type === 'prismatic');
}

/**
 * Room (m) left on each side between an object and fingers opened just enough for it: 12 mm,
 * then 2.5 mm. Each finger pad is 16 mm thick and the checks keep 5 mm (plus up to 5 mm of
 * sphere over-approximation) from neighbours, so only the last fits an object 3 cm from others.
 */
const NARROW_CLEARANCES = [0.012, 0.0025];

/**
 * Finger openings to approach with (joint values): fully open first; then, with sliding fingers,
 * opened just enough for the object (neighbours close by leave no room for open fingers).
 */
function approachOpenings(ctx: MotionContext, entity: string, yaw: number): number[] {
  const g = ctx.model.gripper;
  if (!g) return [];
  const out = [g.open];
  if (!ctx.collision || !prismaticFingers(ctx)) return out;
  const hw = halfWidthAcross(ctx, entity, yaw);
  if (hw === null) return out;
  for (const c of NARROW_CLEARANCES) {
    const w = Math.max(g.closed, hw + c);
    if (w < out[out.length - 1] - 0.003) out.push(w);
  }
  return out;
}

/** Tool-centre heights (m) to grasp at: the middle first, then up in 1 cm steps while the fingers still overlap the object by 1.5 cm. */
function graspHeights(ctx: MotionContext, entity: string, position: Vec3, grasp: number): number[] {
  if (!ctx.collision) return [grasp];
  const half = ctx.world.halfExtents(entity) ?? [0.02, 0.02, 0.02];
  const top = position[2] + half[2];
  const out = [grasp];
  for (let z = grasp + 0.01; z <= top - 0.015 && out.length < 8; z += 0.01) out.push(z);
  return out;
}

/** The container an object stands in (inside its footprint), highest rim first, and that rim's height (m). */
function containerAround(ctx: MotionContext, entity: string, position: Vec3): { name: string; top: number } | null {
  let best: { name: string; top: number } | null = null;
  for (const e of ctx.world.list()) {
    if (!e.container || e.name === entity) continue;
    let c: Vec3;
    try {
      c = ctx.world.position(e.name);
    } catch {
      continue;
    }
    const h = ctx.world.halfExtents(e.name) ?? [0, 0, 0];
    if (Math.abs(position[0] - c[0]) <= h[0] && Math.abs(position[1] - c[1]) <= h[1] && (!best || c[2] + h[2] > best.top))
      best = { name: e.name, top: c[2] + h[2] };
  }
  return best;
}

/** The top (m) of a container the object stands in, if it is inside one's footprint. */
function containerTopAround(ctx: MotionContext, entity: string, position: Vec3): number | null {
  return containerAround(ctx, entity, position)?.top ?? null;
}

/** The object's rotation about world z (rad), 0 when unknown. */
function objectYaw(ctx: MotionContext, entity: string): number {
  const quat = ctx.world.quaternion?.(entity);
  if (!quat) return 0;
  const [x, y, z, w] = quat;
  return Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
}

/** Yaw (rad) that puts the fingers across the object's narrow horizontal side. */
function graspYaw(ctx: MotionContext, entity: string): number {
  const half = ctx.world.halfExtents(entity);
  // Fingers close along the tool's y axis: align it with the object's short horizontal axis.
  const shortIsX = half ? half[0] <= half[1] : true;
  return objectYaw(ctx, entity) + (shortIsX ? Math.PI / 2 : 0);
}

/**
 * Grasp yaws to try (rad): across the object's narrow side, then turned a quarter when the
 * object's other side also fits between the open fingers (with 1 cm to spare).
 */
function graspYaws(ctx: MotionContext, entity: string): number[] {
  const yaw = graspYaw(ctx, entity);
  const half = ctx.world.halfExtents(entity);
  const g = ctx.model.gripper;
  if (!ctx.collision || !half || !g) return [yaw];
  const opening = 2 * Math.abs(g.open - g.closed);
  return 2 * Math.max(half[0], half[1]) + 0.01 <= opening ? [yaw, yaw + Math.PI / 2] : [yaw];
}

function targetZ(ctx: MotionContext, entity: string, position: Vec3): { hover: number; grasp: number | null; isContainer: boolean } {
  const e = ctx.world.get(entity);
  const half = ctx.world.halfExtents(entity) ?? [0.02, 0.02, 0.02];
  const top = position[2] + half[2];
  if (e?.container || e?.kind === 'location') {
    return { hover: (e?.container ? top : position[2]) + ctx.config.placeHeight, grasp: null, isContainer: true };
  }
  const grasp = Math.max(position[2], ctx.config.minGraspZ);
  let hover = Math.max(grasp + ctx.config.approachHeight, top + 0.06);
  // Inside a container: come in from above its rim, not through its wall.
  const rim = ctx.collision ? containerTopAround(ctx, entity, position) : null;
  if (rim !== null) hover = Math.max(hover, rim + 0.06);
  // On a container's floor: the fingertips keep the same height above that floor as above the table.
  const onFloor = rim !== null ? Math.max(grasp, position[2] - half[2] + ctx.config.minGraspZ) : grasp;
  return { hover: Math.max(hover, onFloor + ctx.config.approachHeight), grasp: onFloor, isContainer: false };
}

export const PRIMITIVES: Record<
  string,
  { description: string; params: { name: string; type: 'entity'; description: string }[]; impl: PrimitiveImpl }
> = {
  go_home: {
    description: 'Return to a neutral home position.',
    params: [],
    impl: {
      compile(ctx, _args, start) {
        const motions: Motion[] = [];
        let q = start.q;
        const tip = tipOf(ctx, q);
        const homeTip = tipOf(ctx, ctx.model.home);
        // Lift straight up first when low, so nothing is dragged across the table.
        if (tip[14] < homeTip[14] - 0.02) {
          const up = verticalMove(ctx, q, Math.min(homeTip[14], tip[14] + ctx.config.approachHeight), 'lift');
          if (up.motion) motions.push(up.motion);
          q = up.q;
        }
        if (maxJointDelta(q, ctx.model.home) > 1e-4) motions.push(jointMove(ctx, start, q, [...ctx.model.home], 'move home'));
        return { motions, end: { ...start, q: [...ctx.model.home], at: null } };
      },
    },
  },
  goto: {
    description: 'Move directly to the specified object.',
    params: [{ name: 'object', type: 'entity', description: 'An object or location in the scene (e.g., CANDY).' }],
    impl: {
      compile(ctx, args, start) {
        const name = String(args.object);
        const position = ctx.world.position(name);
        const { hover, grasp, isContainer } = targetZ(ctx, name, position);
        const motions: Motion[] = [];
        let q = start.q;
        const tip = tipOf(ctx, q);
        const g = ctx.model.gripper;
        let gripper = start.gripper;
        // Going to grasp something with an empty hand: the fingers open before anything moves.
        const toGrasp = !!g && grasp !== null && !start.held;
        // Retreat straight up before travelling when the tool is below the travel height.
        let retreat: Motion | undefined;
        if (tip[14] < hover - 0.005) {
          const up = verticalMove(ctx, q, hover, 'retreat');
          retreat = up.motion;
          q = up.q;
          // Lifting a held object off the floor of the container it stands in touches that floor at first.
          const heldBody = bodyOf(ctx, start.held);
          const from = start.held && heldBody ? containerAround(ctx, start.held, tipPosition(tip)) : null;
          if (retreat?.kind === 'trajectory' && from) {
            const cbody = bodyOf(ctx, from.name);
            if (cbody) retreat.allow = [{ robot: 'held', obstacle: cbody }];
          }
        }
        const body = bodyOf(ctx, name);
        const allow: IntendedContact[] | undefined = body ? [{ robot: 'fingers', obstacle: body }] : undefined;
        // Grasp orientations to try: across the narrow side first; turned a quarter when the
        // object fits the open fingers that way too (the hand may only fit between walls so).
        const yaws = isContainer ? [currentYaw(tipOf(ctx, q))] : graspYaws(ctx, name);
        // Attempts, most natural first: the nearest arm postures with the fingers fully open,
        // then opened just enough (neighbours close by), then other arm postures (a tall object
        // in front of the target).
        const attempts: { yaw: number; opening: number; others: boolean }[] = [];
        for (const others of ctx.collision ? [false, true] : [false]) {
          for (const widthRank of [0, 1, 2]) {
            for (const yaw of yaws) {
              const openings = toGrasp ? approachOpenings(ctx, name, yaw) : [gripper];
              if (widthRank < openings.length) attempts.push({ yaw, opening: openings[widthRank], others });
            }
          }
        }
        let lastError: unknown = null;
        /** refused descents, to time the one that is the reason given */
        const approachMisses = new Map<unknown, ApproachMiss>();
        /** why the nearest postures failed: the clearest reason when the other postures fail too */
        let nearError: unknown = null;
        let done = false;
        for (const attempt of attempts) {
          if (attempt.others && nearError === null) nearError = lastError;
          try {
            const hoverAt: Vec3 = [position[0], position[1], hover];
            // Check the way down before planning the way there: the approach decides the pose.
            const near = poseCandidates(ctx, q, hoverAt, attempt.yaw);
            const qs = attempt.others ? otherPostures(ctx, hoverAt, attempt.yaw, near.qs) : near.qs;
            if (!qs.length) {
              if (attempt.others) continue;
              throw new SkillFailure(
                `cannot reach (${hoverAt.map((v) => v.toFixed(2)).join(', ')}) with the gripper pointing down: ${near.reason}`,
              );
            }
            const here: ArmState = { ...start, q, gripper: attempt.opening };
            let chosen: { aboveQ: number[]; down?: Motion; downQ: number[] } | null = null;
            for (const aboveQ of qs) {
              if (grasp === null) {
                chosen = { aboveQ, downQ: aboveQ };
                break;
              }
              // Grasp at the object's middle; a tall object higher up, so the palm clears its top.
              let down: { motion?: Motion; q: number[] } | null = null;
              for (const z of graspHeights(ctx, name, position, grasp)) {
                // The waypoints first: most blocked heights are refused without timing the move.
                const v = verticalPath(ctx, aboveQ, z);
                let hit = v.waypoints ? blocked(ctx, here, v.waypoints, allow) : null;
                let d: { motion?: Motion; q: number[] } = { q: v.q };
                if (!hit && v.waypoints) {
                  // Then the timed path itself (its corner blends leave the waypoints by up to 5 mrad).
                  const trajectory = traj(ctx, v.waypoints);
                  d = { motion: { kind: 'trajectory', label: `approach ${name}`, trajectory }, q: v.q };
                  hit = blocked(
                    ctx,
                    here,
                    trajectory.points.map((p) => [...p.positions]),
                    allow,
                  );
                }
                if (!hit) {
                  down = d;
                  break;
                }
                const refusal = new SkillFailure(`approaching ${name} from above, ${hit.text}`, hit.contact);
                if (v.waypoints) approachMisses.set(refusal, { name, waypoints: v.waypoints, state: here, allow, error: refusal });
                lastError = refusal;
              }
              if (!down) continue;
              if (down.motion?.kind === 'trajectory' && allow) down.motion.allow = allow;
              chosen = { aboveQ, ...(down.motion ? { down: down.motion } : {}), downQ: down.q };
              break;
            }
            if (!chosen) continue;
            const above = jointMove(ctx, here, q, chosen.aboveQ, `move above ${name}`);
            if (toGrasp && g && Math.abs(start.gripper - attempt.opening) > 0.002) {
              const label =
                attempt.opening < g.open - 0.002 ? `open gripper to ${(2 * attempt.opening * 100).toFixed(1)} cm` : 'open gripper';
              motions.push({ kind: 'gripper', label, command: { position: attempt.opening, maxEffort: ctx.config.graspEffort } });
            }
            gripper = attempt.opening;
            if (retreat) motions.push(retreat);
            motions.push(above);
            if (chosen.down) motions.push(chosen.down);
            q = chosen.downQ;
            lastError = null;
            done = true;
            break;
          } catch (err) {
            lastError = err;
          }
        }
        if (!done) lastError = nearError ?? lastError ?? new SkillFailure('no way was found');
        const miss = approachMisses.get(lastError);
        if (miss) lastError = timedRefusal(ctx, miss);
        if (lastError) {
          const why = lastError instanceof Error ? lastError.message : 'no way was found';
          throw lastError instanceof SkillFailure && /^(cannot reach|I can't)/.test(why)
            ? lastError
            : new SkillFailure(`I can't reach ${name}: ${why}`, lastError instanceof SkillFailure ? lastError.contact : undefined);
        }
        return { motions, end: { ...start, q, gripper, lastTouched: name, at: name }, targetAt: { entity: name, position } };
      },
    },
  },
  grasp: {
    description: 'Close the gripper at the current position, potentially grasping an object.',
    params: [],
    impl: {
      compile(ctx, _args, start) {
        const g = ctx.model.gripper;
        if (!g) throw new SkillFailure(`${ctx.model.name} has no gripper`);
        // Only expect an object when the arm went to it; closing elsewhere is just closing.
        const target = start.held ?? start.at ?? null;
        const entity = target ? ctx.world.get(target) : undefined;
        const grasping = entity && entity.kind === 'object' && !entity.container ? entity.name : null;
        // The fingers stop on the object: predict where (its width across them), so later
        // moves are checked with the fingers where they will be, not fully closed.
        let after = g.closed;
        if (grasping && ctx.collision && prismaticFingers(ctx)) {
          const hw = halfWidthAcross(ctx, grasping, currentYaw(tipOf(ctx, start.q)));
          if (hw !== null) after = Math.min(Math.max(g.closed, hw), Math.max(g.closed, start.gripper));
        }
        return {
          motions: [
            { kind: 'gripper', label: 'close gripper', command: { position: g.closed, maxEffort: ctx.config.graspEffort }, grasping },
            { kind: 'wait', label: 'settle', seconds: ctx.config.settleAfterGrasp },
          ],
          // Where it was grasped: later steps of the plan carry it there, relative to the hand.
          end: { ...start, gripper: after, held: grasping, ...(grasping ? { graspQ: [...start.q] } : {}) },
        };
      },
    },
  },
  release: {
    description: 'Release the currently held object (if any) by fully opening the gripper.',
    params: [],
    impl: {
      compile(ctx, _args, start) {
        const g = ctx.model.gripper;
        if (!g) throw new SkillFailure(`${ctx.model.name} has no gripper`);
        return {
          motions: [
            { kind: 'gripper', label: 'open gripper', command: { position: g.open, maxEffort: ctx.config.graspEffort } },
            { kind: 'wait', label: 'let it settle', seconds: ctx.config.settleAfterRelease },
          ],
          end: {
            ...start,
            gripper: g.open,
            held: null,
            graspQ: undefined,
            released: start.held
              ? [...(start.released ?? []), ...[bodyOf(ctx, start.held)].filter((b): b is string => !!b)]
              : start.released,
          },
        };
      },
    },
  },
};

function tipPosition(tip: Mat4): Vec3 {
  return [tip[12], tip[13], tip[14]];
}

function currentYaw(tip: Mat4): number {
  // The tool x axis projected on the table gives the yaw of a down-pointing tool.
  return Math.atan2(tip[1], tip[0]);
}

/** A registry holding the seed API: the four primitives plus pickup = goto; grasp. */
export function createSkillRegistry(): SkillRegistry<PrimitiveImpl> {
  const registry = new SkillRegistry<PrimitiveImpl>();
  for (const [name, p] of Object.entries(PRIMITIVES)) {
    registry.register({ name, kind: 'primitive', description: p.description, params: p.params, impl: p.impl });
  }
  registry.register({
    name: 'pickup',
    kind: 'behavior',
    builtin: true,
    description: 'Go to and pick up the specified object.',
    params: [{ name: 'object', type: 'entity', description: 'An object in the scene (e.g., CANDY).' }],
    body: [
      { skill: 'goto', args: { object: { param: 'object' } } },
      { skill: 'grasp', args: {} },
    ],
  });
  return registry;
}

/**
 * Compile a plan (behaviors expanded) into steps from a start state. Throws SkillFailure
 * with a plain reason when a step cannot be planned (unreachable, unknown target…).
 */
export function compilePlan(
  registry: SkillRegistry<PrimitiveImpl>,
  calls: SkillCall[],
  ctx: MotionContext,
  start: ArmState,
): CompiledStep[] {
  const steps: CompiledStep[] = [];
  let state = start;
  for (const call of registry.expand(calls)) {
    const def = registry.get(call.skill);
    if (def.kind !== 'primitive') throw new SkillFailure(`internal: ${call.skill} did not expand to primitives`);
    let step: Omit<CompiledStep, 'call'>;
    try {
      step = def.impl.compile(ctx, call.args, state);
    } catch (err) {
      if (err instanceof SkillFailure)
        throw new SkillFailure(`${call.skill}(${Object.values(call.args).join(', ')}): ${err.message}`, err.contact);
      throw err;
    }
    steps.push({ call, ...step });
    state = step.end;
  }
  return steps;
}
