/**
 * Kinesthetic teaching in the sim: a teach arm the operator poses with the gizmo (server-side
 * IK) or joint sliders, recorded as timestamped joint states. The live robot does not move:
 * the recording is saved for the motion-skill work, and a motion only ever runs through a
 * previewed, confirmed plan.
 *
 * While recording, the teach arm follows the operator's target no faster than each joint's
 * URDF velocity limit (a fraction of it), so what is recorded is a motion the arm can make:
 * a fast slider drag slows the arm and turns the slider red, instead of a recording refused
 * later at "Show it to the robot".
 */
import { createStore } from 'zustand/vanilla';
import type { RecordingSample } from '../../../server/protocol.js';
import { sessionStore } from './session.js';

export interface TeachState {
  active: boolean;
  /** the teach arm's joints (rad), as drawn and recorded */
  q: number[];
  /** where the operator asked the arm to be (sliders, gizmo); `q` follows it (rad) */
  target: number[];
  /** per arm joint: true while the operator asks for more speed than the joint has */
  limited: boolean[];
  gripper: number;
  gizmo: 'translate' | 'rotate';
  recording: boolean;
  /** number of samples in `recording.samples` (the array itself is not state: it grows at 30 Hz) */
  sampleCount: number;
  playing: boolean;
  /** last IK answer, in words */
  ik: { ok: boolean; text: string } | null;
  saved: { name: string; path: string; samples: number } | null;
}

export const teachStore = createStore<TeachState>(() => ({
  active: false,
  q: [],
  target: [],
  limited: [],
  gripper: 0,
  gizmo: 'translate',
  recording: false,
  sampleCount: 0,
  playing: false,
  ik: null,
  saved: null,
}));

/**
 * Share of the URDF velocity limit the teach arm follows at while recording: the recorded
 * speed between two samples then stays below the limit the server checks, with room for
 * rounding in the saved file.
 */
export const FOLLOW_FRACTION = 0.9;

/**
 * One step of the rate-limited follower: each joint moves toward `target` by at most
 * `maxSpeed[i] · dt` (rad/s · s). `limited[i]` is true where the target was out of reach.
 */
export function followStep(
  q: readonly number[],
  target: readonly number[],
  maxSpeed: readonly number[],
  dt: number,
): { q: number[]; limited: boolean[] } {
  const out = [...q];
  const limited = q.map(() => false);
  for (let i = 0; i < q.length && i < target.length; i++) {
    const d = target[i] - q[i];
    const step = Math.max(0, (maxSpeed[i] ?? 0) * dt);
    if (Math.abs(d) <= step) out[i] = target[i];
    else {
      out[i] = q[i] + Math.sign(d) * step;
      limited[i] = true;
    }
  }
  return { q: out, limited };
}

/**
 * The operator moved the teach arm (a slider, the gizmo's IK answer, "From robot"). Not
 * recording: the arm is there at once. Recording: it becomes the target the arm follows at the
 * joints' speed limits (the gripper moves at once; demonstrations check arm joints only).
 */
export function setTeachPose(q: number[], gripper = teachStore.getState().gripper): void {
  if (teachStore.getState().recording) teachStore.setState({ target: q, gripper });
  else teachStore.setState({ q, target: q, gripper, limited: [] });
}

const RECORD_HZ = 30;
let timer: ReturnType<typeof setInterval> | null = null;
let t0 = 0;
let lastTick = 0;

/** rad/s per arm joint the follower may use (the robot's limits; Infinity until they are known) */
function followSpeeds(dof: number): number[] {
  const limits = sessionStore.getState().robot?.limits;
  return Array.from({ length: dof }, (_, i) => (limits?.[i] ? limits[i].velocity * FOLLOW_FRACTION : Number.POSITIVE_INFINITY));
}

/** The demonstration being (or last) recorded. */
export const recording: { samples: RecordingSample[] } = { samples: [] };

export function startRecording(): void {
  stopRecording();
  t0 = performance.now();
  lastTick = t0;
  recording.samples = [];
  const start = teachStore.getState();
  teachStore.setState({ recording: true, sampleCount: 0, saved: null, playing: false, target: [...start.q], limited: [] });
  const sample = () => {
    const now = performance.now();
    const s = teachStore.getState();
    // Advance the arm toward the target for the time since the last sample, then record it:
    // the speed between samples is at most FOLLOW_FRACTION of the limit.
    const f = followStep(s.q, s.target.length === s.q.length ? s.target : s.q, followSpeeds(s.q.length), (now - lastTick) / 1000);
    lastTick = now;
    recording.samples.push({ t: (now - t0) / 1000, q: f.q, gripper: s.gripper });
    const changed = f.limited.some((l, i) => l !== (s.limited[i] ?? false));
    teachStore.setState({ q: f.q, sampleCount: recording.samples.length, ...(changed ? { limited: f.limited } : {}) });
  };
  sample();
  timer = setInterval(sample, 1000 / RECORD_HZ);
}

export function stopRecording(): void {
  if (timer) clearInterval(timer);
  timer = null;
  const s = teachStore.getState();
  // Not recorded any more: the arm may go straight to where the operator asked.
  if (s.recording) teachStore.setState({ recording: false, q: s.target.length === s.q.length ? [...s.target] : s.q, limited: [] });
}
