/**
 * The console protocol bounds every number a client sends (world points, IK goals and seeds,
 * recorded samples) with the same limits as model/bounds.ts, which the browser-bundled protocol
 * cannot import: this test keeps the two equal.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, WORLD_LIMIT } from '../../model/bounds.js';
import { CLIENT_LIMITS, parseClientMessage } from '../../server/protocol.js';

const parse = (m: unknown) => parseClientMessage(JSON.stringify(m));
const q = [0, -0.8, 0, -2.4, 0, 1.6, 0.8];

describe('protocol bounds', () => {
  it('are the model’s bounds', () => {
    expect(CLIENT_LIMITS.world).toBe(WORLD_LIMIT);
    expect(CLIENT_LIMITS.joints).toBe(LIMITS.joints);
    expect(CLIENT_LIMITS.jointValue).toBe(LIMITS.jointValue);
    // A recording may be longer than what the robot learns from, never unbounded.
    expect(CLIENT_LIMITS.sampleTime).toBeGreaterThanOrEqual(LIMITS.demonstrationDuration);
  });

  it.each([
    ['point at z = 1e306', { type: 'point', position: [0.5, 0, 1e306] }, /position\.2: must be within ±10 m/],
    ['point at x = -1e6', { type: 'point', position: [-1e6, 0, 0] }, /position\.0: must be within ±10 m/],
    ['ik goal 1e306 away', { type: 'ik', id: 1, position: [0.5, 1e306, 0.3], seed: q }, /position\.1/],
    ['ik quaternion of 1e306', { type: 'ik', id: 1, position: [0.5, 0, 0.3], quaternion: [0, 0, 0, 1e306], seed: q }, /quaternion\.3/],
    ['ik seed of 1e6 rad', { type: 'ik', id: 1, position: [0.5, 0, 0.3], seed: [...q.slice(0, 6), 1e6] }, /seed\.6/],
    ['ik seed of 65 joints', { type: 'ik', id: 1, position: [0.5, 0, 0.3], seed: new Array(65).fill(0) }, /seed/],
    [
      'a sample at t = 1e306 s',
      {
        type: 'save_recording',
        name: 'x',
        samples: [
          { t: 0, q, gripper: 0 },
          { t: 1e306, q, gripper: 0 },
        ],
      },
      /samples\.1\.t/,
    ],
    [
      'a sample at t = -1 s',
      {
        type: 'demonstrate',
        name: 'x',
        samples: [
          { t: -1, q, gripper: 0 },
          { t: 0, q, gripper: 0 },
        ],
      },
      /samples\.0\.t/,
    ],
    [
      'a gripper value of 1e306',
      {
        type: 'save_recording',
        name: 'x',
        samples: [
          { t: 0, q, gripper: 1e306 },
          { t: 0.1, q, gripper: 0 },
        ],
      },
      /samples\.0\.gripper/,
    ],
  ])('refuses %s with the field', (_what, msg, why) => {
    const r = parse(msg);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });

  it('takes what the console sends: a click on the table edge, a dragged IK goal, a recording', () => {
    expect(parse({ type: 'point', position: [1.05, -0.6, -0.04] }).ok).toBe(true);
    expect(parse({ type: 'ik', id: 2, position: [0.4, 0.1, 0.3], quaternion: [1, 0, 0, 0], seed: q }).ok).toBe(true);
    expect(
      parse({
        type: 'save_recording',
        name: 'x',
        samples: [
          { t: 0, q, gripper: 0.04 },
          { t: 660, q, gripper: 0 },
        ],
      }).ok,
    ).toBe(true);
  });
});
