/**
 * The dialogue state as the consoles meet it (architecture issue, its three symptoms):
 * 1. a pending question ("where is the lotion?") is answered, replaced or cancelled explicitly:
 *    an unrelated command replaces it, the Cancel button and "cancel" end it;
 * 2. the status says what the session is doing mid-lesson ("Teaching pack · step 2"), not "Ready";
 * 3. a second console cannot replace the first one's pending plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer, TestClient, type TestServer } from './ws-client.js';

let t: TestServer;
beforeAll(async () => {
  t = await openTestServer({ client: (url) => new TestClient(url, undefined, 'consoleA') });
}, 120_000);
afterAll(() => t?.close());

/** what the robot says next (after `from`) */
async function robotSays(c: TestClient, from: number): Promise<string> {
  return (await c.next('dialogue', (d) => d.entry.role === 'robot', 20_000, from)).entry.text;
}

describe('a pending question is answered, replaced or cancelled explicitly', () => {
  it('the Cancel button ends "where is the lotion?"', async () => {
    const { c } = t;
    let from = c.mark();
    c.send({ type: 'say', text: 'pick up the lotion' });
    expect(await robotSays(c, from)).toMatch(/LOTION/);
    const asking = await c.next('status', (s) => s.awaitingPoint?.name === 'LOTION', 5000, from);
    expect(asking.dialogue).toMatchObject({ kind: 'asking', expects: 'point' });
    from = c.mark();
    c.send({ type: 'cancel' });
    expect(await robotSays(c, from)).toBe("Okay, I won't wait for you to show me LOTION.");
    const after = await c.next('status', (s) => s.awaitingPoint === null, 5000, from);
    expect(after.dialogue.kind).toBe('idle');
    expect(t.app.session.awaitingPoint).toBeNull();
  });

  it('"cancel" ends it too, instead of "There was nothing to cancel."', async () => {
    const { c } = t;
    let from = c.mark();
    c.send({ type: 'say', text: 'pick up the lotion' });
    await c.next('status', (s) => s.awaitingPoint?.name === 'LOTION', 20_000, from);
    from = c.mark();
    c.send({ type: 'say', text: 'cancel' });
    const reply = await robotSays(c, from);
    expect(reply).not.toBe('There was nothing to cancel.');
    expect(reply).toBe("Okay, I won't wait for you to show me LOTION.");
    expect(t.app.session.awaitingPoint).toBeNull();
  });

  it('an unrelated command replaces it: a click afterwards teaches nothing', async () => {
    const { c, app } = t;
    let from = c.mark();
    c.send({ type: 'say', text: 'pick up the lotion' });
    await c.next('status', (s) => s.awaitingPoint?.name === 'LOTION', 20_000, from);
    from = c.mark();
    c.send({ type: 'say', text: 'go home' });
    await c.next('preview', () => true, 20_000, from);
    const status = await c.next('status', (s) => s.awaitingPoint === null && s.dialogue.kind === 'previewing', 5000, from);
    expect(status.dialogue.label).toBe('Waiting for your confirmation');
    expect(app.session.awaitingPoint).toBeNull();
    from = c.mark();
    c.send({ type: 'point', position: [0.5, 0.1, 0.02] });
    expect(await robotSays(c, from)).toMatch(/wasn't asking where something is/);
    expect(app.world.has('LOTION')).toBe(false);
    c.send({ type: 'cancel' });
    await c.next('preview_cleared', () => true, 5000, from);
  });
});

describe('the status says what the session is doing', () => {
  it('mid-lesson it says "Teaching pack · step N", not "Ready"', async () => {
    const { c } = t;
    let from = c.mark();
    c.send({ type: 'say', text: 'let me teach you to pack' });
    const teaching = await c.next('status', (s) => s.dialogue.lesson?.name === 'pack', 20_000, from);
    expect(teaching.dialogue).toMatchObject({ kind: 'idle', label: 'Teaching pack · step 1' });
    from = c.mark();
    c.send({ type: 'say', text: 'go home' });
    const preview = await c.next('preview', () => true, 20_000, from);
    expect((await c.next('status', (s) => s.dialogue.kind === 'previewing', 5000, from)).dialogue.label).toBe(
      'Teaching pack · step 1 · confirm this step',
    );
    c.send({ type: 'confirm', previewId: preview.preview.id });
    const next = await c.next('status', (s) => s.dialogue.kind === 'idle' && s.dialogue.lesson?.steps === 1, 60_000, from);
    expect(next.dialogue.label).toBe('Teaching pack · step 2');
    from = c.mark();
    c.send({ type: 'say', text: 'cancel' });
    expect(await robotSays(c, from)).toBe('Okay, I stopped learning pack.');
    expect((await c.next('status', (s) => s.dialogue.lesson === null, 5000, from)).dialogue.label).toBe('Ready');
  }, 90_000);
});

describe('two consoles, one pending plan', () => {
  it("a second console watches: its command is refused, not put in place of the first one's pending plan; after the first leaves it can drive", async () => {
    const { c: a, app, server } = t;
    const b = new TestClient(server.consoleUrl, undefined, 'consoleB');
    await b.open();
    try {
      let from = a.mark();
      a.send({ type: 'say', text: 'go home' });
      const mine = await a.next('preview', () => true, 20_000, from);
      const fromB = b.mark();
      from = a.mark();
      b.send({ type: 'say', text: 'go to the bag' });
      const refused = await b.next('error', (e) => e.re === 'say', 20_000, fromB);
      expect(refused.message).toMatch(
        /^Console \d+ is in control of the arm\. Ask for control \(top bar\); stop works from every client\.$/,
      );
      // The first console's preview is still the pending one, and still runs when confirmed.
      expect(app.session.pending?.plan).toEqual([{ skill: 'go_home', args: {} }]);
      expect(a.messages.slice(from).some((m) => m.type === 'preview' || m.type === 'preview_cleared')).toBe(false);
      // B cannot execute A's preview either.
      b.send({ type: 'confirm', previewId: mine.preview.id });
      await b.next('error', (e) => e.re === 'confirm', 20_000, fromB);
      expect(app.session.state.kind).toBe('previewing');
      a.send({ type: 'confirm', previewId: mine.preview.id });
      const done = await a.next('execution', (e) => !e.execution.active && e.execution.previewId === mine.preview.id, 60_000, from);
      expect(done.execution.outcome).toBe('succeeded');
      // Once the first console has left, nobody holds control: the second takes it by acting.
      from = a.mark();
      a.send({ type: 'say', text: 'go to the bag' });
      await a.next('preview', () => true, 20_000, from);
      a.close();
      await new Promise((r) => setTimeout(r, 300));
      const fromB2 = b.mark();
      b.send({ type: 'say', text: 'go home' });
      const theirs = await b.next('preview', () => true, 20_000, fromB2);
      expect(theirs.preview.planText).toBe('go_home()');
      expect(server.hub.controller).toBe('console:consoleB');
      b.send({ type: 'cancel' });
      await b.next('preview_cleared', () => true, 5000, fromB2);
    } finally {
      b.close();
    }
  }, 120_000);
});
