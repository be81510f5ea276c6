import { describe, expect, it } from 'vitest';
import { SkillRegistry, type Plan, type SkillSignature } from '../../skills/registry.js';
import {
  describeBehavior,
  describeSteps,
  formatBody,
  formatSignature,
  liftBehavior,
  mentionsIn,
  TeachError,
  validateBehavior,
} from '../../planner/teach.js';
import { RulePlanner, type PlannerContext } from '../../planner/index.js';
import type { TeachingTrace } from '../../planner/types.js';
import { makeContext, seedRegistry, SEED_ENTITIES } from './fixtures.js';

const entities = [
  ...SEED_ENTITIES,
  { name: 'TOY_CAR', description: 'A green toy car.', kind: 'object' as const },
  { name: 'BIN', description: 'A grey bin.', kind: 'object' as const },
];
const ctx = makeContext({ entities });
const skills = ctx.skills;
const planner = new RulePlanner();

/** The plan the embedded planner makes for a spoken step, as the session records it. */
function step(utterance: string, c: PlannerContext = ctx): { utterance: string; plan: Plan } {
  const r = planner.planSync(utterance, c);
  if (r.kind !== 'plan') throw new Error(`no plan for ${utterance}: ${r.reply}`);
  return { utterance, plan: r.plan };
}

const packTrace: TeachingTrace = {
  name: 'pack',
  command: 'pack the candy',
  mentions: ['CANDY'],
  steps: [step('pick up the candy'), step('go above the bag', { ...ctx, held: 'CANDY' }), step('drop it', { ...ctx, held: 'CANDY' })],
};

