/**
 * The speech evaluation's scoring: a heard clip planned and judged (right words rejected, "Did
 * you say…?", out-of-domain → motion, stop words by plan or keyword event), the summaries, the
 * targets' verdict and the tables.
 */
import { describe, expect, it } from 'vitest';
import { RulePlanner } from '../../planner/rule-planner.js';
import { combine, scoreTrial, type Heard, type Planned } from '../../speech/eval/evaluate.js';
import { formatTable, formatVerdict, judge, summarize, summarizeBy, TARGETS, type TrialOutcome } from '../../speech/eval/score.js';
import { loadSpeechSet } from '../../speech/eval/set.js';
import { EVAL_VOICES } from '../../speech/synth.js';
import type { Transcript } from '../../speech/types.js';

const set = loadSpeechSet();
const planner = new RulePlanner();
const pickUp = set.commands.find((e) => e.text === 'pick up the candy' && e.context.base === 'giftbag')!;

const planned = (kind: Planned['kind'], text: string, extra: Partial<Planned> = {}): Planned => ({
  part: 'heldout',
  kind,
  id: `${kind}-x`,
  speaker: 'en-gb',
  rate: 'slow',
  condition: 'clean',
  base: 'giftbag',
  text,
  voice: EVAL_VOICES[0],
  ...extra,
});
const heard = (text: string, accepted = true, reason: string | null = null): Heard => ({ text, accepted, reason, score: -5 });
const command = (h: Heard) => scoreTrial(planned('command', pickUp.text, { entry: pickUp, id: pickUp.id }), h, false, set, planner);

describe('scoreTrial', () => {
  it('a command heard right and accepted plans right', () => {
    const t = command(heard('pick up the candy'));
    expect(t).toMatchObject({ sentenceOk: true, motionOrStop: true, planOk: true, planOkIfConfirmed: true, motion: true });
  });

  it("right words with low confidence are 'say again'; with 'unsure' they are a 'Did you say…?' a yes would carry", () => {
    const low = command(heard('pick up the candy', false, 'low_confidence'));
    expect(low).toMatchObject({ sentenceOk: true, planOk: false, planOkIfConfirmed: false, motion: false });
    const unsure = command(heard('pick up the candy', false, 'unsure'));
    expect(unsure).toMatchObject({ sentenceOk: true, planOk: false, planOkIfConfirmed: true, motion: false });
    const s = summarize([low, unsure]);
    expect(s).toMatchObject({ rightWords: 2, rightWordsRejected: 1, rightWordsAsked: 1, correctWordsRejected: 0.5, rejected: 2 });
  });

  it('wrong words accepted plan wrong', () => {
    const t = command(heard('go to the candy'));
    expect(t).toMatchObject({ sentenceOk: false, planOk: false, motion: true, got: 'plan goto(CANDY)' });
  });

  it('out-of-domain speech heard as a command counts as motion; rejected, it does not', () => {
    const moved = scoreTrial(planned('ood', 'crush the candy'), heard('go to the candy'), false, set, planner);
    const refused = scoreTrial(planned('ood', 'crush the candy'), heard('go to the candy', false, 'low_confidence'), false, set, planner);
    expect(moved.motion).toBe(true);
    expect(refused.motion).toBe(false);
    expect(summarize([moved, refused]).ood).toEqual({ trials: 2, motion: 1, asked: 0 });
  });

  it('a stop counts when its transcript plans a stop or the keyword spotter fired, and a heard motion is counted', () => {
    const byPlan = scoreTrial(planned('stop', 'stop'), heard('stop'), false, set, planner);
    const byKeyword = scoreTrial(planned('stop', 'halt'), heard('', false, 'empty'), true, set, planner);
    const missed = scoreTrial(planned('stop', 'stop it'), heard('go to the candy'), false, set, planner);
    expect(byPlan.stopPlan).toBe(true);
    expect(byKeyword).toMatchObject({ stopPlan: false, stopWord: true });
    expect(summarize([byPlan, byKeyword, missed]).stops).toEqual({ trials: 3, recognized: 2, byKeyword: 1, motion: 1, rate: 0.667 });
  });
});

