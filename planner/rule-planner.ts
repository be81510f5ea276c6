/**
 * The offline planner: deterministic rules, no LLM, no network. It handles the paper's seed
 * API (go_home, goto, grasp, release, pickup) in everyday phrasing, chains ("and", "then",
 * commas), "it", speech slips in argument position, and taught skills by name. Anything it
 * cannot map becomes a question; a plan is returned only after it validates against the
 * live skill list and entity set.
 *
 * The pieces, in the order an utterance meets them: utterance.ts (boundary and stop check),
 * frame-count.ts (a trailing "over 24 frames"), unsafe.ts (destructive requests refused, with
 * wordnet.ts), control-phrases.ts → control-intents.ts
 * (teaching, corrections, questions), answers.ts (yes / no), clause-joins.ts (clauses read
 * together: topics, lists, "there", verbless puts), rules.ts (one clause → one action),
 * plan-run.ts (actions → skill calls), readings.ts (a question for what it could not place
 * offers the closest readings). This file strings them together.
 */
import { formatPlan } from '../skills/registry.js';
import { dialogueIntent, NO_WORDS, YES_WORDS } from './answers.js';
import { validateAgainstContext } from './context.js';
import { controlResult } from './control-intents.js';
import { parseControl } from './control-phrases.js';
import {
  destinationOf,
  firstThings,
  followUp,
  lastPlan,
  leftAlone,
  openOffer,
  orderClauses,
  readDiscourse,
  scopeNegation,
  swapArgument,
} from './discourse.js';
import { splitFrameCount } from './frame-count.js';
import { buildLexicon, resolveNounPhrase } from './lexicon.js';
import { dedupe, Run } from './plan-run.js';
import { commandVerb, GO_ALONG, paraphrase, repairJoins, selfCorrect } from './paraphrase.js';
import { KNOWN_VERBS, parseClause, type Action } from './rules.js';
import {
  bareSkill,
  lacksArgument,
  MAX_LIST,
  groupsTakenUp,
  namesAfter,
  PLACED_BY,
  SAME_AGAIN,
  sameSkill,
  takeUpTopics,
  thereIs,
  verblessPut,
  withoutRepeatedDrops,
} from './clause-joins.js';
import { withReadings } from './readings.js';
import {
  BREAK,
  dropFalseStarts,
  FILLERS,
  isWordLike,
  removeHedges,
  removePhrases,
  retype,
  singular,
  splitClauses,
  tokenize,
  unglue,
} from './text.js';
import type { Planner, PlannerContext, PlannerResult } from './types.js';
import { unsafeRequest } from './unsafe.js';
import { isStopUtterance, rejected, UTTERANCE_MAX_CHARS, utteranceSchema } from './utterance.js';
import { isNoun, isVerb, verbLemma } from './wordnet.js';

export { isStopUtterance, utteranceSchema, UTTERANCE_MAX_CHARS } from './utterance.js';

function splitOnAnd(tokens: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const t of tokens)
    if (t === 'and') out.push([]);
    else out[out.length - 1].push(t);
  return out.filter((g) => g.length);
}

/** "pack the pen and the ball": a verbless clause after a one-object action repeats that action. */
function elided(prev: Action | undefined, np: string[], skills: RulePlannerSkills): Action | undefined {
  if (!prev) return undefined;
  // "put the ball into the bag and the pen into the bin": the verbless part names both again.
  if (prev.type === 'put') {
    const again = parseClause(['put', ...np], skills);
    // "put the ball in the bag, and the candy too": the candy goes where the ball went.
    return again.type === 'put' ? again : { type: 'put', obj: np, dest: prev.dest };
  }
  if (prev.type === 'pickup') return { type: 'pickup', obj: np };
  if (prev.type === 'goto') return { type: 'goto', dest: np };
  if (prev.type === 'skill' && prev.skill.params.length === 1 && prev.skill.params[0].type === 'entity')
    return { type: 'skill', skill: prev.skill, args: [np] };
  return undefined;
}

type RulePlannerSkills = PlannerContext['skills'];

/** Words WordNet's noun and verb files lack that a command is made of: never split as glue. */
const FUNCTION_WORDS = new Set([
  'the',
  'a',
  'an',
  'to',
  'up',
  'in',
  'on',
  'it',
  'and',
  'into',
  'onto',
  'then',
  'them',
  'that',
  'this',
  'you',
]);

/** Time words said at the end of a command, after its place: "drop it in the bin after". */
const TRAILING_WHEN = new Set(['after', 'afterwards', 'afterward', 'later', 'first']);

