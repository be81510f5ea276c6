/**
 * The rule planner on the classes a fresh, blind development batch (dev-r2) found it missing:
 * framing clauses around a command, a topic taken up by "it", a pause between a verb and its
 * object, negation said first or with "it", control phrases after an interjection, WordNet
 * compounds, names heard with one word slipped, frame counts mid-utterance, harm said through
 * phrasal verbs and crashes, and dialogue that adds to or swaps in the plan just proposed.
 */
import { describe, expect, it } from 'vitest';
import { unglue } from '../../planner/text.js';
import type { DialogueTurn } from '../../planner/types.js';
import { formatPlan } from '../../skills/registry.js';
import { ctx, plan, proposed, PUT, said } from './said.js';

const DONE: DialogueTurn = { utterance: 'yes', reply: 'Done.' };

describe('a command wrapped in framing is the command', () => {
  it.each([
    ['I was wondering if you could pick up the lotion', 'pickup(LOTION)'],
    ['i want the robot to get the car', 'pickup(TOY_CAR)'],
    ['uh, could you, like, go to the bin?', 'goto(BIN)'],
    ["let's have you grab the lotion", 'pickup(LOTION)'],
    ["if it's not too much trouble, put the ball in the bag", PUT('BALL', 'GIFT_BAG')],
    ['you know what, just go to the pen', 'goto(PEN)'],
    ['how about you pick up the ball', 'pickup(BALL)'],
    ["why don't you go home", 'go_home()'],
    ["I'd really appreciate it if you could go home", 'go_home()'],
    ['alright robot, time to put the lotion in the bag', PUT('LOTION', 'GIFT_BAG')],
    ['would you be able to grab the pen', 'pickup(PEN)'],
    ['can I ask you to grab the pen', 'pickup(PEN)'],
    ['mind grabbing the pen?', 'pickup(PEN)'],
    ['go on, grab the pen', 'pickup(PEN)'],
    ["don't forget to go home", 'go_home()'],
    ['I need the pen', 'pickup(PEN)'],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));
});

describe('a topic, a pause or a placement split across clauses is one command', () => {
  it.each([
    ['the pen, take it', 'pickup(PEN)'],
    ['so yeah, er, the ball, pick it up', 'pickup(BALL)'],
    ['pick up, uh, the lotion, please, thanks', 'pickup(LOTION)'],
    ['err, uh, grab, uh, the pen', 'pickup(PEN)'],
    ['the lotion, not the candy, goes in the bin', PUT('LOTION', 'BIN')],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));

  it('a topic nothing takes up is still asked about, not dropped', () => {
    expect(plan('the pen, go home').kind).toBe('question');
  });
});

describe('negation said first, or pointed back at with "it"', () => {
  it.each([
    ["don't put the pen in the bag, put it in the bin", PUT('PEN', 'BIN')],
    ['instead of the ball, pick up the candy', 'pickup(CANDY)'],
    ['rather than the pen, grab the ball', 'pickup(BALL)'],
    ['forget the pen, grab the ball', 'pickup(BALL)'],
    ['scratch that, go home', 'go_home()'],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));

  it('a negated command alone still moves nothing', () => {
    expect(plan("don't put the pen in the bag").kind).not.toBe('plan');
    expect(plan('forget the pen').kind).not.toBe('plan');
  });
});

describe('control phrases after interjections and in other words', () => {
  it.each([
    ['not that, the other one', 'other_one'],
    ["that's not the one", 'other_one'],
    ['wrong one, try the other', 'other_one'],
    ['oops, undo the last thing', 'undo'],
    ['what do you see on the table', 'list_skills'],
    ['which skills have you got', 'list_skills'],
    ['go ahead and take a picture', 'shoot'],
  ])('%s → %s', (u, kind) => expect(plan(u, ctx(u.includes('picture') ? 'stopmotion' : 'giftbag_scene')).kind).toBe(kind));

  it('"remove the pack skill" forgets pack; "from now on pack is called wrap" renames it', () => {
    expect(plan('remove the pack skill', ctx('giftbag_pack'))).toMatchObject({ kind: 'forget', name: 'pack' });
    expect(plan('from now on pack is called wrap', ctx('giftbag_pack'))).toMatchObject({ kind: 'rename', from: 'pack', to: 'wrap' });
  });

  it('a lesson ends however the end is said', () => {
    expect(plan("ok I'm done showing you", ctx('giftbag_scene', { teaching: 'pack' })).kind).toBe('teach_done');
  });

  it('"watch me" answers "Teach me?" by starting the offered lesson', () => {
    const c = ctx('giftbag', { history: [{ utterance: 'pack the candy', reply: "I don't know how to pack yet. Teach me?" }] });
    expect(plan('okay, watch me', c)).toMatchObject({ kind: 'teach_start', name: 'pack' });
    expect(plan('maybe later', c).kind).toBe('cancel');
  });

  it('"the gripper is on it" and "the toy car is here" point, "what is here" does not', () => {
    expect(plan('the gripper is on it').kind).toBe('point_here');
    expect(plan('the toy car is here').kind).toBe('point_here');
    expect(plan('what is here').kind).not.toBe('point_here');
  });
});

