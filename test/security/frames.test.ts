/**
 * Adversarial: what a client sends cannot hold the event loop that handles STOP. A 16 MB frame
 * and a deeply nested one are refused before parsing, a flood is rate-limited and its queue is
 * capped, and through all of it the server answers and stop goes through. Nothing moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { openTestServer, TestClient, type TestServer } from '../server/ws-client.js';

let t: TestServer;
beforeAll(async () => {
  t = await openTestServer({ server: { voice: false } });
  await t.c.next('hello');
}, 60_000);
afterAll(() => t?.close());

const auth = () => ({ authorization: `Bearer ${t.server.token}` });
const still = () => [...t.app.backend.jointState().position];
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/** Time a status read and a stop over HTTP: the server must answer both promptly. */
async function answers(): Promise<{ statusMs: number; stopMs: number }> {
  let t0 = performance.now();
  const s = await fetch(new URL('api/status', t.server.url));
  expect(s.status).toBe(200);
  const statusMs = performance.now() - t0;
  t0 = performance.now();
  const stop = await fetch(new URL('api/stop', t.server.url), { method: 'POST', headers: auth() });
  expect(stop.status).toBe(200);
  return { statusMs, stopMs: performance.now() - t0 };
}

describe('frames that could block STOP', () => {
  it('a 16 MB frame closes that connection (1009) before it is parsed; the server answers and nothing moves', async () => {
    const before = still();
    // The attacker is another process (as on the network): its own work of building and sending
    // 16.9 MB must not count against this server's event loop.
    const u = new URL(t.server.url);
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { WebSocket } from 'ws';
         const ws = new WebSocket('ws://${u.host}/ws?token=${t.server.token}');
         ws.on('open', () => { console.log('open'); ws.send('{"type":"say","text":[' + '1,'.repeat(8_450_000) + '1]}'); });
         ws.on('close', (code) => { console.log('close ' + code); process.exit(0); });
         ws.on('error', (e) => console.log('error ' + e.message));`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    await expect.poll(() => out, { timeout: 10_000 }).toContain('open');
    const timing = await answers();
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/close \d+/);
    expect(out).toContain('close 1009');
    expect(timing.statusMs).toBeLessThan(1000);
    expect(timing.stopMs).toBeLessThan(1000);
    expect(t.app.session.executing).toBe(false);
    expect(maxDiff(still(), before)).toBeLessThan(1e-3);
  }, 60_000);

  it('a deeply nested frame is refused with a clear error, without parsing it', async () => {
    const c = new TestClient(t.server.consoleUrl);
    await c.open();
    try {
      const from = c.mark();
      // 30,000 levels fit in 64 KB.
      c.send(`{"type":"say","text":${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
      const e = await c.next('error', (m) => /nests deeper/.test(m.message), 5000, from);
      expect(e.message).toBe('refused: the message nests deeper than 16 levels');
      expect(t.app.session.state.kind).toBe('idle');
    } finally {
      c.close();
    }
  });

  it('a flood of commands is rate-limited and its queue capped; stop still goes through and the server answers', async () => {
    const before = still();
    const c = new TestClient(t.server.consoleUrl, undefined, 'flooder');
    await c.open();
    try {
      const from = c.mark();
      for (let i = 0; i < 3000; i++) c.send({ type: 'say', text: i % 2 ? 'go to the bag' : 'go home' });
      const timing = await answers();
      const limited = await c.next('error', (m) => /messages per second/.test(m.message), 10_000, from);
      expect(limited.tip).toBe('Stop is never limited.');
      expect(timing.statusMs).toBeLessThan(1000);
      expect(timing.stopMs).toBeLessThan(1000);
      // A stop sent over the same flooded socket is still taken.
      const mark = c.mark();
      c.send({ type: 'stop' });
      await c.next('stop', () => true, 5000, mark);
      // Plans were only previewed: nothing moved.
      expect(t.app.session.executing).toBe(false);
      expect(maxDiff(still(), before)).toBeLessThan(1e-3);
    } finally {
      c.close();
    }
  }, 60_000);

  it('HTTP requests beyond the rate get 429; stop is never limited', async () => {
    const codes: number[] = [];
    await Promise.all(
      Array.from({ length: 120 }, async () => {
        const r = await fetch(new URL('api/cancel', t.server.url), { method: 'POST', headers: auth() });
        codes.push(r.status);
      }),
    );
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    const stop = await fetch(new URL('api/stop', t.server.url), { method: 'POST', headers: auth() });
    expect(stop.status).toBe(200);
  });
});
