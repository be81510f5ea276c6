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

export function setPreview(preview: PreviewInfo | null, mode: PreviewMode | null): void {
  previewStore.setState({
    preview,
    mode,
    playing: preview !== null && (mode === 'pending' || mode === 'rejected'),
    receivedAt: performance.now(),
  });
  playhead.set(0);
}
