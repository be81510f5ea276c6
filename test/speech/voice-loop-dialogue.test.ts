/**
 * The voice loop's dialogue around the recognizer, with a fake recognizer (the real SttStream
 * interface) in front of the real planner, session and sim: "Did you say …?" for words the
 * recognizer is unsure of, the keyword spotter's stop and the final of the same utterance, and a
 * spoken "yes" that confirms only a preview it surely heard, only the one shown when it was said.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';
import {
  didYouSay,
  SAY_AGAIN,
  SAY_IT_AGAIN,
  SAY_YES_AGAIN,
  VoiceLoop,
  YES_MIN_CONFIDENCE,
  YES_OR_NO,
  type VoiceEvent,
  type VoiceLoopOptions,
  type VoiceResult,
} from '../../speech/loop.js';
import { FakeStt, heard, type FakeSttStream } from '../fakes/fake-stt.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Rig {
  app: SimApp;
  loop: VoiceLoop;
  stream: FakeSttStream;
  events: VoiceEvent[];
  /** trajectories the sim was asked to run */
  moves: () => number;
  /** what reached `say` (when the rig routes it, as the console does) */
  said: string[];
  stops: () => number;
  /** the final `t` through push-to-talk: its result */
  hear(t: ReturnType<typeof heard>): Promise<VoiceResult>;
}

async function rig(extra: Partial<VoiceLoopOptions> = {}, routed = false): Promise<Rig> {
  const app = await createApp({ seed: 1, pace: 'fast' });
  cleanup.push(() => app.dispose());
  let moves = 0;
  const exec = app.simBackend.executeTrajectory.bind(app.simBackend);
  app.simBackend.executeTrajectory = (t, o) => {
    moves++;
    return exec(t, o);
  };
  const said: string[] = [];
  let stops = 0;
  const stt = new FakeStt();
  const loop = await VoiceLoop.start({
    app,
    stt,
    stop: () => {
      stops++;
      return app.session.stop();
    },
    ...(routed
      ? {
          say: (text: string) => {
            said.push(text);
            return app.session.say(text);
          },
        }
      : {}),
    ...extra,
  });
  cleanup.push(() => loop.close());
  const events: VoiceEvent[] = [];
  loop.subscribe((e) => events.push(e));
  const stream = stt.streams[0];
  return {
    app,
    loop,
    stream,
    events,
    said,
    moves: () => moves,
    stops: () => stops,
    async hear(t) {
      stream.stage(t);
      const [r] = await loop.flush();
      return r;
    },
  };
}

const questions = (events: VoiceEvent[]) =>
  events.filter((e) => e.type === 'question').map((e) => (e.type === 'question' ? e.question : null));

