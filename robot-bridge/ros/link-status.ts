/**
 * The status a RosBackend reports: presence (link state), the current problems by id, and
 * whether a motion is running. Listeners hear of a change once: an update that changes none of
 * presence, moving or a problem's message is not sent again.
 */
import type { BackendStatus, Presence, Problem, Unsubscribe } from '../types.js';

/** Where the parts of the backend report problems (LinkStatus is one). */
export interface ProblemSink {
  setProblem(p: Problem): void;
  clearProblem(id: string): void;
}

export class LinkStatus implements ProblemSink {
  #presence: Presence = 'not_connected';
  readonly #problems = new Map<string, Problem>();
  #lastStatusKey = '';
  readonly #listeners = new Set<(s: BackendStatus) => void>();
  readonly #moving: () => boolean;

  /** `moving`: whether a motion is in progress now (asked on every status). */
  constructor(moving: () => boolean) {
    this.#moving = moving;
  }

  get presence(): Presence {
    return this.#presence;
  }

  status(): BackendStatus {
    const problems = [...this.#problems.values()];
    return { presence: this.#presence, problems, moving: this.#moving() };
  }

  onStatus(listener: (s: BackendStatus) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  setPresence(p: Presence): void {
    this.#presence = p;
    this.emit();
  }

  setProblem(p: Problem): void {
    const old = this.#problems.get(p.id);
    if (old && old.message === p.message && old.severity === p.severity) return;
    this.#problems.set(p.id, p);
    this.emit();
  }

  clearProblem(id: string): void {
    if (this.#problems.delete(id)) this.emit();
  }

  /** Forget a problem without telling anyone: the presence change that follows does. */
  dropProblem(id: string): void {
    this.#problems.delete(id);
  }

  emit(): void {
    const s = this.status();
    const key = `${s.presence}|${s.moving}|${s.problems.map((p) => `${p.id}:${p.message}`).join(',')}`;
    if (key === this.#lastStatusKey) return;
    this.#lastStatusKey = key;
    for (const l of this.#listeners) {
      try {
        l(s);
      } catch {
        /* a listener's failure is not the robot's */
      }
    }
  }
}
