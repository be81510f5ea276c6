/**
 * timeParameterize sizes its samples from the path: duration / dt. A waypoint far away (a huge
 * joint value of a continuous joint, a long zig-zag) or a tiny dt must be refused with a clear
 * error before the samples are allocated, not fill memory.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../model/bounds.js';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { timeParameterize, TrajectoryError } from '../../../skills/trajectory/index.js';

describe('timeParameterize: counts and durations from input are capped', () => {
  const panda = loadRobotModel('panda');
  const j1 = panda.arm[0];
  const at = (v: number) => panda.home.map((h, i) => (i === 0 ? v : h));

  it(`refuses a motion longer than ${LIMITS.motionDuration} s (a 400-leg zig-zag between joint limits) without sampling it`, () => {
    const legs = Array.from({ length: 400 }, (_, k) => at(k % 2 ? j1.upper - 0.01 : j1.lower + 0.01));
    const t0 = performance.now();
    expect(() => timeParameterize(legs, panda)).toThrow(TrajectoryError);
    expect(() => timeParameterize(legs, panda)).toThrow(/the motion would take \d+(\.\d+)? s; one motion may take at most 600 s/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses more waypoints than a motion may have', () => {
    const many = Array.from({ length: LIMITS.trajectoryPoints + 1 }, () => [...panda.home]);
    expect(() => timeParameterize(many, panda)).toThrow(/100001 waypoints is too many for one motion; at most 100000/);
  });

  it('refuses a sample period that would make too many samples', () => {
    expect(() => timeParameterize([at(0), at(0.5)], panda, { dt: 1e-9 })).toThrow(/would need \d+ samples of 1e-9 s; at most 100000/);
  });

  it('an ordinary move is unaffected', () => {
    const tr = timeParameterize([at(0), at(0.5)], panda);
    expect(tr.points.length).toBeGreaterThan(10);
    expect(tr.points.at(-1)!.timeFromStart).toBeLessThan(LIMITS.motionDuration);
  });
});
