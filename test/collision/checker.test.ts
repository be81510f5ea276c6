/**
 * checkState and checkPath on both built-in robots: free at home, a reach into a box names the
 * link and the box, container parts are named, the held object moves with the hand and is
 * checked against the scene and the robot, intended contacts are allowed and nothing else, and
 * a straight joint-space move through a thin wall between two free waypoints is caught with its
 * time.
 */
import { describe, expect, it } from 'vitest';
import { multiply, type Vec3 } from '../../model/math/transform.js';
import { CollisionInputError, PlanningScene, CollisionChecker, DEFAULT_PATH_STEP } from '../../collision/index.js';
import { FINGER_CENTER, HAND, HAND_BOX_CENTER, rig } from './helpers.js';

const ROBOTS = ['panda', 'ur5e'] as const;
const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe.each(ROBOTS)('%s: checkState', (name) => {
  const hand = HAND[name];

  it('is collision-free at home, against an empty scene and with the table', () => {
    const empty = rig(name, false);
    expect(empty.checker.checkState(empty.model.home)).toBeNull();
    expect(empty.checker.checkState(empty.model.home, empty.robot.kinematics.gripperRange[0])).toBeNull();
    const withTable = rig(name);
    expect(withTable.checker.checkState(withTable.model.home)).toBeNull();
    expect(withTable.checker.isFree(withTable.model.home)).toBe(true);
  });

  it('reports a reach into a box, naming the link and the box, with a point at the box', () => {
    const r = rig(name);
    const q = r.topDown([0.45, 0, 0.25]);
    expect(r.checker.checkState(q)).toBeNull();
    const c = r.at(q, hand, HAND_BOX_CENTER[name]);
    r.scene.addBox('BOX', [0.02, 0.02, 0.02], { position: c });
    const contact = r.checker.checkState(q);
    expect(contact).toMatchObject({ kind: 'robot-scene', a: hand, b: 'BOX', link: hand, object: 'BOX' });
    expect(dist(contact!.point, c)).toBeLessThanOrEqual(Math.sqrt(3) * 0.01 + 1e-9);
    expect(r.checker.isFree(q)).toBe(false);
    // Moved away (the sim reports a new pose): free again.
    r.scene.setPose('BOX', { position: [c[0], c[1] + 0.5, c[2]] });
    expect(r.checker.checkState(q)).toBeNull();
  });

  it('names a container part: "GIFT_BAG wall"', () => {
    const r = rig(name);
    const q = r.topDown([0.45, 0, 0.12]);
    const h = r.at(q, hand, HAND_BOX_CENTER[name]);
    // the +x wall's mid-plane through the hand
    r.scene.addContainer('GIFT_BAG', { position: [h[0] - 0.103, h[1]], inner: [0.2, 0.14], height: 0.3, wall: 0.006 });
    const contact = r.checker.checkState(q);
    expect(contact?.b).toBe('GIFT_BAG wall');
    expect(contact?.object).toBe('GIFT_BAG');
    expect(r.robot.bodies.map((b) => b.link)).toContain(contact?.a);
  });

  it('moves the fingers with the gripper: free open around a block, touching it closed', () => {
    const r = rig(name);
    const q = r.topDown([0.45, 0, 0.2]);
    const handPose = r.pose(q, hand);
    const pose = Float64Array.from(handPose);
    const c = r.at(q, hand, FINGER_CENTER[name]);
    pose.set(c, 12);
    // 2 cm across the closing direction (hand y), thin along x, 3 cm tall
    r.scene.add('BLOCK', 'object', [{ shape: { type: 'box', halfExtents: [0.005, 0.01, 0.015] }, transform: identity() }], pose);
    const [closed, open] = r.robot.kinematics.gripperRange;
    expect(r.checker.checkState(q, open)).toBeNull();
    const contact = r.checker.checkState(q, closed);
    expect(r.robot.fingerLinks).toContain(contact?.a);
    expect(contact?.b).toBe('BLOCK');
  });

  it('moves a held object with the hand and checks it against the scene', () => {
    const r = rig(name);
    const qa = r.topDown([0.45, 0, 0.15]);
    const qb = r.topDown([0.35, 0.2, 0.3]);
    const pose = Float64Array.from(r.pose(qa, hand));
    pose.set(r.at(qa, r.model.tipLink), 12);
    r.scene.add('CANDY', 'object', [{ shape: { type: 'box', halfExtents: [0.0225, 0.015, 0.0125] }, transform: identity() }], pose);
    r.checker.attachInPlace('CANDY', hand, qa, 0.015);
    expect(r.scene.get('CANDY')?.attached?.link).toBe(hand);
    expect(r.checker.checkState(qa, 0.015)).toBeNull();
    // Where the candy must be at qb: the hand's pose there times the attachment.
    const expected = multiply(r.pose(qb, hand, 0.015), r.scene.get('CANDY')!.attached!.transform);
    const centre: Vec3 = [expected[12], expected[13], expected[14]];
    r.scene.addSphere('MARKER', 0.004, centre);
    expect(r.checker.checkState(qa, 0.015)).toBeNull(); // the marker is far from qa's candy
    expect(r.checker.checkState(qb, 0.015)).toMatchObject({ kind: 'held-scene', a: 'held CANDY', b: 'MARKER', link: hand });
    // Released where it is at qb: an obstacle again, at the marker.
    r.scene.remove('MARKER');
    r.checker.detachInPlace('CANDY', qb, 0.015);
    const placed = r.scene.get('CANDY')!;
    expect(placed.attached).toBeUndefined();
    expect(dist([placed.pose[12], placed.pose[13], placed.pose[14]], centre)).toBeLessThan(1e-12);
  });

  it('checks the held object against the robot links other than those it may touch', () => {
    const r = rig(name, false);
    const q = r.model.home;
    // The link above the hand with geometry (panda_link7 / wrist_3_link): a ball inside it.
    const kin = r.robot.kinematics;
    let up = kin.parent[kin.linkIndex.get(hand)!];
    while (!r.robot.body(kin.linkNames[up])) up = kin.parent[up];
    const above = kin.linkNames[up];
    const elem = r.model.description.links.get(above)!.collisions[0].origin.xyz;
    const inAbove = r.at(q, above, elem);
    r.scene.addSphere('BALL', 0.01, inAbove);
    // Each report names a link it may not touch; declared as touch links one by one, the
    // reports stop (the ball may sit near more than one link).
    let touch = r.robot.subtree(hand);
    const reported: string[] = [];
    for (let round = 0; round < 4; round++) {
      r.checker.attachInPlace('BALL', hand, q, undefined, touch);
      const c = r.checker.checkState(q);
      if (!c) break;
      expect(c).toMatchObject({ kind: 'held-robot', a: 'held BALL', object: 'BALL', link: hand });
      expect(touch).not.toContain(c.b);
      reported.push(c.b);
      touch = [...touch, c.b];
      r.scene.detach('BALL', { position: inAbove });
    }
    expect(reported).toContain(above);
    expect(r.checker.checkState(q)).toBeNull();
  });

  it('honours intended contacts and nothing else', () => {
    const r = rig(name);
    const q = r.topDown([0.45, 0, 0.15]);
    const handPose = r.pose(q, hand);
    const atTcp = Float64Array.from(handPose);
    atTcp.set(r.at(q, r.model.tipLink), 12);
    // Grasping: the fingers close on the candy.
    r.scene.add('CANDY', 'object', [{ shape: { type: 'box', halfExtents: [0.0225, 0.015, 0.0125] }, transform: identity() }], atTcp);
    expect(r.checker.checkState(q)).toBeNull(); // open: nothing touches
    const grasp = r.checker.checkState(q, 0.015);
    expect(r.robot.fingerLinks).toContain(grasp?.a);
    expect(grasp?.b).toBe('CANDY');
    const fingersOnCandy = [{ robot: 'fingers', obstacle: 'CANDY' }];
    expect(r.checker.checkState(q, 0.015, { allow: fingersOnCandy })).toBeNull();
    // A taller thing reaching up into the hand: the hand is still reported.
    r.scene.remove('CANDY');
    const tall = Float64Array.from(atTcp);
    tall.set(r.at(q, hand, [0, 0, 0.06]), 12);
    r.scene.add('CANDY', 'object', [{ shape: { type: 'box', halfExtents: [0.01, 0.015, 0.06] }, transform: identity() }], tall);
    const still = r.checker.checkState(q, 0.015, { allow: fingersOnCandy });
    expect(still?.b).toBe('CANDY');
    expect(r.robot.fingerLinks).not.toContain(still?.a);
    r.scene.remove('CANDY');

    // Releasing: a held pen's end touches the bag's wall; the hand does not.
    r.scene.add('PEN', 'object', [{ shape: { type: 'box', halfExtents: [0.07, 0.006, 0.006] }, transform: identity() }], atTcp);
    r.checker.attachInPlace('PEN', hand, q, 0.006);
    const hx: Vec3 = [handPose[0], handPose[1], handPose[2]]; // hand x axis (world)
    const tcp = r.at(q, r.model.tipLink);
    const bag = (face: number) => {
      // the +x wall's inner face `face` m from the pen's centre along the hand's x axis
      r.scene.addContainer('GIFT_BAG', {
        position: [tcp[0] + hx[0] * (face - 0.1), tcp[1] + hx[1] * (face - 0.1)],
        yaw: Math.atan2(hx[1], hx[0]),
        inner: [0.2, 0.3],
        height: 0.2,
      });
    };
    bag(0.06);
    expect(r.checker.checkState(q, 0.006)).toMatchObject({ kind: 'held-scene', a: 'held PEN', b: 'GIFT_BAG wall' });
    const heldInBag = [{ robot: 'held', obstacle: 'GIFT_BAG' }];
    expect(r.checker.checkState(q, 0.006, { allow: heldInBag })).toBeNull();
    expect(r.checker.checkState(q, 0.006, { allow: [{ robot: 'held PEN', obstacle: 'GIFT_BAG wall' }] })).toBeNull();
    expect(r.checker.checkState(q, 0.006, { allow: [{ robot: 'held', obstacle: 'GIFT_BAG floor' }] })?.b).toBe('GIFT_BAG wall');
    bag(0.015); // now the wall cuts through the hand too
    const hit = r.checker.checkState(q, 0.006, { allow: heldInBag });
    expect(hit?.b).toBe('GIFT_BAG wall');
    expect(hit?.kind).toBe('robot-scene');
    // Names that do not exist are refused, not ignored.
    expect(() => r.checker.checkState(q, 0.006, { allow: [{ robot: 'fingerz', obstacle: 'GIFT_BAG' }] })).toThrow(/fingerz/);
    expect(() => r.checker.checkState(q, 0.006, { allow: [{ robot: 'held', obstacle: 'GIFT_BOX' }] })).toThrow(/GIFT_BOX/);
  });

  it('keeps the clearance margin: a box just outside the margin is free, just inside it is not', () => {
    const r = rig(name, false);
    const q = r.model.home;
    // A thin plate under the fingertips: lowest true finger point via the URDF box corners.
    let lowest = Infinity;
    for (const f of r.robot.fingerLinks) {
      const e = r.model.description.links.get(f)!.collisions[0];
      if (e.geometry.type !== 'box') throw new Error('box fingers expected');
      const s = e.geometry.size;
      for (const sx of [-1, 1])
        for (const sy of [-1, 1])
          for (const sz of [-1, 1])
            lowest = Math.min(
              lowest,
              r.at(q, f, [e.origin.xyz[0] + (sx * s[0]) / 2, e.origin.xyz[1] + (sy * s[1]) / 2, e.origin.xyz[2] + (sz * s[2]) / 2])[2],
            );
    }
    const tcp = r.at(q, r.model.tipLink);
    const plateAt = (gap: number) => r.scene.addBox('PLATE', [0.3, 0.3, 0.002], { position: [tcp[0], tcp[1], lowest - gap - 0.001] });
    plateAt(0.03);
    expect(r.checker.checkState(q)).toBeNull();
    plateAt(0.004); // inside the 5 mm margin
    expect(r.checker.checkState(q)?.b).toBe('PLATE');
    expect(r.checker.checkState(q, undefined, { margin: 0 })?.b ?? 'free').toBeDefined(); // within tolerance: may still touch
    plateAt(0.0101); // beyond margin + tolerance: free for sure
    expect(r.checker.checkState(q)).toBeNull();
  });
});

