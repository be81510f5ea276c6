/**
 * Wiring: one place builds the robot model, the sim, the guarded backend, the world model,
 * the registry, the planner and the session. Every entry point (start, repl, run, bench,
 * tests) goes through here so they all run the same stack.
 *
 * A launch profile (session/profile.ts) picks what drives the arm: the sim (default) or a ROS
 * robot (RosbridgeBackend / RclnodejsBackend). Only the backend and the source of object poses
 * change (the physics, or TF); the guard, planner, skills and session are the same.
 */
import { EmbeddedPlanner, type Planner } from '../planner/index.js';
import { LlmPlanner } from '../planner/llm/index.js';
import { SafetyGuard, DEFAULT_SAFETY, type SafetyConfig } from '../robot-bridge/safety/index.js';
import { SimBackend } from '../robot-bridge/sim-backend.js';
import type { RobotBackend } from '../robot-bridge/types.js';
import { knownEntities, loadScene, resolveScenePath, sceneRobotPath, SimWorld, type Scene } from '../sim/index.js';
import { loadRobotModel, type RobotModel } from '../model/description/robot-model.js';
import { meshStandInWarnings } from '../model/description/mesh-standin.js';
import { IkSolver } from '../skills/kinematics/index.js';
import { createSkillRegistry, DEFAULT_MOTION, type MotionConfig, type PrimitiveImpl } from '../skills/primitives.js';
import type { SkillRegistry } from '../skills/registry.js';
import { WorldModel } from '../model/world.js';
import { recordWorldSnapshots } from './world-snapshot.js';
import { workspaceFor, type Workspace } from '../model/bounds.js';
import { motionDataProblem } from '../skills/motion-skills.js';
import { SkillLibrary } from '../skills/library/library.js';
import { allowedCollisions, CollisionChecker, knownSafePairs, robotCollisionModel, WorldCollision } from '../collision/index.js';
import { planningSceneFor, sceneBodyNames, type StaticObstacle } from '../sim/collision-scene.js';
import { SessionLog } from './log.js';
import { Watchdog, WATCHDOG_HALT, WATCHDOG_TRIPPED, type WatchdogOptions } from '../robot-bridge/watchdog.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Session, type LibraryStore, type SessionEvent } from './session.js';
import { connectProfileBackend, loadProfile, SIM_PROFILE, type LaunchProfile } from './profile.js';
import type { BodyPoseProvider } from '../model/world.js';

export interface AppOptions {
  /** scene name (e.g. giftbag) or path to a scene file */
  scene?: string;
  seed?: number;
  /** panda, ur5e or a URDF path; overrides the scene's robot */
  robot?: string;
  /** accept a URDF with missing or out-of-bound joint limits, with stated defaults and warnings (--allow-bad-limits) */
  allowBadLimits?: boolean;
  /** 'fast' for headless scripts, 'realtime' when a person watches */
  pace?: 'fast' | 'realtime';
  motion?: Partial<MotionConfig>;
  safety?: Partial<SafetyConfig>;
  planner?: Planner;
  /**
   * Folder of the persistent skill library (taught behaviors, names). Without one, what is
   * taught lasts for this process only.
   */
  dataDir?: string;
  onEvent?: (e: SessionEvent) => void;
  /**
   * What drives the arm: a shipped profile name (sim, ros2-rosbridge, ros2-rclnodejs,
   * ros1-rosbridge), a profile file path, or a loaded profile. Default: the sim.
   */
  profile?: string | LaunchProfile;
  /**
   * Check every motion against the planning scene (objects, containers, the held object, the
   * arm itself), in the preview and in the guard, and plan primitives around obstacles. On by
   * default; `false` turns it off (only for tests of the checks that come before it).
   */
  collision?: boolean;
  /**
   * A watchdog on its own thread halts a moving arm when this event loop stops answering
   * (robot-bridge/watchdog.ts). Default: on for real-time sims and real arms, off for fast-paced
   * runs (their physics only steps when this loop asks).
   */
  watchdog?: boolean | WatchdogOptions;
}

