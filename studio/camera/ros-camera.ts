/**
 * A real arm's film camera: a sensor_msgs/CompressedImage topic, read through the robot's own
 * ROS link (the RosBackend's transport: rosbridge or rclnodejs), so no second connection.
 *
 * A capture subscribes, takes the first image that arrives after it was asked for (a frame
 * taken with the camera already still at its pose, never an older buffered one), and
 * unsubscribes: a compressed video stream over rosbridge JSON is heavy, and the studio needs
 * one picture per pose, not a stream.
 *
 * Formats: the studio stores PNG only (one lossless format per film; the film export reads
 * PNG). A PNG payload is stored as is; a JPEG payload (most camera drivers) is converted to
 * PNG with ffmpeg ($SHAMMIE_FFMPEG or PATH; Debian: apt-get install ffmpeg, which CI installs),
 * in a child process so a bad image cannot take the server down. The format is read from the
 * bytes (PNG/JPEG signatures), not trusted from the `format` string.
 */
import { spawn } from 'node:child_process';
import { rosType } from '../../robot-bridge/ros/config.js';
import type { Dialect, RosTransport } from '../../robot-bridge/ros/transport.js';
import { isPng, pngSize } from '../png.js';
import {
  CameraError,
  cameraInfo,
  type Camera,
  type CameraConfig,
  type CameraInfo,
  type CameraStatus,
  type CapturedImage,
} from './types.js';

/** Larger payloads are refused (a 4K PNG is well under this). */
const MAX_IMAGE_BYTES = 24 * 1024 * 1024;
/** converting one JPEG must not take longer than this, ms */
const CONVERT_TIMEOUT_MS = 15_000;

export interface RosCameraOptions {
  transport: Pick<RosTransport, 'subscribe' | 'isOpen' | 'endpoint'>;
  dialect: Dialect;
  /** needs `topic` */
  config: CameraConfig;
  /** ffmpeg executable (default $SHAMMIE_FFMPEG or "ffmpeg") */
  ffmpeg?: string;
}

export class RosCamera implements Camera {
  readonly info: CameraInfo;
  readonly topic: string;
  readonly #o: RosCameraOptions;
  #last: { at: number; width: number; height: number } | null = null;
  #lastError: string | null = null;

  constructor(o: RosCameraOptions) {
    if (!o.config.topic)
      throw new CameraError('a ROS camera needs studio.camera.topic in the launch profile (a sensor_msgs/CompressedImage topic)');
    this.#o = o;
    this.topic = o.config.topic;
    this.info = cameraInfo('ros', o.config);
  }

