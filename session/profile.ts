/**
 * Launch profiles: which robot the session drives. `sim` (the default) is the MuJoCo arm; the
 * ROS profiles drive a real arm (or a ros2_control mock-hardware arm) through rosbridge or
 * rclnodejs. Only the profile changes; the planner, skills and console do not.
 *
 * A profile is a YAML file, validated here (zod). `--profile NAME` takes a shipped profile
 * (launch/profiles/NAME.yaml) or a path. Strings may use ${VAR} and ${VAR:-default} to read
 * the environment (e.g. url: ${ROSBRIDGE_URL:-ws://localhost:9090}). Relative file paths
 * (urdf, scene) are relative to the profile file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { RosBridgeConfigInput } from '../robot-bridge/ros/config.js';
import type { DescriptionSource } from '../robot-bridge/ros/description.js';
import { parseSafetyConfig, type SafetyConfigInput } from '../robot-bridge/safety/config.js';
import { cameraConfigSchema, type CameraConfig } from '../studio/camera/types.js';
import type { StaticObstacle } from '../sim/collision-scene.js';

export class ProfileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProfileError';
  }
}

/** The shipped profiles are data of the CLI's (launch/profiles/); this loader is the app's. */
export const PROFILES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'launch', 'profiles');

const name = z.string().min(1).max(256);
const rosName = name.regex(/^\/?[A-Za-z0-9_~{}/]+$/, 'must be a ROS name like /joint_states');
const seconds = z.number().positive().max(3600);

const gripperSchema = z
  .object({
    /** action: control_msgs GripperCommand; topic: a position command topic; service: a custom service; none */
    mode: z.enum(['action', 'topic', 'service', 'none']).default('action'),
    action: rosName.optional(),
    topic: rosName.optional(),
    topicType: name.optional(),
    service: rosName.optional(),
    serviceType: name.optional(),
    request: z.record(z.string(), z.unknown()).optional(),
    joint: name.optional(),
    /** robot command = URDF joint value × scale (a unit change: mm, ticks, 0..255) */
    scale: z.number().positive().max(1e4).optional(),
    timeout: seconds.optional(),
  })
  .strict();

const rosSchema = {
  /** rosbridge WebSocket URL */
  url: z.string().min(1).optional(),
  /** 2 (default) or 1 (ROS 1 Noetic through rosbridge) */
  ros: z.union([z.literal(1), z.literal(2)]).default(2),
  joints: z
    .object({
      states: rosName.default('/joint_states'),
      /** URDF joint name -> the robot's name */
      names: z.record(z.string(), name).default({}),
      prefix: z.string().max(64).default(''),
    })
    .strict()
    .default({ states: '/joint_states', names: {}, prefix: '' }),
  trajectory: z
    .object({
      action: rosName.optional(),
      /** 0 < s ≤ 1: slow every motion down by this factor */
      speedScale: z.number().gt(0).max(1).default(1),
      goalTimeTolerance: z.number().min(0).max(10).default(0.5),
      /** optional JTC command topic for an extra "hold" on stop */
      stopTopic: rosName.optional(),
    })
    .strict()
    .default({ speedScale: 1, goalTimeTolerance: 0.5 }),
  gripper: gripperSchema.default({ mode: 'action' }),
  tf: z
    .object({
      enabled: z.boolean().default(true),
      fixedFrame: name.optional(),
      /** entity body name -> TF frame */
      frames: z.record(z.string(), name).default({}),
      /** s: how old a transform may be and still place an object */
      maxAge: z.number().min(0).max(3600).default(10),
    })
    .strict()
    .default({ enabled: true, frames: {}, maxAge: 10 }),
  teaching: z
    .object({
      handGuide: z
        .object({
          service: rosName.default('/controller_manager/switch_controller'),
          compliantController: name,
          trajectoryController: name.default('joint_trajectory_controller'),
        })
        .strict()
        .optional(),
    })
    .strict()
    .default({}),
  timeouts: z
    .object({ connect: seconds, jointStates: seconds, stale: seconds, goalAck: seconds, call: seconds })
    .partial()
    .strict()
    .default({}),
  reconnect: z.object({ initial: seconds, max: seconds }).partial().strict().default({}),
  /** check the controllers' action servers at start-up (needs rosapi over rosbridge) */
  preflight: z.boolean().default(true),
};

