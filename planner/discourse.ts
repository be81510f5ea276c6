/**
 * Discourse state: what the conversation so far says, derived from the context's `history`
 * (the planner itself keeps nothing between calls). The objects mentioned (most recent last),
 * the plans the robot proposed (parsed back from its own "here is my plan: pickup(CANDY) → …"
 * and validated against the live skills and entities), a pending teaching offer ("… Teach me?")
 * and the last question the robot asked. The readings that use it (corrections, "again",
 * "make it 24 frames", "put it back", negation scope) are below the state.
 */
import { formatPlan, type ArgValue, type Plan, type SkillCall } from '../skills/registry.js';
import { validateAgainstContext } from './context.js';
import { spokenNumber } from './frame-count.js';
import { buildLexicon, COLOURS, resolveNounPhrase, SIZES, type Lexicon } from './lexicon.js';
import { BREAK, singular, tokenize } from './text.js';
import type { DialogueTurn, PlannerContext, PlannerEntity, PlannerResult } from './types.js';
import { question } from './utterance.js';

/** Turns read at most (the session passes 10; a hand-built context may pass more). */
const MAX_TURNS = 20;
/** Characters of one utterance or reply read at most (replies can list the whole library). */
const MAX_TEXT = 2000;

/** Where a mention was made: turn index (oldest first) and which side spoke. */
export interface Place {
  turn: number;
  /** the robot's reply comes after the utterance of the same turn */
  side: 'utterance' | 'reply';
}
/** Orders places: later is larger. */
export const rank = (p: Place): number => p.turn * 2 + (p.side === 'reply' ? 1 : 0);

/** One side of one turn that named entities. */
export interface MentionPart extends Place {
  /** entity names in the order said */
  names: string[];
  /** the plan this reply proposed, when it is one */
  plan?: Plan;
}

export interface ProposedPlan {
  turn: number;
  /** what the user said that got this plan */
  utterance: string;
  plan: Plan;
  /** "…, over 24 frames: …": the camera move was split into this many frames */
  frames?: number;
  /** the session refused it ("Here is my plan: …, but …"); a correction still applies to it */
  refused: boolean;
}

export interface TeachOffer {
  turn: number;
  /** lower_snake_case behavior name offered for teaching */
  name: string;
  /** the command that got the offer ("pack the candy") */
  command: string;
  /** entities named in that command */
  mentions: string[];
  /** plans proposed after the offer (the steps of a lesson shown without saying "yes") */
  stepsSince: number;
}

export interface Discourse {
  /** turns read */
  turns: number;
  /** every side of every turn that named entities, oldest first */
  parts: MentionPart[];
  /** the plans the robot proposed, oldest first */
  plans: ProposedPlan[];
  /** a "Teach me?" not yet answered by a cancel or another offer */
  teachOffer?: TeachOffer;
  /** the last reply that asked something */
  lastQuestion?: { turn: number; text: string };
}

const PLAN_REPLY = /here is my plan: (?<calls>.+?)(?: over (?<f1>[0-9]+) frames)?(?:, over (?<f2>[0-9]+) frames: .*|, but .*)?$/is;
const TEACH_OFFER = /I don't know how to ([a-z ]+?) yet\. Teach me\?/;
const CALL = /^([a-z][a-z0-9_]*)\((.*)\)$/s;
/** Calls in one plan read at most. */
const MAX_CALLS = 64;

/**
 * "pickup(CANDY) → goto(GIFT_BAG) → release()" back into a plan, checked against the live
 * skills and entities; undefined when any call does not fit (a reply of another shape, a
 * skill forgotten since).
 */
export function parsePlanText(text: string, ctx: PlannerContext): Plan | undefined {
  const calls = text.split('→').map((c) => c.trim());
  if (!calls.length || calls.length > MAX_CALLS) return undefined;
  const plan: SkillCall[] = [];
  for (const c of calls) {
    const m = CALL.exec(c);
    if (!m) return undefined;
    const sig = ctx.skills.find((s) => s.name === m[1]);
    if (!sig) return undefined;
    const raw = m[2].trim() ? m[2].split(', ').map((a) => a.trim()) : [];
    if (raw.length !== sig.params.length) return undefined;
    const args: Record<string, ArgValue> = {};
    for (const [i, p] of sig.params.entries()) {
      const a = raw[i];
      if (p.type === 'number') {
        const n = Number(a);
        if (!a || !Number.isFinite(n)) return undefined;
        args[p.name] = n;
      } else args[p.name] = a;
    }
    plan.push({ skill: sig.name, args });
  }
  const v = validateAgainstContext(plan, ctx);
  return v.ok ? v.plan : undefined;
}

/** The plan a reply proposed, with its frame count and whether it was refused. */
export function planInReply(reply: string, ctx: PlannerContext): { plan: Plan; frames?: number; refused: boolean } | undefined {
  const m = PLAN_REPLY.exec(reply.slice(0, MAX_TEXT));
  if (!m?.groups) return undefined;
  const plan = parsePlanText(m.groups.calls, ctx);
  if (!plan) return undefined;
  const f = m.groups.f1 ?? m.groups.f2;
  return { plan, ...(f ? { frames: Number(f) } : {}), refused: !/^\s*sure\b/i.test(reply) };
}

/** Entity names an utterance names, in order: "the gift bag" → GIFT_BAG, "it" → nothing. */
export function namesInUtterance(text: string, lex: Lexicon): string[] {
  const tokens = tokenize(text.slice(0, MAX_TEXT)).filter((t) => t !== BREAK);
  const known = (t: string): boolean => lex.vocabSet.has(t) || lex.vocabSet.has(singular(t));
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!known(tokens[i])) continue;
    // Two words first ("gift bag"), then one: only exact vocabulary, no speech repair here.
    const two = known(tokens[i + 1] ?? '') ? resolveNounPhrase(tokens.slice(i, i + 2), lex) : undefined;
    if (two?.kind === 'entity' && !two.repairs.length) {
      out.push(two.name);
      i++;
      continue;
    }
    const one = resolveNounPhrase([tokens[i]], lex);
    if (one.kind === 'entity' && !one.repairs.length) out.push(one.name);
  }
  return out;
}

