/**
 * The rule planner on the classes a third blind development batch (dev-r3) found it missing:
 * typing slips (swapped letters, a missing letter, a space one letter early, words run together),
 * false starts, narration around a command, corrections after a hesitation or with a bare name or
 * a new verb, manner words before the verb, camera-rig talk, "leave it alone" as negation, a
 * learner's "and after" and article-less placement, "who is", "again but on", and harm said as
 * "send it flying".
 */
import { describe, expect, it } from 'vitest';
import { isStopUtterance } from '../../planner/rule-planner.js';
import { dropFalseStarts, retype, unglue } from '../../planner/text.js';
import { ctx, planner, proposed, PUT, said } from './said.js';

const STUDIO = ctx('stopmotion');

describe('typing slips are repaired toward the words the planner reads', () => {
  const targets = new Set(['the', 'pick', 'up', 'release', 'bin', 'pen', 'to', 'and']);
  const noWord = (): boolean => false;

  it('swaps, a missing letter and an early space, each reported as a repair', () => {
    const r = retype(['pikc', 'teh', 'relase', 'tot', 'he', 'bni'], noWord, targets);
    expect(r.tokens).toEqual(['pick', 'the', 'release', 'to', 'the', 'bin']);
    expect(r.repairs).toContainEqual({ heard: 'pikc', understood: 'pick' });
    expect(r.repairs).toContainEqual({ heard: 'tot he', understood: 'to the' });
  });

  it('leaves words, unknown names and slips with two readings alone', () => {
    expect(retype(['scisors', 'pen'], noWord, targets).tokens).toEqual(['scisors', 'pen']);
    expect(retype(['bni'], noWord, new Set(['bin', 'nbi'])).tokens).toEqual(['bni']);
    expect(retype(['teh'], (w) => w === 'teh', targets).tokens).toEqual(['teh']);
  });

  it.each([
    ['pikc up teh lotion', 'pickup(LOTION)'],
    ['go tot he bin', 'goto(BIN)'],
    ['put the abll int he bag', PUT('BALL', 'GIFT_BAG')],
    ['grabthe lotion', 'pickup(LOTION)'],
    ['opne the gripper', 'release()'],
  ])('%s → %s', (u, p) => expect(said(u)).toBe(p));

  it('an unknown name typed wrong is still asked about, never guessed', () => {
    expect(said('pick up the scisors')).toBe('question:unknown_object');
  });

  it('a stop word with two letters swapped still stops; other words do not', () => {
    expect(isStopUtterance('stpo moving')).toBe(true);
    expect(isStopUtterance('hlat')).toBe(true);
    expect(isStopUtterance('spot the ball')).toBe(false);
  });

  it('only a non-word splits off a glued article', () => {
    const isWord = (w: string): boolean => ['grab', 'breathe', 'pen'].includes(w);
    expect(unglue(['grabthe', 'pen'], isWord)).toEqual(['grab', 'the', 'pen']);
    expect(unglue(['breathe'], isWord)).toEqual(['breathe']);
  });
});

describe('false starts give way to the word said whole', () => {
  const isWord = (w: string): boolean => ['go', 'to', 'the', 'tower', 'ball', 'do', 'a', 'dolly'].includes(w);
  it('drops "the ba-" before "the ball", keeps "to the tower"', () => {
    expect(dropFalseStarts(['grab', 'the', 'ba', 'the', 'ball'], isWord)).toEqual(['grab', 'the', 'ball']);
    expect(dropFalseStarts(['go', 'to', 'the', 'tower'], isWord)).toEqual(['go', 'to', 'the', 'tower']);
    expect(dropFalseStarts(['do', 'a', 'dolly'], isWord)).toEqual(['do', 'a', 'dolly']);
  });
  it('plans the restarted phrase', () => expect(said('put the lo- the lotion in the bin')).toBe(PUT('LOTION', 'BIN')));
});

describe('narration around a command is the command', () => {
  it.each([
    ['the idea is you grab the pen', 'pickup(PEN)'],
    ['so what I want is for you to go home', 'go_home()'],
    ['what I need is the ball in the bin', PUT('BALL', 'BIN')],
    ["I'd like the pen to end up in the bin", PUT('PEN', 'BIN')],
    ['ok next thing, go to the candy', 'goto(CANDY)'],
    ['ball must go in bin', PUT('BALL', 'BIN')],
    ['grab the pen and after go home', 'pickup(PEN) → go_home()'],
  ])('%s → %s', (u, p) => expect(said(u)).toBe(p));
});

describe('corrections inside one utterance', () => {
  it('after a hesitation', () => expect(said('grab the pen um actually the lotion')).toBe('pickup(LOTION)'));
  it('with a bare name', () => expect(said('orbit loki, no, hulk', STUDIO)).toBe('track(HULK)'));
  it('with a new verb', () => expect(said('zoom in on the tower, I mean orbit hulk', STUDIO)).toBe('track(HULK)'));
});

