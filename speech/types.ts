/**
 * The speech contracts. Audio in is always PCM_FORMAT (16 kHz, mono, s16le; see pcm.ts), in
 * chunks of any length. A recognizer turns it into transcripts with a confidence; one that
 * cannot vouch for a transcript marks it not accepted, and the voice loop never plans it.
 */
import type { GrammarInput } from './grammar.js';

export interface Transcript {
  /** the words heard, lower case ('' when nothing was recognized) */
  text: string;
  /** 0..1; for pocketsphinx a logistic of the phone-loop score margin */
  confidence: number;
  /** false: out of grammar or below the confidence threshold; never planned */
  accepted: boolean;
  /**
   * why it was not accepted. 'unsure': the words are likely right (the score is just below the
   * acceptance threshold) but not vouched for; the voice loop may ask "Did you say '…'?" and plan
   * them only after a yes.
   */
  reason?: 'low_confidence' | 'no_match' | 'empty' | 'error' | 'unsure';
  /** other readings of the same audio, best first, without `text` (when the backend has them cheaply) */
  alternatives?: string[];
  /** backend-specific raw score (pocketsphinx: grammar − phone-loop score per frame) */
  score?: number;
  /** seconds of stream audio the utterance spans (start, end of the last word) */
  start?: number;
  end?: number;
  /** which backend produced it */
  backend: string;
}

export type SttEvent =
  /** an energy endpointer heard speech start or end (for a "listening…" cue; not a transcript) */
  | { type: 'speech'; speaking: boolean }
  /** an intermediate hypothesis (backends that have them; pocketsphinx_continuous does not) */
  | { type: 'partial'; text: string }
  /** one utterance is done */
  | { type: 'final'; transcript: Transcript }
  /**
   * the safety keyword spotter heard a stop phrase ("stop", "halt", "freeze", "hold on", "wait",
   * "stop it", "emergency stop"…), emitted as soon as it fires, before the utterance ends and
   * independently of the command decoder; `at` is stream seconds (where the phrase ended, or the
   * stream position when the spotter reported it), `confidence` 0..1
   */
  | { type: 'stop_word'; word: string; confidence: number; at: number }
  | { type: 'error'; message: string };

/**
 * One live audio stream (a microphone, a console push-to-talk, a file). Write PCM as it
 * arrives; finals come as events. `flush()` ends the current utterance now (push-to-talk
 * released, end of file) and resolves with the finals it produced.
 */
export interface SttStream {
  /** 16 kHz mono s16le samples, any length */
  write(pcm: Buffer | Int16Array): void;
  /** end of the user's turn: finish any utterance in progress; resolves with its finals */
  flush(): Promise<Transcript[]>;
  /** listen to partials, finals and errors; returns the unsubscribe function */
  subscribe(listener: (e: SttEvent) => void): () => void;
  /**
   * Echo guard while the robot speaks: 'mute' replaces input with near-silence, a number
   * attenuates it by that many dB (duck), null restores it.
   */
  setInputGuard(guard: 'mute' | number | null): void;
  /** seconds of audio written so far */
  readonly position: number;
  close(): Promise<void>;
}

export type Availability = { available: true; detail?: string } | { available: false; reason: string };

export interface SpeechToText {
  readonly name: string;
  /** is the backend usable here (binary, model, server)? Never throws. */
  availability(): Promise<Availability>;
  /**
   * What the robot can be told right now. Grammar backends rebuild their decoder (pocketsphinx:
   * a restart, ~30 ms); open-vocabulary backends ignore it.
   */
  setVocabulary(input: GrammarInput): Promise<void>;
  /** open a live stream */
  stream(): SttStream;
  /** a whole recording (PCM_FORMAT) → its utterances */
  transcribe(pcm: Buffer | Int16Array): Promise<Transcript[]>;
  close(): Promise<void>;
}

export interface Speech {
  /** WAV bytes (RIFF, mono s16) */
  wav: Buffer;
  /** seconds */
  duration: number;
}

export interface TextToSpeech {
  readonly name: string;
  availability(): Promise<Availability>;
  /** text → WAV, or null when speech output is off */
  synthesize(text: string): Promise<Speech | null>;
}

/** Raised for a backend that cannot run here (missing binary, model or server); the message says what to do. */
export class SpeechUnavailableError extends Error {
  constructor(
    readonly backend: string,
    reason: string,
  ) {
    super(`[speech] ${backend} is not available: ${reason}`);
    this.name = 'SpeechUnavailableError';
  }
}