/** Entity names a reply names: the robot writes them as they are (CANDY, GIFT_BAG). */
function namesInReply(text: string, entities: readonly PlannerEntity[]): string[] {
  const known = new Set(entities.map((e) => e.name));
  return (text.slice(0, MAX_TEXT).match(/\b[A-Z][A-Z0-9_]*\b/g) ?? []).filter((w) => known.has(w));
}

const dedupeNames = (names: readonly string[]): string[] => [...new Set(names)];

/** Read the dialogue so far. Pure: the same history and context give the same state. */
export function readDiscourse(ctx: PlannerContext): Discourse {
  const history: readonly DialogueTurn[] = (ctx.history ?? []).slice(-MAX_TURNS);
  const lex = buildLexicon(ctx.entities);
  const parts: MentionPart[] = [];
  const plans: ProposedPlan[] = [];
  let teachOffer: TeachOffer | undefined;
  let lastQuestion: Discourse['lastQuestion'];
  history.forEach((t, turn) => {
    const said = namesInUtterance(t.utterance, lex);
    if (said.length) parts.push({ turn, side: 'utterance', names: said });
    const proposed = planInReply(t.reply, ctx);
    if (proposed) {
      plans.push({ turn, utterance: t.utterance, ...proposed });
      const names = proposed.plan.flatMap((c) => Object.values(c.args).filter((v): v is string => typeof v === 'string'));
      const inPlan = names.filter((n) => ctx.entities.some((e) => e.name === n));
      if (inPlan.length) parts.push({ turn, side: 'reply', names: inPlan, plan: proposed.plan });
      if (teachOffer) teachOffer.stepsSince++;
    } else {
      const named = namesInReply(t.reply, ctx.entities);
      if (named.length) parts.push({ turn, side: 'reply', names: named });
    }
    const offer = TEACH_OFFER.exec(t.reply.slice(0, MAX_TEXT));
    if (offer) {
      const words = offer[1].trim().split(' ');
      teachOffer = { turn, name: words.join('_'), command: t.utterance, mentions: dedupeNames(said), stepsSince: 0 };
    } else if (teachOffer && /^(?:okay, )?(?:i won't learn|never mind|okay, cancelled)/i.test(t.reply)) teachOffer = undefined;
    else if (teachOffer && /^(?:okay, )?(?:show me how|i already know)|that's how to/i.test(t.reply)) teachOffer = undefined;
    if (t.reply.includes('?')) lastQuestion = { turn, text: t.reply };
  });
  return { turns: history.length, parts, plans, ...(teachOffer ? { teachOffer } : {}), ...(lastQuestion ? { lastQuestion } : {}) };
}

/** The most recent time a name was mentioned, or -1. */
export function lastMention(d: Discourse, name: string): number {
  for (let i = d.parts.length - 1; i >= 0; i--) if (d.parts[i].names.includes(name)) return rank(d.parts[i]);
  return -1;
}

export type Referent = { kind: 'entity'; name: string } | { kind: 'ambiguous'; options: string[] } | { kind: 'none' };

/**
 * What "it" / "that" / "this one" points at, across turns. The gripper's state (held, else last
 * touched) as before, unless something was named more recently than it: "what is the candy?" →
 * "pick it up" means the candy. A plan reply points at its object (held/touched if it names
 * them, else its first argument); a sentence that named two things leaves "it" ambiguous.
 */
export function referent(d: Discourse, held: string | null, lastTouched: string | null): Referent {
  const state = held ?? lastTouched;
  const last = d.parts[d.parts.length - 1];
  if (!last) return state ? { kind: 'entity', name: state } : { kind: 'none' };
  if (state && lastMention(d, state) >= rank(last)) return { kind: 'entity', name: state };
  if (last.plan) {
    const pick = [held, lastTouched].find((n): n is string => !!n && last.names.includes(n)) ?? last.names[0];
    return { kind: 'entity', name: pick };
  }
  const names = dedupeNames(last.names);
  if (names.length === 1) return { kind: 'entity', name: names[0] };
  return { kind: 'ambiguous', options: names };
}

/** The one entity a referent names, or null. */
export const referentName = (r: Referent): string | null => (r.kind === 'entity' ? r.name : null);

/** The last plan the robot proposed, if any. */
export function lastPlan(d: Discourse): ProposedPlan | undefined {
  return d.plans[d.plans.length - 1];
}

/** Distinct entity arguments of a plan, in order. */
export function entityArgs(plan: Plan, ctx: PlannerContext): string[] {
  const known = new Set(ctx.entities.map((e) => e.name));
  const out: string[] = [];
  for (const c of plan) for (const v of Object.values(c.args)) if (typeof v === 'string' && known.has(v) && !out.includes(v)) out.push(v);
  return out;
}

/**
 * The plan with one entity swapped for another: `from` when given ("not the ball, the pen"),
 * else the argument of the same sort as `to` (an object for an object, a container for a
 * container), the first such. Undefined when nothing fits or the swap changes nothing.
 */
export function swapArgument(plan: Plan, to: string, ctx: PlannerContext, from?: string): Plan | undefined {
  const args = entityArgs(plan, ctx);
  const sortOf = (n: string): string => {
    const e = ctx.entities.find((x) => x.name === n);
    return `${e?.kind ?? 'object'}/${e?.container ? 'c' : ''}`;
  };
  const target = from !== undefined ? (args.includes(from) ? from : undefined) : (args.find((a) => sortOf(a) === sortOf(to)) ?? args[0]);
  if (target === undefined || target === to) return undefined;
  return plan.map((c) => ({
    skill: c.skill,
    args: Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, v === target ? to : v])),
  }));
}

