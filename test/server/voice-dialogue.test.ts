/**
 * The console's side of the voice dialogue, with a fake recognizer behind the real server, hub,
 * session and sim: "Did you say …?" with its Yes / No (`voice_question`, `voice_answer`, only
 * from the console in control), the keyword spotter's stop, and a spoken "yes" that confirms
 * only a preview it surely heard.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimApp } from '../../session/app.js';
import { SAY_YES_AGAIN } from '../../speech/loop.js';
import { NullTts } from '../../speech/tts.js';
import { FakeStt, heard, type FakeSttStream } from '../fakes/fake-stt.js';
import { openTestServer, TestClient, type TestServer } from './ws-client.js';

describe('console voice dialogue (fake recognizer)', () => {
  let t: TestServer;
  let app: SimApp;
  let c: TestClient;
  let stream: FakeSttStream;
  const stt = new FakeStt();

  beforeAll(async () => {
    t = await openTestServer({ server: { voice: { stt: () => stt, tts: () => new NullTts(), voices: ['en-us'] } } });
    ({ app, c } = t);
    const from = c.mark();
    c.send({ type: 'voice_open', mode: 'handsfree', sampleRate: 16000 });
    await c.next('voice_state', (m) => m.voice.state === 'listening', 10_000, from);
    stream = stt.streams[0];
  }, 60_000);
  afterAll(() => t?.close());

  beforeEach(async () => {
    // Each test starts with nothing pending.
    if (app.session.pending) {
      const from = c.mark();
      c.send({ type: 'cancel' });
      await c.next('preview_cleared', () => true, 5000, from);
    }
  });

  const robotSays = async (text: string | RegExp, from: number) =>
    (
      await c.next(
        'dialogue',
        (m) => m.entry.role === 'robot' && (typeof text === 'string' ? m.entry.text === text : text.test(m.entry.text)),
        10_000,
        from,
      )
    ).entry;

  it('unsure words get "Did you say …?" and Yes / No; the click plans them (a preview), nothing moves', async () => {
    const q0 = [...app.backend.jointState().position];
    let from = c.mark();
    stream.emit({ type: 'final', transcript: heard('pick up the candy', { accepted: false, reason: 'unsure', confidence: 0.4 }) });
    const final = await c.next('voice_final', () => true, 5000, from);
    expect(final).toMatchObject({ text: 'pick up the candy', accepted: false, reason: 'unsure', stop: false });
    const q = await c.next('voice_question', (m) => m.question !== null, 5000, from);
    expect(q.question).toMatchObject({ text: 'pick up the candy', expiresInMs: 20_000 });
    const user = await c.next('dialogue', (m) => m.entry.role === 'user', 5000, from);
    expect(user.entry).toMatchObject({ text: '(heard “pick up the candy”, not sure)', kind: 'voice-rejected' });
    expect((await robotSays(/^Did you say/, from)).text).toBe('Did you say “pick up the candy”?');
    expect(c.messages.slice(from).some((m) => m.type === 'dialogue' && m.entry.text === 'Sorry, say that again?')).toBe(false);
    expect(app.session.pending).toBeNull();

    from = c.mark();
    c.send({ type: 'voice_answer', id: q.question!.id, yes: true });
    const preview = await c.next('preview', () => true, 10_000, from);
    expect(preview.preview.planText).toBe('pickup(CANDY)');
    await c.next('voice_question', (m) => m.question === null, 5000, from);
    // The words appear as the operator's spoken command; the preview waits for Execute.
    const said = await c.next('dialogue', (m) => m.entry.role === 'user', 5000, from);
    expect(said.entry).toMatchObject({ text: 'pick up the candy', kind: 'voice' });
    expect(app.backend.jointState().position).toEqual(q0);

    // Answered once: the same id again is refused, nothing happens.
    from = c.mark();
    c.send({ type: 'voice_answer', id: q.question!.id, yes: true });
    expect((await c.next('error', (m) => m.re === 'voice_answer', 5000, from)).message).toMatch(/no longer open/);
  });

  it('a spoken "no" gets "Okay, please say it again." and plans nothing', async () => {
    let from = c.mark();
    stream.emit({ type: 'final', transcript: heard('go to the bag', { accepted: false, reason: 'unsure' }) });
    await c.next('voice_question', (m) => m.question !== null, 5000, from);
    from = c.mark();
    stream.emit({ type: 'final', transcript: heard('no') });
    expect((await robotSays('Okay, please say it again.', from)).kind).toBe('voice-question');
    await c.next('voice_question', (m) => m.question === null, 5000, from);
    await new Promise((r) => setTimeout(r, 200));
    expect(app.session.pending).toBeNull();
  });

  it('only the console in control may answer: a watcher is refused', async () => {
    const watcher = new TestClient(t.server.consoleUrl);
    await watcher.open();
    try {
      await watcher.next('hello');
      let from = c.mark();
      stream.emit({ type: 'final', transcript: heard('go home', { accepted: false, reason: 'unsure' }) });
      const q = await c.next('voice_question', (m) => m.question !== null, 5000, from);
      const wFrom = watcher.mark();
      watcher.send({ type: 'voice_answer', id: q.question!.id, yes: true });
      const err = await watcher.next('error', (m) => m.re === 'voice_answer', 5000, wFrom);
      expect(err.message).toMatch(/in control/);
      await new Promise((r) => setTimeout(r, 200));
      expect(app.session.pending).toBeNull();
      // The operator's own answer still works.
      from = c.mark();
      c.send({ type: 'voice_answer', id: q.question!.id, yes: false });
      await robotSays('Okay, please say it again.', from);
    } finally {
      watcher.close();
    }
  });

  it('refuses a malformed answer with a clear error', async () => {
    const from = c.mark();
    c.send({ type: 'voice_answer', id: 'q 1; drop', yes: true });
    const err = await c.next('error', () => true, 5000, from);
    expect(err.message).toMatch(/not a question id/);
  });

  it('a spoken "yes" it is not sure of never runs the preview; a sure one does', async () => {
    let from = c.mark();
    c.send({ type: 'say', text: 'go to the bag' });
    await c.next('preview', () => true, 10_000, from);
    const q0 = [...app.backend.jointState().position];
    from = c.mark();
    stream.emit({ type: 'final', transcript: heard('yes', { confidence: 0.7 }) });
    expect((await robotSays(SAY_YES_AGAIN, from)).kind).toBe('voice-question');
    await new Promise((r) => setTimeout(r, 200));
    expect(app.session.pending).not.toBeNull();
    expect(app.backend.jointState().position).toEqual(q0);
    from = c.mark();
    stream.emit({ type: 'final', transcript: heard('yes', { confidence: 0.95 }) });
    await c.next('execution', (m) => m.execution.outcome === 'succeeded', 20_000, from);
    expect(app.backend.jointState().position).not.toEqual(q0);
  });

  it('the keyword spotter stops at once; "drop it" heard for the same "stop it" never plans', async () => {
    let from = c.mark();
    c.send({ type: 'say', text: 'pick up the candy' });
    await c.next('preview', () => true, 10_000, from);
    from = c.mark();
    const at = stream.position + 0.6;
    stream.emit({ type: 'stop_word', word: 'stop it', confidence: 0.9, at });
    expect(await c.next('voice_final', () => true, 5000, from)).toMatchObject({ text: 'stop it', stop: true });
    await c.next('preview_cleared', () => true, 5000, from);
    stream.emit({ type: 'final', transcript: heard('drop it', { start: at - 0.5, end: at }) });
    expect(await c.next('voice_final', (m) => m.text === 'drop it', 5000, from)).toMatchObject({ stop: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages.slice(from).some((m) => m.type === 'preview')).toBe(false);
    expect(app.session.pending).toBeNull();
    expect(app.world.held).toBeNull();
  });

  it('closing the microphone takes the question away', async () => {
    let from = c.mark();
    // (Later in the stream than the spotted stop above: a new utterance.)
    stream.emit({ type: 'final', transcript: heard('go home', { accepted: false, reason: 'unsure', start: 20, end: 20.6 }) });
    await c.next('voice_question', (m) => m.question !== null, 5000, from);
    from = c.mark();
    c.send({ type: 'voice_close' });
    await c.next('voice_question', (m) => m.question === null, 5000, from);
    expect(stream.closed).toBe(true);
  });
});
