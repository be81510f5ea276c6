/**
 * Adversarial: who may reach the session server. Requests without the token, under another
 * Host (DNS rebinding), from another Origin (scheme or port), and malformed paths all end in a
 * clear refusal, the server keeps answering, and the arm does not move.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openTestServer, type TestServer } from '../server/ws-client.js';

let t: TestServer;
beforeAll(async () => {
  t = await openTestServer({ server: { voice: false } });
  await t.c.next('hello');
}, 60_000);
afterAll(() => t?.close());

/** A raw HTTP request, so Host and Origin are exactly what an attacker would send. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(t.server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function wsOpen(path: string, headers: Record<string, string> = {}): Promise<string> {
  const u = new URL(t.server.url);
  const ws = new WebSocket(`ws://${u.host}${path}`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.once('error', (e) => resolve(e.message));
  });
}

const still = () => {
  const q = t.app.backend.jointState().position;
  return { q: [...q], executing: t.app.session.executing };
};

describe('authentication', () => {
  it('a request that changes anything needs the token; reads of the status do not', async () => {
    const before = still();
    const host = new URL(t.server.url).host;
    for (const path of ['/api/say', '/api/confirm', '/api/point', '/api/cancel', '/api/stop', '/api/upload']) {
      const r = await raw('POST', path, { host, 'content-type': 'application/json' }, '{"text":"pick up the candy"}');
      expect(r.status, path).toBe(401);
      expect((JSON.parse(r.body) as { error: string }).error).toMatch(/needs the access token: send "Authorization: Bearer <token>"/);
    }
    // A wrong token of the right length is no better.
    const wrong = await raw('POST', '/api/say', { host, authorization: `Bearer ${'0'.repeat(64)}` }, '{"text":"pick up the candy"}');
    expect(wrong.status).toBe(401);
    expect((await raw('GET', '/api/status', { host })).status).toBe(200);
    expect(await wsOpen('/ws')).toBe('401');
    expect(await wsOpen(`/ws?token=${'f'.repeat(64)}`)).toBe('401');
    expect(await wsOpen(`/ws?token=${t.server.token}`)).toBe('open');
    expect(t.app.session.state.kind).toBe('idle');
    expect(still()).toEqual(before);
  });

  it("stop-motion frames (the operator's work) need the token too", async () => {
    const host = new URL(t.server.url).host;
    expect((await raw('GET', '/studio/film/frames/000001.png', { host })).status).toBe(401);
    expect((await raw('GET', '/studio/film/frames/000001.png', { host, authorization: `Bearer ${t.server.token}` })).status).toBe(404);
  });
});

describe('Host and Origin', () => {
  const port = () => new URL(t.server.url).port;

  it('a DNS-rebinding Host is refused for reads, writes and the WebSocket, even with the token', async () => {
    const before = still();
    const evil = `rebind.attacker.example:${port()}`;
    const status = await raw('GET', '/api/status', { host: evil });
    expect(status.status).toBe(403);
    expect((JSON.parse(status.body) as { error: string }).error).toMatch(
      /Host "rebind\.attacker\.example:\d+" is not one of this server's names; .*--allow-host rebind\.attacker\.example/,
    );
    const say = await raw('POST', '/api/say', { host: evil, authorization: `Bearer ${t.server.token}` }, '{"text":"pick up the candy"}');
    expect(say.status).toBe(403);
    expect(await wsOpen(`/ws?token=${t.server.token}`, { host: evil })).toBe('403');
    expect(t.app.session.state.kind).toBe('idle');
    expect(still()).toEqual(before);
  });

  it('loopback names are accepted', async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`]) expect((await raw('GET', '/api/status', { host })).status).toBe(200);
  });

  it('an Origin that differs in scheme, port or host is refused; the same origin is accepted', async () => {
    const host = `127.0.0.1:${port()}`;
    const auth = { host, authorization: `Bearer ${t.server.token}` };
    for (const origin of [`https://${host}`, `http://127.0.0.1:1`, `http://evil.example:${port()}`, 'null']) {
      const r = await raw('POST', '/api/stop', { ...auth, origin });
      expect(r.status, origin).toBe(403);
      expect(await wsOpen(`/ws?token=${t.server.token}`, { host, origin }), origin).toBe('403');
    }
    // Even stop, which every client may send, comes only from this server's own pages.
    expect((await raw('POST', '/api/stop', { ...auth, origin: `http://${host}` })).status).toBe(200);
    expect(await wsOpen(`/ws?token=${t.server.token}`, { host, origin: `http://${host}` })).toBe('open');
  });
});

describe('malformed requests', () => {
  it('GET /% answers 400, not 500; the server keeps answering', async () => {
    const host = new URL(t.server.url).host;
    const r = await raw('GET', '/%', { host });
    expect(r.status).toBe(400);
    expect((JSON.parse(r.body) as { error: string }).error).toMatch(/malformed request path/);
    expect((await raw('GET', '/%E0%A4%A', { host })).status).toBe(400);
    expect((await raw('GET', '/api/status', { host })).status).toBe(200);
  });

  it('a body over 16 KB is refused with 413 before it is read to the end', async () => {
    const host = new URL(t.server.url).host;
    const big = JSON.stringify({ text: 'x'.repeat(40_000) });
    const r = await raw('POST', '/api/say', { host, authorization: `Bearer ${t.server.token}`, 'content-length': String(big.length) }, big);
    expect(r.status).toBe(413);
  });
});
