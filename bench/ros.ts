/**
 * ROS bridge benchmark on loopback. The rosbridge v2 test server and its kinematic arm run in a
 * child process (like rosbridge, a process of its own); the session side runs here.
 *
 * 1. Joint states at 500 Hz through RosbridgeBackend into the session (the guarded backend the
 *    session holds): no message lost; p99 of the added latency ≤ 5 ms. Latency runs from the
 *    server's publish (a wall-clock header stamp) to the session's listener, so it includes
 *    the WebSocket, JSON, roslib and the backend: an upper bound of what the bridge adds.
 * 2. A 1,000-point trajectory goal (7 joints: positions, velocities, accelerations) validated,
 *    encoded and sent in ≤ 20 ms: the synchronous executeTrajectory() call, which ends with the
 *    frame handed to the socket. The server's receipt time is reported too.
 *
 *   node --import tsx bench/ros.ts        (prints JSON; exit 1 if a target is missed)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JointTrajectory } from '../robot-bridge/types.js';

export interface RosBenchOptions {
  /** seconds of joint states (default 4) */
  seconds?: number;
  /** joint-state rate, Hz (default 500) */
  rate?: number;
  /** trajectory goals to time (default 30) */
  goals?: number;
}

const TARGET_P99_MS = 5;
const TARGET_SEND_MS = 20;

const wallS = () => (performance.timeOrigin + performance.now()) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(f * s.length))] : NaN);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? NaN) };
}

// --- the server side (child process) -------------------------------------------------------------

type Request = { op: 'publishing'; on: boolean } | { op: 'sent' } | { op: 'goals' };
const SERVER_ENV = 'SHAMMIE_ROS_BENCH_SERVER';

async function serve(rate: number): Promise<void> {
  const { loadRobotModel } = await import('../model/description/robot-model.js');
  const { FakeRosbridge } = await import('../test/robot-bridge/ros/fake-rosbridge.js');
  const { FakeRobot } = await import('../test/robot-bridge/ros/fake-robot.js');
  const model = loadRobotModel('panda');
  const server = await new FakeRosbridge({ dialect: 'ros2' }).start();
  const robot = new FakeRobot({ server, backend: FakeRobot.kinematic(model), model, jointStateRate: rate, stamps: 'wall' }).start();
  const goalArrivals: { at: number; points: number }[] = [];
  server.advertiseAction('/bench/follow_joint_trajectory', {
    type: 'control_msgs/action/FollowJointTrajectory',
    onGoal: (g) => {
      const points = ((g.args as { trajectory?: { points?: unknown[] } })?.trajectory?.points ?? []).length;
      goalArrivals.push({ at: wallS(), points });
      g.result(4, { error_code: 0, error_string: '' });
    },
    onCancel: () => {},
  });
  process.on('message', (m: Request & { id: number }) => {
    if (m.op === 'publishing') {
      robot.publishing = m.on;
      process.send!({ id: m.id });
    } else if (m.op === 'sent') process.send!({ id: m.id, sent: robot.jointStatesSent });
    else process.send!({ id: m.id, goals: goalArrivals });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: server.url });
}

class ServerProcess {
  readonly #child: ChildProcess;
  #next = 0;
  readonly #pending = new Map<number, (v: Record<string, unknown>) => void>();
  readonly url: Promise<string>;

  constructor(rate: number) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    this.#child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', tsx],
      env: { ...process.env, [SERVER_ENV]: String(rate) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.url = new Promise((resolve, reject) => {
      this.#child.once('error', reject);
      this.#child.once('exit', (code) => reject(new Error(`the bench server exited (${code})`)));
      this.#child.on('message', (m: Record<string, unknown>) => {
        if (typeof m.ready === 'string') resolve(m.ready);
        else this.#pending.get(m.id as number)?.(m);
      });
    });
  }

  ask(req: Request): Promise<Record<string, unknown>> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...req, id });
    });
  }

  stop(): void {
    this.#child.disconnect();
  }
}

// --- the session side -----------------------------------------------------------------------------

