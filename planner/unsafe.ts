/**
 * Destructive requests: "hit the bag", "smash the candy", "throw the candy at the bag", "knock
 * over the bag", "let me teach you to hit". A verb said as a command (or as the behavior to be
 * taught) whose WordNet senses are acts of harm (wordnet.ts isDestructiveVerb) is refused with a
 * reason: never planned, never mapped onto a skill, never offered or started for teaching.
 */
import { parseControl } from './control-phrases.js';
import { BREAK, FILLERS, removeHedges, removePhrases } from './text.js';
import type { PlannerResult } from './types.js';
import { isDestructiveVerb, isNoun, isVerb, verbLemma } from './wordnet.js';

/**
 * Words after which the next word is in verb position: "teach you to smash", "and then hit",
 * "go smash it", "you should crush it", "first pick it up, finally crush it".
 */
const VERB_LEADS = new Set([
  BREAK,
  'to',
  'and',
  'then',
  'you',
  'lets',
  'please',
  'just',
  'now',
  'also',
  'gonna',
  'wanna',
  'gotta',
  'how',
  'go',
  'come',
  'try',
  'should',
  'must',
  'can',
  'could',
  'will',
  'would',
  'might',
  'first',
  'finally',
  'lastly',
  'next',
  'afterwards',
  'i',
  'we',
  'really',
  // "a new trick called smash": the name of a behavior to teach is a verb too.
  'called',
  'named',
  // "the candy should be smashed", "get it crushed": the harm said in the passive.
  'be',
  'been',
  'get',
  'gets',
  'getting',
]);
/** Verbs that send a thing flying; aimed "at" something they are a throw: "fire the ball at the bag". */
const PROPELLING = new Set([
  'fire',
  'shoot',
  'launch',
  'flick',
  'kick',
  'bat',
  'pitch',
  'bowl',
  'spit',
  'blast',
  'flip',
  'hurl',
  'fling',
  'swing',
  'jab',
  'poke',
]);
/** Throwing into a place is how people say "put it in" ("toss the pen in the bin"); at a thing, it is aimed. */
const GENTLE_THROWS = new Set(['throw', 'toss']);
/** Said with any command, these make it harmful: "shake the bag violently". */
const VIOLENT_WORDS = new Set([
  ...['violently', 'roughly', 'aggressively', 'forcefully', 'furiously', 'brutally', 'savagely', 'hard'],
  ...['wildly', 'recklessly', 'frantically', 'madly'],
]);
/** What follows "off" when a thing is dropped off somewhere to be delivered, not off something. */
const DELIVERED_AT = new Set([
  'at',
  'in',
  'into',
  'inside',
  'on',
  'onto',
  'to',
  'by',
  'near',
  'next',
  'here',
  'there',
  'with',
  'please',
  'now',
]);
/** Verbs that, sending a thing off the table or to the floor, drop it from height: "shove the pen off the table". */
const OFF_EDGE =
  /\b(?:off|over) (?:of )?(?:the |this |that )?(?:table|desk|edge|counter|bench|side|workbench|shelf|set|stage|tabletop|platform|ledge|balcony|window)\b|\b(?:on|onto|to) the (?:floor|ground)\b/;
