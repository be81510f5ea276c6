/**
 * Speech made at run time, for the evaluation, the tests and `run --speak-through`: espeak-ng or
 * flite voices resampled by sox to 16 kHz, padded, and mixed with pink "room" noise (made by sox,
 * repeatable with -R) at a set SNR over the speech's active frames. Clean synthetic speech has
 * no noise floor at all, unlike any microphone, and the en-us model misreads it far more often.
 *
 * The evaluation's held-out matrix (speech/eval) crosses every espeak-ng English voice that needs
 * no mbrola (plus female/male variants) and every Debian flite voice with three speaking rates and
 * four listening conditions (CONDITIONS).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AudioError, SAMPLE_RATE, samples, toPcm16k } from './pcm.js';
import { run } from './proc.js';

const execFileP = promisify(execFile);

export interface EspeakVoice {
  id: string;
  engine?: 'espeak-ng';
  /** espeak-ng -v */
  voice: string;
  /** words per minute (espeak-ng -s) */
  rate: number;
  /** pitch 0..99 (espeak-ng -p) */
  pitch?: number;
}

export interface FliteVoice {
  id: string;
  engine: 'flite';
  /** flite -voice */
  voice: string;
  /** flite's duration_stretch: above 1 is slower */
  stretch: number;
}

export type Voice = EspeakVoice | FliteVoice;

/** Two US voices at different rates: the development voices of the evaluation (the en-us model fits US vowels only). */
export const EVAL_VOICES: readonly EspeakVoice[] = [
  { id: 'en-us-m-175', voice: 'en-us', rate: 175 },
  { id: 'en-us-f2-150', voice: 'en-us+f2', rate: 150 },
];

/**
 * The held-out speakers: the eight espeak-ng English voices that need no mbrola
 * (`espeak-ng --voices=en`), ten of them again with a female or male variant, and the Debian
 * flite voices (`flite -lv`) except awb_time, which can only say the time.
 */
export const HELD_OUT_SPEAKERS: readonly { engine: 'espeak-ng' | 'flite'; voice: string }[] = [
  ...[
    'en-us',
    'en-us+f2',
    'en-us+f3',
    'en-us+m3',
    'en-us+f4',
    'en-us-nyc',
    'en-us-nyc+m3',
    'en-gb',
    'en-gb+f2',
    'en-gb+m3',
    'en-gb-scotland',
    'en-gb-scotland+f3',
    'en-gb-x-gbclan',
    'en-gb-x-gbcwmd',
    'en-gb-x-rp',
    'en-gb-x-rp+f4',
    'en-029',
    'en-029+f2',
  ].map((voice) => ({ engine: 'espeak-ng' as const, voice })),
  ...['kal', 'kal16', 'awb', 'rms', 'slt'].map((voice) => ({ engine: 'flite' as const, voice })),
];

export const RATES = ['slow', 'default', 'fast'] as const;
export type RateTier = (typeof RATES)[number];
/** espeak-ng words per minute per rate tier */
export const ESPEAK_WPM: Record<RateTier, number> = { slow: 130, default: 165, fast: 200 };
/** flite duration_stretch per rate tier */
export const FLITE_STRETCH: Record<RateTier, number> = { slow: 1.2, default: 1.0, fast: 0.85 };

/** A speaker's name as the tables show it: `en-gb+f2`, `flite:kal`. */
export function speakerName(s: { engine: 'espeak-ng' | 'flite'; voice: string }): string {
  return s.engine === 'flite' ? `flite:${s.voice}` : s.voice;
}

/** A held-out speaker at a rate tier. */
export function voiceAt(s: { engine: 'espeak-ng' | 'flite'; voice: string }, rate: RateTier): Voice {
  const id = `${speakerName(s)}@${rate}`;
  return s.engine === 'flite'
    ? { id, engine: 'flite', voice: s.voice, stretch: FLITE_STRETCH[rate] }
    : { id, voice: s.voice, rate: ESPEAK_WPM[rate] };
}

export interface Synth {
  /** 16 kHz mono s16le */
  pcm: Buffer;
  /** seconds where the speech starts and ends inside `pcm` (the rest is padding) */
  speechStart: number;
  speechEnd: number;
}

let fliteDir: string | undefined;
let fliteSeq = 0;

/** espeak-ng or flite → 16 kHz samples of the bare speech. */
export async function speak(text: string, v: Voice): Promise<Buffer> {
  if (v.engine === 'flite') {
    // flite writes its WAV to a path only (not to Node's socket stdout): a private temp file.
    if (!fliteDir) {
      const dir = mkdtempSync(join(tmpdir(), 'shammie-flite-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      fliteDir = dir;
    }
    const file = join(fliteDir, `${process.pid}-${fliteSeq++}.wav`);
    try {
      await execFileP('flite', ['-voice', v.voice, '--setf', `duration_stretch=${v.stretch}`, '-t', text, '-o', file], { timeout: 30_000 });
      return trimSilence(await toPcm16k(readFileSync(file)));
    } finally {
      rmSync(file, { force: true });
    }
  }
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

/**
 * The evaluation's listening conditions: no noise (near-silence dither), pink noise at 20 and
 * 10 dB SNR, and `lead`: half a second of exact digital silence right before the speech (a gated
 * or just-unmuted input), the speech then in 20 dB noise that starts with it.
 */
export const CONDITIONS = ['clean', 'snr20', 'snr10', 'lead'] as const;
export type Condition = (typeof CONDITIONS)[number];
export const LEAD_SILENCE_S = 0.5;

/** Bare speech → a clip in a listening condition (0.3 s padding before, 0.7 s after, as in the development set). */
export async function withCondition(speech: Buffer, condition: Condition, seed: number): Promise<Synth> {
  if (condition === 'clean') return withNoise(speech, null, { seed, lead: 0.3, tail: 0.7 });
  if (condition === 'snr20') return withNoise(speech, 20, { seed, lead: 0.3, tail: 0.7 });
  if (condition === 'snr10') return withNoise(speech, 10, { seed, lead: 0.3, tail: 0.7 });
  const s = await withNoise(speech, 20, { seed, lead: 0, tail: 0.7 });
  const pad = Buffer.alloc(Math.round(LEAD_SILENCE_S * SAMPLE_RATE) * 2);
  return { pcm: Buffer.concat([pad, s.pcm]), speechStart: s.speechStart + LEAD_SILENCE_S, speechEnd: s.speechEnd + LEAD_SILENCE_S };
}
