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

  /**
   * Entries of an earlier run (a restart restores them from the session log), before any new
   * one; numbering goes on after them so every entry keeps a unique id.
   */
  restore(entries: readonly DialogueEntry[]): void {
    const kept = entries.slice(-TRANSCRIPT_MAX);
    this.#entries = [...kept, ...this.#entries].slice(-TRANSCRIPT_MAX);
    let id = this.#id;
    for (const e of kept) id = Math.max(id, e.id);
    // Entries added before the restore are renumbered after the restored ones.
    this.#entries = this.#entries.map((e, i) => (i < kept.length ? e : { ...e, id: ++id }));
    this.#id = id;
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

/** The parts of a session Turn its transcript line is made of. */
export interface TurnLike {
  kind: string;
  reply: string;
  plan: readonly { skill: string; args: Record<string, unknown> }[] | null;
  executed: boolean;
  outcome: string;
  failure?: string;
  notes?: readonly string[];
}

/** The robot's line for a turn, as the console shows it (the hub, and a transcript restored from a session log). */
export function turnEntry(turn: TurnLike): { text: string; kind: string } {
  if (!turn.executed) return { text: turn.reply, kind: turn.kind };
  // The same turn comes back once it ran.
  if (turn.outcome === 'succeeded')
    return {
      text: `Done: ${turn.plan ? turn.plan.map((c) => `${c.skill}(${Object.values(c.args).map(String).join(', ')})`).join(' → ') : 'ok'}.${turn.notes?.length ? ` (${turn.notes.join('; ')})` : ''}`,
      kind: 'done',
    };
  if (turn.failure === 'stopped by the operator') return { text: 'I stopped, as you asked. The arm is holding still.', kind: 'stopped' };
  return { text: `That did not work: ${turn.failure ?? 'unknown failure'}.`, kind: 'failed' };
}
