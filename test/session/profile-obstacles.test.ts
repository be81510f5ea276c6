/**
 * A launch profile's fixed boxes (`scene.obstacles`, issue 12): validated with physical bounds,
 * added to the guard's and the planner's planning scenes for any backend, and on the sim also
 * bodies of the physics. goto plans around a box in its way, or refuses naming it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../session/app.js';
import { parseProfile, ProfileError } from '../../session/profile.js';
import { parseScript } from '../../session/script.js';
import { runScript } from '../../session/script-run.js';

const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.dispose();
});

const profile = (obstacles: string) => parseProfile(`backend: sim\nscene:\n  file: giftbag\n  obstacles:\n${obstacles}`);

describe('profile scene.obstacles', () => {
  it('parses boxes (yaw defaults to 0) and keeps `scene: NAME` working', () => {
    const p = profile('    - { name: POST, size: [0.08, 0.08, 0.08], position: [0.4, -0.07, 0.55] }\n');
    expect(p.scene).toBe('giftbag');
    expect(p.obstacles).toEqual([{ name: 'POST', size: [0.08, 0.08, 0.08], position: [0.4, -0.07, 0.55], yaw: 0 }]);
    const plain = parseProfile('backend: sim\nscene: giftbag\n');
    expect(plain.scene).toBe('giftbag');
    expect(plain.obstacles).toBeUndefined();
  });

  it.each([
    ['a zero size', '[0, 0.1, 0.1]', '[0.4, 0, 0.2]', /scene\.obstacles\.0\.size\.0: must be more than 0 m/],
    ['a size over 2 m', '[2.5, 0.1, 0.1]', '[0.4, 0, 0.2]', /size\.0: must be at most 2 m/],
    ['a position 5 m away', '[0.1, 0.1, 0.1]', '[5, 0, 0.2]', /position\.0: must be within 3 m of the robot base/],
    ['two sizes', '[0.1, 0.1]', '[0.4, 0, 0.2]', /scene\.obstacles\.0\.size/],
  ])('refuses %s with the field in the message', (_what, size, position, message) => {
    expect(() => profile(`    - { name: BOX, size: ${size}, position: ${position} }\n`)).toThrow(ProfileError);
    expect(() => profile(`    - { name: BOX, size: ${size}, position: ${position} }\n`)).toThrow(message);
  });

  it('refuses a name listed twice, an unknown field, and a name a scene body has', async () => {
    const box = '{ name: BOX, size: [0.1, 0.1, 0.1], position: [0.4, 0, 0.2] }';
    expect(() => profile(`    - ${box}\n    - ${box}\n`)).toThrow(/obstacle "BOX" is listed twice/);
    expect(() => profile('    - { name: BOX, size: [0.1, 0.1, 0.1], position: [0.4, 0, 0.2], colour: red }\n')).toThrow(/colour/);
    await expect(
      createApp({ profile: profile('    - { name: CANDY, size: [0.1, 0.1, 0.1], position: [0.4, 0.4, 0.2] }\n') }),
    ).rejects.toThrow(/obstacle "CANDY": the name is taken/);
  });

  it('puts the box in the guard scene and the planning scene, and in the physics', async () => {
    const app = await createApp({
      profile: profile('    - { name: POST, size: [0.08, 0.08, 0.08], position: [0.4, -0.07, 0.55], yaw: 0.3 }\n'),
    });
    apps.push(app);
    expect(app.collision?.checker.scene.get('POST')?.kind).toBe('static');
    expect(app.collision?.transit?.scene.get('POST')?.kind).toBe('static');
    expect(app.sim?.mjcf.xml).toMatch(/<geom name="POST" type="box" size="0\.04 0\.04 0\.04" pos="0\.4 -0\.07 0\.55" quat="[^"]+"/);
  });

  it('goto plans around a box in the straight way, and the arm never touches it', async () => {
    // A 8 cm box hanging where the wrist passes on the straight joint-space move home → above the bag.
    const app = await createApp({ profile: profile('    - { name: POST, size: [0.08, 0.08, 0.08], position: [0.4, -0.07, 0.55] }\n') });
    apps.push(app);
    const sim = app.sim!;
    let touches = 0;
    sim.onAfterStep((w) => {
      if (w.contacts().some((c) => c.geom1 === 'POST' || c.geom2 === 'POST')) touches++;
    });
    const q0 = app.session.armState().q;
    const [t] = await runScript(app, parseScript('go to the gift bag\n'));
    expect(t).toMatchObject({ kind: 'plan', outcome: 'succeeded' });
    const q1 = app.session.armState().q;
    // The straight move would have hit it: the planner went around.
    expect(app.collision?.transit?.checkPath([q0, q1])).toMatchObject({ b: 'POST' });
    expect(touches).toBe(0);
  });

  it('goto refuses, naming the box, when the box covers the target, and nothing moves', async () => {
    // A shelf 12 cm above the candy: no way down to it from above.
    const app = await createApp({ profile: profile('    - { name: SHELF, size: [0.3, 0.3, 0.02], position: [0.45, 0.02, 0.14] }\n') });
    apps.push(app);
    const before = app.sim!.time;
    const r = await app.session.say('go to the candy');
    expect(r.outcome).toBe('failed');
    expect(r.failure).toMatch(
      /^goto\(CANDY\): I can't reach CANDY: .*panda_\w+ would hit SHELF \d+\.\d\d s into the descent, at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\)$/,
    );
    expect(app.sim!.time).toBe(before);
  });
});
