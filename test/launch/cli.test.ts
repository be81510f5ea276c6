/** The `shammie` command as a user runs it: a separate process, its output and exit status. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../launch/run.js';
import type { status as statusOf } from '../../server/status.js';
import type { Turn } from '../../session/types.js';

const BIN = join(import.meta.dirname, '..', '..', 'launch', 'bin', 'shammie.js');
// Every spawned command gets its own data folder, so runs never share a skill library.
// A 2 s watchdog: the suite loads the machine enough to stall a server's loop for 250 ms.
const ENV = { ...process.env, SHAMMIE_DATA: mkdtempSync(join(tmpdir(), 'shammie-data-')), SHAMMIE_WATCHDOG_MS: '2000' };
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: ENV });
const tmp = () => mkdtempSync(join(tmpdir(), 'shammie-cli-'));

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
    [['run'], /expected 1 argument/],
    [['run', '/no/such/file.txt'], /cannot read script \/no\/such\/file.txt: no such file/],
    [['run', 'x.txt', '--seed', 'abc'], /--seed must be an integer/],
    [['run', 'x.txt', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['fly'], /unknown command "fly"/],
  ])('bad usage %j exits 2 with a clear message', (args, msg) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
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
  it('shows the plan and its trajectory summary, and moves only after y', () => {
    const r = spawnSync(process.execPath, [BIN, 'repl'], {
      env: ENV,
      input: 'go to the bag\nn\npick up the candy\ny\nworld\nquit\n',
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/Sure, here is my plan: goto\(GIFT_BAG\)/);
    expect(out).toMatch(/\d+ steps, [\d.]+ s, max joint speed [\d.]+ rad\/s/);
    expect(out).toMatch(/Execute\? \[y\/n\] n\nrobot> Okay, I will not do that\./);
    expect(out).toMatch(/Execute\? \[y\/n\] y\nrobot> Done\./);
    expect(out).toMatch(/CANDY\s+held/);
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
