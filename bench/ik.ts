/**
 * IK benchmark: for each built-in arm, solve N seeded random reachable tool poses (FK of random
 * in-limit configurations, full position + orientation) starting from the home pose, with random
 * restarts allowed, and report success rate and per-solve time.
 *
 *   node --import tsx bench/ik.ts [--samples 10000]    → prints JSON
 *
 * Success is checked independently of the solver: RobotModel.tipPose of the returned q must be
 * within 1 mm and 0.01 rad of the goal, and q within the joint limits.
 */
import { mulberry32 } from '../model/math/random.js';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { loadRobotModel, type BuiltinRobot } from '../model/description/robot-model.js';
import { quatAngle, quatFromMatrix, type Pose } from '../model/math/transform.js';
import { IkSolver, type IkResult } from '../skills/kinematics/ik.js';

export const IK_TARGETS = { successRate: 0.995, medianMs: 0.1, p99Ms: 2 } as const;

export interface IkArmBench {
  robot: string;
  dof: number;
  samples: number;
  successRate: number;
  failures: number;
  /** results outside the joint limits (must be 0) */
  outOfLimits: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  meanIterations: number;
  meanRestarts: number;
  maxRestarts: number;
  /** share of solves that needed at least one random restart */
  restartedShare: number;
  targets: typeof IK_TARGETS;
  pass: { successRate: boolean; medianMs: boolean; p99Ms: boolean; all: boolean };
}

export interface IkBench {
  benchmark: 'ik';
  node: string;
  cpu: string;
  cores: number;
  loadavg1m: number;
  arms: IkArmBench[];
  pass: boolean;
}

const rng = mulberry32;

function randomPoses(solver: IkSolver, count: number, seed: number): Pose[] {
  const r = rng(seed),
    ch = solver.chain,
    n = ch.dof;
  const poses: Pose[] = [];
  const q = new Array<number>(n);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < n; i++) q[i] = ch.lower[i] + (ch.upper[i] - ch.lower[i]) * r();
    poses.push(ch.pose(q));
  }
  return poses;
}

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

function benchArm(robot: BuiltinRobot, samples: number): IkArmBench {
  const model = loadRobotModel(robot);
  const solver = new IkSolver(model);
  // Warm-up (JIT) on a separate pose set.
  for (const g of randomPoses(solver, Math.min(2000, samples), 7)) solver.solve(g);

  const goals = randomPoses(solver, samples, 20240601);
  const times = new Float64Array(samples);
  const results = new Array<IkResult>(samples);
  for (let k = 0; k < samples; k++) {
    const t0 = performance.now();
    results[k] = solver.solve(goals[k]);
    times[k] = performance.now() - t0;
  }

  let ok = 0,
    outOfLimits = 0,
    iterations = 0,
    restarts = 0,
    maxRestarts = 0,
    restarted = 0;
  for (let k = 0; k < samples; k++) {
    const r = results[k],
      g = goals[k];
    const T = model.tipPose(r.q);
    const pe = Math.hypot(T[12] - g.position[0], T[13] - g.position[1], T[14] - g.position[2]);
    const oe = quatAngle(quatFromMatrix(T), g.quaternion);
    const inLimits = model.withinLimits(r.q);
    if (!inLimits) outOfLimits++;
    if (pe < 1e-3 && oe < 0.01 && inLimits) ok++;
    iterations += r.iterations;
    restarts += r.restarts;
    if (r.restarts > 0) restarted++;
    maxRestarts = Math.max(maxRestarts, r.restarts);
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  const round = (v: number, d = 4) => Number(v.toFixed(d));
  const successRate = ok / samples;
  const medianMs = quantile(sorted, 0.5),
    p99Ms = quantile(sorted, 0.99);
  const pass = {
    successRate: successRate >= IK_TARGETS.successRate,
    medianMs: medianMs <= IK_TARGETS.medianMs,
    p99Ms: p99Ms <= IK_TARGETS.p99Ms,
    all: false,
  };
  pass.all = pass.successRate && pass.medianMs && pass.p99Ms;
  return {
    robot,
    dof: model.dof,
    samples,
    successRate: round(successRate, 5),
    failures: samples - ok,
    outOfLimits,
    medianMs: round(medianMs),
    p99Ms: round(p99Ms),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / samples),
    maxMs: round(sorted[samples - 1], 3),
    meanIterations: round(iterations / samples, 2),
    meanRestarts: round(restarts / samples, 3),
    maxRestarts,
    restartedShare: round(restarted / samples, 4),
    targets: IK_TARGETS,
    pass,
  };
}

/** Run the IK benchmark on the Panda (7-DoF) and UR5e (6-DoF); JSON-serialisable result. */
export function runIkBench(opts: { samples?: number } = {}): Promise<IkBench> {
  // Synchronous work; the executor turns a throw into a rejection, as an async function would.
  return new Promise((resolve) => {
    const samples = Math.max(1, Math.floor(opts.samples ?? 10_000));
    const arms = (['panda', 'ur5e'] as const).map((r) => benchArm(r, samples));
    resolve({
      benchmark: 'ik',
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadavg1m: Number(loadavg()[0].toFixed(2)),
      arms,
      pass: arms.every((a) => a.pass.all),
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--samples');
  const samples = i > 0 ? Number(process.argv[i + 1]) : undefined;
  runIkBench({ samples }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
