/**
 * Noun phrases → entity names. The vocabulary is built from the live entities (name words,
 * description head words, a small synonym table), so teaching TOY_CAR makes "the toy car"
 * resolvable on the next utterance with no code change. Speech repair (edit distance / sound-
 * alike) only runs here, i.e. only in argument position, and only when nothing matched as heard.
 */
import { ENTITY_NAME } from '../skills/registry.js';
import type { PlannerEntity, Repair } from './types.js';
import { BREAK, isWordLike, removePhrases, singular, soundDistance, soundsLike, editDistance, phoneticKey, tokenize } from './text.js';
import { nounHypernyms, nounLemma, nounSynonyms } from './wordnet.js';

/** Words that mean the same kind of object. An entity whose words hit a group gets the whole group. */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['candy', 'sweet', 'gummy', 'gummie', 'treat', 'lolly', 'sweetie', 'bonbon'],
  ['bag', 'sack', 'pouch', 'tote', 'baggie'],
  ['gift', 'present'],
  ['bin', 'trashcan', 'wastebasket', 'garbage', 'trash', 'rubbish'],
  ['car', 'vehicle', 'automobile'],
  ['ball', 'sphere'],
  ['pen', 'biro'],
  ['lotion', 'cream'],
  ['cup', 'mug'],
  ['box', 'carton'],
];

/**
 * Other spoken names of the stop-motion camera moves, as film crews say them: the paper's user
 * said "push in on Loki" for zoom_in(LOKI). They call a taught skill of that name (a learned
 * motion skill or a behavior) only when no other skill owns the words (rules.ts skillSynonyms).
 */
export const SKILL_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  zoom_in: ['push in', 'dolly in', 'close in', 'move in', 'go in', 'tighten in', 'zoom'],
  zoom_out: ['pull out', 'dolly out', 'zoom back out', 'back out', 'widen out'],
  pull_back: [
    'pull out',
    'dolly out',
    'zoom out',
    'zoom back out',
    'pull back out',
    'pull away',
    'widen out',
    'go wide',
    'back up',
    'back off',
  ],
  throw_away: ['get rid of', 'dispose of', 'discard', 'throw out', 'toss out', 'chuck out', 'bin', 'trash'],
  track: [
    'orbit',
    'circle',
    'arc around',
    'go around',
    'move around',
    'swing around',
    'circle around',
    'revolve around',
    'rotate around',
    'spin around',
    // "fly around the tower", "go round loki": a drone pilot's and a Briton's orbit.
    'fly around',
    'go round',
    'circle round',
  ],
};

export const COLOURS = new Set([
  'red',
  'green',
  'blue',
  'yellow',
  'orange',
  'purple',
  'pink',
  'black',
  'white',
  'brown',
  'grey',
  'gray',
  'gold',
  'golden',
  'silver',
  'teal',
  'cyan',
  'magenta',
  'beige',
  'violet',
  'dark',
  'light',
  'bright',
  'colorful',
  'colourful',
]);
/** Adjectives that describe but do not name: ignored for matching, dropped from proposed names. */
export const SIZES = new Set(['small', 'little', 'big', 'large', 'tiny', 'huge', 'tall', 'short', 'long', 'mini', 'giant']);

/** Words that refer back to an object already in play. */
const PRONOUNS: readonly (readonly string[])[] = [
  'it',
  // The stop-motion figures are people to the crew: "zoom in on him".
  'him',
  'her',
  'that',
  'this',
  'them',
  'this one',
  'that one',
  'the thing',
  'that thing',
  'this thing',
  'the object',
  'that object',
  'this object',
  'the item',
  'that item',
  'this item',
  'it up',
  // "let go of whatever you're holding": what the gripper has.
  'whatever you are holding',
  'whatever youre holding',
  'whatever you have',
  'whatever youve got',
  'what you are holding',
  'what youre holding',
  'what you have',
  'whatever it is',
].map((p) => p.split(' '));

