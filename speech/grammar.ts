/**
 * The recognizer's JSGF grammar, generated from what the robot knows right now: the skills
 * (taught behaviors included, with their description aliases), the named objects and places,
 * the unnamed objects on the table, their colours, and the dialogue phrases for teaching,
 * corrections and stop. It mirrors the rule planner (planner/rules.ts, lexicon.ts): every
 * sentence it can produce is one the planner understands. Object phrases are kept only when
 * the planner's own noun-phrase resolver maps them back to the right entity.
 */
import type { PlannerEntity } from '../planner/types.js';
import { buildLexicon, COLOURS, descriptionWords, resolveNounPhrase, SKILL_SYNONYMS } from '../planner/lexicon.js';
import { BUILTIN_SKILLS, descriptionAlias, KNOWN_VERBS, skillSynonyms } from '../planner/rules.js';
import { RulePlanner } from '../planner/rule-planner.js';
import { commonVerbs, isDestructiveVerb } from '../planner/wordnet.js';
import type { SkillSignature } from '../skills/registry.js';

/** A grammar expression. Words are plain lower-case tokens. */
export type Expr = string | { seq: Expr[] } | { alt: Expr[] } | { opt: Expr } | { ref: string };

export interface Grammar {
  /** rule name → expression; `utterance` is the public rule */
  rules: Map<string, Expr>;
  /** every word the grammar uses */
  words: Set<string>;
}

export interface SceneObject {
  /** UPPER_SNAKE_CASE, e.g. TOY_CAR */
  name: string;
  /** a colour word for it, e.g. green */
  colour?: string;
}

export interface GrammarInput {
  skills: readonly SkillSignature[];
  entities: readonly PlannerEntity[];
  /** things on the table nobody has named yet (the sim's bodies), so "pick up the toy car" can be heard, then taught by pointing */
  sceneObjects?: readonly SceneObject[];
  /** words a new behavior may be called ("let me teach you to pack"); defaults to TEACHABLE_VERBS */
  teachableVerbs?: readonly string[];
  /**
   * Verbs the robot does not know yet that it can still hear ("pack the candy" → "I don't know
   * how to pack yet. Teach me?"): the grammar's open "new verb" slot. Default: defaultNewVerbs().
   * Known skills and verbs, dialogue words and destructive verbs are left out whatever is given;
   * false: no such slot.
   */
  newVerbs?: readonly string[] | false;
  /**
   * Harmful verbs the robot must be able to hear as said ("crush the candy"), so the planner
   * refuses them instead of the decoder forcing them onto a known command ("approach the
   * candy"). Default: defaultHarmVerbs(); false: no such slot.
   */
  harmVerbs?: readonly string[] | false;
}

/**
 * How many of WordNet's most frequent verbs fill the new-verb slot. Measured (speech/README.md
 * "Open vocabulary"): the eval commands keep their accuracy at this size.
 */
export const NEW_VERB_COUNT = 300;

/** Words that open the grammar's other sentences (dialogue, stop, studio): never a new verb. */
const NOT_NEW_VERBS = new Set([
  'stop',
  'halt',
  'freeze',
  'wait',
  'hold',
  'help',
  'undo',
  'cancel',
  'confirm',
  'finish',
  'done',
  'forget',
  'describe',
  'rename',
  'teach',
  'learn',
  'show',
  'do',
  'run',
  'shoot',
  'snap',
  'delete',
  'start',
  'take',
  'be',
  'have',
  'say',
  'know',
  'mean',
  'want',
  'need',
  'think',
  'see',
  'look',
  'like',
  'try',
  'repeat',
  'continue',
  'resume',
  'pause',
  'please',
  'thank',
  'sorry',
  'hear',
  'tell',
  'ask',
  'answer',
]);

const BOX: PlannerEntity = { name: 'BOX', description: 'A box.', kind: 'object' };
let verdicts: RulePlanner | undefined;
/** the planner's answer to "<verb> it" and "<verb> the box", per verb */
const answerCache = new Map<string, { teach: boolean; refuse: boolean }>();

