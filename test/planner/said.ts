/**
 * Shared by the planner's generalization tests: a planner context built the way `npm run eval`
 * builds one (planner/eval/contexts.json), the embedded planner's answer, and that answer as
 * text (the plan, or its kind and reason).
 */
import { readFileSync } from 'node:fs';
import { contextFor, CONTEXTS_PATH, type EvalEntry } from '../../planner/eval/evaluate.js';
import { createRulePlanner } from '../../planner/rule-planner.js';
import type { DialogueTurn, PlannerContext, PlannerResult } from '../../planner/types.js';
import { formatPlan } from '../../skills/registry.js';

const catalog = JSON.parse(readFileSync(CONTEXTS_PATH, 'utf8')) as Parameters<typeof contextFor>[1];
export const planner = createRulePlanner();

/** An eval base (default giftbag_scene), optionally holding `held` (also the last touched), after `history`, teaching `teaching`. */
export function ctx(base = 'giftbag_scene', extra: { held?: string; history?: DialogueTurn[]; teaching?: string } = {}): PlannerContext {
  const context = {
    base,
    ...(extra.held ? { held: extra.held, lastTouched: extra.held } : {}),
    ...(extra.history ? { history: extra.history } : {}),
    ...(extra.teaching ? { teaching: extra.teaching } : {}),
  };
  return contextFor({ context } as unknown as EvalEntry, catalog);
}
export const plan = (u: string, c: PlannerContext = ctx()): PlannerResult => planner.planSync(u, c);
/** The plan as text, or the result's kind (and reason) when there is none. */
export const said = (u: string, c?: PlannerContext): string => {
  const r = plan(u, c);
  return r.kind === 'plan' ? formatPlan(r.plan) : `${r.kind}${'reason' in r ? `:${r.reason}` : ''}`;
};
/** pickup → goto → release, as a put plan prints */
export const PUT = (x: string, y: string): string => `pickup(${x}) → goto(${y}) → release()`;
/** a turn in which the robot proposed `p` */
export const proposed = (u: string, p: string): DialogueTurn => ({ utterance: u, reply: `Sure, here is my plan: ${p}` });
