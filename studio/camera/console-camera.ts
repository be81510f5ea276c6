/**
 * The sim's wrist camera. The server has no renderer: a connected console (the browser that
 * already draws the scene from the same URDF) renders the view from the wrist frame. A capture
 * sends `studio_capture {requestId, width, height}` to one console (the one that opened the
 * studio, else any) and waits for its `studio_frame` with the PNG, which must be a PNG of
 * exactly the requested size. No console, a refusal, a bad image or a timeout rejects the
 * capture with a plain reason; nothing is ever faked.
 */
import { isPng, pngSize } from '../png.js';
import {
  CameraError,
  cameraInfo,
  DEFAULT_CAMERA,
  type Camera,
  type CameraConfig,
  type CameraInfo,
  type CameraStatus,
  type CapturedImage,
} from './types.js';

/** How the camera reaches the consoles (the hub's WebSocket connections in the server). */
export interface ConsoleLink<C> {
  /** consoles that can render now, preferred first (the one that opened the studio) */
  consoles(): C[];
  send(console: C, msg: { type: 'studio_capture'; requestId: string; width: number; height: number }): void;
}

export const NO_CONSOLE = 'no console is connected to render the wrist camera: open the console URL';

interface Pending<C> {
  console: C;
  resolve(img: CapturedImage): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class ConsoleCamera<C> implements Camera {
  readonly info: CameraInfo;
  readonly #config: CameraConfig;
  readonly #link: ConsoleLink<C>;
  readonly #pending = new Map<string, Pending<C>>();
  #seq = 0;

  constructor(link: ConsoleLink<C>, config: CameraConfig = DEFAULT_CAMERA) {
    this.#link = link;
    this.#config = config;
    this.info = cameraInfo('sim', config);
  }

  status(): CameraStatus {
    const n = this.#link.consoles().length;
    if (n === 0)
      return {
        available: false,
        message: 'no console is connected to render the wrist camera',
        hint: 'Open the console URL in a browser; it renders the sim camera.',
      };
    return { available: true, message: `${n} console${n === 1 ? '' : 's'} connected; the first renders the wrist camera` };
  }

  capture(): Promise<CapturedImage> {
    const target = this.#link.consoles()[0];
    if (target === undefined) return Promise.reject(new CameraError(NO_CONSOLE));
    const requestId = `cap${++this.#seq}-${Date.now().toString(36)}`;
    const { width, height } = this.#config;
    return new Promise<CapturedImage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(
          new CameraError(
            `no console rendered the wrist camera within ${this.#config.timeout} s: open the console URL in a visible browser tab (a hidden tab does not draw)`,
          ),
        );
      }, this.#config.timeout * 1000);
      timer.unref?.();
      this.#pending.set(requestId, { console: target, resolve, reject, timer });
      try {
        this.#link.send(target, { type: 'studio_capture', requestId, width, height });
      } catch (err) {
        this.#settle(requestId)?.reject(new CameraError(`could not ask the console to render the wrist camera: ${(err as Error).message}`));
      }
    });
  }

  /**
   * A console answered with an image (base64 PNG). Returns null when it was taken, or the
   * reason it was refused (the capture waiting for it fails with the same reason).
   */
  frame(from: C, requestId: string, base64: string): string | null {
    const p = this.#pending.get(requestId);
    if (!p || p.console !== from) return `no wrist-camera capture ${requestId} is waiting for this console (it timed out or was answered)`;
    const png = decodeBase64(base64);
    const { width, height } = this.#config;
    let why: string | null = null;
    if (!png || !isPng(png)) why = 'the image is not a PNG';
    else {
      const s = pngSize(png)!;
      if (s.width !== width || s.height !== height) why = `the image is ${s.width}×${s.height}, not the requested ${width}×${height}`;
    }
    this.#settle(requestId);
    if (why) {
      p.reject(new CameraError(`the console's wrist-camera frame was refused: ${why}`));
      return why;
    }
    p.resolve({ png: png!, width, height });
    return null;
  }

  /** A console could not render (WebGL lost, tab hidden…). */
  failed(from: C, requestId: string, reason: string): void {
    const p = this.#pending.get(requestId);
    if (!p || p.console !== from) return;
    this.#settle(requestId);
    p.reject(new CameraError(`the console could not render the wrist camera: ${reason}`));
  }

  /** A console went away: its captures fail now rather than at the timeout. */
  detached(console: C): void {
    for (const [id, p] of [...this.#pending]) {
      if (p.console !== console) continue;
      this.#settle(id);
      p.reject(new CameraError('the console rendering the wrist camera disconnected; open the console URL and shoot again'));
    }
  }

  get waiting(): number {
    return this.#pending.size;
  }

  dispose(): void {
    for (const [id, p] of [...this.#pending]) {
      this.#settle(id);
      p.reject(new CameraError('the studio closed'));
    }
  }

  #settle(id: string): Pending<C> | undefined {
    const p = this.#pending.get(id);
    if (p) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
    }
    return p;
  }
}

/** Strict base64 (an optional data: URL prefix allowed); null when it is not base64. */
export function decodeBase64(s: string): Buffer | null {
  const body = s.startsWith('data:') ? s.slice(s.indexOf(',') + 1) : s;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return null;
  return Buffer.from(body, 'base64');
}
