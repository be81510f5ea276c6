/**
 * The session's public vocabulary: turns, previews, events, what it depends on. Clients (the
 * server, speech, scripts) import these types; the Session class lives in session.ts.
 */
import type { RobotBackend } from '../robot-bridge/types.js';
import type { SafetyConfig } from '../robot-bridge/safety/index.js';
import type { Planner } from '../planner/index.js';
import type { CompiledStep, MotionContext, PrimitiveImpl } from '../skills/primitives.js';
import type { Plan, SkillRegistry } from '../skills/registry.js';
import type { WorldModel } from '../model/world.js';
import type { Workspace } from '../model/bounds.js';
import type { WorldCollision } from '../collision/index.js';
import type { LibraryStore } from './library-store.js';

/**
 * Who said or did something: a console ('console:<id>'), the HTTP API ('api'), or the operator
 * of a script or the REPL ('operator'). A pending plan belongs to whoever asked for it.
 */
export type Source = string;
export const OPERATOR: Source = 'operator';

export type TurnKind = 'plan' | 'question' | 'taught' | 'rejected' | 'error';
export type Outcome = 'succeeded' | 'failed' | 'not_run';

export interface PreviewStep {
  call: string;
  motions: { label: string; kind: string; duration: number }[];
  /** false when a motion fails a safety check */
  safe: boolean;
  reason?: string;
  /**
   * when a motion would hit something: the two bodies, the world point (m) and seconds from the
   * step's start (absent for a step refused while it was planned: its motions were never timed)
   */
  contact?: { a: string; b: string; point: [number, number, number]; time?: number };
}

export interface PreviewSummary {
  steps: number;
  /** seconds of planned motion, gripper and waits included */
  duration: number;
  /** rad/s */
  maxJointSpeed: number;
  trajectoryPoints: number;
}

/** Running totals of a preview, as its steps are described. */
export interface PreviewTotals {
  duration: number;
  maxJointSpeed: number;
  points: number;
}

export interface Preview {
  plan: Plan;
  steps: PreviewStep[];
  summary: PreviewSummary;
  /** every step passed the safety check */
  safe: boolean;
  compiled: CompiledStep[];
  /** "… over 24 frames": confirm poses the camera at this many points of the last step's camera move, one per shoot */
  frames?: number;
}

export interface Turn {
  utterance: string;
  kind: TurnKind;
  reply: string;
  plan: Plan | null;
  preview?: PreviewSummary;
  executed: boolean;
  outcome: Outcome;
  failure?: string;
  /** notes such as "re-planned step 3 because CANDY moved" */
  notes?: string[];
}

export interface SessionDeps {
  backend: RobotBackend;
  registry: SkillRegistry<PrimitiveImpl>;
  world: WorldModel;
  planner: Planner;
  motion: MotionContext;
  safety: SafetyConfig;
  /** where taught behaviors and names persist; without one they live for this session only */
  library?: LibraryStore;
  /** finds the body at a pointed location (the sim; later /tf) */
  locator?: { nearestBody(point: [number, number, number], maxDistance: number): string | undefined };
  /**
   * the box a pointed position must lie in (model/bounds.ts: the robot's reach and the table);
   * default: the robot's reach alone
   */
  workspace?: Workspace;
  /** collision checks of previews against the planning scene (the guard checks again at execution) */
  collision?: WorldCollision;
  /** optional event sink (the JSONL session log, the console) */
  onEvent?: (event: SessionEvent) => void;
}

export type SessionEvent =
  | { type: 'utterance'; text: string; t: number }
  /** a plan was compiled and checked; it waits for confirm (the preview is exactly what will run) */
  | { type: 'preview'; preview: Preview; t: number }
  /** the pending plan was dropped (cancel, a new utterance, stop) */
  | { type: 'preview_cleared'; t: number }
  | { type: 'execution'; status: 'started' | 'finished'; outcome?: Outcome; failure?: string; t: number }
  /** progress through one motion of one step (fraction 0..1 of that motion) */
  | { type: 'progress'; step: number; motion: number; label: string; fraction: number; t: number }
  | { type: 'turn'; turn: Turn; t: number }
  | { type: 'step'; index: number; call: string; status: 'started' | 'succeeded' | 'failed'; reason?: string; t: number }
  | { type: 'stop'; t: number }
  /** something was learned or unlearned */
  | { type: 'taught'; what: 'behavior' | 'object' | 'location'; name: string; detail: string; t: number }
  | { type: 'library'; change: 'undo' | 'forget' | 'rename' | 'resize'; summary: string; t: number }
  | { type: 'teaching'; status: 'started' | 'step' | 'finished' | 'abandoned'; name: string; steps: number; t: number }
  /** a camera move split into frames: the camera holds pose `index` (1-based) of `total`, is moving to it, or the move ended */
  | { type: 'frame_move'; status: 'posed' | 'moving' | 'ended'; call: string; index: number; total: number; reason?: string; t: number }
  /** the dialogue state changed (every transition, with the event that caused it) */
  | { type: 'state'; from: DialogueStateView['kind']; event: string; state: DialogueStateView; t: number };

/**
 * The stop-motion studio as the dialogue uses it (server/studio-controller.ts). Each resolves
 * with the reply to say, or rejects with a plain reason.
 */
export interface StudioHooks {
  /** capture a frame at the current pose; `posedBy` is the call that posed the camera */
  shoot(info: { posedBy: string | null; note?: string }): Promise<string>;
  /** "delete the last frame" */
  deleteLast(): Promise<string>;
  /** "new film called X" / "open film X" (null: a new film named after the date and time) */
  open(name: string | null): Promise<string>;
}

/** Said when there is no studio: a script or the REPL has no console to render the sim camera. */
export const NO_STUDIO_REPLY =
  "I can't take pictures here: the stop-motion studio runs in the session server. The sim's wrist camera is rendered by the operator console, so run `shammie start`, open the console URL, and shoot there.";

/** What clients see of the dialogue state (session/state.ts viewState): the console's pill, the session log. */
export interface DialogueStateView {
  kind: 'idle' | 'asking' | 'previewing' | 'executing' | 'framing' | 'recording';
  /** what the status pill says, e.g. "Teaching pack · step 3" */
  label: string;
  lesson: { name: string; steps: number; demonstrations: number } | null;
  /** asking: the open question, and what answers it */
  question: string | null;
  expects: 'point' | 'teach' | 'there' | 'step' | 'reply' | null;
  /** previewing, executing: the plan and who asked for it */
  plan: string | null;
  proposedBy: Source | null;
  /** executing: the step running (0-based) */
  step: number | null;
  /** framing: the pose held (1-based) of how many */
  frame: { call: string; index: number; total: number; moving: boolean } | null;
}
