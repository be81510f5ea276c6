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
 *
 * Honest writes: a recording is written to a temp file in the same folder, fsynced and renamed,
 * so a crash or a full disk leaves no 0-byte or half file, and the error says so. Quotas
 * (RECORDING_LIMITS) bound one recording and the whole folder, and a save never takes the disk's
 * last DISK_RESERVE_BYTES (the library and the session log need them).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RobotModel } from '../model/description/robot-model.js';
import { writeFileAtomic } from '../skills/library/library.js';
import { DISK_RESERVE_BYTES, diskFreeBytes, folderUsage, formatBytes, isDiskFull, removeDeadTemps } from '../studio/disk.js';
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

export interface RecordingLimits {
  /** samples in one recording (the protocol's cap too): 11 min at the console's 30 Hz */
  samples: number;
  /** seconds from the first sample to the last */
  seconds: number;
  /** one recording file, bytes */
  fileBytes: number;
  /** every file in the recordings folder together, bytes */
  folderBytes: number;
  /** files in the recordings folder */
  files: number;
  /** free space a save leaves on the disk, bytes */
  reserveBytes: number;
}

/**
 * Why these numbers: a 7-joint recording is ~85 bytes a sample, so the largest one the console
 * can send (20,000 samples) is ~1.7 MB and a typical 10–60 s demonstration 25–150 KB. 100 MB
 * holds ~60 of the largest or ~1,000 typical ones: a long teaching day, and a small part of
 * any disk. (Before the quota, 50 messages wrote 152 MB in 10 s.)
 */
export const RECORDING_LIMITS: RecordingLimits = {
  samples: 20_000,
  seconds: 30 * 60,
  fileBytes: 4 * 1024 * 1024,
  folderBytes: 100 * 1024 * 1024,
  files: 1000,
  reserveBytes: DISK_RESERVE_BYTES,
};

export interface SaveRecordingOptions {
  /** tighter or looser quotas (tests, profiles) */
  limits?: Partial<RecordingLimits>;
  /** free bytes on the disk holding the folder (default: statfs); null when unknown */
  freeBytes?: (dir: string) => number | null;
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

/** The file's text: the header indented, one sample a line (half the size of one number a line). */
export function recordingText(file: RecordingFile): string {
  const { samples, ...head } = file;
  const top = JSON.stringify(head, null, 1).replace(/\n}$/, '');
  // One stringify of the whole array, then a line break between samples (their keys are fixed).
  const lines = JSON.stringify(samples.map((s) => ({ t: s.t, q: s.q, gripper: s.gripper })))
    .slice(1, -1)
    .replace(/\},\{"t":/g, '},\n  {"t":');
  return `${top},\n "samples": [\n  ${lines}\n ]\n}\n`;
}

