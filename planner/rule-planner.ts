/**
 * The offline planner: deterministic rules, no LLM, no network. It handles the paper's seed
 * API (go_home, goto, grasp, release, pickup) in everyday phrasing, chains ("and", "then",
 * commas), "it", speech slips in argument position, and taught skills by name. Anything it
 * cannot map becomes a question; a plan is returned only after it validates against the
 * live skill list and entity set.
 */
import { z } from 'zod';
import { ENTITY_NAME, formatPlan, SKILL_NAME, type ArgValue, type SkillCall, type SkillSignature } from '../skills/registry.js';
import { validateAgainstContext } from './context.js';
import { buildLexicon, resolveNounPhrase, type Lexicon } from './lexicon.js';
import {
  behaviorNameWords,
  BUILTIN_SKILLS,
  parseClause,
  parseControl,
  splitArgs,
  splitFrameCount,
  type Action,
  type Control,
} from './rules.js';
import { formatSignature } from './teach.js';
import { BREAK, FILLERS, isWordLike, removePhrases, singular, splitClauses, tokenize } from './text.js';
import type { Planner, PlannerContext, PlannerResult, QuestionReason, RejectReason, Repair, UnknownTerm } from './types.js';

export const UTTERANCE_MAX_CHARS = 500;

/** C0/C1 controls (tab/newline/CR allowed), lone surrogates, private use, BOM, zero-width and bidi controls. */
const UNPRINTABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\uFFFD-\uFFFF\p{Cs}\p{Co}]/u;

/** The boundary check on an utterance: text, trimmed, 1..500 chars, printable. */
export const utteranceSchema = z
  .string()
  .trim()
  .min(1, 'empty')
  .max(UTTERANCE_MAX_CHARS, 'too_long')
  .refine((s) => !UNPRINTABLE.test(s), 'unprintable');

// Any of these anywhere halts: a missed stop is dangerous, a spurious one costs a repeat.
const STOP_WORDS = new Set(['stop', 'halt', 'freeze', 'abort', 'estop', 'whoa', 'woah', 'emergency']);
// These halt only when they are the whole utterance ("wait", "hold on").
const WAIT_HEADS = new Set(['wait', 'hold', 'hang', 'pause']);
const WAIT_WORDS = new Set([...WAIT_HEADS, 'on', 'it', 'a', 'second', 'sec', 'moment', 'minute', 'up']);

const YES_WORDS = new Set([
  'yes',
  'yeah',
  'yep',
  'yup',
  'ya',
  'yea',
  'sure',
  'affirmative',
  'absolutely',
  'definitely',
  'correct',
  'right',
  'exactly',
  'perfect',
  'great',
  'good',
  'fine',
]);
const NO_WORDS = new Set(['no', 'nope', 'nah', 'nay']);
const CONFIRM_PHRASES = new Set([
  'confirm',
  'confirmed',
  'i confirm',
  'approve',
  'approved',
  'do it',
  'do that',
  'do it now',
  'go ahead',
  'go for it',
  'go',
  'start',
  'run it',
  'run the plan',
  'execute',
  'execute it',
  'execute the plan',
  'proceed',
  'continue',
  'carry on',
  'sounds good',
  'looks good',
  'thats right',
  'thats correct',
  'that is right',
  'that is correct',
  'thats good',
  'that works',
  'works for me',
  'please do',
  'make it so',
  'you got it',
  'sure thing',
  'of course',
  'thats fine',
]);
const CANCEL_PHRASES = new Set([
  'cancel',
  'cancel that',
  'cancel it',
  'cancel this',
  'cancel the plan',
  'cancel plan',
  'cancel everything',
  'never mind',
  'nevermind',
  'never mind that',
  'forget it',
  'forget that',
  'forget about it',
  'forget the plan',
  'scratch that',
  'dont',
  'dont do it',
  'dont do that',
  'do not',
  'do not do it',
  'do not do that',
  'not that',
  'wrong',
  'thats wrong',
  'that is wrong',
  'thats not right',
  'dont bother',
  'skip it',
  'skip that',
  'discard',
  'discard it',
  'discard that',
  'reject',
  'reject it',
  'i changed my mind',
  'changed my mind',
]);

