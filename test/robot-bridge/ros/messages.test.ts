/** Codecs and the TF buffer, without a network: both dialects, TypedArrays, NaN, limits. */
import { describe, expect, it } from 'vitest';
import {
  encodeTime,
  encodeTrajectoryGoal,
  MAX_ARRAY,
  parseGripperResult,
  parseJointState,
  parseTfMessage,
  parseTime,
  parseTrajectoryFeedback,
  parseTrajectoryResult,
} from '../../../robot-bridge/ros/messages.js';
import { rosType } from '../../../robot-bridge/ros/config.js';
import { TfBuffer } from '../../../robot-bridge/ros/tf.js';

describe('messages', () => {
  it('type names in each dialect', () => {
    expect(rosType('ros2', 'sensor_msgs', 'msg', 'JointState')).toBe('sensor_msgs/msg/JointState');
    expect(rosType('ros1', 'sensor_msgs', 'msg', 'JointState')).toBe('sensor_msgs/JointState');
    expect(rosType('ros2', 'control_msgs', 'action', 'FollowJointTrajectory')).toBe('control_msgs/action/FollowJointTrajectory');
    expect(rosType('ros1', 'control_msgs', 'action', 'FollowJointTrajectory')).toBe('control_msgs/FollowJointTrajectoryAction');
  });

  it('times in both dialects, both ways', () => {
    expect(encodeTime('ros2', 1.25)).toEqual({ sec: 1, nanosec: 250_000_000 });
    expect(encodeTime('ros1', 1.25)).toEqual({ secs: 1, nsecs: 250_000_000 });
    expect(encodeTime('ros2', 0.9999999999)).toEqual({ sec: 1, nanosec: 0 });
    expect(parseTime({ sec: 2, nanosec: 5e8 })).toBe(2.5);
    expect(parseTime({ secs: 2, nsecs: 5e8 })).toBe(2.5);
    expect(parseTime({ sec: 'x' })).toBeNull();
    expect(parseTime(null)).toBeNull();
  });

  it('joint states: arrays or TypedArrays; non-finite values are passed on for the caller to skip', () => {
    const js = parseJointState({
      header: { stamp: { sec: 3, nanosec: 0 } },
      name: ['a', 'b'],
      position: new Float64Array([0.1, NaN]),
      velocity: [1],
      effort: [],
    });
    expect(js).toMatchObject({ stamp: 3, name: ['a', 'b'] });
    if (typeof js === 'string') throw new Error(js);
    expect(Array.from(js.position)).toEqual([0.1, NaN]);
    expect(js.velocity).toEqual([]); // wrong length: dropped, not misaligned
    expect(parseJointState({ name: ['a'], position: [1, 2] })).toMatch(/1 names but 2 positions/);
    expect(parseJointState({ name: new Array(MAX_ARRAY + 1).fill('a'), position: [] })).toMatch(/entries/);
    expect(parseJointState({ name: ['a'], position: ['1'] })).toMatch(/not a list of numbers/);
    expect(parseJointState('x')).toBe('not an object');
  });

  it('trajectory goals, feedback and results', () => {
    const goal = encodeTrajectoryGoal('ros2', { jointNames: ['j1'], points: [{ positions: [0.5], timeFromStart: 1.5 }] }, 0.5);
    expect(goal.trajectory).toMatchObject({
      joint_names: ['j1'],
      points: [{ positions: [0.5], velocities: [], accelerations: [], time_from_start: { sec: 1, nanosec: 500_000_000 } }],
    });
    expect(goal.goal_time_tolerance).toEqual({ sec: 0, nanosec: 500_000_000 });
    const g1 = encodeTrajectoryGoal('ros1', { jointNames: ['j1'], points: [{ positions: [0.5], timeFromStart: 2 }] }, 0);
    expect((g1.trajectory as Record<string, unknown>).header).toEqual({ seq: 0, stamp: { secs: 0, nsecs: 0 }, frame_id: '' });
    expect(
      parseTrajectoryFeedback({
        joint_names: ['j1'],
        desired: { positions: [1], time_from_start: { sec: 1, nanosec: 0 } },
        actual: { positions: [2, 3] },
      }),
    ).toEqual({ jointNames: ['j1'], elapsed: 1, desired: [1], actual: null });
    expect(parseTrajectoryFeedback({ joint_names: 'j1' })).toBeNull();
    expect(parseTrajectoryResult({ error_code: -4, error_string: 'path' })).toEqual({ errorCode: -4, errorString: 'path' });
    expect(parseTrajectoryResult('refused')).toEqual({ errorCode: -1, errorString: 'refused' });
    expect(parseGripperResult({ position: 0.01, effort: 'x', stalled: true, reached_goal: 1 })).toMatchObject({
      position: 0.01,
      stalled: true,
      reachedGoal: false,
    });
  });

  it('TF messages: valid transforms kept, broken ones counted; quaternions normalised; leading slashes dropped', () => {
    const t = (over: object) => ({
      header: { frame_id: '/world' },
      child_frame_id: 'a',
      transform: { translation: { x: 1, y: 2, z: 3 }, rotation: { x: 0, y: 0, z: 0, w: 2 } },
      ...over,
    });
    const { entries, invalid } = parseTfMessage({
      transforms: [t({}), t({ child_frame_id: 5 }), t({ transform: { translation: { x: 'a' } } })],
    });
    expect(invalid).toBe(2);
    expect(entries).toEqual([{ parent: 'world', child: 'a', stamp: 0, translation: [1, 2, 3], rotation: [0, 0, 0, 1] }]);
  });
});

describe('TfBuffer', () => {
  const yaw90: [number, number, number, number] = [0, 0, Math.SQRT1_2, Math.SQRT1_2];
  it('composes chains and looks frames up in a fixed frame that is not the root', () => {
    let now = 0;
    const tf = new TfBuffer({
      fixedFrame: 'base',
      frames: { CANDY: 'candy_0' },
      halfExtents: new Map([['CANDY', [0.02, 0.01, 0.01]]]),
      now: () => now,
    });
    tf.ingest(
      [
        { parent: 'world', child: 'base', stamp: 0, translation: [1, 0, 0], rotation: [0, 0, 0, 1] },
        { parent: 'world', child: 'table', stamp: 0, translation: [2, 0, 0.5], rotation: yaw90 },
      ],
      true,
    );
    tf.ingest([{ parent: 'table', child: 'candy_0', stamp: 0, translation: [0.1, 0, 0], rotation: [0, 0, 0, 1] }], false);
    const p = tf.bodyPosition('CANDY')!;
    // table at x=2 rotated 90° about z: its x axis is world y. base at x=1.
    expect(p[0]).toBeCloseTo(1, 9);
    expect(p[1]).toBeCloseTo(0.1, 9);
    expect(p[2]).toBeCloseTo(0.5, 9);
    expect(tf.bodyQuaternion('CANDY')![2]).toBeCloseTo(Math.SQRT1_2, 9);
    expect(tf.bodyHalfExtents('CANDY')).toEqual([0.02, 0.01, 0.01]);
    expect(tf.lookup('base')).toEqual({ position: [0, 0, 0], quaternion: [0, 0, 0, 1] });
    expect(tf.lookup('elsewhere')).toBeUndefined();
    // A dynamic transform goes stale; static ones do not.
    now = 11_000;
    expect(tf.bodyPosition('CANDY')).toBeUndefined();
    expect(tf.lookup('table')).toBeDefined();
  });
});
