/**
 * One clause ("pick up the candy") → one action with unresolved noun phrases. The frames are
 * regular expressions over the space-joined tokens, tried in a fixed order, so the same words
 * always take the same path. Frame order matters: "move to X" (goto) before "move X to Y" (put),
 * release/grasp before pickup ("grab" alone closes the gripper, "grab X" picks X up).
 */
import type { SkillSignature } from '../skills/registry.js';

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

const HOME_NOUN = '(?:home|neutral|rest|start|starting|initial|default)(?: (?:position|pose|spot|place|location|configuration|point))?';
const GO_V = '(?:go|move|head|come|get|run|return|travel|drive|fly|goto)';
const GOTO_V = '(?:go|goto|move|head|come|get|travel|drive|fly|hover|return|navigate|reach|point)';
const GOTO_PARTICLES = '(?: (?:over|up|down|back|right|straight|directly|close|closer|out))*';
const GOTO_PREP = '(?:to|toward|towards|above|over|near|next to|on top of|onto|on|into|in to|in|by|at|up to|close to|closer to|in front of|beside|for)';
const PUT_V = '(?:put|place|drop|move|bring|take|carry|stick|throw|toss|insert|load|transfer|set|deposit|stash|slide|get|lower|pop|dump|shove|stuff|return|release|leave)';
const PUT_PREP = '(?:into|in to|inside of|inside|in|onto|on to|on top of|on|to|over|above|at|next to|near|beside|by|towards|toward|within)';
const GRIPPER = '(?:the |your |its )?(?:gripper|hand|claw|fingers|grip|jaws|grabber)';
const PICK_V = '(?:pick up|pickup|pick|grab|get|take|fetch|lift up|lift|retrieve|collect|grasp|grip|snatch|pluck|hold onto|hold|go get|go grab|go pick up|go fetch|come get|pick out)';

interface Frame {
  re: RegExp;
  build(g: Record<string, string | undefined>): Action;
}

const np = (s: string | undefined): string[] => (s ? s.split(' ') : []);

const FRAMES: readonly Frame[] = [
  { re: new RegExp(`^${GO_V}(?: back)?(?: to)?(?: (?:the|your|its|my))? ${HOME_NOUN}$`), build: () => ({ type: 'go_home' }) },
  {
    re: /^(?:home(?: position)?|return|reset|retreat|go away|move away|get away|back off|back away|back up|go back|move back|get back|come back|head back|step back|get out of the way|move out of the way|get out of my way|go to your home)$/,
    build: () => ({ type: 'go_home' }),
  },
  { re: new RegExp(`^${GOTO_V}${GOTO_PARTICLES} ${GOTO_PREP} (?<dest>.+)$`), build: (g) => ({ type: 'goto', dest: np(g.dest) }) },
  { re: /^(?:approach|visit|touch|find|locate|hover above|hover over|go find|move above|move over|reach for|goto)(?: (?<dest>.+))$/, build: (g) => ({ type: 'goto', dest: np(g.dest) }) },
  { re: new RegExp(`^${PUT_V} (?<obj>.+?)(?: (?:back|down|away|over))? ${PUT_PREP} (?<dest>.+)$`), build: (g) => ({ type: 'put', obj: np(g.obj), dest: np(g.dest) }) },
  {
    re: /^(?:release|drop|ungrasp|unclench|unhand|let go|let loose|let it go|let that go|let it drop|let it fall|let go of|drop off)(?: of)?(?: (?<obj>.+))?$/,
    build: (g) => ({ type: 'release', obj: g.obj ? np(g.obj) : undefined }),
  },
  { re: /^let (?<obj>.+?) (?:go|drop|fall|loose)$/, build: (g) => ({ type: 'release', obj: np(g.obj) }) },
  { re: new RegExp(`^open(?: up)?(?: ${GRIPPER})?(?: up)?$`), build: () => ({ type: 'release' }) },
  { re: /^(?:put|set|place|lay|drop)(?: (?<obj>.+?))? down$/, build: (g) => ({ type: 'release', obj: g.obj ? np(g.obj) : undefined }) },
  { re: /^(?:put|set|place|lay) down(?: (?<obj>.+))?$/, build: (g) => ({ type: 'release', obj: g.obj ? np(g.obj) : undefined }) },
  {
    re: new RegExp(`^(?:grasp|grab|grip|close|clamp|squeeze|clench|pinch)(?: (?:down|up|shut|tight|tightly))?(?: ${GRIPPER})?(?: (?:here|there|shut|now))?$`),
    build: () => ({ type: 'grasp' }),
  },
  { re: new RegExp(`^${PICK_V} (?<obj>.+?)(?: (?:up|out))?$`), build: (g) => ({ type: 'pickup', obj: np(g.obj) }) },
];

