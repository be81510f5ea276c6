/**
 * One clause ("pick up the candy") → one action with unresolved noun phrases. The frames are
 * regular expressions over the space-joined tokens, tried in a fixed order, so the same words
 * always take the same path. Frame order matters: "move to X" (goto) before "move X to Y" (put),
 * release/grasp before pickup ("grab" alone closes the gripper, "grab X" picks X up).
 *
 * Also here: the behavior name in "teach you to <rest>" (it shares the verb and particle words).
 * Whole-utterance control phrases live in control-phrases.ts and trailing frame counts in
 * frame-count.ts; both are re-exported here for existing importers.
 */
import type { SkillSignature } from '../skills/registry.js';
import { SKILL_SYNONYMS } from './lexicon.js';
import { COMMAND_VERBS, isWordLike } from './text.js';
import { isDestructiveVerb, isVerb, verbLemma } from './wordnet.js';

export { parseControl, type Control } from './control-phrases.js';
export { spokenNumber, splitFrameCount } from './frame-count.js';

/** The seed API. Everything else in the skill list is taught and matched by its name. */
export const BUILTIN_SKILLS = new Set(['go_home', 'goto', 'grasp', 'release', 'pickup']);

export type Action =
  | { type: 'go_home' }
  | { type: 'goto'; dest: string[] }
  | { type: 'pickup'; obj: string[] }
  | { type: 'grasp' }
  | { type: 'release'; obj?: string[] }
  | { type: 'put'; obj: string[]; dest: string[] }
  | { type: 'skill'; skill: SkillSignature; args: string[][] }
  /** a known verb without what it needs; `ask` is the question to speak */
  | { type: 'missing'; ask: string }
  /** a taught skill said with the wrong number of arguments */
  | { type: 'skill_arity'; skill: SkillSignature; heard: number }
  | { type: 'unknown_verb'; verb: string; rest: string[] }
  /** no verb at all ("the candy") */
  | { type: 'no_verb'; np: string[] }
  | { type: 'negated' }
  /** "what is this?": a question to the robot, not a command */
  | { type: 'asked' }
  | { type: 'not_understood' };

// "park" names a pose only with its noun: "go to the park" is a place outside.
const HOME_NOUN =
  '(?:(?:home|neutral|rest|resting|start|starting|initial|default|original|parking|safe|ready|base|zero)(?: (?:position|pose|spot|place|location|configuration|point))?|park (?:position|pose|spot|place|location|configuration|point))';
const GO_V = '(?:go|move|head|come|get|run|return|travel|drive|fly|goto)';
const GOTO_V = '(?:go|goto|move|head|come|get|travel|drive|fly|hover|return|navigate|reach|point)';
const GOTO_PARTICLES = '(?: (?:over|up|down|back|right|straight|directly|close|closer|out))*';
const GOTO_PREP =
  '(?:to|toward|towards|above|over|near|next to|on top of|onto|on|into|in to|in|by|at|up to|close to|closer to|in front of|beside|for)';
const PUT_V =
  '(?:put|place|drop|move|bring|take|carry|stick|throw|toss|insert|load|transfer|set|deposit|stash|slide|get|lower|pop|dump|shove|stuff|return|release|leave)';
const PUT_PREP = '(?:into|in to|inside of|inside|in|onto|on to|on top of|on|to|over|above|at|next to|near|beside|by|towards|toward|within)';
const GRIPPER = '(?:the |your |its )?(?:gripper|hand|claw|fingers|grip|jaws|grabber)';
const PICK_V =
  '(?:(?:grab|take|get|catch) hold of|pick up|pickup|pick|grab|snag|nab|get|take|fetch|lift up|lift|retrieve|collect|grasp|grip|snatch|pluck|hold onto|hold|go get|go grab|go pick up|go fetch|come get|pick out)';

interface Frame {
  re: RegExp;
  build(g: Record<string, string | undefined>): Action;
}

const np = (s: string | undefined): string[] => (s ? s.split(' ') : []);

