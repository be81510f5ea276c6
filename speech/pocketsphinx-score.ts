/**
 * Scoring and rejection. The grammar decoder always answers with some command; the competitor
 * (free words or phones) explains the same audio without the grammar. Their path-score
 * difference per frame is the confidence: below the threshold the words are rejected. Stops
 * get a looser threshold, short hypotheses a slightly lower one (PocketsphinxOptions).
 */
import { SAMPLE_RATE } from './pcm.js';
import type { DecodedUtterance } from './pocketsphinx-decoder.js';
import type { Transcript } from './types.js';

/** what counts as a stop for the looser threshold (the grammar's <stop> rule) */
const STOP_HYPS = new Set([
  'stop',
  'stop stop',
  'stop now',
  'stop moving',
  'stop it',
  'please stop',
  'halt',
  'freeze',
  'wait',
  'hold on',
  'emergency stop',
]);

/** fillers, silences and noise in a word table: no words of the speaker's */
const FILLER = /^(?:<s>|<\/s>|<sil>|\[[A-Z_]+\]|\+\+.*\+\+|SIL|NULL|\(NULL\))$/;

/** The thresholds (PocketsphinxStt's): the one for stops, and the one for a hypothesis of `words` words. */
export interface Thresholds {
  readonly stopThreshold: number;
  thresholdFor(words: number): number;
  /**
   * How far below the threshold a command's words are still 'unsure' (likely right, worth a
   * "Did you say …?") rather than rejected; 0: no such band.
   */
  readonly unsureMargin: number;
}

/** Logistic map of the score margin to 0..1 (0.5 at the threshold). */
export function confidenceOf(score: number, threshold: number): number {
  return 1 / (1 + Math.exp(-(score - threshold) / 2));
}

/**
 * Accepted, unsure or rejected, for words with a score: the threshold for their length (stops:
 * the stop threshold), and the unsure band below it (never for stops: they are heard or not).
 */
export function judge(
  text: string,
  score: number,
  thresholds: Thresholds,
): { confidence: number; accepted: boolean; reason?: Transcript['reason'] } {
  const stop = STOP_HYPS.has(text);
  const t = stop ? thresholds.stopThreshold : thresholds.thresholdFor(text.split(' ').length);
  const confidence = Number.isFinite(score) ? confidenceOf(score, t) : 0;
  if (score >= t) return { confidence, accepted: true };
  const reason = !stop && score >= t - thresholds.unsureMargin ? 'unsure' : 'low_confidence';
  return { confidence, accepted: false, reason };
}

/** The words that carry the utterance's times: the grammar's, less fillers and silences. */
export function wordSpan(g: DecodedUtterance, p: DecodedUtterance | null): DecodedUtterance['words'] {
  const spoken = g.words.filter((w) => !FILLER.test(w.word));
  // Times for a result with no words (the grammar gave up): the competitor's word table.
  return spoken.length ? spoken : [...g.words, ...(p?.words ?? [])].filter((w) => w.word !== '(NULL)' && w.start >= 0);
}

/**
 * One utterance's transcript from the grammar's result and the competitor's (null if it died):
 * accepted, or the reason not. `offset` is the stream sample where the decoders started.
 */
export function scoreUtterance(
  g: DecodedUtterance,
  p: DecodedUtterance | null,
  span: DecodedUtterance['words'],
  offset: number,
  thresholds: Thresholds,
): Transcript {
  const text = (g.hyp ?? '').trim().replace(/\s+/g, ' ');
  const score = p && g.frames > 0 && g.hyp !== null ? (g.score - p.score) / g.frames : Number.NEGATIVE_INFINITY;
  const t = STOP_HYPS.has(text) ? thresholds.stopThreshold : thresholds.thresholdFor(text.split(' ').length);
  const failed: Transcript['reason'] = g.nonFinal || g.hyp === null ? 'no_match' : !text ? 'empty' : !p ? 'error' : undefined;
  const verdict = failed
    ? { confidence: Number.isFinite(score) ? confidenceOf(score, t) : 0, accepted: false, reason: failed }
    : judge(text, score, thresholds);
  return {
    text,
    ...verdict,
    ...(Number.isFinite(score) ? { score: Math.round(score * 100) / 100 } : {}),
    // Word times; with no words (speech the grammar gave up on), the whole utterance's.
    ...(span.length
      ? {
          start: offset / SAMPLE_RATE + Math.max(0, span[0].start) / 100,
          end: offset / SAMPLE_RATE + (span[span.length - 1].end + 1) / 100,
        }
      : {}),
    backend: 'pocketsphinx',
  };
}