/**
 * Where an object was before the last plan picked it up, from the plans so far: it was let go
 * at some entity (goto(GIFT_BAG) → release() while holding it). Undefined when no plan says.
 */
export function placeBefore(d: Discourse, obj: string): string | undefined {
  let holding: string | null = null;
  let at: string | null = null;
  const where = new Map<string, string>();
  let before: string | undefined;
  for (const p of d.plans) {
    if (p.refused) continue;
    for (const c of p.plan) {
      const arg = Object.values(c.args).find((v): v is string => typeof v === 'string');
      if (c.skill === 'goto' && arg) at = arg;
      else if (c.skill === 'pickup' && arg) {
        before = arg === obj ? where.get(obj) : before;
        holding = arg;
        at = arg;
      } else if (c.skill === 'grasp') holding = holding ?? at;
      else if (c.skill === 'release') {
        if (holding && at && at !== holding) where.set(holding, at);
        holding = null;
      }
    }
  }
  return before;
}

// ---------------------------------------------------------------------------------------------
// Readings that need the discourse: each takes the utterance's tokens and answers, or leaves
// the utterance to the ordinary command parse (undefined).

const q = question;

/** Said before a correction or a follow-up and meaningless to it; `marks` ones say "I'm correcting you". */
const LEADS = new Set([
  'um',
  'uh',
  'oh',
  'ah',
  'hmm',
  'er',
  'erm',
  'well',
  'ok',
  'okay',
  'alright',
  'please',
  'hey',
  'robot',
  'shammie',
  'so',
]);
const MARKS = new Set(['no', 'nope', 'nah', 'sorry', 'oops', 'wait', 'actually', 'wrong', 'correction', 'rather']);
const TAILS: readonly (readonly string[])[] = [
  ['please'],
  ['instead'],
  ['thanks'],
  ['thank', 'you'],
  ['then'],
  ['rather'],
  ['i', 'meant'],
  ['i', 'mean'],
];
/** "I meant the pen", "make it the pen": a correction in so many words. */
const CORRECT_LEAD =
  /^(?:i (?:meant|mean|said|wanted|want)(?: to say)?|i meant to say|meant|make (?:it|that)|change (?:it|that) to|switch (?:it |that )?to|use|try|rather|instead|with)(?: (?<np>.+))?$/;
/** "again", "do that again", "once more", "repeat that", "do the same" */
const AGAIN =
  /^(?:(?:do |try |run |repeat )?(?:it |that |this |the same(?: thing)? |the last one |what you just did )?(?:again|once more|one more time|over again)|repeat(?: (?:it|that|this|the last (?:one|plan|command|step)))?|(?:do )?the same(?: thing)?|same(?: thing)? again|do what you just did)$/;
/** "do the same with loki", "now the pen", "the pen too": the last plan for another object. */
const SAME_WITH = [
  /^(?:and |now |then )*(?:do |try |run )?(?:the )?same(?: thing)?(?: again)?(?: but| just| only)? (?:with|for|to|on|using|at|around|of|in on|over) (?<np>.+)$/,
  /^(?:and |now |then )*(?:do |try |run |repeat )(?:it |that |this )?(?:again )?(?:with|for|to|on|using) (?<np>.+)$/,
  // "next the ball", "the ball next": the last plan again, for the next object.
  /^(?:and )?next (?<np>.+)$/,
  /^(?:and )?(?<np>.+?) next$/,
  /^(?:and )?now (?:with |for |do )?(?<np>.+?)(?: too| as well| again)?$/,
  /^(?:and )?(?:also |then )?(?<np>.+?) (?:too|as well)$/,
  // "again but on the tower", "once more with loki": a repeat said with its new target.
  /^(?:and |now )*(?:again|once more|one more time)(?: but)? (?:with|for|on|at|around|of) (?<np>.+)$/,
  // "do the hulk now", "now do loki": the last move, on another one.
  /^(?:and |then |now )*do (?<np>.+?)(?: now| next| too| again)?$/,
];
/** "and go home after", "also drop it in the bin": steps added to the plan just proposed. */
const ADD_ON =
  /^(?:(?:yes|yeah|yep|sure|ok|okay|alright|fine|good|great) )?(?:and|also|and also|plus|and then|but|but then|then)(?: then| after that| afterwards| also)? (?<rest>.+?)(?: after| afterwards| after that| too| as well| at the end| when youre done| when you are done)?$/;
/** Objects one "same for …" repeats the last plan for, at most. */
const MAX_EACH = 8;
/** "wrong one", "wrong object, I meant the candy": the noun said with "wrong". */
const WRONG_NOUNS = new Set(['one', 'thing', 'object', 'item', 'toy', 'place', 'spot']);
/** "switch the ball for the lotion", "swap the ball with the pen": one argument of the last plan for another. */
const SWAP =
  /^(?:switch|swap|replace|change|trade|exchange|substitute) (?<from>.+?) (?:for|with|to|by|into) (?<to>.+)$|^use (?<to2>.+?) instead of (?<from2>.+)$/;
/** "and the pen?", "and loki": the last plan again for another object. */
const AND_ALSO = /^(?:and|what about|how about) (?<np>.+)$/;
const NEGATION_HEADS = new Set(['not', 'dont', 'never']);
const NP_DETERMINERS = new Set(['the', 'a', 'an', 'this', 'that', 'my', 'your', 'our']);
/** "make it 24 frames", "24 frames instead", "do it over 12 frames" */
const FRAMES_LEAD =
  /^(?:(?:and |now |then |but )*(?:make (?:it|that|this)|change (?:it|that|this) to|do (?:it|that|this)(?: again)?|try(?: it)?|use|now|let s use|go with|shoot (?:it|that))(?: (?:over|in|with|across|using|at|as))?|over|in|with|across|using)$/;