/**
 * What the rule planner makes of "<verb> it" and "<verb> the box" (on "it" and on a named thing:
 * "call the lotion" renames, "call it" does not): `teach` when both are a verb it could be taught
 * ("I don't know how to … yet. Teach me?"), not a dialogue act ("save" finishes a lesson, "skip"
 * cancels) or words it cannot place; `refuse` when both are refused. Cached: ~1 ms per verb.
 */
function plannerAnswers(verb: string): { teach: boolean; refuse: boolean } {
  let v = answerCache.get(verb);
  if (v === undefined) {
    verdicts ??= new RulePlanner();
    const p = verdicts;
    const rs = [`${verb} it`, `${verb} the box`].map((text) =>
      p.planSync(text, { skills: [], entities: [BOX], held: null, lastTouched: null, teaching: null }),
    );
    v = {
      teach: rs.every((r) => r.kind === 'question' && r.reason === 'unknown_verb'),
      refuse: rs.every((r) => r.kind === 'rejected'),
    };
    answerCache.set(verb, v);
  }
  return v;
}

/** The default new-verb list: WordNet's most frequent single-word verbs, safe ones only. */
export function defaultNewVerbs(count = NEW_VERB_COUNT): string[] {
  return commonVerbs(count).filter((v) => v.length > 1 && !KNOWN_VERBS.has(v) && !NOT_NEW_VERBS.has(v) && !isDestructiveVerb(v));
}

/**
 * The verbs people use to ask for harm, as a robot operator would say them. WordNet's
 * destructive senses are much wider ("belt", "trim", "charge", "score"): said to a robot they
 * mean something else, and in the grammar they stole known commands ("go to the bin" → "belt at
 * the bin", measured). Each is kept only if WordNet files it as destructive and the planner
 * refuses it.
 */
const HARM_WORDS = [
  'attack',
  'bash',
  'beat',
  'bite',
  'break',
  'burn',
  'chop',
  'crack',
  'crush',
  'cut',
  'dent',
  'destroy',
  'explode',
  'hit',
  'hurl',
  'hurt',
  'kick',
  'kill',
  'knock',
  'pound',
  'punch',
  'ram',
  'rip',
  'scratch',
  'shatter',
  'slam',
  'slap',
  'smash',
  'spill',
  'squash',
  'squish',
  'stab',
  'stomp',
  'tear',
  'throw',
  'whack',
  'wreck',
];
/** The default harm list: HARM_WORDS that WordNet calls destructive and the planner refuses. */
export function defaultHarmVerbs(): string[] {
  return HARM_WORDS.filter((v) => !KNOWN_VERBS.has(v) && !NOT_NEW_VERBS.has(v) && isDestructiveVerb(v) && plannerAnswers(v).refuse);
}

/** Names a user may give a new behavior, from the paper's two studies and everyday tasks. */
export const TEACHABLE_VERBS: readonly string[] = [
  'pack',
  'unpack',
  'wrap',
  'stack',
  'unstack',
  'sort',
  'tidy',
  'tidy up',
  'clean',
  'clean up',
  'sweep',
  'wave',
  'shake',
  'wiggle',
  'dance',
  'nod',
  'push',
  'slide',
  'flip',
  'rotate',
  'spin',
  'pour',
  'stir',
  'serve',
  'deliver',
  'hand over',
  'throw away',
  'put away',
  'fold',
  'hide',
  'present',
  'inspect',
  'scan',
  'track',
  'zoom in',
  'zoom out',
  'pull back',
  'push in',
  'pan',
  'tilt',
  'dolly',
  'orbit',
  'circle',
  'reveal',
  'follow',
  'focus',
  'frame',
  'swoop',
  'glide',
  'shoot',
  'film',
  'snap',
];

const seq = (...xs: Expr[]): Expr => ({ seq: xs });
const alt = (...xs: Expr[]): Expr => ({ alt: xs });
const opt = (x: Expr): Expr => ({ opt: x });
const ref = (name: string): Expr => ({ ref: name });
const words = (s: string): Expr => (s.includes(' ') ? seq(...s.split(' ')) : s);
const alts = (list: readonly string[]): Expr => alt(...list.map(words));

