/**
 * A dialogue session: utterance → plan → compiled, safety-checked preview → (confirm) →
 * execution on the backend. The CLI, the script runner and (later) the console server all
 * drive the robot through this one class, so they behave the same.
 *
 * Invariant: nothing moves unless a plan was validated against the live registry, compiled,
 * passed the safety check, and was confirmed.
 */
import type { RobotBackend } from '../robot-bridge/types.js';
import { checkTrajectory, type SafetyConfig } from '../robot-bridge/safety/index.js';
import type { Planner, PlannerContext, PlannerResult } from '../planner/index.js';
import {
  compilePlan,
  SkillFailure,
  type ArmState,
  type CompiledStep,
  type MotionContext,
  type PrimitiveImpl,
} from '../skills/primitives.js';
import { formatCall, formatPlan, type BehaviorDefinition, type Plan, type SkillCall, type SkillRegistry } from '../skills/registry.js';
import type { Entity } from '../model/world.js';
import { MotionTeaching, motionSkillDefinition } from '../skills/motion-skills.js';
import { HandGuidedRecording } from '../skills/demonstration/index.js';
import type { MotionSkill } from '../skills/library/library.js';
import { formatBody, formatSignature, liftBehavior, mentionsIn } from '../planner/teach.js';
import type { TeachingTrace } from '../planner/types.js';
import { trajectorySummary } from '../skills/trajectory/index.js';
import { frameCountIn } from '../planner/rule-planner.js';
import { checkFrameMove, FrameMoveError, planFrameMove, type FrameMovePlan } from '../studio/frame-move.js';
import type { WorldModel } from '../model/world.js';

export type TurnKind = 'plan' | 'question' | 'taught' | 'rejected' | 'error';
export type Outcome = 'succeeded' | 'failed' | 'not_run';

export interface PreviewStep {
  call: string;
  motions: { label: string; kind: string; duration: number }[];
  /** false when a motion fails a safety check */
  safe: boolean;
  reason?: string;
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

export function previewSummary(steps: number, t: PreviewTotals): Preview['summary'] {
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return { steps, duration: r3(t.duration), maxJointSpeed: r3(t.maxJointSpeed), trajectoryPoints: t.points };
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
  /** optional event sink (the JSONL session log, the console) */
  onEvent?: (event: SessionEvent) => void;
}

/** What the session needs from the persistent skill library (skills/library). */
export interface LibraryStore {
  behaviors(): BehaviorDefinition[];
  entities(): Entity[];
  addBehavior(def: BehaviorDefinition): void;
  removeBehavior(name: string): void;
  renameBehavior(from: string, to: string): void;
  addEntity(e: Entity): void;
  removeEntity(name: string): void;
  motions(): MotionSkill[];
  addMotion(m: MotionSkill): void;
  removeMotion(name: string): void;
  /** rename a learned motion skill and the calls to it in taught behaviors (one undoable change) */
  renameMotion(from: string, to: string): void;
  undo(): { summary: string } | null;
}

/** A library kept in memory, for sessions without a data folder. */
export class MemoryLibrary implements LibraryStore {
  #behaviors = new Map<string, BehaviorDefinition>();
  #entities = new Map<string, Entity>();
  #motions = new Map<string, MotionSkill>();
  #undo: { summary: string; revert: () => void }[] = [];
  behaviors() {
    return [...this.#behaviors.values()];
  }
  entities() {
    return [...this.#entities.values()];
  }
  motions() {
    return [...this.#motions.values()];
  }
  addMotion(m: MotionSkill) {
    this.#track(`learned ${m.name}`, this.#motions, m.name);
    this.#motions.set(m.name, structuredClone(m));
  }
  removeMotion(name: string) {
    this.#track(`forgot ${name}`, this.#motions, name);
    this.#motions.delete(name);
  }
  #track(summary: string, map: Map<string, unknown>, key: string) {
    const before = map.get(key);
    this.#undo.push({ summary, revert: () => (before === undefined ? map.delete(key) : map.set(key, before)) });
  }
  addBehavior(def: BehaviorDefinition) {
    this.#track(`taught ${def.name}`, this.#behaviors, def.name);
    this.#behaviors.set(def.name, structuredClone(def));
  }
  removeBehavior(name: string) {
    this.#track(`forgot ${name}`, this.#behaviors, name);
    this.#behaviors.delete(name);
  }
  renameBehavior(from: string, to: string) {
    const def = this.#behaviors.get(from);
    if (!def) throw new Error(`no behavior named ${from}`);
    this.#renamed(from, to, () => {
      this.#behaviors.delete(from);
      this.#behaviors.set(to, { ...def, name: to });
    });
  }
  renameMotion(from: string, to: string) {
    const m = this.#motions.get(from);
    if (!m) throw new Error(`no learned motion named ${from}`);
    this.#renamed(from, to, () => {
      this.#motions.delete(from);
      this.#motions.set(to, { ...m, name: to });
    });
  }
  /** Apply a rename and rewrite the callers; undo restores deep copies of both maps. */
  #renamed(from: string, to: string, apply: () => void) {
    const behaviors = structuredClone(this.#behaviors),
      motions = structuredClone(this.#motions);
    apply();
    for (const [name, b] of this.#behaviors) {
      if (b.body.some((st) => st.skill === from))
        this.#behaviors.set(name, { ...b, body: b.body.map((st) => (st.skill === from ? { ...st, skill: to } : st)) });
    }
    this.#undo.push({
      summary: `renamed ${from} to ${to}`,
      revert: () => {
        this.#behaviors = behaviors;
        this.#motions = motions;
      },
    });
  }
  addEntity(e: Entity) {
    this.#track(`named ${e.name}`, this.#entities, e.name);
    this.#entities.set(e.name, structuredClone(e));
  }
  removeEntity(name: string) {
    this.#track(`forgot ${name}`, this.#entities, name);
    this.#entities.delete(name);
  }
  undo() {
    const last = this.#undo.pop();
    if (!last) return null;
    last.revert();
    return { summary: last.summary };
  }
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
  | { type: 'library'; change: 'undo' | 'forget' | 'rename'; summary: string; t: number }
  | { type: 'teaching'; status: 'started' | 'step' | 'finished' | 'abandoned'; name: string; steps: number; t: number }
  /** a camera move split into frames: the camera holds pose `index` (1-based) of `total`, is moving to it, or the move ended */
  | { type: 'frame_move'; status: 'posed' | 'moving' | 'ended'; call: string; index: number; total: number; reason?: string; t: number };

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

/** How far (rad) the arm may be from a step's planned start before the step is re-planned. */
const REPLAN_JOINT_TOL = 0.02;
/** How far (m) a target may move between preview and execution before re-planning. */
const REPLAN_TARGET_TOL = 0.01;

