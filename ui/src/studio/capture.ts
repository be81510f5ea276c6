/**
 * Capture requests from the server (`studio_capture`: render the wrist camera now at W×H and
 * answer with the PNG). The dispatch queues them here; the 3D view (scene/WristCamera.tsx)
 * registers a runner that renders them in its frame loop, after the frame that applied the
 * newest joint state. Plain module state, no React, no three.js: the tests run it in Node.
 */

export interface CaptureRequest {
  requestId: string;
  width: number;
  height: number;
  /** performance.now() when the request arrived */
  at: number;
}

/** Requests not rendered yet, oldest first. */
export const captureQueue: CaptureRequest[] = [];

/**
 * Timings for the tests and the benchmark (window.__shammie.studio.probe), milliseconds on the
 * page clock: the Shoot press, and per answered capture its request → rendered → encoded → sent.
 */
export const captureProbe = {
  /** performance.now() of the last Shoot (button, key or hook) */
  shootAt: 0,
  captures: 0,
  failures: 0,
  /** the last answered captures, newest last (at most HISTORY) */
  history: [] as {
    requestId: string;
    width: number;
    height: number;
    requestedAt: number;
    renderMs: number;
    encodeMs: number;
    sentAt: number;
    bytes: number;
  }[],
};
const HISTORY = 64;

export function recordCapture(entry: (typeof captureProbe.history)[number]): void {
  captureProbe.captures++;
  captureProbe.history.push(entry);
  if (captureProbe.history.length > HISTORY) captureProbe.history.splice(0, captureProbe.history.length - HISTORY);
}

let runner: (() => void) | null = null;

/** The 3D view registers itself (null on unmount); it is poked whenever a request arrives. */
export function setCaptureRunner(fn: (() => void) | null): void {
  runner = fn;
  if (fn && captureQueue.length > 0) fn();
}

export function enqueueCapture(req: Omit<CaptureRequest, 'at'>, now = performance.now()): void {
  captureQueue.push({ ...req, at: now });
  runner?.();
}
