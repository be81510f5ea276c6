/**
 * Bounds everywhere (issue 13, "One number freezes the server and takes STOP with it"): 1e306 and
 * other absurd numbers through every input that carries a coordinate, a duration or a count —
 * the HTTP API, the console's WebSocket (point, ik, recordings), scripts, library files, profiles,
 * demonstrations and plans. Each ends with a clear refusal, the server still answering, and no
 * motion.
 *
 * The server runs in a process of its own (server-process.ts) and every request has a short
 * deadline: were a number to make the server loop again, the request would fail on its deadline
 * here instead of hanging the runner with the server's event loop.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { parseClientMessage } from '../../server/protocol.js';
import { parseProfile, ProfileError } from '../../session/profile.js';
import { DemonstrationError, processDemonstration } from '../../skills/demonstration/index.js';
import { createSkillRegistry } from '../../skills/primitives.js';
import { TestClient } from '../server/ws-client.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'launch', 'bin', 'shammie.js');
const HARNESS = join(import.meta.dirname, 'server-process.ts');
const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `shammie-bounds-${tag}-`));

interface Reply {
  status: number;
  ms: number;
  json: Record<string, unknown>;
}

/** A session server in a child process, and requests with deadlines. */
class ServerProcess {
  child!: ChildProcessWithoutNullStreams;
  base!: string;
  token: string | null = null;
  readonly dataDir = tmp('server');

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', HARNESS, this.dataDir], { cwd: ROOT, stdio: 'pipe' });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '',
        err = '';
      const timer = setTimeout(() => reject(new Error(`the server process did not start within 60 s: ${err}`)), 60_000);
      this.child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      this.child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
      this.child.once('exit', (code) => reject(new Error(`the server process exited (${code}): ${err}`)));
    });
    const { url, token } = JSON.parse(line) as { url: string; token: string | null };
    this.base = url;
    this.token = token;
  }

  get headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown, deadlineMs = 10_000): Promise<Reply> {
    const t0 = Date.now();
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(deadlineMs),
    });
    const json = (await res.json()) as Record<string, unknown>;
    return { status: res.status, ms: Date.now() - t0, json };
  }

  post = (path: string, body?: unknown, deadlineMs?: number) => this.request('POST', path, body, deadlineMs);
  get = (path: string) => this.request('GET', path);

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGKILL');
    await new Promise((r) => this.child.once('exit', r));
  }
}

type Status = {
  joints: { positions: number[] };
  executing: boolean;
  known: { name: string }[];
  objects: Record<string, { position: number[] }>;
};

const libraryEntities = (dataDir: string) =>
  (JSON.parse(readFileSync(join(dataDir, 'library.json'), 'utf8')) as { entities: { name: string }[] }).entities.map((e) => e.name);

