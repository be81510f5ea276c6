/**
 * A generation: the grammar decoder and its competitor, two long-lived decoder processes reading
 * the same stretch of a stream. Their results come in pairs, one utterance each, and the pair's
 * score difference is the confidence (pocketsphinx-score.ts). A grammar change or the end of
 * input ends a generation; the stream starts the next one.
 */
import { join } from 'node:path';
import { DecoderProcess, KeywordLogParser, type DecodedUtterance } from './pocketsphinx-decoder.js';
import type { GrammarFiles } from './pocketsphinx-files.js';
import { SPOTTER_POSTSPEECH } from './pocketsphinx-spotter.js';

/** A stop phrase the spotter heard: frames on the generation's timeline (inclusive). */
export interface SpottedStop {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

/** What a generation needs from its recognizer: decoder settings, and a tally of the decoders' CPU time. */
export interface DecoderHost {
  readonly binary: string;
  readonly modelDir: string;
  readonly extraArgs: string[];
  readonly postSpeechFrames: number;
  readonly competitor: 'words' | 'phones';
  readonly loopWeight: number;
  /** run the stop-word spotter beside the command decoders */
  readonly spotter: boolean;
  /** CPU seconds used by decoders that have ended (for the real-time factor) */
  cpuSeconds: number;
  /** the same CPU seconds by decoder role, so a rise in the real-time factor can be traced to its decoder */
  readonly cpuByRole: Record<DecoderRole, number>;
}

/** What a decoder process is for: the three per stream, and the short new-verb re-check decodes. */
export type DecoderRole = 'grammar' | 'competitor' | 'spotter' | 'recheck';

/** The grammar decoder + its competitor for one stretch of a stream, started at `offset` samples. */
export class Generation {
  readonly grammar: DecoderProcess;
  readonly competitor: DecoderProcess;
  readonly spotter: DecoderProcess | null = null;
  readonly #g: DecodedUtterance[] = [];
  readonly #p: DecodedUtterance[] = [];
  readonly done: Promise<void>;
  killed = false;

  constructor(
    readonly offset: number,
    readonly files: GrammarFiles,
    stt: DecoderHost,
    cmn: string | null,
    private readonly onPair: (gen: Generation, g: DecodedUtterance, p: DecodedUtterance | null) => void,
    onStop?: (gen: Generation, stop: SpottedStop) => void,
  ) {
    // Every decoder of a generation: the model, the dictionary, word times, the endpointer's
    // closing silence (frames) and the warm cepstral mean.
    const base = (postSpeech: number): string[] => [
      '-hmm',
      join(stt.modelDir, 'en-us'),
      '-dict',
      files.dict,
      '-backtrace',
      'yes',
      '-vad_postspeech',
      String(postSpeech),
      ...(cmn ? ['-cmninit', cmn] : []),
      ...stt.extraArgs,
    ];
    const common = base(stt.postSpeechFrames);
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
    if (stt.spotter && files.kws && onStop) {
      const kws = new KeywordLogParser((hits) => {
        for (const h of hits) if (!this.killed) onStop(this, { word: h.word, start: h.start, end: h.end, confidence: h.pprob });
      });
      this.spotter = new DecoderProcess(
        stt.binary,
        [...base(SPOTTER_POSTSPEECH), '-kws', files.kws],
        () => undefined,
        (line) => kws.line(line),
      );
    }
    this.done = Promise.all([this.grammar.exited, this.competitor.exited, this.spotter?.exited]).then(() => {
      const spent = {
        grammar: this.grammar.parser.cpuSeconds,
        competitor: this.competitor.parser.cpuSeconds,
        spotter: this.spotter?.parser.cpuSeconds ?? 0,
      };
      for (const [role, s] of Object.entries(spent) as [DecoderRole, number][]) {
        stt.cpuByRole[role] += s;
        stt.cpuSeconds += s;
      }
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
    this.spotter?.write(b);
  }

  end(): void {
    this.grammar.end();
    this.competitor.end();
    this.spotter?.end();
  }

  kill(): void {
    this.killed = true;
    this.grammar.kill();
    this.competitor.kill();
    this.spotter?.kill();
  }

  get cmn(): string | null {
    return this.grammar.parser.cmn;
  }

  errors(): string[] {
    return [...this.grammar.parser.errors, ...this.competitor.parser.errors, ...(this.spotter?.parser.errors ?? [])];
  }
}
