/**
 * The plan preview and its execution. The playhead (where the ghost arm is in the preview)
 * changes every frame while playing, so it lives outside the store in a mutable object that
 * the scene and the scrub slider read without React re-rendering.
 */
import { createStore } from 'zustand/vanilla';
import type { ExecutionState, PreviewInfo } from '../../../server/protocol.js';

/**
 * pending: waiting for confirm; rejected: fails a safety check (shown, cannot run);
 * executing: running now; done: ran (kept to show what ran)
 */
export type PreviewMode = 'pending' | 'rejected' | 'executing' | 'done';

export interface PreviewState {
  preview: PreviewInfo | null;
  mode: PreviewMode | null;
  execution: ExecutionState;
  showGhost: boolean;
  showPath: boolean;
  playing: boolean;
  /** playback speed factor */
  speed: number;
  /** when the last preview arrived (performance.now()), for the latency benchmark */
  receivedAt: number;
  /** where the shown preview's refused step would hit something (the 3-D marker); null when none */
  contact: ContactMarker | null;
}

/** The marker for a refused step's contact: a world point (robot base frame, z up, m) and a short label. */
export interface ContactMarker {
  previewId: string;
  /** index of the refused step in preview.steps */
  step: number;
  point: [number, number, number];
  /** "panda_hand × GIFT_BAG wall" */
  label: string;
  /** seconds from the step's start, when the motion was timed */
  time: number | null;
}

/** The first step of a preview that carries a contact, as a marker; null when none does. */
export function contactMarkerOf(preview: PreviewInfo | null): ContactMarker | null {
  if (!preview) return null;
  const step = preview.steps.findIndex((st) => st.contact);
  const c = step >= 0 ? preview.steps[step].contact : undefined;
  if (!c) return null;
  return { previewId: preview.id, step, point: [c.point[0], c.point[1], c.point[2]], label: `${c.a} × ${c.b}`, time: c.time ?? null };
}

export const idleExecution: ExecutionState = { active: false, previewId: null, step: -1, stepFractions: [], outcome: null, failure: null };

export const previewStore = createStore<PreviewState>(() => ({
  preview: null,
  mode: null,
  execution: idleExecution,
  showGhost: true,
  showPath: true,
  playing: true,
  speed: 1,
  receivedAt: 0,
  contact: null,
}));

/** Seconds into the preview the ghost shows; written by the frame loop and the slider. */
export const playhead = {
  t: 0,
  /** completed loops since playback (re)started; the preview pauses after PREVIEW_LOOPS */
  loops: 0,
  /** seconds into the recorded demonstration the teach arm shows (playback) */
  teachT: 0,
  /** called (at most once per frame) when t changes, for the slider and time readout */
  listeners: new Set<(t: number) => void>(),
  set(t: number): void {
    this.t = t;
    for (const l of this.listeners) l(t);
  },
};

/** How many times a preview plays before it pauses at the end (▶ plays it again). */
export const PREVIEW_LOOPS = 3;

// Starting playback (button, new preview) starts the loop count again.
previewStore.subscribe((s, prev) => {
  if (s.playing && (!prev.playing || s.preview !== prev.preview)) playhead.loops = 0;
});

/**
 * Whether the 3-D view draws the plan's path: while it waits, is refused or runs. After it ran
 * (Done, or halted by STOP) the path is gone with its cause; the plan panel still says how it ended.
 */
export function pathDrawn(mode: PreviewMode | null): boolean {
  return mode === 'pending' || mode === 'rejected' || mode === 'executing';
}

export function setPreview(preview: PreviewInfo | null, mode: PreviewMode | null): void {
  previewStore.setState({
    preview,
    mode,
    playing: preview !== null && (mode === 'pending' || mode === 'rejected'),
    receivedAt: performance.now(),
    // Derived once per preview (not per frame): replaced or cleared with it.
    contact: contactMarkerOf(preview),
  });
  playhead.set(0);
}
