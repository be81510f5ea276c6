/**
 * Pick-and-place among clutter (issue 12, benchmark 2): seeded problems over the regression
 * scenes (sim/scenes/regression/), each "pick X up and put it in container C", i.e. the plan
 * pickup(X) → goto(C) → release().
 *
 *   node --import tsx bench/collision-pick.ts [--execute N|all]    → prints JSON
 *
 * Problems: every regression scene, with its objects' positions jittered (±8 mm in x and y,
 * ±0.1 rad in yaw, seeds 1–6; half or a quarter of that where more could make objects overlap), every object narrow enough for the open fingers × every container
 * it is not already in. For each problem, the session's compile path (session/preview.ts
 * compilePreview: primitives with grasp search and RRT-Connect around obstacles, then every motion
 * checked against the planning scene and the safety limits) runs from the home pose without
 * moving; its wall time is "a whole pick planned" (approach, grasp, lift, transport, place).
 * Success = compiled and every step passes the checks.
 *
 * Which problems have a collision-free solution at all was judged offline, with much larger
 * planning budgets and several seeds (bench/scripts/judge-pick-problems.ts), and is read from
 * bench/data/pick-problems.json; success is reported over those and over all problems.
 *
 * Then a seeded subset (default 60; --execute all for every problem) is executed in MuJoCo, each
 * in a fresh sim, with every physics contact watched (test/sim/contacts.ts): a robot link
 * touching anything but the object being picked (fingers only), or the carried object touching
 * anything but the table, where it came from and where it goes, is an unintended contact.
 *
 * Targets: success ≥ 99 % of the solvable problems; 0 unintended contacts; p50 ≤ 20 ms and
 * p95 ≤ 150 ms per whole pick. Times are wall clock on a shared 2-core machine.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mulberry32 } from '../model/math/random.js';
import type { Planner } from '../planner/index.js';
import { createApp, type SimApp } from '../session/app.js';
import { compilePreview } from '../session/preview.js';
import { runScript } from '../session/script-run.js';
import { parseScript } from '../session/script.js';
import { objectHalfExtents, parseScene, SceneError, type Scene, type SceneContainer, type SceneObject } from '../sim/scene.js';
import type { Plan } from '../skills/registry.js';
import { ContactMonitor, movedObjects, objectPositions } from '../sim/contact-monitor.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REGRESSION_SCENES_DIR = join(here, '..', 'sim', 'scenes', 'regression');
export const PICK_PROBLEMS_FILE = join(here, 'data', 'pick-problems.json');

export const PICK_TARGETS = { successOfSolvable: 0.99, unintendedContacts: 0, p50Ms: 20, p95Ms: 150 } as const;

/** Jitter of the problems' object poses: m in x and y, rad in yaw. */
export const PICK_JITTER = { xy: 0.008, yaw: 0.1 } as const;
export const PICK_SEEDS = [1, 2, 3, 4, 5, 6] as const;
/** An object is picked only if one horizontal side fits the open fingers (8 cm) with 1 cm to spare (m). */
const MAX_GRASP_WIDTH = 0.07;
/** problems executed in physics by default (seeded choice) */
const DEFAULT_EXECUTE = 60;

export interface PickProblem {
  /** "<scene>#<seed>:<OBJECT>-><CONTAINER>" */
  id: string;
  scene: string;
  seed: number;
  object: string;
  into: string;
}

export function pickPlan(p: Pick<PickProblem, 'object' | 'into'>): Plan {
  return [
    { skill: 'pickup', args: { object: p.object } },
    { skill: 'goto', args: { object: p.into } },
    { skill: 'release', args: {} },
  ];
}

function inside(o: SceneObject, c: SceneContainer): boolean {
  // Containers' inner footprints are axis-aligned in these scenes when yaw = 0; rotate otherwise.
  const dx = o.position[0] - c.position[0],
    dy = o.position[1] - c.position[1];
  const x = Math.cos(c.yaw) * dx + Math.sin(c.yaw) * dy,
    y = -Math.sin(c.yaw) * dx + Math.cos(c.yaw) * dy;
  return Math.abs(x) <= c.inner[0] / 2 && Math.abs(y) <= c.inner[1] / 2;
}

