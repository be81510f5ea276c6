/**
 * Reading the model's answer. Everything the server sends is untrusted data: the body is
 * schema-checked, arguments are JSON.parse'd (never evaluated), and a plan is returned only
 * after validateAgainstContext. Anything else becomes a question to the user.
 */
import { z } from 'zod';
import {
  ENTITY_NAME,
  SKILL_NAME,
  formatPlan,
  type ArgValue,
  type BehaviorDefinition,
  type Plan,
  type SkillCall,
  type SkillSignature,
} from '../../skills/registry.js';
import { validateAgainstContext } from '../context.js';
import { COLOURS, SIZES } from '../lexicon.js';
import { liftBehavior } from '../teach.js';
import { BREAK, singular, tokenize } from '../text.js';
import type { BehaviorProposal, PlannerContext, PlannerResult, TeachingTrace, UnknownTerm } from '../types.js';
import { oneLine } from './prompt.js';

type Question = Extract<PlannerResult, { kind: 'question' }>;

const toolCallSchema = z.object({
  function: z.object({
    name: z.string(),
    // Some local servers send an object instead of a JSON string; both are plain data.
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }),
});

const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), tool_calls: z.array(z.unknown()).nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
});

export interface RawCall {
  name: string;
  arguments: string | Record<string, unknown> | null | undefined;
}

export type ReadAnswer =
  | { ok: true; calls: RawCall[]; finishReason: string | null }
  /** the body is not a chat completion, or a tool call is not shaped like one */
  | { ok: false; why: string };

/** The first choice's tool calls, shape-checked. */
export function readCompletion(body: unknown): ReadAnswer {
  const parsed = completionSchema.safeParse(body);
  if (!parsed.success) return { ok: false, why: 'the answer is not a chat completion' };
  const choice = parsed.data.choices[0];
  const calls: RawCall[] = [];
  for (const raw of choice.message.tool_calls ?? []) {
    const c = toolCallSchema.safeParse(raw);
    if (!c.success) return { ok: false, why: 'a tool call is malformed' };
    calls.push({ name: c.data.function.name, arguments: c.data.function.arguments });
  }
  return { ok: true, calls, finishReason: choice.finish_reason ?? null };
}

