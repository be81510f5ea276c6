/**
 * Spoken replies. EspeakTts runs espeak-ng (Debian, no model download; ~30 ms per sentence)
 * and returns a WAV the console can play; NullTts is "speech output off".
 */
import { parseWav } from './pcm.js';
import { findOnPath, run } from './proc.js';
import type { Availability, Speech, TextToSpeech } from './types.js';

export interface EspeakOptions {
  /** espeak-ng voice, e.g. en-us (default), en-us+f2, en-gb */
  voice?: string;
  /** words per minute (espeak-ng default 175) */
  rate?: number;
  /** 0..99 */
  pitch?: number;
  binary?: string;
}

/** Longest reply spoken; longer text is cut at a sentence end (the console shows all of it). */
const MAX_CHARS = 600;

/** espeak-ng --stdout writes a streaming header (sizes 0x7fffffff); browsers want real sizes. */
function fixWavSizes(wav: Buffer): Buffer {
  const out = Buffer.from(wav);
  if (out.length < 44 || out.toString('ascii', 0, 4) !== 'RIFF') return out;
  out.writeUInt32LE(out.length - 8, 4);
  let off = 12;
  while (off + 8 <= out.length) {
    const id = out.toString('ascii', off, off + 4);
    if (id === 'data') {
      out.writeUInt32LE(out.length - off - 8, off + 4);
      break;
    }
    off += 8 + out.readUInt32LE(off + 4);
  }
  return out;
}

export function clipReply(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= MAX_CHARS) return t;
  const cut = t.slice(0, MAX_CHARS);
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('? '), cut.lastIndexOf('! '));
  return end > 40 ? cut.slice(0, end + 1) : cut;
}

export class EspeakTts implements TextToSpeech {
  readonly name = 'espeak-ng';
  readonly voice: string;
  readonly rate: number;
  readonly pitch: number | undefined;
  readonly binary: string;

  constructor(options: EspeakOptions = {}) {
    this.voice = options.voice ?? 'en-us';
    this.rate = options.rate ?? 175;
    this.pitch = options.pitch;
    this.binary = options.binary ?? 'espeak-ng';
    if (!/^[A-Za-z0-9_+\-/.]{1,40}$/.test(this.voice)) throw new Error(`[speech] "${this.voice}" is not an espeak-ng voice name`);
    if (!(this.rate >= 80 && this.rate <= 450)) throw new Error('[speech] espeak-ng rate is 80..450 words per minute');
  }

  availability(): Promise<Availability> {
    // A PATH look-up, synchronous; the executor keeps a throw a rejection, as before.
    return new Promise((resolve) => {
      if (!findOnPath(this.binary)) resolve({ available: false, reason: `${this.binary} is not installed (apt-get install espeak-ng)` });
      else resolve({ available: true, detail: `${this.binary} voice ${this.voice}, ${this.rate} wpm` });
    });
  }

  async synthesize(text: string): Promise<Speech | null> {
    const say = clipReply(text);
    if (!say) return null;
    const args = ['-v', this.voice, '-s', String(this.rate), ...(this.pitch !== undefined ? ['-p', String(this.pitch)] : []), '--stdout'];
    // Text on stdin, never argv: a reply starting with "-" must not become an option.
    const r = await run(this.binary, args, { input: say, timeoutMs: 10_000 }).catch((err: Error) => {
      throw new Error(`[speech] cannot run ${this.binary}: ${err.message}`);
    });
    if (r.code !== 0 || r.stdout.length < 44) throw new Error(`[speech] ${this.binary} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    const wav = fixWavSizes(r.stdout);
    const w = parseWav(wav);
    return { wav, duration: w.data.length / ((w.bitsPerSample / 8) * w.channels * w.sampleRate) };
  }
}

/** Speech output switched off. */
export class NullTts implements TextToSpeech {
  readonly name = 'off';
  availability(): Promise<Availability> {
    return Promise.resolve({ available: true, detail: 'speech output is off' });
  }
  synthesize(): Promise<Speech | null> {
    return Promise.resolve(null);
  }
}
