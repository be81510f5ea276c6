/**
 * Running compiled motions on the (guarded) backend: trajectories, gripper commands and waits,
 * in order, with progress events. Used by confirm (whole plans) and by the studio's shoot (one
 * segment of a confirmed camera move).
 */
import { SkillFailure, type CompiledStep } from '../skills/primitives.js';
import type { SessionCore } from './core.js';

export const STOPPED = 'stopped by the operator';

/** Run one compiled step's motions; throws SkillFailure on the first that fails or when `stopped()` turns true. */
export async function runStep(core: SessionCore, step: CompiledStep, index: number, stopped: () => boolean): Promise<void> {
  const { backend, world } = core.deps;
  for (const [mi, m] of step.motions.entries()) {
    if (stopped()) throw new SkillFailure(STOPPED);
    core.emit({ type: 'progress', step: index, motion: mi, label: m.label, fraction: 0, t: Date.now() });
    if (m.kind === 'trajectory') {
      const exec = backend.executeTrajectory(m.trajectory, {
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
