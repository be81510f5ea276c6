/**
 * The operator console's wire protocol: one WebSocket, JSON text frames, every message a
 * `type`-discriminated object. The server (server/hub.ts) and the browser
 * (ui/src/net/client.ts) import these same zod schemas, and both parse what they receive.
 *
 * Frames and units: the world frame is the robot base frame, z up, meters, z = 0 at the table
 * top; joint values in radians (meters for prismatic joints); quaternions [x, y, z, w]; times in
 * seconds (`t` stamps are wall-clock milliseconds since the epoch).
 *
 * This file must stay dependency-free apart from zod: it is bundled into the browser.
 */
import { z } from 'zod';
import { studioClientMessages, studioServerMessages } from './protocol-studio.js';
import { voiceClientMessages, voiceServerMessages } from './protocol-voice.js';

export const PROTOCOL_VERSION = 1;

const num = z.number();
const finite = z.number().finite();
export const vec3Schema = z.tuple([finite, finite, finite]);
export const quatSchema = z.tuple([finite, finite, finite, finite]);

/**
 * Bounds on the numbers a client sends (the same as model/bounds.ts, which this browser-bundled
 * file cannot import; test/server/protocol-bounds.test.ts keeps them equal). They refuse absurd
 * numbers at the door; the session then checks a point against the robot's real workspace.
 */
export const CLIENT_LIMITS = {
  /** m: |world coordinate| on any axis (model/bounds.ts WORLD_LIMIT) */
  world: 10,
  /** arm joints in one message */
  joints: 64,
  /** rad (m for prismatic joints): |joint value|, 16 turns of a continuous joint */
  jointValue: 100,
  /** s: time of a recorded sample since the recording began */
  sampleTime: 3600,
} as const;
const worldCoord = finite
  .min(-CLIENT_LIMITS.world, `must be within ±${CLIENT_LIMITS.world} m (meters, world frame, z = 0 at the table top)`)
  .max(CLIENT_LIMITS.world, `must be within ±${CLIENT_LIMITS.world} m (meters, world frame, z = 0 at the table top)`);
/** a world point a client sends (m) */
export const worldPointSchema = z.tuple([worldCoord, worldCoord, worldCoord]);
const quatPart = finite.min(-1e3).max(1e3);
/** a tool orientation a client sends, [x, y, z, w] (normalised by the server) */
export const clientQuatSchema = z.tuple([quatPart, quatPart, quatPart, quatPart]);
const jointValue = finite.min(-CLIENT_LIMITS.jointValue).max(CLIENT_LIMITS.jointValue);
/** arm joint values a client sends (rad; m for prismatic joints) */
export const jointValuesSchema = z.array(jointValue).max(CLIENT_LIMITS.joints);
const rgba = z.tuple([num, num, num, num]);

// ---------------------------------------------------------------------------------------------
// Static description (sent once per connection in `hello`)

export const robotInfoSchema = z.object({
  name: z.string(),
  /** where the browser fetches the URDF (same file the sim uses) */
  urdfUrl: z.string(),
  /** arm joints, in the order of every `q` array in this protocol */
  jointNames: z.array(z.string()),
  limits: z.array(z.object({ lower: num, upper: num, velocity: num })),
  home: z.array(num),
  /** the tool frame link (e.g. panda_tcp) */
  tipLink: z.string(),
  baseLink: z.string(),
  gripper: z
    .object({
      joint: z.string(),
      mimics: z.array(z.object({ joint: z.string(), multiplier: num, offset: num })),
      open: num,
      closed: num,
    })
    .nullable(),
});
export type RobotInfo = z.infer<typeof robotInfoSchema>;

export const sceneInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  table: z.object({ size: z.tuple([num, num]), center: z.tuple([num, num]), thickness: num, height: num, rgba }),
  objects: z.array(z.object({ name: z.string(), shape: z.enum(['box', 'sphere', 'cylinder']), size: z.array(num), rgba })),
  containers: z.array(z.object({ name: z.string(), kind: z.string(), inner: z.tuple([num, num]), height: num, wall: num, rgba })),
  /**
   * The bodies whose poses `joints.bodies` carries, in order (objects, then containers).
   * Each pose is 7 numbers: x, y, z, qx, qy, qz, qw (the body's centre).
   */
  bodies: z.array(z.string()),
});
export type SceneInfo = z.infer<typeof sceneInfoSchema>;

