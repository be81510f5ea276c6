import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RulePlanner, validateAgainstContext, type PlannerContext, type PlannerResult } from '../../planner/index.js';
import { formatPlan, type SkillSignature } from '../../skills/registry.js';
import { makeContext, SEED_ENTITIES } from './fixtures.js';

const planner = new RulePlanner();
const OBJ = { name: 'obj', type: 'entity' as const, description: 'An object.' };
const taught: SkillSignature[] = [
  { name: 'pack', kind: 'behavior', description: 'Pick up the obj, go to GIFT_BAG, then release.', params: [OBJ] },
  { name: 'pack_all', kind: 'behavior', description: 'Pack CANDY, pack TOY_CAR, then go home.', params: [] },
  {
    name: 'stack',
    kind: 'behavior',
    description: 'Pick up the obj1, go to the obj2, then release.',
    params: [
      { ...OBJ, name: 'obj1' },
      { ...OBJ, name: 'obj2' },
    ],
  },
  { name: 'throw_away', kind: 'behavior', description: 'Pick up the obj, go to BIN, then release.', params: [OBJ] },
];
const base = makeContext({
  entities: [
    ...SEED_ENTITIES,
    { name: 'TOY_CAR', description: 'A green toy car.', kind: 'object' },
    { name: 'BIN', description: 'A grey bin.', kind: 'object', container: true },
  ],
});
const ctx: PlannerContext = { ...base, skills: [...base.skills, ...taught] };
const teaching = (name: string): PlannerContext => ({ ...ctx, teaching: { name } });

const run = (u: string, c: PlannerContext = ctx): PlannerResult => planner.planSync(u, c);
const planOf = (u: string, c: PlannerContext = ctx): string => {
  const r = run(u, c);
  if (r.kind !== 'plan') throw new Error(`expected a plan for ${JSON.stringify(u)}, got ${r.kind}: ${r.reply}`);
  return formatPlan(r.plan);
};

describe('teach_start', () => {
  it.each([
    ['let me teach you to pack', 'pack'],
    ["I'll teach you how to pack", 'pack'],
    ['I want to teach you to wrap', 'wrap'],
    ['learn to pack', 'pack'],
    ['teach you to pack things', 'pack'],
    ['Let me teach you to THROW AWAY the candy!', 'throw_away'],
    ['let me show you how to put things away', 'put_away'],
    ['can you learn how to wrap presents?', 'wrap'],
    ['now I want to teach you to pack everything', 'pack_all'],
    ['teach you a new trick called wiggle', 'wiggle'],
    ['let me show you how to do a reveal', 'reveal'],
    ['teach you to zoom in on things', 'zoom_in'],
  ])('%j → teach_start %s', (u, name) => {
    const r = run(u);
    expect(r).toMatchObject({ kind: 'teach_start', name });
  });

  it('replies with how to finish, and says when a behavior is being re-taught', () => {
    expect(run('let me teach you to wrap').reply).toBe(
      'Okay, show me how to wrap, one step at a time. Say "that\'s it" when you\'re done.',
    );
    expect(run('let me teach you to pack').reply).toMatch(/^I already know pack/);
  });

  it('a built-in name cannot be re-taught; no name is a question', () => {
    expect(run('let me teach you to goto')).toMatchObject({ kind: 'question', reason: 'not_understood' });
    expect(run("I'll teach you")).toMatchObject({ kind: 'question', reason: 'missing_argument' });
  });

  it('"sure, I\'ll show you" right after "Teach me?" teaches the verb that was asked about', () => {
    const c: PlannerContext = { ...ctx, history: [{ utterance: 'shake the bag', reply: "I don't know how to shake yet. Teach me?" }] };
    expect(run("sure, I'll show you", c)).toMatchObject({ kind: 'teach_start', name: 'shake' });
  });
});

