/**
 * Kinesthetic demonstrations: the file format, its validation, and the clean-up before learning.
 *
 * A demonstration is the arm's joint state sampled while a person guides it (or a recording of
 * /joint_states on a real arm): JSON with the robot, the joint names, the nominal rate and the
 * samples { t, q[], gripper? }. Before learning it is checked (refused with a plain reason when
 * it is too short, has non-numbers, jumps faster than the URDF velocity limits, or is for other
 * joints), the pauses at the start and end are trimmed (joint speed threshold), gripper
 * open/close events are extracted, and it is resampled at a constant rate.
 *
 * Units: seconds, radians (meters for prismatic joints and the gripper joint), Hz.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { RobotModel } from '../../model/description/robot-model.js';
import type { KinematicChain } from '../kinematics/index.js';
import type { Quat, Vec3 } from '../../model/math/transform.js';
import type { PoseSamples } from '../dmp/index.js';
import { formatNumber, LIMITS, WORLD_LIMIT } from '../../model/bounds.js';

export const DEMONSTRATION_FORMAT = 'shammie-demonstration';
export const DEMONSTRATION_VERSION = 1;

export class DemonstrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemonstrationError';
  }
}

const finite = z.number({ error: (i) => (i.input === undefined ? 'required' : `expected a finite number, got ${describe(i.input)}`) });
/** Bounded at the door (model/bounds.ts); the joint limits of the arm are checked in processDemonstration. */
const within = (limit: number, unit: string) =>
  finite.min(-limit, `must be within ±${formatNumber(limit)} ${unit}`).max(limit, `must be within ±${formatNumber(limit)} ${unit}`);
const coord = within(WORLD_LIMIT, 'm');
const vec3 = z.tuple([coord, coord, coord]);
const jointValue = within(LIMITS.jointValue, 'rad');

export const demonstrationSampleSchema = z.strictObject({
  /** seconds, any origin (ROS stamps are seconds since 1970), strictly increasing */
  t: within(LIMITS.sampleTime, 's'),
  /** arm joint values in `jointNames` order */
  q: z.array(jointValue).min(1).max(LIMITS.joints),
  /** gripper joint value (per-finger travel for parallel grippers), optional */
  gripper: jointValue.optional(),
});

export const demonstrationSchema = z.strictObject({
  format: z.literal(DEMONSTRATION_FORMAT, { error: `expected "format": "${DEMONSTRATION_FORMAT}"` }),
  version: z.literal(DEMONSTRATION_VERSION, { error: `expected "version": ${DEMONSTRATION_VERSION}` }),
  /** robot model name (e.g. "panda") */
  robot: z.string().min(1),
  jointNames: z.array(z.string().min(1).max(256)).min(1).max(LIMITS.joints),
  /** nominal sampling rate, Hz */
  rate: finite.refine((v) => v > 0 && v <= 10_000, 'must be a rate in Hz between 0 and 10000'),
  samples: z.array(demonstrationSampleSchema).min(2, 'a demonstration needs at least 2 samples').max(1_000_000),
  /** what the demonstration was about (e.g. the figure tracked), world frame, m */
  reference: z.strictObject({ entity: z.string().min(1).nullable(), position: vec3 }).optional(),
  /** where it came from ("sim", "joint_states", "synthetic", …) */
  source: z.string().optional(),
  /** ISO time */
  recordedAt: z.string().optional(),
});

export type DemonstrationSample = z.output<typeof demonstrationSampleSchema>;
export type Demonstration = z.output<typeof demonstrationSchema>;

export interface GripperEvent {
  /** seconds from the start of the processed (trimmed) demonstration */
  t: number;
  action: 'open' | 'close';
  /** gripper joint value after the change */
  position: number;
}

export interface ProcessedDemonstration {
  robot: string;
  jointNames: string[];
  /** constant sample period, s */
  dt: number;
  /** joint values every dt, from rest to rest */
  q: number[][];
  /** s */
  duration: number;
  /** seconds of pause cut at the start and at the end */
  trimmed: { start: number; end: number };
  /** gripper state at the start and its changes; null when the demo has no gripper values */
  gripper: { initial: 'open' | 'closed'; events: GripperEvent[] } | null;
  reference?: Demonstration['reference'];
  /** things a person may want to know (e.g. "resampled from 87 Hz") */
  notes: string[];
}

