/**
 * Teaching: a lesson starts ("let me teach you to pack", yes to "Teach me?", "I'll show you how
 * to track around the hulk"), collects steps (each previewed, confirmed and run) or
 * demonstrations (recorded in the console, from a file, or by guiding a compliant real arm), and
 * ends with "that's it": a behavior or a motion skill in the library.
 */
import { HandGuidedRecording } from '../skills/demonstration/index.js';
import type { MotionSkill } from '../skills/library/library.js';
import { MotionTeaching } from '../skills/motion-skills.js';
import type { BehaviorDefinition } from '../skills/registry.js';
import { formatBody, formatSignature, liftBehavior } from '../planner/teach.js';
import { answer, type SessionCore } from './core.js';
import { withLesson, type Lesson } from './state.js';
import type { Turn } from './types.js';

const spokenName = (name: string) => name.replace(/_/g, ' ');

/** Start a lesson (the caller checked that nothing is running and no other console's plan is pending). */
export async function startTeaching(
  core: SessionCore,
  utterance: string,
  name: string,
  command: string,
  mentions: string[],
): Promise<Turn> {
  const { registry, world, motion, backend } = core.deps;
  const existing = registry.has(name) ? registry.get(name) : undefined;
  if (existing && ((existing.kind === 'primitive' && !existing.learned) || (existing.kind === 'behavior' && existing.builtin))) {
    return answer(core, utterance, 'question', `${name} is one of my built-in skills. What should the new behavior be called?`);
  }
  if (core.state.kind === 'recording' && !(await abortRecording(core, 'teach_start'))) {
    return answer(core, utterance, 'error', handGuidedEnded(core), restoreFailure(core));
  }
  // The same teaching can also be shown by guiding the arm: collect demonstrations around the
  // object named in the command (or the tool's current position). On a robot an object may be
  // known but not located yet (no TF frame): then the tool.
  const located = (m: string) => {
    try {
      return world.position(m);
    } catch {
      return null;
    }
  };
  const ref = mentions.find((m) => world.has(m) && located(m));
  const tip = motion.model.tipPose(backend.jointState().position);
  const lesson: Lesson = {
    name,
    command,
    mentions,
    steps: [],
    motion: new MotionTeaching(
      name,
      motion.model,
      ref ? { entity: ref, position: located(ref)! } : { entity: null, position: [tip[12], tip[13], tip[14]] },
    ),
  };
  core.enter({ kind: 'idle', lesson }, 'teach_start');
  core.emit({ type: 'teaching', status: 'started', name, steps: 0, t: Date.now() });
  const redefine = existing ? ` (this replaces the ${name} I know)` : '';
  const spoken = spokenName(name);
  const reply = (text: string) => answer(core, utterance, 'plan', text);
  // "I'll show you how to track around the hulk" asks for a kinesthetic demonstration.
  if (!/\bshow you how\b/i.test(utterance))
    return reply(`Okay, show me how to ${spoken}${redefine}, one step at a time. Say "that's it" when you're done.`);
  const about = ref ? ` (relative to ${ref})` : '';
  if (!HandGuidedRecording.supported(backend)) {
    return reply(
      `Okay, show me how to ${spoken}${about}${redefine}. This arm (${backend.kind}) can't be guided by hand, so give me a recorded demonstration: record one in the console's Teach panel and press "Show it to the robot" (or "!demo FILE" in a script), then say "that's it". Or tell me the steps one at a time.`,
    );
  }
  let recording: HandGuidedRecording;
  try {
    recording = await HandGuidedRecording.start(backend, { robot: motion.model.name, reference: lesson.motion.reference });
  } catch (err) {
    return reply(
      `I couldn't make the arm compliant for hand-guiding (${(err as Error).message}); it stays on its trajectory controller. Give me a recorded demonstration ("!demo FILE"), or tell me the steps of ${spoken} one at a time.`,
    );
  }
  core.enter({ kind: 'recording', lesson, recording, restoreFailure: null }, 'recording_started');
  return reply(
    `Okay, the arm is compliant now: move it by hand to show me how to ${spoken}${about}${redefine}, then say "done". I'm recording. Say "cancel" to stop without learning, or tell me the steps one at a time instead.`,
  );
}

/**
 * End a hand-guided recording without learning from it (stop, cancel, a new lesson, a motion,
 * the app closing), switching the arm back to its trajectory controller: idle, the lesson kept.
 * Returns false when that switch failed (the state keeps the reason); calling again retries it.
 */
export async function abortRecording(core: SessionCore, event: string): Promise<boolean> {
  const s = core.state;
  if (s.kind !== 'recording') return true;
  try {
    await s.recording.abort();
  } catch (err) {
    const now = core.state;
    if (now.kind === 'recording') core.enter({ ...now, restoreFailure: (err as Error).message }, `${event}_restore_failed`);
    return false;
  }
  const now = core.state;
  if (now.kind === 'recording' && now.recording === s.recording) core.enter({ kind: 'idle', lesson: now.lesson }, event);
  return true;
}