const robotSchema = z
  .object({
    /** panda, ur5e, a URDF path, or "robot" to read the description from the robot */
    urdf: z.string().min(1).optional(),
    tipLink: name.optional(),
    description: z.object({ topic: rosName.optional(), node: name.optional(), parameter: name.optional() }).strict().default({}),
  })
  .strict()
  .default({ description: {} });

/** Meters: a fixed box's size and where it may be (the reach of a tabletop arm, with room to spare). */
const obstacleSize = z.number().gt(0, 'must be more than 0 m').max(2, 'must be at most 2 m');
const obstacleCoord = z.number().min(-3, 'must be within 3 m of the robot base').max(3, 'must be within 3 m of the robot base');
const obstacleSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_ .-]*$/, 'letters, digits, _ . - and spaces'),
    /** full size [x, y, z], m */
    size: z.tuple([obstacleSize, obstacleSize, obstacleSize]),
    /** centre [x, y, z], m, world frame (z = 0 the table top) */
    position: z.tuple([obstacleCoord, obstacleCoord, obstacleCoord]),
    /** rad about z */
    yaw: z
      .number()
      .min(-2 * Math.PI)
      .max(2 * Math.PI)
      .default(0),
  })
  .strict();

/** `scene: NAME` or `scene: { file: NAME, obstacles: [...] }` (a plain name is read as { file: NAME }, so errors name the field) */
const sceneSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { file: v } : v),
  z
    .object({
      /** scene name or path */
      file: z.string().min(1).optional(),
      /** fixed boxes of the cell, added to the planning scene (and to the sim's physics) */
      obstacles: z
        .array(obstacleSchema)
        .max(100)
        .default([])
        .superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((o, i) => {
            if (seen.has(o.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `obstacle "${o.name}" is listed twice` });
            seen.add(o.name);
          });
        }),
    })
    .strict(),
);

const common = {
  name: name.optional(),
  description: z.string().max(2000).default(''),
  robot: robotSchema,
  /**
   * scene name or path: the known objects and their sizes (on a robot, poses come from TF); or
   * { file, obstacles }: the same plus fixed boxes of the cell for the planning scene
   */
  scene: sceneSchema.optional(),
  /** SafetyConfig fields to override (checked against the safety schema) */
  safety: z.record(z.string(), z.unknown()).optional(),
  /** the stop-motion studio: the film camera on the wrist (sim: rendered by the console; ROS: a CompressedImage topic) */
  studio: z
    .object({ camera: cameraConfigSchema.default(cameraConfigSchema.parse({})) })
    .strict()
    .optional(),
};

export const profileSchema = z.discriminatedUnion('backend', [
  z
    .object({
      backend: z.literal('sim'),
      ...common,
      sim: z
        .object({ pace: z.enum(['fast', 'realtime']).optional(), seed: z.number().int().optional() })
        .strict()
        .default({}),
    })
    .strict(),
  z.object({ backend: z.literal('rosbridge'), ...common, ...rosSchema }).strict(),
  z.object({ backend: z.literal('rclnodejs'), ...common, ...rosSchema }).strict(),
]);

export type ProfileDocument = z.output<typeof profileSchema>;

export interface LaunchProfile {
  name: string;
  description: string;
  /** the file it came from */
  source: string;
  backend: 'sim' | 'rosbridge' | 'rclnodejs';
  /** built-in robot name, a resolved URDF path, or 'robot' (read from the robot) */
  urdf?: string;
  tipLink?: string;
  descriptionSource: DescriptionSource;
  /** built-in scene name or resolved path */
  scene?: string;
  /** fixed boxes of the cell (scene.obstacles), world frame; in every planning scene, and bodies of the sim */
  obstacles?: StaticObstacle[];
  safety?: SafetyConfigInput;
  sim?: { pace?: 'fast' | 'realtime'; seed?: number };
  /** the ROS backends' configuration */
  ros?: RosBridgeConfigInput;
  /** check controllers at start-up (ROS backends) */
  preflight: boolean;
  /** the stop-motion studio's camera (defaults when the profile has no studio section) */
  studio?: { camera: CameraConfig };
}