const REJECT_REPLIES: Record<RejectReason, string> = {
  not_text: 'I can only take spoken or typed text.',
  empty: "I didn't hear anything. What should I do?",
  too_long: `That's too long for one command (at most ${UTTERANCE_MAX_CHARS} characters). Try one step at a time.`,
  unprintable: "That contains characters I can't read. Could you rephrase it?",
  garbage: "Sorry, I didn't catch that. Could you say it again?",
};

const rejected = (reason: RejectReason): PlannerResult => ({ kind: 'rejected', reason, reply: REJECT_REPLIES[reason] });

/** Does the utterance ask to halt? Checked before anything else, even on over-long input. */
export function isStopUtterance(text: string): boolean {
  const tokens = tokenize(text.slice(0, 4 * UTTERANCE_MAX_CHARS)).filter((t) => t !== BREAK);
  if (tokens.some((t) => STOP_WORDS.has(t))) return true;
  const core = removePhrases(tokens, FILLERS);
  return core.length > 0 && core.every((t) => WAIT_WORDS.has(t)) && core.some((t) => WAIT_HEADS.has(t));
}

/**
 * "yes" / "do it" → confirm, "never mind" / "no" → cancel, else undefined. Several answers in a
 * row ("looks good, go ahead", "no no, don't do that") count when they all agree.
 */
function dialogueIntent(tokens: readonly string[]): 'confirm' | 'cancel' | undefined {
  const whole = answerIntent(tokens);
  if (whole) return whole;
  const parts: string[][] = [[]];
  for (const t of tokens)
    if (t === BREAK) parts.push([]);
    else parts[parts.length - 1].push(t);
  const answers = parts.filter((p) => removePhrases(p, FILLERS).length > 0).map(answerIntent);
  if (answers.length > 1 && answers.every((a) => a === answers[0])) return answers[0];
  return undefined;
}

function answerIntent(tokens: readonly string[]): 'confirm' | 'cancel' | undefined {
  const words = tokens.filter((t) => t !== BREAK);
  const core = removePhrases(words, FILLERS);
  if (!core.length) return words.some((t) => t === 'ok' || t === 'okay' || t === 'alright') ? 'confirm' : undefined;
  let i = 0;
  while (i < core.length && NO_WORDS.has(core[i])) i++;
  const afterNo = core.slice(i).join(' ');
  if ((i > 0 && !afterNo) || CANCEL_PHRASES.has(afterNo)) return 'cancel';
  let j = 0;
  while (j < core.length && YES_WORDS.has(core[j])) j++;
  const afterYes = core.slice(j).join(' ');
  if ((j > 0 && !afterYes) || CONFIRM_PHRASES.has(afterYes)) return 'confirm';
  return undefined;
}