  status(): CameraStatus {
    if (!this.#o.transport.isOpen)
      return {
        available: false,
        message: `not connected to ${this.#o.transport.endpoint}`,
        hint: 'The camera is read through the robot link; it is back when the link is.',
      };
    if (this.#lastError)
      return {
        available: true,
        message: `the last capture from ${this.topic} failed: ${this.#lastError}`,
        hint: `Check the camera driver: ros2 topic hz ${this.topic}`,
      };
    if (!this.#last) return { available: true, message: `${this.topic} (sensor_msgs/CompressedImage); no picture taken yet` };
    return {
      available: true,
      message: `${this.topic}: last picture ${this.#last.width}×${this.#last.height}, ${Math.round((Date.now() - this.#last.at) / 1000)} s ago`,
    };
  }

  async capture(): Promise<CapturedImage> {
    const t = this.#o.transport;
    if (!t.isOpen) throw this.#fail(`not connected to the robot (${t.endpoint}), so no picture from ${this.topic}`);
    const type = rosType(this.#o.dialect, 'sensor_msgs', 'msg', 'CompressedImage');
    const timeoutS = this.#o.config.timeout;
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      let unsubscribe: (() => void) | null = null;
      let done = false;
      const finish = (err: Error | null, data?: Buffer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        // Unsubscribing from inside the listener: defer so the transport finishes its dispatch.
        queueMicrotask(() => unsubscribe?.());
        if (err) reject(err);
        else resolve(data!);
      };
      const timer = setTimeout(
        () =>
          finish(
            new CameraError(
              `no image arrived on ${this.topic} within ${timeoutS} s: check that the camera driver publishes sensor_msgs/CompressedImage there (ros2 topic hz ${this.topic}) and that studio.camera.topic in the profile names it`,
            ),
          ),
        timeoutS * 1000,
      );
      timer.unref?.();
      unsubscribe = t.subscribe(this.topic, type, (msg) => {
        const r = decodeCompressedImage(msg);
        if (typeof r === 'string') finish(new CameraError(`the image on ${this.topic} is unusable: ${r}`));
        else finish(null, r);
      });
      if (done) queueMicrotask(() => unsubscribe?.());
    }).catch((err: Error) => {
      throw this.#fail(err.message);
    });

    let png: Buffer;
    if (isPng(bytes)) png = bytes;
    else if (isJpeg(bytes)) {
      try {
        png = await jpegToPng(bytes, this.#o.ffmpeg ?? process.env.SHAMMIE_FFMPEG ?? 'ffmpeg');
      } catch (err) {
        throw this.#fail((err as Error).message);
      }
    } else throw this.#fail(`the image on ${this.topic} is neither PNG nor JPEG (the studio stores PNG frames)`);
    const size = pngSize(png);
    if (!size) throw this.#fail('the converted image is not a PNG');
    this.#last = { at: Date.now(), ...size };
    this.#lastError = null;
    return { png, ...size };
  }

  #fail(message: string): CameraError {
    this.#lastError = message;
    return new CameraError(message);
  }
}

/**
 * The image bytes of a CompressedImage message as rosbridge (base64 string) or rclnodejs
 * (typed array or number array) delivers them; a string says why the message is unusable.
 */
export function decodeCompressedImage(msg: unknown): Buffer | string {
  if (!msg || typeof msg !== 'object') return 'not a message object';
  const data = (msg as { data?: unknown }).data;
  let out: Buffer;
  if (typeof data === 'string') {
    if (data.length > (MAX_IMAGE_BYTES * 4) / 3 + 4) return `larger than ${MAX_IMAGE_BYTES >> 20} MB`;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return 'data is not base64';
    out = Buffer.from(data, 'base64');
  } else if (data instanceof Uint8Array) {
    out = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  } else if (Array.isArray(data)) {
    if (data.length > MAX_IMAGE_BYTES) return `larger than ${MAX_IMAGE_BYTES >> 20} MB`;
    if (!data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return 'data holds values that are not bytes';
    out = Buffer.from(data as number[]);
  } else {
    return 'no image data (the `data` field is missing)';
  }
  if (out.length === 0) return 'the image is empty';
  if (out.length > MAX_IMAGE_BYTES) return `larger than ${MAX_IMAGE_BYTES >> 20} MB`;
  return out;
}

export function isJpeg(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** One JPEG image → PNG bytes, through ffmpeg's image pipes. */
export function jpegToPng(jpeg: Buffer, ffmpeg = 'ffmpeg'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        '-f',
        'jpeg_pipe',
        '-i',
        'pipe:0',
        '-frames:v',
        '1',
        '-f',
        'image2pipe',
        '-c:v',
        'png',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CONVERT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 2000) err += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new CameraError(
          e.code === 'ENOENT'
            ? `ffmpeg (${ffmpeg}) is needed to turn the camera's JPEG frames into PNG and was not found; Debian: apt-get install ffmpeg (or set SHAMMIE_FFMPEG)`
            : `ffmpeg could not start: ${e.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const png = Buffer.concat(out);
      if (code === 0 && isPng(png)) resolve(png);
      else
        reject(
          new CameraError(
            `ffmpeg could not convert the camera's JPEG to PNG (${signal ? `killed by ${signal}` : `exit ${code}`}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''})`,
          ),
        );
    });
    child.stdin.on('error', () => undefined); // ffmpeg may exit before reading everything
    child.stdin.end(jpeg);
  });
}
