/**
 * planner/: utterance → plan (data) or question. `Planner` is the contract every planner
 * (this rule planner, a later LLM planner) implements; `validateAgainstContext` is the gate
 * every plan passes before it is returned.
 */
export type {
  DialogueTurn,
  Planner,
  PlannerContext,
  PlannerEntity,
  PlannerResult,
  QuestionReason,
  RejectReason,
  Repair,
  UnknownTerm,
} from './types.js';
export { plannerContext, validateAgainstContext, type SkillSource, type WorldSource } from './context.js';
export { RulePlanner, createRulePlanner, frameCountIn, isStopUtterance, utteranceSchema, UTTERANCE_MAX_CHARS } from './rule-planner.js';
/** The default offline planner the app embeds (same class as RulePlanner). */
export { RulePlanner as EmbeddedPlanner } from './rule-planner.js';
export { proposeEntity } from './lexicon.js';
