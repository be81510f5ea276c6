/**
 * The speech evaluation: the command set and the out-of-domain set, synthesized at run time
 * (espeak-ng, two US voices, 20 dB pink noise from sox), through the default recognizer and
 * the rule planner. Reports sentence accuracy, plan accuracy, out-of-domain acceptance,
 * end-of-speech → transcript latency (real-time streams, hands-free and push-to-talk), the
 * real-time factor (decoder CPU seconds per audio second), and the real human recordings of
 * Debian's pocketsphinx-testdata.
 */
import { existsSync, readFileSync } from 'node:fs';
import { RulePlanner } from '../../planner/rule-planner.js';
import type { PlannerResult } from '../../planner/types.js';
import { formatPlan } from '../../skills/registry.js';
import { readAudioFile, SAMPLE_RATE } from '../pcm.js';
import { PocketsphinxStt, type PocketsphinxOptions, type PocketsphinxStream } from '../pocketsphinx.js';
import type { SttStream, Transcript } from '../types.js';
import { loadSpeechSet, meets, normalizeWords, type CommandEntry } from './set.js';
import { EVAL_VOICES, speak, withNoise, type Synth, type Voice } from '../synth.js';

export const TARGETS = { sentenceAccuracy: 0.9, planAccuracy: 0.93, oodMotionAccepted: 0, latencyP50Ms: 400, rtf: 0.1 } as const;
export const TESTDATA = '/usr/share/pocketsphinx/test/data';

export interface EvalOptions {
  voices?: readonly Voice[];
  snrDb?: number;
  /** utterances per latency mode (real-time streams) */
  latencySamples?: number;
  stt?: PocketsphinxOptions;
  log?: (line: string) => void;
  /** add every trial to the report (for threshold calibration) */
  includeTrials?: boolean;
}

interface Trial {
  id: string;
  voice: string;
  text: string;
  heard: string;
  accepted: boolean;
  score: number | null;
  /** words right (contractions expanded) */
  sentenceOk: boolean;
  planOk: boolean;
  got: string;
}