const FRAME_NOUNS = new Set(['frames', 'frame', 'shots', 'pictures', 'photos', 'stills', 'poses', 'steps', 'exposures', 'images']);
/** "put it back", "put the candy back where it was" */
const PUT_BACK =
  /^(?:put|place|set|bring|take|return|move) (?<np>.+?) back(?: (?:where (?:it|you found it|it was|they were|you got it)|to where (?:it|you found it|you got it) (?:was|from)|to its place|in its place|in place))?$/;

/** The words the reading sees: BREAKs kept apart, leading fillers and correction marks counted. */
function clean(tokens: readonly string[]): { words: string[]; marked: boolean } {
  let words = tokens.filter((t) => t !== BREAK);
  let marked = false;
  for (let changed = true; changed && words.length > 1;) {
    changed = false;
    if (LEADS.has(words[0]) || MARKS.has(words[0])) {
      marked ||= MARKS.has(words[0]);
      // "wrong one, the pen": the mark's noun goes with it.
      words = words.slice(words[0] === 'wrong' && WRONG_NOUNS.has(words[1]) ? 2 : 1);
      changed = true;
    }
    for (const t of TAILS) {
      const at = words.length - t.length;
      if (at > 0 && t.every((w, i) => words[at + i] === w)) {
        marked ||= t[0] === 'instead' || t[0] === 'i' || t[0] === 'rather';
        words = words.slice(0, at);
        changed = true;
      }
    }
  }
  return { words, marked };
}

/** A noun phrase that names exactly one known entity, with no verb around it. */
function entityIn(words: readonly string[], lex: Lexicon): string | undefined {
  const content = words.filter((w) => !NP_DETERMINERS.has(w));
  if (!content.length || content.length > 3) return undefined;
  // Only a name: every word but the last (which speech repair may fix) is vocabulary or a colour/size.
  const known = (w: string): boolean => lex.vocabSet.has(w) || lex.vocabSet.has(singular(w)) || COLOURS.has(w) || SIZES.has(w);
  if (!content.slice(0, -1).every(known)) return undefined;
  const r = resolveNounPhrase(words, lex);
  // A repaired phrase ("the pin" → PEN) is still a name; the command parse reports repairs.
  return r.kind === 'entity' ? r.name : undefined;
}

const planResult = (plan: Plan, frames?: number): PlannerResult => ({
  kind: 'plan',
  plan,
  reply: `Sure, here is my plan: ${formatPlan(plan)}`,
  repairs: [],
  ...(frames !== undefined ? { frames } : {}),
});

/** The plan again with `to` in place of one argument (see swapArgument), as a result. */
function redo(last: ProposedPlan, to: string, ctx: PlannerContext, from?: string): PlannerResult {
  const swapped = swapArgument(last.plan, to, ctx, from);
  if (swapped) {
    const v = validateAgainstContext(swapped, ctx);
    if (v.ok) return planResult(v.plan, last.frames);
  }
  if (entityArgs(last.plan, ctx).includes(to) && from === undefined) return planResult(last.plan, last.frames);
  return q('ambiguous', `What should I do with ${to}? My last plan was ${formatPlan(last.plan)}.`);
}

/** "not the candy" after a plan for the candy: which one then? */
function whichInstead(last: ProposedPlan | undefined, not: string, ctx: PlannerContext): PlannerResult {
  const e = ctx.entities.find((x) => x.name === not);
  const options = ctx.entities
    .filter((x) => x.name !== not && x.kind === (e?.kind ?? 'object') && !!x.container === !!e?.container)
    .map((x) => x.name);
  const about = last && entityArgs(last.plan, ctx).includes(not) ? ` instead of ${not}` : '';
  return q('ambiguous', `Okay, not ${not}. Which one then${about}${options.length ? `: ${options.join(' or ')}` : ''}?`, options);
}

/** "make it 24 frames" → 24, when the words are only a frame count said as a change. */
function framesOnly(words: readonly string[], hadFrames: boolean): number | undefined {
  let end = words.length;
  const noun = FRAME_NOUNS.has(words[end - 1] ?? '');
  if (noun) end--;
  else if (!hadFrames) return undefined;
  let i = end;
  while (i > 0 && (/^[0-9]+$/.test(words[i - 1]) || spokenNumber([words[i - 1]]) !== undefined || words[i - 1] === 'and')) i--;
  const n = spokenNumber(words.slice(i, end));
  if (n === undefined) return undefined;
  const lead = words.slice(0, i).join(' ');
  if (lead && !FRAMES_LEAD.test(lead)) return undefined;
  if (!lead && !noun) return undefined;
  return n;
}

const PLACE_LEADS = new Set(['in', 'into', 'inside', 'on', 'onto', 'to', 'at', 'over', 'near', 'by']);
/** Prepositions of a camera move's target: "no, around the hulk". */
const TARGET_LEADS = new Set(['around', 'of', 'with', 'for', 'toward', 'towards']);

/** Where the plan lets go: the argument of the last goto before a release. */
export function destinationOf(plan: Plan): string | undefined {
  let at: string | undefined;
  let dest: string | undefined;
  for (const c of plan) {
    const arg = Object.values(c.args).find((v): v is string => typeof v === 'string');
    if (c.skill === 'goto' && arg) at = arg;
    else if (c.skill === 'release' && at) dest = at;
  }
  return dest;
}

/**
 * A follow-up that only makes sense after the last turns: a correction ("no, the pen", "not the
 * ball, the pen", "I meant the pen"), a repeat ("again", "do the same with Loki", "now the pen"),
 * a new frame count ("make it 24 frames"), "put it back", "not the candy". Undefined: plan the
 * words as a command.
 */