/** JSON arguments → a plain object, or undefined when they are not one. */
export function parseArguments(args: RawCall['arguments']): Record<string, unknown> | undefined {
  if (args === null || args === undefined) return {};
  if (typeof args !== 'string') return args;
  const text = args.trim();
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** "functions.pickup" → pickup; "Pack Item" → pack_item; garbage → undefined. */
export function normalizeSkillName(name: string): string | undefined {
  const s = name.trim().replace(/^functions\./, '');
  if (!/^[A-Za-z][A-Za-z0-9_ -]{0,47}$/.test(s)) return undefined;
  const snake = s.toLowerCase().replace(/[ -]+/g, '_');
  return SKILL_NAME.test(snake) ? snake : undefined;
}

/**
 * The prompt shows objects as a Python Enum, so models write "Object.CANDY", "candy" or
 * "toy car": map those spellings to NAME form. Numbers and other types are left alone so that
 * validation reports them.
 */
export function normalizeEntityArg(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v
    .trim()
    .replace(/^["'`]|["'`]$/g, '')
    .replace(/^(?:Object|ObjectRef|Location)\./, '');
  return /^[A-Za-z][A-Za-z0-9 _-]{0,63}$/.test(s) ? s.toUpperCase().replace(/[ -]+/g, '_') : v;
}

const question = (
  reason: Question['reason'],
  reply: string,
  extra: { unknown?: UnknownTerm } = {},
  repairs: Question['repairs'] = [],
): Question => ({
  kind: 'question',
  reason,
  reply,
  ...extra,
  repairs,
});

const RETRY = 'Could you say it again, maybe in other words?';

/** Words of the utterance that name a new object: "the green toy car" for TOY_CAR. */
function newObjectTerm(name: string, utterance: string, rule: PlannerResult): UnknownTerm {
  if (rule.kind === 'question' && rule.unknown?.kind === 'object' && rule.unknown.proposedName === name) return rule.unknown;
  const tokens = tokenize(utterance).filter((t) => t !== BREAK);
  const nameWords = name.toLowerCase().split('_').filter(Boolean);
  let word = nameWords.join(' ');
  for (let i = 0; i + nameWords.length <= tokens.length; i++) {
    if (!nameWords.every((w, k) => tokens[i + k] === w || singular(tokens[i + k]) === w)) continue;
    let start = i;
    while (start > 0 && (COLOURS.has(tokens[start - 1]) || SIZES.has(tokens[start - 1]))) start--;
    word = [...tokens.slice(start, i), ...nameWords].join(' ');
    break;
  }
  return { kind: 'object', word, proposedName: name, description: `${/^[aeiou]/.test(word) ? 'An' : 'A'} ${word}.` };
}

/**
 * Tool calls → a validated plan, or the question to ask. `rule` is the embedded planner's
 * answer to the same utterance: its questions are more specific when the model says nothing
 * usable, and its speech repairs are reused when both planners agree.
 */
export function interpretPlanAnswer(read: ReadAnswer, utterance: string, ctx: PlannerContext, rule: PlannerResult): PlannerResult {
  if (!read.ok) return question('invalid_plan', `Sorry, the language model's answer was unreadable (${read.why}). ${RETRY}`);
  if (!read.calls.length) {
    if (rule.kind === 'question') return rule;
    return question('not_understood', `Sorry, I didn't understand "${oneLine(utterance, 80)}". ${RETRY}`);
  }

  const known = new Map(ctx.skills.map((s) => [s.name, s]));
  const entities = new Set(ctx.entities.map((e) => e.name));
  const calls: { name: string; raw: string; args: Record<string, unknown> | undefined }[] = [];
  for (const c of read.calls) {
    const name = normalizeSkillName(c.name);
    if (name === undefined)
      return question('not_understood', `Sorry, I couldn't turn that into a plan (the model named a function I can't read). ${RETRY}`);
    calls.push({ name, raw: c.name, args: parseArguments(c.arguments) });
  }

  // A function the API lacks is a behavior to teach (the paper's "I don't know how to pack").
  const unknownCall = calls.find((c) => !known.has(c.name));
  if (unknownCall) {
    const word = unknownCall.name.replace(/_/g, ' ');
    const mentions = [
      ...new Set(
        Object.values(unknownCall.args ?? {})
          .map(normalizeEntityArg)
          .filter((v): v is string => typeof v === 'string' && entities.has(v)),
      ),
    ];
    const fromRule =
      rule.kind === 'question' && rule.unknown?.kind === 'verb' && rule.unknown.proposedName === unknownCall.name
        ? rule.unknown.mentions
        : [];
    return question('unknown_verb', `I don't know how to ${word} yet. Teach me?`, {
      unknown: { kind: 'verb', word, proposedName: unknownCall.name, mentions: mentions.length ? mentions : fromRule },
    });
  }

  const plan: { skill: string; args: Record<string, unknown> }[] = [];
  for (const c of calls) {
    if (!c.args)
      return question(
        'invalid_plan',
        `Sorry, I couldn't turn that into a plan (the model's ${c.name} call had unreadable arguments). ${RETRY}`,
      );
    const sig = known.get(c.name)!;
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.args))
      args[k] = sig.params.find((p) => p.name === k)?.type === 'entity' ? normalizeEntityArg(v) : v;
    plan.push({ skill: c.name, args });
  }

  const v = validateAgainstContext(plan, ctx);
  if (v.ok) {
    const repairs = rule.kind === 'plan' && formatPlan(rule.plan) === formatPlan(v.plan) ? rule.repairs : [];
    return { kind: 'plan', plan: v.plan, reply: `Sure, here is my plan: ${formatPlan(v.plan)}`, repairs };
  }
  // Each unknown entity adds exactly one error: if those are the only errors, ask about the object.
  const name = v.unknownEntities[0];
  if (name !== undefined && v.errors.length === v.unknownEntities.length) {
    const unknown = newObjectTerm(name, utterance, rule);
    const repairs = rule.kind === 'question' && rule.unknown === unknown ? rule.repairs : [];
    return question('unknown_object', `I don't know what ${name} is yet. Can you show me where it is?`, { unknown }, repairs);
  }
  return question(
    'invalid_plan',
    `Sorry, I couldn't turn that into a plan: ${oneLine(v.errors[0] ?? 'the plan is invalid', 160)}. ${RETRY}`,
  );
}

// ---------------------------------------------------------------------------------------------
// teach_function

const teachArgsSchema = z.object({
  new_function_name: z.string(),
  // The schema asks for a string like '[CANDY]'; some models send a JSON list instead.
  new_function_signature: z.union([z.string(), z.array(z.string())]),
  new_function_description: z.string(),
});

const PARAM_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * Literals the signature may lift: entities the taught steps used. A mention the steps never
 * used would become a parameter the body ignores, which SkillRegistry.validateBehavior rejects.
 */
export function liftableLiterals(trace: TeachingTrace): Set<string> {
  const out = new Set<string>();
  for (const s of trace.steps)
    for (const c of s.plan) for (const v of Object.values(c.args)) if (typeof v === 'string' && ENTITY_NAME.test(v)) out.add(v);
  return out;
}

/** Names as planner/teach.ts gives them: obj for a single parameter, else obj1, obj2 … (skipping taken ones). */
function defaultNames(count: number, taken: Set<string>, total = count): string[] {
  if (total === 1 && count === 1 && !taken.has('obj')) return ['obj'];
  const out: string[] = [];
  for (let i = 1; out.length < count; i++) {
    const n = `obj${i}`;
    if (!taken.has(n)) {
      out.push(n);
      taken.add(n);
    }
  }
  return out;
}

/** '[CANDY]', "['CANDY', 'GIFT_BAG']", '(obj: Object.CANDY)', '[item=CANDY]', ['CANDY'] → params. */
export function parseSignature(signature: string | string[], allowed: ReadonlySet<string>): BehaviorProposal['params'] | string {
  let items: string[];
  if (Array.isArray(signature)) items = signature;
  else {
    const s = signature
      .trim()
      .replace(/^\[(.*)\]$/s, '$1')
      .replace(/^\((.*)\)$/s, '$1')
      .trim();
    items = s ? s.split(',') : [];
  }
  const parsed: { name?: string; literal: string }[] = [];
  for (const item of items) {
    const m = /^\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*)?(.+?)\s*$/s.exec(item.replace(/["'`]/g, ''));
    if (!m) return `signature item ${JSON.stringify(item)} is empty`;
    const literal = normalizeEntityArg(m[2]);
    if (typeof literal !== 'string' || !ENTITY_NAME.test(literal)) return `signature item ${JSON.stringify(item)} is not an object name`;
    if (!allowed.has(literal)) return `${literal} was not named while teaching`;
    if (parsed.some((p) => p.literal === literal)) return `${literal} appears twice`;
    parsed.push({ name: m[1] && PARAM_NAME.test(m[1]) ? m[1] : undefined, literal });
  }
  const taken = new Set<string>();
  for (const p of parsed) {
    if (p.name && !taken.has(p.name)) taken.add(p.name);
    else p.name = undefined;
  }
  const fill = defaultNames(parsed.filter((p) => !p.name).length, taken, parsed.length);
  return parsed.map((p) => ({ name: p.name ?? fill.shift()!, literal: p.literal }));
}

/**
 * The deterministic proposal, identical to what the embedded planner would teach (planner/teach.ts
 * liftBehavior), so a failed model call changes nothing for the user. If even that cannot lift
 * the trace (no valid name), the command's mentions the steps used become obj (or obj1, obj2…).
 */
export function fallbackProposal(trace: TeachingTrace, skills: readonly SkillSignature[]): BehaviorProposal {
  try {
    return asProposal(liftBehavior(trace, skills), trace);
  } catch {
    const used = liftableLiterals(trace);
    const literals = [...new Set(trace.mentions.filter((m) => used.has(m)))];
    const names = defaultNames(literals.length, new Set());
    const params = literals.map((literal, i) => ({ name: names[i], literal }));
    return { name: normalizeSkillName(trace.name) ?? 'new_behavior', params, description: describeBody(trace, params) };
  }
}

/** A lifted definition back to the literals its parameters stand for (body i ↔ trace call i). */
function asProposal(def: BehaviorDefinition, trace: TeachingTrace): BehaviorProposal {
  const calls = trace.steps.flatMap((s) => s.plan);
  const params = def.params.map((p) => {
    for (const [i, step] of def.body.entries()) {
      for (const [k, v] of Object.entries(step.args)) {
        const literal = calls[i]?.args[k];
        if (typeof v === 'object' && v.param === p.name && typeof literal === 'string') return { name: p.name, literal };
      }
    }
    throw new Error(`parameter ${p.name} is unused`);
  });
  return { name: def.name, params, description: def.description };
}

/** "Pack obj: pickup(obj) → goto(GIFT_BAG) → release()." */
function describeBody(trace: TeachingTrace, params: BehaviorProposal['params']): string {
  const byLiteral = new Map(params.map((p) => [p.literal, p.name]));
  const body: Plan = trace.steps
    .flatMap((s) => s.plan)
    .map((c): SkillCall => ({
      skill: c.skill,
      args: Object.fromEntries(
        Object.entries(c.args).map(([k, v]): [string, ArgValue] => [k, typeof v === 'string' ? (byLiteral.get(v) ?? v) : v]),
      ),
    }));
  const words = (normalizeSkillName(trace.name) ?? 'new_behavior').replace(/_/g, ' ');
  const head = `${words[0].toUpperCase()}${words.slice(1)}${params.length ? ` ${params.map((p) => p.name).join(', ')}` : ''}`;
  return oneLine(`${head}: ${body.length ? formatPlan(body) : 'nothing yet'}.`, 200);
}

/**
 * The forced teach_function answer → a proposal, or why it is unusable. The user's own word
 * for the behavior (trace.name) wins over the model's name, because the user will say that
 * word to call it; the model's name is used when the trace has none.
 */
export function proposalFromAnswer(read: ReadAnswer, trace: TeachingTrace, ctx: PlannerContext): BehaviorProposal | string {
  if (!read.ok) return read.why;
  const call = read.calls.find((c) => c.name.trim() === 'teach_function') ?? (read.calls.length === 1 ? read.calls[0] : undefined);
  if (!call) return 'no teach_function call';
  const args = teachArgsSchema.safeParse(parseArguments(call.arguments));
  if (!args.success) return 'teach_function arguments are missing or not text';
  const { new_function_name, new_function_signature, new_function_description } = args.data;

  let name = normalizeSkillName(trace.name);
  if (!name) {
    const proposed = new_function_name.trim();
    if (!SKILL_NAME.test(proposed)) return `the name ${JSON.stringify(proposed)} is not lower_snake_case`;
    if (ctx.skills.some((s) => s.name === proposed)) return `the name ${proposed} is already a skill`;
    name = proposed;
  }
  const params = parseSignature(new_function_signature, liftableLiterals(trace));
  if (typeof params === 'string') return params;
  const description = oneLine(new_function_description.replace(/^["'\s]+|["'\s]+$/g, ''), 200);
  if (!description) return 'the description is empty';
  const proposal = { name, params, description };
  // The same checks the session applies before registering (name, shadowing, used parameters).
  try {
    liftBehavior(trace, ctx.skills, proposal);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return proposal;
}
