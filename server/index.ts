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
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { basename, dirname, join, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { App } from '../session/app.js';
import type { ProbeResult } from './probe.js';
import {
  allowedHostNames,
  hostProblem,
  isLoopbackAddress,
  loadOrCreateToken,
  originProblem,
  presentedToken,
  tokenCookieName,
  tokenMatches,
} from './access.js';
import { ensureConsoleBuilt, UI_DIST } from './build.js';
import { ConsoleHub } from './hub.js';
import { clientMessageSchema, vec3Schema } from './protocol.js';
import { FrameGate, MAX_FRAME_BYTES, MAX_UPLOAD_BYTES, TokenBucket } from './frame-gate.js';
import { consoleCacheControl, serveFile } from './static.js';
import { status } from './status.js';
import { StudioExtension, studioFrameFile } from './studio.js';
import { FilmExports, filmExportBody, filmExportFile } from './film-export.js';
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
  /** host names (besides loopback and this machine's) clients may address us by (--allow-host) */
  allowHosts?: string[];
  /** serve HTTPS with the operator's certificate: PEM file paths */
  tls?: { cert: string; key: string };
}

export interface SessionServer {
  /** the server's base URL (no token): build API URLs from it */
  url: string;
  /** the URL to open the console with: `url` plus `?token=…` (what `shammie start` prints) */
  consoleUrl: string;
  /** the install's access token (`<dataDir>/token`) */
  token: string;
  /** where the token is kept */
  tokenPath: string;
  server: Server;
  hub: ConsoleHub;
  /** settles when the console is servable (or failed to build: see consoleError) */
  consoleReady: Promise<void>;
  readonly consoleError: Error | null;
  close(): Promise<void>;
}

const sayBody = z.object({ text: z.string().trim().min(1).max(500), previewId: z.string().max(80).optional() }).strict();
const pointBody = z.object({ position: vec3Schema }).strict();
const confirmBody = z.object({ previewId: z.string().min(1).max(80) }).strict();
const MAX_BODY = 16 * 1024;
/** HTTP requests per second a client may make (stop is never limited) and the burst it may save up */
const HTTP_RATE = 25;
const HTTP_BURST = 50;

/** files of the robot description folder the browser may fetch */
const ROBOT_FILE = /\.(urdf|xml|stl|dae|obj|png|jpe?g)$/i;

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
}

class BodyTooLarge extends Error {}

