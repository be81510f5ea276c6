/**
 * One live stream of audio into the recognizer: the decoders kept warm across utterances, the
 * replay buffer (audio not yet covered by a final, replayed to new decoders after a grammar
 * change), the input guard, push-to-talk flush, partial transcripts while the user speaks, and
 * the cold-start re-hearing. The cepstral mean is carried from one generation of decoders to
 * the next (and via the recognizer's lastCmn, to the next stream and the next run).
 */
import { EnergyEndpointer } from './batch.js';
import { comfortNoise, pinkNoise, SAMPLE_RATE, samples, toBuffer } from './pcm.js';
import type { DecodedUtterance } from './pocketsphinx-decoder.js';
import type { GrammarFiles } from './pocketsphinx-files.js';
import { SpeechGate, type GateOptions } from './pocketsphinx-gate.js';
import { OVERRULING } from './pocketsphinx-spotter.js';
import { HARM_VERB_PRIOR, isNewVerbText, preferKnown } from './pocketsphinx-rescore.js';
import { Generation, type DecoderHost, type SpottedStop } from './pocketsphinx-generation.js';
import { scoreUtterance, wordSpan, type Thresholds } from './pocketsphinx-score.js';
import { SpeechUnavailableError, type SttEvent, type SttStream, type Transcript } from './types.js';

/** What a stream needs from its recognizer (PocketsphinxStt), so the two files need not import each other. */
export interface StreamHost extends DecoderHost, Thresholds {
  readonly streams: Set<PocketsphinxStream>;
  readonly files: GrammarFiles | null;
  /** the latest cepstral mean any decoder reported (null until one has heard an utterance) */
  lastCmn: string | null;
  readonly partialIntervalMs: number;
  /** the voice-activity gate in front of the decoders (false: they hear everything) */
  readonly vad: GateOptions | false;
  readonly onDecoded: ((grammar: DecodedUtterance, phones: DecodedUtterance | null) => void) | undefined;
  decodePartial(pcm: Buffer, cmn: string | null): Promise<string>;
  readonly newVerbPrior: number;
  decodeBoth(pcm: Buffer, cmn: string | null): Promise<{ full: DecodedUtterance | null; known: DecodedUtterance | null }>;
}

/** seconds of near-silence flush() writes: more than the VAD's end-of-speech silence */
const FLUSH_PADDING = 0.4;

/**
 * Fill runs of exact digital zeros with near-silent noise (about −66 dBFS). Synthesized or
 * edited audio has them and no microphone does; they throw off the decoder's noise and
 * silence estimates. Audio that is not exactly zero is left alone.
 */
export function fillDigitalSilence(pcm: Buffer, seed = 3): Buffer {
  const out = Buffer.from(pcm.subarray(0, pcm.length - (pcm.length % 2)));
  const n = out.length / 2;
  let noise: Buffer | null = null;
  for (let i = 0; i < n;) {
    if (out.readInt16LE(i * 2) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && out.readInt16LE(j * 2) === 0) j++;
    if (j - i >= 32) {
      noise ??= comfortNoise(n, seed, 10);
      noise.copy(out, i * 2, i * 2, j * 2);
    }
    i = j;
  }
  return out;
}

/** entries kept in the decoder → stream time map */
const MAX_TIME_MAP = 4096;
/** seconds of audio the replay buffer keeps at most (see #append) */
const MAX_REPLAY_S = 300;

/** how long close() waits for the decoders to finish their input before killing them (ms) */
const CLOSE_GRACE_MS = 500;