/** The workspace range a refusal states for one axis, e.g. "z -0.04..1.43 m" → [-0.04, 1.43]. */
function statedRange(message: string, axis: 'x' | 'y' | 'z'): [number, number] {
  const m = new RegExp(`\\(${axis} (-?[\\d.]+)\\.\\.(-?[\\d.]+) m\\)`).exec(message);
  expect(m, message).not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

describe('one number cannot freeze the server (the reproduction)', () => {
  const s = new ServerProcess();
  beforeAll(() => s.start(), 90_000);
  afterAll(() => s.stop());

  it('a point at z = 1e306 is refused with the workspace, nothing is saved, stop answers and nothing moves', async () => {
    const before = (await s.get('api/status')).json as unknown as Status;

    const asked = await s.post('api/say', { text: 'pick up the toy car' }, 20_000);
    expect(asked.status).toBe(200);
    expect(asked.json.kind).toBe('question');
    expect(String(asked.json.reply)).toMatch(/TOY_CAR/);

    const point = await s.post('api/point', { position: [0.5, 0, 1e306] });
    expect(point.status).toBe(400);
    const error = String(point.json.error);
    expect(error).toMatch(/^position z 1e\+306 m is outside the workspace \(z .*\); click on the table or an object$/);
    // The stated range is physical: it holds the table top and a tabletop arm's reach, nothing absurd.
    const [lo, hi] = statedRange(error, 'z');
    expect(lo).toBeLessThanOrEqual(0);
    expect(lo).toBeGreaterThan(-0.1);
    expect(hi).toBeGreaterThan(1);
    expect(hi).toBeLessThan(2);
    expect(libraryEntities(s.dataDir)).not.toContain('TOY_CAR');

    // The command that used to loop: the robot asks again, it does not plan a motion to 1e306.
    const go = await s.post('api/say', { text: 'go to the toy car' }, 20_000);
    expect(go.status).toBe(200);
    expect(go.json).toMatchObject({ kind: 'question', executed: false });

    const stop = await s.post('api/stop', undefined, 3000);
    expect(stop.status).toBe(200);
    expect(stop.ms).toBeLessThan(1000);

    const after = (await s.get('api/status')).json as unknown as Status;
    expect(after.executing).toBe(false);
    expect(after.known.map((k) => k.name)).not.toContain('TOY_CAR');
    after.joints.positions.forEach((q, i) => expect(Math.abs(q - before.joints.positions[i])).toBeLessThan(1e-3));
    expect(libraryEntities(s.dataDir)).not.toContain('TOY_CAR');
  }, 60_000);

  it.each([
    ['1e6 m along x', [1e6, 0, 0.1], /^position x 1e\+6 m is outside the workspace \(x /],
    ['a negative height under the table', [0.5, 0, -0.5], /^position z -0\.5 m is outside the workspace \(z /],
    ['5 m up (inside ±10 m, outside the reach)', [0.5, 0, 5], /^position z 5 m is outside the workspace/],
  ])('the API refuses %s with the workspace, and the question stays open', async (_what, position, message) => {
    await s.post('api/say', { text: 'pick up the toy car' }, 20_000);
    const r = await s.post('api/point', { position });
    expect(r.status).toBe(400);
    expect(String(r.json.error)).toMatch(message);
    expect(libraryEntities(s.dataDir)).not.toContain('TOY_CAR');
  });

  it('the API refuses what is not a finite number (NaN-like input) before the session sees it', async () => {
    for (const body of ['{"position": [0.5, 0, NaN]}', '{"position": [0.5, 0, "1e306"]}', '{"position": [0.5, 0, 1e999]}']) {
      const res = await fetch(new URL('api/point', s.base), {
        method: 'POST',
        headers: s.headers,
        body,
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(400);
    }
  });

  it('a click on the toy car, where the console puts it, is still accepted and the command carries on', async () => {
    const status = (await s.get('api/status')).json as unknown as Status;
    const car = status.objects.TOY_CAR.position;
    await s.post('api/say', { text: 'pick up the toy car' }, 20_000);
    const r = await s.post('api/point', { position: [car[0], car[1], car[2] + 0.01] }, 30_000);
    expect(r.status).toBe(200);
    expect(r.json.kind).toBe('taught');
    expect(libraryEntities(s.dataDir)).toContain('TOY_CAR');
    await s.post('api/cancel');
  }, 60_000);

  it('the console protocol refuses 1e306 in point, ik and recordings; the server keeps answering', async () => {
    const c = new TestClient(s.base, s.headers);
    await c.open();
    try {
      await c.next('hello', () => true, 10_000);
      const cases: [string, unknown, RegExp][] = [
        ['point', { type: 'point', position: [0.5, 0, 1e306] }, /position\.2: must be within ±10 m/],
        [
          'ik position',
          { type: 'ik', id: 1, position: [1e306, 0, 0.3], seed: [0, 0, 0, -2, 0, 2, 0.8] },
          /position\.0: must be within ±10 m/,
        ],
        ['ik seed', { type: 'ik', id: 2, position: [0.5, 0, 0.3], seed: [0, 0, 0, -2, 0, 2, 1e6] }, /seed\.6/],
        ['ik joints', { type: 'ik', id: 3, position: [0.5, 0, 0.3], seed: new Array(65).fill(0) }, /seed: .*64/],
        [
          'recording time',
          {
            type: 'save_recording',
            name: 'x',
            samples: [
              { t: 0, q: [0, 0, 0, -2, 0, 2, 0.8], gripper: 0.04 },
              { t: 1e306, q: [0, 0, 0, -2, 0, 2, 0.8], gripper: 0.04 },
            ],
          },
          /samples\.1\.t/,
        ],
        [
          'recording joint',
          {
            type: 'demonstrate',
            name: 'x',
            samples: [
              { t: 0, q: [0, 0, 0, -2, 0, 2, 0.8], gripper: 0.04 },
              { t: 0.1, q: [0, 0, 0, -2, -1e306, 2, 0.8], gripper: 0.04 },
            ],
          },
          /samples\.1\.q\.4/,
        ],
      ];
      for (const [what, msg, why] of cases) {
        const from = c.mark();
        c.send(msg);
        const err = await c.next('error', (e) => why.test(e.message), 5000, from);
        expect(err.message, what).toMatch(/^bad "/);
      }
      // Inside ±10 m but outside the reach: the session says so, and teaches nothing.
      await s.post('api/say', { text: 'pick up the ball' }, 20_000);
      const from = c.mark();
      c.send({ type: 'point', position: [0.5, 0, 5] });
      const said = await c.next('dialogue', (m) => m.entry.role === 'robot' && /outside the workspace/.test(m.entry.text), 10_000, from);
      expect(said.entry.text).toMatch(/position z 5 m is outside the workspace \(z .*\)/);
      expect(libraryEntities(s.dataDir)).not.toContain('BALL');
      const stop = await s.post('api/stop', undefined, 3000);
      expect(stop.status).toBe(200);
      expect(((await s.get('api/status')).json as unknown as Status).executing).toBe(false);
    } finally {
      c.close();
    }
  }, 60_000);
});

describe('scripts and library files with absurd numbers are refused before anything moves', () => {
  const run = (args: string[], data: string) =>
    spawnSync(process.execPath, [BIN, 'run', ...args, '--data', data], { encoding: 'utf8', timeout: 60_000, cwd: ROOT });
  const script = (text: string) => {
    const f = join(tmp('script'), 'script.txt');
    writeFileSync(f, text);
    return f;
  };
  const library = (position: unknown) => {
    const dir = tmp('library');
    const entity = { name: 'LOTION', description: 'the lotion', kind: 'location', source: { type: 'point', position } };
    const file = { format: 'shammie-library', version: 1, lastSeq: 0, behaviors: [], entities: [entity], motions: [], history: [] };
    writeFileSync(join(dir, 'library.json'), JSON.stringify(file));
    return dir;
  };

  it('!click 0.5 0 1e306 fails on its line, before the robot starts', () => {
    const r = run([script('pick up the toy car\n!click 0.5 0 1e306\n')], tmp('data'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/script\.txt:2: !click z = 1e\+306 m is more than 10 m away/);
  });

  it('!click 0.5 0 5 (outside the reach) fails on its line before anything moves; !stop 1e6 is refused', () => {
    const r = run([script('go home\n!click 0.5 0 5\n')], tmp('data'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/script\.txt:2: !click point z 5 m is outside the workspace \(z .*\)/);
    expect(r.stdout).not.toMatch(/go home/);
    const stop = run([script('go home\n!stop 1e6\n')], tmp('data'));
    expect(stop.status).toBe(2);
    expect(stop.stderr).toMatch(/script\.txt:2: !stop expects a non-negative number of seconds, at most 600/);
  }, 120_000);

  it.each([
    ['1e306', [0.5, 0, 1e306], /source\.position\[2\]: must be within ±10 m/],
    ['z = 5 m (outside the reach)', [0.5, 0, 5], /location LOTION: position z 5 m is outside the workspace \(z .*\)/],
  ])(
    'a library whose taught point is at %s is refused on load, untouched, like a corrupt file',
    (_what, position, why) => {
      const dir = library(position);
      const before = readFileSync(join(dir, 'library.json'), 'utf8');
      const r = run([script('go home\n')], dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/library\.json is not a valid skill library/);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(readFileSync(join(dir, 'library.json'), 'utf8')).toBe(before);
    },
    60_000,
  );
});

describe('profiles, demonstrations and plans: bounded at the boundary', () => {
  it.each([
    [
      'an obstacle at 1e306 m',
      'scene:\n  file: giftbag\n  obstacles:\n    - { name: BOX, size: [0.1, 0.1, 0.1], position: [0.4, 0, 1e306] }\n',
      /position\.2/,
    ],
    [
      'an obstacle 1e6 m big',
      'scene:\n  file: giftbag\n  obstacles:\n    - { name: BOX, size: [1e6, 0.1, 0.1], position: [0.4, 0, 0.1] }\n',
      /size\.0/,
    ],
    [
      'a negative obstacle size',
      'scene:\n  file: giftbag\n  obstacles:\n    - { name: BOX, size: [-1, 0.1, 0.1], position: [0.4, 0, 0.1] }\n',
      /size\.0/,
    ],
  ])('a sim profile with %s is refused', (_what, body, why) => {
    expect(() => parseProfile(`backend: sim\n${body}`, 'p.yaml')).toThrow(ProfileError);
    expect(() => parseProfile(`backend: sim\n${body}`, 'p.yaml')).toThrow(why);
  });

  it.each([
    ['speedScale 1e306', 'trajectory: { speedScale: 1e306 }', /speedScale/],
    ['goalTimeTolerance -1', 'trajectory: { goalTimeTolerance: -1 }', /goalTimeTolerance/],
    ['a timeout of 1e306 s', 'timeouts: { connect: 1e306 }', /connect/],
    ['tf maxAge 1e306 s', 'tf: { maxAge: 1e306 }', /maxAge/],
    ['gripper scale 1e306', 'gripper: { mode: topic, topic: /g, scale: 1e306 }', /scale/],
  ])('a ROS profile with %s is refused', (_what, line, why) => {
    expect(() => parseProfile(`backend: rosbridge\nurl: ws://localhost:9090\n${line}\n`, 'p.yaml')).toThrow(why);
  });

  const panda = loadRobotModel('panda');
  const demo = (samples: { t: number; q: number[]; gripper?: number }[]) => ({
    format: 'shammie-demonstration',
    version: 1,
    robot: 'panda',
    jointNames: panda.jointNames,
    rate: 50,
    samples,
  });
  const q = (k: number) => panda.home.map((v, i) => (i === 0 ? v + 0.01 * k : v));
  const moving = (n: number) => Array.from({ length: n }, (_, k) => ({ t: k * 0.02, q: q(k), gripper: 0.04 }));

  it.each([
    ['a sample time of 1e306 s', (s: ReturnType<typeof moving>) => (s[5].t = 1e306), /samples\[5\]\.t: must be within/],
    ['a joint value of 1e6 rad', (s: ReturnType<typeof moving>) => (s[5].q[3] = 1e6), /samples\[5\]\.q\[3\]: must be within/],
    ['a joint 0.5 rad past its limit', (s: ReturnType<typeof moving>) => (s[5].q[3] = panda.arm[3].upper + 0.5), /outside its limits/],
    ['a gripper value of -1e306', (s: ReturnType<typeof moving>) => (s[5].gripper = -1e306), /samples\[5\]\.gripper/],
  ])('a demonstration with %s is refused', (_what, spoil, why) => {
    const samples = moving(60);
    spoil(samples);
    expect(() => processDemonstration(demo(samples), panda)).toThrow(DemonstrationError);
    expect(() => processDemonstration(demo(samples), panda)).toThrow(why);
  });

  it('a demonstration resampled at an absurd rate is refused instead of filling memory', () => {
    expect(() => processDemonstration(demo(moving(60)), panda, { dt: 1e-12 })).toThrow(/at most 100000/);
  });

  it("a plan's number argument of 1e306 (an LLM's, a file's) is refused by the registry", () => {
    const registry = createSkillRegistry();
    const r = registry.validatePlan([{ skill: 'go_home', args: { speed: 1e306 } }], { entities: new Set(['CANDY']) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('; ')).toMatch(/must be between -10000 and 10000/);
  });

  it('the protocol refuses a 1e306 world point but takes every click inside ±10 m', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'point', position: [0.5, 0, 1e306] })).ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ type: 'point', position: [0.5, 0, -0.04] })).ok).toBe(true);
  });
});
