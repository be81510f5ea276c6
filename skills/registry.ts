/**
 * The skill registry: the single source of typed skill signatures. The planner validates
 * plans against it, the console lists it, and LLM tool schemas are generated from it.
 * Plans are data (a list of calls), never code.
 */
import { z } from 'zod';
import { ENTITY_NAME } from '../model/world.js';
import { LIMITS } from '../model/bounds.js';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly validNames: string[] = [],
  ) {
    super(`[skills] ${message}`);
    this.name = 'RegistryError';
  }
}

/** Argument types. `entity` is a named object or location in the world model (e.g. CANDY). */
export type ParamType = 'entity' | 'number' | 'string';

export interface SkillParam {
  name: string;
  type: ParamType;
  description: string;
}

export interface SkillSignature {
  name: string;
  /** one line, shown to users and to LLMs */
  description: string;
  params: SkillParam[];
  kind: 'primitive' | 'behavior';
  /** a motion skill learned from demonstration (taught, so it can be forgotten or renamed) */
  learned?: boolean;
}

export type ArgValue = string | number;

/** One call in a plan, e.g. { skill: 'pickup', args: { object: 'CANDY' } }. */
export interface SkillCall {
  skill: string;
  args: Record<string, ArgValue>;
}

export type Plan = SkillCall[];

export { ENTITY_NAME };
export const SKILL_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * A number argument (no unit of its own: a count, seconds, meters): bounded, so a planner's or a
 * file's 1e306 never reaches a skill. Positions are never numbers here: they are entity names,
 * whose points the world model bounds.
 */
export const skillNumberSchema = z
  .number()
  .finite()
  .min(-LIMITS.skillArgument, `must be between -${LIMITS.skillArgument} and ${LIMITS.skillArgument}`)
  .max(LIMITS.skillArgument, `must be between -${LIMITS.skillArgument} and ${LIMITS.skillArgument}`);

export const skillCallSchema = z
  .object({
    skill: z.string().regex(SKILL_NAME, 'skill names are lower_snake_case'),
    args: z.record(z.string(), z.union([z.string().max(2000), skillNumberSchema])),
  })
  .strict();
export const planSchema = z.array(skillCallSchema).max(200, 'a plan has at most 200 calls');

/** A behavior body refers to its own parameters as { param: 'obj' }. */
export type BodyArg = ArgValue | { param: string };
export interface BehaviorStep {
  skill: string;
  args: Record<string, BodyArg>;
}

export interface BehaviorDefinition extends SkillSignature {
  kind: 'behavior';
  body: BehaviorStep[];
  /** part of the seed API (e.g. pickup = goto; grasp); cannot be forgotten */
  builtin?: boolean;
}

/** A built-in skill. `impl` is what executes it (opaque here; skills/primitives.ts defines it). */
export interface PrimitiveDefinition<Impl = unknown> extends SkillSignature {
  kind: 'primitive';
  impl: Impl;
  /** a motion skill learned from demonstration (stored in the library; can be replaced or forgotten) */
  learned?: boolean;
}

export type SkillDefinition<Impl = unknown> = PrimitiveDefinition<Impl> | BehaviorDefinition;

export interface ValidationContext {
  /** known entity names (objects and locations) */
  entities: ReadonlySet<string>;
}

export type PlanValidation = { ok: true; plan: Plan } | { ok: false; errors: string[]; unknownSkills: string[]; unknownEntities: string[] };

export class SkillRegistry<Impl = unknown> {
  readonly #skills = new Map<string, SkillDefinition<Impl>>();
  readonly #listeners = new Set<() => void>();

  register(def: SkillDefinition<Impl>): void {
    if (!SKILL_NAME.test(def.name)) throw new RegistryError(`skill name "${def.name}" must be lower_snake_case`);
    const existing = this.#skills.get(def.name);
    if (def.kind === 'primitive' && existing?.kind === 'primitive' && !(existing.learned && def.learned)) {
      throw new RegistryError(`primitive "${def.name}" is already registered`);
    }
    this.#skills.set(def.name, def);
    this.#emit();
  }

  unregister(name: string): void {
    const def = this.get(name);
    if ((def.kind === 'primitive' && !def.learned) || (def.kind === 'behavior' && def.builtin))
      throw new RegistryError(`"${name}" is built in and cannot be removed`);
    this.#skills.delete(name);
    this.#emit();
  }