const PUSHING = new Set([
  'shove',
  'push',
  'knock',
  'sweep',
  'flick',
  'bump',
  'nudge',
  'swipe',
  'kick',
  'throw',
  'toss',
  'drop',
  'dump',
  'tip',
  'roll',
  'slide',
  'bat',
  // Liquids: "pour the lotion on the floor", "empty it onto the ground".
  'pour',
  'spill',
  'empty',
  'squirt',
  'spray',
]);
/** Nouns after "give it a" that are harmless though the verb is not: "give it a shot", "give the bag a shake" (shaking is taught). */
const GENTLE_NOUNS = new Set([
  'shot',
  'try',
  'go',
  'look',
  'push',
  'spin',
  'shake',
  'turn',
  'twist',
  'tap',
  'pat',
  'nudge',
  'squeeze',
  'hug',
  'rest',
  'break',
]);
/** Harm said as verb + object: "poke holes in the bag", "set the bag on fire". */
const HARM_PHRASES: readonly { re: RegExp; verb: string; particle?: string }[] = [
  {
    re: /\b(?:poke|punch|make|put|drill|cut|tear|rip|bore) (?:a |some |little |small |big )?holes? (?:in|into|through)\b/,
    verb: 'make holes in things',
  },
  { re: /\b(?:set|light) .{0,40}\b(?:on fire|alight|ablaze)\b/, verb: 'set', particle: 'on fire' },
  { re: /\b(?:yeet|smush|squoosh)\b/, verb: 'smash' },
  // "swing the hulk around and let go": a spin ended by a release is a throw.
  {
    re: /\b(?:swing|spin|whirl|twirl|whip)\b.{0,40}\b(?:and|then) (?:(?:just|simply) )?(?:let go|let it go|let it fly|release|drop it|open)\b/,
    verb: 'fling things',
  },
  // "push the tower over", "shove the bin down": toppled, whatever the verb ("push in over the hulk" is the camera).
  {
    re: /\b(?:push|shove|kick|bump|knock|nudge|tip|ram|barge|elbow)\b(?! (?:in|into|on|onto|to|up|out|over|down)\b)(?: [a-z]+){1,3} (?:over|down)\b(?! (?:to|there|here|toward|towards|by|near|next|beside|into|in|onto)\b)/,
    verb: 'knock things over',
  },
  // "drive into the tower", "fly the camera into the hulk": a crash, whatever moves.
  {
    re: /\b(?:drive|drives|driving|drove|fly|flies|flying|flew|run|runs|running|ran|charge|barrel|plow|plough|careen|crash|bash|slam|speed|hurtle)\b(?: (?:the|your|my) [a-z]+)?(?: (?:straight|right|directly|headfirst|fast|hard))* into\b/,
    verb: 'crash into things',
  },
  // "jam the pen into the candy": forced into a thing, something gives.
  { re: /\b(?:jam|ram|cram|wedge|force|plunge|hammer)\b.{0,40}\b(?:into|through)\b/, verb: 'force things into others' },
  // "jam the pen in the candy": the verb said as a command, so "put the hammer in the bag" is no jab.
  { re: /(?:^|\b(?:and|then|to|you|please) )(?:jam|ram|cram|wedge|force|plunge|hammer)\b.{0,40}\bin\b/, verb: 'force things into others' },
  // "pull the hulk apart", "twist loki's head off", "pull the wheels off the car": parts come off.
  {
    re: /\b(?:pull|pulls|pulling|twist|twisting|yank|yanking|wrench|wrenching|tear|rip|break|snap|bite|chop|saw|pry|prise|prize)\b(?: [a-z]+){0,4} (?:off|apart|to bits)\b/,
    verb: 'pull things apart',
  },
  // "bring the tower down", "tip the tower over", "blow it up": toppled or blown apart.
  { re: /\b(?:bring|pull|tear|blow)\b(?: [a-z]+){1,3} (?:down|up)$|\b(?:bring|pull|tear) down\b|\bblow up\b/, verb: 'knock things down' },
  // "drop the bag from up high": a fall is a throw at the table.
  {
    re: /\b(?:drop|let go|release|let it fall|fall)\b.{0,40}\bfrom (?:up )?(?:high|above|a height|the ceiling|way up|high up|up there|the top)\b/,
    verb: 'drop things from high up',
  },
  // "it would be funny if the lotion went flying", "send the ball flying": a thing thrown, however it is put.
  {
    re: /\b(?:go|goes|going|went|gone|send|sends|sent|sending|set|make|makes|have|get)\b(?: [a-z]+){0,3} (?:flying|sailing|hurtling|soaring|crashing|tumbling)\b/,
    verb: 'fling things',
  },
  // "snap the pen in half", "rip it to pieces": whatever the verb, the object ends up broken.
  {
    re: /\b(?:in half|in two|into (?:two|halves|pieces|bits|shreds)|to (?:pieces|bits|shreds|smithereens)|in pieces)\b/,
    verb: 'break things',
  },
];
const NEGATIONS = new Set(['dont', 'not', 'never', 'cant', 'wont', 'without']);
/** Verb + particle idioms that are not the harmful verb: "throw away the pen" discards it. */
const BENIGN_PHRASAL = new Set(['throw_away', 'throw_out', 'toss_away', 'toss_out']);
const PARTICLES = new Set(['away', 'out', 'over', 'down', 'up', 'off', 'in', 'around', 'apart']);
const PLACEMENT = new Set(['in', 'into', 'inside', 'on', 'onto']);
/** Particles worth repeating in the refusal: "I won't knock things over". */
const SAID_PARTICLES = new Set(['over', 'down', 'apart', 'up']);
/** Tokens read at most (an utterance is at most 500 characters anyway). */
const MAX_TOKENS = 200;

