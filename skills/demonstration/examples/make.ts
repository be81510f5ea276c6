/**
 * Regenerates the example demonstrations (for `!demo FILE` dialogue scripts and the console):
 *
 *   node --import tsx skills/demonstration/examples/make.ts
 *
 * track-hulk.json   "track around the Hulk": a 60° arc at 15 cm, 20 cm above HULK, looking at it
 * zoom-hulk.json    "push in on the Hulk": straight towards HULK from 35 cm to 15 cm, from the front left, 40° down
 *
 * Both are synthetic (seeded IK of a camera path, 50 Hz, 0.5 s rest at each end, 0.1 mrad noise)
 * on the Panda in the stop-motion scene, with HULK as the reference.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { IkSolver } from '../../kinematics/index.js';
import type { Vec3 } from '../../../model/math/transform.js';
import { orbitPath, pushInPath, syntheticDemonstration } from '../synthetic.js';

const model = loadRobotModel('panda');
const ik = new IkSolver(model);
/** HULK's centre in sim/scenes/stopmotion.json (m) */
const hulk: Vec3 = [0.68, 0.2, 0.0275];
const deg = Math.PI / 180;
const round = (v: number) => Math.round(v * 1e5) / 1e5;

for (const [file, path, duration] of [
  ['track-hulk.json', orbitPath(hulk, { radius: 0.15, height: 0.2, from: 150 * deg, to: 210 * deg }), 4],
  ['zoom-hulk.json', pushInPath(hulk, { azimuth: 160 * deg, elevation: 40 * deg, from: 0.35, to: 0.15 }), 3],
] as const) {
  const d = syntheticDemonstration(model, ik, path, { duration, rate: 50, noise: 1e-4, reference: { entity: 'HULK', position: hulk } });
  d.samples = d.samples.map((s) => ({ t: round(s.t), q: s.q.map(round), ...(s.gripper !== undefined ? { gripper: s.gripper } : {}) }));
  writeFileSync(fileURLToPath(new URL(file, import.meta.url)), JSON.stringify(d) + '\n');
  console.log(`${file}: ${d.samples.length} samples`);
}
