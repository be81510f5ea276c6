/**
 * `shammie start --profile …` as a user runs it: the session server over RosbridgeBackend
 * against the rosbridge test server, and the specific hints when the robot is absent or the
 * profile cannot run here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { status as statusOf } from '../../server/status.js';
import type { Turn } from '../../session/types.js';
import { rig, type Rig } from '../robot-bridge/ros/rig.js';

const BIN = join(import.meta.dirname, '..', '..', 'launch', 'bin', 'shammie.js');
const DATA = mkdtempSync(join(tmpdir(), 'shammie-data-'));

function start(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, [BIN, 'start', '--port', '0', '--data', DATA, ...args], {
    env: { ...process.env, SHAMMIE_WATCHDOG_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finish(child: ReturnType<typeof start>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let r: Rig;
beforeAll(async () => {
  r = await rig({
    connect: false,
    robot: {
      tfStatic: [
        { parent: 'panda_link0', child: 'CANDY', t: [0.45, 0.02, 0.0125], q: [0, 0, 0, 1] },
        { parent: 'panda_link0', child: 'GIFT_BAG', t: [0.5, -0.28, 0.08], q: [0, 0, 0, 1] },
      ],
    },
  });
});
afterAll(async () => {
  await r.dispose();
});

describe('shammie start --profile', () => {
  it('ros2-rosbridge: the session server drives the robot through rosbridge', async () => {
    const child = start(['--profile', 'ros2-rosbridge'], { ROSBRIDGE_URL: r.server.url });
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
        child.stderr.on('data', (d) => {
          out += d;
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
      });
      const status = (await (await fetch(new URL('api/status', url))).json()) as ReturnType<typeof statusOf>;
      expect(status).toMatchObject({ robot: 'panda', backend: { presence: 'connected' }, capabilities: { groundTruthObjects: false } });
      expect(status.objects.CANDY.position).toEqual([0.45, 0.02, 0.0125]);
      const auth = { authorization: `Bearer ${token}` };
      const turn = (await (
        await fetch(new URL('api/say', url), { method: 'POST', headers: auth, body: JSON.stringify({ text: 'go to the candy' }) })
      ).json()) as Turn & { previewId: string };
      expect(turn).toMatchObject({ kind: 'plan', plan: [{ skill: 'goto', args: { object: 'CANDY' } }] });
      const goals = r.robot.goals.length;
      const done = (await (
        await fetch(new URL('api/confirm', url), { method: 'POST', headers: auth, body: JSON.stringify({ previewId: turn.previewId }) })
      ).json()) as { ok: boolean };
      expect(done.ok).toBe(true);
      expect(r.robot.goals.length).toBeGreaterThan(goals);
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    }
  }, 60_000);

  it('rosbridge absent: exit 2 with the hint, no stack trace', async () => {
    const res = await finish(start(['--profile', 'ros2-rosbridge'], { ROSBRIDGE_URL: 'ws://127.0.0.1:9' }));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/cannot connect to ws:\/\/127\.0\.0\.1:9[\s\S]*hint: rosbridge is not running/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('ros2-rclnodejs without a sourced ROS 2: exit 2, the message names AMENT_PREFIX_PATH', async () => {
    const res = await finish(start(['--profile', 'ros2-rclnodejs'], { AMENT_PREFIX_PATH: '' }));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/AMENT_PREFIX_PATH/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
