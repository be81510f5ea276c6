/**
 * rolloutPoseDmp loops (τ + settle) / h times, all from the stored skill or the caller: a
 * duration of 1e306 s, or one so short the internal step count explodes, is refused before the
 * loop starts.
 */
import { describe, expect, it } from 'vitest';
import { DmpError, learnPoseDmp, rolloutPoseDmp, type PoseSamples } from '../../../skills/dmp/index.js';
import type { Quat, Vec3 } from '../../../model/math/transform.js';

/** A 2 s straight 20 cm move along x, tool down, minimum jerk, 100 Hz. */
function lineDemo(): PoseSamples {
  const positions: Vec3[] = [],
    quaternions: Quat[] = [];
  for (let k = 0; k <= 200; k++) {
    const u = k / 200,
      s = u * u * u * (10 - 15 * u + 6 * u * u);
    positions.push([0.4 + 0.2 * s, 0, 0.3]);
    quaternions.push([1, 0, 0, 0]);
  }
  return { dt: 0.01, positions, quaternions };
}

describe('rolloutPoseDmp: durations and step counts are bounded', () => {
  const model = learnPoseDmp(lineDemo());

  it.each([
    ['a duration of 1e306 s', { duration: 1e306 }, /the motion would last 1\.5e\+306 s; one motion may last at most 600 s/],
    ['a settle time of 1e6 s', { settle: 1e6 }, /would last .* at most 600 s/],
    ['a duration of 1 ns (internal steps explode)', { duration: 1e-9 }, /integration steps; at most 2000000/],
  ])('refuses %s at once', (_what, opts, message) => {
    const t0 = performance.now();
    expect(() => rolloutPoseDmp(model, opts)).toThrow(DmpError);
    expect(() => rolloutPoseDmp(model, opts)).toThrow(message);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('a stored model whose own duration is absurd is refused the same way', () => {
    expect(() => rolloutPoseDmp({ ...model, duration: 1e6 })).toThrow(/at most 600 s/);
  });

  it('an ordinary rollout is unaffected', () => {
    const r = rolloutPoseDmp(model);
    expect(r.converged).toBe(true);
  });
});
