/**
 * End of speech → transcript, on real-time streams, as a user meets it: audio is written in
 * 20 ms chunks at wall-clock pace; hands-free waits for the decoder's own endpointer, push-to-talk
 * calls flush() at the end of speech (the key released). Shared by `npm run eval:speech` and
 * `shammie bench --only speech`.
 */
import { SAMPLE_RATE } from '../pcm.js';
import type { GrammarInput } from '../grammar.js';
import { speak, withCondition, type Voice } from '../synth.js';
import type { SpeechToText, SttStream } from '../types.js';
import { hashSeed } from './sample.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write PCM in 20 ms chunks at real-time pace; calls `onChunk(sampleIndex, wallMs)` after each chunk. */
export async function realtime(stream: SttStream, pcm: Buffer, onChunk?: (endSample: number, wall: number) => void): Promise<void> {
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

export interface LatencyUtterance {
  text: string;
  vocabulary: GrammarInput;
}

/** Milliseconds from the end of speech to the first non-empty final, per utterance (a miss within 3 s is left out). */
export async function measureLatency(
  stt: SpeechToText,
  utterances: readonly LatencyUtterance[],
  voice: Voice,
): Promise<{ handsFree: number[]; pushToTalk: number[] }> {
  const latency = { handsFree: [] as number[], pushToTalk: [] as number[] };
  for (const mode of ['handsFree', 'pushToTalk'] as const) {
    for (const u of utterances) {
      await stt.setVocabulary(u.vocabulary);
      const c = await withCondition(await speak(u.text, voice), 'snr20', hashSeed(`latency|${u.text}`));
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
  }
  return latency;
}