const FRAMES: readonly Frame[] = [
  // "head on back to your home spot": "on"/"right" only carry the motion.
  {
    re: new RegExp(`^${GO_V}(?: (?:on|right|straight))?(?: back)?(?: to)?(?: (?:the|your|its|my))? ${HOME_NOUN}$`),
    build: () => ({ type: 'go_home' }),
  },
  // "move the camera back home": the arm carries the camera in the stop-motion set.
  {
    re: new RegExp(
      `^(?:move|bring|take|get|send|put) (?:the |your )?(?:camera|arm|gripper|hand|phone|yourself|robot)(?: (?:back|over))?(?: to)?(?: (?:the|your))? ${HOME_NOUN}$`,
    ),
    build: () => ({ type: 'go_home' }),
  },
  {
    re: new RegExp(`^(?:park(?: (?:the|your) (?:arm|robot|gripper|camera)| yourself)?|back(?: to)?(?: (?:the|your))? ${HOME_NOUN})$`),
    build: () => ({ type: 'go_home' }),
  },
  {
    re: /^(?:(?:go|move|head|get|come) back to (?:where you (?:started|began|start|came from)|the (?:beginning|start)|your (?:spot|place|corner|start)))$/,
    build: () => ({ type: 'go_home' }),
  },
  {
    re: /^(?:home(?: position)?|return|reset|retreat|go away|move away|get away|back off|back away|back up|go back|move back|get back|come back|head back|step back|get out of the way|move out of the way|get out of my way|go to your home)$/,
    build: () => ({ type: 'go_home' }),
  },
  { re: new RegExp(`^${GOTO_V}${GOTO_PARTICLES} ${GOTO_PREP} (?<dest>.+)$`), build: (g) => ({ type: 'goto', dest: np(g.dest) }) },
  {
    re: /^(?:approach|visit|touch|find|locate|hover above|hover over|go find|move above|move over|reach for|goto)(?: (?<dest>.+))$/,
    build: (g) => ({ type: 'goto', dest: np(g.dest) }),
  },
  {
    re: new RegExp(`^${PUT_V} (?<obj>.+?)(?: (?:back|down|away|over))? ${PUT_PREP} (?<dest>.+)$`),
    build: (g) => ({ type: 'put', obj: np(g.obj), dest: np(g.dest) }),
  },
  {
    re: /^(?:release|drop|ungrasp|unclench|unhand|let go|let loose|let it go|let that go|let it drop|let it fall|let go of|drop off)(?: of)?(?: (?<obj>.+))?$/,
    build: (g) => ({ type: 'release', obj: g.obj ? np(g.obj) : undefined }),
  },
  { re: /^let (?<obj>.+?) (?:go|drop|fall|loose)$/, build: (g) => ({ type: 'release', obj: np(g.obj) }) },
  { re: new RegExp(`^(?:open|unclamp|unclench)(?: up)?(?: ${GRIPPER})?(?: up)?$`), build: () => ({ type: 'release' }) },
  { re: /^(?:put|set|place|lay|drop)(?: (?<obj>.+?))? down$/, build: (g) => ({ type: 'release', obj: g.obj ? np(g.obj) : undefined }) },
  { re: /^(?:put|set|place|lay) down(?: (?<obj>.+))?$/, build: (g) => ({ type: 'release', obj: g.obj ? np(g.obj) : undefined }) },
  {
    re: new RegExp(
      `^(?:grasp|grab|grip|close|clamp|squeeze|clench|pinch|shut)(?: (?:down|up|shut|tight|tightly))?(?: ${GRIPPER})?(?: (?:here|there|shut|now))?$`,
    ),
    build: () => ({ type: 'grasp' }),
  },
  { re: new RegExp(`^${PICK_V} (?<obj>.+?)(?: (?:up|out))?$`), build: (g) => ({ type: 'pickup', obj: np(g.obj) }) },
];

/** Verbs a frame understands; a clause starting with one that no frame matched gets a targeted question. */
const PICK_WORDS = new Set([
  'pick',
  'pickup',
  'grab',
  'get',
  'take',
  'fetch',
  'lift',
  'retrieve',
  'collect',
  'grasp',
  'grip',
  'snatch',
  'pluck',
  'hold',
  'snag',
  'nab',
]);
const GO_WORDS = new Set([
  'go',
  'goto',
  'move',
  'head',
  'come',
  'travel',
  'drive',
  'fly',
  'hover',
  'navigate',
  'approach',
  'visit',
  'reach',
  'touch',
  'find',
  'locate',
  'point',
  'return',
]);
const PUT_WORDS = new Set([
  'put',
  'place',
  'drop',
  'bring',
  'carry',
  'stick',
  'throw',
  'toss',
  'insert',
  'load',
  'transfer',
  'set',
  'deposit',
  'stash',
  'slide',
  'lower',
  'pop',
  'dump',
  'shove',
  'stuff',
  'release',
  'leave',
  'lay',
]);
const OTHER_VERBS = new Set([
  'let',
  'open',
  'close',
  'clamp',
  'squeeze',
  'clench',
  'pinch',
  'ungrasp',
  'unclench',
  'unhand',
  'reset',
  'retreat',
  'back',
  'step',
]);
export const KNOWN_VERBS = new Set([...PICK_WORDS, ...GO_WORDS, ...PUT_WORDS, ...OTHER_VERBS]);

