/**
 * The film camera the arm holds in the stop-motion studio: one interface, two implementations
 * side by side (console-camera.ts: the sim's wrist camera, rendered by a connected console;
 * ros-camera.ts: a sensor_msgs/CompressedImage topic on a real arm).
 *
 * Wrist camera frame: the camera sits at `offset` in the tool frame (the URDF tip link, e.g.
 * panda_tcp) and looks along its own +z axis, image up = its +y axis; meters, quaternion
 * [x, y, z, w]. Intrinsics are a pinhole with a vertical field of view in degrees.
 */
import { z } from 'zod';

export interface CapturedImage {
  /** PNG bytes, as stored in the session folder */
  png: Buffer;
  /** pixels */
  width: number;
  height: number;
}

/** Availability is data with a hint, not a thrown string. */
export interface CameraStatus {
  available: boolean;
  /** one line, e.g. "2 consoles connected" or "no image on /camera/compressed yet" */
  message: string;
  /** what the operator can do about it */
  hint?: string;
}

export interface CameraInfo {
  /** sim: a console renders the wrist view; ros: a CompressedImage topic */
  kind: 'sim' | 'ros';
  /** vertical field of view, degrees */
  fovY: number;
  /** pixels (for ros: what the camera is expected to send; the stored size is the image's own) */
  width: number;
  height: number;
  /** camera pose in the tool frame */
  offset: { position: [number, number, number]; quaternion: [number, number, number, number] };
  /** the ROS topic, when kind is ros */
  topic?: string;
}

export interface Camera {
  readonly info: CameraInfo;
  status(): CameraStatus;
  /** Take one picture now. Rejects with a CameraError whose message says what to do. */
  capture(): Promise<CapturedImage>;
  dispose?(): void;
}

export class CameraError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CameraError';
  }
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/**
 * The `studio.camera` section of a launch profile. Defaults: 960×540 (16:9 like a phone film,
 * half of 1080p; the console's 3D view renders that size at > 30 fps in software WebGL, and
 * the PNG (~0.3–1 MB) crosses the WebSocket well inside the 300 ms capture budget), a 45°
 * vertical field of view (a phone's main lens in landscape), 3 cm ahead of the tool centre
 * point along the viewing axis so the fingertips stay out of the picture.
 */
export const cameraConfigSchema = z
  .object({
    /** sensor_msgs/CompressedImage topic of a real arm's camera (ROS profiles only) */
    topic: z
      .string()
      .regex(/^\/?[A-Za-z0-9_~{}/]+$/, 'must be a ROS name like /camera/image_raw/compressed')
      .optional(),
    /** degrees */
    fovY: finite.refine((v) => v > 1 && v < 170, 'must be between 1 and 170 degrees').default(45),
    width: z.number().int().min(16).max(7680).default(960),
    height: z.number().int().min(16).max(4320).default(540),
    /** camera pose in the tool frame: meters, quaternion [x, y, z, w] */
    offset: z
      .object({
        position: z.tuple([finite, finite, finite]).default([0, 0, 0.03]),
        quaternion: z
          .tuple([finite, finite, finite, finite])
          .refine((q) => Math.abs(Math.hypot(...q) - 1) < 1e-3, 'must be a unit quaternion [x, y, z, w]')
          .default([0, 0, 0, 1]),
      })
      .strict()
      .default({ position: [0, 0, 0.03], quaternion: [0, 0, 0, 1] }),
    /** give up on one capture after this long, seconds */
    timeout: finite.refine((v) => v > 0 && v <= 120, 'must be between 0 and 120 s').default(8),
  })
  .strict();

export type CameraConfig = z.output<typeof cameraConfigSchema>;
export type CameraConfigInput = z.input<typeof cameraConfigSchema>;

export const DEFAULT_CAMERA: CameraConfig = cameraConfigSchema.parse({});

export function cameraInfo(kind: 'sim' | 'ros', c: CameraConfig): CameraInfo {
  return {
    kind,
    fovY: c.fovY,
    width: c.width,
    height: c.height,
    offset: { position: [...c.offset.position], quaternion: [...c.offset.quaternion] },
    ...(kind === 'ros' && c.topic ? { topic: c.topic } : {}),
  };
}

/** A robot whose launch profile names no camera: every capture says how to configure one. */
export class MissingCamera implements Camera {
  readonly info: CameraInfo;
  constructor(
    readonly reason: string,
    readonly hint: string,
    config: CameraConfig = DEFAULT_CAMERA,
  ) {
    this.info = cameraInfo('ros', config);
  }
  status(): CameraStatus {
    return { available: false, message: this.reason, hint: this.hint };
  }
  capture(): Promise<CapturedImage> {
    return Promise.reject(new CameraError(`${this.reason}: ${this.hint}`));
  }
}
