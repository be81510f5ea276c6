/**
 * A stored motion skill's data carries numbers that size the rollout's loops and place the tool:
 * each is bounded, and motionDataProblem (what the library checks on load) says which one is not.
 */
import { describe, expect, it } from 'vitest';
import { motionDataProblem, motionSkillFromDemonstration, type MotionSkillData } from '../../../skills/motion-skills.js';
import type { MotionSkill } from '../../../skills/library/library.js';
import { stopMotion } from '../dmp/helpers.js';

describe('motion skill data bounds', () => {
  const { model, demo } = stopMotion();
  const skill = motionSkillFromDemonstration({ name: 'track', model, demonstrations: demo });
  const spoiled = (spoil: (d: MotionSkillData) => void): MotionSkill => {
    const data = structuredClone(skill.data) as MotionSkillData;
    spoil(data);
    return { ...skill, data };
  };

  it('a learned skill passes', () => {
    expect(motionDataProblem(skill)).toBeNull();
  });

  it.each([
    ['a duration of 1e306 s', (d: MotionSkillData) => (d.duration = 1e306), /duration: must be more than 0 and at most 600 s/],
    ["the DMP's duration of 1e6 s", (d: MotionSkillData) => (d.dmp.duration = 1e6), /dmp\.duration: must be more than 0 and at most 600 s/],
    [
      'a reference point 1e306 m away',
      (d: MotionSkillData) => (d.frame.reference.position[2] = 1e306),
      /frame\.reference\.position\.2: must be within ±10 m/,
    ],
    ['a goal 1e6 m away', (d: MotionSkillData) => (d.dmp.goal.position[0] = -1e6), /dmp\.goal\.position\.0: must be within ±10 m/],
    ['a weight of 1e306', (d: MotionSkillData) => (d.dmp.position[1][3] = 1e306), /dmp\.position\.1\.3: must be at most 1e9/],
    ['a negative gain', (d: MotionSkillData) => (d.dmp.gains.alphaZ = -25), /dmp\.gains\.alphaZ/],
    ['a start joint of 1e6 rad', (d: MotionSkillData) => (d.demo.q0[2] = 1e6), /demo\.q0\.2: must be within ±100 rad/],
    [
      'a gripper event at t = 1e306 s',
      (d: MotionSkillData) => (d.gripper = { initial: 'open', events: [{ t: 1e306, action: 'close', position: 0 }] }),
      /gripper\.events\.0\.t/,
    ],
  ])('refuses %s, naming the field', (_what, spoil, message) => {
    expect(motionDataProblem(spoiled(spoil))).toMatch(message);
  });
});