function graspable(o: SceneObject): boolean {
  const h = objectHalfExtents(o);
  return 2 * Math.min(h[0], h[1]) <= MAX_GRASP_WIDTH;
}

/** The regression scenes, by name, in name order. */
export function regressionScenes(): { name: string; file: string; scene: Scene }[] {
  return readdirSync(REGRESSION_SCENES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(REGRESSION_SCENES_DIR, f);
      return { name: f.replace(/\.json$/, ''), file, scene: parseScene(readFileSync(file, 'utf8'), file) };
    });
}

/** All problems, in a fixed order (scene, seed, object, container). */
export function pickProblems(): PickProblem[] {
  const out: PickProblem[] = [];
  for (const { name, scene } of regressionScenes()) {
    for (const seed of PICK_SEEDS) {
      for (const o of scene.objects.filter(graspable)) {
        for (const c of scene.containers) {
          if (inside(o, c)) continue;
          out.push({ id: `${name}#${seed}:${o.name}->${c.name}`, scene: name, seed, object: o.name, into: c.name });
        }
      }
    }
  }
  return out;
}

/**
 * The scene file a problem runs in: the regression scene with the problem jitter and every object
 * and container known by name (written once per process to a temp folder; SimWorld's seed picks the jitter).
 */
function problemSceneFile(name: string): string {
  const dir = join(tmpdir(), `shammie-bench-pick-${process.pid}`);
  const file = join(dir, `${name}.json`);
  if (existsSync(file)) return file;
  const src = regressionScenes().find((s) => s.name === name);
  if (!src) throw new Error(`no regression scene ${name}`);
  const data = JSON.parse(readFileSync(src.file, 'utf8')) as Record<string, unknown> & {
    objects: { name: string }[];
    containers: { name: string }[];
    known: { name: string; description: string }[];
  };
  const known = new Set(data.known.map((k) => k.name));
  for (const b of [...data.objects, ...data.containers])
    if (!known.has(b.name)) data.known.push({ name: b.name, description: b.name.toLowerCase().replace(/_/g, ' ') });
  mkdirSync(dir, { recursive: true });
  // The full jitter, else half, else a quarter: the largest at which no two objects can overlap.
  for (const scale of [1, 0.5, 0.25]) {
    const jitter = { xy: PICK_JITTER.xy * scale, yaw: PICK_JITTER.yaw * scale };
    data.jitter = jitter.xy;
    data.yawJitter = jitter.yaw;
    const text = JSON.stringify(data, null, 2);
    try {
      parseScene(text, file);
    } catch (err) {
      if (err instanceof SceneError && scale > 0.25) continue;
      throw err;
    }
    jitterUsed.set(name, jitter);
    writeFileSync(file, text);
    return file;
  }
  throw new Error('unreachable');
}

/** The jitter each scene's problems got (m, rad). */
const jitterUsed = new Map<string, { xy: number; yaw: number }>();

/** An app on a problem's scene and seed; its planner proposes `plan` for any utterance. */
export async function problemApp(p: Pick<PickProblem, 'scene' | 'seed'>, plan: Plan = []): Promise<SimApp> {
  const planner: Planner = { plan: (utterance) => Promise.resolve({ kind: 'plan', plan, reply: utterance, repairs: [] }) };
  return createApp({ scene: problemSceneFile(p.scene), seed: p.seed, planner });
}

export interface PickCompile {
  ok: boolean;
  /** wall time of the whole compile (all primitives, planning, checks), ms */
  ms: number;
  reason?: string;
}

/** Compile a problem's plan from the app's current state (nothing moves). */
export function compilePick(app: SimApp, p: Pick<PickProblem, 'object' | 'into'>): PickCompile {
  const t0 = performance.now();
  try {
    const preview = compilePreview(app.session.deps, pickPlan(p), app.session.armState());
    const ms = performance.now() - t0;
    if (preview.safe) return { ok: true, ms };
    const bad = preview.steps.find((s) => !s.safe);
    return { ok: false, ms, reason: `${bad?.call ?? '?'}: ${bad?.reason ?? 'unsafe'}` };
  } catch (err) {
    return { ok: false, ms: performance.now() - t0, reason: (err as Error).message };
  }
}

