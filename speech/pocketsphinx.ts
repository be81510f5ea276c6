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
 *
 * The parts: pocketsphinx-decoder.ts (one decoder process and its log protocol),
 * pocketsphinx-files.ts (the grammar, dictionary and word-loop files), pocketsphinx-generation.ts
 * (the grammar decoder + competitor pair), pocketsphinx-score.ts (confidence and rejection),
 * pocketsphinx-stream.ts (a live stream: replay, flush, partials, cold-start re-hearing). This
 * file holds the options and the recognizer that owns them.
 */
import { join } from 'node:path';
import { buildGrammar, harmVerbWords, newVerbWords, pruneWords, toJsgf, type GrammarInput } from './grammar.js';
import { noiseFloorDb, pinkNoise, SAMPLE_RATE, toBuffer } from './pcm.js';
import { findOnPath } from './proc.js';
import { COMMON_WORDS } from './common-words.js';
import { buildDictionary, DEFAULT_CMUDICT, DEFAULT_MODEL_DIR } from './pronounce.js';
import { DecoderProcess, type DecodedUtterance } from './pocketsphinx-decoder.js';
import { GrammarFileStore, type GrammarFiles } from './pocketsphinx-files.js';
import type { GateOptions } from './pocketsphinx-gate.js';
import { kwsList, STOP_PHRASES, type StopPhrase } from './pocketsphinx-spotter.js';
import { fillDigitalSilence, PocketsphinxStream } from './pocketsphinx-stream.js';
import type { DecoderRole } from './pocketsphinx-generation.js';
import { NEW_VERB_PRIOR } from './pocketsphinx-rescore.js';
import { SpeechUnavailableError, type Availability, type SpeechToText, type Transcript } from './types.js';

export { DecoderOutputParser, type DecodedUtterance } from './pocketsphinx-decoder.js';
export { unigramArpa } from './pocketsphinx-files.js';
export { confidenceOf } from './pocketsphinx-score.js';
export { fillDigitalSilence, PocketsphinxStream } from './pocketsphinx-stream.js';
export { SpeechGate, type GateOptions } from './pocketsphinx-gate.js';
export { kwsList, STOP_PHRASES, type StopPhrase } from './pocketsphinx-spotter.js';

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
  /**
   * Points below the threshold where a command is 'unsure' rather than rejected: the words are
   * likely right, and the voice loop asks "Did you say …?" (0: no such band). Calibrated on the
   * speech eval (see DEFAULT_UNSURE_MARGIN).
   */
  unsureMargin?: number;
  /** points per speech frame a new-verb reading must beat the best known reading by (pocketsphinx-rescore.ts) */
  newVerbPrior?: number;
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
  /**
   * The voice-activity gate in front of the decoders: they hear speech with a short pre-roll and
   * hangover, never long stretches of silence (false: everything, as before the gate).
   */
  vad?: GateOptions | false;
  /**
   * The stop-word spotter beside the command decoders (`stop_word` events, and a stop it hears
   * inside an utterance overrules the command decoder's reading). true: STOP_PHRASES.
   */
  spotter?: boolean | readonly StopPhrase[];
  /** extra decoder flags */
  extraArgs?: string[];
  binary?: string;
  /** diagnostics: both decoders' raw results for every utterance */
  onDecoded?: (grammar: DecodedUtterance, phones: DecodedUtterance | null) => void;
}

