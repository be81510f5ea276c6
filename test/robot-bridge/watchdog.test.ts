/**
 * The watchdog: freeze the session's event loop mid-motion (a busy loop here, the test-only
 * hook) and the arm halts. The worker thread trips within the bound, and the sim's first physics
 * step after the freeze is a brake, not a catch-up of the old motion. Without the watchdog the
 * same freeze lets the motion go on (the control run), so the test measures what it claims.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';

/** Block this thread as a frozen event loop would (the test-only hook). */
function freezeEventLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* frozen */
  }
}

let app: SimApp | null = null;
afterEach(async () => {
  await app?.dispose();
  app = null;
});

/** Run "go to the bag" in real time, freeze the loop 0.4 s into the motion, and record what follows. */
async function freezeMidMotion(watchdog: boolean) {
  app = await createApp({ pace: 'realtime', watchdog, collision: false });
  const a = app;
  if (watchdog) await a.watchdog!.ready;
  const samples: { t: number; speed: number }[] = [];
  a.backend.onJointState((js) => samples.push({ t: js.stamp, speed: Math.max(...js.velocity.map(Math.abs)) }));
  const turn = await a.session.say('go to the bag');
  expect(turn.kind).toBe('plan');
  const trips: number[] = [];
  a.watchdog?.onTrip((trip) => trips.push(trip.at));
  const running = a.session.confirm();
  // Wait until the arm is well into the motion.
  const t0 = a.backend.now();
  while (a.backend.now() - t0 < 0.4) await new Promise((r) => setTimeout(r, 5));
  const frozenAtSim = a.backend.now();
  const frozenAtWall = Date.now();
  freezeEventLoop(1000);
  const done = await running;
  // The session hears of the trip at its next heartbeat (every 50 ms).
  await new Promise((r) => setTimeout(r, 150));
  return { done, samples, frozenAtSim, frozenAtWall, trips };
}

describe('the watchdog', () => {
  it('halts the sim arm when the event loop freezes mid-motion: tripped within 300 ms, no motion after the freeze', async () => {
    const r = await freezeMidMotion(true);
    expect(r.trips).toHaveLength(1);
    // The worker tripped within the bound after the freeze began: 250 ms after the last heartbeat
    // (beats every 50 ms, so 200–250 ms into the freeze) plus its 5 ms checks.
    expect(r.trips[0] - r.frozenAtWall).toBeGreaterThanOrEqual(195);
    expect(r.trips[0] - r.frozenAtWall).toBeLessThanOrEqual(300);
    expect(r.done.outcome).toBe('failed');
    expect(r.done.failure).toMatch(/halted by the watchdog/);
    // On the sim clock: the arm is below 0.05 rad/s within 0.3 s of the freeze (the brake ramp).
    const after = r.samples.filter((s) => s.t >= r.frozenAtSim);
    const haltedAt = after.find((s, i) => after.slice(i).every((x) => x.speed < 0.05));
    expect(haltedAt).toBeDefined();
    expect(haltedAt!.t - r.frozenAtSim).toBeLessThanOrEqual(0.3);
  }, 60_000);

  it('control run: without the watchdog the same freeze lets the motion go on', async () => {
    const r = await freezeMidMotion(false);
    expect(r.done.outcome).toBe('succeeded');
    const late = r.samples.filter((s) => s.t > r.frozenAtSim + 0.3 && s.t < r.frozenAtSim + 0.5);
    expect(Math.max(...late.map((s) => s.speed))).toBeGreaterThan(0.05);
  }, 60_000);
});
