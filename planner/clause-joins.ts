/**
 * Clauses read together before each is parsed: a topic taken up by "it" ("the pen, take it"), a
 * list filled in after "all of them", a put said without its verb ("candy into the bag"),
 * "there" as the place just named, a pause between a verb and its object; and a plan with a
 * second drop at the same place (already let go) made once. Used by rule-planner.ts.
 */
import type { SkillCall } from '../skills/registry.js';
import { resolveNounPhrase, type Lexicon } from './lexicon.js';
import { commandVerb } from './paraphrase.js';
import { parseClause, type Action } from './rules.js';
import { BREAK } from './text.js';
import type { PlannerContext } from './types.js';

type Skills = PlannerContext['skills'];

/** Verbs of placement said after a topic: "the lotion, not the candy, goes in the bin". */
export const PLACED_BY = new Set(['goes', 'belongs', 'should', 'needs', 'has', 'must']);

/** A verb said without what it acts on: "pick up" (its "up" is no object), "go to". */
export function lacksArgument(a: Action, lexicon: Lexicon): boolean {
  if (a.type === 'missing') return true;
  const arg = a.type === 'pickup' ? a.obj : a.type === 'goto' ? a.dest : undefined;
  return arg !== undefined && resolveNounPhrase(arg, lexicon).kind === 'empty';
}

/** The noun phrase after the last "to"/"into"/"in" said so far, up to a join: "over to the bin and …" → the bin. */
function placeSaid(before: readonly string[]): string[] | undefined {
  const at = before.map((t, j) => (['to', 'into', 'in', 'onto'].includes(t) && before[j + 1] === 'the' ? j : -1)).filter((j) => j >= 0);
  const from = at[at.length - 1];
  if (from === undefined) return undefined;
  const end = before.findIndex((t, j) => j > from && (t === 'and' || t === 'then' || t === BREAK));
  const np = before.slice(from + 1, end < 0 ? undefined : end);
  return np.length >= 2 && np.length <= 4 ? np : undefined;
}

/** Verbs of placing after which "there" is a place: "put the pen there too". */
const PLACING_VERBS = new Set([
  'put',
  'place',
  'drop',
  'throw',
  'toss',
  'set',
  'move',
  'bring',
  'take',
  'goes',
  'go',
  'stick',
  'pop',
  'release',
]);

/**
 * "put the pen in there too", "the pen goes there", "in the same place": "there" after a verb of
 * placing is `dest`, where the last plan let go. Only with a placing verb said before it.
 */
export function thereIs(tokens: readonly string[], dest: string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    // "carry the pen over to the bin and drop it there": a place said earlier in the same utterance.
    const said = placeSaid(tokens.slice(0, i));
    const name = said ?? dest?.toLowerCase().split('_');
    if (!name) {
      out.push(tokens[i]);
      continue;
    }
    const placing = tokens.slice(0, i).some((t) => PLACING_VERBS.has(t));
    const same = tokens[i] === 'the' && tokens[i + 1] === 'same' && ['place', 'spot', 'one', 'container'].includes(tokens[i + 2] ?? '');
    if (placing && tokens[i] === 'there') {
      if (!['in', 'into', 'on', 'onto', 'to', 'inside'].includes(out[out.length - 1] ?? '')) out.push('in');
      out.push(...(said ? [] : ['the']), ...name);
    } else if (placing && same) {
      if (!['in', 'into', 'on', 'onto', 'to', 'inside'].includes(out[out.length - 1] ?? '')) out.push('in');
      out.push(...(said ? [] : ['the']), ...name);
      i += 2;
    } else out.push(tokens[i]);
  }
  return out;
}

/**
 * "carry the pen to the bin and drop it there": the carry already let go at the bin, so a second
 * goto(BIN) → release() right after it (nothing picked up between) is dropped, as is a second release().
 */
export function withoutRepeatedDrops(plan: readonly SkillCall[]): SkillCall[] {
  const out: SkillCall[] = [];
  const same = (a: SkillCall | undefined, b: SkillCall | undefined): boolean =>
    !!a && !!b && a.skill === b.skill && JSON.stringify(a.args) === JSON.stringify(b.args);
  for (let i = 0; i < plan.length; i++) {
    const c = plan[i];
    const n = out.length;
    if (c.skill === 'release' && out[n - 1]?.skill === 'release') continue;
    if (c.skill === 'goto' && plan[i + 1]?.skill === 'release' && same(out[n - 2], c) && out[n - 1]?.skill === 'release') {
      i++;
      continue;
    }
    out.push(c);
  }
  return out;
}

/** Plural pronouns a list said after them fills in: "put all of them in the bag: the candy, the pen and the ball". */
const PLURALS: readonly (readonly string[])[] = [
  ['all', 'of', 'them'],
  ['all', 'three'],
  ['all', 'these'],
  ['them', 'all'],
  ['both', 'of', 'them'],
  ['these'],
  ['those'],
  ['them'],
  ['both'],
];

