/**
 * One freeze, one halt: when the session answers again it must beat before it clears the trip,
 * or the worker sees the cleared flag next to the freeze's stale beat and trips a second time
 * (a second cancel of goals already cancelled, and a second trip reported to the operator).
 */
import { afterEach, expect, it } from 'vitest';
import { Watchdog, type WatchdogTrip } from '../../robot-bridge/watchdog.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* frozen */
  }
}

let w: Watchdog | null = null;
afterEach(async () => {
  await w?.dispose();
  w = null;
});

it('a freeze trips the watchdog once, even when reporting the trip takes a while', async () => {
  w = new Watchdog({ timeoutMs: 250, periodMs: 50, checkMs: 2 });
  await w.ready;
  const trips: WatchdogTrip[] = [];
  // A slow trip listener (logging, a reply to the console): 60 ms, well under the timeout.
  w.onTrip((t) => {
    trips.push(t);
    busy(60);
  });
  w.setMoving(true);
  await new Promise((r) => setTimeout(r, 120));
  busy(600);
  // Beats resume; give the worker time to trip again if it would.
  await new Promise((r) => setTimeout(r, 400));
  w.setMoving(false);
  expect(trips, JSON.stringify(trips)).toHaveLength(1);
  expect(trips[0].silentMs).toBeGreaterThan(250);
});

it('a long computation before a motion does not trip it when the motion starts (setMoving(true) is a beat)', async () => {
  w = new Watchdog({ timeoutMs: 250, periodMs: 50, checkMs: 2 });
  await w.ready;
  const trips: WatchdogTrip[] = [];
  w.onTrip((t) => trips.push(t));
  // Planning blocks the thread for longer than the timeout while the arm is still: no trip,
  // and the last beat is then 600 ms old when the motion starts.
  busy(600);
  w.setMoving(true);
  // The worker checks every 2 ms: a stale beat would trip it well within this.
  await new Promise((r) => setTimeout(r, 100));
  w.setMoving(false);
  expect(trips, JSON.stringify(trips)).toEqual([]);
});