export interface ProcessOptions {
  /** joint speed (rad/s, max over joints, over a 50 ms window) below which the arm counts as paused (default 0.03) */
  pauseSpeed?: number;
  /** pause kept on each side after trimming, s (default 0.1): the DMP wants rest at both ends */
  keepPause?: number;
  /** shortest acceptable motion after trimming, s (default 0.3) */
  minDuration?: number;
  /** longest accepted demonstration, s (default 300) */
  maxDuration?: number;
  /**
   * output sample period, s (default: the median spacing of the samples, but at most 200 Hz:
   * a 1 kHz /joint_states recording holds nothing a DMP needs above that)
   */
  dt?: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return Array.isArray(v) ? 'a list' : typeof v;
}

/**
 * A recording saved from the console's Teach panel (server/recordings.ts: format
 * "shammie.recording", version 1) is a demonstration too: same joints and samples, but times may
 * repeat (two samples in one frame; the later one is dropped) and there is no nominal rate (the
 * median spacing is used).
 */
const consoleRecordingSchema = z.looseObject({
  format: z.literal('shammie.recording'),
  version: z.literal(1),
  robot: z.string().min(1),
  jointNames: z.array(z.string()),
  samples: z.array(z.looseObject({ t: z.number() })),
  source: z.string().optional(),
  createdAt: z.string().optional(),
});

function fromConsoleRecording(input: unknown): unknown {
  const r = consoleRecordingSchema.safeParse(input);
  if (!r.success) return input;
  const samples: unknown[] = [];
  let last = -Infinity;
  for (const s of r.data.samples) {
    if (!(s.t > last)) continue;
    last = s.t;
    samples.push(s);
  }
  const gaps = r.data.samples
    .slice(1)
    .map((x, k) => x.t - r.data.samples[k].t)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1];
  return {
    format: DEMONSTRATION_FORMAT,
    version: DEMONSTRATION_VERSION,
    robot: r.data.robot,
    jointNames: r.data.jointNames,
    rate: median > 0 ? Math.min(10_000, 1 / median) : 100,
    samples,
    source: r.data.source ?? 'console recording',
    ...(r.data.createdAt ? { recordedAt: r.data.createdAt } : {}),
  };
}

