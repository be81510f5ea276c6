/**
 * Paraphrases of one clause into the command form the frames in rules.ts read, before the
 * clause is parsed: a subject said before the verb ("you go to the candy", "we need to pick up
 * the pen"), a placement said about the object ("the candy goes in the bag", "the pen belongs
 * in the bin", "we need the candy in the bag"), and speech slips in function words and verbs
 * ("go two the bag", "pig up the candy"). Each slip repaired is reported, as object repairs are.
 * Only rewrites into the built-in command forms; anything else is left as it was.
 */
import type { SkillSignature } from '../skills/registry.js';
import { KNOWN_VERBS } from './rules.js';
import { AND_MISHEARINGS, COMMAND_VERBS, editDistance, soundsLike } from './text.js';
import type { Repair } from './types.js';
import { commonVerbs, isDestructiveVerb, isNoun, isVerb, verbLemma } from './wordnet.js';

/** Subjects said before the verb of a command. */
const SUBJECTS = new Set(['you', 'u', 'we', 'i', 'robot']);
/** What may stand between a subject and the verb: "you should", "we need to", "you're going to". */
const MODALS: readonly (readonly string[])[] = [
  ['are', 'going', 'to'],
  ['re', 'going', 'to'],
  ['need', 'to'],
  ['needs', 'to'],
  ['have', 'to'],
  ['has', 'to'],
  ['got', 'to'],
  ['ought', 'to'],
  ['want', 'to'],
  ['gotta'],
  ['gonna'],
  ['should'],
  ['must'],
  ['will'],
  ['can'],
  ['could'],
  ['would'],
  ['shall'],
  ['may'],
  ['might'],
];
/** "youre going to go home": contractions the tokenizer glued. */
const GLUED_SUBJECTS = new Map<string, string[]>([
  ['youre', ['are']],
  ['youll', ['will']],
  ['youd', ['would']],
  ['were', ['are']],
  ['well', ['will']],
  ['ill', ['will']],
  ['id', ['would']],
]);

const GRIPPER_WORDS = new Set(['gripper', 'hand', 'claw', 'fingers', 'grip']);
const GRIPPER_STATES = new Map([
  ['open', 'open'],
  ['opened', 'open'],
  ['close', 'close'],
  ['closed', 'close'],
  ['shut', 'close'],
]);

/** Verbs that say where the object belongs: "the candy goes in the bag". */
const PLACING = new Set(['go', 'goes', 'belong', 'belongs', 'be', 'end', 'sit', 'sits', 'stay', 'live', 'lives']);
/** The modal before a placing verb: "should go", "needs to go", "has to be". */
const PLACE_MODALS = new Set([
  'should',
  'must',
  'can',
  'will',
  'shall',
  'needs',
  'need',
  'has',
  'have',
  'ought',
  'to',
  'is',
  'gotta',
  'going',
  'be',
  'put',
  'placed',
  'up',
]);
/** Prepositions of placement that a put takes. */
const PLACE_PREPS = new Set(['in', 'into', 'inside', 'on', 'onto', 'next', 'near', 'beside', 'by', 'under', 'over', 'above', 'back']);
/** Words that start a noun phrase: the object of an indirect request. */
const NP_START = new Set(['the', 'a', 'an', 'that', 'this', 'my', 'your', 'these', 'those', 'it', 'them']);
/** "I need the candy in the bag": verbs of wanting that, with an object and a place, ask for a put. */
const WANTING: readonly (readonly string[])[] = [
  ['need'],
  ['want'],
  ['would', 'like'],
  ['d', 'like'],
  ['like'],
  ['wanna', 'have'],
  ['wanna', 'see'],
  ['want', 'to', 'see'],
];
/** The verbs a misheard first word may be repaired to, each with what must follow it. */
const VERB_SOUNDS: readonly { verb: string; next: (w: string | undefined) => boolean }[] = [
  { verb: 'pick', next: (w) => w === 'up' },
  { verb: 'put', next: (w) => w !== undefined && NP_START.has(w) },
  { verb: 'grab', next: (w) => w !== undefined && NP_START.has(w) },
  { verb: 'go', next: (w) => w === 'to' || w === 'home' || w === 'over' },
  { verb: 'drop', next: (w) => w !== undefined && NP_START.has(w) },
  { verb: 'place', next: (w) => w !== undefined && NP_START.has(w) },
];
/** Words said for "to" after a motion verb, when a noun phrase follows: "go two the bag". */
const TO_SOUNDS = new Set(['two', 'too', 'ta', 'tu']);
const MOTION = new Set(['go', 'move', 'head', 'come', 'get', 'travel', 'return', 'drive', 'fly', 'up', 'over', 'back', 'closer', 'close']);

