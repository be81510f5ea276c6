/**
 * The safety keyword spotter: its keyphrase list, its log parser, and on real processes a stop
 * heard as a `stop_word` event beside the command decoders, with "stop it" never becoming the
 * command "drop it" (release()).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pinkNoise, SAMPLE_RATE } from '../../speech/pcm.js';
import { KeywordLogParser, mergeHits, type KeywordHit } from '../../speech/pocketsphinx-decoder.js';
import { kwsList, PocketsphinxStt, STOP_PHRASES } from '../../speech/pocketsphinx.js';
import { loadSpeechSet } from '../../speech/eval/set.js';
import { run } from '../../speech/proc.js';
import type { SttEvent } from '../../speech/types.js';
import { isStopUtterance } from '../../planner/rule-planner.js';

describe('the keyphrase list', () => {
  it('lists every stop phrase with its own threshold, and every one is a stop to the planner', () => {
    const text = kwsList();
    expect(text.trim().split('\n')).toHaveLength(STOP_PHRASES.length);
    expect(text).toMatch(/^stop \/1e-\d+\/$/m);
    expect(text).toMatch(/^hold on \/1e-\d+\/$/m);
    for (const p of STOP_PHRASES) expect(isStopUtterance(p.phrase), p.phrase).toBe(true);
  });

  it('refuses a malformed phrase with a clear error', () => {
    expect(() => kwsList([{ phrase: 'Stop!', exponent: 10 }])).toThrow(/lower-case words/);
    expect(() => kwsList([])).toThrow();
  });
});

describe('the spotter log parser', () => {
  it('reads the detections of each utterance and merges overlapping phrases into the longest', () => {
    const got: KeywordHit[][] = [];
    const p = new KeywordLogParser((h) => got.push(h));
    const log = [
      'INFO: kws_search.c(655): kws 0.09 CPU 0.032 xRT',
      'INFO: pocketsphinx.c(1168): stop it  stop  stop  (0)',
      'word                 start end   pprob ascr       lscr       lback',
      'stop it              539   579   0.873 -4381      0          0  ',
      'stop                 539   565   0.864 -4046      0          0  ',
      'stop                 434   448   0.833 -1492      0          0  ',
      'stop it  stop  stop ',
    ];
    for (const l of log) p.line(l);
    expect(got).toEqual([
      [
        { word: 'stop', start: 434, end: 448, pprob: 0.833 },
        { word: 'stop it', start: 539, end: 579, pprob: 0.873 },
      ],
    ]);
    expect(mergeHits([])).toEqual([]);
  });
});

describe('the spotter on real audio', () => {
  const set = loadSpeechSet();
  const stt = new PocketsphinxStt();
  afterAll(() => stt.close());

  async function espeak(text: string, voice = 'en-us'): Promise<Buffer> {
    const r = await run('sh', [
      '-c',
      'espeak-ng -v "$1" -s 150 --stdout "$0" | sox -t wav - -t raw -r 16000 -c 1 -b 16 -e signed-integer -L -',
      text,
      voice,
    ]);
    expect(r.code).toBe(0);
    return r.stdout;
  }

  /** A live stream: room tone, the words, room tone; the events and the finals. */
  async function hear(text: string, voice?: string): Promise<{ events: SttEvent[]; finals: string[] }> {
    const s = stt.stream();
    const events: SttEvent[] = [];
    s.subscribe((e) => events.push(e));
    const audio = Buffer.concat([pinkNoise(SAMPLE_RATE / 2, -55, 1), await espeak(text, voice), pinkNoise(SAMPLE_RATE, -55, 2)]);
    for (let i = 0; i < audio.length; i += 640) s.write(audio.subarray(i, i + 640));
    const finals = (await s.flush()).filter((t) => t.text).map((t) => `${t.text}${t.accepted ? '' : ` (${t.reason})`}`);
    await s.close();
    return { events, finals };
  }

  it('fires on "stop it" and the utterance is that stop, never "drop it"', async () => {
    await stt.setVocabulary(set.vocabulary('giftbag'));
    for (const voice of ['en-us', 'en-us+f2']) {
      const { events, finals } = await hear('stop it', voice);
      const stops = events.filter((e) => e.type === 'stop_word');
      expect(stops.length, `${voice}: ${JSON.stringify(events)}`).toBeGreaterThan(0);
      const first = stops[0];
      if (first.type !== 'stop_word') throw new Error('not a stop_word event');
      expect(isStopUtterance(first.word)).toBe(true);
      expect(first.at).toBeGreaterThan(0.5);
      expect(first.at).toBeLessThan(1.8);
      expect(
        finals.every((f) => !/drop/.test(f)),
        finals.join(', '),
      ).toBe(true);
    }
  });

  it('stays quiet on ordinary commands', async () => {
    await stt.setVocabulary(set.vocabulary('giftbag'));
    const cpu0 = { ...stt.cpuByRole };
    const total0 = stt.cpuSeconds;
    for (const text of ['put the candy in the bag', 'go home']) {
      const { events, finals } = await hear(text);
      expect(events.filter((e) => e.type === 'stop_word')).toEqual([]);
      expect(
        finals.every((f) => !isStopUtterance(f.replace(/ \(.*\)$/, ''))),
        finals.join(', '),
      ).toBe(true);
    }
    // close() lets the decoders exit on their own, so each one's CPU time is counted, by role.
    const spent = Object.fromEntries(Object.entries(stt.cpuByRole).map(([k, v]) => [k, v - cpu0[k as keyof typeof cpu0]]));
    for (const role of ['grammar', 'competitor', 'spotter']) expect(spent[role], role).toBeGreaterThan(0);
    expect(Object.values(spent).reduce((a, b) => a + b, 0)).toBeCloseTo(stt.cpuSeconds - total0, 6);
  });
});