export class PocketsphinxStream implements SttStream {
  #gen: Generation | null = null;
  /**
   * audio not yet covered by a completed utterance: replayed after a grammar change. Positions
   * here (#replayStart, a generation's offset, decoder frames) are on the decoders' timeline,
   * which skips what the gate kept from them; #map turns them into stream samples.
   */
  #replay: Buffer[] = [];
  #replayStart = 0;
  #replayLen = 0;
  /** samples the decoders have been given */
  #fed = 0;
  /** (decoder sample, stream sample) where each stretch given to the decoders starts */
  #map: [number, number][] = [];
  #gate: SpeechGate | null;
  /** decoder sample where the gate last opened (the partial transcripts decode from there) */
  #openedFed: number | null = null;
  #gateOpenedSinceFlush = false;
  /** stream seconds up to which stop words have been reported (a replay hears them again) */
  #stopsTo = 0;
  /** stop words heard recently: a command final overlapping one is not a command */
  #stops: { word: string; start: number; end: number; confidence: number }[] = [];
  #written = 0;
  /** finals not delivered yet: re-decoded (a new verb against the known commands), or queued behind one */
  #pending = new Set<Promise<void>>();
  /** the last final queued behind a re-check (finals are delivered in order) */
  #delivered: Promise<void> = Promise.resolve();
  /** the replay buffer of generations finish() ended, until their last finals are out */
  #ended = new Map<Generation, { replay: Buffer[]; start: number }>();
  #guard: 'mute' | number | null = null;
  #closed = false;
  #listeners = new Set<(e: SttEvent) => void>();
  #collect: { gen: Generation; out: Transcript[] } | null = null;
  /** finals since the last flush() */
  #sinceFlush: Transcript[] = [];
  #vad = new EnergyEndpointer(250);
  /** sample where the endpointer last heard speech start, since the last flush() */
  #lastOnset: number | null = null;
  /** stream position of the previous flush() */
  #flushedAt = 0;
  /** stream sample up to which a final has come back */
  #decodedTo = 0;
  #noiseSeed = 1;
  /** results of a flushed generation go out before those of the next */
  #chain: Promise<void> = Promise.resolve();
  #grammarVersion = -1;
  /**
   * Cold start: the decoders' cepstral mean is the model's default until they have heard one
   * utterance, and they misread that first one (measured: "pick up the candy" → "forget the
   * candy", rejected; right from the second hearing on). So the first utterance a cold
   * recognizer decodes on a live stream is not reported: its audio is played to the decoders
   * again, now warm, and that hearing counts. Once per recognizer (the estimate carries over).
   */
  #rehearCold: boolean;
  /** the endpointer hears speech now */
  #speaking = false;
  #partialBusy = false;
  #partialAt = 0;
  /** bumps at every final: a partial decode started before it is stale */
  #partialEpoch = 0;

  constructor(
    private readonly stt: StreamHost,
    options: { rehearColdStart?: boolean } = {},
  ) {
    stt.streams.add(this);
    this.#rehearCold = options.rehearColdStart ?? true;
    this.#gate = stt.vad === false ? null : new SpeechGate(stt.vad);
  }

