/**
 * Issue 14 on the typed planner: destructive requests refused, hedges skipped, nothing dropped
 * silently, questions that offer the closest readings, WordNet nouns, and teaching that lifts
 * only the objects named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPlan } from '../../skills/registry.js';
import { RulePlanner, type PlannerContext, type PlannerEntity, type PlannerResult } from '../../planner/index.js';
import { formatBody, formatSignature, liftBehavior, mentionsIn } from '../../planner/teach.js';
import type { TeachingTrace } from '../../planner/types.js';
import { makeContext, SEED_ENTITIES } from './fixtures.js';
import { FakeChatServer } from './llm/fake-chat-server.js';
import { plannerFor } from './llm/helpers.js';

const PEN: PlannerEntity = { name: 'PEN', description: 'A blue pen.', kind: 'object' };
const BALL: PlannerEntity = { name: 'BALL', description: 'A red ball.', kind: 'object' };
const BIN: PlannerEntity = { name: 'BIN', description: 'A grey bin.', kind: 'object', container: true };
const entities = [...SEED_ENTITIES, PEN, BALL];
const ctx = makeContext({ entities });
const planner = new RulePlanner();

const plan = (u: string, c: PlannerContext = ctx): PlannerResult => planner.planSync(u, c);
function planOf(u: string, c: PlannerContext = ctx): string {
  const r = plan(u, c);
  if (r.kind !== 'plan') throw new Error(`expected a plan for "${u}", got ${r.kind}: ${'reply' in r ? r.reply : ''}`);
  return formatPlan(r.plan);
}

describe('destructive requests are refused with a reason', () => {
  it.each([
    ['hit the bag', 'hit'],
    ['smash the candy', 'smash'],
    ['stab the ball', 'stab'],
    ['knock over the bag', 'knock'],
    ['knock the bag over', 'knock'],
    ['throw the candy at the bag', 'throw'],
    ['slam it into the bin', 'slam'],
    ['crush the candy', 'crush'],
    ['could you please punch the ball', 'punch'],
    ['pick up the candy and then smash it', 'smash'],
    ['kick the ball, then go home', 'kick'],
    ['let me teach you to hit', 'hit'],
    ['teach you to smash', 'smash'],
    ['I want to teach you to stab things', 'stab'],
  ])('"%s" → rejected unsafe (%s), no plan, no teaching', (u, verb) => {
    const r = plan(u, makeContext({ entities, held: 'CANDY', lastTouched: 'CANDY' }));
    expect(r).toMatchObject({ kind: 'rejected', reason: 'unsafe' });
    expect(r.kind === 'rejected' && r.reply).toMatch(new RegExp(`^I won't ${verb} things`));
    expect(r.kind === 'rejected' && r.reply).toMatch(/gently/);
  });

  it('says what it would do instead when the request was a placement', () => {
    // A hurl is refused even into a place ("toss the pen in the bag" is a put: paraphrase.test.ts).
    const r = plan('hurl the pen in the bag');
    expect(r).toMatchObject({ kind: 'rejected', reason: 'unsafe' });
    expect(r.kind === 'rejected' && r.reply).toContain('say "put the pen in the bag"');
  });

  it('leaves alone what only sounds harmful: discarding, cancelling, taught names, nouns', () => {
    expect(plan('throw away the pen')).toMatchObject({ kind: 'question', reason: 'unknown_verb', unknown: { proposedName: 'throw_away' } });
    expect(plan('scratch that').kind).toBe('cancel');
    expect(planOf('pick up the candy')).toBe('pickup(CANDY)');
    expect(plan('what is a hit?').kind).not.toBe('rejected');
  });

  it('a stop still comes first', () => {
    expect(plan('stop hitting the bag').kind).toBe('stop');
  });

  describe('the LLM planner', () => {
    let server: FakeChatServer;
    beforeAll(async () => {
      server = await FakeChatServer.start();
    });
    afterAll(async () => {
      await server.close();
    });

    it('refuses them too, without asking the model', async () => {
      const llm = plannerFor(server);
      for (const u of ['hit the bag', 'throw the candy at the bag', 'let me teach you to smash']) {
        expect(await llm.plan(u, ctx)).toMatchObject({ kind: 'rejected', reason: 'unsafe' });
      }
      expect(server.requests).toHaveLength(0);
    });
  });
});

describe('out-of-domain requests near the vocabulary never move the arm', () => {
  it.each(['close the window please', 'open the door', 'give me the knife', 'tell me a joke', 'how are you today', 'thank you'])(
    '"%s" → no plan',
    (u) => {
      const r = plan(u);
      expect(['question', 'rejected', 'confirm', 'cancel']).toContain(r.kind);
      expect(r.kind).not.toBe('plan');
    },
  );

  it('"give me the knife" asks; it never picks up something else', () => {
    expect(plan('give me the knife').kind).toBe('question');
    expect(plan('freeze').kind).toBe('stop');
  });
});

describe('hedges and fillers', () => {
  it.each([
    ['could you maybe put that candy in the bag for me', 'pickup(CANDY) → goto(GIFT_BAG) → release()'],
    ['sorry, pick up the candy', 'pickup(CANDY)'],
    ['wait, no, go home instead', 'go_home()'],
    ['um so like grab the pen', 'pickup(PEN)'],
    ['please just go home', 'go_home()'],
    ['perhaps pick up the ball, I guess', 'pickup(BALL)'],
    ['oops, sorry, put the pen in the bag instead', 'pickup(PEN) → goto(GIFT_BAG) → release()'],
    ['look, pick up the candy', 'pickup(CANDY)'],
    ['hmm, let me see, pick up the ball', 'pickup(BALL)'],
    ['go home if you can', 'go_home()'],
    ['if you could go home that would be great', 'go_home()'],
    ['could you like put the pen in the bag', 'pickup(PEN) → goto(GIFT_BAG) → release()'],
  ])('"%s" → %s', (u, expected) => {
    expect(planOf(u)).toBe(expected);
  });

  it('a hedge word that carries meaning keeps it', () => {
    // "look at", "if the bag is full": not hedges here, and not dropped either.
    expect(plan('look at the candy')).toMatchObject({ kind: 'question', unknown: { kind: 'verb', word: 'look' } });
    expect(plan('if the bag is full go home').kind).toBe('question');
  });

  it('a lone "wait" is still a stop', () => {
    expect(plan('wait').kind).toBe('stop');
    expect(plan('hold on').kind).toBe('stop');
  });

  it('an unknown first word is a verb to teach only when WordNet says it is a verb', () => {
    expect(plan('pack the candy')).toMatchObject({ kind: 'question', reason: 'unknown_verb', unknown: { kind: 'verb', word: 'pack' } });
    expect(plan('wiggle')).toMatchObject({ kind: 'question', reason: 'unknown_verb' });
    // a film crew's verb WordNet lacks
    expect(plan('dolly in on the candy')).toMatchObject({ kind: 'question', reason: 'unknown_verb', unknown: { word: 'dolly' } });
    for (const u of ['maybe the candy', 'blorp the candy', 'sorry']) {
      const r = plan(u);
      expect(r.kind).toBe('question');
      expect(r.kind === 'question' && r.reason).not.toBe('unknown_verb');
    }
  });
});

describe('no part of an utterance is dropped silently', () => {
  it('a misheard "and" between two commands is repaired into the two-step plan, and shown', () => {
    for (const u of ['pick up the candy in put it in the bag', 'pick up the candy an put it in the bag']) {
      const r = plan(u);
      expect(r.kind === 'plan' && formatPlan(r.plan)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
      expect(r.kind === 'plan' && r.repairs[0]?.understood).toBe('and');
    }
  });

  it('a second command inside an argument becomes a question about the whole utterance', () => {
    const r = plan('go to the bag to pick up the candy');
    expect(r.kind).toBe('question');
    expect(r.kind === 'question' && r.reply).toContain('"go to the bag to pick up the candy"');
    expect(r.kind === 'question' && r.options).toContain('pick up the candy');
  });

  it('a place modifier is still fine', () => {
    expect(planOf('pick up the candy on the left')).toBe('pickup(CANDY)');
    expect(planOf('put the pen next to the bag')).toBe('pickup(PEN) → goto(GIFT_BAG) → release()');
  });
});

describe('a question offers the closest readings', () => {
  it('"blorp the candy" → did you mean "pick up the candy" or "go to the candy"?', () => {
    const r = plan('blorp the candy');
    expect(r).toMatchObject({ kind: 'question', reason: 'not_understood', options: ['pick up the candy', 'go to the candy'] });
    expect(r.kind === 'question' && r.reply).toBe(
      `Sorry, I didn't understand "blorp the candy". Did you mean 'pick up the candy' or 'go to the candy'?`,
    );
  });

  it('a slip on the verb is repaired to the one verb it sounds like, and the repair is reported', () => {
    expect(plan('grap the pen')).toMatchObject({ kind: 'plan', repairs: [{ heard: 'grap', understood: 'grab' }] });
    expect(plan('pik up the candy')).toMatchObject({ kind: 'plan', repairs: [{ heard: 'pik', understood: 'pick' }] });
  });

  it('every option is a command the planner plans', () => {
    for (const u of ['blorp the candy', 'frob the pen', 'the ball', 'go to the bag to pick up the candy']) {
      const r = plan(u);
      const options = r.kind === 'question' ? (r.options ?? []) : [];
      expect(options.length).toBeGreaterThan(0);
      for (const o of options) expect(plan(o).kind).toBe('plan');
    }
  });

  it('nothing to offer: the plain question stays', () => {
    const r = plan('close the window');
    expect(r.kind === 'question' && r.options).toBeUndefined();
  });
});

describe('WordNet nouns resolve to known entities, only when unambiguous', () => {
  it('a more specific or more general word for one entity', () => {
    expect(planOf('grab the lollipop')).toBe('pickup(CANDY)');
    expect(planOf('pick up the toffee')).toBe('pickup(CANDY)');
    expect(planOf('go to the container')).toBe('goto(GIFT_BAG)');
    expect(planOf('grab the handbag')).toBe('pickup(GIFT_BAG)');
  });

  it('two entities fit: it asks, it never guesses', () => {
    const r = plan('go to the container', makeContext({ entities: [...entities, BIN] }));
    expect(r).toMatchObject({ kind: 'question', reason: 'ambiguous' });
    expect(r.kind === 'question' && [...(r.options ?? [])].sort()).toEqual(['BIN', 'GIFT_BAG']);
  });

  it('unrelated words stay unknown objects to teach', () => {
    expect(plan('pick up the basket')).toMatchObject({ kind: 'question', reason: 'unknown_object', unknown: { proposedName: 'BASKET' } });
    expect(plan('pick up a drop of candy')).toMatchObject({ kind: 'question', reason: 'unknown_object' });
  });
});

describe('teaching lifts only the objects named in the command', () => {
  const step = (u: string, c: PlannerContext = ctx) => {
    const r = plan(u, c);
    if (r.kind !== 'plan') throw new Error(`no plan for "${u}": ${r.reply}`);
    return { utterance: u, plan: r.plan };
  };
  const steps = [step('pick up the candy'), step('go to the bag', { ...ctx, held: 'CANDY' }), step('release', { ...ctx, held: 'CANDY' })];

  it('"clean up" taught by picking up the candy → clean_up(), the candy fixed in the body', () => {
    for (const command of ['clean up', 'let me teach you to clean up']) {
      const trace: TeachingTrace = { name: 'clean_up', command, mentions: mentionsIn(command, ctx), steps };
      const def = liftBehavior(trace, ctx.skills);
      expect(formatSignature(def)).toBe('clean_up()');
      expect(formatBody(def)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    }
  });

  it('"pack the candy" → pack(obj)', () => {
    for (const command of ['pack the candy', 'let me teach you to pack the candy']) {
      const trace: TeachingTrace = { name: 'pack', command, mentions: mentionsIn(command, ctx), steps };
      const def = liftBehavior(trace, ctx.skills);
      expect(formatSignature(def)).toBe('pack(obj)');
      expect(formatBody(def)).toBe('pickup(obj) → goto(GIFT_BAG) → release()');
    }
  });
});
