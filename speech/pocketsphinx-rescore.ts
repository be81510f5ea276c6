/**
 * A prior for what the robot knows. The grammar's open new-verb slot ("pack the candy") holds
 * hundreds of verbs, and with all of them equally likely some verb sounds closer to a known
 * command than the command itself (measured on the speech eval: "stop" → "tilt", "halt" → "fall
 * it", "take the candy" → "date the candy"). pocketsphinx 0.8 ignores JSGF weights, so the prior
 * is applied after decoding: when the grammar hears a new verb, the same audio is decoded with
 * and without the slot, and the new verb stands only if it explains the audio better than the
 * best known reading by NEW_VERB_PRIOR points per frame. Otherwise the known reading is the
 * transcript, its confidence lowered by the difference.
 */
import { isStopUtterance } from '../planner/rule-planner.js';
import type { DecodedUtterance } from './pocketsphinx-decoder.js';
import { judge, type Thresholds } from './pocketsphinx-score.js';
import type { Transcript } from './types.js';

/**
 * Points per frame a new-verb reading must beat the best known reading by (measured on the
 * development voices, see speech/README.md: known commands heard as a new verb lost by up to
 * 4.7 — "grasp" → "press", "pull back" → "fold it" —, new verbs heard right won by 6.6 or more).
 */
export const NEW_VERB_PRIOR = 5.5;

/**
 * The same margin for a harmful verb ("crush the candy"): none. Heard as said, the planner
 * refuses it; forced onto the nearest known command it would move the arm ("approach the
 * candy"), so a harm reading stands whenever it explains the audio at least as well.
 */
export const HARM_VERB_PRIOR = 0;

/**
 * Between this and the prior the evidence is split, and the known reading is only 'unsure' (the
 * voice loop asks "Did you say …?"): measured on the development voices (20 dB), out-of-domain
 * lines forced onto a known command lost to a new verb by 1.9–4.6 per frame ("wrap the candy" →
 * "flip the candy" over "grab the candy" by 3.7), known commands by up to 4.7 ("grasp").
 */
export const NEW_VERB_ASK = 2;

/** Frames of words in a decoder's word table (fillers and silences left out). */
export function speechFrames(u: DecodedUtterance): number {
  const words = u.words.filter((w) => !/^(?:<s>|<\/s>|<sil>|\[[A-Z_]+\]|\+\+.*\+\+|SIL|NULL|\(NULL\))$/.test(w.word) && w.start >= 0);
  return words.length ? words[words.length - 1].end - words[0].start + 1 : 0;
}

/** Is this a sentence of the new-verb slot ("[now] VERB [the thing] [please]")? */
export function isNewVerbText(text: string, newVerbs: ReadonlySet<string>): boolean {
  const words = text.split(' ').filter((w) => w && w !== 'now');
  return words.length > 0 && newVerbs.has(words[0]);
}

/**
 * The transcript after the prior: unchanged when the new verb wins (or a decode failed), else
 * the known reading with the score margin it lost.
 */
export function preferKnown(
  t: Transcript,
  full: DecodedUtterance | null,
  known: DecodedUtterance | null,
  thresholds: Thresholds,
  prior = NEW_VERB_PRIOR,
): Transcript {
  if (!full || !known || known.hyp === null || t.score === undefined) return t;
  const text = known.hyp.trim().replace(/\s+/g, ' ');
  if (!text || known.nonFinal) return t;
  // Per frame of speech (silence around it scores alike in both and would dilute the gap).
  const speech = speechFrames(full);
  if (speech <= 0) return t;
  const gap = (full.score - known.score) / speech;
  // A stop the known grammar hears always wins: a stop taken for a new verb would not stop the arm.
  if (gap >= prior && !isStopUtterance(text)) return { ...t, alternatives: [text, ...(t.alternatives ?? [])] };
  const score = Math.round((t.score - Math.max(0, gap)) * 100) / 100;
  const rest: Transcript = { ...t };
  delete rest.reason;
  const verdict = judge(text, score, thresholds);
  // A stop is never merely unsure (see judge); anything else the new verb nearly won is asked about.
  const split = gap > NEW_VERB_ASK && verdict.accepted && !isStopUtterance(text);
  return { ...rest, text, score, ...verdict, ...(split ? { accepted: false, reason: 'unsure' as const } : {}), alternatives: [t.text] };
}
