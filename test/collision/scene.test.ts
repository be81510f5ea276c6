/**
 * The planning scene: the table top, containers built like the MuJoCo scene's, objects taught by
 * pointing with a default size that can be corrected, pose updates, attach and detach, and
 * validation of everything that comes in.
 */
import { describe, expect, it } from 'vitest';
import { CollisionInputError, DEFAULT_TAUGHT_SIZE, PlanningScene, type Shape } from '../../collision/index.js';

const half = (s: Shape) => (s.type === 'box' ? s.halfExtents : []);

describe('PlanningScene', () => {
  it('puts the table top at z = 0', () => {
    const scene = new PlanningScene();
    const t = scene.setTable({ size: [1.4, 1.2], center: [0.35, 0], thickness: 0.04 });
    expect(t.kind).toBe('table');
    expect(half(t.parts[0].shape)).toEqual([0.7, 0.6, 0.02]);
    expect(t.pose[14] + 0.02).toBeCloseTo(0, 12);
    expect([t.pose[12], t.pose[13]]).toEqual([0.35, 0]);
  });

  it('builds a container as a floor and four walls, the sim’s shapes (gift bag: inner 0.2 × 0.14, 0.16 high, 6 mm walls)', () => {
    const scene = new PlanningScene();
    const bag = scene.addContainer('GIFT_BAG', { position: [0.5, -0.28], inner: [0.2, 0.14], height: 0.16, wall: 0.006 });
    expect(bag.parts.map((p) => p.label)).toEqual(['floor', 'wall', 'wall', 'wall', 'wall']);
    expect([bag.pose[12], bag.pose[13], bag.pose[14]]).toEqual([0.5, -0.28, 0.08]);
    // The +x wall: its inner face at x = 0.1 from the centre, 6 mm thick, as tall as the bag.
    const wall = bag.parts[1];
    expect(wall.transform[12] - half(wall.shape)[0]).toBeCloseTo(0.1, 12);
    expect(2 * half(wall.shape)[0]).toBeCloseTo(0.006, 12);
    expect(2 * half(wall.shape)[2]).toBeCloseTo(0.16, 12);
    // The floor sits on the table.
    const floor = bag.parts[0];
    expect(bag.pose[14] + floor.transform[14] - half(floor.shape)[2]).toBeCloseTo(0, 12);
  });

  it('adds objects taught by pointing at a default size, standing on the table, and corrects their size', () => {
    const scene = new PlanningScene();
    const v0 = scene.version;
    const lotion = scene.addTaught('LOTION', [0.38, 0.13, 0.01]);
    expect(scene.version).toBeGreaterThan(v0);
    expect(lotion.kind).toBe('taught');
    expect(half(lotion.parts[0].shape)).toEqual(DEFAULT_TAUGHT_SIZE.map((v) => v / 2));
    expect(lotion.pose[14]).toBeCloseTo(0.03, 12);
    // "the lotion is about 15 centimeters tall": still standing on the table.
    scene.reshape('LOTION', { type: 'cylinder', radius: 0.025, halfLength: 0.075 });
    const corrected = scene.get('LOTION')!;
    expect(corrected.parts[0].shape).toEqual({ type: 'cylinder', radius: 0.025, halfLength: 0.075 });
    expect(corrected.pose[14]).toBeCloseTo(0.075, 12);
    scene.reshape('LOTION', { type: 'sphere', radius: 0.02 }, { keepBottom: false });
    expect(scene.get('LOTION')!.pose[14]).toBeCloseTo(0.075, 12);
  });

  it('updates poses, attaches and detaches, and removes', () => {
    const scene = new PlanningScene();
    scene.addBox('CANDY', [0.045, 0.03, 0.025], { position: [0.45, 0.02, 0.0125], yaw: 0.3 });
    scene.setPose('CANDY', { position: [0.5, 0, 0.0125], quaternion: [0, 0, 0, 2] });
    expect(scene.get('CANDY')!.pose[12]).toBe(0.5);
    expect(scene.get('CANDY')!.pose[0]).toBeCloseTo(1, 12); // the quaternion was normalised
    scene.attach('CANDY', 'panda_hand', { position: [0, 0, 0.1034] });
    expect(scene.get('CANDY')!.attached?.link).toBe('panda_hand');
    expect(() => scene.setPose('CANDY', { position: [0, 0, 0] })).toThrow(/held by panda_hand/);
    scene.detach('CANDY', { position: [0.5, -0.28, 0.02] });
    expect(scene.get('CANDY')!.attached).toBeUndefined();
    expect(() => scene.detach('CANDY', { position: [0, 0, 0] })).toThrow(/not attached/);
    expect(scene.remove('CANDY')).toBe(true);
    expect(scene.remove('CANDY')).toBe(false);
    expect(() => scene.setPose('CANDY', { position: [0, 0, 0] })).toThrow(/no object "CANDY"/);
  });

  it('refuses bad input with a message that names it', () => {
    const scene = new PlanningScene();
    expect(() => scene.addBox('BOX', [0.1, -0.1, 0.1], { position: [0, 0, 0] })).toThrow(CollisionInputError);
    expect(() => scene.addBox('BOX', [0.1, 0.1, 0.1], { position: [0, NaN, 0] })).toThrow(/BOX pose position/);
    expect(() => scene.addBox('BOX', [0.1, 0.1, 1e9], { position: [0, 0, 0] })).toThrow(/size z/);
    expect(
      () => scene.addSphere('BALL', 0.03, [0, 0, 0]) && scene.setPose('BALL', { position: [0, 0, 0], quaternion: [0, 0, 0, 0] }),
    ).toThrow(/zero length/);
    expect(() => scene.addCylinder('held', 0.02, 0.1, { position: [0, 0, 0] })).toThrow(/reserved/);
    expect(() => scene.addCylinder('', 0.02, 0.1, { position: [0, 0, 0] })).toThrow(/name/);
    expect(() => scene.addContainer('BIN', { position: [0, 0], inner: [0.2, 0.1], height: 0.01, wall: 0.02 })).toThrow(/wall thickness/);
    expect(() => scene.setTable({ size: [0, 1] })).toThrow(/table size x/);
    expect(() => scene.add('X', 'object', [], { position: [0, 0, 0] })).toThrow(/1 to 64 parts/);
    expect(() => scene.addBox('X', [0.1, 0.1, 0.1], { position: [0, 0, 0] }, 'wall' as never)).toThrow(/kind must be one of/);
    expect(() =>
      scene.add('X', 'object', [{ shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, transform: new Float64Array(16) }], {
        position: [0, 0, 0],
      }),
    ).toThrow(/orthonormal/);
  });
});
