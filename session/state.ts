/**
 * The dialogue state: one value says what the session is doing. Each kind carries exactly the
 * data that is true in it, so impossible combinations cannot be written (a preview while the arm
 * moves, a hand-guided recording without a lesson, a question and a pending plan at once).
 *
 * A lesson (teaching a behavior or a motion skill) spans many turns: every state but `recording`
 * may have one, and `recording` must. The Session moves between states only through its event
 * methods (say, confirm, cancel, stop, point, demonstrate, shoot, disconnected); each transition
 * is emitted as a `state` event (the console's status pill, the JSONL log). The chart is in
 * ARCHITECTURE.md; test/session/state-machine.test.ts holds the (state, event) table.
 */
import type { HandGuidedRecording } from '../skills/demonstration/index.js';
import type { MotionTeaching } from '../skills/motion-skills.js';
import { formatPlan } from '../skills/registry.js';
import type { TeachingTrace } from '../planner/types.js';
import type { FrameMovePlan } from '../studio/frame-move.js';
import type { DialogueStateView, Preview, Source, Turn } from './types.js';

export type { DialogueStateView } from './types.js';

/** Teaching in progress: the steps that ran (a behavior) and the demonstrations given (a motion skill). */
export interface Lesson extends TeachingTrace {
  motion: MotionTeaching;
}

/** What answers an open question. */
export type Expectation =
  /** "Can you show me where LOTION is?": a point (a click, "it's here") */
  | { kind: 'point'; name: string; description: string }
  /** "I don't know how to pack yet. Teach me?": yes starts the lesson */
  | { kind: 'teach'; verb: string; mentions: string[] }
  /** "That's the GIFT_BAG. Is LOTION there?": the click landed on something already known */
  | { kind: 'there'; name: string; description: string; known: string; point: [number, number, number] }
  /** a lesson step failed or was refused: retry it, skip it, or end the lesson */
  | { kind: 'step'; utterance: string }
  /** any other question: the next command answers or replaces it */
  | { kind: 'reply' };

export type DialogueState =
  | { kind: 'idle'; lesson: Lesson | null }
  | {
      kind: 'asking';
      lesson: Lesson | null;
      question: string;
      expects: Expectation;
      /** the utterance that raised the question (yes to "Teach me?" learns from it) */
      utterance: string;
      askedBy: Source;
    }
  | {
      kind: 'previewing';
      lesson: Lesson | null;
      preview: Preview;
      turn: Turn;
      /** who asked for it; null once they left (anyone may then replace it) */
      proposedBy: Source | null;
    }
  | {
      kind: 'executing';
      lesson: Lesson | null;
      preview: Preview;
      turn: Turn;
      /** the step running (0-based) */
      step: number;
      /** a stop arrived; the run ends as soon as the backend has halted */
      stopRequested: boolean;
      proposedBy: Source | null;
    }
  | {
      kind: 'framing';
      lesson: Lesson | null;
      /** a confirmed camera move split into frames */
      move: FrameMovePlan;
      /** the pose held (1-based) of move.total */
      index: number;
      /** moving to the next pose after a shoot */
      moving: boolean;
      stopRequested: boolean;
    }
  | {
      kind: 'recording';
      lesson: Lesson;
      /** a demonstration recorded while a person guides the compliant real arm */
      recording: HandGuidedRecording;
      /** why switching back to the trajectory controller failed (motions are refused until it works) */
      restoreFailure: string | null;
    };

export type StateKind = DialogueState['kind'];
// The view's kinds are the state's kinds.
const _sameKinds: StateKind extends DialogueStateView['kind'] ? (DialogueStateView['kind'] extends StateKind ? true : never) : never = true;
void _sameKinds;
export const STATE_KINDS: readonly StateKind[] = ['idle', 'asking', 'previewing', 'executing', 'framing', 'recording'];

/** The same state with another lesson; `recording` keeps its own (it cannot be without one). */
export function withLesson(s: DialogueState, lesson: Lesson | null): DialogueState {
  if (s.kind === 'recording') return lesson ? { ...s, lesson } : { kind: 'idle', lesson: null };
  return { ...s, lesson };
}

export function viewState(s: DialogueState): DialogueStateView {
  const l = s.lesson;
  const lesson = l ? { name: l.name, steps: l.steps.length, demonstrations: l.motion.demonstrations.length } : null;
  const view: DialogueStateView = {
    kind: s.kind,
    label: stateLabel(s),
    lesson,
    question: null,
    expects: null,
    plan: null,
    proposedBy: null,
    step: null,
    frame: null,
  };
  switch (s.kind) {
    case 'asking':
      return { ...view, question: s.question, expects: s.expects.kind };
    case 'previewing':
      return { ...view, plan: formatPlan(s.preview.plan), proposedBy: s.proposedBy };
    case 'executing':
      return { ...view, plan: formatPlan(s.preview.plan), proposedBy: s.proposedBy, step: s.step };
    case 'framing':
      return { ...view, frame: { call: s.move.call, index: s.index, total: s.move.total, moving: s.moving } };
    default:
      return view;
  }
}

/** "Teaching pack · step 3", "Waiting for your confirmation", "Shooting track(TOWER) · frame 3 of 24". */
export function stateLabel(s: DialogueState): string {
  const parts: string[] = [];
  const l = s.lesson;
  if (l) {
    const demos = l.motion.demonstrations.length;
    const spoken = l.name.replace(/_/g, ' ');
    parts.push(
      demos && !l.steps.length
        ? `Teaching ${spoken} · ${demos} demonstration${demos === 1 ? '' : 's'}`
        : `Teaching ${spoken} · step ${l.steps.length + 1}`,
    );
  }
  switch (s.kind) {
    case 'idle':
      if (!l) parts.push('Ready');
      break;
    case 'asking':
      parts.push(askingLabel(s.expects));
      break;
    case 'previewing':
      parts.push(l ? 'confirm this step' : 'Waiting for your confirmation');
      break;
    case 'executing':
      parts.push(s.stopRequested ? 'Stopping' : `Moving · step ${s.step + 1} of ${s.preview.compiled.length}`);
      break;
    case 'framing':
      parts.push(
        s.moving
          ? `Shooting ${s.move.call} · moving to pose ${s.index + 1} of ${s.move.total}`
          : `Shooting ${s.move.call} · frame ${s.index} of ${s.move.total}`,
      );
      break;
    case 'recording':
      parts.push(s.restoreFailure ? 'arm still compliant' : 'recording by hand');
      break;
  }
  return parts.join(' · ');
}

function askingLabel(e: Expectation): string {
  switch (e.kind) {
    case 'point':
      return `Show me ${e.name}`;
    case 'teach':
      return `Teach ${e.verb.replace(/_/g, ' ')}?`;
    case 'there':
      return `Is ${e.name} at ${e.known}?`;
    case 'step':
      return 'Retry, skip or end the lesson?';
    case 'reply':
      return 'Waiting for your answer';
  }
}