const CAMERA = new Set(['camera', 'lens', 'shot']);
const CAMERA_PREPS = new Set(['at', 'to', 'toward', 'towards', 'over', 'on', 'near', 'up']);
/** Verbs that move the arm to a place, and the arm's words: "hover the gripper over the candy". */
const ARM_MOVERS = new Set(['hover', 'move', 'bring', 'take', 'put', 'get', 'send', 'position', 'place', 'lower', 'lift', 'raise']);
const ARM_WORDS = new Set(['gripper', 'arm', 'hand', 'claw', 'robot', 'rig']);
/** Verbs of going that take no object: "go the bin" lacks its "to". */
const GOING = new Set(['go', 'come', 'head', 'travel', 'walk', 'return', 'goto']);
/** Verbs of carrying the camera somewhere: the arm moves. */
const CARRY = new Set(['bring', 'take', 'get', 'put', 'carry', 'send', 'park', 'position', 'place', 'set']);
const CLOSE_UP =
  /^(?:(?:get|give me|grab|take|do|shoot|go for|go in for|go|move|cut to|cut to a|get in|go in|move in|push in) )?(?:a |an )?(?:close ?up|closeup|tight shot|close shot|tight)(?: shot)? (?:of|on) (?<np>.+)$/;
/** "film the tower from up close", "shoot loki up close": a close-up said after its subject. */
const CLOSE_UP_AFTER = /^(?:film|shoot|get|show|show me|frame|capture) (?<np>.+?) (?:from )?(?:up close|close up|closeup)$/;
/** "… keeping him in frame", "… while keeping the tower in shot": how a camera move frames, not a second order. */
const KEEP_IN_FRAME = / (?:while |and )?keep(?:ing)? (?:him|her|it|them|(?:the )?[a-z0-9]+) in (?:the )?(?:frame|shot|view|focus)$/;
/** A clause long enough to hold verb, camera and a preposition. */
const i1 = (t: readonly string[]): boolean => t.length >= 4;

const SELF_MOVERS = new Set(['position', 'put', 'place', 'get', 'move', 'bring', 'take', 'park', 'set']);
const WIDE_SHOT =
  /^(?:give me|get|get me|show me|go to|go for|do|take|shoot|frame|let s get|let me see)? ?(?:a |an |the )?(?:wide|wider|establishing|full|master) (?:shot|view|angle|frame)(?: of (?:the )?(?:whole |entire )?(?:set|scene|stage|everything))?$/;
/** "show the whole set", "get everything in frame": what a pull-back to a wide shot shows. */
const WHOLE_SET =
  /^(?:show|show me|frame|get|fit)(?: the)? (?:whole|entire|full) (?:set|scene|stage)(?: in(?: the)? (?:frame|shot))?$|^get everything in (?:the )?(?:frame|shot)$/;
/** Longest repeated run collapsed: "in the in the bag", "the the ball", "pick up pick up the pen". */
const MAX_STUTTER = 3;

/** A speaker's restart removed: a run of up to three words said twice in a row is said once. */
export function unstutter(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length;) {
    let skipped = false;
    for (let n = MAX_STUTTER; n >= 1; n--) {
      if (out.length < n || i + n > tokens.length) continue;
      const prev = out.slice(out.length - n);
      // Numbers repeat on purpose ("24 24" is unusual, but "two two" is not ours to judge).
      if (prev.every((w, k) => w === tokens[i + k] && !/^[0-9]+$/.test(w))) {
        i += n;
        skipped = true;
        break;
      }
    }
    if (!skipped) out.push(tokens[i++]);
  }
  return out;
}

const WHERE =
  /^(?<head>.*?)(?: to| over to| up to| back to)? where (?<np>(?:the|my|your|that|this) .+?|it) (?:is|are|was|were|sits|lies|stands)(?: now)?$/;
/** Verbs of going said before the real one: "go pack the candy", "come grab the pen". */
export const GO_ALONG = new Set(['go', 'come', 'run', 'hurry', 'try']);
/** Words after "go" that are where it goes, not a second verb. */
const NOT_SECOND_VERB = new Set([
  'back',
  'home',
  'up',
  'down',
  'over',
  'around',
  'away',
  'out',
  'in',
  'to',
  'there',
  'here',
  'on',
  'off',
  'return',
  'reset',
]);

/** Does the word start a command of its own (a built-in verb or a taught skill's name)? */
export function commandVerb(w: string | undefined, skills: readonly SkillSignature[]): boolean {
  if (!w || NOT_SECOND_VERB.has(w) || GO_ALONG.has(w)) return false;
  return KNOWN_VERBS.has(w) || skills.some((s) => s.name.split('_')[0] === w);
}