describe('"Did you say …?" for words the recognizer is unsure of', () => {
  it('asks instead of "say again"; a spoken yes plans the words (a preview, nothing moves)', async () => {
    const r = await rig();
    const q0 = [...r.app.backend.jointState().position];
    const asked = await r.hear(heard('pick up the candy', { accepted: false, reason: 'unsure', confidence: 0.42 }));
    expect(asked.turn).toMatchObject({ kind: 'question', reply: didYouSay('pick up the candy'), executed: false });
    expect(asked.turn.reply).toBe('Did you say “pick up the candy”?');
    expect(r.loop.question).toMatchObject({ text: 'pick up the candy' });
    expect(questions(r.events)).toEqual([expect.objectContaining({ text: 'pick up the candy' })]);
    // The unsure words reached nobody: no plan yet.
    expect(r.app.session.pending).toBeNull();

    const yes = await r.hear(heard('yes'));
    expect(yes.turn).toMatchObject({ utterance: 'pick up the candy', kind: 'plan', executed: false });
    expect(r.app.session.pending?.plan).toEqual([{ skill: 'pickup', args: { object: 'CANDY' } }]);
    expect(r.loop.question).toBeNull();
    expect(questions(r.events).at(-1)).toBeNull();
    // The preview still waits for its own confirmation.
    expect(r.moves()).toBe(0);
    expect(r.app.backend.jointState().position).toEqual(q0);
  });

  it('"no" asks to say it again and plans nothing', async () => {
    const r = await rig();
    await r.hear(heard('pick up the candy', { accepted: false, reason: 'unsure' }));
    const no = await r.hear(heard('no'));
    expect(no.turn).toMatchObject({ kind: 'question', reply: SAY_IT_AGAIN });
    expect(r.loop.question).toBeNull();
    expect(r.app.session.pending).toBeNull();
    // A yes after the no is not an answer any more: nothing to confirm, nothing planned.
    await r.hear(heard('yes'));
    expect(r.app.session.pending).toBeNull();
  });

  it('anything else is a new utterance: the question is dropped', async () => {
    const r = await rig({}, true);
    await r.hear(heard('pick up the candy', { accepted: false, reason: 'unsure' }));
    const next = await r.hear(heard('go home'));
    expect(r.said).toEqual(['go home']);
    expect(next.turn.utterance).toBe('go home');
    expect(r.loop.question).toBeNull();
    expect(questions(r.events).at(-1)).toBeNull();
  });

  it('a yes or no it is not sure of asks again and keeps the question', async () => {
    const r = await rig({}, true);
    await r.hear(heard('pick up the candy', { accepted: false, reason: 'unsure' }));
    const unsureYes = await r.hear(heard('yes', { accepted: false, reason: 'low_confidence', confidence: 0.3 }));
    expect(unsureYes.turn.reply).toBe(YES_OR_NO);
    expect(r.loop.question?.text).toBe('pick up the candy');
    expect(r.said).toEqual([]);
    await r.hear(heard('yeah'));
    expect(r.said).toEqual(['pick up the candy']);
  });

  it('expires: a yes after the wait plans nothing', async () => {
    const r = await rig({ questionTtlMs: 60 }, true);
    await r.hear(heard('pick up the candy', { accepted: false, reason: 'unsure' }));
    await new Promise((ok) => setTimeout(ok, 150));
    expect(r.loop.question).toBeNull();
    expect(questions(r.events)).toEqual([expect.objectContaining({ text: 'pick up the candy' }), null]);
    await r.hear(heard('yes'));
    expect(r.said).toEqual(['yes']); // a plain "yes" to the session, not the old words
    expect(r.app.session.pending).toBeNull();
  });

  it('a click answers it: yes plans the words, no asks again, a stale id does nothing', async () => {
    const r = await rig({}, true);
    await r.hear(heard('put it in the bag', { accepted: false, reason: 'unsure' }));
    const id = r.loop.question!.id;
    expect(r.loop.answer('q999', true)).toBeNull();
    expect(r.said).toEqual([]);
    const res = await r.loop.answer(id, true)!;
    expect(r.said).toEqual(['put it in the bag']);
    expect(res.turn.utterance).toBe('put it in the bag');
    expect(r.events.find((e) => e.type === 'turn' && e.via === 'click')).toBeDefined();
    expect(r.loop.answer(id, true)).toBeNull(); // answered once
    await r.hear(heard('go to the bag', { accepted: false, reason: 'unsure' }));
    const no = await r.loop.answer(r.loop.question!.id, false)!;
    expect(no.turn.reply).toBe(SAY_IT_AGAIN);
    expect(r.said).toEqual(['put it in the bag']);
  });

  it('an unsure stop word stops; low-confidence words (a stop word too) still get "say again"', async () => {
    const r = await rig({}, true);
    const stop = await r.hear(heard('stop it', { accepted: false, reason: 'unsure', confidence: 0.45 }));
    expect(stop.stopped).toBe(true);
    expect(r.stops()).toBe(1);
    // Out-of-domain speech forced into the grammar comes out as "wait": not vouched for, no stop.
    const wait = await r.hear(heard('wait', { accepted: false, reason: 'low_confidence', confidence: 0.2 }));
    expect(wait).toMatchObject({ stopped: false, turn: { reply: SAY_AGAIN } });
    const low = await r.hear(heard('pick up the candy', { accepted: false, reason: 'low_confidence', confidence: 0.1 }));
    expect(low.turn.reply).toBe(SAY_AGAIN);
    expect(r.loop.question).toBeNull();
    expect(r.stops()).toBe(1);
    expect(r.said).toEqual([]);
  });
});