export const probeSchema = z.object({ name: z.string(), available: z.boolean(), message: z.string() });
export type ProbeInfo = z.infer<typeof probeSchema>;

// ---------------------------------------------------------------------------------------------
// Library: skills and named things

const bodyArg = z.union([z.string(), num, z.object({ param: z.string() })]);
export const skillInfoSchema = z.object({
  name: z.string(),
  kind: z.enum(['primitive', 'behavior']),
  description: z.string(),
  params: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })),
  /** a taught behavior's body, calls with `{param}` placeholders */
  body: z.array(z.object({ skill: z.string(), args: z.record(z.string(), bodyArg) })).optional(),
  builtin: z.boolean().optional(),
  /** plans made only of auto-confirmed behaviors run without asking */
  autoConfirm: z.boolean(),
});
export type SkillInfo = z.infer<typeof skillInfoSchema>;

export const entityInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  kind: z.enum(['object', 'location']),
  container: z.boolean(),
  /** the sim body it follows, if any */
  body: z.string().nullable(),
  /** where it is now; null when it cannot be located */
  position: vec3Schema.nullable(),
});
export type EntityInfo = z.infer<typeof entityInfoSchema>;

export const libraryMessageSchema = z.object({
  type: z.literal('library'),
  skills: z.array(skillInfoSchema),
  entities: z.array(entityInfoSchema),
});

// ---------------------------------------------------------------------------------------------
// Plans and previews

export const planCallSchema = z.object({ skill: z.string(), args: z.record(z.string(), z.union([z.string(), num])) });
export type PlanCall = z.infer<typeof planCallSchema>;

export const previewMotionSchema = z.object({
  label: z.string(),
  kind: z.enum(['trajectory', 'gripper', 'wait']),
  /** seconds from the start of the preview */
  start: num,
  duration: num,
});

export const previewStepSchema = z.object({
  call: z.string(),
  motions: z.array(previewMotionSchema),
  start: num,
  duration: num,
  safe: z.boolean(),
  /** why the safety check failed, in plain words */
  reason: z.string().optional(),
  /**
   * the collision that refuses the step: the moving side a ("panda_hand", "held CANDY"), the
   * side it would hit b ("GIFT_BAG wall"), a world point at the contact (m, z up) and seconds
   * from the step's start when known (a step refused while planning has no timing)
   */
  contact: z.object({ a: z.string(), b: z.string(), point: vec3Schema, time: num.optional() }).optional(),
});
export type PreviewStepInfo = z.infer<typeof previewStepSchema>;

export const previewSchema = z.object({
  /** confirm must quote this id; a stale id is refused */
  id: z.string(),
  utterance: z.string(),
  plan: z.array(planCallSchema),
  /** "pickup(CANDY) → goto(GIFT_BAG) → release()" */
  planText: z.string(),
  steps: z.array(previewStepSchema),
  summary: z.object({
    steps: num,
    duration: num,
    /** rad/s */
    maxJointSpeed: num,
    /** m/s of the tool centre point */
    maxToolSpeed: num,
    trajectoryPoints: num,
  }),
  safe: z.boolean(),
  /** the session holds this plan and will execute exactly it on confirm */
  confirmable: z.boolean(),
  /** it will run without asking (every call is an auto-confirmed behavior) */
  autoConfirm: z.boolean(),
  /**
   * Keyframes of the whole plan, exactly the trajectory points that will be sent to the arm
   * (plus hold frames for gripper motions and waits). `q` is flattened: frame i is
   * q[i*dof .. (i+1)*dof).
   */
  timeline: z.object({
    t: z.array(num),
    q: z.array(num),
    gripper: z.array(num),
    step: z.array(z.number().int()),
  }),
  /** the tool centre point at every keyframe, flattened xyz (world frame) */
  path: z.array(num),
  /**
   * "… over 24 frames": after confirm the camera stops at this many evenly timed points of the
   * last step's camera move (its last trajectory), one stop-motion frame each (studio_state.move)
   */
  frames: z.number().int().optional(),
});
export type PreviewInfo = z.infer<typeof previewSchema>;

// ---------------------------------------------------------------------------------------------
// Dialogue, status, problems