function dedupe(repairs: readonly Repair[]): Repair[] {
  const seen = new Set<string>();
  return repairs.filter((r) => {
    const k = `${r.heard}\u0000${r.understood}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

type Step = { ok: true } | { ok: false; result: PlannerResult };

/** Words for the robot itself (the stop-motion arm holds the camera). */
const SELF_WORDS = new Set(['camera', 'phone', 'arm', 'gripper', 'hand', 'yourself', 'robot', 'claw', 'lens', 'shot', 'view']);
function isSelf(np: readonly string[]): boolean {
  const ws = np.filter((t) => !['the', 'your', 'its', 'my', 'a'].includes(t));
  return ws.length > 0 && ws.length <= 2 && ws.every((t) => SELF_WORDS.has(t));
}

function splitOnAnd(tokens: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const t of tokens)
    if (t === 'and') out.push([]);
    else out[out.length - 1].push(t);
  return out.filter((g) => g.length);
}

/** "pack the pen and the ball": a verbless clause after a one-object action repeats that action. */
function elided(prev: Action | undefined, np: string[]): Action | undefined {
  if (!prev) return undefined;
  if (prev.type === 'pickup') return { type: 'pickup', obj: np };
  if (prev.type === 'goto') return { type: 'goto', dest: np };
  if (prev.type === 'skill' && prev.skill.params.length === 1 && prev.skill.params[0].type === 'entity')
    return { type: 'skill', skill: prev.skill, args: [np] };
  return undefined;
}
type Resolved = { ok: true; name: string } | { ok: false; result: PlannerResult };

/** Mutable state for one planning call: the simulated gripper, the plan so far, repairs made. */
class Run {
  readonly plan: SkillCall[] = [];
  readonly repairs: Repair[] = [];
  held: string | null;
  lastTouched: string | null;

  constructor(
    readonly ctx: PlannerContext,
    readonly lex: Lexicon,
  ) {
    this.held = ctx.held;
    this.lastTouched = ctx.lastTouched;
  }

  question(
    reason: QuestionReason,
    reply: string,
    extra: { unknown?: UnknownTerm; options?: string[] } = {},
  ): { ok: false; result: PlannerResult } {
    return { ok: false, result: { kind: 'question', reason, reply, ...extra, repairs: dedupe(this.repairs) } };
  }

  /** The parameter name the live signature uses for a built-in's object (paper: `object`). */
  #param(skill: string): string {
    return this.ctx.skills.find((s) => s.name === skill)?.params.find((p) => p.type === 'entity')?.name ?? 'object';
  }

  call(skill: string, object?: string): void {
    this.plan.push({ skill, args: object === undefined ? {} : { [this.#param(skill)]: object } });
  }

  resolve(tokens: readonly string[], askIfEmpty: string): Resolved {
    const r = resolveNounPhrase(tokens, this.lex);
    switch (r.kind) {
      case 'entity':
        this.repairs.push(...r.repairs);
        return { ok: true, name: r.name };
      case 'pronoun': {
        const name = this.held ?? this.lastTouched;
        if (name) return { ok: true, name };
        return this.question(
          'ambiguous',
          `Which object do you mean by "${r.word}"? I'm not holding anything and haven't touched anything yet.`,
        );
      }
      case 'unknown':
        this.repairs.push(...r.repairs);
        return this.question('unknown_object', `I don't know what ${r.proposedName} is yet. Can you show me where it is?`, {
          unknown: { kind: 'object', word: r.word, proposedName: r.proposedName, description: r.description },
        });
      case 'ambiguous':
        return this.question('ambiguous', `Which one do you mean by "${r.phrase}": ${r.options.join(' or ')}?`, { options: r.options });
      case 'vague':
        return this.question('ambiguous', `Which object do you mean by "${r.phrase}"?`);
      case 'garbled':
        return this.question('not_understood', `I didn't catch which object you mean ("${r.phrase}"). Could you say it again?`);
      case 'empty':
        return this.question('missing_argument', askIfEmpty);
    }
  }

  /** Entity names mentioned in some words, best effort and silent (for teaching suggestions). */
  mentions(groups: readonly (readonly string[])[]): string[] {
    const out: string[] = [];
    for (const g of groups) {
      const r = resolveNounPhrase(g, this.lex);
      const name = r.kind === 'entity' ? r.name : r.kind === 'pronoun' ? (this.held ?? this.lastTouched) : null;
      if (name && !out.includes(name)) out.push(name);
    }
    return out;
  }

  apply(action: Action, clause: readonly string[]): Step {
    switch (action.type) {
      case 'go_home':
        this.call('go_home');
        return { ok: true };
      case 'goto': {
        const d = this.resolve(action.dest, 'Where should I go?');
        if (!d.ok) return d;
        this.call('goto', d.name);
        this.lastTouched = d.name;
        return { ok: true };
      }
      case 'pickup': {
        // "fetch me the sweet": the person it is for is not the object.
        const words = action.obj.length > 1 && (action.obj[0] === 'me' || action.obj[0] === 'us') ? action.obj.slice(1) : action.obj;
        const o = this.resolve(words, 'What should I pick up?');
        if (!o.ok) return o;
        this.call('pickup', o.name);
        this.held = o.name;
        this.lastTouched = o.name;
        return { ok: true };
      }
      case 'grasp':
        this.call('grasp');
        // Closing at the current spot grabs whatever the arm went to.
        this.held = this.held ?? this.lastTouched;
        return { ok: true };
      case 'release': {
        if (action.obj && this.held) {
          // "drop the ball" while holding the candy: ask rather than let go of the wrong thing.
          const r = resolveNounPhrase(action.obj, this.lex);
          if (r.kind !== 'pronoun' && r.kind !== 'empty' && !(r.kind === 'entity' && r.name === this.held)) {
            const what = r.kind === 'entity' ? r.name : `"${action.obj.join(' ')}"`;
            return this.question('ambiguous', `I'm holding ${this.held}, not ${what}. Say "release" to let go of ${this.held}.`, {
              options: [this.held],
            });
          }
        }
        // "move it to the bin and let go": the put already opened the gripper; a second release is a no-op.
        if (!(this.held === null && this.plan.length && this.plan[this.plan.length - 1].skill === 'release')) this.call('release');
        this.held = null;
        return { ok: true };
      }
      case 'put': {
        const obj = resolveNounPhrase(action.obj, this.lex);
        // "move the camera over to Loki", "bring your arm to the bag": the robot moves itself.
        if (obj.kind !== 'entity' && isSelf(action.obj)) return this.apply({ type: 'goto', dest: action.dest }, clause);
        let subject: string;
        if (obj.kind === 'pronoun') {
          // "put it in the bag": whatever is held, else what was last touched; no pickup first.
          const name = this.held ?? this.lastTouched;
          if (!name)
            return this.question(
              'ambiguous',
              `Which object do you mean by "${obj.word}"? I'm not holding anything and haven't touched anything yet.`,
            );
          subject = name;
        } else {
          const o = this.resolve(action.obj, 'What should I put there?');
          if (!o.ok) return o;
          subject = o.name;
        }
        const d = this.resolve(action.dest, `Where should I put ${subject}?`);
        if (!d.ok) return d;
        if (obj.kind !== 'pronoun') {
          if (subject === d.name) return this.question('not_understood', `I can't put ${subject} into itself.`);
          if (this.held !== subject) this.call('pickup', subject);
        }
        this.call('goto', d.name);
        this.call('release');
        this.held = null;
        this.lastTouched = d.name;
        return { ok: true };
      }
      case 'skill':
        return this.#taught(action.skill, action.args);
      case 'missing':
        return this.question('missing_argument', action.ask);
      case 'skill_arity': {
        const { skill } = action;
        const words = skill.name.replace(/_/g, ' ');
        const n = skill.params.length;
        if (n === 0) return this.question('not_understood', `I know how to ${words}, but it takes no object. Just say "${words}".`);
        const needs = n === 1 ? 'one object' : `${n} things (${skill.params.map((p) => p.name).join(', ')})`;
        return this.question(
          'not_understood',
          `I know how to ${words}, but it takes ${needs} and I heard ${action.heard}. Could you rephrase?`,
        );
      }
      case 'unknown_verb': {
        if (!action.verb.split(' ').every(isWordLike)) return { ok: false, result: rejected('garbage') };
        const mentions = this.mentions(splitArgs(action.rest));
        return this.question('unknown_verb', `I don't know how to ${action.verb} yet. Teach me?`, {
          unknown: { kind: 'verb', word: action.verb, proposedName: action.verb.replace(/ /g, '_'), mentions },
        });
      }
      case 'no_verb': {
        const r = resolveNounPhrase(action.np, this.lex);
        const what = r.kind === 'entity' ? r.name : `"${action.np.join(' ')}"`;
        return this.question('not_understood', `What should I do with ${what}?`);
      }
      case 'negated':
        return this.question('not_understood', `I can't follow "don't" instructions yet. Tell me what to do instead.`);
      case 'asked':
        return this.question('not_understood', `I can only follow commands for now. ${this.#hint()}`);
      case 'not_understood':
        return this.question('not_understood', `Sorry, I didn't understand "${clause.join(' ')}". ${this.#hint()}`);
    }
  }

  #taught(skill: SkillSignature, groups: readonly string[][]): Step {
    const args: Record<string, ArgValue> = {};
    for (const [i, p] of skill.params.entries()) {
      const g = groups[i] ?? [];
      if (p.type === 'entity') {
        const r = this.resolve(g, `What should I ${skill.name.replace(/_/g, ' ')}?`);
        if (!r.ok) return r;
        args[p.name] = r.name;
      } else if (p.type === 'number') {
        const n = Number(g.join(''));
        if (!g.length || !Number.isFinite(n)) return this.question('missing_argument', `What number should I use for ${p.name}?`);
        args[p.name] = n;
      } else {
        args[p.name] = g.join(' ');
      }
    }
    this.plan.push({ skill: skill.name, args });
    return { ok: true };
  }

  #hint(): string {
    const obj = this.lex.entries.find((e) => e.entity.kind === 'object');
    return obj
      ? `Try something like "pick up the ${obj.entity.name.toLowerCase().replace(/_/g, ' ')}" or "go home".`
      : 'Try something like "go home".';
  }
}