/** why the last switch back to the trajectory controller failed, if it did */
export function restoreFailure(core: SessionCore): string | undefined {
  const s = core.state;
  return s.kind === 'recording' ? (s.restoreFailure ?? undefined) : undefined;
}

/** What to tell the person after a hand-guided recording ended without learning. */
export function handGuidedEnded(core: SessionCore, retry = 'cancel'): string {
  const s = core.state;
  if (s.kind === 'recording')
    return `I ${s.restoreFailure ?? 'could not switch the arm back to its trajectory controller'}. Motions are refused until it is back; say "${retry}" to try again, and check the controllers.`;
  return 'I threw away the demonstration I was recording; the arm is back on its trajectory controller.';
}

/** Before a motion or a question: a hand-guided recording ends (the arm must not stay compliant). */
export async function handBack(core: SessionCore, utterance: string): Promise<Turn | null> {
  if (core.state.kind !== 'recording') return null;
  if (await abortRecording(core, 'hand_back')) return null;
  return answer(
    core,
    utterance,
    'error',
    `I can't plan a motion while the arm is compliant: ${handGuidedEnded(core)}`,
    restoreFailure(core),
  );
}

/** "That's it" / "done": learn a motion skill from the demonstrations, or a behavior from the steps. */
export async function finishTeaching(core: SessionCore, utterance: string): Promise<Turn> {
  const start = core.state;
  const lesson = start.lesson;
  if (!lesson) return answer(core, utterance, 'question', 'I wasn\'t learning anything. To teach me, say "let me teach you to pack".');
  const mt = lesson.motion;
  if (start.kind === 'recording') {
    // "done" after guiding the arm: stop recording, hand the arm back, check the recording.
    let ended = false;
    try {
      const demo = await start.recording.finish();
      ended = true;
      const now = core.state;
      if (now.kind === 'recording' && now.recording === start.recording) core.enter({ kind: 'idle', lesson }, 'recording_finished');
      if (demo.samples.length < 2)
        throw new Error(
          `only ${demo.samples.length} joint state${demo.samples.length === 1 ? '' : 's'} arrived while I was recording; guide the arm for a few seconds before saying "done" (and check that the robot publishes its joint states)`,
        );
      mt.add(demo);
      core.touched('demonstration');
      core.emit({ type: 'teaching', status: 'step', name: lesson.name, steps: mt.demonstrations.length, t: Date.now() });
    } catch (err) {
      const why = (err as Error).message;
      const now = core.state;
      if (!ended && now.kind === 'recording') {
        core.enter({ ...now, restoreFailure: why }, 'recording_restore_failed');
        return answer(core, utterance, 'error', `I stopped recording, but ${handGuidedEnded(core, 'done')}`, why);
      }
      if (!mt.demonstrations.length) {
        return answer(
          core,
          utterance,
          'error',
          `I can't learn from that demonstration: ${why}. The arm is back on its trajectory controller; say "I'll show you how to ${spokenName(lesson.name)}" to show me again, or "cancel".`,
          why,
        );
      }
    }
  }
  if (mt.demonstrations.length && !lesson.steps.length) {
    let skill: MotionSkill;
    try {
      skill = mt.finish();
    } catch (err) {
      const why = (err as Error).message;
      return answer(core, utterance, 'error', `I could not learn ${lesson.name}: ${why}`, why);
    }
    core.library.addMotion(skill);
    core.enter(withLesson(core.state, null), 'teach_done');
    core.sync();
    core.emit({ type: 'teaching', status: 'finished', name: skill.name, steps: mt.demonstrations.length, t: Date.now() });
    core.emit({ type: 'taught', what: 'behavior', name: skill.name, detail: skill.description, t: Date.now() });
    const n = mt.demonstrations.length;
    return answer(
      core,
      utterance,
      'taught',
      `Got it! I learned ${skill.name}(${skill.params.map((p) => p.name).join(', ')}) from ${n} demonstration${n === 1 ? '' : 's'}: ${skill.description}`,
    );
  }
  if (!lesson.steps.length)
    return answer(
      core,
      utterance,
      'question',
      `You haven't shown me any steps for ${lesson.name} yet. Tell me the first step, or say "cancel".`,
    );
  const { registry, world, planner } = core.deps;
  const trace = { name: lesson.name, command: lesson.command, mentions: lesson.mentions, steps: lesson.steps };
  let def: BehaviorDefinition | undefined;
  if (planner.synthesizeBehavior) {
    try {
      const proposal = await planner.synthesizeBehavior(trace, core.plannerContext());
      const lifted = liftBehavior({ ...trace, name: proposal.name, mentions: proposal.params.map((p) => p.literal) }, registry.list());
      let named: BehaviorDefinition = { ...lifted, description: proposal.description || lifted.description };
      // Keep the model's parameter names when it gave some.
      proposal.params.forEach((p, i) => {
        const from = named.params[i]?.name;
        if (from && p.name && from !== p.name) named = renameParam(named, from, p.name);
      });
      def = named;
    } catch {
      def = undefined; // fall back to the embedded lifting below
    }
  }
  if (!def) {
    try {
      def = liftBehavior(trace, registry.list());
    } catch (err) {
      // e.g. a behavior that would call itself: said plainly, the lesson stays open to fix or cancel
      const why = (err as Error).message.replace(/^\[teach\] /, '');
      return answer(
        core,
        utterance,
        'error',
        `I could not learn ${lesson.name}: ${why}. Say "undo" to drop the last step, or "cancel".`,
        why,
      );
    }
  }
  const errors = registry.validateBehavior(def, { entities: world.names() });
  if (errors.length) return answer(core, utterance, 'error', `I could not learn ${lesson.name}: ${errors.join('; ')}`, errors.join('; '));
  // The lesson may have been cancelled while the planner worked: learn only if it is still on.
  if (core.state.lesson !== lesson)
    return answer(core, utterance, 'question', `The lesson on ${lesson.name} ended before I could learn it.`);
  core.library.addBehavior(def);
  core.enter(withLesson(core.state, null), 'teach_done');
  core.sync();
  core.emit({ type: 'teaching', status: 'finished', name: def.name, steps: lesson.steps.length, t: Date.now() });
  core.emit({ type: 'taught', what: 'behavior', name: def.name, detail: formatBody(def), t: Date.now() });
  return answer(core, utterance, 'taught', `Got it! I learned ${formatSignature(def)}: ${def.description} (${formatBody(def)})`);
}

