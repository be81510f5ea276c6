/**
 * The rule planner on the classes a fourth blind development batch (dev-r4) found it missing:
 * "let the ball go", a one-letter slip in "home" after a verb of going (reported as a repair),
 * dictation's spoken punctuation at the end, a camera move's "keeping him in frame", a close-up
 * said after its subject ("film the tower from up close"), and a film set's "cut!" as stop.
 * The other readings of the same words stay as they were.
 */
import { describe, expect, it } from 'vitest';
import { isStopUtterance } from '../../planner/rule-planner.js';
import { tokenize } from '../../planner/text.js';
import { formatPlan } from '../../skills/registry.js';
import { ctx, planner, said } from './said.js';

const STUDIO = ctx('stopmotion');

describe('"let X go" is letting go of X', () => {
  it.each([
    ['let the ball go', 'release()'],
    ['let it go', 'release()'],
    ['let the ball go and go home', 'release() → go_home()'],
  ])('%s (holding the ball) → %s', (u, p) => expect(said(u, ctx('giftbag_scene', { held: 'BALL' }))).toBe(p));

  it('"let the pen be" stays a negation, and "let me …" is not a release', () => {
    expect(said('let the pen be')).not.toMatch(/release|pickup/);
    expect(said('let me go home', ctx('giftbag_scene', { held: 'BALL' }))).not.toBe('release()');
  });
});

describe('"home" one letter off after a verb of going', () => {
  it('go hone → go_home(), reported as a repair', () => {
    const r = planner.planSync('go hone', ctx());
    expect(r.kind === 'plan' && formatPlan(r.plan)).toBe('go_home()');
    expect('repairs' in r && r.repairs).toContainEqual({ heard: 'hone', understood: 'home' });
  });
  it.each(['go back hime', 'head homw'])('%s → go_home()', (u) => expect(said(u)).toBe('go_home()'));
  it('a named object one letter from "home" is not taken for it, and other verbs are left alone', () => {
    expect(said('hone the pen')).not.toBe('go_home()');
    expect(said('go to the hone')).not.toBe('go_home()');
  });
});

describe('spoken punctuation at the end of a dictated command', () => {
  it.each([
    ['grab the lotion period', 'pickup(LOTION)'],
    ['go home exclamation mark', 'go_home()'],
    ['put the pen in the bin comma', 'pickup(PEN) → goto(BIN) → release()'],
  ])('%s → %s', (u, p) => expect(said(u)).toBe(p));
  it('only at the end, and a "full stop" stays a stop', () => {
    expect(tokenize('grab the lotion period')).toEqual(['grab', 'the', 'lotion']);
    expect(tokenize('the period of the swing')).toContain('period');
    expect(isStopUtterance('come to a full stop')).toBe(true);
  });
});

describe('camera talk', () => {
  it.each([
    ['circle around loki keeping him in frame', 'track(LOKI)'],
    ['orbit the tower while keeping it in shot', 'track(TOWER)'],
    ['film the tower from up close', 'zoom_in(TOWER)'],
    ['shoot loki up close', 'zoom_in(LOKI)'],
  ])('%s → %s', (u, p) => expect(said(u, STUDIO)).toBe(p));

  it('"cut!" alone stops (never a cut), and cutting a thing is still refused', () => {
    for (const u of ['cut!', 'cut, cut', 'and cut!']) expect(planner.planSync(u, STUDIO).kind).toBe('stop');
    expect(said('cut the tower', STUDIO)).toMatch(/^rejected/);
  });
});
