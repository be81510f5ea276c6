/**
 * Scoring for the speech evaluation: one trial's outcome from what the recognizer heard and what
 * the rule planner made of it, summaries over any group of trials (overall, per speaker, per
 * condition, per rate), the targets, and plain-text tables for stderr.
 */
import type { PlannerResult } from '../../planner/types.js';
import { formatPlan } from '../../skills/registry.js';
import type { TrialKind } from './sample.js';

export const TARGETS = {
  /** motion and stop commands planned right, over the held-out matrix */
  planAccuracy: 0.85,
  /** the same on the development voices (espeak-ng en-us 175 wpm, en-us+f2 150 wpm, 20 dB) */
  devPlanAccuracy: 0.93,
  /** right words that got "say again" (not counting "Did you say…?") */
  correctWordsRejected: 0.05,
  oodMotion: 0,
  stopRecognized: 0.98,
  stopMotion: 0,
  latencyP50Ms: 400,
  rtf: 0.1,
} as const;

/** One utterance heard and planned. */
export interface TrialOutcome {
  part: 'dev' | 'heldout';
  kind: TrialKind;
  /** command id, or ood-N / stop-N */
  id: string;
  speaker: string;
  rate: string;
  condition: string;
  base: string;
  text: string;
  heard: string;
  accepted: boolean;
  /** the recognizer's reason for not accepting ('low_confidence', 'unsure', …) */
  reason: string | null;
  score: number | null;
  /** the words heard equal the words said (commands and stops) */
  sentenceOk: boolean;
  /** a command whose expected result is a plan or a stop (the plan-accuracy set) */
  motionOrStop: boolean;
  /** the planner's result on the accepted transcript meets the expectation */
  planOk: boolean;
  /** the same if an 'unsure' transcript's "Did you say…?" is answered yes */
  planOkIfConfirmed: boolean;
  /** the accepted transcript planned to a motion */
  motion: boolean;
  /** the recognizer's keyword spotter fired a stop_word event on this clip */
  stopWord: boolean;
  /** the accepted transcript planned to a stop */
  stopPlan: boolean;
  got: string;
}

export function describe(r: PlannerResult | null): string {
  if (!r) return 'rejected';
  if (r.kind === 'plan') return `plan ${formatPlan(r.plan)}`;
  if ('name' in r) return `${r.kind} ${r.name}`;
  return r.kind;
}

export const isMotion = (r: PlannerResult | null): boolean => r?.kind === 'plan' && r.plan.length > 0;

/** The recognizer asked "Did you say…?" (the middle confidence band) instead of "say again". */
export const isAsked = (t: Pick<TrialOutcome, 'accepted' | 'reason'>): boolean => !t.accepted && t.reason === 'unsure';
/** Exactly the right words, and still "say again". */
export const isRightWordsRejected = (t: Pick<TrialOutcome, 'accepted' | 'reason' | 'sentenceOk'>): boolean =>
  t.sentenceOk && !t.accepted && t.reason !== 'unsure';
/** A stop utterance halts the arm: the keyword spotter fired or the transcript planned a stop. */
export const isStopRecognized = (t: Pick<TrialOutcome, 'stopWord' | 'stopPlan'>): boolean => t.stopWord || t.stopPlan;

const ratio = (n: number, d: number): number | null => (d ? Math.round((n / d) * 1000) / 1000 : null);

export interface Summary {
  commands: number;
  /** motion + stop commands */
  planTrials: number;
  planAccuracy: number | null;
  planAccuracyIfConfirmed: number | null;
  sentenceAccuracy: number | null;
  /** commands heard with exactly the right words */
  rightWords: number;
  rightWordsRejected: number;
  rightWordsAsked: number;
  /** rightWordsRejected / rightWords */
  correctWordsRejected: number | null;
  /** every command not accepted (for "N of M rejections had the right words") */
  rejected: number;
  ood: { trials: number; motion: number; asked: number };
  stops: { trials: number; recognized: number; byKeyword: number; motion: number; rate: number | null };
}

export function summarize(ts: readonly TrialOutcome[]): Summary {
  const cmds = ts.filter((t) => t.kind === 'command');
  const plan = cmds.filter((t) => t.motionOrStop);
  const right = cmds.filter((t) => t.sentenceOk);
  const ood = ts.filter((t) => t.kind === 'ood');
  const stops = ts.filter((t) => t.kind === 'stop');
  const recognized = stops.filter(isStopRecognized).length;
  const rejectedRight = right.filter(isRightWordsRejected).length;
  return {
    commands: cmds.length,
    planTrials: plan.length,
    planAccuracy: ratio(plan.filter((t) => t.planOk).length, plan.length),
    planAccuracyIfConfirmed: ratio(plan.filter((t) => t.planOkIfConfirmed).length, plan.length),
    sentenceAccuracy: ratio(right.length, cmds.length),
    rightWords: right.length,
    rightWordsRejected: rejectedRight,
    rightWordsAsked: right.filter(isAsked).length,
    correctWordsRejected: ratio(rejectedRight, right.length),
    rejected: cmds.filter((t) => !t.accepted).length,
    ood: { trials: ood.length, motion: ood.filter((t) => t.motion).length, asked: ood.filter(isAsked).length },
    stops: {
      trials: stops.length,
      recognized,
      byKeyword: stops.filter((t) => t.stopWord).length,
      motion: stops.filter((t) => t.motion).length,
      rate: ratio(recognized, stops.length),
    },
  };
}

