/**
 * Previews: a validated plan compiled from the current arm state, every trajectory checked by
 * the same safety check the guard applies. The preview is exactly what confirm executes.
 */
import { checkTrajectory } from '../robot-bridge/safety/index.js';
import { compilePlan, type ArmState, type CompiledStep } from '../skills/primitives.js';
import { formatCall, formatPlan, type Plan } from '../skills/registry.js';
import { trajectorySummary } from '../skills/trajectory/index.js';
import { checkFrameMove, FrameMoveError, planFrameMove } from '../studio/frame-move.js';
import type { SessionCore } from './core.js';
import { askAboutStep, stepQuestion } from './teaching.js';
import type { Preview, PreviewStep, PreviewTotals, SessionDeps, Source, Turn } from './types.js';

export function previewSummary(steps: number, t: PreviewTotals): Preview['summary'] {
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return { steps, duration: r3(t.duration), maxJointSpeed: r3(t.maxJointSpeed), trajectoryPoints: t.points };
}

/**
 * What a preview predicts about the hand as the plan goes: the gripper opening, the object in
 * it (and the configuration it was grasped at), the objects let go of earlier in the plan
 * (where they land is not known until they do). Collision checks of later steps use it.
 */
export interface PredictedHand {
  gripper: number;
  /** undefined: as the world holds now; null: nothing; else the body grasped during the plan */
  held: { name: string; graspQ: number[]; graspGripper: number } | null | undefined;
  /** bodies released earlier in the plan */
  released: string[];
  /** arm joints at the end of the last trajectory */
  q: number[];
}

/** Compile a validated plan from `arm` and check every trajectory. Throws SkillFailure when a step cannot be compiled. */
export function compilePreview(deps: SessionDeps, plan: Plan, arm: ArmState): Preview {
  // The scene as it is now: the primitives plan around it, and every motion is checked against it.
  deps.collision?.refresh(arm.q, arm.gripper);
  const compiled = compilePlan(deps.registry, plan, deps.motion, arm);
  const totals = { duration: 0, maxJointSpeed: 0, points: 0 };
  const hand: PredictedHand = { gripper: arm.gripper, held: undefined, released: [], q: [...arm.q] };
  const steps = compiled.map((step) => describeStep(deps, step, totals, hand));
  return { plan, steps, summary: previewSummary(compiled.length, totals), safe: steps.every((st) => st.safe), compiled };
}

/** The scene body an entity stands for, if any. */
function bodyOf(deps: SessionDeps, entity: string | null | undefined): string | null {
  const e = entity ? deps.world.get(entity) : undefined;
  return e?.source.type === 'body' ? e.source.body : null;
}

/**
 * What the preview shows of one compiled step: each motion's duration, and whether every
 * trajectory passes the safety check and the collision check (the first failure's reason, and
 * for a collision the contact). Adds to `totals`; `hand` follows the plan when given.
 */
export function describeStep(deps: SessionDeps, step: CompiledStep, totals: PreviewTotals, hand?: PredictedHand): PreviewStep {
  const { motion, safety, backend } = deps;
  const out: PreviewStep = { call: formatCall(step.call), motions: [], safe: true };
  let elapsed = 0;
  for (const m of step.motions) {
    let d: number;
    if (m.kind === 'trajectory') {
      const s = trajectorySummary(m.trajectory);
      d = s.duration;
      totals.maxJointSpeed = Math.max(totals.maxJointSpeed, s.maxJointSpeed);
      totals.points += s.points;
      const check = checkTrajectory(m.trajectory, motion.model, safety, m.trajectory.points[0]?.positions ?? []);
      if (!check.ok && out.safe) {
        out.safe = false;
        out.reason = check.reason;
      }
      if (deps.collision && hand && out.safe) {
        const hit = deps.collision.checkTrajectory(m.trajectory, {
          gripper: hand.gripper,
          ...(m.allow ? { allow: m.allow } : {}),
          ...(hand.held !== undefined ? { held: hand.held } : {}),
          without: hand.released,
        });
        if (!hit.ok) {
          out.safe = false;
          const t = (hit.contact.time ?? 0) + elapsed;
          out.reason = hit.reason.replace(/ at [\d.]+ s,/, ` at ${t.toFixed(2)} s,`);
          out.contact = { a: hit.contact.a, b: hit.contact.b, point: [...hit.contact.point] as [number, number, number], time: t };
        }
      }
      if (hand) hand.q = [...(m.trajectory.points.at(-1)?.positions ?? hand.q)];
    } else if (m.kind === 'wait') d = m.seconds;
    else {
      // seconds for the fingers to travel from where they are now
      const g = motion.model.gripper;
      d = g ? Math.abs(m.command.position - backend.gripperPosition()) / g.velocity : 0;
      if (hand) {
        if (m.grasping !== undefined) {
          // Closing: what it closes on is held from now on, where it is relative to the hand now.
          const body = bodyOf(deps, m.grasping);
          hand.held = body ? { name: body, graspQ: [...hand.q], graspGripper: hand.gripper } : null;
        } else if (hand.held !== null) {
          // Opening: whatever was held is let go of; where it lands is known only once it does.
          const was = hand.held === undefined ? bodyOf(deps, deps.world.held) : hand.held.name;
          if (was) hand.released.push(was);
          hand.held = null;
        }
        hand.gripper = m.command.position;
      }
    }
    elapsed += d;
    totals.duration += d;
    out.motions.push({ label: m.label, kind: m.kind, duration: d });
  }
  return out;
}