  has(name: string): boolean {
    return this.#skills.has(name);
  }

  names(): string[] {
    return [...this.#skills.keys()];
  }

  /** Look a skill up; the error lists the valid names. */
  get(name: string): SkillDefinition<Impl> {
    const def = this.#skills.get(name);
    if (!def) throw new RegistryError(`unknown skill "${name}". Known skills: ${this.names().join(', ')}`, this.names());
    return def;
  }

  list(): SkillSignature[] {
    return [...this.#skills.values()].map((d) => ({
      name: d.name,
      description: d.description,
      params: d.params,
      kind: d.kind,
      ...(d.kind === 'primitive' && d.learned ? { learned: true } : {}),
    }));
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }

  /** Validate one call: known skill, exact arity, argument types, known entities. */
  validateCall(call: SkillCall, ctx: ValidationContext): { errors: string[]; unknownSkill?: string; unknownEntities: string[] } {
    const def = this.#skills.get(call.skill);
    const unknownEntities: string[] = [];
    if (!def) {
      return {
        errors: [`unknown skill "${call.skill}"; known skills: ${this.names().join(', ')}`],
        unknownSkill: call.skill,
        unknownEntities,
      };
    }
    const errors: string[] = [];
    const expected = new Set(def.params.map((p) => p.name));
    for (const k of Object.keys(call.args)) {
      if (!expected.has(k)) errors.push(`${call.skill}() has no argument "${k}"; it takes (${signatureText(def)})`);
    }
    for (const p of def.params) {
      const v = call.args[p.name];
      if (v === undefined) {
        errors.push(`${call.skill}() is missing argument "${p.name}" (${p.type})`);
        continue;
      }
      if (p.type === 'number' && typeof v !== 'number') errors.push(`${call.skill}(${p.name}) must be a number`);
      if (p.type === 'string' && typeof v !== 'string') errors.push(`${call.skill}(${p.name}) must be text`);
      if (p.type === 'entity') {
        if (typeof v !== 'string' || !ENTITY_NAME.test(v))
          errors.push(`${call.skill}(${p.name}) must be an object or location NAME, got ${JSON.stringify(v)}`);
        else if (!ctx.entities.has(v)) {
          unknownEntities.push(v);
          errors.push(`unknown object or location "${v}"; known: ${[...ctx.entities].join(', ')}`);
        }
      }
    }
    return { errors, unknownEntities };
  }

  /** Validate a whole plan before anything moves. */
  validatePlan(input: unknown, ctx: ValidationContext): PlanValidation {
    const parsed = planSchema.safeParse(input);
    if (!parsed.success) {
      return {
        ok: false,
        errors: parsed.error.issues.map((i) => `plan${i.path.map((p) => `[${String(p)}]`).join('')}: ${i.message}`),
        unknownSkills: [],
        unknownEntities: [],
      };
    }
    const errors: string[] = [];
    const unknownSkills: string[] = [];
    const unknownEntities: string[] = [];
    for (const call of parsed.data) {
      const r = this.validateCall(call, ctx);
      errors.push(...r.errors);
      if (r.unknownSkill) unknownSkills.push(r.unknownSkill);
      unknownEntities.push(...r.unknownEntities);
    }
    return errors.length ? { ok: false, errors, unknownSkills, unknownEntities } : { ok: true, plan: parsed.data };
  }

  /**
   * Check a behavior before it is registered: a data-only body of calls to known skills with
   * the right arguments, parameters used with matching types, and no call cycle.
   */
  validateBehavior(def: BehaviorDefinition, ctx: ValidationContext): string[] {
    const errors: string[] = [];
    if (!SKILL_NAME.test(def.name)) errors.push(`behavior name "${def.name}" must be lower_snake_case`);
    const existing = this.#skills.get(def.name);
    if (existing && (existing.kind === 'primitive' || existing.builtin))
      errors.push(`"${def.name}" is a built-in skill; choose another name`);
    if (!def.body.length) errors.push(`${def.name} has no steps`);
    const params = new Map(def.params.map((p) => [p.name, p]));
    const used = new Set<string>();
    def.body.forEach((step, i) => {
      const where = `${def.name} step ${i + 1} (${step.skill})`;
      if (step.skill === def.name) {
        errors.push(`${where}: a behavior cannot call itself`);
        return;
      }
      const callee = this.#skills.get(step.skill);
      if (!callee) {
        errors.push(`${where}: unknown skill; known skills: ${this.names().join(', ')}`);
        return;
      }
      const concrete: Record<string, ArgValue> = {};
      for (const [k, v] of Object.entries(step.args)) {
        if (typeof v === 'object') {
          const p = params.get(v.param);
          const expected = callee.params.find((cp) => cp.name === k);
          if (!p) errors.push(`${where}: uses parameter "${v.param}", which ${def.name} does not declare`);
          else if (expected && expected.type !== p.type)
            errors.push(`${where}: parameter "${v.param}" is ${p.type} but ${step.skill}(${k}) needs ${expected.type}`);
          used.add(v.param);
          // Stand-in value of the right type, so arity/type checks below still run.
          concrete[k] = p?.type === 'number' ? 0 : p?.type === 'entity' ? ([...ctx.entities][0] ?? 'X') : 'x';
        } else concrete[k] = v;
      }
      const r = this.validateCall({ skill: step.skill, args: concrete }, ctx);
      errors.push(...r.errors.map((e) => `${where}: ${e}`));
    });
    for (const p of def.params) if (!used.has(p.name)) errors.push(`${def.name}: parameter "${p.name}" is never used`);
    // Cycles through other behaviors (a → b → a).
    const seen = new Set<string>();
    const walk = (name: string, stack: string[]): void => {
      const d = name === def.name ? def : this.#skills.get(name);
      if (!d || d.kind !== 'behavior') return;
      if (stack.includes(name)) {
        errors.push(`calling ${def.name} would loop: ${[...stack, name].join(' → ')}`);
        return;
      }
      if (seen.has(name)) return;
      seen.add(name);
      for (const s of d.body) walk(s.skill, [...stack, name]);
    };
    walk(def.name, []);
    return errors;
  }

  /**
   * Expand behaviors into primitive calls (depth-first), detecting recursion. At most `maxCalls`
   * calls: behaviors of 200 steps nested 16 deep would otherwise expand to 200^16.
   */
  expand(plan: Plan, maxDepth = 16, maxCalls: number = LIMITS.planCalls): SkillCall[] {
    const out: SkillCall[] = [];
    const walk = (call: SkillCall, stack: string[]): void => {
      const def = this.get(call.skill);
      if (def.kind === 'primitive') {
        if (out.length >= maxCalls)
          throw new RegistryError(`the plan expands to more than ${maxCalls} steps; split it into smaller commands`);
        out.push(call);
        return;
      }
      if (stack.includes(def.name)) throw new RegistryError(`behavior "${def.name}" calls itself (${[...stack, def.name].join(' → ')})`);
      if (stack.length >= maxDepth) throw new RegistryError(`behaviors nest deeper than ${maxDepth}`);
      for (const step of def.body) {
        const args: Record<string, ArgValue> = {};
        for (const [k, v] of Object.entries(step.args)) args[k] = typeof v === 'object' ? call.args[v.param] : v;
        walk({ skill: step.skill, args }, [...stack, def.name]);
      }
    };
    for (const c of plan) walk(c, []);
    return out;
  }

  /** OpenAI function-calling tool schemas, generated from the live registry. */
  toolSchemas(): { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }[] {
    return [...this.#skills.values()].map((def) => ({
      type: 'function' as const,
      function: {
        name: def.name,
        description: def.description,
        parameters: {
          type: 'object',
          properties: Object.fromEntries(
            def.params.map((p) => [p.name, { type: p.type === 'number' ? 'number' : 'string', description: p.description }]),
          ),
          required: def.params.map((p) => p.name),
          additionalProperties: false,
        },
      },
    }));
  }
}

export function signatureText(def: SkillSignature): string {
  return def.params.map((p) => `${p.name}: ${p.type}`).join(', ');
}

/** "pickup(CANDY)" */
export function formatCall(call: SkillCall): string {
  return `${call.skill}(${Object.values(call.args).map(String).join(', ')})`;
}

/** "pickup(CANDY) → goto(GIFT_BAG) → release()" */
export function formatPlan(plan: Plan): string {
  return plan.map(formatCall).join(' → ');
}
