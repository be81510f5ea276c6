/**
 * The held-out speech evaluation's sample: every speaker × rate × condition cell gets its
 * trials, the same seed gives the same sample, pools are dealt evenly, and sizes are capped.
 */
import { describe, expect, it } from 'vitest';
import { groupsOf, MAX_GROUP, OOD_BASES, STOP_BASE } from '../../speech/eval/evaluate.js';
import {
  cellsOf,
  hashSeed,
  MAX_TRIALS,
  rng,
  SAMPLE_SPECS,
  sampleTrials,
  shuffled,
  type PoolItem,
  type TrialKind,
} from '../../speech/eval/sample.js';
import { loadSpeechSet } from '../../speech/eval/set.js';
import { CONDITIONS, HELD_OUT_SPEAKERS, RATES, speakerName } from '../../speech/synth.js';

const pool = (n: number, base = 'giftbag'): PoolItem[] => Array.from({ length: n }, (_, index) => ({ index, base }));
const pools = (c: number, o: number, s: number): Record<TrialKind, PoolItem[]> => ({ command: pool(c), ood: pool(o), stop: pool(s) });
const cellKey = (t: { speaker: string; rate: string; condition: string }) => `${t.speaker}|${t.rate}|${t.condition}`;

describe('sampleTrials', () => {
  it('gives every speaker × rate × condition cell exactly the configured trials of each kind', () => {
    const speakers = ['a', 'b', 'c'];
    const trials = sampleTrials(speakers, pools(10, 7, 5), { commands: 3, ood: 2, stops: 1, rates: 'all' }, 1);
    const cells = new Map<string, Record<TrialKind, number>>();
    for (const t of trials) {
      const c = cells.get(cellKey(t)) ?? { command: 0, ood: 0, stop: 0 };
      c[t.kind]++;
      cells.set(cellKey(t), c);
    }
    expect(cells.size).toBe(speakers.length * RATES.length * CONDITIONS.length);
    for (const c of cells.values()) expect(c).toEqual({ command: 3, ood: 2, stop: 1 });
  });

  it('deals the whole pool before repeating an item, and one speaker hears distinct items', () => {
    const trials = sampleTrials(['a', 'b'], pools(40, 1, 1), { commands: 3, ood: 0, stops: 0, rates: 'all' }, 5);
    const cmds = trials.filter((t) => t.kind === 'command');
    expect(cmds).toHaveLength(2 * 12 * 3);
    const counts = new Map<number, number>();
    for (const t of cmds) counts.set(t.index, (counts.get(t.index) ?? 0) + 1);
    // 72 trials over 40 items: each heard once or twice, never more.
    expect(counts.size).toBe(40);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    const a = cmds.filter((t) => t.speaker === 'a').map((t) => t.index);
    expect(new Set(a).size).toBe(a.length);
  });

  it('is the same sample for the same seed and a different one for another seed', () => {
    const spec = SAMPLE_SPECS.default;
    const one = sampleTrials(['a', 'b'], pools(50, 30, 8), spec, 14);
    expect(sampleTrials(['a', 'b'], pools(50, 30, 8), spec, 14)).toEqual(one);
    const other = sampleTrials(['a', 'b'], pools(50, 30, 8), spec, 15);
    expect(other.map((t) => t.index)).not.toEqual(one.map((t) => t.index));
  });

  it("'all' is the full matrix: every item in every cell", () => {
    const trials = sampleTrials(['a', 'b'], pools(4, 3, 2), SAMPLE_SPECS.full, 1);
    expect(trials).toHaveLength(2 * 12 * (4 + 3 + 2));
    const cell = trials.filter((t) => cellKey(t) === 'b|fast|snr10' && t.kind === 'ood').map((t) => t.index);
    expect(cell.sort()).toEqual([0, 1, 2]);
  });

  it('rotate: each speaker × condition at one rate, and every rate used', () => {
    for (let si = 0; si < 3; si++) {
      const cells = cellsOf(si, 'rotate');
      expect(cells.map((c) => c.condition)).toEqual([...CONDITIONS]);
      expect(new Set(cells.map((c) => c.rate)).size).toBe(RATES.length);
    }
    expect(cellsOf(0, 'rotate')[0].rate).not.toBe(cellsOf(1, 'rotate')[0].rate);
  });

  it('refuses a sample over the cap, and counts that are not whole numbers', () => {
    const speakers = Array.from({ length: 300 }, (_, i) => `s${i}`);
    expect(() => sampleTrials(speakers, pools(100, 50, 10), SAMPLE_SPECS.full, 1)).toThrow(`cap of ${MAX_TRIALS}`);
    expect(() => sampleTrials(['a'], pools(5, 5, 5), { commands: 1.5, ood: 1, stops: 1, rates: 'all' }, 1)).toThrow(
      'commands per cell must be a whole number',
    );
  });

  it('on the real set, the default run reaches every held-out voice, rate and condition, and every out-of-domain line', () => {
    const set = loadSpeechSet();
    const real: Record<TrialKind, PoolItem[]> = {
      command: set.commands.map((e, index) => ({ index, base: e.context.base })),
      ood: OOD_BASES.flatMap((base) => set.ood.map((_, index) => ({ index, base }))),
      stop: set.stops.map((_, index) => ({ index, base: STOP_BASE })),
    };
    const speakers = HELD_OUT_SPEAKERS.map(speakerName);
    const trials = sampleTrials(speakers, real, SAMPLE_SPECS.default, 14);
    const cells = new Set(trials.map(cellKey));
    expect(cells.size).toBe(speakers.length * 12);
    expect(new Set(trials.filter((t) => t.kind === 'ood').map((t) => t.index)).size).toBe(set.ood.length);
    expect(new Set(trials.filter((t) => t.kind === 'stop').map((t) => t.index)).size).toBe(set.stops.length);
    expect(new Set(trials.filter((t) => t.kind === 'command').map((t) => t.index)).size).toBe(set.commands.length);
  });
});

describe('helpers', () => {
  it('rng is seeded and in [0, 1); shuffled keeps the items', () => {
    const a = rng(hashSeed('x'));
    const b = rng(hashSeed('x'));
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(hashSeed('x')).not.toBe(hashSeed('y'));
    const s = shuffled([1, 2, 3, 4, 5, 6], rng(3));
    expect([...s].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('groups development clips per voice and grammar, held-out per condition and grammar, at most MAX_GROUP a stream', () => {
    const clip = (part: 'dev' | 'heldout', speaker: string, condition: 'clean' | 'snr20', base: string) => ({
      part,
      speaker,
      condition,
      base,
      rate: 'slow',
    });
    const clips = [
      clip('dev', 'v1', 'snr20', 'giftbag'),
      clip('dev', 'v2', 'snr20', 'giftbag'),
      clip('heldout', 'z', 'clean', 'giftbag'),
      clip('heldout', 'a', 'clean', 'giftbag'),
      clip('heldout', 'a', 'snr20', 'giftbag'),
      ...Array.from({ length: MAX_GROUP + 5 }, () => clip('heldout', 'b', 'clean', 'stopmotion')),
    ];
    const groups = groupsOf(clips);
    expect(groups.map((g) => g.length)).toEqual([1, 1, 2, 1, MAX_GROUP, 5]);
    // Speakers one after another inside a held-out stream.
    expect(groups[2].map((c) => c.speaker)).toEqual(['a', 'z']);
  });
});
