/**
 * Turns the session's Preview (compiled steps with their JointTrajectory motions, exactly what
 * will execute) into the console's PreviewInfo: one timeline of keyframes the ghost arm plays,
 * and the tool centre point path drawn as a line.
 *
 * The keyframes are the trajectory points themselves, not a resampling, so what the operator
 * scrubs through is what the controller will be sent. Gripper motions and waits add hold frames.
 */
import type { RobotModel } from '../model/description/robot-model.js';
import { compilePlan, SkillFailure, type CompiledStep } from '../skills/primitives.js';
import { formatCall, formatPlan, type Plan } from '../skills/registry.js';
import { previewSummary, type Preview, type PreviewStep, type Session } from '../session/session.js';
import type { PreviewInfo } from './protocol.js';

export interface PreviewBuildOptions {
  id: string;
  utterance: string;
  /** the session holds it pending (confirm will execute it) */
  confirmable: boolean;
  autoConfirm: boolean;
  /** arm joints and gripper before the first motion */
  startQ: readonly number[];
  startGripper: number;
}

export function buildPreviewInfo(preview: Preview, model: RobotModel, opts: PreviewBuildOptions): PreviewInfo {
  const dof = model.dof;
  const t: number[] = [];
  const q: number[] = [];
  const gripper: number[] = [];
  const stepOf: number[] = [];
  const gspec = model.gripper;
  let T = 0;
  let curQ: readonly number[] = opts.startQ;
  let curG = opts.startGripper;
  const push = (time: number, qq: readonly number[], g: number, step: number) => {
    t.push(round(time, 4));
    for (let i = 0; i < dof; i++) q.push(round(qq[i] ?? 0, 5));
    gripper.push(round(g, 5));
    stepOf.push(step);
  };

  const steps: PreviewInfo['steps'] = [];
  preview.compiled.forEach((step, si) => {
    const stepStart = T;
    const info = preview.steps[si];
    const motions: PreviewInfo['steps'][number]['motions'] = [];
    for (const m of step.motions) {
      const mStart = T;
      if (m.kind === 'trajectory') {
        const pts = m.trajectory.points;
        for (const p of pts) push(T + p.timeFromStart, p.positions, curG, si);
        if (pts.length) curQ = pts[pts.length - 1].positions;
        T += pts.length ? pts[pts.length - 1].timeFromStart : 0;
      } else if (m.kind === 'gripper') {
        const target = m.command.position;
        const d = gspec && gspec.velocity > 0 ? Math.abs(target - curG) / gspec.velocity : 0;
        push(T, curQ, curG, si);
        T += d;
        curG = target;
        push(T, curQ, curG, si);
      } else {
        push(T, curQ, curG, si);
        T += m.seconds;
        push(T, curQ, curG, si);
      }
      motions.push({ label: m.label, kind: m.kind, start: round(mStart, 4), duration: round(T - mStart, 4) });
    }
    steps.push({
      call: info?.call ?? step.call.skill,
      motions,
      start: round(stepStart, 4),
      duration: round(T - stepStart, 4),
      safe: info?.safe ?? true,
      ...(info?.reason ? { reason: info.reason } : {}),
      ...(info?.contact ? { contact: info.contact } : {}),
    });
  });
  if (t.length === 0) push(0, curQ, curG, 0);

  // Tool centre path by forward kinematics of every keyframe (column-major Mat4: translation at 12..14).
  const path: number[] = [];
  const frame = new Array<number>(dof);
  let maxToolSpeed = 0;
  for (let i = 0; i < t.length; i++) {
    for (let j = 0; j < dof; j++) frame[j] = q[i * dof + j];
    const m = model.tipPose(frame);
    path.push(round(m[12], 5), round(m[13], 5), round(m[14], 5));
    if (i > 0) {
      const dt = t[i] - t[i - 1];
      if (dt > 1e-6) {
        const k = i * 3;
        const v = Math.hypot(path[k] - path[k - 3], path[k + 1] - path[k - 2], path[k + 2] - path[k - 1]) / dt;
        if (v > maxToolSpeed) maxToolSpeed = v;
      }
    }
  }

  return {
    id: opts.id,
    utterance: opts.utterance,
    plan: preview.plan.map((c) => ({ skill: c.skill, args: { ...c.args } })),
    planText: formatPlan(preview.plan),
    steps,
    summary: {
      steps: preview.compiled.length,
      duration: round(T, 3),
      maxJointSpeed: preview.summary.maxJointSpeed,
      maxToolSpeed: round(maxToolSpeed, 3),
      trajectoryPoints: preview.summary.trajectoryPoints,
    },
    safe: preview.safe,
    confirmable: opts.confirmable && preview.safe,
    autoConfirm: opts.autoConfirm,
    timeline: { t, q, gripper, step: stepOf },
    path,
    ...(preview.frames !== undefined ? { frames: preview.frames } : {}),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * Is the preview still what executing would do? False (with a reason) when the arm is not at
 * the planned start or a target moved since the preview was compiled. The same tolerances as
 * the session's own re-planning check.
 */
export function previewStillValid(
  preview: Preview,
  armQ: readonly number[],
  locate: (entity: string) => readonly number[] | undefined,
  tol: { joint: number; target: number } = { joint: 0.02, target: 0.01 },
): { ok: true } | { ok: false; reason: string } {
  const first = preview.compiled[0]?.motions.find((m) => m.kind === 'trajectory');
  if (first && first.kind === 'trajectory') {
    const p0 = first.trajectory.points[0]?.positions ?? [];
    let worst = 0;
    for (let i = 0; i < p0.length; i++) worst = Math.max(worst, Math.abs(p0[i] - (armQ[i] ?? 0)));
    if (worst > tol.joint) return { ok: false, reason: `the arm moved ${((worst * 180) / Math.PI).toFixed(1)}° since the preview` };
  }
  for (const step of preview.compiled) {
    if (!step.targetAt) continue;
    const now = locate(step.targetAt.entity);
    if (!now) return { ok: false, reason: `${step.targetAt.entity} can no longer be located` };
    const p = step.targetAt.position;
    const d = Math.hypot(now[0] - p[0], now[1] - p[1], now[2] - p[2]);
    if (d > tol.target) return { ok: false, reason: `${step.targetAt.entity} moved ${(d * 100).toFixed(1)} cm since the preview` };
  }
  return { ok: true };
}

/**
 * A plan that cannot be compiled all the way (an unreachable pose, a target that cannot be
 * located): compile it step by step and stop at the first failure, so the console can show the
 * steps that do plan, the failing one in red with the reason, and what was not planned.
 * Never confirmable: the session holds no pending plan for it.
 */
export function partialPreview(session: Session, plan: Plan): Preview {
  const { registry, motion } = session.deps;
  let state = session.armState();
  const compiled: CompiledStep[] = [];
  const steps: PreviewStep[] = [];
  const totals = { duration: 0, maxJointSpeed: 0, points: 0 };
  let failure: string | null = null;
  for (const call of registry.expand(plan)) {
    if (failure) {
      compiled.push({ call, motions: [], end: state });
      steps.push({ call: formatCall(call), motions: [], safe: false, reason: 'not planned: an earlier step cannot be carried out' });
      continue;
    }
    try {
      const [step] = compilePlan(registry, [call], motion, state);
      steps.push(session.describeStep(step, totals));
      compiled.push(step);
      state = step.end;
    } catch (err) {
      failure = (err as Error).message;
      compiled.push({ call, motions: [], end: state });
      // A collision refusal says where, so the console can mark the point.
      const c = err instanceof SkillFailure ? err.contact : undefined;
      const contact = c ? { ...c, point: [...c.point] as [number, number, number] } : undefined;
      steps.push({ call: formatCall(call), motions: [], safe: false, reason: failure, ...(contact ? { contact } : {}) });
    }
  }
  return { plan, steps, summary: previewSummary(compiled.length, totals), safe: false, compiled };
}
