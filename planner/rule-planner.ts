/**
 * The offline planner: deterministic rules, no LLM, no network. It handles the paper's seed
 * API (go_home, goto, grasp, release, pickup) in everyday phrasing, chains ("and", "then",
 * commas), "it", speech slips in argument position, and taught skills by name. Anything it
 * cannot map becomes a question; a plan is returned only after it validates against the
 * live skill list and entity set.
 *
 * The pieces, in the order an utterance meets them: utterance.ts (boundary and stop check),
 * frame-count.ts (a trailing "over 24 frames"), control-phrases.ts → control-intents.ts
 * (teaching, corrections, questions), answers.ts (yes / no), rules.ts (one clause → one action),
 * plan-run.ts (actions → skill calls). This file strings them together.
 */
import { formatPlan } from '../skills/registry.js';
import { dialogueIntent, NO_WORDS, YES_WORDS } from './answers.js';
import { validateAgainstContext } from './context.js';
import { controlResult } from './control-intents.js';
import { parseControl } from './control-phrases.js';
import { splitFrameCount } from './frame-count.js';
import { buildLexicon } from './lexicon.js';
import { dedupe, Run } from './plan-run.js';
import { parseClause, type Action } from './rules.js';
import { BREAK, FILLERS, isWordLike, removePhrases, splitClauses, tokenize } from './text.js';
import type { Planner, PlannerContext, PlannerResult } from './types.js';
import { isStopUtterance, rejected, utteranceSchema } from './utterance.js';

export { isStopUtterance, utteranceSchema, UTTERANCE_MAX_CHARS } from './utterance.js';

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

export class RulePlanner implements Planner {
  /** The Planner interface; the rule planner answers synchronously (tens of microseconds). */
  plan(utterance: string, ctx: PlannerContext): Promise<PlannerResult> {
    // Nothing to wait for; the executor keeps a throw a rejection, as the interface's callers expect.
    return new Promise((resolve) => resolve(this.planSync(utterance, ctx)));
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

/** The frame count a command ends with ("… over 24 frames"), for planners that do not report it. */
export function frameCountIn(text: string): number | undefined {
  return splitFrameCount(tokenize(text)).frames;
}

/** One shared instance is fine: the planner keeps no state between calls. */
export function createRulePlanner(): RulePlanner {
  return new RulePlanner();
}
