/**
 * Side by side with OMPL: Shammie's joint-space planner (skills/planning) and the OMPL anchor
 * (RRT-Connect + PathSimplifier::simplifyMax, FCL checks) on the anchor's 250 gift-bag problems,
 * in the same run, on the same core (`taskset -c 0` for both; ours runs in a pinned child
 * process), seeds interleaved so both see the same machine load.
 *
 *   node --import tsx bench/collision-plan.ts [--quick] [--seeds 1,2,3] [--limit N]   → JSON
 *
 * The anchor lives outside the repo: SHAMMIE_OMPL_ANCHOR (default /work/shared/anchors/ompl)
 * holds its sources, problems.json and self_pairs.json. Its `anchor` binary is used in place when
 * present, else built from those sources in SHAMMIE_OMPL_BUILD (default <tmp>/shammie-ompl-anchor)
 * with its own build.sh (needs: apt-get install -y g++ pkg-config libompl-dev libfcl-dev
 * liburdfdom-dev libeigen3-dev). When it cannot be run, the report says why and still gives our
 * own figures.
 *
 * The validity function is injected: SHAMMIE_COLLISION_CHECKER (or `checker`) names a module
 * exporting `createBenchChecker({ anchorDir, problems })`; the default is the product's own
 * checker (bench/collision-shammie-checker.ts: collision/'s CollisionChecker with the app's
 * allowed-collision matrix). bench/collision-anchor-model.ts, an exact model of the anchor's own
 * robot file, stays as the alternative for checking that both planners solve the same problems.
 *
 * Compared on the problems whose start and goal our model calls valid. Times are whole solves
 * (search + simplification + our final re-check); OMPL's exclude its final path.check().
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mulberry32 } from '../model/math/random.js';
import { JointSpacePlanner, resolutionMotionValidity } from '../skills/planning/index.js';
import type { AnchorProblemSet } from './collision-anchor-model.js';
import { isMain, runStandalone } from './standalone.js';

export const COLLISION_PLAN_TARGETS = {
  /** ours / OMPL: success at least OMPL's; whole solve at most half OMPL's; one check at most 5× FCL's */
  successRatioMin: 1,
  medianRatioMax: 0.5,
  p95RatioMax: 0.5,
  perCheckRatioMax: 5,
} as const;

/** rad (L2): the anchor's motion resolution, so no point of the Panda moves more than 1 cm between checks */
export const ANCHOR_RESOLUTION = 0.00568;
const DEFAULT_ANCHOR_DIR = '/work/shared/anchors/ompl';
const ANCHOR_INPUTS = ['anchor.cpp', 'build.sh', 'panda_fingers.urdf', 'problems.json', 'self_pairs.json'];
const APT_HINT = 'apt-get install -y g++ pkg-config libompl-dev libfcl-dev liburdfdom-dev libeigen3-dev';
/** ms: caps on the child processes (a full solve set is 250 problems × at most the budget) */
const BUILD_TIMEOUT_MS = 300_000;
const RUN_TIMEOUT_MS = 900_000;
const MAX_PROBLEMS = 100_000;

/** What a checker module gives the benchmark. */
export interface BenchChecker {
  isStateValid: (q: Float64Array) => boolean;
  /** scene vs self collision, for comparing the model with FCL's statistics (optional) */
  classify?: (q: Float64Array) => { env: boolean; self: boolean };
  /** one line saying what the model is */
  describe: string;
}
export type BenchCheckerFactory = (ctx: { anchorDir: string; problems: AnchorProblemSet }) => BenchChecker | Promise<BenchChecker>;

export interface CollisionPlanOptions {
  anchorDir?: string;
  buildDir?: string;
  /** module path exporting createBenchChecker (default: the product's checker) */
  checker?: string;
  seeds?: number[];
  /** per solve, ms (the anchor's default is 1 s) */
  budgetMs?: number;
  /** first N problems only (quick runs) */
  limit?: number;
  /** configurations for the per-check timing (the anchor uses 100,000) */
  checkConfigs?: number;
  /** pin both to core 0 with taskset (default true) */
  pin?: boolean;
}

