/**
 * FakeCamera: a real Camera for tests and benchmarks. Each capture returns a generated PNG
 * (studio/png.ts testPattern, a different picture every time) of the configured size,
 * after `delayMs`; `fail` makes the next captures reject with a CameraError, and `available`
 * drives status(). Every capture is recorded with the time it was asked for.
 */
import {
  CameraError,
  cameraInfo,
  DEFAULT_CAMERA,
  type Camera,
  type CameraConfig,
  type CameraInfo,
  type CameraStatus,
  type CapturedImage,
} from '../../studio/camera/types.js';
import { testPattern } from '../../studio/png.js';

export interface FakeCameraOptions {
  /** pixels (default 160×90: small, so a 48-frame film encodes fast) */
  width?: number;
  height?: number;
  kind?: 'sim' | 'ros';
  delayMs?: number;
}

export class FakeCamera implements Camera {
  readonly info: CameraInfo;
  readonly captures: { at: number }[] = [];
  /** when set, captures reject with this reason */
  fail: string | null = null;
  available = true;
  readonly #delayMs: number;

  constructor(o: FakeCameraOptions = {}) {
    const config: CameraConfig = { ...DEFAULT_CAMERA, width: o.width ?? 160, height: o.height ?? 90 };
    this.info = cameraInfo(o.kind ?? 'sim', config);
    this.#delayMs = o.delayMs ?? 0;
  }

  status(): CameraStatus {
    return this.available
      ? { available: true, message: 'fake camera ready' }
      : { available: false, message: 'fake camera unplugged', hint: 'plug it in' };
  }

  async capture(): Promise<CapturedImage> {
    this.captures.push({ at: Date.now() });
    if (this.#delayMs) await new Promise((r) => setTimeout(r, this.#delayMs));
    if (this.fail) throw new CameraError(this.fail);
    const { width, height } = this.info;
    return { png: testPattern(width, height, this.captures.length), width, height };
  }
}
