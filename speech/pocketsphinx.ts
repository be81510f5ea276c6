/**
 * The default, offline recognizer: Debian's pocketsphinx_continuous (0.8+5prealpha) with a JSGF
 * grammar generated from the live registry and scene (grammar.ts).
 *
 * Per stream, two long-lived decoder processes read the same audio:
 *  - the grammar decoder (wide beams) gives the command and its path score;
 *  - a competitor scores the same stretch of audio without the grammar: by default a loop over
 *    ~1000 frequent English words plus the grammar's words (a unigram LM, fwdtree search only),
 *    or a context-independent phone loop (-allphone) as in shared/reference/speech.md.
 * Their score difference per frame is the confidence: speech the grammar does not cover is
 * explained far better by free words than by the grammar, and is rejected ("Sorry, say that
 * again?"). A grammar decoder alone always answers with some command. Measured on the eval set
 * (speech/eval), the word loop separates commands from other speech much better than the phone
 * loop (at the same in-domain acceptance, 2 of 136 out-of-domain trials got through instead of
 * 21). The grammar decoder computes all senones (-compallsen) so both decoders normalize
 * acoustic scores the same way and the scores are comparable.
 *
 * Traps handled here (see shared/reference/speech.md): bookworm has no `pocketsphinx` CLI;
 * `-infile /dev/stdin` fails on Node's socketpair stdin, so the decoder runs as
 * `sh -c 'cat | exec pocketsphinx_continuous …'`; decoders are kept warm (CMN carries across
 * utterances and is handed to the next process with -cmninit when the grammar changes).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGrammar, pruneWords, toJsgf, type GrammarInput } from './grammar.js';
import { EnergyEndpointer } from './batch.js';
import { comfortNoise, noiseFloorDb, pinkNoise, SAMPLE_RATE, samples, toBuffer } from './pcm.js';
import { findOnPath } from './proc.js';
import { COMMON_WORDS } from './common-words.js';
import { buildDictionary, DEFAULT_CMUDICT, DEFAULT_MODEL_DIR } from './pronounce.js';
import { SpeechUnavailableError, type Availability, type SpeechToText, type SttEvent, type SttStream, type Transcript } from './types.js';

export const POCKETSPHINX_BIN = 'pocketsphinx_continuous';

export interface PocketsphinxOptions {
  /** acoustic model folder holding en-us/, cmudict-en-us.dict, en-us-phone.lm.bin */
  modelDir?: string;
  /**
   * Minimum (grammar − competitor) score per frame to accept. Calibrated on the eval set
   * (speech/eval): in-domain synthetic speech stays above it, out-of-domain falls below.
   */
  threshold?: number;
  /**
   * How much lower (per word) the threshold is for hypotheses shorter than four words. Short
   * utterances carry proportionally more silence, which the word loop models better, so their
   * scores run lower; other speech never decodes to them in the eval set.
   */
  shortSlope?: number;
  /** threshold for "stop" and friends: a missed stop is dangerous, a spurious one costs a repeat */
  stopThreshold?: number;
  /** what the grammar competes with for the confidence: a frequent-word loop (default) or a phone loop */
  competitor?: 'words' | 'phones';
  /** language weight of the word loop (pocketsphinx -lw; its default is 6.5) */
  loopWeight?: number;
  /** frames (10 ms) of silence that end an utterance in hands-free mode; pocketsphinx's default is 50 */
  postSpeechFrames?: number;
  /**
   * Partial transcripts while the user speaks, at most this often (ms; 0 = none, the default).
   * pocketsphinx_continuous reports only whole utterances, so each partial is a short-lived
   * grammar-only decode of the audio since speech began (~0.1 s of CPU for 2 s of audio), one
   * at a time. Partials are for the operator's eyes only: they never reach the planner.
   */
  partialIntervalMs?: number;
  /** extra decoder flags */
  extraArgs?: string[];
  binary?: string;
  /** diagnostics: both decoders' raw results for every utterance */
  onDecoded?: (grammar: DecodedUtterance, phones: DecodedUtterance | null) => void;
}

