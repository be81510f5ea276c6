import { describe, expect, it } from 'vitest';
import { CATEGORIES, contextFor, evaluate, loadEvalSet, matches, parsePlan, TARGET_ACCURACY } from '../../planner/eval/evaluate.js';
import { RulePlanner } from '../../planner/index.js';

const set = loadEvalSet();

describe('planner evaluation set', () => {
  it('has at least 150 well-formed entries across gift-bag and stop-motion sessions', () => {
    expect(set.entries.length).toBeGreaterThanOrEqual(150);
    expect(new Set(set.entries.map((e) => e.id)).size).toBe(set.entries.length);
    const sessions = new Set(set.entries.map((e) => e.session));
    expect([...sessions].some((s) => s.startsWith('giftbag'))).toBe(true);
    expect([...sessions].some((s) => s.startsWith('stopmotion'))).toBe(true);
  });

  it('covers every category, with enough teaching, nesting and corrections to mean something', () => {
    const count = (c: string) => set.entries.filter((e) => e.category === c).length;
    for (const c of CATEGORIES) expect(count(c), c).toBeGreaterThan(0);
    expect(count('teaching')).toBeGreaterThanOrEqual(20);
    expect(count('nesting')).toBeGreaterThanOrEqual(10);
    expect(count('correction')).toBeGreaterThanOrEqual(20);
    expect(set.entries.filter((e) => e.context.teaching).length).toBeGreaterThanOrEqual(20);
  });

  it('every expected plan parses and is valid in its own context (checked at load)', () => {
    for (const e of set.entries.filter((x) => x.expect.kind === 'plan')) {
      const ctx = contextFor(e, set.catalog);
      expect(parsePlan(e.expect.plan!, ctx.skills).length).toBeGreaterThan(0);
    }
  });

  it('scoring is exact: a plan with a different argument or an extra step does not match', () => {
    const e = set.entries.find((x) => x.expect.kind === 'plan' && x.expect.plan === 'pickup(CANDY)')!;
    const ctx = contextFor(e, set.catalog);
    expect(matches(e, { kind: 'plan', plan: [{ skill: 'pickup', args: { object: 'CANDY' } }], reply: '', repairs: [] }, ctx)).toBe(true);
    expect(matches(e, { kind: 'plan', plan: [{ skill: 'pickup', args: { object: 'GIFT_BAG' } }], reply: '', repairs: [] }, ctx)).toBe(
      false,
    );
    expect(
      matches(
        e,
        {
          kind: 'plan',
          plan: [
            { skill: 'pickup', args: { object: 'CANDY' } },
            { skill: 'go_home', args: {} },
          ],
          reply: '',
          repairs: [],
        },
        ctx,
      ),
    ).toBe(false);
    expect(matches(e, { kind: 'confirm', reply: '' }, ctx)).toBe(false);
  });

  it(`the embedded planner is at least ${TARGET_ACCURACY * 100}% exact`, async () => {
    const report = await evaluate(new RulePlanner(), set);
    expect(report.total).toBe(set.entries.length);
    expect(report.failures.length).toBe(report.total - report.correct);
    expect(report.accuracy, JSON.stringify(report.failures, null, 1)).toBeGreaterThanOrEqual(TARGET_ACCURACY);
  });
});
