/**
 * Kinesthetic teaching in the sim: a teach arm the operator poses with the gizmo (server-side
 * IK) or joint sliders, recorded as timestamped joint states. The live robot does not move:
 * the recording is saved for the motion-skill work, and a motion only ever runs through a
 * previewed, confirmed plan.
 */
import { createStore } from 'zustand/vanilla';
import type { RecordingSample } from '../../../server/protocol.js';

export interface TeachState {
  active: boolean;
  q: number[];
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
  gripper: 0,
  gizmo: 'translate',
  recording: false,
  sampleCount: 0,
  playing: false,
  ik: null,
  saved: null,
}));

/** The teach arm's pose changed: record it if recording. */
export function setTeachPose(q: number[], gripper = teachStore.getState().gripper): void {
  teachStore.setState({ q, gripper });
}

const RECORD_HZ = 30;
let timer: ReturnType<typeof setInterval> | null = null;
let t0 = 0;

/** The demonstration being (or last) recorded. */
export const recording: { samples: RecordingSample[] } = { samples: [] };

export function startRecording(): void {
  stopRecording();
  t0 = performance.now();
  recording.samples = [];
  teachStore.setState({ recording: true, sampleCount: 0, saved: null, playing: false });
  const sample = () => {
    const s = teachStore.getState();
    recording.samples.push({ t: (performance.now() - t0) / 1000, q: [...s.q], gripper: s.gripper });
    teachStore.setState({ sampleCount: recording.samples.length });
  };
  sample();
  timer = setInterval(sample, 1000 / RECORD_HZ);
}

export function stopRecording(): void {
  if (timer) clearInterval(timer);
  timer = null;
  if (teachStore.getState().recording) teachStore.setState({ recording: false });
}
