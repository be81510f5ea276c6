/**
 * Streaming on top of a recognizer that only takes whole recordings (whisper.cpp CLI, an
 * OpenAI-compatible server): an energy endpointer cuts the stream into utterances for
 * hands-free use, and flush() (push-to-talk released) sends what was said so far.
 */
import { comfortNoise, SAMPLE_RATE, samples, seconds, toBuffer } from './pcm.js';
import type { GrammarInput } from './grammar.js';
import type { Availability, SpeechToText, SttEvent, SttStream, Transcript } from './types.js';

const FRAME = SAMPLE_RATE / 100; // 10 ms

/**
 * A plain energy endpointer: speech starts after 100 ms above the noise floor + 12 dB and ends
 * after `hangoverMs` (mostly) below floor + 8 dB. The floor is the 20th-percentile level of
 * the 10 ms frames of the last 5 s, so it follows a room's noise without chasing its dips.
 */
export class EnergyEndpointer {
  readonly #levels: number[] = [];
  #floor = -75;
  #above = 0;
  #below = 0;
  inSpeech = false;

  constructor(private readonly hangoverMs = 400) {}

  /** the current noise floor estimate, dBFS (−75 before any audio) */
  get floorDb(): number {
    return this.#floor;
  }

  /** Feed one 10 ms frame; returns 'start' / 'end' on a transition. */
  frame(s: Int16Array): 'start' | 'end' | null {
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
    const db = Math.max(-100, 10 * Math.log10(sum / Math.max(1, s.length) / (32768 * 32768) + 1e-12));
    this.#levels.push(db);
    if (this.#levels.length > 500) this.#levels.shift();
    if (this.#levels.length % 10 === 1) this.#floor = [...this.#levels].sort((a, b) => a - b)[Math.floor(this.#levels.length * 0.2)];
    if (!this.inSpeech) {
      this.#above = db > this.#floor + 12 ? this.#above + 1 : 0;
      if (this.#above >= 10) {
        this.inSpeech = true;
        this.#below = 0;
        return 'start';
      }
    } else {
      // A noise spike in the pause does not restart the count, it only sets it back a little.
      this.#below = db < this.#floor + 8 ? this.#below + 1 : Math.max(0, this.#below - 2);
      if (this.#below * 10 >= this.hangoverMs) {
        this.inSpeech = false;
        this.#above = 0;
        return 'end';
      }
    }
    return null;
  }
}

export interface BatchRecognizer {
  readonly name: string;
  /** one utterance of PCM_FORMAT audio → its transcript */
  recognize(pcm: Buffer): Promise<Transcript>;
}

/** Cuts a live stream into utterances for a batch recognizer; finals come out in order. */
export class BatchStream implements SttStream {
  #buf: Buffer[] = [];
  #bufStart = 0;
  #written = 0;
  #speechFrom: number | null = null;
  #partial = Buffer.alloc(0);
  #vad = new EnergyEndpointer();
  #guard: 'mute' | number | null = null;
  #listeners = new Set<(e: SttEvent) => void>();
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly recognizer: BatchRecognizer,
    private readonly onClose?: () => void,
  ) {}

  get position(): number {
    return this.#written / SAMPLE_RATE;
  }

  subscribe(listener: (e: SttEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setInputGuard(guard: 'mute' | number | null): void {
    this.#guard = guard;
  }

  #emit(e: SttEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop recognition */
      }
    }
  }

