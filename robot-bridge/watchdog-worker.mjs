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
//
// Plain JavaScript (not TypeScript): a worker thread starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

const HEARTBEAT = 0;
const MOVING = 1;
const TRIPPED = 2;
const TRIPPED_AT = 3;
const SILENT_MS = 4;
const STOP = 5;

const { cells: buffer, base, timeoutMs, checkMs, rosbridge } = workerData;
const cells = new Int32Array(buffer);
/** goals in flight on the robot, [{ action, ids }] (the session's thread posts them as it sends goals) */
let goals = [];
/** the watchdog's own rosbridge link (ROS): opened at start, reopened when it drops */
let link = null;
let linkOpen = false;

parentPort.on('message', (m) => {
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