const DETERMINERS = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'these',
  'those',
  'my',
  'your',
  'our',
  'its',
  'their',
  'some',
  'any',
  'his',
  'her',
]);
/** Particles that may follow a pronoun object: "take it back out". */
const TRAILING_PARTICLES = new Set(['back', 'out', 'up', 'down', 'away', 'again', 'off']);
/** Determiners of someone else's things: "my pocket" is not the gift bag, even if a pocket is a bag. */
const OWNERS = new Set(['my', 'our', 'his', 'her', 'their']);
/** Words that end the noun phrase: "the candy [on the table]". */
const NP_STOP = new Set([
  'on',
  'in',
  'into',
  'inside',
  'from',
  'at',
  'near',
  'next',
  'beside',
  'by',
  'under',
  'underneath',
  'behind',
  'with',
  'over',
  'above',
  'below',
  'to',
  'onto',
  'there',
  'here',
  'for',
  'which',
  'that',
  'please',
  'of',
  'out',
  'off',
]);
/** Generic heads: "the green one". */
const GENERIC_HEADS = new Set([
  'one',
  'ones',
  'thing',
  'things',
  'object',
  'objects',
  'item',
  'items',
  'everything',
  'something',
  'anything',
  'stuff',
  'all',
  // The stop-motion figures are characters: "the green guy" is the green figure.
  'guy',
  'guys',
  'dude',
  'figure',
  'figurine',
  'character',
]);
/** Places/people the robot cannot ground without a taught entity. */
const DEICTIC = new Set(['me', 'us', 'you', 'yourself', 'here', 'there', 'him', 'her', 'user']);
/** Description words that never help identify an object. */
const DESCRIPTION_NOISE = new Set([
  'shaped',
  'colored',
  'coloured',
  'looking',
  'like',
  'style',
  'type',
  'kind',
  'sort',
  'made',
  'piece',
  'and',
  'or',
]);
/** Description words after which the rest is not the object's name ("a gift bag [that can hold items]"). */
const DESCRIPTION_CUT = new Set([
  'that',
  'which',
  'who',
  'with',
  'for',
  'used',
  'to',
  'in',
  'on',
  'of',
  'from',
  'can',
  'is',
  'are',
  'it',
  'you',
  'we',
  'filled',
  'containing',
  'where',
]);

/**
 * Speech-to-text homophones that edit distance cannot find, from the paper's prompt
 * ("carrots in the back" → bag, "popcorn in the in" → bin). Argument position only.
 */
const HOMOPHONES: ReadonlyMap<string, string> = new Map([
  ['back', 'bag'],
  ['backs', 'bags'],
  ['in', 'bin'],
  ['inn', 'bin'],
  ['been', 'bin'],
  ['ben', 'bin'],
]);

interface EntityWords {
  entity: PlannerEntity;
  keywords: Set<string>;
  /** words that can stand alone as the object's noun */
  heads: Set<string>;
  /** the head nouns as named (last name word, last description word), before synonyms: for WordNet */
  nouns: string[];
  colours: Set<string>;
  /** description words it only resembles ("sandwich-shaped"): alone, they name something else */
  looks: Set<string>;
}

export interface Lexicon {
  /** sorted by name, so ties break the same way every time */
  entries: EntityWords[];
  /** every content word any entity answers to, sorted */
  vocabulary: string[];
  /**
   * The words a real noun is repaired to: names, not description words or table synonyms
   * ("seat" is not a slip of the description's "set", nor "couch" of "pouch").
   */
  repairVocabulary: string[];
  vocabSet: Set<string>;
}

function withSynonyms(words: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const w of words) {
    out.add(w);
    for (const g of SYNONYM_GROUPS) if (g.includes(w)) for (const s of g) out.add(s);
  }
  return out;
}

/** The words of the description's first noun phrase: "A gummy, sandwich-shaped candy." → gummy sandwich candy. */
export function descriptionWords(description: string): string[] {
  const first = description.split(/[.!?]/)[0] ?? '';
  const out: string[] = [];
  for (const t of tokenize(first)) {
    if (t === BREAK || t === 'a' || t === 'an' || t === 'the') continue;
    if (DESCRIPTION_CUT.has(t)) break;
    if (!DESCRIPTION_NOISE.has(t)) out.push(t);
  }
  return out;
}

