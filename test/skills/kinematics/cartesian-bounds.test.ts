/**
 * cartesianPath sizes its loop from the goal: ceil(distance / step) waypoints. A goal 1e306 m
 * away used to make that Infinity, and the loop pushed waypoints until the process ran out of
 * memory (issue 13). Now the count is capped before any work, with a clear error.
 *
 * The 1e306 case runs in a child process with a deadline and a small heap: were the cap ever
 * lost, that process would die or be killed, and this runner would not hang with it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BoundsError, LIMITS } from '../../../model/bounds.js';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { cartesianPath } from '../../../skills/kinematics/cartesian.js';
import { IkSolver } from '../../../skills/kinematics/ik.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('cartesianPath: a waypoint count from input is capped', () => {
  const model = loadRobotModel('panda');
  const solver = new IkSolver(model);
  const start = solver.chain.pose(model.home).position;

  it('a goal at z = 1e306 fails at once with a clear error (in a child process with a deadline)', () => {
    const code = `
      import { loadRobotModel } from './model/description/robot-model.ts';
      import { IkSolver } from './skills/kinematics/ik.ts';
      import { cartesianPath } from './skills/kinematics/cartesian.ts';
      const model = loadRobotModel('panda');
      const t0 = Date.now();
      try {
        const r = cartesianPath(new IkSolver(model), model.home, { position: [0.5, 0, 1e306] });
        console.log(JSON.stringify({ returned: r.ok, waypoints: r.waypoints.length, ms: Date.now() - t0 }));
      } catch (err) {
        console.log(JSON.stringify({ name: err.name, message: err.message, ms: Date.now() - t0 }));
      }`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal, `the child was killed: it did not finish within 60 s\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name?: string; message?: string; ms: number };
    expect(out.name).toBe('BoundsError');
    expect(out.message).toMatch(/a straight move of 1e\+306 m .* at most 2000: is the goal inside the workspace, in meters\?/);
    expect(out.ms).toBeLessThan(1000);
  }, 90_000);

  it('a goal 20 m away (finite, beyond any reach) is refused before the first IK solve', () => {
    const t0 = performance.now();
    expect(() => cartesianPath(solver, model.home, { position: [20, 0, 0.3] })).toThrow(BoundsError);
    expect(() => cartesianPath(solver, model.home, { position: [20, 0, 0.3] })).toThrow(/needs \d+ steps of 0\.005 m; at most 2000/);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('a tiny step from a caller is capped the same way', () => {
    expect(() => cartesianPath(solver, model.home, { position: [start[0], start[1], start[2] - 0.1] }, { step: 1e-9 })).toThrow(
      /at most 2000/,
    );
  });

  it('the cap is the caller’s to lower, and ordinary moves stay well inside the default', () => {
    const goal = { position: [start[0], start[1], start[2] - 0.1] as [number, number, number] };
    const ok = cartesianPath(solver, model.home, goal);
    expect(ok.ok).toBe(true);
    expect(ok.waypoints.length).toBeLessThan(LIMITS.pathWaypoints / 50);
    expect(() => cartesianPath(solver, model.home, goal, { maxWaypoints: 10 })).toThrow(/needs 20 steps .* at most 10/);
  });
});