export const dialogueEntrySchema = z.object({
  id: z.number().int(),
  role: z.enum(['user', 'robot', 'system']),
  text: z.string(),
  /** plan | question | taught | rejected | error | done | failed | stopped | note | point */
  kind: z.string().optional(),
  t: num,
  /** who said it (a user entry): a client's source ('console:<id>', 'api', 'operator') and its label ("Console 2") */
  by: z.string().optional(),
  who: z.string().optional(),
});
export type DialogueEntry = z.infer<typeof dialogueEntrySchema>;

export const problemSchema = z.object({
  id: z.string(),
  severity: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  /** what the operator can do about it */
  tip: z.string().optional(),
});
export type ProblemInfo = z.infer<typeof problemSchema>;

export const phaseSchema = z.enum(['idle', 'planning', 'pending', 'executing']);
export type Phase = z.infer<typeof phaseSchema>;

/** The session's dialogue state (session/state.ts DialogueStateView): the status pill shows `label`. */
export const dialogueStateSchema = z.object({
  kind: z.enum(['idle', 'asking', 'previewing', 'executing', 'framing', 'recording']),
  label: z.string(),
  lesson: z.object({ name: z.string(), steps: z.number().int(), demonstrations: z.number().int() }).nullable(),
  question: z.string().nullable(),
  expects: z.enum(['point', 'teach', 'there', 'step', 'reply']).nullable(),
  plan: z.string().nullable(),
  proposedBy: z.string().nullable(),
  step: z.number().int().nullable(),
  frame: z.object({ call: z.string(), index: z.number().int(), total: z.number().int(), moving: z.boolean() }).nullable(),
});
export type DialogueStateInfo = z.infer<typeof dialogueStateSchema>;

/**
 * Who may drive the arm: one client holds control (confirm, execute, teach, auto-confirm);
 * the others watch and may ask for it. Every client can always stop.
 */
export const controlSchema = z.object({
  /** the source in control ('console:<id>'), or null when nobody is */
  holder: z.string().nullable(),
  /** its label ("Console 1") */
  holderLabel: z.string().nullable(),
  /** the holder has no connection now (a reload, a lost link): it gets control back on return, or anyone who acts takes it */
  holderAway: z.boolean(),
  /** a console asking for control, and its label */
  requestedBy: z.string().nullable(),
  requestedLabel: z.string().nullable(),
});
export type ControlInfo = z.infer<typeof controlSchema>;

/** The sim's pace (sim/loop.ts): 'realtime' tracks the wall clock; 'fast' runs flat out, only while the arm moves. */
export const paceSchema = z.enum(['fast', 'realtime']);
export type Pace = z.infer<typeof paceSchema>;

/**
 * What a restarted server brought back from the previous session's log (server/restore.ts), and
 * what it could not, in words. The console shows it and keeps its own transcript when nothing was restored.
 */
export const continuitySchema = z.object({
  /** the previous session's log file name */
  previousLog: z.string(),
  /** when its last event was written (ms since epoch) */
  previousEnd: num,
  /** transcript entries restored from it */
  transcript: z.number().int(),
  /** the preview pending when it ended: planned again, dropped (see `lost`), or none was pending */
  preview: z.enum(['replanned', 'dropped', 'none']),
  previewUtterance: z.string().nullable(),
  /** one sentence per thing lost, with why */
  lost: z.array(z.string()),
  /** the sim world put back from the log's last snapshot, in words; absent when it was not */
  world: z.string().optional(),
  /** the sim pace chosen in the console before the restart, applied again */
  pace: z.string().optional(),
});
export type ContinuityInfo = z.infer<typeof continuitySchema>;

export const statusMessageSchema = z.object({
  type: z.literal('status'),
  phase: phaseSchema,
  dialogue: dialogueStateSchema,
  presence: z.string(),
  moving: z.boolean(),
  /** the robot asked "show me where X is": a click in the scene answers it */
  awaitingPoint: z.object({ name: z.string() }).nullable(),
  problems: z.array(problemSchema),
  control: controlSchema,
  /** the sim's pace, which a console can switch (`pace`); null on a real arm */
  pace: paceSchema.nullable().optional(),
});
export type StatusMessage = z.infer<typeof statusMessageSchema>;