describe.each(ROBOTS)('%s: checkPath', (name) => {
  /** A 4 mm wall in the vertical plane at azimuth `phi` (rad), 0.15 .. 0.95 m from the base axis. */
  function wall(scene: PlanningScene, phi: number): void {
    const r = 0.55;
    scene.addBox('WALL', [0.8, 0.004, 1.2], { position: [r * Math.cos(phi), r * Math.sin(phi), 0.62], yaw: phi });
  }

  it('finds a thin wall a straight joint-space move passes through between two free waypoints, with its time', () => {
    const r = rig(name);
    const qa = [...r.model.home],
      qb = [...r.model.home];
    qa[0] -= 0.7;
    qb[0] += 0.7;
    const base = Math.atan2(r.at(r.model.home, r.model.tipLink)[1], r.at(r.model.home, r.model.tipLink)[0]);
    wall(r.scene, base);
    // Both waypoints are free: a check at the waypoints alone would pass.
    expect(r.checker.checkState(qa)).toBeNull();
    expect(r.checker.checkState(qb)).toBeNull();
    const traj = {
      points: [
        { positions: qa, timeFromStart: 0.5 },
        { positions: qb, timeFromStart: 2.5 },
      ],
    };
    const contact = r.checker.checkPath(traj);
    expect(contact).not.toBeNull();
    expect(contact!.b).toBe('WALL');
    expect(contact!.segment).toBe(0);
    // The first contact found by a much finer scan (4000 steps) lies within one sample of it.
    const n = r.checker.samplesFor(qa, qb);
    let first = -1;
    for (let s = 0; s <= 4000 && first < 0; s++) {
      const f = s / 4000;
      if (r.checker.checkState(qa.map((v, i) => v + f * (qb[i] - v)))) first = f;
    }
    expect(first).toBeGreaterThan(0);
    expect(contact!.fraction).toBeGreaterThanOrEqual(first - 1e-9);
    expect(contact!.fraction - first).toBeLessThanOrEqual(1 / n + 1e-9);
    expect(contact!.time).toBeCloseTo(0.5 + 2 * contact!.fraction, 12);
    console.log(`[collision] ${name}: thin wall hit by ${contact!.a} at ${contact!.time!.toFixed(3)} s (${n} samples on the move)`);
    // Bare waypoints: the same contact, no time.
    const bare = r.checker.checkPath([qa, qb]);
    expect(bare).toMatchObject({ a: contact!.a, b: 'WALL', time: null, segment: 0, fraction: contact!.fraction });
    expect(r.checker.isMotionFree(qa, qb)).toBe(false);
    // Without the wall the move is free.
    r.scene.remove('WALL');
    expect(r.checker.checkPath(traj)).toBeNull();
    expect(r.checker.isMotionFree(qa, qb)).toBe(true);
  });

  it('samples so that no point of the robot moves more than 1 cm between samples', () => {
    const r = rig(name, false);
    const { robot, checker, model } = r;
    const lo = model.arm.map((j) => (Number.isFinite(j.lower) ? j.lower : -Math.PI));
    const hi = model.arm.map((j) => (Number.isFinite(j.upper) ? j.upper : Math.PI));
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    // Measured: every sphere's farthest points, between consecutive samples of random moves.
    let worst = 0;
    for (let m = 0; m < 12; m++) {
      const qa = lo.map((l, i) => l + rand() * (hi[i] - l));
      const qb = qa.map((v, i) => Math.min(hi[i], Math.max(lo[i], v + (rand() - 0.5) * 1.5)));
      const n = checker.samplesFor(qa, qb);
      let prev: number[] | null = null;
      for (let s = 0; s <= n; s++) {
        robot.kinematics.compute(
          qa.map((v, i) => v + (s / n) * (qb[i] - v)),
          robot.kinematics.gripperDefault,
        );
        const pts: number[] = [];
        const P = robot.kinematics.poses;
        for (const b of robot.bodies) {
          const o = 12 * b.index,
            S = b.spheres;
          for (let k = 0; k < S.count; k++)
            for (const [dx, dy, dz] of [
              [0, 0, 0],
              [1, 0, 0],
              [-1, 0, 0],
              [0, 1, 0],
              [0, -1, 0],
              [0, 0, 1],
              [0, 0, -1],
            ]) {
              const x = S.centers[3 * k] + dx * S.radii[k],
                y = S.centers[3 * k + 1] + dy * S.radii[k],
                z = S.centers[3 * k + 2] + dz * S.radii[k];
              pts.push(
                P[o] * x + P[o + 1] * y + P[o + 2] * z + P[o + 3],
                P[o + 4] * x + P[o + 5] * y + P[o + 6] * z + P[o + 7],
                P[o + 8] * x + P[o + 9] * y + P[o + 10] * z + P[o + 11],
              );
            }
        }
        if (prev)
          for (let k = 0; k < pts.length; k += 3)
            worst = Math.max(worst, Math.hypot(pts[k] - prev[k], pts[k + 1] - prev[k + 1], pts[k + 2] - prev[k + 2]));
        prev = pts;
      }
    }
    console.log(
      `[collision] ${name}: largest displacement between path samples ${(worst * 1000).toFixed(2)} mm (bound ${DEFAULT_PATH_STEP * 1000} mm)`,
    );
    expect(worst).toBeLessThanOrEqual(DEFAULT_PATH_STEP + 1e-12);
  });

  it('refuses malformed paths', () => {
    const r = rig(name);
    const h = r.model.home;
    expect(() => r.checker.checkPath([])).toThrow(CollisionInputError);
    expect(() => r.checker.checkPath([h, h.slice(1)])).toThrow(/joint values/);
    expect(() => r.checker.checkPath([h, h.map(() => NaN)])).toThrow(/finite/);
    expect(() =>
      r.checker.checkPath({
        points: [
          { positions: h, timeFromStart: 1 },
          { positions: h, timeFromStart: 0.5 },
        ],
      }),
    ).toThrow(/decreasing/);
    expect(() => r.checker.checkPath([h], { maxStep: 0 })).toThrow(/maxStep/);
    expect(() => r.checker.checkState(h, undefined, { margin: -1 })).toThrow(/margin/);
  });
});

describe('checker set-up', () => {
  it('refuses a held object attached to a link the robot does not have', () => {
    const r = rig('panda', false);
    r.scene.addSphere('BALL', 0.01, [0.3, 0, 0.3]);
    r.scene.attach('BALL', 'tool0', { position: [0, 0, 0] });
    expect(() => r.checker.checkState(r.model.home)).toThrow(/"tool0", which is not a link of panda/);
  });

  it('works on a scene shared by two checkers (one per robot)', () => {
    const panda = rig('panda', false);
    const scene = panda.scene;
    const ur = rig('ur5e', false);
    const other = new CollisionChecker(ur.robot, scene);
    scene.addBox('BOX', [0.1, 0.1, 0.1], { position: [2, 2, 2] });
    expect(panda.checker.checkState(panda.model.home)).toBeNull();
    expect(other.checkState(ur.model.home)).toBeNull();
  });
});

function identity(): Float64Array {
  return Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
}
