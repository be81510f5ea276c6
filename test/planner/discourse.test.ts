/**
 * Discourse state read back from the dialogue history: the robot's own plan replies parsed and
 * validated, the objects named (most recent wins), the teaching offer, "the other one", and the
 * helpers behind corrections, "put it back", negation scope and time clauses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  entityArgs,
  orderClauses,
  parsePlanText,
  placeBefore,
  planInReply,
  readDiscourse,
  referent,
  scopeNegation,
  swapArgument,
} from '../../planner/discourse.js';
import { validateAgainstContext } from '../../planner/context.js';
import { RulePlanner } from '../../planner/rule-planner.js';
import type { DialogueTurn, PlannerContext, PlannerEntity } from '../../planner/types.js';
import { verbLemma } from '../../planner/wordnet.js';
import { formatPlan } from '../../skills/registry.js';
import { makeContext, SEED_ENTITIES } from './fixtures.js';

const ENTITIES: PlannerEntity[] = [
  ...SEED_ENTITIES,
  { name: 'PEN', description: 'A blue pen.', kind: 'object' },
  { name: 'RED_PEN', description: 'A red pen.', kind: 'object' },
  { name: 'BIN', description: 'A waste bin.', kind: 'object', container: true },
];
const turn = (utterance: string, reply: string): DialogueTurn => ({ utterance, reply });
const ctx = (history: DialogueTurn[] = [], held: string | null = null, lastTouched: string | null = null): PlannerContext => ({
  ...makeContext({ entities: ENTITIES, held, lastTouched }),
  history,
});
const words = (s: string): string[] => s.split(' ');

describe('plan replies parsed back', () => {
  it("reads the robot's own format, with a frame count or a refusal", () => {
    const c = ctx();
    const p = parsePlanText('pickup(CANDY) → goto(GIFT_BAG) → release()', c);
    expect(p && formatPlan(p)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    expect(p?.[0].args).toEqual({ object: 'CANDY' });
    expect(planInReply('Sure, here is my plan: go_home()', c)).toMatchObject({ refused: false });
    expect(planInReply('Here is my plan: goto(PEN), but goto(PEN) fails a safety check: too close', c)).toMatchObject({
      refused: true,
      plan: [{ skill: 'goto', args: { object: 'PEN' } }],
    });
    expect(planInReply('Sure, here is my plan: goto(PEN), over 12 frames: the camera stops at 12 poses along this path', c)?.frames).toBe(
      12,
    );
  });

  it('rejects what does not fit the live skills and entities', () => {
    const c = ctx();
    for (const text of ['wiggle(PEN)', 'pickup(VASE)', 'pickup()', 'pickup(CANDY, PEN)', 'go_home', 'pickup(CANDY) → ', '']) {
      expect(parsePlanText(text, c), text).toBeUndefined();
    }
    expect(planInReply('I can only follow commands for now.', c)).toBeUndefined();
  });

  it('never throws on arbitrary replies, and what it parses validates', () => {
    const c = ctx();
    const calls = ['pickup(CANDY)', 'goto(BIN)', 'release()', 'go_home()', 'pickup(', 'grasp(PEN)', 'goto(GIFT_BAG, PEN)', '→', ' '];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...calls), { maxLength: 8 }), fc.string({ maxLength: 40 }), (cs, noise) => {
        const reply = `Sure, here is my plan: ${cs.join(' → ')}${noise}`;
        const r = planInReply(reply, c);
        if (r) expect(validateAgainstContext(r.plan, c).ok).toBe(true);
      }),
    );
  });
});

describe('the dialogue state', () => {
  it('orders mentions, keeps the plans and the teaching offer', () => {
    const d = readDiscourse(
      ctx([
        turn('pack the candy', "I don't know how to pack yet. Teach me?"),
        turn('pick up the candy', 'Sure, here is my plan: pickup(CANDY)'),
        turn('yes', 'Done.'),
        turn('what is the pen?', 'PEN: A blue pen.'),
      ]),
    );
    expect(d.turns).toBe(4);
    expect(d.plans.map((p) => formatPlan(p.plan))).toEqual(['pickup(CANDY)']);
    expect(d.teachOffer).toMatchObject({ name: 'pack', command: 'pack the candy', mentions: ['CANDY'], stepsSince: 1 });
    expect(d.lastQuestion?.turn).toBe(0);
    expect(referent(d, null, 'CANDY')).toEqual({ kind: 'entity', name: 'PEN' });
    // Held, and named after the pen: the held thing.
    const later = readDiscourse(
      ctx([turn('what is the pen?', 'PEN: A blue pen.'), turn('grab the candy', 'Sure, here is my plan: pickup(CANDY)')]),
    );
    expect(referent(later, 'CANDY', 'CANDY')).toEqual({ kind: 'entity', name: 'CANDY' });
  });

  it('drops the offer once it is declined or the lesson started', () => {
    const offer = turn('pack the candy', "I don't know how to pack yet. Teach me?");
    expect(readDiscourse(ctx([offer, turn('cancel', "Okay, I won't learn pack now.")])).teachOffer).toBeUndefined();
    expect(
      readDiscourse(ctx([offer, turn('yes', 'Okay, show me how to pack, one step at a time. Say "that\'s it" when you\'re done.')]))
        .teachOffer,
    ).toBeUndefined();
  });

  it('reads a bounded history: many long turns still answer quickly and correctly', () => {
    const long = 'the candy '.repeat(400);
    const history = Array.from({ length: 500 }, (_, i) => turn(long, i % 2 ? 'Sure, here is my plan: pickup(PEN)' : long));
    const t0 = performance.now();
    const d = readDiscourse(ctx(history));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(d.turns).toBe(20);
    expect(d.plans.at(-1)?.plan[0].args.object).toBe('PEN');
  });
});

describe('helpers', () => {
  const c = ctx();
  const putBall = parsePlanText('pickup(PEN) → goto(GIFT_BAG) → release()', c)!;

  it('swaps an argument of the same sort', () => {
    expect(formatPlan(swapArgument(putBall, 'CANDY', c)!)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    expect(formatPlan(swapArgument(putBall, 'BIN', c)!)).toBe('pickup(PEN) → goto(BIN) → release()');
    expect(formatPlan(swapArgument(putBall, 'BIN', c, 'GIFT_BAG')!)).toBe('pickup(PEN) → goto(BIN) → release()');
    expect(swapArgument(putBall, 'PEN', c)).toBeUndefined();
    expect(swapArgument(putBall, 'CANDY', c, 'BIN')).toBeUndefined();
    expect(entityArgs(putBall, c)).toEqual(['PEN', 'GIFT_BAG']);
  });

  it('finds where an object was before it was picked up', () => {
    const d = readDiscourse(
      ctx([
        turn('put the pen in the bin', 'Sure, here is my plan: pickup(PEN) → goto(BIN) → release()'),
        turn('take it out', 'Sure, here is my plan: pickup(PEN)'),
      ]),
    );
    expect(placeBefore(d, 'PEN')).toBe('BIN');
    expect(placeBefore(d, 'CANDY')).toBeUndefined();
  });

  it('scopes negation to its clause', () => {
    expect(scopeNegation([words('pick up the pen'), words('not the ball')])).toEqual([words('pick up the pen')]);
    expect(scopeNegation([words('dont pick up the ball'), words('pick up the pen')])).toEqual([words('pick up the pen')]);
    expect(scopeNegation([words('pick up the pen instead of the ball')])).toEqual([words('pick up the pen')]);
    // Alone, a negated clause stays for the planner to answer (no motion).
    expect(scopeNegation([words('dont go home')])).toEqual([words('dont go home')]);
    // "is not" belongs to a condition, not a correction: kept whole.
    expect(scopeNegation([words('pick up what is not in the bag')])).toEqual([words('pick up what is not in the bag')]);
  });

  it('orders time clauses', () => {
    expect(orderClauses([words('before you go home'), words('pick up the candy')], verbLemma)).toEqual([
      words('pick up the candy'),
      words('go home'),
    ]);
    expect(orderClauses([words('go home after you have picked up the candy')], verbLemma)).toEqual([
      words('pick up the candy'),
      words('go home'),
    ]);
    expect(orderClauses([words('when will you go home')], verbLemma)).toEqual([words('when will you go home')]);
  });
});

describe('"the other one" inside a command', () => {
  const planner = new RulePlanner();
  const afterPen = ctx([turn('pick up the pen', 'Sure, here is my plan: pickup(PEN)')]);
  const planOf = (u: string, c: PlannerContext): string => {
    const r = planner.planSync(u, c);
    return r.kind === 'plan' ? formatPlan(r.plan) : `${r.kind}: ${'reply' in r ? r.reply : ''}`;
  };

  it('is the most alike thing of the same sort, not the one in play', () => {
    expect(planOf('pick up the other one', afterPen)).toBe('pickup(RED_PEN)');
    expect(planOf('grab the other pen and put it in the bin', afterPen)).toBe('pickup(RED_PEN) → goto(BIN) → release()');
    expect(planOf('go to the other one', ctx([turn('go to the bin', 'Sure, here is my plan: goto(BIN)')]))).toBe('goto(GIFT_BAG)');
  });

  it('asks when several fit', () => {
    const r = planner.planSync('pick up the other one', ctx([turn('what is the candy?', 'CANDY: A gummy candy.')]));
    expect(r.kind).toBe('question');
    expect(r.kind === 'question' && r.options).toEqual(['PEN', 'RED_PEN']);
  });
});
