/**
 * Kinesthetic demonstrations recorded in the console, saved as JSON in the data folder
 * (`<data>/recordings/<name>.json`). The motion-skill work (DMPs fitted to one demonstration)
 * reads these files.
 *
 * File format (version 1):
 * {
 *   "format": "shammie.recording", "version": 1,
 *   "name": "wave", "robot": "panda", "createdAt": "2026-…Z",
 *   "source": "console: kinesthetic teaching in the sim",
 *   "jointNames": ["panda_joint1", …],          // arm joints, order of every q
 *   "gripperJoint": "panda_finger_joint1",      // or null
 *   "samples": [{ "t": 0, "q": [rad…], "gripper": 0.04 }, …]   // t: seconds from the first sample
 * }
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RobotModel } from '../model/description/robot-model.js';
import type { RecordingSample } from './protocol.js';

export interface RecordingFile {
  format: 'shammie.recording';
  version: 1;
  name: string;
  robot: string;
  createdAt: string;
  source: string;
  jointNames: string[];
  gripperJoint: string | null;
  samples: RecordingSample[];
}

export class RecordingError extends Error {
  constructor(message: string) {
    super(`[recordings] ${message}`);
    this.name = 'RecordingError';
  }
}

/** lower_snake_case file stem from what the operator typed */
export function recordingName(raw: string): string {
  const s = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
  return s || 'demo';
}

export function saveRecording(
  dir: string,
  model: RobotModel,
  rawName: string,
  samples: RecordingSample[],
): { name: string; path: string; samples: number } {
  const dof = model.dof;
  const t0 = samples[0]?.t ?? 0;
  let last = -Infinity;
  const clean: RecordingSample[] = samples.map((s, i) => {
    if (s.q.length !== dof)
      throw new RecordingError(`sample ${i} has ${s.q.length} joint values; ${model.name} has ${dof} (${model.jointNames.join(', ')})`);
    const t = s.t - t0;
    if (t < last) throw new RecordingError(`sample ${i} goes back in time (${t.toFixed(3)} s after ${last.toFixed(3)} s)`);
    last = t;
    model.arm.forEach((j, k) => {
      if (s.q[k] < j.lower - 1e-6 || s.q[k] > j.upper + 1e-6)
        throw new RecordingError(`sample ${i}: ${j.name} = ${s.q[k].toFixed(4)} is outside its limits [${j.lower}, ${j.upper}]`);
    });
    return { t: Math.round(t * 1e4) / 1e4, q: s.q.map((v) => Math.round(v * 1e6) / 1e6), gripper: Math.round(s.gripper * 1e6) / 1e6 };
  });
  mkdirSync(dir, { recursive: true });
  const stem = recordingName(rawName);
  let name = stem;
  for (let k = 2; existsSync(join(dir, `${name}.json`)); k++) name = `${stem}_${k}`;
  const file: RecordingFile = {
    format: 'shammie.recording',
    version: 1,
    name,
    robot: model.name,
    createdAt: new Date().toISOString(),
    source: 'console: kinesthetic teaching in the sim',
    jointNames: [...model.jointNames],
    gripperJoint: model.gripper?.joint ?? null,
    samples: clean,
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(file, null, 1) + '\n');
  return { name, path, samples: clean.length };
}