/** Verbs a frame understands; a clause starting with one that no frame matched gets a targeted question. */
const PICK_WORDS = new Set(['pick', 'pickup', 'grab', 'get', 'take', 'fetch', 'lift', 'retrieve', 'collect', 'grasp', 'grip', 'snatch', 'pluck', 'hold']);
const GO_WORDS = new Set(['go', 'goto', 'move', 'head', 'come', 'travel', 'drive', 'fly', 'hover', 'navigate', 'approach', 'visit', 'reach', 'touch', 'find', 'locate', 'point', 'return']);
const PUT_WORDS = new Set(['put', 'place', 'drop', 'bring', 'carry', 'stick', 'throw', 'toss', 'insert', 'load', 'transfer', 'set', 'deposit', 'stash', 'slide', 'lower', 'pop', 'dump', 'shove', 'stuff', 'release', 'leave', 'lay']);
const OTHER_VERBS = new Set(['let', 'open', 'close', 'clamp', 'squeeze', 'clench', 'pinch', 'ungrasp', 'unclench', 'unhand', 'reset', 'retreat', 'back', 'step']);
export const KNOWN_VERBS = new Set([...PICK_WORDS, ...GO_WORDS, ...PUT_WORDS, ...OTHER_VERBS]);

/** Tokens that start a noun phrase rather than a command. */
const NON_VERB_START = new Set([
  'the', 'a', 'an', 'this', 'that', 'these', 'those', 'my', 'your', 'our', 'its', 'it', 'some', 'them', 'in', 'into', 'on', 'to',
  'at', 'with', 'from', 'of', 'i', 'we', 'you', 'he', 'she', 'they',
]);
const QUESTION_WORDS = new Set(['what', 'whats', 'where', 'wheres', 'why', 'how', 'who', 'whos', 'when', 'which', 'is', 'are', 'do', 'does', 'did', 'can', 'could', 'would', 'will']);
const PARTICLES = new Set(['up', 'down', 'away', 'out', 'off', 'back', 'over', 'around']);
/** Splits the arguments of a taught skill with several parameters: "bring the candy to the bag". */
const ARG_SEPARATORS = new Set(['to', 'into', 'in', 'on', 'onto', 'with', 'from', 'at', 'for', 'near', 'over', 'above', 'inside']);
const NEGATIONS = new Set(['dont', 'never', 'not']);

function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((w, i) => tokens[i] === w);
}

export function splitArgs(rest: readonly string[]): string[][] {
  const groups: string[][] = [];
  let cur: string[] = [];
  for (const t of rest) {
    if (ARG_SEPARATORS.has(t)) { if (cur.length) groups.push(cur); cur = []; } else cur.push(t);
  }
  if (cur.length) groups.push(cur);
  return groups;
}

/** Taught skills, matched by their name words ("bring_to_user" ← "bring to user ..."), longest name first. */
function matchTaught(tokens: readonly string[], skills: readonly SkillSignature[]): Action | undefined {
  const taught = skills
    .filter((s) => !BUILTIN_SKILLS.has(s.name))
    .map((s) => ({ s, words: s.name.split('_').filter(Boolean) }))
    .sort((a, b) => b.words.length - a.words.length || (a.s.name < b.s.name ? -1 : 1));
  for (const { s, words } of taught) {
    if (!startsWith(tokens, words)) continue;
    const rest = tokens.slice(words.length);
    const n = s.params.length;
    if (n === 0) return rest.length === 0 ? { type: 'skill', skill: s, args: [] } : { type: 'skill_arity', skill: s, heard: splitArgs(rest).length };
    if (!rest.length) return { type: 'missing', ask: `What should I ${words.join(' ')}?` };
    const args = n === 1 ? [rest as string[]] : splitArgs(rest);
    // One-parameter skills take the whole rest, unless it clearly names a second thing.
    if (n === 1 && splitArgs(rest).length > 1) return { type: 'skill_arity', skill: s, heard: splitArgs(rest).length };
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

  const text = tokens.join(' ');
  for (const f of FRAMES) {
    const m = f.re.exec(text);
    if (m) return f.build(m.groups ?? {});
  }

  const verb = tokens[0];
  if (QUESTION_WORDS.has(verb)) return { type: 'asked' };
  if (KNOWN_VERBS.has(verb)) {
    const tail = tokens.slice(1).filter((t) => !PARTICLES.has(t));
    if (PICK_WORDS.has(verb) && !tail.length) return { type: 'missing', ask: `What should I ${tokens.join(' ')}?` };
    if (GO_WORDS.has(verb) && tail.every((t) => t === 'here' || t === 'there')) return { type: 'missing', ask: 'Where should I go? Tell me the name of an object or place.' };
    // "throw away the candy": a verb+particle no frame covers is a behavior to teach, not a put.
    if (PARTICLES.has(tokens[1] ?? '') && tokens[1] !== 'up') return { type: 'unknown_verb', verb: tokens.slice(0, 2).join(' '), rest: tokens.slice(2) };
    if (PUT_WORDS.has(verb) || verb === 'move' || verb === 'take' || verb === 'get') {
      if (tail.length) return { type: 'missing', ask: `Where should I ${verb} ${tokens.slice(1).join(' ')}?` };
      return { type: 'missing', ask: `What should I ${verb}, and where?` };
    }
    return { type: 'not_understood' };
  }
  if (NON_VERB_START.has(verb) || /^[0-9]/.test(verb)) return { type: 'no_verb', np: [...tokens] };
  const withParticle = PARTICLES.has(tokens[1] ?? '') ? 2 : 1;
  return { type: 'unknown_verb', verb: tokens.slice(0, withParticle).join(' '), rest: tokens.slice(withParticle) };
}