/** How a recognizer mishears "and" / "then" between two commands. */
const AND_SLIPS = new Set([...AND_MISHEARINGS, 'a', 'und']);
const THEN_SLIPS = new Set(['than', 'den', 'them', 'thin']);
/** Words before which "than" is a comparison, not a misheard "then". */
const COMPARATIVES = new Set(['rather', 'more', 'less', 'better', 'other', 'bigger', 'smaller', 'closer', 'further', 'faster', 'slower']);
/** Verbs that start a second command when a joining word went unheard: "grab the candy put it in the bag". */
const CHAIN_VERBS = new Set([...COMMAND_VERBS, 'return', 'let', 'open']);
/** Function words as a recognizer or a typist may spell them. */
const FUNCTION_SLIPS = new Map([
  ['inn', 'in'],
  ['intu', 'into'],
  ['inta', 'into'],
  ['ontu', 'onto'],
  ['teh', 'the'],
  ['thee', 'the'],
  ['da', 'the'],
  ['tha', 'the'],
]);

/**
 * Joins between commands repaired on the whole utterance, before it is split into clauses:
 * "pick up the ball than go home", "go to the bag a drop it", "grab the candy put it in the
 * bag". `known` says whether a word names something in the scene (the lexicon's vocabulary).
 */
export function repairJoins(tokens: readonly string[], skills: readonly SkillSignature[], known: (w: string) => boolean): Paraphrased {
  const repairs: Repair[] = [];
  const out: string[] = [];
  const verbAt = (i: number): boolean => {
    const v = tokens[i];
    const next = tokens[i + 1];
    const opens =
      next === undefined ||
      next === ',' ||
      NP_START.has(next) ||
      ['up', 'down', 'to', 'home', 'go', 'back', 'over', 'in', 'into', 'on', 'onto'].includes(next);
    return v !== undefined && (CHAIN_VERBS.has(v) || skills.some((s) => s.name.split('_')[0] === v)) && opens;
  };
  // Where the words so far already hold a command with its object: a join may follow.
  const closesPhrase = (w: string | undefined): boolean => w !== undefined && (known(w) || w === 'it' || w === 'them' || w === 'home');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const slip = FUNCTION_SLIPS.get(t);
    if (slip && !known(t)) {
      repairs.push({ heard: t, understood: slip });
      out.push(slip);
      continue;
    }
    const prev = out[out.length - 1];
    if (THEN_SLIPS.has(t) && prev === 'and' && verbAt(i + 1)) {
      repairs.push({ heard: t, understood: 'then' });
      out.push('then');
      continue;
    }
    const hasVerb = out.some((w) => KNOWN_VERBS.has(w));
    if (hasVerb && closesPhrase(prev) && i > 1) {
      if (AND_SLIPS.has(t) && verbAt(i + 1)) {
        repairs.push({ heard: t, understood: 'and' });
        out.push('and');
        continue;
      }
      if (THEN_SLIPS.has(t) && !COMPARATIVES.has(prev ?? '') && verbAt(i + 1)) {
        repairs.push({ heard: t, understood: 'then' });
        out.push('then');
        continue;
      }
      if (verbAt(i) && !['it', 'them'].includes(prev ?? '') && prev !== 'home') {
        // "grab the candy put it in the bag": an unheard "and".
        out.push('and', t);
        continue;
      }
    }
    out.push(t);
  }
  return { tokens: out, repairs };
}

/** Verbs of putting that need an object (not "move": "move to the bag" goes there). */
const OBJECT_PUTS = new Set([
  'put',
  'drop',
  'place',
  'bring',
  'take',
  'carry',
  'stick',
  'pop',
  'set',
  'toss',
  'throw',
  'insert',
  'stuff',
  'dump',
]);
const PUT_PLACES = new Set(['in', 'into', 'inside', 'on', 'onto', 'to']);

export interface Paraphrased {
  tokens: string[];
  repairs: Repair[];
}

const startsAt = (tokens: readonly string[], i: number, p: readonly string[]): boolean => p.every((w, k) => tokens[i + k] === w);

/** Verbs of wanting said with the addressee: "I want you to …", "we need the robot to …". */
const WANT_VERBS = new Set(['want', 'wanted', 'need', 'needed', 'like', 'expect', 'asked', 'ask']);
/** Who is wanted to act; "the" is what the fillers leave of "the robot". */
const ADDRESSEES = new Set(['you', 'u', 'it', 'the', 'robot', 'shammie']);

