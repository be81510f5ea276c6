/**
 * Pronunciations for the recognizer's dictionary: CMUdict (shipped with pocketsphinx-en-us)
 * first; words it lacks ("loki", a taught name) get phones from espeak-ng's en-us IPA,
 * mapped to the model's ARPAbet set. Pocketsphinx 0.8 has no grapheme-to-phoneme of its own.
 */
import { readFileSync } from 'node:fs';
import { findOnPath, run } from './proc.js';

export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const DEFAULT_CMUDICT = `${DEFAULT_MODEL_DIR}/cmudict-en-us.dict`;

/** The 39 phones of the en-us acoustic model (plus SIL). */
export const ARPABET = new Set([
  'AA',
  'AE',
  'AH',
  'AO',
  'AW',
  'AY',
  'B',
  'CH',
  'D',
  'DH',
  'EH',
  'ER',
  'EY',
  'F',
  'G',
  'HH',
  'IH',
  'IY',
  'JH',
  'K',
  'L',
  'M',
  'N',
  'NG',
  'OW',
  'OY',
  'P',
  'R',
  'S',
  'SH',
  'T',
  'TH',
  'UH',
  'UW',
  'V',
  'W',
  'Y',
  'Z',
  'ZH',
]);

/**
 * espeak-ng IPA (en-us, stress and length marks removed) → ARPAbet. Multi-symbol units first;
 * the flap becomes T as CMUdict writes it ("water" W AO T ER).
 */
const IPA: readonly [string, string][] = (
  [
    ['aɪɚ', 'AY ER'],
    ['aʊɚ', 'AW ER'],
    ['aɪə', 'AY AH'],
    ['aʊə', 'AW AH'],
    ['eɪ', 'EY'],
    ['aɪ', 'AY'],
    ['aʊ', 'AW'],
    ['ɔɪ', 'OY'],
    ['oʊ', 'OW'],
    ['əʊ', 'OW'],
    ['ɪɹ', 'IH R'],
    ['ɛɹ', 'EH R'],
    ['ʊɹ', 'UH R'],
    ['ɔɹ', 'AO R'],
    ['ɑɹ', 'AA R'],
    ['oɹ', 'AO R'],
    ['ɜɹ', 'ER'],
    ['əɹ', 'ER'],
    ['ɚɹ', 'ER'],
    ['iə', 'IY AH'],
    ['ɪə', 'IH AH'],
    ['eə', 'EH AH'],
    ['ʊə', 'UH AH'],
    ['tʃ', 'CH'],
    ['dʒ', 'JH'],
    ['n̩', 'AH N'],
    ['l̩', 'AH L'],
    ['m̩', 'AH M'],
    ['i', 'IY'],
    ['ɪ', 'IH'],
    ['ᵻ', 'IH'],
    ['ɨ', 'IH'],
    ['e', 'EH'],
    ['ɛ', 'EH'],
    ['æ', 'AE'],
    ['a', 'AE'],
    ['ɑ', 'AA'],
    ['ɒ', 'AA'],
    ['ɔ', 'AO'],
    ['o', 'OW'],
    ['ʊ', 'UH'],
    ['u', 'UW'],
    ['ʌ', 'AH'],
    ['ə', 'AH'],
    ['ɐ', 'AH'],
    ['ɘ', 'AH'],
    ['ɚ', 'ER'],
    ['ɜ', 'ER'],
    ['ɝ', 'ER'],
    ['ɵ', 'OW'],
    ['y', 'UW'],
    ['p', 'P'],
    ['b', 'B'],
    ['t', 'T'],
    ['d', 'D'],
    ['k', 'K'],
    ['ɡ', 'G'],
    ['g', 'G'],
    ['f', 'F'],
    ['v', 'V'],
    ['θ', 'TH'],
    ['ð', 'DH'],
    ['s', 'S'],
    ['z', 'Z'],
    ['ʃ', 'SH'],
    ['ʒ', 'ZH'],
    ['h', 'HH'],
    ['x', 'HH'],
    ['m', 'M'],
    ['n', 'N'],
    ['ŋ', 'NG'],
    ['l', 'L'],
    ['ɫ', 'L'],
    ['ɹ', 'R'],
    ['r', 'R'],
    ['ɾ', 'T'],
    ['w', 'W'],
    ['ʍ', 'W'],
    ['j', 'Y'],
    ['ʔ', ''],
  ] as [string, string][]
).sort((a, b) => b[0].length - a[0].length);