export class Session {
  readonly deps: SessionDeps;
  #pending: { turn: Turn; preview: Preview } | null = null;
  /** the behavior being taught step by step */
  #teaching: TeachingTrace | null = null;
  /** demonstrations collected while teaching (a motion skill instead of a behavior) */
  #motionTeaching: MotionTeaching | null = null;
  /** a demonstration being recorded while a person guides the (compliant) real arm by hand */
  #handGuided: HandGuidedRecording | null = null;
  /** the last question asked, so "yes" can answer "Teach me?" */
  #lastQuestion: { utterance: string; verb?: { name: string; mentions: string[] } } | null = null;
  /** the last planned command, for "no, the other one" */
  #lastPlanned: { utterance: string; plan: Plan; tried: Set<string> } | null = null;
  /** entities that come with the scene (not taught, cannot be forgotten) */
  readonly #sceneEntities: Set<string>;
  /** an unknown object the robot asked to be shown */
  #awaitingPoint: { name: string; description: string } | null = null;
  #stopRequested = false;
  /** the entity the gripper is at (after a goto), so grasp knows what to expect */
  #at: string | null = null;
  #executing = false;
  /** the stop-motion studio, when the server runs one */
  #studio: StudioHooks | null = null;
  /** a confirmed camera move split into frames, waiting at pose `index` (1-based) for a shoot */
  #frameMove: (FrameMovePlan & { index: number }) | null = null;
  /** the call that last moved the arm (a frame's "posed by"); null until something ran */
  #posedBy: string | null = null;
  readonly history: Turn[] = [];

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.#sceneEntities = new Set(deps.world.names());
    if (!deps.library) deps.library = new MemoryLibrary();
    this.#syncFromLibrary();
  }

  get library(): LibraryStore {
    return this.deps.library!;
  }

  /** Is the user teaching a behavior right now? */
  get teaching(): TeachingTrace | null {
    return this.#teaching;
  }

  /**
   * Make the registry and world model match the library: taught behaviors registered (in an
   * order that lets nested ones validate), taught names added, forgotten ones removed.
   */
  #syncFromLibrary(): void {
    const { registry, world } = this.deps;
    const lib = this.library;
    for (const s of registry.list()) {
      const def = registry.get(s.name);
      if ((def.kind === 'behavior' && !def.builtin) || (def.kind === 'primitive' && def.learned)) registry.unregister(s.name);
    }
    // Learned motion skills first: taught behaviors may call them.
    for (const m of lib.motions()) registry.register(motionSkillDefinition(m));
    let pending = lib.behaviors();
    const entityNames = new Set([...this.#sceneEntities, ...lib.entities().map((e) => e.name)]);
    for (const e of world.list()) if (!entityNames.has(e.name)) world.remove(e.name);
    for (const e of lib.entities()) if (!this.#sceneEntities.has(e.name)) world.add(e);
    // Register behaviors whose callees exist first; repeat until nothing more fits.
    for (let guard = 0; pending.length && guard < 100; guard++) {
      const next: BehaviorDefinition[] = [];
      for (const def of pending) {
        if (def.body.every((st) => registry.has(st.skill) || st.skill === def.name)) registry.register(def);
        else next.push(def);
      }
      if (next.length === pending.length) break;
      pending = next;
    }
  }

  get pending(): Preview | null {
    return this.#pending?.preview ?? null;
  }

  get executing(): boolean {
    return this.#executing;
  }

  /** The robot asked where a new object is; a pointed location (point()) answers it. */
  get awaitingPoint(): { name: string; description: string } | null {
    return this.#awaitingPoint ? { ...this.#awaitingPoint } : null;
  }

  armState(): ArmState {
    const { backend, world } = this.deps;
    return {
      q: [...backend.jointState().position],
      gripper: backend.gripperPosition(),
      held: world.held,
      lastTouched: world.lastTouched,
      at: this.#at,
    };
  }

  plannerContext(): PlannerContext {
    const { registry, world } = this.deps;
    return {
      skills: registry.list(),
      entities: world.list().map((e) => ({ name: e.name, description: e.description, kind: e.kind })),
      held: world.held,
      lastTouched: world.lastTouched,
      history: this.history.slice(-10).map((t) => ({ utterance: t.utterance, reply: t.reply })),
      teaching: this.#teaching ? { name: this.#teaching.name } : null,
    };
  }

  readonly #listeners = new Set<(e: SessionEvent) => void>();

  /** Listen to everything the session does (the console server, the JSONL log). */
  subscribe(listener: (e: SessionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: SessionEvent): void {
    this.deps.onEvent?.(e);
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // A broken listener must never break the robot's dialogue.
      }
    }
  }

  #finish(turn: Turn): Turn {
    this.history.push(turn);
    this.#emit({ type: 'turn', turn, t: Date.now() });
    return turn;
  }

  /**
   * Handle one utterance. A plan comes back previewed and pending confirmation; control
   * words (stop, cancel, confirm) act on the session.
   */
  async say(utterance: string): Promise<Turn> {
    this.#emit({ type: 'utterance', text: utterance, t: Date.now() });
    let result: PlannerResult;
    try {
      result = await this.deps.planner.plan(utterance, this.plannerContext());
    } catch (err) {
      return this.#finish({
        utterance,
        kind: 'error',
        reply: `Sorry, something went wrong while planning: ${(err as Error).message}`,
        plan: null,
        executed: false,
        outcome: 'not_run',
        failure: (err as Error).message,
      });
    }
    switch (result.kind) {
      case 'stop': {
        const recording = this.#handGuided !== null;
        await this.stop();
        const more = recording ? ` ${this.#handGuidedEnded()}` : '';
        return this.#finish({ utterance, kind: 'plan', reply: `Stopping.${more}`, plan: [], executed: false, outcome: 'not_run' });
      }
      case 'cancel': {
        if (!this.#pending && this.#frameMove)
          return this.#finish({
            utterance,
            kind: 'plan',
            reply: `Okay. ${this.#endFrameMove('cancelled')}`,
            plan: [],
            executed: false,
            outcome: 'not_run',
          });
        const had = this.#pending !== null;
        this.cancel();
        let released = '';
        if (this.#handGuided) {
          const restored = await this.abortRecording();
          if (!restored)
            return this.#finish({
              utterance,
              kind: 'error',
              reply: `I stopped recording. ${this.#handGuidedEnded()}`,
              plan: null,
              executed: false,
              outcome: 'not_run',
              failure: this.#restoreFailure ?? undefined,
            });
          released = ' The arm is back on its trajectory controller.';
        }
        this.#awaitingPoint = null;
        if (!had && this.#teaching) {
          const name = this.#teaching.name;
          this.#teaching = null;
          this.#motionTeaching = null;
          this.#emit({ type: 'teaching', status: 'abandoned', name, steps: 0, t: Date.now() });
          return this.#finish({
            utterance,
            kind: 'plan',
            reply: `Okay, I stopped learning ${name}.${released}`,
            plan: [],
            executed: false,
            outcome: 'not_run',
          });
        }
        return this.#finish({
          utterance,
          kind: 'plan',
          reply: had ? 'Okay, cancelled.' : 'There was nothing to cancel.',
          plan: [],
          executed: false,
          outcome: 'not_run',
        });
      }
      case 'confirm':
        if (!this.#pending && this.#lastQuestion?.verb) {
          const { name, mentions } = this.#lastQuestion.verb;
          return this.#startTeaching(utterance, name, this.#lastQuestion.utterance, mentions);
        }
        if (!this.#pending)
          return this.#finish({
            utterance,
            kind: 'question',
            reply: 'There is no plan waiting. What should I do?',
            plan: null,
            executed: false,
            outcome: 'not_run',
          });
        return this.confirm();
      case 'question': {
        if (this.#pending) this.cancel();
        this.#awaitingPoint =
          result.unknown?.kind === 'object' ? { name: result.unknown.proposedName, description: result.unknown.description } : null;
        const verb = result.unknown?.kind === 'verb' ? { name: result.unknown.proposedName, mentions: result.unknown.mentions } : undefined;
        this.#lastQuestion = { utterance, verb };
        return this.#finish({ utterance, kind: 'question', reply: result.reply, plan: null, executed: false, outcome: 'not_run' });
      }
      case 'teach_start':
        return this.#startTeaching(utterance, result.name, utterance, result.mentions ?? mentionsIn(utterance, this.plannerContext()));
      case 'teach_done':
        return this.#finishTeaching(utterance);
      case 'point_here': {
        const tip = this.deps.motion.model.tipPose(this.deps.backend.jointState().position);
        const turn = await this.point([tip[12], tip[13], tip[14]]);
        return { ...turn, utterance };
      }
      case 'undo':
        return this.#undo(utterance);
      case 'forget':
        return this.#forget(utterance, result.name);
      case 'rename':
        return this.#rename(utterance, result.from, result.to);
      case 'list_skills':
        return this.#finish({ utterance, kind: 'plan', reply: this.#listSkills(), plan: [], executed: false, outcome: 'not_run' });
      case 'describe':
        return this.#finish({ utterance, kind: 'plan', reply: this.#describe(result.name), plan: [], executed: false, outcome: 'not_run' });
      case 'other_one': {
        const busy = await this.#handBackForMotion(utterance);
        if (busy) return busy;
        return this.#otherOne(utterance);
      }
      case 'rejected':
        return this.#finish({ utterance, kind: 'rejected', reply: result.reply, plan: null, executed: false, outcome: 'not_run' });
      case 'shoot':
        return this.shoot(utterance);
      case 'delete_frame':
        return this.#studioCommand(utterance, (s) => s.deleteLast());
      case 'open_film': {
        const name = result.name;
        return this.#studioCommand(utterance, (s) => s.open(name));
      }
      case 'plan': {
        this.#lastQuestion = null;
        this.#lastPlanned = { utterance, plan: result.plan, tried: new Set(entityArgs(result.plan)) };
        const busy = await this.#handBackForMotion(utterance);
        if (busy) return busy;
        return this.#propose(utterance, result.plan, result.frames ?? frameCountIn(utterance));
      }
      default: {
        const never: never = result;
        throw new Error(`[session] unhandled planner result ${JSON.stringify(never)}`);
      }
    }
  }

  /** Validate, compile and safety-check a plan; it waits for confirm(). */
  async #propose(utterance: string, plan: Plan, frames?: number): Promise<Turn> {
    const { registry, world } = this.deps;
    const held = this.#frameMove;
    if (held) {
      // The camera must stay on the confirmed path until the move is shot or ended.
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `The camera is holding pose ${held.index} of ${held.total} of ${held.call}. Say "shoot" to take this frame, or "cancel" to end the move first.`,
        plan,
        executed: false,
        outcome: 'not_run',
      });
    }
    if (frames !== undefined && plan.length !== 1) {
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `I split one camera move at a time into frames, e.g. "track around the tower over ${frames} frames".`,
        plan,
        executed: false,
        outcome: 'not_run',
      });
    }
    const valid = registry.validatePlan(plan, { entities: world.names() });
    if (!valid.ok) {
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `I can't do that as planned: ${valid.errors.join('; ')}`,
        plan,
        executed: false,
        outcome: 'not_run',
      });
    }
    let preview: Preview;
    try {
      preview = this.preview(valid.plan);
    } catch (err) {
      const reason = err instanceof SkillFailure ? err.message : `${(err as Error).message}`;
      return this.#finish({
        utterance,
        kind: 'plan',
        reply: `Here is my plan: ${formatPlan(plan)}, but I can't carry it out: ${reason}`,
        plan,
        executed: false,
        outcome: 'failed',
        failure: reason,
      });
    }
    if (!preview.safe) {
      const bad = preview.steps.find((s) => !s.safe)!;
      const reason = `${bad.call} fails a safety check: ${bad.reason}`;
      return this.#finish({
        utterance,
        kind: 'plan',
        reply: `Here is my plan: ${formatPlan(plan)}, but ${reason}`,
        plan,
        preview: preview.summary,
        executed: false,
        outcome: 'failed',
        failure: reason,
      });
    }
    if (frames !== undefined) {
      // Split now so a move that cannot be posed is refused before anything moves.
      const { model, config } = this.deps.motion;
      try {
        const split = planFrameMove(preview.compiled[preview.compiled.length - 1], frames, model, { speedScale: config.speedScale });
        const check = checkFrameMove(split, model, this.deps.safety);
        if (!check.ok)
          return this.#finish({
            utterance,
            kind: 'plan',
            reply: `Here is my plan: ${formatPlan(plan)} over ${frames} frames, but ${check.reason}`,
            plan,
            preview: preview.summary,
            executed: false,
            outcome: 'failed',
            failure: check.reason,
          });
      } catch (err) {
        if (!(err instanceof FrameMoveError)) throw err;
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `I can't shoot that over ${frames} frames: ${err.message}.`,
          plan,
          executed: false,
          outcome: 'not_run',
        });
      }
      preview.frames = frames;
    }
    const turn: Turn = {
      utterance,
      kind: 'plan',
      reply: `Sure, here is my plan: ${formatPlan(plan)}${frames !== undefined ? `, over ${frames} frames: the camera stops at ${frames} poses along this path and waits for "shoot" at each` : ''}`,
      plan,
      preview: preview.summary,
      executed: false,
      outcome: 'not_run',
    };
    this.#pending = { turn, preview };
    this.history.push(turn);
    this.#emit({ type: 'turn', turn, t: Date.now() });
    this.#emit({ type: 'preview', preview, t: Date.now() });
    return turn;
  }

  /** Compile a validated plan from the current arm state and check every trajectory. */
  preview(plan: Plan): Preview {
    const { registry, motion } = this.deps;
    const compiled = compilePlan(registry, plan, motion, this.armState());
    const totals = { duration: 0, maxJointSpeed: 0, points: 0 };
    const steps = compiled.map((step) => this.describeStep(step, totals));
    return { plan, steps, summary: previewSummary(compiled.length, totals), safe: steps.every((st) => st.safe), compiled };
  }

  /**
   * What the preview shows of one compiled step: each motion's duration, and whether every
   * trajectory passes the safety check (the first failure's reason). Adds to `totals`.
   */
  describeStep(step: CompiledStep, totals: PreviewTotals): PreviewStep {
    const { motion, safety } = this.deps;
    const out: PreviewStep = { call: formatCall(step.call), motions: [], safe: true };
    for (const m of step.motions) {
      let d = 0;
      if (m.kind === 'trajectory') {
        const s = trajectorySummary(m.trajectory);
        d = s.duration;
        totals.maxJointSpeed = Math.max(totals.maxJointSpeed, s.maxJointSpeed);
        totals.points += s.points;
        const check = checkTrajectory(m.trajectory, motion.model, safety, m.trajectory.points[0]?.positions ?? []);
        if (!check.ok && out.safe) {
          out.safe = false;
          out.reason = check.reason;
        }
      } else if (m.kind === 'wait') d = m.seconds;
      else d = gripperDuration(this, m.command.position);
      totals.duration += d;
      out.motions.push({ label: m.label, kind: m.kind, duration: d });
    }
    return out;
  }

  async #startTeaching(utterance: string, name: string, command: string, mentions: string[]): Promise<Turn> {
    const existing = this.deps.registry.has(name) ? this.deps.registry.get(name) : undefined;
    if (existing && ((existing.kind === 'primitive' && !existing.learned) || (existing.kind === 'behavior' && existing.builtin))) {
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `${name} is one of my built-in skills. What should the new behavior be called?`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    this.cancel();
    this.#lastQuestion = null;
    if (this.#handGuided && !(await this.abortRecording())) {
      return this.#finish({
        utterance,
        kind: 'error',
        reply: this.#handGuidedEnded(),
        plan: null,
        executed: false,
        outcome: 'not_run',
        failure: this.#restoreFailure ?? undefined,
      });
    }
    this.#teaching = { name, command, mentions, steps: [] };
    // The same teaching can also be shown by guiding the arm: collect demonstrations around
    // the object named in the command (or the tool's current position).
    // (On a robot an object may be known but not located yet, e.g. no TF frame: then the tool.)
    const located = (m: string) => {
      try {
        return this.deps.world.position(m);
      } catch {
        return null;
      }
    };
    const ref = mentions.find((m) => this.deps.world.has(m) && located(m));
    const tip = this.deps.motion.model.tipPose(this.deps.backend.jointState().position);
    this.#motionTeaching = new MotionTeaching(
      name,
      this.deps.motion.model,
      ref ? { entity: ref, position: located(ref)! } : { entity: null, position: [tip[12], tip[13], tip[14]] },
    );
    this.#emit({ type: 'teaching', status: 'started', name, steps: 0, t: Date.now() });
    const redefine = existing ? ` (this replaces the ${name} I know)` : '';
    const spoken = name.replace(/_/g, ' ');
    const reply = (text: string) => this.#finish({ utterance, kind: 'plan', reply: text, plan: [], executed: false, outcome: 'not_run' });
    // "I'll show you how to track around the hulk" asks for a kinesthetic demonstration.
    if (!/\bshow you how\b/i.test(utterance))
      return reply(`Okay, show me how to ${spoken}${redefine}, one step at a time. Say "that's it" when you're done.`);
    const about = ref ? ` (relative to ${ref})` : '';
    const { backend } = this.deps;
    if (!HandGuidedRecording.supported(backend)) {
      return reply(
        `Okay, show me how to ${spoken}${about}${redefine}. This arm (${backend.kind}) can't be guided by hand, so give me a recorded demonstration: record one in the console's Teach panel and press "Show it to the robot" (or "!demo FILE" in a script), then say "that's it". Or tell me the steps one at a time.`,
      );
    }
    try {
      this.#handGuided = await HandGuidedRecording.start(backend, {
        robot: this.deps.motion.model.name,
        reference: this.#motionTeaching.reference,
      });
    } catch (err) {
      return reply(
        `I couldn't make the arm compliant for hand-guiding (${(err as Error).message}); it stays on its trajectory controller. Give me a recorded demonstration ("!demo FILE"), or tell me the steps of ${spoken} one at a time.`,
      );
    }
    return reply(
      `Okay, the arm is compliant now: move it by hand to show me how to ${spoken}${about}${redefine}, then say "done". I'm recording. Say "cancel" to stop without learning, or tell me the steps one at a time instead.`,
    );
  }

  /**
   * End a hand-guided recording without learning from it (stop, cancel, a new teaching, the app
   * closing), switching the arm back to its trajectory controller. Returns false when that switch
   * failed (the reason is kept for the reply); calling again retries it.
   */
  async abortRecording(): Promise<boolean> {
    const hg = this.#handGuided;
    if (!hg) return true;
    try {
      await hg.abort();
      this.#handGuided = null;
      this.#restoreFailure = null;
      return true;
    } catch (err) {
      this.#restoreFailure = (err as Error).message;
      return false;
    }
  }

  /** why the last switch back to the trajectory controller failed */
  #restoreFailure: string | null = null;

  /** What to tell the person after a hand-guided recording ended without learning. */
  #handGuidedEnded(retry = 'cancel'): string {
    if (this.#handGuided)
      return `I ${this.#restoreFailure ?? 'could not switch the arm back to its trajectory controller'}. Motions are refused until it is back; say "${retry}" to try again, and check the controllers.`;
    return 'I threw away the demonstration I was recording; the arm is back on its trajectory controller.';
  }

  /** Before planning a motion: a hand-guided recording ends (the arm must not be compliant). */
  async #handBackForMotion(utterance: string): Promise<Turn | null> {
    if (!this.#handGuided) return null;
    if (await this.abortRecording()) return null;
    return this.#finish({
      utterance,
      kind: 'error',
      reply: `I can't plan a motion while the arm is compliant: ${this.#handGuidedEnded()}`,
      plan: null,
      executed: false,
      outcome: 'not_run',
      failure: this.#restoreFailure ?? undefined,
    });
  }

  async #finishTeaching(utterance: string): Promise<Turn> {
    const trace = this.#teaching;
    if (!trace)
      return this.#finish({
        utterance,
        kind: 'question',
        reply: 'I wasn\'t learning anything. To teach me, say "let me teach you to pack".',
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    const mt = this.#motionTeaching;
    const hg = this.#handGuided;
    if (hg && mt) {
      // "done" after guiding the arm: stop recording, hand the arm back, check the recording.
      try {
        const demo = await hg.finish();
        this.#handGuided = null;
        if (demo.samples.length < 2)
          throw new Error(
            `only ${demo.samples.length} joint state${demo.samples.length === 1 ? '' : 's'} arrived while I was recording; guide the arm for a few seconds before saying "done" (and check that the robot publishes its joint states)`,
          );
        mt.add(demo);
        this.#emit({ type: 'teaching', status: 'step', name: trace.name, steps: mt.demonstrations.length, t: Date.now() });
      } catch (err) {
        const why = (err as Error).message;
        if (this.#handGuided) {
          this.#restoreFailure = why;
          return this.#finish({
            utterance,
            kind: 'error',
            reply: `I stopped recording, but ${this.#handGuidedEnded('done')}`,
            plan: null,
            executed: false,
            outcome: 'not_run',
            failure: why,
          });
        }
        if (!mt.demonstrations.length) {
          return this.#finish({
            utterance,
            kind: 'error',
            reply: `I can't learn from that demonstration: ${why}. The arm is back on its trajectory controller; say "I'll show you how to ${trace.name.replace(/_/g, ' ')}" to show me again, or "cancel".`,
            plan: null,
            executed: false,
            outcome: 'not_run',
            failure: why,
          });
        }
      }
    }
    if (mt?.demonstrations.length && !trace.steps.length) {
      let skill: MotionSkill;
      try {
        skill = mt.finish();
      } catch (err) {
        return this.#finish({
          utterance,
          kind: 'error',
          reply: `I could not learn ${trace.name}: ${(err as Error).message}`,
          plan: null,
          executed: false,
          outcome: 'not_run',
          failure: (err as Error).message,
        });
      }
      this.library.addMotion(skill);
      this.#teaching = null;
      this.#motionTeaching = null;
      this.#syncFromLibrary();
      this.#emit({ type: 'teaching', status: 'finished', name: skill.name, steps: mt.demonstrations.length, t: Date.now() });
      this.#emit({ type: 'taught', what: 'behavior', name: skill.name, detail: skill.description, t: Date.now() });
      return this.#finish({
        utterance,
        kind: 'taught',
        reply: `Got it! I learned ${skill.name}(${skill.params.map((p) => p.name).join(', ')}) from ${mt.demonstrations.length} demonstration${mt.demonstrations.length === 1 ? '' : 's'}: ${skill.description}`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    if (!trace.steps.length)
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `You haven't shown me any steps for ${trace.name} yet. Tell me the first step, or say "cancel".`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    const { registry, world, planner } = this.deps;
    let def: BehaviorDefinition | undefined;
    if (planner.synthesizeBehavior) {
      try {
        const proposal = await planner.synthesizeBehavior(trace, this.plannerContext());
        const lifted = liftBehavior({ ...trace, name: proposal.name, mentions: proposal.params.map((p) => p.literal) }, registry.list());
        let named: BehaviorDefinition = { ...lifted, description: proposal.description || lifted.description };
        // Keep the model's parameter names when it gave some.
        proposal.params.forEach((p, i) => {
          const from = named.params[i]?.name;
          if (from && p.name && from !== p.name) named = renameParam(named, from, p.name);
        });
        def = named;
      } catch {
        def = undefined; // fall back to the embedded lifting below
      }
    }
    def ??= liftBehavior(trace, registry.list());
    const errors = registry.validateBehavior(def, { entities: world.names() });
    if (errors.length) {
      return this.#finish({
        utterance,
        kind: 'error',
        reply: `I could not learn ${trace.name}: ${errors.join('; ')}`,
        plan: null,
        executed: false,
        outcome: 'not_run',
        failure: errors.join('; '),
      });
    }
    this.#teaching = null;
    this.#motionTeaching = null;
    this.library.addBehavior(def);
    this.#syncFromLibrary();
    this.#emit({ type: 'teaching', status: 'finished', name: def.name, steps: trace.steps.length, t: Date.now() });
    this.#emit({ type: 'taught', what: 'behavior', name: def.name, detail: formatBody(def), t: Date.now() });
    return this.#finish({
      utterance,
      kind: 'taught',
      reply: `Got it! I learned ${formatSignature(def)}: ${def.description} (${formatBody(def)})`,
      plan: null,
      executed: false,
      outcome: 'not_run',
    });
  }

  #undo(utterance: string): Turn {
    if (this.#teaching && this.#teaching.steps.length) {
      const step = this.#teaching.steps.pop()!;
      return this.#finish({
        utterance,
        kind: 'plan',
        reply: `Okay, "${step.utterance}" is no longer part of ${this.#teaching.name}. (The arm does not move back.)`,
        plan: [],
        executed: false,
        outcome: 'not_run',
      });
    }
    const r = this.library.undo();
    if (!r)
      return this.#finish({
        utterance,
        kind: 'question',
        reply: 'There is nothing to undo.',
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    this.#syncFromLibrary();
    this.#emit({ type: 'library', change: 'undo', summary: r.summary, t: Date.now() });
    return this.#finish({ utterance, kind: 'taught', reply: `Undone: ${r.summary}.`, plan: null, executed: false, outcome: 'not_run' });
  }

  #forget(utterance: string, name: string): Turn {
    const { registry, world } = this.deps;
    const behavior = registry.has(name) ? registry.get(name) : undefined;
    if (behavior) {
      if ((behavior.kind === 'primitive' && !behavior.learned) || (behavior.kind === 'behavior' && behavior.builtin)) {
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `${name} is built in; I can't forget it.`,
          plan: null,
          executed: false,
          outcome: 'not_run',
        });
      }
      const users = registry
        .list()
        .filter(
          (s) =>
            s.kind === 'behavior' && s.name !== name && (registry.get(s.name) as BehaviorDefinition).body.some((st) => st.skill === name),
        );
      if (users.length) {
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `${users.map((u) => u.name).join(' and ')} use${users.length === 1 ? 's' : ''} ${name}; forget ${users.length === 1 ? 'it' : 'them'} first.`,
          plan: null,
          executed: false,
          outcome: 'not_run',
        });
      }
      if (behavior.kind === 'primitive') this.library.removeMotion(name);
      else this.library.removeBehavior(name);
    } else if (world.has(name)) {
      if (this.#sceneEntities.has(name))
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `${name} came with the scene; I can't forget it.`,
          plan: null,
          executed: false,
          outcome: 'not_run',
        });
      this.library.removeEntity(name);
    } else {
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `I don't know ${name}. ${this.#listTaught()}`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    this.#syncFromLibrary();
    this.#emit({ type: 'library', change: 'forget', summary: `forgot ${name}`, t: Date.now() });
    return this.#finish({
      utterance,
      kind: 'taught',
      reply: `Okay, I forgot ${name}. Say "undo" to take that back.`,
      plan: null,
      executed: false,
      outcome: 'not_run',
    });
  }

  #rename(utterance: string, from: string, to: string): Turn {
    const { registry, world } = this.deps;
    if (registry.has(to) || world.has(to))
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `I already know ${to}; pick another name.`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    const def = registry.has(from) ? registry.get(from) : undefined;
    if (def) {
      if ((def.kind === 'primitive' && !def.learned) || (def.kind === 'behavior' && def.builtin))
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `${from} is built in; I can't rename it.`,
          plan: null,
          executed: false,
          outcome: 'not_run',
        });
      if (!/^[a-z][a-z0-9_]*$/.test(to))
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `${def.kind === 'primitive' ? 'Skill' : 'Behavior'} names are lower_snake_case, like ${from}.`,
          plan: null,
          executed: false,
          outcome: 'not_run',
        });
      try {
        // Learned motion skills (DMPs) are renamed like taught behaviors: callers follow the new name.
        if (def.kind === 'primitive') this.library.renameMotion(from, to);
        else this.library.renameBehavior(from, to);
      } catch (err) {
        return this.#finish({
          utterance,
          kind: 'error',
          reply: `I could not rename ${from}: ${(err as Error).message}`,
          plan: null,
          executed: false,
          outcome: 'not_run',
          failure: (err as Error).message,
        });
      }
    } else if (world.has(from) && !this.#sceneEntities.has(from)) {
      const e = world.get(from)!;
      if (!/^[A-Z][A-Z0-9_]*$/.test(to))
        return this.#finish({
          utterance,
          kind: 'question',
          reply: `Object names are UPPER_SNAKE_CASE, like ${from}.`,
          plan: null,
          executed: false,
          outcome: 'not_run',
        });
      this.library.addEntity({ ...e, name: to });
      this.library.removeEntity(from);
    } else {
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `I can only rename things you taught me. ${this.#listTaught()}`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    this.#syncFromLibrary();
    this.#emit({ type: 'library', change: 'rename', summary: `renamed ${from} to ${to}`, t: Date.now() });
    return this.#finish({
      utterance,
      kind: 'taught',
      reply: `Okay, ${from} is now called ${to}.`,
      plan: null,
      executed: false,
      outcome: 'not_run',
    });
  }

  #listTaught(): string {
    const behaviors = this.library.behaviors().map((b) => b.name);
    const motions = this.library.motions().map((m) => m.name);
    const names = this.library.entities().map((e) => e.name);
    const all = [...behaviors, ...motions, ...names];
    return all.length ? `You taught me: ${all.join(', ')}.` : 'You have not taught me anything yet.';
  }

  #listSkills(): string {
    const skills = this.deps.registry.list();
    const sig = (s: { name: string; params: { name: string }[] }) => `${s.name}(${s.params.map((p) => p.name).join(', ')})`;
    const isBuiltin = (name: string) => {
      const d = this.deps.registry.get(name);
      return d.kind === 'primitive' ? !d.learned : Boolean(d.builtin);
    };
    const builtin = skills.filter((s) => isBuiltin(s.name)).map(sig);
    const taught = skills.filter((s) => !isBuiltin(s.name)).map(sig);
    const names = this.deps.world.list().map((e) => e.name);
    return `I can ${builtin.join(', ')}.${taught.length ? ` You taught me ${taught.join(', ')}.` : ''} I know ${names.join(', ')}.`;
  }

  #describe(name: string): string {
    const { registry, world } = this.deps;
    if (registry.has(name)) {
      const def = registry.get(name);
      if (def.kind === 'behavior') return `${formatSignature(def)}: ${def.description} It does ${formatBody(def)}.`;
      return `${def.name}(${def.params.map((p) => p.name).join(', ')}): ${def.description}`;
    }
    const e = world.get(name);
    if (e) return `${e.name} is ${e.kind === 'location' ? 'a place' : 'an object'}: ${e.description}`;
    return `I don't know ${name}. Say "what can you do?" to hear what I know.`;
  }

  /** "No, the other one": swap the last command's object for the next best match and re-plan. */
  async #otherOne(utterance: string): Promise<Turn> {
    const last = this.#lastPlanned;
    if (!last)
      return this.#finish({
        utterance,
        kind: 'question',
        reply: 'The other one of what? Tell me what to do.',
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    this.cancel();
    const args = entityArgs(last.plan);
    const target = args[0];
    const { world } = this.deps;
    const original = world.get(target);
    const words = new Set(`${last.utterance} ${original?.description ?? ''}`.toLowerCase().match(/[a-z]+/g) ?? []);
    const candidates = world
      .list()
      .filter((e) => !last.tried.has(e.name) && e.kind === (original?.kind ?? 'object') && !e.container)
      .map((e) => ({ e, score: (e.description.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => words.has(w) && w.length > 2).length }))
      .sort((a, b) => b.score - a.score);
    if (!target || !candidates.length) {
      return this.#finish({
        utterance,
        kind: 'question',
        reply: `Which one do you mean? I know ${world
          .list()
          .map((e) => e.name)
          .join(', ')}.`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    const next = candidates[0].e.name;
    last.tried.add(next);
    const plan: Plan = last.plan.map((c): SkillCall => ({
      skill: c.skill,
      args: Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, v === target ? next : v])),
    }));
    this.#lastPlanned = { ...last, plan };
    return this.#propose(utterance, plan);
  }

  /** A kinesthetic demonstration arrived (`!demo FILE` in scripts, the console's recorder). */
  async demonstrate(demo: unknown, label = '!demo'): Promise<Turn> {
    const t = this.#motionTeaching;
    if (!t || !this.#teaching) {
      return this.#finish({
        utterance: label,
        kind: 'question',
        reply: 'Say what I should learn first, e.g. "I\'ll show you how to track around the tower".',
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    try {
      const p = t.add(demo);
      this.#emit({ type: 'teaching', status: 'step', name: this.#teaching.name, steps: t.demonstrations.length, t: Date.now() });
      return this.#finish({
        utterance: label,
        kind: 'plan',
        reply: `Got it: ${p.duration.toFixed(1)} s of motion. Show me again, or say "that's it".`,
        plan: [],
        executed: false,
        outcome: 'not_run',
      });
    } catch (err) {
      return this.#finish({
        utterance: label,
        kind: 'error',
        reply: `I can't learn from that demonstration: ${(err as Error).message}`,
        plan: null,
        executed: false,
        outcome: 'not_run',
        failure: (err as Error).message,
      });
    }
  }

  cancel(): void {
    // With no plan pending, cancel ends a camera move being shot frame by frame (the console's Cancel).
    if (!this.#pending) this.#endFrameMove('cancelled');
    if (this.#pending) this.#emit({ type: 'preview_cleared', t: Date.now() });
    this.#pending = null;
  }

  /**
   * The operator pointed at a world point (meters). Answers "Show me where TOY_CAR is": a
   * point on or near a body binds the name to that body (it then follows the object); a point
   * elsewhere names a location.
   */
  async point(p: [number, number, number]): Promise<Turn> {
    const utterance = `!click ${p.map((v) => v.toFixed(3)).join(' ')}`;
    const ask = this.#awaitingPoint;
    if (!ask) {
      return this.#finish({
        utterance,
        kind: 'error',
        reply: 'I wasn\'t asking where something is. Say a command first, e.g. "pick up the toy car".',
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    this.#awaitingPoint = null;
    const body = this.deps.locator?.nearestBody(p, 0.05);
    if (body) {
      this.library.addEntity({ name: ask.name, description: ask.description, kind: 'object', source: { type: 'body', body } });
      this.#syncFromLibrary();
      this.#emit({ type: 'taught', what: 'object', name: ask.name, detail: `body ${body}`, t: Date.now() });
      return this.#finish({
        utterance,
        kind: 'taught',
        reply: `Got it: that is ${ask.name} (${ask.description})`,
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    this.library.addEntity({ name: ask.name, description: ask.description, kind: 'location', source: { type: 'point', position: p } });
    this.#syncFromLibrary();
    this.#emit({ type: 'taught', what: 'location', name: ask.name, detail: p.map((v) => v.toFixed(3)).join(' '), t: Date.now() });
    return this.#finish({
      utterance,
      kind: 'taught',
      reply: `Got it: ${ask.name} is the location (${p.map((v) => v.toFixed(2)).join(', ')}).`,
      plan: null,
      executed: false,
      outcome: 'not_run',
    });
  }

  /**
   * Execute the pending plan. `stopAfter` (seconds of backend time after the start) triggers
   * an operator stop mid-motion, for scripts and tests.
   */
  async confirm(options: { stopAfter?: number } = {}): Promise<Turn> {
    const pending = this.#pending;
    if (!pending) {
      return this.#finish({
        utterance: '!confirm',
        kind: 'error',
        reply: 'There is no plan waiting for confirmation.',
        plan: null,
        executed: false,
        outcome: 'not_run',
      });
    }
    this.#pending = null;
    this.#emit({ type: 'preview_cleared', t: Date.now() });
    const { turn, preview } = pending;
    const { backend, world, registry, motion } = this.deps;
    this.#stopRequested = false;
    this.#executing = true;
    turn.executed = true;
    const notes: string[] = [];
    let unsubscribeStop: (() => void) | undefined;
    if (options.stopAfter !== undefined) {
      const t0 = backend.now();
      const at = options.stopAfter;
      unsubscribeStop = backend.onJointState((s) => {
        if (s.stamp - t0 >= at && !this.#stopRequested) void this.stop();
      });
    }
    let steps = preview.compiled;
    let split: FrameMovePlan | null = null;
    this.#emit({ type: 'execution', status: 'started', t: Date.now() });
    try {
      for (let i = 0; i < steps.length; i++) {
        let step = steps[i];
        if (this.#stopRequested) throw new SkillFailure('stopped by the operator');
        // If the world or the arm is not where the preview assumed, re-plan the rest.
        const state = this.armState();
        const moved = step.targetAt && distance(world.position(step.targetAt.entity), step.targetAt.position) > REPLAN_TARGET_TOL;
        const firstTraj = step.motions.find((m) => m.kind === 'trajectory');
        const off =
          firstTraj && firstTraj.kind === 'trajectory' && maxAbsDiff(firstTraj.trajectory.points[0].positions, state.q) > REPLAN_JOINT_TOL;
        if (moved || off) {
          notes.push(
            `re-planned from step ${i + 1} (${formatCall(step.call)}) because ${moved ? `${step.targetAt!.entity} moved` : 'the arm was not where the preview expected'}`,
          );
          const rest = compilePlan(
            registry,
            steps.slice(i).map((s) => s.call),
            motion,
            state,
          );
          steps = [...steps.slice(0, i), ...rest];
          step = steps[i];
        }
        if (preview.frames !== undefined && i === steps.length - 1) {
          // "… over N frames": run up to the camera move (ending at pose 1); the move itself goes pose by pose, one per shoot.
          split = planFrameMove(step, preview.frames, motion.model, { speedScale: motion.config.speedScale });
          const check = checkFrameMove(split, motion.model, this.deps.safety);
          if (!check.ok) throw new SkillFailure(check.reason);
          step = split.head;
        }
        this.#emit({ type: 'step', index: i, call: formatCall(step.call), status: 'started', t: Date.now() });
        await this.#runStep(step, i);
        world.lastTouched = step.end.lastTouched;
        this.#at = step.end.at ?? null;
        this.#emit({ type: 'step', index: i, call: formatCall(step.call), status: 'succeeded', t: Date.now() });
      }
      turn.outcome = 'succeeded';
      if (split) {
        this.#frameMove = { ...split, index: 1 };
        notes.push(`the camera holds pose 1 of ${split.total} of ${split.call}: say "shoot" to take each frame`);
        this.#emit({ type: 'frame_move', status: 'posed', call: split.call, index: 1, total: split.total, t: Date.now() });
      }
      if (this.#teaching && turn.plan && turn.plan.length) {
        this.#teaching.steps.push({ utterance: turn.utterance, plan: turn.plan });
        this.#emit({ type: 'teaching', status: 'step', name: this.#teaching.name, steps: this.#teaching.steps.length, t: Date.now() });
      }
    } catch (err) {
      this.#at = null;
      turn.outcome = 'failed';
      turn.failure = this.#stopRequested ? 'stopped by the operator' : (err as Error).message;
      this.#emit({ type: 'step', index: -1, call: '', status: 'failed', reason: turn.failure, t: Date.now() });
    } finally {
      unsubscribeStop?.();
      this.#executing = false;
    }
    if (turn.plan?.length) this.#posedBy = formatPlan(turn.plan);
    if (notes.length) turn.notes = notes;
    this.#emit({ type: 'execution', status: 'finished', outcome: turn.outcome, failure: turn.failure, t: Date.now() });
    this.#emit({ type: 'turn', turn, t: Date.now() });
    return turn;
  }

  async #runStep(step: CompiledStep, index: number): Promise<void> {
    const { backend, world } = this.deps;
    for (const [mi, m] of step.motions.entries()) {
      if (this.#stopRequested) throw new SkillFailure('stopped by the operator');
      this.#emit({ type: 'progress', step: index, motion: mi, label: m.label, fraction: 0, t: Date.now() });
      if (m.kind === 'trajectory') {
        const exec = backend.executeTrajectory(m.trajectory, {
          onProgress: (p) => this.#emit({ type: 'progress', step: index, motion: mi, label: m.label, fraction: p.fraction, t: Date.now() }),
        });
        const outcome = await exec.done;
        if (outcome.status !== 'succeeded') throw new SkillFailure(`${m.label}: ${outcome.status}: ${outcome.reason}`);
      } else if (m.kind === 'gripper') {
        const r = await backend.gripper(m.command);
        if (r.error) throw new SkillFailure(`${m.label}: ${r.error}`);
        if (this.#stopRequested) throw new SkillFailure('stopped by the operator');
        if (m.grasping !== undefined) {
          // Closing: did we get something? A stalled gripper holds an object.
          if (m.grasping && !r.stalled) {
            world.held = null;
            throw new SkillFailure(`the gripper closed on nothing; ${m.grasping} was not grasped`);
          }
          world.held = r.stalled ? (m.grasping ?? null) : null;
        } else {
          world.held = null;
        }
      } else {
        await backend.wait(m.seconds);
      }
    }
  }

  /** Attach the stop-motion studio (the session server does; scripts and the REPL have none). */
  useStudio(studio: StudioHooks | null): void {
    this.#studio = studio;
  }

  /** The camera move being shot frame by frame: the pose it holds (1-based) of how many. */
  get frameMove(): { call: string; index: number; total: number } | null {
    const fm = this.#frameMove;
    return fm ? { call: fm.call, index: fm.index, total: fm.total } : null;
  }

  /**
   * Take a stop-motion frame ("shoot", or the console's Shoot button). In a move split into
   * frames, the frame is taken at the pose held; then the camera moves on to the next pose
   * along the confirmed path (through the guard, like every motion) and stops there.
   */
  async shoot(utterance = '!shoot'): Promise<Turn> {
    const done = (kind: TurnKind, reply: string, failure?: string) =>
      this.#finish({
        utterance,
        kind,
        reply,
        plan: kind === 'plan' ? [] : null,
        executed: false,
        outcome: 'not_run',
        ...(failure ? { failure } : {}),
      });
    if (!this.#studio) return done('error', NO_STUDIO_REPLY, 'no stop-motion studio');
    if (this.#executing)
      return done('question', 'The camera is still moving; I take a frame once it holds still. Say "shoot" again when it stops.');
    const fm = this.#frameMove;
    if (fm && maxAbsDiff(fm.poses[fm.index - 1], this.deps.backend.jointState().position) > REPLAN_JOINT_TOL) {
      // Something moved the arm off the confirmed path: never jump back onto it unasked.
      const why = `the camera is no longer at pose ${fm.index} of ${fm.total}`;
      return done('error', `I didn't take the picture: ${why}, so the move is over. ${this.#endFrameMove(why)}`, why);
    }
    let saved: string;
    try {
      saved = await this.#studio.shoot({ posedBy: fm?.call ?? this.#posedBy, ...(fm ? { note: `pose ${fm.index} of ${fm.total}` } : {}) });
    } catch (err) {
      const why = (err as Error).message;
      return done(
        'error',
        `I couldn't take the picture: ${why}${/[.!?]$/.test(why) ? '' : '.'}${fm && this.#frameMove === fm ? ` The camera holds pose ${fm.index} of ${fm.total}; say "shoot" to try again.` : ''}`,
        why,
      );
    }
    if (!fm || this.#frameMove !== fm) return done('plan', saved);
    const last = fm.index >= fm.total;
    const motions = last
      ? fm.tail
      : [
          {
            kind: 'trajectory' as const,
            label: `${fm.call}: pose ${fm.index} to ${fm.index + 1} of ${fm.total}`,
            trajectory: fm.segments[fm.index - 1],
          },
        ];
    if (motions.length) {
      if (!last) this.#emit({ type: 'frame_move', status: 'moving', call: fm.call, index: fm.index + 1, total: fm.total, t: Date.now() });
      this.#stopRequested = false;
      this.#executing = true;
      try {
        await this.#runStep({ call: fm.head.call, motions, end: fm.head.end }, 0);
      } catch (err) {
        const why = this.#stopRequested ? 'stopped by the operator' : (err as Error).message;
        return done(
          'plan',
          `${saved} ${why === 'stopped by the operator' ? 'I stopped, as you asked.' : `The camera could not move on: ${why}.`} ${this.#endFrameMove(why)}`.trimEnd(),
        );
      } finally {
        this.#executing = false;
      }
      if (this.#frameMove !== fm) return done('plan', `${saved} The move was ended.`);
    }
    if (last) return done('plan', `${saved} ${this.#endFrameMove('finished')}`);
    fm.index++;
    this.#emit({ type: 'frame_move', status: 'posed', call: fm.call, index: fm.index, total: fm.total, t: Date.now() });
    return done('plan', `${saved} The camera is at pose ${fm.index} of ${fm.total}.`);
  }

  /** End a move split into frames (all shot, cancelled, stopped…); returns what to tell the operator. */
  #endFrameMove(reason: string): string {
    const fm = this.#frameMove;
    if (!fm) return '';
    this.#frameMove = null;
    this.#emit({ type: 'frame_move', status: 'ended', call: fm.call, index: fm.index, total: fm.total, reason, t: Date.now() });
    return reason === 'finished'
      ? `That was the last of the ${fm.total} frames of ${fm.call}.`
      : `The ${fm.call} move ended at pose ${fm.index} of ${fm.total}.`;
  }

  /** "delete the last frame", "new film called X": the studio answers. */
  async #studioCommand(utterance: string, run: (s: StudioHooks) => Promise<string>): Promise<Turn> {
    if (!this.#studio)
      return this.#finish({
        utterance,
        kind: 'error',
        reply: NO_STUDIO_REPLY,
        plan: null,
        executed: false,
        outcome: 'not_run',
        failure: 'no stop-motion studio',
      });
    try {
      return this.#finish({ utterance, kind: 'plan', reply: await run(this.#studio), plan: [], executed: false, outcome: 'not_run' });
    } catch (err) {
      return this.#finish({
        utterance,
        kind: 'error',
        reply: (err as Error).message,
        plan: null,
        executed: false,
        outcome: 'not_run',
        failure: (err as Error).message,
      });
    }
  }

  /** Halt the robot now, from any state. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    if (this.#pending) this.#emit({ type: 'preview_cleared', t: Date.now() });
    this.#pending = null;
    this.#endFrameMove('stopped');
    this.#emit({ type: 'stop', t: Date.now() });
    await this.deps.backend.stop();
    // A demonstration being recorded by hand is aborted, and the trajectory controller restored.
    if (this.#handGuided) await this.abortRecording();
  }
}

function gripperDuration(session: Session, target: number): number {
  const g = session.deps.motion.model.gripper;
  if (!g) return 0;
  return Math.abs(target - session.deps.backend.gripperPosition()) / g.velocity;
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Entity names used as arguments in a plan, in order. */
function entityArgs(plan: Plan): string[] {
  const out: string[] = [];
  for (const c of plan)
    for (const v of Object.values(c.args)) if (typeof v === 'string' && /^[A-Z][A-Z0-9_]*$/.test(v) && !out.includes(v)) out.push(v);
  return out;
}

function renameParam(def: BehaviorDefinition, from: string, to: string): BehaviorDefinition {
  return {
    ...def,
    params: def.params.map((p) => (p.name === from ? { ...p, name: to } : p)),
    body: def.body.map((st) => ({
      skill: st.skill,
      args: Object.fromEntries(Object.entries(st.args).map(([k, v]) => [k, typeof v === 'object' && v.param === from ? { param: to } : v])),
    })),
  };
}
