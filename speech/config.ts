/**
 * Backends from the environment. Speech in: SHAMMIE_STT = pocketsphinx (default, offline) |
 * whisper (SHAMMIE_WHISPER_MODEL, SHAMMIE_WHISPER_BIN) | openai (SHAMMIE_STT_BASE_URL,
 * SHAMMIE_STT_MODEL, SHAMMIE_STT_API_KEY). Speech out: SHAMMIE_TTS = espeak (default) | off,
 * SHAMMIE_TTS_VOICE (e.g. en-us+f2), SHAMMIE_TTS_RATE (words per minute). SHAMMIE_HEADPHONES=1
 * keeps the microphone open while the robot talks.
 */
import { OpenAiCompatibleStt } from './openai-stt.js';
import { PocketsphinxStt } from './pocketsphinx.js';
import { EspeakTts, NullTts } from './tts.js';
import type { SpeechToText, TextToSpeech } from './types.js';
import { WhisperCppStt } from './whisper.js';

export class SpeechConfigError extends Error {
  constructor(message: string) {
    super(`[speech] ${message}`);
    this.name = 'SpeechUnavailableError';
  }
}

/** `live`: a console microphone, which shows partial transcripts while the operator speaks. */
export function sttFromEnv(env: NodeJS.ProcessEnv = process.env, options: { live?: boolean } = {}): SpeechToText {
  const kind = (env.SHAMMIE_STT ?? 'pocketsphinx').trim().toLowerCase();
  switch (kind) {
    case '':
    case 'pocketsphinx':
      return new PocketsphinxStt(options.live ? { partialIntervalMs: 500 } : {});
    case 'whisper':
      return new WhisperCppStt({ env });
    case 'openai':
      return new OpenAiCompatibleStt({ env });
    default:
      throw new SpeechConfigError(`SHAMMIE_STT must be pocketsphinx, whisper or openai, not "${kind}"`);
  }
}

export function ttsFromEnv(env: NodeJS.ProcessEnv = process.env): TextToSpeech {
  const kind = (env.SHAMMIE_TTS ?? 'espeak').trim().toLowerCase();
  if (kind === 'off' || kind === 'none' || kind === '0') return new NullTts();
  if (kind !== 'espeak' && kind !== 'espeak-ng') throw new SpeechConfigError(`SHAMMIE_TTS must be espeak or off, not "${kind}"`);
  const rate = env.SHAMMIE_TTS_RATE ? Number(env.SHAMMIE_TTS_RATE) : undefined;
  try {
    return new EspeakTts({ voice: env.SHAMMIE_TTS_VOICE || undefined, rate });
  } catch (err) {
    throw new SpeechConfigError((err as Error).message.replace(/^\[speech\] /, ''));
  }
}

export function headphonesFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.SHAMMIE_HEADPHONES ?? '');
}
