/**
 * The voice loop: live audio → recognizer → session, and replies → speech. One per
 * microphone (console client).
 *
 *  - "Stop" takes a fast path: the moment the keyword spotter fires (`stop_word`) or a final
 *    transcript is a stop word, session.stop() is called directly, without the planner and
 *    without waiting behind a running command. The final of an utterance the spotter stopped
 *    never plans anything ("stop it" misheard as "drop it" must not become release()).
 *  - A transcript the recognizer does not vouch for never reaches the planner: it becomes a
 *    'rejected' turn, "Sorry, say that again?", unless the recognizer was merely unsure of
 *    likely-right words: then the robot asks "Did you say '…'?" and plans them only after a
 *    yes (spoken, or `answer()` for a click).
 *  - A spoken "yes" confirms only the preview shown when it was heard, and only when the
 *    recognizer is sure of it (YES_MIN_CONFIDENCE); else "Please say yes again or press Execute."
 *  - The grammar follows the robot: every change to the skill registry or the world model
 *    (something taught, forgotten, renamed) regenerates it.
 *  - While a reply plays the microphone input is muted (unless headphones), so the robot never
 *    transcribes its own voice.
 */
import { dialogueIntent } from '../planner/answers.js';
import { isStopUtterance } from '../planner/rule-planner.js';
import { tokenize } from '../planner/text.js';
import type { App } from '../session/app.js';
import type { Turn } from '../session/session.js';
import type { Preview } from '../session/types.js';
import { SpeechUnavailableError, type Speech, type SpeechToText, type SttStream, type TextToSpeech, type Transcript } from './types.js';
import { appVocabulary } from './vocabulary.js';

export const SAY_AGAIN = 'Sorry, say that again?';
/** the answer to "no" after "Did you say …?" */
export const SAY_IT_AGAIN = 'Okay, please say it again.';
/** a "yes" heard while a preview is shown but not surely enough to run it */
export const SAY_YES_AGAIN = 'Please say yes again or press Execute.';
/** a yes/no to "Did you say …?" the recognizer was not sure of */
export const YES_OR_NO = 'Sorry, was that a yes or a no?';
/** a "yes" queued while the preview it was heard with was replaced (default session path) */
const STALE_YES = 'That "yes" was for a plan that is no longer shown; look at the current one. Nothing moved.';

/** "Did you say 'pick up the candy'?" */
export function didYouSay(text: string): string {
  return `Did you say “${text}”?`;
}

/**
 * A spoken "yes" releases motion, so it must be heard surely: a misheard "yes" (noise, "yeah
 * no", another word) runs the arm, while asking again costs a second, and Execute always works.
 * Confidence is 0.5 at the recognizer's acceptance threshold; 0.8 is ~2.8 score units per frame
 * above it. Measured (pocketsphinx, 2 espeak voices × clean/20 dB/10 dB): 10 of 11 accepted
 * "yes"/"yeah" reach it (the 11th: 0.73, clean en-us).
 */
export const YES_MIN_CONFIDENCE = 0.8;

/** how long "Did you say …?" waits for its yes or no before it is dropped, ms */
export const QUESTION_TTL_MS = 20_000;

/** The spotter's stop and the final of the same utterance: `at` within [start, end + this], s. */
const SPOT_OVERLAP_S = 0.5;
/** spotted stops kept (stream seconds; a cap on how many) to match finals that arrive late */
const SPOT_KEEP_S = 30;
const SPOT_KEEP_MAX = 16;
/** a final without times is matched to a spotted stop reported this recently (wall clock), ms */
const SPOT_UNTIMED_MS = 10_000;

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

/**
 * Does this final ask to halt? Accepted, or 'unsure' (likely-right words): a missed stop is
 * dangerous, a spurious one costs a repeat, and "Did you say 'stop'?" would be absurd. A
 * low-confidence "wait" is mostly other speech forced into the grammar (out-of-domain sentences
 * are heard as "wait" or "hold on"); the keyword spotter covers real stops the decoder doubts.
 */
