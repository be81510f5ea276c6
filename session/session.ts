/**
 * A dialogue session: utterance → plan → compiled, safety-checked preview → (confirm) →
 * execution on the backend. The CLI, the script runner and the console server all drive the
 * robot through this one class, so they behave the same.
 *
 * What the session is doing is one typed value (state.ts). Each public event method (say,
 * confirm, cancel, stop, point, demonstrate, shoot, disconnected) is the transition function for
 * that event: it looks at the state, acts, and moves to the next state through #enter, which
 * announces every transition. The chart is in ARCHITECTURE.md.
 *
 * Invariants: nothing moves unless a plan was validated against the live registry, compiled,
 * passed the safety check, was shown, and that preview was confirmed. Stop halts the arm from
 * every state. A pending plan belongs to whoever asked for it: another console cannot replace it.
 */
import type { PlannerContext, PlannerResult } from '../planner/index.js';
import { frameCountIn } from '../planner/rule-planner.js';
import { mentionsIn } from '../planner/teach.js';
import type { ArmState, CompiledStep } from '../skills/primitives.js';
import { motionSkillDefinition } from '../skills/motion-skills.js';
import { formatPlan, type BehaviorDefinition, type Plan } from '../skills/registry.js';
import type { TeachingTrace } from '../planner/types.js';
import { answer, type SessionCore } from './core.js';
import { executePlan, type Executing, type SessionMemory } from './execute.js';
import { describe, entityArgs, forget, listSkills, otherOne, rename, resize, undo } from './library-commands.js';
import { MemoryLibrary, type LibraryStore } from './library-store.js';
import { compilePreview, describeStep, propose } from './preview.js';
import { viewState, withLesson, type DialogueState, type DialogueStateView, type Expectation } from './state.js';
import { confirmThere, notThere, pointAt } from './pointing.js';
import { endFrameMove, shoot, studioCommand } from './studio-commands.js';
import {
  abortRecording,
  demonstrate,
  finishTeaching,
  handBack,
  handGuidedEnded,
  lessonAnswer,
  restoreFailure,
  startTeaching,
} from './teaching.js';
import {
  OPERATOR,
  type Preview,
  type PreviewStep,
  type PreviewTotals,
  type SessionDeps,
  type SessionEvent,
  type Source,
  type StudioHooks,
  type Turn,
} from './types.js';

export type * from './types.js';
export { NO_STUDIO_REPLY, OPERATOR } from './types.js';
export { previewSummary } from './preview.js';
export { MemoryLibrary, type LibraryStore } from './library-store.js';
export type { DialogueState, DialogueStateView, Lesson } from './state.js';

/** The name a reply uses for who asked for a plan. */
function whose(by: Source | null): string {
  if (!by) return 'A';
  if (by === 'api') return "The HTTP API's";
  if (by === OPERATOR) return "The operator's";
  return "Another console's";
}

export class Session {
  readonly deps: SessionDeps & { library: LibraryStore };
  readonly history: Turn[] = [];
  #state: DialogueState = { kind: 'idle', lesson: null };
  /** entities that come with the scene (not taught, cannot be forgotten) */
  readonly #sceneEntities: Set<string>;
  /** what the session remembers beside its state (the last command, where the gripper is) */
  readonly #memory: SessionMemory = { lastPlanned: null, at: null, posedBy: null };
  /** the stop-motion studio, when the server runs one */
  #studio: StudioHooks | null = null;
  readonly #listeners = new Set<(e: SessionEvent) => void>();
  readonly #core: SessionCore;

  constructor(deps: SessionDeps) {
    this.deps = { ...deps, library: deps.library ?? new MemoryLibrary() };
    this.#sceneEntities = new Set(deps.world.names());
    const current = () => this.#state;
    this.#core = {
      deps: this.deps,
      library: this.deps.library,
      sceneEntities: this.#sceneEntities,
      get state() {
        return current();
      },
      enter: (next, event) => this.#enter(next, event),
      touched: (event) => this.#announce(this.#state.kind, event),
      emit: (e) => this.#emit(e),
      finish: (turn) => this.#finish(turn),
      sync: () => this.#syncFromLibrary(),
      plannerContext: () => this.plannerContext(),
      propose: (utterance, plan, by, frames) => propose(this.#core, utterance, plan, by, frames),
      arm: () => this.armState(),
    };
    this.#syncFromLibrary();
  }

