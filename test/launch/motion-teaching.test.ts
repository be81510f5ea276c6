/** Teaching a motion skill by demonstration through the dialogue, in the stop-motion scene. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../launch/app.js';
import { runScript } from '../../launch/run.js';
import { parseScript } from '../../launch/script.js';

const DEMO = resolve(import.meta.dirname, '../../skills/demonstration/examples/track-hulk.json');
let apps: App[] = [];
afterEach(async () => {
  for (const a of apps) await a.dispose();
  apps = [];
});

describe('motion skills taught by demonstration', () => {
  it('learns track from a demonstration on HULK, applies it to TOWER, and keeps it after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-motion-'));
    const app = await createApp({ scene: 'stopmotion', dataDir: dir });
    apps.push(app);
    const turns = await runScript(app, parseScript([
      "I'll show you how to track around the hulk",
      `!demo ${DEMO}`,
      "that's it",
      'track around the tower',
    ].join('\n'), join(dir, 'script.txt')));
    expect(turns.map((t) => t.kind)).toEqual(['plan', 'plan', 'taught', 'plan']);
    const name = turns[3].plan![0].skill;
    expect(turns[3].plan).toEqual([{ skill: name, args: { target: 'TOWER' } }]);
    expect(turns[3].outcome).toBe('succeeded');
    expect(app.library.motions().map((m) => m.name)).toEqual([name]);

    await app.dispose();
    apps = [];
    const again = await createApp({ scene: 'stopmotion', dataDir: dir });
    apps.push(again);
    expect(again.registry.has(name)).toBe(true);
    const t2 = await runScript(again, parseScript(`track around loki\nforget ${name.replace(/_/g, ' ')}\n`));
    expect(t2[0]).toMatchObject({ plan: [{ skill: name, args: { target: 'LOKI' } }], outcome: 'succeeded' });
    expect(again.registry.has(name)).toBe(false);
  });

  it('a demonstration outside teaching, or a malformed one, is refused with a reason', async () => {
    const app = await createApp({ scene: 'stopmotion' });
    apps.push(app);
    expect((await app.session.demonstrate({})).kind).toBe('question');
    await app.session.say("I'll show you how to track around the hulk");
    const bad = await app.session.demonstrate({ robot: 'panda', jointNames: ['x'], samples: [] });
    expect(bad.kind).toBe('error');
    expect(bad.reply).toMatch(/can't learn from that demonstration/);
  });
});
