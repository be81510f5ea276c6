/**
 * Optional OpenAI-compatible transcription (`POST {baseURL}/audio/transcriptions`) through the
 * `openai` SDK: a local faster-whisper server, LocalAI, whisper.cpp's server, or a hosted API.
 * Configured only by SHAMMIE_STT_BASE_URL (+ SHAMMIE_STT_MODEL, SHAMMIE_STT_API_KEY): there is
 * no default endpoint, so audio never leaves the machine unless the user asked for it.
 */
import OpenAI, { toFile } from 'openai';
import { BatchSpeechToText } from './batch.js';
import { encodeWav } from './pcm.js';
import { SpeechUnavailableError, type Availability, type Transcript } from './types.js';

export interface OpenAiSttOptions {
  /** e.g. http://127.0.0.1:8000/v1 (default $SHAMMIE_STT_BASE_URL) */
  baseURL?: string;
  /** local servers ignore it; the SDK needs one (default $SHAMMIE_STT_API_KEY or "local") */
  apiKey?: string;
  /** default $SHAMMIE_STT_MODEL or whisper-1 */
  model?: string;
  timeoutMs?: number;
  /** verbose_json gives per-segment log-probabilities (a confidence); json is universal */
  responseFormat?: 'json' | 'verbose_json';
  env?: NodeJS.ProcessEnv;
}

interface Segment {
  avg_logprob?: number;
  no_speech_prob?: number;
}

/** Probability-like confidence from verbose_json segments (mean exp(avg_logprob), discounted by no-speech). */
export function segmentConfidence(segments: readonly Segment[] | undefined): number | undefined {
  const s = (segments ?? []).filter((x) => typeof x.avg_logprob === 'number');
  if (!s.length) return undefined;
  const p = s.reduce((a, x) => a + Math.exp(x.avg_logprob!) * (1 - (x.no_speech_prob ?? 0)), 0) / s.length;
  return Math.max(0, Math.min(1, p));
}

function explain(err: unknown, baseURL: string): string {
  // The SDK wraps fetch's error, which wraps the socket's: walk the causes for a system code.
  const chain: { code?: string; message?: string; status?: number; name?: string; cause?: unknown }[] = [];
  for (let e = err as (typeof chain)[number] | undefined; e && chain.length < 6; e = e.cause as (typeof chain)[number] | undefined)
    chain.push(e);
  const code = chain.map((e) => e.code).find((c) => c && /^E[A-Z]+$/.test(c));
  const top = chain[0] ?? {};
  if (code === 'ECONNREFUSED') return `no transcription server at ${baseURL} (connection refused)`;
  if (code === 'ENOTFOUND') return `cannot resolve the transcription server host in ${baseURL}`;
  if (code) return `cannot reach ${baseURL} (${code})`;
  if (top.status) return `the transcription server at ${baseURL} answered HTTP ${top.status}: ${top.message ?? ''}`.trim();
  if (top.name === 'APIConnectionTimeoutError' || chain.some((e) => e.name === 'TimeoutError'))
    return `the transcription server at ${baseURL} did not answer in time`;
  return `transcription request to ${baseURL} failed: ${chain
    .map((e) => e.message)
    .filter(Boolean)
    .join(': ')}`;
}

export class OpenAiCompatibleStt extends BatchSpeechToText {
  readonly name = 'openai-compatible';
  readonly baseURL: string | undefined;
  readonly model: string;
  readonly responseFormat: 'json' | 'verbose_json';
  #client: OpenAI | undefined;

  constructor(options: OpenAiSttOptions = {}) {
    super();
    const env = options.env ?? process.env;
    this.baseURL = (options.baseURL ?? env.SHAMMIE_STT_BASE_URL)?.trim() || undefined;
    this.model = options.model ?? env.SHAMMIE_STT_MODEL ?? 'whisper-1';
    this.responseFormat = options.responseFormat ?? 'verbose_json';
    if (this.baseURL) {
      let url: URL;
      try {
        url = new URL(this.baseURL);
      } catch {
        throw new SpeechUnavailableError(this.name, `SHAMMIE_STT_BASE_URL "${this.baseURL}" is not a URL (e.g. http://127.0.0.1:8000/v1)`);
      }
      if (!/^https?:$/.test(url.protocol)) throw new SpeechUnavailableError(this.name, 'SHAMMIE_STT_BASE_URL must be http(s)');
      // One try, bounded: a spoken command that waits long is worse than "say that again".
      this.#client = new OpenAI({
        baseURL: this.baseURL,
        apiKey: options.apiKey ?? env.SHAMMIE_STT_API_KEY ?? 'local',
        maxRetries: 0,
        timeout: options.timeoutMs ?? 15_000,
      });
    }
  }

  /** Configured, and something answers at the URL (any HTTP status counts). */
  async availability(): Promise<Availability> {
    if (!this.baseURL)
      return { available: false, reason: 'no transcription server configured: set SHAMMIE_STT_BASE_URL (e.g. http://127.0.0.1:8000/v1)' };
    try {
      await fetch(`${this.baseURL.replace(/\/$/, '')}/models`, { signal: AbortSignal.timeout(2000) });
      return { available: true, detail: `${this.baseURL}, model ${this.model}` };
    } catch (err) {
      return { available: false, reason: explain(err, this.baseURL) };
    }
  }

  async recognize(pcm: Buffer): Promise<Transcript> {
    if (!this.#client || !this.baseURL)
      throw new SpeechUnavailableError(this.name, 'no transcription server configured: set SHAMMIE_STT_BASE_URL');
    const file = await toFile(encodeWav(pcm), 'utterance.wav', { type: 'audio/wav' });
    let res: { text?: string; segments?: Segment[] };
    try {
      res = await this.#client.audio.transcriptions.create({
        file,
        model: this.model,
        language: 'en',
        response_format: this.responseFormat,
        ...(this.prompt ? { prompt: this.prompt } : {}),
      });
    } catch (err) {
      throw new SpeechUnavailableError(this.name, explain(err, this.baseURL));
    }
    const text = (res.text ?? '').trim().toLowerCase();
    const confidence = segmentConfidence(res.segments) ?? (text ? 1 : 0);
    return { text, confidence, accepted: text.length > 0, ...(text ? {} : { reason: 'empty' as const }), backend: this.name };
  }
}
