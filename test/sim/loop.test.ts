/**
 * The sim loop's pace switch and its "could not keep up" measure: lag is what happened lately,
 * not since start (a start-up stall must not warn for the rest of the session).
 */
import { describe, expect, it } from 'vitest';
import { SimLoop } from '../../sim/loop.js';
import type { SimWorld } from '../../sim/world.js';

/** Just the clock of a world: stepping costs nothing, so only the loop's own pacing shows. */
function clockWorld(): SimWorld & { steps: number } {
  const w = {
    time: 0,
    timestep: 0.002,
    steps: 0,
    step(n: number) {
      w.steps += n;
      w.time += n * w.timestep;
    },
  };
  return w as unknown as SimWorld & { steps: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SimLoop', () => {
  it('counts lag in the recent window only, by the distinct seconds it happened in', async () => {
    // 100 sim seconds per wall second with at most 0.25 s of catch-up: every tick drops time.
    const loop = new SimLoop(clockWorld(), { pace: 'realtime', speed: 100, maxLag: 0.25, tickMs: 5 });
    loop.start();
    await sleep(2300);
    loop.stop();
    const now = performance.now();
    const lag = loop.recentLag(10_000, now);
    expect(lag.seconds).toBeGreaterThanOrEqual(3);
    expect(lag.dropped).toBeGreaterThan(10);
    // Ten seconds later none of it applies any more.
    expect(loop.recentLag(10_000, now + 12_000)).toEqual({ dropped: 0, seconds: 0 });
  });

  it('one stall is one second of lag, not a machine that cannot keep up', async () => {
    const loop = new SimLoop(clockWorld(), { pace: 'realtime', maxLag: 0.05, tickMs: 5 });
    loop.start();
    await sleep(30);
    const until = performance.now() + 300;
    while (performance.now() < until); // the event loop is blocked, as by a long compile
    await sleep(30);
    loop.stop();
    const lag = loop.recentLag();
    expect(lag.seconds).toBeLessThanOrEqual(2);
    expect(lag.dropped).toBeGreaterThan(0.1);
  });

  it('switches pace while running: fast steps only when busy, realtime follows the clock', async () => {
    let busy = false;
    const world = clockWorld();
    const loop = new SimLoop(world, { pace: 'realtime', busy: () => busy, tickMs: 5 });
    loop.start();
    await sleep(100);
    expect(world.time).toBeGreaterThan(0.04);
    loop.setPace('fast');
    expect(loop.pace).toBe('fast');
    expect(loop.running).toBe(true);
    const idle = world.time;
    await sleep(100);
    expect(world.time).toBe(idle); // nothing commanded: no steps
    busy = true;
    loop.kick();
    await sleep(20);
    busy = false;
    expect(world.time).toBeGreaterThan(idle);
    loop.setPace('realtime');
    const t = world.time;
    await sleep(100);
    expect(world.time).toBeGreaterThan(t + 0.04);
    loop.stop();
  });
});