describe('teach_done only while teaching', () => {
  const phrases = [
    "that's it",
    "that's all",
    'done',
    "I'm done",
    'finished',
    "you're done",
    'ok, that is it.',
    "and that's how you pack",
    'all done',
  ];
  it.each(phrases)('%j → teach_done while teaching', (u) => {
    expect(run(u, teaching('pack')).kind).toBe('teach_done');
  });
  it.each(phrases)('%j → a harmless not_understood when nothing is being taught', (u) => {
    const r = run(u);
    expect(r).toMatchObject({ kind: 'question', reason: 'not_understood' });
    expect(r.reply).toMatch(/not learning/);
  });

  it('steps while teaching are ordinary plans, including taught behaviors (nesting)', () => {
    const c = teaching('pack_twice');
    expect(planOf('pick up the candy', c)).toBe('pickup(CANDY)');
    expect(planOf('pack the toy car', c)).toBe('pack(TOY_CAR)');
    expect(planOf('pack the candy and the toy car, then go home', c)).toBe('pack(CANDY) → pack(TOY_CAR) → go_home()');
  });
});

describe('point_here, undo, other_one', () => {
  it.each(["it's here", 'here', 'right here', 'this is it', 'it is over there'])('%j → point_here', (u) => {
    expect(run(u).kind).toBe('point_here');
  });
  it.each(['undo', 'undo that', 'take that back', 'please undo that', 'undo what you just learned'])('%j → undo', (u) => {
    expect(run(u).kind).toBe('undo');
  });
  it.each(['no, the other one', 'not that one', 'the other one', 'wrong one', 'I meant the other one'])('%j → other_one', (u) => {
    expect(run(u).kind).toBe('other_one');
  });
  it('"no" alone and "forget it" still cancel', () => {
    expect(run('no').kind).toBe('cancel');
    expect(run('forget it').kind).toBe('cancel');
    expect(run('forget about it').kind).toBe('cancel');
  });
});

describe('forget and rename resolve names against the context', () => {
  it.each([
    ['forget pack', 'pack'],
    ['forget how to pack', 'pack'],
    ['please forget pack all', 'pack_all'],
    ['forget the toy car', 'TOY_CAR'],
    ['forget what the toy car is', 'TOY_CAR'],
  ])('%j → forget %s', (u, name) => {
    expect(run(u)).toMatchObject({ kind: 'forget', name });
  });

  it('an unknown name is a question listing what can be forgotten; built-ins cannot be forgotten', () => {
    const r = run('forget the scissors');
    expect(r).toMatchObject({ kind: 'question', reason: 'not_understood' });
    if (r.kind === 'question') {
      expect(r.options).toEqual(['pack', 'pack_all', 'stack', 'throw_away', 'BIN', 'CANDY', 'GIFT_BAG', 'TOY_CAR']);
      expect(r.reply).toContain('I can forget: pack, pack_all');
    }
    expect(run('forget goto')).toMatchObject({ kind: 'question', reason: 'not_understood' });
    expect(run('forget pickup').reply).toMatch(/built in/);
  });

  it.each([
    ['rename pack to wrap', 'pack', 'wrap'],
    ['call pack wrap from now on', 'pack', 'wrap'],
    ['from now on, call pack wrap', 'pack', 'wrap'],
    ['rename the toy car to racer', 'TOY_CAR', 'RACER'],
    ['call the toy car racer', 'TOY_CAR', 'RACER'],
    ['the toy car should be called the racer', 'TOY_CAR', 'RACER'],
    ['change the name of pack all to finish bag', 'pack_all', 'finish_bag'],
    ['rename throw away to trash', 'throw_away', 'trash'],
  ])('%j → rename %s → %s', (u, from, to) => {
    expect(run(u)).toMatchObject({ kind: 'rename', from, to });
  });

  it('"call it X" renames what is held or was last touched', () => {
    expect(run('call it speedy', { ...ctx, lastTouched: 'TOY_CAR' })).toMatchObject({ kind: 'rename', from: 'TOY_CAR', to: 'SPEEDY' });
    expect(run('call it speedy').kind).toBe('question');
  });

  it('refuses renames onto existing names and of built-ins', () => {
    expect(run('rename pack to stack')).toMatchObject({ kind: 'question' });
    expect(run('rename the toy car to candy')).toMatchObject({ kind: 'question' });
    expect(run('rename goto to move')).toMatchObject({ kind: 'question' });
  });
});