export interface App {
  scene: Scene;
  scenePath: string;
  model: RobotModel;
  /** the launch profile in use (sim unless one was given) */
  profile: LaunchProfile;
  /**
   * The box (world frame, m) every pointed or stored position must lie in: the robot's reach and
   * the table (model/bounds.ts). The API, the console, scripts and the library check against it.
   */
  workspace: Workspace;
  /** the physics world; only with the sim profile */
  sim?: SimWorld;
  simBackend?: SimBackend;
  /** the watchdog outside the event loop, when one runs */
  watchdog: Watchdog | null;
  /** the backend under the guard (SimBackend, RosbridgeBackend, RclnodejsBackend) */
  robot: RobotBackend;
  /** the guarded backend: everything that moves the robot goes through this */
  backend: RobotBackend;
  ik: IkSolver;
  world: WorldModel;
  registry: SkillRegistry<PrimitiveImpl>;
  library: LibraryStore;
  /** the planning scene's collision checks (the guard's and the previews'), unless turned off */
  collision: WorldCollision | null;
  /** the JSONL session log when one is written */
  logPath: string | null;
  /** that log: `log.problem` / `log.onProblem` say when the disk refuses it (show it to the operator) */
  log: SessionLog | null;
  /**
   * What the operator should know at start: each collision mesh of the URDF and the box that
   * stands in for it (in the planner's checks and in the sim alike), one line each.
   */
  warnings: string[];
  /** the library file when one is used */
  libraryPath: string | null;
  session: Session;
  dispose(): Promise<void>;
}

/** An app over the MuJoCo sim (the default profile). */
export type SimApp = App & { sim: SimWorld; simBackend: SimBackend };