export function buildLexicon(entities: readonly PlannerEntity[]): Lexicon {
  const entries = [...entities]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entity): EntityWords => {
      const nameWords = entity.name.toLowerCase().split('_').filter(Boolean);
      const desc = descriptionWords(entity.description);
      const nouns = [...new Set([nameWords[nameWords.length - 1], desc[desc.length - 1]].filter((w): w is string => !!w))];
      const heads = withSynonyms(nouns);
      const keywords = withSynonyms([...nameWords, ...desc]);
      for (const h of heads) keywords.add(h);
      return {
        entity,
        keywords,
        heads,
        nouns,
        colours: new Set(desc.filter((w) => COLOURS.has(w))),
        looks: resemblanceWords(entity.description),
      };
    });
  const vocabSet = new Set<string>();
  for (const e of entries) for (const k of e.keywords) if (!COLOURS.has(k) && !SIZES.has(k)) vocabSet.add(k);
  const repairSet = new Set<string>();
  for (const e of entries) for (const w of e.entity.name.toLowerCase().split('_')) if (w && vocabSet.has(w)) repairSet.add(w);
  return { entries, vocabulary: [...vocabSet].sort(), vocabSet, repairVocabulary: [...repairSet].sort() };
}

export type NounPhrase =
  | { kind: 'entity'; name: string; repairs: Repair[] }
  | { kind: 'pronoun'; word: string }
  | { kind: 'unknown'; word: string; proposedName: string; description: string; repairs: Repair[] }
  | { kind: 'ambiguous'; phrase: string; options: string[] }
  /** "the green one", "me", "here": cannot be named or grounded */
  | { kind: 'vague'; phrase: string }
  | { kind: 'garbled'; phrase: string }
  | { kind: 'empty' };

const isAdjective = (w: string): boolean => COLOURS.has(w) || SIZES.has(w);

/** Best-matching entities for already-clean tokens (no repair). */
function match(tokens: readonly string[], lex: Lexicon): string[] {
  const norm = tokens.map((t) => (lex.vocabSet.has(t) ? t : singular(t)));
  const joined = norm.join('_').toUpperCase();
  const bare = norm
    .filter((t) => !isAdjective(t))
    .join('_')
    .toUpperCase();
  const squashed = norm.join('').toUpperCase(); // "giftbag"
  // Exact names win outright: "the red candy" is RED_CANDY even though CANDY also fits.
  for (const e of lex.entries) {
    if (e.entity.name === joined || e.entity.name === tokens.join('_').toUpperCase() || e.entity.name.replace(/_/g, '') === squashed)
      return [e.entity.name];
  }
  for (const e of lex.entries) {
    // "the green toy car" is TOY_CAR ("A green toy car."), "the red toy car" is not.
    const clash = norm.some((t) => COLOURS.has(t) && e.colours.size > 0 && !e.colours.has(t));
    if (bare && e.entity.name === bare && !clash) return [e.entity.name];
  }

  const head = norm[norm.length - 1];
  let best = 0;
  let found: string[] = [];
  for (const e of lex.entries) {
    if (!e.keywords.has(head)) continue;
    if (norm.length === 1 && namesAnotherThing(head, e)) continue;
    let score = 1 + (e.heads.has(head) ? 1 : 0);
    let ok = true;
    for (const m of norm.slice(0, -1)) {
      if (e.keywords.has(m)) score += 2;
      else if (COLOURS.has(m)) {
        if (e.colours.size && !e.colours.has(m)) ok = false;
      } else if (!SIZES.has(m)) ok = false; // "trash bag" is not the gift bag
    }
    if (!ok) continue;
    if (score > best) {
      best = score;
      found = [e.entity.name];
    } else if (score === best) found.push(e.entity.name);
  }
  return found;
}

/** "a sandwich" is not the candy that is sandwich-shaped: a word it only resembles, said alone, names something else. */
function namesAnotherThing(word: string, e: EntityWords): boolean {
  return e.looks.has(word) && !e.heads.has(word) && !e.entity.name.toLowerCase().split('_').includes(word);
}