/** "want you to", "need the robot to", "would like you to" at `i`, as the words to skip. */
function wantAddressee(rest: readonly string[], i: number): readonly string[] | undefined {
  const w = rest[i] === 'would' && rest[i + 1] === 'like' ? 2 : WANT_VERBS.has(rest[i] ?? '') ? 1 : 0;
  if (!w) return undefined;
  // "I want that you pick the ball": a learner's "that" before the addressee.
  const that = rest[i + w] === 'that' ? 1 : 0;
  let k = i + w + that;
  // At most two addressee words ("the robot"), then "to" (or, after "that", the verb).
  while (k < i + w + that + 2 && ADDRESSEES.has(rest[k] ?? '')) k++;
  if (k === i + w + that) return undefined;
  if (rest[k] === 'to') return rest.slice(i, k + 1);
  return that ? rest.slice(i, k) : undefined;
}

/** "you go to the candy" → "go to the candy"; "we need to pick up the pen" → "pick up the pen". */
function dropSubject(tokens: string[]): string[] {
  let i = 0;
  const glued = GLUED_SUBJECTS.get(tokens[0] ?? '');
  let rest = tokens;
  if (glued) rest = [...glued, ...tokens.slice(1)];
  else if (SUBJECTS.has(tokens[0] ?? '')) rest = tokens.slice(1);
  else return tokens;
  // At most a few modals: "you really should be able to" is not a command form anyway.
  for (let n = 0; n < 3; n++) {
    const m =
      MODALS.find((p) => startsAt(rest, i, p)) ?? (rest[i] === 'are' || rest[i] === 're' ? ['are'] : undefined) ?? wantAddressee(rest, i);
    if (!m) break;
    i += m.length;
  }
  const after = rest.slice(i);
  const head = after[0];
  if (!head || !(KNOWN_VERBS.has(head) || isVerb(head))) return tokens;
  // "I pick up the candy" reads the same as "pick up the candy"; "you ..." likewise.
  return after;
}

/**
 * "the candy goes in the bag", "the pen should be put in the bin", "it belongs on the shelf"
 * → "put the candy in the bag"; undefined when the clause is not of that shape.
 */
function placement(tokens: readonly string[]): string[] | undefined {
  // "candy must go in bag": a learner drops the article; a bare noun of one or two words may start it.
  const bare = !NP_START.has(tokens[0] ?? '') && isNoun(tokens[0] ?? '') && !KNOWN_VERBS.has(tokens[0] ?? '');
  if (!NP_START.has(tokens[0] ?? '') && !bare) return undefined;
  const at = tokens.findIndex((t, i) => i > 0 && (PLACING.has(t) || PLACE_MODALS.has(t)));
  if (at < 1 || (bare && at > 2)) return undefined;
  const obj = tokens.slice(0, at);
  if (obj.some((t) => PLACE_PREPS.has(t) || KNOWN_VERBS.has(t))) return undefined;
  let j = at;
  let placing = false;
  while (j < tokens.length && (PLACING.has(tokens[j]) || PLACE_MODALS.has(tokens[j]))) {
    if (PLACING.has(tokens[j]) || tokens[j] === 'put' || tokens[j] === 'placed') placing = true;
    j++;
  }
  if (!placing || !PLACE_PREPS.has(tokens[j] ?? '') || j + 1 >= tokens.length) return undefined;
  // "the candy is in the bag" states where it is; a command needs go/belong or a modal.
  const said = tokens.slice(at, j);
  if (said.length === 1 && (said[0] === 'is' || said[0] === 'be')) return undefined;
  if (said.every((t) => t === 'is' || t === 'sits' || t === 'sit' || t === 'lives' || t === 'live' || t === 'stay')) return undefined;
  return ['put', ...obj, ...tokens.slice(j)];
}

/** The longest noun phrase before a participle: "the little green toy car packed". */
const DONE_TO_REACH = 5;

/**
 * "the ball packed", "the pen thrown away" → "pack the ball", "throw away the pen": a participle
 * or gerund after a noun phrase, whose verb is a taught skill's (its particle kept). Undefined otherwise.
 */
function doneTo(rest: readonly string[], skills: readonly SkillSignature[]): string[] | undefined {
  for (let k = 2; k < rest.length && k <= DONE_TO_REACH; k++) {
    const w = rest[k];
    const lemma = verbLemma(w);
    if (!lemma || lemma === w) continue;
    const skill = skills.find((s) => s.name.split('_')[0] === lemma && s.params.length > 0);
    if (!skill) continue;
    const particle = rest.slice(k + 1);
    // Only the skill's own particle may follow ("thrown away"): anything else is not this shape.
    if (particle.join('_') !== skill.name.split('_').slice(1).join('_')) return undefined;
    return [lemma, ...particle, ...rest.slice(0, k)];
  }
  return undefined;
}

