/**
 * Control intents: teaching, corrections, questions about what the robot knows. A Control
 * (control-phrases.ts parses the words) becomes the planner's answer here, its names resolved
 * against the live skills and entities.
 */
import { ENTITY_NAME, SKILL_NAME, type SkillSignature } from '../skills/registry.js';
import type { Control } from './control-phrases.js';
import { lessonShown, readDiscourse } from './discourse.js';
import { buildLexicon, resolveNounPhrase } from './lexicon.js';
import { behaviorNameWords, BUILTIN_SKILLS } from './rules.js';
import { formatSignature } from './teach.js';
import { BREAK, isWordLike, singular } from './text.js';
import { spokenNumber } from './frame-count.js';
import { ENTITY_SIZE_RANGE } from '../model/world.js';
import type { PlannerContext, PlannerResult } from './types.js';
import { question, rejected } from './utterance.js';

const words = (name: string): string => name.toLowerCase().replace(/_/g, ' ');
const q = question;
const isBuiltin = (s: SkillSignature): boolean => (s.kind === 'primitive' && !s.learned) || BUILTIN_SKILLS.has(s.name);

type NameRef =
  { kind: 'skill'; skill: SkillSignature } | { kind: 'entity'; name: string } | { kind: 'none'; phrase: string; options?: string[] };

const NAME_LEAD = new Set([
  'how',
  'to',
  'you',
  'what',
  'about',
  'the',
  'a',
  'an',
  'your',
  'my',
  'our',
  'skill',
  'behavior',
  'behaviour',
  'word',
  'called',
  'named',
  'object',
  'thing',
  'do',
  'does',
  'should',
  'i',
  'we',
  'is',
  'are',
  'it',
]);
const NAME_TAIL = new Set([
  'skill',
  'skills',
  'behavior',
  'behaviour',
  'move',
  'trick',
  'command',
  'function',
  'thing',
  'things',
  'stuff',
  'it',
  'them',
  'object',
  'objects',
  'one',
  'is',
  'does',
  'do',
  'again',
  'mean',
  'means',
  'something',
  'work',
  'works',
  'exactly',
  'now',
  'looks',
  'look',
  'like',
]);
const PRONOUN_NAMES = new Set(['it', 'this', 'that', 'this one', 'that one', 'this thing', 'that thing']);

/** The skill a word sequence names, allowing "packing"/"packs"/"packed" for pack. */
function skillNamed(ws: readonly string[], skills: readonly SkillSignature[]): SkillSignature | undefined {
  const by = (n: string) => skills.find((s) => s.name === n);
  const direct = by(ws.join('_'));
  if (direct || !ws.length) return direct;
  const [head, ...tail] = ws;
  for (const stem of [head.replace(/ing$/, ''), head.replace(/ing$/, 'e'), head.replace(/ed$/, ''), singular(head)]) {
    if (stem !== head && stem.length >= 2) {
      const s = by([stem, ...tail].join('_'));
      if (s) return s;
    }
  }
  return undefined;
}

/** "how to pack" → pack, "the toy car" → TOY_CAR, "it" → what is held or was last touched. */
function resolveName(input: readonly string[], ctx: PlannerContext): NameRef {
  const raw = input.filter((t) => t !== BREAK);
  const phrase = raw.join(' ');
  if (PRONOUN_NAMES.has(phrase)) {
    const name = ctx.held ?? ctx.lastTouched;
    return name && ctx.entities.some((e) => e.name === name) ? { kind: 'entity', name } : { kind: 'none', phrase };
  }
  let ws = [...raw];
  while (ws.length > 1 && NAME_LEAD.has(ws[0])) ws = ws.slice(1);
  while (ws.length > 1 && NAME_TAIL.has(ws[ws.length - 1])) ws = ws.slice(0, -1);
  const skill = skillNamed(ws, ctx.skills);
  if (skill) return { kind: 'skill', skill };
  const r = resolveNounPhrase(ws, buildLexicon(ctx.entities));
  if (r.kind === 'entity') return { kind: 'entity', name: r.name };
  if (r.kind === 'ambiguous') return { kind: 'none', phrase, options: r.options };
  return { kind: 'none', phrase };
}