const quantile = (xs: number[], q: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (x: number | null, d = 3): number | null => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

function describe(r: PlannerResult): string {
  if (r.kind === 'plan') return `plan ${formatPlan(r.plan)}`;
  if ('name' in r) return `${r.kind} ${r.name}`;
  return r.kind;
}

/** Join the finals that fall inside one item's span (a pause may split an utterance). */
function combine(ts: Transcript[]): { text: string; accepted: boolean; score: number | null } {
  if (!ts.length) return { text: '', accepted: false, score: null };
  const scores = ts.map((t) => t.score).filter((s): s is number => s !== undefined);
  return {
    text: ts
      .map((t) => t.text)
      .filter(Boolean)
      .join(' '),
    accepted: ts.every((t) => t.accepted),
    score: scores.length ? Math.min(...scores) : null,
  };
}

/**
 * Feed clips back to back into one stream as fast as possible (the decoder still sees one
 * continuous recording, as from a microphone), then assign each final to the clip it falls in.
 */
async function decodeStream(stream: PocketsphinxStream, clips: Synth[]): Promise<Transcript[][]> {
  const finals: Transcript[] = [];
  // Empty finals (noise only) have no word times and belong to no clip.
  const off = stream.subscribe((e) => {
    if (e.type === 'final' && e.transcript.start !== undefined) finals.push(e.transcript);
  });
  const spans: [number, number][] = [];
  for (const c of clips) {
    const at = stream.position;
    spans.push([at, at + c.pcm.length / 2 / SAMPLE_RATE]);
    stream.write(c.pcm);
  }
  await stream.finish();
  off();
  return spans.map(([a, b]) =>
    finals.filter((t) => {
      const mid = (t.start! + (t.end ?? t.start!)) / 2;
      return mid >= a && mid < b;
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write PCM in 20 ms chunks at real-time pace; calls `at(sampleIndex, wallMs)` after each chunk. */
async function realtime(stream: SttStream, pcm: Buffer, onChunk?: (endSample: number, wall: number) => void): Promise<void> {
  const chunk = SAMPLE_RATE / 50;
  const t0 = performance.now();
  for (let i = 0; i < pcm.length / 2; i += chunk) {
    const end = Math.min(pcm.length / 2, i + chunk);
    const due = t0 + (end / SAMPLE_RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    stream.write(pcm.subarray(i * 2, end * 2));
    onChunk?.(end, performance.now());
  }
}

export async function evaluateSpeech(options: EvalOptions = {}) {
  const log = options.log ?? (() => undefined);
  const voices = options.voices ?? EVAL_VOICES;
  const snr = options.snrDb ?? 20;
  const set = loadSpeechSet();
  const planner = new RulePlanner();
  const stt = new PocketsphinxStt(options.stt);
  const avail = await stt.availability();
  if (!avail.available) throw new Error(avail.reason);
  const t0 = performance.now();

  // 1. Synthesize everything (espeak-ng + sox noise).
  const oodBases = ['giftbag', 'stopmotion'];
  const clip = new Map<string, Synth>();
  let seed = 1;
  for (const v of voices) {
    for (const text of new Set([...set.commands.map((e) => e.text), ...set.ood]))
      clip.set(`${v.id}|${text}`, await withNoise(await speak(text, v), snr, { seed: seed++, lead: 0.3, tail: 0.7 }));
  }
  const synthSeconds = (performance.now() - t0) / 1000;
  log(`synthesized ${clip.size} clips in ${synthSeconds.toFixed(1)} s`);

  // 2. Accuracy: one continuous stream per voice and context, fed as fast as the decoder takes it.
  const trials: Trial[] = [];
  const ood: (Trial & { base: string; motion: boolean; kind: string })[] = [];
  let audioSeconds = 0;
  const tDecode = performance.now();
  const cpu0 = stt.cpuSeconds;
  const bases = [...new Set(set.commands.map((e) => e.context.base))];
  for (const v of voices) {
    for (const base of [...new Set([...bases, ...oodBases])]) {
      await stt.setVocabulary(set.vocabulary(base));
      const entries = set.commands.filter((e) => e.context.base === base);
      const oodTexts = oodBases.includes(base) ? set.ood : [];
      const clips = [...entries.map((e) => clip.get(`${v.id}|${e.text}`)!), ...oodTexts.map((t) => clip.get(`${v.id}|${t}`)!)];
      audioSeconds += clips.reduce((s, c) => s + c.pcm.length / 2 / SAMPLE_RATE, 0);
      const stream = stt.stream();
      const heard = await decodeStream(stream, clips);
      await stream.close();
      entries.forEach((e: CommandEntry, i) => {
        const h = combine(heard[i]);
        const r = h.accepted ? planner.planSync(h.text, set.context(e)) : null;
        trials.push({
          id: e.id,
          voice: v.id,
          text: e.text,
          heard: h.text,
          accepted: h.accepted,
          score: h.score,
          sentenceOk: normalizeWords(h.text) === normalizeWords(e.text),
          planOk: r !== null && meets(e, r),
          got: r ? describe(r) : 'rejected',
        });
      });
      oodTexts.forEach((text, k) => {
        const h = combine(heard[entries.length + k]);
        const r = h.accepted ? planner.planSync(h.text, set.context({ context: { base } })) : null;
        const motion = r?.kind === 'plan' && r.plan.length > 0;
        ood.push({
          id: `ood-${k + 1}`,
          base,
          voice: v.id,
          text,
          heard: h.text,
          accepted: h.accepted,
          score: h.score,
          sentenceOk: false,
          planOk: !motion,
          got: r ? describe(r) : 'rejected',
          motion,
          kind: r?.kind ?? 'rejected',
        });
      });
      log(`${v.id} ${base}: ${entries.length} commands, ${oodTexts.length} out-of-domain`);
    }
  }
  const decodeWall = (performance.now() - tDecode) / 1000;
  const cpu = stt.cpuSeconds - cpu0;

  // 3. Latency on real-time streams: hands-free (the decoder's VAD ends the utterance) and
  //    push-to-talk (flush() at the end of speech).
  const n = options.latencySamples ?? 12;
  const pick = set.commands.filter((_, i) => i % Math.max(1, Math.floor(set.commands.length / n)) === 0).slice(0, n);
  const latency = { handsFree: [] as number[], pushToTalk: [] as number[] };
  const latVoice = voices[0];
  await stt.setVocabulary(set.vocabulary('giftbag_late'));
  for (const mode of ['handsFree', 'pushToTalk'] as const) {
    for (const e of pick) {
      await stt.setVocabulary(set.vocabulary(e.context.base));
      const c = clip.get(`${latVoice.id}|${e.text}`)!;
      const stream = stt.stream();
      const endSample = Math.round(c.speechEnd * SAMPLE_RATE);
      let speechEndWall = 0;
      const got = new Promise<number>((resolve) => {
        stream.subscribe((ev) => {
          if (ev.type === 'final' && ev.transcript.text) resolve(performance.now());
        });
      });
      if (mode === 'handsFree') {
        await realtime(stream, c.pcm, (end, wall) => {
          if (!speechEndWall && end >= endSample) speechEndWall = wall - ((end - endSample) / SAMPLE_RATE) * 1000;
        });
        const done = await Promise.race([got, sleep(3000).then(() => -1)]);
        if (done > 0) latency.handsFree.push(done - speechEndWall);
      } else {
        await realtime(stream, c.pcm.subarray(0, endSample * 2));
        const tRelease = performance.now();
        const out = await stream.flush();
        if (out.length) latency.pushToTalk.push(performance.now() - tRelease);
      }
      await stream.close();
    }
    log(`latency ${mode}: ${latency[mode].length} samples`);
  }

  // 4. Real human recordings (pocketsphinx-testdata).
  const human = await humanRecordings(stt, set, planner);
  await stt.close();

  const cmds = trials.length;
  const sentence = trials.filter((t) => t.sentenceOk).length / cmds;
  const plan = trials.filter((t) => t.planOk).length / cmds;
  const oodMotion = ood.filter((t) => t.motion).length;
  const inScores = trials.filter((t) => t.sentenceOk && t.score !== null).map((t) => t.score!);
  const oodScores = ood.filter((t) => t.score !== null).map((t) => t.score!);
  const p50 = quantile(latency.handsFree, 0.5);
  const p50ptt = quantile(latency.pushToTalk, 0.5);
  const rtf = cpu / audioSeconds;
  const perVoice = Object.fromEntries(
    voices.map((v) => {
      const ts = trials.filter((t) => t.voice === v.id);
      return [
        v.id,
        {
          sentenceAccuracy: round(ts.filter((t) => t.sentenceOk).length / ts.length),
          planAccuracy: round(ts.filter((t) => t.planOk).length / ts.length),
        },
      ];
    }),
  );
  const categories = [...new Set(set.commands.map((e) => e.category))];
  const perCategory = Object.fromEntries(
    categories.map((c) => {
      const ids = new Set(set.commands.filter((e) => e.category === c).map((e) => e.id));
      const ts = trials.filter((t) => ids.has(t.id));
      return [
        c,
        {
          trials: ts.length,
          sentenceAccuracy: round(ts.filter((t) => t.sentenceOk).length / ts.length),
          planAccuracy: round(ts.filter((t) => t.planOk).length / ts.length),
        },
      ];
    }),
  );
  const pass = {
    sentenceAccuracy: sentence >= TARGETS.sentenceAccuracy,
    planAccuracy: plan >= TARGETS.planAccuracy,
    oodMotionAccepted: oodMotion <= TARGETS.oodMotionAccepted,
    latencyP50: p50 !== null && p50 <= TARGETS.latencyP50Ms,
    rtf: rtf <= TARGETS.rtf,
  };
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
    audio: {
      voices: voices.map((v) => `${v.voice} ${v.rate} wpm`),
      noise: `pink noise at ${snr} dB SNR (sox)`,
      commands: set.commands.length,
      outOfDomain: set.ood.length,
      oodGrammars: oodBases,
      seconds: round(audioSeconds, 1),
    },
    targets: TARGETS,
    pass: { ...pass, all: Object.values(pass).every(Boolean) },
    commands: {
      trials: cmds,
      sentenceAccuracy: round(sentence),
      planAccuracy: round(plan),
      accepted: round(trials.filter((t) => t.accepted).length / cmds),
      perVoice,
      perCategory,
      failures: trials
        .filter((t) => !t.sentenceOk || !t.planOk)
        .map((t) => ({
          id: t.id,
          voice: t.voice,
          said: t.text,
          heard: t.heard,
          accepted: t.accepted,
          score: t.score,
          planned: t.got,
          planOk: t.planOk,
        })),
    },
    outOfDomain: {
      trials: ood.length,
      acceptedAsMotion: oodMotion,
      acceptedAsOther: ood.filter((t) => t.accepted && !t.motion).length,
      rejected: ood.filter((t) => !t.accepted).length,
      accepted: ood
        .filter((t) => t.accepted)
        .map((t) => ({ said: t.text, grammar: t.base, voice: t.voice, heard: t.heard, score: t.score, planned: t.got })),
    },
    scores: {
      inDomainCorrect: {
        min: round(quantile(inScores, 0), 2),
        p1: round(quantile(inScores, 0.01), 2),
        p2: round(quantile(inScores, 0.02), 2),
        p5: round(quantile(inScores, 0.05), 2),
        p10: round(quantile(inScores, 0.1), 2),
        median: round(quantile(inScores, 0.5), 2),
        rejected: trials.filter((t) => t.sentenceOk && !t.accepted).length,
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
        p50: round(p50, 0),
        p90: round(quantile(latency.handsFree, 0.9), 0),
        note: `end of speech → final transcript on a real-time stream; includes the decoder's ${stt.postSpeechFrames * 10} ms end-of-speech silence`,
      },
      pushToTalk: {
        samples: latency.pushToTalk.length,
        p50: round(p50ptt, 0),
        p90: round(quantile(latency.pushToTalk, 0.9), 0),
        note: 'flush() at the end of speech → final transcript',
      },
    },
    realTimeFactor: {
      cpu: round(rtf),
      wall: round(decodeWall / audioSeconds),
      note: 'cpu = decoder CPU seconds (grammar + competitor) per audio second; wall = decode wall time per audio second on this machine',
    },
    human,
    ...(options.includeTrials ? { trials: { commands: trials, outOfDomain: ood } } : {}),
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
