/**
 * Teaching by dialogue through the whole stack, with outcomes read from the physics:
 * a behavior taught step by step, an object taught by pointing, nesting, and a restart over
 * the same data folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, worldReport, type SimApp } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';

let apps: SimApp[] = [];
afterEach(async () => {
  for (const a of apps) await a.dispose();
  apps = [];
});
const open = async (dataDir: string, seed = 1) => {
  const app = await createApp({ seed, dataDir });
  apps.push(app);
  return app;
};
const at = (app: SimApp, name: string) =>
  app.sim
    .bodyPosition(name)!
    .map((v) => v.toFixed(3))
    .join(' ');

describe('teaching a behavior by dialogue', () => {
  it('teaches pack, applies it to a newly taught TOY_CAR, nests it, and keeps it all after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-teach-'));
    const app = await open(dir);
    const turns = await runScript(
      app,
      parseScript(
        [
          'pack the candy',
          'yes',
          'pick up the candy',
          'go to the bag',
          'drop it',
          "that's it",
          'pick up the toy car',
          `!click ${at(app, 'TOY_CAR')}`,
          'pack the toy car',
        ].join('\n'),
      ),
    );
    expect(turns.map((t) => t.kind)).toEqual(['question', 'plan', 'plan', 'plan', 'plan', 'taught', 'question', 'taught', 'plan']);
    expect(turns[0].reply).toMatch(/I don't know how to pack yet\. Teach me\?/);
    expect(turns[5].reply).toMatch(/pack\(obj\)/);
    // The taught body: the named object became a parameter, the bag stayed a constant.
    const pack = app.registry.get('pack');
    expect(pack.kind === 'behavior' && pack.params.map((p) => p.name)).toEqual(['obj']);
    expect(app.registry.expand([{ skill: 'pack', args: { obj: 'TOY_CAR' } }])).toEqual([
      { skill: 'goto', args: { object: 'TOY_CAR' } },
      { skill: 'grasp', args: {} },
      { skill: 'goto', args: { object: 'GIFT_BAG' } },
      { skill: 'release', args: {} },
    ]);
    expect(turns[8]).toMatchObject({ plan: [{ skill: 'pack', args: { obj: 'TOY_CAR' } }], outcome: 'succeeded' });
    let world = worldReport(app);
    expect(world.CANDY.in).toBe('GIFT_BAG');
    expect(world.TOY_CAR.in).toBe('GIFT_BAG');

    // Restart: a new app over the same data folder remembers pack and TOY_CAR.
    await app.dispose();
    apps = apps.filter((a) => a !== app);
    const again = await open(dir, 2);
    expect(again.registry.has('pack')).toBe(true);
    expect(again.world.has('TOY_CAR')).toBe(true);
    // Nesting: a behavior that uses pack, taught after the restart, applied to a new object.
    const t2 = await runScript(
      again,
      parseScript(
        [
          'let me teach you to deliver the toy car',
          'pack the toy car',
          'go home',
          'done',
          'pick up the ball',
          `!click ${at(again, 'BALL')}`,
          'deliver the ball',
        ].join('\n'),
      ),
    );
    expect(t2.map((t) => t.kind)).toEqual(['plan', 'plan', 'plan', 'taught', 'question', 'taught', 'plan']);
    expect(t2[3].reply).toMatch(/deliver\(obj\)/);
    expect(t2[6]).toMatchObject({ plan: [{ skill: 'deliver', args: { obj: 'BALL' } }], outcome: 'succeeded' });
    world = worldReport(again);
    expect(world.TOY_CAR.in).toBe('GIFT_BAG');
    expect(world.BALL.in).toBe('GIFT_BAG');
  });

  it('undo, forget, rename and questions about skills go through the dialogue', async () => {
    const app = await open(mkdtempSync(join(tmpdir(), 'shammie-teach-')));
    const turns = await runScript(
      app,
      parseScript(
        [
          'let me teach you to visit the candy',
          'go to the candy',
          'go home',
          "that's it",
          'what is visit',
          'rename visit to check',
          'what can you do',
          'forget check',
          'undo',
          'undo',
          'what can you do',
        ].join('\n'),
      ),
    );
    expect(turns[3].kind).toBe('taught');
    expect(turns[4].reply).toMatch(/visit\(obj\).*goto\(obj\) → go_home\(\)/);
    expect(turns[6].reply).toMatch(/You taught me check\(obj\)/);
    expect(turns[7].reply).toMatch(/forgot check/);
    expect(turns[8].reply).toMatch(/Undone: forgot .*check/);
    expect(turns[9].reply).toMatch(/Undone: renamed .*visit.* to .*check/);
    expect(turns[10].reply).toMatch(/You taught me visit\(obj\)/);
    // Two undos: the forget and the rename are both taken back.
    expect(app.registry.has('visit')).toBe(true);
    expect(app.registry.has('check')).toBe(false);
  });

  it('cancel abandons teaching; a failed step is not recorded; built-in names are refused', async () => {
    const app = await open(mkdtempSync(join(tmpdir(), 'shammie-teach-')));
    const turns = await runScript(
      app,
      parseScript(
        ['let me teach you to pickup', 'let me teach you to wave', 'go to the bag', '!stop 0.3', "that's it", 'cancel', 'wave'].join('\n'),
      ),
    );
    expect(turns[0].reply).toMatch(/built.in/);
    expect(turns[2].outcome).toBe('failed');
    expect(turns[3].kind).toBe('question'); // nothing recorded: the only step was stopped
    expect(turns[4].reply).toMatch(/stopped learning wave/);
    expect(app.registry.has('wave')).toBe(false);
  });
});

describe('corrections', () => {
  it('"no, the other one" re-plans the pending command with the next matching object, and nothing moved', async () => {
    const app = await open(mkdtempSync(join(tmpdir(), 'shammie-other-')));
    const car = at(app, 'TOY_CAR');
    await runScript(app, parseScript(`pick up the toy car\n!click ${car}\n`));
    const before = [...app.backend.jointState().position];
    const first = await app.session.say('pick up the candy');
    expect(first.plan).toEqual([{ skill: 'pickup', args: { object: 'CANDY' } }]);
    const other = await app.session.say('no, the other one');
    expect(other.kind).toBe('plan');
    expect(other.plan).toEqual([{ skill: 'pickup', args: { object: 'TOY_CAR' } }]);
    expect(app.session.pending?.plan).toEqual(other.plan);
    expect(app.backend.jointState().position).toEqual(before);
    const done = await app.session.confirm();
    expect(done.outcome).toBe('succeeded');
    expect(worldReport(app).TOY_CAR.held).toBe(true);
  });
});
