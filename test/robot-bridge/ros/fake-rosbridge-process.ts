/**
 * The rosbridge test server and its kinematic arm in a child process of their own, driven over
 * IPC: for tests that freeze their own event loop (an in-process server would freeze with it).
 * The arm moves on the wall clock, so a goal runs in real time whatever the test process does.
 *
 * The child keeps what a test asks afterwards, stamped with the wall clock (Date.now(), ms; the
 * same clock in both processes): every cancel request the action servers got, every trajectory
 * goal the arm executed (its id, start, end and outcome), and the arm's joint positions every
 * 10 ms (rad).
 *
 *   const server = await FakeRosbridgeProcess.start({ dialect: 'ros1', tfStatic: [...] });
 *   … createApp against server.url and server.trajectoryAction …
 *   const log = await server.log();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

const CHILD_ENV = 'SHAMMIE_FAKE_ROSBRIDGE_CHILD';
/** position samples kept (10 ms apart: the last 60 s) */
const MAX_SAMPLES = 6000;
/** goals and cancels kept (a test sends a handful) */
const MAX_RECORDS = 1000;

const Options = z.object({
  dialect: z.enum(['ros1', 'ros2']),
  tfStatic: z
    .array(
      z.object({
        parent: z.string(),
        child: z.string(),
        t: z.tuple([z.number(), z.number(), z.number()]),
        q: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      }),
    )
    .max(64)
    .optional(),
});
export type FakeRosbridgeProcessOptions = z.input<typeof Options>;

export interface CancelRecord {
  action: string;
  /** the goal id it named ('' for none) */
  id: string;
  /** true when it cancelled every goal on the server (an empty id and a zero stamp) */
  all: boolean;
  /** the goals it cancelled */
  cancelled: string[];
  /** when the server got it (Date.now(), ms) */
  at: number;
}

export interface GoalRecord {
  /** the id the action server knows the goal by */
  id: string;
  /** when the arm started executing it, and when that ended (Date.now(), ms) */
  start: number;
  end: number | null;
  /** the arm's outcome (succeeded, preempted: cancelled, …) */
  outcome: string | null;
  /** the trajectory's duration (s) */
  duration: number;
}

export interface ServerLog {
  cancels: CancelRecord[];
  goals: GoalRecord[];
  /** the arm's joint positions (rad) at wall-clock times (ms), from the time asked for */
  samples: { at: number; q: number[] }[];
  /** WebSocket clients connected now */
  clients: number;
}

const Request = z.discriminatedUnion('op', [
  z.object({ op: z.literal('log'), id: z.number(), samplesSince: z.number() }),
  z.object({ op: z.literal('home'), id: z.number() }),
]);

// --- the child ------------------------------------------------------------------------------------

