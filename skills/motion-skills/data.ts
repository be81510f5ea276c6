/**
 * The stored form of a learned motion skill: the `data` of a SkillLibrary motion, checked with
 * zod (the pose DMP, the frame convention, timing, scaling, start mode, gripper events,
 * provenance), and parsed once per object.
 *
 * Frames and units: world = robot base frame, z up, meters, radians, seconds, quaternions
 * [x, y, z, w].
 */
import { z } from 'zod';
import type { MotionSkill } from '../library/library.js';
import { SkillFailure } from '../primitives.js';
import { LIMITS, WORLD_LIMIT } from '../../model/bounds.js';

export const MOTION_SKILL_FORMAT = 'shammie-dmp-skill';

const num = z.number().refine(Number.isFinite, 'must be a finite number');
/** bounded: a stored skill's numbers size the rollout's loops and place the tool (model/bounds.ts) */
const coord = num.refine((v) => Math.abs(v) <= WORLD_LIMIT, `must be within ±${WORLD_LIMIT} m (meters, world frame)`);
const vec3 = z.tuple([coord, coord, coord]);
const unit = num.refine((v) => Math.abs(v) <= 2, 'must be a quaternion component (at most 2 in size)');
const quat = z.tuple([unit, unit, unit, unit]);
const poseSchema = z.strictObject({ position: vec3, quaternion: quat });
/** s: a movement time */
const duration = num.refine((v) => v > 0 && v <= LIMITS.motionDuration, `must be more than 0 and at most ${LIMITS.motionDuration} s`);
/** s: a time within the motion */
const time = num.refine((v) => v >= 0 && v <= LIMITS.motionDuration, `must be from 0 to ${LIMITS.motionDuration} s`);
const gain = num.refine((v) => v > 0 && v <= 1e4, 'must be more than 0 and at most 10000');
/** forcing-term weights: large for fast demonstrations, never astronomically so */
const weight = num.refine((v) => Math.abs(v) <= 1e9, 'must be at most 1e9 in size');
const jointValue = num.refine((v) => Math.abs(v) <= LIMITS.jointValue, `must be within ±${LIMITS.jointValue} rad`);

export const poseDmpSchema = z
  .strictObject({
    kind: z.literal('pose-dmp'),
    version: z.literal(1),
    gains: z.strictObject({ alphaZ: gain, betaZ: gain, alphaX: gain, alphaG: gain }),
    basis: z.number().int().min(2).max(500),
    duration,
    start: poseSchema,
    goal: poseSchema,
    position: z.array(z.array(weight).max(500)).length(3),
    orientation: z.array(z.array(weight).max(500)).length(3),
    demos: z.number().int().min(1).max(1_000_000),
  })
  .refine((m) => [...m.position, ...m.orientation].every((r) => r.length === m.basis), 'each weight row must have `basis` numbers');

const gripperSchema = z
  .strictObject({
    initial: z.enum(['open', 'closed']),
    events: z.array(z.strictObject({ t: time, action: z.enum(['open', 'close']), position: jointValue })).max(1000),
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
  duration,
  scaling: z.enum(['fixed', 'rotate-scale', 'classic']),
  start: z.enum(['current', 'relative']),
  /** gripper changes during the demonstration (the initial state is never replayed) */
  gripper: gripperSchema,
  /** provenance */
  demo: z.strictObject({
    /** joint configuration the demonstration started from (a natural IK seed for replays) */
    q0: z.array(jointValue).max(LIMITS.joints),
    count: z.number().int().min(1).max(1_000_000),
    samples: z.number().int().min(0).max(1_000_000),
    duration: time,
    trimmed: z.strictObject({ start: time, end: time }),
    source: z.string().optional(),
    recordedAt: z.string().optional(),
  }),
});

export type MotionSkillData = z.output<typeof motionSkillDataSchema>;

const parsedData = new WeakMap<object, MotionSkillData>();

/**
 * Why a stored motion cannot be used (not a learned DMP skill, or a number out of bounds), or
 * null: the library refuses such an entry on load (skills/library OpenOptions.checkMotion).
 */
export function motionDataProblem(skill: MotionSkill): string | null {
  try {
    motionSkillData(skill);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

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
