/**
 * The recognizer's front end: the voice-activity gate keeps long silence away from the decoders
 * (pre-roll, hangover, an adaptive floor, hiss is not speech), and with it a command after half
 * a second of digital silence or room tone is heard and accepted, where the decoders that heard
 * everything rejected it (audio made here with espeak-ng and our own padding).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { comfortNoise, pinkNoise, SAMPLE_RATE } from '../../speech/pcm.js';
import { PocketsphinxStt, SpeechGate } from '../../speech/pocketsphinx.js';
import { loadSpeechSet } from '../../speech/eval/set.js';
import { run } from '../../speech/proc.js';

/** A vowel-like burst: a 180 Hz tone with harmonics at `db` dBFS. */
function voiced(seconds: number, db: number): Buffer {
  const n = Math.round(seconds * SAMPLE_RATE);
  const out = Buffer.alloc(n * 2);
  const a = 32768 * 10 ** (db / 20);
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    const v = a * (0.7 * Math.sin(2 * Math.PI * 180 * t) + 0.3 * Math.sin(2 * Math.PI * 540 * t));
    out.writeInt16LE(Math.round(v), i * 2);
  }
  return out;
}

/** Everything the gate lets through for `pcm` fed in 20 ms chunks: [start, end) stream samples per stretch. */
function gated(pcm: Buffer, gate = new SpeechGate()): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 0; i < pcm.length; i += 640) {
    for (const c of gate.push(pcm.subarray(i, i + 640), i / 2)) {
      const last = spans[spans.length - 1];
      const end = c.at + c.pcm.length / 2;
      if (last && last[1] === c.at) last[1] = end;
      else spans.push([c.at, end]);
    }
  }
  return spans;
}

describe('the voice-activity gate', () => {
  it('passes speech with a pre-roll and a hangover, and nothing of the silence around it', () => {
    const audio = Buffer.concat([pinkNoise(SAMPLE_RATE, -60, 1), voiced(0.6, -20), pinkNoise(2 * SAMPLE_RATE, -60, 2)]);
    const spans = gated(audio);
    expect(spans).toHaveLength(1);
    const [from, to] = spans[0];
    // Opens within the pre-roll (250 ms + the 30 ms it takes to decide) before the onset at 1 s.
    expect(from).toBeGreaterThanOrEqual(SAMPLE_RATE - 0.3 * SAMPLE_RATE);
    expect(from).toBeLessThan(SAMPLE_RATE - 0.2 * SAMPLE_RATE);
    // Keeps the hangover (600 ms) after the burst ends at 1.6 s, then closes.
    expect(to).toBeGreaterThanOrEqual(1.6 * SAMPLE_RATE + 0.55 * SAMPLE_RATE);
    expect(to).toBeLessThan(1.6 * SAMPLE_RATE + 0.7 * SAMPLE_RATE);
  });

  it('learns a loud room within its first second: then only a voice over it opens the gate', () => {
    const audio = Buffer.concat([pinkNoise(3 * SAMPLE_RATE, -40, 3), voiced(0.5, -15), pinkNoise(1.5 * SAMPLE_RATE, -40, 4)]);
    const spans = gated(audio);
    // A stream may open mid-word, so the first half second is let through; then the floor is the room's.
    expect(spans.filter(([, to]) => to > 1.4 * SAMPLE_RATE && to < 3 * SAMPLE_RATE)).toEqual([]);
    const voice = spans[spans.length - 1];
    expect(voice[0]).toBeGreaterThan(2.7 * SAMPLE_RATE);
    expect(voice[0]).toBeLessThan(3 * SAMPLE_RATE);
  });

  it('a step up to steady hiss (a dead line turning into dither) does not open it', () => {
    const audio = Buffer.concat([pinkNoise(0.3 * SAMPLE_RATE, -82, 5), comfortNoise(SAMPLE_RATE, 6, 10)]);
    expect(gated(audio)).toEqual([]);
  });

  it('a stream that opens mid-word is still heard', () => {
    const spans = gated(Buffer.concat([voiced(0.4, -20), pinkNoise(SAMPLE_RATE, -60, 7)]));
    expect(spans.length).toBeGreaterThan(0);
    expect(spans[0][0]).toBe(0);
  });
});

describe('leading silence before a command', () => {
  const set = loadSpeechSet();
  const withGate = new PocketsphinxStt();
  const without = new PocketsphinxStt({ vad: false });
  afterAll(async () => {
    await withGate.close();
    await without.close();
  });

  /** espeak-ng en-us at 175 wpm (its default), 16 kHz mono s16le, no padding of its own. */
  async function espeak(text: string): Promise<Buffer> {
    const r = await run('sh', [
      '-c',
      'espeak-ng -v en-us --stdout "$0" | sox -t wav - -t raw -r 16000 -c 1 -b 16 -e signed-integer -L -',
      text,
    ]);
    expect(r.code).toBe(0);
    return r.stdout;
  }

  it('"pick up the candy" after 0.5 s of digital silence: rejected by decoders that hear it all, accepted through the gate', async () => {
    await withGate.setVocabulary(set.vocabulary('giftbag'));
    await without.setVocabulary(set.vocabulary('giftbag'));
    const speech = await espeak('pick up the candy');
    const padded = Buffer.concat([Buffer.alloc(SAMPLE_RATE), speech]); // 0.5 s of zeros (2 bytes a sample)
    const old = await without.transcribe(padded);
    expect(old.map((t) => [t.text, t.accepted])).toEqual([['pick up the candy', false]]);
    const now = await withGate.transcribe(padded);
    expect(now.map((t) => [t.text, t.accepted])).toEqual([['pick up the candy', true]]);
  });

  it('and after 0.5 s of room tone', async () => {
    await withGate.setVocabulary(set.vocabulary('giftbag'));
    const speech = await espeak('pick up the candy');
    const now = await withGate.transcribe(Buffer.concat([pinkNoise(SAMPLE_RATE / 2, -50, 5), speech]));
    expect(now.map((t) => [t.text, t.accepted])).toEqual([['pick up the candy', true]]);
  });
});
