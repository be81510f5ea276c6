/**
 * The robot collision model: spheres cover every link's true URDF shapes (a seeded property over
 * random configurations and random points inside the shapes), overshoot them by no more than
 * the stated tolerance, follow the gripper opening; the fast kinematics agree with
 * RobotModel.linkPoses; a mesh collision element is approximated and reported, never ignored.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRobotModel, RobotModel } from '../../model/description/robot-model.js';
import { parseUrdf } from '../../model/description/urdf.js';
import { fromXyzRpy, multiply, transformPoint } from '../../model/math/transform.js';
import { mulberry32 } from '../../model/math/random.js';
import {
  clearCollisionCaches,
  CollisionInputError,
  decompose,
  robotCollisionModel,
  type RobotCollisionModel,
} from '../../collision/index.js';
import { distanceToPrim, primOfGeometry, randomInside } from './oracle.js';

const ROBOTS = ['panda', 'ur5e'] as const;

/** World centre and radius of every sphere of `link` at the poses last computed. */
function worldSpheres(robot: RobotCollisionModel, link: string): [number, number, number, number][] {
  const body = robot.body(link)!;
  const P = robot.kinematics.poses,
    o = 12 * body.index;
  const out: [number, number, number, number][] = [];
  const c = body.spheres.centers;
  for (let s = 0; s < body.spheres.count; s++) {
    const x = c[3 * s],
      y = c[3 * s + 1],
      z = c[3 * s + 2];
    out.push([
      P[o] * x + P[o + 1] * y + P[o + 2] * z + P[o + 3],
      P[o + 4] * x + P[o + 5] * y + P[o + 6] * z + P[o + 7],
      P[o + 8] * x + P[o + 9] * y + P[o + 10] * z + P[o + 11],
      body.spheres.radii[s],
    ]);
  }
  return out;
}

describe.each(ROBOTS)('%s collision model', (name) => {
  const model = loadRobotModel(name);
  const robot = robotCollisionModel(model);
  const limits = model.arm.map((j) => [Number.isFinite(j.lower) ? j.lower : -Math.PI, Number.isFinite(j.upper) ? j.upper : Math.PI]);
  const [glo, ghi] = robot.kinematics.gripperRange;
  const links = [...model.description.links.values()].filter((l) => l.collisions.length > 0);

  it('has a body for every link with collision geometry, no warnings, and the stated overshoot', () => {
    expect(robot.bodies.map((b) => b.link).sort()).toEqual(links.map((l) => l.name).sort());
    expect(robot.warnings).toEqual([]);
    const total = robot.bodies.reduce((s, b) => s + b.spheres.count, 0);
    const worst = Math.max(...robot.bodies.map((b) => b.spheres.overshoot));
    console.log(
      `[collision] ${name}: ${total} spheres over ${robot.bodies.length} links, worst overshoot ${(worst * 1000).toFixed(2)} mm (bound ${robot.tolerance * 1000} mm)`,
    );
    expect(worst).toBeLessThanOrEqual(robot.tolerance + 1e-12);
  });

  it('covers random points inside every link shape at random configurations (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: model.dof, maxLength: model.dof }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(links.length - 1),
        fc.nat(1000),
        fc.integer(),
        (u, ug, li, ei, seed) => {
          const q = u.map((v, i) => limits[i][0] + v * (limits[i][1] - limits[i][0]));
          const g = glo + ug * (ghi - glo);
          const link = links[li];
          const elem = link.collisions[ei % link.collisions.length];
          const local = randomInside(primOfGeometry(elem.geometry), mulberry32(seed));
          // The true point: independent kinematics (RobotModel) and the URDF origin.
          const world = transformPoint(
            multiply(model.linkPoses(q, g).get(link.name)!, fromXyzRpy(elem.origin.xyz, elem.origin.rpy)),
            local,
          );
          robot.kinematics.compute(q, g);
          const covered = worldSpheres(robot, link.name).some(
            ([x, y, z, r]) => Math.hypot(world[0] - x, world[1] - y, world[2] - z) <= r + 1e-9,
          );
          expect(
            covered,
            `${link.name} point ${world.map((v) => v.toFixed(4)).join(' ')} at q ${q.map((v) => v.toFixed(3)).join(' ')}`,
          ).toBe(true);
        },
      ),
      { numRuns: 3000, seed: 20261205 },
    );
  });

  it('covers the shapes densely too: a grid of points on and in every shape is inside a sphere (link frame)', () => {
    for (const body of robot.bodies) {
      const link = model.description.links.get(body.link)!;
      for (const c of link.collisions) {
        const prim = primOfGeometry(c.geometry);
        const m = fromXyzRpy(c.origin.xyz, c.origin.rpy);
        const rand = mulberry32(body.index + 1);
        for (let k = 0; k < 4000; k++) {
          // half of the points on the boundary: push a random inside point out to the surface
          let p = randomInside(prim, rand);
          if (k % 2 === 0) p = toSurface(prim, p);
          const w = transformPoint(m, p);
          const S = body.spheres;
          let ok = false;
          for (let s = 0; s < S.count && !ok; s++)
            ok = Math.hypot(w[0] - S.centers[3 * s], w[1] - S.centers[3 * s + 1], w[2] - S.centers[3 * s + 2]) <= S.radii[s] + 1e-9;
          if (!ok) throw new Error(`${body.link}: point ${w.join(' ')} not covered`);
        }
      }
    }
  });

  it('overshoots the true shapes by no more than the tolerance (points on every sphere)', () => {
    const tol = robot.tolerance;
    for (const body of robot.bodies) {
      const link = model.description.links.get(body.link)!;
      const prims = link.collisions.map((c) => ({ prim: primOfGeometry(c.geometry), inv: invert(fromXyzRpy(c.origin.xyz, c.origin.rpy)) }));
      const S = body.spheres;
      for (let s = 0; s < S.count; s++) {
        for (const d of fibonacci(64)) {
          const p: [number, number, number] = [
            S.centers[3 * s] + S.radii[s] * d[0],
            S.centers[3 * s + 1] + S.radii[s] * d[1],
            S.centers[3 * s + 2] + S.radii[s] * d[2],
          ];
          const dist = Math.min(...prims.map(({ prim, inv }) => distanceToPrim(prim, ...transformPoint(inv, p))));
          expect(dist, `${body.link} sphere ${s}`).toBeLessThanOrEqual(tol + 1e-9);
        }
      }
    }
  });

  it('computes every link pose like RobotModel.linkPoses', () => {
    const rand = mulberry32(3);
    for (let k = 0; k < 200; k++) {
      const q = limits.map(([lo, hi]) => lo + rand() * (hi - lo));
      const g = glo + rand() * (ghi - glo);
      const ref = model.linkPoses(q, g);
      robot.kinematics.compute(q, g);
      const P = robot.kinematics.poses;
      for (const [link, m] of ref) {
        const o = 12 * robot.kinematics.linkIndex.get(link)!;
        const mine = [P[o], P[o + 4], P[o + 8], P[o + 1], P[o + 5], P[o + 9], P[o + 2], P[o + 6], P[o + 10], P[o + 3], P[o + 7], P[o + 11]];
        const theirs = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10], m[12], m[13], m[14]];
        mine.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(1e-12));
      }
    }
  });

  it('moves the fingers with the gripper opening', () => {
    expect(robot.fingerLinks.length).toBe(2);
    const finger = robot.fingerLinks[0];
    robot.kinematics.compute(model.home, glo);
    const closed = worldSpheres(robot, finger);
    robot.kinematics.compute(model.home, ghi);
    const open = worldSpheres(robot, finger);
    const shift = Math.hypot(open[0][0] - closed[0][0], open[0][1] - closed[0][1], open[0][2] - closed[0][2]);
    expect(shift).toBeCloseTo(ghi - glo, 9);
  });

  it('refuses bad joint and gripper values at the boundary', () => {
    expect(() => robot.kinematics.validate(model.home.slice(1), glo)).toThrow(CollisionInputError);
    expect(() => robot.kinematics.validate([...model.home.slice(1), NaN], glo)).toThrow(/finite/);
    expect(() => robot.kinematics.validate(model.home, ghi + 0.01)).toThrow(/gripper/);
  });
});

