/**
 * The confidence band: above the threshold a command is accepted, a few points below it is
 * 'unsure' (likely right: the voice loop asks "Did you say …?"), further down it is rejected,
 * and a stop is never merely unsure.
 */
import { describe, expect, it } from 'vitest';
import type { DecodedUtterance } from '../../speech/pocketsphinx-decoder.js';
import { scoreUtterance, wordSpan, type Thresholds } from '../../speech/pocketsphinx-score.js';

const thresholds: Thresholds = { stopThreshold: -30, unsureMargin: 2.5, thresholdFor: (n) => -12.5 - Math.max(0, 4 - n) };

/** A grammar result of `frames` frames and the competitor's, `margin` per frame apart. */
function pair(hyp: string, margin: number, frames = 100): [DecodedUtterance, DecodedUtterance] {
  const words = hyp.split(' ').map((word, i) => ({ word, start: 10 + i * 20, end: 29 + i * 20, ascr: -100, lscr: 0 }));
  return [
    { frames, hyp, score: -5000 + margin * frames, nonFinal: false, words },
    { frames, hyp: 'x', score: -5000, nonFinal: false, words: [] },
  ];
}

function judge(hyp: string, margin: number) {
  const [g, p] = pair(hyp, margin);
  return scoreUtterance(g, p, wordSpan(g, p), 0, thresholds);
}

describe('the confidence band', () => {
  it('accepts above the threshold, is unsure just below it, rejects further down', () => {
    expect(judge('pick up the candy', -10)).toMatchObject({ accepted: true, score: -10 });
    expect(judge('pick up the candy', -10).reason).toBeUndefined();
    expect(judge('pick up the candy', -14)).toMatchObject({ accepted: false, reason: 'unsure' });
    expect(judge('pick up the candy', -14.9)).toMatchObject({ accepted: false, reason: 'unsure' });
    expect(judge('pick up the candy', -15.5)).toMatchObject({ accepted: false, reason: 'low_confidence' });
  });

  it('confidence falls with the score and is one half at the threshold', () => {
    const c = [-8, -12.5, -15, -20].map((m) => judge('pick up the candy', m).confidence);
    expect(c[1]).toBeCloseTo(0.5, 5);
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeLessThan(c[i - 1]);
  });

  it('short hypotheses get the lower threshold, and the band below it', () => {
    // "go home": 2 words, threshold −14.5, band down to −17.
    expect(judge('go home', -14)).toMatchObject({ accepted: true });
    expect(judge('go home', -16.5)).toMatchObject({ reason: 'unsure' });
    expect(judge('go home', -17.5)).toMatchObject({ reason: 'low_confidence' });
  });

  it('a stop is accepted or rejected, never unsure', () => {
    expect(judge('stop', -29)).toMatchObject({ accepted: true });
    expect(judge('stop', -31)).toMatchObject({ accepted: false, reason: 'low_confidence' });
  });

  it('with no margin there is no band', () => {
    const [g, p] = pair('pick up the candy', -13);
    expect(scoreUtterance(g, p, wordSpan(g, p), 0, { ...thresholds, unsureMargin: 0 })).toMatchObject({ reason: 'low_confidence' });
  });
});
