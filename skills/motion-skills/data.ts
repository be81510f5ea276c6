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
