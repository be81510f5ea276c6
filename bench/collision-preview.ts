/**
 * What collision checking adds to a preview, in the session (no browser): the time from a typed
 * command to its checked preview (plan → compile every step, with grasp and approach choices and
 * RRT-Connect detours where needed → trajectory collision check), with the planning scene on
 * (the default) and off, on the same commands, interleaved, in one process. The console's own
 * figure (Enter → ghost drawn in Chromium, collision on) is `shammie bench --only ui`.
 *
 *   node --import tsx bench/collision-preview.ts [--rounds 8]    → JSON
 *
 * Each round says every command once to each app (arm at home, scene as shipped); the first
 * round is warm-up. Target: the preview within 300 ms p50 with collision on (the console adds
 * its drawing on top; see the ui bench).
 */
import { loadavg } from 'node:os';
import { createApp, type SimApp } from '../session/app.js';
import { runStandalone } from './standalone.js';

export const COLLISION_PREVIEW_TARGETS = { p50Ms: 300 } as const;

/** Commands a new user types in the gift-bag scene (known objects only, all plannable). */
const COMMANDS = [
  'pick up the candy and put it in the bag',
  'go to the bag',
  'pick up the candy',
  'go to the candy',
  'put the candy in the bag',
  'go home',
];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50Ms: +percentile(s, 50).toFixed(2), p95Ms: +percentile(s, 95).toFixed(2), maxMs: +s[s.length - 1].toFixed(2) };
};

export async function runCollisionPreviewBench(opts: { rounds?: number } = {}) {
  const rounds = Math.max(2, Math.min(100, opts.rounds ?? 8));
  const on: SimApp = await createApp({ scene: 'giftbag' });
  const off: SimApp = await createApp({ scene: 'giftbag', collision: false });
  const times = { on: [] as number[], off: [] as number[] };
  const refused: string[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const u of COMMANDS) {
        // Alternate which app goes first so neither always meets a warmer cache.
        const order: ['on' | 'off', SimApp][] =
          r % 2
            ? [
                ['off', off],
                ['on', on],
              ]
            : [
                ['on', on],
                ['off', off],
              ];
        for (const [name, app] of order) {
          const t0 = performance.now();
          const turn = await app.session.say(u);
          const ms = performance.now() - t0;
          if (turn.kind !== 'plan' || !app.session.pending) refused.push(`${name}: ${u} → ${turn.reply}`);
          await app.session.cancel();
          if (r > 0) times[name].push(ms);
        }
      }
    }
  } finally {
    await on.dispose();
    await off.dispose();
  }
  const withCollision = stats(times.on);
  const without = stats(times.off);
  return {
    description:
      'Typed command → checked preview in the session (plan, compile every step, collision-check the trajectories), gift-bag scene, arm at home; the same commands with the planning scene on (default) and off, interleaved in one process. Excludes the console (see the ui bench).',
    commands: COMMANDS,
    rounds,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    withCollision,
    withoutCollision: without,
    ratioP50: +(withCollision.p50Ms / without.p50Ms).toFixed(2),
    refused: [...new Set(refused)],
    targets: COLLISION_PREVIEW_TARGETS,
    pass: withCollision.p50Ms <= COLLISION_PREVIEW_TARGETS.p50Ms && refused.length === 0,
  };
}

await runStandalone(import.meta, 'collision-preview', () => {
  const i = process.argv.indexOf('--rounds');
  return runCollisionPreviewBench({ rounds: i > 0 ? Number(process.argv[i + 1]) : undefined });
});