  /** Stream sample of a decoder-timeline sample. */
  #toStream(fed: number): number {
    const m = this.#map;
    if (!m.length) return fed;
    let i = m.length - 1;
    while (i > 0 && m[i][0] > fed) i--;
    return Math.max(0, m[i][1] + (fed - m[i][0]));
  }

  get position(): number {
    return this.#written / SAMPLE_RATE;
  }

  subscribe(listener: (e: SttEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: SttEvent): void {
    if (this.#closed) return;
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop recognition */
      }
    }
  }

  setInputGuard(guard: 'mute' | number | null): void {
    this.#guard = guard;
  }

  /** Padding that sounds like the room so far (its noise floor), not like a dead line. */
  #roomTone(n: number): Buffer {
    return pinkNoise(n, Math.max(-75, this.#vad.floorDb) + 3, this.#noiseSeed++);
  }

  write(pcm: Buffer | Int16Array): void {
    if (this.#closed) throw new Error('[speech] write after close');
    let b = toBuffer(pcm);
    if (b.length % 2) b = b.subarray(0, b.length - 1);
    if (!b.length) return;
    if (this.#guard === 'mute') b = this.#roomTone(b.length / 2);
    else if (typeof this.#guard === 'number' && this.#guard > 0) {
      const g = 10 ** (-this.#guard / 20);
      const out = Buffer.alloc(b.length);
      for (let i = 0; i < b.length; i += 2) out.writeInt16LE(Math.round(b.readInt16LE(i) * g), i);
      b = out;
    } else b = fillDigitalSilence(b, this.#noiseSeed++); // a copy: callers may reuse their buffer
    if (!this.#gate) this.#append(b, this.#written);
    else {
      const wasOpen = this.#gate.isOpen;
      for (const c of this.#gate.push(b, this.#written)) {
        if (!wasOpen && c.at === this.#gate.openedAt) {
          this.#openedFed = this.#fed;
          this.#gateOpenedSinceFlush = true;
        }
        this.#append(c.pcm, c.at);
      }
    }
    for (let i = 0; i + 320 <= b.length; i += 320) {
      const ev = this.#vad.frame(samples(b.subarray(i, i + 320)));
      if (ev === 'start') this.#lastOnset = this.#written + i / 2 - 1600;
      if (ev) this.#speaking = ev === 'start';
      if (ev && this.#guard !== 'mute') this.#emit({ type: 'speech', speaking: ev === 'start' });
    }
    this.#written += b.length / 2;
    this.#maybePartial();
  }

  /** While the user speaks: the words so far, from a short-lived decoder (see partialIntervalMs). */
  #maybePartial(): void {
    const every = this.stt.partialIntervalMs;
    if (!every || !this.#speaking || this.#partialBusy || this.#lastOnset === null || this.#guard === 'mute' || this.#closed) return;
    const now = performance.now();
    if (now - this.#partialAt < every) return;
    const from = this.#gate ? (this.#openedFed ?? this.#fed) : this.#lastOnset;
    const audio = this.#replayed(null, Math.max(this.#replayStart, from), this.#fed);
    if (audio.length < 0.4 * SAMPLE_RATE * 2) return;
    this.#partialBusy = true;
    this.#partialAt = now;
    const epoch = this.#partialEpoch;
    void this.stt
      .decodePartial(audio, this.#gen?.cmn ?? this.stt.lastCmn)
      .then((text) => {
        if (text && epoch === this.#partialEpoch && !this.#closed) this.#emit({ type: 'partial', text });
      })
      .catch(() => undefined)
      .finally(() => {
        this.#partialBusy = false;
      });
  }

  /** Into the decoders and the replay buffer, heard as stream sample `at` on (the caller advances #written). */
  #append(b: Buffer, at: number): void {
    if (!this.#gen || this.#grammarVersion !== this.stt.files?.version) this.#startGeneration();
    const last = this.#map[this.#map.length - 1];
    if (!last || last[1] + (this.#fed - last[0]) !== at) {
      this.#map.push([this.#fed, at]);
      // One entry per gate opening or closing: this bound is hours of speech.
      if (this.#map.length > MAX_TIME_MAP) this.#map.shift();
    }
    this.#gen!.write(b);
    this.#replay.push(b);
    this.#replayLen += b.length / 2;
    this.#fed += b.length / 2;
    // Bound the replay buffer. Decoded audio leaves it at each utterance end (#onPair); what is
    // left is audio the decoders have not finished, which the new-verb re-check and a grammar
    // change still need, so the bound is generous: audio fed faster than real time (a file, the
    // eval) may run minutes ahead of the decoders. 5 min of 16 kHz s16 is 9.6 MB.
    while (this.#replayLen > MAX_REPLAY_S * SAMPLE_RATE && this.#replay.length > 1) this.#dropReplayed();
  }

  /** Drop the oldest replay chunk (decoded for good), and the time-map entries before it. */
  #dropReplayed(): void {
    const first = this.#replay.shift()!;
    this.#replayLen -= first.length / 2;
    this.#replayStart += first.length / 2;
    // The time map is not pruned with the replay: decoders fed faster than real time (a backlog
    // past the replay bound) still report times on audio already dropped here (see #append).
  }

  /** (Re)start the decoders at the start of the replay buffer with the current grammar. */
  #startGeneration(): void {
    const files = this.stt.files;
    if (!files) throw new SpeechUnavailableError('pocketsphinx', 'no grammar yet: call setVocabulary() first');
    const old = this.#gen;
    const cmn = old?.cmn ?? this.stt.lastCmn;
    old?.kill();
    this.#grammarVersion = files.version;
    const gen = new Generation(
      this.#replayStart,
      files,
      this.stt,
      cmn,
      (g, u, p) => this.#onPair(g, u, p),
      (g, spot) => this.#onStop(g, spot),
    );
    this.#gen = gen;
    for (const b of this.#replay) gen.write(b);
    void gen.done.then(() => {
      const errs = gen.errors();
      if (!gen.killed && errs.length) this.#emit({ type: 'error', message: `pocketsphinx: ${errs.slice(0, 3).join(' | ')}` });
    });
  }

  /** The grammar changed: restart on the next write (or now, if audio is pending). */
  grammarChanged(): void {
    if (this.#gen && this.#replayLen > 0 && !this.#closed) this.#startGeneration();
  }

  #onPair(gen: Generation, g: DecodedUtterance, p: DecodedUtterance | null): void {
    if (gen.killed) return;
    this.#partialEpoch++;
    const cold = this.stt.lastCmn === null;
    if (gen.cmn) this.stt.lastCmn = gen.cmn;
    this.stt.onDecoded?.(g, p);
    const span = wordSpan(g, p);
    const last = g.words[g.words.length - 1];
    if (this.#rehearCold && cold && last && span.length && gen === this.#gen && !this.#closed && this.stt.lastCmn !== null) {
      this.#rehearCold = false;
      const from = gen.offset + Math.max(0, span[0].start * (SAMPLE_RATE / 100) - 0.3 * SAMPLE_RATE);
      const to = gen.offset + (last.end + 1) * (SAMPLE_RATE / 100);
      const audio = this.#replayed(gen, from, to);
      if (audio.length > 0) {
        // The same words again, then room tone so the decoders' endpointer closes them; heard
        // at the stream time of the first hearing.
        const again = Buffer.concat([audio, this.#roomTone(FLUSH_PADDING * SAMPLE_RATE)]);
        this.#append(again, this.#toStream(from));
        return;
      }
    }
    this.#rehearCold = false;
    const scored = scoreUtterance(g, p, span, gen.offset, this.stt);
    // A new or harmful verb is re-checked against the known commands (pocketsphinx-rescore.ts): its audio, before it is dropped.
    const files = gen.files;
    const harm = isNewVerbText(scored.text, files.harmVerbs);
    const rescore =
      files.known && last && span.length && (harm || isNewVerbText(scored.text, files.newVerbs))
        ? this.#replayed(
            gen,
            gen.offset + Math.max(0, span[0].start * (SAMPLE_RATE / 100) - 0.1 * SAMPLE_RATE),
            gen.offset + (last.end + 1) * (SAMPLE_RATE / 100),
          )
        : null;
    if (last && gen === this.#gen) {
      // Audio up to the end of this utterance is decoded for good; drop it from the replay buffer.
      const upTo = gen.offset + (last.end + 1) * (SAMPLE_RATE / 100);
      while (this.#replay.length && this.#replayStart + this.#replay[0].length / 2 <= upTo) this.#dropReplayed();
    }
    if (!rescore?.length && !this.#pending.size) {
      this.#deliver(gen, scored);
      return;
    }
    // Finals go out in the order they were said: one behind a re-check waits for it. A re-checked
    // utterance is delivered even if a grammar change ended its generation meanwhile (its audio
    // has left the replay buffer, so the next generation will not hear it again).
    const checked = rescore?.length
      ? this.stt
          .decodeBoth(rescore, gen.cmn ?? this.stt.lastCmn)
          .then(({ full, known }) => preferKnown(scored, full, known, this.stt, harm ? HARM_VERB_PRIOR : this.stt.newVerbPrior))
          .catch(() => scored)
      : Promise.resolve(scored);
    const before = this.#delivered;
    const job = Promise.all([checked, before]).then(([t]) => {
      if (!this.#closed) this.#deliver(gen, t);
    });
    this.#delivered = job;
    this.#pending.add(job);
    void job.finally(() => this.#pending.delete(job));
  }

  /** A final out: times on the stream, a spotted stop's say, into flush()'s and finish()'s lists, then the event. */
  #deliver(gen: Generation, scored: Transcript): void {
    const transcript = this.#overruled(this.#streamTimes(scored));
    if (this.#collect?.gen === gen) this.#collect.out.push(transcript);
    this.#sinceFlush.push(transcript);
    if (transcript.end !== undefined) this.#decodedTo = Math.max(this.#decodedTo, transcript.end * SAMPLE_RATE);
    this.#emit({ type: 'final', transcript });
  }

  /** A transcript's times (decoder timeline) on the stream's. */
  #streamTimes(t: Transcript): Transcript {
    if (t.start === undefined || t.end === undefined) return t;
    const start = this.#toStream(Math.round(t.start * SAMPLE_RATE)) / SAMPLE_RATE;
    const end = (this.#toStream(Math.round(t.end * SAMPLE_RATE) - 1) + 1) / SAMPLE_RATE;
    return { ...t, start, end: Math.max(start, end) };
  }

  /**
   * A stop word the spotter heard inside an utterance wins over the command decoder's reading
   * of it ("stop it" is close to "drop it"): the utterance is that stop, never a motion.
   */
  #overruled(t: Transcript): Transcript {
    if (t.start === undefined || t.end === undefined) return t;
    const hit = this.#stops.find((s) => OVERRULING.has(s.word) && s.end > t.start! && s.start < t.end!);
    if (!hit || t.text === hit.word) return t;
    const rest: Transcript = { ...t };
    delete rest.reason;
    return { ...rest, text: hit.word, accepted: true, confidence: Math.max(t.confidence, hit.confidence), alternatives: [t.text] };
  }

  /** The spotter fired: report it now (once: a replay after a grammar change hears it again). */
  #onStop(gen: Generation, spot: SpottedStop): void {
    if (gen.killed || this.#closed) return;
    const start = this.#toStream(gen.offset + spot.start * (SAMPLE_RATE / 100)) / SAMPLE_RATE;
    const end = (this.#toStream(gen.offset + (spot.end + 1) * (SAMPLE_RATE / 100) - 1) + 1) / SAMPLE_RATE;
    if (end <= this.#stopsTo + 0.05) return;
    this.#stopsTo = end;
    this.#stops.push({ word: spot.word, start, end, confidence: spot.confidence });
    if (this.#stops.length > 20) this.#stops.shift();
    this.#emit({ type: 'stop_word', word: spot.word, confidence: spot.confidence, at: end });
  }

  /**
   * Decoder-timeline audio between two positions, from what the replay buffer still holds (or,
   * for a generation that finish() ended, what it held then).
   */
  #replayed(gen: Generation | null, from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    const ended = gen && gen !== this.#gen ? this.#ended.get(gen) : undefined;
    let at = ended ? ended.start : this.#replayStart;
    for (const b of ended ? ended.replay : this.#replay) {
      const n = b.length / 2;
      const a = Math.max(from, at);
      const e = Math.min(to, at + n);
      if (e > a) parts.push(b.subarray((a - at) * 2, (e - at) * 2));
      at += n;
    }
    return Buffer.concat(parts);
  }

  /**
   * End of the user's turn (push-to-talk released). The decoders keep running, warm: a short
   * stretch of near-silence is written so their VAD closes the utterance at once (it is
   * decoded far faster than real time), then the finals since the last flush are returned. An
   * energy endpointer tells whether speech was heard, i.e. whether a final is to be waited for.
   */
  async flush(): Promise<Transcript[]> {
    // Speech the gate never let through has no final to wait for.
    const onset = this.#gate && !this.#gateOpenedSinceFlush ? null : this.#lastOnset;
    this.#lastOnset = null;
    this.#gateOpenedSinceFlush = false;
    if (this.#gen && !this.#closed) {
      // Straight to the decoders (past the gate), so their endpointer closes the utterance now.
      const pad = this.#roomTone(FLUSH_PADDING * SAMPLE_RATE);
      this.#append(pad, this.#written);
      this.#written += pad.length / 2;
      this.#gate?.reset();
    }
    if (onset !== null) {
      const covered = () => this.#sinceFlush.some((t) => t.end === undefined || t.end * SAMPLE_RATE >= onset);
      // Audio not yet covered by a final may still be queued in the decoders (≥ 5× real time).
      const backlog = (this.#written - this.#decodedTo) / SAMPLE_RATE;
      const deadline = performance.now() + 2000 + backlog * 200;
      while (!covered() && performance.now() < deadline && this.#gen && !this.#closed) await new Promise((r) => setTimeout(r, 5));
    }
    // A late final from before the previous flush went out as an event; it is not this turn's.
    const since = this.#flushedAt;
    this.#flushedAt = this.#written;
    const out = this.#sinceFlush.filter((t) => t.end === undefined || t.end * SAMPLE_RATE > since);
    this.#sinceFlush = [];
    return out;
  }

  /** End of input: the decoders read EOF, finish the utterance in progress and exit (next write starts new ones). */
  finish(): Promise<Transcript[]> {
    const gen = this.#gen;
    this.#gen = null;
    if (gen) this.#ended.set(gen, { replay: this.#replay, start: this.#replayStart });
    this.#replay = [];
    this.#replayStart = this.#fed;
    this.#replayLen = 0;
    this.#gate?.reset();
    if (!gen) return Promise.resolve([]);
    const run = this.#chain.then(async () => {
      const out: Transcript[] = [];
      this.#collect = { gen, out };
      // End of input ends the utterance in progress at once: no silence timeout to wait for.
      gen.end();
      await gen.done;
      // Finals still being checked against the known commands (a few short decodes) belong here too.
      while (this.#pending.size) await Promise.all([...this.#pending]);
      this.#ended.delete(gen);
      this.#collect = null;
      if (gen.cmn) this.stt.lastCmn = gen.cmn;
      const errs = gen.errors();
      if (!out.length && errs.length) throw new SpeechUnavailableError('pocketsphinx', errs.slice(0, 3).join(' | '));
      return out;
    });
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stt.streams.delete(this);
    const gen = this.#gen;
    if (gen) {
      // End the decoders' input and give them a moment to exit on their own, so their CPU time
      // is reported (`times`, for the real-time factor); a killed decoder reports nothing.
      gen.end();
      await Promise.race([gen.done, new Promise((r) => setTimeout(r, CLOSE_GRACE_MS))]);
      gen.kill();
      await gen.done;
    }
    this.#gen = null;
  }
}
