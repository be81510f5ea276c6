/**
 * Previews: a validated plan compiled from the current arm state, every trajectory checked by
 * the same safety check the guard applies. The preview is exactly what confirm executes.
 */
import { describeContact } from '../collision/index.js';
import { checkTrajectory } from '../robot-bridge/safety/index.js';
import { compilePlan, handOf, type ArmState, type CompiledStep } from '../skills/primitives.js';
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

/** Compile a validated plan from `arm` and check every trajectory. Throws SkillFailure when a step cannot be compiled. */
export function compilePreview(deps: SessionDeps, plan: Plan, arm: ArmState): Preview {
  // The scene as it is now: the primitives plan around it, and every motion is checked against it.
  deps.collision?.refresh(arm.q, arm.gripper);
  const compiled = compilePlan(deps.registry, plan, deps.motion, arm);
  const totals = { duration: 0, maxJointSpeed: 0, points: 0 };
  // Each step starts where the previous one ended: the hand as the plan predicts it (held, released).
  const steps = compiled.map((step, i) => describeStep(deps, step, totals, i === 0 ? arm : compiled[i - 1].end));
  return { plan, steps, summary: previewSummary(compiled.length, totals), safe: steps.every((st) => st.safe), compiled };
}

/**
 * What the preview shows of one compiled step: each motion's duration, and whether every
 * trajectory passes the safety check and the collision check (the first failure's reason, and
 * for a collision the contact). Adds to `totals`. `start`: the arm state the step starts from,
 * for the collision check (without it, only the safety check runs).
 */
export function describeStep(deps: SessionDeps, step: CompiledStep, totals: PreviewTotals, start?: ArmState): PreviewStep {
  const { motion, safety, backend } = deps;
  const out: PreviewStep = { call: formatCall(step.call), motions: [], safe: true };
  let elapsed = 0;
  // Only the gripper changes within a step while trajectories run (grasp and release have none).
  let hand = start && deps.collision ? handOf(deps.motion, start) : null;
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
        const hit = deps.collision.checkTrajectory(m.trajectory, { ...hand, ...(m.allow ? { allow: m.allow } : {}) });
        if (!hit.ok) {
          out.safe = false;
          const t = (hit.contact.time ?? 0) + elapsed;
          out.reason = describeContact(hit.contact, elapsed);
          out.contact = { a: hit.contact.a, b: hit.contact.b, point: [...hit.contact.point] as [number, number, number], time: t };
        }
      }
    } else if (m.kind === 'wait') d = m.seconds;
    else {
      // seconds for the fingers to travel from where they are now
      const g = motion.model.gripper;
      d = g ? Math.abs(m.command.position - backend.gripperPosition()) / g.velocity : 0;
      if (hand) hand = { ...hand, gripper: m.command.position };
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