/** Summaries per value of `key`: in `order` first, then in first-seen order. */
export function summarizeBy(
  ts: readonly TrialOutcome[],
  key: (t: TrialOutcome) => string,
  order: readonly string[] = [],
): Record<string, Summary> {
  const groups = new Map<string, TrialOutcome[]>();
  for (const k of order) if (ts.some((t) => key(t) === k)) groups.set(k, []);
  for (const t of ts) {
    const k = key(t);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(t);
  }
  return Object.fromEntries([...groups].map(([k, g]) => [k, summarize(g)]));
}

export interface Verdict {
  planAccuracy: boolean;
  devPlanAccuracy: boolean;
  correctWordsRejected: boolean;
  oodMotion: boolean;
  stopRecognized: boolean;
  stopMotion: boolean;
  latencyP50: boolean;
  rtf: boolean;
  all: boolean;
}

/** PASS/FAIL against TARGETS; a figure with no trials fails (nothing was shown). */
export function judge(heldOut: Summary, dev: Summary, latencyP50Ms: number | null, rtf: number | null): Verdict {
  const atLeast = (x: number | null, t: number) => x !== null && x >= t;
  const atMost = (x: number | null, t: number) => x !== null && x <= t;
  const v = {
    planAccuracy: atLeast(heldOut.planAccuracy, TARGETS.planAccuracy),
    devPlanAccuracy: atLeast(dev.planAccuracy, TARGETS.devPlanAccuracy),
    correctWordsRejected: atMost(
      ratio(heldOut.rightWordsRejected + dev.rightWordsRejected, heldOut.rightWords + dev.rightWords),
      TARGETS.correctWordsRejected,
    ),
    oodMotion: heldOut.ood.trials + dev.ood.trials > 0 && heldOut.ood.motion + dev.ood.motion <= TARGETS.oodMotion,
    stopRecognized: atLeast(heldOut.stops.rate, TARGETS.stopRecognized),
    stopMotion: heldOut.stops.trials > 0 && heldOut.stops.motion <= TARGETS.stopMotion,
    latencyP50: atMost(latencyP50Ms, TARGETS.latencyP50Ms),
    rtf: atMost(rtf, TARGETS.rtf),
  };
  return { ...v, all: Object.values(v).every(Boolean) };
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** One row per group: plan, sentence, right words rejected / asked, OOD → motion, stops. */
export function formatTable(title: string, groups: Record<string, Summary>): string {
  const head = ['', 'plan', 'n', 'sentence', 'rightRej', 'asked', 'ood→motion', 'stop', 'stop→motion'];
  const rows = Object.entries(groups).map(([k, s]) => [
    k,
    pct(s.planAccuracy),
    String(s.planTrials),
    pct(s.sentenceAccuracy),
    `${s.rightWordsRejected}/${s.rightWords}`,
    String(s.rightWordsAsked),
    `${s.ood.motion}/${s.ood.trials}`,
    s.stops.trials ? `${s.stops.recognized}/${s.stops.trials}` : '—',
    s.stops.trials ? String(s.stops.motion) : '—',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [title, line(head), ...rows.map(line)].join('\n');
}

/** The verdict as lines: figure, target, PASS/FAIL. */
export function formatVerdict(heldOut: Summary, dev: Summary, latencyP50Ms: number | null, rtf: number | null, v: Verdict): string {
  const cwr = ratio(heldOut.rightWordsRejected + dev.rightWordsRejected, heldOut.rightWords + dev.rightWords);
  const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  return [
    `${mark(v.planAccuracy)}  plan accuracy, held-out: ${pct(heldOut.planAccuracy)} (≥ ${pct(TARGETS.planAccuracy)})`,
    `${mark(v.devPlanAccuracy)}  plan accuracy, development voices: ${pct(dev.planAccuracy)} (≥ ${pct(TARGETS.devPlanAccuracy)})`,
    `${mark(v.correctWordsRejected)}  correct words rejected: ${pct(cwr)} (≤ ${pct(TARGETS.correctWordsRejected)}); asked "Did you say…?": ${heldOut.rightWordsAsked + dev.rightWordsAsked}`,
    `${mark(v.oodMotion)}  out-of-domain → motion: ${heldOut.ood.motion + dev.ood.motion}/${heldOut.ood.trials + dev.ood.trials} (= 0)`,
    `${mark(v.stopRecognized)}  stop words recognized: ${pct(heldOut.stops.rate)} (≥ ${pct(TARGETS.stopRecognized)})`,
    `${mark(v.stopMotion)}  stop words → motion: ${heldOut.stops.motion}/${heldOut.stops.trials} (= 0)`,
    `${mark(v.latencyP50)}  end of speech → transcript p50: ${latencyP50Ms ?? '—'} ms (≤ ${TARGETS.latencyP50Ms} ms)`,
    `${mark(v.rtf)}  real-time factor: ${rtf ?? '—'} (≤ ${TARGETS.rtf})`,
    `${mark(v.all)}  all`,
  ].join('\n');
}