export function saveRecording(
  dir: string,
  model: RobotModel,
  rawName: string,
  samples: RecordingSample[],
  options: SaveRecordingOptions = {},
): { name: string; path: string; samples: number; bytes: number } {
  const limits = { ...RECORDING_LIMITS, ...options.limits };
  if (samples.length < 2) throw new RecordingError(`a recording needs at least 2 samples; this one has ${samples.length}`);
  if (samples.length > limits.samples)
    throw new RecordingError(
      `a recording may have at most ${limits.samples} samples; this one has ${samples.length}. Record a shorter demonstration.`,
    );
  const dof = model.dof;
  const t0 = samples[0].t;
  let last = -Infinity;
  const clean: RecordingSample[] = samples.map((s, i) => {
    if (s.q.length !== dof)
      throw new RecordingError(`sample ${i} has ${s.q.length} joint values; ${model.name} has ${dof} (${model.jointNames.join(', ')})`);
    const t = s.t - t0;
    if (t < last) throw new RecordingError(`sample ${i} goes back in time (${t.toFixed(3)} s after ${last.toFixed(3)} s)`);
    if (t > limits.seconds)
      throw new RecordingError(
        `sample ${i} is ${t.toFixed(0)} s after the first; a recording may last at most ${limits.seconds} s. Record a shorter demonstration.`,
      );
    last = t;
    model.arm.forEach((j, k) => {
      if (s.q[k] < j.lower - 1e-6 || s.q[k] > j.upper + 1e-6)
        throw new RecordingError(`sample ${i}: ${j.name} = ${s.q[k].toFixed(4)} is outside its limits [${j.lower}, ${j.upper}]`);
    });
    return { t: Math.round(t * 1e4) / 1e4, q: s.q.map((v) => Math.round(v * 1e6) / 1e6), gripper: Math.round(s.gripper * 1e6) / 1e6 };
  });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new RecordingError(`cannot create the recordings folder ${dir}: ${(err as Error).message}`);
  }
  removeDeadTemps(dir, limits.files * 4);
  const usage = folderUsage(dir, limits.files * 4);
  if (usage.truncated || usage.files.length >= limits.files)
    throw new RecordingError(
      `the recordings folder ${dir} holds ${usage.truncated ? 'more than ' : ''}${usage.files.length} files, the most it may hold is ${limits.files}. ${deleteAdvice(dir, usage.files)}`,
    );
  const stem = recordingName(rawName);
  let name = stem;
  // The folder holds fewer than `files` entries, so a free suffix is found within that many tries.
  for (let k = 2; existsSync(join(dir, `${name}.json`)); k++) {
    if (k > limits.files + 1) throw new RecordingError(`no free file name for "${stem}" in ${dir}; choose another name`);
    name = `${stem}_${k}`;
  }
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
  const data = Buffer.from(recordingText(file), 'utf8');
  if (data.length > limits.fileBytes)
    throw new RecordingError(
      `the recording "${name}" would take ${formatBytes(data.length)}; one recording may take at most ${formatBytes(limits.fileBytes)}. Record a shorter demonstration.`,
    );
  if (usage.bytes + data.length > limits.folderBytes)
    throw new RecordingError(
      `the recordings folder ${dir} holds ${formatBytes(usage.bytes)} and "${name}" needs ${formatBytes(data.length)} more; the folder may hold at most ${formatBytes(limits.folderBytes)}. ${deleteAdvice(dir, usage.files)}`,
    );
  const free = (options.freeBytes ?? diskFreeBytes)(dir);
  if (free !== null && free - data.length < limits.reserveBytes)
    throw new RecordingError(
      `only ${formatBytes(Math.max(0, free))} are free on the disk holding ${dir}; a recording is not saved when less than ${formatBytes(limits.reserveBytes)} would be left. Free disk space (old recordings, films in the studio folder), then save again.`,
    );
  const path = join(dir, `${name}.json`);
  try {
    writeFileAtomic(path, data);
  } catch (err) {
    const why = (err as Error).message.replace(/^could not save .*?: /, '').replace(/\.? The previous version is unchanged\.$/, '');
    throw new RecordingError(
      isDiskFull(err)
        ? `the disk is full: the recording "${name}" could not be saved to ${path} (${why}); nothing was written. Free disk space, then save again.`
        : `the recording "${name}" could not be saved to ${path}: ${why}; nothing was written.`,
    );
  }
  return { name, path, samples: clean.length, bytes: data.length };
}

/** "Delete recordings you no longer need from DIR (oldest: a.json 1.7 MB, …), then save again." */
function deleteAdvice(dir: string, files: { name: string; bytes: number; mtimeMs: number }[]): string {
  const oldest = files
    .filter((f) => f.name.endsWith('.json'))
    .sort((a, b) => a.mtimeMs - b.mtimeMs)
    .slice(0, 3)
    .map((f) => `${f.name} ${formatBytes(f.bytes)}`);
  return `Delete recordings you no longer need from ${dir}${oldest.length ? ` (oldest: ${oldest.join(', ')}${files.length > 3 ? ', …' : ''})` : ''}, then save again.`;
}