export function followUp(
  tokens: readonly string[],
  ctx: PlannerContext,
  d: Discourse,
  replan?: (text: string) => PlannerResult,
): PlannerResult | undefined {
  const lex = buildLexicon(ctx.entities);
  const { words, marked } = clean(tokens);
  if (!words.length) return undefined;
  const text = words.join(' ');
  const last = lastPlan(d);

  const answered = replan ? answerToQuestion(words, ctx, d, lex, replan) : undefined;
  if (answered) return answered;

  const back = PUT_BACK.exec(text);
  const put = back?.groups ? putBack(back.groups.np.split(' '), ctx, d, lex) : undefined;
  if (put) return put;

  // "not the ball, the pen", "the pen, not the ball", "not the ball but the pen"
  const parts = splitOn(tokens, lex);
  if (parts) {
    if (!last) return undefined;
    if (parts.yes === undefined) return parts.no === undefined ? undefined : whichInstead(last, parts.no, ctx);
    return redo(last, parts.yes, ctx, parts.no !== undefined && entityArgs(last.plan, ctx).includes(parts.no) ? parts.no : undefined);
  }
  // "what's the pen?" … "and the lotion?": the same question about another thing.
  const described = d.turns > 0 && /^[A-Z][A-Z0-9_]*: /.test((ctx.history ?? []).slice(-MAX_TURNS)[d.turns - 1]?.reply ?? '');
  const about = AND_ALSO.exec(text)?.groups?.np;
  if (described && about && replan && entityIn(about.split(' '), lex)) return replan(`what is ${about}`);
  if (!last) return undefined;

  if (AGAIN.test(text)) return planResult(last.plan, last.frames);
  const frames = framesOnly(words, last.frames !== undefined);
  if (frames !== undefined) {
    if (last.plan.length !== 1)
      return q('not_understood', `I split one camera move at a time into frames; my last plan was ${formatPlan(last.plan)}.`);
    return planResult(last.plan, frames);
  }
  // "oh, and go home after": more steps for the plan just proposed (not yet run) come after it.
  const more = ADD_ON.exec(text);
  if (more?.groups && replan && last.turn === d.turns - 1 && !last.refused) {
    const r = replan(more.groups.rest);
    if (r.kind === 'plan') {
      const v = validateAgainstContext([...last.plan, ...r.plan], ctx);
      if (v.ok) return planResult(v.plan, last.frames);
    }
  }
  const swap = SWAP.exec(text)?.groups;
  if (swap) {
    const from = entityIn((swap.from ?? swap.from2).split(' '), lex);
    const to = entityIn((swap.to ?? swap.to2).split(' '), lex);
    if (from && to && entityArgs(last.plan, ctx).includes(from)) return redo(last, to, ctx, from);
  }
  const also = AND_ALSO.exec(text)?.groups?.np;
  const alsoName = also ? entityIn(also.split(' '), lex) : undefined;
  if (alsoName) return redo(last, alsoName, ctx);
  for (const re of SAME_WITH) {
    const m = re.exec(text);
    // "do it with the ball too": the tail says nothing about which.
    const np = m?.groups?.np?.replace(/ (?:too|as well|also)$/, '');
    const name = np ? entityIn(np.split(' '), lex) : undefined;
    if (name) return redo(last, name, ctx);
    // "same for the ball and the pen": the last plan once for each.
    const each = np?.split(' and ').map((part) => entityIn(part.trim().split(' '), lex));
    if (each && each.length > 1 && each.length <= MAX_EACH && each.every((n): n is string => !!n)) {
      const plans = each.map((n) => swapArgument(last.plan, n, ctx));
      const v = plans.every((p): p is Plan => !!p) ? validateAgainstContext(plans.flat(), ctx) : undefined;
      if (v?.ok) return planResult(v.plan, last.frames);
    }
  }
  const lead = CORRECT_LEAD.exec(text);
  if (lead?.groups?.np) {
    const name = entityIn(lead.groups.np.split(' '), lex);
    if (name) return redo(last, name, ctx);
  }
  // "no, the pen": a bare name corrects the last plan when the person said it was wrong, or
  // answers "Which one then?".
  const asked = d.lastQuestion && d.lastQuestion.turn === d.turns - 1 && /^Okay, not [A-Z0-9_]+\. Which one then/.test(d.lastQuestion.text);
  // "no, in the bin": a new place for the last put (the goto before its release).
  if (marked && (PLACE_LEADS.has(words[0]) || TARGET_LEADS.has(words[0])) && words.length > 1) {
    const name = entityIn(words.slice(1), lex);
    const dest = name ? destinationOf(last.plan) : undefined;
    if (name && dest) return redo(last, name, ctx, dest);
    // "no, around the hulk", "on the hulk instead": a one-target move, its target changed.
    if (name && entityArgs(last.plan, ctx).length === 1) return redo(last, name, ctx);
  }
  if (marked || asked) {
    const name = entityIn(words, lex);
    if (name) {
      const not = asked ? /^Okay, not ([A-Z0-9_]+)\./.exec(d.lastQuestion!.text)?.[1] : undefined;
      return redo(last, name, ctx, not);
    }
  }
  return undefined;
}

const WHICH = /Which (?:one|object) do you mean by "(?<phrase>[^"]+)"/;
const MISSING = /^(?:What|Where) should I (?!do\b|learn\b|rename\b)/;
/** Words an answer to "Where should I put CANDY?" may start with: no verb of its own. */
const ANSWER_LEADS = new Set([
  'the',
  'a',
  'an',
  'in',
  'into',
  'inside',
  'on',
  'onto',
  'to',
  'at',
  'next',
  'near',
  'by',
  'it',
  'this',
  'that',
  'my',
  'your',
  'over',
  'above',
]);

/**
 * The answer to the question the robot just asked about a command: "Which one do you mean by
 * "it": CANDY or PEN?" → "the pen"; "Where should I put CANDY?" → "in the bag". The command is
 * planned again with the answer in place; undefined when that gives no plan.
 */
