/**
 * A session server in a process of its own, for the security tests: if a bad number ever makes
 * it loop again, this process hangs or dies, never the test runner (which keeps its timers and
 * can give up on a request). Run as `node --import tsx test/security/server-process.ts DATA_DIR`;
 * prints one JSON line {"url", "token"} once it listens, then serves until killed.
 */
import { createApp } from '../../session/app.js';
import { startSessionServer } from '../../server/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server-process.ts DATA_DIR [SCENE]');
const app = await createApp({ pace: 'fast', dataDir, scene: process.argv[3] ?? 'giftbag' });
const server = await startSessionServer(app, { port: 0, host: '127.0.0.1', probes: [], dataDir, console: 'off', voice: false });
// The access token, when the server has one (the request headers carry it).
const token = (server as { token?: unknown }).token;
process.stdout.write(JSON.stringify({ url: server.url, token: typeof token === 'string' ? token : null }) + '\n');
