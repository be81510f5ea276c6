/**
 * The planner contract: utterance + live context in, a plan or a question out. The offline
 * rule planner implements it today; an LLM planner implements the same shape later, so the
 * session never knows which one answered.
 */
import type { Plan, SkillSignature } from '../skills/registry.js';

/** What the planner may know about a named thing (a view of model/world.ts `Entity`). */
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
  /** set while the user is teaching a behavior step by step */
  teaching?: { name: string } | null;
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

export type RejectReason =
  | 'not_text'
  | 'empty'
  | 'too_long'
  | 'unprintable'
  | 'garbage'
  /** a destructive request ("hit the bag", "throw the candy at the bag"): refused, never taught */
  | 'unsafe';

export type PlannerResult =
  | {
      kind: 'plan';
      plan: Plan;
      reply: string;
      repairs: Repair[];
      /** "track around the tower over 24 frames": pose the camera at this many points of the move, one per stop-motion frame */
      frames?: number;
    }
  | { kind: 'question'; reason: QuestionReason; reply: string; unknown?: UnknownTerm; options?: string[]; repairs: Repair[] }
  | { kind: 'rejected'; reason: RejectReason; reply: string }
  /** halt now; the session handles it without planning */
  | { kind: 'stop'; reply: string }
  /** drop the pending plan or question */
  | { kind: 'cancel'; reply: string }
  /** approve the pending plan */
  | { kind: 'confirm'; reply: string }
  /** "let me teach you to pack": start recording a behavior named `name` (lower_snake_case) */
  | {
      kind: 'teach_start';
      name: string;
      reply: string;
      /** entities named in the same utterance ("…to pack the candy") */ mentions?: string[];
      /** the command the lesson is for, when it is not this utterance ("pack the candy" that got "Teach me?") */
      command?: string;
      /** the lesson's first step, said instead of "yes" to "Teach me?": previewed once the lesson starts */
      step?: { utterance: string; plan: Plan; frames?: number };
    }
  /** "that's it" / "done": finish the behavior being taught */
  | { kind: 'teach_done'; reply: string }
  /** "it's here": answer "show me where X is" with the gripper's current position */
  | { kind: 'point_here'; reply: string }
  /** "undo": take back the last taught thing */
  | { kind: 'undo'; reply: string }
  /** "forget pack" (a behavior or a taught name) */
  | { kind: 'forget'; name: string; reply: string }
  /** "rename pack to wrap" */
  | { kind: 'rename'; from: string; to: string; reply: string }
  /** "what can you do?" */
  | { kind: 'list_skills'; reply: string }
  /** "what is pack?" / "what is TOY_CAR?" */
  | { kind: 'describe'; name: string; reply: string }
  /** "no, the other one": re-plan the last command with the next matching entity */
  | { kind: 'other_one'; reply: string }
  /** "take a picture" / "shoot": capture a stop-motion frame (in a split move, then go on to the next pose) */
  | { kind: 'shoot'; reply: string }
  /** "delete the last frame" */
  | { kind: 'delete_frame'; reply: string }
  /** "new film called X" / "open film X": a stop-motion session (name null: a new one named after the date and time) */
  | { kind: 'open_film'; name: string | null; reply: string }
  /** "the lotion is about 15 centimeters tall": `axis` height (z) or width (the footprint), meters */
  | { kind: 'object_size'; name: string; axis: 'height' | 'width'; meters: number; reply: string };

/** What the user walked through while teaching a behavior. */
export interface TeachingTrace {
  /** the behavior's name, e.g. pack */
  name: string;
  /** the command that started it, e.g. "pack the candy" (may be empty for "let me teach you to pack") */
  command: string;
  /** entities named in that command (candidates to become parameters), e.g. [CANDY] */
  mentions: string[];
  /** each taught step: what was said and the plan that ran */
  steps: { utterance: string; plan: Plan }[];
}

/** A named, parameterized behavior proposed from a teaching trace. */
export interface BehaviorProposal {
  name: string;
  /** which literals become parameters, in order: e.g. [{ name: 'obj', literal: 'CANDY' }] */
  params: { name: string; literal: string }[];
  /** one line, e.g. "Retrieve the specified obj and place it inside the gift bag." */
  description: string;
}

export interface Planner {
  plan(utterance: string, ctx: PlannerContext): Promise<PlannerResult>;
  /** name and describe a taught behavior (the paper's forced teach_function call); optional */
  synthesizeBehavior?(trace: TeachingTrace, ctx: PlannerContext): Promise<BehaviorProposal>;
}
