/**
 * The allowed-collision matrix: deterministic, holds the adjacent pairs (parent/child across
 * geometry-less links) and the gripper's own pairs, agrees with its own sampling, and round-trips
 * through the on-disk cache, which is keyed by the URDF's content.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { parseUrdf } from '../../model/description/urdf.js';
import { RobotModel } from '../../model/description/robot-model.js';
import {
  allowedCollisions,
  CollisionChecker,
  computeAllowedCollisions,
  descriptionKey,
  loadAllowedCollisions,
  PlanningScene,
  robotCollisionModel,
  saveAllowedCollisions,
} from '../../collision/index.js';

const ADJACENT = {
  panda: [
    ['panda_link0', 'panda_link1'],
    ['panda_link1', 'panda_link2'],
    ['panda_link2', 'panda_link3'],
    ['panda_link3', 'panda_link4'],
    ['panda_link4', 'panda_link5'],
    ['panda_link5', 'panda_link6'],
    ['panda_link6', 'panda_link7'],
    ['panda_link7', 'panda_hand'], // across the geometry-less panda_link8
    ['panda_hand', 'panda_leftfinger'],
    ['panda_hand', 'panda_rightfinger'],
  ],
  ur5e: [
    ['base_link', 'shoulder_link'], // across the geometry-less base_link_inertia
    ['shoulder_link', 'upper_arm_link'],
    ['upper_arm_link', 'forearm_link'],
    ['forearm_link', 'wrist_1_link'],
    ['wrist_1_link', 'wrist_2_link'],
    ['wrist_2_link', 'wrist_3_link'],
    ['wrist_3_link', 'gripper_base'], // across tool0
    ['gripper_base', 'gripper_finger_left'],
    ['gripper_base', 'gripper_finger_right'],
  ],
} as const;

const FINGERS = { panda: ['panda_leftfinger', 'panda_rightfinger'], ur5e: ['gripper_finger_left', 'gripper_finger_right'] } as const;

describe.each(['panda', 'ur5e'] as const)('%s allowed-collision matrix', (name) => {
  const model = loadRobotModel(name);
  const robot = robotCollisionModel(model);

  it('is deterministic and holds the adjacent pairs and the fingers', () => {
    const a = computeAllowedCollisions(robot, { samples: 2000, seed: 7 });
    const b = computeAllowedCollisions(robot, { samples: 2000, seed: 7 });
    expect(b.pairs).toEqual(a.pairs);
    expect(b.key).toBe(a.key);
    for (const [x, y] of ADJACENT[name]) {
      expect(a.allows(x, y), `${x} ${y}`).toBe(true);
      expect(a.allows(y, x)).toBe(true);
      expect(a.pairs.find((p) => (p.a === x && p.b === y) || (p.a === y && p.b === x))?.reason).toBe('adjacent');
    }
    const [l, r] = FINGERS[name];
    expect(a.pairs.find((p) => p.a === l && p.b === r)?.reason).toBe('gripper');
    // Another seed samples other configurations; a different key either way.
    expect(computeAllowedCollisions(robot, { samples: 2000, seed: 8 }).key).not.toBe(a.key);
  });

  it('says "never" only for pairs it never saw within the margin, and checks every other pair', () => {
    const acm = allowedCollisions(robot);
    expect(acm.samples).toBe(10_000);
    for (const p of acm.pairs) {
      if (p.reason === 'never') expect(p.hits).toBe(0);
      if (p.reason === 'always') expect(p.hits).toBe(acm.samples);
    }
    const checker = new CollisionChecker(robot, new PlanningScene(), { acm });
    const checked = checker.selfPairs;
    const n = robot.bodies.length;
    expect(checked.length + acm.pairs.length).toBe((n * (n - 1)) / 2);
    for (const [x, y] of checked) expect(acm.allows(x, y)).toBe(false);
    // The default is the cached one: same object for the same robot and options.
    expect(allowedCollisions(robot)).toBe(acm);
  });

  it('takes pairs to disable by hand, and refuses unknown links', () => {
    const [x, y] = name === 'panda' ? ['panda_link2', 'panda_link4'] : ['upper_arm_link', 'wrist_1_link'];
    const acm = computeAllowedCollisions(robot, { samples: 500, disable: [[x, y]] });
    expect(acm.pairs.find((p) => p.a === x && p.b === y)?.reason).toBe('user');
    expect(() => computeAllowedCollisions(robot, { samples: 500, disable: [[x, 'nope']] })).toThrow(/disable\[0\]/);
    expect(() => computeAllowedCollisions(robot, { samples: 0 })).toThrow(/samples/);
  });

  it('round-trips through a cache file, keyed by the URDF content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-acm-'));
    const file = join(dir, 'collision-cache.json');
    const acm = computeAllowedCollisions(robot, { samples: 500, seed: 3 });
    expect(loadAllowedCollisions(file, robot, { samples: 500, seed: 3 })).toBeUndefined();
    saveAllowedCollisions(file, acm, robot);
    const back = loadAllowedCollisions(file, robot, { samples: 500, seed: 3 });
    expect(back?.pairs).toEqual(acm.pairs);
    expect(loadAllowedCollisions(file, robot, { samples: 500, seed: 4 })).toBeUndefined(); // other options: another key
    // allowedCollisions writes the file when asked and reads it back next time.
    const viaCache = allowedCollisions(robot, { samples: 600, seed: 3, cacheFile: file });
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(stored.entries)).toContain(`acm:${viaCache.key}`);
    // A malformed entry is ignored, not trusted.
    stored.entries[`acm:${acm.key}`] = { pairs: [['panda_link0', 'no_such_link', 'never', 0]] };
    writeFileSync(file, JSON.stringify(stored));
    expect(loadAllowedCollisions(file, robot, { samples: 500, seed: 3 })).toBeUndefined();
  });
});

describe('cache keys', () => {
  const urdf = (radius: number, comment = '') => `<?xml version="1.0"?>
<robot name="mini">${comment}
  <link name="base"><collision><geometry><cylinder radius="0.05" length="0.1"/></geometry></collision></link>
  <link name="arm"><collision><origin xyz="0.1 0 0"/><geometry><sphere radius="${radius}"/></geometry></collision></link>
  <joint name="j" type="revolute"><parent link="base"/><child link="arm"/><origin xyz="0 0 0.1"/><axis xyz="0 0 1"/><limit lower="-1" upper="1" velocity="1" effort="1"/></joint>
</robot>`;

  it('change with the geometry, not with comments or the file name', () => {
    const k = (text: string, source: string) => descriptionKey(parseUrdf(text, source), { kind: 'test' });
    expect(k(urdf(0.04), 'a.urdf')).toBe(k(urdf(0.04, '<!-- a comment -->'), 'b.urdf'));
    expect(k(urdf(0.04), 'a.urdf')).not.toBe(k(urdf(0.041), 'a.urdf'));
  });

  it('let a robot from any URDF get a matrix (a two-link arm)', () => {
    const robot = robotCollisionModel(new RobotModel(parseUrdf(urdf(0.04), 'mini.urdf')));
    const acm = computeAllowedCollisions(robot, { samples: 200 });
    expect(acm.pairs).toEqual([{ a: 'base', b: 'arm', reason: 'adjacent', hits: expect.any(Number) as number }]);
  });
});
