/**
 * The console's voice channel without a browser: a WebSocket client plays the console's
 * microphone (16 kHz s16 binary frames, as the AudioWorklet sends them) through the real
 * pocketsphinx recognizer and espeak-ng replies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimApp } from '../../session/app.js';
import { speakable, VoiceChannels } from '../../server/voice.js';
import { PocketsphinxStt } from '../../speech/pocketsphinx.js';
import { parseWav, pinkNoise } from '../../speech/pcm.js';
import { spoken } from '../speech/fixtures.js';
import { openTestServer, type TestClient, type TestServer } from './ws-client.js';

/** Stream PCM like a microphone: 20 ms frames (sent as fast as the socket takes them). */
function stream(c: TestClient, pcm: Buffer): void {
  for (let i = 0; i < pcm.length; i += 640) c.ws.send(pcm.subarray(i, Math.min(pcm.length, i + 640)));
}

describe('console voice channel (pocketsphinx, espeak-ng)', () => {
  let app: SimApp;
  let dataDir: string;
  let c: TestClient;

  let t: TestServer;
  beforeAll(async () => {
    t = await openTestServer({ server: { voice: { playSlackMs: 500 } } });
    ({ app, dataDir, c } = t);
    // Like a console: play each spoken reply (here: at once) and say so, which unmutes recognition.
    c.ws.on('message', (d, binary) => {
      if (binary) return;
      // ws's default binaryType ('nodebuffer') delivers every message as one Buffer
      const m = JSON.parse((d as Buffer).toString()) as { type: string; id?: string };
      if (m.type === 'speech') setTimeout(() => c.send({ type: 'speech_played', id: m.id }), 100);
    });
  }, 60_000);

  afterAll(() => t?.close());

  it('says on connect that the microphone is off, and refuses audio before voice_open', async () => {
    const s = await c.next('voice_state');
    expect(s.voice).toMatchObject({ state: 'off', mode: null, backend: 'pocketsphinx', speak: true, ttsAvailable: true });
    const from = c.mark();
    c.ws.send(Buffer.alloc(640));
    const err = await c.next('error', (m) => m.re === 'audio', 5000, from);
    expect(err.message).toMatch(/voice_open/);
  });

  it('push-to-talk: audio → transcript → the plan is previewed, the reply is spoken, nothing moves', async () => {
    const q0 = [...app.backend.jointState().position];
    let from = c.mark();
    c.send({ type: 'voice_open', mode: 'ptt', sampleRate: 16000 });
    await c.next('voice_state', (m) => m.voice.state === 'listening', 30_000, from);
    from = c.mark();
    stream(c, await spoken('pick up the candy'));
    c.send({ type: 'voice_end' });
    const final = await c.next('voice_final', () => true, 20_000, from);
    expect(final).toMatchObject({ text: 'pick up the candy', accepted: true, stop: false });
    const user = await c.next('dialogue', (m) => m.entry.role === 'user', 20_000, from);
    expect(user.entry).toMatchObject({ text: 'pick up the candy', kind: 'voice' });
    const preview = await c.next('preview', () => true, 20_000, from);
    expect(preview.preview.planText).toBe('pickup(CANDY)');
    // The reply comes back as speech; recognition is muted until the console has played it.
    const speech = await c.next('speech', () => true, 20_000, from);
    const wav = parseWav(Buffer.from(speech.wav, 'base64'));
    expect(wav.data.length).toBeGreaterThan(wav.sampleRate * 0.3);
    expect(speech.duration).toBeGreaterThan(0.3);
    const muted = await c.next('voice_state', (m) => m.voice.muted, 5000, from);
    await c.next('voice_state', (m) => !m.voice.muted, 5000, c.messages.indexOf(muted));
    expect(app.session.pending).not.toBeNull();
    expect(app.backend.jointState().position).toEqual(q0);
    from = c.mark();
    c.send({ type: 'cancel' });
    await c.next('preview_cleared', () => true, 5000, from);
    // The cancel is answered ("Okay, cancelled.") and spoken: recognition listens again after it.
    expect((await c.next('dialogue', (m) => m.entry.role === 'robot', 5000, from)).entry.text).toBe('Okay, cancelled.');
    const spokenCancel = await c.next('voice_state', (m) => m.voice.muted, 5000, from);
    await c.next('voice_state', (m) => !m.voice.muted, 5000, c.messages.indexOf(spokenCancel));
  }, 60_000);

  it('out-of-domain speech is refused: "say that again", no plan, the arm never moves', async () => {
    const q0 = [...app.backend.jointState().position];
    const from = c.mark();
    stream(c, await spoken('my grandmother bakes excellent bread on sunday mornings'));
    c.send({ type: 'voice_end' });
    const final = await c.next('voice_final', () => true, 20_000, from);
    expect(final.accepted).toBe(false);
    const reply = await c.next('dialogue', (m) => m.entry.role === 'robot', 20_000, from);
    expect(reply.entry).toMatchObject({ text: 'Sorry, say that again?', kind: 'rejected' });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages.slice(from).some((m) => m.type === 'preview')).toBe(false);
    expect(app.session.pending).toBeNull();
    expect(app.backend.jointState().position).toEqual(q0);
  }, 60_000);

  it('partial transcripts come while the operator speaks (streamed in real time), then the final', async () => {
    const pcm = await spoken('pick up the candy and put it in the bag');
    const opened = c.mark();
    c.send({ type: 'voice_open', mode: 'ptt', sampleRate: 16000 });
    await c.next('voice_state', (m) => m.voice.state === 'listening', 30_000, opened);
    const from = c.mark();
    for (let i = 0; i < pcm.length; i += 640) {
      c.ws.send(pcm.subarray(i, Math.min(pcm.length, i + 640)));
      await new Promise((r) => setTimeout(r, 20));
    }
    c.send({ type: 'voice_end' });
    const final = await c.next('voice_final', () => true, 20_000, from);
    expect(final).toMatchObject({ text: 'pick up the candy and put it in the bag', accepted: true });
    const partials = c.messages.slice(from).filter((m): m is Extract<typeof m, { type: 'voice_partial' }> => m.type === 'voice_partial');
    // One every 500 ms at most, one at a time: at least one before the final even on a busy machine.
    expect(partials.length, 'partial transcripts before the final').toBeGreaterThanOrEqual(1);
    // A partial is a rough free-word guess at the words so far (measured on a quiet machine:
    // "fig up", "fig up candy"); only the final is vouched for, and only it reaches the dialogue.
    expect(partials.every((p) => p.text.trim().length > 0)).toBe(true);
    expect(c.messages.indexOf(partials[partials.length - 1])).toBeLessThan(c.messages.indexOf(final));
    const said = c.messages
      .slice(from)
      .filter((m) => m.type === 'dialogue' && m.entry.role === 'user')
      .map((m) => (m as Extract<typeof m, { type: 'dialogue' }>).entry.text);
    expect(said).toEqual([final.text]);
    c.send({ type: 'cancel' });
  }, 60_000);

  it('a flood of audio far beyond real time is cut, the operator is told, and the channel keeps hearing', async () => {
    // 30 s of quiet room tone in one burst: more than the 20 s a console may save up.
    const quiet = pinkNoise(30 * 16000, -65, 7);
    const opened = c.mark();
    c.send({ type: 'voice_open', mode: 'ptt', sampleRate: 16000 });
    await c.next('voice_state', (m) => m.voice.state === 'listening', 30_000, opened);
    const from = c.mark();
    stream(c, quiet);
    const err = await c.next('error', (m) => m.re === 'audio', 10_000, from);
    expect(err.message).toMatch(/faster than real time; some was dropped/);
    // Told once a second, not once per dropped frame.
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages.slice(from).filter((m) => m.type === 'error').length).toBe(1);
    c.send({ type: 'voice_end' });
    // Room tone is no command: nothing reached the dialogue.
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.messages.slice(from).filter((m) => m.type === 'dialogue')).toEqual([]);
    // After the flood the channel still hears (the saved-up allowance refills at 4 s of audio per second).
    await new Promise((r) => setTimeout(r, 2500));
    const again = c.mark();
    stream(c, await spoken('go home'));
    c.send({ type: 'voice_end' });
    expect(await c.next('voice_final', () => true, 20_000, again)).toMatchObject({ text: 'go home', accepted: true });
    await c.next('preview', () => true, 20_000, again);
    const cancelled = c.mark();
    c.send({ type: 'cancel' });
    await c.next('preview_cleared', () => true, 5000, cancelled);
    // "Okay, cancelled." is spoken (after the plan's reply): recognition listens again after it.
    const spokenCancel = await c.next('speech', (m) => /cancelled/i.test(m.text), 40_000, again);
    await c.next('voice_state', (m) => !m.voice.muted, 10_000, c.messages.indexOf(spokenCancel));
  }, 60_000);

  it('settings: voices are offered, an unknown voice is refused, speech can be switched off', async () => {
    let from = c.mark();
    c.send({ type: 'voice_settings', voice: 'klingon' });
    expect((await c.next('error', (m) => m.re === 'voice_settings', 5000, from)).message).toMatch(/choose one of .*en-us/);
    from = c.mark();
    c.send({ type: 'voice_settings', speak: false, voice: 'en-us', headphones: true });
    const s = await c.next('voice_state', (m) => !m.voice.speak, 5000, from);
    expect(s.voice).toMatchObject({ headphones: true, voice: 'en-us' });
    expect(s.voice.voices).toContain('en-us');
    from = c.mark();
    c.send({ type: 'say', text: 'what can you do?' });
    await c.next('dialogue', (m) => m.entry.role === 'robot', 20_000, from);
    await new Promise((r) => setTimeout(r, 500));
    expect(c.messages.slice(from).some((m) => m.type === 'speech')).toBe(false);
    c.send({ type: 'voice_settings', speak: true, headphones: false });
  }, 30_000);

  it("the decoder's cepstral mean is kept in the data folder, and the next run starts warm with it", async () => {
    const file = join(dataDir, 'speech', 'cmn.txt');
    expect(existsSync(file)).toBe(true);
    const saved = readFileSync(file, 'utf8').trim();
    expect(saved.split(',').map(Number).every(Number.isFinite)).toBe(true);
    expect(saved.split(',')).toHaveLength(13);
    const second = await openTestServer({ dataDir });
    try {
      second.c.send({ type: 'voice_open', mode: 'ptt', sampleRate: 16000 });
      await second.c.next('voice_state', (m) => m.voice.state === 'listening', 30_000);
      const voice = second.server.hub.extensions.find((e): e is VoiceChannels => e instanceof VoiceChannels)!;
      expect((voice.recognizer as PocketsphinxStt).lastCmn).toBe(saved);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('replies are read out without code punctuation', () => {
    expect(speakable('Done: pickup(CANDY) → goto(GIFT_BAG) → release().')).toBe('Done: pickup candy, then goto gift bag, then release.');
    expect(speakable('I have TOY_CAR now.')).toBe('I have toy car now.');
  });
});
