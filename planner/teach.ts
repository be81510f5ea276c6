/**
 * Behavior induction without an LLM: the paper's teach_function, done by rule. A teaching trace
 * (the command, e.g. "pack the candy", and the plans that ran for each spoken step) becomes a
 * named, parameterized behavior: entities named in the command become parameters, every other
 * literal stays a constant. "pack the candy" + pickup(CANDY), goto(GIFT_BAG), release() →
 * pack(obj) = pickup(obj) → goto(GIFT_BAG) → release().
 */
import {
  ENTITY_NAME,
  SKILL_NAME,
  type ArgValue,
  type BehaviorDefinition,
  type BehaviorStep,
  type BodyArg,
  type ParamType,
  type SkillCall,
  type SkillParam,
  type SkillSignature,
} from '../skills/registry.js';
import { parseControl } from './control-phrases.js';
import { buildLexicon, resolveNounPhrase } from './lexicon.js';
import { behaviorNameWords, BUILTIN_SKILLS, parseClause, splitArgs } from './rules.js';
import { BREAK, FILLERS, removePhrases, splitClauses, tokenize } from './text.js';
import type { BehaviorProposal, PlannerContext, TeachingTrace } from './types.js';

export class TeachError extends Error {
  constructor(message: string) {
    super(`[teach] ${message}`);
    this.name = 'TeachError';
  }
}

/** "pack(obj)" for a behavior or any skill signature. */
export function formatSignature(sig: Pick<SkillSignature, 'name' | 'params'>): string {
  return `${sig.name}(${sig.params.map((p) => p.name).join(', ')})`;
}

const argText = (v: BodyArg): string => (typeof v === 'object' ? v.param : String(v));

/** "pickup(obj) → goto(GIFT_BAG) → release()" */
export function formatBody(def: Pick<BehaviorDefinition, 'body'>): string {
  return def.body.map((s) => `${s.skill}(${Object.values(s.args).map(argText).join(', ')})`).join(' → ');
}

/** One line for "what is pack?": 'pack(obj) — Pick up the obj, go to GIFT_BAG, then release. Steps: pickup(obj) → …' */
export function describeBehavior(def: BehaviorDefinition): string {
  return `${formatSignature(def)} — ${def.description} Steps: ${formatBody(def)}`;
}

/** Plain words for one step: pickup({param:'obj'}) → "pick up the obj", goto(GIFT_BAG) → "go to GIFT_BAG". */
function stepWords(step: BehaviorStep): string {
  const args = Object.values(step.args).map((v) => (typeof v === 'object' ? `the ${v.param}` : String(v)));
  switch (step.skill) {
    case 'pickup':
      return `pick up ${args.join(' ')}`;
    case 'goto':
      return `go to ${args.join(' ')}`;
    case 'go_home':
      return 'go home';
    case 'grasp':
      return 'grasp';
    case 'release':
      return 'release';
    default:
      return [step.skill.replace(/_/g, ' '), args.join(' and ')].filter(Boolean).join(' ');
  }
}

/** "Pick up the obj, go to GIFT_BAG, then release." */
export function describeSteps(body: readonly BehaviorStep[]): string {
  const parts = body.map(stepWords);
  const text = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')}, then ${parts[parts.length - 1]}`;
  return text ? `${text[0].toUpperCase()}${text.slice(1)}.` : '';
}

/** Problems with a behavior definition against the live skills; empty when it can be registered. */
export function validateBehavior(def: BehaviorDefinition, skills: readonly SkillSignature[]): string[] {
  const errors: string[] = [];
  if (!SKILL_NAME.test(def.name)) errors.push(`"${def.name}" is not a valid name (lower_snake_case, e.g. pack or throw_away)`);
  const existing = skills.find((s) => s.name === def.name);
  if (BUILTIN_SKILLS.has(def.name) || existing?.kind === 'primitive') errors.push(`${def.name} is built in and cannot be redefined`);
  if (!def.body.length) errors.push(`${def.name} has no steps; teach at least one`);
  if (def.body.length > 200) errors.push(`${def.name} has ${def.body.length} steps; at most 200`);
  const paramNames = new Set<string>();
  for (const p of def.params) {
    if (!SKILL_NAME.test(p.name)) errors.push(`parameter "${p.name}" must be lower_snake_case`);
    if (paramNames.has(p.name)) errors.push(`parameter "${p.name}" appears twice`);
    paramNames.add(p.name);
  }
  const used = new Set<string>();
  for (const [i, step] of def.body.entries()) {
    const where = `step ${i + 1} (${step.skill})`;
    // A direct self-call would recurse forever; deeper cycles are caught by SkillRegistry.expand.
    if (step.skill === def.name) {
      errors.push(`${where}: ${def.name} cannot call itself`);
      continue;
    }
    const sig = skills.find((s) => s.name === step.skill);
    if (!sig) {
      errors.push(`${where}: unknown skill "${step.skill}"`);
      continue;
    }
    for (const k of Object.keys(step.args))
      if (!sig.params.some((p) => p.name === k)) errors.push(`${where}: ${step.skill}() has no argument "${k}"`);
    for (const p of sig.params) {
      const v = step.args[p.name];
      if (v === undefined) {
        errors.push(`${where}: missing argument "${p.name}"`);
        continue;
      }
      if (typeof v === 'object') {
        used.add(v.param);
        const own = def.params.find((q) => q.name === v.param);
        if (!own) errors.push(`${where}: refers to unknown parameter "${v.param}"`);
        else if (own.type !== p.type)
          errors.push(`${where}: parameter "${v.param}" is ${own.type} but ${step.skill}(${p.name}) takes ${p.type}`);
      } else if (p.type === 'entity' && (typeof v !== 'string' || !ENTITY_NAME.test(v)))
        errors.push(`${where}: ${p.name} must be an object NAME`);
      else if (p.type === 'number' && typeof v !== 'number') errors.push(`${where}: ${p.name} must be a number`);
    }
  }
  for (const p of def.params) if (!used.has(p.name)) errors.push(`parameter "${p.name}" is never used`);
  return errors;
}

