/**
 * The speech command set (commands.jsonl), the out-of-domain set (ood.txt) and the stop words
 * (stops.txt). Contexts reuse
 * the planner evaluation's catalog (planner/eval/contexts.json); the stop-motion bases also
 * know a taught `take_a_picture` behavior, and the gift-bag bases see the scene's table
 * objects (sim/scenes/giftbag.json) as the live app does.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { PlannerContext, PlannerEntity, PlannerResult } from '../../planner/types.js';
import { formatPlan, type SkillSignature } from '../../skills/registry.js';
import type { GrammarInput, SceneObject } from '../grammar.js';
import { colourName } from '../vocabulary.js';

const here = (f: string) => new URL(f, import.meta.url);

const entrySchema = z
  .object({
    id: z.string().min(1),
    category: z.enum(['primitive', 'unknown_object', 'teaching', 'taught_use', 'query', 'correction', 'stop', 'camera']),
    context: z
      .object({
        base: z.string().min(1),
        held: z.string().optional(),
        lastTouched: z.string().optional(),
        teaching: z.string().optional(),
      })
      .strict(),
    text: z.string().min(1),
    expect: z.object({ kind: z.string().min(1), plan: z.string().optional(), name: z.string().optional() }).strict(),
  })
  .strict();
export type CommandEntry = z.infer<typeof entrySchema>;

const catalogSchema = z.object({
  entities: z.record(
    z.string(),
    z.object({ description: z.string(), kind: z.enum(['object', 'location']), container: z.boolean().optional() }),
  ),
  skills: z.record(
    z.string(),
    z.object({
      kind: z.enum(['primitive', 'behavior']),
      description: z.string(),
      params: z.array(z.object({ name: z.string(), type: z.enum(['entity', 'number', 'string']), description: z.string() })),
    }),
  ),
  bases: z.record(z.string(), z.object({ entities: z.array(z.string()), skills: z.array(z.string()) })),
});

/** The stop-motion operator's "take a picture", taught as a behavior (the planner matches taught names word for word). */
const TAKE_A_PICTURE = { kind: 'behavior' as const, description: 'Trigger the camera and take a picture of the set.', params: [] };

export interface SpeechEvalSet {
  commands: CommandEntry[];
  ood: string[];
  stops: string[];
  context(e: Pick<CommandEntry, 'context'>): PlannerContext;
  vocabulary(base: string): GrammarInput;
}

export function loadSpeechSet(): SpeechEvalSet {
  const catalog = catalogSchema.parse(JSON.parse(readFileSync(new URL('../../planner/eval/contexts.json', import.meta.url), 'utf8')));
  catalog.skills.take_a_picture = TAKE_A_PICTURE;
  for (const [name, b] of Object.entries(catalog.bases)) if (name.startsWith('stopmotion')) b.skills.push('take_a_picture');
  const scene = JSON.parse(readFileSync(new URL('../../sim/scenes/giftbag.json', import.meta.url), 'utf8')) as {
    objects: { name: string; rgba?: number[] }[];
    containers: { name: string; rgba?: number[] }[];
  };
  const tableObjects: SceneObject[] = [...scene.objects, ...scene.containers].map((o) => {
    const colour = o.rgba ? colourName(o.rgba) : undefined;
    return { name: o.name, ...(colour ? { colour } : {}) };
  });

  const commands = readFileSync(here('./commands.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = entrySchema.safeParse(JSON.parse(l));
      if (!r.success)
        throw new Error(
          `[speech eval] commands.jsonl line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
        );
      if (!catalog.bases[r.data.context.base])
        throw new Error(`[speech eval] commands.jsonl line ${i + 1}: unknown base ${r.data.context.base}`);
      return r.data;
    });
  const ood = parseLineSet(readFileSync(here('./ood.txt'), 'utf8'), 'ood.txt', MIN_OOD);
  const stops = parseLineSet(readFileSync(here('./stops.txt'), 'utf8'), 'stops.txt', MIN_STOPS);

  const base = (name: string) => {
    const b = catalog.bases[name];
    if (!b) throw new Error(`[speech eval] unknown base ${name}`);
    const entities: PlannerEntity[] = b.entities.map((n) => ({ name: n, ...catalog.entities[n] }));
    const skills: SkillSignature[] = b.skills.map((n) => ({ name: n, ...catalog.skills[n] }));
    return { entities, skills };
  };
  return {
    commands,
    ood,
    stops,
    context(e) {
      const { entities, skills } = base(e.context.base);
      return {
        skills,
        entities,
        held: e.context.held ?? null,
        lastTouched: e.context.lastTouched ?? null,
        teaching: e.context.teaching ? { name: e.context.teaching } : null,
      };
    },
    vocabulary(name) {
      const { entities, skills } = base(name);
      return { skills, entities, sceneObjects: name.startsWith('giftbag') ? tableObjects : [] };
    },
  };
}

/** The issue's bar: out-of-domain → motion is judged on at least 60 sentences. */
export const MIN_OOD = 60;
export const MIN_STOPS = 8;
/** lines in a sentence file, at most (a guard against reading the wrong file) */
const MAX_LINES = 5000;

/**
 * A sentence file: one utterance a line, `#` comments and blank lines skipped. Lines are
 * lower-case words (letters, apostrophes, single spaces), as a recognizer would print them; a
 * duplicate or too few lines is an error naming the file and line.
 */
export function parseLineSet(text: string, file: string, min: number): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  if (lines.length > MAX_LINES) throw new Error(`[speech eval] ${file}: more than ${MAX_LINES} lines`);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    if (!/^[a-z']+( [a-z']+)*$/.test(line))
      throw new Error(`[speech eval] ${file} line ${i + 1}: "${line}" is not lower-case words separated by single spaces`);
    const dup = seen.get(line);
    if (dup !== undefined) throw new Error(`[speech eval] ${file} line ${i + 1}: "${line}" repeats line ${dup}`);
    seen.set(line, i + 1);
    out.push(line);
  });
  if (out.length < min) throw new Error(`[speech eval] ${file}: ${out.length} sentences, at least ${min} needed`);
  return out;
}

/** Does a planner result meet an entry's expectation (kind, and plan or name when given)? */
export function meets(e: CommandEntry, r: PlannerResult): boolean {
  if (r.kind !== e.expect.kind) return false;
  if (e.expect.plan !== undefined) return r.kind === 'plan' && formatPlan(r.plan) === e.expect.plan;
  if (e.expect.name !== undefined) return 'name' in r && r.name === e.expect.name;
  return true;
}

/** Words as a scorer compares them: lower case, no punctuation, contractions expanded. */
export function normalizeWords(text: string): string {
  const expand: Record<string, string> = {
    "that's": 'that is',
    "it's": 'it is',
    "i'm": 'i am',
    "i'll": 'i will',
    "we're": 'we are',
    "don't": 'do not',
    "let's": 'let us',
  };
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => expand[w] ?? w)
    .join(' ');
}