describe('mesh collision elements', () => {
  const urdf = (collision: string, visual = '', inertial = '') => `<?xml version="1.0"?>
<robot name="meshy">
  <link name="base"><collision><geometry><cylinder radius="0.05" length="0.1"/></geometry></collision></link>
  <link name="arm">${visual}${inertial}${collision}</link>
  <joint name="j" type="revolute"><parent link="base"/><child link="arm"/><origin xyz="0 0 0.1"/><axis xyz="0 0 1"/><limit lower="-1" upper="1" velocity="1" effort="1"/></joint>
</robot>`;
  const mesh = '<collision><origin xyz="0.1 0 0"/><geometry><mesh filename="package://meshy/arm.stl"/></geometry></collision>';
  const build = (text: string) => robotCollisionModel(new RobotModel(parseUrdf(text, 'meshy.urdf')));

  it('uses the bounding box of the primitive visuals, and says so', () => {
    const robot = build(urdf(mesh, '<visual><origin xyz="0.2 0 0"/><geometry><box size="0.4 0.06 0.04"/></geometry></visual>'));
    expect(robot.warnings).toHaveLength(1);
    expect(robot.warnings[0].link).toBe('arm');
    expect(robot.warnings[0].message).toMatch(
      /collision mesh "package:\/\/meshy\/arm\.stl" is approximated by a box 0\.4 × 0\.06 × 0\.04 m from the bounding box of the link's visual shapes/,
    );
    const body = robot.body('arm')!;
    expect(body.shapes[0].shape).toEqual({ type: 'box', halfExtents: [0.2, 0.03, 0.02] });
    expect(body.spheres.count).toBeGreaterThan(0);
  });

  it('falls back to the inertia-equivalent box, then to the configured default', () => {
    // Solid box 0.3 × 0.1 × 0.1 m of 2 kg: Ixx = m (y² + z²) / 12, and so on.
    const m = 2,
      [x, y, z] = [0.3, 0.1, 0.1];
    const inertia = `<inertial><origin xyz="0.15 0 0"/><mass value="${m}"/><inertia ixx="${(m * (y * y + z * z)) / 12}" iyy="${(m * (x * x + z * z)) / 12}" izz="${(m * (x * x + y * y)) / 12}" ixy="0" ixz="0" iyz="0"/></inertial>`;
    const fromInertia = build(urdf(mesh, '', inertia));
    expect(fromInertia.warnings[0].message).toMatch(/mass and inertia/);
    const h = (fromInertia.body('arm')!.shapes[0].shape as { halfExtents: number[] }).halfExtents;
    h.forEach((v, i) => expect(v).toBeCloseTo([x, y, z][i] / 2, 9));

    const fallback = robotCollisionModel(new RobotModel(parseUrdf(urdf(mesh), 'meshy.urdf')), { meshDefaultSize: [0.08, 0.08, 0.08] });
    expect(fallback.warnings[0].message).toMatch(/default mesh box \(option meshDefaultSize\)/);
    const s = fallback.body('arm')!.shapes[0];
    expect(s.shape).toEqual({ type: 'box', halfExtents: [0.04, 0.04, 0.04] });
    expect(s.transform[12]).toBeCloseTo(0.1, 12); // at the mesh's origin
  });
});