/** One solve, the same fields for both planners. */
interface SolveRow {
  id: number;
  kind: string;
  success: boolean;
  totalMs: number;
  planMs: number;
  simplifyMs: number;
  checks: number;
  length: number;
  /** every segment valid at the planning resolution (OMPL: its path.check(), same resolution) */
  valid: boolean;
  /** ours only: also valid when re-checked at half the resolution (no contact shallower than a step) */
  validAtHalfStep?: boolean;
  /** ours only: the straight start → goal motion was valid (no search) */
  direct?: boolean;
}

interface Summary {
  solves: number;
  successRate: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** p95 with failures counted at the full budget */
  p95InclFailuresMs: number;
  planMedianMs: number;
  simplifyMedianMs: number;
  checksMedian: number;
  lengthMedian: number;
  /** returned paths that failed a re-check at the planning resolution (ours: independent; OMPL: its path.check()) */
  invalidPaths: number;
  /**
   * ours only: paths that pass at the planning resolution but not at half of it, i.e. graze an
   * obstacle between two checks (contact shallower than one 1 cm step); OMPL's paths are not exported
   */
  grazingAtHalfStep?: number;
  byKind: Record<string, { solves: number; successRate: number; medianMs: number; p95Ms: number }>;
}

interface CheckTiming {
  configs: number;
  meanUs: number;
  medianUs: number;
  fracCollision?: number;
  fracEnv?: number;
  fracSelf?: number;
  note?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));