/** IPA from `espeak-ng --ipa` for one word → ARPAbet phones; undefined when a symbol is unknown. */
export function ipaToArpabet(ipa: string): string[] | undefined {
  const s = ipa.normalize('NFC').replace(/[ˈˌːˑ_\s‿.-]/g, '');
  const out: string[] = [];
  let i = 0;
  outer: while (i < s.length) {
    for (const [sym, arpa] of IPA) {
      if (s.startsWith(sym, i)) {
        if (arpa) out.push(...arpa.split(' '));
        i += sym.length;
        continue outer;
      }
    }
    return undefined;
  }
  return out.length ? out : undefined;
}

let cmudict: Map<string, string[]> | undefined;

/** CMUdict as word → pronunciations (read once, ~135k words). */
export function loadCmudict(path = DEFAULT_CMUDICT): Map<string, string[]> {
  if (cmudict && path === DEFAULT_CMUDICT) return cmudict;
  const map = new Map<string, string[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const word = line.slice(0, sp).replace(/\(\d+\)$/, '');
    const phones = line
      .slice(sp + 1)
      .replace(/#.*$/, '')
      .trim();
    if (!phones) continue;
    const list = map.get(word);
    if (list) list.push(phones);
    else map.set(word, [phones]);
  }
  if (path === DEFAULT_CMUDICT) cmudict = map;
  return map;
}

/** espeak-ng's en-us pronunciation of each word, as ARPAbet; missing entries could not be derived. */
export async function espeakPronunciations(words: readonly string[], voice = 'en-us'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!words.length) return out;
  if (!findOnPath('espeak-ng')) return out;
  // One process per word keeps the output unambiguous; words missing from CMUdict are few.
  await Promise.all(
    words.map(async (w) => {
      const r = await run('espeak-ng', ['-q', '-v', voice, '--ipa', '--sep=_', w.replace(/'/g, '')], { timeoutMs: 5000 });
      if (r.code !== 0) return;
      const ipa = r.stdout.toString('utf8').trim().split(/\s+/).join('');
      const phones = ipaToArpabet(ipa);
      if (phones) out.set(w, phones.join(' '));
    }),
  );
  return out;
}

export interface Dictionary {
  /** `word PHONES` lines in pocketsphinx format (alternates as word(2)) */
  text: string;
  /** words whose pronunciation came from espeak-ng, word → phones */
  derived: Map<string, string>;
  /** words with no pronunciation at all (the grammar must not use them) */
  missing: string[];
}

/** A pocketsphinx dictionary for exactly these words: CMUdict entries, else espeak-ng's. */
export async function buildDictionary(
  words: Iterable<string>,
  options: { cmudictPath?: string; extra?: ReadonlyMap<string, string> } = {},
): Promise<Dictionary> {
  const dict = loadCmudict(options.cmudictPath);
  const lines: string[] = [];
  const need: string[] = [];
  const sorted = [...new Set(words)].sort();
  for (const w of sorted) {
    const prons = options.extra?.has(w) ? [options.extra.get(w)!] : dict.get(w);
    if (prons) prons.forEach((p, i) => lines.push(`${i ? `${w}(${i + 1})` : w} ${p}`));
    else need.push(w);
  }
  const derived = await espeakPronunciations(need);
  for (const [w, p] of derived) lines.push(`${w} ${p}`);
  return { text: `${lines.join('\n')}\n`, derived, missing: need.filter((w) => !derived.has(w)) };
}