  write(pcm: Buffer | Int16Array): void {
    if (this.#closed) throw new Error('[speech] write after close');
    let b = toBuffer(pcm);
    if (b.length % 2) b = b.subarray(0, b.length - 1);
    if (this.#guard === 'mute') b = comfortNoise(b.length / 2);
    else if (typeof this.#guard === 'number' && this.#guard > 0) {
      const g = 10 ** (-this.#guard / 20);
      const out = Buffer.alloc(b.length);
      for (let i = 0; i < b.length; i += 2) out.writeInt16LE(Math.round(b.readInt16LE(i) * g), i);
      b = out;
    } else b = Buffer.from(b);
    this.#buf.push(b);
    this.#written += b.length / 2;
    // Endpointing on whole 10 ms frames.
    let data = Buffer.concat([this.#partial, b]);
    let at = this.#written - data.length / 2;
    while (data.length >= FRAME * 2) {
      const ev = this.#vad.frame(samples(data.subarray(0, FRAME * 2)));
      at += FRAME;
      data = data.subarray(FRAME * 2);
      if (ev) this.#emit({ type: 'speech', speaking: ev === 'start' });
      if (ev === 'start') this.#speechFrom = Math.max(this.#bufStart, at - 30 * FRAME);
      else if (ev === 'end' && this.#speechFrom !== null) void this.#cut(at);
    }
    this.#partial = Buffer.from(data);
    // Keep at most 30 s while nobody speaks.
    if (this.#speechFrom === null) this.#trim(this.#written - 30 * SAMPLE_RATE);
  }

  #trim(from: number): void {
    while (this.#buf.length && this.#bufStart + this.#buf[0].length / 2 <= from) this.#bufStart += this.#buf.shift()!.length / 2;
  }

  #take(from: number, to: number): Buffer {
    const all = Buffer.concat(this.#buf);
    return all.subarray((from - this.#bufStart) * 2, (to - this.#bufStart) * 2);
  }

  /** Recognize samples [speechFrom, to) and emit the final, after earlier ones. */
  #cut(to: number): Promise<Transcript[]> {
    const from = this.#speechFrom ?? this.#bufStart;
    const pcm = Buffer.from(this.#take(from, to));
    this.#speechFrom = null;
    this.#trim(to);
    const job = this.#chain.then(async () => {
      try {
        const t = await this.recognizer.recognize(pcm);
        const placed = { ...t, start: from / SAMPLE_RATE, end: to / SAMPLE_RATE };
        this.#emit({ type: 'final', transcript: placed });
        return [placed];
      } catch (err) {
        this.#emit({ type: 'error', message: (err as Error).message });
        throw err;
      }
    });
    this.#chain = job.catch(() => undefined);
    return job;
  }

  /** Push-to-talk released: recognize everything since the last utterance. */
  async flush(): Promise<Transcript[]> {
    const had = this.#speechFrom !== null || this.#buf.length > 0;
    if (!had || this.#written === this.#bufStart) {
      await this.#chain;
      return [];
    }
    if (this.#speechFrom === null) this.#speechFrom = this.#bufStart;
    this.#vad = new EnergyEndpointer();
    return this.#cut(this.#written);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#chain;
    this.onClose?.();
  }
}

/** Open-vocabulary recognizers get the names the robot knows as a prompt (helps rare words like "Loki"). */
export function vocabularyPrompt(input: { entities: readonly { name: string }[]; skills: readonly { name: string }[] }): string {
  const names = [...input.entities.map((e) => e.name), ...input.skills.map((s) => s.name)].map((n) => n.toLowerCase().replace(/_/g, ' '));
  return names.length ? `Commands to a robot arm about: ${[...new Set(names)].join(', ')}.` : '';
}

/**
 * What the batch recognizers (whisper.cpp, OpenAI-compatible) share: the vocabulary goes in as
 * a prompt, live streams are cut into utterances by BatchStream, a recording is one
 * recognition. Subclasses say whether they can run and recognize one utterance.
 */
export abstract class BatchSpeechToText implements SpeechToText, BatchRecognizer {
  abstract readonly name: string;
  /** the names the robot knows, as a prompt (helps rare words such as "Loki") */
  protected prompt = '';
  readonly #streams = new Set<BatchStream>();

  abstract availability(): Promise<Availability>;
  abstract recognize(pcm: Buffer): Promise<Transcript>;

  setVocabulary(input: GrammarInput): Promise<void> {
    // Nothing to wait for; the executor keeps a throw (malformed input) a rejection, as before.
    return new Promise((resolve) => {
      this.prompt = vocabularyPrompt(input);
      resolve();
    });
  }

  stream(): SttStream {
    const s: BatchStream = new BatchStream(this, () => this.#streams.delete(s));
    this.#streams.add(s);
    return s;
  }

  async transcribe(pcm: Buffer | Int16Array): Promise<Transcript[]> {
    return transcribeOnce(this, pcm);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#streams].map((s) => s.close()));
  }
}

/** One whole-buffer recognition as the list `transcribe()` returns (empty when nothing was heard). */
export async function transcribeOnce(r: BatchRecognizer, pcm: Buffer | Int16Array): Promise<Transcript[]> {
  const t = await r.recognize(toBuffer(pcm));
  return t.text ? [{ ...t, start: 0, end: seconds(pcm) }] : [];
}
