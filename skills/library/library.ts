/**
 * The persistent skill library: what the robot has been taught (behaviors, named objects and
 * locations, later learned motions) in one versioned JSON file per workspace, plus a bounded
 * history of changes so "undo" works across restarts.
 *
 * Everything here is data: behaviors are lists of calls, checked with zod; nothing is
 * evaluated. Every mutation is on disk (atomically: temp file, fsync, rename, fsync folder)
 * before the method returns, so a crash at any moment leaves either the old or the new file.
 * A file we cannot read (corrupt, foreign, newer) is refused and never overwritten.
 *
 * Checks against the live registry (callee exists, argument types) are the registry's job
 * (SkillRegistry.validateBehavior); this module only checks what the data alone can show.
 *
 * This file holds the SkillLibrary class (open, the changes, undo, import and export); the
 * parts are beside it: types.ts (constants, LibraryError, record shapes), format.ts (zod
 * schemas, parse and serialise, consistency checks), history.ts (undo patches) and files.ts
 * (atomic writes, stale temp files, reading).
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { SKILL_NAME, type BehaviorDefinition, type BehaviorStep } from '../registry.js';
import type { Entity } from '../../model/world.js';
import { readText, removeStaleTemps, stamp, writeFileAtomic } from './files.js';
import {
  behaviorSchema,
  boundsProblems,
  collectionProblems,
  dropUndefined,
  issuesText,
  libraryEntitySchema,
  motionSchema,
  normalizeBehavior,
  normalizeEntity,
  normalizeMotion,
  parseLibrary,
  serialize,
} from './format.js';
import { applyPart, diffPart } from './history.js';
import {
  EMPTY,
  LIBRARY_FILE,
  LibraryError,
  MAX_HISTORY,
  clone,
  type Collections,
  type HistoryEntry,
  type HistoryRecord,
  type LibraryBounds,
  type LibraryChange,
  type LibraryState,
  type MotionSkill,
  type OpenOptions,
  type UndoPatch,
} from './types.js';

export {
  DEFAULT_DATA_DIR,
  LIBRARY_FILE,
  LIBRARY_FORMAT,
  LIBRARY_VERSION,
  LibraryError,
  MAX_HISTORY,
  type HistoryRecord,
  type LibraryBounds,
  type LibraryChange,
  type MotionSkill,
  type OpenOptions,
} from './types.js';
export { behaviorSchema, motionSchema } from './format.js';
export { writeFileAtomic } from './files.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const listOr = (names: string[]) => (names.length ? names.join(', ') : 'none');

/** Behaviors with every call of `from` made a call of `to` (new objects only), and how many changed. */
function renameCalls(behaviors: BehaviorDefinition[], from: string, to: string): { behaviors: BehaviorDefinition[]; callers: number } {
  let callers = 0;
  const out = behaviors.map((b) => {
    if (!b.body.some((s) => s.skill === from)) return b;
    callers++;
    return { ...b, body: b.body.map((s): BehaviorStep => (s.skill === from ? { ...s, skill: to } : s)) };
  });
  return { behaviors: out, callers };
}

// ---------------------------------------------------------------- the library

export class SkillLibrary {
  /** absolute path of library.json */
  readonly path: string;
  /** absolute path of the data folder */
  readonly dir: string;
  #state: LibraryState;
  /** identity of the file as we last read or wrote it, to notice other writers */
  #stamp: string | null;
  readonly #listeners = new Set<(change: LibraryChange) => void>();
  /** the physical checks every entry passes (on load, reload, import and every change) */
  readonly #bounds: LibraryBounds;

  private constructor(dir: string, state: LibraryState, fileStamp: string | null, bounds: LibraryBounds) {
    this.dir = dir;
    this.path = join(dir, LIBRARY_FILE);
    this.#state = state;
    this.#stamp = fileStamp;
    this.#bounds = bounds;
  }

  /**
   * Open the library in `dir` (e.g. DEFAULT_DATA_DIR). Creates the folder and an empty library
   * when missing; otherwise loads and validates it. Throws LibraryError if the file is corrupt,
   * foreign or from a newer version, or an entry fails the bounds (`options.workspace`,
   * `options.checkMotion`), leaving it untouched.
   */
  static open(dir: string, options: OpenOptions = {}): SkillLibrary {
    const bounds: LibraryBounds = { workspace: options.workspace, checkMotion: options.checkMotion };
    const abs = resolve(dir);
    const file = join(abs, LIBRARY_FILE);
    let state: LibraryState;
    if (stamp(file) === null) {
      if (options.create === false)
        throw new LibraryError(`there is no skill library at ${file} (nothing has been taught in this workspace yet)`);
      try {
        mkdirSync(abs, { recursive: true });
      } catch (err) {
        throw new LibraryError(`cannot create the data folder ${abs}: ${(err as Error).message}`);
      }
      state = clone(EMPTY);
      writeFileAtomic(file, serialize(state));
    } else {
      state = parseLibrary(readText(file, OPEN_ADVICE), file, OPEN_ADVICE, bounds);
    }
    removeStaleTemps(abs, LIBRARY_FILE);
    return new SkillLibrary(abs, state, stamp(file), bounds);
  }

