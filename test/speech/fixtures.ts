/**
 * Speech fixtures made at test time (espeak-ng + sox, no stored audio): a US voice with pink
 * room noise at 20 dB SNR, as in the evaluation. Clean synthetic speech has no noise floor at
 * all and is not what a microphone delivers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../speech/pcm.js';
import { EVAL_VOICES, speak, withNoise } from '../../speech/synth.js';

/** 16 kHz mono s16le: `text` spoken, with 0.3 s of room noise before and `tail` s after. */
export async function spoken(text: string, options: { voice?: number; tail?: number; seed?: number } = {}): Promise<Buffer> {
  const s = await withNoise(await speak(text, EVAL_VOICES[options.voice ?? 0]), 20, {
    seed: options.seed ?? 1,
    lead: 0.3,
    tail: options.tail ?? 0.5,
  });
  return s.pcm;
}

/** The same as a WAV file (in a new temporary folder unless `path` is a full path); returns its path. */
export async function spokenWav(text: string, path: string): Promise<string> {
  const file = path.includes('/') ? path : join(mkdtempSync(join(tmpdir(), 'shammie-speech-')), path);
  writeFileSync(file, encodeWav(await spoken(text)));
  return file;
}