export class RulePlanner implements Planner {
  /** The Planner interface; the rule planner answers synchronously (tens of microseconds). */
  async plan(utterance: string, ctx: PlannerContext): Promise<PlannerResult> {
    return this.planSync(utterance, ctx);
  }

  planSync(utterance: unknown, ctx: PlannerContext): PlannerResult {
    if (typeof utterance !== 'string') return rejected('not_text');
    if (isStopUtterance(utterance)) return { kind: 'stop', reply: 'Stopping.' };

    const parsed = utteranceSchema.safeParse(utterance);
    if (!parsed.success) {
      const msg = parsed.error.issues[0]?.message;
      return rejected(msg === 'empty' || msg === 'too_long' || msg === 'unprintable' ? msg : 'garbage');
    }

    // "track around the tower over 24 frames": the count is for the studio, the rest is the command.
    const counted = splitFrameCount(tokenize(parsed.data));
    const tokens = counted.tokens;
    const words = tokens.filter((t) => t !== BREAK && !/^[0-9]+$/.test(t));
    const nonWords = words.filter((t) => !isWordLike(t)).length;
    if (!words.length || nonWords * 2 >= words.length) return rejected('garbage');

    const control = parseControl(tokens);
    if (control) {
      const r = controlResult(control, ctx);
      if (r) return r;
    }

    const intent = dialogueIntent(tokens);
    if (intent === 'confirm') return { kind: 'confirm', reply: 'Okay, going ahead.' };
    if (intent === 'cancel') return { kind: 'cancel', reply: 'Okay, cancelled.' };

    // "no, put it in the bin": the leading yes/no answers the robot; the rest is the command.
    const clauses = splitClauses(removePhrases(tokens, FILLERS))
      .map((c) => {
        let i = 0;
        while (i < c.length && (YES_WORDS.has(c[i]) || NO_WORDS.has(c[i]))) i++;
        return c.slice(i);
      })
      .filter((c) => c.length > 0);

    const run = new Run(ctx, buildLexicon(ctx.entities));
    if (!clauses.length) return run.question('not_understood', 'What should I do?').result;
    let prev: Action | undefined;
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i];
      let action = parseClause(clause, ctx.skills);
      let actions: Action[] = [action];
      // "put the lotion and the pen in the bag": "and" joined two objects, not two commands.
      const next = clauses[i + 1];
      if (action.type === 'missing' && next) {
        const joined = parseClause([...clause, 'and', ...next], ctx.skills);
        if (joined.type === 'put') {
          actions = splitOnAnd(joined.obj).map((obj) => ({ type: 'put', obj, dest: joined.dest }));
          i++;
        }
      }
      if (action.type === 'no_verb') actions = [elided(prev, action.np) ?? action];
      for (const a of actions) {
        const step = run.apply(a, clause);
        if (!step.ok) return step.result;
        action = a;
      }
      prev = action;
    }

    const v = validateAgainstContext(run.plan, ctx);
    if (!v.ok) return run.question('invalid_plan', `I can't do that: ${v.errors[0] ?? 'the plan is invalid'}.`).result;
    const frames = counted.frames !== undefined ? { frames: counted.frames } : {};
    return { kind: 'plan', plan: v.plan, reply: `Sure, here is my plan: ${formatPlan(v.plan)}`, repairs: dedupe(run.repairs), ...frames };
  }
}