/** Tokens that start a noun phrase rather than a command. */
const NON_VERB_START = new Set([
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
  'it',
  'some',
  'them',
  'in',
  'into',
  'on',
  'to',
  'at',
  'with',
  'from',
  'of',
  'i',
  'we',
  'you',
  'he',
  'she',
  'they',
]);
const QUESTION_WORDS = new Set([
  'what',
  'whats',
  'where',
  'wheres',
  'why',
  'how',
  'who',
  'whos',
  'when',
  'which',
  'is',
  'are',
  'do',
  'does',
  'did',
  'can',
  'could',
  'would',
  'will',
]);
const PARTICLES = new Set(['up', 'down', 'away', 'out', 'off', 'back', 'over', 'around']);
/** Splits the arguments of a taught skill with several parameters: "bring the candy to the bag". */
const ARG_SEPARATORS = new Set(['to', 'into', 'in', 'on', 'onto', 'with', 'from', 'at', 'for', 'near', 'over', 'above', 'inside']);
const NEGATIONS = new Set(['dont', 'never', 'not']);

function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((w, i) => tokens[i] === w);
}

/** Multi-word prepositions that also separate arguments: "stack the ball on top of the car". */
const ARG_PHRASES: readonly (readonly string[])[] = [
  ['on', 'top', 'of'],
  ['next', 'to'],
  ['in', 'front', 'of'],
  ['inside', 'of'],
  ['close', 'to'],
  ['out', 'of'],
];

export function splitArgs(rest: readonly string[]): string[][] {
  const groups: string[][] = [];
  let cur: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i];
    const phrase = ARG_PHRASES.find((p) => p.every((w, k) => rest[i + k] === w));
    if (phrase) {
      if (cur.length) groups.push(cur);
      cur = [];
      i += phrase.length - 1;
      continue;
    }
    if (ARG_SEPARATORS.has(t)) {
      if (cur.length) groups.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length) groups.push(cur);
  return groups;
}

/** Prepositions that may open a taught skill's argument: "track around the tower", "zoom in on Loki". */
const ARG_LEADS = new Set([...ARG_SEPARATORS, 'around', 'toward', 'towards', 'about', 'past', 'across', 'through', 'of']);

function dropLeading(tokens: readonly string[], words: ReadonlySet<string>): string[] {
  let i = 0;
  while (i < tokens.length && words.has(tokens[i])) i++;
  return tokens.slice(i);
}

const PURE_PARTICLES = new Set(['up', 'down', 'away', 'out', 'off', 'back', 'around', 'aside']);

/**
 * A taught skill's second name: the verb its description opens with ("Push in on the target."
 * → "push in"), so the words the operator used while teaching also call it. Only verbs no
 * built-in frame or other skill name owns, so an alias never steals an existing command.
 */