/** Check the shape of a demonstration (types, finite numbers). Throws DemonstrationError. */
export function parseDemonstration(input: unknown, source = 'demonstration'): Demonstration {
  const r = demonstrationSchema.safeParse(fromConsoleRecording(input));
  if (!r.success) {
    const lines = r.error.issues.slice(0, 6).map((i) => {
      const at = i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : `${k ? '.' : ''}${String(p)}`)).join('');
      const msg =
        i.code === 'unrecognized_keys'
          ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`
          : i.message;
      return `${at || '(top level)'}: ${msg}`;
    });
    if (r.error.issues.length > 6) lines.push(`… and ${r.error.issues.length - 6} more problems`);
    throw new DemonstrationError(`${source} is not a valid demonstration: ${lines.join('; ')}`);
  }
  return r.data;
}

/** Read and check a demonstration JSON file. */
export function loadDemonstration(path: string): Demonstration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DemonstrationError(
      `cannot read demonstration ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DemonstrationError(`demonstration ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseDemonstration(data, `demonstration ${path}`);
}

/**
 * Validate a demonstration against the arm and prepare it for learning: trimmed, gripper events
 * extracted, resampled at a constant period. `input` is a Demonstration or anything to check as
 * one. Throws DemonstrationError with the reason.
 */
export function processDemonstration(input: unknown, model: RobotModel, opts: ProcessOptions = {}): ProcessedDemonstration {
  const demo = parseDemonstration(input);
  const notes: string[] = [];
  const refuse = (why: string): never => {
    throw new DemonstrationError(`demonstration refused: ${why}`);
  };

  if (demo.robot !== model.name) refuse(`it was recorded on "${demo.robot}" but this arm is "${model.name}"`);
  // Joint names: same set required; a different order is fixed up.
  const want = model.jointNames;
  const missing = want.filter((n) => !demo.jointNames.includes(n));
  const extra = demo.jointNames.filter((n) => !want.includes(n));
  if (missing.length || extra.length || demo.jointNames.length !== want.length) {
    refuse(
      `its joints [${demo.jointNames.join(', ')}] are not ${model.name}'s [${want.join(', ')}]${missing.length ? ` (missing ${missing.join(', ')})` : ''}${extra.length ? ` (unknown ${extra.join(', ')})` : ''}`,
    );
  }
  const order = want.map((n) => demo.jointNames.indexOf(n));
  const reordered = order.some((o, i) => o !== i);
  if (reordered) notes.push("joint columns reordered to the arm's order");

  const S = demo.samples;
  const n = S.length,
    dof = want.length;
  const t = new Float64Array(n);
  const q: number[][] = new Array<number[]>(n);
  for (let k = 0; k < n; k++) {
    const s = S[k];
    if (s.q.length !== dof) refuse(`sample ${k} has ${s.q.length} joint values; ${model.name} has ${dof}`);
    t[k] = s.t;
    q[k] = reordered ? order.map((o) => s.q[o]) : s.q;
    if (k > 0 && !(t[k] > t[k - 1]))
      refuse(`sample ${k} (t = ${t[k]} s) is not after sample ${k - 1} (t = ${t[k - 1]} s); times must increase`);
  }
  const total = t[n - 1] - t[0];
  const maxDuration = opts.maxDuration ?? LIMITS.demonstrationDuration;
  if (total > maxDuration) refuse(`it lasts ${total.toFixed(0)} s; at most ${maxDuration} s`);

  // Limits: positions (small slack for encoder noise at a stop) and speed between samples.
  model.arm.forEach((j, i) => {
    for (let k = 0; k < n; k++) {
      const v = q[k][i];
      if (v < j.lower - LIMITS.jointMargin || v > j.upper + LIMITS.jointMargin)
        refuse(`at t = ${(t[k] - t[0]).toFixed(2)} s ${j.name} = ${v.toFixed(3)} rad is outside its limits [${j.lower}, ${j.upper}]`);
      if (k > 0) {
        const speed = Math.abs(v - q[k - 1][i]) / (t[k] - t[k - 1]);
        if (speed > j.velocity) {
          refuse(
            `between t = ${(t[k - 1] - t[0]).toFixed(3)} and ${(t[k] - t[0]).toFixed(3)} s ${j.name} jumps ${Math.abs(v - q[k - 1][i]).toFixed(3)} rad (${speed.toFixed(1)} rad/s, beyond its ${j.velocity} rad/s limit): a glitch or a gap in the recording`,
          );
        }
      }
    }
  });

  // Pauses: joint speed over a ~50 ms window, max over joints.
  const pauseSpeed = opts.pauseSpeed ?? 0.03;
  const median = medianSpacing(t);
  const w = Math.max(1, Math.round(0.05 / median));
  let first = -1,
    last = -1;
  for (let k = 0; k + w < n; k++) {
    let m = 0;
    for (let i = 0; i < dof; i++) m = Math.max(m, Math.abs(q[k + w][i] - q[k][i]));
    if (m / (t[k + w] - t[k]) > pauseSpeed) {
      if (first < 0) first = k;
      last = k + w;
    }
  }
  let travel = 0;
  for (let i = 0; i < dof; i++) {
    let lo = Infinity,
      hi = -Infinity;
    for (let k = 0; k < n; k++) {
      lo = Math.min(lo, q[k][i]);
      hi = Math.max(hi, q[k][i]);
    }
    travel = Math.max(travel, hi - lo);
  }
  if (first < 0) refuse(`the arm did not move (largest joint travel ${travel.toFixed(3)} rad, never faster than ${pauseSpeed} rad/s)`);
  const keep = opts.keepPause ?? 0.1;
  const tStart = Math.max(t[0], t[first] - keep),
    tEnd = Math.min(t[n - 1], t[last] + keep);
  const minDuration = opts.minDuration ?? 0.3;
  const moving = t[last] - t[first];
  if (moving < minDuration)
    refuse(`too short: only ${moving.toFixed(2)} s of motion after trimming the pauses (at least ${minDuration} s)`);

  // Resample at a constant period (linear in joint space).
  const dt = opts.dt ?? Math.max(median, 0.005);
  if (opts.dt === undefined && Math.abs(1 / median - demo.rate) > 0.25 * demo.rate) {
    notes.push(`samples are ${(1 / median).toFixed(0)} Hz apart although the file says ${demo.rate} Hz; used the samples' spacing`);
  }
  if (dt > median * 1.01) notes.push(`resampled from ${(1 / median).toFixed(0)} Hz to ${(1 / dt).toFixed(0)} Hz`);
  const count = Math.max(2, Math.round((tEnd - tStart) / dt) + 1);
  // The sample count comes from the file's times and the caller's dt: cap it before allocating.
  if (!(count <= LIMITS.trajectoryPoints))
    refuse(`resampling ${(tEnd - tStart).toFixed(1)} s every ${dt} s gives ${count} samples; at most ${LIMITS.trajectoryPoints}`);
  const out: number[][] = new Array<number[]>(count);
  let j = 0;
  for (let k = 0; k < count; k++) {
    const tk = Math.min(tEnd, tStart + k * dt);
    while (j < n - 2 && t[j + 1] <= tk) j++;
    const a = (tk - t[j]) / (t[j + 1] - t[j]);
    const u = Math.max(0, Math.min(1, a));
    out[k] = q[j].map((v, i) => v + (q[j + 1][i] - v) * u);
  }
  if (count < 10) refuse(`too short: ${count} samples after trimming (at least 10)`);

  return {
    robot: demo.robot,
    jointNames: [...want],
    dt,
    q: out,
    duration: (count - 1) * dt,
    trimmed: { start: tStart - t[0], end: t[n - 1] - tEnd },
    gripper: gripperEvents(S, t, model, tStart, tEnd),
    ...(demo.reference ? { reference: demo.reference } : {}),
    notes,
  };
}

