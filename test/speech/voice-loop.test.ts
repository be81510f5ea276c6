/**
 * Speech through the whole stack (recognizer → planner → session → SafetyGuard → sim), with
 * outcomes read back from the physics: the gift-bag script from recordings (`!say`), teaching
 * by voice (speak-through: every line synthesized and recognized), out-of-domain audio that
 * must not move the arm, "stop" by voice during a motion, and the echo guard.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, worldReport, type SimApp } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';
import { SAY_AGAIN, VoiceLoop, type VoiceEvent } from '../../speech/loop.js';
import { PocketsphinxStt } from '../../speech/pocketsphinx.js';
import { createScriptSpeech } from '../../speech/script-speech.js';
import { EspeakTts } from '../../speech/tts.js';
import { spoken, spokenWav } from './fixtures.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
async function app(options: { pace?: 'fast' | 'realtime' } = {}): Promise<SimApp> {
  const a = await createApp({ seed: 1, ...options });
  cleanup.push(() => a.dispose());
  return a;
}
async function loop(a: SimApp, extra: Partial<Parameters<typeof VoiceLoop.start>[0]> = {}): Promise<VoiceLoop> {
  const stt = new PocketsphinxStt();
  const l = await VoiceLoop.start({ app: a, stt, ...extra });
  cleanup.push(
    () => stt.close(),
    () => l.close(),
  );
  return l;
}

describe('the speech loop in scripts', () => {
  it('runs the gift-bag script from recordings (!say): CANDY ends in GIFT_BAG', async () => {
    const a = await app();
    const dir = mkdtempSync(join(tmpdir(), 'shammie-say-'));
    const script = join(dir, 'giftbag.txt');
    await spokenWav('pick up the candy', join(dir, 'pick.wav'));
    await spokenWav('put it in the bag', join(dir, 'put.wav'));
    const speech = await createScriptSpeech(a, { baseDir: dir });
    cleanup.push(() => speech.close());
    const turns = await runScript(a, parseScript(`!say pick.wav\n!say put.wav\n`, script), { speech });
    expect(turns.map((t) => [t.utterance, t.kind, t.outcome])).toEqual([
      ['pick up the candy', 'plan', 'succeeded'],
      ['put it in the bag', 'plan', 'succeeded'],
    ]);
    expect(worldReport(a).CANDY).toMatchObject({ in: 'GIFT_BAG', held: false });
  });

  it('teaches "pack" by voice and hears "pack the toy car" right after (the grammar follows teaching)', async () => {
    const a = await app();
    const speech = await createScriptSpeech(a, { baseDir: '.', speakThrough: true });
    cleanup.push(() => speech.close());
    const car = a.sim.bodyPosition('TOY_CAR')!;
    const turns = await runScript(
      a,
      parseScript(
        [
          // The object named in the command becomes pack's parameter (issue 14: only named objects are lifted).
          'let me teach you to pack the candy',
          'pick up the candy',
          'put it in the bag',
          "that's it",
          'pick up the toy car',
          `!click ${car[0]} ${car[1]} ${car[2] + 0.01}`,
          'pack the toy car',
        ].join('\n'),
      ),
      { speech },
    );
    expect(turns.map((t) => t.kind)).toEqual(['plan', 'plan', 'plan', 'taught', 'question', 'taught', 'plan']);
    expect(turns[6]).toMatchObject({
      utterance: 'pack the toy car',
      plan: [{ skill: 'pack', args: { obj: 'TOY_CAR' } }],
      outcome: 'succeeded',
    });
    expect(worldReport(a).TOY_CAR.in).toBe('GIFT_BAG');
  });
});

describe('the voice loop', () => {
  it('answers out-of-domain speech with "Sorry, say that again?" and never moves the arm', async () => {
    const a = await app();
    const l = await loop(a);
    let trajectories = 0;
    const exec = a.simBackend.executeTrajectory.bind(a.simBackend);
    a.simBackend.executeTrajectory = (t, o) => {
      trajectories++;
      return exec(t, o);
    };
    const before = [...a.backend.jointState().position];
    // Every turn the loop makes, including one for a final that came after the push-to-talk
    // flush gave up waiting (a loaded machine decodes slower; the operator still gets the reply).
    const turns: Extract<VoiceEvent, { type: 'turn' }>[] = [];
    l.subscribe((e) => void (e.type === 'turn' && turns.push(e)));
    for (const text of ['the weather is nice today', 'call my mother']) {
      const from = turns.length;
      await l.hear(await spoken(text));
      const t0 = performance.now();
      while (turns.length === from && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
      await l.idle();
      expect(turns.length, `a reply to "${text}"`).toBeGreaterThan(from);
      for (const e of turns.slice(from)) expect(e.turn).toMatchObject({ kind: 'rejected', reply: SAY_AGAIN, executed: false });
    }
    expect(a.session.pending).toBeNull();
    expect(trajectories).toBe(0);
    expect(a.backend.jointState().position).toEqual(before);
  });

  it('"stop" by voice halts a running motion at once: the fast path does not queue behind it', async () => {
    const a = await app({ pace: 'realtime' });
    const l = await loop(a);
    // Two moves (3.2 s): longer than the 0.3 s wait plus the 1.5 s the stop may take on a loaded
    // machine, so the stop always lands while the arm is moving.
    const [plan] = await l.hear(await spoken('go to the candy and then go to the bag'));
    expect(plan.turn).toMatchObject({ kind: 'plan', executed: false });
    const planned = a.session.pending!.summary.duration;
    expect(planned).toBeGreaterThan(2.5);
    // Synthesized before the motion starts: on a loaded machine espeak-ng alone can take longer
    // than the motion (what is measured is the loop's stop, not the test's synthesis).
    const stopAudio = await spoken('stop', { tail: 0.3 });
    // "yes" confirms: the loop's queue is now busy running the motion (in real time).
    const confirming = l.hear(await spoken('yes'));
    const tYes = performance.now();
    while (!a.session.executing && performance.now() - tYes < 15_000) await new Promise((r) => setTimeout(r, 5));
    expect(a.session.executing).toBe(true);
    const t0 = performance.now(); // the motion started (within 5 ms)
    await new Promise((r) => setTimeout(r, 300));
    const tStop = performance.now();
    const [stop] = await l.hear(stopAudio);
    const stopMs = performance.now() - tStop;
    expect(stop).toMatchObject({ stopped: true, turn: { utterance: 'stop', reply: 'Stopping.' } });
    const [done] = await confirming;
    const ranFor = (performance.now() - t0) / 1000;
    expect(done.turn).toMatchObject({ executed: true, outcome: 'failed', failure: 'stopped by the operator' });
    expect(ranFor).toBeLessThan(planned); // halted well before the motion would have ended
    expect(stopMs).toBeLessThan(1500);
    // The arm stays where it stopped.
    const q = [...a.backend.jointState().position];
    await new Promise((r) => setTimeout(r, 200));
    a.backend.jointState().position.forEach((v, i) => expect(Math.abs(v - q[i])).toBeLessThan(0.005));
    expect(a.world.held).toBeNull();
  });

  it('speaks its replies and does not hear itself while they play (echo guard)', async () => {
    const a = await app();
    const events: VoiceEvent[] = [];
    let playing = false;
    const play = async () => {
      playing = true;
      await new Promise((r) => setTimeout(r, 400));
      playing = false;
    };
    const l = await loop(a, { tts: new EspeakTts(), play });
    l.subscribe((e) => events.push(e));
    const speaking = l.speak('Okay, here is my plan.');
    while (!playing) await new Promise((r) => setTimeout(r, 5));
    // The robot's own words (or anything else) while it talks are not heard.
    l.write(await spoken('pick up the candy'));
    await speaking;
    expect((await l.flush()).filter((r) => r.turn.kind !== 'rejected')).toEqual([]);
    const reply = events.find((e) => e.type === 'reply');
    expect(reply).toMatchObject({ type: 'reply', text: 'Okay, here is my plan.' });
    expect(reply?.type === 'reply' && reply.speech!.wav.toString('ascii', 0, 4)).toBe('RIFF');
    // Once it has finished, it listens again.
    await new Promise((r) => setTimeout(r, 200));
    const [heard] = await l.hear(await spoken('go home'));
    expect(heard.turn).toMatchObject({ utterance: 'go home', kind: 'plan' });
  });
});
