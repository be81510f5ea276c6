/**
 * Speech benchmark (issue 14's latency line), the default offline recognizer as the console runs it
 * (PocketsphinxStt: command grammar + competitor, and the keyword spotter when it has one):
 *   latency   end of speech → first final transcript on a real-time stream (20 ms chunks at
 *             wall-clock pace), hands-free (the decoder's endpointer ends the utterance) and
 *             push-to-talk (flush() when the key is released)            target hands-free p50 ≤ 400 ms
 *   rtf       decoder CPU seconds per second of audio, every process of the stream counted, over
 *             the same commands fed back to back into one stream          target ≤ 0.1
 * Audio: espeak-ng en-us 175 wpm with 20 dB pink noise, synthesized at run time (12 commands of
 * the speech eval's development set, every 8th). The machine is shared: the report carries the load.
 *
 *   node --import tsx bench/speech.ts   → prints JSON (also `shammie bench --only speech`)
 */
import { cpus, loadavg } from 'node:os';
import { SAMPLE_RATE } from '../speech/pcm.js';
import { PocketsphinxStt } from '../speech/pocketsphinx.js';
import { EVAL_VOICES, speak, withCondition } from '../speech/synth.js';
import { measureLatency } from '../speech/eval/latency.js';
import { hashSeed } from '../speech/eval/sample.js';
import { loadSpeechSet } from '../speech/eval/set.js';
import { runStandalone } from './standalone.js';

export const SPEECH_TARGETS = { handsFreeP50Ms: 400, rtf: 0.1 } as const;

const quantile = (xs: number[], q: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const r = (v: number | null, d = 0) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);

export async function runSpeechBench(samples = 12) {
  const stt = new PocketsphinxStt();
  const avail = await stt.availability();
  if (!avail.available) return { benchmark: 'speech', pass: false, skipped: avail.reason };
  const set = loadSpeechSet();
  const n = Math.max(1, Math.min(50, samples));
  const pick = set.commands.filter((_, i) => i % Math.max(1, Math.floor(set.commands.length / n)) === 0).slice(0, n);
  const voice = EVAL_VOICES[0];
  try {
    // CPU per audio second: one stream per grammar, its commands back to back with room tone between.
    let audio = 0;
    const cpu0 = stt.cpuSeconds;
    const role0 = { ...stt.cpuByRole };
    const byBase = new Map<string, typeof pick>();
    for (const e of pick) byBase.set(e.context.base, [...(byBase.get(e.context.base) ?? []), e]);
    let heard = 0;
    for (const [base, es] of byBase) {
      await stt.setVocabulary(set.vocabulary(base));
      const stream = stt.stream();
      stream.subscribe((ev) => {
        if (ev.type === 'final' && ev.transcript.text) heard++;
      });
      for (const e of es) {
        const c = await withCondition(await speak(e.text, voice), 'snr20', hashSeed(`bench|${e.text}`));
        audio += c.pcm.length / 2 / SAMPLE_RATE;
        stream.write(c.pcm);
        await stream.flush();
      }
      await stream.close();
    }
    const rtf = (stt.cpuSeconds - cpu0) / Math.max(1e-9, audio);
    // CPU per audio second by decoder role, so a regression names its process.
    const byRole = Object.fromEntries(
      (Object.keys(role0) as (keyof typeof role0)[]).map((k) => [k, r((stt.cpuByRole[k] - role0[k]) / Math.max(1e-9, audio), 3)]),
    );
    const latency = await measureLatency(
      stt,
      pick.map((e) => ({ text: e.text, vocabulary: set.vocabulary(e.context.base) })),
      voice,
    );
    const p50 = quantile(latency.handsFree, 0.5);
    return {
      benchmark: 'speech',
      node: process.version,
      cores: cpus().length,
      loadavg1m: r(loadavg()[0], 2),
      voice: voice.id,
      utterances: pick.length,
      latencyMs: {
        handsFree: { samples: latency.handsFree.length, p50: r(p50), p90: r(quantile(latency.handsFree, 0.9)) },
        pushToTalk: {
          samples: latency.pushToTalk.length,
          p50: r(quantile(latency.pushToTalk, 0.5)),
          p90: r(quantile(latency.pushToTalk, 0.9)),
        },
      },
      rtf: { cpu: r(rtf, 3), byRole, audioSeconds: r(audio, 1), finals: heard },
      targets: SPEECH_TARGETS,
      pass: p50 !== null && p50 <= SPEECH_TARGETS.handsFreeP50Ms && rtf <= SPEECH_TARGETS.rtf,
    };
  } finally {
    await stt.close();
  }
}

await runStandalone(import.meta, 'speech', () => runSpeechBench());