function answerToQuestion(
  words: readonly string[],
  ctx: PlannerContext,
  d: Discourse,
  lex: Lexicon,
  replan: (text: string) => PlannerResult,
): PlannerResult | undefined {
  const q = d.lastQuestion;
  const asked = ctx.history?.[ctx.history.length - 1];
  if (!q || q.turn !== d.turns - 1 || !asked || !ANSWER_LEADS.has(words[0])) return undefined;
  const said = tokenize(asked.utterance.slice(0, MAX_TEXT)).filter((t) => t !== BREAK);
  let command: string[] | undefined;
  const which = WHICH.exec(q.text)?.groups?.phrase;
  if (which && entityIn(words, lex)) {
    const ph = tokenize(which).filter((t) => t !== BREAK);
    const at = said.findIndex((_, i) => ph.length > 0 && ph.every((w, k) => said[i + k] === w));
    if (at >= 0) command = [...said.slice(0, at), ...words, ...said.slice(at + ph.length)];
  } else if (MISSING.test(q.text)) command = [...said, ...words];
  if (!command) return undefined;
  const r = replan(command.join(' '));
  return r.kind === 'plan' ? r : undefined;
}

/** "not X, Y" / "Y, not X" / "not X but Y" / "not X": the named entities, when that is all the words say. */
const POINTING = new Set(['that', 'this', 'it', 'one', 'thing', 'them']);

function splitOn(tokens: readonly string[], lex: Lexicon): { no?: string; yes?: string } | undefined {
  let ws = tokens.map((w) => (w === 'but' ? BREAK : w));
  while (ws.length && (ws[0] === BREAK || LEADS.has(ws[0]) || MARKS.has(ws[0]))) ws = ws.slice(1);
  while (ws.length && (ws[ws.length - 1] === BREAK || ws[ws.length - 1] === 'instead' || ws[ws.length - 1] === 'please'))
    ws = ws.slice(0, -1);
  const at = ws.indexOf('not');
  if (at < 0) return undefined;
  const before = ws.slice(0, at).filter((t) => t !== BREAK);
  const after = ws.slice(at + 1);
  const cut = after.indexOf(BREAK);
  const noWords = (cut < 0 ? after : after.slice(0, cut)).filter((t) => t !== BREAK);
  const rest = cut < 0 ? [] : after.slice(cut + 1).filter((t) => t !== BREAK);
  if (before.length && rest.length) return undefined;
  // "not in the bag, in the bin": the same preposition on both sides says which place.
  const lead = (w: string[]): string[] => (w.length > 1 && PLACE_LEADS.has(w[0]) ? w.slice(1) : w);
  const yesWords = lead(before.length ? before : rest);
  const no = entityIn(lead(noWords), lex);
  // "not that one, the pen": the one meant is whatever the last plan used of the pen's sort.
  if (!no && yesWords.length && noWords.length <= 2 && noWords.every((w) => POINTING.has(w))) {
    const yes = entityIn(yesWords, lex);
    return yes ? { yes } : undefined;
  }
  if (!no) return undefined;
  if (!yesWords.length) return { no };
  const yes = entityIn(yesWords, lex);
  return yes ? { no, yes } : undefined;
}

/** Where the user said a thing was taken from: "take the candy out of the bag" → GIFT_BAG. */
const TAKEN_FROM = /\b(?:out of|from|off of|off)\s+(?<np>(?:the |a |your |my )?[a-z]+(?: [a-z]+)?)\s*$/;
function takenFrom(d: Discourse, obj: string, lex: Lexicon): string | undefined {
  for (let i = d.plans.length - 1; i >= 0; i--) {
    const p = d.plans[i];
    if (p.refused || !p.plan.some((c) => c.skill === 'pickup' && Object.values(c.args).includes(obj))) continue;
    const np = TAKEN_FROM.exec(
      tokenize(p.utterance.slice(0, MAX_TEXT))
        .filter((t) => t !== BREAK)
        .join(' '),
    )?.groups?.np;
    const place = np ? entityIn(np.split(' '), lex) : undefined;
    return place !== obj ? place : undefined;
  }
  return undefined;
}

/** "put it back": to where the last plan took it from, when the plans so far say. */
function putBack(np: string[], ctx: PlannerContext, d: Discourse, lex: Lexicon): PlannerResult | undefined {
  const r = resolveNounPhrase(np, lex);
  let obj: string | undefined;
  // "put the candy in the back" is a place ("bag" misheard), not "back" where it was.
  const preposition = np.some((w) => ['in', 'into', 'inside', 'on', 'onto', 'to', 'at', 'from', 'by', 'near', 'over'].includes(w));
  if ((r.kind !== 'entity' && r.kind !== 'pronoun') || preposition || np.length > 4) return undefined;
  if (r.kind === 'entity') obj = r.name;
  else if (r.kind === 'pronoun') {
    const ref = referent(d, ctx.held, ctx.lastTouched);
    if (ctx.held) obj = ctx.held;
    else if (ref.kind === 'entity') obj = ref.name;
  }
  if (!obj) return q('ambiguous', `What should I put back?`);
  const place = placeBefore(d, obj) ?? takenFrom(d, obj, lex);
  if (!place) return q('missing_argument', `Where should I put ${obj} back? I don't know where it was before.`);
  const plan: Plan = [
    ...(ctx.held === obj ? [] : [{ skill: 'pickup', args: { [paramOf('pickup', ctx)]: obj } }]),
    { skill: 'goto', args: { [paramOf('goto', ctx)]: place } },
    { skill: 'release', args: {} },
  ];
  const v = validateAgainstContext(plan, ctx);
  if (!v.ok) return q('invalid_plan', `I can't put ${obj} back: ${v.errors[0] ?? 'the plan is invalid'}.`);
  return planResult(v.plan);
}