export function runCollisionPlanBench(opts: CollisionPlanOptions = {}) {
  const anchorDir = resolve(opts.anchorDir ?? process.env.SHAMMIE_OMPL_ANCHOR ?? DEFAULT_ANCHOR_DIR);
  const buildDir = resolve(opts.buildDir ?? process.env.SHAMMIE_OMPL_BUILD ?? join(tmpdir(), 'shammie-ompl-anchor'));
  const checker = opts.checker ?? process.env.SHAMMIE_COLLISION_CHECKER ?? join(here, 'collision-shammie-checker.ts');
  const seeds = opts.seeds ?? [1, 2, 3];
  const budgetMs = opts.budgetMs ?? 1000;
  const checkConfigs = opts.checkConfigs ?? 100_000;
  const limit = Math.min(opts.limit ?? MAX_PROBLEMS, MAX_PROBLEMS);
  if (!seeds.length || !seeds.every((s) => Number.isSafeInteger(s) && s > 0))
    throw new RangeError('collision-plan: seeds must be positive integers');
  if (!(Number.isFinite(budgetMs) && budgetMs > 0)) throw new RangeError('collision-plan: budgetMs must be > 0');
  const loadBefore = loadavg();

  if (!existsSync(join(anchorDir, 'problems.json'))) {
    return {
      benchmark: 'collision-plan',
      anchor: {
        available: false,
        dir: anchorDir,
        reason: `no problems.json in ${anchorDir} (set SHAMMIE_OMPL_ANCHOR to the anchor folder)`,
      },
      pass: false,
    };
  }

  const pinned = opts.pin !== false && canPin();
  const pin = (cmd: string, args: string[]): [string, string[]] => (pinned ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args]);
  const anchor = locateAnchor(anchorDir, buildDir);
  const scratch = join(buildDir, 'runs');
  mkdirSync(scratch, { recursive: true });

  // ours, one child per step so it runs pinned like the anchor
  const child = (args: string[]): unknown => {
    const out = join(scratch, `ours-${process.pid}-${args.join('_').replace(/[^\w.-]/g, '')}.json`);
    const [cmd, cargs] = pin(process.execPath, [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      '--anchor-dir',
      anchorDir,
      '--checker',
      checker,
      '--out',
      out,
      ...args,
    ]);
    const r = spawnSync(cmd, cargs, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`collision-plan: our child process failed (${r.status ?? r.signal}): ${tail(r.stderr)}`);
    return JSON.parse(readFileSync(out, 'utf8'));
  };
  const anchorRun = (args: string[], env: Record<string, string> = {}): string => {
    if (!anchor.binary) throw new Error('no anchor binary');
    const [cmd, cargs] = pin(anchor.binary, args);
    return execFileSync(cmd, cargs, {
      cwd: anchor.cwd,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'pipe'], // its progress lines stay out of our JSON
    });
  };

  const validity = child(['--validity']) as { valid: boolean[]; describe: string };
  const ourRows: SolveRow[] = [];
  const omplRows: SolveRow[] = [];
  let anchorMeta: AnchorMeta = {};
  let anchorError: string | undefined = anchor.error;
  seeds.forEach((seed, k) => {
    // alternate who goes first, so drifting load favours neither
    const runOurs = () =>
      ourRows.push(...(child(['--seed', String(seed), '--budget-ms', String(budgetMs), '--limit', String(limit)]) as SolveRow[]));
    const runOmpl = () => {
      if (!anchor.binary || anchorError) return;
      try {
        const out = join(scratch, `ompl-${process.pid}-s${seed}.json`);
        anchorRun(['solve', String(seed), out, String(budgetMs / 1000), String(limit)], { PTC_THREAD: '0' });
        const j = JSON.parse(readFileSync(out, 'utf8')) as { results: OmplRow[] } & AnchorMeta;
        const { results, ...meta } = j;
        anchorMeta = meta;
        omplRows.push(...results.map(fromOmpl));
      } catch (e) {
        anchorError = `anchor solve failed: ${(e as Error).message.split('\n')[0]}`;
      }
    };
    if (k % 2 === 0) {
      runOmpl();
      runOurs();
    } else {
      runOurs();
      runOmpl();
    }
  });

  const ourCheck = child(['--cc', String(checkConfigs)]) as CheckTiming;
  let fclCheck: CheckTiming | undefined;
  if (anchor.binary && !anchorError) {
    try {
      const j = JSON.parse(anchorRun(['cc', String(checkConfigs)])) as Record<string, number>;
      fclCheck = {
        configs: j.configs,
        meanUs: j.mean_us,
        medianUs: j.median_us,
        fracCollision: j.frac_collision,
        fracEnv: j.frac_env,
        fracSelf: j.frac_self,
      };
    } catch (e) {
      anchorError = `anchor cc failed: ${(e as Error).message.split('\n')[0]}`;
    }
  }

  // compare on the problems our model calls valid at both ends
  const validIds = new Set(validity.valid.flatMap((v, i) => (v ? [i] : [])));
  const ours = summarize(
    ourRows.filter((r) => validIds.has(r.id)),
    budgetMs,
  );
  const ompl = omplRows.length
    ? summarize(
        omplRows.filter((r) => validIds.has(r.id)),
        budgetMs,
      )
    : undefined;
  const ratios =
    ompl && fclCheck
      ? {
          success: ratio(ours.successRate, ompl.successRate),
          medianMs: ratio(ours.medianMs, ompl.medianMs),
          p95Ms: ratio(ours.p95Ms, ompl.p95Ms),
          lengthMedian: ratio(ours.lengthMedian, ompl.lengthMedian),
          lengthPerProblemMedian: perProblemLengthRatio(ourRows, omplRows, validIds),
          perCheckMean: ratio(ourCheck.meanUs, fclCheck.meanUs),
          perCheckMedian: ratio(ourCheck.medianUs, fclCheck.medianUs),
        }
      : undefined;
  // like for like where a search was needed: the (problem, seed) solves whose straight line was blocked for us
  const searched = new Set(ourRows.filter((r) => r.direct === false && validIds.has(r.id)).map((r) => r.id));
  const oursSearch = summarize(
    ourRows.filter((r) => r.direct === false && validIds.has(r.id)),
    budgetMs,
  );
  const omplSearch = omplRows.length
    ? summarize(
        omplRows.filter((r) => searched.has(r.id)),
        budgetMs,
      )
    : undefined;
  const needingSearch = {
    note: 'solves where our straight start → goal motion was blocked (OMPL: the same problems, every seed); the headline ratios include the problems we solve with the straight line',
    ours: {
      solves: oursSearch.solves,
      successRate: oursSearch.successRate,
      medianMs: oursSearch.medianMs,
      p95Ms: oursSearch.p95Ms,
      lengthMedian: oursSearch.lengthMedian,
      checksMedian: oursSearch.checksMedian,
    },
    ompl: omplSearch && {
      solves: omplSearch.solves,
      successRate: omplSearch.successRate,
      medianMs: omplSearch.medianMs,
      p95Ms: omplSearch.p95Ms,
      lengthMedian: omplSearch.lengthMedian,
      checksMedian: omplSearch.checksMedian,
    },
    ratios: omplSearch && {
      medianMs: ratio(oursSearch.medianMs, omplSearch.medianMs),
      p95Ms: ratio(oursSearch.p95Ms, omplSearch.p95Ms),
      lengthPerProblemMedian: perProblemLengthRatio(
        ourRows.filter((r) => r.direct === false),
        omplRows,
        searched,
      ),
    },
  };
  const T = COLLISION_PLAN_TARGETS;
  const meets = ratios
    ? {
        success: ratios.success >= T.successRatioMin,
        medianMs: ratios.medianMs <= T.medianRatioMax,
        p95Ms: ratios.p95Ms <= T.p95RatioMax,
        perCheck: ratios.perCheckMean <= T.perCheckRatioMax,
      }
    : undefined;
  return {
    benchmark: 'collision-plan',
    machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, loadavgBefore: loadBefore, loadavgAfter: loadavg() },
    setup: {
      pinned: pinned ? 'taskset -c 0 (both)' : 'not pinned (taskset unavailable)',
      seeds,
      budgetMs,
      resolutionRad: ANCHOR_RESOLUTION,
      anchorResolutionRad: anchorMeta.step_rad,
      ourModel: validity.describe,
      ompl: anchorMeta.ompl
        ? `OMPL ${String(anchorMeta.ompl)}, FCL ${String(anchorMeta.fcl)}, RRTConnect range ${String(anchorMeta.range)} rad, simplifyMax, PTC_THREAD=0`
        : undefined,
      warmup: 'ours: 25 untimed solves (other seeds) before timing, in each child',
    },
    anchor: {
      available: Boolean(anchor.binary) && !anchorError,
      dir: anchorDir,
      binary: anchor.binary,
      built: anchor.built,
      ...(anchorError ? { reason: anchorError, hint: APT_HINT } : {}),
    },
    problems: {
      total: validity.valid.length,
      comparedOn: validIds.size,
      invalidForOurModel: validity.valid.flatMap((v, i) => (v ? [] : [i])),
    },
    perCheck: { ours: ourCheck, fcl: fclCheck },
    ours,
    ompl,
    ratios,
    needingSearch,
    targets: T,
    meets,
    pass: Boolean(meets && Object.values(meets).every(Boolean)),
  };
}

