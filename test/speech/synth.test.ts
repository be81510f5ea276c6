/**
 * The evaluation's voices and listening conditions: the held-out speakers at three rates, flite
 * as well as espeak-ng, and half a second of exact digital silence before the speech.
 */
import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE, samples } from '../../speech/pcm.js';
import { findOnPath } from '../../speech/proc.js';
import {
  CONDITIONS,
  ESPEAK_WPM,
  FLITE_STRETCH,
  HELD_OUT_SPEAKERS,
  LEAD_SILENCE_S,
  speak,
  speakerName,
  voiceAt,
  withCondition,
} from '../../speech/synth.js';

describe('held-out voices', () => {
  it('are 18 espeak-ng variants and the 5 flite voices that speak any text, each named once', () => {
    expect(HELD_OUT_SPEAKERS.filter((s) => s.engine === 'espeak-ng')).toHaveLength(18);
    expect(HELD_OUT_SPEAKERS.filter((s) => s.engine === 'flite').map((s) => s.voice)).toEqual(['kal', 'kal16', 'awb', 'rms', 'slt']);
    expect(new Set(HELD_OUT_SPEAKERS.map(speakerName)).size).toBe(HELD_OUT_SPEAKERS.length);
  });
  it('map a rate tier to espeak-ng words per minute or flite duration stretch', () => {
    expect(voiceAt({ engine: 'espeak-ng', voice: 'en-gb+f2' }, 'slow')).toEqual({
      id: 'en-gb+f2@slow',
      voice: 'en-gb+f2',
      rate: ESPEAK_WPM.slow,
    });
    expect(voiceAt({ engine: 'flite', voice: 'slt' }, 'fast')).toEqual({
      id: 'flite:slt@fast',
      engine: 'flite',
      voice: 'slt',
      stretch: FLITE_STRETCH.fast,
    });
    expect(ESPEAK_WPM.slow).toBeLessThan(ESPEAK_WPM.fast);
    expect(FLITE_STRETCH.slow).toBeGreaterThan(FLITE_STRETCH.fast);
  });
});

describe('speech and conditions', () => {
  const haveSox = !!findOnPath('sox') && !!findOnPath('espeak-ng');
  it.skipIf(!haveSox)('lead: half a second of exact zeros, then the speech in noise', async () => {
    const bare = await speak('stop', voiceAt(HELD_OUT_SPEAKERS[0], 'default'));
    const lead = await withCondition(bare, 'lead', 7);
    const s = samples(lead.pcm);
    const n = LEAD_SILENCE_S * SAMPLE_RATE;
    expect(s.subarray(0, n).every((x) => x === 0)).toBe(true);
    expect(s.subarray(n, n + 160).some((x) => x !== 0)).toBe(true);
    expect(lead.speechStart).toBeCloseTo(LEAD_SILENCE_S, 5);
    expect(lead.speechEnd - lead.speechStart).toBeCloseTo(bare.length / 2 / SAMPLE_RATE, 5);
    // The other conditions pad the same speech alike and differ only in noise.
    const rms = async (c: (typeof CONDITIONS)[number]) => {
      const x = samples((await withCondition(bare, c, 7)).pcm).subarray(0, 0.25 * SAMPLE_RATE);
      return Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    };
    const [clean, snr20, snr10] = [await rms('clean'), await rms('snr20'), await rms('snr10')];
    expect(clean).toBeLessThan(snr20);
    expect(snr20).toBeLessThan(snr10);
  });

  it.skipIf(!findOnPath('flite') || !findOnPath('sox'))('flite speaks at 16 kHz, slower with a larger stretch', async () => {
    const slow = await speak('pick up the candy', voiceAt({ engine: 'flite', voice: 'kal' }, 'slow'));
    const fast = await speak('pick up the candy', voiceAt({ engine: 'flite', voice: 'kal' }, 'fast'));
    expect(slow.length / 2 / SAMPLE_RATE).toBeGreaterThan(0.5);
    expect(slow.length).toBeGreaterThan(fast.length * 1.2);
  });
});