describe('list_skills and describe', () => {
  it.each(['what can you do?', 'what do you know', 'list your skills', 'help', 'which objects do you know', 'what have you learned'])(
    '%j → list_skills',
    (u) => {
      expect(run(u).kind).toBe('list_skills');
    },
  );

  it('the fallback list reply names built-ins, taught behaviors and things', () => {
    const r = run('what can you do');
    expect(r.reply).toContain('You taught me: pack(obj), pack_all(), stack(obj1, obj2), throw_away(obj).');
    expect(r.reply).toContain('I know: CANDY, GIFT_BAG, TOY_CAR, BIN.');
  });

  it.each([
    ['what is pack', 'pack'],
    ['what does pack do', 'pack'],
    ['how do you pack?', 'pack'],
    ['what does pack all do', 'pack_all'],
    ['what is the toy car', 'TOY_CAR'],
    ["what's a gift bag", 'GIFT_BAG'],
  ])('%j → describe %s', (u, name) => {
    expect(run(u)).toMatchObject({ kind: 'describe', name });
  });

  it('describe falls back to a question for unknown things; "what is it" uses what was touched', () => {
    expect(run('what is this?')).toMatchObject({ kind: 'question', reason: 'not_understood' });
    expect(run('what is it', { ...ctx, lastTouched: 'CANDY' })).toMatchObject({ kind: 'describe', name: 'CANDY' });
  });
});

describe('taught behaviors as verbs', () => {
  it('0, 1 and 2 parameters, spoken in several ways', () => {
    expect(planOf('pack the toy car')).toBe('pack(TOY_CAR)');
    expect(planOf('pack all')).toBe('pack_all()');
    expect(planOf('pack everything')).toBe('pack_all()');
    expect(planOf('stack the candy on the toy car')).toBe('stack(CANDY, TOY_CAR)');
    expect(planOf('stack the candy on top of the bag')).toBe('stack(CANDY, GIFT_BAG)');
    expect(planOf('throw the candy away')).toBe('throw_away(CANDY)');
    expect(planOf('throw it away', { ...ctx, held: 'CANDY' })).toBe('throw_away(CANDY)');
  });

  it('a skill is also called by the verb its description starts with, unless a built-in owns it', () => {
    const zoom: SkillSignature = {
      name: 'zoom_in',
      kind: 'behavior',
      description: 'Push the camera in close on the target.',
      params: [OBJ],
    };
    const c: PlannerContext = { ...ctx, skills: [...ctx.skills, zoom] };
    expect(planOf('push in on the candy', c)).toBe('zoom_in(CANDY)');
    expect(planOf('zoom into the candy', c)).toBe('zoom_in(CANDY)');
    // pack's description starts with "Pick up", which stays pickup.
    expect(planOf('pick up the candy', c)).toBe('pickup(CANDY)');
  });

  it('stop wins over everything, even while teaching', () => {
    expect(run('stop teaching', teaching('pack')).kind).toBe('stop');
    expect(run('pack the candy, no wait, stop').kind).toBe('stop');
  });
});

describe('robustness with the new intents', () => {
  it('never throws and every plan validates, with and without teaching', () => {
    const vocab = [
      'let',
      'me',
      'teach',
      'you',
      'to',
      'pack',
      'all',
      'that',
      'its',
      'it',
      'done',
      'here',
      'undo',
      'forget',
      'rename',
      'call',
      'the',
      'toy',
      'car',
      'racer',
      'what',
      'is',
      'other',
      'one',
      'no',
      'not',
      'and',
      'stack',
      'on',
      'candy',
      'bag',
      'throw',
      'away',
      ',',
      'how',
      'do',
      'a',
      'called',
      'help',
      'learn',
      'everything',
      'go',
      'home',
    ];
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
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocab), { maxLength: 10 }), fc.boolean(), (ws, t) => {
        const c = t ? teaching('pack_twice') : ctx;
        const r = planner.planSync(ws.join(' '), c);
        expect(kinds.has(r.kind)).toBe(true);
        expect(r.reply.length).toBeGreaterThan(0);
        if (r.kind === 'plan') expect(validateAgainstContext(r.plan, c).ok).toBe(true);
        if (r.kind === 'teach_start') expect(r.name).toMatch(/^[a-z][a-z0-9_]*$/);
        if (r.kind === 'rename') expect(r.from).not.toBe(r.to);
      }),
      { numRuns: 1500, seed: 3 },
    );
  });
});
