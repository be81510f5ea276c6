/**
 * Dialogue as people speak it: the rule planner reads the turns so far (the context's history)
 * for "it", corrections ("no, the pen"), repeats ("do the same with Loki", "again"), a new frame
 * count ("make it 24 frames"), "put it back", negation with scope, chains, and a lesson shown
 * right after "Teach me?".
 */
import { describe, expect, it } from 'vitest';
import { RulePlanner } from '../../planner/rule-planner.js';
import type { DialogueTurn, PlannerContext, PlannerEntity, PlannerResult } from '../../planner/types.js';
import { formatPlan, type SkillSignature } from '../../skills/registry.js';
import { makeContext, SEED_ENTITIES } from './fixtures.js';

const planner = new RulePlanner();
const ENTITIES: PlannerEntity[] = [
  ...SEED_ENTITIES,
  { name: 'PEN', description: 'A blue pen.', kind: 'object' },
  { name: 'BALL', description: 'A red ball.', kind: 'object' },
];
const turn = (utterance: string, reply: string): DialogueTurn => ({ utterance, reply });
const said = (utterance: string, plan: string): DialogueTurn => turn(utterance, `Sure, here is my plan: ${plan}`);
function ctx(history: DialogueTurn[], opts: { held?: string; lastTouched?: string; teaching?: string } = {}): PlannerContext {
  return {
    ...makeContext({ entities: ENTITIES, held: opts.held ?? null, lastTouched: opts.lastTouched ?? null }),
    history,
    ...(opts.teaching ? { teaching: { name: opts.teaching } } : {}),
  };
}
const plan = (u: string, c: PlannerContext): PlannerResult => planner.planSync(u, c);
function planOf(u: string, c: PlannerContext): string {
  const r = plan(u, c);
  if (r.kind !== 'plan') throw new Error(`"${u}" → ${r.kind}: ${'reply' in r ? r.reply : ''}`);
  return formatPlan(r.plan);
}

describe('"it" across turns', () => {
  it('means the object just named when nothing else fits better', () => {
    const c = ctx([turn('what is the candy?', 'CANDY: A gummy, sandwich-shaped candy.')]);
    expect(planOf('pick it up', c)).toBe('pickup(CANDY)');
    expect(planOf('grab that', c)).toBe('pickup(CANDY)');
    expect(planOf('go to this one', c)).toBe('goto(CANDY)');
  });

  it('lets the most recent explicit mention win over an older lastTouched', () => {
    const c = ctx([said('go to the ball', 'goto(BALL)'), turn('yes', 'Done.'), turn('what is the pen?', 'PEN: A blue pen.')], {
      lastTouched: 'BALL',
    });
    expect(planOf('pick it up', c)).toBe('pickup(PEN)');
    // Held still matters for "put it": the gripper holds what it holds.
    const holding = ctx([said('pick up the ball', 'pickup(BALL)'), turn('yes', 'Done.'), turn('what is the pen?', 'PEN: A blue pen.')], {
      held: 'BALL',
      lastTouched: 'BALL',
    });
    expect(planOf('put it in the bag', holding)).toBe('goto(GIFT_BAG) → release()');
  });

  it('keeps the gripper state when it was mentioned last', () => {
    const c = ctx([turn('what is the pen?', 'PEN: A blue pen.'), said('pick up the ball', 'pickup(BALL)'), turn('yes', 'Done.')], {
      held: 'BALL',
      lastTouched: 'BALL',
    });
    expect(planOf('put it in the bag', c)).toBe('goto(GIFT_BAG) → release()');
    expect(planOf('drop it', c)).toBe('release()');
  });

  it('picks up a just-named object before putting it somewhere', () => {
    const c = ctx([turn('what is the pen?', 'PEN: A blue pen.')]);
    expect(planOf('put it in the bag', c)).toBe('pickup(PEN) → goto(GIFT_BAG) → release()');
  });

  it('still asks when the last sentence named two things', () => {
    const r = plan('pick it up', ctx([turn('is the pen bigger than the ball?', 'I can only follow commands for now.')]));
    expect(r.kind).toBe('question');
    if (r.kind === 'question') {
      expect(r.reason).toBe('ambiguous');
      expect(r.options).toEqual(['PEN', 'BALL']);
    }
  });
});

