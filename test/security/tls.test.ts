/**
 * HTTPS with the operator's certificate (--tls-cert/--tls-key): the same API and console
 * WebSocket over TLS, the origin check with the https scheme, a clean error for a bad certificate,
 * and the warning `shammie start` prints before listening beyond loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createApp, type App } from '../../session/app.js';
import { exposureWarning, startSessionServer, type SessionServer } from '../../server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'shammie-tls-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
let t: { app: App; server: SessionServer };

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, as an operator would make one (openssl from .ci/deps).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const app = await createApp({ pace: 'fast' });
  const server = await startSessionServer(app, {
    port: 0,
    host: '127.0.0.1',
    probes: [],
    dataDir: dir,
    console: 'off',
    voice: false,
    tls: { cert, key },
  });
  t = { app, server };
}, 60_000);
afterAll(async () => {
  await t?.server.close();
  await t?.app.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  const u = new URL(path, t.server.url);
  return new Promise((resolve, reject) => {
    const req = request(u, { method, headers, ca: readFileSync(cert) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS', () => {
  it('serves the API and the console WebSocket over TLS, with the token', async () => {
    expect(t.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect(t.server.consoleUrl).toBe(`${t.server.url}?token=${t.server.token}`);
    expect((await get('api/status')).status).toBe(200);
    expect((await get('api/stop', {}, 'POST')).status).toBe(401);
    expect((await get('api/stop', { authorization: `Bearer ${t.server.token}` }, 'POST')).status).toBe(200);
    const ws = new WebSocket(`wss://${new URL(t.server.url).host}/ws?token=${t.server.token}`, { ca: readFileSync(cert) });
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve((d as Buffer).toString()));
      ws.once('error', reject);
    });
    expect((JSON.parse(hello) as { type: string }).type).toBe('hello');
    ws.close();
  });

  it('the origin check compares the scheme: an http page of the same host and port is refused', async () => {
    const host = new URL(t.server.url).host;
    const auth = { authorization: `Bearer ${t.server.token}` };
    expect((await get('api/stop', { ...auth, origin: `http://${host}` }, 'POST')).status).toBe(403);
    expect((await get('api/stop', { ...auth, origin: `https://${host}` }, 'POST')).status).toBe(200);
  });

  it('a certificate that cannot be used is one clear error', async () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'not a certificate');
    const opts = { port: 0, host: '127.0.0.1', probes: [], dataDir: dir, console: 'off' as const, voice: false as const };
    await expect(startSessionServer(t.app, { ...opts, tls: { cert: bad, key } })).rejects.toThrow(
      /^cannot use the TLS certificate .*bad\.pem and key .*key\.pem: /,
    );
  });
});

describe('listening beyond loopback', () => {
  it('warns what that exposes, and that plain HTTP carries the link unencrypted; loopback is quiet', () => {
    expect(exposureWarning('127.0.0.1', false)).toBeNull();
    expect(exposureWarning('localhost', false)).toBeNull();
    expect(exposureWarning('::1', false)).toBeNull();
    const w = exposureWarning('0.0.0.0', false)!;
    expect(w).toMatch(/^warn listening on 0\.0\.0\.0: anyone who can reach this machine and has the access link can drive the robot arm/);
    expect(w).toMatch(/unencrypted over plain HTTP \(pass --tls-cert and --tls-key to use HTTPS\)/);
    expect(exposureWarning('192.168.1.20', true)).not.toMatch(/unencrypted/);
  });
});
