/**
 * `npm run eval`: score the embedded planner on planner/eval/set.jsonl and print one JSON
 * report (accuracy, per category and session, failures). When OPENAI_BASE_URL and
 * SHAMMIE_LLM_MODEL are set, the LLM planner is scored on the same set too. Exit 0 when the
 * embedded planner meets the target; the LLM figures are informational (a remote model's
 * accuracy must not fail a local check).
 */
import { RulePlanner } from '../rule-planner.js';
import type { Planner } from '../types.js';
import { evaluate, loadEvalSet, TARGET_ACCURACY, type EvalReport, type EvalSet } from './evaluate.js';

interface LlmModule {
  LlmPlanner?: {
    fromEnv(
      env?: Record<string, string | undefined>,
    ): (Planner & { clearMemory?(): void; describe?(): string; lastError?: { message: string } | null }) | undefined;
  };
}

async function llmReport(set: EvalSet): Promise<EvalReport | { skipped: string }> {
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
  if (!planner) return { skipped: 'the LLM planner is not configured (LlmPlanner.fromEnv returned nothing)' };
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

async function main(): Promise<number> {
  const set = loadEvalSet();
  const embedded = await evaluate(new RulePlanner(), set, { label: 'RulePlanner (embedded)' });
  const llm = await llmReport(set);
  const report = {
    set: { entries: set.entries.length, sessions: [...new Set(set.entries.map((e) => e.session))].length },
    target: TARGET_ACCURACY,
    embedded,
    llm,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(
    `embedded planner: ${(embedded.accuracy * 100).toFixed(1)}% exact (${embedded.correct}/${embedded.total}), target ${TARGET_ACCURACY * 100}%${'skipped' in llm ? '' : `; LLM planner: ${(llm.accuracy * 100).toFixed(1)}%`}\n`,
  );
  return embedded.pass ? 0 : 1;
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