export function createApp(options?: AppOptions & { profile?: undefined }): Promise<SimApp>;
export function createApp(options?: AppOptions): Promise<App>;
export async function createApp(options: AppOptions = {}): Promise<App> {
  const profile = typeof options.profile === 'string' ? loadProfile(options.profile) : (options.profile ?? SIM_PROFILE);
  const scenePath = resolveScenePath(options.scene ?? profile.scene ?? 'giftbag');
  const scene = loadScene(scenePath);
  // Checked before anything starts (a sim loop, a ROS link): a bad value must end the command,
  // not leave it hanging on timers it started.
  const envWatchdog = options.watchdog === undefined ? watchdogFromEnv(process.env.SHAMMIE_WATCHDOG_MS) : false;
  let model: RobotModel;
  let sim: SimWorld | undefined;
  let simBackend: SimBackend | undefined;
  let robot: RobotBackend;
  let poses: BodyPoseProvider | undefined;
  if (profile.backend === 'sim') {
    model = loadRobotModel(options.robot ?? profile.urdf ?? sceneRobotPath(scene), { allowBadLimits: options.allowBadLimits });
    // The profile's fixed boxes are bodies of the physics too, so the sim shows what the planner avoids.
    sim = await SimWorld.create({
      robot: model,
      scene,
      seed: options.seed ?? profile.sim?.seed,
      ...(profile.obstacles ? { mjcf: { obstacles: profile.obstacles } } : {}),
    });
    simBackend = new SimBackend(sim, { pace: options.pace ?? profile.sim?.pace ?? 'fast' });
    robot = simBackend;
    poses = sim;
  } else {
    const ros = await connectProfileBackend(profile, scene, options.robot, { allowBadLimits: options.allowBadLimits });
    model = ros.model;
    robot = ros.backend;
    poses = ros.backend.tf ?? undefined;
  }
  const safety: SafetyConfig = { ...DEFAULT_SAFETY, ...profile.safety, ...options.safety };
  const workspace = workspaceFor(model, { robot: scene.robot, table: scene.table, name: scene.name });
  const world = new WorldModel(knownEntities(scene), poses);
  const collision = options.collision !== false ? sceneCollision(model, scene, world, options.dataDir, profile.obstacles ?? []) : undefined;
  const backend = new SafetyGuard(robot, model, safety, collision ? { collision } : {});
  await backend.connect();
  const ik = new IkSolver(model);
  const registry = createSkillRegistry();
  const motion = { model, ik, world, config: { ...DEFAULT_MOTION, ...options.motion }, ...(collision ? { collision } : {}) };
  // An entry outside this robot's workspace (or a motion whose numbers fail its bounds) refuses the file, like a corrupt one.
  const persistent = options.dataDir ? SkillLibrary.open(options.dataDir, { workspace, checkMotion: motionDataProblem }) : undefined;
  const session = new Session({
    library: persistent,
    backend,
    registry,
    world,
    // An OpenAI-compatible endpoint in the environment selects the LLM planner.
    planner: options.planner ?? LlmPlanner.fromEnv(process.env) ?? new EmbeddedPlanner(),
    motion,
    safety,
    workspace,
    ...(collision ? { collision } : {}),
    locator: {
      nearestBody: (p, maxDistance) =>
        sim ? nearestObject(sim, p, maxDistance) : poses ? nearestBody(sceneBodies(scene), poses, p, maxDistance) : undefined,
    },
    onEvent: options.onEvent,
  });
  const pace = sim ? (options.pace ?? profile.sim?.pace ?? 'fast') : 'realtime';
  const wantWatchdog = options.watchdog ?? (pace === 'realtime' ? envWatchdog : false);
  // On ROS through rosbridge the watchdog cancels our goals over a link of its own.
  // (Duck-typed: the ROS modules load only when a ROS profile is used.)
  const ros = profile.backend !== 'sim' ? (robot as import('../robot-bridge/ros/ros-backend.js').RosBackend) : null;
  const rosbridge =
    ros && profile.backend === 'rosbridge'
      ? {
          url: ros.config.url,
          version: ros.config.dialect === 'ros1' ? (1 as const) : (2 as const),
          actions: ros.goalsInFlight().map((g) => g.action),
        }
      : undefined;
  const watchdog = wantWatchdog
    ? new Watchdog({ ...(rosbridge ? { rosbridge } : {}), ...(typeof wantWatchdog === 'object' ? wantWatchdog : {}) })
    : null;
  if (watchdog) {
    if (ros) watchdog.goalsFrom(() => ros.goalsInFlight());
    backend.onStatus((st) => {
      // A goal just went out (or ended): the worker learns its id before anything else can freeze us.
      watchdog.refreshGoals();
      watchdog.setMoving(st.moving);
    });
    if (simBackend) {
      const sb = simBackend;
      sb.linkWatchdog(watchdog.cells, { tripped: WATCHDOG_TRIPPED, halt: WATCHDOG_HALT });
      watchdog.onTrip(() => sb.haltByWatchdog());
    }
  }
  // With a workspace folder, every session is logged as JSONL (shammie report LOG reads it).
  const log = options.dataDir
    ? SessionLog.attach(session, { dataDir: options.dataDir, meta: { scene: scenePath, robot: model.name } })
    : undefined;
  let stopSnapshots: () => void = () => undefined;
  const app: App = {
    collision: collision ?? null,
    warnings: [...model.description.warnings, ...meshStandInWarnings(model).map((w) => w.message)],
    watchdog,
    logPath: log?.path ?? null,
    log: log ?? null,
    scene,
    scenePath,
    model,
    workspace,
    profile,
    sim,
    simBackend,
    robot,
    backend,
    ik,
    world,
    registry,
    library: session.library,
    libraryPath: persistent?.path ?? null,
    session,
    async dispose() {
      // Never leave a real arm compliant: a hand-guided recording is aborted first.
      await session.abortRecording().catch(() => false);
      stopSnapshots();
      log?.close();
      await watchdog?.dispose();
      await backend.disconnect();
      sim?.dispose();
    },
  };
  // The sim world goes into the log each time the arm comes to rest (a restart puts it back).
  if (sim && log) stopSnapshots = recordWorldSnapshots(app as SimApp);
  return app;
}