/** "the ball needs packing", "the pen needs to be thrown away" → "pack the ball", "throw away the pen". */
function needsDoing(tokens: readonly string[], skills: readonly SkillSignature[]): string[] | undefined {
  if (!NP_START.has(tokens[0] ?? '')) return undefined;
  const at = tokens.findIndex((t, i) => i > 0 && (t === 'needs' || t === 'need'));
  if (at < 1) return undefined;
  // "needs to be packed" as well as "needs packing".
  const skip = tokens[at + 1] === 'to' && tokens[at + 2] === 'be' ? 3 : 1;
  return doneTo([...tokens.slice(0, at), ...tokens.slice(at + skip)], skills);
}

/** "we need the candy in the bag", "I'd like the pen in the bin" → "put the candy in the bag". */
function wanted(tokens: readonly string[], skills: readonly SkillSignature[]): string[] | undefined {
  let i = 0;
  if (SUBJECTS.has(tokens[0] ?? '') || tokens[0] === 'id' || tokens[0] === 'wed') i = 1;
  if (i === 0) return undefined;
  const glued = tokens[0] === 'id' || tokens[0] === 'wed' ? ['like'] : undefined;
  const w = glued && tokens[1] === 'like' ? glued : WANTING.find((p) => startsAt(tokens, i, p));
  if (!w) return undefined;
  let rest = tokens.slice(i + w.length);
  if (!NP_START.has(rest[0] ?? '')) return undefined;
  // "I need the ball packed", "we want the pen thrown away": the thing, then what is to be done to it.
  const done = doneTo(rest, skills);
  if (done) return done;
  // "I'd like the candy to end up in the bag": where it is to be, said with a verb of placing.
  const to = rest.indexOf('to');
  if (to > 1 && PLACING.has(rest[to + 1] ?? '')) rest = [...rest.slice(0, to), ...rest.slice(to + (rest[to + 2] === 'up' ? 3 : 2))];
  const prep = rest.findIndex((t, k) => k > 0 && PLACE_PREPS.has(t));
  // "I need the pen", "I want the ball": wanting a thing, with no place, asks to have it picked up.
  if (prep < 0 && rest.length > 1 && rest.length <= 4 && !rest.some((t) => KNOWN_VERBS.has(t))) return ['pick', 'up', ...rest];
  if (prep < 1 || prep + 1 >= rest.length) return undefined;
  if (rest.slice(0, prep).some((t) => KNOWN_VERBS.has(t))) return undefined;
  return ['put', ...rest];
}

/**
 * The clause in command form, with the slips repaired. `skills` keeps taught names intact: a
 * first word that names a taught skill is never "repaired" to a built-in verb.
 */