/** Everyday words of a command that a typing slip is repaired toward, besides verbs and names. */
const TYPED_WORDS = ['home', 'gripper', 'hand', 'can', 'you', 'please', 'back', 'over', 'again', 'all', 'everything'];

/** What a typing slip may be repaired toward: the planner's verbs, its function words, the scene's names and the skills' words. */
function typingTargets(ctx: PlannerContext, vocab: ReadonlySet<string>): Set<string> {
  const skillWords = ctx.skills.flatMap((s) => s.name.split('_'));
  return new Set([...KNOWN_VERBS, ...FUNCTION_WORDS, ...TYPED_WORDS, ...vocab, ...skillWords]);
}

export class RulePlanner implements Planner {
  /** The Planner interface; the rule planner answers synchronously (tens of microseconds). */
  plan(utterance: string, ctx: PlannerContext): Promise<PlannerResult> {
    // Nothing to wait for; the executor keeps a throw a rejection, as the interface's callers expect.
    return new Promise((resolve) => resolve(this.planSync(utterance, ctx)));
  }

  planSync(utterance: unknown, ctx: PlannerContext): PlannerResult {
    const result = this.#planOnce(utterance, ctx);
    // Words it could not place: a misheard "and" repaired, else a question with the closest readings.
    if (typeof utterance !== 'string' || result.kind !== 'question') return result;
    return withReadings(result, tokenize(utterance.slice(0, UTTERANCE_MAX_CHARS)), ctx, (text) => this.#planOnce(text, ctx));
  }

  #planOnce(utterance: unknown, ctx: PlannerContext): PlannerResult {
    if (typeof utterance !== 'string') return rejected('not_text');
    if (isStopUtterance(utterance)) return { kind: 'stop', reply: 'Stopping.' };

    const parsed = utteranceSchema.safeParse(utterance);
    if (!parsed.success) {
      const msg = parsed.error.issues[0]?.message;
      return rejected(msg === 'empty' || msg === 'too_long' || msg === 'unprintable' ? msg : 'garbage');
    }

    // "track around the tower over 24 frames": the count is for the studio, the rest is the command.
    // "pick upthe candy": typed words run together, split before anything reads them.
    const isWord = (w: string): boolean => isVerb(w) || isNoun(w) || FUNCTION_WORDS.has(w);
    const lexicon = buildLexicon(ctx.entities);
    // "pikc up teh pen", "tot he bin": typing slips, repaired only toward words the planner reads.
    const typed = retype(unglue(tokenize(parsed.data), isWord), isWord, typingTargets(ctx, lexicon.vocabSet));
    // "pick up the pe- the pen": the cut-off start gives way to the word said whole.
    const said = dropFalseStarts(typed.tokens, isWord);
    const counted = splitFrameCount(said);
    const tokens = counted.tokens;
    // "pls grab pen thx": the fillers are not keyboard mash (but "ok" alone is still a word said).
    const spoken = (ts: readonly string[]): string[] => ts.filter((t) => t !== BREAK && !/^[0-9]+$/.test(t));
    const content = spoken(removePhrases(tokens, FILLERS));
    const words = content.length ? content : spoken(tokens);
    const nonWords = words.filter((t) => !isWordLike(t)).length;
    if (!words.length || nonWords * 2 >= words.length) return rejected('garbage');

    // "hit the bag", "let me teach you to smash": refused before anything could plan or teach it.
    const unsafe = dialogueIntent(tokens) ? undefined : unsafeRequest(tokens, (text) => this.#planOnce(text, ctx));
    if (unsafe) return unsafe;

    // "go ahead and take a picture", "I want you to undo that": the fillers hide a control phrase.
    const control = parseControl(tokens) ?? parseControl(removeHedges(removePhrases(tokens, FILLERS), isVerb));
    // "forget the pen, grab the ball": a forget followed by a command only sets the pen aside.
    const pause = tokens.indexOf(BREAK);
    const more = pause >= 0 && removePhrases(tokens.slice(pause + 1), FILLERS).some((t) => t !== BREAK && isVerb(t));
    if (control && !(control.type === 'forget' && more)) {
      const r = controlResult(control, ctx);
      if (r) return r;
    }

    // "no, the pen", "do that again", "make it 24 frames": the last turns give these their meaning.
    const discourse = readDiscourse(ctx);
    // An answer to the question just asked plans the asked command again, without that turn.
    const replan = (text: string): PlannerResult => this.planSync(text, { ...ctx, history: (ctx.history ?? []).slice(0, -1) });
    // "same for the tower over 12 frames": the follow-up read without its count, the count kept.
    const counted2 = counted.frames !== undefined ? followUp(counted.tokens, ctx, discourse, replan) : undefined;
    const follow =
      followUp(said, ctx, discourse, replan) ?? (counted2?.kind === 'plan' ? { ...counted2, frames: counted.frames } : undefined);
    if (follow) return follow;

    const intent = dialogueIntent(tokens);
    if (intent === 'confirm') return { kind: 'confirm', reply: 'Okay, going ahead.' };
    if (intent === 'cancel') return { kind: 'cancel', reply: 'Okay, cancelled.' };

    // "no, put it in the bin": the leading yes/no answers the robot; the rest is the command.
    // "pick up the pen, not the ball": a negated part only says what not to do.
    // "before you go home, pick up the candy": time clauses in the order they happen.
    // "pick up the ball than go home", "go to the bag a drop it": the join as it was meant.
    // "pick up the ball, I mean the pen": the correction replaces what it corrects.
    const sortOf = (np: readonly string[]): string | undefined => {
      const r = resolveNounPhrase(np, lexicon);
      const e = r.kind === 'entity' ? ctx.entities.find((x) => x.name === r.name) : undefined;
      return e ? `${e.kind}/${e.container ? 'c' : ''}` : undefined;
    };
    // "put the pen in there too", "the same place": where the last plan let go.
    const last = lastPlan(discourse);
    const dest = last && !last.refused ? destinationOf(last.plan) : undefined;
    const placed = thereIs(tokens, dest);
    const corrected = selfCorrect(placed, (a, b) => sortOf(a) !== undefined && sortOf(a) === sortOf(b), ctx.skills);
    const joins = repairJoins(corrected, ctx.skills, (w) => lexicon.vocabSet.has(w) || lexicon.vocabSet.has(singular(w)));
    const clauses = scopeNegation(
      orderClauses(
        splitClauses(removeHedges(removePhrases(firstThings(leftAlone(joins.tokens)), FILLERS), isVerb))
          .map((c) => {
            let i = 0;
            while (i < c.length && (YES_WORDS.has(c[i]) || NO_WORDS.has(c[i]))) i++;
            // "drop it in the bin after": when, said last, is no part of the place.
            let end = c.length;
            while (end - i > 2 && TRAILING_WHEN.has(c[end - 1])) end--;
            return c.slice(i, end);
          })
          .filter((c) => c.length > 0),
        verbLemma,
      ),
    );

    const run = new Run(ctx, lexicon, discourse);
    run.repairs.push(...typed.repairs, ...joins.repairs);
    // "go and grab the candy", "try and pick up the pen": the first verb only leads to the second.
    for (let i = clauses.length - 2; i >= 0; i--)
      if (clauses[i].length === 1 && GO_ALONG.has(clauses[i][0]) && commandVerb(clauses[i + 1][0], ctx.skills)) clauses.splice(i, 1);
    // "the lotion, [not the candy,] goes in the bin": the topic and its placement are one clause.
    for (let i = clauses.length - 2; i >= 0; i--)
      if (PLACED_BY.has(clauses[i + 1][0]) && parseClause(clauses[i], ctx.skills).type === 'no_verb')
        clauses.splice(i, 2, [...clauses[i], ...clauses[i + 1]]);
    // "you go to the candy", "the candy goes in the bag", "pig up the pen": into command form.
    for (let i = 0; i < clauses.length; i++) {
      const p = paraphrase(clauses[i], ctx.skills);
      clauses[i] = p.tokens;
      run.repairs.push(...p.repairs);
    }
    if (!clauses.length) return run.question('not_understood', 'What should I do?').result;
    namesAfter(clauses, ctx.skills);
    // "put them in the bin": the group just picked up, or the things last named together.
    const lastNamed = discourse.parts[discourse.parts.length - 1];
    // Only things that can be moved count: the bag a plan put something in is no part of "them".
    const movable = (n: string): boolean => ctx.entities.some((e) => e.name === n && e.kind === 'object' && !e.container);
    groupsTakenUp(clauses, ctx.skills, lastNamed ? [...new Set(lastNamed.names)].filter(movable) : []);
    takeUpTopics(clauses, ctx.skills, lexicon);
    // "candy into the bag", "first the candy in the bag, then the pen in the bin": a put without its verb.
    // Not inside a list a put before it has not finished ("put the pen, the ball and the candy in the bag").
    for (let i = 0; i < clauses.length; i++) {
      const before = i > 0 ? parseClause(clauses[i - 1], ctx.skills).type : undefined;
      if (before !== 'missing' && before !== 'no_verb' && before !== 'pickup') clauses[i] = verblessPut(clauses[i], ctx.skills, lexicon);
    }
    let prev: Action | undefined;
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i];
      // "pick up the ball and drop it in the bag, then do the same with the pen": the steps so far, for the pen.
      const same = SAME_AGAIN.exec(clause.join(' '))?.groups?.np;
      const other = same && run.plan.length ? resolveNounPhrase(same.split(' '), lexicon) : undefined;
      const swapped = other?.kind === 'entity' ? swapArgument(run.plan, other.name, ctx) : undefined;
      if (swapped) {
        run.plan.push(...swapped);
        continue;
      }
      let action = parseClause(clause, ctx.skills);
      let actions: Action[] = [action];
      // A list of objects in one clause ("put the candy and the pen and the ball in the bag"): one each.
      if (action.type === 'put' && action.obj.includes('and')) {
        const dest = action.dest;
        actions = splitOnAnd(action.obj).map((obj) => ({ type: 'put', obj, dest }));
      } else if (action.type === 'pickup' && action.obj.includes('and'))
        actions = splitOnAnd(action.obj).map((obj) => ({ type: 'pickup', obj }));
      // "put the lotion and the pen in the bag": "and" joined two objects, not two commands.
      const next = clauses[i + 1];
      // "take the candy and the pen to the bag" too: a pickup whose next part has no verb.
      if (next && (action.type === 'missing' || (action.type === 'pickup' && parseClause(next, ctx.skills).type === 'no_verb'))) {
        // "put the pen, the ball and the candy in the bag": a list of any length, up to its place.
        let k = i + 1;
        let joinedTokens = [...clause, 'and', ...next];
        while (k + 1 < clauses.length && k - i < MAX_LIST && parseClause(clauses[k], ctx.skills).type === 'no_verb') {
          if (parseClause(joinedTokens, ctx.skills).type === 'put') break;
          k++;
          joinedTokens = [...joinedTokens, 'and', ...clauses[k]];
        }
        const joined = parseClause(joinedTokens, ctx.skills);
        if (joined.type === 'put') {
          actions = splitOnAnd(joined.obj).map((obj) => ({ type: 'put', obj, dest: joined.dest }));
          i = k;
        }
      }
      // "pick up, uh, the lotion": a pause between a verb and what it needs.
      const bare = clause.length <= 2 && (action.type === 'grasp' || action.type === 'not_understood');
      if (next && actions[0] === action && (lacksArgument(action, lexicon) || bare) && parseClause(next, ctx.skills).type === 'no_verb') {
        const whole = parseClause([...clause, ...next], ctx.skills);
        if (whole.type !== 'missing' && whole.type !== 'no_verb' && whole.type !== 'not_understood') {
          actions = [whole];
          i++;
        }
      }
      if (action.type === 'no_verb') actions = [elided(prev, action.np, ctx.skills) ?? action];
      // "back up and show the whole set": one move said again in other words is made once
      // ("go home and go home", the same words, is a repeat and stays two).
      const again = actions.length === 1 && bareSkill(actions[0]) && bareSkill(prev) && sameSkill(actions[0], prev);
      if (again && clauses[i - 1] && clauses[i - 1].join(' ') !== clause.join(' ')) continue;
      for (const a of actions) {
        const step = run.apply(a, clause);
        if (!step.ok) return step.result;
        action = a;
      }
      prev = action;
    }

