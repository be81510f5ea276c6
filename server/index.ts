/**
 * The session server: one HTTP port serving
 * - the operator console (the Vite build in ui/dist) at `/`,
 * - the console's WebSocket at `/ws` (protocol: server/protocol.ts),
 * - the robot description the sim uses at `/robot/files/<urdf>`,
 * - the JSON status at `/api/status` (and at `/` for clients that do not ask for HTML),
 * - the small JSON API: POST /api/say, /api/confirm, /api/cancel, /api/stop, /api/point.
 * - stop-motion frames at `/studio/<film>/frames/<id>.png` (studio_state.session.frameUrl).
 *
 * Browsers from other origins are refused (a web page must not drive the robot).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { App } from '../session/app.js';
import type { ProbeResult } from './probe.js';
import { ensureConsoleBuilt, UI_DIST } from './build.js';
import { ConsoleHub } from './hub.js';
import { vec3Schema } from './protocol.js';
import { status } from './status.js';
import { StudioExtension, studioFrameFile } from './studio.js';
import { VoiceChannels, type VoiceOptions } from './voice.js';

export interface SessionServerOptions {
  port: number;
  host: string;
  probes: ProbeResult[];
  /** the data folder; recordings go to <dataDir>/recordings */
  dataDir: string;
  /**
   * 'build' (default): build the console in the background if ui/dist is stale, serving a
   * "building" page meanwhile; 'prebuilt': serve ui/dist as it is; 'off': JSON only.
   */
  console?: 'build' | 'prebuilt' | 'off';
  /** progress lines (console build) */
  log?: (line: string) => void;
  /** joint-state messages per second (default 50) */
  jointRate?: number;
  /** microphones and spoken replies for the consoles (default: from the environment); false: none */
  voice?: VoiceOptions | false;
}

export interface SessionServer {
  url: string;
  server: Server;
  hub: ConsoleHub;
  /** settles when the console is servable (or failed to build: see consoleError) */
  consoleReady: Promise<void>;
  readonly consoleError: Error | null;
  close(): Promise<void>;
}

const sayBody = z.object({ text: z.string().trim().min(1).max(500) }).strict();
const pointBody = z.object({ position: vec3Schema }).strict();
const MAX_BODY = 16 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.urdf': 'application/xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.stl': 'model/stl',
  '.dae': 'model/vnd.collada+xml',
  '.obj': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};
/** files of the robot description folder the browser may fetch */
const ROBOT_FILE = /\.(urdf|xml|stl|dae|obj|png|jpe?g)$/i;

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
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

/** Same-origin check: browsers send Origin; a page from another site must not drive the robot. */
function foreignOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** Serve a file from `root` if `rel` stays inside it; false when there is no such file. */
function serveFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string, cache: string): boolean {
  const path = normalize(join(root, rel));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  res.writeHead(200, { 'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', 'cache-control': cache });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
  return true;
}

