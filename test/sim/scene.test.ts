import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_SCENES,
  SceneError,
  knownEntities,
  resolveScenePath,
  loadScene,
  objectHalfExtents,
  parseScene,
  placeObjects,
  sceneRobot,
} from '../../sim/scene.js';
import { WorldModel } from '../../model/world.js';

const giftbag = () => JSON.parse(JSON.stringify(loadScene('giftbag'))) as Record<string, unknown> & { objects: Record<string, unknown>[] };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SceneError);
    return (err as Error).message;
  }
  throw new Error('expected a SceneError');
}

describe('scene files', () => {
  it('loads the gift-bag scene with the objects of the paper', () => {
    const s = loadScene('giftbag');
    expect(s.objects.map((o) => o.name)).toEqual(['CANDY', 'TOY_CAR', 'BALL', 'LOTION', 'PEN']);
    expect(s.containers.map((c) => c.name)).toEqual(['GIFT_BAG', 'BIN']);
    expect(s.robot.model).toBe('panda');
    expect(s.name).toBe('giftbag');
    expect(resolveScenePath('giftbag')).toBe(BUILTIN_SCENES.giftbag);
    expect(JSON.parse(JSON.stringify(s))).not.toHaveProperty('source'); // round-trips as a scene file
    expect(parseScene(JSON.stringify(s)).objects).toEqual(s.objects);
    expect(sceneRobot(s).name).toBe('panda');
    const bag = s.containers[0];
    expect(bag.inner[0]).toBeCloseTo(0.2);
    expect(bag.inner[1]).toBeCloseTo(0.14);
    expect(bag.height).toBeCloseTo(0.16);
  });

  it('knows only CANDY and GIFT_BAG at start, as world-model entities', () => {
    const entities = knownEntities(loadScene('giftbag'));
    expect(entities).toEqual([
      { name: 'CANDY', description: 'A gummy, sandwich-shaped candy.', kind: 'object', source: { type: 'body', body: 'CANDY' } },
      {
        name: 'GIFT_BAG',
        description: 'A gift bag that can hold items.',
        kind: 'object',
        source: { type: 'body', body: 'GIFT_BAG' },
        container: true,
      },
    ]);
    expect(new WorldModel(entities).names()).toEqual(new Set(['CANDY', 'GIFT_BAG']));
  });

  it('puts every graspable object within the Panda reach and its narrow side within the 8 cm gripper, for any seed', () => {
    const s = loadScene('giftbag');
    for (const seed of [0, 1, 2, 3, 42, 1234]) {
      for (const p of placeObjects(s, seed)) {
        expect(p.position[0], p.object.name).toBeGreaterThanOrEqual(0.35);
        expect(p.position[0], p.object.name).toBeLessThanOrEqual(0.65);
        expect(Math.abs(p.position[1]), p.object.name).toBeLessThanOrEqual(0.35);
        const h = objectHalfExtents(p.object);
        expect(2 * Math.min(h[0], h[1]), p.object.name).toBeLessThanOrEqual(0.08);
      }
    }
  });

  it('jitters positions deterministically per seed, within the amplitude', () => {
    const s = loadScene('giftbag');
    expect(placeObjects(s, 7)).toEqual(placeObjects(s, 7));
    expect(placeObjects(s, 7)).not.toEqual(placeObjects(s, 8));
    for (const p of placeObjects(s, 9)) {
      expect(Math.abs(p.position[0] - p.object.position[0])).toBeLessThanOrEqual(s.jitter);
      expect(Math.abs(p.position[1] - p.object.position[1])).toBeLessThanOrEqual(s.jitter);
    }
  });

  it('names the file and the field for malformed JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-scene-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "table": { "size": [1, 1] },\n  "robot": "panda",\n}\n');
    const msg = errorOf(() => loadScene(file));
    expect(msg).toMatch(/^scene broken\.json: not valid JSON/);
  });

  it('says which object has a bad size and what was expected', () => {
    const s = giftbag();
    s.objects[2] = { ...s.objects[0], name: 'BALL', shape: 'box', size: [0.03] };
    expect(errorOf(() => parseScene(JSON.stringify(s), '/somewhere/giftbag.json'))).toContain(
      'scene giftbag.json: objects[2].size: expected 3 numbers',
    );
  });

  it('reports wrong field types, unknown fields and bad names', () => {
    const s = giftbag();
    s.objects[0] = { ...s.objects[0], mass: 'heavy' };
    s.objects[1] = { ...s.objects[1], colour: [1, 0, 0, 1] };
    s.objects[3] = { ...s.objects[3], name: 'lotion' };
    const msg = errorOf(() => parseScene(JSON.stringify(s), 'x/my.json'));
    expect(msg).toContain('scene my.json: objects[0].mass: expected a number, got the text "heavy"');
    expect(msg).toContain('objects[1]: unknown field "colour"');
    expect(msg).toContain('objects[3].name: names are UPPER_SNAKE_CASE');
  });

  it('rejects an unknown robot with the list of built-in ones', () => {
    const s = giftbag();
    s.robot = { model: 'kuka' };
    expect(errorOf(() => parseScene(JSON.stringify(s), 'giftbag.json'))).toContain(
      'robot.model: unknown robot "kuka"; use one of panda, ur5e or a path to a .urdf file',
    );
    s.robot = 'missing/arm.urdf';
    expect(errorOf(() => parseScene(JSON.stringify(s), '/tmp/giftbag.json'))).toMatch(/robot\.model: URDF file .*arm\.urdf does not exist/);
  });

  it('rejects overlapping objects, objects off the table, duplicate and unknown names', () => {
    const s = giftbag();
    s.objects[1] = { ...s.objects[1], position: [0.46, 0.03] };
    s.objects[4] = { ...s.objects[4], position: [1.5, 0] };
    s.known = [{ name: 'TEDDY', description: 'A bear.' }];
    const msg = errorOf(() => parseScene(JSON.stringify(s), 'giftbag.json'));
    expect(msg).toContain('objects[1].position: TOY_CAR overlaps CANDY');
    expect(msg).toContain('objects[4].position: PEN at [1.5, 0] is not fully on the table');
    expect(msg).toContain('known[0].name: "TEDDY" is not an object or container in this scene');
    const d = giftbag();
    d.objects[1] = { ...d.objects[1], name: 'CANDY' };
    expect(errorOf(() => parseScene(JSON.stringify(d)))).toContain('scene: objects[1].name: "CANDY" is already used by objects[0]');
  });

  it('fails clearly for a missing scene file', () => {
    expect(errorOf(() => loadScene('/nope/kitchen.json'))).toContain(
      `cannot read scene file /nope/kitchen.json: no such file (built-in scenes: ${Object.keys(BUILTIN_SCENES).join(', ')})`,
    );
  });
});
