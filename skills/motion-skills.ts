/**
 * Learned motion skills (Vocal Sandbox §4.2: `def track(loc) => DMP(goal = loc.pose; β_track)`):
 * a pose DMP learned from a kinesthetic demonstration, stored as data in the skill library's
 * `motions` list, and compiled like a primitive: from the predicted arm state to one joint
 * trajectory, with the goal taken from the argument entity.
 *
 * Frame convention 'target-offset': the demonstration was about a reference point (the figure
 * the camera tracked, e.g. HULK's centre). Called on another entity, the demonstrated goal keeps
 * its offset from the reference, moved to the new entity: goal = target + (g_demo − reference),
 * with the demonstrated goal orientation.
 *
 * Start: 'relative' (default for learned skills) first moves the arm to the demonstrated start
 * re-expressed at the target, then rolls the DMP out from there — the demonstrated camera move
 * replayed around the new target, identical every time (a tracking shot stays a tracking shot).
 * When that start is out of reach it falls back to 'current' with a note. 'current' is the
 * paper's literal DMP(goal = loc.pose; β): from wherever the arm is, re-targeted with the
 * guarded rotate-and-scale of skills/dmp (the preview notes say when the guard stepped in).
 *
 * Frames: world = robot base frame, z up, meters, radians, quaternions [x, y, z, w]. Camera
 * convention (stop-motion): the camera looks along the tool +z axis, image up = tool +y.
 */
import { z } from 'zod';
import type { MotionSkill } from './library/library.js';
import type { RobotModel } from '../model/description/robot-model.js';
import { cartesianPath, KinematicChain } from './kinematics/index.js';
import type { Pose, Vec3 } from '../model/math/transform.js';
import {
  DEFAULT_BASIS,
  DEFAULT_GAINS,
  learnPoseDmp,
  rolloutPoseDmp,
  rolloutToJointTrajectory,
  type PoseDmpModel,
  type PoseRollout,
  type ScalingMode,
  type ScalingReport,
} from './dmp/index.js';
import {
  DemonstrationRecorder,
  demonstrationPoses,
  processDemonstration,
  type Demonstration,
  type ProcessedDemonstration,
  type ProcessOptions,
} from './demonstration/index.js';
import type { RobotBackend } from '../robot-bridge/types.js';
import { SkillFailure, type ArmState, type CompiledStep, type Motion, type MotionContext, type PrimitiveImpl } from './primitives.js';
import type { ArgValue, PrimitiveDefinition, SkillParam } from './registry.js';
import { timeParameterize } from './trajectory/index.js';

export const MOTION_SKILL_FORMAT = 'shammie-dmp-skill';

const num = z.number().refine(Number.isFinite, 'must be a finite number');
const vec3 = z.tuple([num, num, num]);
const quat = z.tuple([num, num, num, num]);
const poseSchema = z.strictObject({ position: vec3, quaternion: quat });

export const poseDmpSchema = z
  .strictObject({
    kind: z.literal('pose-dmp'),
    version: z.literal(1),
    gains: z.strictObject({ alphaZ: num, betaZ: num, alphaX: num, alphaG: num }),
    basis: z.number().int().min(2).max(500),
    duration: num.refine((v) => v > 0, 'must be positive'),
    start: poseSchema,
    goal: poseSchema,
    position: z.array(z.array(num)).length(3),
    orientation: z.array(z.array(num)).length(3),
    demos: z.number().int().min(1),
  })
  .refine((m) => [...m.position, ...m.orientation].every((r) => r.length === m.basis), 'each weight row must have `basis` numbers');

const gripperSchema = z
  .strictObject({
    initial: z.enum(['open', 'closed']),
    events: z.array(z.strictObject({ t: num, action: z.enum(['open', 'close']), position: num })),
  })
  .nullable();