/** The body, refused (and the connection's reading stopped) as soon as it passes `max` bytes. */
async function readBody(req: IncomingMessage, max = MAX_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new BodyTooLarge(`request body of ${declared} bytes is over the ${max}-byte limit`);
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.destroy();
      throw new BodyTooLarge(`request body over the ${max}-byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON of a small body, with nesting checked before parsing; a string error when it is not. */
async function readJson(req: IncomingMessage, max = MAX_BODY): Promise<{ ok: true; json: unknown } | { ok: false; error: string }> {
  const body = (await readBody(req, max)).toString('utf8');
  const deep = FrameGate.tooDeep(body);
  if (deep) return { ok: false, error: deep };
  try {
    return { ok: true, json: JSON.parse(body) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
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

function accessPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Shammie: access link needed</title><style>body{font:15px system-ui,sans-serif;background:#161a21;color:#e6e9ef;margin:3em}code{background:#232833;padding:2px 5px}</style></head><body><h1>This console needs its access link</h1><p>Open the URL that <code>shammie start</code> printed: it ends in <code>?token=…</code>. The token is also in the file <code>token</code> of the data folder (<code>shammie-data/token</code> by default).</p><p>Only people with that link can drive the robot.</p></body></html>`;
}

export async function startSessionServer(app: App, options: SessionServerOptions): Promise<SessionServer> {
  const robotDir = resolve(dirname(app.model.description.source));
  const urdfName = basename(app.model.description.source);
  // Made before anything listens: without a token there is no server.
  const access = loadOrCreateToken(options.dataDir);
  const scheme: 'http' | 'https' = options.tls ? 'https' : 'http';
  const allowedHosts = allowedHostNames(options.host, options.allowHosts);
  const hub = new ConsoleHub(app, {
    probes: options.probes,
    recordingsDir: join(options.dataDir, 'recordings'),
    urdfUrl: `robot/files/${encodeURIComponent(urdfName)}`,
    jointRate: options.jointRate,
    settingsPath: join(options.dataDir, 'console.json'),
  });
  if (options.voice !== false) hub.use(new VoiceChannels(hub, { cmnFile: join(options.dataDir, 'speech', 'cmn.txt'), ...options.voice }));
  const studio = new StudioExtension(hub, { dataDir: options.dataDir });
  hub.use(studio);
  const films = new FilmExports(options.dataDir);
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
  let listenPort = options.port;
  const authorized = (req: IncomingMessage, url: URL) => tokenMatches(presentedToken(req, url, listenPort), access.token);
  const buckets = new Map<string, TokenBucket>();
  let uploading = false;

  // Each request is handled to the end; its errors become a 500 (or 400) inside the handler.
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    try {
      let url: URL;
      let path: string;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
        path = decodeURIComponent(url.pathname);
      } catch {
        return sendJson(res, 400, { error: `malformed request path ${JSON.stringify((req.url ?? '').slice(0, 200))}` });
      }
      // DNS rebinding: a page of another site reaching us under its own name.
      const badHost = hostProblem(req, allowedHosts);
      if (badHost) return sendJson(res, 403, { error: `refused: ${badHost}` });
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (path === '/api/status') return sendJson(res, 200, status(app, options.probes));
        const wantsHtml = (req.headers.accept ?? '').includes('text/html');
        if (path === '/' || path === '/index.html') {
          // Browsers get the console; scripts (curl, fetch) keep getting the JSON status.
          if (!wantsHtml || consoleState === 'off') return sendJson(res, 200, status(app, options.probes));
          if (!authorized(req, url)) {
            res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
            return res.end(accessPage());
          }
          if (url.searchParams.has('token'))
            // The console's later requests (its WebSocket, uploads) carry the token in this cookie.
            res.setHeader(
              'set-cookie',
              `${tokenCookieName(listenPort)}=${access.token}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict${scheme === 'https' ? '; Secure' : ''}`,
            );
          if (consoleState !== 'ready') {
            res.writeHead(consoleState === 'failed' ? 500 : 503, {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
            });
            return res.end(buildingPage(consoleError));
          }
          if (serveFile(req, res, UI_DIST, 'index.html', 'no-cache', { precompressed: true })) return;
          return sendJson(res, 500, { error: 'ui/dist/index.html is missing; restart `shammie start` to rebuild the console' });
        }
        if (path.startsWith('/robot/files/')) {
          const rel = path.slice('/robot/files/'.length);
          if (ROBOT_FILE.test(rel) && serveFile(req, res, robotDir, rel, 'no-cache')) return;
          return sendJson(res, 404, { error: `no robot file ${rel}` });
        }
        if (path === '/api/film/export') {
          if (!authorized(req, url)) return sendJson(res, 401, { error: 'film exports need the access token' });
          return sendJson(res, 200, films.status);
        }
        if (path.startsWith('/studio/')) {
          // Stop-motion frames are the operator's work: token only.
          if (!authorized(req, url)) return sendJson(res, 401, { error: 'studio frames need the access token' });
          const exported = filmExportFile(options.dataDir, path);
          if (exported) {
            // A download, not a page: the browser saves it under the film's name.
            res.setHeader('content-disposition', `attachment; filename="${exported.rel}"`);
            if (serveFile(req, res, exported.root, exported.rel, 'no-cache')) return;
            res.removeHeader('content-disposition');
            return sendJson(res, 404, { error: `no exported film ${path}; export it from the Studio tab first` });
          }
          const frame = studioFrameFile(options.dataDir, path);
          if (frame && serveFile(req, res, frame.root, frame.rel, 'no-cache')) return;
          return sendJson(res, 404, { error: `no studio frame ${path}` });
        }
        if (path === '/favicon.ico') {
          res.writeHead(204);
          return res.end();
        }
        if (consoleState === 'ready' && serveFile(req, res, UI_DIST, path.slice(1), consoleCacheControl(path), { precompressed: true }))
          return;
        return sendJson(res, 404, { error: `no route GET ${path}; the console is at /, the JSON status at /api/status` });
      }
      if (req.method !== 'POST') return sendJson(res, 405, { error: `method ${req.method} not allowed` });
      const badOrigin = originProblem(req, scheme);
      if (badOrigin) return sendJson(res, 403, { error: badOrigin });
      if (!authorized(req, url))
        return sendJson(res, 401, {
          error: `${path} needs the access token: send "Authorization: Bearer <token>" with the token from ${access.path}`,
        });
      if (path === '/api/stop') {
        // Never rate-limited, never queued.
        await hub.stopNow('api');
        return sendJson(res, 200, { ok: true, reply: 'Stopped.' });
      }
      const peer = req.socket.remoteAddress ?? '?';
      let bucket = buckets.get(peer);
      if (!bucket) {
        if (buckets.size > 1024) buckets.clear(); // bounded: a scan of many addresses costs memory only briefly
        bucket = new TokenBucket(HTTP_RATE, HTTP_BURST);
        buckets.set(peer, bucket);
      }
      if (!bucket.take()) return sendJson(res, 429, { error: `over ${HTTP_RATE} requests per second; slow down (stop is never limited)` });
      const source = hub.apiSource(req.headers['x-shammie-client']);
      switch (path) {
        case '/api/say': {
          const r = await readJson(req);
          if (!r.ok) return sendJson(res, 400, { error: `body must be JSON like {"text": "pick up the candy"}: ${r.error}` });
          const body = sayBody.safeParse(r.json);
          if (!body.success)
            return sendJson(res, 400, {
              error: `body must be {"text": "...", "previewId"?: "..."} (1..500 characters): ${body.error.issues.map((i) => i.message).join('; ')}`,
            });
          const refused = hub.controlRefusal(source);
          if (refused) return sendJson(res, 409, { error: refused });
          const turn = await hub.say(body.data.text, 'text', source, body.data.previewId);
          return sendJson(res, 200, { ...turn, previewId: hub.pendingPreviewId });
        }
        case '/api/point': {
          const r = await readJson(req);
          if (!r.ok) return sendJson(res, 400, { error: `body must be JSON like {"position": [0.5, 0.1, 0.02]}: ${r.error}` });
          const body = pointBody.safeParse(r.json);
          if (!body.success) return sendJson(res, 400, { error: 'body must be {"position": [x, y, z]} in meters, world frame' });
          // Outside the robot's workspace (reach and table): refused here, nothing is taught (model/bounds.ts).
          const outside = app.workspace.problem(body.data.position);
          if (outside) return sendJson(res, 400, { error: outside });
          const refused = hub.controlRefusal(source);
          if (refused) return sendJson(res, 409, { error: refused });
          const turn = await hub.serial(() => app.session.point(body.data.position, { by: source }));
          return sendJson(res, 200, { ...turn, previewId: hub.pendingPreviewId });
        }
        case '/api/confirm': {
          const r = await readJson(req);
          const body = r.ok ? confirmBody.safeParse(r.json) : null;
          if (!body?.success)
            return sendJson(res, 400, {
              error: `name the preview you approve: {"previewId": "…"} (from /api/say's answer or /api/status)${hub.pendingPreviewId ? `; the one shown now is ${hub.pendingPreviewId}` : ''}`,
            });
          const refused = hub.controlRefusal(source);
          if (refused) return sendJson(res, 409, { error: refused });
          return sendJson(res, 200, await hub.confirmFrom(body.data.previewId, source));
        }
        case '/api/cancel': {
          const refused = hub.controlRefusal(source);
          if (refused) return sendJson(res, 409, { error: refused });
          // Not queued: a cancel must be able to end a question or a preview while planning runs.
          return sendJson(res, 200, { ok: true, turn: await hub.cancel(source) });
        }
        case '/api/film/export': {
          const r = await readJson(req);
          const body = r.ok ? filmExportBody.safeParse(r.json) : null;
          if (!body?.success) return sendJson(res, 400, { error: 'body must be {"format": "mp4"} or {"format": "gif"}' });
          // Any console with the token may export: it reads the film and never moves the arm.
          const film = studio.controller.film;
          if (!film) return sendJson(res, 409, { error: 'no film is open; open one in the Studio tab (or say "start a film called …")' });
          const started = films.start(film.dir, basename(film.dir), body.data.format);
          return started.ok ? sendJson(res, 202, started.status) : sendJson(res, 409, { error: started.error });
        }
        case '/api/upload': {
          // Bulk messages (a demonstration, a wrist-camera frame) that would not fit a WebSocket frame.
          if (uploading) return sendJson(res, 429, { error: 'another upload is in progress; try again when it ends' });
          uploading = true;
          try {
            const r = await readJson(req, MAX_UPLOAD_BYTES);
            if (!r.ok) return sendJson(res, 400, { error: `body must be one console message as JSON: ${r.error}` });
            const msg = clientMessageSchema.safeParse(r.json);
            if (!msg.success || !['save_recording', 'demonstrate', 'studio_frame'].includes(msg.data.type))
              return sendJson(res, 400, { error: 'an upload is one save_recording, demonstrate or studio_frame message' });
            const done = await hub.upload(source, msg.data);
            return sendJson(res, done.ok ? 200 : 422, done);
          } finally {
            uploading = false;
          }
        }
        default:
          return sendJson(res, 404, { error: `no route POST ${path}; see GET /api/status for the API` });
      }
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        if (!res.headersSent) sendJson(res, 413, { error: err.message });
        return;
      }
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.end();
    }
  };
  let server: Server;
  if (options.tls) {
    try {
      server = createHttpsServer(
        { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) },
        (req, res) => void handle(req, res),
      );
    } catch (err) {
      await hub.dispose();
      throw Object.assign(
        new Error(`cannot use the TLS certificate ${options.tls.cert} and key ${options.tls.key}: ${(err as Error).message}`),
        {
          name: 'ConfigError',
        },
      );
    }
  } else server = createServer((req, res) => void handle(req, res));

  // Frames over MAX_FRAME_BYTES close the connection before they are buffered or parsed.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const refuse = (code: string, why: string) => {
      socket.write(`HTTP/1.1 ${code}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${why}\n`);
      socket.destroy();
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse('400 Bad Request', 'malformed path');
    }
    if (url.pathname !== '/ws') return refuse('404 Not Found', 'the console WebSocket is at /ws');
    const why = hostProblem(req, allowedHosts) ?? originProblem(req, scheme);
    if (why) return refuse('403 Forbidden', why);
    if (!authorized(req, url)) return refuse('401 Unauthorized', 'the console WebSocket needs the access token');
    const clientId = url.searchParams.get('client') ?? undefined;
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
  listenPort = port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `${scheme}://${host}:${port}/`;
  // Stop on a thread of its own: the watchdog's listener answers while this one is busy or frozen.
  if (app.watchdog) {
    try {
      hub.stopPort = await app.watchdog.serveStop({
        host: options.host,
        token: access.token,
        cookie: tokenCookieName(port),
        hosts: [...allowedHosts],
        origins: [...allowedHosts].map((h) => `${scheme}://${h}:${port}`),
        ...(options.tls ? { tls: options.tls } : {}),
      });
    } catch (err) {
      options.log?.(`${(err as Error).message}; stop still works through the main server`);
    }
  }
  return {
    url,
    consoleUrl: `${url}?token=${access.token}`,
    token: access.token,
    tokenPath: access.path,
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

/** Listening beyond loopback: what `shammie start` prints before it does. */
export function exposureWarning(host: string, tls: boolean): string | null {
  if (isLoopbackAddress(host)) return null;
  return (
    `warn listening on ${host}: anyone who can reach this machine and has the access link can drive the robot arm. ` +
    `Share the link only with the operator${tls ? '' : '; the link travels unencrypted over plain HTTP (pass --tls-cert and --tls-key to use HTTPS)'}.`
  );
}
