/**
 * Text helpers for the rule planner: normalization, filler removal, clause splitting and the
 * string metrics behind speech repair. Pure functions, no locale or time dependence, so the
 * same utterance always yields the same tokens.
 */

/** Clause boundary marker produced by `tokenize` for , . ; : ! ? and newlines. */
export const BREAK = ',';

/** Lower-case words plus BREAK tokens. Apostrophes vanish ("don't" → "dont", "let's" → "lets"). */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // drop accents: "café" → "cafe"
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/'/g, '')
    .replace(/&/g, ' and ')
    .replace(/-+>|=+>|→|⇒/g, ' to ') // "pen -> bin": a terse note's arrow says where to
    .replace(/\s-+\s|--+|[–—]/g, ' , ') // "the candy -- no, the pen": a dash is a pause ("e-stop" keeps its hyphen)
    .replace(/\bgimme\b/g, 'give me')
    // Dictation's spoken punctuation at the end ("grab the lotion period"): not words of the command.
    .replace(/\s+(?:period|comma|question mark|exclamation (?:mark|point))[\s.!?]*$/, '')
    .replace(/[,.;:!?\n\r\u2028\u2029]+/g, ` ${BREAK} `)
    .replace(/[^a-z0-9, ]+/g, ' '); // hyphens, underscores, symbols split words: "e-stop" → "e stop"
  return folded.split(/\s+/).filter((t) => t.length > 0);
}

/** Remove every occurrence of any phrase (token sequences), longest phrases first. */
const sortedPhrases = new WeakMap<readonly (readonly string[])[], (readonly string[])[]>();

export function removePhrases(tokens: readonly string[], phrases: readonly (readonly string[])[]): string[] {
  // The shared lists (FILLERS, HEDGES) are sorted once, not on every call.
  let sorted = sortedPhrases.get(phrases);
  if (!sorted) {
    sorted = [...phrases].sort((a, b) => b.length - a.length);
    sortedPhrases.set(phrases, sorted);
  }
  const out: string[] = [];
  let i = 0;
  outer: while (i < tokens.length) {
    for (const p of sorted) {
      if (p.length > 0 && p.every((w, k) => tokens[i + k] === w)) {
        i += p.length;
        continue outer;
      }
    }
    out.push(tokens[i]);
    i += 1;
  }
  return out;
}

const words = (s: string): string[] => s.split(' ');

/**
 * Politeness and hesitation that carry no command. Only unambiguous ones: "can" alone stays
 * (a soda can), "let" alone stays ("let go"), "right" stays ("to the right").
 */
export const FILLERS: readonly (readonly string[])[] = [
  'please',
  'pls',
  'plz',
  'thx',
  'thnx',
  'ty',
  'kindly',
  'now',
  'ok',
  'okay',
  'alright',
  'all right',
  'um',
  'uh',
  'uhm',
  'erm',
  'er',
  'err',
  'errm',
  'ehm',
  'uhh',
  'umm',
  'ummm',
  'hm',
  'hmmm',
  'hmm',
  'mm',
  // "hey there, …": a greeting, not a place.
  'hey there',
  'hi there',
  'hello there',
  'hey',
  'hi',
  'hello',
  'robot',
  'shammie',
  'well',
  'so',
  'just',
  'again',
  'for me',
  'thanks',
  'thank you',
  'right now',
  'real quick',
  'quickly',
  'carefully',
  'gently',
  'slowly',
  'as well',
  'too',
  'actually',
  'can you',
  'could you',
  'would you',
  'will you',
  'can u',
  'could u',
  'would you mind',
  'do you mind',
  'i want you to',
  'i need you to',
  'i would like you to',
  'id like you to',
  'i wanted you to',
  'you should',
  'you can',
  'you could',
  'try to',
  'make sure to',
  'be sure to',
  'go ahead and',
  // The robot spoken of, or spoken to with a verb of ordering: "tell the robot to go home",
  // "robot, I command you to go home", "shall we put the ball in the bag".
  ...['tell the robot to', 'make the robot', 'have the robot', 'get the robot to', 'the robot'],
  ...['i command you to', 'i order you to', 'i ask you to', 'i told you to', 'i am asking you to', 'im asking you to'],
  ...['can i ask you to', 'could i ask you to', 'may i ask you to'],
  ...['shall we', 'should we', 'how about we', 'why dont we'],
  // "let's have you grab the pen": the addressee said as the one to have do it.
  'lets have you',
  'let me have you',
  'lets',
  'let us',
  'first',
  'first of all',
].map(words);