/** Words the description says the thing only looks like: "sandwich" in "a sandwich-shaped candy". */
const RESEMBLANCE = new Set(['shaped', 'looking', 'like', 'style', 'styled']);
function resemblanceWords(description: string): Set<string> {
  const t = tokenize(description.split(/[.!?]/)[0] ?? '');
  return new Set(t.filter((w, i) => RESEMBLANCE.has(t[i + 1] ?? '') && w !== BREAK));
}

/** Hypernym links followed each way: "sack" → bag is one, "sweet" ← candy is one. */
const WORDNET_DEPTH = 2;
/** Senses of a word considered: its most frequent ones ("ball" the toy, not the dance). */
const WORDNET_SENSES = 2;

/** Does WordNet relate a spoken noun to an entity's head noun (same synset, or one a kind of the other)? */
function related(spoken: string, head: string, named: boolean): boolean {
  if (spoken === head) return true;
  return (
    nounSynonyms(spoken, WORDNET_SENSES).includes(head) ||
    // A kind of the thing's own name ("lollipop" → candy); a kind of a description's category is
    // a sibling, not the thing ("garage" is a building, the tower is not a garage).
    (named && nounHypernyms(spoken, WORDNET_DEPTH, WORDNET_SENSES).includes(head)) ||
    nounHypernyms(head, WORDNET_DEPTH, WORDNET_SENSES).includes(spoken)
  );
}

/**
 * Entities a noun phrase names through WordNet when no word of it is in the vocabulary: "the
 * lollipop" or "the sweet" is CANDY, "the container" is GIFT_BAG when it is the only container.
 * The other words must be colours or sizes that fit. Several matches are returned as they are:
 * the caller asks, never guesses.
 */
function wordnetMatch(tokens: readonly string[], lex: Lexicon): string[] {
  // "the trash can", "the ballpoint pen": a compound WordNet knows is one noun ("trash can" → bin).
  const compound = compoundAt(tokens);
  const lemma = compound?.lemma ?? nounLemma(tokens[tokens.length - 1] ?? '');
  if (!lemma || GENERIC_HEADS.has(lemma)) return [];
  const mods = tokens.slice(0, compound ? -compound.length : -1);
  if (!mods.every(isAdjective)) return [];
  const found: string[] = [];
  for (const e of lex.entries) {
    // "the trash bag" is a bag, but not the gift bag: a compound and a compound name must agree.
    const nameWords = e.entity.name.toLowerCase().split('_');
    if (compound && nameWords.length > 1 && !compound.words.includes(nameWords[0])) continue;
    const clash = mods.some((t) => COLOURS.has(t) && e.colours.size > 0 && !e.colours.has(t));
    // The entity's own head nouns, not the synonym table's: "drop" (a sphere) is not the ball.
    const named = new Set(e.entity.name.toLowerCase().split('_'));
    if (!clash && e.nouns.some((h) => related(lemma, nounLemma(h) ?? h, named.has(h)))) found.push(e.entity.name);
  }
  return found;
}

/** Longest compound WordNet knows, of at most this many words. */
const MAX_COMPOUND = 3;

/** The WordNet compound noun the phrase ends with ("trash can", "black widow"), if any. */
function compoundAt(tokens: readonly string[]): { lemma: string; words: string[]; length: number } | undefined {
  for (let n = Math.min(MAX_COMPOUND, tokens.length); n >= 2; n--) {
    const words = tokens.slice(-n);
    if (words.some((w) => DETERMINERS.has(w))) continue;
    const lemma = nounLemma(words.join('_'));
    if (lemma) return { lemma, words, length: n };
  }
  return undefined;
}

/**
 * Is `tokens` the multi-word `name` with exactly one word misheard? That word must be near the
 * name's (one edit, or two when the first two letters agree: "bath" for "bag", not "box").
 */
