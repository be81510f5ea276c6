/**
 * The speech evaluation. Two parts, both synthesized at run time and decoded by the default
 * recognizer, then planned by the rule planner:
 *  - development: the 102 commands × the two US voices the recognizer was tuned on (espeak-ng
 *    en-us 175 wpm, en-us+f2 150 wpm, 20 dB pink noise) and the out-of-domain set × 2 grammars;
 *  - held-out: HELD_OUT_SPEAKERS (18 espeak-ng variants, 5 flite voices) × 3 rates × 4 conditions
 *    (clean, 20 dB, 10 dB, 0.5 s of leading digital silence) × the commands, the out-of-domain
 *    set and the stop words: every trial of the matrix (`full`) or a fixed, seeded, stratified
 *    sample of it (sample.ts).
 * Commands and out-of-domain clips of one speaker, condition and grammar are fed back to back
 * into one stream as fast as the decoder takes them (one continuous recording, as from a
 * microphone); stop words go in after them as push-to-talk turns (write, flush()), so a stop_word
 * event from a keyword spotter can be credited to its clip even when it carries no time.
 * Also measured: end-of-speech → transcript latency on real-time streams, the real-time factor
 * (decoder CPU seconds per audio second), and Debian's pocketsphinx-testdata human recordings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { RulePlanner } from '../../planner/rule-planner.js';
import type { PlannerResult } from '../../planner/types.js';
import { readAudioFile, SAMPLE_RATE } from '../pcm.js';
import { PocketsphinxStt, type PocketsphinxOptions, type PocketsphinxStream } from '../pocketsphinx.js';
import type { SttEvent, Transcript } from '../types.js';
import { loadSpeechSet, meets, normalizeWords, type CommandEntry, type SpeechEvalSet } from './set.js';
import {
  CONDITIONS,
  EVAL_VOICES,
  HELD_OUT_SPEAKERS,
  RATES,
  speak,
  speakerName,
  voiceAt,
  withCondition,
  type Condition,
  type Synth,
  type Voice,
} from '../synth.js';
import { hashSeed, SAMPLE_SPECS, sampleTrials, type PoolItem, type SampledTrial, type TrialKind } from './sample.js';
import { measureLatency } from './latency.js';
import { describe, isMotion, judge, summarize, summarizeBy, TARGETS, type TrialOutcome } from './score.js';

export { TARGETS } from './score.js';
export const TESTDATA = '/usr/share/pocketsphinx/test/data';
/** the grammars out-of-domain speech is heard against */
export const OOD_BASES = ['giftbag', 'stopmotion'] as const;
/** the grammar stop words are heard against (the scene where a stop matters most) */
export const STOP_BASE = 'giftbag';
export type EvalMode = keyof typeof SAMPLE_SPECS;

export interface EvalOptions {
  /** quick (≤ 3 min), default (a sampled matrix, ≤ 15 min), full (every trial; hours) */
  mode?: EvalMode;
  /** the sample's seed (default 14) */
  seed?: number;
  /** only held-out speakers whose name contains one of these */
  speakers?: readonly string[];
  /** utterances per latency mode (real-time streams) */
  latencySamples?: number;
  /** decode pocketsphinx-testdata's human recordings (default: not in quick) */
  human?: boolean;
  stt?: PocketsphinxOptions;
  log?: (line: string) => void;
  /** add every trial to the report (for threshold calibration) */
  includeTrials?: boolean;
}

/** One clip to hear: what was said, by whom, how, and what is expected of it. */
export interface Planned {
  part: 'dev' | 'heldout';
  kind: TrialKind;
  id: string;
  speaker: string;
  rate: string;
  condition: Condition;
  base: string;
  text: string;
  voice: Voice;
  entry?: CommandEntry;
}

export interface Heard {
  text: string;
  accepted: boolean;
  reason: string | null;
  score: number | null;
}