export const DEFAULT_THRESHOLD = -12.5;
export const DEFAULT_STOP_THRESHOLD = -30;
export const DEFAULT_SHORT_SLOPE = 1;
export const DEFAULT_UNSURE_MARGIN = 2.5;
/** a light word-loop LM weight: free words stay cheap, so the loop explains non-command speech well */
export const DEFAULT_LOOP_WEIGHT = 2;
export const DEFAULT_POSTSPEECH = 25;

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
  readonly unsureMargin: number;
  readonly newVerbPrior: number;
  readonly competitor: 'words' | 'phones';
  readonly loopWeight: number;
  readonly postSpeechFrames: number;
  readonly extraArgs: string[];
  readonly binary: string;
  readonly partialIntervalMs: number;
  readonly onDecoded: PocketsphinxOptions['onDecoded'];
  readonly vad: GateOptions | false;
  readonly spotter: boolean;
  readonly stopPhrases: readonly StopPhrase[];
  readonly streams = new Set<PocketsphinxStream>();
  files: GrammarFiles | null = null;
  lastCmn: string | null = null;
  /** CPU seconds used by decoders that have ended (for the real-time factor) */
  cpuSeconds = 0;
  /** cpuSeconds by decoder role */
  readonly cpuByRole: Record<DecoderRole, number> = { grammar: 0, competitor: 0, spotter: 0, recheck: 0 };
  #store = new GrammarFileStore();

  constructor(options: PocketsphinxOptions = {}) {
    this.modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.stopThreshold = options.stopThreshold ?? DEFAULT_STOP_THRESHOLD;
    this.shortSlope = options.shortSlope ?? DEFAULT_SHORT_SLOPE;
    this.unsureMargin = Math.max(0, options.unsureMargin ?? DEFAULT_UNSURE_MARGIN);
    this.newVerbPrior = options.newVerbPrior ?? NEW_VERB_PRIOR;
    this.competitor = options.competitor ?? 'words';
    this.loopWeight = options.loopWeight ?? DEFAULT_LOOP_WEIGHT;
    this.postSpeechFrames = options.postSpeechFrames ?? DEFAULT_POSTSPEECH;
    this.extraArgs = options.extraArgs ?? [];
    this.binary = options.binary ?? POCKETSPHINX_BIN;
    this.partialIntervalMs = options.partialIntervalMs ?? 0;
    this.onDecoded = options.onDecoded;
    this.vad = options.vad ?? {};
    this.spotter = options.spotter !== false;
    this.stopPhrases = Array.isArray(options.spotter) ? options.spotter : STOP_PHRASES;
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
    const newVerbs = new Set(newVerbWords(pruned));
    const harmVerbs = new Set(harmVerbWords(pruned));
    // The known commands alone: what a new or harmful verb is re-checked against.
    const known =
      newVerbs.size || harmVerbs.size
        ? toJsgf(pruneWords(buildGrammar({ ...input, newVerbs: false, harmVerbs: false }), new Set(dict.missing)))
        : null;
    // Stop phrases whose words the dictionary holds (the grammar's <stop> rule has them all).
    const stops = this.stopPhrases.filter((p) => p.phrase.split(' ').every((w) => pruned.words.has(w)));
    this.#install(
      toJsgf(pruned),
      dict.text,
      [...pruned.words, ...COMMON_WORDS].filter((w) => !dict.missing.includes(w)),
      dict.derived,
      dict.missing,
      this.spotter && stops.length ? kwsList(stops) : null,
      known ? { jsgf: known, newVerbs, harmVerbs } : null,
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

  #install(
    jsgf: string,
    dictText: string,
    loopWords: string[],
    derived: Map<string, string>,
    missing: string[],
    kws: string | null = null,
    known: { jsgf: string; newVerbs: ReadonlySet<string>; harmVerbs: ReadonlySet<string> } | null = null,
  ): void {
    this.files = this.#store.write(jsgf, dictText, loopWords, derived, missing, kws, known);
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
    // Digital zeros filled first, so the lead below matches the level the decoders will hear.
    const audio = fillDigitalSilence(toBuffer(pcm), 97);
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

  /**
   * One utterance's audio decoded twice in short-lived processes, with the full grammar and with
   * the grammar without new verbs, on the same padding and cepstral mean so the path scores
   * compare (see pocketsphinx-rescore.ts). Null results when a decoder found nothing.
   */
  async decodeBoth(pcm: Buffer, cmn: string | null): Promise<{ full: DecodedUtterance | null; known: DecodedUtterance | null }> {
    const files = this.files;
    if (!files?.known || !pcm.length) return { full: null, known: null };
    const one = async (jsgf: string): Promise<DecodedUtterance | null> => {
      const got: DecodedUtterance[] = [];
      const args = ['-hmm', join(this.modelDir, 'en-us'), '-dict', files.dict, '-jsgf', jsgf, '-beam', '1e-80', '-wbeam', '1e-60'];
      const p = new DecoderProcess(this.binary, [...args, '-backtrace', 'yes', ...(cmn ? ['-cmninit', cmn] : []), ...this.extraArgs], (u) =>
        got.push(u),
      );
      // A bound for a hung decoder only: a loaded machine takes seconds, and a killed re-check
      // would let the new verb stand whatever it sounded like.
      const timer = setTimeout(() => p.kill(), 15_000);
      const floor = Math.max(-75, noiseFloorDb(pcm));
      // Heard twice, the second hearing counts: a fresh decoder's first utterance carries its
      // endpointer's warm-up (as in transcribe()).
      const pad = (s: number, seed: number) => pinkNoise(s * SAMPLE_RATE, floor, seed);
      p.write(Buffer.concat([pad(0.3, 11), pcm, pad(0.6, 12), pcm, pad(0.4, 13)]));
      p.end();
      await p.exited;
      clearTimeout(timer);
      this.cpuSeconds += p.parser.cpuSeconds;
      this.cpuByRole.recheck += p.parser.cpuSeconds;
      return got.filter((u) => u.hyp !== null && u.hyp.trim() !== '').pop() ?? null;
    };
    const [full, known] = await Promise.all([one(files.jsgf), one(files.known)]);
    return { full, known };
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
    this.#store.close();
  }
}
