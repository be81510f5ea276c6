/**
 * The shared dialogue every console shows: who said what (operator, robot, system), bounded,
 * with listeners (spoken replies follow the robot's lines). A listener's bug never breaks it.
 */
import type { DialogueEntry } from './protocol.js';

/** entries kept for consoles that connect later */
const TRANSCRIPT_MAX = 300;

export class Transcript {
  #entries: DialogueEntry[] = [];
  #id = 0;
  readonly #listeners = new Set<(e: DialogueEntry) => void>();

  add(role: DialogueEntry['role'], text: string, kind?: string, by?: { by: string; who: string }): DialogueEntry {
    const entry: DialogueEntry = { id: ++this.#id, role, text, ...(kind ? { kind } : {}), t: Date.now(), ...(by ?? {}) };
    this.#entries.push(entry);
    if (this.#entries.length > TRANSCRIPT_MAX) this.#entries = this.#entries.slice(-TRANSCRIPT_MAX);
    for (const l of this.#listeners) {
      try {
        l(entry);
      } catch {
        /* a listener's bug must not break the dialogue */
      }
    }
    return entry;
  }

  /** the last `n` entries */
  recent(n: number): DialogueEntry[] {
    return this.#entries.slice(-n);
  }

  onEntry(listener: (e: DialogueEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
