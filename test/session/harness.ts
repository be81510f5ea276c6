/**
 * A real Session over the FakeBackend (behind the real SafetyGuard), the embedded planner and
 * the stop-motion scene, with objects where the scene file puts them. No physics: fast enough to
 * drive the session through every state many times. `autoAdvance: false` holds each motion until
 * the test advances the fake's clock, so a test can act while the arm is moving.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmbeddedPlanner } from '../../planner/index.js';
import { DEFAULT_SAFETY, SafetyGuard } from '../../robot-bridge/safety/index.js';
import { knownEntities, loadScene, resolveScenePath, sceneRobotPath } from '../../sim/index.js';
import { loadRobotModel, type RobotModel } from '../../model/description/robot-model.js';
import { WorldModel, type BodyPoseProvider } from '../../model/world.js';
import { IkSolver } from '../../skills/kinematics/index.js';
import { createSkillRegistry, DEFAULT_MOTION } from '../../skills/primitives.js';
import { Session, type StudioHooks } from '../../session/session.js';
import { FakeBackend } from '../fakes/fake-backend.js';

export const TRACK_HULK = resolve(import.meta.dirname, '../../skills/demonstration/examples/track-hulk.json');

let cachedModel: RobotModel | null = null;

/** A fake that can be guided by hand, as a real arm with a compliant controller can. */
export class GuidableFake extends FakeBackend {
  guiding = false;
  switches: boolean[] = [];
  /** make the next switch back to the trajectory controller fail */
  failRestore = false;
  setHandGuiding(on: boolean): Promise<void> {
    this.switches.push(on);
    if (!on && this.failRestore) return Promise.reject(new Error('controller_manager refused the switch'));
    this.guiding = on;
    return Promise.resolve();
  }
}

/** A studio that "takes" frames without a camera: counts them. */
export class CountingStudio implements StudioHooks {
  frames: { posedBy: string | null; note?: string }[] = [];
  shoot(info: { posedBy: string | null; note?: string }): Promise<string> {
    this.frames.push(info);
    return Promise.resolve(`Frame ${this.frames.length} saved.`);
  }
  deleteLast(): Promise<string> {
    this.frames.pop();
    return Promise.resolve(`Deleted the last frame; ${this.frames.length} left.`);
  }
  open(name: string | null): Promise<string> {
    return Promise.resolve(`Opened ${name ?? 'a new film'}.`);
  }
}

export interface FakeSession {
  session: Session;
  fake: FakeBackend;
  guard: SafetyGuard;
  world: WorldModel;
  model: RobotModel;
  studio: CountingStudio;
  /** run the fake's clock until every motion is done */
  settle(): void;
}

export async function fakeSession(opts: { autoAdvance?: boolean; guidable?: boolean } = {}): Promise<FakeSession> {
  const scene = loadScene(resolveScenePath('stopmotion'));
  const model = (cachedModel ??= loadRobotModel(sceneRobotPath(scene)));
  const g = model.gripper!;
  const init = {
    jointNames: model.jointNames,
    position: [...model.home],
    gripper: { open: g.open, closed: g.closed, velocity: g.velocity },
    autoAdvance: opts.autoAdvance ?? true,
  };
  const fake = opts.guidable ? new GuidableFake(init) : new FakeBackend(init);
  if (opts.guidable) Object.assign(fake.capabilities, { handGuiding: true });
  const guard = new SafetyGuard(fake, model, DEFAULT_SAFETY);
  await guard.connect();
  // Objects stand where the scene file puts them (z = 0 is the table top).
  const centres = new Map(scene.objects.map((o) => [o.name, [o.position[0], o.position[1], o.size[2] / 2] as [number, number, number]]));
  const poses: BodyPoseProvider = { bodyPosition: (name) => centres.get(name) };
  const world = new WorldModel(knownEntities(scene), poses);
  const registry = createSkillRegistry();
  const studio = new CountingStudio();
  const session = new Session({
    backend: guard,
    registry,
    world,
    planner: new EmbeddedPlanner(),
    motion: { model, ik: new IkSolver(model), world, config: DEFAULT_MOTION },
    safety: DEFAULT_SAFETY,
    locator: {
      nearestBody: (p, max) => [...centres].find(([, c]) => Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]) <= max + 0.05)?.[0],
    },
  });
  session.useStudio(studio);
  return { session, fake, guard, world, model, studio, settle: () => fake.runUntilIdle() };
}

export function trackHulkDemo(): unknown {
  return JSON.parse(readFileSync(TRACK_HULK, 'utf8'));
}