describe('stop words from the keyword spotter', () => {
  it('stops at once and the final of the same utterance ("drop it" for "stop it") plans nothing', async () => {
    const r = await rig({}, true);
    await r.hear(heard('pick up the candy'));
    expect(r.app.session.pending).not.toBeNull();
    r.stream.emit({ type: 'stop_word', word: 'stop', confidence: 0.9, at: 1.1 });
    // Called synchronously with the event: no queue, no planner.
    expect(r.stops()).toBe(1);
    expect(r.events.find((e) => e.type === 'stop')).toMatchObject({ spotted: true, transcript: { text: 'stop' } });
    const drop = await r.hear(heard('drop it', { start: 0.8, end: 1.4 }));
    expect(drop).toMatchObject({ stopped: true });
    expect(r.said).toEqual(['pick up the candy']);
    expect(r.events.find((e) => e.type === 'final' && e.transcript.text === 'drop it')).toMatchObject({ stop: true });
    // The stop ended the preview; the arm never moved.
    expect(r.app.session.pending).toBeNull();
    expect(r.moves()).toBe(0);
  });

  it('a final whose span ends up to 0.5 s before the spot is the same utterance; a later one is new', async () => {
    const r = await rig({}, true);
    r.stream.emit({ type: 'stop_word', word: 'halt', confidence: 0.8, at: 2.4 });
    expect((await r.hear(heard('go home', { start: 1.5, end: 2.0 }))).stopped).toBe(true);
    expect(r.said).toEqual([]);
    const later = await r.hear(heard('go home', { start: 3.5, end: 4.0 }));
    expect(later.stopped).toBe(false);
    expect(r.said).toEqual(['go home']);
  });

  it('a final that came before the spot and still waits in the queue is dropped too', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((ok) => (release = ok));
    const said: string[] = [];
    const r = await rig({
      say: async (text) => {
        said.push(text);
        if (text === 'go home') await gate; // a slow first command keeps the queue busy
        return { utterance: text, kind: 'plan', reply: 'ok', plan: [], executed: false, outcome: 'not_run' };
      },
    });
    r.stream.emit({ type: 'final', transcript: heard('go home', { start: 0.2, end: 0.6 }) });
    r.stream.emit({ type: 'final', transcript: heard('release', { start: 1.0, end: 1.4 }) });
    r.stream.emit({ type: 'stop_word', word: 'stop', confidence: 0.9, at: 1.5 });
    release();
    await r.loop.idle();
    expect(said).toEqual(['go home']);
    expect(r.stops()).toBe(1);
  });

  it('a spoken stop word inside a final stops too, and drops a pending question', async () => {
    const r = await rig({}, true);
    await r.hear(heard('pick up the candy', { accepted: false, reason: 'unsure' }));
    const s = await r.hear(heard('please stop'));
    expect(s).toMatchObject({ stopped: true, turn: { reply: 'Stopping.' } });
    expect(r.loop.question).toBeNull();
    await r.hear(heard('yes'));
    expect(r.said).toEqual(['yes']);
    expect(r.app.session.pending).toBeNull();
  });
});

describe('a spoken "yes" confirms only a preview it surely heard', () => {
  it(`a "yes" below ${YES_MIN_CONFIDENCE} (or unsure) is asked again and never runs; a sure one runs`, async () => {
    const r = await rig();
    const q0 = [...r.app.backend.jointState().position];
    await r.hear(heard('go to the bag'));
    expect(r.app.session.pending).not.toBeNull();
    const weak = await r.hear(heard('yes', { confidence: YES_MIN_CONFIDENCE - 0.1 }));
    expect(weak.turn).toMatchObject({ reply: SAY_YES_AGAIN, executed: false });
    const unsure = await r.hear(heard('yeah', { accepted: false, reason: 'unsure', confidence: 0.45 }));
    expect(unsure.turn.reply).toBe(SAY_YES_AGAIN); // not "Did you say 'yeah'?"
    expect(r.app.session.pending).not.toBeNull();
    expect(r.moves()).toBe(0);
    expect(r.app.backend.jointState().position).toEqual(q0);
    const sure = await r.hear(heard('yes', { confidence: 0.93 }));
    expect(sure.turn).toMatchObject({ executed: true, outcome: 'succeeded' });
    expect(r.moves()).toBeGreaterThan(0);
  });

  it('a "yes" said before the preview appeared (queued behind its planning) does not confirm it', async () => {
    const r = await rig();
    // Hands-free: both finals arrive while "go to the bag" is still being planned.
    r.stream.emit({ type: 'final', transcript: heard('go to the bag', { start: 0.3, end: 1.2 }) });
    r.stream.emit({ type: 'final', transcript: heard('yes', { start: 1.6, end: 1.9, confidence: 0.97 }) });
    await r.loop.idle();
    const turns = r.events.flatMap((e) => (e.type === 'turn' ? [e.turn] : []));
    expect(turns.map((t) => t.utterance)).toEqual(['go to the bag', 'yes']);
    expect(turns[1]).toMatchObject({ executed: false });
    expect(turns[1].reply).toMatch(/no longer shown/);
    expect(r.app.session.pending).not.toBeNull();
    expect(r.moves()).toBe(0);
  });

  it('with the console routing (say + shownPreview) the yes names the preview on screen when it was heard', async () => {
    let shown: string | null = null;
    const got: { text: string; previewId?: string | null }[] = [];
    const r = await rig({
      shownPreview: () => shown,
      say: (text, h) => {
        got.push({ text, previewId: h.previewId });
        return Promise.resolve({ utterance: text, kind: 'plan', reply: 'ok', plan: [], executed: false, outcome: 'not_run' });
      },
    });
    await r.hear(heard('go to the bag'));
    shown = 'p7';
    await r.hear(heard('yes'));
    shown = 'p8';
    await r.hear(heard('yes', { confidence: 0.5 })); // not sure enough: never reaches say
    expect(got).toEqual([
      { text: 'go to the bag', previewId: null },
      { text: 'yes', previewId: 'p7' },
    ]);
  });
});