function nameWithOneSlip(tokens: readonly string[], name: string): boolean {
  const parts = name.toLowerCase().split('_');
  if (parts.length < 2 || parts.length !== tokens.length) return false;
  const off = parts.map((p, i) => (p === tokens[i] ? -1 : i)).filter((i) => i >= 0);
  if (off.length !== 1) return false;
  const heard = tokens[off[0]];
  const want = parts[off[0]];
  if (heard.length < 3 || isAdjective(heard)) return false;
  const d = editDistance(heard, want);
  return d <= 1 || (d <= 2 && heard.slice(0, 2) === want.slice(0, 2));
}

/** Closest vocabulary word that `heard` plausibly mis-hears; undefined when none or a tie. */
function repairWord(heard: string, lex: Lexicon): string | undefined {
  let bestD = Infinity;
  let cands: string[] = [];
  // A real noun is repaired only to a name ("pin" → pen); "seat" is not the description's "set".
  for (const v of nounLemma(heard) ? lex.repairVocabulary : lex.vocabulary) {
    if (!soundsLike(heard, v)) continue;
    const d = editDistance(heard, v);
    if (d < bestD) {
      bestD = d;
      cands = [v];
    } else if (d === bestD) cands.push(v);
  }
  if (cands.length > 1) cands = cands.filter((c) => phoneticKey(c) === phoneticKey(heard));
  if (cands.length > 1) {
    // Still a tie: the nearer sound wins when it is clearly nearer ("pin" → pen, not bin).
    const scored = cands.map((c) => ({ c, d: soundDistance(heard, c) })).sort((x, y) => x.d - y.d);
    if (scored[1].d - scored[0].d > 0.15) cands = [scored[0].c];
  }
  if (cands.length === 1) return cands[0];
  // "track the tour": a noun of no physical thing cannot be what the arm acts on, so a name a
  // letter or two off ("tour" → tower) is what was said ("pan", a thing, stays a thing to ask about).
  if (cands.length === 0 && nounLemma(heard) && heard.length >= 3 && !nounHypernyms(heard, ABSTRACT_DEPTH).includes('physical entity')) {
    // Same first sound, the consonants of one inside the other's ("tour" in "tower", "bind" over
    // "bin"), a letter or two apart: "war" is not "car", "gist" not "gift", "tone" not "tower".
    const near = lex.repairVocabulary.filter((v) => {
      const d = editDistance(heard, v);
      const [a, b] = [consonants(heard), consonants(v)];
      return heard[0] === v[0] && d <= 2 && (subsequence(a, b) || subsequence(b, a));
    });
    if (near.length === 1) return near[0];
  }
  return undefined;
}

const consonants = (w: string): string => w.replace(/[aeiouy]/g, '');
/** Is `a` what is left of `b` after deleting some letters? */
function subsequence(a: string, b: string): boolean {
  let i = 0;
  for (const ch of b) if (ch === a[i]) i++;
  return i === a.length;
}

/** Hypernym links followed to tell a thing from an idea ("tour" → … → abstraction). */
const ABSTRACT_DEPTH = 12;

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'An' : 'A';
}

/**
 * The paper's naming: "the green toy car" → TOY_CAR, "A green toy car.". Colours and sizes are
 * dropped from the name unless that would reuse a name in `taken` (a red car when a green
 * TOY_CAR is known becomes RED_TOY_CAR).
 */
export function proposeEntity(
  words: readonly string[],
  taken: ReadonlySet<string> = new Set(),
): { proposedName: string; description: string } | undefined {
  const clean = words.filter((w) => /^[a-z][a-z0-9]*$/.test(w) && !DETERMINERS.has(w));
  if (!clean.length) return undefined;
  const last = clean.length - 1;
  const spoken = clean.map((w, i) => (i === last ? singular(w) : w));
  // "black widow" is one name, not a black WIDOW: a compound WordNet knows keeps its colour word.
  const compound = compoundAt(spoken);
  const naming = spoken.filter((w, i) => !isAdjective(w) || (compound !== undefined && i >= spoken.length - compound.length));
  const toName = (ws: readonly string[]): string => ws.slice(-4).join('_').toUpperCase().slice(0, 48).replace(/_+$/, '');
  let proposedName = toName(naming.length ? naming : spoken);
  if (taken.has(proposedName)) proposedName = toName(spoken);
  if (!ENTITY_NAME.test(proposedName) || taken.has(proposedName)) return undefined;
  return { proposedName, description: `${article(spoken[0])} ${spoken.join(' ')}.` };
}