describe('word knowledge: compounds, possessives, look-alikes', () => {
  it('WordNet compounds name the thing they are a kind of', () => {
    expect(said('head over to the trash can')).toBe('goto(BIN)');
    expect(said('drop the ballpoint pen into the trash')).toBe(PUT('PEN', 'BIN'));
  });

  it('a compound that clashes with a compound name is a new thing ("trash bag" is not the gift bag)', () => {
    expect(plan('put the candy in the trash bag')).toMatchObject({ kind: 'question', reason: 'unknown_object' });
  });

  it('an unknown compound keeps its colour word: "black widow" is BLACK_WIDOW', () => {
    const r = plan('track black widow', ctx('stopmotion'));
    expect(r).toMatchObject({ kind: 'question', reason: 'unknown_object' });
    expect(r.kind === 'question' && r.unknown?.kind === 'object' ? r.unknown.proposedName : '').toBe('BLACK_WIDOW');
  });

  it.each(['get me a sandwich', 'put the pen in my pocket', 'pick up the candy at the candy store', 'go to the park'])(
    '%s: out of the scene, so no plan',
    (u) => expect(plan(u).kind).not.toBe('plan'),
  );

  it('colour words with a generic head still pick the one thing of that colour', () => {
    expect(said('grab the orange thing')).toBe('pickup(BALL)');
    expect(said('zoom in on the big green guy', ctx('stopmotion'))).toBe('zoom_in(HULK)');
  });
});

describe('speech and typing slips', () => {
  it.each([
    ['pick up the can dee', 'pickup(CANDY)'],
    ['go to the gift bath', 'goto(GIFT_BAG)'],
    ['pick upthe candy', 'pickup(CANDY)'],
    ['go too the bin', 'goto(BIN)'],
    ['gripper open', 'release()'],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));

  it('the slip is reported as a repair', () => {
    const r = plan('go to the gift bath');
    expect(r.kind === 'plan' ? r.repairs : []).toContainEqual({ heard: 'gift bath', understood: 'gift bag' });
  });

  it('"gift box" is not one slip from "gift bag": it is asked about', () => {
    expect(plan('put the candy in the gift box')).toMatchObject({ kind: 'question', reason: 'unknown_object' });
  });

  it('unglue splits only "the" run into a word, never a real word', () => {
    const isWord = (w: string): boolean => ['candy', 'again', 'up', 'to', 'aga'].includes(w);
    expect(unglue(['pick', 'upthe', 'candy'], isWord)).toEqual(['pick', 'up', 'the', 'candy']);
    expect(unglue(['grab', 'thecandy'], isWord)).toEqual(['grab', 'the', 'candy']);
    expect(unglue(['do', 'it', 'again'], isWord)).toEqual(['do', 'it', 'again']);
  });
});

describe('camera moves and frame counts', () => {
  it('a frame count may end a clause before the next one', () => {
    const r = plan('track hulk in 8 frames then zoom in on loki', ctx('stopmotion'));
    expect(r.kind === 'plan' ? [formatPlan(r.plan), r.frames] : r.kind).toEqual(['track(HULK) → zoom_in(LOKI)', 8]);
  });

  it('a count followed by "for me" or "again" is still the count', () => {
    const r = plan('orbit the hulk over 24 frames for me', ctx('stopmotion'));
    expect(r.kind === 'plan' ? [formatPlan(r.plan), r.frames] : r.kind).toEqual(['track(HULK)', 24]);
  });

  it.each([
    ['close up on the tower please', 'zoom_in(TOWER)'],
    ['bring the camera to the hulk', 'goto(HULK)'],
  ])('%s → %s', (u, want) => expect(said(u, ctx('stopmotion'))).toBe(want));
});