  get library(): LibraryStore {
    return this.deps.library;
  }

  /** What the session is doing (read-only: it changes only through the event methods). */
  get state(): DialogueState {
    return this.#state;
  }

  /** The state as clients see it (JSON). */
  get view(): DialogueStateView {
    return viewState(this.#state);
  }

  /** The lesson in progress, if any. */
  get teaching(): TeachingTrace | null {
    return this.#state.lesson;
  }

  get pending(): Preview | null {
    return this.#state.kind === 'previewing' ? this.#state.preview : null;
  }

  /** Is the arm running a confirmed motion (a plan, or a frame move's next pose)? */
  get executing(): boolean {
    const s = this.#state;
    return s.kind === 'executing' || (s.kind === 'framing' && s.moving);
  }

  /** The robot asked where a new object is; a pointed location (point()) answers it. */
  get awaitingPoint(): { name: string; description: string } | null {
    const s = this.#state;
    // "Is LOTION there?" also takes a click (on the right spot).
    return s.kind === 'asking' && (s.expects.kind === 'point' || s.expects.kind === 'there')
      ? { name: s.expects.name, description: s.expects.description }
      : null;
  }

  /** The camera move being shot frame by frame: the pose it holds (1-based) of how many. */
  get frameMove(): { call: string; index: number; total: number } | null {
    const s = this.#state;
    return s.kind === 'framing' ? { call: s.move.call, index: s.index, total: s.move.total } : null;
  }

  armState(): ArmState {
    const { backend, world } = this.deps;
    return {
      q: [...backend.jointState().position],
      // A measured finger position can overshoot its limit by a hair (the sim's contact solver):
      // plans and checks start from the nearest value the gripper can command.
      gripper: clampGripper(backend.gripperPosition(), this.deps.motion.model.gripper),
      held: world.held,
      lastTouched: world.lastTouched,
      at: this.#memory.at,
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
      teaching: this.#state.lesson ? { name: this.#state.lesson.name } : null,
    };
  }

  /** Listen to everything the session does (the console server, the JSONL log). */
  subscribe(listener: (e: SessionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Attach the stop-motion studio (the session server does; scripts and the REPL have none). */
  useStudio(studio: StudioHooks | null): void {
    this.#studio = studio;
  }

  /** Compile a validated plan from the current arm state and check every trajectory. */
  preview(plan: Plan): Preview {
    return compilePreview(this.deps, plan, this.armState());
  }

  /** What the preview shows of one compiled step (durations, the safety check). Adds to `totals`. */
  describeStep(step: CompiledStep, totals: PreviewTotals): PreviewStep {
    return describeStep(this.deps, step, totals);
  }

  // -------------------------------------------------------------------------------------------
  // Events. Each is the transition function for one kind of event.

  /**
   * An utterance (typed, spoken, from a script). Control words act on the state; a plan waits for
   * confirm. `confirmGate`: asked before a "yes" runs the pending preview; a string refuses it
   * (the console's server uses it so a "yes" approves only the preview that client was shown).
   */
  async say(utterance: string, options: { by?: Source; confirmGate?: (pending: Preview) => string | null } = {}): Promise<Turn> {
    const by = options.by ?? OPERATOR;

    this.#emit({ type: 'utterance', text: utterance, t: Date.now() });
    const s = this.#state;
    if (s.kind === 'asking' && s.expects.kind === 'step') {
      // "retry", "skip", "end the lesson" answer the question; anything else is a new command.
      const a = lessonAnswer(utterance);
      if (a) return this.#stepAnswer(utterance, a, s.expects.utterance, by);
    }
    let result: PlannerResult;
    try {
      result = await this.deps.planner.plan(utterance, this.plannerContext());
    } catch (err) {
      const why = (err as Error).message;
      return answer(this.#core, utterance, 'error', `Sorry, something went wrong while planning: ${why}`, why);
    }
    return this.#onResult(utterance, result, by, options.confirmGate);
  }

  async #onResult(utterance: string, result: PlannerResult, by: Source, confirmGate?: (pending: Preview) => string | null): Promise<Turn> {
    const core = this.#core;
    switch (result.kind) {
      case 'stop': {
        const recording = this.#state.kind === 'recording';
        await this.stop();
        return answer(core, utterance, 'plan', `Stopping.${recording ? ` ${handGuidedEnded(core)}` : ''}`);
      }
      case 'cancel':
        return this.cancel({ by, utterance });
      case 'confirm': {
        const s = this.#state;
        const refused = s.kind === 'previewing' && confirmGate ? confirmGate(s.preview) : null;
        if (refused) return answer(core, utterance, 'error', refused);
        return this.#yes(utterance, by);
      }
      case 'question': {
        const busy = this.#busy(utterance, by) ?? (await handBack(core, utterance));
        if (busy) return busy;
        const u = result.unknown;
        if (!u && result.reason !== 'ambiguous' && result.reason !== 'missing_argument') {
          // Not a question to answer ("I can't follow that"): it replaces what was pending or asked.
          const s = this.#state;
          if (s.kind === 'previewing' || s.kind === 'asking') this.#enter({ kind: 'idle', lesson: s.lesson }, 'not_understood');
          return answer(core, utterance, 'question', result.reply);
        }
        const expects: Expectation =
          u?.kind === 'object'
            ? { kind: 'point', name: u.proposedName, description: u.description }
            : u?.kind === 'verb'
              ? { kind: 'teach', verb: u.proposedName, mentions: u.mentions }
              : { kind: 'reply' };
        this.#enter({ kind: 'asking', lesson: this.#state.lesson, question: result.reply, expects, utterance, askedBy: by }, 'question');
        return answer(core, utterance, 'question', result.reply);
      }
      case 'teach_start': {
        const busy = this.#busy(utterance, by);
        if (busy) return busy;
        const s = this.#state;
        const offered = s.kind === 'asking' && s.expects.kind === 'teach' && s.expects.verb === result.name && s.askedBy === by;
        // A step said to an offer this client was not asked (or no longer open) is just a command.
        if (result.step && !offered) {
          const frames = result.step.frames !== undefined ? { frames: result.step.frames } : {};
          return this.#proposeCommand(utterance, { kind: 'plan', plan: result.step.plan, reply: '', repairs: [], ...frames }, by);
        }
        const command = result.command ?? utterance;
        const taught = await this.#teach(utterance, result.name, command, result.mentions ?? mentionsIn(command, this.plannerContext()));
        // "pick up the candy" said instead of "yes" to "Teach me?": that first step is previewed in the new lesson.
        const step = result.step;
        if (!step || this.#state.kind !== 'idle' || this.#state.lesson?.name !== result.name) return taught;
        const frames = step.frames !== undefined ? { frames: step.frames } : {};
        return this.#proposeCommand(step.utterance, { kind: 'plan', plan: step.plan, reply: '', repairs: [], ...frames }, by);
      }
      case 'teach_done':
        return this.#busyRunning(utterance) ?? finishTeaching(core, utterance);
      case 'point_here': {
        const tip = this.deps.motion.model.tipPose(this.deps.backend.jointState().position);
        return this.point([tip[12], tip[13], tip[14]], { by, utterance });
      }
      case 'undo':
        return undo(core, utterance);
      case 'forget':
        return forget(core, utterance, result.name);
      case 'rename':
        return rename(core, utterance, result.from, result.to);
      case 'list_skills':
        return answer(core, utterance, 'plan', listSkills(core));
      case 'describe':
        return answer(core, utterance, 'plan', describe(core, result.name));
      case 'other_one': {
        const busy = this.#busy(utterance, by) ?? (await handBack(core, utterance));
        if (busy) return busy;
        // The one shown was the wrong one: it is dropped whatever comes next.
        if (this.#state.kind === 'previewing' || this.#state.kind === 'asking')
          this.#enter({ kind: 'idle', lesson: this.#state.lesson }, 'other_one');
        return otherOne(core, utterance, this.#memory.lastPlanned, by);
      }
      case 'rejected':
        return answer(core, utterance, 'rejected', result.reply);
      case 'shoot':
        return this.shoot(utterance);
      case 'delete_frame':
        return studioCommand(core, this.#studio, utterance, (s) => s.deleteLast());
      case 'object_size':
        return resize(core, utterance, result.name, result.axis, result.meters);
      case 'open_film': {
        const name = result.name;
        return studioCommand(core, this.#studio, utterance, (s) => s.open(name));
      }
      case 'plan': {
        const busy = this.#busy(utterance, by) ?? (await handBack(core, utterance));
        if (busy) return busy;
        return this.#proposeCommand(utterance, result, by);
      }
      default: {
        const never: never = result;
        throw new Error(`[session] unhandled planner result ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Execute the pending plan (the console's Execute, "yes", /api/confirm). `stopAfter` (seconds of
   * backend time after the start) triggers an operator stop mid-motion, for scripts and tests.
   */
  async confirm(options: { stopAfter?: number; by?: Source } = {}): Promise<Turn> {
    const s = this.#state;
    if (s.kind !== 'previewing') {
      const why = s.kind === 'executing' ? 'A plan is already running.' : 'There is no plan waiting for confirmation.';
      return answer(this.#core, '!confirm', 'error', why);
    }
    const exec: Executing = {
      kind: 'executing',
      lesson: s.lesson,
      preview: s.preview,
      turn: s.turn,
      step: 0,
      stopRequested: false,
      proposedBy: s.proposedBy,
    };
    this.#enter(exec, 'confirm');
    return executePlan(this.#core, exec, this.#memory, { stopAfter: options.stopAfter, stop: () => this.stop() });
  }

  /**
   * Cancel (the console's Cancel, "cancel", /api/cancel): one level at a time. A pending plan,
   * an open question or a camera move held frame by frame ends; with none of those, the lesson
   * in progress (and a hand-guided recording) ends. A motion in progress is not cancelled: stop it.
   */
  async cancel(options: { by?: Source; utterance?: string } = {}): Promise<Turn> {
    const core = this.#core;
    const utterance = options.utterance ?? '!cancel';
    const s = this.#state;
    switch (s.kind) {
      case 'previewing':
        this.#enter({ kind: 'idle', lesson: s.lesson }, 'cancel');
        return answer(core, utterance, 'plan', 'Okay, cancelled.');
      case 'asking': {
        if (s.expects.kind === 'there') return notThere(core, s, utterance);
        if (s.expects.kind === 'step') return this.#stepAnswer(utterance, 'skip', s.expects.utterance, options.by ?? OPERATOR);
        this.#enter({ kind: 'idle', lesson: s.lesson }, 'cancel');
        const e = s.expects;
        const text =
          e.kind === 'point'
            ? `Okay, I won't wait for you to show me ${e.name}.`
            : e.kind === 'teach'
              ? `Okay, I won't learn ${e.verb.replace(/_/g, ' ')} now.`
              : 'Okay, never mind.';
        return answer(core, utterance, 'plan', text);
      }
      case 'framing':
        return answer(core, utterance, 'plan', `Okay. ${endFrameMove(core, 'cancel')}`);
      case 'executing':
        return answer(core, utterance, 'question', 'The arm is moving: say "stop" (or press STOP) to halt it.');
      case 'recording': {
        if (!(await abortRecording(core, 'cancel')))
          return answer(core, utterance, 'error', `I stopped recording. ${handGuidedEnded(core)}`, restoreFailure(core));
        return this.#abandonLesson(utterance, ' The arm is back on its trajectory controller.');
      }
      case 'idle':
        if (s.lesson) return this.#abandonLesson(utterance, '');
        return answer(core, utterance, 'plan', 'There was nothing to cancel.');
    }
  }

  #abandonLesson(utterance: string, more: string): Turn {
    const lesson = this.#state.lesson;
    if (!lesson) return answer(this.#core, utterance, 'plan', `Okay.${more}`);
    this.#enter(withLesson(this.#state, null), 'lesson_abandoned');
    this.#emit({ type: 'teaching', status: 'abandoned', name: lesson.name, steps: 0, t: Date.now() });
    return answer(this.#core, utterance, 'plan', `Okay, I stopped learning ${lesson.name}.${more}`);
  }

  /** Halt the robot now, from any state. Never waits behind planning or a motion. */
  async stop(): Promise<void> {
    const s = this.#state;
    if (s.kind === 'executing' || (s.kind === 'framing' && s.moving)) {
      // The run ends (idle) as soon as the backend reports the halt.
      s.stopRequested = true;
      this.#announce(s.kind, 'stop');
    } else if (s.kind === 'previewing' || s.kind === 'framing') {
      this.#enter({ kind: 'idle', lesson: s.lesson }, 'stop');
    }
    this.#emit({ type: 'stop', t: Date.now() });
    await this.deps.backend.stop();
    // A demonstration being recorded by hand is aborted, and the trajectory controller restored.
    if (this.#state.kind === 'recording') await abortRecording(this.#core, 'stop');
  }

  /**
   * The operator pointed at a world point (meters). Answers "Show me where TOY_CAR is": a
   * point on or near a body binds the name to that body (it then follows the object); a point
   * elsewhere names a location.
   */
  point(p: [number, number, number], options: { by?: Source; utterance?: string } = {}): Promise<Turn> {
    const utterance = options.utterance ?? `!click ${p.map((v) => v.toFixed(3)).join(' ')}`;
    return pointAt(this.#core, p, utterance, (command) => this.#carryOn(command, options.by ?? OPERATOR));
  }

  /** A kinesthetic demonstration arrived (`!demo FILE` in scripts, the console's recorder). */
  demonstrate(demo: unknown, label = '!demo'): Promise<Turn> {
    return Promise.resolve(demonstrate(this.#core, demo, label));
  }

  /** Take a stop-motion frame ("shoot", the console's Shoot button); in a frame move, then on to the next pose. */
  shoot(utterance = '!shoot'): Promise<Turn> {
    return shoot(this.#core, this.#studio, utterance, this.#memory.posedBy);
  }

  /**
   * A client went away (a console closed). Its pending plan stays pending (it reconnects, or
   * another console confirms or cancels it), but no longer blocks other consoles' commands.
   */
  disconnected(by: Source): void {
    const s = this.#state;
    if (s.kind === 'previewing' && s.proposedBy === by) this.#enter({ ...s, proposedBy: null }, 'disconnect');
    else if (s.kind === 'executing' && s.proposedBy === by) {
      s.proposedBy = null;
      this.#announce(s.kind, 'disconnect');
    }
  }

  /** End a hand-guided recording without learning (the app closing); false when the arm could not be handed back. */
  abortRecording(): Promise<boolean> {
    return abortRecording(this.#core, 'abort');
  }

  // -------------------------------------------------------------------------------------------
  // Transitions

  /**
   * The command that asked for a name is planned again once the name is known: previewed and
   * waiting for confirmation (or refused with the reason), never run.
   */
  async #carryOn(command: string, by: Source): Promise<void> {
    if (!command) return;
    let result: PlannerResult;
    try {
      result = await this.deps.planner.plan(command, this.plannerContext());
    } catch {
      return; // the name is taught; the operator can say the command again
    }
    if (result.kind !== 'plan' || this.#state.kind !== 'idle') return;
    this.#proposeCommand(command, result, by);
  }

  /** The answer to "retry it, skip it, or end the lesson?" after a lesson step failed or was refused. */
  async #stepAnswer(utterance: string, answerKind: 'retry' | 'skip' | 'end', step: string, by: Source): Promise<Turn> {
    const core = this.#core;
    const lesson = this.#state.lesson;
    // The question is answered either way; then the lesson ends, or goes on.
    this.#enter({ kind: 'idle', lesson }, answerKind);
    if (answerKind === 'end' || !lesson) return this.#abandonLesson(utterance, '');
    if (answerKind === 'skip')
      return answer(core, utterance, 'plan', `Okay, "${step}" stays out of ${lesson.name}. Show me the next step, or say "that's it".`);
    // Retry: plan the step again; it is previewed and waits for confirmation like any step.
    let result: PlannerResult;
    try {
      result = await this.deps.planner.plan(step, this.plannerContext());
    } catch (err) {
      const why = (err as Error).message;
      return answer(core, utterance, 'error', `Sorry, something went wrong while planning: ${why}`, why);
    }
    if (result.kind !== 'plan') return answer(core, utterance, 'question', result.reply);
    return this.#proposeCommand(step, result, by);
  }

  /** Propose a planned command; it is also remembered for "no, the other one". */
  #proposeCommand(utterance: string, result: Extract<PlannerResult, { kind: 'plan' }>, by: Source): Turn {
    this.#memory.lastPlanned = { utterance, plan: result.plan, tried: new Set(entityArgs(result.plan)) };
    return propose(this.#core, utterance, result.plan, by, result.frames ?? frameCountIn(utterance));
  }

  /** "yes": answers "Teach me?", or confirms the pending plan. */
  async #yes(utterance: string, by: Source): Promise<Turn> {
    const s = this.#state;
    if (s.kind === 'asking' && s.expects.kind === 'teach') return this.#teach(utterance, s.expects.verb, s.utterance, s.expects.mentions);
    if (s.kind === 'asking' && s.expects.kind === 'there') return confirmThere(this.#core, s, utterance, (c) => this.#carryOn(c, by));
    if (s.kind === 'asking' && s.expects.kind === 'step') return this.#stepAnswer(utterance, 'retry', s.expects.utterance, by);
    if (s.kind === 'previewing') return this.confirm({ by });
    if (s.kind === 'asking' && s.expects.kind === 'point') {
      return answer(
        this.#core,
        utterance,
        'question',
        `Show me where ${s.expects.name} is first: click it in the console, or say "cancel".`,
      );
    }
    return this.#busyRunning(utterance) ?? answer(this.#core, utterance, 'question', 'There is no plan waiting. What should I do?');
  }

  async #teach(utterance: string, name: string, command: string, mentions: string[]): Promise<Turn> {
    const s = this.#state;
    // A new lesson replaces what was pending or asked (but not a motion: #busy refused that).
    if (s.kind === 'previewing' || s.kind === 'asking') this.#enter({ kind: 'idle', lesson: s.lesson }, 'teach_start');
    return startTeaching(this.#core, utterance, name, command, mentions);
  }

  /** A running motion refuses new activity: the answer, or null. */
  #busyRunning(utterance: string): Turn | null {
    const s = this.#state;
    if (s.kind === 'executing')
      return answer(
        this.#core,
        utterance,
        'question',
        `I'm still carrying out ${formatPlan(s.preview.plan)}. Say "stop" to halt it, or wait until it is done.`,
      );
    if (s.kind === 'framing' && s.moving)
      return answer(this.#core, utterance, 'question', 'The camera is moving to its next pose; wait until it holds still.');
    return null;
  }

  /**
   * Would a new activity (a plan, a question, a lesson) be refused now? While the arm runs a
   * motion, while a camera move holds its pose, or while another client's plan is pending.
   */
  #busy(utterance: string, by: Source): Turn | null {
    const running = this.#busyRunning(utterance);
    if (running) return running;
    const s = this.#state;
    if (s.kind === 'framing') {
      // The camera must stay on the confirmed path until the move is shot or ended.
      return answer(
        this.#core,
        utterance,
        'question',
        `The camera is holding pose ${s.index} of ${s.move.total} of ${s.move.call}. Say "shoot" to take this frame, or "cancel" to end the move first.`,
      );
    }
    if (s.kind === 'previewing' && s.proposedBy !== null && s.proposedBy !== by) {
      return answer(
        this.#core,
        utterance,
        'question',
        `${whose(s.proposedBy)} plan ${formatPlan(s.preview.plan)} is waiting for confirmation. Confirm or cancel it first.`,
      );
    }
    return null;
  }

  /** The one place the state changes: announce it, and what leaving the old state means for listeners. */
  #enter(next: DialogueState, event: string): void {
    const prev = this.#state;
    this.#state = next;
    // A preview is dropped when the state leaves it (cancel, stop, confirm, a question): the
    // console clears it. A preview replaced by a new one is not "cleared": the new one is shown.
    if (prev.kind === 'previewing' && next.kind !== 'previewing') this.#emit({ type: 'preview_cleared', t: Date.now() });
    if (prev.kind === 'framing' && next.kind !== 'framing') {
      this.#emit({
        type: 'frame_move',
        status: 'ended',
        call: prev.move.call,
        index: prev.index,
        total: prev.move.total,
        reason: event,
        t: Date.now(),
      });
    }
    if (next.kind === 'framing') {
      const was = prev.kind === 'framing' ? prev : null;
      const base = { call: next.move.call, total: next.move.total, t: Date.now() };
      if (!next.moving && (!was || was.moving || was.index !== next.index))
        this.#emit({ type: 'frame_move', status: 'posed', index: next.index, ...base });
      else if (next.moving && !was?.moving && next.index < next.move.total)
        this.#emit({ type: 'frame_move', status: 'moving', index: next.index + 1, ...base });
    }
    this.#announce(prev.kind, event);
  }

  #announce(from: DialogueState['kind'], event: string): void {
    this.#emit({ type: 'state', from, event, state: viewState(this.#state), t: Date.now() });
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
}

function clampGripper(v: number, g: { open: number; closed: number } | undefined | null): number {
  if (!g) return v;
  const lo = Math.min(g.open, g.closed),
    hi = Math.max(g.open, g.closed);
  return Math.min(hi, Math.max(lo, v));
}