const paramOf = (skill: string, ctx: PlannerContext): string =>
  ctx.skills.find((s) => s.name === skill)?.params.find((p) => p.type === 'entity')?.name ?? 'object';

/**
 * Negation with scope over the clauses of one command: "pick up the pen, not the ball" and
 * "don't pick up the ball, pick up the pen" keep the positive clause; "… instead of the ball"
 * is cut off. A negated clause alone stays (the planner answers it: no motion).
 */
/** The longest thing "leave … alone" may name: "leave the little green car alone". */
const LEFT_ALONE_REACH = 5;

/**
 * "leave the candy alone", "let the pen be": a negation in other words, said as "don't touch the
 * candy" so that scopeNegation keeps it from moving anything. Other uses of "leave" stay as said.
 * Also "let the ball go", which is "let go of the ball".
 */
export function leftAlone(tokens: readonly string[]): string[] {
  const out = [...tokens];
  for (let i = 0; i < out.length; i++) {
    // "let the ball go": "let go of the ball", said before the clauses are split at "go".
    if (out[i] === 'let' && out[i + 1] !== 'go' && out[i + 1] !== 'me' && out[i + 1] !== 'us') {
      const g = out.slice(i + 2, i + 2 + LEFT_ALONE_REACH).indexOf('go');
      const k = i + 2 + g;
      const ends = out[k + 1] === undefined || out[k + 1] === BREAK || out[k + 1] === 'and' || out[k + 1] === 'then';
      if (g >= 0 && ends && !out.slice(i + 1, k).includes(BREAK)) {
        out.splice(i, k - i + 1, 'let', 'go', 'of', ...out.slice(i + 1, k));
        continue;
      }
    }
    if (out[i] !== 'leave' && out[i] !== 'let') continue;
    const end = out.slice(i + 2, i + 2 + LEFT_ALONE_REACH).findIndex((w) => w === 'alone' || w === 'be');
    if (end < 0 || out[i + 1] === 'go' || out[i + 1] === BREAK) continue;
    const k = i + 2 + end;
    // "let it be" / "leave it alone" end the clause; "let the pen be in the bag" is a placement.
    if (out[k + 1] !== undefined && out[k + 1] !== BREAK && out[k + 1] !== 'and' && out[k + 1] !== 'then') continue;
    out.splice(i, k - i + 1, 'dont', 'touch', ...out.slice(i + 1, k));
  }
  return out;
}

export function scopeNegation(clauses: readonly (readonly string[])[]): string[][] {
  const out: string[][] = [];
  const negated = (c: readonly string[]): boolean =>
    NEGATION_HEADS.has(c[0]) ||
    (c[0] === 'do' && c[1] === 'not') ||
    (c[0] === 'but' && c[1] === 'not') ||
    // "instead of the ball, pick up the candy": the alternative said first.
    (c[0] === 'instead' && c[1] === 'of') ||
    // "forget the pen, grab the ball", "skip the pen": what not to do, when something else is said.
    ((c[0] === 'forget' || c[0] === 'skip' || c[0] === 'ignore') && NP_DETERMINERS.has(c[1] ?? '')) ||
    (c[0] === 'rather' && c[1] === 'than');
  for (const c of clauses) {
    let cur = [...c];
    // "pick up the pen instead of the ball", "… rather than the ball", "… but not the ball", "… not the ball"
    const cut = cur.findIndex(
      (t, i) =>
        i > 1 &&
        ((t === 'instead' && cur[i + 1] === 'of') ||
          (t === 'rather' && cur[i + 1] === 'than') ||
          (t === 'not' && !['do', 'will', 'can', 'could', 'should', 'does', 'did', 'is', 'are', 'but'].includes(cur[i - 1] ?? '')) ||
          (t === 'but' && cur[i + 1] === 'not')),
    );
    if (cut > 1) cur = cur.slice(0, cut);
    out.push(cur);
  }
  const positive = out.filter((c) => !negated(c));
  if (!positive.length || positive.length === out.length) return out;
  // "don't pick up the ball, the pen": a verbless part takes the negated command's verb and the rest.
  return out
    .map((c, i) => {
      if (negated(c)) return c;
      // "don't put the pen in the bag, put it in the bin": "it" is what the negated part named.
      if (!NP_DETERMINERS.has(c[0])) return out[i - 1] && negated(out[i - 1]) ? antecedentIn(c, out[i - 1]) : c;
      const neg = out[i - 1] && negated(out[i - 1]) ? out[i - 1] : out[i + 1] && negated(out[i + 1]) ? out[i + 1] : undefined;
      if (!neg) return c;
      let k = 0;
      while (k < neg.length && ['dont', 'never', 'not', 'do', 'but', 'please'].includes(neg[k])) k++;
      const body = neg.slice(k);
      const d = body.findIndex((t) => NP_DETERMINERS.has(t));
      if (d < 1) return c;
      const end = body.findIndex((t, j) => j > d && NP_END.has(t));
      return [...body.slice(0, d), ...c, ...(end < 0 ? [] : body.slice(end))];
    })
    .filter((c) => !negated(c));
}

/** Pronouns a positive clause may use for the object its negated neighbour named. */
const ANAPHORS = new Set(['it', 'them']);

/** `c` with its first "it" replaced by the object noun phrase of the negated clause `neg`, if it has one. */
function antecedentIn(c: readonly string[], neg: readonly string[]): string[] {
  const at = c.findIndex((t, k) => k > 0 && ANAPHORS.has(t));
  if (at < 0) return [...c];
  let k = 0;
  while (k < neg.length && ['dont', 'never', 'not', 'do', 'but', 'please'].includes(neg[k])) k++;
  const body = neg.slice(k);
  const d = body.findIndex((t) => NP_DETERMINERS.has(t));
  if (d < 1) return [...c];
  const end = body.findIndex((t, j) => j > d && NP_END.has(t));
  const np = body.slice(d, end < 0 ? undefined : end);
  return [...c.slice(0, at), ...np, ...c.slice(at + 1)];
}