export const motionSkillDataSchema = z.strictObject({
  format: z.literal(MOTION_SKILL_FORMAT),
  version: z.literal(1),
  /** robot model the demonstration was recorded on */
  robot: z.string().min(1),
  frame: z.strictObject({
    convention: z.literal('target-offset'),
    /** the point the demonstration was about (world frame, m) and its entity, if named */
    reference: z.strictObject({ entity: z.string().nullable(), position: vec3 }),
  }),
  dmp: poseDmpSchema,
  /** movement time, s (rollouts are slowed down further if the joint limits require it) */
  duration: num.refine((v) => v > 0, 'must be positive'),
  scaling: z.enum(['fixed', 'rotate-scale', 'classic']),
  start: z.enum(['current', 'relative']),
  /** gripper changes during the demonstration (the initial state is never replayed) */
  gripper: gripperSchema,
  /** provenance */
  demo: z.strictObject({
    /** joint configuration the demonstration started from (a natural IK seed for replays) */
    q0: z.array(num),
    count: z.number().int().min(1),
    samples: z.number().int().min(0),
    duration: num,
    trimmed: z.strictObject({ start: num, end: num }),
    source: z.string().optional(),
    recordedAt: z.string().optional(),
  }),
});

export type MotionSkillData = z.output<typeof motionSkillDataSchema>;

export interface MotionSkillOptions {
  name: string;
  /** one line for users and the planner (default: a generic description) */
  description?: string;
  /** name of the entity parameter (default 'target') */
  param?: string;
  model: RobotModel;
  /** one or more demonstrations of the same motion (raw or already processed) */
  demonstrations: Demonstration | ProcessedDemonstration | (Demonstration | ProcessedDemonstration)[];
  /** what the (first) demonstration was about; default: its `reference` field */
  reference?: { entity: string | null; position: Vec3 };
  scaling?: ScalingMode;
  start?: 'current' | 'relative';
  basis?: number;
  process?: ProcessOptions;
}

function isProcessed(d: Demonstration | ProcessedDemonstration): d is ProcessedDemonstration {
  return Array.isArray((d as ProcessedDemonstration).q);
}

/**
 * Learn a motion skill from demonstrations: validate and trim them, FK to tool poses, learn the
 * pose DMP, and package it as a SkillLibrary motion ({ name, description, params, data }).
 * Throws DemonstrationError (bad demonstration) or Error with a plain reason.
 */
export function motionSkillFromDemonstration(o: MotionSkillOptions): MotionSkill {
  const list = Array.isArray(o.demonstrations) ? o.demonstrations : [o.demonstrations];
  if (!list.length) throw new Error('a motion skill needs at least one demonstration');
  const processed = list.map((d) => (isProcessed(d) ? d : processDemonstration(d, o.model, o.process)));
  const chain = new KinematicChain(o.model);
  const poses = processed.map((p) => demonstrationPoses(p, chain));
  const dmp = learnPoseDmp(poses, { basis: o.basis ?? DEFAULT_BASIS, gains: DEFAULT_GAINS });
  const reference = o.reference ?? processed[0].reference;
  if (!reference) throw new Error(`to learn ${o.name} I need to know what the demonstration was about (a reference entity or point)`);
  const param = o.param ?? 'target';
  const first = processed[0];
  const data: MotionSkillData = {
    format: MOTION_SKILL_FORMAT,
    version: 1,
    robot: o.model.name,
    frame: { convention: 'target-offset', reference: { entity: reference.entity, position: [...reference.position] as Vec3 } },
    dmp,
    duration: dmp.duration,
    scaling: o.scaling ?? 'rotate-scale',
    start: o.start ?? 'relative',
    gripper: first.gripper,
    demo: {
      q0: [...first.q[0]],
      count: processed.length,
      samples: first.q.length,
      duration: first.duration,
      trimmed: first.trimmed,
    },
  };
  const about = reference.entity ? ` (shown on ${reference.entity})` : '';
  return {
    name: o.name,
    description: o.description ?? `Learned camera motion${about}: moves like the demonstration, relative to the given object.`,
    params: [{ name: param, type: 'entity', description: 'The object or location the motion is about (e.g., TOWER).' }],
    data: JSON.parse(JSON.stringify(data)) as MotionSkillData,
  };
}

