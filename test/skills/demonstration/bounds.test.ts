/**
 * Demonstration files and console recordings: every number is bounded when the file is read
 * (times, joint and gripper values, the joint count), the arm's joint limits when it is
 * processed, and resampling cannot make an unbounded number of samples.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../model/bounds.js';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { DemonstrationError, parseDemonstration, processDemonstration } from '../../../skills/demonstration/index.js';

const panda = loadRobotModel('panda');
const samples = (n: number) =>
  Array.from({ length: n }, (_, k) => ({ t: k * 0.02, q: panda.home.map((v, i) => (i === 0 ? v + 0.01 * k : v)), gripper: 0.04 }));
const demo = (s = samples(60), jointNames = panda.jointNames) => ({
  format: 'shammie-demonstration',
  version: 1,
  robot: 'panda',
  jointNames,
  rate: 50,
  samples: s,
});

describe('demonstration bounds', () => {
  it('an ordinary demonstration passes', () => {
    expect(processDemonstration(demo(), panda).q.length).toBeGreaterThan(10);
  });

  it.each([
    [
      'a time of 1e306 s',
      () => demo(samples(60).map((s, k) => (k === 3 ? { ...s, t: 1e306 } : s))),
      /samples\[3\]\.t: must be within ±1e\+?10 s/,
    ],
    [
      'a joint value of -1e306',
      () => demo(samples(60).map((s, k) => (k === 3 ? { ...s, q: [...s.q.slice(0, 6), -1e306] } : s))),
      /samples\[3\]\.q\[6\]: must be within ±100 rad/,
    ],
    [
      '65 joint names',
      () =>
        demo(
          samples(60),
          Array.from({ length: 65 }, (_, i) => `j${i}`),
        ),
      /jointNames/,
    ],
    [
      'a console recording with a time of 1e306 s',
      () => ({
        format: 'shammie.recording',
        version: 1,
        robot: 'panda',
        jointNames: panda.jointNames,
        samples: [...samples(5), { ...samples(6)[5], t: 1e306 }],
      }),
      /samples\[5\]\.t/,
    ],
  ])('refuses %s when it is read', (_what, make, message) => {
    expect(() => parseDemonstration(make())).toThrow(DemonstrationError);
    expect(() => parseDemonstration(make())).toThrow(message);
  });

  it(`refuses joint values more than ${LIMITS.jointMargin} rad outside the URDF limits, and keeps noise at a stop`, () => {
    const j = panda.arm[1];
    const past = samples(60).map((s, k) =>
      k === 3 ? { ...s, q: s.q.map((v, i) => (i === 1 ? j.upper + 2 * LIMITS.jointMargin : v)) } : s,
    );
    expect(() => processDemonstration(demo(past), panda)).toThrow(/panda_joint2 = .* is outside its limits/);
  });

  it('refuses a resampling that would make more samples than a motion may have', () => {
    expect(() => processDemonstration(demo(), panda, { dt: 1e-9 })).toThrow(/at most 100000/);
  });
});
