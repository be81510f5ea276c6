/**
 * The on-disk format of the skill library: zod schemas for behaviors, motions, named entities,
 * the undo history and the whole file; normalisation to canonical key order; the consistency
 * checks the per-item schemas cannot make (duplicates, name clashes, call cycles); parsing with
 * messages that name the file and what to do, and serialising.
 *
 * Checks against the live registry (callee exists, argument types) are the registry's job
 * (SkillRegistry.validateBehavior); this module only checks what the data alone can show.
 */
import { z } from 'zod';
import { SKILL_NAME, skillNumberSchema, type BehaviorDefinition } from '../registry.js';
import { entitySchema, type Entity } from '../../model/world.js';
import {
  LIBRARY_FORMAT,
  LIBRARY_VERSION,
  LibraryError,
  MAX_HISTORY,
  clone,
  type Collections,
  type LibraryBounds,
  type LibraryState,
  type MotionSkill,
  type PatchPart,
} from './types.js';

// ---------------------------------------------------------------- schemas

const nameOfParam = z.string().regex(SKILL_NAME, 'parameter names are lower_snake_case');
const skillName = z.string().regex(SKILL_NAME, 'skill names are lower_snake_case, like put_away');

const paramSchema = z.strictObject({
  name: nameOfParam,
  type: z.enum(['entity', 'number', 'string']),
  description: z.string().max(500),
});

const bodyArgSchema = z.union([z.string().max(2000), skillNumberSchema, z.strictObject({ param: nameOfParam })]);

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
export const libraryEntitySchema = entitySchema.strict();

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

/** Canonical key order, and drops `builtin` (the schema refuses true). */
export function normalizeBehavior(d: z.output<typeof behaviorSchema>): BehaviorDefinition {
  return {
    name: d.name,
    description: d.description,
    kind: 'behavior',
    params: d.params.map((p) => ({ name: p.name, type: p.type, description: p.description })),
    body: d.body.map((s) => ({ skill: s.skill, args: { ...s.args } })),
  };
}

export function normalizeEntity(e: z.output<typeof libraryEntitySchema>): Entity {
  const out: Entity = { name: e.name, description: e.description, kind: e.kind, source: clone(e.source) };
  if (e.container !== undefined) out.container = e.container;
  if (e.size !== undefined) out.size = [e.size[0], e.size[1], e.size[2]];
  return out;
}

export function normalizeMotion(m: z.output<typeof motionSchema>): MotionSkill {
  return { name: m.name, description: m.description, params: m.params.map((p) => ({ ...p })), data: clone(m.data) };
}

function normalizePart<T>(part: PatchPart<unknown> | undefined, norm: (v: never) => T): PatchPart<T> | undefined {
  if (!part) return undefined;
  const restore: Record<string, T | null> = {};
  for (const [k, v] of Object.entries(part.restore)) restore[k] = v === null ? null : norm(v as never);
  return { order: [...part.order], restore };
}

export function issuesText(issues: z.core.$ZodIssue[], max = 8): string {
  const lines = issues.slice(0, max).map((i) => {
    const where = i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`)).join('');
    return `  ${where || '(top level)'}: ${i.message}`;
  });
  if (issues.length > max) lines.push(`  … and ${issues.length - max} more`);
  return lines.join('\n');
}

/** Problems the per-item schemas cannot see: duplicates, name clashes, call cycles. */
export function collectionProblems(c: Collections): string[] {
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

/**
 * Entries whose numbers fail the physical bounds: a taught point outside the robot's workspace, a
 * learned motion whose data the motion skills refuse. Empty without bounds.
 */
export function boundsProblems(c: Collections, bounds: LibraryBounds | undefined): string[] {
  const problems: string[] = [];
  if (!bounds) return problems;
  const ws = bounds.workspace;
  for (const e of c.entities) {
    if (!ws || e.source.type !== 'point') continue;
    const why = ws.problem(e.source.position, `${e.kind} ${e.name}: position`, `forget ${e.name} and show it again by pointing`);
    if (why) problems.push(why);
  }
  for (const m of c.motions) {
    const why = bounds.checkMotion?.(m);
    if (why) problems.push(`motion "${m.name}": ${why}`);
  }
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
export function parseLibrary(text: string, file: string, advice: string, bounds?: LibraryBounds): LibraryState {
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
  const problems = [...collectionProblems(state), ...boundsProblems(state, bounds)];
  if (problems.length) throw new LibraryError(`${file} is not a valid skill library:\n  ${problems.join('\n  ')}\n${advice}`);
  return state;
}

export function serialize(s: LibraryState): string {
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

export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
