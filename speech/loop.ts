/**
 * The voice loop: live audio → recognizer → session, and replies → speech. One per
 * microphone (console client).
 *
 *  - "Stop" takes a fast path: the moment a final transcript is a stop word, session.stop() is
 *    called directly, without the planner and without waiting behind a running command.
 *  - A transcript the recognizer does not vouch for never reaches the planner: it becomes a
 *    'rejected' turn, "Sorry, say that again?".
 *  - The grammar follows the robot: every change to the skill registry or the world model
 *    (something taught, forgotten, renamed) regenerates it.
 *  - While a reply plays the microphone input is muted (unless headphones), so the robot never
 *    transcribes its own voice.
 */
import { isStopUtterance } from '../planner/rule-planner.js';
import type { App } from '../session/app.js';
import type { Turn } from '../session/session.js';
import { SpeechUnavailableError, type Speech, type SpeechToText, type SttStream, type TextToSpeech, type Transcript } from './types.js';
import { appVocabulary } from './vocabulary.js';

export const SAY_AGAIN = 'Sorry, say that again?';

/** Rejected "words" shorter than this are a click or a cough, not speech: no "say that again". */
export const MIN_SPEECH_SECONDS = 0.25;

/**
 * A final that is not worth a reply: a rejected blip of noise, or an empty result too short to
 * have been speech. (Long stretches with no words are speech the grammar gave up on: rejected.)
 */
export function isNoise(t: Transcript): boolean {
  if (t.accepted) return !t.text;
  const seconds = t.start !== undefined && t.end !== undefined ? t.end - t.start : 0;
  return seconds < (t.text ? MIN_SPEECH_SECONDS : 0.6);
}

export type VoiceEvent =
  /** the user started or stopped speaking (energy endpointer; for a "listening…" cue) */
  | { type: 'speaking'; speaking: boolean }
  /** the words so far, while the user speaks (backends that produce them) */
  | { type: 'partial'; text: string }
  /** every final transcript, accepted or not (for the console's "heard: …" line) */
  | { type: 'final'; transcript: Transcript }
  /** the stop fast path fired */
  | { type: 'stop'; transcript: Transcript }
  /** a turn finished: the session's, or a 'rejected' one made here */
  | { type: 'turn'; turn: Turn; transcript: Transcript }
  /** a reply to speak; `speech` is null when speech output is off */
  | { type: 'reply'; text: string; speech: Speech | null }
  /** the grammar was regenerated */
  | { type: 'vocabulary' }
  | { type: 'error'; message: string };

export interface VoiceResult {
  transcript: Transcript;
  turn: Turn;
  /** the stop fast path handled it */
  stopped: boolean;
}

export interface VoiceLoopOptions {
  app: Pick<App, 'session' | 'registry' | 'world' | 'scene'>;
  stt: SpeechToText;
  tts?: TextToSpeech;
  /** play a reply; resolve when it has finished playing (the console: send the WAV, wait for "ended") */
  play?: (speech: Speech, text: string) => Promise<void>;
  /** the user wears headphones: the microphone stays open while the robot talks */
  headphones?: boolean;
  /** how long input stays muted after a reply ends (room echo), ms */
  echoTailMs?: number;
  /**
   * Where accepted utterances go (default: app.session.say). The console routes them through
   * its command queue, so typed and spoken commands take turns.
   */
  say?: (text: string) => Promise<Turn>;
  /** the stop fast path (default: app.session.stop) */
  stop?: () => Promise<void>;
  /** speak each turn's reply (default true); off when the caller speaks replies itself */
  speakReplies?: boolean;
}

/** A turn made here, not by the session (rejected audio, the stop fast path). */
function localTurn(utterance: string, kind: Turn['kind'], reply: string): Turn {
  return { utterance, kind, reply, plan: kind === 'rejected' ? null : [], executed: false, outcome: 'not_run' };
}

export class VoiceLoop {
  readonly stream: SttStream;
  readonly #o: VoiceLoopOptions;
  readonly #listeners = new Set<(e: VoiceEvent) => void>();
  readonly #pending = new Map<Transcript, Promise<VoiceResult>>();
  readonly #unsubscribe: (() => void)[] = [];
  /** utterances reach the session one at a time, in order */
  #queue: Promise<unknown> = Promise.resolve();
  #speech: Promise<unknown> = Promise.resolve();
  #regen: Promise<void> | null = null;
  #again = false;
  #muted = 0;
  #closed = false;

  /** Headphones: the microphone stays open while the robot talks (the operator may change it). */
  headphones: boolean;