function buildingPage(error: Error | null): string {
  const body = error
    ? `<h1>The console could not be built</h1><pre>${escapeHtml(error.message)}</pre><p>Fix the problem and restart <code>shammie start</code>. The JSON API still works: <a href="api/status">api/status</a>.</p>`
    : `<h1>Building the operator console…</h1><p>This takes a few seconds on the first start. The page reloads by itself.</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Shammie</title>${error ? '' : '<meta http-equiv="refresh" content="1">'}<style>body{font:15px system-ui,sans-serif;background:#161a21;color:#e6e9ef;margin:3em}code,pre{background:#232833;padding:2px 5px}</style></head><body>${body}</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export async function startSessionServer(app: App, options: SessionServerOptions): Promise<SessionServer> {
  const robotDir = resolve(dirname(app.model.description.source));
  const urdfName = basename(app.model.description.source);
  const hub = new ConsoleHub(app, {
    probes: options.probes,
    recordingsDir: join(options.dataDir, 'recordings'),
    urdfUrl: `robot/files/${encodeURIComponent(urdfName)}`,
    jointRate: options.jointRate,
    settingsPath: join(options.dataDir, 'console.json'),
  });
  if (options.voice !== false) hub.use(new VoiceChannels(hub, { cmnFile: join(options.dataDir, 'speech', 'cmn.txt'), ...options.voice }));
  hub.use(new StudioExtension(hub, { dataDir: options.dataDir }));
  const mode = options.console ?? 'build';
  let consoleState: 'building' | 'ready' | 'failed' | 'off' = mode === 'off' ? 'off' : mode === 'prebuilt' ? 'ready' : 'building';
  let consoleError: Error | null = null;
  const consoleReady: Promise<void> =
    mode === 'build'
      ? ensureConsoleBuilt({ log: options.log }).then(
          () => {
            consoleState = 'ready';
          },
          (err: Error) => {
            consoleState = 'failed';
            consoleError = err;
            options.log?.(`The console could not be built: ${err.message}`);
          },
        )
      : Promise.resolve();

  // Each request is handled to the end; its errors become a 500 (or 400) inside the handler.
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = decodeURIComponent(url.pathname);
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (path === '/api/status') return sendJson(res, 200, status(app, options.probes));
        const wantsHtml = (req.headers.accept ?? '').includes('text/html');
        if (path === '/' || path === '/index.html') {
          // Browsers get the console; scripts (curl, fetch) keep getting the JSON status.
          if (!wantsHtml || consoleState === 'off') return sendJson(res, 200, status(app, options.probes));
          if (consoleState !== 'ready') {
            res.writeHead(consoleState === 'failed' ? 500 : 503, {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
            });
            return res.end(buildingPage(consoleError));
          }
          if (serveFile(req, res, UI_DIST, 'index.html', 'no-cache')) return;
          return sendJson(res, 500, { error: 'ui/dist/index.html is missing; restart `shammie start` to rebuild the console' });
        }
        if (path.startsWith('/robot/files/')) {
          const rel = path.slice('/robot/files/'.length);
          if (ROBOT_FILE.test(rel) && serveFile(req, res, robotDir, rel, 'no-cache')) return;
          return sendJson(res, 404, { error: `no robot file ${rel}` });
        }
        if (path.startsWith('/studio/')) {
          // Stop-motion frames: only PNG files inside a film's frames folder.
          const frame = studioFrameFile(options.dataDir, path);
          if (frame && serveFile(req, res, frame.root, frame.rel, 'no-cache')) return;
          return sendJson(res, 404, { error: `no studio frame ${path}` });
        }
        if (path === '/favicon.ico') {
          res.writeHead(204);
          return res.end();
        }
        if (
          consoleState === 'ready' &&
          serveFile(req, res, UI_DIST, path.slice(1), path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
        )
          return;
        return sendJson(res, 404, { error: `no route GET ${path}; the console is at /, the JSON status at /api/status` });
      }
      if (req.method !== 'POST') return sendJson(res, 405, { error: `method ${req.method} not allowed` });
      if (foreignOrigin(req)) return sendJson(res, 403, { error: 'requests from other origins are refused' });
      switch (path) {
        case '/api/stop':
          await hub.stopNow('api');
          return sendJson(res, 200, { ok: true, reply: 'Stopped.' });
        case '/api/say': {
          let json: unknown;
          try {
            json = JSON.parse(await readBody(req));
          } catch (err) {
            return sendJson(res, 400, { error: `body must be JSON like {"text": "pick up the candy"}: ${(err as Error).message}` });
          }
          const body = sayBody.safeParse(json);
          if (!body.success)
            return sendJson(res, 400, {
              error: `body must be {"text": "..."} (1..500 characters): ${body.error.issues.map((i) => i.message).join('; ')}`,
            });
          return sendJson(res, 200, await hub.say(body.data.text));
        }
        case '/api/point': {
          let json: unknown;
          try {
            json = JSON.parse(await readBody(req));
          } catch (err) {
            return sendJson(res, 400, { error: `body must be JSON like {"position": [0.5, 0.1, 0.02]}: ${(err as Error).message}` });
          }
          const body = pointBody.safeParse(json);
          if (!body.success) return sendJson(res, 400, { error: 'body must be {"position": [x, y, z]} in meters, world frame' });
          return sendJson(res, 200, await hub.serial(() => app.session.point(body.data.position, { by: 'api' })));
        }
        case '/api/confirm':
          return sendJson(res, 200, await hub.serial(() => app.session.confirm({ by: 'api' })));
        case '/api/cancel':
          // Not queued: a cancel must be able to end a question or a preview while planning runs.
          return sendJson(res, 200, { ok: true, turn: await hub.cancel('api') });
        default:
          return sendJson(res, 404, { error: `no route POST ${path}; see GET /api/status for the API` });
      }
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.end();
    }
  };
  const server = createServer((req, res) => void handle(req, res));

  // 17 MB: a console's rendered wrist-camera PNG travels as base64 (protocol-studio.ts allows 16 MB).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 17 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws' || foreignOrigin(req)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    const clientId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('client') ?? undefined;
    wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, clientId));
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(
          Object.assign(
            new Error(
              `port ${options.port} on ${options.host} is already in use; pass --port with another port (or --port 0 to pick a free one)`,
            ),
            { name: 'ConfigError' },
          ),
        );
      else reject(err);
    });
    server.listen(options.port, options.host, () => resolvePromise());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    server,
    hub,
    consoleReady,
    get consoleError() {
      return consoleError;
    },
    async close() {
      await hub.dispose();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
