/**
 * The teach arm's rate-limited follower (ui/src/stores/teach.ts): while recording, a slider
 * jump far beyond a joint's speed is followed at the joint's limit, so the recording passes the
 * same demonstration check the server runs at "Show it to the robot".
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { processDemonstration } from '../../skills/demonstration/format.js';
import { sessionStore } from '../../ui/src/stores/session.js';
import {
  FOLLOW_FRACTION,
  followStep,
  recording,
  setTeachPose,
  startRecording,
  stopRecording,
  teachStore,
} from '../../ui/src/stores/teach.js';

describe('followStep', () => {
  it('moves each joint at most speed · dt toward the target and flags the ones it held back', () => {
    const r = followStep([0, 0, 1], [1, -0.05, 1], [2, 2, 2], 0.1);
    expect(r.q[0]).toBeCloseTo(0.2, 12);
    expect(r.q[1]).toBeCloseTo(-0.05, 12);
    expect(r.q[2]).toBe(1);
    expect(r.limited).toEqual([true, false, false]);
  });
  it('does not move with no time or no speed', () => {
    expect(followStep([0.5], [2], [3], 0).q).toEqual([0.5]);
    expect(followStep([0.5], [2], [0], 1).q).toEqual([0.5]);
  });
});

describe('recording with the teach arm', () => {
  const model = loadRobotModel('panda');
  // The file the server makes of a console recording (format, robot, joint order, rate).
  const demo = (samples: { t: number; q: number[] }[]) => ({
    format: 'shammie-demonstration',
    version: 1,
    robot: model.name,
    jointNames: model.arm.map((j) => j.name),
    rate: 30,
    samples,
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    sessionStore.setState({
      robot: {
        name: model.name,
        urdfUrl: '/robot.urdf',
        jointNames: model.arm.map((j) => j.name),
        limits: model.arm.map((j) => ({ lower: j.lower, upper: j.upper, velocity: j.velocity })),
        home: model.home,
        tipLink: 'panda_tcp',
        baseLink: 'panda_link0',
        gripper: null,
      },
    });
    const home = [...model.home];
    teachStore.setState({ active: true, q: home, target: home, limited: [], recording: false, gripper: 0 });
  });
  afterEach(() => {
    stopRecording();
    vi.useRealTimers();
  });

  it('follows a slider jump at the joint limit, flags it, and records a demonstration the server accepts', () => {
    const j1 = model.arm[0];
    startRecording();
    vi.advanceTimersByTime(200);
    // The operator drags j1 by 1.2 rad in one go (the console's slider onChange).
    const q = [...teachStore.getState().target];
    q[0] += 1.2;
    setTeachPose(q);
    vi.advanceTimersByTime(100);
    expect(teachStore.getState().limited[0]).toBe(true);
    expect(teachStore.getState().q[0]).toBeLessThan(q[0]);
    vi.advanceTimersByTime(1500);
    stopRecording();
    const s = recording.samples;
    // Between any two samples j1 moved no faster than the follow share of its limit.
    let peak = 0;
    for (let k = 1; k < s.length; k++) peak = Math.max(peak, Math.abs(s[k].q[0] - s[k - 1].q[0]) / (s[k].t - s[k - 1].t));
    expect(peak).toBeGreaterThan(0.8 * FOLLOW_FRACTION * j1.velocity);
    expect(peak).toBeLessThanOrEqual(FOLLOW_FRACTION * j1.velocity + 1e-9);
    // It got there, and the demonstration check (velocity limits included) passes.
    expect(s.at(-1)!.q[0]).toBeCloseTo(q[0], 9);
    expect(() => processDemonstration(demo(s.map(({ t, q }) => ({ t, q }))), model)).not.toThrow();
    expect(teachStore.getState().limited).toEqual([]);
  });

  it('without the follower the same jump is refused by the demonstration check', () => {
    // The recording the console made before: the jump lands in one sample.
    const home = [...model.home];
    const jumped = [...home];
    jumped[0] += 1.2;
    const samples = Array.from({ length: 40 }, (_, k) => ({ t: k / 30, q: k < 10 ? home : jumped }));
    expect(() => processDemonstration(demo(samples), model)).toThrow(/jumps .* beyond its .* rad\/s limit/);
  });

  it('poses the arm at once when not recording', () => {
    const q = [...model.home];
    q[0] += 1.2;
    setTeachPose(q);
    expect(teachStore.getState().q).toEqual(q);
    expect(teachStore.getState().target).toEqual(q);
  });
});