const spoken = (name: string): string => name.toLowerCase().replace(/_/g, ' ');

/**
 * The phrases that name an entity, each checked with the planner's resolver: the full name,
 * its colour from the description ("green toy car"), and the head noun alone when it is unique.
 */
export function entityPhrases(e: PlannerEntity, all: readonly PlannerEntity[]): string[] {
  const lex = buildLexicon(all);
  const name = spoken(e.name);
  const nameWords = name.split(' ');
  const colours = descriptionWords(e.description).filter((w) => COLOURS.has(w) && !nameWords.includes(w));
  const candidates = [name, ...colours.map((c) => `${c} ${name}`)];
  if (nameWords.length > 1) candidates.push(nameWords[nameWords.length - 1]);
  const out: string[] = [];
  for (const c of candidates) {
    const r = resolveNounPhrase(['the', ...c.split(' ')], lex);
    if (r.kind === 'entity' && r.name === e.name && r.repairs.length === 0 && !out.includes(c)) out.push(c);
  }
  return out;
}

/** "A LEGO Loki minifigure." names LOKI with a capital: a proper name, said without "the". */
export function isProperName(e: PlannerEntity): boolean {
  const words = e.name.split('_');
  return words.length === 1 && new RegExp(`\\b${words[0][0]}${words[0].slice(1).toLowerCase()}\\b`).test(e.description);
}

/** Name words of a taught skill as spoken, with the planner's variants ("zoom into" for zoom_in). */
function nameForms(words: readonly string[]): Expr {
  const variants: Record<string, string[]> = { in: ['in', 'into'], on: ['on', 'onto'], all: ['all', 'everything'] };
  return seq(...words.map((w) => (variants[w] ? alt(...variants[w]) : w)));
}