/** What "forget …" can take: taught behaviors and named things. */
function forgettable(ctx: PlannerContext): string[] {
  return [
    ...ctx.skills
      .filter((s) => !isBuiltin(s))
      .map((s) => s.name)
      .sort(),
    ...ctx.entities.map((e) => e.name).sort(),
  ];
}

/** Fallback text for "what can you do?" (the session may compose a richer one). */
function listReply(ctx: PlannerContext): string {
  const builtin = ctx.skills.filter(isBuiltin).map(formatSignature);
  const taught = ctx.skills.filter((s) => !isBuiltin(s)).map(formatSignature);
  const things = ctx.entities.map((e) => e.name);
  return [
    `I can ${builtin.join(', ') || 'nothing yet'}.`,
    taught.length ? `You taught me: ${taught.join(', ')}.` : 'You have not taught me any behaviors yet; say "let me teach you to …".',
    things.length ? `I know: ${things.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function teachStart(nameWords: string[] | null, ctx: PlannerContext): PlannerResult {
  let ws = nameWords ? behaviorNameWords(nameWords) : undefined;
  if (!ws && !nameWords) {
    // "Sure, I'll show you" right after "I don't know how to pack yet. Teach me?" teaches pack.
    const last = ctx.history?.[ctx.history.length - 1]?.reply ?? '';
    const m = /I don't know how to ([a-z ]+) yet\. Teach me\?/.exec(last);
    if (m) ws = m[1].split(' ');
  }
  if (!ws) return q('missing_argument', 'What should I learn? Give it a name, e.g. "let me teach you to pack".');
  if (!ws.every(isWordLike)) return rejected('garbage');
  const name = ws.join('_');
  if (!SKILL_NAME.test(name)) return q('not_understood', `"${ws.join(' ')}" can't be a behavior name. Try one or two plain words.`);
  const existing = ctx.skills.find((s) => s.name === name);
  if (existing && isBuiltin(existing))
    return q(
      'not_understood',
      `${name} is built in, so I can't re-learn it. Pick another name, e.g. "let me teach you to ${ws[0]}_carefully".`,
    );
  const spoken = ws.join(' ');
  const reply = existing
    ? `I already know ${name}; show me the new way to ${spoken}, one step at a time. Say "that's it" when you're done.`
    : `Okay, show me how to ${spoken}, one step at a time. Say "that's it" when you're done.`;
  return { kind: 'teach_start', name, reply };
}

function forget(target: string[], ctx: PlannerContext): PlannerResult {
  const ref = resolveName(target, ctx);
  const can = forgettable(ctx);
  const list = can.length ? ` I can forget: ${can.join(', ')}.` : ' There is nothing I was taught to forget.';
  if (ref.kind === 'skill') {
    if (isBuiltin(ref.skill)) return q('not_understood', `${ref.skill.name} is built in, so I can't forget it.${list}`, can);
    return { kind: 'forget', name: ref.skill.name, reply: `Okay, I'll forget how to ${words(ref.skill.name)}.` };
  }
  if (ref.kind === 'entity') return { kind: 'forget', name: ref.name, reply: `Okay, I'll forget ${ref.name}.` };
  if (ref.options) return q('ambiguous', `Which one should I forget: ${ref.options.join(' or ')}?`, ref.options);
  return q('not_understood', `I don't know anything called "${ref.phrase}".${list}`, can);
}

function rename(fromRef: NameRef, to: readonly string[], ctx: PlannerContext): PlannerResult {
  let ws = to.filter((t) => t !== BREAK);
  while (ws.length > 1 && ['the', 'a', 'an', 'to', 'as', 'be'].includes(ws[0])) ws = ws.slice(1);
  if (!ws.length || !ws.every((w) => isWordLike(w) || /^[0-9]+$/.test(w)))
    return q('not_understood', 'What should the new name be? Try one or two plain words.');
  if (fromRef.kind === 'skill') {
    const from = fromRef.skill.name;
    if (isBuiltin(fromRef.skill)) return q('not_understood', `${from} is built in, so I can't rename it.`);
    const newName = ws.join('_');
    if (!SKILL_NAME.test(newName)) return q('not_understood', `"${ws.join(' ')}" can't be a behavior name. Try one or two plain words.`);
    if (newName === from) return q('not_understood', `It is already called ${from}.`);
    if (ctx.skills.some((s) => s.name === newName))
      return q('not_understood', `I already know a skill called ${newName}. Pick another name.`);
    return { kind: 'rename', from, to: newName, reply: `Okay, from now on ${from} is called ${newName}.` };
  }
  if (fromRef.kind === 'entity') {
    const newName = ws.join('_').toUpperCase();
    if (!ENTITY_NAME.test(newName)) return q('not_understood', `"${ws.join(' ')}" can't be a name. Try one or two plain words.`);
    if (newName === fromRef.name) return q('not_understood', `It is already called ${newName}.`);
    if (ctx.entities.some((e) => e.name === newName))
      return q('not_understood', `I already know something called ${newName}. Pick another name.`);
    return { kind: 'rename', from: fromRef.name, to: newName, reply: `Okay, from now on ${fromRef.name} is called ${newName}.` };
  }
  if (fromRef.options) return q('ambiguous', `Which one should I rename: ${fromRef.options.join(' or ')}?`, fromRef.options);
  const can = forgettable(ctx);
  return q(
    'not_understood',
    `I don't know anything called "${fromRef.phrase}".${can.length ? ` I can rename: ${can.join(', ')}.` : ''}`,
    can,
  );
}

/**
 * "call pack wrap": leading words that say a known name exactly ("the toy car" → TOY_CAR) are the
 * old name; failing that, the longest leading words that resolve at all ("the gummy" → CANDY).
 */
function renameSplit(ws: readonly string[], ctx: PlannerContext): PlannerResult {
  const names = [...ctx.skills.map((s) => s.name), ...ctx.entities.map((e) => e.name.toLowerCase())];
  for (let i = ws.length - 1; i >= 1; i--) {
    const head = ws
      .slice(0, i)
      .filter((w) => !['the', 'a', 'an', 'your', 'my'].includes(w))
      .join('_');
    if (names.includes(head)) return rename(resolveName(ws.slice(0, i), ctx), ws.slice(i), ctx);
  }
  for (let i = ws.length - 1; i >= 1; i--) {
    const ref = resolveName(ws.slice(0, i), ctx);
    if (ref.kind !== 'none') return rename(ref, ws.slice(i), ctx);
  }
  return q('not_understood', 'What should I rename, and to what? Say e.g. "rename pack to wrap".');
}

function describe(target: string[], ctx: PlannerContext): PlannerResult | undefined {
  const ref = resolveName(target, ctx);
  if (ref.kind === 'skill')
    return { kind: 'describe', name: ref.skill.name, reply: `${formatSignature(ref.skill)}: ${ref.skill.description}` };
  if (ref.kind === 'entity') {
    const e = ctx.entities.find((x) => x.name === ref.name);
    return { kind: 'describe', name: ref.name, reply: `${ref.name}: ${e?.description ?? 'something I know.'}` };
  }
  if (ref.options) return q('ambiguous', `Which one do you mean: ${ref.options.join(' or ')}?`, ref.options);
  // "what is this?" with nothing in play stays a plain "I only follow commands" answer.
  return undefined;
}

/** A control phrase → its result, or undefined to plan the words as a command after all. */
export function controlResult(c: Control, ctx: PlannerContext): PlannerResult | undefined {
  switch (c.type) {
    case 'teach_start':
      return teachStart(c.name, ctx);
    case 'teach_done': {
      // "Teach me?" answered by showing steps (no "yes"): the lesson is the offered behavior.
      const name = ctx.teaching?.name ?? lessonShown(readDiscourse(ctx))?.name;
      if (name) return { kind: 'teach_done', reply: `Got it. That's how to ${words(name)}.` };
      return q(
        'not_understood',
        `There's nothing to finish: I'm not learning a behavior right now. To teach me one, say "let me teach you to …".`,
      );
    }
    case 'point_here':
      return { kind: 'point_here', reply: "Okay, I'll use where the gripper is now." };
    case 'undo':
      return { kind: 'undo', reply: 'Okay, undoing the last thing I learned.' };
    case 'forget':
      return forget(c.target, ctx);
    case 'rename':
      return rename(resolveName(c.from, ctx), c.to, ctx);
    case 'rename_split':
      return renameSplit(c.words, ctx);
    case 'list_skills':
      return { kind: 'list_skills', reply: listReply(ctx) };
    case 'describe':
      return describe(c.target, ctx);
    case 'other_one':
      return { kind: 'other_one', reply: 'Okay, the other one.' };
    case 'shoot':
      // A behavior the operator taught under these words ("take a picture") is theirs to run.
      if (
        skillNamed(
          c.words,
          ctx.skills.filter((s) => !isBuiltin(s)),
        )
      )
        return undefined;
      return { kind: 'shoot', reply: 'Taking a picture.' };
    case 'delete_frame':
      return { kind: 'delete_frame', reply: 'Deleting the last frame.' };
    case 'open_film':
      return openFilm(c.name);
    case 'object_size':
      return objectSize(c, ctx);
  }
}

/** meters per unit word */
const UNIT_METERS: ReadonlyMap<string, number> = new Map([
  ...['centimeter', 'centimeters', 'centimetre', 'centimetres', 'cm', 'cms'].map((u): [string, number] => [u, 0.01]),
  ...['millimeter', 'millimeters', 'millimetre', 'millimetres', 'mm'].map((u): [string, number] => [u, 0.001]),
  ...['meter', 'meters', 'metre', 'metres', 'm'].map((u): [string, number] => [u, 1]),
  ...['inch', 'inches', 'in'].map((u): [string, number] => [u, 0.0254]),
]);

/** "15", "fifteen", "twelve and a half", "7 point 5" → the number, or undefined. */
function amount(ws: readonly string[]): number | undefined {
  const point = ws.indexOf('point');
  if (point > 0) {
    const whole = spokenNumber(ws.slice(0, point));
    const frac = ws.slice(point + 1);
    if (whole === undefined || frac.length !== 1 || !/^[0-9]+$/.test(frac[0])) return undefined;
    return Number(`${whole}.${frac[0]}`);
  }
  if (ws.length >= 3 && ws.slice(-3).join(' ') === 'and a half') {
    const whole = spokenNumber(ws.slice(0, -3));
    return whole === undefined ? undefined : whole + 0.5;
  }
  return spokenNumber(ws);
}

/** "the lotion is about 15 centimeters tall" → a size for LOTION (bounded: 5 mm to 1 m). */
function objectSize(c: Extract<Control, { type: 'object_size' }>, ctx: PlannerContext): PlannerResult | undefined {
  const ref = resolveName(c.target, ctx);
  if (ref.kind === 'skill') return undefined; // "pack is 3 steps long": not a size
  if (ref.kind === 'none') {
    if (ref.options) return q('ambiguous', `Which one do you mean: ${ref.options.join(' or ')}?`, ref.options);
    return q('unknown_object', `I don't know "${ref.phrase}" yet. Show me where it is first, then tell me its size.`);
  }
  const n = amount(c.amount);
  const per = UNIT_METERS.get(c.unit);
  if (n === undefined || per === undefined)
    return q(
      'not_understood',
      `How ${c.dimension === 'tall' || c.dimension === 'high' ? 'tall' : 'big'} is ${ref.name}? Say e.g. "15 centimeters".`,
    );
  const meters = n * per;
  const { min, max } = ENTITY_SIZE_RANGE;
  if (!(meters >= min && meters <= max))
    return q(
      'not_understood',
      `${+(meters * 100).toPrecision(3)} cm is not a size I can plan with: objects here are between ${min * 100} cm and ${max * 100} cm. How big is ${ref.name}?`,
    );
  const axis = c.dimension === 'tall' || c.dimension === 'high' ? 'height' : 'width';
  const cm = +(meters * 100).toPrecision(3);
  return {
    kind: 'object_size',
    name: ref.name,
    axis,
    meters,
    reply: `Okay, ${ref.name} is ${cm} cm ${axis === 'height' ? 'tall' : 'across'}.`,
  };
}

/** "new film called my first film" → my-first-film (a session folder name). */
function openFilm(nameWords: string[] | null): PlannerResult {
  if (!nameWords) return { kind: 'open_film', name: null, reply: 'Starting a new film.' };
  const ws = nameWords.filter((w) => w !== BREAK && !['the', 'a', 'an'].includes(w));
  const name = ws.join('-');
  if (!ws.length || !ws.every((w) => isWordLike(w) || /^[0-9]+$/.test(w)) || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) {
    return q('not_understood', 'What should the film be called? One to a few plain words, e.g. "new film called hulk smash".');
  }
  return { kind: 'open_film', name, reply: `Opening the film ${name}.` };
}