/** A kinesthetic demonstration arrived (`!demo FILE` in scripts, the console's recorder). */
export function demonstrate(core: SessionCore, demo: unknown, label: string): Turn {
  const lesson = core.state.lesson;
  if (!lesson)
    return answer(core, label, 'question', 'Say what I should learn first, e.g. "I\'ll show you how to track around the tower".');
  try {
    const p = lesson.motion.add(demo);
    core.touched('demonstration');
    core.emit({ type: 'teaching', status: 'step', name: lesson.name, steps: lesson.motion.demonstrations.length, t: Date.now() });
    return answer(core, label, 'plan', `Got it: ${p.duration.toFixed(1)} s of motion. Show me again, or say "that's it".`);
  } catch (err) {
    const why = (err as Error).message;
    return answer(core, label, 'error', `I can't learn from that demonstration: ${why}`, why);
  }
}

function renameParam(def: BehaviorDefinition, from: string, to: string): BehaviorDefinition {
  return {
    ...def,
    params: def.params.map((p) => (p.name === from ? { ...p, name: to } : p)),
    body: def.body.map((st) => ({
      skill: st.skill,
      args: Object.fromEntries(Object.entries(st.args).map(([k, v]) => [k, typeof v === 'object' && v.param === from ? { param: to } : v])),
    })),
  };
}

/**
 * A lesson step failed or was refused: nothing of it goes into the lesson silently. The
 * question (appended to `reply` when given) asks to retry it, skip it, or end the lesson.
 */
export function stepQuestion(lesson: Lesson, utterance: string): string {
  return `"${utterance}" is not part of ${lesson.name}. Should I retry it, skip it, or end the lesson? (Say "retry", "skip" or "end the lesson".)`;
}

export function askAboutStep(core: SessionCore, utterance: string, question: string, event: string): void {
  const lesson = core.state.lesson;
  if (!lesson) return;
  core.enter({ kind: 'asking', lesson, question, expects: { kind: 'step', utterance }, utterance, askedBy: 'operator' }, event);
}

/** What an answer to "retry, skip, or end the lesson?" means, read before any planning. */
export function lessonAnswer(utterance: string): 'retry' | 'skip' | 'end' | null {
  const u = utterance
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .trim();
  if (/\b(?:end|cancel|stop|quit|abandon|forget)\b.*\b(?:lesson|teaching|learning)\b|\bstop (?:teaching|learning)\b/.test(u)) return 'end';
  if (/^(?:please )?(?:retry|try (?:it |that )?again|again|redo it|do it again)(?: please)?$/.test(u)) return 'retry';
  if (/^(?:please )?(?:skip|skip it|skip that|skip this(?: step)?|leave it out|next)(?: please)?$/.test(u)) return 'skip';
  return null;
}