export function paraphrase(clause: readonly string[], skills: readonly SkillSignature[]): Paraphrased {
  const repairs: Repair[] = [];
  let tokens = unstutter(clause);
  // "position yourself above the pen", "get yourself over to the bin": the arm moves itself.
  if (tokens[1] === 'yourself' && SELF_MOVERS.has(tokens[0]) && tokens.length > 3) tokens = ['move', ...tokens.slice(2)];
  // "bring me the ball": what the robot can do of it is fetch it (it cannot hand things over).
  // "hand me the pen", "pass me the ball" likewise ("give me" is as often a shot, a minute or a hug).
  if (HANDING.has(tokens[0] ?? '') && (tokens[1] === 'me' || tokens[1] === 'us') && NP_START.has(tokens[2] ?? ''))
    tokens = ['fetch', ...tokens.slice(2)];
  // "hover the gripper over the candy", "move the arm to the bin": the arm moves itself.
  if (
    tokens.length > 4 &&
    ARM_MOVERS.has(tokens[0]) &&
    ['the', 'your'].includes(tokens[1]) &&
    ARM_WORDS.has(tokens[2]) &&
    CAMERA_PREPS.has(tokens[3])
  )
    tokens = ['move', ...tokens.slice(3)];
  // "give me a wide shot", "go wide": the wide shot a pull-back makes.
  if (WIDE_SHOT.test(tokens.join(' ')) || WHOLE_SET.test(tokens.join(' '))) tokens = ['pull', 'back'];
  // "gripper open", "hand closed": the gripper said first, as a terse order.
  if (tokens.length === 2 && GRIPPER_WORDS.has(tokens[0]) && GRIPPER_STATES.has(tokens[1]))
    tokens = [GRIPPER_STATES.get(tokens[1])!, 'the', 'gripper'];
  // "position over candy", "park above the bin": a lab's terse order for the arm to go there.
  if (STATIONING.has(tokens[0] ?? '') && STATION_PREPS.has(tokens[1] ?? '') && tokens.length > 2) tokens = ['move', ...tokens.slice(1)];
  // "go to position of ball", "go to the location of the pen": the place of a thing is the thing.
  tokens = placeOf(tokens);
  // "go in the home", "go into home": a learner's preposition before "home".
  if (
    GOING.has(tokens[0] ?? '') &&
    ['in', 'into', 'inside'].includes(tokens[1] ?? '') &&
    tokens[tokens.length - 1] === 'home' &&
    tokens.length <= 4
  )
    tokens = [tokens[0], 'home'];
  // "slow push in on loki", "gently put the pen in the bin": how, said before the verb.
  if (
    MANNER.has(tokens[0] ?? '') &&
    tokens.length > 2 &&
    (commandVerb(tokens[1], skills) || isVerb(tokens[1])) &&
    !PARTICLES.has(tokens[1])
  )
    tokens = tokens.slice(1);
  const indirect = placement(tokens) ?? wanted(tokens, skills) ?? needsDoing(tokens, skills);
  if (indirect) tokens = indirect;
  else tokens = dropSubject(tokens);

  // "would you mind grabbing the pen", "how about picking up the ball": the gerund's verb.
  if (tokens[0]?.endsWith('ing') && tokens.length > 1) {
    const l = verbLemma(tokens[0]);
    if (l && l !== tokens[0] && (KNOWN_VERBS.has(l) || skills.some((s) => s.name.split('_')[0] === l))) tokens = [l, ...tokens.slice(1)];
  }
  // "put both the candy and the pen in the bag"; "point the camera at the tower" (the arm holds it).
  tokens = tokens.filter((t, i) => !(t === 'both' && NP_START.has(tokens[i + 1] ?? '')));
  // "bring the camera to the hulk", "take the camera up to the skyline": the arm moves, carrying it.
  if (i1(tokens) && CAMERA.has(tokens[2] ?? '') && ['the', 'your'].includes(tokens[1]) && CAMERA_PREPS.has(tokens[3] ?? ''))
    tokens = [CARRY.has(tokens[0]) ? 'move' : tokens[0], ...tokens.slice(3)];
  // "circle around loki keeping him in frame": the framing is what the move does anyway.
  const framed = KEEP_IN_FRAME.exec(tokens.join(' '));
  if (framed && tokens.length > 4) tokens = tokens.join(' ').slice(0, framed.index).split(' ');
  // "get a close up of loki": the shot a push-in makes.
  const close = CLOSE_UP.exec(tokens.join(' ')) ?? CLOSE_UP_AFTER.exec(tokens.join(' '));
  if (close?.groups) tokens = ['zoom', 'in', 'on', ...close.groups.np.split(' ')];
  // "go hone", "go hime": "home" one letter off, after a verb of going (a typo or a mishearing).
  const last = tokens[tokens.length - 1] ?? '';
  if (
    GOING.has(tokens[0] ?? '') &&
    tokens.length <= 3 &&
    (tokens.length === 2 || tokens[1] === 'back') &&
    last !== 'home' &&
    last.length >= 3 &&
    editDistance(last, 'home') === 1
  ) {
    repairs.push({ heard: last, understood: 'home' });
    tokens = [...tokens.slice(0, -1), 'home'];
  }

  // "pick up the candy and put in the bag": the object said before is the one put.
  if (OBJECT_PUTS.has(tokens[0] ?? '') && PUT_PLACES.has(tokens[1] ?? '') && tokens.length > 2)
    tokens = [tokens[0], 'it', ...tokens.slice(1)];
  // "pick of the ball": "up" heard as "of" (or "off") right after "pick".
  if (tokens[0] === 'pick' && (tokens[1] === 'of' || tokens[1] === 'op') && NP_START.has(tokens[2] ?? '')) {
    repairs.push({ heard: tokens[1], understood: 'up' });
    tokens = ['pick', 'up', ...tokens.slice(2)];
  }
  // "go over to where the candy is": the place is the thing.
  const where = WHERE.exec(tokens.join(' '));
  if (where?.groups) tokens = [...where.groups.head.split(' '), 'to', ...where.groups.np.split(' ')];
  // "go and grab the candy" (its "go" a clause of its own, see rule-planner), "go pack the candy".
  if (GO_ALONG.has(tokens[0]) && tokens.length > 2 && commandVerb(tokens[1], skills)) tokens = tokens.slice(1);
  // "go the bin", "go too the bin" (the filler "too" gone): a verb of going needs its "to".
  if (GOING.has(tokens[0]) && ['the', 'a', 'an'].includes(tokens[1] ?? '') && tokens.length > 2)
    tokens = [tokens[0], 'to', ...tokens.slice(1)];
  // "go two the bag": "to" misheard, between a motion word and a noun phrase.
  tokens = tokens.map((t, i) => {
    if (!TO_SOUNDS.has(t) || i === 0 || !MOTION.has(tokens[i - 1]) || !NP_START.has(tokens[i + 1] ?? '')) return t;
    repairs.push({ heard: t, understood: 'to' });
    return 'to';
  });

  // "pig up the candy": a first word that is no verb the planner knows, sounding like one that is.
  const head = tokens[0];
  const taught = skills.some((s) => s.name.split('_')[0] === head);
  if (head && !KNOWN_VERBS.has(head) && !taught && !isDestructiveVerb(head) && !verbLemmaKnown(head)) {
    const fits = VERB_SOUNDS.filter((v) => (soundsLike(head, v.verb) || vowelSlip(head, v.verb)) && v.next(tokens[1]));
    if (fits.length === 1) {
      repairs.push({ heard: head, understood: fits[0].verb });
      tokens = [fits[0].verb, ...tokens.slice(1)];
    }
  }
  return { tokens, repairs };
}