/** Words that end a noun phrase inside a command ("the ball [in the bag]"). */
const NP_END = new Set(['in', 'into', 'inside', 'on', 'onto', 'to', 'at', 'from', 'next', 'near', 'by', 'over', 'above', 'beside']);

/** Is the teaching offer the robot just made still open (the last reply, or only steps since)? */
export function openOffer(d: Discourse): TeachOffer | undefined {
  const o = d.teachOffer;
  return o && o.turn === d.turns - 1 ? o : undefined;
}

/** A lesson shown without "yes": an offer followed by steps the robot planned. */
export function lessonShown(d: Discourse): TeachOffer | undefined {
  const o = d.teachOffer;
  return o && o.stepsSince > 0 ? o : undefined;
}

/** What opens a part said to come first: "but first", "before that". */
const FIRST_LEADS: readonly (readonly string[])[] = [['first'], ['before', 'that'], ['before', 'this'], ['before', 'you', 'do', 'that']];

/**
 * "go home, but pick up the pen first", "go home, but before that grab the pen": a part said
 * after another but meant to happen before it is moved in front of it. Runs before the fillers
 * go (they take "first"); the parts are the ones a comma or "but" sets apart.
 */
export function firstThings(tokens: readonly string[]): string[] {
  const parts: string[][] = [[]];
  for (const t of tokens) {
    if (t === BREAK || t === 'but') {
      if (parts[parts.length - 1].length) parts.push([]);
    } else parts[parts.length - 1].push(t);
  }
  if (!parts[parts.length - 1].length) parts.pop();
  let moved = false;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    const lead = FIRST_LEADS.find((l) => l.every((w, k) => p[k] === w));
    const body = lead ? p.slice(lead.length) : p[p.length - 1] === 'first' ? p.slice(0, -1) : undefined;
    // "go home, first": nothing left to move.
    if (!body || body.length < 2) continue;
    parts.splice(i - 1, 2, body, parts[i - 1]);
    moved = true;
  }
  if (!moved) return [...tokens];
  return parts.flatMap((p, i) => (i ? [BREAK, ...p] : p));
}

/** Subordinators of time: does the subordinate event come before the main one? */
const TIME_SUBS: ReadonlyMap<string, 'first' | 'second'> = new Map([
  ['after', 'first'],
  ['once', 'first'],
  ['when', 'first'],
  ['whenever', 'first'],
  ['before', 'second'],
]);
/** Subject words after a subordinator: "after you have …", "once you're …", "before going …". */
const SUBJECT_WORDS = new Set(['you', 'youve', 'youre', 'have', 'are', 'having', 'u', 'youll', 'will', 'has', 'it', 'its', 'is', 'been']);
/** "when you're done": only says "then". */
const DONE_WORDS = new Set(['done', 'finished', 'ready', 'through', 'there', 'that', 'this']);

/** Who a time clause is about: "after you …", "once you've …", "before going …" (not "when will you …?"). */
const SUBJECT_LEADS = new Set(['you', 'youve', 'youre', 'u', 'having', 'youll']);

/**
 * "you have picked up the candy" → "pick up the candy"; [] for "you're done"; undefined when
 * the words are not a time clause about the robot.
 */
function baseForm(words: readonly string[], lemma: (w: string) => string | undefined): string[] | undefined {
  const first = words[0] ?? '';
  if (!SUBJECT_LEADS.has(first) && !(first.endsWith('ing') && lemma(first))) return undefined;
  let i = 0;
  while (i < words.length && SUBJECT_WORDS.has(words[i])) i++;
  const rest = words.slice(i);
  if (!rest.length || rest.every((w) => DONE_WORDS.has(w))) return [];
  const verb = lemma(rest[0]);
  return verb ? [verb, ...rest.slice(1)] : undefined;
}

/**
 * Time clauses in the order they happen: "before you go home, pick up the candy" → pick up the
 * candy, go home; "go home after you pick up the candy" → the same; "once you've picked up the
 * candy, put it in the bag" keeps its order. "when you're done" only joins. A subordinate part
 * without a verb is left as it was (the command parse then asks about it; nothing is dropped).
 */
export function orderClauses(clauses: readonly (readonly string[])[], lemma: (w: string) => string | undefined): string[][] {
  const out: string[][] = [];
  let pending: string[] | undefined;
  for (const c of clauses) {
    const rel = TIME_SUBS.get(c[0]);
    // "when you're done go home": the time clause only says "then"; the rest is the command.
    const done = rel ? c.findIndex((t, i) => i > 1 && DONE_WORDS.has(t) && c.slice(1, i).every((w) => SUBJECT_WORDS.has(w))) : -1;
    if (done > 1 && done < c.length - 1 && SUBJECT_LEADS.has(c[1])) {
      out.push(c.slice(done + 1));
      continue;
    }
    if (rel) {
      const sub = baseForm(c.slice(1), lemma);
      if (sub) {
        if (rel === 'first') {
          if (sub.length) out.push(sub);
        } else if (sub.length) pending = pending ? [...pending, ...sub] : sub;
        continue;
      }
    }
    const k = c.findIndex((t, i) => i > 1 && TIME_SUBS.has(t));
    const sub = k > 1 ? baseForm(c.slice(k + 1), lemma) : undefined;
    if (k > 1 && sub) {
      const main = c.slice(0, k);
      if (TIME_SUBS.get(c[k]) === 'first') out.push(...(sub.length ? [sub] : []), main);
      else out.push(main, ...(sub.length ? [sub] : []));
    } else out.push([...c]);
    if (pending) {
      out.push(pending);
      pending = undefined;
    }
  }
  if (pending) out.push(pending);
  return out;
}