/**
 * Hedges: softeners and apologies people wrap commands in ("could you maybe …", "sorry, …",
 * "… instead"). They carry no command, so they are skipped anywhere. Kept apart from FILLERS,
 * which the stop check and the yes/no answers also use.
 */
export const HEDGES: readonly (readonly string[])[] = [
  'maybe',
  'perhaps',
  'possibly',
  'sorry',
  'im sorry',
  'oops',
  'whoops',
  'oh',
  'ah',
  'instead',
  'basically',
  'literally',
  'honestly',
  'kinda',
  'sorta',
  'kind of',
  'sort of',
  'i guess',
  'i think',
  'i mean',
  'you know',
  'if you can',
  'if you could',
  'if possible',
  'if you dont mind',
  'or something',
  'that would be great',
  'that would be nice',
  'thatd be great',
  'thatd be nice',
  'that would help',
  'excuse me',
  'pardon me',
  'pardon',
  'my bad',
  'rather',
  'when you get a chance',
  'when you get the chance',
  'if you get a chance',
  'when you can',
  'whenever you can',
  'whenever you are ready',
  'when youre ready',
  'when you have a moment',
  'at some point',
  'for a second',
  'for a sec',
  'if thats ok',
  'if thats okay',
  'if thats alright',
  'if you would',
  'if you please',
  'no rush',
  'no hurry',
  'i suppose',
  // A speaker narrating what comes next: "so what I want is for you to grab the ball", "the idea is
  // you take the ball", "what I need now is the pen in the bag" (FILLERS take "so" and "now" first).
  ...['what i want is for you to', 'what i want is', 'what i need is for you to', 'what i need is', 'what id like is'],
  ...['what i would like is', 'the idea is that', 'the idea is', 'the plan is that', 'the plan is', 'next thing is'],
  ...['the next thing is', 'next thing', 'is possible to', 'is possible for you to'],
  // FILLERS go first ("would you", "so"): these are what they leave of "would you be so kind as to".
  'be kind as to',
  'be kind enough to',
  'be a dear and',
  'do me a favor and',
  'do me a favour and',
  'i was wondering if you could',
  'i wonder if you could',
  'is it possible to',
  'is it possible for you to',
  'would it be possible to',
  'would it be possible for you to',
  'any chance you could',
  'do you think',
  'i believe',
  'like i said',
  'as i said',
  // What FILLERS leave of "I was wondering if you could …" ("you could" goes first).
  'i was wondering if',
  'i was wondering whether',
  'i wonder if',
  'i wonder whether',
  'you know what',
  // "would you be able to grab the pen", "can I ask you to …", "don't forget to go home".
  'be able to',
  'are you able to',
  'can i ask you to',
  'could i ask you to',
  'may i ask you to',
  'can i get you to',
  'could i get you to',
  'be kind and',
  'be kind to',
  'be kind enough and',
  'dont forget to',
  'do not forget to',
  'remember to',
  'make sure you',
  // Suggestions said as questions: "how about you pick up the ball", "why don't you go home".
  'how about you',
  'what about you',
  'why dont you',
  'why not',
  // What FILLERS leave of "I'd really appreciate it if you could …" ("you could" goes first).
  ...['id', 'i would', 'we would', 'wed'].flatMap((s) =>
    ['appreciate it if', 'really appreciate it if', 'love it if', 'really love it if', 'like it if'].map((t) => `${s} ${t}`),
  ),
  ...['it would be', 'itd be'].flatMap((s) => ['great if', 'nice if', 'cool if', 'awesome if', 'helpful if'].map((t) => `${s} ${t}`)),
  // What FILLERS leave of "if it's not too much trouble", "if that's ok with you" ("too", "ok" go first).
  ...['its', 'it is', 'thats', 'that is', 'it isnt', 'that isnt'].flatMap((s) =>
    ['not much trouble', 'no trouble', 'not a problem', 'no problem', 'not much to ask', 'with you'].map((t) => `if ${s} ${t}`),
  ),
].map(words);