  behaviors(): BehaviorDefinition[] {
    return clone(this.#state.behaviors);
  }

  entities(): Entity[] {
    return clone(this.#state.entities);
  }

  motions(): MotionSkill[] {
    return clone(this.#state.motions);
  }

  /** Oldest first. */
  history(): HistoryRecord[] {
    return this.#state.history.map(({ seq, at, action, summary }) => ({ seq, at, action, summary }));
  }

  /** Called after each change is on disk. Returns an unsubscribe function. */
  onChange(listener: (change: LibraryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-read the file if another process changed it. Returns whether anything was reloaded. */
  reload(): boolean {
    const now = stamp(this.path);
    if (now === null || now === this.#stamp) return false;
    this.#state = parseLibrary(readText(this.path, OPEN_ADVICE), this.path, OPEN_ADVICE, this.#bounds);
    this.#stamp = now;
    return true;
  }

  /** Teach a behavior, replacing one with the same name. */
  addBehavior(def: BehaviorDefinition): void {
    const b = this.#parse(behaviorSchema, def, `behavior "${String((def as { name?: unknown })?.name)}"`, normalizeBehavior);
    this.#mutate('add_behavior', (c) => {
      if (c.motions.some((m) => m.name === b.name)) throw new LibraryError(`"${b.name}" is already a learned motion; choose another name`);
      const i = c.behaviors.findIndex((x) => x.name === b.name);
      const behaviors = [...c.behaviors];
      if (i >= 0) behaviors[i] = b;
      else behaviors.push(b);
      return { next: { ...c, behaviors }, summary: `${i >= 0 ? 'changed' : 'taught'} behavior "${b.name}"` };
    });
  }

  /** Forget a taught behavior. Refused while other taught behaviors call it. */
  removeBehavior(name: string): void {
    this.#mutate('remove_behavior', (c) => {
      if (!c.behaviors.some((b) => b.name === name)) {
        throw new LibraryError(`no taught behavior "${name}"; taught behaviors: ${listOr(c.behaviors.map((b) => b.name))}`);
      }
      this.#refuseIfCalled(c, name, 'behavior');
      return { next: { ...c, behaviors: c.behaviors.filter((b) => b.name !== name) }, summary: `forgot behavior "${name}"` };
    });
  }

  /** Rename a behavior and rewrite every call to it inside other behaviors. */
  renameBehavior(from: string, to: string): void {
    if (!SKILL_NAME.test(to)) throw new LibraryError(`"${to}" is not a valid skill name: skill names are lower_snake_case, like put_away`);
    this.#mutate('rename_behavior', (c) => {
      if (!c.behaviors.some((b) => b.name === from)) {
        throw new LibraryError(`no taught behavior "${from}"; taught behaviors: ${listOr(c.behaviors.map((b) => b.name))}`);
      }
      if (from === to) return null;
      if (c.behaviors.some((b) => b.name === to) || c.motions.some((m) => m.name === to)) {
        throw new LibraryError(`cannot rename "${from}" to "${to}": "${to}" is already taught`);
      }
      const renamed = c.behaviors.map((b) => (b.name === from ? { ...b, name: to } : b));
      const { behaviors, callers } = renameCalls(renamed, from, to);
      const extra = callers ? ` (updated ${plural(callers, 'behavior')} that call${callers === 1 ? 's' : ''} it)` : '';
      return { next: { ...c, behaviors }, summary: `renamed behavior "${from}" to "${to}"${extra}` };
    });
  }

