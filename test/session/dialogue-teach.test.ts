/**
 * After "I don't know how to wave yet. Teach me?", showing the first step counts as yes: the
 * lesson starts and that step is previewed in it (never run unconfirmed); "that's it" learns it.
 * Real Session on the FakeBackend behind the real guard, with the embedded planner.
 */
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../session/session.js';
import { fakeSession, type FakeSession } from './harness.js';

async function run(h: FakeSession): Promise<Turn> {
  const p = h.session.confirm();
  for (let i = 0; i < 100; i++) {
    await new Promise<void>((r) => setImmediate(r));
    h.settle();
  }
  return p;
}

describe('a lesson shown instead of "yes"', () => {
  it('starts the offered lesson with the step just said, previews it, and learns it on "that\'s it"', async () => {
    const h = await fakeSession({ autoAdvance: false });
    const offer = await h.session.say('wave at the hulk');
    expect(offer.reply).toMatch(/I don't know how to wave yet\. Teach me\?/);
    const step = await h.session.say('go to the hulk');
    expect(step.kind).toBe('plan');
    expect(step.reply).toMatch(/goto\(HULK\)/);
    expect(h.session.state.kind).toBe('previewing');
    expect(h.session.state.lesson?.name).toBe('wave');
    // Nothing moved before the confirm.
    expect(h.fake.callsOf('executeTrajectory')).toHaveLength(0);
    const ran = await run(h);
    expect(ran.outcome).toBe('succeeded');
    const done = await h.session.say("that's it");
    expect(done.kind).toBe('taught');
    expect(h.session.state.lesson).toBeNull();
  });
});
