/** Contexts and a planner factory shared by the LLM planner contract tests. */
import type { SkillRegistry } from '../../../skills/registry.js';
import type { PlannerContext, PlannerEntity, PlannerResult } from '../../../planner/index.js';
import { LlmPlanner, type LlmConfigInput } from '../../../planner/llm/index.js';
import { makeContext, seedRegistry, SEED_ENTITIES } from '../fixtures.js';
import type { FakeChatServer } from './fake-chat-server.js';

export { makeContext, seedRegistry, SEED_ENTITIES };

/** The seed API plus a taught `pack(obj)` behavior. */
export function taughtRegistry(): SkillRegistry {
  const reg = seedRegistry();
  reg.register({
    name: 'pack',
    kind: 'behavior',
    description: 'Retrieve the specified obj and place it inside the gift bag.',
    params: [{ name: 'obj', type: 'entity', description: 'An object in the scene (e.g., CANDY).' }],
    body: [
      { skill: 'pickup', args: { object: { param: 'obj' } } },
      { skill: 'goto', args: { object: 'GIFT_BAG' } },
      { skill: 'release', args: {} },
    ],
  });
  return reg;
}

export const BIN: PlannerEntity = { name: 'BIN', description: 'A small trash bin.', kind: 'object', container: true };

export function taughtContext(opts: { entities?: readonly PlannerEntity[] } = {}): PlannerContext {
  return makeContext({ registry: taughtRegistry(), entities: opts.entities ?? SEED_ENTITIES });
}

export function plannerFor(server: FakeChatServer | string, config: Partial<LlmConfigInput> = {}): LlmPlanner {
  return new LlmPlanner({ baseURL: typeof server === 'string' ? server : server.url, apiKey: 'dummy-key', model: 'fake-model', ...config });
}

export function expectKind<K extends PlannerResult['kind']>(r: PlannerResult, kind: K): Extract<PlannerResult, { kind: K }> {
  if (r.kind !== kind) throw new Error(`expected ${kind}, got ${r.kind}: ${'reply' in r ? r.reply : ''}`);
  return r as Extract<PlannerResult, { kind: K }>;
}
