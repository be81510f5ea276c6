/**
 * When the planner cannot place an utterance, the closest readings it can: the words as a
 * misheard "and" between two commands ("pick up the candy in put it in the bag"), the command
 * without an unknown first word, the first word as the known verb it sounds like, and the plain
 * commands on the objects named. Each reading is planned for real before it is offered, so an
 * option is always something the robot would do.
 */
import type { SkillSignature } from '../skills/registry.js';
import { buildLexicon, resolveNounPhrase } from './lexicon.js';
import { KNOWN_VERBS } from './rules.js';
import { AND_MISHEARINGS, BREAK, COMMAND_VERBS, editDistance, FILLERS, removeHedges, removePhrases, soundsLike } from './text.js';
import type { PlannerContext, PlannerResult, Repair } from './types.js';
import { isVerb } from './wordnet.js';

/** How a recognizer mishears "and" between two commands. */
const AND_SOUNDS = new Set([...AND_MISHEARINGS, 'un', 'um', 'uh', 'ant', 'add']);
/** Verbs that start a command of their own after a misheard "and". */
const NEXT_VERBS = new Set([...COMMAND_VERBS, 'fetch', 'get', 'let']);
/** The verbs offered when the first word sounds like one. */
const VERB_PHRASES = ['pick up', 'put', 'go to', 'grab', 'drop', 'release', 'bring', 'move', 'take', 'go home', 'place', 'lift', 'fetch'];
/** At most this many candidate readings are planned (each one is a full planning call). */
const MAX_CANDIDATES = 16;
/** Options offered in one question. */
export const MAX_READINGS = 3;

type PlanFn = (text: string) => PlannerResult;

const spoken = (name: string): string => name.toLowerCase().replace(/_/g, ' ');

function taughtNames(skills: readonly SkillSignature[]): string[] {
  return skills.filter((s) => !['go_home', 'goto', 'grasp', 'release', 'pickup'].includes(s.name)).map((s) => spoken(s.name));
}

/** The utterance's words with fillers and hedges gone, clause breaks kept as commas. */
export function cleanWords(tokens: readonly string[]): string[] {
  return removeHedges(removePhrases(tokens, FILLERS), isVerb);
}

const text = (ws: readonly string[]): string =>
  ws
    .join(' ')
    .replace(new RegExp(` ${BREAK}`, 'g'), ',')
    .replace(/^,\s*|,\s*$/g, '')
    .trim();

/** "pick up the candy in put it in the bag" → "pick up the candy and put it in the bag", with the repair. */
export function andRepairs(words: readonly string[]): { text: string; repair: Repair }[] {
  const out: { text: string; repair: Repair }[] = [];
  for (let i = 1; i < words.length - 1 && out.length < MAX_CANDIDATES; i++) {
    if (AND_SOUNDS.has(words[i]) && NEXT_VERBS.has(words[i + 1]))
      out.push({ text: text([...words.slice(0, i), 'and', ...words.slice(i + 1)]), repair: { heard: words[i], understood: 'and' } });
  }
  return out;
}

function candidates(words: readonly string[], ctx: PlannerContext): string[] {
  const out: string[] = [];
  const add = (t: string) => {
    if (t && !out.includes(t) && out.length < MAX_CANDIDATES) out.push(t);
  };
  for (const r of andRepairs(words)) add(r.text);
  const [first, ...rest] = words.filter((w, i) => !(i === 0 && w === BREAK));
  const taught = taughtNames(ctx.skills);
  if (first && !KNOWN_VERBS.has(first) && !taught.some((n) => n.split(' ')[0] === first)) {
    // The first word as the verb it sounds like: "pik up the candy", "grap the pen".
    for (const v of [...VERB_PHRASES, ...taught]) {
      const head = v.split(' ')[0];
      if (soundsLike(first, head) || (first.length >= 3 && editDistance(first, head) === 1)) {
        const tail = v.includes(' ') && rest[0] === v.split(' ')[1] ? rest.slice(1) : rest;
        add(text([v, ...tail]));
      }
    }
    // Without it: "blorp pick up the candy".
    if (rest.length) add(text(rest));
  }
  // The plain commands on each object named.
  const lex = buildLexicon(ctx.entities);
  const named: string[] = [];
  for (let i = 0; i < words.length && named.length < 3; i++) {
    for (let len = Math.min(3, words.length - i); len >= 1; len--) {
      const r = resolveNounPhrase(words.slice(i, i + len), lex);
      if (r.kind === 'entity' && r.repairs.length === 0) {
        if (!named.includes(r.name)) named.push(r.name);
        break;
      }
    }
  }
  for (const name of named) {
    const e = ctx.entities.find((x) => x.name === name);
    const the = `the ${spoken(name)}`;
    if (e?.container && ctx.held && ctx.held !== name) add(`put it in ${the}`);
    if (e?.kind === 'object' && !e.container) add(`pick up ${the}`);
    add(`go to ${the}`);
  }
  return out;
}

/** Readings of the words that the planner turns into a plan, best first, at most `limit`. */
export function closestReadings(words: readonly string[], ctx: PlannerContext, plan: PlanFn, limit = MAX_READINGS): string[] {
  const said = text(words);
  const out: string[] = [];
  for (const c of candidates(words, ctx)) {
    if (out.length >= limit) break;
    if (c === said) continue;
    if (plan(c).kind === 'plan') out.push(c);
  }
  return out;
}

/** "Did you mean 'a', 'b' or 'c'?" */
export function didYouMean(readings: readonly string[]): string {
  const q = readings.map((r) => `'${r}'`);
  return q.length <= 1 ? `Did you mean ${q.join('')}?` : `Did you mean ${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}?`;
}

/**
 * A question for words the planner could not place, made useful: a misheard "and" between two
 * commands is repaired into the two-step plan (the repair is shown with it), otherwise the
 * question offers the closest readings in `options`. Other results pass through unchanged.
 */
export function withReadings(result: PlannerResult, tokens: readonly string[], ctx: PlannerContext, plan: PlanFn): PlannerResult {
  if (result.kind !== 'question' || result.reason !== 'not_understood' || result.options?.length) return result;
  const words = cleanWords(tokens);
  for (const r of andRepairs(words)) {
    const again = plan(r.text);
    if (again.kind === 'plan') return { ...again, repairs: [r.repair, ...again.repairs] };
  }
  // Only the bare "I didn't understand" and "What should I do with CANDY?" get readings; other
  // answers ("I can't put X into itself.", "What should I do instead?") already say what they need.
  const generic = result.reply.startsWith("Sorry, I didn't understand");
  if (!generic && !result.reply.startsWith('What should I do with ')) return result;
  const readings = closestReadings(words, ctx, plan);
  if (!readings.length) return result;
  const lead = generic ? `Sorry, I didn't understand "${text(words)}".` : result.reply;
  return { ...result, reply: `${lead} ${didYouMean(readings)}`, options: readings };
}