describe('manner words and camera-rig talk', () => {
  it.each([
    ['gently pick up the ball', ctx(), 'pickup(BALL)'],
    ['ok camera, push in on loki', STUDIO, 'zoom_in(LOKI)'],
    ['orbit loki clockwise', STUDIO, 'track(LOKI)'],
    ['get in tight on the tower', STUDIO, 'zoom_in(TOWER)'],
    ['park the lens at hulk', STUDIO, 'goto(HULK)'],
    ['move the rig to loki', STUDIO, 'goto(LOKI)'],
    ['next shot: push in on hulk', STUDIO, 'zoom_in(HULK)'],
    ['position above the bin', ctx(), 'goto(BIN)'],
  ])('%s → %s', (u, c, p) => expect(said(u, c)).toBe(p));

  it('"slow down" is not a command to move', () => expect(said('slow down')).not.toMatch(/\(/));
});

describe('"leave it alone" is a negation', () => {
  it('the other command still runs', () => expect(said('leave the ball alone and go home')).toBe('go_home()'));
  it('alone, it moves nothing', () => expect(said('leave the lotion alone')).not.toMatch(/\(/));
  it('"leave the pen in the bin" is still a placement', () => expect(said('leave the pen in the bin')).toBe(PUT('PEN', 'BIN')));
});

describe('questions and follow-ups', () => {
  it('"who is" describes', () => {
    const r = planner.planSync('who is hulk', STUDIO);
    expect(r.kind === 'describe' && r.name).toBe('HULK');
  });
  it('"again but on" repeats the last move for a new target', () => {
    const c = ctx('stopmotion', { history: [proposed('track loki', 'track(LOKI)')] });
    expect(said('again but on the hulk', c)).toBe('track(HULK)');
  });
});

describe('taught skills said in other shapes', () => {
  const LATE = ctx('giftbag_late');
  it.each([
    ['use pack on the ball', 'pack(BALL)'],
    ['I need the lotion packed', 'pack(LOTION)'],
    ['the pen needs to be thrown away', 'throw_away(PEN)'],
    ['the candy needs packing', 'pack(CANDY)'],
  ])('%s → %s', (u, p) => expect(said(u, LATE)).toBe(p));
  it('"use" with no taught skill after it is not a command', () => expect(said('use the gripper', LATE)).not.toMatch(/\(/));
});

describe('order and timing words', () => {
  it.each([
    ['go home, but pick up the lotion first', 'pickup(LOTION) → go_home()'],
    ['go home, but before that put the pen in the bin', `${PUT('PEN', 'BIN')} → go_home()`],
    ['put the ball in the bag later', PUT('BALL', 'GIFT_BAG')],
    ['first go home', 'go_home()'],
  ])('%s → %s', (u, p) => expect(said(u)).toBe(p));
});

describe('handing and orbiting in other words', () => {
  it.each([
    ['hand me the lotion', ctx(), 'pickup(LOTION)'],
    ['pass me the pen', ctx(), 'pickup(PEN)'],
    ['fly around loki', STUDIO, 'track(LOKI)'],
    ['circle the tower twice', STUDIO, 'track(TOWER)'],
  ])('%s → %s', (u, c, p) => expect(said(u, c)).toBe(p));
  it('"give me" is not read as fetching: a shot, a minute or a hug is no object', () => expect(said('give me a hug')).not.toMatch(/\(/));
});

describe("a learner's and a director's words", () => {
  it('the position of a thing is the thing', () => expect(said('go to the location of the lotion')).toBe('goto(LOTION)'));
  it('"in place of" is not a place', () => expect(said('put the pen in place of the ball')).not.toBe(PUT('PEN', 'BALL')));
  it('"go in the home" goes home', () => expect(said('go into the home')).toBe('go_home()'));
  it('"that\'s the shot" ends a lesson', () => {
    const c = { ...STUDIO, teaching: { name: 'crane_up' } };
    expect(planner.planSync("that's the whole shot", c).kind).toBe('teach_done');
  });
});

describe("a terse note's marks", () => {
  it('an arrow says where to', () => expect(said('ball -> bin')).toBe(PUT('BALL', 'BIN')));
  it('a dash is a pause before a correction', () => expect(said('grab the ball -- no, the lotion')).toBe('pickup(LOTION)'));
  it('a hyphen inside a word is no pause', () => expect(isStopUtterance('e-stop')).toBe(true));
});

describe('harm said as sending something flying is refused', () => {
  it('dropping a figure off something is refused with the article dropped too', () => {
    expect(said('drop hulk off tower', STUDIO)).toBe('rejected:unsafe');
    expect(said('drop the pen off at the bin')).toBe(PUT('PEN', 'BIN'));
  });
  it.each(['send the ball flying', 'make the pen go flying across the room', 'it would be fun if the candy went flying'])('%s', (u) =>
    expect(said(u)).toBe('rejected:unsafe'),
  );
});
