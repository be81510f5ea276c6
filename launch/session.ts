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
import { compilePlan, SkillFailure, type ArmState, type CompiledStep, type MotionContext, type PrimitiveImpl } from '../skills/primitives.js';
import { formatCall, formatPlan, type Plan, type SkillRegistry } from '../skills/registry.js';
import { trajectorySummary } from '../skills/trajectory/index.js';
import type { WorldModel } from '../skills/world.js';

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

export interface Preview {
  plan: Plan;
  steps: PreviewStep[];
  summary: PreviewSummary;
  /** every step passed the safety check */
  safe: boolean;
  compiled: CompiledStep[];
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
  /** finds the body at a pointed location (the sim; later /tf) */
  locator?: { nearestBody(point: [number, number, number], maxDistance: number): string | undefined };
  /** optional event sink (the JSONL session log, the console) */
  onEvent?: (event: SessionEvent) => void;
}

export type SessionEvent =
  | { type: 'utterance'; text: string; t: number }
  | { type: 'turn'; turn: Turn; t: number }
  | { type: 'step'; index: number; call: string; status: 'started' | 'succeeded' | 'failed'; reason?: string; t: number }
  | { type: 'stop'; t: number };

/** How far (rad) the arm may be from a step's planned start before the step is re-planned. */
const REPLAN_JOINT_TOL = 0.02;
/** How far (m) a target may move between preview and execution before re-planning. */
const REPLAN_TARGET_TOL = 0.01;

export class Session {
  readonly deps: SessionDeps;
  #pending: { turn: Turn; preview: Preview } | null = null;
  /** an unknown object the robot asked to be shown */
  #awaitingPoint: { name: string; description: string } | null = null;
  #stopRequested = false;
  /** the entity the gripper is at (after a goto), so grasp knows what to expect */
  #at: string | null = null;
  #executing = false;
  readonly history: Turn[] = [];

  constructor(deps: SessionDeps) {
    this.deps = deps;
  }

  get pending(): Preview | null {
    return this.#pending?.preview ?? null;
  }

