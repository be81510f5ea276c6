/**
 * Stop latency (`shammie bench --only stop`): the time from a console's stop request to the arm
 * at rest (every joint below 0.05 rad/s), on `shammie start` (real-time MuJoCo sim) in a process
 * of its own, as the operator meets it.
 *
 * Each trial: the console (this process, a WebSocket client in control) says "go to the bag" or
 * "go home", confirms the preview by id, waits until the arm moves faster than 0.3 rad/s plus a
 * random 0–200 ms, sends `{"type":"stop"}` and watches the joint stream. The stream carries
 * positions with sim-time stamps at up to 50 Hz; the speed is the change between consecutive
 * frames over their stamp difference, so the figure is conservative by up to one frame (20 ms).
 *
 * Two conditions, the same trials: at rest load, and while two other processes load the server:
 * one sends 16.9 MB WebSocket frames (reconnecting after each refusal, at most one per 500 ms),
 * one makes 50 HTTP requests per second (status reads and refused commands). Targets: p50 ≤ 80 ms
 * and p99 ≤ 150 ms in both.
 *
 *   node --import tsx bench/stop.ts   (JSON; exit 1 if a target is missed)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../server/protocol.js';

const TARGET_P50_MS = 80;
const TARGET_P99_MS = 150;
const REST = 0.05; // rad/s
const MOVING = 0.3; // rad/s
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(f * s.length) - 1)] : NaN);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? NaN) };
}

/** `shammie start` on a free port with a fresh data folder; resolves with its URL and token. */
async function startServer(dataDir: string, root: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [join(root, 'launch/bin/shammie.js'), 'start', '--port', '0', '--data', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (d) => (out += String(d)));
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shammie start printed no URL in 120 s:\n${out}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += String(d);
      // Wait for the console build too, so it does not load the machine during the trials.
      // (No token: a checkout from before the access token, for a before/after comparison.)
      const m = out.match(/console: ready at (http:\/\/[^\s?]+\/)(?:\?token=([0-9a-f]{64}))?/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], token: m[2] ?? '' });
      }
    });
    child.on('exit', (c) => reject(new Error(`shammie start exited ${c}:\n${out}`)));
  });
  return { child, url, token };
}

class Console {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  /** speed (rad/s, max over joints) between consecutive joint frames, and when the frame arrived */
  onSpeed: ((speed: number, at: number) => void) | null = null;
  #last: { stamp: number; q: number[] } | null = null;

  constructor(url: string, token: string) {
    const u = new URL(url);
    this.ws = new WebSocket(`ws://${u.host}/ws?token=${token}&client=stopbench`);
    this.ws.on('message', (d) => {
      const at = performance.now();
      // Plain JSON, not the protocol schemas: the before/after comparison also reads older servers.
      let m: ServerMessage;
      try {
        m = JSON.parse((d as Buffer).toString()) as ServerMessage;
      } catch {
        return;
      }
      if (m.type === 'joints') {
        const last = this.#last;
        if (last && m.stamp > last.stamp) {
          let speed = 0;
          for (let i = 0; i < m.q.length; i++) speed = Math.max(speed, Math.abs(m.q[i] - last.q[i]) / (m.stamp - last.stamp));
          this.onSpeed?.(speed, at);
        }
        this.#last = { stamp: m.stamp, q: m.q };
        return;
      }
      this.messages.push(m);
    });
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(m: unknown): void {
    this.ws.send(JSON.stringify(m));
  }

  async next<T extends ServerMessage['type']>(type: T, from: number, timeoutMs = 20_000): Promise<Extract<ServerMessage, { type: T }>> {
    const t0 = performance.now();
    for (;;) {
      const m = this.messages.slice(from).find((x) => x.type === type);
      if (m) return m as Extract<ServerMessage, { type: T }>;
      if (performance.now() - t0 > timeoutMs) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  /** Resolves when the speed first satisfies `pred`, with the arrival time of that frame. */
  speed(pred: (s: number) => boolean, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onSpeed = null;
        reject(new Error(`joint speed condition not met in ${timeoutMs} ms`));
      }, timeoutMs);
      this.onSpeed = (s, at) => {
        if (!pred(s)) return;
        clearTimeout(timer);
        this.onSpeed = null;
        resolve(at);
      };
    });
  }
}

/** One stop: start a motion, let it get going, stop, time until rest. */
async function trial(c: Console, k: number): Promise<number> {
  const from = c.messages.length;
  c.send({ type: 'say', text: k % 2 ? 'go home' : 'go to the bag' });
  const preview = await c.next('preview', from);
  c.send({ type: 'confirm', previewId: preview.preview.id });
  await c.speed((s) => s > MOVING);
  await sleep(Math.random() * 200);
  const t0 = performance.now();
  c.send({ type: 'stop' });
  const at = await c.speed((s) => s < REST);
  const ms = at - t0;
  // Let the session finish the stopped turn before the next command.
  await sleep(300);
  return ms;
}

function startLoad(mode: 'frames' | 'requests', url: string, token: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bench/stop-load.mjs'), mode, url, token], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function stopLoad(child: ChildProcess): Promise<Record<string, number>> {
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  try {
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  } catch {
    return {};
  }
}

/**
 * `root`: the checkout whose `shammie start` is measured (default this one); another checkout
 * gives a before/after comparison on the same machine and load generators.
 */
export async function runStopBench(opts: { trials?: number; root?: string } = {}) {
  const trials = opts.trials ?? 40;
  const dataDir = mkdtempSync(join(tmpdir(), 'shammie-stopbench-'));
  const server = await startServer(dataDir, opts.root ?? ROOT);
  try {
    const c = new Console(server.url, server.token);
    await c.open();
    await c.next('hello', 0);
    const rest: number[] = [];
    for (let k = 0; k < trials; k++) rest.push(await trial(c, k));
    const frames = startLoad('frames', server.url, server.token);
    const requests = startLoad('requests', server.url, server.token);
    const loaded: number[] = [];
    try {
      await sleep(1500); // the load is running
      for (let k = 0; k < trials; k++) loaded.push(await trial(c, k));
    } catch (err) {
      // Never leave the load processes behind a failed trial.
      frames.kill('SIGKILL');
      requests.kill('SIGKILL');
      throw err;
    }
    const load = { frames: await stopLoad(frames), requests: await stopLoad(requests) };
    c.ws.close();
    const a = quantiles(rest);
    const b = quantiles(loaded);
    const ok = (q: ReturnType<typeof quantiles>) => q.p50 <= TARGET_P50_MS && q.p99 <= TARGET_P99_MS;
    return {
      description:
        'stop request (console WebSocket) to every joint < 0.05 rad/s, on `shammie start` (real-time sim) in its own process; at rest load, and while one process sends 16.9 MB frames and another 50 HTTP requests/s',
      targets: { p50Ms: TARGET_P50_MS, p99Ms: TARGET_P99_MS },
      restMs: a,
      floodedMs: b,
      load,
      pass: ok(a) && ok(b),
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runStopBench();
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.pass ? 0 : 1;
}