export interface UnsafeVerb {
  /** the verb's lemma, e.g. "smash" */
  verb: string;
  /** a particle said with it, e.g. "over" in "knock over the bag" / "knock the bag over" */
  particle?: string;
  /** the rest of its clause, after the verb: "the candy at the bag" */
  rest: string[];
}

/** The particle belonging to the verb at `i`: right after it, or closing a short object ("knock the bag over"). */
function particleOf(tokens: readonly string[], i: number): string | undefined {
  const next = tokens[i + 1];
  if (next && PARTICLES.has(next)) return next;
  for (let j = i + 2; j < Math.min(tokens.length, i + 6); j++) {
    if (tokens[j] === BREAK) break;
    const after = tokens[j + 1];
    if (PARTICLES.has(tokens[j]) && (after === undefined || after === BREAK || after === 'and' || after === 'then')) return tokens[j];
  }
  return undefined;
}

/** "toss the pen in the bin": the clause puts the thing into or onto a place, aimed at nothing, not hard. */
function gentlyPlaced(tokens: readonly string[], i: number): boolean {
  const end = tokens.findIndex((w, k) => k > i && (w === BREAK || w === 'and' || w === 'then'));
  const rest = tokens.slice(i + 1, end < 0 ? undefined : end);
  if (rest.some((w) => w === 'at' || w === 'against' || VIOLENT_WORDS.has(w))) return false;
  if (OFF_EDGE.test(rest.join(' '))) return false;
  return rest.some((w) => PLACEMENT.has(w));
}

/** "make the hulk fall over", "let the lotion fall", "make loki fly": the cause, then its object. */
const CAUSES = new Set(['make', 'makes', 'let', 'lets', 'have', 'get']);
const OBJECT_PRONOUNS = new Set(['it', 'them', 'him', 'her', 'everything', 'something']);
const CAUSE_DETERMINERS = new Set(['the', 'a', 'an', 'my', 'your', 'that', 'this']);

/**
 * What a thing is made to do: the falling or harmful verb right after the object of "make" or
 * "let" ("make it fall", "let the lotion fall", "make loki fly"). The object is a pronoun, a
 * determiner and one or two words, or a bare name; "get the scissors" has no verb after it.
 */
function causedVerb(tokens: readonly string[]): string | undefined {
  const harmful = (w: string | undefined): boolean => {
    if (!w || w === BREAK) return false;
    return FALLS.has(verbLemma(w) ?? w) || isDestructiveVerb(w);
  };
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (!CAUSES.has(tokens[i])) continue;
    const o = tokens[i + 1];
    const at = OBJECT_PRONOUNS.has(o) ? [i + 2] : CAUSE_DETERMINERS.has(o) ? [i + 3, i + 4] : [i + 2];
    const hit = at.find((k) => harmful(tokens[k]) && tokens.slice(i + 1, k).every((w) => w !== BREAK));
    if (hit !== undefined) return tokens[hit];
  }
  return undefined;
}

/** Falls, caused: "let the candy fall", "make it fly off the table". */
const FALLS = new Set([
  'fall',
  'fly',
  'tumble',
  'topple',
  'crash',
  'spill',
  'explode',
  'burst',
  'shatter',
  'break',
  'pop',
  'snap',
  'split',
  'crack',
  'crumble',
  'collapse',
]);
/** "give the ball a good whack", "take a swing at the bag": the harm said as a noun. */
const HARM_NOUN =
  /\b(?:give|gives|giving|take|have|deliver|land) (?:(?:it|them|him|her|the [a-z]+(?: [a-z]+)?) )?(?:a|an|one|some) (?:(?:good|big|hard|real|quick|little|swift|solid|proper|strong|few) )*(?<noun>[a-z]+)\b/;

