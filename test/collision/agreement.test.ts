/**
 * Agreement with an independent brute-force check (oracle.ts: dense points on the true URDF
 * primitives and the true obstacle shapes): whenever the oracle finds an intersection, the
 * checker must report a contact (it never says "free" wrongly). The other way round is the
 * price of the conservative sphere model (up to 5 mm over the links), logged as the
 * false-positive rate at margin 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { mulberry32 } from '../../model/math/random.js';
import { transformPoint, type Vec3 } from '../../model/math/transform.js';
import { CollisionChecker, PlanningScene, robotCollisionModel, type Shape } from '../../collision/index.js';
import { linkPrims, obstaclePrims, primsIntersect, withSharedPrims, type Prim } from './oracle.js';

const SPACING = 0.003; // m between oracle surface points

describe.each(['panda', 'ur5e'] as const)('%s against the brute-force oracle', (name) => {
  const model = loadRobotModel(name);
  const robot = robotCollisionModel(model);
  const limits = model.arm.map((j) => [Number.isFinite(j.lower) ? j.lower : -Math.PI, Number.isFinite(j.upper) ? j.upper : Math.PI]);
  const [glo, ghi] = robot.kinematics.gripperRange;
  const shared = new Map<string, Prim[]>();
  // Links that do not move (found by trying, not from the checker): they stand on the table.
  const a = model.linkPoses(limits.map(([lo, hi]) => lo + 0.3 * (hi - lo))),
    b = model.linkPoses(limits.map(([lo, hi]) => lo + 0.7 * (hi - lo)));
  const staticLinks = new Set([...a.keys()].filter((l) => a.get(l)!.every((v, i) => Math.abs(v - b.get(l)![i]) < 1e-12)));
  // Uniform draws from a fast-check seed (fast-check's own doubles favour the bounds, i.e. joint limits).
  const draw = (seed: number) => {
    const rand = mulberry32(seed);
    return { q: limits.map(([lo, hi]) => lo + rand() * (hi - lo)), g: glo + rand() * (ghi - glo), rand };
  };

  it('never calls a state free when the true shapes intersect an obstacle (robot vs scene)', () => {
    let cases = 0,
      oracleHits = 0,
      checkerHits = 0,
      falsePositives = 0;
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 3 }), (seed, count) => {
        const { q, g, rand } = draw(seed);
        const obstacles = Array.from(
          { length: count },
          () => [(['box', 'cylinder', 'sphere'] as const)[Math.floor(rand() * 3)], Array.from({ length: 10 }, rand)] as const,
        );
        const prims = withSharedPrims(linkPrims(model, q, g), shared);
        const moving = [...prims.keys()].filter((l) => !staticLinks.has(l));
        const scene = new PlanningScene();
        scene.setTable({ size: [1.4, 1.2], center: [0.35, 0] });
        // Each obstacle near a random moving link (within 20 cm of its frame), so many cases are near misses.
        obstacles.forEach(([type, v], k) => {
          const link = moving[Math.floor(v[0] * moving.length) % moving.length];
          const centre = transformPoint(prims.get(link)![0].pose, [0, 0, 0]);
          const pos: Vec3 = [centre[0] + (v[1] - 0.5) * 0.4, centre[1] + (v[2] - 0.5) * 0.4, centre[2] + (v[3] - 0.5) * 0.4];
          const s = (i: number) => 0.005 + 0.05 * v[i];
          const shape: Shape =
            type === 'box'
              ? { type: 'box', halfExtents: [s(4), s(5), s(6)] }
              : type === 'cylinder'
                ? { type: 'cylinder', radius: s(4), halfLength: s(5) }
                : { type: 'sphere', radius: s(4) };
          const quat = normalise([v[7] - 0.5, v[8] - 0.5, v[9] - 0.5, 0.5]);
          scene.add(`OBJ${k}`, 'object', [{ shape, transform: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]) }], {
            position: pos,
            quaternion: quat,
          });
        });
        const oracle = scene.list().some((o) => {
          const parts = obstaclePrims(o);
          return [...prims].some(
            ([link, list]) =>
              (o.kind !== 'table' || !staticLinks.has(link)) && list.some((lp) => parts.some((op) => primsIntersect(lp, op, SPACING))),
          );
        });
        const contact = new CollisionChecker(robot, scene).checkState(q, g, { margin: 0, self: false });
        cases++;
        if (oracle) oracleHits++;
        if (contact) checkerHits++;
        if (contact && !oracle) falsePositives++;
        if (oracle) expect(contact, `q ${q.map((x) => x.toFixed(3)).join(' ')} g ${g.toFixed(4)}`).not.toBeNull();
      }),
      { numRuns: 400, seed: 20261205 },
    );
    console.log(
      `[collision] ${name} robot vs scene, margin 0: ${cases} cases, oracle intersections ${oracleHits}, checker contacts ${checkerHits}, ` +
        `missed 0, false positives ${falsePositives} (${((100 * falsePositives) / Math.max(1, cases - oracleHits)).toFixed(1)} % of the truly free cases)`,
    );
    expect(oracleHits).toBeGreaterThan(25);
    expect(cases - oracleHits).toBeGreaterThan(25);
  });

  it('never calls a state free when two checked links truly intersect (self-collision)', () => {
    const checker = new CollisionChecker(robot, new PlanningScene());
    const pairs = checker.selfPairs;
    let cases = 0,
      oracleHits = 0,
      falsePositives = 0;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const { q, g } = draw(seed);
        const prims = withSharedPrims(linkPrims(model, q, g), shared);
        const oracle = pairs.some(([la, lb]) => prims.get(la)!.some((x) => prims.get(lb)!.some((y) => primsIntersect(x, y, SPACING))));
        const contact = checker.checkState(q, g, { margin: 0 });
        cases++;
        if (oracle) {
          oracleHits++;
          expect(contact?.kind, `q ${q.map((x) => x.toFixed(3)).join(' ')}`).toBe('self');
        } else if (contact) falsePositives++;
      }),
      { numRuns: 400, seed: 20261206 },
    );
    console.log(
      `[collision] ${name} self-collision, margin 0: ${cases} random configurations, oracle intersections ${oracleHits}, missed 0, ` +
        `false positives ${falsePositives} (${((100 * falsePositives) / Math.max(1, cases - oracleHits)).toFixed(1)} % of the truly free cases)`,
    );
    expect(cases - oracleHits).toBeGreaterThan(20);
  });
});

function normalise(q: number[]): [number, number, number, number] {
  const n = Math.hypot(...q);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}
