/**
 * Collision checks in the preview and in the guard, on the real MuJoCo sim (issue 12's
 * reproduction): after the candy was put in the gift bag, "pick up the candy" used to pass the
 * safety check and then drive the fingers into the bag's wall. With the planning scene, the
 * preview refuses it before anything moves, naming the step, the two bodies, the time and the
 * point; and the guard refuses the same motion even if a caller skips the preview.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';
import { parseScript } from '../../session/script.js';
import { runScript } from '../../session/script-run.js';

const apps: SimApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.dispose();
});

describe('collision-aware checks (planning scene)', () => {
  it('"pick up the candy" with the candy inside the bag is refused before motion, with the bodies, time and point', async () => {
    const app = await createApp({ collision: true });
    apps.push(app);
    const turns = await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    expect(turns.map((t) => t.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(app.sim.objectStates().find((o) => o.name === 'CANDY')?.in).toBe('GIFT_BAG');
    const moves = app.sim.time;
    const again = await app.session.say('pick up the candy');
    expect(again.outcome).toBe('failed');
    expect(again.failure).toMatch(
      /^goto\(CANDY\) would hit GIFT_BAG (wall|floor) with panda_\w+ at \d+\.\d\d s, at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\)$/,
    );
    expect(again.reply).toBe(`Here is my plan: pickup(CANDY), but ${again.failure}`);
    expect(app.session.pending).toBeNull();
    // Nothing moved: the sim's clock did not run a motion.
    expect(app.sim.time).toBe(moves);
  });

  it('the guard refuses a motion into the bag wall by itself, whatever the caller planned', async () => {
    const app = await createApp({ collision: true });
    apps.push(app);
    await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    // Compile "go to the candy" without the session's preview check, and send it straight to the guard.
    const preview = app.session.deps.collision;
    expect(preview).toBeDefined();
    const withoutCheck = { ...app.session.deps, collision: undefined };
    const { compilePreview } = await import('../../session/preview.js');
    const p = compilePreview(withoutCheck, [{ skill: 'goto', args: { object: 'CANDY' } }], app.session.armState());
    const trajectories = p.compiled[0].motions.filter((m) => m.kind === 'trajectory');
    let refused = '';
    for (const m of trajectories) {
      const out = await app.backend.executeTrajectory(m.trajectory, m.allow ? { allow: m.allow } : {}).done;
      if (out.status !== 'succeeded') {
        refused = out.reason;
        break;
      }
    }
    expect(refused).toMatch(/the motion would hit GIFT_BAG (wall|floor) with panda_\w+ at/);
  });

  it('intended contacts pass: the fingers around the candy on the table', async () => {
    const app = await createApp({ collision: true, scene: 'giftbag' });
    apps.push(app);
    const [t] = await runScript(app, parseScript('go to the candy\n'));
    expect(t).toMatchObject({ kind: 'plan', outcome: 'succeeded' });
  });
});