/**
 * Words that are hedges only where a clause starts: "wait, no, go home" (a lone "wait" is a
 * stop, checked before this runs), "like, grab the pen" ("like this" stays: no verb follows).
 */
const LEADING_HEDGES: readonly (readonly string[])[] = [
  ...['wait', 'hold on', 'hang on', 'like', 'if', 'no wait'],
  // "time to put the lotion in the bag", "step one, pick up the candy": a lead into the command.
  ...['time to', 'its time to', 'it is time to', 'now its time to', 'next up', 'step one', 'step two', 'step three', 'first step'],
  ...['next step', 'last step', 'final step', 'step 1', 'step 2', 'step 3', 'step 4'],
  // "next shot: orbit the tower": an animator's lead into the move.
  ...['next shot', 'first shot', 'last shot', 'final shot', 'new shot', 'this shot', 'next move', 'first move'],
  // "hurry up and grab the pen", "mind grabbing the pen?"; "scratch that, go home": the cancel
  // of what was asked before, then the new command.
  ...['hurry up and', 'hurry and', 'mind', 'scratch that', 'forget that', 'never mind that', 'cancel that'],
  ...['forget it', 'cancel it', 'scratch it'],
  // "please to go home", "should go home" (what is left of "the robot should go home"), "time for you to go home".
  ...['to', 'should', 'must', 'time for you to', 'its time for you to', 'your turn'],
  // "sorry, I meant go to the bin": a correction in so many words, before a whole command.
  ...['i meant', 'i meant to say', 'i mean to say', 'i wanted to say', 'what i meant was', 'what i mean is', 'i said'],
].map(words);
/** Leading hedges that count only before a verb: "like this", "if the bag is full", "I meant the pen" keep their words. */
const BEFORE_VERB = new Set(['like', 'if', 'i', 'what', 'mind', 'to', 'should', 'must']);
/** Attention-getters that are hedges only as a clause of their own: "look, pick up the candy" (not "look at it"). */
const LONE_MARKERS: readonly (readonly string[])[] = [
  'look',
  'listen',
  'see',
  'come on',
  'ok so',
  'okay so',
  'alright so',
  'you see',
  'let me see',
  'let me think',
  'lets see',
  'go on',
  'quick',
  'hurry',
  'hurry up',
  // Who is spoken to, as a clause of its own: "ok camera, orbit around hulk", "robot, go home".
  'camera',
  'robot',
  'hey robot',
  'arm',
].map(words);

/**
 * Remove hedges: HEDGES anywhere, LEADING_HEDGES at the start of a clause when more words
 * follow ("like" only before a verb, so "like this" keeps its meaning). `isVerb` decides what
 * a verb is (WordNet, passed in so this module stays free of the dictionary).
 */
export function removeHedges(tokens: readonly string[], isVerb: (w: string) => boolean): string[] {
  // "instead of the ball", "rather than the bag" are negations (discourse.ts scopeNegation), not hedges.
  const kept = tokens.map((w, i) => (KEPT_BEFORE.has(w) && KEPT_BEFORE.get(w) === tokens[i + 1] ? `${w}_` : w));
  const t = removePhrases(kept, HEDGES).map((w) => (w.endsWith('_') ? w.slice(0, -1) : w));
  const out: string[] = [];
  let i = 0;
  // Each step consumes at least one token: bounded by the input.
  while (i < t.length) {
    const atStart = out.length === 0 || out[out.length - 1] === BREAK || SEPARATORS.has(out[out.length - 1]);
    const marker = atStart ? LONE_MARKERS.find((p) => p.every((w, k) => t[i + k] === w) && t[i + p.length] === BREAK) : undefined;
    if (marker && t.slice(i + marker.length + 1).some((w) => w !== BREAK)) {
      i += marker.length + 1;
      continue;
    }
    const lead = atStart ? LEADING_HEDGES.find((p) => p.every((w, k) => t[i + k] === w)) : undefined;
    if (lead) {
      // "could you, like, go to the bin": a pause may stand between the hedge and its verb.
      const next = t.slice(i + lead.length).find((w) => w !== BREAK);
      const rest = t.slice(i + lead.length).some((w) => w !== BREAK);
      if (rest && (!BEFORE_VERB.has(lead[0]) || (next !== undefined && isVerb(next)))) {
        i += lead.length;
        continue;
      }
    }
    // "go home if you can": what the fillers leave of a trailing "if you can".
    if (t[i] === 'if' && (t[i + 1] === undefined || t[i + 1] === BREAK) && out.length > 0) {
      i += 1;
      continue;
    }
    out.push(t[i]);
    i += 1;
  }
  return out;
}

