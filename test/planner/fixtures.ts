/** Planner contexts built from a real SkillRegistry (the paper's five seed skills) and a real WorldModel. */
import { SkillRegistry, type SkillParam } from '../../skills/registry.js';
import { WorldModel } from '../../model/world.js';
import { plannerContext, type PlannerContext, type PlannerEntity } from '../../planner/index.js';

const OBJECT: SkillParam = { name: 'object', type: 'entity', description: 'An object in the scene (e.g., CANDY).' };

export function seedRegistry(): SkillRegistry {
  const reg = new SkillRegistry();
  // No-op implementations: the planner only reads signatures.
  reg.register({ name: 'go_home', kind: 'primitive', description: 'Return to a neutral home position.', params: [], impl: null });
  reg.register({ name: 'goto', kind: 'primitive', description: 'Move directly to the specified object.', params: [OBJECT], impl: null });
  reg.register({
    name: 'grasp',
    kind: 'primitive',
    description: 'Close the gripper at the current position, potentially grasping an object.',
    params: [],
    impl: null,
  });
  reg.register({
    name: 'release',
    kind: 'primitive',
    description: 'Release the currently held object (if any) by fully opening the gripper.',
    params: [],
    impl: null,
  });
  reg.register({
    name: 'pickup',
    kind: 'behavior',
    builtin: true,
    description: 'Go to and pick up the specified object.',
    params: [OBJECT],
    body: [
      { skill: 'goto', args: { object: { param: 'object' } } },
      { skill: 'grasp', args: {} },
    ],
  });
  return reg;
}

export const SEED_ENTITIES: PlannerEntity[] = [
  { name: 'CANDY', description: 'A gummy, sandwich-shaped candy.', kind: 'object' },
  { name: 'GIFT_BAG', description: 'A gift bag that can hold items.', kind: 'object', container: true },
];

export function seedWorld(entities: readonly PlannerEntity[] = SEED_ENTITIES): WorldModel {
  return new WorldModel(
    entities.map((e) => ({ ...e, source: { type: 'point' as const, position: [0.5, 0, 0.02] as [number, number, number] } })),
  );
}

export function makeContext(
  opts: { held?: string | null; lastTouched?: string | null; entities?: readonly PlannerEntity[]; registry?: SkillRegistry } = {},
): PlannerContext {
  const world = seedWorld(opts.entities);
  world.held = opts.held ?? null;
  world.lastTouched = opts.lastTouched ?? null;
  return plannerContext(opts.registry ?? seedRegistry(), world);
}
