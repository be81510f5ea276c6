/**
 * The offline recognizer on real processes (pocketsphinx_continuous, espeak-ng, sox from
 * Debian; CI installs them): commands are heard, other speech is rejected, a taught name that
 * CMUdict lacks is heard, the stream survives a grammar change mid-utterance, the mute guard
 * keeps the robot's own voice out, and a real human recording from pocketsphinx-testdata.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isNoise } from '../../speech/loop.js';
import { readAudioFile } from '../../speech/pcm.js';
import { DecoderOutputParser, PocketsphinxStt, type DecodedUtterance } from '../../speech/pocketsphinx.js';
import { NULL_HYP_WAIT_MS } from '../../speech/pocketsphinx-decoder.js';
import { loadSpeechSet } from '../../speech/eval/set.js';
import { spoken } from './fixtures.js';

const set = loadSpeechSet();
const stt = new PocketsphinxStt();
afterAll(() => stt.close());

describe('pocketsphinx with the generated grammar', () => {
  it('hears commands, with a confidence, and rejects speech that is not a command', async () => {
    await stt.setVocabulary(set.vocabulary('giftbag'));
    const [cmd] = await stt.transcribe(await spoken('pick up the candy'));
    expect(cmd).toMatchObject({ text: 'pick up the candy', accepted: true, backend: 'pocketsphinx' });
    expect(cmd.confidence).toBeGreaterThan(0.5);
    for (const text of ['the weather is nice today', 'call my mother']) {
      const heard = (await stt.transcribe(await spoken(text))).filter((t) => t.text);
      // The grammar decoder always answers with some command; the word-loop margin rejects it.
      expect(
        heard.every((t) => !t.accepted && t.reason === 'low_confidence'),
        `${text} → ${JSON.stringify(heard)}`,
      ).toBe(true);
    }
  });

  it('hears a name CMUdict lacks once it is known ("loki"), with phones from espeak-ng', async () => {
    await stt.setVocabulary(set.vocabulary('stopmotion'));
    expect(stt.files?.derived.get('loki')).toBe('L OW K IY');
    const [t] = await stt.transcribe(await spoken('zoom in on loki'));
    expect(t).toMatchObject({ text: 'zoom in on loki', accepted: true });
  });

  it('restarts the decoders on a grammar change and replays the audio not yet decoded', async () => {
    // Half an utterance reaches the old decoders (which know no TOWER); the new ones replay it.
    await stt.setVocabulary(set.vocabulary('giftbag'));
    const s = stt.stream();
    const finals: string[] = [];
    s.subscribe((e) => {
      if (e.type === 'final' && e.transcript.text) finals.push(e.transcript.text);
    });
    const audio = await spoken('zoom in on the tower', { tail: 0.6 });
    s.write(audio.subarray(0, audio.length / 2)); // mid-utterance…
    await stt.setVocabulary(set.vocabulary('stopmotion')); // …TOWER and track become known
    s.write(audio.subarray(audio.length / 2));
    const out = await s.flush();
    await s.close();
    expect(out.map((t) => t.text)).toEqual(['zoom in on the tower']);
    expect(finals).toEqual(['zoom in on the tower']);
  });

  it('mutes its input while the robot speaks: nothing said then is heard', async () => {
    await stt.setVocabulary(set.vocabulary('giftbag'));
    const s = stt.stream();
    s.setInputGuard('mute');
    s.write(await spoken('pick up the candy'));
    s.setInputGuard(null);
    expect((await s.flush()).filter((t) => !isNoise(t))).toEqual([]);
    s.write(await spoken('go home'));
    expect((await s.flush()).map((t) => t.text)).toEqual(['go home']);
    await s.close();
  });

  it('a real human recording (pocketsphinx-testdata goforward.raw) with its own grammar, and rejected by ours', async () => {
    const dir = '/usr/share/pocketsphinx/test/data';
    expect(existsSync(`${dir}/goforward.raw`), 'apt-get install pocketsphinx-testdata').toBe(true);
    const audio = await readAudioFile(`${dir}/goforward.raw`);
    await stt.setJsgf(readFileSync(`${dir}/goforward.gram`, 'utf8'));
    expect(await stt.transcribe(audio)).toMatchObject([{ text: 'go forward ten meters', accepted: true }]);
    await stt.setVocabulary(set.vocabulary('giftbag'));
    expect((await stt.transcribe(audio)).filter((t) => t.accepted)).toEqual([]);
  });
});

describe('the decoder log parser', () => {
  it('reads utterances (hypothesis, score, word table) from the merged log of each search type', () => {
    const got: DecodedUtterance[] = [];
    const p = new DecoderOutputParser((u) => got.push(u));
    const log = `INFO: continuous.c(307): pocketsphinx_continuous COMPILED ON: Sep 28 2022, AT: 20:56:35

INFO: cmn_live.c(138): Update to   < 36.98 -4.59 -5.94 >
INFO: fsg_search.c(853): 183 frames, 7746 HMMs (42/fr), 18360 senones (100/fr), 4523 history entries (24/fr)

INFO: fsg_search.c(868): fsg 0.03 CPU 0.017 xRT
INFO: pocketsphinx.c(1168): go home (-6822)
word                 start end   pprob ascr       lscr       lback
<sil>                0     30    1.000 -301       -337       1
go                   31    54    1.000 -1095      0          1
home                 55    135   1.000 -2854      0          1
go home
INFO: ngram_search_fwdtree.c(1549):     5266 words recognized (33/fr)
INFO: pocketsphinx.c(1168): feet got (-7978)
word                 start end   pprob ascr       lscr       lback
<s>                  200   203   1.000 -70        0          0
feet                 204   245   1.000 -986       -411       1
got                  246   262   1.000 -788       -411       1
feet got
INFO: fsg_search.c(853): 40 frames, 7746 HMMs (42/fr), 18360 senones (100/fr), 4523 history entries (24/fr)
WARN: "fsg_search.c", line 940: Final result does not match the grammar in frame 399
INFO: pocketsphinx.c(1168): pick up (-5000)
word                 start end   pprob ascr       lscr       lback
pick                 360   380   1.000 -100       0          1
up                   381   399   1.000 -100       0          1
pick up
INFO: fsg_search.c(853): 20 frames, 7746 HMMs (42/fr), 18360 senones (100/fr), 4523 history entries (24/fr)
0m0.000000s 0m0.000000s
0m1.250000s 0m0.050000s
`;
    for (const line of log.split('\n')) p.line(line);
    p.end();
    expect(got.map((u) => [u.hyp, u.score, u.frames, u.nonFinal])).toEqual([
      ['go home', -6822, 183, false],
      ['feet got', -7978, 63, false],
      ['pick up', -5000, 40, true],
      [null, 0, 20, false],
    ]);
    expect(got[0].words[1]).toEqual({ word: 'go', start: 31, end: 54, ascr: -1095, lscr: 0 });
    expect(p.cmn).toBe('36.98,-4.59,-5.94');
    expect(p.cpuSeconds).toBeCloseTo(1.3);
  });

  it('a hypothesis that comes late (a decoder descheduled on a loaded machine) is not lost', () => {
    vi.useFakeTimers();
    try {
      const got: DecodedUtterance[] = [];
      const p = new DecoderOutputParser((u) => got.push(u));
      p.line('INFO: fsg_search.c(853): 183 frames, 7746 HMMs (42/fr), 18360 senones (100/fr), 4523 history entries (24/fr)');
      vi.advanceTimersByTime(NULL_HYP_WAIT_MS / 2);
      for (const line of [
        'INFO: pocketsphinx.c(1168): go home (-6822)',
        'word                 start end   pprob ascr       lscr       lback',
        'go home',
      ])
        p.line(line);
      expect(got.map((u) => u.hyp)).toEqual(['go home']);
      // With no hypothesis at all, the utterance still ends (empty) after the wait.
      p.line('INFO: fsg_search.c(853): 20 frames, 7746 HMMs (42/fr), 18360 senones (100/fr), 4523 history entries (24/fr)');
      vi.advanceTimersByTime(NULL_HYP_WAIT_MS + 1);
      expect(got.map((u) => u.hyp)).toEqual(['go home', null]);
      expect(NULL_HYP_WAIT_MS).toBeGreaterThanOrEqual(1000);
    } finally {
      vi.useRealTimers();
    }
  });
});