/** Verbs this common are meant as said; a rarer one a vowel off a command verb is a slip. */
const COMMON_VERBS = 2000;
let common: Set<string> | undefined;

/** "grub the ball": a rare verb one vowel away from a command verb ("grab"), consonants the same. */
function vowelSlip(heard: string, verb: string): boolean {
  if (heard.length !== verb.length || heard.length < 3) return false;
  const off = [...heard].filter((ch, i) => ch !== verb[i]);
  if (off.length !== 1) return false;
  const i = [...heard].findIndex((ch, k) => ch !== verb[k]);
  if (!'aeiou'.includes(heard[i]) || !'aeiou'.includes(verb[i])) return false;
  common ??= new Set(commonVerbs(COMMON_VERBS));
  return !common.has(heard);
}

/** Is the word an inflection of a verb the planner knows ("picked" → pick)? Then it is no slip. */
function verbLemmaKnown(w: string): boolean {
  const l = verbLemma(w);
  return l !== undefined && l !== w && KNOWN_VERBS.has(l);
}

/** Words for where a thing is: "the position of the ball" is the ball. */
const PLACE_OF = new Set(['position', 'location', 'spot', 'place']);
/** Prepositions of going before "the position of …" ("in place of the ball" means "instead of"). */
const GOING_TO = new Set(['to', 'at', 'over', 'above', 'near', 'by', 'toward', 'towards']);

/** "go to (the) position of (the) ball" → "go to (the) ball". */
function placeOf(tokens: string[]): string[] {
  for (let i = 1; i + 2 < tokens.length; i++) {
    const the = tokens[i] === 'the' ? 1 : 0;
    if (GOING_TO.has(tokens[i - 1]) && PLACE_OF.has(tokens[i + the]) && tokens[i + the + 1] === 'of')
      return [...tokens.slice(0, i), ...tokens.slice(i + the + 2)];
  }
  return tokens;
}
/** Verbs of handing something to the speaker: what the robot can do of them is fetch it. */
const HANDING = new Set(['bring', 'hand', 'pass']);
/** Verbs of placing the arm itself, said with no object: "position over candy". */
const STATIONING = new Set(['position', 'park', 'station']);
const STATION_PREPS = new Set(['over', 'above', 'at', 'by', 'near', 'next', 'beside', 'on', 'to']);
/** How a move is made, said before its verb: carries no command. */
const MANNER = new Set(['slow', 'slowly', 'gently', 'carefully', 'smoothly', 'quickly', 'quick', 'softly', 'steadily', 'now']);
/** Words WordNet also files as verbs that follow "slow" as its particle ("slow down"): never the command. */
const PARTICLES = new Set(['down', 'up', 'it', 'off', 'out']);

/** Said inside one utterance to take back what came just before: "pick up the ball, I mean the pen". */
const SELF_MARKS: readonly (readonly string[])[] = [
  ['no', 'wait'],
  ['i', 'mean'],
  ['i', 'meant'],
  ['or', 'rather'],
  ['make', 'that'],
  ['no', 'sorry'],
  ['sorry'],
  ['actually'],
  ['no'],
  ['oops'],
  ['correction'],
];
const JOINS = new Set([',', 'and', 'then']);
/** Hesitations that stand for the pause before a correction: "grab the lotion er actually the ball". */
const HESITATIONS = new Set(['er', 'err', 'erm', 'um', 'umm', 'uh', 'uhh', 'uhm', 'ehm', 'hm']);
/** Prepositions of a destination: "no, in the bag" corrects where, not what. */
const DEST_PREPS = new Set(['in', 'into', 'inside', 'on', 'onto', 'to', 'next', 'near', 'by', 'over', 'above', 'beside']);
/** Words that open a noun phrase to be swapped. */
const NP_OPEN = new Set(['the', 'a', 'an', 'my', 'your', 'that', 'this', 'it']);