/** The plural pronoun in the first clause replaced by the noun phrases of the verbless clauses after it. */
export function namesAfter(clauses: string[][], skills: Skills): void {
  if (clauses.length < 2) return;
  const first = clauses[0];
  let at = -1;
  let len = 0;
  for (const p of PLURALS) {
    at = first.findIndex((_, k) => k > 0 && p.every((w, j) => first[k + j] === w));
    if (at > 0) {
      len = p.length;
      break;
    }
  }
  if (at < 1) return;
  const rest = clauses.slice(1);
  if (rest.length > MAX_LIST || !rest.every((c) => parseClause(c, skills).type === 'no_verb')) return;
  const list = rest.flatMap((c, k) => (k ? ['and', ...c] : c));
  clauses.splice(0, clauses.length, [...first.slice(0, at), ...list, ...first.slice(at + len)]);
}

/** A taught skill called without arguments ("pull_back()"). */
export const bareSkill = (a: Action | undefined): boolean => a?.type === 'skill' && a.args.length === 0;
export const sameSkill = (a: Action, b: Action | undefined): boolean =>
  a.type === 'skill' && b?.type === 'skill' && a.skill.name === b.skill.name;

/** Longest list of objects read before its place ("the pen, the ball and the candy in the bag"). */
export const MAX_LIST = 8;
/** "do the same with the pen", "same for the lotion" */
export const SAME_AGAIN = /^(?:and |then |now )*(?:do |try )?(?:the )?same(?: thing)?(?: again)? (?:with|for|to) (?<np>.+)$/;
/** Prepositions that make a verbless "X in Y" a put. */
const PUT_INTO = new Set(['in', 'into', 'inside', 'to', 'onto']);

/** "candy into the bag" → "put candy into the bag", when both sides name known things and no verb leads. */
export function verblessPut(clause: string[], skills: Skills, lexicon: Lexicon): string[] {
  const k = clause.findIndex((t, j) => j > 0 && PUT_INTO.has(t));
  if (k < 1 || k + 1 >= clause.length || commandVerb(clause[0], skills)) return clause;
  const what = resolveNounPhrase(clause.slice(0, k), lexicon).kind;
  const where = resolveNounPhrase(clause.slice(k + 1), lexicon).kind;
  return what === 'entity' && where === 'entity' ? ['put', ...clause] : clause;
}

/** Words that take up a topic said before them: "the pen, take it". */
const TOPIC_PRONOUNS = new Set(['it', 'them', 'that', 'this']);

/**
 * "the pen, take it", "so the ball, pick it up": a noun phrase said as a clause of its own and
 * then taken up by a pronoun in the next clause is that pronoun's antecedent, so the two are one
 * command. Changes `clauses` in place; a topic no pronoun takes up is left for the parse to ask about.
 */
export function takeUpTopics(clauses: string[][], skills: Skills, lexicon: Lexicon): void {
  for (let i = 0; i + 1 < clauses.length; i++) {
    if (parseClause(clauses[i], skills).type !== 'no_verb') continue;
    const np = resolveNounPhrase(clauses[i], lexicon).kind;
    if (np !== 'entity' && np !== 'unknown' && np !== 'ambiguous') continue;
    const next = clauses[i + 1];
    const at = next.findIndex((t, k) => k > 0 && TOPIC_PRONOUNS.has(t));
    if (at < 0 || parseClause(next, skills).type === 'no_verb') continue;
    clauses.splice(i, 2, [...next.slice(0, at), ...clauses[i], ...next.slice(at + 1)]);
  }
}

/** Plural pronouns that stand for a group of things: "put them in the bin", "put both in the bag". */
const GROUP_WORDS: readonly (readonly string[])[] = [
  ['both', 'of', 'them'],
  ['all', 'of', 'them'],
  ['them', 'both'],
  ['them'],
  ['both'],
  ['those'],
];

/** Where in `clause` a group pronoun is, and how long it is. */
function groupAt(clause: readonly string[]): { at: number; len: number } | undefined {
  for (const p of GROUP_WORDS) {
    const at = clause.findIndex((_, k) => k > 0 && p.every((w, j) => clause[k + j] === w));
    if (at > 0) return { at, len: p.length };
  }
  return undefined;
}

/**
 * "pick up the pen and the ball and put them in the bin": the gripper holds one thing, so a
 * group picked up and then put somewhere is each put there; "them" stands for the group. Without
 * a group in the utterance, "them" is the things the dialogue last named together (`named`).
 */
export function groupsTakenUp(clauses: string[][], skills: Skills, named: readonly string[]): void {
  for (let k = 0; k < clauses.length; k++) {
    const g = groupAt(clauses[k]);
    if (!g || parseClause(clauses[k], skills).type === 'no_verb') continue;
    // The pickups (and their elided objects) just before this clause.
    const nps: string[][] = [];
    let from = k;
    while (from > 0 && k - from < MAX_LIST) {
      const a = parseClause(clauses[from - 1], skills);
      if (a.type === 'pickup') nps.unshift(a.obj);
      else if (a.type === 'no_verb' && from - 1 > 0) nps.unshift(clauses[from - 1]);
      else break;
      from--;
    }
    const group = nps.length >= 2 && parseClause(clauses[from], skills).type === 'pickup' ? nps : undefined;
    const list =
      group ?? (named.length >= 2 && named.length <= MAX_LIST ? named.map((n) => ['the', ...n.toLowerCase().split('_')]) : undefined);
    if (!list) continue;
    const joined = list.flatMap((np, j) => (j ? ['and', ...np] : np));
    const clause = clauses[k];
    const replaced = [...clause.slice(0, g.at), ...joined, ...clause.slice(g.at + g.len)];
    clauses.splice(group ? from : k, group ? k - from + 1 : 1, replaced);
    return;
  }
}