describe('combine', () => {
  const tr = (text: string, accepted: boolean, reason?: string, score?: number): Transcript =>
    ({ text, accepted, confidence: 0.5, backend: 'pocketsphinx', start: 0, end: 1, score, ...(reason ? { reason } : {}) }) as Transcript;
  it('joins finals, accepts only when all are accepted, keeps an unknown reason as a string', () => {
    expect(combine([])).toEqual({ text: '', accepted: false, reason: 'empty', score: null });
    expect(combine([tr('pick up', true, undefined, -3), tr('the candy', true, undefined, -7)])).toEqual({
      text: 'pick up the candy',
      accepted: true,
      reason: null,
      score: -7,
    });
    expect(combine([tr('pick up the candy', false, 'unsure', -14)])).toMatchObject({ accepted: false, reason: 'unsure' });
  });
});

describe('summaries and the verdict', () => {
  const outcome = (o: Partial<TrialOutcome>): TrialOutcome => ({
    part: 'heldout',
    kind: 'command',
    id: 'x',
    speaker: 'a',
    rate: 'slow',
    condition: 'clean',
    base: 'giftbag',
    text: 't',
    heard: 't',
    accepted: true,
    reason: null,
    score: 0,
    sentenceOk: true,
    motionOrStop: true,
    planOk: true,
    planOkIfConfirmed: true,
    motion: true,
    stopWord: false,
    stopPlan: false,
    got: 'plan x',
    ...o,
  });
  const good = (n: number, o: Partial<TrialOutcome> = {}) => Array.from({ length: n }, () => outcome(o));
  const stops = (n: number) => good(n, { kind: 'stop', motionOrStop: false, stopPlan: true, motion: false });
  const ood = (n: number) => good(n, { kind: 'ood', motionOrStop: false, accepted: false, reason: 'low_confidence', motion: false });

  it('plan accuracy counts motion and stop commands only; per-group summaries split by key', () => {
    const ts = [...good(3), outcome({ planOk: false, speaker: 'b' }), outcome({ motionOrStop: false, planOk: false, speaker: 'b' })];
    const s = summarize(ts);
    expect(s.planTrials).toBe(4);
    expect(s.planAccuracy).toBe(0.75);
    expect(s.commands).toBe(5);
    const by = summarizeBy(ts, (t) => t.speaker);
    expect(Object.keys(by)).toEqual(['a', 'b']);
    expect(by.b.planAccuracy).toBe(0);
  });

  it('passes when every target is met and names each miss', () => {
    const held = summarize([...good(95), ...good(5, { planOk: false }), ...stops(100), ...ood(50)]);
    const dev = summarize(good(20));
    const ok = judge(held, dev, 300, 0.08);
    expect(ok.all).toBe(true);
    const bad = judge(summarize([...good(80), ...good(20, { planOk: false }), ...stops(100), ...ood(1)]), dev, 500, 0.08);
    expect(bad).toMatchObject({ planAccuracy: false, latencyP50: false, rtf: true, all: false });
    const moved = judge(
      summarize([...good(100), ...stops(99), ...good(1, { kind: 'stop', motionOrStop: false, motion: true })]),
      dev,
      300,
      0.08,
    );
    expect(moved).toMatchObject({ stopMotion: false, oodMotion: false });
    // no figure, no pass
    expect(judge(summarize([]), summarize([]), null, null).all).toBe(false);
    const text = formatVerdict(held, dev, 300, 0.08, ok);
    expect(text).toContain(`PASS  plan accuracy, held-out: 95.0% (≥ ${TARGETS.planAccuracy * 100}.0%)`);
    expect(text.split('\n').filter((l) => l.startsWith('PASS'))).toHaveLength(9);
  });

  it('tables have one row per group with aligned columns', () => {
    const t = formatTable(
      'per voice',
      summarizeBy([...good(2), ...good(2, { speaker: 'flite:kal', planOk: false })], (x) => x.speaker),
    );
    const lines = t.split('\n');
    expect(lines[0]).toBe('per voice');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^a\s+100\.0%\s+2\s/);
    expect(lines[3]).toMatch(/^flite:kal\s+0\.0%\s+2\s/);
    expect(new Set(lines.slice(1).map((l) => l.length)).size).toBe(1);
  });
});
