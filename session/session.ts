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
import { compilePlan, SkillFailure, type ArmState, type CompiledStep } from '../skills/primitives.js';
import { motionSkillDefinition } from '../skills/motion-skills.js';
import { formatCall, formatPlan, type BehaviorDefinition, type Plan } from '../skills/registry.js';
import type { TeachingTrace } from '../planner/types.js';
import { checkFrameMove, FrameMoveError, planFrameMove, type FrameMovePlan } from '../studio/frame-move.js';
import { answer, type SessionCore } from './core.js';
import { distance, maxAbsDiff, runStep, STOPPED } from './execute.js';
import { describe, entityArgs, forget, listSkills, otherOne, rename, undo, type LastPlanned } from './library-commands.js';
import { MemoryLibrary, type LibraryStore } from './library-store.js';
import { compilePreview, describeStep } from './preview.js';
import { viewState, withLesson, type DialogueState, type DialogueStateView, type Expectation } from './state.js';
import { endFrameMove, shoot, studioCommand } from './studio-commands.js';
import { abortRecording, demonstrate, finishTeaching, handBack, handGuidedEnded, restoreFailure, startTeaching } from './teaching.js';
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

/** How far (rad) the arm may be from a step's planned start before the step is re-planned. */
const REPLAN_JOINT_TOL = 0.02;
/** How far (m) a target may move between preview and execution before re-planning. */
const REPLAN_TARGET_TOL = 0.01;

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
  /** discourse memory, not dialogue state: the last planned command ("no, the other one") */
  #lastPlanned: LastPlanned | null = null;
  /** the entity the gripper is at (after a goto), so grasp knows what to expect */
  #at: string | null = null;
  /** the call that last moved the arm (a frame's "posed by"); null until something ran */
  #posedBy: string | null = null;
  /** the stop-motion studio, when the server runs one */
  #studio: StudioHooks | null = null;
  readonly #listeners = new Set<(e: SessionEvent) => void>();
  readonly #core: SessionCore;

  constructor(deps: SessionDeps) {
    this.deps = { ...deps, library: deps.library ?? new MemoryLibrary() };
    this.#sceneEntities = new Set(deps.world.names());
    const self = this;
    this.#core = {
      deps: this.deps,
      library: this.deps.library,
      sceneEntities: this.#sceneEntities,
      get state() {
        return self.#state;
      },
      enter: (next, event) => this.#enter(next, event),
      touched: (event) => this.#announce(this.#state.kind, event),
      emit: (e) => this.#emit(e),
      finish: (turn) => this.#finish(turn),
      sync: () => this.#syncFromLibrary(),
      plannerContext: () => this.plannerContext(),
      propose: (utterance, plan, by, frames) => this.#propose(utterance, plan, by, frames),
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
    return s.kind === 'asking' && s.expects.kind === 'point' ? { name: s.expects.name, description: s.expects.description } : null;
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

  /** An utterance (typed, spoken, from a script). Control words act on the state; a plan waits for confirm. */
  async say(utterance: string, options: { by?: Source } = {}): Promise<Turn> {
    const by = options.by ?? OPERATOR;
    this.#emit({ type: 'utterance', text: utterance, t: Date.now() });
    let result: PlannerResult;
    try {
      result = await this.deps.planner.plan(utterance, this.plannerContext());
    } catch (err) {
      const why = (err as Error).message;
      return answer(this.#core, utterance, 'error', `Sorry, something went wrong while planning: ${why}`, why);
    }
    return this.#onResult(utterance, result, by);
  }

  async #onResult(utterance: string, result: PlannerResult, by: Source): Promise<Turn> {
    const core = this.#core;
    switch (result.kind) {
      case 'stop': {
        const recording = this.#state.kind === 'recording';
        await this.stop();
        return answer(core, utterance, 'plan', `Stopping.${recording ? ` ${handGuidedEnded(core)}` : ''}`);
      }
      case 'cancel':
        return this.cancel({ by, utterance });
      case 'confirm':
        return this.#yes(utterance, by);
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
        return this.#teach(utterance, result.name, utterance, result.mentions ?? mentionsIn(utterance, this.plannerContext()));
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
        return otherOne(core, utterance, this.#lastPlanned, by);
      }
      case 'rejected':
        return answer(core, utterance, 'rejected', result.reply);
      case 'shoot':
        return this.shoot(utterance);
      case 'delete_frame':
        return studioCommand(core, this.#studio, utterance, (s) => s.deleteLast());
      case 'open_film': {
        const name = result.name;
        return studioCommand(core, this.#studio, utterance, (s) => s.open(name));
      }
      case 'plan': {
        const busy = this.#busy(utterance, by) ?? (await handBack(core, utterance));
        if (busy) return busy;
        this.#lastPlanned = { utterance, plan: result.plan, tried: new Set(entityArgs(result.plan)) };
        return this.#propose(utterance, result.plan, by, result.frames ?? frameCountIn(utterance));
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
    const { turn, preview } = s;
    const { backend, world, registry, motion } = this.deps;
    const exec: Extract<DialogueState, { kind: 'executing' }> = {
      kind: 'executing',
      lesson: s.lesson,
      preview,
      turn,
      step: 0,
      stopRequested: false,
      proposedBy: s.proposedBy,
    };
    this.#enter(exec, 'confirm');
    turn.executed = true;
    const notes: string[] = [];
    let unsubscribeStop: (() => void) | undefined;
    if (options.stopAfter !== undefined) {
      const t0 = backend.now();
      const at = options.stopAfter;
      unsubscribeStop = backend.onJointState((js) => {
        if (js.stamp - t0 >= at && !exec.stopRequested) void this.stop();
      });
    }
    let steps = preview.compiled;
    let split: FrameMovePlan | null = null;
    this.#emit({ type: 'execution', status: 'started', t: Date.now() });
    try {
      for (let i = 0; i < steps.length; i++) {
        let step = steps[i];
        if (exec.stopRequested) throw new SkillFailure(STOPPED);
        exec.step = i;
        // If the world or the arm is not where the preview assumed, re-plan the rest.
        const arm = this.armState();
        const moved = step.targetAt && distance(world.position(step.targetAt.entity), step.targetAt.position) > REPLAN_TARGET_TOL;
        const firstTraj = step.motions.find((m) => m.kind === 'trajectory');
        const off =
          firstTraj && firstTraj.kind === 'trajectory' && maxAbsDiff(firstTraj.trajectory.points[0].positions, arm.q) > REPLAN_JOINT_TOL;
        if (moved || off) {
          notes.push(
            `re-planned from step ${i + 1} (${formatCall(step.call)}) because ${moved ? `${step.targetAt!.entity} moved` : 'the arm was not where the preview expected'}`,
          );
          const rest = compilePlan(
            registry,
            steps.slice(i).map((st) => st.call),
            motion,
            arm,
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
        this.#announce('executing', 'step');
        await runStep(this.#core, step, i, () => exec.stopRequested);
        world.lastTouched = step.end.lastTouched;
        this.#at = step.end.at ?? null;
        this.#emit({ type: 'step', index: i, call: formatCall(step.call), status: 'succeeded', t: Date.now() });
      }
      turn.outcome = 'succeeded';
    } catch (err) {
      this.#at = null;
      split = null;
      turn.outcome = 'failed';
      turn.failure = exec.stopRequested ? STOPPED : (err as Error).message;
      this.#emit({ type: 'step', index: -1, call: '', status: 'failed', reason: turn.failure, t: Date.now() });
    } finally {
      unsubscribeStop?.();
    }
    const lesson = exec.lesson;
    if (turn.outcome === 'succeeded' && lesson && turn.plan && turn.plan.length) {
      lesson.steps.push({ utterance: turn.utterance, plan: turn.plan });
      this.#emit({ type: 'teaching', status: 'step', name: lesson.name, steps: lesson.steps.length, t: Date.now() });
    }
    // The lesson may have ended meanwhile ("that's it" cannot, but a stop or cancel elsewhere may).
    const next: DialogueState = split
      ? { kind: 'framing', lesson: this.#state.lesson, move: split, index: 1, moving: false, stopRequested: false }
      : { kind: 'idle', lesson: this.#state.lesson };
    if (split) notes.push(`the camera holds pose 1 of ${split.total} of ${split.call}: say "shoot" to take each frame`);
    this.#enter(
      next,
      turn.outcome === 'succeeded' ? 'execution_finished' : turn.failure === STOPPED ? 'execution_stopped' : 'execution_failed',
    );
    if (turn.plan?.length) this.#posedBy = formatPlan(turn.plan);
    if (notes.length) turn.notes = notes;
    this.#emit({ type: 'execution', status: 'finished', outcome: turn.outcome, failure: turn.failure, t: Date.now() });
    this.#emit({ type: 'turn', turn, t: Date.now() });
    return turn;
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
    return Promise.resolve(this.#point(p, options));
  }

  #point(p: [number, number, number], options: { by?: Source; utterance?: string }): Turn {
    const core = this.#core;
    const utterance = options.utterance ?? `!click ${p.map((v) => v.toFixed(3)).join(' ')}`;
    const s = this.#state;
    if (s.kind !== 'asking' || s.expects.kind !== 'point') {
      return answer(core, utterance, 'error', 'I wasn\'t asking where something is. Say a command first, e.g. "pick up the toy car".');
    }
    const ask = s.expects;
    this.#enter({ kind: 'idle', lesson: s.lesson }, 'point');
    const body = this.deps.locator?.nearestBody(p, 0.05);
    if (body) {
      this.library.addEntity({ name: ask.name, description: ask.description, kind: 'object', source: { type: 'body', body } });
      this.#syncFromLibrary();
      this.#emit({ type: 'taught', what: 'object', name: ask.name, detail: `body ${body}`, t: Date.now() });
      return answer(core, utterance, 'taught', `Got it: that is ${ask.name} (${ask.description})`);
    }
    this.library.addEntity({ name: ask.name, description: ask.description, kind: 'location', source: { type: 'point', position: p } });
    this.#syncFromLibrary();
    this.#emit({ type: 'taught', what: 'location', name: ask.name, detail: p.map((v) => v.toFixed(3)).join(' '), t: Date.now() });
    return answer(core, utterance, 'taught', `Got it: ${ask.name} is the location (${p.map((v) => v.toFixed(2)).join(', ')}).`);
  }

  /** A kinesthetic demonstration arrived (`!demo FILE` in scripts, the console's recorder). */
  demonstrate(demo: unknown, label = '!demo'): Promise<Turn> {
    return Promise.resolve(demonstrate(this.#core, demo, label));
  }

  /** Take a stop-motion frame ("shoot", the console's Shoot button); in a frame move, then on to the next pose. */
  shoot(utterance = '!shoot'): Promise<Turn> {
    return shoot(this.#core, this.#studio, utterance, this.#posedBy);
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

  /** "yes": answers "Teach me?", or confirms the pending plan. */
  async #yes(utterance: string, by: Source): Promise<Turn> {
    const s = this.#state;
    if (s.kind === 'asking' && s.expects.kind === 'teach') return this.#teach(utterance, s.expects.verb, s.utterance, s.expects.mentions);
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

  /** Validate, compile and safety-check a plan; on success it is pending (previewing) until confirm(). */
  #propose(utterance: string, plan: Plan, by: Source, frames?: number): Turn {
    const { registry, world } = this.deps;
    const core = this.#core;
    const lesson = this.#state.lesson;
    // Whatever was pending or asked is replaced by this command, whether or not it can run.
    const leave = () => {
      const s = this.#state;
      if (s.kind === 'previewing' || s.kind === 'asking') this.#enter({ kind: 'idle', lesson }, 'replaced');
    };
    const refuse = (kind: 'question' | 'plan', reply: string, extra: Partial<Turn> = {}) => {
      leave();
      return core.finish({ utterance, kind, reply, plan, executed: false, outcome: 'not_run', ...extra });
    };
    if (frames !== undefined && plan.length !== 1) {
      return refuse('question', `I split one camera move at a time into frames, e.g. "track around the tower over ${frames} frames".`);
    }
    const valid = registry.validatePlan(plan, { entities: world.names() });
    if (!valid.ok) return refuse('question', `I can't do that as planned: ${valid.errors.join('; ')}`);
    let preview: Preview;
    try {
      preview = this.preview(valid.plan);
    } catch (err) {
      const reason = (err as Error).message;
      return refuse('plan', `Here is my plan: ${formatPlan(plan)}, but I can't carry it out: ${reason}`, {
        outcome: 'failed',
        failure: reason,
      });
    }
    if (!preview.safe) {
      const bad = preview.steps.find((st) => !st.safe)!;
      const reason = `${bad.call} fails a safety check: ${bad.reason}`;
      return refuse('plan', `Here is my plan: ${formatPlan(plan)}, but ${reason}`, {
        preview: preview.summary,
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
          return refuse('plan', `Here is my plan: ${formatPlan(plan)} over ${frames} frames, but ${check.reason}`, {
            preview: preview.summary,
            outcome: 'failed',
            failure: check.reason,
          });
      } catch (err) {
        if (!(err instanceof FrameMoveError)) throw err;
        return refuse('question', `I can't shoot that over ${frames} frames: ${err.message}.`);
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
    this.#enter({ kind: 'previewing', lesson, preview, turn, proposedBy: by }, 'plan');
    this.history.push(turn);
    this.#emit({ type: 'turn', turn, t: Date.now() });
    this.#emit({ type: 'preview', preview, t: Date.now() });
    return turn;
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