/** The type a literal has where the body first passes it, per the called skill's signature. */
function literalType(body: readonly SkillCall[], literal: string, skills: readonly SkillSignature[]): ParamType | undefined {
  for (const call of body) {
    const sig = skills.find((s) => s.name === call.skill);
    for (const [k, v] of Object.entries(call.args)) if (v === literal) return sig?.params.find((p) => p.name === k)?.type;
  }
  return undefined;
}

/**
 * Which literals to lift: the objects named in the teaching command, in order, when the body
 * uses them ("pack the candy" → pack(obj)). Nothing else becomes a parameter: "clean up" or "let
 * me teach you to tidy" name no object, so the candy the steps picked up stays in the body as a
 * constant (clean_up(), not clean_up(obj)); a behavior that should take an object is taught with
 * one named ("let me teach you to pack the candy").
 */
function liftedLiterals(trace: TeachingTrace, body: readonly SkillCall[], skills: readonly SkillSignature[]): string[] {
  const isEntityArg = (lit: string) => literalType(body, lit, skills) === 'entity';
  const mentions = [...new Set(trace.mentions)].filter((m) => ENTITY_NAME.test(m));
  return mentions.filter(isEntityArg);
}

/**
 * The embedded behavior induction. Throws TeachError when the result would not be a valid
 * behavior (bad name, shadows a built-in, empty, calls itself, unknown skills). A proposal (from
 * an LLM's teach_function call) overrides the name, the lifted literals and the description.
 */
export function liftBehavior(trace: TeachingTrace, skills: readonly SkillSignature[], proposal?: BehaviorProposal): BehaviorDefinition {
  const name = proposal?.name ?? trace.name;
  const calls: SkillCall[] = trace.steps.flatMap((s) => s.plan);
  let lifted: { name: string; literal: string }[];
  if (proposal) {
    lifted = proposal.params;
    for (const p of lifted) {
      if (!calls.some((c) => Object.values(c.args).includes(p.literal)))
        throw new TeachError(`parameter ${p.name} stands for ${p.literal}, which no step uses`);
    }
  } else {
    const literals = liftedLiterals(trace, calls, skills);
    lifted = literals.map((literal, i) => ({ name: literals.length === 1 ? 'obj' : `obj${i + 1}`, literal }));
  }
  const byLiteral = new Map(lifted.map((l) => [l.literal, l.name]));
  const body: BehaviorStep[] = calls.map((c) => ({
    skill: c.skill,
    args: Object.fromEntries(
      Object.entries(c.args).map(([k, v]: [string, ArgValue]) => [
        k,
        typeof v === 'string' && byLiteral.has(v) ? { param: byLiteral.get(v)! } : v,
      ]),
    ),
  }));
  const params: SkillParam[] = lifted.map((l) => {
    const type = literalType(calls, l.literal, skills) ?? 'entity';
    return {
      name: l.name,
      type,
      description: type === 'entity' ? `An object or location in the scene (taught with ${l.literal}).` : `Taught with ${l.literal}.`,
    };
  });
  const def: BehaviorDefinition = { name, description: proposal?.description ?? describeSteps(body), params, kind: 'behavior', body };
  const errors = validateBehavior(def, skills);
  if (errors.length) throw new TeachError(errors.join('; '));
  return def;
}

/**
 * Entities a command names, in order, for TeachingTrace.mentions: "pack the candy" → [CANDY],
 * "let me teach you to pack the candy" → [CANDY], "bring the candy to the bag" → [CANDY, GIFT_BAG].
 * "it" counts as what is held (or was last touched).
 */
export function mentionsIn(utterance: string, ctx: PlannerContext): string[] {
  const tokens = removePhrases(tokenize(utterance), FILLERS);
  const control = parseControl(tokens);
  let rest: string[];
  if (control?.type === 'teach_start') {
    const ws = control.name ?? [];
    const nameWords = behaviorNameWords(ws) ?? [];
    const at = nameWords.length ? ws.indexOf(nameWords[0]) : -1;
    rest = at < 0 ? [] : ws.slice(at + 1).filter((w) => !nameWords.includes(w));
    // "track around the hulk": the preposition left after the name is not part of the object.
    if (rest[0] === 'around') rest = rest.slice(1);
  } else {
    const first = splitClauses(tokens)[0] ?? [];
    const action = parseClause(first, ctx.skills);
    if (action.type === 'unknown_verb') rest = action.rest;
    else if (action.type === 'skill') rest = action.args.flatMap((g) => [...g, 'and']);
    else rest = first.slice(1);
  }
  const lex = buildLexicon(ctx.entities);
  const out: string[] = [];
  for (const g of splitArgs(rest.filter((t) => t !== BREAK)).flatMap((grp) => splitOnAnd(grp))) {
    const r = resolveNounPhrase(g, lex);
    const name = r.kind === 'entity' ? r.name : r.kind === 'pronoun' ? (ctx.held ?? ctx.lastTouched) : null;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

function splitOnAnd(tokens: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const t of tokens)
    if (t === 'and') out.push([]);
    else out[out.length - 1].push(t);
  return out.filter((g) => g.length);
}