/** Open/close events from the gripper values (binarised with hysteresis), times after trimming. */
function gripperEvents(
  S: DemonstrationSample[],
  t: Float64Array,
  model: RobotModel,
  tStart: number,
  tEnd: number,
): ProcessedDemonstration['gripper'] {
  if (!S.some((s) => s.gripper !== undefined)) return null;
  const g = model.gripper;
  const open = g?.open ?? Math.max(...S.map((s) => s.gripper ?? -Infinity));
  const closed = g?.closed ?? Math.min(...S.map((s) => s.gripper ?? Infinity));
  const range = open - closed || 1;
  // A state flips when the value crosses 35 % / 65 % of the range (no chatter around the middle).
  const frac = (v: number) => (v - closed) / range;
  const firstValue = S.find((s) => s.gripper !== undefined)!.gripper!;
  let state: 'open' | 'closed' = frac(firstValue) >= 0.5 ? 'open' : 'closed';
  const initial = state;
  const events: GripperEvent[] = [];
  for (let k = 0; k < S.length; k++) {
    const v = S[k].gripper;
    if (v === undefined) continue;
    const f = frac(v);
    if (state === 'open' && f < 0.35) state = 'closed';
    else if (state === 'closed' && f > 0.65) state = 'open';
    else continue;
    // Events in a trimmed pause are kept, moved to the nearest end of the motion.
    const te = Math.min(tEnd, Math.max(tStart, t[k])) - tStart;
    events.push({ t: te, action: state === 'open' ? 'open' : 'close', position: state === 'open' ? open : closed });
  }
  return { initial, events };
}

function medianSpacing(t: Float64Array): number {
  const d = new Float64Array(t.length - 1);
  for (let k = 1; k < t.length; k++) d[k - 1] = t[k] - t[k - 1];
  d.sort();
  return d[d.length >> 1];
}

/** Tool poses of a processed demonstration (FK at every sample), for learning a pose DMP. */
export function demonstrationPoses(demo: ProcessedDemonstration, chain: KinematicChain): PoseSamples {
  const positions: Vec3[] = new Array<Vec3>(demo.q.length);
  const quaternions: Quat[] = new Array<Quat>(demo.q.length);
  demo.q.forEach((q, k) => {
    const p = chain.pose(q);
    positions[k] = p.position;
    quaternions[k] = p.quaternion;
  });
  return { dt: demo.dt, positions, quaternions };
}