describe('harm said in other ways is refused, harmless look-alikes are not', () => {
  it.each([
    ['push loki off the set', 'stopmotion'],
    ['drive into the tower', 'stopmotion'],
    ['fly the camera into the hulk', 'stopmotion'],
    ['topple the tower', 'stopmotion'],
    ['pull the hulk apart', 'stopmotion'],
    ["twist loki's head off", 'stopmotion'],
    ['bring the tower down', 'stopmotion'],
    ['make loki fly across the room', 'stopmotion'],
    ['drop loki off the tower', 'stopmotion'],
    ['make the hulk fall over', 'stopmotion'],
    ['pick up the baby', 'giftbag_scene'],
    ['pop the ball', 'giftbag_scene'],
    ['spill the lotion', 'giftbag_scene'],
    ['twist the pen until it snaps', 'giftbag_scene'],
  ])('%s', (u, base) => expect(plan(u, ctx(base))).toMatchObject({ kind: 'rejected', reason: 'unsafe' }));

  it.each(['get the scissors', 'put the hammer in the bag', 'grab the boy car', 'scratch that last one', 'pop the candy in the bag'])(
    '%s is not refused',
    (u) => expect(plan(u).kind).not.toBe('rejected'),
  );
});

describe('dialogue: adding to, swapping in and repeating the plan just proposed', () => {
  const pending = ctx('giftbag_scene', { history: [proposed('put the ball in the bag', PUT('BALL', 'GIFT_BAG'))] });
  const done = ctx('giftbag_scene', { history: [proposed('put the ball in the bag', PUT('BALL', 'GIFT_BAG')), DONE] });

  it.each([
    ['yes, and then go home', `${PUT('BALL', 'GIFT_BAG')} → go_home()`],
    ['ok but go home afterwards', `${PUT('BALL', 'GIFT_BAG')} → go_home()`],
    ['switch the ball for the lotion', PUT('LOTION', 'GIFT_BAG')],
    ['wrong object, I meant the candy', PUT('CANDY', 'GIFT_BAG')],
  ])('pending: %s → %s', (u, want) => expect(said(u, pending)).toBe(want));

  it('after it ran, "and the pen?" repeats it for the pen and "take it back out" picks the ball up', () => {
    expect(said('and the pen?', done)).toBe(PUT('PEN', 'GIFT_BAG'));
    expect(said('take it back out', done)).toBe('pickup(BALL)');
  });

  it('a camera move gets a new target from "no, around the hulk" or "same but around loki"', () => {
    const c = ctx('stopmotion', { history: [proposed('track the tower', 'track(TOWER)')] });
    expect(said('no, around the hulk', c)).toBe('track(HULK)');
    expect(said('same but around loki', c)).toBe('track(LOKI)');
  });
});

describe('taught behaviors said with the place they already go to', () => {
  it('"pack the candy into the bag" is pack(CANDY); into the bin it is asked about', () => {
    expect(said('pack the candy into the bag', ctx('giftbag_pack'))).toBe('pack(CANDY)');
    expect(plan('pack the candy in the bin', ctx('giftbag_pack')).kind).toBe('question');
  });
});