/** Build the grammar for one context. */
export function buildGrammar(input: GrammarInput): Grammar {
  const rules = new Map<string, Expr>();
  const entities = [...input.entities].sort((a, b) => (a.name < b.name ? -1 : 1));
  const known = new Set(entities.map((e) => e.name));

  // Objects: the named ones, then the unnamed scene objects (their phrase becomes a question the
  // planner asks). Common nouns take "the" (a looser grammar lets unrelated speech through);
  // proper names ("loki") may go without.
  const common: Expr[] = [];
  const proper: Expr[] = [];
  for (const e of entities) for (const p of entityPhrases(e, entities)) (isProperName(e) ? proper : common).push(words(p));
  for (const o of input.sceneObjects ?? []) {
    if (known.has(o.name)) continue;
    const n = spoken(o.name);
    common.push(words(n));
    if (o.colour) common.push(words(`${o.colour} ${n}`));
  }
  const things: Expr[] = [];
  if (common.length || proper.length) things.push(seq('the', alt(...common, ...proper)));
  if (proper.length) things.push(alt(...proper));
  rules.set('thing', things.length ? alt(...things) : 'it');
  rules.set('object', alt(ref('thing'), 'it'));

  // The seed API, in the phrasings of planner/rules.ts FRAMES.
  // A few verbs per action: every extra alternative is one more way to mishear ("pack" ~ "fetch").
  const pick = alts(['pick up', 'grab', 'take', 'get']);
  const cmds: Expr[] = [
    alt(seq(pick, ref('object')), seq('pick', ref('object'), 'up')),
    alt(
      seq(alts(['go', 'move', 'head']), opt(alts(['over', 'back'])), 'to', ref('object')),
      seq(alts(['go', 'move']), alts(['above', 'near', 'next to', 'closer to']), ref('object')),
      seq(alts(['move the camera', 'move the arm']), opt('over'), 'to', ref('object')),
      seq('approach', ref('object')),
    ),
    seq(
      alts(['put', 'place', 'drop', 'move', 'bring']),
      ref('object'),
      alts(['in', 'into', 'on', 'onto', 'next to', 'on top of']),
      ref('thing'),
    ),
    alts(['release', 'release it', 'let go', 'drop it', 'open the gripper', 'open your gripper']),
    alts(['grasp', 'close the gripper', 'close your gripper']),
    alt(
      alts(['go home', 'go back home', 'return home', 'move the camera back home']),
      seq('go', opt('back'), 'to', alts(['the', 'your']), alts(['home', 'start']), 'position'),
    ),
  ];

  // Taught skills by name (and the description alias the planner also accepts).
  const teachable = new Set(input.teachableVerbs ?? TEACHABLE_VERBS);
  const taughtNames: Expr[] = [];
  /** one-object camera moves, which can be split into frames */
  const moves: Expr[] = [];
  for (const s of input.skills) {
    // Learned motion skills (camera moves taught by demonstration) are primitives the operator named.
    if (BUILTIN_SKILLS.has(s.name) || (s.kind === 'primitive' && !s.learned)) continue;
    if (s.params.some((p) => p.type !== 'entity')) continue; // numbers and strings have no spoken form here
    const forms: Expr[] = [nameForms(s.name.split('_'))];
    const alias = descriptionAlias(s, input.skills);
    // A destructive word ("chuck out" for throw_away) the planner refuses: never offered.
    if (alias && !isDestructiveVerb(alias[0])) forms.push(nameForms(alias));
    for (const syn of skillSynonyms(s, input.skills)) if (!isDestructiveVerb(syn[0])) forms.push(nameForms(syn)); // "push in" for zoom_in
    const name = alt(...forms);
    taughtNames.push(words(spoken(s.name)));
    teachable.add(spoken(s.name));
    const lead = opt(alts(['around', 'on', 'to', 'at', 'over', 'in on']));
    // "do the sweep": the planner drops articles after do/run, so only names without one.
    const doForm = s.name.split('_').some((w) => ['a', 'an', 'the'].includes(w))
      ? []
      : [seq(alts(['do the', 'run the']), words(spoken(s.name)))];
    if (s.params.length === 0) cmds.push(alt(name, ...doForm));
    else if (s.params.length === 1) {
      cmds.push(seq(name, lead, ref('object')));
      // Camera moves (learned by demonstration, or the crew's named moves) can be split into frames.
      if (s.learned || s.name in SKILL_SYNONYMS) moves.push(seq(name, lead, ref('object')));
    } else if (s.params.length === 2)
      cmds.push(seq(name, ref('object'), alts(['on', 'to', 'in', 'into', 'on top of', 'next to']), ref('thing')));
  }
  rules.set('command', alt(...cmds));
  if (moves.length) {
    const ones = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    rules.set(
      'count',
      alt(
        alts(ones.slice(1)),
        alts(['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen']),
        seq(alts(['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']), opt(alts(ones))),
        words('a hundred'),
      ),
    );
    rules.set('frames', seq(alts(['over', 'in']), ref('count'), 'frames'));
    // "track around the tower over twenty four frames": one camera move, split into stop-motion frames.
    rules.set('split_move', seq(opt(alts(['now', 'okay'])), alt(...moves), ref('frames'), opt('please')));
  }
  rules.set(
    'commands',
    seq(
      opt(alts(['now', 'okay'])),
      ref('command'),
      opt(seq(alts(['and', 'then', 'and then']), ref('command'), opt(seq(alts(['and', 'then', 'and then']), ref('command'))))),
      opt('please'),
    ),
  );

  // The open slot: a verb nobody taught, alone, on "it" or on an object ("pack the candy"). The
  // planner answers "I don't know how to pack yet. Teach me?"; without the slot the decoder can
  // only hear some known command instead ("head to the candy").
  const taughtWords = new Set(input.skills.flatMap((s) => [s.name, ...s.name.split('_')]));
  const open = (v: string): boolean =>
    /^[a-z]+$/.test(v) &&
    !KNOWN_VERBS.has(v) &&
    !NOT_NEW_VERBS.has(v) &&
    !taughtWords.has(v) &&
    !isDestructiveVerb(v) &&
    plannerAnswers(v).teach;
  // The teachable names ("pack", "wrap"…) are new verbs too until taught.
  const newVerbs =
    input.newVerbs === false
      ? []
      : [
          ...new Set([
            ...(input.newVerbs ?? defaultNewVerbs()),
            ...(input.teachableVerbs ?? TEACHABLE_VERBS).filter((v) => !v.includes(' ')),
          ]),
        ].filter(open);
  if (newVerbs.length) {
    rules.set('new_verb', alts(newVerbs.sort()));
    rules.set('new_command', seq(opt('now'), ref('new_verb'), opt(ref('object')), opt('please')));
  }
  // Harm said as said ("crush the candy", "throw the pen at the bag"): the planner refuses it.
  // Without the slot the decoder can only hear the nearest known command ("approach the candy").
  const harmVerbs =
    input.harmVerbs === false
      ? []
      : [...new Set(input.harmVerbs ?? defaultHarmVerbs())].filter((v) => /^[a-z]+$/.test(v) && !KNOWN_VERBS.has(v) && !taughtWords.has(v));
  if (harmVerbs.length) {
    rules.set('harm_verb', alts(harmVerbs.sort()));
    rules.set(
      'harm_command',
      seq(opt('now'), ref('harm_verb'), opt(ref('object')), opt(seq(alts(['at', 'against', 'off']), ref('object'))), opt('please')),
    );
  }

  // Teaching, corrections, questions: planner/control-phrases.ts parseControl and the confirm/cancel sets (answers.ts).
  rules.set('new_behavior', alts([...teachable].sort()));
  rules.set(
    'teach',
    alt(
      seq(
        opt('okay'),
        alt(
          seq(alts(['let me teach you', 'i will teach you', "i'll teach you", 'i want to teach you']), opt('how')),
          words('let me show you how'),
        ),
        'to',
        ref('new_behavior'),
        opt(ref('thing')),
      ),
      seq(alts(['teach', 'learn']), alts(['a new behavior', 'a new skill', 'a new trick']), alts(['called', 'named']), ref('new_behavior')),
      alts(['let me teach you something', 'let me teach you a new behavior']),
    ),
  );
  const names: Expr[] = [
    ...taughtNames,
    ...entities.flatMap((e) =>
      entityPhrases(e, entities)
        .slice(0, 1)
        .map((p) => seq('the', words(p))),
    ),
  ];
  rules.set(
    'dialogue',
    alt(
      alts([
        "that's it",
        'that is it',
        "that's all",
        "i'm done",
        'done',
        "we're done",
        'finished',
        "it's here",
        "it's right here",
        'right here',
        'over here',
        'here it is',
        'this is the spot',
        'yes',
        'yeah',
        'yes please',
        'do it',
        'go ahead',
        'confirm',
        'okay do it',
        'sounds good',
        'no',
        'cancel',
        'cancel that',
        'never mind',
        'no never mind',
        "don't do that",
        'the other one',
        'no the other one',
        'not that one',
        'wrong one',
        'undo',
        'undo that',
        'take that back',
        'what can you do',
        'what do you know',
        'help',
        // the stop-motion studio (planner/control-phrases.ts SHOOT, DELETE_FRAME, NEW_FILM)
        'shoot',
        'take a picture',
        'take a shot',
        'take a photo',
        'snap',
        'delete the last frame',
        'start a new film',
      ]),
      ...(names.length
        ? [
            seq(alts(['forget', 'what is', 'describe']), alt(...names)),
            ...(taughtNames.length ? [seq('rename', alt(...taughtNames), 'to', ref('new_behavior'))] : []),
          ]
        : []),
    ),
  );
  rules.set(
    'stop',
    alts(['stop', 'stop stop', 'stop now', 'stop moving', 'stop it', 'please stop', 'halt', 'freeze', 'wait', 'hold on', 'emergency stop']),
  );
  // pocketsphinx 0.8 ignores JSGF weights (measured): the prior for known commands over new
  // verbs is applied after decoding (pocketsphinx-rescore.ts).
  rules.set(
    'utterance',
    alt(
      ref('stop'),
      ref('commands'),
      ...(moves.length ? [ref('split_move')] : []),
      ...(newVerbs.length ? [ref('new_command')] : []),
      ...(harmVerbs.length ? [ref('harm_command')] : []),
      ref('teach'),
      ref('dialogue'),
    ),
  );

  const used = new Set<string>();
  const collect = (x: Expr): void => {
    if (typeof x === 'string') used.add(x);
    else if ('seq' in x) x.seq.forEach(collect);
    else if ('alt' in x) x.alt.forEach(collect);
    else if ('opt' in x) collect(x.opt);
  };
  for (const r of rules.values()) collect(r);
  return { rules, words: used };
}