export function isVoiceStop(t: Transcript): boolean {
  return (t.accepted || t.reason === 'unsure') && !!t.text && isStopUtterance(t.text);
}

/** 'confirm' for "yes"/"yeah"/"right"/"go ahead", 'cancel' for "no"/"never mind", else undefined. */
function intentOf(text: string): 'confirm' | 'cancel' | undefined {
  return text ? dialogueIntent(tokenize(text)) : undefined;
}

/** "Did you say …?" waiting for its answer */
export interface VoiceQuestion {
  id: string;
  /** the words the recognizer was unsure of */
  text: string;
  /** how long it waits for the answer, ms */
  expiresInMs: number;
}

export type VoiceEvent =
  /** the user started or stopped speaking (energy endpointer; for a "listening…" cue) */
  | { type: 'speaking'; speaking: boolean }
  /** the words so far, while the user speaks (backends that produce them) */
  | { type: 'partial'; text: string }
  /** every final transcript, accepted or not (for the console's "heard: …" line); `stop`: it halts */
  | { type: 'final'; transcript: Transcript; stop: boolean }
  /**
   * the stop fast path fired: for a final, or (`spotted`) for the keyword spotter, whose
   * transcript is made here (the stop word, accepted, `end` = when it was heard)
   */
  | { type: 'stop'; transcript: Transcript; spotted?: boolean }
  /**
   * a turn finished: the session's, or one made here (`local`: "say that again", "Did you
   * say …?", the answer to a "no", a "yes" not sure enough, a stop). `via` 'click': an answer
   * to "Did you say …?" given with a button, not by voice.
   */
  | { type: 'turn'; turn: Turn; transcript: Transcript; local: boolean; stopped: boolean; via: 'voice' | 'click' }
  /** "Did you say …?" is waiting for a yes or no (null: answered, dropped or expired) */
  | { type: 'question'; question: VoiceQuestion | null }
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

/** What the loop knew when it heard the words, for whoever takes them (`VoiceLoopOptions.say`). */
export interface Heard {
  /**
   * the preview on screen when the words were heard (`shownPreview`): a "yes" may confirm only
   * that one; null: none was shown; absent: the caller gave no `shownPreview`
   */
  previewId?: string | null;
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
   * Where accepted utterances go (default: app.session.say, with a gate that lets a "yes" confirm
   * only the preview pending when it was heard). The console routes them through its command
   * queue, so typed and spoken commands take turns, and passes `heard.previewId` on.
   */
  say?: (text: string, heard: Heard) => Promise<Turn>;
  /** the id of the preview the operator sees now, null for none (the console's); with `say` */
  shownPreview?: () => string | null;
  /** the stop fast path (default: app.session.stop) */
  stop?: () => Promise<void>;
  /** speak each turn's reply (default true); off when the caller speaks replies itself */
  speakReplies?: boolean;
  /** how long "Did you say …?" waits for its answer, ms (default QUESTION_TTL_MS) */
  questionTtlMs?: number;
}

/** A turn made here, not by the session (rejected audio, the stop fast path, "Did you say …?"). */
function localTurn(utterance: string, kind: Turn['kind'], reply: string): Turn {
  return { utterance, kind, reply, plan: kind === 'rejected' ? null : [], executed: false, outcome: 'not_run' };
}

/** a stop the keyword spotter heard */
interface Spotted {
  /** stream seconds */
  at: number;
  /** wall clock, ms */
  seen: number;
  /** a final without times took it as its own (the next untimed final is a new utterance) */
  claimed: boolean;
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
  /** "Did you say …?" waiting for its answer */
  #question: { id: string; text: string; transcript: Transcript; timer: ReturnType<typeof setTimeout> } | null = null;
  #questions = 0;
  /** recent stops from the keyword spotter, oldest first */
  #spotted: Spotted[] = [];

  /** Headphones: the microphone stays open while the robot talks (the operator may change it). */
  headphones: boolean;

