/**
 * Collision-check micro-benchmark: one full-configuration check (forward kinematics of every
 * link + robot vs scene + self-collision, as a planner calls it) over many seeded random
 * configurations, uniform within the joint limits, gripper open.
 *
 *   node --import tsx bench/collision-check.ts [--configs 100000]    → prints JSON
 *
 * Scenes: the shipped gift-bag scene (table, five objects, the bag and the bin: 16 primitive
 * parts), and, when present, the OMPL/FCL anchor's gift-bag scene (../shared/anchors/ompl/
 * problems.json: 13 obstacles; its FCL check measured 2.2 µs median here), so the figures can
 * be compared with FCL's. Target: ≤ 5 × 2.2 µs = 11 µs median on the Panda.
 *
 * Each check is timed alone with process.hrtime.bigint(); the timer's own cost (median of
 * empty readings) is subtracted. `throughputUs` is total time / checks over the whole run, the
 * figure least disturbed by a shared machine. Compare within one run (2 shared cores).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  allowedCollisions,
  clearCollisionCaches,
  knownSafePairs,
  CollisionChecker,
  PlanningScene,
  robotCollisionModel,
  type Shape,
} from '../collision/index.js';
import { loadRobotModel, type BuiltinRobot } from '../model/description/robot-model.js';
import { mulberry32 } from '../model/math/random.js';
import type { Quat, Vec3 } from '../model/math/transform.js';
import { loadScene, placeObjects } from '../sim/scene.js';

export const COLLISION_CHECK_TARGETS = { fclMedianUs: 2.2, maxRatio: 5 } as const;

const here = dirname(fileURLToPath(import.meta.url));
export const OMPL_ANCHOR_PROBLEMS = join(here, '..', '..', 'shared', 'anchors', 'ompl', 'problems.json');

export interface CheckFigures {
  robot: string;
  scene: string;
  /** link pairs disabled by hand on top of the sampled allowed-collision matrix */
  disabled: string[];
  obstacles: number;
  parts: number;
  spheres: number;
  selfPairs: number;
  configs: number;
  medianUs: number;
  p99Us: number;
  meanUs: number;
  throughputUs: number;
  medianFreeUs: number;
  medianCollidingUs: number;
  fractionColliding: number;
  /** forward kinematics alone, µs per call (throughput) */
  fkUs: number;
}

export interface CollisionCheckBench {
  benchmark: 'collision-check';
  node: string;
  cpu: string;
  cores: number;
  loadavg1m: number;
  timerOverheadUs: number;
  /** one-time costs per robot, computed afresh (ms): sphere decomposition, allowed-collision matrix (10 000 samples) */
  setupMs: Record<string, { spheres: number; acm: number }>;
  runs: CheckFigures[];
  targets: typeof COLLISION_CHECK_TARGETS;
  /** Panda in the gift-bag scene(s): median ≤ 5 × FCL's 2.2 µs */
  pass: boolean;
}

/** The shipped sim scene as a planning scene (objects where the sim puts them at its seed). */
function giftbagScene(): PlanningScene {
  const s = loadScene('giftbag');
  const scene = new PlanningScene();
  scene.setTable({ size: s.table.size as [number, number], center: s.table.center as [number, number], thickness: s.table.thickness });
  for (const p of placeObjects(s)) {
    const o = p.object;
    const pose = { position: p.position, yaw: p.yaw };
    if (o.shape === 'box') scene.addBox(o.name, o.size as Vec3, pose);
    else if (o.shape === 'cylinder') scene.addCylinder(o.name, o.size[0], o.size[1], pose);
    else scene.addSphere(o.name, o.size[0], p.position);
  }
  for (const c of s.containers)
    scene.addContainer(c.name, {
      position: c.position as [number, number],
      yaw: c.yaw,
      inner: c.inner as [number, number],
      height: c.height,
      wall: c.wall,
    });
  return scene;
}

interface AnchorObstacle {
  name: string;
  type: 'box' | 'sphere' | 'capsule';
  pos: Vec3;
  quat_wxyz?: [number, number, number, number];
  half_size?: Vec3;
  radius?: number;
  half_length_along_local_z?: number;
}

/** The FCL anchor's scene; its capsule (the candy) becomes the cylinder that holds it. */
function anchorScene(): PlanningScene | undefined {
  if (!existsSync(OMPL_ANCHOR_PROBLEMS)) return undefined;
  const data = JSON.parse(readFileSync(OMPL_ANCHOR_PROBLEMS, 'utf8')) as { scene: AnchorObstacle[] };
  const scene = new PlanningScene();
  for (const o of data.scene) {
    const w = o.quat_wxyz ?? [1, 0, 0, 0];
    const pose = { position: o.pos, quaternion: [w[1], w[2], w[3], w[0]] as Quat };
    const shape: Shape =
      o.type === 'box'
        ? { type: 'box', halfExtents: o.half_size! }
        : o.type === 'sphere'
          ? { type: 'sphere', radius: o.radius! }
          : { type: 'cylinder', radius: o.radius!, halfLength: o.half_length_along_local_z! + o.radius! };
    scene.add(o.name, o.name === 'table_top' || o.name === 'floor' ? 'table' : 'object', [{ shape, transform: identity4() }], pose);
  }
  return scene;
}

function identity4(): Float64Array {
  return Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
}

const quantile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (v: number, d = 3) => Number(v.toFixed(d));

function timerOverheadUs(): number {
  const t = new Float64Array(20_000);
  for (let k = 0; k < t.length; k++) {
    const a = process.hrtime.bigint();
    t[k] = Number(process.hrtime.bigint() - a) / 1000;
  }
  return quantile(t.sort(), 0.5);
}