const quantile = (xs: number[], q: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (x: number | null, d = 3): number | null => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Join the finals that fall inside one item's span (a pause may split an utterance). */
export function combine(ts: readonly Transcript[]): Heard {
  if (!ts.length) return { text: '', accepted: false, reason: 'empty', score: null };
  const scores = ts.map((t) => t.score).filter((s): s is number => s !== undefined);
  // Read as a string: the recognizer may add reasons (e.g. 'unsure') this file does not know yet.
  const reason = (ts.find((t) => !t.accepted)?.reason as string | undefined) ?? null;
  return {
    text: ts
      .map((t) => t.text)
      .filter(Boolean)
      .join(' '),
    accepted: ts.every((t) => t.accepted),
    reason,
    score: scores.length ? Math.min(...scores) : null,
  };
}

/** A stream time (seconds) an event carries, if any: a keyword spotter's event may or may not have one. */
function eventTime(e: SttEvent): number | null {
  const r = e as unknown as Record<string, unknown>;
  for (const k of ['start', 'end', 'at', 'time']) if (typeof r[k] === 'number') return r[k];
  return null;
}

/**
 * One stream for one speaker, condition and grammar: `continuous` clips back to back, then each
 * of `turns` as a push-to-talk turn. Returns, per clip (continuous first), the finals inside its
 * span and whether a stop_word event fired on it.
 */
async function decodeGroup(stream: PocketsphinxStream, continuous: Synth[], turns: Synth[]) {
  const finals: Transcript[] = [];
  const spotted: { time: number | null; turn: number }[] = [];
  let turn = -1;
  // Empty finals (noise only) have no word times and belong to no clip.
  const off = stream.subscribe((e) => {
    if (e.type === 'final' && e.transcript.start !== undefined) finals.push(e.transcript);
    // 'stop_word' (a keyword spotter's event) may not be in SttEvent yet: compare the string.
    else if ((e as { type: string }).type === 'stop_word') spotted.push({ time: eventTime(e), turn });
  });
  const spans: [number, number][] = [];
  for (const c of continuous) {
    const at = stream.position;
    spans.push([at, at + c.pcm.length / 2 / SAMPLE_RATE]);
    stream.write(c.pcm);
  }
  // Wait until the decoders have caught up with the fast-fed clips.
  if (continuous.length) await stream.flush();
  for (const [i, c] of turns.entries()) {
    turn = i;
    const at = stream.position;
    spans.push([at, at + c.pcm.length / 2 / SAMPLE_RATE]);
    stream.write(c.pcm);
    await stream.flush();
    await sleep(30); // a spotter's event may trail the final a little
    // The turn runs to here: an event stamped with the stream position when it was reported
    // may fall in the flush's padding.
    spans[spans.length - 1][1] = stream.position;
  }
  turn = -1;
  await stream.finish();
  off();
  const inSpan = (t: number, [a, b]: [number, number]) => t >= a && t < b;
  return spans.map((span, i) => ({
    finals: finals.filter((t) => inSpan((t.start! + (t.end ?? t.start!)) / 2, span)),
    stopWord: spotted.some((s) => (s.time !== null ? inSpan(s.time, span) : i >= continuous.length && s.turn === i - continuous.length)),
  }));
}

/** What the planner makes of one heard clip, scored. */
export function scoreTrial(p: Planned, h: Heard, stopWord: boolean, set: SpeechEvalSet, planner: RulePlanner): TrialOutcome {
  const ctx = set.context(p.entry ?? { context: { base: p.base } });
  const r: PlannerResult | null = h.accepted ? planner.planSync(h.text, ctx) : null;
  // "Did you say …?" answered yes: the unsure transcript is planned as heard.
  const rc: PlannerResult | null = h.reason === 'unsure' && h.text ? planner.planSync(h.text, ctx) : r;
  const e = p.entry;
  return {
    part: p.part,
    kind: p.kind,
    id: p.id,
    speaker: p.speaker,
    rate: p.rate,
    condition: p.condition,
    base: p.base,
    text: p.text,
    heard: h.text,
    accepted: h.accepted,
    reason: h.reason,
    score: h.score,
    sentenceOk: normalizeWords(h.text) === normalizeWords(p.text),
    motionOrStop: e !== undefined && (e.expect.kind === 'plan' || e.expect.kind === 'stop'),
    planOk: e !== undefined && r !== null && meets(e, r),
    planOkIfConfirmed: e !== undefined && rc !== null && meets(e, rc),
    motion: isMotion(r),
    stopWord,
    stopPlan: r?.kind === 'stop',
    got: describe(r),
  };
}

/** The development part: every command (or every `step`-th in quick) and out-of-domain line × 2 grammars, per dev voice. */
function developmentClips(set: SpeechEvalSet, step: number): Planned[] {
  const out: Planned[] = [];
  for (const v of EVAL_VOICES) {
    const rate = `${v.rate} wpm`;
    set.commands.forEach((e, i) => {
      if (i % step === 0)
        out.push({
          part: 'dev',
          kind: 'command',
          id: e.id,
          speaker: v.id,
          rate,
          condition: 'snr20',
          base: e.context.base,
          text: e.text,
          voice: v,
          entry: e,
        });
    });
    for (const base of OOD_BASES)
      set.ood.forEach((text, i) => {
        if (i % step === 0)
          out.push({ part: 'dev', kind: 'ood', id: `ood-${i + 1}`, speaker: v.id, rate, condition: 'snr20', base, text, voice: v });
      });
  }
  return out;
}

/** The held-out part: the sampled matrix as clips. */
function heldOutClips(set: SpeechEvalSet, mode: EvalMode, seed: number, filter: readonly string[] | undefined): Planned[] {
  const speakers = HELD_OUT_SPEAKERS.filter((s) => !filter?.length || filter.some((f) => speakerName(s).includes(f)));
  if (!speakers.length) throw new Error(`[speech eval] no held-out speaker matches ${filter?.join(', ')}`);
  const pools: Record<TrialKind, PoolItem[]> = {
    command: set.commands.map((e, index) => ({ index, base: e.context.base })),
    ood: OOD_BASES.flatMap((base) => set.ood.map((_, index) => ({ index, base }))),
    stop: set.stops.map((_, index) => ({ index, base: STOP_BASE })),
  };
  const byName = new Map(speakers.map((s) => [speakerName(s), s]));
  return sampleTrials([...byName.keys()], pools, SAMPLE_SPECS[mode], seed).map((t: SampledTrial) => {
    const voice = voiceAt(byName.get(t.speaker)!, t.rate);
    const common = {
      part: 'heldout' as const,
      kind: t.kind,
      speaker: t.speaker,
      rate: t.rate,
      condition: t.condition,
      base: t.base,
      voice,
    };
    if (t.kind === 'command') {
      const e = set.commands[t.index];
      return { ...common, id: e.id, text: e.text, entry: e };
    }
    const text = t.kind === 'ood' ? set.ood[t.index] : set.stops[t.index];
    return { ...common, id: `${t.kind}-${t.index + 1}`, text };
  });
}

/** clips per stream, at most: a stream's audio is written at once and held until decoded */
export const MAX_GROUP = 150;

/**
 * Clips in run order, one stream per group: development per (voice, grammar), as the old
 * evaluation ran; held-out per (condition, grammar), its speakers one after another as in a room
 * several people talk in (a stream per speaker would start ten times as many decoders).
 */
export function groupsOf<T extends Pick<Planned, 'part' | 'speaker' | 'condition' | 'base' | 'rate'>>(clips: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const c of clips) {
    const k = c.part === 'dev' ? `dev|${c.speaker}|${c.base}` : `heldout|${c.condition}|${c.base}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(c);
  }
  const out: T[][] = [];
  for (const g of groups.values()) {
    // Stable sort: one speaker's clips together, its rates in order.
    const sorted = g[0].part === 'dev' ? g : [...g].sort((a, b) => (a.speaker === b.speaker ? 0 : a.speaker < b.speaker ? -1 : 1));
    for (let i = 0; i < sorted.length; i += MAX_GROUP) out.push(sorted.slice(i, i + MAX_GROUP));
  }
  return out;
}

export async function evaluateSpeech(options: EvalOptions = {}) {
  const log = options.log ?? (() => undefined);
  const mode = options.mode ?? 'default';
  const seed = options.seed ?? 14;
  const set = loadSpeechSet();
  const planner = new RulePlanner();
  const stt = new PocketsphinxStt(options.stt);
  const avail = await stt.availability();
  if (!avail.available) throw new Error(avail.reason);
  const t0 = performance.now();

  const clips = [...developmentClips(set, mode === 'quick' ? 4 : 1), ...heldOutClips(set, mode, seed, options.speakers)];
  const groups = groupsOf(clips);
  log(`${mode}: ${clips.length} clips in ${groups.length} streams (seed ${seed})`);

  // One clip at a time: a group may hold 150, and each is two processes (synthesizer, sox).
  const synth = async (g: Planned[]): Promise<Synth[]> => {
    const out: Synth[] = [];
    for (const c of g)
      out.push(
        await withCondition(
          await speak(c.text, c.voice),
          c.condition,
          hashSeed(`${c.part}|${c.voice.id}|${c.condition}|${c.base}|${c.text}`),
        ),
      );
    return out;
  };

  const outcomes: TrialOutcome[] = [];
  let audioSeconds = 0;
  let synthWait = 0;
  const byPart = { dev: { cpu: 0, audio: 0 }, heldout: { cpu: 0, audio: 0 } };
  const cpu0 = stt.cpuSeconds;
  const tDecode = performance.now();
  // Synthesize the next group while this one decodes.
  let next: Promise<Synth[]> | null = groups.length ? synth(groups[0]) : null;
  for (const [gi, g] of groups.entries()) {
    const tw = performance.now();
    const audio = await next!;
    synthWait += performance.now() - tw;
    next = gi + 1 < groups.length ? synth(groups[gi + 1]) : null;
    const cont = g.map((c, i) => ({ c, a: audio[i] })).filter(({ c }) => c.kind !== 'stop');
    const turns = g.map((c, i) => ({ c, a: audio[i] })).filter(({ c }) => c.kind === 'stop');
    const groupAudio = audio.reduce((s, a) => s + a.pcm.length / 2 / SAMPLE_RATE, 0);
    audioSeconds += groupAudio;
    const gcpu = stt.cpuSeconds;
    await stt.setVocabulary(set.vocabulary(g[0].base));
    const stream = stt.stream();
    try {
      const heard = await decodeGroup(
        stream,
        cont.map((x) => x.a),
        turns.map((x) => x.a),
      );
      [...cont, ...turns].forEach(({ c }, i) => outcomes.push(scoreTrial(c, combine(heard[i].finals), heard[i].stopWord, set, planner)));
    } finally {
      await stream.close();
    }
    byPart[g[0].part].cpu += stt.cpuSeconds - gcpu;
    byPart[g[0].part].audio += groupAudio;
    if (gi % 20 === 19 || gi + 1 === groups.length)
      log(`${gi + 1}/${groups.length} streams, ${outcomes.length} trials, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const decodeWall = (performance.now() - tDecode) / 1000;
  const cpu = stt.cpuSeconds - cpu0;

  // Latency on real-time streams: hands-free (the decoder's VAD ends the utterance) and
  // push-to-talk (flush() at the end of speech), the first development voice.
  const n = options.latencySamples ?? (mode === 'quick' ? 4 : 12);
  const pick = set.commands.filter((_, i) => i % Math.max(1, Math.floor(set.commands.length / n)) === 0).slice(0, n);
  const latency = await measureLatency(
    stt,
    pick.map((e) => ({ text: e.text, vocabulary: set.vocabulary(e.context.base) })),
    EVAL_VOICES[0],
  );
  log(`latency: ${latency.handsFree.length} hands-free, ${latency.pushToTalk.length} push-to-talk samples`);

  const human = (options.human ?? mode !== 'quick') ? await humanRecordings(stt, set, planner) : { skipped: 'not in quick mode' };
  await stt.close();

  const dev = outcomes.filter((t) => t.part === 'dev');
  const held = outcomes.filter((t) => t.part === 'heldout');
  const p50 = round(quantile(latency.handsFree, 0.5), 0);
  const rtf = round(cpu / Math.max(1e-9, audioSeconds));
  const devSummary = summarize(dev);
  const heldSummary = summarize(held);
  const pass = judge(heldSummary, devSummary, p50, rtf);
  const inScores = outcomes.filter((t) => t.kind === 'command' && t.sentenceOk && t.score !== null).map((t) => t.score!);
  const oodScores = outcomes.filter((t) => t.kind === 'ood' && t.score !== null).map((t) => t.score!);
  const brief = (t: TrialOutcome) => ({
    id: t.id,
    speaker: t.speaker,
    rate: t.rate,
    condition: t.condition,
    grammar: t.base,
    said: t.text,
    heard: t.heard,
    accepted: t.accepted,
    reason: t.reason,
    score: t.score,
    planned: t.got,
  });
  const LIST_CAP = 300;
  const categoryOf = new Map(set.commands.map((e) => [e.id, e.category]));
  return {
    recognizer: {
      backend: 'pocketsphinx',
      competitor: stt.competitor,
      threshold: stt.threshold,
      shortSlope: stt.shortSlope,
      loopWeight: stt.loopWeight,
      stopThreshold: stt.stopThreshold,
      postSpeechFrames: stt.postSpeechFrames,
    },
    mode,
    seed,
    audio: {
      development: `${EVAL_VOICES.map((v) => `espeak-ng ${v.voice} ${v.rate} wpm`).join(', ')}; pink noise at 20 dB SNR (sox)`,
      heldOutSpeakers: [...new Set(held.map((t) => t.speaker))],
      rates: `${RATES.join('/')}: espeak-ng 130/165/200 wpm, flite duration_stretch 1.2/1.0/0.85`,
      conditions: `${CONDITIONS.join(', ')} (lead: 0.5 s of exact digital silence before the speech, then 20 dB pink noise from the speech on)`,
      commands: set.commands.length,
      outOfDomain: set.ood.length,
      oodGrammars: OOD_BASES,
      stopWords: set.stops.length,
      clips: clips.length,
      seconds: round(audioSeconds, 1),
    },
    targets: TARGETS,
    pass,
    overall: summarize(outcomes),
    development: {
      ...devSummary,
      perVoice: summarizeBy(dev, (t) => t.speaker),
      perCategory: summarizeBy(
        dev.filter((t) => t.kind === 'command'),
        (t) => categoryOf.get(t.id) ?? 'other',
      ),
    },
    heldOut: {
      ...heldSummary,
      perSpeaker: summarizeBy(held, (t) => t.speaker, HELD_OUT_SPEAKERS.map(speakerName)),
      perCondition: summarizeBy(held, (t) => t.condition, CONDITIONS),
      perRate: summarizeBy(held, (t) => t.rate, RATES),
      perEngine: summarizeBy(held, (t) => (t.speaker.startsWith('flite:') ? 'flite' : 'espeak-ng')),
    },
    failures: {
      oodMotion: outcomes
        .filter((t) => t.kind === 'ood' && t.motion)
        .slice(0, LIST_CAP)
        .map(brief),
      stopMissed: held
        .filter((t) => t.kind === 'stop' && !t.stopWord && !t.stopPlan)
        .slice(0, LIST_CAP)
        .map(brief),
      stopMotion: held
        .filter((t) => t.kind === 'stop' && t.motion)
        .slice(0, LIST_CAP)
        .map(brief),
      rightWordsRejected: outcomes
        .filter((t) => t.kind === 'command' && t.sentenceOk && !t.accepted)
        .slice(0, LIST_CAP)
        .map(brief),
      commandsWrong: dev
        .filter((t) => t.kind === 'command' && t.motionOrStop && !t.planOk)
        .slice(0, LIST_CAP)
        .map(brief),
    },
    scores: {
      inDomainCorrect: {
        min: round(quantile(inScores, 0), 2),
        p1: round(quantile(inScores, 0.01), 2),
        p5: round(quantile(inScores, 0.05), 2),
        median: round(quantile(inScores, 0.5), 2),
      },
      outOfDomain: {
        max: round(quantile(oodScores, 0.9999), 2),
        p95: round(quantile(oodScores, 0.95), 2),
        median: round(quantile(oodScores, 0.5), 2),
      },
    },
    latencyMs: {
      handsFree: {
        samples: latency.handsFree.length,
        p50,
        p90: round(quantile(latency.handsFree, 0.9), 0),
        note: `end of speech → final transcript on a real-time stream; includes the decoder's ${stt.postSpeechFrames * 10} ms end-of-speech silence`,
      },
      pushToTalk: {
        samples: latency.pushToTalk.length,
        p50: round(quantile(latency.pushToTalk, 0.5), 0),
        p90: round(quantile(latency.pushToTalk, 0.9), 0),
        note: 'flush() at the end of speech → final transcript',
      },
    },
    realTimeFactor: {
      cpu: rtf,
      development: round(byPart.dev.cpu / Math.max(1e-9, byPart.dev.audio)),
      heldOut: round(byPart.heldout.cpu / Math.max(1e-9, byPart.heldout.audio)),
      wall: round(decodeWall / Math.max(1e-9, audioSeconds)),
      synthesisWaitSeconds: round(synthWait / 1000, 1),
      note: 'cpu = decoder CPU seconds (grammar + competitor) per audio second; wall = decode wall time (synthesis overlapped) per audio second on this machine',
    },
    human,
    ...(options.includeTrials ? { trials: outcomes } : {}),
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}

/** pocketsphinx-testdata: real read speech, with its own grammars, and against ours (must be rejected). */
async function humanRecordings(stt: PocketsphinxStt, set: ReturnType<typeof loadSpeechSet>, planner: RulePlanner) {
  if (!existsSync(TESTDATA)) return { skipped: `${TESTDATA} is missing (apt-get install pocketsphinx-testdata)` };
  const own: { file: string; grammar: string; said: string; heard: string; accepted: boolean; score: number | null; correct: boolean }[] =
    [];
  const goforward = `${TESTDATA}/goforward.raw`;
  const cases: { file: string; gram: string; said: string }[] = [
    { file: goforward, gram: `${TESTDATA}/goforward.gram`, said: 'go forward ten meters' },
  ];
  const cardsTx = existsSync(`${TESTDATA}/cards/cards.transcription`) ? readFileSync(`${TESTDATA}/cards/cards.transcription`, 'utf8') : '';
  for (const m of cardsTx.matchAll(/<s>\s*(.*?)\s*<\/s>\s*\((\d+)\)/g))
    cases.push({ file: `${TESTDATA}/cards/${m[2]}.wav`, gram: `${TESTDATA}/cards/cards.gram`, said: m[1] });
  for (const c of cases) {
    if (!existsSync(c.file)) continue;
    await stt.setJsgf(readFileSync(c.gram, 'utf8'));
    const h = combine(await stt.transcribe(await readAudioFile(c.file)));
    own.push({
      file: c.file.replace(`${TESTDATA}/`, ''),
      grammar: c.gram.replace(`${TESTDATA}/`, ''),
      said: c.said,
      heard: h.text,
      accepted: h.accepted,
      score: h.score,
      correct: normalizeWords(h.text) === normalizeWords(c.said),
    });
  }
  // The same real voices against the robot's command grammar: none may become a command.
  await stt.setVocabulary(set.vocabulary('giftbag'));
  const files = [
    goforward,
    `${TESTDATA}/numbers.raw`,
    `${TESTDATA}/something.raw`,
    ...cases.filter((c) => c.file.includes('cards')).map((c) => c.file),
  ];
  const libri = `${TESTDATA}/librivox/fileids`;
  if (existsSync(libri))
    for (const id of readFileSync(libri, 'utf8').split('\n').filter(Boolean)) files.push(`${TESTDATA}/librivox/${id}.wav`);
  const versusCommands: { file: string; heard: string; accepted: boolean; score: number | null; planned: string }[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const t of await stt.transcribe(await readAudioFile(f))) {
      const r = t.accepted ? planner.planSync(t.text, set.context({ context: { base: 'giftbag' } })) : null;
      versusCommands.push({
        file: f.replace(`${TESTDATA}/`, ''),
        heard: t.text,
        accepted: t.accepted,
        score: t.score ?? null,
        planned: r ? describe(r) : 'rejected',
      });
    }
  }
  return {
    withTheirGrammars: {
      utterances: own.length,
      sentenceAccuracy: round(own.filter((o) => o.correct).length / Math.max(1, own.length)),
      accepted: own.filter((o) => o.accepted).length,
      results: own,
    },
    againstCommandGrammar: {
      utterances: versusCommands.length,
      acceptedAsMotion: versusCommands.filter((v) => v.planned.startsWith('plan') && !v.planned.endsWith('plan ')).length,
      rejected: versusCommands.filter((v) => !v.accepted).length,
      results: versusCommands,
    },
  };
}
