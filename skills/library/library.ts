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
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { SKILL_NAME, type BehaviorDefinition, type BehaviorStep, type BodyArg, type SkillParam } from '../registry.js';
import { entitySchema, type Entity } from '../../model/world.js';

export const LIBRARY_FORMAT = 'shammie-library';
export const LIBRARY_VERSION = 1;
export const LIBRARY_FILE = 'library.json';
/** relative to the current directory */
export const DEFAULT_DATA_DIR = 'shammie-data';
/** undo depth; older entries are dropped */
export const MAX_HISTORY = 100;

export class LibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryError';
  }
}

/** A learned motion skill (e.g. a demonstrated trajectory). `data` is any JSON; its meaning comes later. */
export interface MotionSkill {
  name: string;
  description: string;
  params: SkillParam[];
  data: unknown;
}

export interface HistoryRecord {
  seq: number;
  /** ISO time */
  at: string;
  action: string;
  summary: string;
}

export interface LibraryChange {
  action: string;
  summary: string;
  /** history seq of the change; null for an undo (which removes its entry) */
  seq: number | null;
}

export interface OpenOptions {
  /** create the folder and an empty library when missing (default true) */
  create?: boolean;
}

// ---------------------------------------------------------------- schemas

const nameOfParam = z.string().regex(SKILL_NAME, 'parameter names are lower_snake_case');
const skillName = z.string().regex(SKILL_NAME, 'skill names are lower_snake_case, like put_away');

const paramSchema = z.strictObject({
  name: nameOfParam,
  type: z.enum(['entity', 'number', 'string']),
  description: z.string().max(500),
});

const bodyArgSchema = z.union([z.string().max(2000), z.number().finite(), z.strictObject({ param: nameOfParam })]);

const stepSchema = z.strictObject({
  skill: skillName,
  args: z.record(nameOfParam, bodyArgSchema),
});

function uniqueParams(params: { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  params.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['params', i, 'name'], message: `parameter "${p.name}" is declared twice` });
    seen.add(p.name);
  });
}

export const behaviorSchema = z
  .strictObject({
    name: skillName,
    description: z.string().min(1, 'a behavior needs a one-line description').max(2000),
    params: z.array(paramSchema).max(20),
    kind: z.literal('behavior'),
    body: z.array(stepSchema).min(1, 'a behavior needs at least one step').max(200),
    builtin: z.boolean().optional(),
  })
  .superRefine((def, ctx) => {
    uniqueParams(def.params, ctx);
    // Built-ins live in code (skills/primitives.ts), never in a workspace file.
    if (def.builtin) ctx.addIssue({ code: 'custom', path: ['builtin'], message: 'built-in skills are not stored in the library' });
    const declared = new Set(def.params.map((p) => p.name));
    def.body.forEach((step, i) => {
      if (step.skill === def.name) ctx.addIssue({ code: 'custom', path: ['body', i, 'skill'], message: `${def.name} cannot call itself` });
      for (const [k, v] of Object.entries(step.args)) {
        if (typeof v === 'object' && !declared.has(v.param)) {
          ctx.addIssue({
            code: 'custom',
            path: ['body', i, 'args', k],
            message: `uses parameter "${v.param}", which ${def.name} does not declare`,
          });
        }
      }
    });
  });

export const motionSchema = z
  .strictObject({
    name: skillName,
    description: z.string().min(1).max(2000),
    params: z.array(paramSchema).max(20),
    data: z.json(),
  })
  .superRefine((m, ctx) => uniqueParams(m.params, ctx));

function patchPartSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    /** names in order before the change */
    order: z.array(z.string()),
    /** name → previous value (null: did not exist) */
    restore: z.record(z.string(), item.nullable()),
  });
}

/** Strict, unlike the world's parser: unknown keys in a file are refused rather than silently dropped on the next save. */
const libraryEntitySchema = entitySchema.strict();

const undoPatchSchema = z.strictObject({
  behaviors: patchPartSchema(behaviorSchema).optional(),
  entities: patchPartSchema(libraryEntitySchema).optional(),
  motions: patchPartSchema(motionSchema).optional(),
});

const historyEntrySchema = z.strictObject({
  seq: z.int().positive(),
  at: z.iso.datetime(),
  action: z.string().min(1).max(40),
  summary: z.string().max(1000),
  undo: undoPatchSchema,
});

const libraryFileSchema = z.strictObject({
  format: z.literal(LIBRARY_FORMAT),
  version: z.literal(LIBRARY_VERSION),
  lastSeq: z.int().nonnegative(),
  behaviors: z.array(behaviorSchema),
  entities: z.array(libraryEntitySchema),
  motions: z.array(motionSchema),
  history: z.array(historyEntrySchema).max(MAX_HISTORY),
});

// ---------------------------------------------------------------- state

interface Collections {
  behaviors: BehaviorDefinition[];
  entities: Entity[];
  motions: MotionSkill[];
}

interface PatchPart<T> {
  order: string[];
  restore: Record<string, T | null>;
}

