import { describe, expect, it } from 'vitest';
import { createSkillRegistry } from '../../skills/primitives.js';
import { formatPlan, RegistryError } from '../../skills/registry.js';

const entities = new Set(['CANDY', 'GIFT_BAG']);

describe('skill registry', () => {
  it('holds the paper’s seed API with typed signatures and one-line descriptions', () => {
    const r = createSkillRegistry();
    expect(r.names().sort()).toEqual(['go_home', 'goto', 'grasp', 'pickup', 'release']);
    const pickup = r.list().find((s) => s.name === 'pickup')!;
    expect(pickup.params).toEqual([{ name: 'object', type: 'entity', description: expect.any(String) as unknown }]);
    for (const s of r.list()) expect(s.description).toMatch(/^[A-Z].*\.$/);
  });

  it('lookup errors list the valid names', () => {
    const r = createSkillRegistry();
    expect(() => r.get('pack')).toThrow(RegistryError);
    expect(() => r.get('pack')).toThrow(/unknown skill "pack". Known skills: go_home, goto, grasp, release, pickup/);
  });

  it('validates plans: known skills, arity, argument types, known entities', () => {
    const r = createSkillRegistry();
    expect(
      r.validatePlan(
        [
          { skill: 'pickup', args: { object: 'CANDY' } },
          { skill: 'release', args: {} },
        ],
        { entities },
      ).ok,
    ).toBe(true);
    const cases: [unknown, RegExp][] = [
      [[{ skill: 'pack', args: { object: 'CANDY' } }], /unknown skill "pack"; known skills: go_home/],
      [[{ skill: 'pickup', args: {} }], /missing argument "object"/],
      [[{ skill: 'release', args: { object: 'CANDY' } }], /release\(\) has no argument "object"/],
      [[{ skill: 'goto', args: { object: 3 } }], /must be an object or location NAME/],
      [[{ skill: 'goto', args: { object: 'TOY_CAR' } }], /unknown object or location "TOY_CAR"; known: CANDY, GIFT_BAG/],
      [[{ skill: 'goto', args: { object: 'CANDY' }, extra: 1 }], /Unrecognized key/],
      ['pickup(CANDY)', /expected array/],
    ];
    for (const [plan, msg] of cases) {
      const v = r.validatePlan(plan, { entities });
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.errors.join('\n')).toMatch(msg);
    }
    const v = r.validatePlan([{ skill: 'goto', args: { object: 'TOY_CAR' } }], { entities });
    expect(v.ok === false && v.unknownEntities).toEqual(['TOY_CAR']);
  });

  it('expands pickup into goto then grasp, and refuses recursive behaviors', () => {
    const r = createSkillRegistry();
    expect(r.expand([{ skill: 'pickup', args: { object: 'CANDY' } }])).toEqual([
      { skill: 'goto', args: { object: 'CANDY' } },
      { skill: 'grasp', args: {} },
    ]);
    r.register({ name: 'loop', kind: 'behavior', description: 'Loops.', params: [], body: [{ skill: 'loop', args: {} }] });
    expect(() => r.expand([{ skill: 'loop', args: {} }])).toThrow(/calls itself/);
    expect(() => r.unregister('pickup')).toThrow(/built in/);
    r.unregister('loop');
    expect(r.has('loop')).toBe(false);
  });

  it('generates function-calling tool schemas from the live registry', () => {
    const tools = createSkillRegistry().toolSchemas();
    const go = tools.find((t) => t.function.name === 'goto')!;
    expect(go.function.parameters).toMatchObject({ type: 'object', required: ['object'], properties: { object: { type: 'string' } } });
  });

  it('formats plans the way the paper shows them', () => {
    expect(
      formatPlan([
        { skill: 'pickup', args: { object: 'CANDY' } },
        { skill: 'goto', args: { object: 'GIFT_BAG' } },
        { skill: 'release', args: {} },
      ]),
    ).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
  });
});