/** The words of the grammar's new-verb slot (none when it has no such slot). */
export function newVerbWords(g: Grammar): string[] {
  const x = g.rules.get('new_verb');
  if (!x || typeof x === 'string' || !('alt' in x)) return [];
  return x.alt.filter((w): w is string => typeof w === 'string');
}

/** The words of the grammar's harm slot (none when it has no such slot). */
export function harmVerbWords(g: Grammar): string[] {
  const x = g.rules.get('harm_verb');
  if (!x || typeof x === 'string' || !('alt' in x)) return [];
  return x.alt.filter((w): w is string => typeof w === 'string');
}

/** Drop every alternative that uses a word the dictionary cannot pronounce. */
export function pruneWords(g: Grammar, missing: ReadonlySet<string>): Grammar {
  if (!missing.size) return g;
  const prune = (x: Expr): Expr | null => {
    if (typeof x === 'string') return missing.has(x) ? null : x;
    if ('ref' in x) return x;
    if ('opt' in x) {
      const o = prune(x.opt);
      return o === null ? { seq: [] } : { opt: o };
    }
    if ('seq' in x) {
      const parts = x.seq.map(prune);
      return parts.some((p) => p === null) ? null : { seq: parts as Expr[] };
    }
    const parts = x.alt.map(prune).filter((p): p is Expr => p !== null);
    return parts.length ? { alt: parts } : null;
  };
  const rules = new Map<string, Expr>();
  for (const [k, v] of g.rules) rules.set(k, prune(v) ?? 'it');
  return { rules, words: new Set([...g.words].filter((w) => !missing.has(w))) };
}

