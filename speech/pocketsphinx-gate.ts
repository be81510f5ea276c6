/**
 * The recognizer's front end: a voice-activity gate in front of the decoders. Pocketsphinx's own
 * VAD and live cepstral mean both take long stretches of near-silence badly (measured: 0.5 s of
 * digital silence before espeak-ng's "pick up the candy" cut its score from −8.9 to −14.5 per
 * frame, below the acceptance threshold), so the decoders hear only speech with a short pre-roll
 * before it and a hangover after it; between utterances they hear nothing at all.
 *
 * Per 10 ms frame: energy against an adaptive noise floor, plus the zero-crossing rate so the
 * quiet fricative that opens "stop" or "sorry" counts as speech. The floor is a low percentile of
 * the last seconds' frame levels, seeded from the first frames heard (not from a fixed level), so
 * a stream that opens in room tone does not look like speech.
 */
import { SAMPLE_RATE } from './pcm.js';

const FRAME = SAMPLE_RATE / 100; // 10 ms
/** zero crossings per sample below which a loud frame counts as voiced (vowels ~0.02–0.2, hiss ~0.5) */
const VOICED_ZCR = 0.25;

export interface GateOptions {
  /** audio kept before the detected onset and sent ahead of it (ms) */
  preRollMs?: number;
  /** non-speech after the last speech frame before the gate closes (ms); must exceed the decoders' end-of-speech silence */
  hangoverMs?: number;
  /** dB over the noise floor that opens the gate */
  startDb?: number;
  /** dB over the noise floor that keeps it open (hysteresis) */
  stayDb?: number;
  /** frames over startDb (in a row) that open it */
  startFrames?: number;
  /** seconds of frame levels the floor is estimated over */
  floorWindowS?: number;
}

export const GATE_DEFAULTS: Required<GateOptions> = {
  preRollMs: 250,
  hangoverMs: 600,
  startDb: 10,
  stayDb: 6,
  startFrames: 3,
  floorWindowS: 3,
};

/** A stretch of stream audio the decoders should hear, with the stream sample it starts at. */
export interface GatedChunk {
  at: number;
  pcm: Buffer;
}

/** Level (dBFS, ≥ −100) and zero-crossing rate (crossings per sample) of one frame. */
export function frameFeatures(s: Int16Array): { db: number; zcr: number } {
  let sum = 0;
  let zc = 0;
  for (let i = 0; i < s.length; i++) {
    sum += s[i] * s[i];
    if (i && s[i - 1] < 0 !== s[i] < 0) zc++;
  }
  const db = Math.max(-100, 10 * Math.log10(sum / Math.max(1, s.length) / (32768 * 32768) + 1e-12));
  return { db, zcr: zc / Math.max(1, s.length - 1) };
}

export class SpeechGate {
  readonly options: Required<GateOptions>;
  #open = false;
  /** stream sample of the next frame to classify */
  #at = 0;
  #partial = Buffer.alloc(0);
  /** pre-roll: the latest closed-gate frames */
  #pre: Buffer[] = [];
  #levels: number[] = [];
  #floor: number | null = null;
  #frames = 0;
  #run = 0;
  #voiced = false;
  #quiet = 0;
  /** stream sample where the gate last opened (its pre-roll included) */
  openedAt: number | null = null;

  constructor(options: GateOptions = {}) {
    this.options = { ...GATE_DEFAULTS, ...options };
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** the noise floor estimate, dBFS (null before any audio) */
  get floorDb(): number | null {
    return this.#floor;
  }

  /**
   * Stream audio in (consecutive, starting at stream sample `at`); the parts the decoders should
   * hear come out, in order. A trailing part frame is held until the next call.
   */
  push(pcm: Buffer, at: number): GatedChunk[] {
    const data = this.#partial.length ? Buffer.concat([this.#partial, pcm]) : pcm;
    this.#at = at - this.#partial.length / 2;
    const out: GatedChunk[] = [];
    let i = 0;
    for (; i + FRAME * 2 <= data.length; i += FRAME * 2) {
      const frame = data.subarray(i, i + FRAME * 2);
      const s = new Int16Array(FRAME);
      for (let k = 0; k < FRAME; k++) s[k] = frame.readInt16LE(k * 2);
      const { db, zcr } = frameFeatures(s);
      this.#track(db);
      const floor = this.#floor!;
      const frameAt = this.#at;
      this.#at += FRAME;
      if (!this.#open) {
        // Loud frames in a row, one of them voiced (a low crossing rate): a step up to steady hiss
        // (a dead line's dither, a fan) is not speech. A fricative onset ("s" of "stop") is in
        // the pre-roll by the time its vowel opens the gate.
        const loud = db > floor + this.options.startDb;
        this.#run = loud ? this.#run + 1 : 0;
        this.#voiced = loud ? this.#voiced || zcr < VOICED_ZCR : false;
        this.#pre.push(Buffer.from(frame));
        if (this.#run >= this.options.startFrames && this.#voiced) {
          this.#open = true;
          this.#quiet = 0;
          const pre = Buffer.concat(this.#pre);
          this.#pre = [];
          const from = frameAt + FRAME - pre.length / 2;
          this.openedAt = from;
          out.push({ at: from, pcm: pre });
        } else {
          const keep = Math.ceil(this.options.preRollMs / 10) + this.options.startFrames;
          while (this.#pre.length > keep) this.#pre.shift();
        }
        continue;
      }
      const speech = db > floor + this.options.stayDb || (db > floor + this.options.stayDb - 2 && zcr > 0.3);
      // A lone loud frame in the pause (room noise flickers) sets the count back a little, not to zero.
      this.#quiet = speech ? Math.max(0, this.#quiet - 3) : this.#quiet + 1;
      this.#append(out, frameAt, frame);
      if (this.#quiet * 10 >= this.options.hangoverMs) {
        this.#open = false;
        this.#run = 0;
      }
    }
    this.#partial = Buffer.from(data.subarray(i));
    return out;
  }

  /** Close now (end of a push-to-talk turn): the next speech needs a new onset. */
  reset(): void {
    this.#open = false;
    this.#run = 0;
    this.#voiced = false;
    this.#quiet = 0;
    this.#partial = Buffer.alloc(0);
  }

  #append(out: GatedChunk[], at: number, frame: Buffer): void {
    const last = out[out.length - 1];
    if (last && last.at + last.pcm.length / 2 === at) last.pcm = Buffer.concat([last.pcm, frame]);
    else out.push({ at, pcm: Buffer.from(frame) });
  }

  /**
   * The floor follows the room: a low percentile of recent levels, every 100 ms. For the first
   * half second it is at most −60 dBFS: a stream that opens mid-word has no quiet frames yet,
   * and its speech must still open the gate.
   */
  #track(db: number): void {
    this.#levels.push(db);
    this.#frames++;
    const cap = this.options.floorWindowS * 100;
    if (this.#levels.length > cap) this.#levels.shift();
    if (this.#floor === null || this.#frames <= 50 || this.#frames % 10 === 0) {
      const sorted = [...this.#levels].sort((a, b) => a - b);
      const p = sorted[Math.floor(sorted.length * 0.1)];
      this.#floor = this.#frames <= 50 ? Math.min(p, -60) : p;
    }
  }
}
