/**
 * The checks every utterance meets before it is parsed: the boundary (text, length, printable),
 * the stop check (which comes before everything else) and the replies for rejected input.
 */
import { z } from 'zod';
import { BREAK, FILLERS, removePhrases, tokenize } from './text.js';
import type { PlannerResult, QuestionReason, RejectReason } from './types.js';

export const UTTERANCE_MAX_CHARS = 500;

/** C0/C1 controls (tab/newline/CR allowed), lone surrogates, private use, BOM, zero-width and bidi controls. */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- deliberately matches control characters, to refuse unprintable utterances
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\uFFFD-\uFFFF\p{Cs}\p{Co}]/u;

/** The boundary check on an utterance: text, trimmed, 1..500 chars, printable. */
export const utteranceSchema = z
  .string()
  .trim()
  .min(1, 'empty')
  .max(UTTERANCE_MAX_CHARS, 'too_long')
  .refine((s) => !UNPRINTABLE.test(s), 'unprintable');

// Any of these anywhere halts: a missed stop is dangerous, a spurious one costs a repeat.
const STOP_WORDS = new Set(['stop', 'halt', 'freeze', 'abort', 'estop', 'whoa', 'woah', 'emergency', 'stopp', 'stahp', 'cease', 'stopit']);
// These halt only when they are the whole utterance ("wait", "hold on").
const WAIT_HEADS = new Set(['wait', 'hold', 'hang', 'pause']);
const WAIT_WORDS = new Set([...WAIT_HEADS, 'on', 'it', 'a', 'second', 'sec', 'moment', 'minute', 'up']);

const REJECT_REPLIES: Record<RejectReason, string> = {
  not_text: 'I can only take spoken or typed text.',
  empty: "I didn't hear anything. What should I do?",
  too_long: `That's too long for one command (at most ${UTTERANCE_MAX_CHARS} characters). Try one step at a time.`,
  unprintable: "That contains characters I can't read. Could you rephrase it?",
  garbage: "Sorry, I didn't catch that. Could you say it again?",
  unsafe: "I won't do that: it could break something or hurt someone. I can pick up, move and put down objects gently.",
};

/** Whole utterances that mean "stop" without a stop word: "cut it out", "stay put", "that's enough". */
const STOP_PHRASES = new Set([
  ...['cut it out', 'quit it', 'enough', 'thats enough', 'enough of that', 'dont move', 'do not move', 'stay still', 'stand still'],
  ...['stay there', 'stay put', 'stay where you are', 'kill it', 'shut it down', 'shut down', 'power down', 'power off', 'turn off'],
  ...['switch off', 'dont do that', 'do not do that', 'dont do it', 'not that way', 'no no no no', 'knock it off', 'cut that out'],
  // A film set's "cut!": the take (and the arm) stops.
  ...['cut', 'cut cut', 'and cut'],
]);

/** A question result with no repairs (the planner's own questions, not a recognizer's). */
export const question = (reason: QuestionReason, reply: string, options?: string[]): PlannerResult => ({
  kind: 'question',
  reason,
  reply,
  ...(options ? { options } : {}),
  repairs: [],
});

export const rejected = (reason: RejectReason): PlannerResult => ({ kind: 'rejected', reason, reply: REJECT_REPLIES[reason] });

/** "stpo", "hlat": a stop word typed with two letters swapped (no English word is one swap from these). */
function swappedStop(t: string): boolean {
  if (t.length < 4) return false;
  for (let i = 0; i + 1 < t.length; i++) if (STOP_WORDS.has(t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2))) return true;
  return false;
}

/** Does the utterance ask to halt? Checked before anything else, even on over-long input. */
export function isStopUtterance(text: string): boolean {
  const tokens = tokenize(text.slice(0, 4 * UTTERANCE_MAX_CHARS)).filter((t) => t !== BREAK);
  if (tokens.some((t) => STOP_WORDS.has(t) || swappedStop(t))) return true;
  const core = removePhrases(tokens, FILLERS);
  if (STOP_PHRASES.has(core.join(' '))) return true;
  return core.length > 0 && core.every((t) => WAIT_WORDS.has(t)) && core.some((t) => WAIT_HEADS.has(t));
}