function benchOne(
  robotName: BuiltinRobot,
  sceneName: string,
  scene: PlanningScene,
  configs: number,
  seed: number,
  overhead: number,
  disableOverride?: [string, string][],
): CheckFigures {
  const model = loadRobotModel(robotName);
  // The app's matrix (its known-safe pairs disabled) unless a run asks otherwise.
  const disable = disableOverride ?? knownSafePairs(model);
  const robot = robotCollisionModel(model);
  const checker = new CollisionChecker(robot, scene, { acm: allowedCollisions(robot, { disable }) });
  const dof = model.dof;
  const lo = model.arm.map((j) => (Number.isFinite(j.lower) ? j.lower : -Math.PI));
  const hi = model.arm.map((j) => (Number.isFinite(j.upper) ? j.upper : Math.PI));
  const rand = mulberry32(seed);
  const qs = new Float64Array(configs * dof);
  for (let k = 0; k < qs.length; k++) qs[k] = lo[k % dof] + (hi[k % dof] - lo[k % dof]) * rand();
  const g = robot.kinematics.gripperDefault;
  const q = new Float64Array(dof);
  const load = (k: number) => {
    for (let i = 0; i < dof; i++) q[i] = qs[k * dof + i];
  };
  // Warm-up (JIT) on the same kind of input.
  for (let k = 0; k < Math.min(configs, 20_000); k++) {
    load(k);
    checker.isFree(q, g);
  }
  const times = new Float64Array(configs);
  const free = new Uint8Array(configs);
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < configs; k++) {
    load(k);
    const a = process.hrtime.bigint();
    free[k] = checker.isFree(q, g) ? 1 : 0;
    times[k] = Math.max(0, Number(process.hrtime.bigint() - a) / 1000 - overhead);
  }
  const total = Number(process.hrtime.bigint() - t0) / 1000;
  const f0 = process.hrtime.bigint();
  for (let k = 0; k < configs; k++) {
    load(k);
    robot.kinematics.compute(q, g);
  }
  const fkUs = Number(process.hrtime.bigint() - f0) / 1000 / configs;

  const split = (want: number) => Float64Array.from(times.filter((_, k) => free[k] === want)).sort();
  const sorted = Float64Array.from(times).sort();
  const freeT = split(1),
    hitT = split(0);
  const objects = scene.list();
  return {
    robot: robotName,
    scene: sceneName,
    disabled: disable.map((p) => p.join('/')),
    obstacles: objects.length,
    parts: objects.reduce((s, o) => s + o.parts.length, 0),
    spheres: robot.bodies.reduce((s, b) => s + b.spheres.count, 0),
    selfPairs: checker.selfPairs.length,
    configs,
    medianUs: round(quantile(sorted, 0.5)),
    p99Us: round(quantile(sorted, 0.99)),
    meanUs: round(sorted.reduce((s, v) => s + v, 0) / configs),
    throughputUs: round(total / configs),
    medianFreeUs: freeT.length ? round(quantile(freeT, 0.5)) : 0,
    medianCollidingUs: hitT.length ? round(quantile(hitT, 0.5)) : 0,
    fractionColliding: round(hitT.length / configs, 4),
    fkUs: round(fkUs),
  };
}

/** Run the benchmark; JSON-serialisable result. */
export function runCollisionCheckBench(opts: { configs?: number; seed?: number } = {}): CollisionCheckBench {
  const configs = Math.max(1000, Math.floor(opts.configs ?? 100_000));
  const seed = opts.seed ?? 20261205;
  const overhead = timerOverheadUs();
  const setupMs: Record<string, { spheres: number; acm: number }> = {};
  for (const robotName of ['panda', 'ur5e'] as const) {
    clearCollisionCaches();
    const model = loadRobotModel(robotName);
    const t0 = performance.now();
    const robot = robotCollisionModel(model);
    const t1 = performance.now();
    allowedCollisions(robot, { disable: knownSafePairs(model) });
    const t2 = performance.now();
    setupMs[robotName] = { spheres: round(t1 - t0, 0), acm: round(t2 - t1, 0) };
  }
  const scenes: [string, PlanningScene][] = [['giftbag', giftbagScene()]];
  const anchor = anchorScene();
  if (anchor) scenes.push(['ompl-anchor giftbag', anchor]);
  const runs: CheckFigures[] = [];
  for (const robotName of ['panda', 'ur5e'] as const)
    for (const [name, scene] of scenes) runs.push(benchOne(robotName, name, scene, configs, seed, overhead));
  // Without the Panda's known-safe pairs (collision/known-pairs.ts: coarse URDF cylinders that
  // overlap where the real links do not): what checking those pairs would cost.
  const [lastName, lastScene] = scenes[scenes.length - 1];
  runs.push(benchOne('panda', lastName, lastScene, configs, seed, overhead, []));
  const limit = COLLISION_CHECK_TARGETS.fclMedianUs * COLLISION_CHECK_TARGETS.maxRatio;
  return {
    benchmark: 'collision-check',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavg1m: round(loadavg()[0], 2),
    timerOverheadUs: round(overhead),
    setupMs,
    runs,
    targets: COLLISION_CHECK_TARGETS,
    pass: runs.filter((r) => r.robot === 'panda' && r.disabled.length === 0).every((r) => r.medianUs <= limit),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--configs');
  const configs = i > 0 ? Number(process.argv[i + 1]) : undefined;
  console.log(JSON.stringify(runCollisionCheckBench({ configs }), null, 2));
}
