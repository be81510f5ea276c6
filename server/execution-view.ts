/**
 * What the consoles see of a running plan: which step, how far each step got (0..1, from the
 * session's progress events mapped onto the preview's timeline), the outcome. One value, replaced
 * on every change, so each change is one `execution` message.
 */
import type { SessionEvent } from '../session/session.js';
import type { ExecutionState, PreviewInfo } from './protocol.js';

export const IDLE_EXECUTION: ExecutionState = { active: false, previewId: null, step: -1, stepFractions: [], outcome: null, failure: null };

type ExecutionEvent = Extract<SessionEvent, { type: 'execution' | 'progress' | 'step' }>;

/** The next execution state after a session event, or null when the event changes nothing shown. */
export function nextExecution(ex: ExecutionState, e: ExecutionEvent, preview: PreviewInfo | null): ExecutionState | null {
  switch (e.type) {
    case 'execution':
      if (e.status === 'started') {
        const n = preview?.steps.length ?? 0;
        return {
          active: true,
          previewId: preview?.id ?? null,
          step: 0,
          stepFractions: new Array<number>(n).fill(0),
          outcome: null,
          failure: null,
        };
      }
      return { ...ex, active: false, outcome: e.outcome ?? null, failure: e.failure ?? null };
    case 'progress': {
      const step = preview?.steps[e.step];
      if (!step || !ex.active) return null;
      const motion = step.motions[e.motion];
      const within = motion ? motion.start - step.start + e.fraction * motion.duration : 0;
      const fr = [...ex.stepFractions];
      fr[e.step] = step.duration > 0 ? Math.min(1, within / step.duration) : 1;
      return { ...ex, step: e.step, stepFractions: fr };
    }
    case 'step': {
      if (!ex.active) return null;
      if (e.status === 'started') return { ...ex, step: e.index };
      if (e.status === 'succeeded' && e.index >= 0) {
        const fr = [...ex.stepFractions];
        fr[e.index] = 1;
        return { ...ex, stepFractions: fr };
      }
      if (e.status === 'failed') return { ...ex, failure: e.reason ?? null };
      return ex;
    }
  }
}
