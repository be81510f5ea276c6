/**
 * Benchmark: utterance → validated, compiled, time-parameterized and safety-checked plan for
 * "pick up the candy and put it in the bag" (nothing executes; the preview is dropped).
 */
import { runStandalone } from './standalone.js';
import { performance } from 'node:perf_hooks';
import { createApp } from '../session/app.js';

export const PLAN_UTTERANCE = 'pick up the candy and put it in the bag';

export async function runPlanBench(opts: { samples?: number } = {}) {
  const samples = opts.samples ?? 200;
  const app = await createApp({ pace: 'fast' });
  try {
    const times: number[] = [];
    let points = 0;
    for (let i = 0; i < samples + 20; i++) {
      const t0 = performance.now();
      const turn = await app.session.say(PLAN_UTTERANCE);
      const dt = performance.now() - t0;
      const pending = app.session.pending;
      if (turn.kind !== 'plan' || !pending) throw new Error(`plan bench: expected a plan, got ${turn.kind}: ${turn.reply}`);
      points = pending.summary.trajectoryPoints;
      await app.session.cancel();
      if (i >= 20) times.push(dt); // the first 20 warm the JIT up
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)];
    const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))];
    return {
      utterance: PLAN_UTTERANCE,
      samples,
      trajectoryPoints: points,
      p50Ms: round(p50),
      p99Ms: round(p99),
      target: { p50Ms: 30 },
      pass: p50 <= 30,
    };
  } finally {
    await app.dispose();
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

await runStandalone(import.meta, 'plan', () => runPlanBench());