/** Hedge words that are part of a negation before these: "instead of", "rather than". */
const KEPT_BEFORE: ReadonlyMap<string, string> = new Map([
  ['instead', 'of'],
  ['rather', 'than'],
]);

/** Words that join commands into a chain. "next to" is a preposition, so "next" is handled apart. */
const SEPARATORS = new Set(['and', 'then', 'afterwards', 'afterward', 'finally', 'lastly', 'also', BREAK]);

/** Words that cannot end a clause: a comma after them is a spoken pause ("grab the, um, the ball"). */
const DANGLING = new Set(['the', 'a', 'an', 'to', 'into', 'onto', 'of', 'your', 'my']);

/** Split a token list into clauses at commas, "and", "then", "after that", "next" (not "next to"). */
export function splitClauses(tokens: readonly string[]): string[][] {
  const clauses: string[][] = [];
  let cur: string[] = [];
  const flush = (): void => {
    if (cur.length) clauses.push(cur);
    cur = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === BREAK && DANGLING.has(cur[cur.length - 1] ?? '')) continue;
    if (SEPARATORS.has(t)) {
      flush();
      continue;
    }
    if (t === 'after' && (tokens[i + 1] === 'that' || tokens[i + 1] === 'this')) {
      flush();
      i += 1;
      continue;
    }
    // "take the lotion and after go home": a learner's "and after" for "and afterwards".
    if (t === 'after' && tokens[i - 1] === 'and' && cur.length === 0 && clauses.length > 0) continue;
    if (t === 'next' && tokens[i + 1] !== 'to') {
      flush();
      continue;
    }
    cur.push(t);
  }
  flush();
  return clauses;
}

/**
 * Does a token look like a word someone said? Used to reject keyboard mash, not to spell-check:
 * needs a vowel, no run of 5+ consonants, no letter repeated 3 times in a row.
 */
export function isWordLike(token: string): boolean {
  if (!/^[a-z]+$/.test(token) || token.length > 24) return false;
  if (!/[aeiouy]/.test(token)) return false;
  if (/[^aeiouy]{5,}/.test(token)) return false;
  if (/(.)\1\1/.test(token)) return false;
  return true;
}

/** Optimal-string-alignment distance: insert, delete, substitute, swap neighbours = 1 each. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[m][n];
}

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);
const VOICING: ReadonlyMap<string, string> = new Map([
  ['b', 'p'],
  ['p', 'b'],
  ['d', 't'],
  ['t', 'd'],
  ['g', 'k'],
  ['k', 'g'],
  ['v', 'f'],
  ['f', 'v'],
  ['z', 's'],
  ['s', 'z'],
]);

/**
 * Edit distance where a slip of sound costs less than a slip of letters: a vowel for a vowel
 * (the pin/pen merger) 0.5, a voiced for an unvoiced consonant 0.7, anything else 1. Breaks
 * ties between sound-alikes: "pin" is nearer "pen" (a vowel) than "bin" (a consonant).
 */
export function soundDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const x = a[i - 1];
      const y = b[j - 1];
      const cost = x === y ? 0 : VOWELS.has(x) && VOWELS.has(y) ? 0.5 : VOICING.get(x) === y ? 0.7 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
    }
  }
  return d[m][n];
}

/**
 * A sound-alike key tuned for speech-to-text slips: English spellings of one sound merge
 * (ck/c/k, ph/f, final y/ie/ee), voiced/unvoiced pairs merge (g/k, b/p, d/t, v/f, z/s) because
 * recognizers confuse them ("back" ~ "bag"), vowels stay distinct ("bug" is not "bag").
 */
