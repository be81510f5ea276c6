/**
 * Stop is taken on a thread of its own: the watchdog's stop listener answers an operator's
 * POST /stop while the server's main thread is frozen (the test-only busy loop), and the sim's
 * first physics step after the freeze brakes the arm. The listener checks the token, the Host
 * and the Origin like the main server.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer, type TestServer } from '../server/ws-client.js';

let t: TestServer;
let port = 0;
beforeAll(async () => {
  // A long watchdog timeout: this test is about the stop listener, not the freeze detector.
  t = await openTestServer({ app: { pace: 'realtime', watchdog: { timeoutMs: 5000 }, collision: false }, server: { voice: false } });
  const hello = await t.c.next('hello');
  port = hello.stopPort ?? 0;
}, 60_000);
afterAll(() => t?.close());

function post(headers: Record<string, string>, path = '/stop', method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function freezeEventLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* frozen */
  }
}

describe('the stop listener on the watchdog thread', () => {
  it('is announced in hello and refuses what the main server refuses', async () => {
    expect(port).toBeGreaterThan(0);
    const host = `127.0.0.1:${port}`;
    expect(await post({ host })).toBe(401);
    expect(await post({ host, authorization: `Bearer ${'0'.repeat(64)}` })).toBe(401);
    expect(await post({ host: `rebind.attacker.example:${port}`, authorization: `Bearer ${t.server.token}` })).toBe(403);
    const mainOrigin = new URL(t.server.url).origin;
    expect(await post({ host, origin: 'http://evil.example', authorization: `Bearer ${t.server.token}` })).toBe(403);
    expect(await post({ host, authorization: `Bearer ${t.server.token}` }, '/stop', 'GET')).toBe(404);
    // The console's own origin with its cookie: accepted.
    const cookie = `shammie_token_${new URL(t.server.url).port}=${t.server.token}`;
    const from = t.c.mark();
    expect(await post({ host, origin: mainOrigin, cookie })).toBe(200);
    // The main thread runs the session's stop at its next beat.
    await t.c.next('stop', () => true, 5000, from);
  });

  it('answers a stop while the main thread is frozen mid-motion; the first physics step after is a brake', async () => {
    const { c, app } = t;
    const samples: { t: number; speed: number }[] = [];
    app.backend.onJointState((js) => samples.push({ t: js.stamp, speed: Math.max(...js.velocity.map(Math.abs)) }));
    const from = c.mark();
    c.send({ type: 'say', text: 'go to the bag' });
    const p = await c.next('preview', () => true, 20_000, from);
    c.send({ type: 'confirm', previewId: p.preview.id });
    await c.next('execution', (e) => e.execution.active, 20_000, from);
    const t0 = app.backend.now();
    while (app.backend.now() - t0 < 0.3) await new Promise((r) => setTimeout(r, 5));
    // The operator, another process: 300 ms after it is ready, it presses stop.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const http = require('node:http');
         console.log('ready');
         setTimeout(() => {
           const sent = Date.now();
           const req = http.request({ host: '127.0.0.1', port: ${port}, path: '/stop', method: 'POST',
             headers: { authorization: 'Bearer ${t.server.token}' } }, (res) => {
             res.resume();
             console.log('answered ' + res.statusCode + ' ' + sent + ' ' + Date.now());
           });
           req.end();
         }, 300);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    await expect.poll(() => out, { timeout: 10_000 }).toContain('ready');
    const frozenAtSim = app.backend.now();
    const frozeAt = Date.now();
    freezeEventLoop(1500);
    const thawedAt = Date.now();
    await expect.poll(() => out, { timeout: 10_000 }).toMatch(/answered \d+ \d+ \d+/);
    const [, status, sent, answered] = /answered (\d+) (\d+) (\d+)/.exec(out)!.map(Number);
    expect(status).toBe(200);
    // Sent and answered while this thread was frozen: another thread took it.
    expect(sent).toBeGreaterThan(frozeAt);
    expect(answered).toBeLessThan(thawedAt);
    expect(answered - sent).toBeLessThan(100);
    const done = await c.next('execution', (e) => !e.execution.active && e.execution.previewId === p.preview.id, 20_000, from);
    expect(done.execution.outcome).toBe('failed');
    // On the sim clock, the arm is at rest within the brake ramp (0.05 s) plus a frame of the freeze point.
    const after = samples.filter((s) => s.t >= frozenAtSim);
    const haltedAt = after.find((s, i) => after.slice(i).every((x) => x.speed < 0.05));
    expect(haltedAt!.t - frozenAtSim).toBeLessThanOrEqual(0.15);
  }, 60_000);
});