describe('corrections and repeats', () => {
  const afterBall = ctx([said('put the ball in the bag', 'pickup(BALL) → goto(GIFT_BAG) → release()')]);

  it('swaps the argument of the last plan: "no, the pen", "not the ball, the pen", "I meant the pen"', () => {
    for (const u of [
      'no, the pen',
      'not the ball, the pen',
      'I meant the pen',
      'the pen, not the ball',
      'no no, the pen instead',
      'wait, the pen',
    ])
      expect(planOf(u, afterBall), u).toBe('pickup(PEN) → goto(GIFT_BAG) → release()');
  });

  it('repeats the last plan with a new argument: "do the same with the pen", "now the pen"', () => {
    for (const u of ['do the same with the pen', 'now the pen', 'same for the pen', 'and the pen too', 'do it again with the pen'])
      expect(planOf(u, afterBall), u).toBe('pickup(PEN) → goto(GIFT_BAG) → release()');
  });

  it('repeats the last plan: "again", "do that again", "once more"', () => {
    for (const u of ['again', 'do that again', 'once more', 'do it one more time', 'repeat that', 'same again'])
      expect(planOf(u, afterBall), u).toBe('pickup(BALL) → goto(GIFT_BAG) → release()');
  });

  it('leaves "do it" a confirmation, and a plain command a command', () => {
    expect(plan('do it', afterBall).kind).toBe('confirm');
    expect(planOf('now go home', afterBall)).toBe('go_home()');
    expect(planOf('now pick up the candy', afterBall)).toBe('pickup(CANDY)');
  });

  it('swaps a destination for a destination', () => {
    const c = ctx([said('put the ball in the bag', 'pickup(BALL) → goto(GIFT_BAG) → release()')]);
    const bin: PlannerEntity = { name: 'BIN', description: 'A waste bin.', kind: 'object', container: true };
    const withBin = { ...c, entities: [...c.entities, bin] };
    expect(planOf('no, the bin', withBin)).toBe('pickup(BALL) → goto(BIN) → release()');
  });

  it('asks "which one then?" for "not the candy" alone, and takes the answer', () => {
    const c = ctx([said('pick up the candy', 'pickup(CANDY)')]);
    const r = plan('not the candy', c);
    expect(r.kind).toBe('question');
    if (r.kind !== 'question') return;
    expect(r.reason).toBe('ambiguous');
    expect(r.options).toEqual(expect.arrayContaining(['PEN', 'BALL']));
    expect(r.options).not.toContain('CANDY');
    const next = ctx([said('pick up the candy', 'pickup(CANDY)'), turn('not the candy', r.reply)]);
    expect(planOf('the pen', next)).toBe('pickup(PEN)');
  });

  it('needs a plan to correct: without one a bare name is still a question', () => {
    expect(plan('no, the pen', ctx([])).kind).toBe('question');
    expect(plan('again', ctx([])).kind).toBe('question');
  });

  it('ignores a reply that only looks like a plan (unknown skill or entity)', () => {
    const c = ctx([said('wiggle the vase', 'wiggle(VASE)')]);
    expect(plan('again', c).kind).toBe('question');
  });
});