export const worldMessageSchema = z.object({
  type: z.literal('world'),
  held: z.string().nullable(),
  /** physical state per scene body: which container it rests in, whether it is grasped */
  bodies: z.array(z.object({ name: z.string(), in: z.string().nullable(), held: z.boolean() })),
});

export const executionStateSchema = z.object({
  active: z.boolean(),
  /** the preview that is (or was last) executing */
  previewId: z.string().nullable(),
  step: z.number().int(),
  /** 0..1 per step */
  stepFractions: z.array(num),
  outcome: z.enum(['succeeded', 'failed', 'not_run']).nullable(),
  failure: z.string().nullable(),
});
export type ExecutionState = z.infer<typeof executionStateSchema>;

// ---------------------------------------------------------------------------------------------
// Server → client

export const helloMessageSchema = z.object({
  type: z.literal('hello'),
  protocol: z.literal(PROTOCOL_VERSION),
  serverId: z.string(),
  robot: robotInfoSchema,
  scene: sceneInfoSchema,
  probes: z.array(probeSchema),
  transcript: z.array(dialogueEntrySchema),
  /** the pending (or last executed) preview */
  preview: previewSchema.nullable(),
  execution: executionStateSchema,
  /** where saved recordings go */
  recordingsDir: z.string(),
  /** this connection's source ('console:<id>') and label: dialogue entries with this `by` are yours */
  you: z.string(),
  youLabel: z.string(),
  /**
   * the port of the stop listener on the watchdog's own thread (POST /stop, same host and token),
   * which answers even while the server's main thread is busy; null when there is none
   */
  stopPort: z.number().int().min(1).max(65535).nullable(),
  /** after a restart: what came back from the previous session's log and what was lost; null on a first start */
  continuity: continuitySchema.nullable().optional(),
});
export type HelloMessage = z.infer<typeof helloMessageSchema>;

export const jointsMessageSchema = z.object({
  type: z.literal('joints'),
  /** backend clock, s */
  stamp: num,
  q: z.array(num),
  gripper: num,
  /** 7 numbers per body of `scene.bodies` */
  bodies: z.array(num),
});
export type JointsMessage = z.infer<typeof jointsMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  helloMessageSchema,
  jointsMessageSchema,
  statusMessageSchema,
  worldMessageSchema,
  libraryMessageSchema,
  z.object({ type: z.literal('dialogue'), entry: dialogueEntrySchema }),
  z.object({ type: z.literal('preview'), preview: previewSchema }),
  /** the pending preview is gone: it started executing, or was cancelled, replaced or stopped */
  z.object({
    type: z.literal('preview_cleared'),
    id: z.string().nullable(),
    reason: z.enum(['executing', 'cancelled', 'stopped', 'replaced']),
  }),
  z.object({ type: z.literal('execution'), execution: executionStateSchema }),
  z.object({ type: z.literal('stop'), t: num }),
  z.object({
    type: z.literal('ik_result'),
    id: z.number().int(),
    ok: z.boolean(),
    q: z.array(num),
    positionError: num,
    reason: z.string().optional(),
  }),
  z.object({ type: z.literal('recording_saved'), name: z.string(), path: z.string(), samples: z.number().int() }),
  /** a request was refused or failed; `re` names the request type */
  z.object({ type: z.literal('error'), re: z.string().optional(), message: z.string(), tip: z.string().optional() }),
  ...voiceServerMessages,
  ...studioServerMessages,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

// ---------------------------------------------------------------------------------------------
// Client → server