export type CollisionPlanReport = ReturnType<typeof runCollisionPlanBench>;

/** the anchor's solve header */
interface AnchorMeta {
  ompl?: string;
  fcl?: string;
  range?: number;
  step_rad?: number;
}

interface OmplRow {
  id: number;
  kind: string;
  success: boolean;
  plan_s: number;
  simplify_s: number;
  total_s: number;
  checks_total: number;
  length: number;
  path_valid: boolean;
}

function fromOmpl(r: OmplRow): SolveRow {
  return {
    id: r.id,
    kind: r.kind,
    success: r.success,
    totalMs: r.total_s * 1e3,
    planMs: r.plan_s * 1e3,
    simplifyMs: r.simplify_s * 1e3,
    checks: r.checks_total,
    length: r.length,
    valid: r.path_valid,
  };
}

function canPin(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The anchor binary in place, or one built from its sources in buildDir. */
function locateAnchor(anchorDir: string, buildDir: string): { binary?: string; cwd: string; built: boolean; error?: string } {
  const inPlace = join(anchorDir, 'anchor');
  if (existsSync(inPlace)) return { binary: inPlace, cwd: anchorDir, built: false };
  const missing = ANCHOR_INPUTS.filter((f) => !existsSync(join(anchorDir, f)));
  if (missing.length) return { cwd: buildDir, built: false, error: `anchor sources missing in ${anchorDir}: ${missing.join(', ')}` };
  mkdirSync(buildDir, { recursive: true });
  const bin = join(buildDir, 'anchor');
  const stale = !existsSync(bin) || ANCHOR_INPUTS.some((f) => statSync(join(anchorDir, f)).mtimeMs > statSync(bin).mtimeMs);
  for (const f of ANCHOR_INPUTS) copyFileSync(join(anchorDir, f), join(buildDir, f));
  if (!stale) return { binary: bin, cwd: buildDir, built: false };
  const r = spawnSync('sh', ['./build.sh'], { cwd: buildDir, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (r.status !== 0 || !existsSync(bin)) {
    return {
      cwd: buildDir,
      built: false,
      error: `cannot build the OMPL anchor (no libompl/libfcl or no compiler?): ${tail(r.stderr || String(r.error))}`,
    };
  }
  return { binary: bin, cwd: buildDir, built: true };
}

function tail(s: string | undefined): string {
  return (s ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 400);
}

function pct(v: number[], p: number): number {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const ratio = (a: number, b: number) => r3(a / b);

function summarize(rows: SolveRow[], budgetMs: number): Summary {
  const ok = rows.filter((r) => r.success);
  const byKind: Summary['byKind'] = {};
  for (const kind of [...new Set(rows.map((r) => r.kind))]) {
    const k = rows.filter((r) => r.kind === kind),
      kok = k.filter((r) => r.success);
    byKind[kind] = {
      solves: k.length,
      successRate: r3(kok.length / k.length),
      medianMs: r3(
        pct(
          kok.map((r) => r.totalMs),
          0.5,
        ),
      ),
      p95Ms: r3(
        pct(
          kok.map((r) => r.totalMs),
          0.95,
        ),
      ),
    };
  }
  return {
    solves: rows.length,
    successRate: r3(ok.length / rows.length),
    medianMs: r3(
      pct(
        ok.map((r) => r.totalMs),
        0.5,
      ),
    ),
    p95Ms: r3(
      pct(
        ok.map((r) => r.totalMs),
        0.95,
      ),
    ),
    maxMs: r3(
      pct(
        ok.map((r) => r.totalMs),
        1,
      ),
    ),
    p95InclFailuresMs: r3(
      pct(
        rows.map((r) => (r.success ? r.totalMs : Math.max(r.totalMs, budgetMs))),
        0.95,
      ),
    ),
    planMedianMs: r3(
      pct(
        ok.map((r) => r.planMs),
        0.5,
      ),
    ),
    simplifyMedianMs: r3(
      pct(
        ok.map((r) => r.simplifyMs),
        0.5,
      ),
    ),
    checksMedian: pct(
      ok.map((r) => r.checks),
      0.5,
    ),
    lengthMedian: r3(
      pct(
        ok.map((r) => r.length),
        0.5,
      ),
    ),
    invalidPaths: ok.filter((r) => !r.valid).length,
    ...(ok.some((r) => r.validAtHalfStep !== undefined)
      ? { grazingAtHalfStep: ok.filter((r) => r.valid && r.validAtHalfStep === false).length }
      : {}),
    byKind,
  };
}

/** Median over (problem, seed) solved by both of our length / OMPL's length. */
function perProblemLengthRatio(ours: SolveRow[], ompl: SolveRow[], ids: Set<number>): number {
  const theirs = new Map<number, number[]>();
  for (const r of ompl) if (r.success && ids.has(r.id)) theirs.set(r.id, [...(theirs.get(r.id) ?? []), r.length]);
  const rs: number[] = [];
  for (const r of ours) {
    const t = theirs.get(r.id);
    if (r.success && t?.length) rs.push(r.length / pct(t, 0.5));
  }
  return r3(pct(rs, 0.5));
}

// ------------------------------------------------------------------ child process (ours, pinned)

async function loadChecker(modulePath: string, anchorDir: string, problems: AnchorProblemSet): Promise<BenchChecker> {
  const url = isAbsolute(modulePath) ? pathToFileURL(modulePath).href : pathToFileURL(resolve(modulePath)).href;
  const mod = (await import(url)) as { createBenchChecker?: BenchCheckerFactory };
  if (typeof mod.createBenchChecker !== 'function') throw new Error(`${modulePath} does not export createBenchChecker`);
  return mod.createBenchChecker({ anchorDir, problems });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function runChild(): Promise<void> {
  const anchorDir = arg('--anchor-dir') ?? DEFAULT_ANCHOR_DIR;
  const out = arg('--out');
  if (!out) throw new Error('--out is required');
  const { loadAnchorProblems } = await import('./collision-anchor-model.js');
  const set = loadAnchorProblems(anchorDir);
  const model = await loadChecker(arg('--checker') ?? join(here, 'collision-shammie-checker.ts'), anchorDir, set);
  let result: unknown;
  if (process.argv.includes('--validity')) {
    result = {
      describe: model.describe,
      valid: set.problems.map((p) => model.isStateValid(Float64Array.from(p.start)) && model.isStateValid(Float64Array.from(p.goal))),
    };
  } else if (arg('--cc')) {
    result = timeChecks(model, set, Number(arg('--cc')));
  } else {
    result = solveAll(model, set, Number(arg('--seed') ?? 1), Number(arg('--budget-ms') ?? 1000), Number(arg('--limit') ?? MAX_PROBLEMS));
  }
  writeFileSync(out, JSON.stringify(result));
}

function solveAll(model: BenchChecker, set: AnchorProblemSet, seed: number, budgetMs: number, limit: number): SolveRow[] {
  const planner = new JointSpacePlanner({
    lower: set.joint_lower,
    upper: set.joint_upper,
    isStateValid: model.isStateValid,
    resolution: ANCHOR_RESOLUTION,
    // the anchor's budget is time only; a sample cap far beyond it keeps every loop bounded
    budget: { timeMs: budgetMs, maxSamples: 1_000_000 },
  });
  // independent re-checks of every vertex and segment: at the planning resolution, and twice as fine
  const same = resolutionMotionValidity(set.joint_lower.length, model.isStateValid, ANCHOR_RESOLUTION);
  const fine = resolutionMotionValidity(set.joint_lower.length, model.isStateValid, ANCHOR_RESOLUTION / 2);
  const problems = set.problems.slice(0, limit);
  for (let w = 0; w < 25; w++) {
    const p = set.problems[w % set.problems.length];
    planner.plan(p.start, p.goal, { seed: 1_000_000 + w });
  }
  return problems.map((p) => {
    const r = planner.plan(p.start, p.goal, { seed: seed * 100_003 + p.id });
    const row: SolveRow = {
      id: p.id,
      kind: p.kind,
      success: r.ok,
      totalMs: r.stats.totalMs,
      planMs: r.stats.planMs,
      simplifyMs: r.stats.simplifyMs,
      checks: r.stats.stateChecks,
      length: r.stats.length,
      valid: false,
      direct: r.stats.directPath,
    };
    if (r.ok) {
      row.valid = r.path.every((q, i) => model.isStateValid(q) && (i === 0 || same(r.path[i - 1], q)));
      row.validAtHalfStep = r.path.every((q, i) => i === 0 || fine(r.path[i - 1], q));
    }
    return row;
  });
}

function timeChecks(model: BenchChecker, set: AnchorProblemSet, n: number): CheckTiming {
  const configs = Math.max(1000, Math.min(Math.floor(n) || 100_000, 1_000_000));
  const rand = mulberry32(777);
  const lo = set.joint_lower,
    hi = set.joint_upper;
  const qs = Array.from({ length: configs }, () => Float64Array.from(lo, (l, i) => l + (hi[i] - l) * rand()));
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += Number(model.isStateValid(qs[i % configs])); // warm-up, as the anchor does
  // batches of 32: one clock read per check would cost more than the check
  const B = 32,
    perBatch: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i + B <= configs; i += B) {
    const s = process.hrtime.bigint();
    for (let k = i; k < i + B; k++) sink += Number(model.isStateValid(qs[k]));
    perBatch.push(Number(process.hrtime.bigint() - s) / 1000 / B);
  }
  const meanUs = Number(process.hrtime.bigint() - t0) / 1000 / (perBatch.length * B);
  const res: CheckTiming = {
    configs,
    meanUs: r3(meanUs),
    medianUs: r3(pct(perBatch, 0.5)),
    note: `median over batches of ${B} checks (valid: ${sink})`,
  };
  if (model.classify) {
    let env = 0,
      self = 0,
      any = 0;
    for (const q of qs) {
      const c = model.classify(q);
      env += Number(c.env);
      self += Number(c.self);
      any += Number(c.env || c.self);
    }
    Object.assign(res, { fracCollision: r3(any / configs), fracEnv: r3(env / configs), fracSelf: r3(self / configs) });
  }
  return res;
}

if (isMain(import.meta) && process.argv.includes('--child')) {
  await runChild();
} else {
  const list = arg('--seeds');
  const quick = process.argv.includes('--quick');
  await runStandalone(import.meta, 'collision-plan', async () =>
    Promise.resolve().then(() =>
      runCollisionPlanBench({
        seeds: list ? list.split(',').map(Number) : quick ? [1] : undefined,
        limit: arg('--limit') ? Number(arg('--limit')) : undefined,
        checkConfigs: quick ? 20_000 : undefined,
      }),
    ),
  );
}
