/**
 * A generation: the grammar decoder and its competitor, two long-lived decoder processes reading
 * the same stretch of a stream. Their results come in pairs, one utterance each, and the pair's
 * score difference is the confidence (pocketsphinx-score.ts). A grammar change or the end of
 * input ends a generation; the stream starts the next one.
 */
import { join } from 'node:path';
import { DecoderProcess, type DecodedUtterance } from './pocketsphinx-decoder.js';
import type { GrammarFiles } from './pocketsphinx-files.js';

/** What a generation needs from its recognizer: decoder settings, and a tally of the decoders' CPU time. */
export interface DecoderHost {
  readonly binary: string;
  readonly modelDir: string;
  readonly extraArgs: string[];
  readonly postSpeechFrames: number;
  readonly competitor: 'words' | 'phones';
  readonly loopWeight: number;
  /** CPU seconds used by decoders that have ended (for the real-time factor) */
  cpuSeconds: number;
}

/** The grammar decoder + its competitor for one stretch of a stream, started at `offset` samples. */
export class Generation {
  readonly grammar: DecoderProcess;
  readonly competitor: DecoderProcess;
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
