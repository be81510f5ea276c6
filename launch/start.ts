/**
 * `shammie start`: the main job. Starts the simulated arm (paced to real time) and the session
 * server on a printed URL. Until the console lands, the URL serves a JSON status and a small
 * JSON API (say / confirm / cancel / stop) that drives the same Session as the CLI.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { createApp, worldReport, type App } from './app.js';
import { probeOptionalParts, type ProbeResult } from './probe.js';

export interface StartOptions {
  scene?: string;
  seed?: number;
  robot?: string;
  port: number;
  host: string;
}

const sayBody = z.object({ text: z.string().trim().min(1).max(500) }).strict();
const MAX_BODY = 16 * 1024;

export function status(app: App, probes: ProbeResult[]) {
  const js = app.backend.jointState();
  return {
    service: 'shammie',
    robot: app.model.name,
    scene: app.scenePath,
    simTime: app.backend.now(),
    backend: app.backend.status(),
    capabilities: app.backend.capabilities,
    joints: { names: js.name, positions: js.position },
    gripper: app.backend.gripperPosition(),
    objects: worldReport(app),
    known: app.world.list().map((e) => ({ name: e.name, description: e.description, kind: e.kind })),
    held: app.world.held,
    skills: app.registry.list(),
    pendingPlan: app.session.pending ? { plan: app.session.pending.plan, summary: app.session.pending.summary } : null,
    optional: probes,
    api: {
      'GET /': 'this status',
      'POST /api/say {"text": "pick up the candy"}': 'plan an utterance; returns the turn with its preview',
      'POST /api/confirm': 'execute the pending plan',
      'POST /api/cancel': 'drop the pending plan',
      'POST /api/stop': 'halt the robot now',
    },
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startServer(app: App, options: { port: number; host: string; probes: ProbeResult[] }) {
  // One command at a time reaches the session; stop bypasses the queue.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/api/status')) return send(res, 200, status(app, options.probes));
      if (req.method !== 'POST') return send(res, 404, { error: `no route ${req.method} ${url.pathname}; see GET / for the API` });
      switch (url.pathname) {
        case '/api/stop':
          await app.session.stop();
          return send(res, 200, { ok: true, reply: 'Stopped.' });
        case '/api/say': {
          let json: unknown;
          try {
            json = JSON.parse(await readBody(req));
          } catch (err) {
            return send(res, 400, { error: `body must be JSON like {"text": "pick up the candy"}: ${(err as Error).message}` });
          }
          const body = sayBody.safeParse(json);
          if (!body.success) return send(res, 400, { error: `body must be {"text": "..."} (1..500 characters): ${body.error.issues.map((i) => i.message).join('; ')}` });
          const turn = await serial(() => app.session.say(body.data.text));
          return send(res, 200, turn);
        }
        case '/api/confirm':
          return send(res, 200, await serial(() => app.session.confirm()));
        case '/api/cancel':
          app.session.cancel();
          return send(res, 200, { ok: true });
        default:
          return send(res, 404, { error: `no route POST ${url.pathname}; see GET / for the API` });
      }
    } catch (err) {
      send(res, 500, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(Object.assign(new Error(`port ${options.port} on ${options.host} is already in use; pass --port with another port (or --port 0 to pick a free one)`), { name: 'ConfigError' }));
      else reject(err);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return { server, url: `http://${options.host}:${port}/` };
}

export async function start(options: StartOptions): Promise<number> {
  const app = await createApp({ scene: options.scene, seed: options.seed, robot: options.robot, pace: 'realtime' });
  const probes = await probeOptionalParts();
  const { server, url } = await startServer(app, { port: options.port, host: options.host, probes });
  const out = process.stdout;
  out.write(`Shammie is running: ${app.model.name} arm in the ${app.scene.name} scene (MuJoCo, real time)\n`);
  for (const p of probes) out.write(`  ${p.available ? 'ok ' : '-- '} ${p.name}: ${p.message}\n`);
  out.write(`Session server: ${url}\n`);
  out.write(`Press Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await app.session.stop().catch(() => undefined);
  server.close();
  await app.dispose();
  return 0;
}