export const recordingSampleSchema = z.object({
  /** s since the recording began */
  t: finite.min(0).max(CLIENT_LIMITS.sampleTime),
  q: jointValuesSchema,
  gripper: jointValue,
});
export type RecordingSample = z.infer<typeof recordingSampleSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  /**
   * an utterance, typed or transcribed; `previewId`: the preview this console shows, which a
   * "yes" approves (a "yes" naming another preview, or none while one is pending, runs nothing)
   */
  z.object({ type: z.literal('say'), text: z.string().trim().min(1).max(500), previewId: z.string().max(80).optional() }),
  /** execute the previewed plan; refused unless `previewId` is the session's pending preview */
  z.object({ type: z.literal('confirm'), previewId: z.string() }),
  z.object({ type: z.literal('cancel') }),
  /** halt now, from any state */
  z.object({ type: z.literal('stop') }),
  /** the operator clicked a world point (answers "show me where X is") */
  z.object({ type: z.literal('point'), position: worldPointSchema }),
  /**
   * run a taught behavior without asking; enabling requires `acknowledged: true`, sent only after
   * the operator accepted the console's confirmation dialog
   */
  z.object({ type: z.literal('auto_confirm'), skill: z.string().max(64), enabled: z.boolean(), acknowledged: z.boolean().optional() }),
  /** control of the arm: ask for it, take it when nobody holds it, release it, or answer a request */
  z.object({ type: z.literal('control'), action: z.enum(['request', 'take', 'release', 'grant', 'deny']) }),
  /** switch the sim's pace at run time (the console's Pace switch; the fix its "could not keep up" warning offers) */
  z.object({ type: z.literal('pace'), pace: paceSchema }),
  /** the sim only: every object back at the scene's start, the arm home, nothing held (refused while the arm moves) */
  z.object({ type: z.literal('reset_world') }),
  /** live IK for the teaching gizmo: tool pose goal, seeded from the teach arm's joints */
  z.object({
    type: z.literal('ik'),
    id: z.number().int(),
    position: worldPointSchema,
    quaternion: clientQuatSchema.optional(),
    seed: jointValuesSchema,
  }),
  /** save a kinesthetic demonstration as a recording in the data folder */
  z.object({
    type: z.literal('save_recording'),
    name: z.string().trim().min(1).max(60),
    samples: z.array(recordingSampleSchema).min(2).max(20_000),
  }),
  /**
   * teach with a demonstration recorded in the console: it is saved like save_recording, then
   * given to the motion skill being taught ("I'll show you how to track around the hulk")
   */
  z.object({
    type: z.literal('demonstrate'),
    name: z.string().trim().min(1).max(60),
    samples: z.array(recordingSampleSchema).min(2).max(20_000),
  }),
  ...voiceClientMessages,
  ...studioClientMessages,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

const VOICE_CLIENT = new Set<string>(voiceClientMessages.map((m) => m.shape.type.value));
const STUDIO_CLIENT = new Set<string>(
  (studioClientMessages as readonly { shape: { type: { value: string } } }[]).map((m) => m.shape.type.value),
);
export type VoiceClientMessage = Extract<ClientMessage, { type: `voice_${string}` | 'speech_played' }>;
export type StudioClientMessage = Extract<ClientMessage, { type: `studio_${string}` }>;
export const isVoiceClientMessage = (m: ClientMessage): m is VoiceClientMessage => VOICE_CLIENT.has(m.type);
export const isStudioClientMessage = (m: ClientMessage): m is StudioClientMessage => STUDIO_CLIENT.has(m.type);

const VOICE_SERVER = new Set<string>(voiceServerMessages.map((m) => m.shape.type.value));
const STUDIO_SERVER = new Set<string>(
  (studioServerMessages as readonly { shape: { type: { value: string } } }[]).map((m) => m.shape.type.value),
);
export type VoiceServerMessage = Extract<ServerMessage, { type: `voice_${string}` | 'speech' }>;
export type StudioServerMessage = Extract<ServerMessage, { type: `studio_${string}` }>;
export const isVoiceServerMessage = (m: ServerMessage): m is VoiceServerMessage => VOICE_SERVER.has(m.type);
export const isStudioServerMessage = (m: ServerMessage): m is StudioServerMessage => STUDIO_SERVER.has(m.type);

export * from './protocol-voice.js';
export * from './protocol-studio.js';

/** Parse one text frame; never throws. */
export function parseServerMessage(text: string): { ok: true; message: ServerMessage } | { ok: false; error: string } {
  return parseWith(serverMessageSchema, text);
}

export function parseClientMessage(text: string): { ok: true; message: ClientMessage } | { ok: false; error: string } {
  return parseWith(clientMessageSchema, text);
}

function parseWith<T>(schema: z.ZodType<T>, text: string): { ok: true; message: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const type = typeof json === 'object' && json && 'type' in json ? String(json.type) : '?';
    return {
      ok: false,
      error: `bad "${type}" message: ${r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    };
  }
  return { ok: true, message: r.data };
}
