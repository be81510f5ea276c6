/**
 * The offline judgement behind bench/collision-pick.ts: which of its pick-and-place problems have
 * a collision-free solution. Each problem is compiled as the bench does; one that fails is
 * compiled again with much larger budgets (RRT-Connect 3 s / 300 000 samples per move instead of
 * 250 ms / 20 000, 30 extra arm postures per grasp instead of 6) under three planner and posture
 * seeds. Solvable = any of those runs compiles a plan that passes every check. Writes
 * bench/data/pick-problems.json (commit it when the problems or the primitives change).
 *
 *   node --import tsx bench/scripts/judge-pick-problems.ts
 *
 * Limits: "unsolvable" means no such run of Shammie's own primitives (top-down grasps, vertical
 * approach and lift) found a plan, not a proof that no motion exists.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FREE_MOTION_PLANNING } from '../../skills/free-motion.js';
import { GRASP_SEARCH } from '../../skills/primitives.js';
import { compilePick, PICK_PROBLEMS_FILE, pickProblems, problemApp, type JudgedProblems } from '../collision-pick.js';

const LONG = { budget: { timeMs: 3000, maxSamples: 300_000 }, extraPostures: 30, seeds: [1, 2, 3] };

const defaults = { budget: { ...FREE_MOTION_PLANNING.budget }, seed: FREE_MOTION_PLANNING.seed, ...GRASP_SEARCH };
const problems = pickProblems();
const out: JudgedProblems['problems'] = [];
const started = performance.now();
let scene = '';
let app: Awaited<ReturnType<typeof problemApp>> | null = null;
for (const p of problems) {
  const key = `${p.scene}#${p.seed}`;
  if (key !== scene) {
    await app?.dispose();
    app = await problemApp(p);
    scene = key;
  }
  const first = compilePick(app!, p);
  if (first.ok) {
    out.push({ id: p.id, solvable: true, found: 'default settings' });
    continue;
  }
  let found: string | null = null;
  let reason = first.reason ?? '';
  for (const seed of LONG.seeds) {
    FREE_MOTION_PLANNING.budget = { ...LONG.budget };
    FREE_MOTION_PLANNING.seed = seed;
    GRASP_SEARCH.extraPostures = LONG.extraPostures;
    GRASP_SEARCH.postureSeed = 100 + seed;
    try {
      const r = compilePick(app!, p);
      if (r.ok) {
        found = `long run, seed ${seed}`;
        break;
      }
      reason = r.reason ?? reason;
    } finally {
      FREE_MOTION_PLANNING.budget = { ...defaults.budget };
      FREE_MOTION_PLANNING.seed = defaults.seed;
      GRASP_SEARCH.extraPostures = defaults.extraPostures;
      GRASP_SEARCH.postureSeed = defaults.postureSeed;
    }
  }
  out.push(found ? { id: p.id, solvable: true, found } : { id: p.id, solvable: false, reason });
  console.error(`${p.id}: ${found ?? `unsolvable (${reason})`}`);
}
await app?.dispose();

const report: JudgedProblems = {
  generated: new Date().toISOString(),
  how:
    `node --import tsx bench/scripts/judge-pick-problems.ts: each problem compiled as the bench does; a failing one again with ` +
    `RRT-Connect ${LONG.budget.timeMs} ms / ${LONG.budget.maxSamples} samples per move and ${LONG.extraPostures} extra arm postures, ` +
    `planner and posture seeds ${LONG.seeds.join(', ')}; solvable = any run compiled a plan passing every check ` +
    `(${((performance.now() - started) / 1000).toFixed(0)} s). Unsolvable means none of these runs of Shammie's own primitives found one.`,
  problems: out,
};
mkdirSync(dirname(PICK_PROBLEMS_FILE), { recursive: true });
writeFileSync(PICK_PROBLEMS_FILE, JSON.stringify(report, null, 1) + '\n');
console.error(`${out.filter((p) => p.solvable).length} of ${out.length} solvable; written to ${PICK_PROBLEMS_FILE}`);
