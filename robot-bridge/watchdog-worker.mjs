// The watchdog's thread (see watchdog.ts). It shares a few Int32 cells with the session's thread
// and has its own link to the robot, so a frozen session cannot keep it from halting the arm.
//
// Cells (Int32Array over a SharedArrayBuffer), all times in ms since `base` (Date.now()):
//   0 HEARTBEAT  written by the session's thread every period
//   1 MOVING     1 while the arm executes a motion
//   2 TRIPPED    set here (1) when the session stayed silent past the timeout while moving;
//                the sim backend halts the arm at its next physics step when it sees it;
//                cleared by the session's thread once it has reported the trip
//   3 TRIPPED_AT when it tripped
//   4 SILENT_MS  how long the session had been silent then
//   5 STOP       set to 1 to end this thread
//   6 HALT       set here (1) when an operator's stop reached this thread's own HTTP listener
//                (`serve_stop`): the sim backend brakes at its next step, ROS goals are cancelled
//                at once; the session's thread runs its own stop when it next beats, and clears it
//
// Plain JavaScript (not TypeScript): a worker thread starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

const HEARTBEAT = 0;
const MOVING = 1;
const TRIPPED = 2;
const TRIPPED_AT = 3;
const SILENT_MS = 4;
const STOP = 5;
const HALT = 6;

const { cells: buffer, base, timeoutMs, checkMs, rosbridge } = workerData;
const cells = new Int32Array(buffer);
/** goals in flight on the robot, [{ action, ids }] (the session's thread posts them as it sends goals) */
let goals = [];
/** the watchdog's own rosbridge link (ROS): opened at start, reopened when it drops */
let link = null;
let linkOpen = false;

parentPort.on('message', (m) => {
  if (m && m.type === 'serve_stop') void serveStop(m);
  if (m && m.type === 'goals' && Array.isArray(m.goals))
    goals = m.goals
      .slice(0, 8)
      .map((g) => ({ action: String(g.action), ids: (Array.isArray(g.ids) ? g.ids : []).slice(0, 64).map(String) }));
});

async function openLink() {
  if (!rosbridge) return;
  let WebSocket;
  try {
    ({ WebSocket } = await import('ws'));
  } catch (err) {
    parentPort.postMessage({ type: 'link', ok: false, message: `cannot load ws: ${err.message}` });
    return;
  }
  const connect = () => {
    const ws = new WebSocket(rosbridge.url);
    link = ws;
    ws.on('open', () => {
      linkOpen = true;
      // ROS 1: advertise the cancel topics now, so a cancel later is one publish.
      if (rosbridge.version === 1)
        for (const action of rosbridge.actions)
          ws.send(JSON.stringify({ op: 'advertise', topic: `${action}/cancel`, type: 'actionlib_msgs/GoalID' }));
      parentPort.postMessage({ type: 'link', ok: true });
      // Tripped while the link was down: cancel now, first thing on the new link.
      if (Atomics.load(cells, TRIPPED) !== 0) cancelGoals();
    });
    ws.on('close', () => {
      linkOpen = false;
      if (cells[STOP] === 0) setTimeout(connect, 500).unref();
    });
    ws.on('error', () => {
      // close follows
    });
  };
  connect();
}

/**
 * Cancel exactly the goals in flight, by id (never an empty ROS 1 GoalID: that would cancel every
 * goal on the server), over this thread's own link.
 */
function cancelGoals() {
  if (!rosbridge || !link || !linkOpen) return 0;
  let n = 0;
  for (const { action, ids } of goals)
    for (const id of ids) {
      if (!id) continue;
      const msg =
        rosbridge.version === 1
          ? { op: 'publish', topic: `${action}/cancel`, msg: { stamp: { secs: 0, nsecs: 0 }, id } }
          : { op: 'cancel_action_goal', id, action };
      link.send(JSON.stringify(msg));
      n++;
    }
  return n;
}

/**
 * Stop on this thread: a tiny HTTP listener of its own, so an operator's stop is taken even while
 * the session's thread is busy (planning, a big message) or frozen. POST /stop with the install's
 * token (Bearer, or the console's cookie, which browsers send to every port of the host); Host must
 * be one of the server's names, Origin (if any) one of its origins. Answers 200 at once.
 */
async function serveStop(o) {
  const mod = await import(o.tls ? 'node:https' : 'node:http');
  const { readFileSync } = await import('node:fs');
  const { timingSafeEqual } = await import('node:crypto');
  const hosts = new Set(o.hosts);
  const origins = new Set(o.origins);
  const tokenOk = (t) => typeof t === 'string' && t.length === o.token.length && timingSafeEqual(Buffer.from(t), Buffer.from(o.token));
  const cookieToken = (header) => {
    for (const part of (header ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === o.cookie) return part.slice(eq + 1).trim();
    }
    return null;
  };
  const handler = (req, res) => {
    const reply = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
      req.resume();
    };
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
    if (!hosts.has(name)) return reply(403, { error: "refused: not one of this server's names" });
    if (req.headers.origin !== undefined && !origins.has(req.headers.origin)) return reply(403, { error: 'refused: another origin' });
    if (req.method !== 'POST' || req.url !== '/stop') return reply(404, { error: 'POST /stop only' });
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : cookieToken(req.headers.cookie);
    if (!tokenOk(token)) return reply(401, { error: 'stop needs the access token' });
    Atomics.store(cells, HALT, 1);
    const cancelled = cancelGoals();
    reply(200, { ok: true, thread: 'watchdog', cancelled });
  };
  const server = o.tls
    ? mod.createServer({ cert: readFileSync(o.tls.cert), key: readFileSync(o.tls.key) }, handler)
    : mod.createServer(handler);
  server.on('error', (err) => parentPort.postMessage({ type: 'stop_listener', ok: false, message: err.message }));
  server.listen(o.port ?? 0, o.host, () => {
    const addr = server.address();
    parentPort.postMessage({ type: 'stop_listener', ok: true, port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
}

void openLink();
parentPort.postMessage({ type: 'ready' });

const timer = setInterval(() => {
  if (Atomics.load(cells, STOP) !== 0) {
    clearInterval(timer);
    link?.close();
    return;
  }
  const now = Date.now() - base;
  const silent = now - Atomics.load(cells, HEARTBEAT);
  if (Atomics.load(cells, MOVING) === 1 && Atomics.load(cells, TRIPPED) === 0 && silent > timeoutMs) {
    Atomics.store(cells, TRIPPED_AT, now);
    Atomics.store(cells, SILENT_MS, silent);
    Atomics.store(cells, TRIPPED, 1);
    const cancelled = cancelGoals();
    parentPort.postMessage({ type: 'tripped', at: now, silentMs: silent, cancelled });
  }
}, checkMs);