  private constructor(options: VoiceLoopOptions, stream: SttStream) {
    this.#o = options;
    this.headphones = options.headphones ?? false;
    this.stream = stream;
    this.#unsubscribe.push(
      stream.subscribe((e) => {
        if (e.type === 'final') this.#onFinal(e.transcript);
        else if (e.type === 'partial') this.#emit({ type: 'partial', text: e.text });
        else if (e.type === 'speech') this.#emit({ type: 'speaking', speaking: e.speaking });
        else if (e.type === 'error') this.#emit({ type: 'error', message: e.message });
      }),
    );
    const changed = () => this.#invalidate();
    this.#unsubscribe.push(options.app.registry.onChange(changed), options.app.world.onChange(changed));
  }

  /** Check the recognizer, build the grammar from the app, open the stream. */
  static async start(options: VoiceLoopOptions): Promise<VoiceLoop> {
    const a = await options.stt.availability();
    if (!a.available) throw new SpeechUnavailableError(options.stt.name, a.reason);
    await options.stt.setVocabulary(appVocabulary(options.app));
    return new VoiceLoop(options, options.stt.stream());
  }

  subscribe(listener: (e: VoiceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: VoiceEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not break the dialogue */
      }
    }
  }

  /** Microphone PCM (16 kHz mono s16le), any chunk size. */
  write(pcm: Buffer | Int16Array): void {
    this.stream.write(pcm);
  }

  /** End of the user's turn (push-to-talk released): the turns it produced, once handled. */
  async flush(): Promise<VoiceResult[]> {
    const finals = await this.stream.flush();
    return Promise.all(finals.filter((t) => this.#pending.has(t)).map((t) => this.#pending.get(t)!));
  }

  /** One whole utterance (a file, a synthesized line): write it, end the turn, handle it. */
  async hear(pcm: Buffer | Int16Array): Promise<VoiceResult[]> {
    await this.vocabularyReady();
    this.write(pcm);
    return this.flush();
  }

  /** Resolves once the grammar reflects every change so far. */
  async vocabularyReady(): Promise<void> {
    while (this.#regen) await this.#regen;
  }

  /** Resolves when every queued utterance has been handled. */
  async idle(): Promise<void> {
    await this.#queue;
  }

  #invalidate(): void {
    if (this.#closed) return;
    if (this.#regen) {
      this.#again = true;
      return;
    }
    this.#regen = (async () => {
      do {
        this.#again = false;
        try {
          await this.#o.stt.setVocabulary(appVocabulary(this.#o.app));
          this.#emit({ type: 'vocabulary' });
        } catch (err) {
          this.#emit({ type: 'error', message: `could not rebuild the grammar: ${(err as Error).message}` });
        }
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#regen = null;
    });
  }

  #onFinal(t: Transcript): void {
    this.#emit({ type: 'final', transcript: t });
    if (isNoise(t)) return;
    const { session } = this.#o.app;
    let result: Promise<VoiceResult>;
    if (t.accepted && isStopUtterance(t.text)) {
      // Fast path: halt now, even while a confirmed plan is running and the queue is busy.
      const stopping = this.#o.stop ? this.#o.stop() : session.stop();
      this.#emit({ type: 'stop', transcript: t });
      const turn = localTurn(t.text, 'plan', 'Stopping.');
      result = stopping.then(() => this.#finish(t, turn, true));
    } else if (!t.accepted) {
      result = Promise.resolve(this.#finish(t, localTurn(t.text, 'rejected', SAY_AGAIN), false));
    } else {
      const say = this.#o.say ?? ((text: string) => session.say(text));
      const run = this.#queue.then(async () => this.#finish(t, await say(t.text), false));
      this.#queue = run.catch(() => undefined);
      result = run;
    }
    this.#pending.set(t, result);
    void result
      .catch((err: Error) => this.#emit({ type: 'error', message: err.message }))
      .finally(() => setTimeout(() => this.#pending.delete(t), 60_000).unref());
  }

  #finish(t: Transcript, turn: Turn, stopped: boolean): VoiceResult {
    this.#emit({ type: 'turn', turn, transcript: t });
    if (this.#o.speakReplies !== false) void this.speak(turn.reply);
    return { transcript: t, turn, stopped };
  }

  /** Say something; input is muted while it plays unless the user wears headphones. */
  speak(text: string): Promise<void> {
    const job = this.#speech.then(async () => {
      let speech: Speech | null = null;
      try {
        speech = (await this.#o.tts?.synthesize(text)) ?? null;
      } catch (err) {
        this.#emit({ type: 'error', message: (err as Error).message });
      }
      this.#emit({ type: 'reply', text, speech });
      const play = this.#o.play;
      if (!speech || !play) return;
      await this.muted(() => play(speech, text));
    });
    this.#speech = job.catch(() => undefined);
    return job;
  }

  /**
   * Run `fn` (the robot talking) with recognition muted, plus a short echo tail after it;
   * overlapping calls keep it muted until the last one ends. With headphones nothing is muted.
   */
  async muted<T>(fn: () => Promise<T>): Promise<T> {
    const guard = !this.headphones;
    if (guard && this.#muted++ === 0) this.stream.setInputGuard('mute');
    try {
      return await fn();
    } finally {
      if (guard) {
        await new Promise((r) => setTimeout(r, this.#o.echoTailMs ?? 150));
        if (--this.#muted === 0 && !this.#closed) this.stream.setInputGuard(null);
      }
    }
  }

  /** recognition is muted because the robot is talking */
  get isMuted(): boolean {
    return this.#muted > 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const u of this.#unsubscribe) u();
    await this.#regen;
    await this.stream.close();
  }
}