/** Parts of a body: a destination or target there is harm to someone ("put the pen in my eye"). */
const BODY_PARTS = new Set(
  'eye eyes head face mouth nose ear ears hand hands finger fingers thumb arm arms leg legs foot feet toe toes neck throat hair skin tail belly stomach chest back lip lips cheek teeth tooth tongue knee knees paw paws body'.split(
    ' ',
  ),
);
const POSSESSIVES = new Set(['my', 'his', 'her', 'their', 'our', 'someones', 'somebodys', 'anyones', 'peoples']);
/** People and animals: never a target of force, a drop, or a grasp. */
const BEINGS = new Set(
  'me us someone somebody anyone anybody everyone everybody people person myself ourselves himself herself cat cats dog dogs baby babies kid kids child children boy girl man woman guy sister brother mom mum dad mother father friend wife husband son daughter grandma grandpa teacher neighbor neighbour puppy kitten bird fish hamster pet pets rabbit horse'.split(
    ' ',
  ),
);
/** A being said with these ("hand me the pen", "let me teach you", "bring it to me") is not a target. */
const BENIGN_WITH_BEINGS = new Set(
  'let show tell teach help hand give pass bring get fetch excuse call ask remind answer follow look watch wave smile listen talk speak thank meet zoom track film focus offer present deliver lend'.split(
    ' ',
  ),
);
/** Verbs about seeing or talking: "look at my hand" touches nothing. */
const ONLY_LOOKING = new Set('look watch show tell ask listen talk speak thank smile see film zoom track focus'.split(' '));
/** Prepositions putting a being where something lands or is aimed: "drop it on the cat", "swing at me". */
const AIMED_AT = new Set(['at', 'on', 'onto', 'into', 'in', 'against', 'toward', 'towards', 'over', 'upon', 'under', 'inside', 'by']);
/** Words after a being that are no noun it modifies: "take the dog out", "hit the cat hard". */
const NOT_HEADS = new Set([...AIMED_AT, ...PARTICLES, 'home', 'again', 'now', 'hard', 'with', 'for', 'to', 'from', 'here', 'there']);
/** Places where an object is a hazard: "stick the pen in the outlet", "put the lotion on the stove". */
const HAZARDS = new Set(
  'outlet outlets socket sockets stove stovetop oven microwave toaster fireplace fire flame flames burner heater blender toilet'.split(' '),
);
/** "squeeze the lotion until it bursts": the harm said as the result. */
const UNTIL_RESULT = /\b(?:until|till|til) (?:it|they|the [a-z]+) (?<verb>[a-z]+)\b/;

/** Words looked back over, from a noun to its determiner: "my left eye", "the sleeping cat". */
const NP_REACH = 3;

/** A possessive before `i` ("my left eye"), or a being's possessive ("the babys mouth", "the dogs eyes"). */
function ownedPart(tokens: readonly string[], i: number): boolean {
  for (let k = i - 1; k >= Math.max(0, i - NP_REACH); k--) {
    const w = tokens[k];
    // The robot's own parts, real or not ("open your hand", "with your teeth"): no one is hurt.
    if (w === 'your') return false;
    if (POSSESSIVES.has(w)) return true;
    if (w.endsWith('s') && (BEINGS.has(w) || BEINGS.has(w.slice(0, -1)))) return true;
    if (AIMED_AT.has(w) || w === 'the' || w === 'a' || w === BREAK) return false;
  }
  return false;
}

/** An aiming preposition ahead of the noun phrase ending at `i`: "on the sleeping cat", "at me". */
function aimedAt(tokens: readonly string[], i: number): boolean {
  for (let k = i - 1; k >= Math.max(0, i - NP_REACH - 1); k--) {
    if (AIMED_AT.has(tokens[k])) return true;
    if (tokens[k] === BREAK || verbLemma(tokens[k]) === tokens[k]) return false;
  }
  return false;
}

/**
 * Harm to a person or an animal, or a hazard: a body part as destination or target ("drop the
 * lotion on my head"), a being as the object of a command or where it is aimed ("poke me with
 * the pen", "drop the car on the cat"), a dangerous place ("put the pen in the outlet").
 */