describe('sphere model cache file', () => {
  it('stores the decomposition and reads it back after the memory is cleared', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'shammie-spheres-')), 'cache.json');
    const first = robotCollisionModel(loadRobotModel('ur5e'), { tolerance: 0.012, cacheFile: file });
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, Record<string, { radii: number[] }>> };
    const entry = stored.entries[`spheres:${first.key}`];
    expect(Object.keys(entry).sort()).toEqual(first.bodies.map((b) => b.link).sort());
    // Mark one radius in the file: a model built from the file carries the mark.
    entry.base_link.radii[0] += 1e-6;
    writeFileSync(file, JSON.stringify(stored));
    clearCollisionCaches();
    const again = robotCollisionModel(loadRobotModel('ur5e'), { tolerance: 0.012, cacheFile: file });
    expect(again.body('base_link')!.spheres.radii[0]).toBeCloseTo(first.body('base_link')!.spheres.radii[0] + 1e-6, 12);
    // A malformed entry is recomputed, not trusted.
    entry.base_link.radii[0] = -1;
    writeFileSync(file, JSON.stringify(stored));
    clearCollisionCaches();
    const fixed = robotCollisionModel(loadRobotModel('ur5e'), { tolerance: 0.012, cacheFile: file });
    expect(fixed.body('base_link')!.spheres.radii[0]).toBeCloseTo(first.body('base_link')!.spheres.radii[0], 12);
  });
});

describe('decompose', () => {
  it('keeps a lone sphere exact and validates its input', () => {
    const one = decompose([{ shape: { type: 'sphere', radius: 0.03 }, transform: fromXyzRpy([0, 0, 0], [0, 0, 0]) }]);
    expect(one.count).toBe(1);
    expect(one.radii[0]).toBe(0.03);
    expect(one.overshoot).toBeCloseTo(0, 12);
    expect(() => decompose([{ shape: { type: 'box', halfExtents: [0.1, -1, 0.1] }, transform: fromXyzRpy([0, 0, 0], [0, 0, 0]) }])).toThrow(
      CollisionInputError,
    );
    expect(() => decompose([], 0)).toThrow(/tolerance/);
  });
});

function toSurface(p: ReturnType<typeof primOfGeometry>, v: [number, number, number]): [number, number, number] {
  if (p.type === 'sphere') {
    const n = Math.hypot(...v) || 1;
    return [(v[0] / n) * p.radius, (v[1] / n) * p.radius, (v[2] / n) * p.radius];
  }
  if (p.type === 'cylinder') {
    // onto the side or an end, whichever is nearer
    const r = Math.hypot(v[0], v[1]) || 1;
    if (p.radius - r < p.length / 2 - Math.abs(v[2])) return [(v[0] / r) * p.radius, (v[1] / r) * p.radius, v[2]];
    return [v[0], v[1], Math.sign(v[2] || 1) * (p.length / 2)];
  }
  const h = p.size.map((s) => s / 2);
  const gaps = v.map((x, i) => h[i] - Math.abs(x));
  const a = gaps.indexOf(Math.min(...gaps));
  const out: [number, number, number] = [...v];
  out[a] = Math.sign(v[a] || 1) * h[a];
  return out;
}

function fibonacci(n: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  const ga = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < n; i++) {
    const z = 1 - (2 * (i + 0.5)) / n,
      r = Math.sqrt(1 - z * z);
    out.push([r * Math.cos(ga * i), r * Math.sin(ga * i), z]);
  }
  return out;
}

function invert(m: Float64Array): Float64Array {
  const r = new Float64Array(16);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[j * 4 + i] = m[i * 4 + j];
  for (let i = 0; i < 3; i++) r[12 + i] = -(r[i] * m[12] + r[4 + i] * m[13] + r[8 + i] * m[14]);
  r[15] = 1;
  return r;
}
