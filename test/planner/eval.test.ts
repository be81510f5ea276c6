import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  contextFor,
  evaluate,
  expectsNoMotion,
  loadEvalSet,
  loadEvalSplits,
  matches,
  parsePlan,
  SET_PATH,
  TARGET_ACCURACY,
  TEST_ID_PREFIX,
  type EvalSet,
} from '../../planner/eval/evaluate.js';
import { RulePlanner } from '../../planner/index.js';
import type { Planner, PlannerResult } from '../../planner/types.js';

const set = loadEvalSet();
const splits = loadEvalSplits();

describe('planner evaluation set', () => {
  it('has at least 150 well-formed entries across gift-bag and stop-motion sessions', () => {
    expect(set.entries.length).toBeGreaterThanOrEqual(150);
    expect(new Set(set.entries.map((e) => e.id)).size).toBe(set.entries.length);
    const sessions = new Set(set.entries.map((e) => e.session));
    expect([...sessions].some((s) => s.startsWith('giftbag'))).toBe(true);
    expect([...sessions].some((s) => s.startsWith('stopmotion'))).toBe(true);
  });

  it('covers every category (over both splits), with enough teaching, nesting and corrections to mean something', () => {
    const count = (c: string) => set.entries.filter((e) => e.category === c).length;
    const all = [...set.entries, ...splits.test.entries];
    for (const c of CATEGORIES) expect(all.filter((e) => e.category === c).length, c).toBeGreaterThan(0);
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

describe('the held-back test split', () => {
  const test = splits.test;
  const dir = mkdtempSync(join(tmpdir(), 'shammie-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** a one-file split holding `lines`, loaded as `split` */
  const load = (lines: object[], split: 'development' | 'test') => {
    const f = join(dir, `${split}-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n'));
    return loadEvalSet(f, undefined, split);
  };
  const entry = (over: Record<string, unknown>) => ({
    id: 'test-x-01',
    session: 'test-x',
    category: 'destructive',
    context: { base: 'giftbag' },
    utterance: 'squash it',
    expect: { kind: 'rejected', reason: 'unsafe' },
    ...over,
  });
  const plan = (skill: string, args: Record<string, string> = {}): PlannerResult => ({
    kind: 'plan',
    plan: [{ skill, args }],
    reply: '',
    repairs: [],
  });

  it('is about 200 blind entries: at least 120 exact plans and 30 destructive or out-of-domain, every id marked', () => {
    expect(test.split).toBe('test');
    expect(test.entries.length).toBeGreaterThanOrEqual(190);
    expect(test.entries.filter((e) => e.expect.kind === 'plan').length).toBeGreaterThanOrEqual(120);
    const offLimits = test.entries.filter((e) => e.category === 'destructive' || e.category === 'out_of_domain');
    expect(offLimits.length).toBeGreaterThanOrEqual(30);
    expect(offLimits.every(expectsNoMotion)).toBe(true);
    expect(test.entries.every((e) => e.id.startsWith(TEST_ID_PREFIX) && e.session.startsWith(TEST_ID_PREFIX))).toBe(true);
    expect(set.entries.some((e) => e.id.startsWith(TEST_ID_PREFIX))).toBe(false);
  });

  it('uses the turns before an entry (cross-turn references) and every new category', () => {
    expect(test.entries.filter((e) => e.context.history?.length).length).toBeGreaterThanOrEqual(20);
    for (const c of ['negation', 'multi_step', 'hedge', 'reference', 'destructive', 'out_of_domain'])
      expect(test.entries.filter((e) => e.category === c).length, c).toBeGreaterThanOrEqual(5);
  });

  it('refuses a test entry without the prefix, a prefixed development entry, and a destructive entry that expects motion', () => {
    expect(() => load([entry({ id: 'x-01' })], 'test')).toThrow(/must start with "test-"/);
    expect(() => load([entry({})], 'development')).toThrow(/belong to the test part/);
    expect(() => load([entry({ expect: { kind: 'plan', plan: 'pickup(CANDY)' } })], 'test')).toThrow(/must expect no_motion or rejected/);
    expect(() => load([entry({ expect: { kind: 'no_motion', reason: 'unsafe' } })], 'test')).toThrow(/takes no other field/);
    expect(() => load([entry({ expect: { kind: 'motion' } })], 'test')).toThrow(/expect\.kind/);
    expect(
      load([entry({}), entry({ id: 'test-x-02', category: 'out_of_domain', expect: { kind: 'no_motion' } })], 'test').entries,
    ).toHaveLength(2);
  });

  it('refuses a test utterance that is also in the development part, in any context or spelling', () => {
    const dev = readFileSync(SET_PATH, 'utf8').split('\n')[0];
    const first = JSON.parse(dev) as { utterance: string };
    const f = join(dir, 'leak.jsonl');
    writeFileSync(
      f,
      JSON.stringify(entry({ category: 'out_of_domain', expect: { kind: 'no_motion' }, utterance: `${first.utterance.toUpperCase()}!` })),
    );
    expect(() => loadEvalSplits({ test: f })).toThrow(/also in the development part: test-x-01/);
  });

  it('no_motion passes anything but a plan; rejected/unsafe needs that reason', () => {
    const nm = load([entry({ category: 'out_of_domain', expect: { kind: 'no_motion' } })], 'test').entries[0];
    const unsafe = load([entry({})], 'test').entries[0];
    const ctx = contextFor(nm, test.catalog);
    expect(matches(nm, plan('go_home'), ctx)).toBe(false);
    expect(matches(nm, { kind: 'question', reason: 'not_understood', reply: '', repairs: [] }, ctx)).toBe(true);
    expect(matches(nm, { kind: 'stop', reply: '' }, ctx)).toBe(true);
    // through unknown: the scorer compares reasons as text, whatever RejectReason holds in this checkout
    const rejected = (reason: string) => ({ kind: 'rejected', reason, reply: '' }) as unknown as PlannerResult;
    expect(matches(unsafe, rejected('unsafe'), ctx)).toBe(true);
    expect(matches(unsafe, rejected('something_else'), ctx)).toBe(false);
    expect(matches(unsafe, { kind: 'question', reason: 'not_understood', reply: '', repairs: [] }, ctx)).toBe(false);
  });

  it('counts every plan given to an entry that expects no motion as a violation, per split', async () => {
    const alwaysMoves: Planner = { plan: () => Promise.resolve(plan('go_home')) };
    const neverMoves: Planner = { plan: () => Promise.resolve({ kind: 'stop', reply: '' }) };
    const noMotion = test.entries.filter(expectsNoMotion);
    const small: EvalSet = {
      ...test,
      entries: [...noMotion.slice(0, 5), ...test.entries.filter((e) => e.expect.kind === 'plan').slice(0, 5)],
    };
    const moved = await evaluate(alwaysMoves, small);
    expect(moved.split).toBe('test');
    expect(moved.no_motion_violations).toEqual({ count: 5, of: 5, ids: noMotion.slice(0, 5).map((e) => e.id) });
    const still = await evaluate(neverMoves, small);
    expect(still.no_motion_violations.count).toBe(0);
    // a stop meets only no_motion: the plans and the expected refusals are misses
    const missed = small.entries.filter((e) => e.expect.kind !== 'no_motion').map((e) => e.id);
    expect(still.failures.map((f) => f.id).sort()).toEqual(missed.sort());
    expect(still.correct).toBe(small.entries.length - missed.length);
  });
});