/**
 * The watchdog's timeout from SHAMMIE_WATCHDOG_MS (100..5000 ms; a slow or shared machine may need
 * more than the default 250 ms, at the price of a later halt when the server freezes).
 */
function watchdogFromEnv(value: string | undefined): WatchdogOptions {
  if (value === undefined || value === '') return {};
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 100 || ms > 5000)
    throw Object.assign(new Error(`SHAMMIE_WATCHDOG_MS must be 100..5000 (ms), got "${value}"`), { name: 'ConfigError' });
  return { timeoutMs: ms };
}

/** The physical state of every scene object, as the JSON report gives it. */
export function worldReport(app: App): Record<string, { position: [number, number, number]; in: string | null; held: boolean }> {
  const out: Record<string, { position: [number, number, number]; in: string | null; held: boolean }> = {};
  if (!app.sim) {
    // On a robot: what the grounding source (TF) sees of the known objects; containment is unknown.
    for (const e of app.world.list()) {
      if (e.source.type !== 'body') continue;
      const p = app.world.poses?.bodyPosition(e.source.body);
      if (p)
        out[e.name] = {
          position: p.map((v) => Math.round(v * 1e4) / 1e4) as [number, number, number],
          in: null,
          held: app.world.held === e.name,
        };
    }
    return out;
  }
  for (const o of app.sim.objectStates()) {
    out[o.name] = { position: o.position.map((v) => Math.round(v * 1e4) / 1e4) as [number, number, number], in: o.in, held: o.held };
  }
  return out;
}

const sceneBodies = (scene: Scene) => [...scene.objects.map((o) => o.name), ...scene.containers.map((c) => c.name)];

/**
 * The scene body nearest to a pointed world point (m), by the pose source (TF on a robot), so
 * pointing can name an object the robot sees but was not told about yet.
 */
function nearestBody(names: string[], poses: BodyPoseProvider, p: [number, number, number], maxDistance: number): string | undefined {
  let best: string | undefined;
  let bestD = maxDistance;
  for (const name of names) {
    const c = poses.bodyPosition(name);
    if (!c) continue;
    const h = poses.bodyHalfExtents?.(name) ?? [0, 0, 0];
    // Distance from the point to the body's axis-aligned box (0 inside it).
    const d = Math.hypot(
      Math.max(0, Math.abs(p[0] - c[0]) - h[0]),
      Math.max(0, Math.abs(p[1] - c[1]) - h[1]),
      Math.max(0, Math.abs(p[2] - c[2]) - h[2]),
    );
    if (d <= bestD) {
      best = name;
      bestD = d;
    }
  }
  return best;
}

/** The scene object whose box is nearest to a pointed world point (m), within maxDistance. */
export function nearestObject(sim: SimWorld, p: [number, number, number], maxDistance: number): string | undefined {
  return nearestBody([...sim.objectNames, ...sim.containerNames], sim, p, maxDistance);
}

/**
 * The planning scene of the scene file and the profile's fixed boxes, kept current from the
 * world, and the checker over it.
 */
function sceneCollision(
  model: RobotModel,
  scene: Scene,
  world: WorldModel,
  dataDir: string | undefined,
  obstacles: readonly StaticObstacle[],
): WorldCollision {
  // Building the robot's spheres takes about a second: cached on disk by the URDF's hash.
  const cacheFile = join(dataDir ?? tmpdir(), dataDir ? 'collision-cache.json' : 'shammie-collision-cache.json');
  const robot = robotCollisionModel(model, { cacheFile });
  const acm = allowedCollisions(robot, { cacheFile, disable: knownSafePairs(model) });
  // The table is left to the guard's table check (per-link clearances; fingers reach objects on the table).
  const checker = new CollisionChecker(robot, planningSceneFor(scene, { obstacles }), { acm });
  // Planning sees the table too (transit moves keep clear of it).
  const transit = new CollisionChecker(robot, planningSceneFor(scene, { table: true, obstacles }), { acm });
  return new WorldCollision(checker, world, model.tipLink, robot.toolLinks, sceneBodyNames(scene), transit);
}
