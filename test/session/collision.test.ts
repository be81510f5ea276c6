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
  it('"pick up the candy" with the candy inside the bag is refused before motion: the hand does not fit into the bag', async () => {
    const app = await createApp();
    apps.push(app);
    const turns = await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    expect(turns.map((t) => t.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(app.sim.objectStates().find((o) => o.name === 'CANDY')?.in).toBe('GIFT_BAG');
    const moves = app.sim.time;
    const again = await app.session.say('pick up the candy');
    expect(again.outcome).toBe('failed');
    // The hand (20 cm across its fingers) does not fit into the bag (20 × 14 cm inside) at any grasp yaw.
    expect(again.failure).toMatch(
      /^goto\(CANDY\): I can't reach CANDY: approaching CANDY from above, panda_\w+ would hit GIFT_BAG (wall|floor) \d+\.\d\d s into the descent, at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\)$/,
    );
    expect(again.reply).toBe(`Here is my plan: pickup(CANDY), but I can't carry it out: ${again.failure}`);
    expect(app.session.pending).toBeNull();
    // Nothing moved: the sim's clock did not run a motion.
    expect(app.sim.time).toBe(moves);
  });

  it('the guard refuses a motion into the bag wall by itself, whatever the caller planned', async () => {
    const app = await createApp();
    apps.push(app);
    await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    // Compile "go to the candy" without the session's preview check, and send it straight to the guard.
    const preview = app.session.deps.collision;
    expect(preview).toBeDefined();
    const deps = app.session.deps;
    const withoutCheck = { ...deps, collision: undefined, motion: { ...deps.motion, collision: undefined } };
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

  it('the preview checks what the primitives compiled: a motion into the wall is shown red with both bodies, the time and the point', async () => {
    const app = await createApp();
    apps.push(app);
    await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    const deps = app.session.deps;
    // The primitives without the scene compile the old straight approach; the preview's own check catches it.
    const naive = { ...deps, motion: { ...deps.motion, collision: undefined } };
    const { compilePreview } = await import('../../session/preview.js');
    const p = compilePreview(naive, [{ skill: 'goto', args: { object: 'CANDY' } }], app.session.armState());
    expect(p.safe).toBe(false);
    const bad = p.steps.find((st) => !st.safe)!;
    expect(bad.reason).toMatch(
      /^would hit GIFT_BAG (wall|floor) with panda_\w+ at \d+\.\d\d s, at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\)$/,
    );
    expect(bad.contact?.b).toMatch(/^GIFT_BAG (wall|floor)$/);
    expect(bad.contact?.point).toHaveLength(3);
  });

  it('a tall object is grasped high enough that the palm clears it, and nothing else is touched', async () => {
    const app = await createApp();
    apps.push(app);
    const before = new Map(app.sim.objectStates().map((o) => [o.name, o.position]));
    const turns = await runScript(app, parseScript('pick up the lotion\n!click 0.38 0.13 0.05\npick up the lotion\n'));
    expect(turns[2]).toMatchObject({ kind: 'plan', outcome: 'succeeded' });
    const after = app.sim.objectStates();
    expect(after.find((o) => o.name === 'LOTION')?.held).toBe(true);
    // Every other object is where it was (to 2 mm): the hand touched nothing else.
    for (const o of after.filter((x) => x.name !== 'LOTION')) {
      const p0 = before.get(o.name)!;
      expect(Math.hypot(o.position[0] - p0[0], o.position[1] - p0[1], o.position[2] - p0[2]), o.name).toBeLessThan(0.002);
    }
  });

  it('intended contacts pass: the fingers around the candy on the table', async () => {
    const app = await createApp({ scene: 'giftbag' });
    apps.push(app);
    const [t] = await runScript(app, parseScript('go to the candy\n'));
    expect(t).toMatchObject({ kind: 'plan', outcome: 'succeeded' });
  });
});
