/**
 * The stop-motion camera in the 3D view (see wristView.ts for the camera model):
 *
 * - Live monitor: while the Studio tab is open, every frame the 3D view renders is followed by
 *   a render of the wrist camera into a scissored rectangle of the same canvas (studio/layout.ts
 *   says where; the DOM monitor with the onion skin lies on top of it). Same canvas, same
 *   frame task: no second WebGL context, no readback, nothing allocated per frame.
 * - Captures: a `studio_capture` is rendered offscreen at the requested size right after the
 *   next frame of the 3D view, i.e. after the joint states that came before it on the socket
 *   were applied to the arm; then read back, PNG-encoded by the browser
 *   (OffscreenCanvas.convertToBlob) and sent as `studio_frame`.
 *
 * Both run as an R3F after-effect (after the frame's useFrame updates and the main render), so
 * the 3D view keeps its own render loop and on-demand frames.
 */
import { addAfterEffect, advance, useThree } from '@react-three/fiber';
import { useEffect } from 'react';
import { getClient } from '../net/client.js';
import { captureProbe, captureQueue, recordCapture, setCaptureRunner, type CaptureRequest } from '../studio/capture.js';
import { overlayScale } from '../panels/layout.js';
import { monitorRect, type Rect } from '../studio/layout.js';
import { studioStore } from '../studio/store.js';
import { viewStore } from '../stores/view.js';
import { frameProbe } from './refs.js';
import { CaptureTarget, WristView } from './wristView.js';

/** largest capture accepted, px per side (a 4K frame fits) */
const MAX_SIDE = 4096;
/** ?aa=1 (antialiased 3D view, for GPUs) also antialiases the captured frames: 4× MSAA */
const CAPTURE_SAMPLES = new URLSearchParams(window.location.search).get('aa') === '1' ? 4 : 0;