export function phoneticKey(word: string): string {
  let w = word.toLowerCase().replace(/[^a-z]/g, '');
  w = w
    .replace(/ck/g, 'k')
    .replace(/ph/g, 'f')
    .replace(/qu/g, 'kw')
    .replace(/q/g, 'k')
    .replace(/x/g, 'ks')
    .replace(/wh/g, 'w')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/c/g, 'k')
    .replace(/(ie|ey|ee|y)$/, 'i'); // "candee", "lokee": a final long e however it is spelled
  if (w.length > 3 && /[^aeiou]e$/.test(w)) w = w.slice(0, -1); // silent final e
  w = w.replace(/g/g, 'k').replace(/b/g, 'p').replace(/d/g, 't').replace(/v/g, 'f').replace(/z/g, 's');
  w = w.replace(/([aeiouy])[aeiouy]+/g, '$1'); // vowel runs keep their first vowel: "sweet" ~ "sweat"
  w = w.replace(/e(?=[nm])/g, 'i'); // the pin/pen merger: recognizers (and accents) confuse them
  return w.replace(/(.)\1+/g, '$1'); // doubled letters: "gummy" ~ "gumy"
}

/**
 * Is `heard` a plausible mis-hearing of `known`? Short words need the same sound (and at most
 * two edits); longer words may also differ by plain typos (1 edit from 5 letters, 2 from 9).
 */
export function soundsLike(heard: string, known: string): boolean {
  if (heard === known || heard.length < 3 || known.length < 3) return false;
  const d = editDistance(heard, known);
  if (d <= 2 && phoneticKey(heard) === phoneticKey(known)) return true;
  const len = Math.min(heard.length, known.length);
  return (len >= 5 && d <= 1) || (len >= 9 && d <= 2);
}

/** Crude English singular, enough for object nouns ("candies" → "candy", "boxes" → "box"). */
/** Nouns that are plural in form only: "the scissors" is SCISSORS, as in the paper. */
const PLURALIA = new Set([
  'scissors',
  'glasses',
  'pliers',
  'tongs',
  'tweezers',
  'pants',
  'shorts',
  'jeans',
  'binoculars',
  'headphones',
  'clothes',
  'series',
  'species',
]);

export function singular(word: string): string {
  if (word.length <= 3 || /(ss|us|is|ous)$/.test(word) || PLURALIA.has(word)) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ches|shes|xes|zes|sses)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/** Function words a typist may glue to a neighbour: "pick upthe candy", "go tothe bin". */
const GLUE_WORDS = new Set(['to', 'up', 'in', 'on', 'into', 'onto', 'it', 'and']);

/**
 * Words run together in typing split apart: "upthe" → "up the", "thecandy" → "the candy",
 * "grabthe" → "grab the". Only a token that is no word (`isWord` false) and is "the" glued to a
 * word or a function word ("again" is never "aga in"): the article is by far the most common glue.
 */
export function unglue(tokens: readonly string[], isWord: (w: string) => boolean): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const before = t.endsWith('the') ? t.slice(0, -3) : undefined;
    const after = t.startsWith('the') ? t.slice(3) : undefined;
    if (t.length < 5 || t === BREAK || isWord(t)) out.push(t);
    // "grabthe pen": a verb or noun before the article too ("breathe" is a word, so never split).
    else if (before && (GLUE_WORDS.has(before) || (before.length > 2 && isWord(before)))) out.push(before, 'the');
    else if (after && after.length > 2 && isWord(after)) out.push('the', after);
    else out.push(t);
  }
  return out;
}

/** Words short enough that one slip of a key could make another word of them: left alone. */
const MIN_RETYPE = 3;
/** Only targets this long are reached by a missing or doubled letter ("relase" → "release"; "grap" is left to the sound repair, "grab"). */
const MIN_INSERT_TARGET = 6;

/** The words one typing slip away from `t`: two letters swapped, one letter missing or one too many. */
function slipsOf(t: string, longEnough: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < t.length; i++) out.push(t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2));
  if (!longEnough) return out;
  // A letter too many: drop each in turn. A letter missing: found from the target's side (below).
  for (let i = 0; i < t.length; i++) out.push(t.slice(0, i) + t.slice(i + 1));
  return out;
}

