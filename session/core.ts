/**
 * What the Session's parts (teaching, library commands, the studio) see of it: a narrow internal
 * interface, so the state changes only through `enter` and every part shares one event stream.
 * Not for clients: they use the Session's public methods.
 */
import type { PlannerContext } from '../planner/index.js';
import type { ArmState } from '../skills/primitives.js';
import type { Plan } from '../skills/registry.js';
import type { LibraryStore } from './library-store.js';
import type { DialogueState } from './state.js';
import type { SessionDeps, SessionEvent, Source, Turn, TurnKind } from './types.js';

export interface SessionCore {
  readonly deps: SessionDeps;
  readonly library: LibraryStore;
  /** entities that came with the scene (not taught, cannot be forgotten or renamed) */
  readonly sceneEntities: ReadonlySet<string>;
  /** the state now (read it again after every await: a stop may have come in) */
  readonly state: DialogueState;
  /** move to `next` because of `event`; announces it (and drops a preview being left) */
  enter(next: DialogueState, event: string): void;
  /** the current state's data changed in place (a lesson step, a demonstration): announce it */
  touched(event: string): void;
  emit(e: SessionEvent): void;
  /** record a finished turn and tell the listeners */
  finish(turn: Turn): Turn;
  /** make the registry and the world model match the library */
  sync(): void;
  plannerContext(): PlannerContext;
  /** the arm as the next motion starts from it */
  arm(): ArmState;
  /** validate, compile and check a plan; previewing on success */
  propose(utterance: string, plan: Plan, by: Source, frames?: number): Turn;
}

/** A turn that did not move anything. */
export function answer(core: SessionCore, utterance: string, kind: TurnKind, reply: string, failure?: string): Turn {
  return core.finish({
    utterance,
    kind,
    reply,
    plan: kind === 'plan' ? [] : null,
    executed: false,
    outcome: 'not_run',
    ...(failure !== undefined ? { failure } : {}),
  });
}
