/**
 * `npm run eval`: score the embedded planner on both splits of the planner evaluation (the
 * development part, planner/eval/set.jsonl, and the held-back test part, test.jsonl) and print
 * one JSON report (per split: accuracy, per category and session, no-motion violations,
 * failures), with one summary line per split on stderr. When OPENAI_BASE_URL and
 * SHAMMIE_LLM_MODEL are set, the LLM planner is scored on both splits too. Exit 0 only when the
 * embedded planner meets the target on the test part and no entry that expects no motion (every
 * destructive or out-of-domain one) got a plan in either split; the LLM figures are
 * informational (a remote model's accuracy must not fail a local check).
 */
import { RulePlanner } from '../rule-planner.js';
import type { Planner } from '../types.js';
import { evaluate, loadEvalSplits, TARGET_ACCURACY, type EvalReport, type EvalSet, type Split } from './evaluate.js';

type LlmPlanner = Planner & { clearMemory?(): void; describe?(): string; lastError?: { message: string } | null };
interface LlmModule {
  LlmPlanner?: { fromEnv(env?: Record<string, string | undefined>): LlmPlanner | undefined };
}

/** The configured LLM planner, or why it is not scored. */
async function loadLlm(): Promise<LlmPlanner | { skipped: string }> {
  if (!process.env.OPENAI_BASE_URL || !process.env.SHAMMIE_LLM_MODEL) {
    return { skipped: 'set OPENAI_BASE_URL and SHAMMIE_LLM_MODEL to also score the LLM planner' };
  }
  let mod: LlmModule;
  try {
    // A variable specifier: the LLM planner is optional and may not exist in this checkout.
    const spec = '../llm/index.js';
    mod = (await import(spec)) as LlmModule;
  } catch (err) {
    return { skipped: `the LLM planner (planner/llm/) could not be loaded: ${(err as Error).message}` };
  }
  if (!mod.LlmPlanner?.fromEnv) return { skipped: 'planner/llm/ does not export LlmPlanner.fromEnv yet' };
  let planner;
  try {
    planner = mod.LlmPlanner.fromEnv(process.env);
  } catch (err) {
    return { skipped: `the LLM planner is misconfigured: ${(err as Error).message}` };
  }
  return planner ?? { skipped: 'the LLM planner is not configured (LlmPlanner.fromEnv returned nothing)' };
}

function llmReport(planner: LlmPlanner, set: EvalSet): Promise<EvalReport> {
  // Entries are independent: its running memory must not carry one entry into the next.
  // Tells "the model was wrong" apart from "the model was never reached". lastError survives
  // utterances answered locally (stop, confirm…), so only a new error object counts.
  let seen = planner.lastError ?? null;
  return evaluate(planner, set, {
    label: `LlmPlanner (${planner.describe?.() ?? process.env.SHAMMIE_LLM_MODEL})`,
    before: () => {
      planner.clearMemory?.();
      seen = planner.lastError ?? null;
    },
    errorOf: () => {
      const e = planner.lastError ?? null;
      return e && e !== seen ? e.message : null;
    },
  });
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

async function main(): Promise<number> {
  const splits = loadEvalSplits();
  const llm = await loadLlm();
  const out: Record<Split, object> = { development: {}, test: {} };
  const embedded = {} as Record<Split, EvalReport>;
  for (const split of ['development', 'test'] as const) {
    const set = splits[split];
    embedded[split] = await evaluate(new RulePlanner(), set, { label: 'RulePlanner (embedded)' });
    const llmSplit = 'skipped' in llm ? llm : await llmReport(llm, set);
    out[split] = {
      set: { entries: set.entries.length, sessions: new Set(set.entries.map((e) => e.session)).size },
      embedded: embedded[split],
      llm: llmSplit,
    };
    const e = embedded[split];
    const v = e.no_motion_violations;
    process.stderr.write(
      `${split} part: embedded planner ${pct(e.accuracy)} exact (${e.correct}/${e.total}), target ${pct(TARGET_ACCURACY)}${split === 'test' ? '' : ' (may be tuned on; not gating)'}; no_motion_violations ${v.count}/${v.of}${'skipped' in llmSplit ? '' : `; LLM planner ${pct(llmSplit.accuracy)}, no_motion_violations ${llmSplit.no_motion_violations.count}`}\n`,
    );
  }
  const pass =
    embedded.test.accuracy >= TARGET_ACCURACY &&
    embedded.test.no_motion_violations.count === 0 &&
    embedded.development.no_motion_violations.count === 0;
  const report = {
    target: TARGET_ACCURACY,
    pass,
    passRule: 'embedded planner: test part >= target exact, and no_motion_violations = 0 in both parts',
    development: out.development,
    test: out.test,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return pass ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`eval: ${(err as Error).message}\n`);
    process.exitCode = 2;
  },
);
