/** The speech evaluation's sentence files: validated on load, out-of-domain ≥ 60 lines, stop words. */
import { describe, expect, it } from 'vitest';
import { loadSpeechSet, MIN_OOD, parseLineSet } from '../../speech/eval/set.js';

describe('parseLineSet', () => {
  it('skips comments and blank lines', () => {
    expect(parseLineSet('# note\nstop\n\n  hold on  \n', 'x.txt', 2)).toEqual(['stop', 'hold on']);
  });
  it('names the file and line of a bad, repeated or missing line', () => {
    expect(() => parseLineSet('stop\nStop Now\n', 'stops.txt', 1)).toThrow('stops.txt line 2: "Stop Now" is not lower-case words');
    expect(() => parseLineSet('stop\nhalt\nstop\n', 'stops.txt', 1)).toThrow('stops.txt line 3: "stop" repeats line 1');
    expect(() => parseLineSet('stop\n', 'ood.txt', 60)).toThrow('ood.txt: 1 sentences, at least 60 needed');
    expect(() => parseLineSet('stop,\n', 'x.txt', 1)).toThrow('x.txt line 1');
  });
});

describe('loadSpeechSet', () => {
  const set = loadSpeechSet();
  it('holds at least 60 out-of-domain lines, the destructive and near-grammar ones among them', () => {
    expect(set.ood.length).toBeGreaterThanOrEqual(MIN_OOD);
    for (const s of [
      'crush the candy',
      'throw the candy at the bag',
      'hit the bag',
      'close the window please',
      'give me the knife',
      'freeze the video',
    ])
      expect(set.ood).toContain(s);
  });
  it('holds the stop words, none of them also out-of-domain', () => {
    for (const s of ['stop', 'stop it', 'stop now', 'halt', 'freeze', 'hold on', 'wait', 'stop moving']) expect(set.stops).toContain(s);
    expect(set.stops.filter((s) => set.ood.includes(s))).toEqual([]);
  });
});