/** Validate, compile and safety-check a plan; on success it is pending (previewing) until confirm(). */
export function propose(core: SessionCore, utterance: string, plan: Plan, by: Source, frames?: number): Turn {
  const { registry, world } = core.deps;
  const lesson = core.state.lesson;
  // Whatever was pending or asked is replaced by this command, whether or not it can run.
  const leave = () => {
    const s = core.state;
    if (s.kind === 'previewing' || s.kind === 'asking') core.enter({ kind: 'idle', lesson }, 'replaced');
  };
  const refuse = (kind: 'question' | 'plan', reply: string, extra: Partial<Turn> = {}) => {
    leave();
    if (lesson) {
      // In a lesson a refused step is not silently left out: ask what to do.
      const question = stepQuestion(lesson, utterance);
      askAboutStep(core, utterance, question, 'step_refused');
      reply = `${reply}${/[.!?]$/.test(reply) ? '' : '.'} ${question}`;
    }
    return core.finish({ utterance, kind, reply, plan, executed: false, outcome: 'not_run', ...extra });
  };
  if (frames !== undefined && plan.length !== 1) {
    return refuse('question', `I split one camera move at a time into frames, e.g. "track around the tower over ${frames} frames".`);
  }
  const valid = registry.validatePlan(plan, { entities: world.names() });
  if (!valid.ok) return refuse('question', `I can't do that as planned: ${valid.errors.join('; ')}`);
  let preview: Preview;
  try {
    preview = compilePreview(core.deps, valid.plan, core.arm());
  } catch (err) {
    const reason = (err as Error).message;
    return refuse('plan', `Here is my plan: ${formatPlan(plan)}, but I can't carry it out: ${reason}`, {
      outcome: 'failed',
      failure: reason,
    });
  }
  if (!preview.safe) {
    const bad = preview.steps.find((st) => !st.safe)!;
    const reason = bad.contact ? `${bad.call} ${bad.reason}` : `${bad.call} fails a safety check: ${bad.reason}`;
    return refuse('plan', `Here is my plan: ${formatPlan(plan)}, but ${reason}`, {
      preview: preview.summary,
      outcome: 'failed',
      failure: reason,
    });
  }
  if (frames !== undefined) {
    // Split now so a move that cannot be posed is refused before anything moves.
    const { model, config } = core.deps.motion;
    try {
      const split = planFrameMove(preview.compiled[preview.compiled.length - 1], frames, model, { speedScale: config.speedScale });
      const check = checkFrameMove(split, model, core.deps.safety);
      if (!check.ok)
        return refuse('plan', `Here is my plan: ${formatPlan(plan)} over ${frames} frames, but ${check.reason}`, {
          preview: preview.summary,
          outcome: 'failed',
          failure: check.reason,
        });
    } catch (err) {
      if (!(err instanceof FrameMoveError)) throw err;
      return refuse('question', `I can't shoot that over ${frames} frames: ${err.message}.`);
    }
    preview.frames = frames;
  }
  const turn: Turn = {
    utterance,
    kind: 'plan',
    reply: `Sure, here is my plan: ${formatPlan(plan)}${frames !== undefined ? `, over ${frames} frames: the camera stops at ${frames} poses along this path and waits for "shoot" at each` : ''}`,
    plan,
    preview: preview.summary,
    executed: false,
    outcome: 'not_run',
  };
  core.enter({ kind: 'previewing', lesson, preview, turn, proposedBy: by }, 'plan');
  core.finish(turn);
  core.emit({ type: 'preview', preview, t: Date.now() });
  return turn;
}