/** Nouns a phrase may end on that are the robot's surroundings or itself, not objects to know. */
const SCENE_WORDS = new Set([
  ...['table', 'desk', 'floor', 'ground', 'counter', 'bench', 'workbench', 'shelf', 'surface', 'scene', 'set', 'stage', 'frame', 'frames'],
  ...[
    'left',
    'right',
    'middle',
    'center',
    'centre',
    'front',
    'back',
    'top',
    'bottom',
    'side',
    'edge',
    'corner',
    'end',
    'way',
    'spot',
    'place',
  ],
  ...['here', 'there', 'camera', 'lens', 'shot', 'view', 'gripper', 'hand', 'claw', 'arm', 'fingers', 'robot', 'time', 'moment', 'second'],
  ...['me', 'you', 'it', 'us', 'them', 'him', 'her', 'one', 'ones', 'thing', 'things', 'bit', 'lot', 'please', 'again', 'too'],
]);

/** The first noun of a phrase's tail that names no known thing ("the dog", "your teeth"), if any. */
function unknownThing(tail: readonly string[], lex: Lexicon): string | undefined {
  for (const t of tail) {
    if (DETERMINERS.has(t) || NP_STOP.has(t) || isAdjective(t) || SCENE_WORDS.has(t) || /^[0-9]+$/.test(t)) continue;
    // A known word may modify the stranger: "at the candy store" is a store.
    if (lex.vocabSet.has(t) || lex.vocabSet.has(singular(t))) continue;
    if (!isWordLike(t) || !nounLemma(t)) continue;
    // A sound-alike of a known word is a slip, not a stranger ("in the been").
    if (lex.vocabulary.some((v) => soundsLike(t, v))) return undefined;
    return singular(t);
  }
  return undefined;
}

