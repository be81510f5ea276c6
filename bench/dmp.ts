/**
 * DMP and stop-motion benchmark:
 *   learn     learning a pose DMP from a 2,000-sample demonstration          target ≤ 20 ms
 *   rollout   rollout + IK + timing of a re-targeted 5 s motion skill          target ≤ 50 ms
 *   export    `film export` of 240 frames (640×360) to MP4 with ffmpeg         target ≤ 30 s
 *
 *   node --import tsx bench/dmp.ts [--no-export]   → prints JSON
 *
 * Times are medians over repetitions after a warm-up (the machine is shared: compare within one
 * run); min is reported too. The demonstration is a synthetic tracking shot around HULK in the
 * stop-motion scene, solved by IK on the Panda.
 */
import { runStandalone } from './standalone.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportFilm } from '../studio/film.js';
import { StudioSession, testPattern } from '../studio/index.js';
import { loadRobotModel } from '../model/description/robot-model.js';
import { demonstrationPoses, orbitPath, processDemonstration, syntheticDemonstration } from '../skills/demonstration/index.js';
import { learnPoseDmp, rolloutPoseDmp, rolloutToJointTrajectory } from '../skills/dmp/index.js';
import { IkSolver } from '../skills/kinematics/index.js';
import type { Vec3 } from '../model/math/transform.js';
import { checkTrajectory, DEFAULT_SAFETY } from '../robot-bridge/safety/index.js';

export const DMP_TARGETS = { learnMs: 20, rolloutIkMs: 50, export240S: 30 } as const;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const r2 = (v: number) => Math.round(v * 100) / 100;

export interface DmpBench {
  benchmark: 'dmp';
  node: string;
  cores: number;
  loadavg1m: number;
  learn: { samples: number; basis: number; medianMs: number; minMs: number; pipelineMedianMs: number; reproductionRmsMm: number };
  rollout: { skillSeconds: number; samples: number; medianMs: number; minMs: number; timeStretch: number; safe: boolean };
  export: { frames: number; size: [number, number]; seconds: number; bytes: number; skipped?: string } | null;
  targets: typeof DMP_TARGETS;
  pass: boolean;
  passes: { learn: boolean; rollout: boolean; export: boolean };
}

export async function runDmpBench(opts: { export?: boolean; frames?: number; reps?: number } = {}): Promise<DmpBench> {
  const reps = opts.reps ?? 15;
  const model = loadRobotModel('panda');
  const ik = new IkSolver(model);
  const hulk: Vec3 = [0.68, 0.2, 0.0275],
    tower: Vec3 = [0.74, 0, 0.15];
  const path = orbitPath(hulk, { radius: 0.15, height: 0.2, from: (150 * Math.PI) / 180, to: (210 * Math.PI) / 180 });

  // --- learn: exactly 2,000 samples (5 s at 400 Hz, no pauses), tool poses by FK.
  const demo = syntheticDemonstration(model, ik, path, { duration: 4.9975, rate: 400, pauseStart: 0, pauseEnd: 0, noise: 1e-4 });
  const raw = { dt: 1 / 400, q: demo.samples.map((s) => s.q) };
  const poses = demonstrationPoses(
    { ...raw, robot: model.name, jointNames: model.jointNames, duration: 0, trimmed: { start: 0, end: 0 }, gripper: null, notes: [] },
    ik.chain,
  );
  for (let k = 0; k < 3; k++) learnPoseDmp(poses);
  const learnMs: number[] = [],
    pipeMs: number[] = [];
  for (let k = 0; k < reps; k++) {
    let t0 = performance.now();
    learnPoseDmp(poses);
    learnMs.push(performance.now() - t0);
    t0 = performance.now();
    learnPoseDmp(demonstrationPoses(processDemonstration(demo, model), ik.chain));
    pipeMs.push(performance.now() - t0);
  }
  const dmp = learnPoseDmp(poses);
  const rep = rolloutPoseDmp(dmp, { dt: poses.dt });
  let se = 0;
  poses.positions.forEach((p, k) => {
    const q = rep.positions[Math.min(k, rep.positions.length - 1)];
    se += (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 + (q[2] - p[2]) ** 2;
  });

  // --- rollout + IK: the 5 s tracking shot re-targeted to TOWER from its relative start.
  const offset = [tower[0] - hulk[0], tower[1] - hulk[1], tower[2] - hulk[2]];
  const goal = { position: dmp.goal.position.map((v, i) => v + offset[i]) as Vec3, quaternion: dmp.goal.quaternion };
  const startPose = { position: dmp.start.position.map((v, i) => v + offset[i]) as Vec3, quaternion: dmp.start.quaternion };
  const q0 = ik.solve(startPose, { seed: demo.samples[0].q }).q;
  const start = ik.chain.pose(q0);
  const once = () => rolloutToJointTrajectory(rolloutPoseDmp(dmp, { start, goal, duration: 5, dt: 0.02 }), ik, q0, { speedScale: 0.5 });
  for (let k = 0; k < 3; k++) once();
  const rollMs: number[] = [];
  let last = once();
  for (let k = 0; k < reps; k++) {
    const t0 = performance.now();
    last = once();
    rollMs.push(performance.now() - t0);
  }
  const safe = last.ok && last.trajectory !== null && checkTrajectory(last.trajectory, model, DEFAULT_SAFETY, q0).ok;

  // --- export: 240 frames to MP4.
  let exp: DmpBench['export'] = null;
  if (opts.export !== false) {
    const frames = opts.frames ?? 240;
    if (spawnSync(process.env.SHAMMIE_FFMPEG ?? 'ffmpeg', ['-version']).status !== 0) {
      exp = { frames, size: [640, 360], seconds: NaN, bytes: 0, skipped: 'ffmpeg not found' };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'shammie-bench-film-'));
      try {
        const s = StudioSession.open(join(dir, 'session'));
        for (let k = 0; k < frames; k++) s.addFrame(testPattern(640, 360, k), { skill: 'track(TOWER)' });
        const r = await exportFilm(s.dir, { out: join(dir, 'film.mp4'), fps: 12 });
        exp = { frames, size: [r.width, r.height], seconds: r2(r.ms / 1000), bytes: r.bytes };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  const passes = {
    learn: median(learnMs) <= DMP_TARGETS.learnMs,
    rollout: median(rollMs) <= DMP_TARGETS.rolloutIkMs && safe,
    export: exp === null || (!exp.skipped && exp.seconds <= DMP_TARGETS.export240S),
  };
  return {
    benchmark: 'dmp',
    node: process.version,
    cores: cpus().length,
    loadavg1m: r2(loadavg()[0]),
    learn: {
      samples: poses.positions.length,
      basis: dmp.basis,
      medianMs: r2(median(learnMs)),
      minMs: r2(Math.min(...learnMs)),
      pipelineMedianMs: r2(median(pipeMs)),
      reproductionRmsMm: r2(Math.sqrt(se / poses.positions.length) * 1000),
    },
    rollout: {
      skillSeconds: 5,
      samples: last.waypoints.length,
      medianMs: r2(median(rollMs)),
      minMs: r2(Math.min(...rollMs)),
      timeStretch: r2(last.timeStretch),
      safe,
    },
    export: exp,
    targets: DMP_TARGETS,
    pass: passes.learn && passes.rollout && passes.export,
    passes,
  };
}

await runStandalone(import.meta, 'dmp', () => runDmpBench({ export: !process.argv.includes('--no-export') }));
