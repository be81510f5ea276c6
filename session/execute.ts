/**
 * Running compiled motions on the (guarded) backend: trajectories, gripper commands and waits,
 * in order, with progress events. Used by confirm (whole plans) and by the studio's shoot (one
 * segment of a confirmed camera move).
 */
import { compilePlan, SkillFailure, type ArmState, type CompiledStep } from '../skills/primitives.js';
import { formatCall, formatPlan } from '../skills/registry.js';
import { checkFrameMove, planFrameMove, type FrameMovePlan } from '../studio/frame-move.js';
import { answer, type SessionCore } from './core.js';
import { stepQuestion } from './teaching.js';
import type { LastPlanned } from './library-commands.js';
import type { DialogueState } from './state.js';
import type { Turn } from './types.js';

export type Executing = Extract<DialogueState, { kind: 'executing' }>;

export const STOPPED = 'stopped by the operator';

/** What the session remembers beside its state: the last command, where the gripper is, what posed the camera. */
export interface SessionMemory {
  /** the last planned command, for "no, the other one" */
  lastPlanned: LastPlanned | null;
  /** the entity the gripper is at (after a goto), so grasp knows what to expect */
  at: string | null;
  /** the call that last moved the arm (a frame's "posed by"); null until something ran */
  posedBy: string | null;
}

/** How far (rad) the arm may be from a step's planned start before the step is re-planned. */
const REPLAN_JOINT_TOL = 0.02;
/** How far (m) a target may move between preview and execution before re-planning. */
const REPLAN_TARGET_TOL = 0.01;

/**
 * Run a confirmed plan (the session is in `exec`): step by step through the guarded backend,
 * re-planning the rest when the world or the arm is not where the preview assumed, and for
 * "… over N frames" stopping at the camera move's first pose. Ends in idle or framing.
 * `stopAfter` (seconds of backend time after the start) triggers an operator stop mid-motion,
 * for scripts and tests.
 */
