/**
 * Building a PlannerContext from the live registry and world, and validating a plan against a
 * context. Any planner (rule or LLM) must pass its plan through `validateAgainstContext`
 * before returning it: a plan that does not validate is a question, never a motion.
 */
import { SkillRegistry, type PlanValidation, type SkillSignature } from '../skills/registry.js';
import type { Entity } from '../model/world.js';
import type { DialogueTurn, PlannerContext } from './types.js';

/** The parts of SkillRegistry / WorldModel a context needs (so tests can pass plain objects). */
export interface SkillSource {
  list(): SkillSignature[];
}
export interface WorldSource {
  list(): Entity[];
  held: string | null;
  lastTouched: string | null;
}

/** Snapshot the live registry and world for one planning call. */
export function plannerContext(skills: SkillSource, world: WorldSource, history?: readonly DialogueTurn[]): PlannerContext {
  return {
    skills: skills.list(),
    entities: world
      .list()
      .map(({ name, description, kind, container }) => ({ name, description, kind, ...(container === undefined ? {} : { container }) })),
    held: world.held,
    lastTouched: world.lastTouched,
    ...(history ? { history } : {}),
  };
}

// A context carries signatures, not the registry: rebuild one (microseconds for a few dozen
// skills; no cache, so a mutated skill array can never validate against a stale copy) so that
// validation is exactly SkillRegistry.validatePlan.
function registryFor(skills: readonly SkillSignature[]): SkillRegistry | Error {
  const reg = new SkillRegistry();
  try {
    // Validation reads names and params only; registering as behaviors needs no implementation.
    for (const s of skills) reg.register({ name: s.name, description: s.description, params: s.params, kind: 'behavior', body: [] });
    return reg;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** SkillRegistry.validatePlan against the context's skills and entities. */
export function validateAgainstContext(plan: unknown, ctx: PlannerContext): PlanValidation {
  const reg = registryFor(ctx.skills);
  if (reg instanceof Error)
    return { ok: false, errors: [`the skill list is invalid: ${reg.message}`], unknownSkills: [], unknownEntities: [] };
  return reg.validatePlan(plan, { entities: new Set(ctx.entities.map((e) => e.name)) });
}