/**
 * A correction inside one utterance applied to the clause it corrects: "pick up the ball, I
 * mean the pen" → "pick up the pen"; "put the candy in the bin, no, in the bag" → "… in the
 * bag"; "go to the bin, no wait, go to the bag" → "go to the bag". `sameSort` says whether two
 * noun phrases name things of one sort (an object for an object, a container for a container).
 */
export function selfCorrect(
  input: readonly string[],
  sameSort: (a: readonly string[], b: readonly string[]) => boolean,
  skills: readonly SkillSignature[],
): string[] {
  let tokens = [...input];
  // Each correction shortens the words or leaves the loop: at most one pass per token.
  for (let i = 1; i < tokens.length; i++) {
    const mark = SELF_MARKS.find((m) => m.every((w, k) => tokens[i + k] === w));
    if (!mark) continue;
    // Only after a comma or a pause-like restart; and only when a command came before.
    const pause = (w: string): boolean => w === ',' || HESITATIONS.has(w);
    if (!pause(tokens[i - 1]) && !(mark[0] === 'i' || mark[0] === 'or')) continue;
    let start = i;
    while (start > 0 && pause(tokens[start - 1])) start--;
    let clauseStart = start;
    while (clauseStart > 0 && !JOINS.has(tokens[clauseStart - 1])) clauseStart--;
    const prior = tokens.slice(clauseStart, start);
    // "orbit loki, no, hulk": a verb WordNet knows opens the clause as well as one the planner knows.
    const commanded = prior.some((w) => KNOWN_VERBS.has(w) || skills.some((s) => s.name.split('_')[0] === w));
    if (!commanded && !(prior.length > 1 && isVerb(prior[0]))) continue;
    let from = i + mark.length;
    while (tokens[from] === ',') from++;
    let to = from;
    while (to < tokens.length && !JOINS.has(tokens[to])) to++;
    const seg = tokens.slice(from, to);
    if (!seg.length) continue;
    let fixed: string[] | undefined;
    // "zoom in on hulk, no, loki": a name said bare is a noun phrase, even if WordNet has it as a verb too.
    const named = !NP_OPEN.has(seg[0]) && !DEST_PREPS.has(seg[0]) && sameSort(seg, seg);
    if (commandVerb(seg[0], skills) || seg[0] === 'go' || seg[0] === 'pick') fixed = seg;
    // "track the tower, I mean orbit hulk": a whole new command in any verb replaces the old one.
    else if (!named && seg.length > 1 && isVerb(seg[0]) && !sameSort([seg[0]], [seg[0]]) && mark[0] !== 'no') fixed = seg;
    else if (DEST_PREPS.has(seg[0])) {
      let at = -1;
      for (let k = prior.length - 1; k > 0; k--) if (DEST_PREPS.has(prior[k])) at = at < 0 ? k : at;
      if (at > 0) fixed = [...prior.slice(0, at), ...seg];
    } else if (NP_OPEN.has(seg[0]) || named) {
      // The last noun phrase of the same sort in the corrected clause.
      const spans: [number, number][] = [];
      for (let k = 1; k < prior.length; k++) {
        // A bare name after the verb or a preposition counts too ("orbit loki", "on hulk"), when the correction is bare as well.
        const after = k === 1 || DEST_PREPS.has(prior[k - 1]) || prior[k - 1] === 'up';
        const bareAt = named && after && !DEST_PREPS.has(prior[k]) && !NP_OPEN.has(prior[k]) && prior[k] !== 'up';
        if (!bareAt && (!NP_OPEN.has(prior[k]) || NP_OPEN.has(prior[k - 1]))) continue;
        let e = k + 1;
        while (e < prior.length && !DEST_PREPS.has(prior[e]) && prior[e] !== 'up' && prior[e] !== 'from') e++;
        spans.push([k, e]);
      }
      const hit = [...spans].reverse().find(([s, e]) => sameSort(prior.slice(s, e), seg));
      if (hit) fixed = [...prior.slice(0, hit[0]), ...seg, ...prior.slice(hit[1])];
    }
    if (!fixed) continue;
    tokens = [...tokens.slice(0, clauseStart), ...fixed, ...tokens.slice(to)];
    i = clauseStart;
  }
  return tokens;
}
