/**
 * The registry at the planner's boundary: a number argument of 1e306 (an LLM's output, a file's
 * behavior) is refused, and a plan of behaviors calling behaviors cannot expand without bound.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../model/bounds.js';
import { createSkillRegistry } from '../../skills/primitives.js';
import { RegistryError, SkillRegistry, type BehaviorDefinition } from '../../skills/registry.js';

const entities = new Set(['CANDY']);

describe('skill registry bounds', () => {
  // A skill with a number argument (none of the built-ins has one yet); the registry never runs impl.
  const registry = new SkillRegistry();
  registry.register({
    name: 'wait_for',
    kind: 'primitive',
    description: 'Wait some seconds.',
    params: [{ name: 'seconds', type: 'number', description: 'How long, s.' }],
    impl: null,
  });

  it.each([1e306, -1e306, 1e6, -LIMITS.skillArgument - 1])('refuses the number argument %s with the allowed range', (v) => {
    const r = registry.validatePlan([{ skill: 'wait_for', args: { seconds: v } }], { entities });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('; ')).toMatch(/plan\[0\]\[args\]\[seconds\]: must be between -10000 and 10000/);
  });

  it('takes an ordinary number', () => {
    expect(registry.validatePlan([{ skill: 'wait_for', args: { seconds: 2.5 } }], { entities }).ok).toBe(true);
  });

  it(`expands at most ${LIMITS.planCalls} calls: 200 steps of 200 steps is refused, not built`, () => {
    const r = createSkillRegistry();
    const b = (name: string, callee: string): BehaviorDefinition => ({
      name,
      description: `Do ${name}.`,
      kind: 'behavior',
      params: [],
      body: Array.from({ length: 200 }, () => ({ skill: callee, args: {} })),
    });
    r.register(b('inner', 'go_home'));
    r.register(b('outer', 'inner'));
    expect(r.expand([{ skill: 'inner', args: {} }])).toHaveLength(200);
    expect(() => r.expand([{ skill: 'outer', args: {} }])).toThrow(RegistryError);
    expect(() => r.expand([{ skill: 'outer', args: {} }])).toThrow(/expands to more than 1000 steps/);
  });
});
