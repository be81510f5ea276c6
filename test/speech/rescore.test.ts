/**
 * The new-verb prior (speech/pocketsphinx-rescore.ts): a new verb must explain the audio clearly
 * better than the best known reading, or the known reading stands.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PocketsphinxStt, type DecodedUtterance } from '../../speech/pocketsphinx.js';
import { HARM_VERB_PRIOR, NEW_VERB_ASK, NEW_VERB_PRIOR, preferKnown } from '../../speech/pocketsphinx-rescore.js';
import { loadSpeechSet } from '../../speech/eval/set.js';
import type { Transcript } from '../../speech/types.js';
import { EVAL_VOICES, speak, withCondition } from '../../speech/synth.js';

/** A decode of `words` over 50 frames of speech with path score `score`. */
function decoded(words: string, score: number): DecodedUtterance {
  const ws = words.split(' ');
  return {
    frames: 70,
    hyp: words,
    score,
    nonFinal: false,
    words: ws.map((word, i) => ({
      word,
      start: 10 + i * Math.floor(50 / ws.length),
      end: 9 + (i + 1) * Math.floor(50 / ws.length),
      ascr: 0,
      lscr: 0,
    })),
  };
}

const heard: Transcript = { text: 'press', accepted: true, confidence: 0.9, score: -6, backend: 'pocketsphinx' };
const stt = new PocketsphinxStt();
afterAll(() => stt.close());

describe('the new-verb prior', () => {
  it('keeps the known reading when the new verb wins by less than the prior (the measured confusions lost by up to 4.7 per frame)', () => {
    const t = preferKnown(heard, decoded('press', -2382), decoded('grasp', -2382 - 4.7 * 50), stt);
    // Its score pays the margin it lost by; the evidence was split, so it is asked about, not taken.
    expect(t).toMatchObject({ text: 'grasp', alternatives: ['press'], accepted: false, reason: 'unsure' });
    expect(t.score).toBeCloseTo(-6 - 4.7, 5);
    // A new verb that barely won is no doubt about the known reading.
    expect(preferKnown(heard, decoded('press', -2382), decoded('grasp', -2382 - (NEW_VERB_ASK - 0.5) * 50), stt)).toMatchObject({
      text: 'grasp',
      accepted: true,
    });
  });

  it('a harmful verb needs no margin: "crush the candy" stands over "approach the candy" when it explains the audio as well', () => {
    const t = preferKnown(
      { ...heard, text: 'crush the candy' },
      decoded('crush the candy', -4000),
      decoded('approach the candy', -4000 - 0.2 * 50),
      stt,
      HARM_VERB_PRIOR,
    );
    expect(t).toMatchObject({ text: 'crush the candy', alternatives: ['approach the candy'] });
  });

  it('lets a new verb stand when it wins by the prior or more ("Teach me?")', () => {
    const t = preferKnown(
      { ...heard, text: 'pack the candy' },
      decoded('pack the candy', -4000),
      decoded('pick the candy up', -4000 - (NEW_VERB_PRIOR + 1) * 50),
      stt,
    );
    expect(t).toMatchObject({ text: 'pack the candy', alternatives: ['pick the candy up'] });
  });

  it('a stop the known grammar hears always wins over a new verb', () => {
    const t = preferKnown({ ...heard, text: 'fall it' }, decoded('fall it', -2368), decoded('halt', -2368 - 20 * 50), stt);
    expect(t).toMatchObject({ text: 'halt', accepted: true });
  });

  it('espeak-ng\'s "grasp" (en-us, 175 wpm, 20 dB) is heard as grasp, not as the new verb "press"', async () => {
    await stt.setVocabulary(loadSpeechSet().vocabulary('giftbag'));
    const clip = await withCondition(await speak('grasp', EVAL_VOICES[0]), 'snr20', 3);
    const s = stt.stream();
    try {
      s.write(clip.pcm);
      const [t] = await s.flush();
      // Not the new verb; the split evidence makes it a "Did you say 'grasp'?".
      expect(t).toMatchObject({ text: 'grasp', alternatives: ['press'] });
      expect(t.accepted || t.reason === 'unsure').toBe(true);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('"crush the candy" spoken (both development voices, 20 dB) is heard as said, where it was forced onto "approach the candy"', async () => {
    await stt.setVocabulary(loadSpeechSet().vocabulary('giftbag'));
    expect(stt.files?.harmVerbs.has('crush')).toBe(true);
    for (const v of [0, 1]) {
      const clip = await withCondition(await speak('crush the candy', EVAL_VOICES[v]), 'snr20', 5);
      const s = stt.stream();
      try {
        s.write(clip.pcm);
        const [t] = await s.flush();
        expect(t.text).toBe('crush the candy');
      } finally {
        await s.close();
      }
    }
  }, 60_000);

  it('re-checks a new verb even when the audio ran more than a minute ahead of the decoders (a file, the eval), and keeps the order', async () => {
    await stt.setVocabulary(loadSpeechSet().vocabulary('giftbag'));
    const pack = await withCondition(await speak('pack the candy', EVAL_VOICES[0]), 'snr20', 3);
    const other = await withCondition(await speak('pick up the candy and put it in the bag', EVAL_VOICES[1]), 'snr20', 4);
    const s = stt.stream();
    const finals: Transcript[] = [];
    try {
      // One utterance first, so the decoders start warm (a cold first utterance is heard twice).
      s.write(other.pcm);
      await s.flush();
      s.subscribe((e) => {
        if (e.type === 'final') finals.push(e.transcript);
      });
      // Then about 75 s of audio at once, far faster than the decoders take it.
      s.write(pack.pcm);
      for (let i = 0; i < 20; i++) s.write(other.pcm);
      await s.flush();
      await s.finish();
      // (A late final of the warm-up utterance, on a loaded machine, is not one of these.)
      const warmUp = other.pcm.length / 2 / 16000;
      const burst = finals.filter((t) => t.start! >= warmUp);
      expect(burst.length).toBe(21);
      finals.splice(0, finals.length, ...burst);
      // The new verb was re-checked against the known commands (it won: "Teach me?" follows) ...
      expect(finals[0].text).toBe('pack the candy');
      expect(finals[0].alternatives?.length).toBeGreaterThan(0);
      // ... and came out first, before the 20 said after it.
      for (let i = 1; i < finals.length; i++) expect(finals[i].start!).toBeGreaterThan(finals[i - 1].start!);
    } finally {
      await s.close();
    }
  }, 120_000);
});
