/** Shared fixtures: the Panda in the stop-motion scene, and a demonstrated tracking shot. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRobotModel, type RobotModel } from '../../../model/description/robot-model.js';
import { IkSolver } from '../../../skills/kinematics/index.js';
import { orbitPath, syntheticDemonstration, type Demonstration } from '../../../skills/demonstration/index.js';
import { DEFAULT_MOTION, type MotionContext } from '../../../skills/primitives.js';
import { WorldModel } from '../../../model/world.js';
import { knownEntities, loadScene, placeObjects } from '../../../sim/scene.js';
import type { Vec3 } from '../../../model/math/transform.js';

export const STOPMOTION = join(fileURLToPath(new URL('.', import.meta.url)), '../../../sim/scenes/stopmotion.json');

let cached: { model: RobotModel; ik: IkSolver; ctx: MotionContext; demo: Demonstration; hulk: Vec3 } | null = null;

/**
 * The stop-motion scene (figures at their scene positions, no physics) and a 4 s demonstration
 * of "track around HULK": a 60° arc at 15 cm radius, 20 cm above, the camera looking at HULK.
 */
export function stopMotion() {
  if (cached) return cached;
  const model = loadRobotModel('panda');
  const ik = new IkSolver(model);
  const scene = loadScene(STOPMOTION);
  const placed = new Map(placeObjects(scene).map((p) => [p.object.name, p.position]));
  const world = new WorldModel(knownEntities(scene), { bodyPosition: (b) => placed.get(b) });
  const hulk = world.position('HULK');
  const demo = syntheticDemonstration(
    model,
    ik,
    orbitPath(hulk, { radius: 0.15, height: 0.2, from: (150 * Math.PI) / 180, to: (210 * Math.PI) / 180 }),
    {
      duration: 4,
      noise: 1e-4,
      reference: { entity: 'HULK', position: hulk },
    },
  );
  cached = { model, ik, ctx: { model, ik, world, config: DEFAULT_MOTION }, demo, hulk };
  return cached;
}