async function jointStateBench(server: ServerProcess, url: string, seconds: number) {
  const { createApp } = await import('../session/app.js');
  const { loadProfile } = await import('../session/profile.js');
  const p = loadProfile('ros2-rosbridge', {});
  const app = await createApp({ profile: { ...p, preflight: false, ros: { ...p.ros, url } } });
  try {
    await server.ask({ op: 'publishing', on: false });
    await sleep(100);
    const latencies: number[] = [];
    let received = 0;
    const off = app.backend.onJointState((s) => {
      received++;
      latencies.push((wallS() - s.stamp) * 1000);
    });
    const sent0 = (await server.ask({ op: 'sent' })).sent as number;
    const t0 = performance.now();
    await server.ask({ op: 'publishing', on: true });
    await sleep(seconds * 1000);
    await server.ask({ op: 'publishing', on: false });
    const elapsed = (performance.now() - t0) / 1000;
    await sleep(200); // drain
    off();
    const sent = ((await server.ask({ op: 'sent' })).sent as number) - sent0;
    const latencyMs = quantiles(latencies);
    return {
      rateHz: Math.round((sent / elapsed) * 10) / 10,
      sent,
      received,
      lost: sent - received,
      latencyMs,
      targets: { lost: 0, p99Ms: TARGET_P99_MS },
      pass: sent > 0 && received === sent && latencyMs.p99 <= TARGET_P99_MS,
    };
  } finally {
    await app.dispose();
  }
}

async function trajectoryBench(server: ServerProcess, url: string, goals: number) {
  const { RosbridgeBackend } = await import('../robot-bridge/ros/rosbridge-backend.js');
  const { checkTrajectory } = await import('../robot-bridge/safety/index.js');
  const { loadRobotModel } = await import('../model/description/robot-model.js');
  const model = loadRobotModel('panda');
  const backend = new RosbridgeBackend({ model, config: { url, trajectoryAction: '/bench/follow_joint_trajectory' } });
  await server.ask({ op: 'publishing', on: true });
  await backend.connect();
  try {
    const n = 1000;
    const q0 = backend.jointState().position;
    const duration = 20; // s: slow, so 1,000 points stay within every limit
    const w = Math.PI / duration;
    const traj: JointTrajectory = {
      jointNames: [...model.jointNames],
      points: Array.from({ length: n }, (_, k) => {
        const t = (duration * k) / (n - 1);
        const f = (1 - Math.cos(w * t)) / 2;
        return {
          positions: q0.map((q) => q + 0.1 * f),
          velocities: q0.map(() => 0.1 * (w / 2) * Math.sin(w * t)),
          accelerations: q0.map(() => 0.1 * ((w * w) / 2) * Math.cos(w * t)),
          timeFromStart: t,
        };
      }),
    };
    const times: number[] = [];
    const cpu: number[] = [];
    const starts: number[] = [];
    const warmup = 3; // JIT: the first calls compile the encoder
    for (let i = 0; i < goals + warmup; i++) {
      await backend.waitForJointStates(1);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const start = wallS();
      const ex = backend.executeTrajectory(traj);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i >= warmup) {
        times.push(wall);
        cpu.push((c.user + c.system) / 1000);
      }
      starts.push(start);
      const o = await ex.done;
      if (o.status !== 'succeeded') throw new Error(`bench goal ${i} ${o.status}: ${'reason' in o ? o.reason : ''}`);
      await sleep(20);
    }
    const arrivals = ((await server.ask({ op: 'goals' })).goals as { at: number; points: number }[])
      .map((a, i) => ({ ...a, latency: (a.at - starts[i]) * 1000 }))
      .slice(warmup);
    const g0 = performance.now();
    const check = checkTrajectory(traj, model, {}, q0);
    const guardMs = performance.now() - g0;
    const sendMs = quantiles(times);
    return {
      points: arrivals.at(-1)?.points ?? 0,
      joints: model.jointNames.length,
      goals,
      encodeSendMs: sendMs,
      encodeSendCpuMs: quantiles(cpu),
      serverReceivedMs: quantiles(arrivals.map((a) => a.latency)),
      guardCheckMs: Math.round(guardMs * 100) / 100,
      guardAccepts: check.ok,
      targets: { encodeSendMs: TARGET_SEND_MS },
      pass: arrivals.length === goals && arrivals.every((a) => a.points === n) && sendMs.p95 <= TARGET_SEND_MS,
    };
  } finally {
    await backend.disconnect();
  }
}

export async function runRosBench(options: RosBenchOptions = {}) {
  const server = new ServerProcess(options.rate ?? 500);
  try {
    const url = await server.url;
    const jointStates = await jointStateBench(server, url, options.seconds ?? 4);
    const trajectory = await trajectoryBench(server, url, options.goals ?? 30);
    const { loadavg, cpus } = await import('node:os');
    return {
      node: process.version,
      cpus: cpus().length,
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      transport: 'rosbridge v2 over WebSocket on loopback; the test server in another process',
      jointStates,
      trajectory,
      pass: jointStates.pass && trajectory.pass,
    };
  } finally {
    server.stop();
  }
}

if (process.env[SERVER_ENV] && process.send) {
  await serve(Number(process.env[SERVER_ENV]));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runRosBench();
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.pass ? 0 : 1;
}
