import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPlan } from '../../skills/registry.js';
import { RulePlanner, validateAgainstContext, type PlannerContext, type PlannerResult } from '../../planner/index.js';
import { makeContext, seedRegistry, SEED_ENTITIES } from './fixtures.js';

const planner = new RulePlanner();
const ctx = makeContext();

function planOf(utterance: string, c: PlannerContext = ctx): string {
  const r = planner.planSync(utterance, c);
  if (r.kind !== 'plan') throw new Error(`expected a plan for ${JSON.stringify(utterance)}, got ${r.kind}: ${r.reply}`);
  return formatPlan(r.plan);
}

function question(utterance: string, c: PlannerContext = ctx): Extract<PlannerResult, { kind: 'question' }> {
  const r = planner.planSync(utterance, c);
  if (r.kind !== 'question') throw new Error(`expected a question for ${JSON.stringify(utterance)}, got ${r.kind}: ${r.reply}`);
  return r;
}

describe('everyday phrasing → exact plans', () => {
  const cases: [string, string][] = [
    ['pick up the candy', 'pickup(CANDY)'],
    ['grab the gummy', 'pickup(CANDY)'],
    ['get the candy', 'pickup(CANDY)'],
    ['pick the candy up', 'pickup(CANDY)'],
    ['take the sweet', 'pickup(CANDY)'],
    ['Can you please pick up the candy now?', 'pickup(CANDY)'],
    ['OK, PICK UP THE CANDY!!', 'pickup(CANDY)'],
    ['pick up the candies', 'pickup(CANDY)'],
    ['pick up the candy on the table', 'pickup(CANDY)'],
    ['go to the bag', 'goto(GIFT_BAG)'],
    ['go to the gift bag', 'goto(GIFT_BAG)'],
    ['go to the present bag', 'goto(GIFT_BAG)'],
    ['move above the bag', 'goto(GIFT_BAG)'],
    ['hover over the bag', 'goto(GIFT_BAG)'],
    ['move over to the gift bag', 'goto(GIFT_BAG)'],
    ['goto the bag', 'goto(GIFT_BAG)'],
    ['go home', 'go_home()'],
    ['go back home', 'go_home()'],
    ['go away!', 'go_home()'],
    ['return', 'go_home()'],
    ['return home', 'go_home()'],
    ['go back', 'go_home()'],
    ['go to the home position', 'go_home()'],
    ['back off', 'go_home()'],
    ['drop it', 'release()'],
    ['let go', 'release()'],
    ['let it go', 'release()'],
    ['release', 'release()'],
    ['open the gripper', 'release()'],
    ['open your hand', 'release()'],
    ['put it down', 'release()'],
    ['grasp', 'grasp()'],
    ['close the gripper', 'grasp()'],
    ['grab', 'grasp()'],
    ['put the candy in the bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['drop the candy in the bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['bring the candy to the bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['move the candy into the gift bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['pick up the candy and put it in the bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['pick up the candy then put it in the bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['pick the candy up, go to the bag, release', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['go to the candy, grasp, then go to the bag and let go', 'goto(CANDY) → grasp() → goto(GIFT_BAG) → release()'],
    ['Please put the candy in the bag and then go home.', 'pickup(CANDY) → goto(GIFT_BAG) → release() → go_home()'],
    ['first grab the candy, then drop it in the bag, and finally go home', 'pickup(CANDY) → goto(GIFT_BAG) → release() → go_home()'],
    ['no, go home', 'go_home()'],
  ];
  it.each(cases)('%s → %s', (utterance, expected) => {
    expect(planOf(utterance)).toBe(expected);
  });

  it('uses the reply format of the paper UI and returns plan data', () => {
    const r = planner.planSync('pick up the candy and put it in the bag', ctx);
    expect(r).toEqual({
      kind: 'plan',
      plan: [
        { skill: 'pickup', args: { object: 'CANDY' } },
        { skill: 'goto', args: { object: 'GIFT_BAG' } },
        { skill: 'release', args: {} },
      ],
      reply: 'Sure, here is my plan: pickup(CANDY) → goto(GIFT_BAG) → release()',
      repairs: [],
    });
  });
});

describe('"it" and what is held', () => {
  const held = makeContext({ held: 'CANDY', lastTouched: 'CANDY' });
  const touched = makeContext({ lastTouched: 'CANDY' });
  const bagTouched = makeContext({ lastTouched: 'GIFT_BAG' });

  it('"it" is the held object first', () => {
    expect(planOf('pick it up', makeContext({ held: 'GIFT_BAG', lastTouched: 'CANDY' }))).toBe('pickup(GIFT_BAG)');
    expect(planOf('put it in the bag', held)).toBe('goto(GIFT_BAG) → release()');
    expect(planOf('go to it', held)).toBe('goto(CANDY)');
  });

  it('"it" falls back to what was last touched', () => {
    expect(planOf('pick it up', touched)).toBe('pickup(CANDY)');
    expect(planOf('go to that', bagTouched)).toBe('goto(GIFT_BAG)');
    // Nothing held but something touched: still goto + release, as the brief allows.
    expect(planOf('put it in the bag', touched)).toBe('goto(GIFT_BAG) → release()');
    expect(planOf('put this one in the bag', touched)).toBe('goto(GIFT_BAG) → release()');
  });

  it('"it" with nothing held or touched asks which object, and plans nothing', () => {
    for (const u of ['pick it up', 'put it in the bag', 'go to it', 'take that to the bag']) {
      const q = question(u);
      expect(q.reason).toBe('ambiguous');
      expect(q.reply).toMatch(/^Which object do you mean by "(it|that)"\?/);
      expect(q).not.toHaveProperty('plan');
    }
  });

  it('"it" follows the chain: the object picked up earlier in the same utterance', () => {
    expect(planOf('grab the candy and drop it in the bag')).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    expect(planOf('go to the candy and pick it up')).toBe('goto(CANDY) → pickup(CANDY)');
  });

  it('"put the candy in the bag" skips the pickup when the candy is already held', () => {
    expect(planOf('put the candy in the bag', held)).toBe('goto(GIFT_BAG) → release()');
    expect(planOf('put the candy in the bag', makeContext({ held: 'GIFT_BAG' }))).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
  });

  it('"drop the X" while holding something else asks instead of letting go', () => {
    expect(planOf('drop the candy', held)).toBe('release()');
    const q = question('drop the bag', held);
    expect(q.reason).toBe('ambiguous');
    expect(q.reply).toContain("I'm holding CANDY");
  });
});

describe('speech-to-text repair (argument position only)', () => {
  it('"back" → bag, as in the paper prompt', () => {
    const held = makeContext({ held: 'CANDY' });
    const r = planner.planSync('put it in the back', held);
    expect(r.kind).toBe('plan');
    if (r.kind !== 'plan') return;
    expect(formatPlan(r.plan)).toBe('goto(GIFT_BAG) → release()');
    expect(r.repairs).toEqual([{ heard: 'back', understood: 'bag' }]);
    expect(planOf('go to the back')).toBe('goto(GIFT_BAG)');
  });

  it('"in the in" → bin, and BIN is unknown so it asks about BIN', () => {
    const q = question('put the candy in the in');
    expect(q.reason).toBe('unknown_object');
    expect(q.unknown).toEqual({ kind: 'object', word: 'bin', proposedName: 'BIN', description: 'A bin.' });
    expect(q.repairs).toEqual([{ heard: 'in', understood: 'bin' }]);
  });

  it.each(['candie', 'candi', 'kandy', 'cnady', 'candys'])('"pick up the %s" → CANDY', (word) => {
    expect(planOf(`pick up the ${word}`)).toBe('pickup(CANDY)');
  });

  it('repairs description words and whole names', () => {
    expect(planOf('grab the gumy')).toBe('pickup(CANDY)');
    expect(planOf('go to the gif bag')).toBe('goto(GIFT_BAG)');
    expect(planOf('go to the giftbag')).toBe('goto(GIFT_BAG)');
  });

  it.each(['bug', 'bus', 'box', 'bike', 'begs', 'candle', 'ball'])('does not over-repair "the %s" into a known object', (word) => {
    const q = question(`go to the ${word}`);
    expect(q.reason).toBe('unknown_object');
    expect(q.unknown?.kind).toBe('object');
  });

  it('does not repair outside argument position', () => {
    expect(planOf('go back')).toBe('go_home()');
    expect(planOf('back off')).toBe('go_home()');
    // "kandy" is no verb (WordNet): not offered for teaching, not repaired into an object either.
    expect(question('kandy the bag').reason).toBe('not_understood');
  });
});

describe('unknown objects and verbs → questions, never plans', () => {
  it('"pick up the toy car" asks to be shown TOY_CAR', () => {
    const q = question('pick up the toy car');
    expect(q).toEqual({
      kind: 'question',
      reason: 'unknown_object',
      reply: "I don't know what TOY_CAR is yet. Can you show me where it is?",
      unknown: { kind: 'object', word: 'toy car', proposedName: 'TOY_CAR', description: 'A toy car.' },
      repairs: [],
    });
  });

  it('drops colours from the name but keeps them in the description (paper: TOY_CAR = "A green toy car.")', () => {
    const q = question('Ok, now grab the green toy car?');
    expect(q.unknown).toEqual({ kind: 'object', word: 'green toy car', proposedName: 'TOY_CAR', description: 'A green toy car.' });
    expect(question('put the lotion in the bag').unknown).toMatchObject({ proposedName: 'LOTION', description: 'A lotion.' });
    expect(question('put the candy in the trash bag').unknown).toMatchObject({ proposedName: 'TRASH_BAG' });
  });

  it('an unknown object anywhere in a chain stops the whole plan', () => {
    const q = question('pick up the candy and put it in the bin');
    expect(q.unknown).toMatchObject({ kind: 'object', proposedName: 'BIN' });
  });

  it('"pack the candy" asks to be taught pack', () => {
    const q = question('pack the candy');
    expect(q.reason).toBe('unknown_verb');
    expect(q.reply).toBe("I don't know how to pack yet. Teach me?");
    expect(q.unknown).toEqual({ kind: 'verb', word: 'pack', proposedName: 'pack', mentions: ['CANDY'] });
    expect(question('throw away the candy').unknown).toMatchObject({ kind: 'verb', proposedName: 'throw_away' });
  });

  it('treats words that are also JS property names as plain words', () => {
    expect(question('pick up the constructor').unknown).toMatchObject({ proposedName: 'CONSTRUCTOR' });
    expect(question('go to the __proto__').reason).toBe('unknown_object');
  });

  it('asks for a missing argument or a verb', () => {
    expect(question('pick up').reason).toBe('missing_argument');
    expect(question('put the candy').reply).toBe('Where should I put the candy?');
    expect(question('the candy')).toMatchObject({
      reply: "What should I do with CANDY? Did you mean 'pick up the candy' or 'go to the candy'?",
      options: ['pick up the candy', 'go to the candy'],
    });
    expect(question('pick up the green one').reason).toBe('ambiguous');
    expect(question("don't go home").reason).toBe('not_understood');
    expect(question('what is this?').reason).toBe('not_understood');
  });

  it('asks which one when a phrase fits several entities', () => {
    const c = makeContext({ entities: [...SEED_ENTITIES, { name: 'RED_CANDY', description: 'A red candy.', kind: 'object' }] });
    const q = question('grab the sweet', c);
    expect(q.reason).toBe('ambiguous');
    expect(q.options).toEqual(['CANDY', 'RED_CANDY']);
    expect(planOf('grab the candy', c)).toBe('pickup(CANDY)');
    expect(planOf('grab the red candy', c)).toBe('pickup(RED_CANDY)');
  });
});

describe('taught things are usable on the next utterance', () => {
  const entities = [...SEED_ENTITIES, { name: 'TOY_CAR', description: 'A green toy car.', kind: 'object' as const }];

  it('a taught object resolves by name and description', () => {
    const c = makeContext({ entities });
    expect(planOf('pick up the green toy car', c)).toBe('pickup(TOY_CAR)');
    expect(planOf('put the toy in the bag', c)).toBe('pickup(TOY_CAR) → goto(GIFT_BAG) → release()');
    // a red one is a different object; the proposal keeps the colour rather than reuse TOY_CAR
    expect(question('pick up the red toy car', c).unknown).toMatchObject({ proposedName: 'RED_TOY_CAR' });
  });

  it('a taught behavior is matched by its name and arity', () => {
    const reg = seedRegistry();
    reg.register({
      name: 'pack',
      kind: 'behavior',
      description: 'Retrieve the obj and place it inside the gift bag.',
      params: [{ name: 'obj', type: 'entity', description: 'An object.' }],
      body: [{ skill: 'pickup', args: { object: { param: 'obj' } } }],
    });
    reg.register({ name: 'wave', kind: 'behavior', description: 'Wave hello.', params: [], body: [{ skill: 'go_home', args: {} }] });
    const c = makeContext({ registry: reg, entities });
    expect(planOf('pack the candy', c)).toBe('pack(CANDY)');
    expect(planOf('please pack the toy car and then go home', c)).toBe('pack(TOY_CAR) → go_home()');
    expect(planOf('wave', c)).toBe('wave()');
    expect(question('pack', c).reason).toBe('missing_argument');
    expect(question('wave at the bag', c).reason).toBe('not_understood');
  });
});

describe('boundary: rejected input', () => {
  it.each([
    ['', 'empty'],
    ['   \t ', 'empty'],
    ['x'.repeat(501), 'too_long'],
    ['pick up\u0000 the candy', 'unprintable'],
    ['go home\u202e', 'unprintable'],
    ['!!!???', 'garbage'],
    ['12345', 'garbage'],
    ['asdf qwrtz', 'garbage'],
    ['xkcd zzzz qqq', 'garbage'],
  ])('%j → rejected (%s)', (u, reason) => {
    const r = planner.planSync(u, ctx);
    expect(r.kind).toBe('rejected');
    if (r.kind === 'rejected') {
      expect(r.reason).toBe(reason);
      expect(r.reply.length).toBeGreaterThan(0);
    }
  });

  it('rejects non-text at runtime', () => {
    expect(planner.planSync(42, ctx)).toMatchObject({ kind: 'rejected', reason: 'not_text' });
    expect(planner.planSync(undefined, ctx)).toMatchObject({ kind: 'rejected', reason: 'not_text' });
  });

  it('accepts exactly 500 characters after trimming', () => {
    const u = `  go home${' '.repeat(480)}and go home  `;
    expect(u.trim().length).toBeLessThanOrEqual(500);
    expect(planOf(u)).toBe('go_home() → go_home()');
  });
});

describe('dialogue intents', () => {
  it.each(['stop', 'STOP!', 'halt', 'freeze', 'please stop now', 'e-stop', 'whoa whoa', 'wait', 'hold on', 'stop and go home'])(
    '%j → stop',
    (u) => {
      expect(planner.planSync(u, ctx).kind).toBe('stop');
    },
  );

  it('a stop word wins even inside input that would be rejected', () => {
    expect(planner.planSync(`${'blah '.repeat(150)}stop`, ctx).kind).toBe('stop');
  });

  it.each(['cancel', 'never mind', 'nevermind', 'forget it', 'no', 'nope', 'no thanks', 'cancel that please', 'scratch that'])(
    '%j → cancel',
    (u) => {
      expect(planner.planSync(u, ctx).kind).toBe('cancel');
    },
  );

  it.each(['yes', 'yeah', 'do it', 'confirm', 'ok', 'okay', 'yes please', 'go ahead', 'sounds good', 'yes, do it'])('%j → confirm', (u) => {
    expect(planner.planSync(u, ctx).kind).toBe('confirm');
  });
});

describe('every plan is validated against the live context', () => {
  it('a missing skill turns the plan into a question', () => {
    const c = makeContext();
    const noPickup: PlannerContext = { ...c, skills: c.skills.filter((s) => s.name !== 'pickup') };
    const q = question('pick up the candy', noPickup);
    expect(q.reason).toBe('invalid_plan');
    expect(q.reply).toContain('unknown skill "pickup"');
  });

  it('a stale held entity cannot leak into a plan', () => {
    const c: PlannerContext = { ...makeContext(), held: 'GHOST' };
    expect(question('go to it', c).reason).toBe('invalid_plan');
  });

  it('uses the parameter name from the live signature', () => {
    const c = makeContext();
    const renamed: PlannerContext = {
      ...c,
      skills: c.skills.map((s) =>
        s.name === 'goto' ? { ...s, params: [{ name: 'target', type: 'entity' as const, description: 'x' }] } : s,
      ),
    };
    const r = planner.planSync('go to the bag', renamed);
    expect(r).toMatchObject({ kind: 'plan', plan: [{ skill: 'goto', args: { target: 'GIFT_BAG' } }] });
  });
});

describe('determinism and robustness', () => {
  const samples = [
    'pick up the candy and put it in the back',
    'grab the kandy',
    'pick up the green toy car',
    'pack the candy',
    'grab the sweet',
  ];

  it('same input, same output, regardless of entity or skill order', () => {
    const shuffled = makeContext({ entities: [...SEED_ENTITIES].reverse() });
    const reversedSkills: PlannerContext = { ...shuffled, skills: [...shuffled.skills].reverse() };
    for (const u of samples) {
      const a = planner.planSync(u, ctx);
      expect(planner.planSync(u, ctx)).toEqual(a);
      expect(planner.planSync(u, reversedSkills)).toEqual(a);
    }
  });

  it('the async interface gives the same answer', async () => {
    for (const u of samples) expect(await planner.plan(u, ctx)).toEqual(planner.planSync(u, ctx));
  });

  it('never throws on arbitrary text, and every plan it returns validates', () => {
    const kinds = new Set([
      'plan',
      'question',
      'rejected',
      'stop',
      'cancel',
      'confirm',
      'teach_start',
      'teach_done',
      'point_here',
      'undo',
      'forget',
      'rename',
      'list_skills',
      'describe',
      'other_one',
    ]);
    const check = (u: string, c: PlannerContext): void => {
      const r = planner.planSync(u, c);
      expect(kinds.has(r.kind)).toBe(true);
      expect(r.reply.length).toBeGreaterThan(0);
      if (r.kind === 'plan') {
        expect(r.plan.length).toBeGreaterThan(0);
        expect(validateAgainstContext(r.plan, c).ok).toBe(true);
      }
    };
    const vocab = [
      'pick',
      'up',
      'the',
      'candy',
      'bag',
      'it',
      'put',
      'in',
      'and',
      'then',
      'go',
      'home',
      'drop',
      'back',
      'grab',
      'gummy',
      'toy',
      'car',
      'green',
      ',',
      'please',
      'to',
      'release',
      'open',
      'close',
      'gripper',
      'pack',
      'that',
      'one',
      'on',
      'stop',
      'no',
      'yes',
      'constructor',
      '__proto__',
      'toString',
      'in',
      'kandy',
      'me',
      'there',
    ];
    const held = makeContext({ held: 'CANDY', lastTouched: 'GIFT_BAG' });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocab), { maxLength: 14 }), fc.boolean(), (ws, h) => check(ws.join(' '), h ? held : ctx)),
      { numRuns: 2000, seed: 7 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 600, unit: 'binary' }), (s) => check(s, ctx)),
      { numRuns: 1000, seed: 11 },
    );
  });
});
