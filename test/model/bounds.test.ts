/**
 * The workspace and caps of model/bounds.ts: the reach is a true upper bound (checked against
 * forward kinematics), every click the console can make on a shipped scene (the table top, its
 * edge, every object) is inside, and absurd numbers are outside with a message that names the
 * axis and the valid range.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BoundsError, formatNumber, robotReach, Workspace, WORLD_BOX, WORLD_LIMIT, workspaceFor } from '../../model/bounds.js';
import { loadRobotModel, type RobotModel } from '../../model/description/robot-model.js';
import { loadScene, placeObjects, sceneRobotPath } from '../../sim/scene.js';
import { randomConfig, rng, oddArm } from '../skills/kinematics/helpers.js';

const SCENES = join(import.meta.dirname, '..', '..', 'sim', 'scenes');
const sceneFiles = [
  ...readdirSync(SCENES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(SCENES, f)),
  ...readdirSync(join(SCENES, 'regression'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(SCENES, 'regression', f)),
];

describe('robotReach', () => {
  it.each([
    ['panda', loadRobotModel('panda')],
    ['ur5e', loadRobotModel('ur5e')],
    ['an odd arm (prismatic, continuous, offsets)', oddArm()],
  ])('%s: no configuration puts the tool farther from the shoulder than the reach', (_name, model) => {
    const { shoulder, reach } = robotReach(model);
    expect(reach).toBeGreaterThan(0.3);
    expect(reach).toBeLessThan(3);
    const r = rng(7);
    let farthest = 0;
    for (let k = 0; k < 2000; k++) {
      const T = model.tipPose(randomConfig(model, r));
      farthest = Math.max(farthest, Math.hypot(T[12] - shoulder[0], T[13] - shoulder[1], T[14] - shoulder[2]));
    }
    expect(farthest).toBeLessThanOrEqual(reach + 1e-9);
    // An upper bound, but not a loose one: sampled configurations come within 25 % of it.
    expect(farthest).toBeGreaterThan(0.75 * reach);
  });
});

describe('workspaceFor', () => {
  it.each(sceneFiles.map((f) => [f.slice(SCENES.length + 1), f]))(
    '%s: every click on the table top, its edge and every object is inside',
    (_name, file) => {
      const scene = loadScene(file);
      const model = loadRobotModel(sceneRobotPath(scene));
      const ws = workspaceFor(model, { robot: scene.robot, table: scene.table, name: scene.name });
      const { size, center, thickness } = scene.table;
      // The table top on a grid, corners included, and its side faces down to the underside.
      for (let i = 0; i <= 10; i++)
        for (let j = 0; j <= 10; j++) {
          const x = center[0] + size[0] * (i / 10 - 0.5),
            y = center[1] + size[1] * (j / 10 - 0.5);
          expect(ws.problem([x, y, 0])).toBeNull();
          if (i === 0 || i === 10 || j === 0 || j === 10) expect(ws.problem([x, y, -thickness])).toBeNull();
        }
      // Every object and container: its centre and the top of its box, where a ray from above hits.
      for (const p of placeObjects(scene)) {
        expect(ws.problem(p.position)).toBeNull();
        expect(ws.problem([p.position[0], p.position[1], 2 * p.position[2]])).toBeNull();
      }
      for (const c of scene.containers) expect(ws.problem([c.position[0], c.position[1], c.height])).toBeNull();
    },
  );

  const panda = loadRobotModel('panda');
  const table = { size: [1.4, 1.2], center: [0.35, 0], thickness: 0.04 };

  it.each([
    [
      'z = 1e306',
      [0.5, 0, 1e306],
      /^position z 1e\+306 m is outside the workspace \(z -0\.04\.\.\d\.\d+ m\); click on the table or an object$/,
    ],
    ['x = 1e6', [1e6, 0, 0.1], /^position x 1e\+6 m is outside the workspace \(x -\d\.\d+\.\.\d\.\d+ m\)/],
    ['y = -1e6', [0.5, -1e6, 0.1], /^position y -1e\+6 m is outside/],
    ['under the table', [0.5, 0, -0.3], /^position z -0\.3 m is outside/],
    ['NaN', [0.5, Number.NaN, 0.1], /^position y must be a finite number of meters, got NaN$/],
    ['Infinity', [Infinity, 0, 0.1], /^position x must be a finite number of meters, got Infinity$/],
    ['two numbers', [0.5, 0], /three numbers/],
  ])('refuses %s, naming the axis and the valid range', (_what, p, message) => {
    const ws = workspaceFor(panda, { table });
    expect(ws.problem(p)).toMatch(message);
    expect(() => ws.check(p)).toThrow(BoundsError);
    expect(ws.contains(p)).toBe(false);
  });

  it('is the reach around the shoulder joined with the table: a point just beyond the reach is out, on the table it is in', () => {
    const { shoulder, reach } = robotReach(panda);
    const ws = workspaceFor(panda, { table });
    expect(ws.max[2]).toBeGreaterThanOrEqual(shoulder[2] + reach);
    expect(ws.max[2]).toBeLessThan(shoulder[2] + reach + 0.011);
    expect(ws.problem([0, 0, shoulder[2] + reach + 0.05])).toMatch(/outside the workspace/);
    expect(ws.problem([-reach - 0.05, 0, 0.1])).toMatch(/position x .* outside/);
    // Without a table, nothing below the surface the robot stands on.
    expect(workspaceFor(panda).problem([0.5, 0, -0.02])).toMatch(/position z -0\.02 m is outside the workspace \(z 0\.\./);
    // A table longer than the reach: its far end is still inside.
    const long = workspaceFor(panda, { table: { size: [4, 1], center: [1.5, 0], thickness: 0.04 } });
    expect(long.problem([3.4, 0, 0])).toBeNull();
    expect(long.problem([3.6, 0, 0])).toMatch(/position x 3\.6 m/);
  });

  it('moves with the robot base: a base at x = 2 m, turned, reaches around itself', () => {
    const ws = workspaceFor(panda, { robot: { position: [2, 0, 0], yaw: Math.PI / 2 } });
    expect(ws.problem([2 + 1, 0, 0.3])).toBeNull();
    expect(ws.problem([0.5, 0, 0.3])).toMatch(/position x 0\.5 m is outside/);
  });

  it('never goes beyond WORLD_LIMIT, even for an arm with an unbounded prismatic joint', () => {
    // The URDF loader refuses such an arm; the bound must hold whatever description it is given.
    const odd = oddArm();
    const unbounded = {
      ...odd.description,
      joints: odd.description.joints.map((j) => (j.type === 'prismatic' ? { ...j, limit: undefined } : j)),
    };
    const model = {
      name: odd.name,
      tipLink: odd.tipLink,
      home: odd.home,
      description: unbounded,
      linkPoses: (q: number[]) => odd.linkPoses(q),
    };
    const ws = workspaceFor(model as unknown as RobotModel);
    expect(ws.max.every((v) => v <= WORLD_LIMIT)).toBe(true);
    expect(ws.min.every((v) => v >= -WORLD_LIMIT)).toBe(true);
    expect(ws.problem([0, 0, 1e306])).toMatch(/outside the workspace/);
  });
});

describe('Workspace and helpers', () => {
  it('refuses an empty or non-finite box', () => {
    expect(() => new Workspace([0, 0, 0], [1, 0, 1], 'x')).toThrow(/y range 0\.\.0 m is empty/);
    expect(() => new Workspace([0, 0, Number.NaN], [1, 1, 1], 'x')).toThrow(BoundsError);
  });

  it('WORLD_BOX is ±WORLD_LIMIT', () => {
    expect(WORLD_BOX.problem([WORLD_LIMIT, -WORLD_LIMIT, 0])).toBeNull();
    expect(WORLD_BOX.problem([0, 0, WORLD_LIMIT + 0.5])).toMatch(/z 10\.5 m is outside the workspace \(z -10\.\.10 m\)/);
  });

  it.each([
    [1e306, '1e+306'],
    [-1e6, '-1e+6'],
    [0.5, '0.5'],
    [-0.04, '-0.04'],
    [1.23456, '1.235'],
    [0, '0'],
    [2.5e-7, '2.5e-7'],
    [Number.NaN, 'NaN'],
  ])('formatNumber(%s) = %s', (v, s) => expect(formatNumber(v)).toBe(s));
});
