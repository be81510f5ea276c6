/**
 * What the library store must offer the session (skills/library implements it on disk), and
 * an in-memory one for sessions without a data folder.
 */
import type { BehaviorDefinition } from '../skills/registry.js';
import type { Entity } from '../model/world.js';
import type { MotionSkill } from '../skills/library/library.js';

/** What the session needs from the persistent skill library (skills/library). */
export interface LibraryStore {
  behaviors(): BehaviorDefinition[];
  entities(): Entity[];
  addBehavior(def: BehaviorDefinition): void;
  removeBehavior(name: string): void;
  renameBehavior(from: string, to: string): void;
  addEntity(e: Entity): void;
  removeEntity(name: string): void;
  motions(): MotionSkill[];
  addMotion(m: MotionSkill): void;
  removeMotion(name: string): void;
  /** rename a learned motion skill and the calls to it in taught behaviors (one undoable change) */
  renameMotion(from: string, to: string): void;
  undo(): { summary: string } | null;
}

/** A library kept in memory, for sessions without a data folder. */
export class MemoryLibrary implements LibraryStore {
  #behaviors = new Map<string, BehaviorDefinition>();
  #entities = new Map<string, Entity>();
  #motions = new Map<string, MotionSkill>();
  #undo: { summary: string; revert: () => void }[] = [];
  behaviors() {
    return [...this.#behaviors.values()];
  }
  entities() {
    return [...this.#entities.values()];
  }
  motions() {
    return [...this.#motions.values()];
  }
  addMotion(m: MotionSkill) {
    this.#track(`learned ${m.name}`, this.#motions, m.name);
    this.#motions.set(m.name, structuredClone(m));
  }
  removeMotion(name: string) {
    this.#track(`forgot ${name}`, this.#motions, name);
    this.#motions.delete(name);
  }
  #track(summary: string, map: Map<string, unknown>, key: string) {
    const before = map.get(key);
    this.#undo.push({ summary, revert: () => (before === undefined ? map.delete(key) : map.set(key, before)) });
  }
  addBehavior(def: BehaviorDefinition) {
    this.#track(`taught ${def.name}`, this.#behaviors, def.name);
    this.#behaviors.set(def.name, structuredClone(def));
  }
  removeBehavior(name: string) {
    this.#track(`forgot ${name}`, this.#behaviors, name);
    this.#behaviors.delete(name);
  }
  renameBehavior(from: string, to: string) {
    const def = this.#behaviors.get(from);
    if (!def) throw new Error(`no behavior named ${from}`);
    this.#renamed(from, to, () => {
      this.#behaviors.delete(from);
      this.#behaviors.set(to, { ...def, name: to });
    });
  }
  renameMotion(from: string, to: string) {
    const m = this.#motions.get(from);
    if (!m) throw new Error(`no learned motion named ${from}`);
    this.#renamed(from, to, () => {
      this.#motions.delete(from);
      this.#motions.set(to, { ...m, name: to });
    });
  }
  /** Apply a rename and rewrite the callers; undo restores deep copies of both maps. */
  #renamed(from: string, to: string, apply: () => void) {
    const behaviors = structuredClone(this.#behaviors),
      motions = structuredClone(this.#motions);
    apply();
    for (const [name, b] of this.#behaviors) {
      if (b.body.some((st) => st.skill === from))
        this.#behaviors.set(name, { ...b, body: b.body.map((st) => (st.skill === from ? { ...st, skill: to } : st)) });
    }
    this.#undo.push({
      summary: `renamed ${from} to ${to}`,
      revert: () => {
        this.#behaviors = behaviors;
        this.#motions = motions;
      },
    });
  }
  addEntity(e: Entity) {
    this.#track(`named ${e.name}`, this.#entities, e.name);
    this.#entities.set(e.name, structuredClone(e));
  }
  removeEntity(name: string) {
    this.#track(`forgot ${name}`, this.#entities, name);
    this.#entities.delete(name);
  }
  undo() {
    const last = this.#undo.pop();
    if (!last) return null;
    last.revert();
    return { summary: last.summary };
  }
}
