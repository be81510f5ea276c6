/**
 * Sim speed benchmark: real-time factor (sim seconds per wall second, one core) of the gift-bag
 * scene with the Panda sweeping back and forth low over the table, through the objects, after
 * a JIT warm-up. Measured twice: bare SimWorld stepping with a min-jerk controller, and the
 * whole SimBackend path (trajectory interpolation, monitoring, joint-state streaming, the
 * fast-pace loop). Target: ≥ 10× real time.
 *
 * CLI: node --import tsx bench/sim.ts  → prints JSON.
 */
import { fileURLToPath } from 'node:url';
import { SimBackend } from '../robot-bridge/sim-backend.js';
import type { JointTrajectory } from '../robot-bridge/types.js';
import { loadRobotModel } from '../model/description/robot-model.js';
import { loadScene } from '../sim/scene.js';
import { SimWorld } from '../sim/world.js';

/**
 * Two top-down tool poses 6 cm above the table at (0.40, 0.22) and (0.58, −0.14) m, found
 * offline with a numeric IK (test/sim/helpers.ts ikTopDown). Moving between them in joint space
 * drags the fingers through LOTION, CANDY and PEN: a contact-heavy case.
 */
const SWEEP_A = [0.4138, 0.3009, 0.076, -2.5294, -0.0732, 2.8287, 1.3414];
const SWEEP_B = [-0.225, 0.5648, -0.0115, -2.0311, 0.0118, 2.5958, 0.5406];
const LEG = 1.5; // s per sweep

export interface SimBenchResult {
  scene: string;
  robot: string;
  timestep: number;
  /** sim seconds measured (after warm-up) */
  simSeconds: number;
  world: { wallSeconds: number; realTimeFactor: number; stepsPerSecond: number; meanContacts: number };
  backend: { wallSeconds: number; realTimeFactor: number };
  target: { realTimeFactor: number };
  /** both real-time factors ≥ the target */
  pass: boolean;
  node: string;
}

function minJerk(from: number[], to: number[], t: number, T: number, q: number[], qd: number[], qdd: number[]): void {
  const u = Math.min(1, Math.max(0, t / T));
  const s = 10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5;
  const ds = (30 * u ** 2 - 60 * u ** 3 + 30 * u ** 4) / T;
  const dds = (60 * u - 180 * u ** 2 + 120 * u ** 3) / (T * T);
  for (let i = 0; i < from.length; i++) {
    const d = to[i] - from[i];
    q[i] = from[i] + d * s;
    qd[i] = d * ds;
    qdd[i] = d * dds;
  }
}

function sweep(jointNames: readonly string[], from: number[], to: number[], T: number, dt = 0.02): JointTrajectory {
  const q = new Array<number>(from.length),
    qd = new Array<number>(from.length),
    qdd = new Array<number>(from.length);
  const points = [];
  for (let t = 0; t <= T + 1e-9; t += dt) {
    minJerk(from, to, t, T, q, qd, qdd);
    points.push({ positions: [...q], velocities: [...qd], timeFromStart: t });
  }
  return { jointNames: [...jointNames], points };
}

export async function runSimBench(options: { simSeconds?: number; warmupSeconds?: number } = {}): Promise<SimBenchResult> {
  const simSeconds = options.simSeconds ?? 12;
  const warmup = options.warmupSeconds ?? 4;
  const scene = loadScene('giftbag');
  const robot = loadRobotModel('panda');

  // 1. Bare world: a before-step controller sweeping A ⇄ B.
  const world = await SimWorld.create({ robot, scene });
  const q = new Array<number>(robot.dof),
    qd = new Array<number>(robot.dof),
    qdd = new Array<number>(robot.dof);
  let legStart = 0,
    forward = true;
  let from = world.armPositions(),
    to = SWEEP_A;
  world.onBeforeStep((w) => {
    const t = w.time - legStart;
    if (t >= LEG + 0.1) {
      legStart = w.time;
      from = [...to];
      to = forward ? SWEEP_B : SWEEP_A;
      forward = !forward;
    }
    minJerk(from, to, w.time - legStart, LEG, q, qd, qdd);
    w.setArmTarget(q, qd, qdd);
  });
  world.stepFor(warmup);
  const steps = Math.round(simSeconds / world.timestep);
  let t0 = performance.now();
  world.step(steps);
  const worldWall = (performance.now() - t0) / 1000;
  // contacts per step, sampled (reading them costs time, so not while timing)
  let contacts = 0;
  const samples = 200;
  for (let i = 0; i < samples; i++) {
    world.step(5);
    contacts += world.contactCount;
  }
  world.dispose();

  // 2. The backend in fast pace executing dense trajectories.
  const backend = await SimBackend.create({ scene, robot, pace: 'fast' });
  await backend.connect();
  backend.onJointState(() => {});
  const run = async (seconds: number) => {
    const end = backend.now() + seconds;
    let fwd = true;
    while (backend.now() < end) {
      const start = backend.jointState().position;
      await backend.executeTrajectory(sweep(backend.jointNames, start, fwd ? SWEEP_A : SWEEP_B, LEG)).done;
      fwd = !fwd;
    }
  };
  await run(warmup);
  const s0 = backend.now();
  t0 = performance.now();
  await run(simSeconds);
  const backendWall = (performance.now() - t0) / 1000;
  const backendSim = backend.now() - s0;
  await backend.dispose();

  const rtf = simSeconds / worldWall;
  const backendRtf = backendSim / backendWall;
  return {
    scene: 'giftbag',
    robot: robot.name,
    timestep: scene.timestep,
    simSeconds,
    world: {
      wallSeconds: +worldWall.toFixed(3),
      realTimeFactor: +rtf.toFixed(1),
      stepsPerSecond: Math.round(steps / worldWall),
      meanContacts: +(contacts / samples).toFixed(1),
    },
    backend: { wallSeconds: +backendWall.toFixed(3), realTimeFactor: +backendRtf.toFixed(1) },
    target: { realTimeFactor: 10 },
    pass: Math.min(rtf, backendRtf) >= 10,
    node: process.version,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runSimBench().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