interface UndoPatch {
  behaviors?: PatchPart<BehaviorDefinition>;
  entities?: PatchPart<Entity>;
  motions?: PatchPart<MotionSkill>;
}

interface HistoryEntry extends HistoryRecord {
  undo: UndoPatch;
}

interface LibraryState extends Collections {
  lastSeq: number;
  history: HistoryEntry[];
}

const EMPTY: LibraryState = { behaviors: [], entities: [], motions: [], lastSeq: 0, history: [] };

const clone = <T>(v: T): T => structuredClone(v);

/** Canonical key order, and drops `builtin` (the schema refuses true). */
function normalizeBehavior(d: z.output<typeof behaviorSchema>): BehaviorDefinition {
  return {
    name: d.name,
    description: d.description,
    kind: 'behavior',
    params: d.params.map((p) => ({ name: p.name, type: p.type, description: p.description })),
    body: d.body.map((s) => ({ skill: s.skill, args: { ...s.args } as Record<string, BodyArg> })),
  };
}

function normalizeEntity(e: z.output<typeof libraryEntitySchema>): Entity {
  const out: Entity = { name: e.name, description: e.description, kind: e.kind, source: clone(e.source) };
  if (e.container !== undefined) out.container = e.container;
  return out;
}

function normalizeMotion(m: z.output<typeof motionSchema>): MotionSkill {
  return { name: m.name, description: m.description, params: m.params.map((p) => ({ ...p })), data: clone(m.data) };
}

function normalizePart<T>(part: PatchPart<unknown> | undefined, norm: (v: never) => T): PatchPart<T> | undefined {
  if (!part) return undefined;
  const restore: Record<string, T | null> = {};
  for (const [k, v] of Object.entries(part.restore)) restore[k] = v === null ? null : norm(v as never);
  return { order: [...part.order], restore };
}

function issuesText(issues: z.core.$ZodIssue[], max = 8): string {
  const lines = issues.slice(0, max).map((i) => {
    const where = i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`)).join('');
    return `  ${where || '(top level)'}: ${i.message}`;
  });
  if (issues.length > max) lines.push(`  … and ${issues.length - max} more`);
  return lines.join('\n');
}

/** Problems the per-item schemas cannot see: duplicates, name clashes, call cycles. */
function collectionProblems(c: Collections): string[] {
  const problems: string[] = [];
  const dup = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) problems.push(`${kind} "${n}" appears twice`);
      seen.add(n);
    }
  };
  dup(
    'behavior',
    c.behaviors.map((b) => b.name),
  );
  dup(
    'name',
    c.entities.map((e) => e.name),
  );
  dup(
    'motion',
    c.motions.map((m) => m.name),
  );
  const motionNames = new Set(c.motions.map((m) => m.name));
  for (const b of c.behaviors) if (motionNames.has(b.name)) problems.push(`"${b.name}" is both a behavior and a motion`);
  const cycle = findCycle(c.behaviors);
  if (cycle) problems.push(`behaviors call each other in a loop: ${cycle.join(' → ')}`);
  return problems;
}

function findCycle(behaviors: BehaviorDefinition[]): string[] | null {
  const byName = new Map(behaviors.map((b) => [b.name, b]));
  const done = new Set<string>();
  const visit = (name: string, stack: string[]): string[] | null => {
    if (stack.includes(name)) return [...stack.slice(stack.indexOf(name)), name];
    if (done.has(name)) return null;
    const b = byName.get(name);
    if (!b) return null;
    for (const s of b.body) {
      const c = visit(s.skill, [...stack, name]);
      if (c) return c;
    }
    done.add(name);
    return null;
  };
  for (const b of behaviors) {
    const c = visit(b.name, []);
    if (c) return c;
  }
  return null;
}

/**
 * Parse a library file's text. Refuses with a message naming the file, the problem, and what
 * to do (`advice`), in the order: JSON, format marker, version, schema, consistency.
 */
function parseLibrary(text: string, file: string, advice: string): LibraryState {
  if (text.trim() === '') throw new LibraryError(`${file} is empty, not a skill library. ${advice}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LibraryError(`${file} is not valid JSON (${(err as Error).message}). ${advice}`);
  }
  const obj = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (!obj || obj.format !== LIBRARY_FORMAT) {
    throw new LibraryError(`${file} is not a Shammie skill library (it has no "format": "${LIBRARY_FORMAT}" marker). ${advice}`);
  }
  // Checked before the schema: a newer file may legitimately look different.
  if (typeof obj.version === 'number' && Number.isInteger(obj.version) && obj.version > LIBRARY_VERSION) {
    throw new LibraryError(
      `${file} was written by a newer Shammie (library version ${obj.version}; this one reads version ${LIBRARY_VERSION}). Upgrade Shammie to use it. ${advice}`,
    );
  }
  const parsed = libraryFileSchema.safeParse(raw);
  if (!parsed.success) throw new LibraryError(`${file} is not a valid skill library:\n${issuesText(parsed.error.issues)}\n${advice}`);
  const d = parsed.data;
  const state: LibraryState = {
    behaviors: d.behaviors.map(normalizeBehavior),
    entities: d.entities.map(normalizeEntity),
    motions: d.motions.map(normalizeMotion),
    lastSeq: d.lastSeq,
    history: d.history.map((h) => ({
      seq: h.seq,
      at: h.at,
      action: h.action,
      summary: h.summary,
      undo: {
        behaviors: normalizePart(h.undo.behaviors, normalizeBehavior),
        entities: normalizePart(h.undo.entities, normalizeEntity),
        motions: normalizePart(h.undo.motions, normalizeMotion),
      },
    })),
  };
  const problems = collectionProblems(state);
  if (problems.length) throw new LibraryError(`${file} is not a valid skill library:\n  ${problems.join('\n  ')}\n${advice}`);
  return state;
}

function serialize(s: LibraryState): string {
  const history = s.history.map((h) => ({ seq: h.seq, at: h.at, action: h.action, summary: h.summary, undo: dropUndefined(h.undo) }));
  return (
    JSON.stringify(
      {
        format: LIBRARY_FORMAT,
        version: LIBRARY_VERSION,
        lastSeq: s.lastSeq,
        behaviors: s.behaviors,
        entities: s.entities,
        motions: s.motions,
        history,
      },
      null,
      2,
    ) + '\n'
  );
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------- undo patches

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function diffPart<T extends { name: string }>(before: T[], after: T[]): PatchPart<T> | undefined {
  const afterByName = new Map(after.map((x) => [x.name, x]));
  const beforeNames = new Set(before.map((x) => x.name));
  const restore: Record<string, T | null> = {};
  for (const b of before) {
    const a = afterByName.get(b.name);
    if (!a || !same(a, b)) restore[b.name] = clone(b);
  }
  for (const a of after) if (!beforeNames.has(a.name)) restore[a.name] = null;
  const reordered = before.length !== after.length || before.some((b, i) => b.name !== after[i].name);
  if (!Object.keys(restore).length && !reordered) return undefined;
  return { order: before.map((b) => b.name), restore };
}

function applyPart<T extends { name: string }>(current: T[], part: PatchPart<T> | undefined): T[] {
  if (!part) return current;
  const byName = new Map(current.map((x) => [x.name, x]));
  for (const [name, v] of Object.entries(part.restore)) {
    if (v === null) byName.delete(name);
    else byName.set(name, clone(v));
  }
  const out = part.order.filter((n) => byName.has(n)).map((n) => byName.get(n)!);
  const ordered = new Set(part.order);
  for (const [n, v] of byName) if (!ordered.has(n)) out.push(v);
  return out;
}

// ---------------------------------------------------------------- files

/** Write so that `target` is always either the old or the new complete file (temp, fsync, rename, fsync dir). */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = dirname(target);
  // pid in the name: a later open() can tell a dead writer's leftover from a live one's.
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined)
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    try {
      unlinkSync(tmp);
    } catch {
      /* may not exist */
    }
    throw new LibraryError(`could not save ${target}: ${(err as Error).message}. The previous version is unchanged.`);
  }
  fsyncDir(dir);
}

