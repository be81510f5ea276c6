/**
 * A recognizer that hears what the test says it heard: the real SpeechToText / SttStream
 * interfaces, no audio decoding. A test stages finals for the next `flush()` (push-to-talk) or
 * emits events at once (hands-free finals, the keyword spotter's stop, partials).
 */
import type { GrammarInput } from '../../speech/grammar.js';
import type { Availability, SpeechToText, SttEvent, SttStream, Transcript } from '../../speech/types.js';

/** A final as pocketsphinx reports it: accepted with a high confidence unless told otherwise. */
export function heard(text: string, o: Partial<Transcript> = {}): Transcript {
  const words = text ? text.split(/\s+/).length : 0;
  const start = o.start ?? 0.3;
  return { text, confidence: 0.95, accepted: true, start, end: start + 0.3 * Math.max(1, words), backend: 'fake', ...o };
}

export class FakeSttStream implements SttStream {
  readonly #listeners = new Set<(e: SttEvent) => void>();
  readonly #staged: Transcript[] = [];
  #samples = 0;
  /** the echo guard the loop set last */
  guard: 'mute' | number | null = null;
  closed = false;

  write(pcm: Buffer | Int16Array): void {
    this.#samples += pcm instanceof Int16Array ? pcm.length : Math.floor(pcm.length / 2);
  }

  /** the next flush() ends an utterance heard as `t` */
  stage(t: Transcript): void {
    this.#staged.push(t);
  }

  flush(): Promise<Transcript[]> {
    const finals = this.#staged.splice(0);
    for (const t of finals) this.emit({ type: 'final', transcript: t });
    return Promise.resolve(finals);
  }

  /** an event now, as the decoder (or its keyword spotter) would send it */
  emit(e: SttEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }

  subscribe(listener: (e: SttEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setInputGuard(guard: 'mute' | number | null): void {
    this.guard = guard;
  }

  get position(): number {
    return this.#samples / 16000;
  }

  close(): Promise<void> {
    this.closed = true;
    this.#listeners.clear();
    return Promise.resolve();
  }
}

export class FakeStt implements SpeechToText {
  readonly name = 'fake';
  readonly streams: FakeSttStream[] = [];
  /** how many times the grammar was set */
  vocabularies = 0;

  availability(): Promise<Availability> {
    return Promise.resolve({ available: true });
  }

  setVocabulary(input: GrammarInput): Promise<void> {
    void input;
    this.vocabularies++;
    return Promise.resolve();
  }

  stream(): FakeSttStream {
    const s = new FakeSttStream();
    this.streams.push(s);
    return s;
  }

  transcribe(): Promise<Transcript[]> {
    return Promise.resolve([]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