export const DEFAULT_THRESHOLD = -12.5;
export const DEFAULT_STOP_THRESHOLD = -30;
export const DEFAULT_SHORT_SLOPE = 1;
/** a light word-loop LM weight: free words stay cheap, so the loop explains non-command speech well */
export const DEFAULT_LOOP_WEIGHT = 2;
/** what counts as a stop for the looser threshold (the grammar's <stop> rule) */
const STOP_HYPS = new Set([
  'stop',
  'stop stop',
  'stop now',
  'stop moving',
  'stop it',
  'please stop',
  'halt',
  'freeze',
  'wait',
  'hold on',
  'emergency stop',
]);
export const DEFAULT_POSTSPEECH = 25;
/** seconds of near-silence flush() writes: more than the VAD's end-of-speech silence */
const FLUSH_PADDING = 0.4;

/** One utterance as a decoder process reports it. */
export interface DecodedUtterance {
  frames: number;
  /** null when the decoder produced no hypothesis */
  hyp: string | null;
  score: number;
  /** the grammar's final state was not reached (pocketsphinx fell back to a partial path) */
  nonFinal: boolean;
  /** the word table: frames (inclusive), acoustic and language scores */
  words: { word: string; start: number; end: number; ascr: number; lscr: number }[];
}

/** End of an utterance: "N frames" (fsg, allphone, ngram with fwdflat) or the fwdtree summary (ngram without it; frames come from the word table). */
const FRAMES = /^INFO: (?:(?:fsg|allphone|ngram)_search\.c\(\d+\): (\d+) frames,|ngram_search_fwdtree\.c\(\d+\):\s+(\d+) words recognized)/;
const HYP = /^INFO: pocketsphinx\.c\(\d+\): (.*) \((-?\d+)\)$/;
const ROW = /^(\S+)\s+(-?\d+)\s+(-?\d+)\s+(\d+\.\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s*$/;
const CMN = /^INFO: cmn(?:_live)?\.c\(\d+\): Update to\s*<([^>]*)>/;
const NONFINAL = /Final result does not match the grammar/;
const TIMES = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;

/**
 * Parses the merged stdout+stderr of pocketsphinx_continuous -backtrace yes. Per utterance it
 * logs "N frames", then "HYP (SCORE)" and the word table, then prints HYP on stdout (flushed
 * last), which is what marks the utterance complete.
 */
export class DecoderOutputParser {
  #pending: DecodedUtterance | null = null;
  #nullTimer: NodeJS.Timeout | undefined;
  cmn: string | null = null;
  readonly errors: string[] = [];
  /** CPU seconds (user + system) of the decoder, known once it has exited */
  cpuSeconds = 0;
  #timesLines = 0;
  #table = false;

  constructor(private readonly onUtterance: (u: DecodedUtterance) => void) {}

  line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const t = TIMES.exec(line);
    if (t) {
      // sh's `times`: the shell's own line, then its children's.
      if (++this.#timesLines === 2) this.cpuSeconds = Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]);
      return;
    }
    const m = CMN.exec(line);
    if (m) {
      this.cmn = m[1].trim().split(/\s+/).join(',');
      return;
    }
    const f = FRAMES.exec(line);
    if (f) {
      this.#finishNull();
      const frames = f[1] !== undefined ? Number(f[1]) : -1;
      if (frames > 0 || (frames < 0 && Number(f[2]) > 0)) {
        this.#pending = { frames, hyp: null, score: 0, nonFinal: false, words: [] };
        // No hypothesis line follows when the search found nothing; don't wait for the next utterance.
        this.#nullTimer = setTimeout(() => this.#finishNull(), 250);
      }
      return;
    }
    if (NONFINAL.test(line)) {
      if (this.#pending) this.#pending.nonFinal = true;
      return;
    }
    if (/^(?:ERROR|FATAL_ERROR|FATAL)\b/.test(line) || /^sh: /.test(line)) {
      this.errors.push(line);
      return;
    }
    const p = this.#pending;
    if (!p) return;
    const h = HYP.exec(line);
    if (h && p.hyp === null) {
      clearTimeout(this.#nullTimer);
      p.hyp = h[1];
      p.score = Number(h[2]);
      this.#table = false;
      return;
    }
    if (p.hyp === null) return;
    const r = ROW.exec(line);
    if (r) {
      p.words.push({ word: r[1], start: Number(r[2]), end: Number(r[3]), ascr: Number(r[5]), lscr: Number(r[6]) });
      if (p.frames < 0 || p.words.length > 1) p.frames = Math.max(p.frames, p.words[p.words.length - 1].end - p.words[0].start + 1);
      return;
    }
    if (/^word\s/.test(line)) {
      this.#table = true;
      return;
    }
    if (/^(?:INFO|WARN)/.test(line)) return;
    // The hypothesis echoed on stdout ends the utterance (an empty one only after its word table).
    if (line.trim() === p.hyp.trim() && (p.hyp.trim() !== '' || this.#table)) {
      this.#pending = null;
      this.onUtterance(p);
    }
  }

  /** The process ended: whatever is pending is complete. */
  end(): void {
    clearTimeout(this.#nullTimer);
    const p = this.#pending;
    this.#pending = null;
    if (p) this.onUtterance(p);
  }

  #finishNull(): void {
    clearTimeout(this.#nullTimer);
    const p = this.#pending;
    if (p && p.hyp === null) {
      this.#pending = null;
      this.onUtterance(p);
    }
  }
}

/** One pocketsphinx_continuous process reading raw PCM from stdin. */
class DecoderProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly parser: DecoderOutputParser;
  readonly exited: Promise<number | null>;
  #buf = '';
  #dead = false;

  constructor(bin: string, args: string[], onUtterance: (u: DecodedUtterance) => void) {
    this.parser = new DecoderOutputParser(onUtterance);
    // `cat |` gives the decoder a real pipe for -infile /dev/stdin; 2>&1 keeps log and result
    // order; `times` reports the decoder's CPU time when it ends (for the real-time factor).
    this.child = spawn('sh', ['-c', 'cat | { "$0" "$@" 2>&1; times; }', bin, '-infile', '/dev/stdin', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => this.#data(d));
    this.child.stderr.on('data', (d: Buffer) => this.parser.errors.push(d.toString().trim()));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.parser.errors.push(e.message);
        resolve(-1);
      });
      this.child.on('close', (code) => {
        if (this.#buf) this.parser.line(this.#buf);
        this.#buf = '';
        this.parser.end();
        this.#dead = true;
        resolve(code);
      });
    });
  }

  #data(d: string): void {
    this.#buf += d;
    let nl: number;
    while ((nl = this.#buf.indexOf('\n')) >= 0) {
      const line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 1);
      this.parser.line(line);
    }
  }

  write(b: Buffer): void {
    if (!this.#dead && this.child.stdin.writable) this.child.stdin.write(b);
  }

  end(): void {
    if (this.child.stdin.writable) this.child.stdin.end();
  }

  kill(): void {
    if (this.#dead) return;
    try {
      // The process group: sh, cat and the decoder (spawned detached for exactly this).
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}

interface GrammarFiles {
  version: number;
  jsgf: string;
  dict: string;
  /** unigram LM of the competing word loop */
  loop: string;
  /** words whose pronunciation came from espeak-ng */
  derived: Map<string, string>;
  missing: string[];
}

/** The grammar decoder + its competitor for one stretch of a stream, started at `offset` samples. */
class Generation {
  readonly grammar: DecoderProcess;
  readonly competitor: DecoderProcess;
  readonly #g: DecodedUtterance[] = [];
  readonly #p: DecodedUtterance[] = [];
  readonly done: Promise<void>;
  killed = false;

  constructor(
    readonly offset: number,
    readonly files: GrammarFiles,
    stt: PocketsphinxStt,
    cmn: string | null,
    private readonly onPair: (gen: Generation, g: DecodedUtterance, p: DecodedUtterance | null) => void,
  ) {
    const common = [
      '-hmm',
      join(stt.modelDir, 'en-us'),
      '-dict',
      files.dict,
      '-backtrace',
      'yes',
      '-vad_postspeech',
      String(stt.postSpeechFrames),
      ...(cmn ? ['-cmninit', cmn] : []),
      ...stt.extraArgs,
    ];
    this.grammar = new DecoderProcess(
      stt.binary,
      [...common, '-jsgf', files.jsgf, '-beam', '1e-80', '-wbeam', '1e-60', '-compallsen', 'yes'],
      (u) => {
        this.#g.push(u);
        this.#pair();
      },
    );
    const versus =
      stt.competitor === 'phones'
        ? ['-allphone', join(stt.modelDir, 'en-us-phone.lm.bin'), '-allphone_ci', 'yes', '-compallsen', 'yes']
        : ['-lm', files.loop, '-fwdflat', 'no', '-bestpath', 'no', '-lw', String(stt.loopWeight)];
    this.competitor = new DecoderProcess(stt.binary, [...common, ...versus], (u) => {
      this.#p.push(u);
      this.#pair();
    });
    this.done = Promise.all([this.grammar.exited, this.competitor.exited]).then(() => {
      stt.cpuSeconds += this.grammar.parser.cpuSeconds + this.competitor.parser.cpuSeconds;
      if (this.killed) return;
      // A competitor that died early leaves grammar results without a confidence: reject them.
      while (this.#g.length) this.onPair(this, this.#g.shift()!, null);
    });
  }

  #pair(): void {
    while (this.#g.length && this.#p.length && !this.killed) this.onPair(this, this.#g.shift()!, this.#p.shift()!);
  }

  write(b: Buffer): void {
    this.grammar.write(b);
    this.competitor.write(b);
  }

  end(): void {
    this.grammar.end();
    this.competitor.end();
  }

  kill(): void {
    this.killed = true;
    this.grammar.kill();
    this.competitor.kill();
  }

  get cmn(): string | null {
    return this.grammar.parser.cmn;
  }

  errors(): string[] {
    return [...this.grammar.parser.errors, ...this.competitor.parser.errors];
  }
}

const FILLER = /^(?:<s>|<\/s>|<sil>|\[[A-Z_]+\]|\+\+.*\+\+|SIL|NULL|\(NULL\))$/;

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

/** Logistic map of the score margin to 0..1 (0.5 at the threshold). */
export function confidenceOf(score: number, threshold: number): number {
  return 1 / (1 + Math.exp(-(score - threshold) / 2));
}

export class PocketsphinxStream implements SttStream {
  #gen: Generation | null = null;
  /** audio not yet covered by a completed utterance: replayed after a grammar change */
  #replay: Buffer[] = [];
  #replayStart = 0;
  #replayLen = 0;
  #written = 0;
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
    private readonly stt: PocketsphinxStt,
    options: { rehearColdStart?: boolean } = {},
  ) {
    stt.streams.add(this);
    this.#rehearCold = options.rehearColdStart ?? true;
  }

  get position(): number {
    return this.#written / SAMPLE_RATE;
  }

  subscribe(listener: (e: SttEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
    if (!this.#gen || this.#grammarVersion !== this.stt.files?.version) this.#startGeneration();
    this.#append(b);
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
    const audio = this.#replayed(Math.max(this.#replayStart, this.#lastOnset), this.#written);
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

  /** Into the decoders and the replay buffer (the caller advances #written). */
  #append(b: Buffer): void {
    this.#gen!.write(b);
    this.#replay.push(b);
    this.#replayLen += b.length / 2;
    // Bound the replay buffer (a minute of continuous speech without an utterance end is noise).
    while (this.#replayLen > 60 * SAMPLE_RATE && this.#replay.length > 1) {
      const first = this.#replay.shift()!;
      this.#replayLen -= first.length / 2;
      this.#replayStart += first.length / 2;
    }
  }

  /** (Re)start the decoders at the start of the replay buffer with the current grammar. */
  #startGeneration(): void {
    const files = this.stt.files;
    if (!files) throw new SpeechUnavailableError('pocketsphinx', 'no grammar yet: call setVocabulary() first');
    const old = this.#gen;
    const cmn = old?.cmn ?? this.stt.lastCmn;
    old?.kill();
    this.#grammarVersion = files.version;
    const gen = new Generation(this.#replayStart, files, this.stt, cmn, (g, u, p) => this.#onPair(g, u, p));
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
    const spoken = g.words.filter((w) => !FILLER.test(w.word));
    // Times for a result with no words (the grammar gave up): the competitor's word table.
    const span = spoken.length ? spoken : [...g.words, ...(p?.words ?? [])].filter((w) => w.word !== '(NULL)' && w.start >= 0);
    const last = g.words[g.words.length - 1];
    if (this.#rehearCold && cold && last && span.length && gen === this.#gen && !this.#closed && this.stt.lastCmn !== null) {
      this.#rehearCold = false;
      const from = gen.offset + Math.max(0, span[0].start * (SAMPLE_RATE / 100) - 0.3 * SAMPLE_RATE);
      const to = gen.offset + (last.end + 1) * (SAMPLE_RATE / 100);
      const audio = this.#replayed(from, to);
      if (audio.length > 0) {
        // The same words again, then room tone so the decoders' endpointer closes them.
        const again = Buffer.concat([audio, this.#roomTone(FLUSH_PADDING * SAMPLE_RATE)]);
        this.#append(again);
        this.#written += again.length / 2;
        return;
      }
    }
    this.#rehearCold = false;
    if (last && gen === this.#gen) {
      // Audio up to the end of this utterance is decoded for good; drop it from the replay buffer.
      const upTo = gen.offset + (last.end + 1) * (SAMPLE_RATE / 100);
      while (this.#replay.length && this.#replayStart + this.#replay[0].length / 2 <= upTo) {
        const first = this.#replay.shift()!;
        this.#replayLen -= first.length / 2;
        this.#replayStart += first.length / 2;
      }
    }
    const text = (g.hyp ?? '').trim().replace(/\s+/g, ' ');
    const score = p && g.frames > 0 && g.hyp !== null ? (g.score - p.score) / g.frames : Number.NEGATIVE_INFINITY;
    const t = STOP_HYPS.has(text) ? this.stt.stopThreshold : this.stt.thresholdFor(text.split(' ').length);
    const reason: Transcript['reason'] =
      g.nonFinal || g.hyp === null ? 'no_match' : !text ? 'empty' : !p ? 'error' : score < t ? 'low_confidence' : undefined;
    const transcript: Transcript = {
      text,
      confidence: Number.isFinite(score) ? confidenceOf(score, t) : 0,
      accepted: reason === undefined,
      ...(reason ? { reason } : {}),
      ...(Number.isFinite(score) ? { score: Math.round(score * 100) / 100 } : {}),
      // Word times; with no words (speech the grammar gave up on), the whole utterance's.
      ...(span.length
        ? {
            start: gen.offset / SAMPLE_RATE + Math.max(0, span[0].start) / 100,
            end: gen.offset / SAMPLE_RATE + (span[span.length - 1].end + 1) / 100,
          }
        : {}),
      backend: 'pocketsphinx',
    };
    if (this.#collect?.gen === gen) this.#collect.out.push(transcript);
    this.#sinceFlush.push(transcript);
    if (transcript.end !== undefined) this.#decodedTo = Math.max(this.#decodedTo, transcript.end * SAMPLE_RATE);
    this.#emit({ type: 'final', transcript });
  }

  /** Stream audio between two sample positions, from what the replay buffer still holds. */
  #replayed(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    let at = this.#replayStart;
    for (const b of this.#replay) {
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
    const onset = this.#lastOnset;
    this.#lastOnset = null;
    if (this.#gen) this.write(this.#roomTone(FLUSH_PADDING * SAMPLE_RATE));
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
    this.#replay = [];
    this.#replayStart = this.#written;
    this.#replayLen = 0;
    if (!gen) return Promise.resolve([]);
    const run = this.#chain.then(async () => {
      const out: Transcript[] = [];
      this.#collect = { gen, out };
      // End of input ends the utterance in progress at once: no silence timeout to wait for.
      gen.end();
      await gen.done;
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
    this.#gen?.kill();
    await this.#gen?.done;
    this.#gen = null;
  }
}

/**
 * Grammar-constrained recognition with pocketsphinx_continuous. Call setVocabulary() (or
 * setJsgf()) before streaming; later calls restart the decoders of open streams.
 */
export class PocketsphinxStt implements SpeechToText {
  readonly name = 'pocketsphinx';
  readonly modelDir: string;
  readonly threshold: number;
  readonly stopThreshold: number;
  readonly shortSlope: number;
  readonly competitor: 'words' | 'phones';
  readonly loopWeight: number;
  readonly postSpeechFrames: number;
  readonly extraArgs: string[];
  readonly binary: string;
  readonly partialIntervalMs: number;
  readonly onDecoded: PocketsphinxOptions['onDecoded'];
  readonly streams = new Set<PocketsphinxStream>();
  files: GrammarFiles | null = null;
  lastCmn: string | null = null;
  /** CPU seconds used by decoders that have ended (for the real-time factor) */
  cpuSeconds = 0;
  #dir: string | null = null;
  #version = 0;

  constructor(options: PocketsphinxOptions = {}) {
    this.modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.stopThreshold = options.stopThreshold ?? DEFAULT_STOP_THRESHOLD;
    this.shortSlope = options.shortSlope ?? DEFAULT_SHORT_SLOPE;
    this.competitor = options.competitor ?? 'words';
    this.loopWeight = options.loopWeight ?? DEFAULT_LOOP_WEIGHT;
    this.postSpeechFrames = options.postSpeechFrames ?? DEFAULT_POSTSPEECH;
    this.extraArgs = options.extraArgs ?? [];
    this.binary = options.binary ?? POCKETSPHINX_BIN;
    this.partialIntervalMs = options.partialIntervalMs ?? 0;
    this.onDecoded = options.onDecoded;
  }

  /** The acceptance threshold for a hypothesis of `words` words. */
  thresholdFor(words: number): number {
    return this.threshold - this.shortSlope * Math.max(0, 4 - words);
  }

  async availability(): Promise<Availability> {
    if (!findOnPath(this.binary))
      return { available: false, reason: `${this.binary} is not installed (apt-get install pocketsphinx pocketsphinx-en-us)` };
    if (!findOnPath('sh') || !findOnPath('cat')) return { available: false, reason: 'sh and cat are needed to feed the decoder' };
    try {
      const { statSync } = await import('node:fs');
      statSync(join(this.modelDir, 'en-us', 'mdef'));
      statSync(join(this.modelDir, 'en-us-phone.lm.bin'));
      if (this.modelDir === DEFAULT_MODEL_DIR) statSync(DEFAULT_CMUDICT);
    } catch {
      return { available: false, reason: `the en-us model is missing from ${this.modelDir} (apt-get install pocketsphinx-en-us)` };
    }
    return { available: true, detail: `${this.binary}, model ${this.modelDir}` };
  }

  async #ensure(): Promise<void> {
    const a = await this.availability();
    if (!a.available) throw new SpeechUnavailableError(this.name, a.reason);
  }

  /** Regenerate the grammar (skills, entities, scene objects) and restart open streams' decoders. */
  async setVocabulary(input: GrammarInput): Promise<void> {
    await this.#ensure();
    const g = buildGrammar(input);
    const dict = await buildDictionary([...g.words, ...COMMON_WORDS], { cmudictPath: join(this.modelDir, 'cmudict-en-us.dict') });
    const pruned = pruneWords(g, new Set(dict.missing));
    this.#install(
      toJsgf(pruned),
      dict.text,
      [...pruned.words, ...COMMON_WORDS].filter((w) => !dict.missing.includes(w)),
      dict.derived,
      dict.missing,
    );
  }

  /** Use a hand-written JSGF grammar instead (e.g. pocketsphinx-testdata's goforward.gram). */
  async setJsgf(jsgf: string): Promise<void> {
    await this.#ensure();
    const body = jsgf
      .replace(/\/\*[\s\S]*?\*\//g, ' ')
      .replace(/\/\/.*$/gm, ' ')
      .split(';')
      .filter((s) => /=/.test(s))
      .map((s) => s.slice(s.indexOf('=') + 1))
      .join(' ');
    const words = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\/[^/]*\//g, ' ')
      .split(/[\s|()[\]*+]+/)
      .filter((w) => w && /^[a-z']+$/i.test(w))
      .map((w) => w.toLowerCase());
    const dict = await buildDictionary([...words, ...COMMON_WORDS], { cmudictPath: join(this.modelDir, 'cmudict-en-us.dict') });
    const missing = words.filter((w) => dict.missing.includes(w));
    if (missing.length) throw new SpeechUnavailableError(this.name, `no pronunciation for: ${missing.join(', ')}`);
    this.#install(
      jsgf.toLowerCase().replace(/#jsgf v1\.0;/, '#JSGF V1.0;'),
      dict.text,
      [...words, ...COMMON_WORDS].filter((w) => !dict.missing.includes(w)),
      dict.derived,
      [],
    );
  }

  #install(jsgf: string, dictText: string, loopWords: string[], derived: Map<string, string>, missing: string[]): void {
    if (!this.#dir) {
      const dir = mkdtempSync(join(tmpdir(), 'shammie-asr-'));
      this.#dir = dir;
      liveDirs.add(dir);
    }
    const version = ++this.#version;
    const gram = join(this.#dir, `g${version}.gram`);
    const dict = join(this.#dir, `g${version}.dict`);
    const loop = join(this.#dir, `g${version}.arpa`);
    writeFileSync(gram, jsgf);
    writeFileSync(dict, dictText);
    writeFileSync(loop, unigramArpa(loopWords));
    this.files = { version, jsgf: gram, dict, loop, derived, missing };
    for (const s of this.streams) s.grammarChanged();
  }

  stream(): PocketsphinxStream {
    return this.#stream({});
  }

  #stream(options: { rehearColdStart?: boolean }): PocketsphinxStream {
    if (!this.files) throw new SpeechUnavailableError(this.name, 'no grammar yet: call setVocabulary() first');
    return new PocketsphinxStream(this, options);
  }

  /**
   * A whole recording. The decoder hears it twice in one stream and only the second hearing
   * counts: by then its noise, silence and cepstral-mean estimates have settled on this
   * recording, as a live decoder's have on its room (a cold decoder misreads the first
   * utterance it hears). A little near-silence goes first so its VAD sees the first onset.
   */
  async transcribe(pcm: Buffer | Int16Array): Promise<Transcript[]> {
    const lead = 0.25;
    const audio = toBuffer(pcm);
    // This hears the recording twice itself (below), so no cold-start re-hearing.
    const s = this.#stream({ rehearColdStart: false });
    try {
      // Lead and gap are room tone at the recording's own noise floor, not a jump to silence.
      const floor = noiseFloorDb(audio) - 6;
      s.write(pinkNoise(lead * SAMPLE_RATE, floor, 99));
      s.write(audio);
      // A gap, so a recording that ends mid-word does not run into its second hearing.
      s.write(pinkNoise(0.6 * SAMPLE_RATE, floor, 98));
      const second = s.position;
      s.write(audio);
      const out = await s.finish();
      return out
        .filter((t) => t.end === undefined || t.end > second)
        .map((t) =>
          t.start === undefined ? t : { ...t, start: Math.max(0, t.start - second), end: Math.max(0, (t.end ?? second) - second) },
        );
    } finally {
      await s.close();
    }
  }

  /** The grammar's best words for a stretch of audio that may end mid-word (a partial transcript). */
  async decodePartial(pcm: Buffer, cmn: string | null): Promise<string> {
    const files = this.files;
    if (!files || !pcm.length) return '';
    const hyps: string[] = [];
    // Free words (the competitor's word loop), not the grammar: the grammar only has whole
    // commands and forces half an utterance into some other whole command.
    const args = [
      '-hmm',
      join(this.modelDir, 'en-us'),
      '-dict',
      files.dict,
      '-lm',
      files.loop,
      '-backtrace',
      'yes',
      ...(cmn ? ['-cmninit', cmn] : []),
      ...this.extraArgs,
    ];
    const p = new DecoderProcess(this.binary, args, (u) => {
      if (u.hyp) hyps.push(u.hyp.trim());
    });
    const timer = setTimeout(() => p.kill(), 3000);
    // Room tone first: the decoder's endpointer needs to hear the speech start.
    p.write(Buffer.concat([pinkNoise(0.3 * SAMPLE_RATE, Math.max(-75, noiseFloorDb(pcm)), 7), pcm]));
    p.end();
    await p.exited;
    clearTimeout(timer);
    return hyps.filter(Boolean).join(' ').replace(/\s+/g, ' ');
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams].map((s) => s.close()));
    if (this.#dir) {
      rmSync(this.#dir, { recursive: true, force: true });
      liveDirs.delete(this.#dir);
    }
    this.#dir = null;
  }
}

/** Grammar folders of recognizers not closed yet: removed when the process exits anyway. */
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
});

/** A uniform unigram LM (ARPA text) over `words`: the competitor's free word loop. */
export function unigramArpa(words: readonly string[]): string {
  const vocab = [...new Set(words)].sort();
  const lp = Math.log10(1 / vocab.length).toFixed(4);
  return `\\data\\\nngram 1=${vocab.length + 2}\n\n\\1-grams:\n-99 <s> 0\n${lp} </s> 0\n${vocab.map((w) => `${lp} ${w} 0`).join('\n')}\n\n\\end\\\n`;
}