/**
 * Make the rename itself durable. Best effort: the new file is already in place, and throwing
 * here would leave the caller believing the change failed. (Windows cannot fsync a folder.)
 */
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* see above */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp files left by writers that were killed mid-save (never a live writer's). */
function removeStaleTemps(dir: string, file: string): void {
  const pattern = new RegExp(`^\\.${file.replace(/\./g, '\\.')}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = pattern.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !isAlive(pid))
      try {
        unlinkSync(join(dir, n));
      } catch {
        /* raced with another cleaner */
      }
  }
}

function stamp(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
}

function readText(file: string, advice: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new LibraryError(`${file} does not exist`);
    if (e.code === 'EISDIR') throw new LibraryError(`${file} is a folder, not a skill library file. ${advice}`);
    throw new LibraryError(`cannot read ${file}: ${e.message}`);
  }
}

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

  private constructor(dir: string, state: LibraryState, fileStamp: string | null) {
    this.dir = dir;
    this.path = join(dir, LIBRARY_FILE);
    this.#state = state;
    this.#stamp = fileStamp;
  }

  /**
   * Open the library in `dir` (e.g. DEFAULT_DATA_DIR). Creates the folder and an empty library
   * when missing; otherwise loads and validates it. Throws LibraryError if the file is corrupt,
   * foreign or from a newer version, leaving it untouched.
   */
  static open(dir: string, options: OpenOptions = {}): SkillLibrary {
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
      state = parseLibrary(readText(file, OPEN_ADVICE), file, OPEN_ADVICE);
    }
    removeStaleTemps(abs, LIBRARY_FILE);
    return new SkillLibrary(abs, state, stamp(file));
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
    this.#state = parseLibrary(readText(this.path, OPEN_ADVICE), this.path, OPEN_ADVICE);
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
    const problems = collectionProblems(next);
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
    const incoming = parseLibrary(readText(source, advice), source, advice);
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
    const problems = collectionProblems(r.next);
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
