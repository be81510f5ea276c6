/**
 * The stop-motion studio in the dialogue: "take a picture" / "shoot" / "snap", "delete the last
 * frame", "new film called X", camera moves "over N frames", and "push in on Loki" calling a
 * learned zoom_in.
 */
import { describe, expect, it } from 'vitest';
import { RulePlanner, frameCountIn } from '../../planner/rule-planner.js';
import { parseControl, skillSynonyms, splitFrameCount, spokenNumber } from '../../planner/rules.js';
import { tokenize } from '../../planner/text.js';
import type { PlannerContext } from '../../planner/types.js';
import type { SkillSignature } from '../../skills/registry.js';

const planner = new RulePlanner();
/** How a motion skill learned by demonstration looks to the planner. */
const learned = (name: string): SkillSignature => ({
  name,
  kind: 'primitive',
  learned: true,
  description: 'Learned camera motion (shown on HULK): moves like the demonstration, relative to the given object.',
  params: [{ name: 'target', type: 'entity', description: 'The object or location the motion is about (e.g., TOWER).' }],
});
const builtin: SkillSignature[] = [
  { name: 'go_home', kind: 'primitive', description: 'Move the arm to its home pose.', params: [] },
  { name: 'goto', kind: 'primitive', description: 'Move above an object.', params: [{ name: 'object', type: 'entity', description: '' }] },
];
const ctx = (skills: SkillSignature[] = [...builtin, learned('track'), learned('zoom_in')]): PlannerContext => ({
  skills,
  entities: [
    { name: 'TOWER', description: 'The Avengers tower, a tall grey LEGO building.', kind: 'object' },
    { name: 'HULK', description: 'The Hulk, a green LEGO big-figure.', kind: 'object' },
    { name: 'LOKI', description: 'Loki, a LEGO minifigure in green and gold.', kind: 'object' },
  ],
  held: null,
  lastTouched: null,
});
const plan = (u: string, c = ctx()) => planner.planSync(u, c);

describe('studio commands', () => {
  it("takes a picture on the animator's words, and only on them", () => {
    for (const u of [
      'take a picture',
      'shoot',
      'Snap!',
      'take a shot',
      'take the photo',
      'shoot now',
      'okay, take a picture please',
      'capture a frame',
      'snap it',
      'take another picture',
      'take the next frame',
      'say cheese',
    ]) {
      expect(plan(u).kind, u).toBe('shoot');
    }
    for (const u of ['take it', 'take the tower', 'shoot the hulk', 'take a picture of the tower and go home', 'pick up the picture']) {
      expect(plan(u).kind, u).not.toBe('shoot');
    }
  });

  it('a behavior the operator taught under the same words runs instead', () => {
    const taught: SkillSignature = { name: 'take_a_picture', kind: 'behavior', description: 'Trigger the camera.', params: [] };
    expect(plan('take a picture', ctx([...builtin, taught]))).toMatchObject({
      kind: 'plan',
      plan: [{ skill: 'take_a_picture', args: {} }],
    });
    expect(plan('shoot', ctx([...builtin, taught])).kind).toBe('shoot');
  });

  it('deletes the last frame and opens films by name', () => {
    for (const u of ['delete the last frame', 'delete that picture', 'remove the last shot', 'scrap that frame', 'undo the last frame'])
      expect(plan(u).kind, u).toBe('delete_frame');
    expect(plan('forget that').kind).not.toBe('delete_frame');
    expect(plan('new film called Hulk Smash')).toMatchObject({ kind: 'open_film', name: 'hulk-smash' });
    expect(plan("let's start a new film")).toMatchObject({ kind: 'open_film', name: null });
    expect(plan('open the film hulk-smash')).toMatchObject({ kind: 'open_film', name: 'hulk-smash' });
    expect(plan('resume film take 2')).toMatchObject({ kind: 'open_film', name: 'take-2' });
    expect(plan('new film called ###')).toMatchObject({ kind: 'question' });
    expect(parseControl(tokenize('go to the film tower'))).toBeUndefined();
  });
});

describe('camera moves over N frames', () => {
  it('plans the move with its frame count, in digits or words', () => {
    expect(plan('track around the tower over 24 frames')).toMatchObject({
      kind: 'plan',
      plan: [{ skill: 'track', args: { target: 'TOWER' } }],
      frames: 24,
    });
    expect(plan('push in on Loki over 24 frames')).toMatchObject({
      kind: 'plan',
      plan: [{ skill: 'zoom_in', args: { target: 'LOKI' } }],
      frames: 24,
    });
    expect(plan('track around the tower in twenty four frames')).toMatchObject({ frames: 24 });
    expect(plan('zoom in on the hulk, 12 frames')).toMatchObject({ plan: [{ skill: 'zoom_in', args: { target: 'HULK' } }], frames: 12 });
    expect(plan('track loki split into a hundred and twenty shots')).toMatchObject({
      plan: [{ skill: 'track', args: { target: 'LOKI' } }],
      frames: 120,
    });
    expect(plan('track around the tower')).not.toHaveProperty('frames');
    expect(frameCountIn('orbit loki over two dozen frames')).toBe(24);
    expect(frameCountIn('take a picture')).toBeUndefined();
  });

  it('reads spoken numbers strictly', () => {
    const n = (s: string) => spokenNumber(s.split(' '));
    expect([n('24'), n('twenty four'), n('twelve'), n('a hundred'), n('one hundred and five'), n('two dozen'), n('ninety nine')]).toEqual([
      24, 24, 12, 100, 105, 24, 99,
    ]);
    for (const bad of ['four four', 'twenty twenty', 'ten twelve', 'and four', 'constructor', 'tostring', 'frames'])
      expect(n(bad), bad).toBeUndefined();
    expect(splitFrameCount(tokenize('track the tower over constructor frames')).frames).toBeUndefined();
    expect(splitFrameCount(tokenize('24 frames')).frames).toBeUndefined(); // no command before it
  });

  it('"push in" is zoom_in, unless another skill owns the words', () => {
    expect(plan('push in on loki')).toMatchObject({ kind: 'plan', plan: [{ skill: 'zoom_in', args: { target: 'LOKI' } }] });
    expect(plan('circle around the hulk')).toMatchObject({ plan: [{ skill: 'track', args: { target: 'HULK' } }] });
    const c = ctx();
    expect(
      skillSynonyms(
        c.skills.find((s) => s.name === 'zoom_in')!,
        c.skills,
      ),
    ).toContainEqual(['push', 'in']);
    const push: SkillSignature = {
      name: 'push',
      kind: 'behavior',
      description: 'Push the target.',
      params: [{ name: 'target', type: 'entity', description: '' }],
    };
    const withPush = [...c.skills, push];
    expect(
      skillSynonyms(
        withPush.find((s) => s.name === 'zoom_in')!,
        withPush,
      ).some((w) => w[0] === 'push'),
    ).toBe(false);
    // without a learned zoom_in there is nothing to push in with: a question, never a guess
    expect(plan('push in on loki', ctx(builtin)).kind).toBe('question');
  });
});