export async function executePlan(
  core: SessionCore,
  exec: Executing,
  memory: SessionMemory,
  opts: { stopAfter?: number; stop: () => Promise<void> },
): Promise<Turn> {
  const { turn, preview } = exec;
  const { backend, world, registry, motion } = core.deps;
  turn.executed = true;
  const notes: string[] = [];
  let unsubscribeStop: (() => void) | undefined;
  if (opts.stopAfter !== undefined) {
    const t0 = backend.now();
    const at = opts.stopAfter;
    unsubscribeStop = backend.onJointState((js) => {
      if (js.stamp - t0 >= at && !exec.stopRequested) void opts.stop();
    });
  }
  let steps = preview.compiled;
  let split: FrameMovePlan | null = null;
  core.emit({ type: 'execution', status: 'started', t: Date.now() });
  try {
    for (let i = 0; i < steps.length; i++) {
      let step = steps[i];
      if (exec.stopRequested) throw new SkillFailure(STOPPED);
      exec.step = i;
      // If the world or the arm is not where the preview assumed, re-plan the rest.
      const arm: ArmState = {
        q: [...backend.jointState().position],
        gripper: backend.gripperPosition(),
        held: world.held,
        lastTouched: world.lastTouched,
        at: memory.at,
      };
      const moved = step.targetAt && distance(world.position(step.targetAt.entity), step.targetAt.position) > REPLAN_TARGET_TOL;
      const firstTraj = step.motions.find((m) => m.kind === 'trajectory');
      const off =
        firstTraj && firstTraj.kind === 'trajectory' && maxAbsDiff(firstTraj.trajectory.points[0].positions, arm.q) > REPLAN_JOINT_TOL;
      if (moved || off) {
        notes.push(
          `re-planned from step ${i + 1} (${formatCall(step.call)}) because ${moved ? `${step.targetAt!.entity} moved` : 'the arm was not where the preview expected'}`,
        );
        core.deps.collision?.refresh(arm.q, arm.gripper);
        const rest = compilePlan(
          registry,
          steps.slice(i).map((st) => st.call),
          motion,
          arm,
        );
        steps = [...steps.slice(0, i), ...rest];
        step = steps[i];
      }
      if (preview.frames !== undefined && i === steps.length - 1) {
        // "… over N frames": run up to the camera move (ending at pose 1); the move itself goes pose by pose, one per shoot.
        split = planFrameMove(step, preview.frames, motion.model, { speedScale: motion.config.speedScale });
        const check = checkFrameMove(split, motion.model, core.deps.safety);
        if (!check.ok) throw new SkillFailure(check.reason);
        step = split.head;
      }
      core.emit({ type: 'step', index: i, call: formatCall(step.call), status: 'started', t: Date.now() });
      core.touched('step');
      await runStep(core, step, i, () => exec.stopRequested);
      world.lastTouched = step.end.lastTouched;
      memory.at = step.end.at ?? null;
      core.emit({ type: 'step', index: i, call: formatCall(step.call), status: 'succeeded', t: Date.now() });
    }
    turn.outcome = 'succeeded';
  } catch (err) {
    memory.at = null;
    split = null;
    turn.outcome = 'failed';
    // A stop taken on the watchdog's thread halts the arm before this thread hears of it: the
    // backend's reason says it was the operator's.
    const message = (err as Error).message;
    turn.failure = exec.stopRequested || message.endsWith(`preempted: ${STOPPED}`) ? STOPPED : message;
    core.emit({ type: 'step', index: -1, call: '', status: 'failed', reason: turn.failure, t: Date.now() });
  } finally {
    unsubscribeStop?.();
  }
  const lesson = exec.lesson;
  if (turn.outcome === 'succeeded' && lesson && turn.plan && turn.plan.length) {
    lesson.steps.push({ utterance: turn.utterance, plan: turn.plan });
    core.emit({ type: 'teaching', status: 'step', name: lesson.name, steps: lesson.steps.length, t: Date.now() });
  }
  // The lesson may have ended meanwhile ("that's it" cannot, but a stop or cancel elsewhere may).
  const now = core.state.lesson;
  // A lesson step that failed (not one the operator stopped) is not silently left out: ask.
  const askStep = now && turn.outcome === 'failed' && turn.failure !== STOPPED && turn.plan?.length;
  const next: DialogueState = split
    ? { kind: 'framing', lesson: now, move: split, index: 1, moving: false, stopRequested: false }
    : askStep
      ? {
          kind: 'asking',
          lesson: now,
          question: stepQuestion(now, turn.utterance),
          expects: { kind: 'step', utterance: turn.utterance },
          utterance: turn.utterance,
          askedBy: exec.proposedBy ?? 'operator',
        }
      : { kind: 'idle', lesson: now };
  if (split) notes.push(`the camera holds pose 1 of ${split.total} of ${split.call}: say "shoot" to take each frame`);
  core.enter(
    next,
    turn.outcome === 'succeeded' ? 'execution_finished' : turn.failure === STOPPED ? 'execution_stopped' : 'execution_failed',
  );
  if (turn.plan?.length) memory.posedBy = formatPlan(turn.plan);
  if (notes.length) turn.notes = notes;
  core.emit({ type: 'execution', status: 'finished', outcome: turn.outcome, failure: turn.failure, t: Date.now() });
  core.emit({ type: 'turn', turn, t: Date.now() });
  if (next.kind === 'asking') answer(core, turn.utterance, 'question', next.question);
  return turn;
}

/** Run one compiled step's motions; throws SkillFailure on the first that fails or when `stopped()` turns true. */
export async function runStep(core: SessionCore, step: CompiledStep, index: number, stopped: () => boolean): Promise<void> {
  const { backend, world } = core.deps;
  for (const [mi, m] of step.motions.entries()) {
    if (stopped()) throw new SkillFailure(STOPPED);
    core.emit({ type: 'progress', step: index, motion: mi, label: m.label, fraction: 0, t: Date.now() });
    if (m.kind === 'trajectory') {
      const exec = backend.executeTrajectory(m.trajectory, {
        ...(m.allow ? { allow: m.allow } : {}),
        onProgress: (p) => core.emit({ type: 'progress', step: index, motion: mi, label: m.label, fraction: p.fraction, t: Date.now() }),
      });
      const outcome = await exec.done;
      if (outcome.status !== 'succeeded') throw new SkillFailure(`${m.label}: ${outcome.status}: ${outcome.reason}`);
    } else if (m.kind === 'gripper') {
      const r = await backend.gripper(m.command);
      if (r.error) throw new SkillFailure(`${m.label}: ${r.error}`);
      if (stopped()) throw new SkillFailure(STOPPED);
      if (m.grasping !== undefined) {
        // Closing: did we get something? A stalled gripper holds an object.
        if (m.grasping && !r.stalled) {
          world.held = null;
          throw new SkillFailure(`the gripper closed on nothing; ${m.grasping} was not grasped`);
        }
        world.held = r.stalled ? (m.grasping ?? null) : null;
      } else {
        world.held = null;
      }
    } else {
      await backend.wait(m.seconds);
    }
  }
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
