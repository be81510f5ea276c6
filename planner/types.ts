/**
 * The planner contract: utterance + live context in, a plan or a question out. The offline
 * rule planner implements it today; an LLM planner implements the same shape later, so the
 * session never knows which one answered.
 */
import type { Plan, SkillSignature } from '../skills/registry.js';

/** What the planner may know about a named thing (a view of skills/world.ts `Entity`). */
export interface PlannerEntity {
  /** UPPER_SNAKE_CASE, e.g. GIFT_BAG */
  name: string;
  /** one sentence, e.g. "A gift bag that can hold items." */
  description: string;
  kind: 'object' | 'location';
  /** can items be put into it */
  container?: boolean;
}

/** One exchange: what the user said and what the robot answered. */
export interface DialogueTurn {
  utterance: string;
  reply: string;
}

/** Everything a planner needs, as plain data, snapshotted when the utterance arrives. */
export interface PlannerContext {
  /** the live skill signatures (SkillRegistry.list()); taught behaviors included */
  skills: readonly SkillSignature[];
  /** the named things the robot knows */
  entities: readonly PlannerEntity[];
  /** entity in the gripper, if any */
  held: string | null;
  /** entity the arm last went to or touched, for "it" */
  lastTouched: string | null;
  /** recent dialogue, oldest first (an LLM planner uses it; the rule planner ignores it) */
  history?: readonly DialogueTurn[];
  /** lets the session abandon a slow (LLM) planner call */
  signal?: AbortSignal;
}

/** A speech-recognition repair the planner made, so the UI can show "heard back → bag". */
export interface Repair {
  heard: string;
  understood: string;
}

export type QuestionReason =
  /** an argument names something the robot does not know (teach it by pointing) */
  | 'unknown_object'
  /** the verb is not a known skill (teach a behavior) */
  | 'unknown_verb'
  /** "it" with nothing held or touched, or a phrase that fits several entities */
  | 'ambiguous'
  /** a known verb without its object or destination ("put the candy") */
  | 'missing_argument'
  /** no verb, or a known verb used in a way the planner cannot map */
  | 'not_understood'
  /** the plan failed validation against the live skills/entities */
  | 'invalid_plan';

export type UnknownTerm =
  | {
      kind: 'object';
      /** the words as understood, e.g. "green toy car" */
      word: string;
      /** e.g. TOY_CAR (colours and sizes dropped, as in the paper) */
      proposedName: string;
      /** proposed description, e.g. "A green toy car." */
      description: string;
    }
  | {
      kind: 'verb';
      /** e.g. "pack" */
      word: string;
      /** lower_snake_case skill name, e.g. pack */
      proposedName: string;
      /** known entities named in the same command, candidate parameters for teaching */
      mentions: string[];
    };

export type RejectReason = 'not_text' | 'empty' | 'too_long' | 'unprintable' | 'garbage';

export type PlannerResult =
  | { kind: 'plan'; plan: Plan; reply: string; repairs: Repair[] }
  | { kind: 'question'; reason: QuestionReason; reply: string; unknown?: UnknownTerm; options?: string[]; repairs: Repair[] }
  | { kind: 'rejected'; reason: RejectReason; reply: string }
  /** halt now; the session handles it without planning */
  | { kind: 'stop'; reply: string }
  /** drop the pending plan or question */
  | { kind: 'cancel'; reply: string }
  /** approve the pending plan */
  | { kind: 'confirm'; reply: string };

export interface Planner {
  plan(utterance: string, ctx: PlannerContext): Promise<PlannerResult>;
}
