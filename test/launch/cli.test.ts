/** The `shammie` command as a user runs it: a separate process, its output and exit status. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../launch/cli.js';
import type { RunReport } from '../../launch/run.js';
import type { status as statusOf } from '../../server/status.js';
import type { Turn } from '../../session/types.js';

const BIN = join(import.meta.dirname, '..', '..', 'launch', 'bin', 'shammie.js');
// Every spawned command gets its own data folder, so runs never share a skill library.
// A 2 s watchdog: the suite loads the machine enough to stall a server's loop for 250 ms.
const ENV = { ...process.env, SHAMMIE_DATA: mkdtempSync(join(tmpdir(), 'shammie-data-')), SHAMMIE_WATCHDOG_MS: '2000' };
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: ENV });
const tmp = () => mkdtempSync(join(tmpdir(), 'shammie-cli-'));

/** `main(args)` with its stdout and stderr captured. */
async function inProcess(args: string[]) {
  const o = { status: -1, stdout: '', stderr: '' };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((o.stdout += String(t)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((o.stderr += String(t)), true));
  try {
    o.status = await main(args);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return o;
}

describe('shammie run', () => {
  it('runs the gift-bag script: exit 0, JSON turns, CANDY in GIFT_BAG from physics', () => {
    const dir = tmp();
    const f = join(dir, 'giftbag.txt');
    writeFileSync(f, '# gift bag\npick up the candy\nput it in the bag\n');
    const r = run('run', f, '--json', '--seed', '7');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.turns).toHaveLength(2);
    for (const t of report.turns) {
      expect(t).toMatchObject({ kind: 'plan', executed: true, outcome: 'succeeded', failure: null });
      expect(typeof t.reply).toBe('string');
    }
    expect(report.world.objects.CANDY).toMatchObject({ in: 'GIFT_BAG', held: false });
    expect(report.world.objects.TOY_CAR).toMatchObject({ in: null, held: false });
    expect(report.world.objects.CANDY.position).toHaveLength(3);
    expect(report.skills).toEqual(expect.arrayContaining(['go_home', 'goto', 'grasp', 'release', 'pickup']));
    expect(report.seed).toBe(7);
  });

  it('exits 0 even when the robot fails a step, and says why', () => {
    const dir = tmp();
    const f = join(dir, 's.txt');
    writeFileSync(f, 'grasp\ngo to the bag\n!stop 0.3\ngo to the candy\ngrasp\n');
    const r = run('run', f, '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.turns.map((t: { outcome: string }) => t.outcome)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded']);
    expect(report.turns[1].failure).toMatch(/stopped by the operator/);
    // The closed hand was opened on the way to the candy, so the grasp got it.
    expect(report.world.objects.CANDY.held).toBe(true);
  });

  it.each([
    [['run', '/no/such/file.txt'], /cannot read script \/no\/such\/file.txt: no such file/],
    [['run', 'x.txt', '--seed', 'abc'], /--seed must be an integer/],
  ])('bad usage %j exits 2 with a clear message', (args, msg) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  // Not the parser's paragraph and the 40-line usage: one line, naming the command and its --help.
  it.each([
    [['start', '--frobnicate'], "shammie: unknown option '--frobnicate' for 'start'. See 'shammie start --help'."],
    [['start', '--prot', '9000'], "shammie: unknown option '--prot' for 'start'. Did you mean '--port'? See 'shammie start --help'."],
    [['start', '--port'], "shammie: option '--port' needs a value. See 'shammie start --help'."],
    [['start', '--port', 'http'], 'shammie: --port must be 0..65535, got "http". See \'shammie start --help\'.'],
    [['start', 'now'], "shammie: unexpected argument \"now\" for 'start'. See 'shammie start --help'."],
    [['run'], "shammie: 'run' needs a script FILE. See 'shammie run --help'."],
    [['run', 'x.txt', '--frobnicate'], "shammie: unknown option '--frobnicate' for 'run'. See 'shammie run --help'."],
    [['run', 'x.txt', '--json=yes'], "shammie: option '--json' takes no value. See 'shammie run --help'."],
    [['repl', '--port', '1'], "shammie: unknown option '--port' for 'repl'. See 'shammie repl --help'."],
    [['fly'], 'shammie: unknown command "fly". See \'shammie --help\'.'],
    [['film', 'export', '--bogus'], "shammie film: unknown option '--bogus' for 'film'. See 'shammie film --help'."],
    [['library', 'show', '--frobnicate'], "shammie library: unknown option '--frobnicate' for 'library'. See 'shammie library --help'."],
    [['transcribe', 'a.wav', '--frob'], "shammie: unknown option '--frob' for 'transcribe'. See 'shammie transcribe --help'."],
    [['report', 'a.jsonl', 'b.jsonl'], "shammie report: 'report' needs one LOG file (got 2). See 'shammie report --help'."],
  ])('a bad flag or argument %j is one plain line and exit 2', async (args, line) => {
    // In this process (main is what the bin runs): the same output without a Node start-up per case.
    const r = await inProcess(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${line}\n`);
  });

  it('--help still prints the whole usage, with the repl and port options', async () => {
    for (const args of [['--help'], ['start', '--help'], ['repl', '-h']]) {
      const r = await inProcess(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: shammie <command> \[options\]\n/);
      expect(r.stdout).toMatch(/--fast +run the sim faster than real time/);
      expect(r.stdout).toMatch(/--port P +port for the session server/);
    }
  });

  it('a malformed script, scene or URDF exits 2 naming the problem', () => {
    const dir = tmp();
    const script = join(dir, 'bad.txt');
    writeFileSync(script, 'go home\n!teleport 1 2 3\n');
    let r = run('run', script);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.txt:2: unknown operator action "!teleport"/);

    const good = join(dir, 'good.txt');
    writeFileSync(good, 'go home\n');
    const scene = join(dir, 'scene.json');
    writeFileSync(scene, '{"name": "broken", "objects": [ }');
    r = run('run', good, '--scene', scene);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/scene\.json/);

    const urdf = join(dir, 'arm.urdf');
    writeFileSync(
      urdf,
      '<robot name="x"><link name="a"/><joint name="j" type="revolute"><parent link="a"/><child link="b"/></joint></robot>',
    );
    r = run('run', good, '--robot', urdf);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/child link "b", which is not defined/);
  });
});

describe('shammie repl', () => {
  // Real time runs the watchdog; give it room on a loaded test machine (it is not what is tested here).
  const repl = (input: string, ...flags: string[]) =>
    spawnSync(process.execPath, [BIN, 'repl', ...flags], {
      env: { ...ENV, SHAMMIE_WATCHDOG_MS: '5000' },
      input,
      encoding: 'utf8',
      timeout: 90_000,
    });
  /** The plan's duration and the wall time its execution took, s. */
  const times = (out: string) => ({
    planned: Number(/\d+ steps, ([\d.]+) s, max joint speed/.exec(out)?.[1]),
    took: Number(/robot> Done \(([\d.]+) s\)\./.exec(out)?.[1]),
  });

  it('a bad SHAMMIE_WATCHDOG_MS ends it with one line and exit 2 (it used to hang on the sim it had started)', () => {
    const r = spawnSync(process.execPath, [BIN, 'repl'], {
      env: { ...ENV, SHAMMIE_WATCHDOG_MS: '9000' },
      input: '',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('shammie: SHAMMIE_WATCHDOG_MS must be 100..5000 (ms), got "9000"');
  });

  it('shows the plan and its trajectory summary, moves only after y, and in real time', () => {
    const r = repl('go to the bag\nn\npick up the candy\ny\nworld\nquit\n');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/Motions run in real time: type "stop" \(or Ctrl\+C\) to halt one\./);
    expect(out).toMatch(/Sure, here is my plan: goto\(GIFT_BAG\)/);
    expect(out).toMatch(/\d+ steps, [\d.]+ s, max joint speed [\d.]+ rad\/s/);
    expect(out).toMatch(/Execute\? \[y\/n\] n\nrobot> Okay, I will not do that\./);
    expect(out).toMatch(/Execute\? \[y\/n\] y\nrobot> Done \([\d.]+ s\)\./);
    expect(out).toMatch(/CANDY\s+held/);
    // Paced: the motion takes about its planned time (a loaded machine only makes it longer).
    // Measured: 2.0-2.1 s for a 2.21 s plan; faster than real time took 0.8-0.9 s.
    const { planned, took } = times(out);
    expect(planned).toBeGreaterThan(1);
    expect(took).toBeGreaterThanOrEqual(0.75 * planned);
  });

  it('"stop" typed while the arm moves halts it mid-motion', () => {
    const r = repl('pick up the candy\ny\nstop\nworld\nquit\n');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/Execute\? \[y\/n\] y\nyou> stop\nrobot> Stopping\.\nrobot> That failed after [\d.]+ s: .*stopped by the operator/);
    // The line after it still runs, once the arm has stopped; the candy was never grasped.
    expect(out).toMatch(/you> world\n {2}CANDY\s+on the table/);
    expect(out).not.toMatch(/CANDY\s+held/);
  });

  it('--fast keeps the old faster-than-real-time sim', () => {
    const r = repl('pick up the candy\ny\nworld\nquit\n', '--fast');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/The sim runs faster than real time \(--fast\)\./);
    expect(r.stdout).toMatch(/robot> Done \([\d.]+ s\)\./);
    expect(r.stdout).toMatch(/CANDY\s+held/);
  });
});

describe('shammie start: a port already in use', () => {
  it('is refused in one line naming the port and --port, before the sim loads', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'start', '--port', String(port)], { env: ENV });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
      expect(r.stderr).toBe(
        `shammie: port ${port} on 127.0.0.1 is already in use (another shammie start? it would answer at http://127.0.0.1:${port}/); ` +
          `pass --port with another port (for example --port ${port + 1}), or --port 0 to pick a free one\n`,
      );
      expect(r.status).toBe(2);
      // Nothing of the start-up ran: "Shammie is running: panda arm…" comes once the sim has loaded.
      expect(r.stdout).toBe('');
    } finally {
      blocker.close();
    }
  });
});

describe('shammie start', () => {
  it('prints a URL that serves the JSON status, and the session API drives the sim', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    try {
      let token = '';
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
        child.stdout.on('data', (d) => {
          out += d;
          // The printed link carries the access token (as Jupyter's does).
          const m = out.match(/Session server: (http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]{64})/);
          if (m) {
            clearTimeout(timer);
            token = m[2];
            resolve(m[1]);
          }
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
      });
      const json = async <T>(r: Promise<Response>): Promise<T> => (await r).json() as Promise<T>;
      type Status = ReturnType<typeof statusOf>;
      const status = await json<Status>(fetch(url));
      expect(status).toMatchObject({ service: 'shammie', robot: 'panda', backend: { presence: 'connected' } });
      expect(status.known.map((k: { name: string }) => k.name).sort()).toEqual(['CANDY', 'GIFT_BAG']);
      expect(status.optional.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['LLM planner', 'ROS 2']));
      // Real time: the sim clock advances on its own.
      const t0 = status.simTime;
      await new Promise((r) => setTimeout(r, 300));
      expect((await json<Status>(fetch(url))).simTime).toBeGreaterThan(t0);

      const auth = { authorization: `Bearer ${token}` };
      const anonymous = await fetch(new URL('api/say', url), { method: 'POST', body: JSON.stringify({ text: 'go to the bag' }) });
      expect(anonymous.status).toBe(401);
      const bad = await fetch(new URL('api/say', url), { method: 'POST', headers: auth, body: '{"words": 1}' });
      expect(bad.status).toBe(400);
      expect((await json<{ error: string }>(Promise.resolve(bad))).error).toMatch(/body must be/);

      const turn = await json<Turn & { previewId: string }>(
        fetch(new URL('api/say', url), { method: 'POST', headers: auth, body: JSON.stringify({ text: 'go to the bag' }) }),
      );
      expect(turn).toMatchObject({ kind: 'plan', executed: false, plan: [{ skill: 'goto', args: { object: 'GIFT_BAG' } }] });
      const done = await json<{ ok: boolean }>(
        fetch(new URL('api/confirm', url), { method: 'POST', headers: auth, body: JSON.stringify({ previewId: turn.previewId }) }),
      );
      expect(done.ok).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