  get executing(): boolean {
    return this.#executing;
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
    };
  }

  #emit(e: SessionEvent): void {
    this.deps.onEvent?.(e);
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
      return this.#finish({ utterance, kind: 'error', reply: `Sorry, something went wrong while planning: ${(err as Error).message}`, plan: null, executed: false, outcome: 'not_run', failure: (err as Error).message });
    }
    switch (result.kind) {
      case 'stop':
        await this.stop();
        return this.#finish({ utterance, kind: 'plan', reply: 'Stopping.', plan: [], executed: false, outcome: 'not_run' });
      case 'cancel': {
        const had = this.#pending !== null;
        this.cancel();
        return this.#finish({ utterance, kind: 'plan', reply: had ? 'Okay, cancelled.' : 'There was nothing to cancel.', plan: [], executed: false, outcome: 'not_run' });
      }
      case 'confirm':
        if (!this.#pending) return this.#finish({ utterance, kind: 'question', reply: 'There is no plan waiting. What should I do?', plan: null, executed: false, outcome: 'not_run' });
        return this.confirm();
      case 'question':
        this.#pending = null;
        this.#awaitingPoint = result.unknown?.kind === 'object' ? { name: result.unknown.proposedName, description: result.unknown.description } : null;
        return this.#finish({ utterance, kind: 'question', reply: result.reply, plan: null, executed: false, outcome: 'not_run' });
      case 'rejected':
        return this.#finish({ utterance, kind: 'rejected', reply: result.reply, plan: null, executed: false, outcome: 'not_run' });
      case 'plan':
        return this.#propose(utterance, result.plan);
      default: {
        const never: never = result;
        throw new Error(`[session] unhandled planner result ${JSON.stringify(never)}`);
      }
    }
  }

  /** Validate, compile and safety-check a plan; it waits for confirm(). */
  async #propose(utterance: string, plan: Plan): Promise<Turn> {
    const { registry, world } = this.deps;
    const valid = registry.validatePlan(plan, { entities: world.names() });
    if (!valid.ok) {
      return this.#finish({ utterance, kind: 'question', reply: `I can't do that as planned: ${valid.errors.join('; ')}`, plan, executed: false, outcome: 'not_run' });
    }
    let preview: Preview;
    try {
      preview = this.preview(valid.plan);
    } catch (err) {
      const reason = err instanceof SkillFailure ? err.message : `${(err as Error).message}`;
      return this.#finish({ utterance, kind: 'plan', reply: `Here is my plan: ${formatPlan(plan)}, but I can't carry it out: ${reason}`, plan, executed: false, outcome: 'failed', failure: reason });
    }
    if (!preview.safe) {
      const bad = preview.steps.find((s) => !s.safe)!;
      const reason = `${bad.call} fails a safety check: ${bad.reason}`;
      return this.#finish({ utterance, kind: 'plan', reply: `Here is my plan: ${formatPlan(plan)}, but ${reason}`, plan, preview: preview.summary, executed: false, outcome: 'failed', failure: reason });
    }
    const turn: Turn = {
      utterance,
      kind: 'plan',
      reply: `Sure, here is my plan: ${formatPlan(plan)}`,
      plan,
      preview: preview.summary,
      executed: false,
      outcome: 'not_run',
    };
    this.#pending = { turn, preview };
    this.history.push(turn);
    this.#emit({ type: 'turn', turn, t: Date.now() });
    return turn;
  }

  /** Compile a validated plan from the current arm state and check every trajectory. */
  preview(plan: Plan): Preview {
    const { registry, motion, safety } = this.deps;
    const compiled = compilePlan(registry, plan, motion, this.armState());
    let duration = 0;
    let maxJointSpeed = 0;
    let points = 0;
    let safe = true;
    const steps: PreviewStep[] = compiled.map((step) => {
      const out: PreviewStep = { call: formatCall(step.call), motions: [], safe: true };
      for (const m of step.motions) {
        let d = 0;
        if (m.kind === 'trajectory') {
          const s = trajectorySummary(m.trajectory);
          d = s.duration;
          maxJointSpeed = Math.max(maxJointSpeed, s.maxJointSpeed);
          points += s.points;
          const first = m.trajectory.points[0]?.positions ?? [];
          const check = checkTrajectory(m.trajectory, motion.model, safety, first);
          if (!check.ok && out.safe) { out.safe = false; out.reason = check.reason; safe = false; }
        } else if (m.kind === 'wait') d = m.seconds;
        else d = gripperDuration(this, m.command.position);
        duration += d;
        out.motions.push({ label: m.label, kind: m.kind, duration: d });
      }
      return out;
    });
    const r3 = (v: number) => Math.round(v * 1000) / 1000;
    return { plan, steps, summary: { steps: compiled.length, duration: r3(duration), maxJointSpeed: r3(maxJointSpeed), trajectoryPoints: points }, safe, compiled };
  }

  cancel(): void {
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
      return this.#finish({ utterance, kind: 'error', reply: "I wasn't asking where something is. Say a command first, e.g. \"pick up the toy car\".", plan: null, executed: false, outcome: 'not_run' });
    }
    this.#awaitingPoint = null;
    const body = this.deps.locator?.nearestBody(p, 0.05);
    if (body) {
      this.deps.world.add({ name: ask.name, description: ask.description, kind: 'object', source: { type: 'body', body } });
      return this.#finish({ utterance, kind: 'taught', reply: `Got it: that is ${ask.name} (${ask.description})`, plan: null, executed: false, outcome: 'not_run' });
    }
    this.deps.world.add({ name: ask.name, description: ask.description, kind: 'location', source: { type: 'point', position: p } });
    return this.#finish({ utterance, kind: 'taught', reply: `Got it: ${ask.name} is the location (${p.map((v) => v.toFixed(2)).join(', ')}).`, plan: null, executed: false, outcome: 'not_run' });
  }

  /**
   * Execute the pending plan. `stopAfter` (seconds of backend time after the start) triggers
   * an operator stop mid-motion, for scripts and tests.
   */
  async confirm(options: { stopAfter?: number } = {}): Promise<Turn> {
    const pending = this.#pending;
    if (!pending) {
      return this.#finish({ utterance: '!confirm', kind: 'error', reply: 'There is no plan waiting for confirmation.', plan: null, executed: false, outcome: 'not_run' });
    }
    this.#pending = null;
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
    try {
      for (let i = 0; i < steps.length; i++) {
        let step = steps[i];
        if (this.#stopRequested) throw new SkillFailure('stopped by the operator');
        // If the world or the arm is not where the preview assumed, re-plan the rest.
        const state = this.armState();
        const moved = step.targetAt && distance(world.position(step.targetAt.entity), step.targetAt.position) > REPLAN_TARGET_TOL;
        const firstTraj = step.motions.find((m) => m.kind === 'trajectory');
        const off = firstTraj && firstTraj.kind === 'trajectory' && maxAbsDiff(firstTraj.trajectory.points[0].positions, state.q) > REPLAN_JOINT_TOL;
        if (moved || off) {
          notes.push(`re-planned from step ${i + 1} (${formatCall(step.call)}) because ${moved ? `${step.targetAt!.entity} moved` : 'the arm was not where the preview expected'}`);
          const rest = compilePlan(registry, steps.slice(i).map((s) => s.call), motion, state);
          steps = [...steps.slice(0, i), ...rest];
          step = steps[i];
        }
        this.#emit({ type: 'step', index: i, call: formatCall(step.call), status: 'started', t: Date.now() });
        await this.#runStep(step);
        world.lastTouched = step.end.lastTouched;
        this.#at = step.end.at ?? null;
        this.#emit({ type: 'step', index: i, call: formatCall(step.call), status: 'succeeded', t: Date.now() });
      }
      turn.outcome = 'succeeded';
    } catch (err) {
      this.#at = null;
      turn.outcome = 'failed';
      turn.failure = this.#stopRequested ? 'stopped by the operator' : (err as Error).message;
      this.#emit({ type: 'step', index: -1, call: '', status: 'failed', reason: turn.failure, t: Date.now() });
    } finally {
      unsubscribeStop?.();
      this.#executing = false;
    }
    if (notes.length) turn.notes = notes;
    this.#emit({ type: 'turn', turn, t: Date.now() });
    return turn;
  }

  async #runStep(step: CompiledStep): Promise<void> {
    const { backend, world } = this.deps;
    for (const m of step.motions) {
      if (this.#stopRequested) throw new SkillFailure('stopped by the operator');
      if (m.kind === 'trajectory') {
        const exec = backend.executeTrajectory(m.trajectory);
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
          world.held = r.stalled ? m.grasping ?? null : null;
        } else {
          world.held = null;
        }
      } else {
        await backend.wait(m.seconds);
      }
    }
  }

  /** Halt the robot now, from any state. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#pending = null;
    this.#emit({ type: 'stop', t: Date.now() });
    await this.deps.backend.stop();
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
