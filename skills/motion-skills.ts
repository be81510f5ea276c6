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
 *
 * This file compiles a call of a stored motion skill; the parts are in motion-skills/: data.ts
 * (the stored format and its schema), learn.ts (learning from demonstrations, the teaching
 * episode), approach.ts (the move to the start that stays clear of the table).
 */
import type { MotionSkill } from './library/library.js';
import type { Pose, Vec3 } from '../model/math/transform.js';
import { rolloutPoseDmp, rolloutToJointTrajectory, type PoseRollout, type ScalingReport } from './dmp/index.js';
import {
  handOf,
  SkillFailure,
  type ArmState,
  type CompiledStep,
  type Motion,
  type MotionContext,
  type PrimitiveImpl,
} from './primitives.js';
import { freeMove, NoFreeMotion } from './free-motion.js';
import { describeContact, type PathInput } from '../collision/index.js';
import type { ArgValue, PrimitiveDefinition, SkillParam } from './registry.js';
import { timeParameterize } from './trajectory/index.js';
import { approachPath } from './motion-skills/approach.js';
import { motionSkillData } from './motion-skills/data.js';

export { approachPath } from './motion-skills/approach.js';
export {
  MOTION_SKILL_FORMAT,
  motionDataProblem,
  motionSkillData,
  motionSkillDataSchema,
  poseDmpSchema,
  type MotionSkillData,
} from './motion-skills/data.js';
export { MotionTeaching, motionSkillFromDemonstration, type MotionSkillOptions } from './motion-skills/learn.js';

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

export interface CompileMotionOptions {
  /** 'dmp' (keep the demonstrated timing, slowed if needed) or 'optimal' */
  timing?: 'dmp' | 'optimal';
  /** movement time override, s (temporal scaling) */
  duration?: number;
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
  const dmp = data.dmp;
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
      // With the planning scene, other arm postures at the same start, in case the first ones
      // fold the arm into itself or an obstacle along the motion (seeded: same result every time).
      if (ctx.collision)
        for (let k = 0; k < EXTRA_POSTURES; k++)
          tries.push(() => ik(ctx.ik.solve(relStart, { seed: postureSeed(ctx, k), maxRestarts: 0 })));
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
    // The motion itself must touch nothing (the move to its start is planned around obstacles below).
    const hit = j.ok && j.trajectory ? clash(ctx, start, j.trajectory) : null;
    if (hit) {
      why = `the motion ${hit}`;
      if (!best) best = { rollout: r, joints: { ...j, ok: false, reason: why }, c };
      continue;
    }
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
    const label = `move to the start of ${skill.name} ${what}`;
    motions.push({
      kind: 'trajectory',
      label,
      trajectory: timeParameterize(startPath(ctx, start, chosen.q, label), ctx.model, {
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

/** arm postures tried beyond the first three for a motion's start when the first ones collide */
const EXTRA_POSTURES = 6;

/** A deterministic IK seed for posture k: the home posture with its joints spread over their ranges. */
function postureSeed(ctx: MotionContext, k: number): number[] {
  const home = ctx.model.home;
  return ctx.model.arm.map((j, i) => {
    // Golden-ratio spread: posture k moves joint i to a different fraction of its range.
    const f = ((k + 1) * 0.618034 * (i + 1)) % 1;
    const lo = Number.isFinite(j.lower) ? j.lower : -Math.PI,
      hi = Number.isFinite(j.upper) ? j.upper : Math.PI;
    return i % 2 === k % 2 ? home[i] : lo + 0.1 * (hi - lo) + 0.8 * (hi - lo) * f;
  });
}

/** The first unintended contact along a motion from arm state `s`, as "would hit …", or null. */
function clash(ctx: MotionContext, s: ArmState, trajectory: PathInput): string | null {
  if (!ctx.collision) return null;
  const hand = handOf(ctx, s);
  const hit = ctx.collision.withHand(hand, (c) => c.checkPath(trajectory, { gripper: s.gripper }));
  return hit ? describeContact(hit) : null;
}

/** The move to a motion's start: clear of the table, and around obstacles when the planning scene is known. */
function startPath(ctx: MotionContext, s: ArmState, q: number[], label: string): number[][] {
  const path = approachPath(ctx, s.q, q);
  if (!ctx.collision || !clash(ctx, s, path)) return path;
  try {
    return freeMove(ctx.collision, ctx.model, s.q, q, handOf(ctx, s), label);
  } catch (err) {
    if (err instanceof NoFreeMotion) throw new SkillFailure(`I can't ${label} without hitting something: ${err.message}`);
    throw err;
  }
}

function add(a: ArrayLike<number>, b: ArrayLike<number>): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