/** Short function words a space can slip across: "tot he" → "to the", "int he" → "in the". */
const SHIFTABLE = new Set(['to', 'the', 'in', 'on', 'up', 'it', 'and', 'into', 'onto', 'at']);

/**
 * Typing slips repaired against the words the planner reads (`targets`: its command words and the
 * scene's names): "teh" → "the", "pikc" → "pick", "relase" → "release", "tot he" → "to the". Only
 * a token that is no word (`isWord` false) is touched, and only when exactly one target is one
 * slip away, so an unknown name ("scissors") is never turned into a known one.
 */
export function retype(
  tokens: readonly string[],
  isWord: (w: string) => boolean,
  targets: ReadonlySet<string>,
): { tokens: string[]; repairs: { heard: string; understood: string }[] } {
  const out: string[] = [];
  const repairs: { heard: string; understood: string }[] = [];
  // Targets by length, for the missing-letter check (a target with one letter more than the token).
  const longer = (t: string): string[] =>
    [...targets].filter(
      (w) => w.length === t.length + 1 && w.length >= MIN_INSERT_TARGET && [...w].some((_, i) => w.slice(0, i) + w.slice(i + 1) === t),
    );
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    // "tot he", "int he": the space one letter early, leaving two function words.
    if (next !== undefined && t.length >= 3 && !SHIFTABLE.has(t)) {
      const a = t.slice(0, -1);
      const b = t.slice(-1) + next;
      if (SHIFTABLE.has(a) && SHIFTABLE.has(b)) {
        out.push(a, b);
        repairs.push({ heard: `${t} ${next}`, understood: `${a} ${b}` });
        i++;
        continue;
      }
    }
    if (t.length < MIN_RETYPE || t === BREAK || /[0-9]/.test(t) || targets.has(t) || isWord(t)) {
      out.push(t);
      continue;
    }
    const found = new Set(slipsOf(t, t.length - 1 >= MIN_INSERT_TARGET).filter((w) => targets.has(w) && w.length >= MIN_RETYPE));
    if (t.length + 1 >= MIN_INSERT_TARGET) for (const w of longer(t)) found.add(w);
    if (found.size === 1) {
      const [w] = found;
      out.push(w);
      repairs.push({ heard: t, understood: w });
    } else out.push(t);
  }
  return { tokens: out, repairs };
}

/** Determiners a false start may follow: "the pe- the pen". */
const RESTART_OPEN = new Set(['the', 'a', 'an', 'my', 'your', 'that', 'this']);

/**
 * False starts dropped: "pick up the pe- the pen" → "pick up the pen". A cut-off fragment (up to
 * three letters, or no word: `isWord` false) that the next noun phrase starts over with, said whole.
 */
export function dropFalseStarts(tokens: readonly string[], isWord: (w: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    // The whole noun phrase said over: determiner, fragment, determiner, word ("to the tower" is no restart).
    const restart =
      RESTART_OPEN.has(out[out.length - 1] ?? '') && RESTART_OPEN.has(tokens[i + 1] ?? '') && (tokens[i + 2] ?? '').startsWith(t);
    // A short fragment may spell a word by chance ("pe"); a longer one must be none.
    const fragment = t.length <= 3 || !isWord(t);
    if (t !== BREAK && t.length < (tokens[i + 2] ?? '').length && restart && fragment && !RESTART_OPEN.has(t)) {
      // The determiner before the fragment goes with it: the restart brings its own.
      out.pop();
      continue;
    }
    out.push(t);
  }
  return out;
}

/**
 * Verbs that open a command of the robot's own (pick, put, go…): a second command starts at
 * one when its joining word went unheard or was misheard. Each reader adds its own few.
 */
export const COMMAND_VERBS: readonly string[] = [
  'put',
  'pick',
  'grab',
  'place',
  'bring',
  'take',
  'move',
  'carry',
  'lift',
  'release',
  'drop',
  'go',
];

/** How a recognizer mishears "and" between two commands ("in", "an", "end"…); each reader adds its own few. */
export const AND_MISHEARINGS: readonly string[] = ['in', 'an', 'end', 'n', 'on', 'at'];
