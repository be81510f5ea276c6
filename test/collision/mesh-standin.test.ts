/**
 * A `<mesh>` collision element is approximated, never ignored (issue 12, acceptance 5): the
 * collision model and the MuJoCo model use the same stand-in box (model/description/
 * mesh-standin.ts), both say so, and an app on a URDF with a mesh link works and reports it.
 *
 * The URDF is the shipped Panda with panda_link3's two primitives replaced by one mesh element:
 * its stand-in is then the bounding box of link3's primitive visuals (a cylinder r 5.5 cm along
 * x over [0, 8.25] cm and a sphere r 6 cm at x = 8.25 cm): x ∈ [0, 14.25] cm, y, z ∈ ±6 cm.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { robotCollisionModel } from '../../collision/index.js';
import { meshStandInWarnings } from '../../model/description/mesh-standin.js';
import { loadRobotModel, RobotModel } from '../../model/description/robot-model.js';
import { parseUrdf } from '../../model/description/urdf.js';
import { createApp, type SimApp } from '../../session/app.js';
import { parseScript } from '../../session/script.js';
import { runScript } from '../../session/script-run.js';
import { buildMjcf, loadScene, resolveScenePath, SimWorld, MjcfError } from '../../sim/index.js';

const MESH = 'package://shammie_test/meshes/link3.stl';

function pandaWithMeshLink3(): string {
  const src = readFileSync(loadRobotModel('panda').description.source, 'utf8');
  const a = src.indexOf('<link name="panda_link3">');
  const b = src.indexOf('</link>', a);
  const link = src
    .slice(a, b)
    .replace(
      /<collision>[\s\S]*<\/collision>\n/,
      `<collision><origin xyz="0 0 0"/><geometry><mesh filename="${MESH}"/></geometry></collision>\n`,
    );
  expect(link.match(/<collision>/g)).toHaveLength(1);
  return src.slice(0, a) + link + src.slice(b);
}

const dir = mkdtempSync(join(tmpdir(), 'shammie-mesh-'));
const urdfPath = join(dir, 'panda-mesh.urdf');
const apps: SimApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.dispose();
});

describe('a mesh collision element', () => {
  writeFileSync(urdfPath, pandaWithMeshLink3());
  const model = new RobotModel(parseUrdf(readFileSync(urdfPath, 'utf8'), urdfPath));
  const scene = loadScene(resolveScenePath('giftbag'));

  it('is one box in the collision model, with a warning naming the link, the mesh and the box', () => {
    const robot = robotCollisionModel(model);
    expect(robot.warnings).toHaveLength(1);
    expect(robot.warnings[0].link).toBe('panda_link3');
    expect(robot.warnings[0].message).toBe(meshStandInWarnings(model)[0].message);
    expect(robot.warnings[0].message).toMatch(
      /^link "panda_link3": collision mesh "package:\/\/shammie_test\/meshes\/link3\.stl" is approximated by a box 0\.1425 × 0\.12 × 0\.12 m from the bounding box of the link's visual shapes; .*estimate, not a bound/,
    );
    const [s] = robot.body('panda_link3')!.shapes;
    expect(s.shape.type).toBe('box');
    const h = (s.shape as { halfExtents: number[] }).halfExtents;
    [0.07125, 0.06, 0.06].forEach((v, i) => expect(h[i]).toBeCloseTo(v, 12));
    expect([s.transform[12], s.transform[13], s.transform[14]].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.07125, 0, 0]);
  });

  it('is the same box in the MuJoCo model, reported the same way, and MuJoCo loads it', async () => {
    const mjcf = buildMjcf(model, scene);
    expect(mjcf.warnings).toEqual(robotCollisionModel(model).warnings.map((w) => w.message));
    const geom = mjcf.xml.split('\n').find((l) => l.includes('name="panda_link3/collision0"'))!;
    expect(geom).toMatch(/type="box" size="0\.07125 0\.06 0\.06" pos="0\.07125 0 0"/);
    expect(geom).toMatch(/contype="2" conaffinity="1"/); // collides with the world like every robot geom
    const sim = await SimWorld.create({ robot: model, scene });
    try {
      expect(sim.mjcf.warnings).toHaveLength(1);
      sim.stepFor(0.05);
      expect(sim.trackingError()).toBeLessThan(0.01);
    } finally {
      sim.dispose();
    }
  });

  it('falls back to the configured default box at the mesh origin when the link says nothing else', () => {
    const bare = readFileSync(urdfPath, 'utf8').replace(
      /(<link name="panda_link3">)[\s\S]*?(<collision>)/,
      '$1$2', // no visuals, no inertial before the collision
    );
    const noInertial = bare.replace(/(<link name="panda_link3">[\s\S]*?)<inertial>[\s\S]*?<\/inertial>/, '$1');
    const m = new RobotModel(parseUrdf(noInertial, 'bare.urdf'));
    const mjcf = buildMjcf(m, scene, { meshDefaultSize: [0.08, 0.08, 0.08] });
    expect(mjcf.warnings[0]).toMatch(/box 0\.08 × 0\.08 × 0\.08 m from the default mesh box/);
    expect(mjcf.xml).toMatch(/name="panda_link3\/collision0" type="box" size="0\.04 0\.04 0\.04" pos="0 0 0"/);
    expect(() => buildMjcf(m, scene, { meshDefaultSize: [0, 0.1, 0.1] })).toThrow(MjcfError);
  });

  it('an app on that URDF starts, reports the stand-in, and picks and places', async () => {
    const app = await createApp({ robot: urdfPath, dataDir: dir });
    apps.push(app);
    expect(app.warnings).toHaveLength(1);
    expect(app.warnings[0]).toMatch(/^link "panda_link3": collision mesh .* approximated by a box 0\.1425 × 0\.12 × 0\.12 m/);
    expect(app.collision?.checker.robot.warnings.map((w) => w.message)).toEqual(app.warnings);
    const turns = await runScript(app, parseScript('pick up the candy\nput it in the bag\ngo home\n'));
    expect(turns.map((t) => t.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(app.sim.objectStates().find((o) => o.name === 'CANDY')?.in).toBe('GIFT_BAG');
  });
});
