/** Teaching a motion skill by demonstration through the dialogue, in the stop-motion scene. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';

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
    const turns = await runScript(
      app,
      parseScript(
        ["I'll show you how to track around the hulk", `!demo ${DEMO}`, "that's it", 'track around the tower'].join('\n'),
        join(dir, 'script.txt'),
      ),
    );
    expect(turns.map((t) => t.kind)).toEqual(['plan', 'plan', 'taught', 'plan']);
    const name = turns[3].plan![0].skill;
    expect(name).toBe('track'); // "track around the hulk" teaches track(target), not track_around
    // The sim arm cannot be guided by hand: the reply says how to demonstrate there.
    expect(turns[0].reply).toMatch(
      /show me how to track \(relative to HULK\)\. This arm \(sim\) can't be guided by hand, so give me a recorded demonstration: record one in the console's Teach panel and press "Show it to the robot" \(or "!demo FILE" in a script\)/,
    );
    expect(app.backend.capabilities.handGuiding).toBe(false);
    expect(turns[2].reply).toMatch(/learned track\(target\).*shown on HULK/);
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

  it('"rename track to orbit" renames a learned motion skill; behaviors that call it follow, after a restart too, and undo takes it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-motion-rename-'));
    const app = await createApp({ scene: 'stopmotion', dataDir: dir });
    apps.push(app);
    const turns = await runScript(
      app,
      parseScript(
        [
          "I'll show you how to track around the hulk",
          `!demo ${DEMO}`,
          "that's it",
          'let me teach you to film',
          'track around the tower',
          "that's it",
          'rename track to orbit',
        ].join('\n'),
        join(dir, 'script.txt'),
      ),
    );
    expect(turns.map((t) => t.kind)).toEqual(['plan', 'plan', 'taught', 'plan', 'plan', 'taught', 'taught']);
    expect(turns[4]).toMatchObject({ plan: [{ skill: 'track', args: { target: 'TOWER' } }], outcome: 'succeeded' });
    expect(turns[6].reply).toBe('Okay, track is now called orbit.');
    expect(app.registry.has('track')).toBe(false);
    expect(app.registry.get('orbit')).toMatchObject({ kind: 'primitive', learned: true });
    expect(app.library.motions().map((m) => m.name)).toEqual(['orbit']);
    expect(app.library.behaviors().find((b) => b.name === 'film')!.body).toEqual([{ skill: 'orbit', args: { target: 'TOWER' } }]);

    // The renamed skill and the behavior that calls it both run, after a restart too.
    await app.dispose();
    apps = [];
    const again = await createApp({ scene: 'stopmotion', dataDir: dir });
    apps.push(again);
    const t2 = await runScript(again, parseScript('orbit around loki\nfilm\nwhat can you do?\n'));
    expect(t2[0]).toMatchObject({ plan: [{ skill: 'orbit', args: { target: 'LOKI' } }], outcome: 'succeeded' });
    expect(t2[1]).toMatchObject({ plan: [{ skill: 'film', args: {} }], outcome: 'succeeded' });
    expect(t2[2].reply).toMatch(/You taught me .*orbit\(target\)/);

    // Undo: the old name is back, for the skill and inside film.
    const t3 = await runScript(again, parseScript('undo\ntrack around loki\n'));
    expect(t3[0].reply).toMatch(/Undone: renamed motion "track" to "orbit"/);
    expect(again.registry.has('orbit')).toBe(false);
    expect(again.library.behaviors().find((b) => b.name === 'film')!.body).toEqual([{ skill: 'track', args: { target: 'TOWER' } }]);
    expect(t3[1]).toMatchObject({ plan: [{ skill: 'track', args: { target: 'LOKI' } }], outcome: 'succeeded' });
  });

  it('renaming a learned motion works without a data folder too (the in-memory library), with undo', async () => {
    const app = await createApp({ scene: 'stopmotion' });
    apps.push(app);
    const script = (lines: string[]) => runScript(app, parseScript(lines.join('\n'), join(tmpdir(), 'script.txt')));
    await script([
      "I'll show you how to track around the hulk",
      `!demo ${DEMO}`,
      "that's it",
      'let me teach you to film',
      'track around the tower',
      "that's it",
    ]);
    const renamed = await script(['rename track to orbit', 'film']);
    expect(renamed[0]).toMatchObject({ kind: 'taught', reply: 'Okay, track is now called orbit.' });
    expect(app.registry.has('orbit') && !app.registry.has('track')).toBe(true);
    expect(app.library.behaviors()[0].body).toEqual([{ skill: 'orbit', args: { target: 'TOWER' } }]);
    expect(renamed[1]).toMatchObject({ plan: [{ skill: 'film', args: {} }], outcome: 'succeeded' });
    const undone = await script(['undo', 'film']);
    expect(undone[0].kind).toBe('taught');
    expect(app.registry.has('track') && !app.registry.has('orbit')).toBe(true);
    expect(app.library.behaviors()[0].body).toEqual([{ skill: 'track', args: { target: 'TOWER' } }]);
    expect(undone[1]).toMatchObject({ plan: [{ skill: 'film', args: {} }], outcome: 'succeeded' });
  });

  it('one camera move right after another, near the table: the move to the next start goes over the top, not through the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-motion-'));
    const app = await createApp({ scene: 'stopmotion', dataDir: dir });
    apps.push(app);
    const ZOOM = resolve(import.meta.dirname, '../../skills/demonstration/examples/zoom-hulk.json');
    const turns = await runScript(
      app,
      parseScript(
        [
          "I'll show you how to track around the hulk",
          `!demo ${DEMO}`,
          "that's it",
          "I'll show you how to zoom in on the hulk",
          `!demo ${ZOOM}`,
          "that's it",
          'track around loki',
          // Straight through joint space from the end of track(LOKI) the hand went 3 mm into the table.
          'zoom in on the hulk',
        ].join('\n'),
        join(dir, 'script.txt'),
      ),
    );
    const [track, zoom] = turns.slice(-2);
    expect(track).toMatchObject({ outcome: 'succeeded' });
    expect(zoom.failure ?? null).toBeNull();
    expect(zoom).toMatchObject({ plan: [{ skill: 'zoom_in', args: { target: 'HULK' } }], outcome: 'succeeded' });
    // The sim agrees: nothing touched the table hard enough to abort, and the arm ended at the zoom's end.
    expect(app.backend.status().problems.filter((p) => p.severity === 'error')).toEqual([]);
  }, 60_000);

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