async function serve(raw: unknown): Promise<void> {
  const o = Options.parse(raw);
  const { loadRobotModel } = await import('../../../model/description/robot-model.js');
  const { FakeRosbridge } = await import('./fake-rosbridge.js');
  const { FakeRobot } = await import('./fake-robot.js');
  const model = loadRobotModel('panda');
  const server = await new FakeRosbridge({ dialect: o.dialect }).start();
  const arm = FakeRobot.kinematic(model);
  const robot = new FakeRobot({ server, backend: arm, model, ...(o.tfStatic ? { tfStatic: o.tfStatic } : {}) }).start();

  // What the arm executes: FakeRobot pushes a goal's id, then hands its trajectory to the arm.
  const goals: GoalRecord[] = [];
  const execute = arm.executeTrajectory.bind(arm);
  arm.executeTrajectory = (trajectory, options) => {
    const exec = execute(trajectory, options);
    const rec: GoalRecord = {
      id: robot.goalIds.at(-1) ?? '',
      start: Date.now(),
      end: null,
      outcome: null,
      duration: trajectory.points.at(-1)?.timeFromStart ?? 0,
    };
    goals.push(rec);
    if (goals.length > MAX_RECORDS) goals.shift();
    void exec.done.then((out) => {
      rec.end = Date.now();
      rec.outcome = out.status === 'succeeded' ? out.status : `${out.status}: ${out.reason}`;
    });
    return exec;
  };
  const samples: ServerLog['samples'] = [];
  setInterval(() => {
    samples.push({ at: Date.now(), q: arm.jointState().position });
    if (samples.length > MAX_SAMPLES) samples.shift();
  }, 10);

  process.on('message', (m: unknown) => {
    const req = Request.safeParse(m);
    if (!req.success) return;
    if (req.data.op === 'home') {
      // Back to the home pose between tests (only when the arm is still).
      const ok = arm.activeTrajectory === null;
      if (ok) arm.setJointPositions([...model.home]);
      process.send!({ id: req.data.id, ok });
      return;
    }
    const cancels = robot.cancelRequests
      .slice(-MAX_RECORDS)
      .map(({ action, id, all, cancelled, at }) => ({ action, id, all, cancelled, at }));
    const since = req.data.samplesSince;
    const log: ServerLog = { cancels, goals, samples: samples.filter((s) => s.at >= since), clients: server.clientCount };
    process.send!({ id: req.data.id, log });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: { url: server.url, trajectoryAction: robot.trajectoryAction } });
}

// --- the test's side ------------------------------------------------------------------------------

export class FakeRosbridgeProcess {
  readonly url: string;
  readonly trajectoryAction: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (m: Record<string, unknown>) => void>();
  #next = 0;

  private constructor(child: ChildProcess, ready: { url: string; trajectoryAction: string }) {
    this.#child = child;
    this.url = ready.url;
    this.trajectoryAction = ready.trajectoryAction;
    child.on('message', (m: Record<string, unknown>) => {
      if (typeof m.id === 'number') this.#pending.get(m.id)?.(m);
    });
  }

  /** Fork the child and wait until its server listens (or fail after `timeoutMs`). */
  static async start(options: FakeRosbridgeProcessOptions, timeoutMs = 60_000): Promise<FakeRosbridgeProcess> {
    const o = Options.parse(options);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', tsx],
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(o) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const ready = await new Promise<{ url: string; trajectoryAction: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the rosbridge test server did not start within ${timeoutMs} ms`)), timeoutMs);
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`the rosbridge test server exited (${code}) before it was ready`)));
        child.on('message', (m: { ready?: { url: string; trajectoryAction: string } }) => {
          if (m?.ready) {
            clearTimeout(timer);
            resolve(m.ready);
          }
        });
      });
      return new FakeRosbridgeProcess(child, ready);
    } catch (err) {
      child.kill();
      throw err;
    }
  }

  /** Everything the server recorded so far; position samples only from `samplesSince` (Date.now() ms; default none). */
  async log(samplesSince = Infinity, timeoutMs = 30_000): Promise<ServerLog> {
    return (await this.#ask({ op: 'log', samplesSince: Number.isFinite(samplesSince) ? samplesSince : Number.MAX_VALUE }, timeoutMs))
      .log as ServerLog;
  }

  /** Put the arm back at its home pose; false while it moves. */
  async home(timeoutMs = 30_000): Promise<boolean> {
    return (await this.#ask({ op: 'home' }, timeoutMs)).ok === true;
  }

  /** End the child (it exits when the IPC channel closes). */
  stop(): void {
    if (this.#child.connected) this.#child.disconnect();
  }

  #ask(req: { op: 'log'; samplesSince: number } | { op: 'home' }, timeoutMs: number): Promise<Record<string, unknown>> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the rosbridge test server did not answer "${req.op}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, (m) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(m);
      });
      this.#child.send({ ...req, id });
    });
  }
}

if (process.env[CHILD_ENV] && process.send) await serve(JSON.parse(process.env[CHILD_ENV]));