export function descriptionAlias(skill: SkillSignature, skills: readonly SkillSignature[]): string[] | undefined {
  const first = (skill.description.split(/[.,;:!?(]/)[0] ?? '')
    .toLowerCase()
    .replace(/[^a-z ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const verb = first[0];
  if (!verb || KNOWN_VERBS.has(verb) || NON_VERB_START.has(verb) || QUESTION_WORDS.has(verb)) return undefined;
  if (skills.some((s) => s.name.split('_')[0] === verb)) return undefined;
  const words = PURE_PARTICLES.has(first[1] ?? '') ? first.slice(0, 2) : [verb];
  return words.join('_') === skill.name ? undefined : words;
}

/**
 * A taught skill's crew synonyms (lexicon.ts SKILL_SYNONYMS: "push in" for zoom_in), each as
 * name words; only those no built-in verb, other skill name or other skill's first word owns.
 */
export function skillSynonyms(skill: SkillSignature, skills: readonly SkillSignature[]): string[][] {
  const out: string[][] = [];
  for (const phrase of SKILL_SYNONYMS[skill.name] ?? []) {
    const words = phrase.split(' ');
    // A two-word phrase ("close in", "zoom out") is its own verb unless a taught skill is named
    // by its first word (a taught "push" owns "push in"); a one-word one must be free.
    const owned = skills.some(
      (s) => s.name !== skill.name && (s.name === words[0] || (words.length === 1 && s.name.split('_')[0] === words[0])),
    );
    if (owned || (words.length === 1 && KNOWN_VERBS.has(words[0]))) continue;
    if (skills.some((s) => s.name === words.join('_'))) continue;
    out.push(words);
  }
  return out;
}

/** Spoken variants of a name word: pack_all ← "pack everything", zoom_in ← "zoom into". */
const NAME_WORD_VARIANTS: Readonly<Record<string, readonly string[]>> = { all: ['everything'], in: ['into'], on: ['onto'] };

/**
 * The tokens after a taught skill's name, or undefined when the clause does not start with it.
 * "into"/"onto" also supply the preposition that follows ("zoom into the tower" → [the, tower]),
 * and a two-word verb+particle name may be split by its object ("throw the pen away").
 */
function nameEnd(tokens: readonly string[], words: readonly string[]): string[] | undefined {
  let i = 0;
  for (const [k, w] of words.entries()) {
    // "pack up the candy", "pack up everything": "up" after a one-word verb name only completes it.
    if (k === 1 && tokens[i] === 'up' && w !== 'up' && words.length >= 2 && tokens.length > 2) i++;
    const t = tokens[i];
    if (t === w || NAME_WORD_VARIANTS[w]?.includes(t)) i++;
    else if (words.length === 2 && i === 1 && PURE_PARTICLES.has(w) && tokens[tokens.length - 1] === w && tokens.length > 2)
      return tokens.slice(1, -1);
    else return undefined;
  }
  // "pack up the candy": "up" completes a one-word name said on an object.
  if (words.length === 1 && (tokens[i] === 'up' || tokens[i] === 'away') && tokens.length > i + 1) i++;
  return tokens.slice(i);
}

/** "do the sweep", "run pack all again": a verb that only says "perform this taught skill". */
const PERFORM = new Set(['do', 'run', 'play', 'perform', 'repeat', 'execute', 'try']);
const USING = new Set(['use', 'apply']);
const PERFORM_NOISE = new Set([
  ...['the', 'a', 'an', 'your', 'that', 'this', 'shot', 'move', 'skill', 'behavior', 'trick', 'thing'],
  // "do a slow orbit around loki": how the move is done, not which one.
  ...['slow', 'quick', 'nice', 'full', 'little', 'smooth', 'small', 'big', 'gentle', 'wide', 'tight', 'long', 'short', 'good'],
]);
/** Said between a camera move and its target, about the camera or how it moves: "pull the camera back", "zoom in closer on loki". */
const MOVE_NOISE = new Set([
  ...['camera', 'lens', 'shot', 'view', 'yourself', 'closer', 'close', 'tight', 'tighter', 'slowly', 'slow', 'smoothly', 'gently'],
  ...['more', 'bit', 'little', 'really', 'nice', 'all', 'way', 'further', 'wide', 'wider', 'quickly', 'real', 'some'],
  // "orbit the tower counterclockwise": which way round, for the studio to choose; not the target.
  ...['clockwise', 'counterclockwise', 'anticlockwise', 'steadily', 'smooth'],
  // "circle the hulk twice": how often, for the studio; the move is made once per command.
  ...['twice', 'once', 'thrice'],
]);
/** What a skill without parameters may still be said with: "pack all of them", "pull back out". */
const ZERO_ARG_NOISE = new Set(['the', 'out', 'back', 'of', 'them', 'those', 'these', 'things', 'stuff', 'it', 'up', 'everything', 'all']);
/** Where a move starts from, not its target: "pull back from loki". */
const FROM_WORDS = new Set(['from', 'away']);

/** Words of a noun phrase that name nothing: "the", "a", "gift" in "the gift bag" is checked apart. */
const ARG_NOISE = new Set(['the', 'a', 'an', 'that', 'this', 'your', 'my']);

/** The words of the entity names a behavior's description uses as constants: "go to GIFT_BAG" → gift, bag. */
function constantWords(description: string): Set<string> {
  const out = new Set<string>();
  for (const name of description.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b/g) ?? []) {
    if (name.length < 2) continue;
    for (const w of name.toLowerCase().split('_')) if (w) out.add(w);
  }
  return out;
}

/** Taught skills, matched by their name words ("bring_to_user" ← "bring to user ..."), longest name first. */
function matchTaught(tokens: readonly string[], skills: readonly SkillSignature[]): Action | undefined {
  const candidates: { s: SkillSignature; words: string[]; alias: boolean }[] = [];
  for (const s of skills) {
    if (BUILTIN_SKILLS.has(s.name)) continue;
    candidates.push({ s, words: s.name.split('_').filter(Boolean), alias: false });
    const alias = descriptionAlias(s, skills);
    if (alias) candidates.push({ s, words: alias, alias: true });
    for (const words of skillSynonyms(s, skills)) candidates.push({ s, words, alias: true });
  }
  // Longest first; a real name beats an alias of the same length; then by name, for determinism.
  candidates.sort((a, b) => b.words.length - a.words.length || Number(a.alias) - Number(b.alias) || (a.s.name < b.s.name ? -1 : 1));
  for (const { s, words } of candidates) {
    const after = nameEnd(tokens, words);
    if (after === undefined) continue;
    const n = s.params.length;
    let rest = dropLeading(
      after.filter((t, i) => !MOVE_NOISE.has(t) && !(['the', 'a', 'your'].includes(t) && MOVE_NOISE.has(after[i + 1] ?? ''))),
      ARG_LEADS,
    );
    // "pull back from loki": a move without a target says where it leaves from, no argument.
    if (n === 0 && FROM_WORDS.has(after.find((t) => !MOVE_NOISE.has(t) && !['the', 'a', 'your', 'out', 'back'].includes(t)) ?? ''))
      rest = [];
    // "pack all of them", "pull back out": nothing but words for "everything" or the move's own particle.
    if (n === 0 && rest.every((t) => ZERO_ARG_NOISE.has(t))) rest = [];
    if (n === 0)
      return rest.length === 0 ? { type: 'skill', skill: s, args: [] } : { type: 'skill_arity', skill: s, heard: splitArgs(rest).length };
    if (!rest.length) return { type: 'missing', ask: `What should I ${words.join(' ')}?` };
    const args = n === 1 ? [rest] : splitArgs(rest).map((g) => dropLeading(g, ARG_LEADS));
    // One-parameter skills take the whole rest, unless it clearly names a second thing
    // ("pack the candy into the bag" names the bag pack already goes to: that is no second thing).
    if (n === 1 && splitArgs(rest).length > 1) {
      const [first, ...extra] = splitArgs(rest);
      const fixed = constantWords(s.description);
      const already = extra.every((g) => g.some((w) => fixed.has(w)) && g.every((w) => fixed.has(w) || ARG_NOISE.has(w)));
      if (already && fixed.size) return { type: 'skill', skill: s, args: [first] };
      return { type: 'skill_arity', skill: s, heard: splitArgs(rest).length };
    }
    return args.length === n ? { type: 'skill', skill: s, args } : { type: 'skill_arity', skill: s, heard: args.length };
  }
  return undefined;
}

/** Classify one clause (fillers already removed). */
export function parseClause(tokens: readonly string[], skills: readonly SkillSignature[]): Action {
  if (!tokens.length) return { type: 'not_understood' };
  if (NEGATIONS.has(tokens[0]) || startsWith(tokens, ['do', 'not'])) return { type: 'negated' };
  const taught = matchTaught(tokens, skills);
  if (taught) return taught;
  // "use pack on the lotion": only a taught skill's name after "use" calls it ("use the gripper" is no skill).
  if (USING.has(tokens[0])) {
    const named = matchTaught(
      tokens.slice(1).filter((t) => !PERFORM_NOISE.has(t)),
      skills,
    );
    if (named && named.type !== 'missing') return named;
  }
  if (PERFORM.has(tokens[0])) {
    const named = matchTaught(
      tokens.slice(1).filter((t) => !PERFORM_NOISE.has(t)),
      skills,
    );
    if (named && named.type !== 'missing') return named;
    // "do a dolly shot of the hulk": an unknown named move is a behavior to teach (dolly_shot).
    if (['a', 'an', 'the'].includes(tokens[1] ?? '')) {
      const end = tokens.findIndex((t, i) => i > 1 && (ARG_SEPARATORS.has(t) || ARG_LEADS.has(t)));
      const move = tokens.slice(2, end < 0 ? undefined : end);
      if (move.length && move.length <= 3)
        return { type: 'unknown_verb', verb: move.join(' '), rest: end < 0 ? [] : tokens.slice(end + 1) };
    }
  }

  const text = tokens.join(' ');
  for (const f of FRAMES) {
    const m = f.re.exec(text);
    if (m) {
      const action = f.build(m.groups ?? {});
      // "pick up the candy in put it in the bag": a second command inside an argument is never dropped.
      return commandInside(action, skills) ? { type: 'not_understood' } : action;
    }
  }

  const verb = tokens[0];
  if (QUESTION_WORDS.has(verb)) return { type: 'asked' };
  if (KNOWN_VERBS.has(verb)) {
    const tail = tokens.slice(1).filter((t) => !PARTICLES.has(t));
    if (PICK_WORDS.has(verb) && !tail.length) return { type: 'missing', ask: `What should I ${tokens.join(' ')}?` };
    if (GO_WORDS.has(verb) && tail.every((t) => t === 'here' || t === 'there'))
      return { type: 'missing', ask: 'Where should I go? Tell me the name of an object or place.' };
    // "throw away the candy": a verb+particle no frame covers is a behavior to teach, not a put.
    if (PARTICLES.has(tokens[1] ?? '') && tokens[1] !== 'up')
      return { type: 'unknown_verb', verb: tokens.slice(0, 2).join(' '), rest: tokens.slice(2) };
    if (PUT_WORDS.has(verb) || verb === 'move' || verb === 'take' || verb === 'get') {
      if (tail.length) return { type: 'missing', ask: `Where should I ${verb} ${tokens.slice(1).join(' ')}?` };
      return { type: 'missing', ask: `What should I ${verb}, and where?` };
    }
    return { type: 'not_understood' };
  }
  if (NON_VERB_START.has(verb) || /^[0-9]/.test(verb)) return { type: 'no_verb', np: [...tokens] };
  // A new word is a verb to teach only when it is one (WordNet) and not a harmful one; "maybe
  // put …" or "blorp the candy" get a question with the closest readings instead. Keyboard mash
  // still goes on as a verb, for the garbage check.
  if (isWordLike(verb) && ((!isVerb(verb) && !VERBS_WORDNET_LACKS.has(verb)) || isDestructiveVerb(verb))) return { type: 'not_understood' };
  const withParticle = PARTICLES.has(tokens[1] ?? '') ? 2 : 1;
  const last = tokens[tokens.length - 1];
  // "shake the ball out": the particle closes a short object, as in behaviorNameWords.
  // "turn the bag upside down", "turn the sock inside out": the adverb is part of the move's name.
  const adverb = ['upside', 'inside'].includes(tokens[tokens.length - 2] ?? '') ? tokens[tokens.length - 2] : undefined;
  if (withParticle === 1 && adverb && tokens.length >= 4 && tokens.length <= 6)
    return { type: 'unknown_verb', verb: `${verb} ${adverb} ${last}`, rest: tokens.slice(1, -2) };
  if (
    withParticle === 1 &&
    tokens.length >= 3 &&
    tokens.length <= 5 &&
    // "flip the car over": a closing "over" is the verb's too (never an object follows it here).
    (PURE_PARTICLES.has(last) || last === 'over') &&
    !tokens.slice(1, -1).some((t) => ARG_SEPARATORS.has(t))
  ) {
    return { type: 'unknown_verb', verb: `${verb} ${last}`, rest: tokens.slice(1, -1) };
  }
  return { type: 'unknown_verb', verb: tokens.slice(0, withParticle).join(' '), rest: tokens.slice(withParticle) };
}

/** Verbs people teach that WordNet 3.1 does not list as verbs (a film crew's "dolly in"). */
const VERBS_WORDNET_LACKS = new Set(['dolly', 'declutter', 'restack']);

/** Verbs that, followed by an argument, start a command of their own. */
const CLAUSE_VERBS = new Set([...COMMAND_VERBS, 'pickup', 'fetch', 'insert', 'goto', 'grasp', 'get', 'return']);
/** Words that open a command's argument: "put [it]", "go [to]", "pick [up]". */
const ARG_OPENERS = new Set([
  'the',
  'a',
  'an',
  'it',
  'them',
  'that',
  'this',
  'these',
  'those',
  'my',
  'your',
  'its',
  'up',
  'down',
  'to',
  'home',
  'back',
]);
/** "the drop zone" is a noun phrase; "a"/"an" are left out: "an" is how "and" is often misheard. */
const NP_DETERMINERS = new Set(['the', 'my', 'your', 'this', 'that', 'its', 'our', 'their']);

/** Does a noun phrase hold another command ("the candy in put it in the bag")? */
function clauseInside(np: readonly string[], skills: readonly SkillSignature[]): boolean {
  // Bounded by the phrase: one look at each word.
  for (let i = 1; i < np.length - 1; i++) {
    const w = np[i];
    const taught = skills.some((s) => !BUILTIN_SKILLS.has(s.name) && s.name.split('_')[0] === w);
    if ((CLAUSE_VERBS.has(w) || taught) && ARG_OPENERS.has(np[i + 1]) && !NP_DETERMINERS.has(np[i - 1])) return true;
  }
  return false;
}

function commandInside(a: Action, skills: readonly SkillSignature[]): boolean {
  switch (a.type) {
    case 'goto':
      return clauseInside(a.dest, skills);
    case 'pickup':
      return clauseInside(a.obj, skills);
    case 'release':
      return a.obj !== undefined && clauseInside(a.obj, skills);
    case 'put':
      return clauseInside(a.obj, skills) || clauseInside(a.dest, skills);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The name of a behavior being taught, from the words after "teach you to".

/** Object words after a verb that do not belong in a behavior's name: "pack [things]". */
const NAME_STOP = new Set([
  ...NON_VERB_START,
  'things',
  'thing',
  'stuff',
  'something',
  'objects',
  'items',
  'everything',
  'all',
  'them',
  'like',
  'when',
  'so',
  'by',
  'for',
  'step',
  'one',
]);

/**
 * The behavior name in "teach you to <rest>": "pack things" → [pack], "throw away the candy" →
 * [throw, away], "zoom in on Loki" → [zoom, in], "pack everything" → [pack, all], "a new trick
 * called wiggle" → [wiggle]. Undefined when no verb was said.
 */
export function behaviorNameWords(rest: readonly string[]): string[] | undefined {
  const called = rest.findIndex((w) => w === 'called' || w === 'named');
  if (called >= 0) {
    const name = rest.slice(called + 1).filter((w) => !NON_VERB_START.has(w));
    return name.length ? name : undefined;
  }
  let words = [...rest];
  while (
    words.length &&
    ['a', 'an', 'the', 'some', 'new', 'something', 'skill', 'behavior', 'behaviour', 'trick', 'how', 'to', 'you'].includes(words[0])
  )
    words = words.slice(1);
  // "do a reveal" names the move, not "do".
  if ((words[0] === 'do' || words[0] === 'perform') && ['a', 'an', 'the'].includes(words[1] ?? '') && words.length > 2)
    words = words.slice(2);
  // "time to learn packing": the behavior is the verb, not its gerund.
  const gerund = words[0]?.endsWith('ing') ? verbLemma(words[0]) : undefined;
  if (gerund && gerund !== words[0]) words[0] = gerund;
  const verb = words[0];
  if (!verb || NAME_STOP.has(verb)) return undefined;
  const out = [verb];
  const next = words[1];
  const after = words[2];
  // A particle belongs to the verb ("throw away"); in/on/over only when no object follows them directly.
  // "track around the hulk": `around` right before an object is a preposition, not the verb's particle.
  const aroundObject = next === 'around' && after !== undefined && !ARG_SEPARATORS.has(after);
  if (next && PURE_PARTICLES.has(next) && !aroundObject) out.push(next);
  else if (next && ['in', 'on', 'over'].includes(next) && (after === undefined || ARG_SEPARATORS.has(after) || after === 'around'))
    out.push(next);
  else {
    // "put things away", "throw the trash out": the particle after a short object.
    const at = words.findIndex((w, i) => i > 1 && i <= 4 && PURE_PARTICLES.has(w));
    if (at > 0 && !words.slice(1, at).some((w) => ARG_SEPARATORS.has(w))) out.push(words[at]);
  }
  const tail = words.slice(1).filter((w) => w !== out[1]);
  if (tail[0] === 'all' || tail[0] === 'everything' || (tail[0] === 'them' && tail[1] === 'all')) out.push('all');
  return out;
}
