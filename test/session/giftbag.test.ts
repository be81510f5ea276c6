/**
 * End to end through the whole stack (planner → session → SafetyGuard → SimBackend →
 * MuJoCo): the outcomes are read back from the physics, not from the plan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, worldReport, type SimApp } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';

let app: SimApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

describe('the gift-bag session in physics', () => {
  it('"pick up the candy" then "put it in the bag" ends with CANDY inside GIFT_BAG', async () => {
    app = await createApp({ seed: 1 });
    const turns = await runScript(app, parseScript('pick up the candy\nput it in the bag\n'));
    expect(turns.map((t) => [t.kind, t.outcome])).toEqual([
      ['plan', 'succeeded'],
      ['plan', 'succeeded'],
    ]);
    expect(turns[0].plan).toEqual([{ skill: 'pickup', args: { object: 'CANDY' } }]);
    expect(turns[1].plan).toEqual([
      { skill: 'goto', args: { object: 'GIFT_BAG' } },
      { skill: 'release', args: {} },
    ]);
    const candy = worldReport(app).CANDY;
    expect(candy.in).toBe('GIFT_BAG');
    expect(candy.held).toBe(false);
  });

  it('works with the 6-DoF UR5e description too', async () => {
    app = await createApp({ seed: 3, robot: 'ur5e' });
    const turns = await runScript(app, parseScript('pick up the candy and put it in the bag\n'));
    expect(turns[0].outcome).toBe('succeeded');
    expect(worldReport(app).CANDY.in).toBe('GIFT_BAG');
  });

  it('"pick up the toy car" before TOY_CAR is taught is a question, and nothing moves', async () => {
    app = await createApp({ seed: 1 });
    const before = [...app.backend.jointState().position];
    const sent: string[] = [];
    app.simBackend.onJointState(() => undefined);
    const origExec = app.simBackend.executeTrajectory.bind(app.simBackend);
    app.simBackend.executeTrajectory = (t, o) => {
      sent.push('trajectory');
      return origExec(t, o);
    };
    const turns = await runScript(app, parseScript('pick up the toy car\n'));
    expect(turns[0].kind).toBe('question');
    expect(turns[0].reply).toMatch(/TOY_CAR/);
    expect(turns[0].executed).toBe(false);
    expect(turns[0].outcome).toBe('not_run');
    expect(sent).toEqual([]);
    expect(app.backend.jointState().position).toEqual(before);
    expect(worldReport(app).TOY_CAR.held).toBe(false);
  });

  it('a taught object can then be picked up (teach by pointing with !click)', async () => {
    app = await createApp({ seed: 1 });
    const car = app.sim.bodyPosition('TOY_CAR')!;
    const turns = await runScript(
      app,
      parseScript(`pick up the toy car\n!click ${car[0]} ${car[1]} ${car[2] + 0.01}\npick up the toy car\nput it in the bag\n`),
    );
    expect(turns.map((t) => t.kind)).toEqual(['question', 'taught', 'plan', 'plan']);
    expect(turns[3].outcome).toBe('succeeded');
    expect(worldReport(app).TOY_CAR.in).toBe('GIFT_BAG');
  });
});

describe('stop', () => {
  it('!stop during a motion halts the arm within 100 ms of sim time and holds it', async () => {
    app = await createApp({ seed: 1 });
    const samples: { t: number; q: number[]; v: number[] }[] = [];
    app.simBackend.onJointState((s) => samples.push({ t: s.stamp, q: [...s.position], v: [...s.velocity] }));
    let stopAt = NaN;
    const origStop = app.simBackend.stop.bind(app.simBackend);
    app.simBackend.stop = async () => {
      stopAt = app!.backend.now();
      return origStop();
    };
    const turns = await runScript(app, parseScript('go to the bag\n!stop 0.4\n'));
    expect(turns[0].outcome).toBe('failed');
    expect(turns[0].failure).toMatch(/stopped by the operator/);
    expect(Number.isFinite(stopAt)).toBe(true);
    // It was really moving when stopped.
    const speed = (s: { v: number[] }) => Math.max(...s.v.map(Math.abs));
    const beforeStop = samples.filter((s) => s.t <= stopAt);
    expect(speed(beforeStop[beforeStop.length - 1])).toBeGreaterThan(0.2);
    // Hold for a second, then check: halted by stop + 100 ms, and still there.
    await app.backend.wait(1.0);
    const after = samples.filter((s) => s.t >= stopAt + 0.1);
    expect(after.length).toBeGreaterThan(50);
    for (const s of after) expect(speed(s)).toBeLessThan(0.05);
    const drift = Math.max(...after[0].q.map((v, i) => Math.abs(v - after[after.length - 1].q[i])));
    expect(drift).toBeLessThan(0.01);
  });

  it('stop works when idle and while the gripper is closing, and the session stays usable', async () => {
    app = await createApp({ seed: 1 });
    await app.session.stop();
    await runScript(app, parseScript('go to the candy\n'));
    const closing = app.backend.gripper({ position: 0, maxEffort: 40 });
    await app.session.stop();
    const r = await closing;
    expect(r.reachedGoal).toBe(false);
    const turns = await runScript(app, parseScript('go home\n'));
    expect(turns[0].outcome).toBe('succeeded');
  });
});

describe('the safety layer under the session', () => {
  it('rejects an out-of-limit trajectory with a reason, sending none of it', async () => {
    app = await createApp({ seed: 1 });
    const q0 = [...app.backend.jointState().position];
    const bad = [...q0];
    bad[3] = -3.3; // panda_joint4 lower limit is -3.0718 rad
    const exec = app.backend.executeTrajectory({
      jointNames: [...app.backend.jointNames],
      points: [
        { positions: q0, timeFromStart: 0 },
        { positions: bad, timeFromStart: 4 },
      ],
    });
    const outcome = await exec.done;
    expect(outcome.status).toBe('rejected');
    if (outcome.status === 'rejected') expect(outcome.reason).toMatch(/panda_joint4/);
    await app.backend.wait(0.2);
    const q1 = app.backend.jointState().position;
    expect(Math.max(...q1.map((v, i) => Math.abs(v - q0[i])))).toBeLessThan(1e-3);
  });
});
