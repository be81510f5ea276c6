/**
 * The stop-motion studio part of the console protocol (see protocol.ts for the conventions).
 *
 * The arm holds the camera. Captures always go through the server, so every frame is stored
 * with the camera pose and the skill call that posed it, whatever the camera is: in the sim
 * the server asks a console to render the wrist camera (`studio_capture` → `studio_frame`);
 * on a real arm it reads the robot's sensor_msgs/CompressedImage topic. Frame images are
 * served over HTTP at `studio_state.session.frameUrl + <file>` (e.g. …/frames/000001.png).
 *
 * Wrist camera frame: the camera sits at `camera.offset` in the tool frame and looks along its
 * +z axis, image up = its +y axis (meters, quaternion [x, y, z, w]).
 *
 * Dependency-free apart from zod: bundled into the browser.
 */
import { z } from 'zod';

const finite = z.number().finite();
const vec3 = z.tuple([finite, finite, finite]);
const quat = z.tuple([finite, finite, finite, finite]);

/**
 * A film's name as typed or said ("hulk smash") → its folder name ("hulk-smash"): spaces become
 * dashes, then only letters, digits, - and _ are left, so a name never reaches outside the studio
 * folder. The same rule as studio/film-name.ts (the CLI) and the voice planner's.
 */
export const studioNameSchema = z
  .string()
  .trim()
  .transform((s) => s.replace(/\s+/g, '-'))
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'use letters, digits, spaces, - and _ (at most 64)'));
/** ~12 MB of base64: a 4K PNG fits */
export const STUDIO_MAX_PNG_BASE64 = 16 * 1024 * 1024;

export const studioClientMessages = [
  /** open (resume, or create) the session <dataDir>/studio/<name> */
  z.object({ type: z.literal('studio_open'), name: studioNameSchema }),
  z.object({ type: z.literal('studio_close') }),
  /** capture a frame now (the Shoot button; same as saying "shoot") */
  z.object({ type: z.literal('studio_shoot') }),
  /** the rendered wrist-camera image a `studio_capture` asked for (PNG, base64) */
  z.object({
    type: z.literal('studio_frame'),
    requestId: z.string().max(40),
    png: z.string().min(8).max(STUDIO_MAX_PNG_BASE64),
  }),
  /** a capture request could not be served (e.g. WebGL lost) */
  z.object({ type: z.literal('studio_frame_failed'), requestId: z.string().max(40), reason: z.string().max(300) }),
  z.object({ type: z.literal('studio_delete'), id: z.number().int().min(1) }),
  /** move a frame to position `to` (0-based, film order) */
  z.object({ type: z.literal('studio_move'), id: z.number().int().min(1), to: z.number().int().min(0) }),
] as const;

export const studioFrameInfoSchema = z.object({
  id: z.number().int(),
  /** relative to session.frameUrl, e.g. frames/000001.png */
  file: z.string(),
  skill: z.string().nullable(),
  capturedAt: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});
export type StudioFrameInfo = z.infer<typeof studioFrameInfoSchema>;

export const studioStateSchema = z.object({
  session: z
    .object({
      name: z.string(),
      /** URL path prefix of the session folder, ends with / */
      frameUrl: z.string(),
      fps: finite,
      frames: z.array(studioFrameInfoSchema),
    })
    .nullable(),
  /** sessions in the data folder, for resuming */
  sessions: z.array(z.string()),
  /** a camera move split into frames ("… over 24 frames"): pose `index` (1-based) of `total` is held for a capture */
  move: z.object({ call: z.string(), index: z.number().int(), total: z.number().int(), waiting: z.boolean() }).nullable(),
  camera: z.object({
    /** sim: the console renders the wrist view; ros: a CompressedImage topic */
    kind: z.enum(['sim', 'ros']),
    /** vertical field of view, degrees */
    fovY: finite,
    width: z.number().int().min(16),
    height: z.number().int().min(16),
    /** camera pose in the tool frame */
    offset: z.object({ position: vec3, quaternion: quat }),
    /** the ROS topic, when kind is ros */
    topic: z.string().optional(),
    /** can it take a picture now; if not, why and what to do */
    status: z.object({ available: z.boolean(), message: z.string(), hint: z.string().optional() }).optional(),
  }),
  /** a capture is in flight */
  capturing: z.boolean(),
});
export type StudioState = z.infer<typeof studioStateSchema>;

export const studioServerMessages = [
  z.object({ type: z.literal('studio_state'), studio: studioStateSchema }),
  /** render the wrist camera now at this size and answer with studio_frame (sim camera) */
  z.object({ type: z.literal('studio_capture'), requestId: z.string(), width: z.number().int(), height: z.number().int() }),
] as const;