function serialize(x: Expr): string {
  if (typeof x === 'string') return x;
  if ('ref' in x) return `<${x.ref}>`;
  if ('opt' in x) return `[ ${serialize(x.opt)} ]`;
  if ('seq' in x) {
    const parts = x.seq.filter((p) => !(typeof p === 'object' && 'seq' in p && p.seq.length === 0));
    return parts.map((p) => (typeof p === 'object' && 'alt' in p ? `( ${serialize(p)} )` : serialize(p))).join(' ');
  }
  return x.alt.map(serialize).join(' | ');
}

/** JSGF text for pocketsphinx (`-jsgf`); the public rule is <utterance>. */
export function toJsgf(g: Grammar): string {
  const lines = ['#JSGF V1.0;', 'grammar shammie;'];
  for (const [name, expr] of g.rules) lines.push(`${name === 'utterance' ? 'public ' : ''}<${name}> = ${serialize(expr)};`);
  return `${lines.join('\n')}\n`;
}

/** A random sentence of the grammar (for tests: everything it can say must plan). */
export function sample(g: Grammar, random: () => number, rule = 'utterance'): string {
  const out: string[] = [];
  const walk = (x: Expr, depth: number): void => {
    if (depth > 50) return;
    if (typeof x === 'string') out.push(x);
    else if ('ref' in x) walk(g.rules.get(x.ref)!, depth + 1);
    else if ('opt' in x) {
      if (random() < 0.5) walk(x.opt, depth + 1);
    } else if ('seq' in x) x.seq.forEach((p) => walk(p, depth + 1));
    else walk(x.alt[Math.floor(random() * x.alt.length)], depth + 1);
  };
  walk(g.rules.get(rule)!, 0);
  return out.join(' ');
}
