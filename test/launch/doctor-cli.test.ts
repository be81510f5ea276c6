/** `shammie doctor` as a user runs it: a separate process against the rosbridge test server. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../launch/doctor.js';
import { rig, type Rig } from '../robot-bridge/ros/rig.js';

const BIN = join(import.meta.dirname, '..', '..', 'launch', 'bin', 'shammie.js');

function shammie(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  r = await rig({ connect: false });
});
afterAll(async () => {
  await r.dispose();
});

describe('shammie doctor (CLI)', () => {
  it('--profile ros2-rosbridge against a healthy robot: every check ok, exit 0, topics listed', async () => {
    const res = await shammie(['doctor', '--profile', 'ros2-rosbridge'], { ROSBRIDGE_URL: r.server.url });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/ok {3}link: connected to ws:\/\/127\.0\.0\.1/);
    expect(res.stdout).toMatch(/ok {3}joint states: 7\/7 URDF joints at \d+(\.\d)? Hz/);
    expect(res.stdout).toMatch(/ok {3}controller: .* answered a zero-motion goal/);
    expect(res.stdout).toMatch(/topics: .*\/joint_states \[sensor_msgs\/msg\/JointState\]/);
    expect(res.stdout).toMatch(/doctor: profile ros2-rosbridge is ready/);
    expect(res.stdout).toMatch(/note: If the link to the robot drops during a motion, nothing on this computer can stop the arm/);
  });

  it('rosbridge not running: exit 1 with the hint, no stack trace', async () => {
    const res = await shammie(['doctor', '--profile', 'ros2-rosbridge', '--json'], { ROSBRIDGE_URL: 'ws://127.0.0.1:9' });
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ id: 'link', ok: false, hint: expect.stringMatching(/rosbridge is not running/) as unknown });
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
