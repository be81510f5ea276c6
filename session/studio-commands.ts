/**
 * The stop-motion studio in the dialogue: "shoot" (a frame at the pose held; in a move split
 * into frames, then on to the next pose along the confirmed path), "delete the last frame",
 * "new film called X". The studio itself (films, cameras) answers through StudioHooks.
 */
import { answer, type SessionCore } from './core.js';
import { maxAbsDiff, runStep, STOPPED } from './execute.js';
import type { DialogueState } from './state.js';
import { NO_STUDIO_REPLY, type StudioHooks, type Turn } from './types.js';

/** How far (rad) the arm may be from the pose a frame move holds before the move is over. */
const POSE_TOL = 0.02;

type Framing = Extract<DialogueState, { kind: 'framing' }>;

/** End a move split into frames (all shot, cancelled, stopped…): idle, and what to tell the operator. */
export function endFrameMove(core: SessionCore, reason: string): string {
  const s = core.state;
  if (s.kind !== 'framing') return '';
  core.enter({ kind: 'idle', lesson: s.lesson }, reason);
  return reason === 'finished'
    ? `That was the last of the ${s.move.total} frames of ${s.move.call}.`
    : `The ${s.move.call} move ended at pose ${s.index} of ${s.move.total}.`;
}

export async function shoot(core: SessionCore, studio: StudioHooks | null, utterance: string, posedBy: string | null): Promise<Turn> {
  if (!studio) return answer(core, utterance, 'error', NO_STUDIO_REPLY, 'no stop-motion studio');
  const s = core.state;
  if (s.kind === 'executing' || (s.kind === 'framing' && s.moving))
    return answer(
      core,
      utterance,
      'question',
      'The camera is still moving; I take a frame once it holds still. Say "shoot" again when it stops.',
    );
  const fm = s.kind === 'framing' ? s : null;
  if (fm && maxAbsDiff(fm.move.poses[fm.index - 1], core.deps.backend.jointState().position) > POSE_TOL) {
    // Something moved the arm off the confirmed path: never jump back onto it unasked.
    const why = `the camera is no longer at pose ${fm.index} of ${fm.move.total}`;
    return answer(core, utterance, 'error', `I didn't take the picture: ${why}, so the move is over. ${endFrameMove(core, why)}`, why);
  }
  let saved: string;
  try {
    saved = await studio.shoot({ posedBy: fm?.move.call ?? posedBy, ...(fm ? { note: `pose ${fm.index} of ${fm.move.total}` } : {}) });
  } catch (err) {
    const why = (err as Error).message;
    const still = fm && core.state === fm ? ` The camera holds pose ${fm.index} of ${fm.move.total}; say "shoot" to try again.` : '';
    return answer(core, utterance, 'error', `I couldn't take the picture: ${why}${/[.!?]$/.test(why) ? '' : '.'}${still}`, why);
  }
  if (!fm || core.state !== fm) return answer(core, utterance, 'plan', saved);
  const { move } = fm;
  const last = fm.index >= move.total;
  const motions = last
    ? move.tail
    : [
        {
          kind: 'trajectory' as const,
          label: `${move.call}: pose ${fm.index} to ${fm.index + 1} of ${move.total}`,
          trajectory: move.segments[fm.index - 1],
        },
      ];
  if (motions.length) {
    const moving: Framing = { ...fm, moving: true, stopRequested: false };
    core.enter(moving, 'shoot');
    try {
      await runStep(core, { call: move.head.call, motions, end: move.head.end }, 0, () => moving.stopRequested);
    } catch (err) {
      const why = moving.stopRequested ? STOPPED : (err as Error).message;
      const ended = core.state === moving ? endFrameMove(core, why === STOPPED ? 'stop' : why) : '';
      if (why === STOPPED) return answer(core, utterance, 'plan', `${saved} I stopped, as you asked.`);
      return answer(core, utterance, 'plan', `${saved} The camera could not move on: ${why}. ${ended}`.trimEnd());
    }
    // Cancelled or stopped while moving: the move was already ended.
    if (core.state !== moving) return answer(core, utterance, 'plan', `${saved} The move was ended.`);
  }
  if (last) return answer(core, utterance, 'plan', `${saved} ${endFrameMove(core, 'finished')}`);
  core.enter({ ...fm, index: fm.index + 1, moving: false, stopRequested: false }, 'posed');
  return answer(core, utterance, 'plan', `${saved} The camera is at pose ${fm.index + 1} of ${move.total}.`);
}

/** "delete the last frame", "new film called X": the studio answers. */
export async function studioCommand(
  core: SessionCore,
  studio: StudioHooks | null,
  utterance: string,
  run: (s: StudioHooks) => Promise<string>,
): Promise<Turn> {
  if (!studio) return answer(core, utterance, 'error', NO_STUDIO_REPLY, 'no stop-motion studio');
  try {
    return answer(core, utterance, 'plan', await run(studio));
  } catch (err) {
    const why = (err as Error).message;
    return answer(core, utterance, 'error', why, why);
  }
}