// ---------------------------------------------------------------------------------------------
// Control intents: teaching, corrections, questions about what the robot knows.

const words = (name: string): string => name.toLowerCase().replace(/_/g, ' ');
const q = (reason: QuestionReason, reply: string, options?: string[]): PlannerResult => ({
  kind: 'question',
  reason,
  reply,
  ...(options ? { options } : {}),
  repairs: [],
});
const isBuiltin = (s: SkillSignature): boolean => (s.kind === 'primitive' && !s.learned) || BUILTIN_SKILLS.has(s.name);

type NameRef =
  { kind: 'skill'; skill: SkillSignature } | { kind: 'entity'; name: string } | { kind: 'none'; phrase: string; options?: string[] };

const NAME_LEAD = new Set([
  'how',
  'to',
  'you',
  'what',
  'about',
  'the',
  'a',
  'an',
  'your',
  'my',
  'our',
  'skill',
  'behavior',
  'behaviour',
  'word',
  'called',
  'named',
  'object',
  'thing',
  'do',
  'does',
  'should',
  'i',
  'we',
  'is',
  'are',
  'it',
]);
const NAME_TAIL = new Set([
  'skill',
  'skills',
  'behavior',
  'behaviour',
  'move',
  'trick',
  'command',
  'function',
  'thing',
  'things',
  'stuff',
  'it',
  'them',
  'object',
  'objects',
  'one',
  'is',
  'does',
  'do',
  'again',
  'mean',
  'means',
  'something',
  'work',
  'works',
  'exactly',
  'now',
  'looks',
  'look',
  'like',
]);
const PRONOUN_NAMES = new Set(['it', 'this', 'that', 'this one', 'that one', 'this thing', 'that thing']);

