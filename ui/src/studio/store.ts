/**
 * The stop-motion studio as the console sees it: the server's studio state (the open session,
 * its frames in film order, the camera move being shot, the wrist camera) plus the operator's
 * view settings (onion skin, monitor size). React-free; the panels bind with useStudio().
 *
 * The server owns the film: every change (shoot, delete, reorder) is a request, and the
 * next `studio_state` is the truth. Nothing here is updated optimistically, so a refused
 * request can never leave the shot list showing a frame order that is not on disk.
 */
import { createStore } from 'zustand/vanilla';
import type { StudioFrameInfo, StudioState } from '../../../server/protocol.js';

export interface StudioStoreState {
  /** the last studio_state; null until the server sent one (no studio on that server) */
  studio: StudioState | null;
  /** the previous frame drawn over the live view */
  onion: boolean;
  /** 0..1 */
  onionOpacity: number;
  /** the live monitor fills the 3D view instead of part of it */
  monitorLarge: boolean;
  /** a Shoot was sent and its frame is not in the film yet */
  shooting: boolean;
  /** the last capture this console rendered, for the panel's readout */
  lastCapture: {
    requestId: string;
    width: number;
    height: number;
    renderMs: number;
    encodeMs: number;
    totalMs: number;
    bytes: number;
  } | null;
  /** why the last capture or studio request failed, in plain words */
  error: string | null;
}

export const studioStore = createStore<StudioStoreState>(() => ({
  studio: null,
  onion: true,
  onionOpacity: 0.4,
  monitorLarge: false,
  shooting: false,
  lastCapture: null,
  error: null,
}));

/** The frame the onion skin shows: the last one in film order (the one shot just before). */
export function previousFrame(s: StudioState | null): StudioFrameInfo | null {
  const frames = s?.session?.frames;
  return frames && frames.length > 0 ? frames[frames.length - 1] : null;
}

/** Where a frame's PNG is served (frameUrl ends with /). */
export function frameSrc(s: StudioState | null, f: StudioFrameInfo): string {
  return `${s?.session?.frameUrl ?? ''}${f.file}`;
}

/**
 * "Frame 12 · pose 5/24 of track(TOWER)": frames in the film so far, and while a camera move
 * is split into frames, which of its poses the camera holds (1-based on the wire).
 */
export function counterText(s: StudioState | null): string {
  const n = s?.session?.frames.length ?? 0;
  const m = s?.move;
  return m ? `Frame ${n} · pose ${m.index}/${m.total} of ${m.call}` : `Frame ${n}`;
}
