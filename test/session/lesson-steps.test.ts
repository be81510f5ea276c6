/**
 * Teaching keeps only what worked, and says so: a lesson step that fails or is refused is
 * neither dropped nor kept silently; the robot asks to retry it, skip it or end the lesson.
 * Pointing at something already known asks before naming; a taught name carries the command
 * that asked for it on (previewed, never run). Real Session on the FakeBackend behind the real guard.
 */
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../session/session.js';
import { fakeSession, type FakeSession } from './harness.js';

/** a spot on the table beyond the arm's reach, meters */
const FAR: [number, number, number] = [1.0, 0.55, 0];
/** on HULK, a known figure of the stop-motion scene */
const ON_HULK: [number, number, number] = [0.68, 0.2, 0.0275];
/** an empty spot on the table within reach */
const FREE: [number, number, number] = [0.5, -0.1, 0.02];

/** confirm the pending plan and run the fake's clock until it has run */
async function run(h: FakeSession): Promise<Turn> {
  const p = h.session.confirm();
  for (let i = 0; i < 100; i++) {
    await new Promise<void>((r) => setImmediate(r));
    h.settle();
  }
  return p;
}

describe('a lesson step that fails or is refused', () => {
  it('a failed step asks; "skip" leaves it out, and nothing of it is learned', async () => {
    const h = await fakeSession({ autoAdvance: false });
    await h.session.say('let me teach you to wave');
    await h.session.say('pick up the hulk'); // no object between the fingers in the fake: the grasp closes on nothing
    const seen: Turn[] = [];
    h.session.subscribe((e) => e.type === 'turn' && seen.push(e.turn));
    const done = await run(h);
    expect(done.outcome).toBe('failed');
    expect(done.failure).toMatch(/closed on nothing/);
    const question = seen.find((t) => t.kind === 'question');
    expect(question?.reply).toBe(
      '"pick up the hulk" is not part of wave. Should I retry it, skip it, or end the lesson? (Say "retry", "skip" or "end the lesson".)',
    );
    expect(h.session.state).toMatchObject({ kind: 'asking', expects: { kind: 'step', utterance: 'pick up the hulk' } });
    const skipped = await h.session.say('skip');
    expect(skipped.reply).toBe('Okay, "pick up the hulk" stays out of wave. Show me the next step, or say "that\'s it".');
    expect(h.session.teaching?.steps).toEqual([]);
    expect((await h.session.say("that's it")).reply).toMatch(/haven't shown me any steps/);
  });

  it('"retry" plans the step again (previewed, not run); when it works it is part of the lesson', async () => {
    const h = await fakeSession({ autoAdvance: false });
    await h.session.say('let me teach you to fetch');
    await h.session.say('pick up the hulk');
    expect((await run(h)).outcome).toBe('failed');
    const moved = h.fake.callsOf('executeTrajectory').length;
    const again = await h.session.say('retry');
    expect(again).toMatchObject({ kind: 'plan', plan: [{ skill: 'pickup', args: { object: 'HULK' } }] });
    expect(h.session.state.kind).toBe('previewing');
    expect(h.fake.callsOf('executeTrajectory').length).toBe(moved); // previewed, nothing ran
    h.fake.gripperObstacle = 0.012; // this time HULK is between the fingers
    expect((await run(h)).outcome).toBe('succeeded');
    expect(h.session.teaching?.steps.map((s) => s.utterance)).toEqual(['pick up the hulk']);
    const taught = await h.session.say("that's it");
    expect(taught.kind).toBe('taught');
    expect(h.session.deps.registry.has('fetch')).toBe(true);
  });

  it('a refused step asks too; "end the lesson" ends it', async () => {
    const h = await fakeSession({ autoAdvance: false });
    await h.session.say('let me teach you to reach');
    await h.session.say('go to the lotion');
    await h.session.point(FAR); // LOTION is taught out of reach; "go to the lotion" is carried on and refused
    const s = h.session.state;
    expect(s).toMatchObject({ kind: 'asking', expects: { kind: 'step', utterance: 'go to the lotion' } });
    const last = h.session.history.at(-1)!;
    expect(last.outcome).toBe('failed');
    expect(last.reply).toMatch(
      /can't carry it out: .*\. "go to the lotion" is not part of reach\. Should I retry it, skip it, or end the lesson\?/,
    );
    const ended = await h.session.say('end the lesson');
    expect(ended.reply).toBe('Okay, I stopped learning reach.');
    expect(h.session.state).toEqual({ kind: 'idle', lesson: null });
    expect(h.fake.callsOf('executeTrajectory')).toEqual([]);
  });
});

describe('pointing at something already known', () => {
  it('asks "That\'s the HULK. Is LOTION there?"; "no" asks where again, a click on a free spot teaches it', async () => {
    const h = await fakeSession();
    await h.session.say('go to the lotion');
    const asked = await h.session.point(ON_HULK);
    expect(asked.reply).toBe(
      'That\'s the HULK. Is LOTION there? Say "yes" and I\'ll remember LOTION at this spot, or click where LOTION is.',
    );
    expect(h.session.deps.world.has('LOTION')).toBe(false);
    expect(h.session.deps.world.get('HULK')?.source).toEqual({ type: 'body', body: 'HULK' }); // not renamed
    const no = await h.session.say('no');
    expect(no.reply).toBe('Okay. Then show me where LOTION is: click it in the scene.');
    expect(h.session.awaitingPoint?.name).toBe('LOTION');
    const taught = await h.session.point(FREE);
    expect(taught).toMatchObject({ kind: 'taught' });
    expect(h.session.deps.world.get('LOTION')?.source).toEqual({ type: 'point', position: FREE });
    // The command that asked is carried on: previewed, waiting for confirmation, not run.
    expect(h.session.pending?.plan).toEqual([{ skill: 'goto', args: { object: 'LOTION' } }]);
    expect(h.session.history.at(-1)?.utterance).toBe('go to the lotion');
    expect(h.fake.callsOf('executeTrajectory')).toEqual([]);
  });

  it('"yes" names the spot and carries the command on', async () => {
    const h = await fakeSession();
    await h.session.say('go to the lotion');
    await h.session.point(ON_HULK);
    const yes = await h.session.say('yes');
    expect(yes).toMatchObject({ kind: 'taught', reply: 'Okay: LOTION is at (0.68, 0.20, 0.03), at the HULK.' });
    expect(h.session.deps.world.get('LOTION')?.kind).toBe('location');
    expect(h.session.pending?.plan).toEqual([{ skill: 'goto', args: { object: 'LOTION' } }]);
    expect(h.fake.callsOf('executeTrajectory')).toEqual([]);
  });
});