  private constructor(options: VoiceLoopOptions, stream: SttStream) {
    this.#o = options;
    this.headphones = options.headphones ?? false;
    this.stream = stream;
    this.#unsubscribe.push(
      stream.subscribe((e) => {
        if (e.type === 'final') this.#onFinal(e.transcript);
        else if (e.type === 'stop_word') this.#onStopWord(e.word, e.confidence, e.at);
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

  /** the "Did you say …?" waiting for its answer, if any */
  get question(): VoiceQuestion | null {
    const q = this.#question;
    return q ? { id: q.id, text: q.text, expiresInMs: this.#o.questionTtlMs ?? QUESTION_TTL_MS } : null;
  }

  #ask(t: Transcript): Turn {
    this.#dropQuestion(false);
    const id = `q${++this.#questions}`;
    // Unanswered, it lapses: a "yes" minutes later must not plan words nobody remembers.
    const timer = setTimeout(() => {
      if (this.#question?.id === id) this.#dropQuestion();
    }, this.#o.questionTtlMs ?? QUESTION_TTL_MS);
    timer.unref?.();
    this.#question = { id, text: t.text, transcript: t, timer };
    this.#emit({ type: 'question', question: this.question });
    return localTurn(t.text, 'question', didYouSay(t.text));
  }

  #dropQuestion(announce = true): void {
    if (!this.#question) return;
    clearTimeout(this.#question.timer);
    this.#question = null;
    if (announce) this.#emit({ type: 'question', question: null });
  }

  /**
   * The answer to "Did you say …?" by a click (the console's Yes / No buttons). Null when `id`
   * is not the question waiting (answered, replaced or expired): nothing happens.
   */
  answer(id: string, yes: boolean): Promise<VoiceResult> | null {
    const q = this.#question;
    if (!q || q.id !== id) return null;
    this.#dropQuestion();
    if (!yes) return Promise.resolve(this.#finish(q.transcript, localTurn(q.text, 'question', SAY_IT_AGAIN), false, true, 'click'));
    return this.#queued(q.transcript, q.text, 'click');
  }

  /** The keyword spotter heard a stop: halt now; the final of this utterance will plan nothing. */
  #onStopWord(word: string, confidence: number, at: number): void {
    const now = Date.now();
    this.#spotted = this.#spotted.filter((s) => at - s.at < SPOT_KEEP_S).slice(-(SPOT_KEEP_MAX - 1));
    this.#spotted.push({ at, seen: now, claimed: false });
    this.#dropQuestion();
    const stopping = this.#halt();
    const t: Transcript = { text: word, confidence, accepted: true, start: at, end: at, backend: 'keyword spotter' };
    this.#emit({ type: 'stop', transcript: t, spotted: true });
    void stopping
      .then(() => this.#finish(t, localTurn(word, 'plan', 'Stopping.'), true, true))
      .catch((err: Error) => this.#emit({ type: 'error', message: err.message }));
  }

  #halt(): Promise<void> {
    return this.#o.stop ? this.#o.stop() : this.#o.app.session.stop();
  }

  /** Is this final the utterance of a stop the spotter heard (its span holds the stop)? */
  #spottedIn(t: Transcript): boolean {
    if (t.start !== undefined && t.end !== undefined) {
      const { start, end } = t;
      return this.#spotted.some((s) => s.at >= start && s.at <= end + SPOT_OVERLAP_S);
    }
    // No times (some backends): the first final after the stop is taken as its utterance.
    const now = Date.now();
    const mine = this.#spotted.filter((s) => !s.claimed && now - s.seen < SPOT_UNTIMED_MS);
    for (const s of mine) s.claimed = true;
    return mine.length > 0;
  }

  #onFinal(t: Transcript): void {
    const noise = isNoise(t);
    const spotted = !noise && this.#spottedIn(t);
    this.#emit({ type: 'final', transcript: t, stop: spotted || isVoiceStop(t) });
    if (noise) return;
    let result: Promise<VoiceResult>;
    if (spotted) {
      // The spotter already stopped for this utterance: whatever the decoder made of it ("drop
      // it" for "stop it") is not a command. Stop again (cheap, and safe if anything started).
      result = this.#halt().then(() => ({ transcript: t, turn: localTurn(t.text, 'plan', 'Stopping.'), stopped: true }));
    } else if (isVoiceStop(t)) {
      // Fast path: halt now, even while a confirmed plan is running and the queue is busy.
      this.#dropQuestion();
      const stopping = this.#halt();
      this.#emit({ type: 'stop', transcript: t });
      const turn = localTurn(t.text, 'plan', 'Stopping.');
      result = stopping.then(() => this.#finish(t, turn, true, true));
    } else {
      result = this.#answerOrHear(t);
    }
    this.#pending.set(t, result);
    void result
      .catch((err: Error) => this.#emit({ type: 'error', message: err.message }))
      .finally(() => setTimeout(() => this.#pending.delete(t), 60_000).unref());
  }

  /** A final that is not a stop: the answer to "Did you say …?", else a new utterance. */
  #answerOrHear(t: Transcript): Promise<VoiceResult> {
    const intent = intentOf(t.text);
    const q = this.#question;
    if (q && intent) {
      if (!t.accepted) return Promise.resolve(this.#finish(t, localTurn(t.text, 'question', YES_OR_NO), false, true));
      this.#dropQuestion();
      if (intent === 'cancel') return Promise.resolve(this.#finish(t, localTurn(t.text, 'question', SAY_IT_AGAIN), false, true));
      // "Yes, that's what I said": the words go on as if heard surely (plan → preview → confirm).
      return this.#queued(t, q.text);
    }
    // Anything else is a new utterance: the question it did not answer lapses.
    this.#dropQuestion();
    const previewShown = this.#o.shownPreview ? this.#o.shownPreview() !== null : this.#o.app.session.pending !== null;
    if (intent === 'confirm' && previewShown && !(t.accepted && t.confidence >= YES_MIN_CONFIDENCE))
      return Promise.resolve(this.#finish(t, localTurn(t.text, 'question', SAY_YES_AGAIN), false, true));
    if (!t.accepted) {
      const ask = t.reason === 'unsure' && !!t.text && !intent;
      return Promise.resolve(this.#finish(t, ask ? this.#ask(t) : localTurn(t.text, 'rejected', SAY_AGAIN), false, true));
    }
    return this.#queued(t, t.text);
  }

  /**
   * `text` to the session, in turn after what is queued. What is shown now is captured now: a
   * "yes" confirms only the preview the operator saw when it was said.
   */
  #queued(t: Transcript, text: string, via: 'voice' | 'click' = 'voice'): Promise<VoiceResult> {
    let say: () => Promise<Turn>;
    if (this.#o.say) {
      const heard: Heard = this.#o.shownPreview ? { previewId: this.#o.shownPreview() } : {};
      const to = this.#o.say;
      say = () => to(text, heard);
    } else {
      const session = this.#o.app.session;
      const shown: Preview | null = session.pending;
      say = () => session.say(text, { confirmGate: (p) => (p === shown ? null : STALE_YES) });
    }
    const run = this.#queue.then(async () => {
      // A stop spotted while this waited (its final came first) cancels it too.
      if (via === 'voice' && this.#spottedIn(t)) return { transcript: t, turn: localTurn(t.text, 'plan', 'Stopping.'), stopped: true };
      return this.#finish(t, await say(), false, false, via);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #finish(t: Transcript, turn: Turn, stopped: boolean, local: boolean, via: 'voice' | 'click' = 'voice'): VoiceResult {
    this.#emit({ type: 'turn', turn, transcript: t, local, stopped, via });
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
    this.#dropQuestion(false);
    for (const u of this.#unsubscribe) u();
    await this.#regen;
    await this.stream.close();
  }
}
