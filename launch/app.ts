/**
 * Wiring: one place builds the robot model, the sim, the guarded backend, the world model,
 * the registry, the planner and the session. Every entry point (start, repl, run, bench,
 * tests) goes through here so they all run the same stack.
 */
import { EmbeddedPlanner, type Planner } from '../planner/index.js';
import { LlmPlanner } from '../planner/llm/index.js';
import { SafetyGuard, DEFAULT_SAFETY, type SafetyConfig } from '../robot-bridge/safety/index.js';
import { SimBackend } from '../robot-bridge/sim-backend.js';
import type { RobotBackend } from '../robot-bridge/types.js';
import { knownEntities, loadScene, resolveScenePath, sceneRobotPath, SimWorld, type Scene } from '../sim/index.js';
import { loadRobotModel, type RobotModel } from '../skills/description/robot-model.js';
import { IkSolver } from '../skills/kinematics/index.js';
import { createSkillRegistry, DEFAULT_MOTION, type MotionConfig, type PrimitiveImpl } from '../skills/primitives.js';
import type { SkillRegistry } from '../skills/registry.js';
import { WorldModel } from '../skills/world.js';
import { SkillLibrary } from '../skills/library/library.js';
import { Session, type LibraryStore, type SessionEvent } from './session.js';

export interface AppOptions {
  /** scene name (e.g. giftbag) or path to a scene file */
  scene?: string;
  seed?: number;
  /** panda, ur5e or a URDF path; overrides the scene's robot */
  robot?: string;
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
}

export interface App {
  scene: Scene;
  scenePath: string;
  model: RobotModel;
  sim: SimWorld;
  simBackend: SimBackend;
  /** the guarded backend: everything that moves the robot goes through this */
  backend: RobotBackend;
  ik: IkSolver;
  world: WorldModel;
  registry: SkillRegistry<PrimitiveImpl>;
  library: LibraryStore;
  /** the library file when one is used */
  libraryPath: string | null;
  session: Session;
  dispose(): Promise<void>;
}

export async function createApp(options: AppOptions = {}): Promise<App> {
  const scenePath = resolveScenePath(options.scene ?? 'giftbag');
  const scene = loadScene(scenePath);
  const model = loadRobotModel(options.robot ?? sceneRobotPath(scene));
  const sim = await SimWorld.create({ robot: model, scene, seed: options.seed });
  const simBackend = new SimBackend(sim, { pace: options.pace ?? 'fast' });
  const safety: SafetyConfig = { ...DEFAULT_SAFETY, ...options.safety };
  const backend = new SafetyGuard(simBackend, model, safety);
  await backend.connect();
  const ik = new IkSolver(model);
  const world = new WorldModel(knownEntities(scene), sim);
  const registry = createSkillRegistry();
  const motion = { model, ik, world, config: { ...DEFAULT_MOTION, ...options.motion } };
  const persistent = options.dataDir ? SkillLibrary.open(options.dataDir) : undefined;
  const session = new Session({
    library: persistent,
    backend,
    registry,
    world,
    // An OpenAI-compatible endpoint in the environment selects the LLM planner.
    planner: options.planner ?? LlmPlanner.fromEnv(process.env) ?? new EmbeddedPlanner(),
    motion,
    safety,
    locator: { nearestBody: (p, maxDistance) => nearestObject(sim, p, maxDistance) },
    onEvent: options.onEvent,
  });
  return {
    scene,
    scenePath,
    model,
    sim,
    simBackend,
    backend,
    ik,
    world,
    registry,
    library: session.library,
    libraryPath: persistent?.path ?? null,
    session,
    async dispose() {
      await backend.disconnect();
      sim.dispose();
    },
  };
}

/** The physical state of every scene object, as the JSON report gives it. */
export function worldReport(app: App): Record<string, { position: [number, number, number]; in: string | null; held: boolean }> {
  const out: Record<string, { position: [number, number, number]; in: string | null; held: boolean }> = {};
  for (const o of app.sim.objectStates()) {
    out[o.name] = { position: o.position.map((v) => Math.round(v * 1e4) / 1e4) as [number, number, number], in: o.in, held: o.held };
  }
  return out;
}

/** The scene object whose box is nearest to a pointed world point (m), within maxDistance. */
export function nearestObject(sim: SimWorld, p: [number, number, number], maxDistance: number): string | undefined {
  let best: string | undefined;
  let bestD = maxDistance;
  for (const name of [...sim.objectNames, ...sim.containerNames]) {
    const c = sim.bodyPosition(name);
    const h = sim.bodyHalfExtents(name);
    if (!c || !h) continue;
    // Distance from the point to the body's axis-aligned box (0 inside it).
    const d = Math.hypot(
      Math.max(0, Math.abs(p[0] - c[0]) - h[0]),
      Math.max(0, Math.abs(p[1] - c[1]) - h[1]),
      Math.max(0, Math.abs(p[2] - c[2]) - h[2]),
    );
    if (d <= bestD) { best = name; bestD = d; }
  }
  return best;
}