/** The skill a word sequence names, allowing "packing"/"packs"/"packed" for pack. */
function skillNamed(ws: readonly string[], skills: readonly SkillSignature[]): SkillSignature | undefined {
  const by = (n: string) => skills.find((s) => s.name === n);
  const direct = by(ws.join('_'));
  if (direct || !ws.length) return direct;
  const [head, ...tail] = ws;
  for (const stem of [head.replace(/ing$/, ''), head.replace(/ing$/, 'e'), head.replace(/ed$/, ''), singular(head)]) {
    if (stem !== head && stem.length >= 2) {
      const s = by([stem, ...tail].join('_'));
      if (s) return s;
    }
  }
  return undefined;
}

/** "how to pack" → pack, "the toy car" → TOY_CAR, "it" → what is held or was last touched. */
function resolveName(input: readonly string[], ctx: PlannerContext): NameRef {
  const raw = input.filter((t) => t !== BREAK);
  const phrase = raw.join(' ');
  if (PRONOUN_NAMES.has(phrase)) {
    const name = ctx.held ?? ctx.lastTouched;
    return name && ctx.entities.some((e) => e.name === name) ? { kind: 'entity', name } : { kind: 'none', phrase };
  }
  let ws = [...raw];
  while (ws.length > 1 && NAME_LEAD.has(ws[0])) ws = ws.slice(1);
  while (ws.length > 1 && NAME_TAIL.has(ws[ws.length - 1])) ws = ws.slice(0, -1);
  const skill = skillNamed(ws, ctx.skills);
  if (skill) return { kind: 'skill', skill };
  const r = resolveNounPhrase(ws, buildLexicon(ctx.entities));
  if (r.kind === 'entity') return { kind: 'entity', name: r.name };
  if (r.kind === 'ambiguous') return { kind: 'none', phrase, options: r.options };
  return { kind: 'none', phrase };
}

/** What "forget …" can take: taught behaviors and named things. */
function forgettable(ctx: PlannerContext): string[] {
  return [
    ...ctx.skills
      .filter((s) => !isBuiltin(s))
      .map((s) => s.name)
      .sort(),
    ...ctx.entities.map((e) => e.name).sort(),
  ];
}