describe('answers to the question just asked', () => {
  it('plans the asked command again with the answer in place', () => {
    const which = ctx([
      turn('pick it up', 'Which object do you mean by "it"? I\'m not holding anything and haven\'t touched anything yet.'),
    ]);
    expect(planOf('the pen', which)).toBe('pickup(PEN)');
    const where = ctx([turn('put the candy', 'Where should I put CANDY?')]);
    expect(planOf('in the bag', where)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    const what = ctx([turn('pick up', 'What should I pick up?')]);
    expect(planOf('the ball', what)).toBe('pickup(BALL)');
  });

  it('leaves a new command a command, and an old question alone', () => {
    const where = ctx([turn('put the candy', 'Where should I put CANDY?')]);
    expect(planOf('go home', where)).toBe('go_home()');
    const older = ctx([turn('put the candy', 'Where should I put CANDY?'), turn('what is the pen?', 'PEN: A blue pen.')]);
    expect(plan('in the bag', older).kind).not.toBe('plan');
  });
});

describe('frame counts and put it back', () => {
  const learned: SkillSignature = {
    name: 'track',
    kind: 'primitive',
    learned: true,
    description: 'Learned camera motion.',
    params: [{ name: 'target', type: 'entity', description: 'The object.' }],
  };
  const studio = (history: DialogueTurn[]): PlannerContext => ({
    skills: [{ name: 'go_home', kind: 'primitive', description: 'Home.', params: [] }, learned],
    entities: [
      { name: 'HULK', description: 'The Hulk, a green LEGO big-figure.', kind: 'object' },
      { name: 'LOKI', description: 'Loki, a LEGO minifigure.', kind: 'object' },
    ],
    held: null,
    lastTouched: null,
    history,
  });

  it('"make it 24 frames" re-plans the last camera move with the new count', () => {
    const c = studio([
      turn(
        'track around the hulk over 12 frames',
        'Sure, here is my plan: track(HULK), over 12 frames: the camera stops at 12 poses along this path and waits for "shoot" at each',
      ),
    ]);
    for (const u of ['make it 24 frames', '24 frames instead', 'do it over twenty four frames', 'make it 24']) {
      const r = plan(u, c);
      expect(r.kind, u).toBe('plan');
      if (r.kind === 'plan') {
        expect(formatPlan(r.plan)).toBe('track(HULK)');
        expect(r.frames, u).toBe(24);
      }
    }
    const loki = plan('do the same with loki', c);
    expect(loki.kind === 'plan' && formatPlan(loki.plan)).toBe('track(LOKI)');
    expect(loki.kind === 'plan' && loki.frames).toBe(12);
  });

  it('"put it back" returns the object to where a plan took it from, or asks', () => {
    const c = ctx(
      [
        said('put the candy in the bag', 'pickup(CANDY) → goto(GIFT_BAG) → release()'),
        turn('yes', 'Done.'),
        said('take the candy out', 'pickup(CANDY)'),
        turn('yes', 'Done.'),
      ],
      { held: 'CANDY', lastTouched: 'CANDY' },
    );
    expect(planOf('put it back', c)).toBe('goto(GIFT_BAG) → release()');
    expect(planOf('put the candy back where it was', c)).toBe('goto(GIFT_BAG) → release()');
    const unknown = plan('put it back', ctx([said('pick up the pen', 'pickup(PEN)')], { held: 'PEN', lastTouched: 'PEN' }));
    expect(unknown.kind).toBe('question');
    expect(unknown.kind === 'question' && unknown.reply).toMatch(/Where should I put PEN back/);
  });
});

describe('negation with scope', () => {
  it('keeps the positive part: "pick up the pen, not the ball", "don\'t pick up the ball, pick up the pen"', () => {
    const c = ctx([]);
    for (const u of [
      'pick up the pen, not the ball',
      'pick up the pen not the ball',
      "don't pick up the ball, pick up the pen",
      'pick up the pen instead of the ball',
      'pick up the pen but not the ball',
      "don't pick up the ball, the pen",
    ])
      expect(planOf(u, c), u).toBe('pickup(PEN)');
    expect(planOf("don't put the ball in the bag, the candy", c)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
  });

  it('never plans a negated command said alone', () => {
    for (const u of ["don't go home", 'do not pick up the candy', 'never put the pen in the bag']) {
      const r = plan(u, ctx([]));
      expect(r.kind, u).toBe('question');
    }
    // Said against the plan just proposed, it cancels that plan.
    const r = plan("don't go home", ctx([said('go home', 'go_home()')]));
    expect(r.kind).toBe('cancel');
  });
});

describe('chains', () => {
  it('plans "pick up the candy and put it in the bag, then go home" and its variants', () => {
    const c = ctx([]);
    for (const u of [
      'pick up the candy and put it in the bag, then go home',
      'first pick up the candy, after that put it in the bag, and finally go home',
      'pick up the candy and then put it in the bag and then go home',
      'pick up the candy. put it in the bag. go home.',
    ])
      expect(planOf(u, c), u).toBe('pickup(CANDY) → goto(GIFT_BAG) → release() → go_home()');
  });

  it('orders time clauses as they happen: "before you go home, pick up the candy"', () => {
    const c = ctx([]);
    for (const u of [
      'before you go home, pick up the candy',
      'go home after you pick up the candy',
      'pick up the candy before going home',
      'after picking up the candy, go home',
      "pick up the candy, and when you're done go home",
    ])
      expect(planOf(u, c), u).toBe('pickup(CANDY) → go_home()');
    expect(planOf("once you've picked up the candy, put it in the bag", c)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    // A question that starts with "when" stays a question.
    expect(plan('when will you go home?', c).kind).toBe('question');
  });

  it('carries two objects to one place: "take the candy and the pen to the bag"', () => {
    expect(planOf('take the candy and the pen to the bag', ctx([]))).toBe(
      'pickup(CANDY) → goto(GIFT_BAG) → release() → pickup(PEN) → goto(GIFT_BAG) → release()',
    );
  });
});

describe('a lesson shown right after "Teach me?"', () => {
  const offered = [turn('pack the candy', "I don't know how to pack yet. Teach me?")];

  it('starts the lesson with the first step instead of asking for "yes"', () => {
    const r = plan('pick up the candy', ctx(offered));
    expect(r.kind).toBe('teach_start');
    if (r.kind !== 'teach_start') return;
    expect(r.name).toBe('pack');
    expect(r.command).toBe('pack the candy');
    expect(r.mentions).toEqual(['CANDY']);
    expect(r.step && formatPlan(r.step.plan)).toBe('pickup(CANDY)');
    expect(r.step?.utterance).toBe('pick up the candy');
  });

  it('is an ordinary plan once a lesson runs, or once the offer is older', () => {
    expect(plan('pick up the candy', ctx(offered, { teaching: 'pack' })).kind).toBe('plan');
    expect(plan('pick up the candy', ctx([...offered, turn('what is the candy?', 'CANDY: A gummy candy.')])).kind).toBe('plan');
  });

  it('"that\'s it" after steps that followed the offer finishes the lesson', () => {
    const history = [
      ...offered,
      said('pick up the candy', 'pickup(CANDY)'),
      turn('yes', 'Done.'),
      said('put it in the bag', 'goto(GIFT_BAG) → release()'),
      turn('yes', 'Done.'),
    ];
    for (const u of ["that's it", "that's all", 'done']) expect(plan(u, ctx(history)).kind, u).toBe('teach_done');
    // Without an offer before, there is nothing to finish.
    expect(plan("that's it", ctx(history.slice(1))).kind).toBe('question');
  });
});
