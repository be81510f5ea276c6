/**
 * Speech made at run time, for the evaluation, the tests and `run --speak-through`: espeak-ng
 * voices resampled by sox to 16 kHz, padded, and mixed with pink "room" noise (made by sox,
 * repeatable with -R) at a set SNR over the speech's active frames. Clean synthetic speech has
 * no noise floor at all, unlike any microphone, and the en-us model misreads it far more often.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AudioError, SAMPLE_RATE, samples, toPcm16k } from './pcm.js';
import { run } from './proc.js';

const execFileP = promisify(execFile);

export interface Voice {
  id: string;
  /** espeak-ng -v */
  voice: string;
  /** words per minute (espeak-ng -s) */
  rate: number;
  /** pitch 0..99 (espeak-ng -p) */
  pitch?: number;
}

/** Two US voices at different rates for the evaluation (the en-us model fits US vowels only). */
export const EVAL_VOICES: readonly Voice[] = [
  { id: 'en-us-m-175', voice: 'en-us', rate: 175 },
  { id: 'en-us-f2-150', voice: 'en-us+f2', rate: 150 },
];

export interface Synth {
  /** 16 kHz mono s16le */
  pcm: Buffer;
  /** seconds where the speech starts and ends inside `pcm` (the rest is padding) */
  speechStart: number;
  speechEnd: number;
}

/** espeak-ng → 16 kHz samples of the bare speech. */
export async function speak(text: string, v: Voice): Promise<Buffer> {
  const args = ['-v', v.voice, '-s', String(v.rate), ...(v.pitch !== undefined ? ['-p', String(v.pitch)] : []), '--stdout', text];
  const { stdout } = await execFileP('espeak-ng', args, { encoding: 'buffer', maxBuffer: 64 << 20 });
  return trimSilence(await toPcm16k(stdout));
}

/** espeak pads with exact digital silence; cut it so "end of speech" is the last voiced sample. */
export function trimSilence(pcm: Buffer): Buffer {
  const s = samples(pcm);
  const frame = SAMPLE_RATE / 100;
  const loud = (i: number) => {
    let m = 0;
    for (let k = i; k < Math.min(s.length, i + frame); k++) m = Math.max(m, Math.abs(s[k]));
    return m > 64;
  };
  let a = 0;
  while (a < s.length && !loud(a)) a += frame;
  let b = s.length - frame;
  while (b > a && !loud(b)) b -= frame;
  return pcm.subarray(a * 2, Math.min(pcm.length, (b + frame) * 2));
}

let noiseCache: Int16Array | undefined;

/** 30 s of pink noise from sox (-R: the same noise on every run). */
export async function pinkNoise(): Promise<Int16Array> {
  if (noiseCache) return noiseCache;
  const r = await run(
    'sox',
    [
      '-R',
      '-n',
      '-t',
      'raw',
      '-r',
      String(SAMPLE_RATE),
      '-c',
      '1',
      '-b',
      '16',
      '-e',
      'signed-integer',
      '-L',
      '-',
      'synth',
      '30',
      'pinknoise',
    ],
    { timeoutMs: 30_000 },
  );
  if (r.code !== 0) throw new AudioError(`sox could not make noise: ${r.stderr.trim()}`);
  noiseCache = samples(Buffer.from(r.stdout));
  return noiseCache;
}

/** Mean power of the frames that carry speech (above −50 dBFS), so pauses do not dilute the SNR. */
function speechPower(s: Int16Array): number {
  const frame = SAMPLE_RATE / 100;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + frame <= s.length; i += frame) {
    let e = 0;
    for (let k = i; k < i + frame; k++) e += s[k] * s[k];
    e /= frame;
    if (e > (32768 * 10 ** (-50 / 20)) ** 2) {
      sum += e;
      n++;
    }
  }
  return n ? sum / n : 1;
}

/**
 * Speech with `lead`/`tail` seconds of padding, plus pink noise at `snrDb` over the whole clip
 * (null: no noise; the padding is then near-silence dither).
 */
export async function withNoise(
  speech: Buffer,
  snrDb: number | null,
  options: { lead?: number; tail?: number; seed?: number } = {},
): Promise<Synth> {
  const lead = Math.round((options.lead ?? 0.3) * SAMPLE_RATE);
  const tail = Math.round((options.tail ?? 0.5) * SAMPLE_RATE);
  const s = samples(speech);
  const out = new Int16Array(lead + s.length + tail);
  out.set(s, lead);
  const noise = snrDb === null ? null : await pinkNoise();
  const gain = noise ? Math.sqrt(speechPower(s) / (speechPower(noise) * 10 ** (snrDb! / 10))) : 0;
  let seed = (options.seed ?? 1) >>> 0;
  const start = noise ? (seed * 7919) % Math.max(1, noise.length - out.length) : 0;
  for (let i = 0; i < out.length; i++) {
    let v = out[i];
    if (noise) v += noise[(start + i) % noise.length] * gain;
    else {
      seed = (seed * 1103515245 + 12345) >>> 0;
      v += ((seed >>> 16) % 7) - 3;
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return {
    pcm: Buffer.from(out.buffer, out.byteOffset, out.byteLength),
    speechStart: lead / SAMPLE_RATE,
    speechEnd: (lead + s.length) / SAMPLE_RATE,
  };
}