/** Fallback text for "what can you do?" (the session may compose a richer one). */
function listReply(ctx: PlannerContext): string {
  const builtin = ctx.skills.filter(isBuiltin).map(formatSignature);
  const taught = ctx.skills.filter((s) => !isBuiltin(s)).map(formatSignature);
  const things = ctx.entities.map((e) => e.name);
  return [
    `I can ${builtin.join(', ') || 'nothing yet'}.`,
    taught.length ? `You taught me: ${taught.join(', ')}.` : 'You have not taught me any behaviors yet; say "let me teach you to …".',
    things.length ? `I know: ${things.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function teachStart(nameWords: string[] | null, ctx: PlannerContext): PlannerResult {
  let ws = nameWords ? behaviorNameWords(nameWords) : undefined;
  if (!ws && !nameWords) {
    // "Sure, I'll show you" right after "I don't know how to pack yet. Teach me?" teaches pack.
    const last = ctx.history?.[ctx.history.length - 1]?.reply ?? '';
    const m = /I don't know how to ([a-z ]+) yet\. Teach me\?/.exec(last);
    if (m) ws = m[1].split(' ');
  }
  if (!ws) return q('missing_argument', 'What should I learn? Give it a name, e.g. "let me teach you to pack".');
  if (!ws.every(isWordLike)) return rejected('garbage');
  const name = ws.join('_');
  if (!SKILL_NAME.test(name)) return q('not_understood', `"${ws.join(' ')}" can't be a behavior name. Try one or two plain words.`);
  const existing = ctx.skills.find((s) => s.name === name);
  if (existing && isBuiltin(existing))
    return q(
      'not_understood',
      `${name} is built in, so I can't re-learn it. Pick another name, e.g. "let me teach you to ${ws[0]}_carefully".`,
    );
  const spoken = ws.join(' ');
  const reply = existing
    ? `I already know ${name}; show me the new way to ${spoken}, one step at a time. Say "that's it" when you're done.`
    : `Okay, show me how to ${spoken}, one step at a time. Say "that's it" when you're done.`;
  return { kind: 'teach_start', name, reply };
}

function forget(target: string[], ctx: PlannerContext): PlannerResult {
  const ref = resolveName(target, ctx);
  const can = forgettable(ctx);
  const list = can.length ? ` I can forget: ${can.join(', ')}.` : ' There is nothing I was taught to forget.';
  if (ref.kind === 'skill') {
    if (isBuiltin(ref.skill)) return q('not_understood', `${ref.skill.name} is built in, so I can't forget it.${list}`, can);
    return { kind: 'forget', name: ref.skill.name, reply: `Okay, I'll forget how to ${words(ref.skill.name)}.` };
  }
  if (ref.kind === 'entity') return { kind: 'forget', name: ref.name, reply: `Okay, I'll forget ${ref.name}.` };
  if (ref.options) return q('ambiguous', `Which one should I forget: ${ref.options.join(' or ')}?`, ref.options);
  return q('not_understood', `I don't know anything called "${ref.phrase}".${list}`, can);
}

function rename(fromRef: NameRef, to: readonly string[], ctx: PlannerContext): PlannerResult {
  let ws = to.filter((t) => t !== BREAK);
  while (ws.length > 1 && ['the', 'a', 'an', 'to', 'as', 'be'].includes(ws[0])) ws = ws.slice(1);
  if (!ws.length || !ws.every((w) => isWordLike(w) || /^[0-9]+$/.test(w)))
    return q('not_understood', 'What should the new name be? Try one or two plain words.');
  if (fromRef.kind === 'skill') {
    const from = fromRef.skill.name;
    if (isBuiltin(fromRef.skill)) return q('not_understood', `${from} is built in, so I can't rename it.`);
    const newName = ws.join('_');
    if (!SKILL_NAME.test(newName)) return q('not_understood', `"${ws.join(' ')}" can't be a behavior name. Try one or two plain words.`);
    if (newName === from) return q('not_understood', `It is already called ${from}.`);
    if (ctx.skills.some((s) => s.name === newName))
      return q('not_understood', `I already know a skill called ${newName}. Pick another name.`);
    return { kind: 'rename', from, to: newName, reply: `Okay, from now on ${from} is called ${newName}.` };
  }
  if (fromRef.kind === 'entity') {
    const newName = ws.join('_').toUpperCase();
    if (!ENTITY_NAME.test(newName)) return q('not_understood', `"${ws.join(' ')}" can't be a name. Try one or two plain words.`);
    if (newName === fromRef.name) return q('not_understood', `It is already called ${newName}.`);
    if (ctx.entities.some((e) => e.name === newName))
      return q('not_understood', `I already know something called ${newName}. Pick another name.`);
    return { kind: 'rename', from: fromRef.name, to: newName, reply: `Okay, from now on ${fromRef.name} is called ${newName}.` };
  }
  if (fromRef.options) return q('ambiguous', `Which one should I rename: ${fromRef.options.join(' or ')}?`, fromRef.options);
  const can = forgettable(ctx);
  return q(
    'not_understood',
    `I don't know anything called "${fromRef.phrase}".${can.length ? ` I can rename: ${can.join(', ')}.` : ''}`,
    can,
  );
}

/**
 * "call pack wrap": leading words that say a known name exactly ("the toy car" → TOY_CAR) are the
 * old name; failing that, the longest leading words that resolve at all ("the gummy" → CANDY).
 */
function renameSplit(ws: readonly string[], ctx: PlannerContext): PlannerResult {
  const names = [...ctx.skills.map((s) => s.name), ...ctx.entities.map((e) => e.name.toLowerCase())];
  for (let i = ws.length - 1; i >= 1; i--) {
    const head = ws
      .slice(0, i)
      .filter((w) => !['the', 'a', 'an', 'your', 'my'].includes(w))
      .join('_');
    if (names.includes(head)) return rename(resolveName(ws.slice(0, i), ctx), ws.slice(i), ctx);
  }
  for (let i = ws.length - 1; i >= 1; i--) {
    const ref = resolveName(ws.slice(0, i), ctx);
    if (ref.kind !== 'none') return rename(ref, ws.slice(i), ctx);
  }
  return q('not_understood', 'What should I rename, and to what? Say e.g. "rename pack to wrap".');
}

function describe(target: string[], ctx: PlannerContext): PlannerResult | undefined {
  const ref = resolveName(target, ctx);
  if (ref.kind === 'skill')
    return { kind: 'describe', name: ref.skill.name, reply: `${formatSignature(ref.skill)}: ${ref.skill.description}` };
  if (ref.kind === 'entity') {
    const e = ctx.entities.find((x) => x.name === ref.name);
    return { kind: 'describe', name: ref.name, reply: `${ref.name}: ${e?.description ?? 'something I know.'}` };
  }
  if (ref.options) return q('ambiguous', `Which one do you mean: ${ref.options.join(' or ')}?`, ref.options);
  // "what is this?" with nothing in play stays a plain "I only follow commands" answer.
  return undefined;
}

/** A control phrase → its result, or undefined to plan the words as a command after all. */
function controlResult(c: Control, ctx: PlannerContext): PlannerResult | undefined {
  switch (c.type) {
    case 'teach_start':
      return teachStart(c.name, ctx);
    case 'teach_done':
      if (ctx.teaching) return { kind: 'teach_done', reply: `Got it. That's how to ${words(ctx.teaching.name)}.` };
      return q(
        'not_understood',
        `There's nothing to finish: I'm not learning a behavior right now. To teach me one, say "let me teach you to …".`,
      );
    case 'point_here':
      return { kind: 'point_here', reply: "Okay, I'll use where the gripper is now." };
    case 'undo':
      return { kind: 'undo', reply: 'Okay, undoing the last thing I learned.' };
    case 'forget':
      return forget(c.target, ctx);
    case 'rename':
      return rename(resolveName(c.from, ctx), c.to, ctx);
    case 'rename_split':
      return renameSplit(c.words, ctx);
    case 'list_skills':
      return { kind: 'list_skills', reply: listReply(ctx) };
    case 'describe':
      return describe(c.target, ctx);
    case 'other_one':
      return { kind: 'other_one', reply: 'Okay, the other one.' };
    case 'shoot':
      // A behavior the operator taught under these words ("take a picture") is theirs to run.
      if (
        skillNamed(
          c.words,
          ctx.skills.filter((s) => !isBuiltin(s)),
        )
      )
        return undefined;
      return { kind: 'shoot', reply: 'Taking a picture.' };
    case 'delete_frame':
      return { kind: 'delete_frame', reply: 'Deleting the last frame.' };
    case 'open_film':
      return openFilm(c.name);
  }
}

/** "new film called my first film" → my-first-film (a session folder name). */
function openFilm(nameWords: string[] | null): PlannerResult {
  if (!nameWords) return { kind: 'open_film', name: null, reply: 'Starting a new film.' };
  const ws = nameWords.filter((w) => w !== BREAK && !['the', 'a', 'an'].includes(w));
  const name = ws.join('-');
  if (!ws.length || !ws.every((w) => isWordLike(w) || /^[0-9]+$/.test(w)) || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) {
    return q('not_understood', 'What should the film be called? One to a few plain words, e.g. "new film called hulk smash".');
  }
  return { kind: 'open_film', name, reply: `Opening the film ${name}.` };
}

/** The frame count a command ends with ("… over 24 frames"), for planners that do not report it. */
export function frameCountIn(text: string): number | undefined {
  return splitFrameCount(tokenize(text)).frames;
}

/** One shared instance is fine: the planner keeps no state between calls. */
export function createRulePlanner(): RulePlanner {
  return new RulePlanner();
}