export interface JudgedProblems {
  generated: string;
  how: string;
  problems: { id: string; solvable: boolean; found?: string; reason?: string }[];
}

function readJudged(): JudgedProblems | null {
  if (!existsSync(PICK_PROBLEMS_FILE)) return null;
  return JSON.parse(readFileSync(PICK_PROBLEMS_FILE, 'utf8')) as JudgedProblems;
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const r2 = (v: number) => Math.round(v * 100) / 100;

export interface PickExecution {
  id: string;
  outcome: string;
  /** the object ended in the container */
  placed: boolean;
  unintended: string[];
  /** other objects moved more than 5 mm */
  moved: string[];
  failure?: string;
}

/** Execute one problem in a fresh sim with the contacts watched. */
export async function executePick(p: PickProblem): Promise<PickExecution> {
  const app = await problemApp(p, pickPlan(p));
  const monitor = new ContactMonitor(app.sim, app.model.description.links.keys());
  try {
    const from = app.sim.objectState(p.object)?.in ?? null;
    monitor.intent = { pick: p.object, supports: [p.into, ...(from ? [from] : [])] };
    const before = objectPositions(app.sim);
    const [turn] = await runScript(app, parseScript('do the pick\n'));
    return {
      id: p.id,
      outcome: turn.outcome,
      placed: app.sim.objectState(p.object)?.in === p.into,
      unintended: [...monitor.pairs],
      moved: movedObjects(app.sim, before, [p.object]),
      ...(turn.failure ? { failure: turn.failure } : {}),
    };
  } finally {
    monitor.dispose();
    await app.dispose();
  }
}

export interface CollisionPickBench {
  benchmark: 'collision-pick';
  description: string;
  node: string;
  cpu: string;
  cores: number;
  loadavg1m: number;
  scenes: string[];
  /** jitter of each scene's problems (m in x and y, rad in yaw): smaller where the full one could make objects overlap */
  jitter: Record<string, { xy: number; yaw: number }>;
  problems: number;
  /** problems judged to have a collision-free solution (null: no judgement file) */
  solvable: number | null;
  judgedAt: string | null;
  solved: number;
  successOfSolvable: number | null;
  successOfAll: number;
  /** solvable problems not solved, and unsolvable ones solved (the judgement is stale then) */
  missed: { id: string; reason: string }[];
  solvedButJudgedUnsolvable: string[];
  planMs: { p50: number; p95: number; max: number; mean: number };
  planMsSolved: { p50: number; p95: number };
  executed: number;
  executedSucceeded: number;
  executedPlaced: number;
  unintendedContacts: number;
  contactFailures: PickExecution[];
  executionFailures: PickExecution[];
  targets: typeof PICK_TARGETS;
  wallSeconds: number;
  pass: boolean;
}

export async function runCollisionPickBench(opts: { execute?: number | 'all' } = {}): Promise<CollisionPickBench> {
  const started = performance.now();
  const problems = pickProblems();
  const judged = readJudged();
  const verdict = new Map(judged?.problems.map((p) => [p.id, p.solvable]) ?? []);
  const results = new Map<string, PickCompile>();
  // One sim per scene and seed: every problem there is compiled from the same untouched start.
  const groups = new Map<string, PickProblem[]>();
  for (const p of problems) groups.set(`${p.scene}#${p.seed}`, [...(groups.get(`${p.scene}#${p.seed}`) ?? []), p]);
  let warmed = false;
  for (const group of groups.values()) {
    const app = await problemApp(group[0]);
    try {
      if (!warmed) {
        compilePick(app, group[0]); // JIT warm-up, not counted
        warmed = true;
      }
      for (const p of group) results.set(p.id, compilePick(app, p));
    } finally {
      await app.dispose();
    }
  }
  const all = problems.map((p) => results.get(p.id)!);
  const times = all.map((r) => r.ms).sort((a, b) => a - b);
  const solvedTimes = all
    .filter((r) => r.ok)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const solved = all.filter((r) => r.ok).length;
  const solvableIds = judged ? problems.filter((p) => verdict.get(p.id) === true).map((p) => p.id) : null;
  const solvedOfSolvable = solvableIds ? solvableIds.filter((id) => results.get(id)!.ok).length : 0;
  const missed = (solvableIds ?? problems.map((p) => p.id))
    .filter((id) => !results.get(id)!.ok)
    .map((id) => ({ id, reason: results.get(id)!.reason ?? '' }));
  const solvedButJudgedUnsolvable = judged
    ? problems.filter((p) => verdict.get(p.id) === false && results.get(p.id)!.ok).map((p) => p.id)
    : [];

  // Execute a seeded choice of the problems that compiled (a refused problem moves nothing).
  const runnable = problems.filter((p) => results.get(p.id)!.ok);
  let chosen = runnable;
  const want = opts.execute ?? DEFAULT_EXECUTE;
  if (want !== 'all' && want < runnable.length) {
    const rand = mulberry32(12);
    chosen = runnable
      .map((p) => ({ p, k: rand() }))
      .sort((a, b) => a.k - b.k)
      .slice(0, want)
      .map((x) => x.p);
  }
  const executions: PickExecution[] = [];
  for (const p of chosen) executions.push(await executePick(p));
  const unintended = executions.reduce((n, e) => n + e.unintended.length + e.moved.length, 0);

  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  const planMs = {
    p50: r2(percentile(times, 0.5)),
    p95: r2(percentile(times, 0.95)),
    max: r2(times[times.length - 1] ?? NaN),
    mean: r2(mean),
  };
  const successOfSolvable = solvableIds ? (solvableIds.length ? solvedOfSolvable / solvableIds.length : 1) : null;
  const pass =
    problems.length >= 200 &&
    successOfSolvable !== null &&
    successOfSolvable >= PICK_TARGETS.successOfSolvable &&
    unintended === 0 &&
    executions.every((e) => e.outcome === 'succeeded' && e.placed) &&
    planMs.p50 <= PICK_TARGETS.p50Ms &&
    planMs.p95 <= PICK_TARGETS.p95Ms;
  return {
    benchmark: 'collision-pick',
    description:
      'Seeded pick-and-place problems over the cluttered regression scenes (sim/scenes/regression: objects in containers, 3 cm neighbours, a box before the target, a tall object beside the path; positions jittered ±8 mm, ±0.1 rad): pickup(X) → goto(C) → release() compiled by the session (grasp search, RRT-Connect, every motion collision- and safety-checked) from home, timed whole; success over the problems an offline long run judged solvable (bench/data/pick-problems.json) and over all; a seeded subset executed in MuJoCo with every contact watched.',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavg1m: r2(loadavg()[0]),
    scenes: [...new Set(problems.map((p) => p.scene))],
    jitter: Object.fromEntries(jitterUsed),
    problems: problems.length,
    solvable: solvableIds ? solvableIds.length : null,
    judgedAt: judged?.generated ?? null,
    solved,
    successOfSolvable: successOfSolvable === null ? null : Math.round(successOfSolvable * 10000) / 10000,
    successOfAll: Math.round((solved / problems.length) * 10000) / 10000,
    missed,
    solvedButJudgedUnsolvable,
    planMs,
    planMsSolved: { p50: r2(percentile(solvedTimes, 0.5)), p95: r2(percentile(solvedTimes, 0.95)) },
    executed: executions.length,
    executedSucceeded: executions.filter((e) => e.outcome === 'succeeded').length,
    executedPlaced: executions.filter((e) => e.placed).length,
    unintendedContacts: unintended,
    contactFailures: executions.filter((e) => e.unintended.length || e.moved.length),
    executionFailures: executions.filter((e) => e.outcome !== 'succeeded' || !e.placed),
    targets: PICK_TARGETS,
    wallSeconds: r2((performance.now() - started) / 1000),
    pass,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--execute');
  const arg = i >= 0 ? process.argv[i + 1] : undefined;
  const execute = arg === 'all' ? 'all' : arg !== undefined ? Number(arg) : undefined;
  const report = await runCollisionPickBench(execute !== undefined ? { execute } : {});
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.pass ? 0 : 1;
}
