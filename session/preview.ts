/**
 * Previews: a validated plan compiled from the current arm state, every trajectory checked by
 * the same safety check the guard applies. The preview is exactly what confirm executes.
 */
import { checkTrajectory } from '../robot-bridge/safety/index.js';
import { compilePlan, type ArmState, type CompiledStep } from '../skills/primitives.js';
import { formatCall, type Plan } from '../skills/registry.js';
import { trajectorySummary } from '../skills/trajectory/index.js';
import type { Preview, PreviewStep, PreviewTotals, SessionDeps } from './types.js';

export function previewSummary(steps: number, t: PreviewTotals): Preview['summary'] {
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return { steps, duration: r3(t.duration), maxJointSpeed: r3(t.maxJointSpeed), trajectoryPoints: t.points };
}

/** Compile a validated plan from `arm` and check every trajectory. Throws SkillFailure when a step cannot be compiled. */
export function compilePreview(deps: SessionDeps, plan: Plan, arm: ArmState): Preview {
  const compiled = compilePlan(deps.registry, plan, deps.motion, arm);
  const totals = { duration: 0, maxJointSpeed: 0, points: 0 };
  const steps = compiled.map((step) => describeStep(deps, step, totals));
  return { plan, steps, summary: previewSummary(compiled.length, totals), safe: steps.every((st) => st.safe), compiled };
}

/**
 * What the preview shows of one compiled step: each motion's duration, and whether every
 * trajectory passes the safety check (the first failure's reason). Adds to `totals`.
 */
export function describeStep(deps: SessionDeps, step: CompiledStep, totals: PreviewTotals): PreviewStep {
  const { motion, safety, backend } = deps;
  const out: PreviewStep = { call: formatCall(step.call), motions: [], safe: true };
  for (const m of step.motions) {
    let d = 0;
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
    } else if (m.kind === 'wait') d = m.seconds;
    else {
      // seconds for the fingers to travel from where they are now
      const g = motion.model.gripper;
      d = g ? Math.abs(m.command.position - backend.gripperPosition()) / g.velocity : 0;
    }
    totals.duration += d;
    out.motions.push({ label: m.label, kind: m.kind, duration: d });
  }
  return out;
}