export function WristCamera() {
  const gl = useThree((s) => s.gl);
  const scene = useThree((s) => s.scene);
  const get = useThree((s) => s.get);
  const invalidate = useThree((s) => s.invalidate);

  useEffect(() => {
    const view = new WristView();
    const target = new CaptureTarget(CAPTURE_SAMPLES);
    const rect: Rect = { x: 0, y: 0, w: 0, h: 0 };
    let seen = frameProbe.frames;
    let busy = false;
    let disposed = false;

    const fail = (req: CaptureRequest, reason: string) => {
      captureProbe.failures++;
      studioStore.setState({ error: `Could not capture a frame: ${reason}` });
      getClient().send({ type: 'studio_frame_failed', requestId: req.requestId, reason: reason.slice(0, 300) });
    };

    const capture = (req: CaptureRequest) => {
      const info = studioStore.getState().studio?.camera;
      const { width: w, height: h } = req;
      if (!(Number.isInteger(w) && Number.isInteger(h) && w >= 1 && h >= 1 && w <= MAX_SIDE && h <= MAX_SIDE))
        return fail(req, `${w}×${h} is not a size this console renders (1..${MAX_SIDE} px a side)`);
      if (gl.getContext().isContextLost()) return fail(req, 'the console lost its WebGL context; reload the page');
      if (!info || !view.pose(info, w / h)) return fail(req, 'the robot model is not loaded in this console yet');
      const t0 = performance.now();
      let image: ImageData;
      try {
        image = target.capture(gl, scene, view, w, h);
      } catch (err) {
        return fail(req, (err as Error).message);
      }
      const t1 = performance.now();
      busy = true;
      void encodePng(image)
        .then(async (png) => {
          const t2 = performance.now();
          if (disposed) return;
          // Over HTTP: a frame is far bigger than the WebSocket's 64 KB frame limit.
          if ((await getClient().upload({ type: 'studio_frame', requestId: req.requestId, png })) !== null) {
            captureProbe.failures++;
            return;
          }
          const entry = {
            requestId: req.requestId,
            width: w,
            height: h,
            requestedAt: req.at,
            renderMs: t1 - t0,
            encodeMs: t2 - t1,
            sentAt: t2,
            bytes: Math.floor((png.length * 3) / 4),
          };
          recordCapture(entry);
          studioStore.setState({
            lastCapture: {
              requestId: req.requestId,
              width: w,
              height: h,
              renderMs: entry.renderMs,
              encodeMs: entry.encodeMs,
              totalMs: t2 - req.at,
              bytes: entry.bytes,
            },
            error: null,
          });
        })
        .catch((err: Error) => fail(req, `PNG encoding failed: ${err.message}`))
        .finally(() => {
          busy = false;
          // Outside the frame loop here: an invalidate from inside an after-effect is dropped
          // when the loop is about to stop.
          if (captureQueue.length > 0) invalidate();
        });
    };

    const after = () => {
      // Only right after the 3D view rendered: the canvas holds this frame's picture and the
      // arm's matrices hold the newest joint state.
      if (frameProbe.frames === seen) return;
      seen = frameProbe.frames;
      const studio = studioStore.getState();
      const info = studio.studio?.camera;
      if (info && info.kind === 'sim' && viewStore.getState().tab === 'studio') {
        const size = get().size;
        // the same rectangle as the DOM frame (studio/Monitor.tsx): same sizes, same overlay scale
        const scale = overlayScale(window.innerWidth, window.innerHeight);
        monitorRect(size.width, size.height, info.width / info.height, studio.monitorLarge, rect, scale);
        if (view.pose(info, rect.w / rect.h)) {
          const y = size.height - rect.y - rect.h; // GL viewports start at the bottom left
          gl.setScissor(rect.x, y, rect.w, rect.h);
          gl.setViewport(rect.x, y, rect.w, rect.h);
          gl.setScissorTest(true);
          try {
            view.render(gl, scene);
          } finally {
            gl.setScissorTest(false);
            gl.setViewport(0, 0, size.width, size.height);
            gl.setScissor(0, 0, size.width, size.height);
          }
        }
      }
      // Every queued request was received before this frame's loop began (messages and
      // frames do not interleave), so the joint states sent ahead of it are already on the arm.
      if (busy || captureQueue.length === 0) return;
      capture(captureQueue.shift()!);
    };

    const unsubscribe = addAfterEffect(after);
    setCaptureRunner(() => {
      invalidate();
      // A hidden tab gets no animation frames: run one frame by hand so a voice "shoot"
      // still captures while the operator looks at another window.
      if (document.visibilityState === 'hidden') setTimeout(() => advance(performance.now()), 0);
    });
    // Redraw when the monitor appears, changes size or the camera changes.
    const unView = viewStore.subscribe((s, p) => {
      if (s.tab !== p.tab) invalidate();
    });
    const unStudio = studioStore.subscribe((s, p) => {
      if (s.monitorLarge !== p.monitorLarge || s.studio?.camera !== p.studio?.camera) invalidate();
    });
    return () => {
      disposed = true;
      unsubscribe();
      unView();
      unStudio();
      setCaptureRunner(null);
      target.dispose();
    };
  }, [gl, scene, get, invalidate]);
  return null;
}

/** RGBA → PNG (base64) with the browser's encoder, off the main thread where it can be. */
async function encodePng(image: ImageData): Promise<string> {
  let blob: Blob;
  if (typeof OffscreenCanvas !== 'undefined') {
    const c = new OffscreenCanvas(image.width, image.height);
    c.getContext('2d')!.putImageData(image, 0, 0);
    blob = await c.convertToBlob({ type: 'image/png' });
  } else {
    const c = document.createElement('canvas');
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')!.putImageData(image, 0, 0);
    blob = await new Promise<Blob>((resolve, reject) =>
      c.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob gave nothing'))), 'image/png'),
    );
  }
  const url = await new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string); // readAsDataURL: a string
    r.onerror = () => reject(r.error ?? new Error('FileReader failed'));
    r.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}
