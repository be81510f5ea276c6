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
 * (teaching, corrections, questions), answers.ts (yes / no), rules.ts (one clause → one action),
 * plan-run.ts (actions → skill calls), readings.ts (a question for what it could not place
 * offers the closest readings). This file strings them together.
 */
import { formatPlan } from '../skills/registry.js';
import { dialogueIntent, NO_WORDS, YES_WORDS } from './answers.js';
import { validateAgainstContext } from './context.js';
import { controlResult } from './control-intents.js';
import { parseControl } from './control-phrases.js';
import { followUp, openOffer, orderClauses, readDiscourse, scopeNegation } from './discourse.js';
import { splitFrameCount } from './frame-count.js';
import { buildLexicon, resolveNounPhrase } from './lexicon.js';
import { dedupe, Run } from './plan-run.js';
import { commandVerb, GO_ALONG, paraphrase, repairJoins, selfCorrect } from './paraphrase.js';
import { parseClause, type Action } from './rules.js';
import { withReadings } from './readings.js';
import { BREAK, FILLERS, isWordLike, removeHedges, removePhrases, singular, splitClauses, tokenize } from './text.js';
import type { Planner, PlannerContext, PlannerResult } from './types.js';
import { unsafeRequest } from './unsafe.js';
import { isStopUtterance, rejected, UTTERANCE_MAX_CHARS, utteranceSchema } from './utterance.js';
import { isVerb, verbLemma } from './wordnet.js';

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
    return again.type === 'put' ? again : undefined;
  }
  if (prev.type === 'pickup') return { type: 'pickup', obj: np };
  if (prev.type === 'goto') return { type: 'goto', dest: np };
  if (prev.type === 'skill' && prev.skill.params.length === 1 && prev.skill.params[0].type === 'entity')
    return { type: 'skill', skill: prev.skill, args: [np] };
  return undefined;
}

type RulePlannerSkills = PlannerContext['skills'];

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
    const counted = splitFrameCount(tokenize(parsed.data));
    const tokens = counted.tokens;
    const words = tokens.filter((t) => t !== BREAK && !/^[0-9]+$/.test(t));
    const nonWords = words.filter((t) => !isWordLike(t)).length;
    if (!words.length || nonWords * 2 >= words.length) return rejected('garbage');

    // "hit the bag", "let me teach you to smash": refused before anything could plan or teach it.
    const unsafe = dialogueIntent(tokens) ? undefined : unsafeRequest(tokens, (text) => this.#planOnce(text, ctx));
    if (unsafe) return unsafe;

    const control = parseControl(tokens);
    if (control) {
      const r = controlResult(control, ctx);
      if (r) return r;
    }

    // "no, the pen", "do that again", "make it 24 frames": the last turns give these their meaning.
    const discourse = readDiscourse(ctx);
    // An answer to the question just asked plans the asked command again, without that turn.
    const replan = (text: string): PlannerResult => this.planSync(text, { ...ctx, history: (ctx.history ?? []).slice(0, -1) });
    const follow = followUp(tokenize(parsed.data), ctx, discourse, replan);
    if (follow) return follow;

    const intent = dialogueIntent(tokens);
    if (intent === 'confirm') return { kind: 'confirm', reply: 'Okay, going ahead.' };
    if (intent === 'cancel') return { kind: 'cancel', reply: 'Okay, cancelled.' };

    // "no, put it in the bin": the leading yes/no answers the robot; the rest is the command.
    // "pick up the pen, not the ball": a negated part only says what not to do.
    // "before you go home, pick up the candy": time clauses in the order they happen.
    const lexicon = buildLexicon(ctx.entities);
    // "pick up the ball than go home", "go to the bag a drop it": the join as it was meant.
    // "pick up the ball, I mean the pen": the correction replaces what it corrects.
    const sortOf = (np: readonly string[]): string | undefined => {
      const r = resolveNounPhrase(np, lexicon);
      const e = r.kind === 'entity' ? ctx.entities.find((x) => x.name === r.name) : undefined;
      return e ? `${e.kind}/${e.container ? 'c' : ''}` : undefined;
    };
    const corrected = selfCorrect(tokens, (a, b) => sortOf(a) !== undefined && sortOf(a) === sortOf(b), ctx.skills);
    const joins = repairJoins(corrected, ctx.skills, (w) => lexicon.vocabSet.has(w) || lexicon.vocabSet.has(singular(w)));
    const clauses = scopeNegation(
      orderClauses(
        splitClauses(removeHedges(removePhrases(joins.tokens, FILLERS), isVerb))
          .map((c) => {
            let i = 0;
            while (i < c.length && (YES_WORDS.has(c[i]) || NO_WORDS.has(c[i]))) i++;
            return c.slice(i);
          })
          .filter((c) => c.length > 0),
        verbLemma,
      ),
    );

    const run = new Run(ctx, lexicon, discourse);
    run.repairs.push(...joins.repairs);
    // "go and grab the candy", "try and pick up the pen": the first verb only leads to the second.
    for (let i = clauses.length - 2; i >= 0; i--)
      if (clauses[i].length === 1 && GO_ALONG.has(clauses[i][0]) && commandVerb(clauses[i + 1][0], ctx.skills)) clauses.splice(i, 1);
    // "you go to the candy", "the candy goes in the bag", "pig up the pen": into command form.
    for (let i = 0; i < clauses.length; i++) {
      const p = paraphrase(clauses[i], ctx.skills);
      clauses[i] = p.tokens;
      run.repairs.push(...p.repairs);
    }
    if (!clauses.length) return run.question('not_understood', 'What should I do?').result;
    let prev: Action | undefined;
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i];
      let action = parseClause(clause, ctx.skills);
      let actions: Action[] = [action];
      // "put the lotion and the pen in the bag": "and" joined two objects, not two commands.
      const next = clauses[i + 1];
      // "take the candy and the pen to the bag" too: a pickup whose next part has no verb.
      if (next && (action.type === 'missing' || (action.type === 'pickup' && parseClause(next, ctx.skills).type === 'no_verb'))) {
        const joined = parseClause([...clause, 'and', ...next], ctx.skills);
        if (joined.type === 'put') {
          actions = splitOnAnd(joined.obj).map((obj) => ({ type: 'put', obj, dest: joined.dest }));
          i++;
        }
      }
      if (action.type === 'no_verb') actions = [elided(prev, action.np, ctx.skills) ?? action];
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