/** Names of the shipped profiles (launch/profiles/*.yaml). */
export function shippedProfiles(): string[] {
  try {
    return readdirSync(PROFILES_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** The file a profile name or path refers to. */
export function resolveProfilePath(nameOrPath: string): string {
  if (/^[a-z0-9][a-z0-9-]*$/i.test(nameOrPath)) {
    const p = join(PROFILES_DIR, `${nameOrPath}.yaml`);
    if (existsSync(p)) return p;
  }
  if (existsSync(nameOrPath)) return resolve(nameOrPath);
  throw new ProfileError(`unknown profile "${nameOrPath}": not a shipped profile (${shippedProfiles().join(', ')}) and no such file`);
}

/** Load and validate a profile by shipped name or path. */
export function loadProfile(nameOrPath: string, env: NodeJS.ProcessEnv = process.env): LaunchProfile {
  const path = resolveProfilePath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileError(`cannot read profile ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseProfile(text, path, env);
}

/** Validate profile YAML text (`source` names it in errors and anchors relative paths). */
export function parseProfile(text: string, source = '<string>', env: NodeJS.ProcessEnv = process.env): LaunchProfile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ProfileError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const expanded = expandEnv(doc, env, source);
  const r = profileSchema.safeParse(expanded);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, 6)
      .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
      .join('; ');
    throw new ProfileError(`${source}: invalid profile: ${issues}`);
  }
  return toProfile(r.data, source);
}

function toProfile(d: ProfileDocument, source: string): LaunchProfile {
  const base = source === '<string>' ? process.cwd() : dirname(source);
  const file = (p: string | undefined, builtins: string[]) =>
    p === undefined || builtins.includes(p) || isAbsolute(p) ? p : resolve(base, p);
  const out: LaunchProfile = {
    name:
      d.name ??
      (source === '<string>'
        ? 'profile'
        : source
            .split(/[\\/]/)
            .pop()!
            .replace(/\.ya?ml$/, '')),
    description: d.description,
    source,
    backend: d.backend,
    urdf: file(d.robot.urdf, ['panda', 'ur5e', 'robot']),
    tipLink: d.robot.tipLink,
    descriptionSource: d.robot.description,
    scene: file(d.scene?.file, ['giftbag']),
    ...(d.scene?.obstacles.length
      ? { obstacles: d.scene.obstacles.map((o) => ({ name: o.name, size: o.size, position: o.position, yaw: o.yaw })) }
      : {}),
    preflight: false,
    ...(d.studio ? { studio: { camera: d.studio.camera } } : {}),
  };
  if (d.safety) {
    try {
      parseSafetyConfig(d.safety);
    } catch (err) {
      throw new ProfileError(`${source}: ${(err as Error).message}`, { cause: err });
    }
    out.safety = d.safety;
  }
  if (d.backend === 'sim') {
    out.sim = d.sim;
    return out;
  }
  const dialect = d.backend === 'rclnodejs' || d.ros === 2 ? 'ros2' : 'ros1';
  if (d.backend === 'rclnodejs' && d.ros === 1)
    throw new ProfileError(`${source}: rclnodejs is ROS 2 only; use backend: rosbridge for ROS 1`);
  out.preflight = d.preflight;
  out.ros = {
    dialect,
    ...(d.url !== undefined ? { url: d.url } : {}),
    jointStates: d.joints.states,
    jointNames: d.joints.names,
    jointPrefix: d.joints.prefix,
    ...(d.trajectory.action ? { trajectoryAction: d.trajectory.action } : {}),
    ...(d.trajectory.stopTopic ? { stopTopic: d.trajectory.stopTopic } : {}),
    speedScale: d.trajectory.speedScale,
    goalTimeTolerance: d.trajectory.goalTimeTolerance,
    gripper: Object.fromEntries(Object.entries(d.gripper).filter(([, v]) => v !== undefined)),
    tf: { enabled: d.tf.enabled, frames: d.tf.frames, maxAge: d.tf.maxAge, ...(d.tf.fixedFrame ? { fixedFrame: d.tf.fixedFrame } : {}) },
    ...(d.teaching.handGuide ? { handGuide: d.teaching.handGuide } : {}),
    timeouts: d.timeouts,
    reconnect: d.reconnect,
  };
  return out;
}

/** The default: the MuJoCo sim. */
export const SIM_PROFILE: LaunchProfile = {
  name: 'sim',
  description: 'The MuJoCo simulated arm.',
  source: 'built-in',
  backend: 'sim',
  descriptionSource: {},
  preflight: false,
};

/** Replace ${VAR} and ${VAR:-default} in every string. */
function expandEnv(v: unknown, env: NodeJS.ProcessEnv, source: string): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, key: string, def: string | undefined) => {
      const value = env[key];
      if (value !== undefined && value !== '') return value;
      if (def !== undefined) return def;
      throw new ProfileError(`${source}: \${${key}} is not set in the environment (give a default with \${${key}:-value})`);
    });
  }
  if (Array.isArray(v)) return v.map((x) => expandEnv(x, env, source));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandEnv(x, env, source)]));
  return v;
}

/**
 * Build and connect the backend of a ROS profile: the robot model (a URDF file, or read from
 * the robot), the RosbridgeBackend or RclnodejsBackend, its TF pose provider with the scene's
 * object sizes, and the start-up checks. Throws RosConnectionError with a hint when the robot
 * cannot be used. The ROS modules load only here, so sim runs never import them.
 */
export async function connectProfileBackend(
  profile: LaunchProfile,
  scene: import('../sim/index.js').Scene,
  robotOverride?: string,
  urdfOptions: { allowBadLimits?: boolean } = {},
): Promise<{
  model: import('../model/description/robot-model.js').RobotModel;
  backend: import('../robot-bridge/ros/ros-backend.js').RosBackend;
}> {
  if (profile.backend === 'sim' || !profile.ros) throw new ProfileError(`profile ${profile.name} does not drive a ROS robot`);
  const [{ loadRobotModel, RobotModel }, { parseUrdf }, ros, { containerHalfExtents, objectHalfExtents, sceneRobotPath }] =
    await Promise.all([
      import('../model/description/robot-model.js'),
      import('../model/description/urdf.js'),
      import('../robot-bridge/ros/index.js'),
      import('../sim/scene.js'),
    ]);
  const config = ros.resolveRosConfig(profile.ros);
  const makeTransport = () =>
    profile.backend === 'rclnodejs' ? new ros.RclnodejsTransport() : new ros.RoslibTransport({ url: config.url, dialect: config.dialect });
  const urdf = robotOverride ?? profile.urdf ?? sceneRobotPath(scene);
  let model;
  if (urdf === 'robot') {
    const t = makeTransport();
    try {
      await t.open(config.timeouts.connect * 1000);
    } catch (err) {
      const kind = err instanceof ros.TransportError ? err.kind : 'other';
      throw new ros.RosConnectionError(
        `[ros] cannot read the robot description: ${ros.linkErrorText(t.endpoint, err)}`,
        kind,
        ros.linkHint(kind, t.endpoint, config.dialect),
        { cause: err },
      );
    }
    try {
      const xml = await ros.fetchRobotDescription(t, profile.descriptionSource, config.timeouts.call);
      model = new RobotModel(parseUrdf(xml, 'robot_description (from the robot)', urdfOptions), { tipLink: profile.tipLink });
    } finally {
      t.close();
    }
  } else {
    model = loadRobotModel(urdf, { tipLink: profile.tipLink, ...urdfOptions });
  }
  const halfExtents = new Map<string, [number, number, number]>();
  for (const o of scene.objects) halfExtents.set(o.name, objectHalfExtents(o));
  for (const c of scene.containers) halfExtents.set(c.name, containerHalfExtents(c));
  const backend =
    profile.backend === 'rclnodejs'
      ? new ros.RclnodejsBackend({ model, config, halfExtents })
      : new ros.RosbridgeBackend({ model, config, halfExtents });
  await backend.connect();
  if (backend.tf) {
    // Give TF a moment so the first command does not find the known objects "not visible".
    const tf = backend.tf;
    const bodies = scene.known.map((k) => k.body ?? k.name);
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline && bodies.some((b) => !tf.bodyPosition(b))) await new Promise((r) => setTimeout(r, 20));
  }
  if (profile.preflight) {
    const problems = await backend.preflight();
    const fatal = problems.find((p) => p.severity === 'error');
    if (fatal) {
      await backend.disconnect();
      throw new ros.RosConnectionError(`[ros] ${fatal.message}`, 'controller', fatal.tip ?? '');
    }
  }
  return { model, backend };
}
