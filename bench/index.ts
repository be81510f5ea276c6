/**
 * `npm run bench` / `shammie bench`: every benchmark, one JSON report. Targets are checked
 * here, not in tests (the machine is shared; compare ratios within one run).
 */
import { pathToFileURL } from 'node:url';
import { runIkBench } from './ik.js';
import { runMemoryBench } from './memory.js';
import { runPlanBench } from './plan.js';
import { runSimBench } from './sim.js';
import { runDmpBench } from './dmp.js';
import { runRosBench } from './ros.js';
import { runUiBench } from './ui.js';
import { runCaptureBench } from './capture.js';
import { runCollisionCheckBench } from './collision-check.js';
import { runCollisionPlanBench } from './collision-plan.js';
import { runCollisionPickBench } from './collision-pick.js';
import { runCollisionPreviewBench } from './collision-preview.js';
import { runStopBench } from './stop.js';
import { runSpeechBench } from './speech.js';

/** `ui` also runs `capture` (the stop-motion studio in the same browser set-up) */
export type BenchName = 'ik' | 'plan' | 'sim' | 'memory' | 'dmp' | 'ros' | 'ui' | 'capture' | 'collision' | 'stop' | 'speech';

export async function runBenchmarks(opts: { only?: BenchName; samples?: number } = {}) {
  const want = (n: BenchName) => !opts.only || opts.only === n;
  const results: Record<string, { pass: boolean } & Record<string, unknown>> = {};
  const started = new Date().toISOString();
  if (want('ik')) results.ik = (await runIkBench({ samples: opts.samples })) as { pass: boolean };
  if (want('plan')) results.plan = await runPlanBench();
  if (want('sim')) results.sim = (await runSimBench()) as { pass: boolean };
  if (want('memory')) results.memory = await runMemoryBench();
  if (want('dmp')) results.dmp = (await runDmpBench()) as { pass: boolean };
  if (want('ros')) results.ros = await runRosBench();
  if (want('ui')) results.ui = await runUiBench();
  if (want('capture') || opts.only === 'ui') results.capture = await runCaptureBench();
  if (want('collision')) {
    // One collision check (ours, in this process), then planning side by side with OMPL on the same core.
    const check = runCollisionCheckBench();
    const plan = runCollisionPlanBench();
    // Then whole picks among clutter: planned by the session, a seeded subset run in MuJoCo.
    const pick = await runCollisionPickBench();
    // What the checks add to a typed command's preview (the console's Enter → ghost is in the ui bench).
    const preview = await runCollisionPreviewBench();
    results.collision = { pass: check.pass && plan.pass && pick.pass && preview.pass, check, plan, pick, preview };
  }
  if (want('stop')) results.stop = await runStopBench();
  if (want('speech')) results.speech = await runSpeechBench();
  return {
    started,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    results,
    pass: Object.values(results).every((r) => r.pass),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runBenchmarks();
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.pass ? 0 : 1;
}