  /** Name an object or location, replacing one with the same name. */
  addEntity(e: Entity): void {
    const ent = this.#parse(libraryEntitySchema, e, `name "${String((e as { name?: unknown })?.name)}"`, normalizeEntity);
    this.#mutate('add_entity', (c) => {
      const i = c.entities.findIndex((x) => x.name === ent.name);
      const entities = [...c.entities];
      if (i >= 0) entities[i] = ent;
      else entities.push(ent);
      return { next: { ...c, entities }, summary: `${i >= 0 ? 'changed' : 'named'} ${ent.kind} ${ent.name}` };
    });
  }

  removeEntity(name: string): void {
    this.#mutate('remove_entity', (c) => {
      const e = c.entities.find((x) => x.name === name);
      if (!e) throw new LibraryError(`no taught name "${name}"; taught names: ${listOr(c.entities.map((x) => x.name))}`);
      return { next: { ...c, entities: c.entities.filter((x) => x.name !== name) }, summary: `forgot ${e.kind} ${name}` };
    });
  }

  /** Store a learned motion skill, replacing one with the same name. */
  addMotion(m: MotionSkill): void {
    const motion = this.#parse(motionSchema, m, `motion "${String((m as { name?: unknown })?.name)}"`, normalizeMotion);
    this.#mutate('add_motion', (c) => {
      if (c.behaviors.some((b) => b.name === motion.name))
        throw new LibraryError(`"${motion.name}" is already a taught behavior; choose another name`);
      const i = c.motions.findIndex((x) => x.name === motion.name);
      const motions = [...c.motions];
      if (i >= 0) motions[i] = motion;
      else motions.push(motion);
      return { next: { ...c, motions }, summary: `${i >= 0 ? 'changed' : 'learned'} motion "${motion.name}"` };
    });
  }

  /**
   * Rename a learned motion skill and rewrite every call to it inside taught behaviors (as
   * renameBehavior does), in one undoable change. The motion's data carries no name, so it is
   * kept as is.
   */
  renameMotion(from: string, to: string): void {
    if (!SKILL_NAME.test(to)) throw new LibraryError(`"${to}" is not a valid skill name: skill names are lower_snake_case, like put_away`);
    this.#mutate('rename_motion', (c) => {
      if (!c.motions.some((m) => m.name === from)) {
        throw new LibraryError(`no learned motion "${from}"; motions: ${listOr(c.motions.map((m) => m.name))}`);
      }
      if (from === to) return null;
      if (c.behaviors.some((b) => b.name === to) || c.motions.some((m) => m.name === to)) {
        throw new LibraryError(`cannot rename "${from}" to "${to}": "${to}" is already taught`);
      }
      const motions = c.motions.map((m) => (m.name === from ? { ...m, name: to } : m));
      const { behaviors, callers } = renameCalls(c.behaviors, from, to);
      const extra = callers ? ` (updated ${plural(callers, 'behavior')} that call${callers === 1 ? 's' : ''} it)` : '';
      return { next: { ...c, behaviors, motions }, summary: `renamed motion "${from}" to "${to}"${extra}` };
    });
  }

  removeMotion(name: string): void {
    this.#mutate('remove_motion', (c) => {
      if (!c.motions.some((m) => m.name === name))
        throw new LibraryError(`no learned motion "${name}"; motions: ${listOr(c.motions.map((m) => m.name))}`);
      this.#refuseIfCalled(c, name, 'motion');
      return { next: { ...c, motions: c.motions.filter((m) => m.name !== name) }, summary: `forgot motion "${name}"` };
    });
  }

  /**
   * Revert the last change (it leaves the history). Returns what was undone, or null when
   * there is nothing to undo.
   */
  undo(): { seq: number; action: string; summary: string } | null {
    this.reload();
    const cur = this.#state;
    const last = cur.history.at(-1);
    if (!last) return null;
    const next: Collections = {
      behaviors: applyPart(cur.behaviors, last.undo.behaviors),
      entities: applyPart(cur.entities, last.undo.entities),
      motions: applyPart(cur.motions, last.undo.motions),
    };
    const problems = [...collectionProblems(next), ...boundsProblems(next, this.#bounds)];
    if (problems.length) throw new LibraryError(`cannot undo "${last.summary}": ${problems.join('; ')}`);
    this.#save({ ...next, lastSeq: cur.lastSeq, history: cur.history.slice(0, -1) });
    this.#emit({ action: 'undo', summary: `undid: ${last.summary}`, seq: null });
    return { seq: last.seq, action: last.action, summary: last.summary };
  }

  /** Write the taught content (no history) to `file`, a library file others can import. */
  exportTo(file: string): { behaviors: number; entities: number; motions: number } {
    const target = resolve(file);
    if (target === this.path) throw new LibraryError(`cannot export onto the library itself (${target}); choose another file`);
    // Overwrite only an earlier export or library, never some unrelated file.
    if (stamp(target) !== null) {
      parseLibrary(readText(target, ''), target, 'Refusing to overwrite it; choose another file name or delete it first.');
    }
    try {
      mkdirSync(dirname(target), { recursive: true });
    } catch (err) {
      throw new LibraryError(`cannot create the folder for ${target}: ${(err as Error).message}`);
    }
    const s = this.#state;
    writeFileAtomic(target, serialize({ behaviors: s.behaviors, entities: s.entities, motions: s.motions, lastSeq: 0, history: [] }));
    return { behaviors: s.behaviors.length, entities: s.entities.length, motions: s.motions.length };
  }

  /**
   * Import a library or export file. `merge` (default): its items are added, replacing ones
   * with the same name. `replace`: the library's content becomes the file's. Either way it is
   * one undoable change; the file's own history is ignored. A bad file changes nothing.
   */
  importFrom(file: string, options: { mode?: 'merge' | 'replace' } = {}): { behaviors: number; entities: number; motions: number } {
    const mode = options.mode ?? 'merge';
    if (mode !== 'merge' && mode !== 'replace') throw new LibraryError(`import mode must be "merge" or "replace", got "${String(mode)}"`);
    const source = resolve(file);
    const advice = 'Nothing was imported.';
    const incoming = parseLibrary(readText(source, advice), source, advice, this.#bounds);
    const counts = { behaviors: incoming.behaviors.length, entities: incoming.entities.length, motions: incoming.motions.length };
    this.#mutate('import', (c) => {
      let next: Collections;
      if (mode === 'replace') {
        next = { behaviors: incoming.behaviors, entities: incoming.entities, motions: incoming.motions };
      } else {
        const merge = <T extends { name: string }>(mine: T[], theirs: T[]): T[] => {
          const out = [...mine];
          for (const t of theirs) {
            const i = out.findIndex((x) => x.name === t.name);
            if (i >= 0) out[i] = t;
            else out.push(t);
          }
          return out;
        };
        next = {
          behaviors: merge(c.behaviors, incoming.behaviors),
          entities: merge(c.entities, incoming.entities),
          motions: merge(c.motions, incoming.motions),
        };
      }
      const problems = collectionProblems(next);
      if (problems.length)
        throw new LibraryError(`cannot import ${source}: the result would be inconsistent:\n  ${problems.join('\n  ')}\n${advice}`);
      const what = `${plural(counts.behaviors, 'behavior')}, ${plural(counts.entities, 'name')}, ${plural(counts.motions, 'motion')}`;
      return { next, summary: `imported ${what} from ${basename(source)} (${mode})` };
    });
    return counts;
  }

  // ---------------------------------------------------------------- internals

  #parse<S extends z.ZodType, T>(schema: S, value: unknown, what: string, norm: (v: z.output<S>) => T): T {
    const r = schema.safeParse(value);
    if (!r.success) throw new LibraryError(`invalid ${what}:\n${issuesText(r.error.issues)}`);
    return norm(r.data);
  }

  #refuseIfCalled(c: Collections, name: string, kind: string): void {
    const callers = c.behaviors.filter((b) => b.name !== name && b.body.some((s) => s.skill === name)).map((b) => b.name);
    if (callers.length) {
      throw new LibraryError(
        `cannot forget ${kind} "${name}": ${callers.length === 1 ? 'behavior' : 'behaviors'} ${callers.join(', ')} ${callers.length === 1 ? 'uses' : 'use'} it. Forget or change ${callers.length === 1 ? 'that' : 'those'} first.`,
      );
    }
  }

  /**
   * The one path for changes: build the next content from the current one, check it, record
   * how to undo it, write it, then swap it in (so memory never runs ahead of the disk).
   */
  #mutate(action: string, build: (current: Collections) => { next: Collections; summary: string } | null): void {
    this.reload();
    const cur = this.#state;
    const r = build({ behaviors: cur.behaviors, entities: cur.entities, motions: cur.motions });
    if (!r) return;
    const problems = [...collectionProblems(r.next), ...boundsProblems(r.next, this.#bounds)];
    if (problems.length) throw new LibraryError(problems.join('; '));
    const undo: UndoPatch = dropUndefined({
      behaviors: diffPart(cur.behaviors, r.next.behaviors),
      entities: diffPart(cur.entities, r.next.entities),
      motions: diffPart(cur.motions, r.next.motions),
    });
    if (!undo.behaviors && !undo.entities && !undo.motions) return; // nothing changed: no history entry
    const seq = cur.lastSeq + 1;
    const entry: HistoryEntry = { seq, at: new Date().toISOString(), action, summary: r.summary, undo };
    this.#save({ ...clone(r.next), lastSeq: seq, history: [...cur.history, entry].slice(-MAX_HISTORY) });
    this.#emit({ action, summary: r.summary, seq });
  }

  #save(state: LibraryState): void {
    writeFileAtomic(this.path, serialize(state));
    this.#state = state;
    this.#stamp = stamp(this.path);
  }

  #emit(change: LibraryChange): void {
    for (const l of this.#listeners) l(change);
  }
}

const OPEN_ADVICE =
  'Shammie left the file untouched. Restore it from a backup or an export, fix it by hand, move it aside to start an empty library, or use another data folder (--data DIR).';