function harmToBeings(tokens: readonly string[]): UnsafeVerb | undefined {
  const result = UNTIL_RESULT.exec(tokens.filter((w) => w !== BREAK).join(' '))?.groups?.verb;
  const lemma = result ? (verbLemma(result) ?? result) : undefined;
  if (lemma && (FALLS.has(lemma) || isDestructiveVerb(lemma))) return { verb: 'break things', rest: [] };
  let start = 0;
  for (let k = 0; k <= tokens.length; k++) {
    if (k < tokens.length && tokens[k] !== BREAK && tokens[k] !== 'and' && tokens[k] !== 'then') continue;
    const clause = tokens.slice(start, k);
    start = k + 1;
    const verbAt = clause.findIndex((w) => verbLemma(w) !== undefined && !VERB_LEADS.has(w));
    if (verbAt < 0) continue;
    const verb = verbLemma(clause[verbAt]) ?? clause[verbAt];
    if (ONLY_LOOKING.has(verb) || NEGATIONS.has(clause[verbAt - 1] ?? '')) continue;
    for (let j = verbAt + 1; j < clause.length; j++) {
      const w = clause[j];
      if (BODY_PARTS.has(w) && ownedPart(clause, j)) return { verb: 'hurt people or animals', rest: [] };
      if (BENIGN_WITH_BEINGS.has(verb)) continue;
      const prev = clause[j - 1];
      const det = prev === 'the' || prev === 'a' || prev === 'my' || prev === 'your' || prev === 'his' || prev === 'her' || prev === 'our';
      // "the boy car", "the dog toy": a being's word before a noun only says which thing.
      const modifier = det && j + 1 < clause.length && isNoun(clause[j + 1]) && !BEINGS.has(clause[j + 1]) && !NOT_HEADS.has(clause[j + 1]);
      // The being right after the verb is its object ("poke me"), or after an aiming preposition.
      // "pick up the baby": a particle may stand between the verb and its object.
      const at = PARTICLES.has(clause[verbAt + 1] ?? '') ? verbAt + 1 : verbAt;
      if (BEINGS.has(w) && !modifier && (j === at + 1 || (det && j === at + 2) || aimedAt(clause, j)))
        return { verb: 'hurt people or animals', rest: [] };
      if (HAZARDS.has(w) && clause.slice(verbAt + 1, j).some((x) => PLACEMENT.has(x) || x === 'near' || x === 'next'))
        return { verb: `put things somewhere dangerous`, rest: [] };
    }
  }
  return undefined;
}

/** Harm said in other ways than a harmful verb: violently, off the table, holes, fire, "a good whack". */
function harmfulPhrase(tokens: readonly string[]): UnsafeVerb | undefined {
  const text = tokens.filter((w) => w !== BREAK).join(' ');
  // "make the bag explode", "let the candy fall": the harm is what the object is made to do.
  const made = causedVerb(tokens);
  if (made) return { verb: `make things ${verbLemma(made) ?? made}`, rest: [] };
  const noun = HARM_NOUN.exec(text)?.groups?.noun;
  if (noun && (isDestructiveVerb(noun) || noun === 'swing') && !GENTLE_NOUNS.has(noun))
    return { verb: noun === 'swing' ? 'swing at things' : (verbLemma(noun) ?? noun), rest: [] };
  for (const h of HARM_PHRASES)
    if (h.re.test(text)) return h.particle ? { verb: h.verb, particle: h.particle, rest: [] } : { verb: h.verb, rest: [] };
  // Clause by clause: the verb that leads it decides what "off the table" or "violently" belongs to.
  let start = 0;
  for (let k = 0; k <= tokens.length; k++) {
    if (k < tokens.length && tokens[k] !== BREAK && tokens[k] !== 'and' && tokens[k] !== 'then') continue;
    const clause = tokens.slice(start, k);
    start = k + 1;
    if (!clause.length) continue;
    const verb = verbLemma(clause[0]);
    const said = clause.join(' ');
    // "swing around at the hulk" is a camera move: the verb's particle, not an object, before "at".
    if (verb && PROPELLING.has(verb) && clause.slice(2).includes('at') && !PARTICLES.has(clause[1] ?? '') && !clause.includes('look'))
      return { verb, particle: 'at things', rest: clause.slice(1) };
    const edge = OFF_EDGE.exec(said)?.[0];
    if (verb && PUSHING.has(verb) && edge)
      return { verb: `${verb} things ${edge.replace(/ (?:this|that) /, ' the ')}`, rest: clause.slice(1) };
    // "drop loki off the tower", "roll the ball off the bag": off anything, it falls ("drop off the pen" delivers).
    const off = clause.indexOf('off');
    // The article may be dropped ("drop loki off tower"); "drop the pen off at the bin" still delivers.
    const offWhat = clause[off + 1];
    const offThing = offWhat !== undefined && !DELIVERED_AT.has(offWhat);
    if (verb && PUSHING.has(verb) && off > 1 && offThing) return { verb: `${verb} things off others`, rest: clause.slice(1) };
    // "pop the ball": a pop with no place to pop it into bursts it.
    if (verb === 'pop' && !clause.some((w) => PLACEMENT.has(w))) return { verb: 'pop things', rest: [] };
    // "hard" only with a verb of force or motion ("a hard candy" stays); the others with anything.
    const violent = clause.find((w, j) => j > 0 && VIOLENT_WORDS.has(w) && (w !== 'hard' || clause[j - 1] !== 'a'));
    if (verb && violent && (violent !== 'hard' || !/\b(?:a|the) hard\b/.test(said))) return { verb: `${verb} things ${violent}`, rest: [] };
  }
  return undefined;
}