/** Resolve the tokens of one argument ("the gummy", "it", "the green toy car"). */
export function resolveNounPhrase(input: readonly string[], lex: Lexicon): NounPhrase {
  let tokens = input.filter((t) => t !== BREAK);
  // "take it back out", "put that back": particles after a pronoun leave the pronoun.
  let end = tokens.length;
  while (end > 1 && TRAILING_PARTICLES.has(tokens[end - 1])) end--;
  if (end < tokens.length && PRONOUNS.some((p) => p.length === end && p.every((w, i) => tokens[i] === w))) tokens = tokens.slice(0, end);
  for (const p of PRONOUNS)
    if (p.length === tokens.length && p.every((w, i) => tokens[i] === w)) return { kind: 'pronoun', word: p.join(' ') };
  // "my pocket", "her phone": the speaker's own things, never matched to a scene object by meaning.
  const owned = tokens.some((t, i) => i < 2 && OWNERS.has(t));
  while (tokens.length && DETERMINERS.has(tokens[0])) tokens = tokens.slice(1);
  const stop = tokens.findIndex((t, i) => i > 0 && NP_STOP.has(t));
  // "the candy from the dog", "the candy in the kitchen": what the tail names must be known too,
  // or half the request would be dropped silently.
  const stranger = stop > 0 ? unknownThing(tokens.slice(stop + 1), lex) : undefined;
  if (stranger) {
    const proposal = proposeEntity([stranger], new Set(lex.entries.map((e) => e.entity.name)));
    if (proposal) return { kind: 'unknown', word: stranger, ...proposal, repairs: [] };
  }
  if (stop > 0) tokens = tokens.slice(0, stop);
  tokens = removePhrases(tokens, [['up'], ['out'], ['please']]);
  // "take the ball back out", "bring it back": "back" after the thing is a particle, not a bag.
  if (tokens.length > 1 && tokens[tokens.length - 1] === 'back' && match(tokens.slice(0, -1), lex).length === 1)
    tokens = tokens.slice(0, -1);
  if (!tokens.length) return { kind: 'empty' };
  const phrase = input.filter((t) => t !== BREAK).join(' ');
  if (tokens.every((t) => DEICTIC.has(t))) return { kind: 'vague', phrase };
  if (!tokens.every((t) => isWordLike(t) || /^[0-9]+$/.test(t))) return { kind: 'garbled', phrase };
  let generic = false;
  if (tokens.length > 1 && GENERIC_HEADS.has(tokens[tokens.length - 1])) {
    generic = true;
    tokens = tokens.slice(0, -1);
  }
  if (tokens.length === 1 && GENERIC_HEADS.has(tokens[0])) return { kind: 'vague', phrase };

  const found = match(tokens, lex);
  if (found.length === 1) return { kind: 'entity', name: found[0], repairs: [] };
  if (found.length > 1) return { kind: 'ambiguous', phrase, options: found };

  // Known speech-to-text homophones first ("in the been" is the bin, not the pen).
  const homophones: Repair[] = [];
  const heard = tokens.map((t) => {
    const h = HOMOPHONES.get(t);
    if (h && !lex.vocabSet.has(t) && lex.vocabSet.has(h)) {
      homophones.push({ heard: t, understood: h });
      return h;
    }
    return t;
  });
  if (homophones.length) {
    const found2 = match(heard, lex);
    if (found2.length === 1) return { kind: 'entity', name: found2[0], repairs: homophones };
  }

  // A real word WordNet relates to exactly one entity ("the lollipop" → CANDY); several: ask.
  const byMeaning = owned ? [] : wordnetMatch(tokens, lex);
  if (byMeaning.length === 1) return { kind: 'entity', name: byMeaning[0], repairs: [] };
  if (byMeaning.length > 1) return { kind: 'ambiguous', phrase, options: byMeaning };

  // Whole-phrase slip against names: "gif bag" → GIFT_BAG.
  const joined = tokens.join('');
  // A real noun is a slip of a name only when nearly all of it is there ("line" is not "skyline").
  const nameSlip = (name: string): boolean =>
    soundsLike(joined, name) && (tokens.length > 1 || !nounLemma(joined) || editDistance(joined, name) <= 1);
  const byName = lex.entries.filter((e) => nameSlip(e.entity.name.replace(/_/g, '').toLowerCase()));
  if (byName.length === 1) {
    const understood = byName[0].entity.name.toLowerCase().replace(/_/g, ' ');
    return { kind: 'entity', name: byName[0].entity.name, repairs: [{ heard: tokens.join(' '), understood }] };
  }

  // "the gift bath", "the toy cat": a name of several words, all heard but one, and that one close.
  const byParts = lex.entries.filter((e) => nameWithOneSlip(tokens, e.entity.name));
  if (byParts.length === 1) {
    const understood = byParts[0].entity.name.toLowerCase().replace(/_/g, ' ');
    return { kind: 'entity', name: byParts[0].entity.name, repairs: [{ heard: tokens.join(' '), understood }] };
  }

  // Word-level repair: known vocabulary first, then the homophone table.
  const repairs: Repair[] = [];
  const repaired = tokens.map((t) => {
    if (lex.vocabSet.has(t) || lex.vocabSet.has(singular(t)) || isAdjective(t)) return t;
    const fixed = repairWord(t, lex) ?? HOMOPHONES.get(t);
    if (fixed) {
      repairs.push({ heard: t, understood: fixed });
      return fixed;
    }
    return t;
  });
  if (repairs.length) {
    const again = match(repaired, lex);
    if (again.length === 1) return { kind: 'entity', name: again[0], repairs };
    if (again.length > 1) return { kind: 'ambiguous', phrase: repaired.join(' '), options: again };
  }

  if (generic && repaired.every(isAdjective)) return { kind: 'vague', phrase };
  const proposal = proposeEntity(repaired, new Set(lex.entries.map((e) => e.entity.name)));
  if (!proposal) return { kind: 'vague', phrase };
  return { kind: 'unknown', word: repaired.join(' '), ...proposal, repairs };
}
