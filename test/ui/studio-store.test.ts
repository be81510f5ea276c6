/** The console's studio store, dispatch and monitor layout, in Node (no browser). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { StudioState } from '../../server/protocol.js';
import { parseServerMessage } from '../../server/protocol.js';
import { applyServerMessage } from '../../ui/src/net/dispatch.js';
import { captureQueue, setCaptureRunner } from '../../ui/src/studio/capture.js';
import { monitorRect, NOTICE_STRIP } from '../../ui/src/studio/layout.js';
import { counterText, frameSrc, previousFrame, studioStore } from '../../ui/src/studio/store.js';

const camera: StudioState['camera'] = {
  kind: 'sim',
  fovY: 45,
  width: 960,
  height: 540,
  offset: { position: [0, 0, 0.03], quaternion: [0, 0, 0, 1] },
};
const frame = (id: number) => ({
  id,
  file: `frames/${String(id).padStart(6, '0')}.png`,
  skill: id > 1 ? 'track(TOWER)' : null,
  capturedAt: '2026-11-26T08:00:00Z',
  width: 960,
  height: 540,
});
const state = (frames: number[], move: StudioState['move'] = null, capturing = false): StudioState => ({
  session: { name: 'film1', frameUrl: 'studio/film1/', fps: 12, frames: frames.map(frame) },
  sessions: ['film1', 'old'],
  move,
  camera,
  capturing,
});

describe('studio store', () => {
  beforeEach(() => {
    studioStore.setState({ studio: null, shooting: false });
    captureQueue.length = 0;
    setCaptureRunner(null);
  });

  it('studio_state replaces the studio; the counter, onion frame and frame URLs follow it', () => {
    applyServerMessage({ type: 'studio_state', studio: state([3, 1, 2]) });
    const s = studioStore.getState().studio;
    expect(counterText(s)).toBe('Frame 3');
    expect(previousFrame(s)?.id).toBe(2);
    expect(frameSrc(s, s!.session!.frames[0])).toBe('studio/film1/frames/000003.png');
    applyServerMessage({ type: 'studio_state', studio: state([1, 2], { call: 'track(TOWER)', index: 5, total: 24, waiting: true }) });
    expect(counterText(studioStore.getState().studio)).toBe('Frame 2 · pose 5/24 of track(TOWER)');
    applyServerMessage({ type: 'studio_state', studio: { ...state([]), session: null } });
    expect(counterText(studioStore.getState().studio)).toBe('Frame 0');
    expect(previousFrame(studioStore.getState().studio)).toBeNull();
  });

  it('a Shoot stays pending while the capture runs and ends when the film grows', () => {
    applyServerMessage({ type: 'studio_state', studio: state([1]) });
    studioStore.setState({ shooting: true });
    applyServerMessage({ type: 'studio_state', studio: state([1], null, true) });
    expect(studioStore.getState().shooting).toBe(true);
    applyServerMessage({ type: 'studio_state', studio: state([1, 2], null, false) });
    expect(studioStore.getState().shooting).toBe(false);
  });

  it('studio_capture queues a request and pokes the 3D view; a view that mounts later finds it', () => {
    const parsed = parseServerMessage(JSON.stringify({ type: 'studio_capture', requestId: 'cap1', width: 960, height: 540 }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    applyServerMessage(parsed.message);
    expect(captureQueue.map((r) => [r.requestId, r.width, r.height])).toEqual([['cap1', 960, 540]]);
    let pokes = 0;
    setCaptureRunner(() => {
      pokes++;
    });
    expect(pokes).toBe(1); // the queued request
    applyServerMessage({ type: 'studio_capture', requestId: 'cap2', width: 640, height: 360 });
    expect(pokes).toBe(2);
    expect(captureQueue).toHaveLength(2);
  });
});

describe('wrist monitor layout', () => {
  it('fits the camera aspect in the view: part of it, or all of it when large; integer pixels', () => {
    const r = monitorRect(920, 750, 16 / 9, false, { x: 0, y: 0, w: 0, h: 0 });
    expect(r).toEqual({ x: 10, y: 44, w: 570, h: 320 });
    expect(r.w / r.h).toBeCloseTo(16 / 9, 2);
    const big = monitorRect(920, 750, 16 / 9, true, { x: 0, y: 0, w: 0, h: 0 });
    expect(big.w).toBe(900);
    expect(big.x).toBe(10);
    // A tall view: the height limits it, and the notice strip at the bottom stays free.
    const tall = monitorRect(400, 300, 4 / 3, true, { x: 0, y: 0, w: 0, h: 0 });
    expect(tall.h).toBe(300 - 44 - 10 - NOTICE_STRIP);
    expect(tall.w).toBe(Math.floor(tall.h * (4 / 3)));
    expect(tall.x).toBe(Math.floor((400 - tall.w) / 2));
    expect(tall.y + tall.h).toBeLessThanOrEqual(300 - NOTICE_STRIP);
  });
});