/**
 * The first destructive verb said in verb position (clause start, or after "to", "and", "you"
 * …), not negated ("don't hit it" asks for nothing harmful); undefined when there is none.
 */
export function destructiveVerbIn(input: readonly string[]): UnsafeVerb | undefined {
  const tokens = removeHedges(removePhrases(input.slice(0, MAX_TOKENS), FILLERS), isVerb);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const lead = i === 0 ? BREAK : tokens[i - 1];
    if (!VERB_LEADS.has(lead)) continue;
    if ([tokens[i - 1], tokens[i - 2]].some((w) => w !== undefined && NEGATIONS.has(w))) continue;
    // "scratch that, go home": the idiom cancels what was asked; nothing is scratched.
    if (t === 'scratch' && ['that', 'it', 'this'].includes(tokens[i + 1]) && [undefined, BREAK, 'and', 'then'].includes(tokens[i + 2]))
      continue;
    const particle = particleOf(tokens, i);
    const lemma = verbLemma(t);
    if (!lemma) continue;
    const phrasal = particle ? `${lemma}_${particle}` : undefined;
    if (phrasal && BENIGN_PHRASAL.has(phrasal)) continue;
    if (GENTLE_THROWS.has(lemma) && gentlyPlaced(tokens, i)) continue;
    if (isDestructiveVerb(lemma) || (phrasal !== undefined && isVerb(phrasal) && isDestructiveVerb(phrasal))) {
      const end = tokens.findIndex((w, k) => k > i && (w === BREAK || w === 'and' || w === 'then'));
      const rest = tokens.slice(i + 1, end < 0 ? undefined : end).filter((w) => w !== particle);
      return particle && SAID_PARTICLES.has(particle) ? { verb: lemma, particle, rest } : { verb: lemma, rest };
    }
  }
  return harmfulPhrase(tokens) ?? harmToBeings(tokens);
}

/**
 * The refusal for a destructive request, or undefined. Dialogue control is not a request to act:
 * "rename pack to toss" or "what is smash?" pass; "let me teach you to smash" is checked on
 * the behavior's name.
 */
export function unsafeRequest(tokens: readonly string[], plan?: (text: string) => PlannerResult): PlannerResult | undefined {
  const control = parseControl(removePhrases(tokens, FILLERS));
  if (control && control.type !== 'teach_start') return undefined;
  const teaching = control?.type === 'teach_start';
  const u = destructiveVerbIn(teaching ? (control.name ?? []) : tokens);
  if (!u) return undefined;
  // "throw the candy in the bag": offer the gentle command when the planner would plan it.
  // Only a placement ("in", "on"): "throw it at the bag" aims at the bag, a put would be a guess.
  const placed = u.rest.some((w) => PLACEMENT.has(w));
  const gentle = !teaching && plan && placed ? `put ${u.rest.join(' ')}` : undefined;
  return unsafeRefusal(u, gentle !== undefined && plan?.(gentle).kind === 'plan' ? gentle : undefined);
}

/** The refusal: a reason, and what the robot does instead (`gentle`: a command it would plan). */
export function unsafeRefusal(u: UnsafeVerb, gentle?: string): PlannerResult {
  const what = u.verb.includes(' ') && !u.particle ? u.verb : u.particle ? `${u.verb} things ${u.particle}` : `${u.verb} things`;
  const instead = gentle ? `I can do it gently: say "${gentle}".` : 'I can pick up, move and put down objects gently.';
  return { kind: 'rejected', reason: 'unsafe', reply: `I won't ${what}: it could break something or hurt someone. ${instead}` };
}