describe('lists, elided puts and "there"', () => {
  it.each([
    [
      'put the pen, the ball and the candy in the bag',
      `${PUT('PEN', 'GIFT_BAG')} → ${PUT('BALL', 'GIFT_BAG')} → ${PUT('CANDY', 'GIFT_BAG')}`,
    ],
    [
      'put all of them in the bag: the candy, the pen and the ball',
      `${PUT('CANDY', 'GIFT_BAG')} → ${PUT('PEN', 'GIFT_BAG')} → ${PUT('BALL', 'GIFT_BAG')}`,
    ],
    ['put the ball in the bag, and the candy as well', `${PUT('BALL', 'GIFT_BAG')} → ${PUT('CANDY', 'GIFT_BAG')}`],
    ['pick up the ball and drop it into the bag, then do the same with the pen', `${PUT('BALL', 'GIFT_BAG')} → ${PUT('PEN', 'GIFT_BAG')}`],
    ['first the candy in the bag, then the pen in the bin', `${PUT('CANDY', 'GIFT_BAG')} → ${PUT('PEN', 'BIN')}`],
    ['candy into the bag please', PUT('CANDY', 'GIFT_BAG')],
    ['carry the pen over to the bin and drop it there', PUT('PEN', 'BIN')],
    ['take the candy and the pen to the bag', `${PUT('CANDY', 'GIFT_BAG')} → ${PUT('PEN', 'GIFT_BAG')}`],
    ['bring me the ball', 'pickup(BALL)'],
    ['hover the gripper over the candy', 'goto(CANDY)'],
    ['shut the gripper', 'grasp()'],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));

  it('"let go of whatever you\'re holding" releases', () => {
    expect(said("let go of whatever you're holding", ctx('giftbag_scene', { held: 'PEN' }))).toBe('release()');
  });

  it('"there" and "the same place" after a put are where it let go', () => {
    const c = ctx('giftbag_scene', { history: [proposed('put the ball in the bin', PUT('BALL', 'BIN')), DONE] });
    expect(said('put the pen in there too', c)).toBe(PUT('PEN', 'BIN'));
    expect(said('put the pen in the same place', c)).toBe(PUT('PEN', 'BIN'));
    // Without a put before, "there" is still asked about.
    expect(plan('put the pen there').kind).toBe('question');
  });
});

describe('more dialogue follow-ups', () => {
  it('"put it back" after "take the candy out of the bag" returns it to the bag', () => {
    const c = ctx('giftbag_scene', { held: 'CANDY', history: [proposed('take the candy out of the bag', 'pickup(CANDY)'), DONE] });
    expect(said('put it back', c)).toBe('goto(GIFT_BAG) → release()');
  });

  it('"and the lotion?" after a description asks the same about the lotion', () => {
    const c = ctx('giftbag_scene', { history: [{ utterance: "what's the pen?", reply: 'PEN: A blue pen.' }] });
    expect(plan('and the lotion?', c)).toMatchObject({ kind: 'describe', name: 'LOTION' });
  });

  it('"do the hulk now" and "same for the tower over 12 frames" redo the last camera move', () => {
    const c = ctx('stopmotion', { history: [proposed('zoom in on loki', 'zoom_in(LOKI)'), DONE] });
    expect(said('do the hulk now', c)).toBe('zoom_in(HULK)');
    const r = plan('same for the tower over 12 frames', c);
    expect(r.kind === 'plan' ? [formatPlan(r.plan), r.frames] : r.kind).toEqual(['zoom_in(TOWER)', 12]);
  });
});

describe('teaching: the end of a lesson and the names of new verbs', () => {
  const teaching = ctx('giftbag_scene', { teaching: 'pack', held: 'CANDY' });
  it.each(["that's the last step", 'end the lesson', "that's all for now", 'lesson complete', 'now you know how', "we're all done here"])(
    '%s ends the lesson',
    (u) => expect(plan(u, teaching).kind).toBe('teach_done'),
  );

  it('outside a lesson "end the lesson" moves nothing', () => {
    expect(plan('end the lesson').kind).not.toBe('plan');
  });

  it.each([
    ['flip the toy car over', 'flip_over'],
    ['turn the bag upside down', 'turn_upside_down'],
  ])('%s offers to learn %s', (u, name) => {
    const r = plan(u);
    expect(r.kind === 'question' && r.unknown?.kind === 'verb' ? r.unknown.proposedName : r.kind).toBe(name);
  });
});

describe('slips of real words, judged by what they mean', () => {
  it('a noun of no physical thing, a letter or two off a name, is that name ("track the tour")', () => {
    expect(said('track the tour', ctx('stopmotion'))).toBe('track(TOWER)');
    expect(said('go to the bind')).toBe('goto(BIN)');
  });

  it('a real object noun is asked about, not bent into a name ("put the pan in the bin")', () => {
    expect(plan('put the pan in the bin')).toMatchObject({ kind: 'question', reason: 'unknown_object' });
  });

  it.each(['go to war', 'get the gist', 'grab a bite', 'take me home', 'pick up the pace'])('%s: an idiom, never a plan', (u) =>
    expect(plan(u).kind).not.toBe('plan'),
  );

  it('a rare verb a vowel off a command verb is that verb; a common one is a new verb to teach', () => {
    expect(said('grub the ball')).toBe('pickup(BALL)');
    expect(plan('pack the ball')).toMatchObject({ kind: 'question', reason: 'unknown_verb' });
  });
});