    const v = validateAgainstContext(withoutRepeatedDrops(run.plan), ctx);
    if (!v.ok) return run.question('invalid_plan', `I can't do that: ${v.errors[0] ?? 'the plan is invalid'}.`).result;
    const frames = counted.frames !== undefined ? { frames: counted.frames } : {};
    // Right after "I don't know how to pack yet. Teach me?", showing a step starts the lesson with it.
    const offer = ctx.teaching ? undefined : openOffer(discourse);
    if (offer) {
      const spoken = offer.name.replace(/_/g, ' ');
      return {
        kind: 'teach_start',
        name: offer.name,
        command: offer.command,
        mentions: offer.mentions,
        step: { utterance: parsed.data, plan: v.plan, ...frames },
        reply: `Okay, I'll learn to ${spoken} from what you show me. First step: ${formatPlan(v.plan)}. Say "that's it" when you're done.`,
      };
    }
    return { kind: 'plan', plan: v.plan, reply: `Sure, here is my plan: ${formatPlan(v.plan)}`, repairs: dedupe(run.repairs), ...frames };
  }
}

/** The frame count a command ends with ("… over 24 frames"), for planners that do not report it. */
export function frameCountIn(text: string): number | undefined {
  return splitFrameCount(tokenize(text)).frames;
}

/** One shared instance is fine: the planner keeps no state between calls. */
export function createRulePlanner(): RulePlanner {
  return new RulePlanner();
}
