/**
 * Which trials the held-out speech evaluation runs: a fixed, seeded, stratified sample of the
 * matrix speaker × rate × condition × item, so every cell gets trials and a rerun with the same
 * seed hears exactly the same clips. Each pool (commands, out-of-domain, stop words) is shuffled
 * once by the seed and dealt round the cells of every speaker in turn, so the whole pool is
 * heard before any item repeats, and one speaker hears distinct items while its cells hold no
 * more than the pool.
 */
import { mulberry32 } from '../../model/math/random.js';
import { CONDITIONS, RATES, type Condition, type RateTier } from '../synth.js';

export type TrialKind = 'command' | 'ood' | 'stop';

export interface PoolItem {
  /** index into the set's list (commands, ood or stops) */
  index: number;
  /** the dialogue context whose grammar decodes it */
  base: string;
}

export interface SampledTrial extends PoolItem {
  kind: TrialKind;
  speaker: string;
  rate: RateTier;
  condition: Condition;
}

/** Per cell (speaker × rate × condition): how many of each pool, or 'all' of it. */
export interface SampleSpec {
  commands: number | 'all';
  ood: number | 'all';
  stops: number | 'all';
  /** 'rotate': each speaker × condition at one rate only (rates rotate over speakers), a third of the cells */
  rates: 'all' | 'rotate';
}

export const SAMPLE_SPECS = {
  /** every item in every cell (hours) */
  full: { commands: 'all', ood: 'all', stops: 'all', rates: 'all' },
  default: { commands: 3, ood: 2, stops: 1, rates: 'all' },
  quick: { commands: 2, ood: 1, stops: 1, rates: 'rotate' },
} as const satisfies Record<string, SampleSpec>;

/** No run is sized past this many trials (the full matrix is ~65 000). */
export const MAX_TRIALS = 200_000;

/** FNV-1a: a string → 32-bit seed. */
export function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A small seeded generator in [0, 1) (the project's one PRNG). */
export const rng = mulberry32;

export function shuffled<T>(xs: readonly T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The (rate, condition) cells one speaker is heard in. */
export function cellsOf(speakerIndex: number, rates: SampleSpec['rates']): { rate: RateTier; condition: Condition }[] {
  return CONDITIONS.flatMap((condition, ci) =>
    rates === 'all' ? RATES.map((rate) => ({ rate, condition })) : [{ rate: RATES[(speakerIndex + ci) % RATES.length], condition }],
  );
}

export function sampleTrials(
  speakers: readonly string[],
  pools: Record<TrialKind, readonly PoolItem[]>,
  spec: SampleSpec,
  seed: number,
): SampledTrial[] {
  const perCell = { command: spec.commands, ood: spec.ood, stop: spec.stops };
  for (const [k, n] of Object.entries({ commands: spec.commands, ood: spec.ood, stops: spec.stops }))
    if (n !== 'all' && (!Number.isInteger(n) || n < 0)) throw new Error(`[speech eval] ${k} per cell must be a whole number ≥ 0 or 'all'`);
  const cells = speakers.map((_, si) => cellsOf(si, spec.rates).length).reduce((a, b) => a + b, 0);
  const size = (Object.keys(perCell) as TrialKind[]).reduce((s, k) => {
    const n = perCell[k];
    return s + (n === 'all' ? pools[k].length : Math.min(n, pools[k].length)) * cells;
  }, 0);
  if (size > MAX_TRIALS) throw new Error(`[speech eval] ${size} trials is more than the cap of ${MAX_TRIALS}`);

  const out: SampledTrial[] = [];
  for (const kind of Object.keys(perCell) as TrialKind[]) {
    const pool = pools[kind];
    const n = perCell[kind];
    if (!pool.length || n === 0) continue;
    const take = n === 'all' ? pool.length : Math.min(n, pool.length);
    const order = n === 'all' ? [...pool] : shuffled(pool, rng(hashSeed(`${seed}|${kind}`)));
    let next = 0;
    speakers.forEach((speaker, si) => {
      for (const cell of cellsOf(si, spec.rates))
        for (let k = 0; k < take; k++) {
          out.push({ ...order[next % order.length], kind, speaker, ...cell });
          next++;
        }
    });
  }
  return out;
}