describe("liftBehavior: the paper's pack(obj)", () => {
  it('lifts the mentioned literal to obj and keeps the rest constant', () => {
    const def = liftBehavior(packTrace, skills);
    expect(def).toEqual({
      name: 'pack',
      kind: 'behavior',
      description: 'Pick up the obj, go to GIFT_BAG, then release.',
      params: [{ name: 'obj', type: 'entity', description: 'An object or location in the scene (taught with CANDY).' }],
      body: [
        { skill: 'pickup', args: { object: { param: 'obj' } } },
        { skill: 'goto', args: { object: 'GIFT_BAG' } },
        { skill: 'release', args: {} },
      ],
    });
    expect(formatSignature(def)).toBe('pack(obj)');
    expect(formatBody(def)).toBe('pickup(obj) → goto(GIFT_BAG) → release()');
    expect(describeBehavior(def)).toBe(
      'pack(obj) — Pick up the obj, go to GIFT_BAG, then release. Steps: pickup(obj) → goto(GIFT_BAG) → release()',
    );
  });

  it('registers and expands to primitives with the new argument', () => {
    const reg = seedRegistry();
    const def = liftBehavior(packTrace, skills);
    reg.register(def);
    expect(reg.expand([{ skill: 'pack', args: { obj: 'TOY_CAR' } }])).toEqual([
      { skill: 'goto', args: { object: 'TOY_CAR' } },
      { skill: 'grasp', args: {} },
      { skill: 'goto', args: { object: 'GIFT_BAG' } },
      { skill: 'release', args: {} },
    ]);
    // and the planner uses it on the next utterance
    const next = makeContext({ entities, registry: reg });
    expect(planner.planSync('pack the toy car', next)).toMatchObject({ kind: 'plan', plan: [{ skill: 'pack', args: { obj: 'TOY_CAR' } }] });
  });

  it('several mentions become obj1, obj2 in order of mention', () => {
    const def = liftBehavior(
      {
        name: 'bring',
        command: 'bring the toy car to the bin',
        mentions: ['TOY_CAR', 'BIN'],
        steps: [step('pick up the toy car'), step('go to the bin'), step('let go', { ...ctx, held: 'TOY_CAR' })],
      },
      skills,
    );
    expect(formatSignature(def)).toBe('bring(obj1, obj2)');
    expect(formatBody(def)).toBe('pickup(obj1) → goto(obj2) → release()');
    expect(def.description).toBe('Pick up the obj1, go to the obj2, then release.');
  });

  it('no object named ("let me teach you to pack", "clean up"): the object picked up stays a constant', () => {
    for (const command of ['', 'let me teach you to pack']) {
      const def = liftBehavior({ ...packTrace, command, mentions: [] }, skills);
      expect(formatSignature(def)).toBe('pack()');
      expect(formatBody(def)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    }
  });

  it('no mentions in a plain command ("pack"), several objects picked up, or an "all" behavior: everything stays constant', () => {
    expect(formatSignature(liftBehavior({ ...packTrace, command: 'pack', mentions: [] }, skills))).toBe('pack()');
    const two = [step('put the candy in the bag'), step('put the toy car in the bag')];
    expect(formatSignature(liftBehavior({ name: 'tidy', command: 'let me teach you to tidy', mentions: [], steps: two }, skills))).toBe(
      'tidy()',
    );
    expect(formatSignature(liftBehavior({ ...packTrace, name: 'pack_all', command: '', mentions: [] }, skills))).toBe('pack_all()');
    expect(
      formatSignature(liftBehavior({ ...packTrace, name: 'wrap', command: 'teach you to wrap everything', mentions: [] }, skills)),
    ).toBe('wrap()');
  });

  it('a mention the steps never use is dropped', () => {
    const unused = liftBehavior({ ...packTrace, mentions: ['TOY_CAR', 'CANDY'] }, skills);
    expect(formatSignature(unused)).toBe('pack(obj)');
    expect(formatBody(unused)).toBe('pickup(obj) → goto(GIFT_BAG) → release()');
  });

  it('nests a taught behavior (pack_all uses pack)', () => {
    const reg = seedRegistry();
    reg.register(liftBehavior(packTrace, skills));
    const c = makeContext({ entities, registry: reg });
    const all = liftBehavior(
      {
        name: 'pack_all',
        command: 'pack everything',
        mentions: [],
        steps: [step('pack the candy', c), step('pack the toy car and go home', c)],
      },
      c.skills,
    );
    expect(formatSignature(all)).toBe('pack_all()');
    expect(formatBody(all)).toBe('pack(CANDY) → pack(TOY_CAR) → go_home()');
    expect(all.description).toBe('Pack CANDY, pack TOY_CAR, then go home.');
    reg.register(all);
    expect(reg.expand([{ skill: 'pack_all', args: {} }]).map((s) => s.skill)).toEqual([
      'goto',
      'grasp',
      'goto',
      'release',
      'goto',
      'grasp',
      'goto',
      'release',
      'go_home',
    ]);
  });

  it('takes an LLM proposal (name, lifted literals, description) and still validates it', () => {
    const def = liftBehavior(packTrace, skills, {
      name: 'wrap',
      params: [{ name: 'gift', literal: 'CANDY' }],
      description: 'Retrieve the gift and place it inside the gift bag.',
    });
    expect(formatSignature(def)).toBe('wrap(gift)');
    expect(formatBody(def)).toBe('pickup(gift) → goto(GIFT_BAG) → release()');
    expect(() => liftBehavior(packTrace, skills, { name: 'wrap', params: [{ name: 'x', literal: 'TOY_CAR' }], description: 'd' })).toThrow(
      TeachError,
    );
  });
});

describe('liftBehavior validation', () => {
  const bad =
    (trace: Partial<TeachingTrace>, s: readonly SkillSignature[] = skills) =>
    () =>
      liftBehavior({ ...packTrace, ...trace }, s);

  it('rejects bad names, built-in names, empty bodies, self-calls and unknown skills', () => {
    expect(bad({ name: 'Pack' })).toThrow(/not a valid name/);
    expect(bad({ name: 'throw away' })).toThrow(/not a valid name/);
    expect(bad({ name: 'goto' })).toThrow(/built in/);
    expect(bad({ name: 'pickup' })).toThrow(/built in/);
    expect(bad({ steps: [] })).toThrow(/no steps/);
    const withPack = [
      ...skills,
      { name: 'pack', kind: 'behavior' as const, description: 'x', params: [{ name: 'obj', type: 'entity' as const, description: 'x' }] },
    ];
    expect(bad({ steps: [{ utterance: 'pack the candy', plan: [{ skill: 'pack', args: { obj: 'CANDY' } }] }] }, withPack)).toThrow(
      /cannot call itself/,
    );
    expect(bad({ steps: [{ utterance: 'dance', plan: [{ skill: 'dance', args: {} }] }] })).toThrow(/unknown skill "dance"/);
  });

  it('validateBehavior reports every problem', () => {
    const errors = validateBehavior(
      {
        name: 'x',
        kind: 'behavior',
        description: '',
        params: [{ name: 'obj', type: 'entity', description: '' }],
        body: [{ skill: 'goto', args: { object: { param: 'nope' } } }],
      },
      skills,
    );
    expect(errors).toEqual(['step 1 (goto): refers to unknown parameter "nope"', 'parameter "obj" is never used']);
  });

  it('describes steps in plain words', () => {
    expect(describeSteps([{ skill: 'go_home', args: {} }])).toBe('Go home.');
    expect(
      describeSteps([
        { skill: 'grasp', args: {} },
        { skill: 'release', args: {} },
      ]),
    ).toBe('Grasp, then release.');
    expect(describeSteps([])).toBe('');
  });
});

describe('mentionsIn: TeachingTrace.mentions from the command', () => {
  it.each([
    ['pack the candy', ['CANDY']],
    ['let me teach you to pack the candy', ['CANDY']],
    ['let me teach you to pack', []],
    ['bring the candy to the bag', ['CANDY', 'GIFT_BAG']],
    ['throw away the toy car', ['TOY_CAR']],
  ])('%j → %j', (u, names) => {
    expect(mentionsIn(u, ctx)).toEqual(names);
  });

  it('"it" is what is held', () => {
    expect(mentionsIn('pack it', { ...ctx, held: 'TOY_CAR' })).toEqual(['TOY_CAR']);
  });

  it('taught skills: their argument words', () => {
    const reg = new SkillRegistry();
    for (const s of seedRegistry().list()) reg.register({ ...s, kind: 'behavior', body: [] });
    reg.register({
      name: 'stack',
      kind: 'behavior',
      description: 'x',
      params: [
        { name: 'a', type: 'entity', description: '' },
        { name: 'b', type: 'entity', description: '' },
      ],
      body: [],
    });
    expect(mentionsIn('stack the candy on the toy car', makeContext({ entities, registry: reg }))).toEqual(['CANDY', 'TOY_CAR']);
  });
});