/**
 * One motion-teaching episode ("I'll show you how to track around the tower" … "done"): collects
 * demonstrations (a file, or recorded from the backend while the person guides the arm), checks
 * each as it arrives (so a bad one is refused right away, with its reason), and learns the skill
 * at the end. The reference is the entity the person named (its position when teaching began).
 */
export class MotionTeaching {
  readonly demonstrations: ProcessedDemonstration[] = [];
  #recorder: DemonstrationRecorder | null = null;

  constructor(
    readonly name: string,
    readonly model: RobotModel,
    readonly reference: { entity: string | null; position: Vec3 },
    readonly options: Omit<MotionSkillOptions, 'name' | 'model' | 'demonstrations' | 'reference'> = {},
  ) {}

  /** Add a demonstration (raw JSON data or a Demonstration). Throws DemonstrationError with the reason. */
  add(demo: unknown): ProcessedDemonstration {
    const p = processDemonstration(demo, this.model, this.options.process);
    this.demonstrations.push(p);
    return p;
  }

  get recording(): boolean {
    return this.#recorder?.recording ?? false;
  }

  /** Start recording the backend's joint states (the person guides the arm). */
  startRecording(backend: RobotBackend, rate = 100): void {
    if (this.#recorder?.recording) throw new Error('already recording a demonstration');
    this.#recorder = new DemonstrationRecorder(backend, { robot: this.model.name, rate, source: backend.kind, reference: this.reference });
    this.#recorder.start();
  }

  /** Stop recording and add what was recorded (refused with a reason when unusable). */
  stopRecording(): ProcessedDemonstration {
    if (!this.#recorder) throw new Error('not recording a demonstration');
    const d = this.#recorder.stop();
    this.#recorder = null;
    return this.add(d);
  }

  /** Learn the skill from the demonstrations so far. */
  finish(description?: string): MotionSkill {
    if (this.#recorder?.recording) this.stopRecording();
    if (!this.demonstrations.length) throw new Error(`you haven't shown me ${this.name.replace(/_/g, ' ')} yet`);
    return motionSkillFromDemonstration({
      ...this.options,
      name: this.name,
      description,
      model: this.model,
      demonstrations: this.demonstrations,
      reference: this.reference,
    });
  }
}

/** What a preview can show about a compiled motion skill. */
export interface MotionSkillPreview {
  skill: string;
  target: string | null;
  /** the goal the DMP was sent to */
  goal: Pose;
  /** tool positions along the motion (≤ 200 points), for the ghost path */
  path: Vec3[];
  scaling: ScalingReport;
  /** plain-English notes: guard fallbacks, large rotations, slow-downs */
  notes: string[];
  /** seconds of the main trajectory, and how much the DMP timing was slowed to respect the limits */
  duration: number;
  timeStretch: number;
}

export interface CompiledMotionSkill extends Omit<CompiledStep, 'call'> {
  dmp: MotionSkillPreview;
  rollout: PoseRollout;
}

const parsedData = new WeakMap<object, MotionSkillData>();

/** Parse (once per object) and check a stored motion skill's data. */
export function motionSkillData(skill: MotionSkill): MotionSkillData {
  const raw = skill.data as object;
  const hit = raw && typeof raw === 'object' ? parsedData.get(raw) : undefined;
  if (hit) return hit;
  const r = motionSkillDataSchema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || 'data'}: ${i.message}`)
      .join('; ');
    throw new SkillFailure(`the stored motion ${skill.name} is not a learned DMP skill (${why})`);
  }
  if (raw && typeof raw === 'object') parsedData.set(raw, r.data);
  return r.data;
}

export interface CompileMotionOptions {
  /** 'dmp' (keep the demonstrated timing, slowed if needed) or 'optimal' */
  timing?: 'dmp' | 'optimal';
  /** movement time override, s (temporal scaling) */
  duration?: number;
}

/**
 * Links whose height does not change between two configurations (the base, and frames that only
 * turn about a vertical axis): their height says nothing about how low a move goes.
 */
function stillLinks(model: RobotModel, a: readonly number[], b: readonly number[]): Set<string> {
  const ref = model.linkPoses(a);
  const far = model.linkPoses(b);
  const mid = model.linkPoses(a.map((v, i) => (v + b[i]) / 2));
  const still = new Set<string>();
  for (const [name, m] of ref) {
    const zb = far.get(name)?.[14],
      zm = mid.get(name)?.[14];
    if (zb !== undefined && zm !== undefined && Math.abs(zb - m[14]) < 1e-9 && Math.abs(zm - m[14]) < 1e-9) still.add(name);
  }
  return still;
}

/** Lowest point (world z, m) of the moving link frames and the tool along a straight joint-space move (`samples` + 1 configurations; 0: just `a`). */
function lowestAlong(model: RobotModel, still: Set<string>, a: readonly number[], b: readonly number[], samples = 24): number {
  let low = Infinity;
  const q = new Array<number>(a.length);
  for (let k = 0; k <= samples; k++) {
    const s = samples ? k / samples : 0;
    for (let i = 0; i < a.length; i++) q[i] = a[i] + (b[i] - a[i]) * s;
    for (const [name, m] of model.linkPoses(q)) if (!still.has(name)) low = Math.min(low, m[14]);
    low = Math.min(low, model.tipPose(q)[14]);
  }
  return low;
}

/** how far a straight joint move may sag below its two ends before it goes over the top, m */
const SAG = 0.005;
/** extra height of the transit over the higher end, m */
const TRANSIT_LIFT = 0.1;
/** Cartesian step of the transit legs, m */
const TRANSIT_STEP = 0.02;

function lowestOfPath(model: RobotModel, still: Set<string>, path: readonly number[][]): number {
  let low = Infinity;
  for (let i = 0; i + 1 < path.length; i++) low = Math.min(low, lowestAlong(model, still, path[i], path[i + 1], 4));
  return low;
}

/**
 * Waypoints from `from` to `to` (joint space). Camera moves start and end close to the table,
 * and a straight joint-space move between two such poses can swing a link down into it (seen:
 * zoom_in(HULK) right after track(LOKI), the hand 3 mm below the table top). Then the tool goes
 * straight up, across at a transit height and straight down onto the start, as a camera
 * operator would, keeping each end's orientation on its leg. When that is out of reach, or no
 * higher, the straight move stays (the safety check judges it).
 */
export function approachPath(ctx: MotionContext, from: number[], to: number[]): number[][] {
  const model = ctx.model;
  const still = stillLinks(model, from, to);
  // The ends' own lowest points, counting the same moving links as the path does.
  const ends = Math.min(lowestAlong(model, still, from, to, 0), lowestAlong(model, still, to, from, 0));
  const direct = lowestAlong(model, still, from, to);
  if (direct >= ends - SAG) return [from, to];
  const a = ctx.ik.chain.pose(from),
    b = ctx.ik.chain.pose(to);
  const z = Math.max(a.position[2], b.position[2]) + TRANSIT_LIFT;
  const up = cartesianPath(ctx.ik, from, { position: [a.position[0], a.position[1], z], quaternion: a.quaternion }, { step: TRANSIT_STEP });
  // The descent is planned upwards from the start, so it ends in exactly the start configuration.
  const down = cartesianPath(ctx.ik, to, { position: [b.position[0], b.position[1], z], quaternion: b.quaternion }, { step: TRANSIT_STEP });
  if (!up.ok || !down.ok) return [from, to];
  const top = down.waypoints[down.waypoints.length - 1];
  const across = cartesianPath(
    ctx.ik,
    up.waypoints[up.waypoints.length - 1],
    { position: [b.position[0], b.position[1], z], quaternion: b.quaternion },
    { step: TRANSIT_STEP },
  );
  const path = [...up.waypoints, ...(across.ok ? across.waypoints.slice(1) : []), top, ...down.waypoints.slice(0, -1).reverse()];
  const clean = path.filter((q, i) => i === 0 || q.some((v, j) => Math.abs(v - path[i - 1][j]) > 1e-9));
  return lowestOfPath(model, still, clean) > direct + SAG ? clean : [from, to];
}

/**
 * Compile a call of a learned motion skill into motions, like a primitive: a joint trajectory
 * (plus a move to the start for 'relative' skills and any demonstrated gripper changes) from the
 * predicted arm state `start`. Throws SkillFailure with a plain reason when it cannot be done.
 */
export function compileMotionSkill(
  skill: MotionSkill,
  args: Record<string, ArgValue>,
  ctx: MotionContext,
  start: ArmState,
  opts: CompileMotionOptions = {},
): CompiledMotionSkill {
  const data = motionSkillData(skill);
  if (data.robot !== ctx.model.name) throw new SkillFailure(`${skill.name} was taught on ${data.robot}, not on ${ctx.model.name}`);
  const param = skill.params.find((p) => p.type === 'entity');
  const target = param ? String(args[param.name] ?? '') : null;
  let targetPos: Vec3 = data.frame.reference.position;
  if (target !== null) {
    try {
      targetPos = ctx.world.position(target);
    } catch (err) {
      throw new SkillFailure((err as Error).message.replace(/^\[world\] /, ''));
    }
  }
  const ref = data.frame.reference.position;
  const offset: Vec3 = [targetPos[0] - ref[0], targetPos[1] - ref[1], targetPos[2] - ref[2]];
  const dmp = data.dmp as PoseDmpModel;
  const goal: Pose = { position: add(dmp.goal.position, offset), quaternion: [...dmp.goal.quaternion] };
  const what = target ?? 'its demonstrated place';
  const motions: Motion[] = [];
  const notes: string[] = [];
  // Candidate start configurations, tried in order until the arm can follow the motion:
  // 'relative' tries the demonstrated start re-expressed at the target (IK seeded with the
  // demonstrator's own arm posture first, then the solutions nearest the current and the
  // demonstrated postures); the current pose comes last (for 'current' skills, first and only).
  const here = ctx.ik.chain.pose(start.q);
  const tries: (() => { q: number[]; approach: boolean } | string)[] = [];
  if (data.start === 'relative') {
    const relStart: Pose = { position: add(dmp.start.position, offset), quaternion: [...dmp.start.quaternion] };
    const p = here.position,
      away = Math.hypot(p[0] - relStart.position[0], p[1] - relStart.position[1], p[2] - relStart.position[2]);
    if (away > 0.002) {
      const ik = (r: ReturnType<MotionContext['ik']['solve']>) => (r.ok ? { q: r.q, approach: true } : (r.reason ?? 'no IK solution'));
      tries.push(
        () => ik(ctx.ik.solve(relStart, { seed: data.demo.q0, maxRestarts: 0 })),
        () => ik(ctx.ik.solveNearest(relStart, { seed: start.q })),
        () => ik(ctx.ik.solveNearest(relStart, { seed: data.demo.q0 })),
      );
    }
  }
  tries.push(() => ({ q: start.q, approach: false }));

  let best: { rollout: PoseRollout; joints: ReturnType<typeof rolloutToJointTrajectory>; c: { q: number[]; approach: boolean } } | null =
    null;
  const tried: number[][] = [];
  let why = '';
  for (const next of tries) {
    const c = next();
    if (typeof c === 'string') {
      why = c;
      continue;
    }
    if (tried.some((q) => q.every((v, i) => Math.abs(v - c.q[i]) < 1e-3))) continue;
    tried.push(c.q);
    // 20 ms samples: the spacing timeParameterize uses, and half the IK work of 10 ms.
    const r = rolloutPoseDmp(dmp, {
      start: c.approach ? ctx.ik.chain.pose(c.q) : here,
      goal,
      duration: opts.duration ?? data.duration,
      scaling: data.scaling,
      dt: 0.02,
    });
    if (!r.positions[r.positions.length - 1].every(Number.isFinite)) throw new SkillFailure(`the ${skill.name} motion diverged`);
    const j = rolloutToJointTrajectory(r, ctx.ik, c.q, { speedScale: ctx.config.speedScale, timing: opts.timing ?? 'dmp' });
    if (!best || (!best.joints.ok && j.ok)) best = { rollout: r, joints: j, c };
    if (j.ok) break;
    why = j.reason ?? why;
  }
  if (!best || !best.joints.ok || !best.joints.trajectory) throw new SkillFailure(`${skill.name} ${what}: ${best?.joints.reason ?? why}`);
  const { rollout, joints, c: chosen } = best;
  const trajectory = best.joints.trajectory;
  if (data.start === 'relative' && !chosen.approach && tries.length > 1) {
    notes.push(`cannot replay the demonstrated path at ${what} (${why}); re-targeted from the current pose instead`);
  }
  if (chosen.approach) {
    motions.push({
      kind: 'trajectory',
      label: `move to the start of ${skill.name} ${what}`,
      trajectory: timeParameterize(approachPath(ctx, start.q, chosen.q), ctx.model, {
        velocityScale: ctx.config.speedScale,
        accelerationScale: ctx.config.speedScale,
      }),
    });
  }
  notes.push(...rollout.notes);
  if (joints.timeStretch > 1.05) notes.push(`slowed down ×${joints.timeStretch.toFixed(2)} to stay within the joint speed limits`);

  // Gripper changes: those in the first half before the move, the rest after (the arm stops for them).
  const g = ctx.model.gripper;
  const events = data.gripper?.events ?? [];
  const tMid = dmp.duration / 2;
  const grip = (e: (typeof events)[number]): Motion => ({
    kind: 'gripper',
    label: `${e.action} gripper`,
    command: { position: e.position, maxEffort: ctx.config.graspEffort },
  });
  let gripper = start.gripper;
  if (g)
    for (const e of events.filter((e) => e.t < tMid)) {
      motions.push(grip(e));
      gripper = e.position;
    }
  const guard = rollout.scaling.guard ? ` (${rollout.scaling.guard.kind.replace(/-/g, ' ')}: not scaled)` : '';
  motions.push({ kind: 'trajectory', label: `${skill.name} ${what}${guard}`, trajectory });
  if (g)
    for (const e of events.filter((e) => e.t >= tMid)) {
      motions.push(grip(e));
      gripper = e.position;
    }

  const endQ = joints.waypoints[joints.waypoints.length - 1];
  const step = Math.max(1, Math.ceil(rollout.positions.length / 200));
  const path = rollout.positions.filter((_, k) => k % step === 0 || k === rollout.positions.length - 1);
  const pts = trajectory.points;
  return {
    motions,
    end: { ...start, q: [...endQ], gripper, at: null, lastTouched: target ?? start.lastTouched },
    ...(target !== null ? { targetAt: { entity: target, position: targetPos } } : {}),
    dmp: {
      skill: skill.name,
      target,
      goal,
      path,
      scaling: rollout.scaling,
      notes,
      duration: pts[pts.length - 1].timeFromStart,
      timeStretch: joints.timeStretch,
    },
    rollout,
  };
}

/** The primitive implementation of a stored motion skill (register it like go_home or goto). */
export function motionSkillImpl(skill: MotionSkill, opts: CompileMotionOptions = {}): PrimitiveImpl {
  motionSkillData(skill); // refuse bad data at registration, not at the first call
  return { compile: (ctx, args, start) => compileMotionSkill(skill, args, ctx, start, opts) };
}

/**
 * A registry definition for a stored motion skill. `learned: true` marks it as replaceable and
 * removable (re-teaching, forget, undo) once the registry honours that flag.
 */
export function motionSkillDefinition(
  skill: MotionSkill,
  opts: CompileMotionOptions = {},
): PrimitiveDefinition<PrimitiveImpl> & { learned: true } {
  return {
    name: skill.name,
    kind: 'primitive',
    learned: true,
    description: skill.description,
    params: skill.params.map((p): SkillParam => ({ ...p })),
    impl: motionSkillImpl(skill, opts),
  };
}

function add(a: ArrayLike<number>, b: ArrayLike<number>): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
