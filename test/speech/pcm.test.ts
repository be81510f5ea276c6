/** The PCM plumbing: WAV in/out, the browser-rate resampler, room-tone padding, the endpointer. */
import { describe, expect, it } from 'vitest';
import { EnergyEndpointer } from '../../speech/batch.js';
import { encodeWav, noiseFloorDb, parseWav, PcmResampler, pinkNoise, rmsDb, samples } from '../../speech/pcm.js';

describe('PCM', () => {
  it('writes and reads 16 kHz mono s16 WAV, and reads WAVE_FORMAT_EXTENSIBLE and streaming sizes', () => {
    const pcm = Buffer.alloc(3200);
    for (let i = 0; i < 1600; i++) pcm.writeInt16LE(Math.round(Math.sin(i / 5) * 1000), i * 2);
    const wav = encodeWav(pcm);
    expect(parseWav(wav)).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 1 });
    expect(parseWav(wav).data.equals(pcm)).toBe(true);
    const streaming = Buffer.from(wav);
    streaming.writeUInt32LE(0x7fffffff, 40); // espeak-ng --stdout
    expect(parseWav(streaming).data.length).toBe(pcm.length);
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(/not a WAV file/);
  });

  it('resamples a 48 kHz (or 44.1 kHz) float stream to 16 kHz s16, low-passed, chunk by chunk', () => {
    for (const rate of [48000, 44100]) {
      const r = new PcmResampler(rate);
      const chunks: Buffer[] = [];
      for (let c = 0; c < 50; c++) {
        const x = new Float32Array(rate / 50);
        for (let i = 0; i < x.length; i++) {
          const t = (c * x.length + i) / rate;
          x[i] = 0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.3 * Math.sin(2 * Math.PI * 12000 * t); // 12 kHz cannot exist at 16 kHz
        }
        chunks.push(r.push(x));
      }
      const out = samples(Buffer.concat(chunks));
      expect(Math.abs(out.length - 16000)).toBeLessThan(30);
      expect(rmsDb(out)).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 0); // the tone, without the 12 kHz
    }
  });

  it("makes room tone at a recording's noise floor", () => {
    const tone = pinkNoise(16000, -50, 1);
    expect(rmsDb(samples(tone))).toBeCloseTo(-50, 0);
    expect(noiseFloorDb(tone)).toBeLessThan(-50);
    expect(noiseFloorDb(tone)).toBeGreaterThan(-60);
  });

  it('endpoints speech in a noisy stream', () => {
    const v = new EnergyEndpointer(250);
    const events: [string, number][] = [];
    const noise = samples(pinkNoise(16000 * 3, -50, 2));
    const s = Int16Array.from(noise);
    for (let i = 16000; i < 16000 + 8000; i++) s[i] += Math.round(Math.sin(i / 3) * 6000); // 0.5 s "speech" at 1 s
    for (let f = 0; f + 160 <= s.length; f += 160) {
      const e = v.frame(s.subarray(f, f + 160));
      if (e) events.push([e, f / 16000]);
    }
    expect(events.map((e) => e[0])).toEqual(['start', 'end']);
    expect(events[0][1]).toBeGreaterThan(1);
    expect(events[0][1]).toBeLessThan(1.2);
    expect(events[1][1]).toBeGreaterThan(1.5);
    expect(events[1][1]).toBeLessThan(2);
  });
});