describe('more control and camera phrasings', () => {
  it('a harmful behavior name is refused however the lesson is announced', () => {
    expect(plan('let me teach you a trick called smash')).toMatchObject({ kind: 'rejected', reason: 'unsafe' });
    expect(plan('let me teach you a shot called sweep', ctx('stopmotion'))).toMatchObject({ kind: 'teach_start', name: 'sweep' });
  });

  it.each(['undo the last thing you learned', 'undo the rename', 'forget the last lesson'])('%s → undo', (u) =>
    expect(plan(u, ctx('giftbag_late')).kind).toBe('undo'),
  );

  it('"back up and show the whole set" is one pull-back on the stop-motion set', () => {
    expect(said('back up and show the whole set', ctx('stopmotion'))).toBe('pull_back()');
    expect(said('back up')).toBe('go_home()');
  });
});

describe('learners, kids and the robot spoken of', () => {
  it.each([
    ['pls grab pen thx', 'pickup(PEN)'],
    ['I want that you pick the ball', 'pickup(BALL)'],
    ['tell the robot to go home', 'go_home()'],
    ['robot, I command you to go home', 'go_home()'],
    ['the robot should go home', 'go_home()'],
    ['shall we put the ball in the bag', PUT('BALL', 'GIFT_BAG')],
    ['please to go home', 'go_home()'],
    ['time for you to go home', 'go_home()'],
    ['be so kind to grab the pen', 'pickup(PEN)'],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));

  it('"gimme the candy" is "give me the candy": a verb to teach, as "give" is', () => {
    expect(plan('gimme the candy')).toMatchObject({ kind: 'question', reason: 'unknown_verb' });
  });

  it('"ok" alone is still an answer, not keyboard mash', () => {
    expect(plan('ok').kind).toBe('confirm');
  });
});

describe('groups: "them" and "both" for things picked up or named together', () => {
  it.each([
    ['pick up the pen and the ball and put them in the bin', `${PUT('PEN', 'BIN')} → ${PUT('BALL', 'BIN')}`],
    ['grab the pen and the candy, then put both in the bag', `${PUT('PEN', 'GIFT_BAG')} → ${PUT('CANDY', 'GIFT_BAG')}`],
  ])('%s → %s', (u, want) => expect(said(u)).toBe(want));

  it('after a plan that named two things, "them" is both; after a put, the bag is not one of "them"', () => {
    const two = ctx('giftbag_scene', { history: [proposed('pick up the pen and the ball', 'pickup(PEN) → pickup(BALL)')] });
    expect(said('put them in the bin', two)).toBe(`${PUT('PEN', 'BIN')} → ${PUT('BALL', 'BIN')}`);
    const put = ctx('giftbag_scene', { history: [proposed('put the ball in the bag', PUT('BALL', 'GIFT_BAG')), DONE] });
    expect(said('put them in the bin', put)).toBe(PUT('BALL', 'BIN'));
  });
});

describe('repeats and corrections of the last plan', () => {
  const done = ctx('giftbag_scene', { history: [proposed('put the candy in the bag', PUT('CANDY', 'GIFT_BAG')), DONE] });
  const pending = ctx('giftbag_scene', { history: [proposed('put the candy in the bag', PUT('CANDY', 'GIFT_BAG'))] });
  it.each([
    ['next the ball', PUT('BALL', 'GIFT_BAG')],
    ['do it with the ball too', PUT('BALL', 'GIFT_BAG')],
    ['same for the ball and the pen', `${PUT('BALL', 'GIFT_BAG')} → ${PUT('PEN', 'GIFT_BAG')}`],
  ])('after it ran: %s → %s', (u, want) => expect(said(u, done)).toBe(want));

  it.each([
    ['not in the bag, in the bin', PUT('CANDY', 'BIN')],
    ['forget it, go home', 'go_home()'],
    ['never mind, go home', 'go_home()'],
  ])('pending: %s → %s', (u, want) => expect(said(u, pending)).toBe(want));
});
