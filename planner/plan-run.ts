/**
 * One planning call, clause by clause: the simulated gripper (what is held, what was last
 * touched), the plan so far and the speech repairs made. Each parsed Action becomes skill calls
 * here, or a question when a noun phrase does not resolve.
 */
import type { ArgValue, SkillCall, SkillSignature } from '../skills/registry.js';
import { formatPlan } from '../skills/registry.js';
import { lastPlan, readDiscourse, referent, referentName, type Discourse } from './discourse.js';
import { resolveNounPhrase, type Lexicon } from './lexicon.js';
import { parseClause, splitArgs, type Action } from './rules.js';
import { isWordLike, singular } from './text.js';
import type { PlannerContext, PlannerResult, QuestionReason, Repair, UnknownTerm } from './types.js';
import { rejected } from './utterance.js';

export function dedupe(repairs: readonly Repair[]): Repair[] {
  const seen = new Set<string>();
  return repairs.filter((r) => {
    const k = `${r.heard}\u0000${r.understood}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export type Step = { ok: true } | { ok: false; result: PlannerResult };

/** Words for the robot itself (the stop-motion arm holds the camera). */
const SELF_WORDS = new Set(['camera', 'phone', 'arm', 'gripper', 'hand', 'yourself', 'robot', 'claw', 'lens', 'shot', 'view']);
function isSelf(np: readonly string[]): boolean {
  const ws = np.filter((t) => !['the', 'your', 'its', 'my', 'a'].includes(t));
  return ws.length > 0 && ws.length <= 2 && ws.every((t) => SELF_WORDS.has(t));
}
type Resolved = { ok: true; name: string } | { ok: false; result: PlannerResult };

/** Mutable state for one planning call: the simulated gripper, the plan so far, repairs made. */
export class Run {
  readonly plan: SkillCall[] = [];
  readonly repairs: Repair[] = [];
  held: string | null;
  lastTouched: string | null;
  readonly discourse: Discourse;

  constructor(
    readonly ctx: PlannerContext,
    readonly lex: Lexicon,
    discourse?: Discourse,
  ) {
    this.held = ctx.held;
    this.lastTouched = ctx.lastTouched;
    this.discourse = discourse ?? readDiscourse(ctx);
  }

  /**
   * What "it" means here: inside one command, what the command itself last touched; at its
   * start, what the dialogue last named if that is more recent than the gripper's state.
   */
  #it(word: string): Resolved {
    const ref = this.plan.length
      ? { kind: 'entity' as const, name: this.held ?? this.lastTouched ?? '' }
      : referent(this.discourse, this.held, this.lastTouched);
    if (ref.kind === 'entity' && ref.name) return { ok: true, name: ref.name };
    if (ref.kind === 'ambiguous')
      return this.question('ambiguous', `Which one do you mean by "${word}": ${ref.options.join(' or ')}?`, { options: ref.options });
    return this.question('ambiguous', `Which object do you mean by "${word}"? I'm not holding anything and haven't touched anything yet.`);
  }

  question(
    reason: QuestionReason,
    reply: string,
    extra: { unknown?: UnknownTerm; options?: string[] } = {},
  ): { ok: false; result: PlannerResult } {
    return { ok: false, result: { kind: 'question', reason, reply, ...extra, repairs: dedupe(this.repairs) } };
  }

  /** The parameter name the live signature uses for a built-in's object (paper: `object`). */
  #param(skill: string): string {
    return this.ctx.skills.find((s) => s.name === skill)?.params.find((p) => p.type === 'entity')?.name ?? 'object';
  }

  call(skill: string, object?: string): void {
    this.plan.push({ skill, args: object === undefined ? {} : { [this.#param(skill)]: object } });
  }

  /**
   * "the other one", "the other pen": an entity of the same sort as the one in play (or the
   * named sort), not that one. Undefined when the words say no "other".
   */
  #other(tokens: readonly string[]): Resolved | undefined {
    const ws = tokens.filter((t) => !['the', 'a', 'an', 'that', 'this'].includes(t));
    if (ws[0] !== 'other' || ws.length > 3) return undefined;
    const noun = ws.slice(1).filter((t) => t !== 'one' && t !== 'thing');
    const ref = this.plan.length ? (this.held ?? this.lastTouched) : referentName(referent(this.discourse, this.held, this.lastTouched));
    const e = this.ctx.entities.find((x) => x.name === ref);
    const mine = this.lex.entries.find((x) => x.entity.name === ref)?.keywords;
    // Of the same sort, most alike first: after the blue pen, "the other one" is the red pen, not the candy.
    const alike = this.lex.entries
      .filter((x) => x.entity.name !== ref)
      .filter((x) =>
        noun.length
          ? noun.every((w) => x.keywords.has(w) || x.keywords.has(singular(w)))
          : !e || (x.entity.kind === e.kind && !!x.entity.container === !!e.container),
      )
      .map((x) => ({ name: x.entity.name, shared: mine ? [...x.keywords].filter((k) => mine.has(k)).length : 0 }));
    // "the other side": a noun no known thing answers to is left to the ordinary reading.
    if (noun.length && !alike.length && !(mine && noun.every((w) => mine.has(w) || mine.has(singular(w))))) return undefined;
    const best = Math.max(0, ...alike.map((x) => x.shared));
    const options = alike.filter((x) => x.shared === best).map((x) => x.name);
    const phrase = tokens.join(' ');
    if (options.length === 1) return { ok: true, name: options[0] };
    if (!options.length) return this.question('ambiguous', `Which one do you mean by "${phrase}"? I don't know another one.`);
    return this.question('ambiguous', `Which one do you mean by "${phrase}": ${options.join(' or ')}?`, { options });
  }

  resolve(tokens: readonly string[], askIfEmpty: string): Resolved {
    const other = this.#other(tokens);
    if (other) return other;
    const r = resolveNounPhrase(tokens, this.lex);
    switch (r.kind) {
      case 'entity':
        this.repairs.push(...r.repairs);
        return { ok: true, name: r.name };
      case 'pronoun':
        return this.#it(r.word);
      case 'unknown':
        this.repairs.push(...r.repairs);
        return this.question('unknown_object', `I don't know what ${r.proposedName} is yet. Can you show me where it is?`, {
          unknown: { kind: 'object', word: r.word, proposedName: r.proposedName, description: r.description },
        });
      case 'ambiguous':
        return this.question('ambiguous', `Which one do you mean by "${r.phrase}": ${r.options.join(' or ')}?`, { options: r.options });
      case 'vague':
        return this.question('ambiguous', `Which object do you mean by "${r.phrase}"?`);
      case 'garbled':
        return this.question('not_understood', `I didn't catch which object you mean ("${r.phrase}"). Could you say it again?`);
      case 'empty':
        return this.question('missing_argument', askIfEmpty);
    }
  }

  /** Entity names mentioned in some words, best effort and silent (for teaching suggestions). */
  mentions(groups: readonly (readonly string[])[]): string[] {
    const out: string[] = [];
    for (const g of groups) {
      const r = resolveNounPhrase(g, this.lex);
      const it = r.kind === 'pronoun' ? this.#it(r.word) : undefined;
      const name = r.kind === 'entity' ? r.name : it?.ok ? it.name : null;
      if (name && !out.includes(name)) out.push(name);
    }
    return out;
  }

  apply(action: Action, clause: readonly string[]): Step {
    switch (action.type) {
      case 'go_home':
        this.call('go_home');
        return { ok: true };
      case 'goto': {
        const d = this.resolve(action.dest, 'Where should I go?');
        if (!d.ok) return d;
        this.call('goto', d.name);
        this.lastTouched = d.name;
        return { ok: true };
      }
      case 'pickup': {
        // "fetch me the sweet": the person it is for is not the object.
        const words = action.obj.length > 1 && (action.obj[0] === 'me' || action.obj[0] === 'us') ? action.obj.slice(1) : action.obj;
        const o = this.resolve(words, 'What should I pick up?');
        if (!o.ok) return o;
        this.call('pickup', o.name);
        this.held = o.name;
        this.lastTouched = o.name;
        return { ok: true };
      }
      case 'grasp':
        this.call('grasp');
        // Closing at the current spot grabs whatever the arm went to.
        this.held = this.held ?? this.lastTouched;
        return { ok: true };
      case 'release': {
        // "release the kraken", "drop the mic": a thing the robot does not know is not in its hand.
        if (action.obj && !this.held) {
          const r = resolveNounPhrase(action.obj, this.lex);
          if (r.kind === 'unknown' || r.kind === 'garbled') {
            const res = this.resolve(action.obj, 'What should I let go of?');
            if (!res.ok) return res;
          }
        }
        if (action.obj && this.held) {
          // "drop the ball" while holding the candy: ask rather than let go of the wrong thing.
          const r = resolveNounPhrase(action.obj, this.lex);
          if (r.kind !== 'pronoun' && r.kind !== 'empty' && !(r.kind === 'entity' && r.name === this.held)) {
            const what = r.kind === 'entity' ? r.name : `"${action.obj.join(' ')}"`;
            return this.question('ambiguous', `I'm holding ${this.held}, not ${what}. Say "release" to let go of ${this.held}.`, {
              options: [this.held],
            });
          }
        }
        // "move it to the bin and let go": the put already opened the gripper; a second release is a no-op.
        if (!(this.held === null && this.plan.length && this.plan[this.plan.length - 1].skill === 'release')) this.call('release');
        this.held = null;
        return { ok: true };
      }
      case 'put': {
        const obj = resolveNounPhrase(action.obj, this.lex);
        // "move the camera over to Loki", "bring your arm to the bag": the robot moves itself.
        if (obj.kind !== 'entity' && isSelf(action.obj)) return this.apply({ type: 'goto', dest: action.dest }, clause);
        let subject: string;
        if (obj.kind === 'pronoun') {
          // "put it in the bag": whatever is held; else what "it" means (touched or just named).
          const it = this.held ? ({ ok: true, name: this.held } as const) : this.#it(obj.word);
          if (!it.ok) return it;
          subject = it.name;
        } else {
          const o = this.resolve(action.obj, 'What should I put there?');
          if (!o.ok) return o;
          subject = o.name;
        }
        const d = this.resolve(action.dest, `Where should I put ${subject}?`);
        if (!d.ok) return d;
        // A pronoun for what the arm is at needs no pickup (as before); one for a thing just named does.
        if (obj.kind !== 'pronoun' || (this.held !== subject && this.lastTouched !== subject)) {
          if (subject === d.name) return this.question('not_understood', `I can't put ${subject} into itself.`);
          if (this.held !== subject) this.call('pickup', subject);
        }
        this.call('goto', d.name);
        this.call('release');
        this.held = null;
        this.lastTouched = d.name;
        return { ok: true };
      }
      case 'skill':
        return this.#taught(action.skill, action.args);
      case 'missing':
        return this.question('missing_argument', action.ask);
      case 'skill_arity': {
        const { skill } = action;
        const words = skill.name.replace(/_/g, ' ');
        const n = skill.params.length;
        if (n === 0) return this.question('not_understood', `I know how to ${words}, but it takes no object. Just say "${words}".`);
        const needs = n === 1 ? 'one object' : `${n} things (${skill.params.map((p) => p.name).join(', ')})`;
        return this.question(
          'not_understood',
          `I know how to ${words}, but it takes ${needs} and I heard ${action.heard}. Could you rephrase?`,
        );
      }
      case 'unknown_verb': {
        if (!action.verb.split(' ').every(isWordLike)) return { ok: false, result: rejected('garbage') };
        const mentions = this.mentions(splitArgs(action.rest));
        return this.question('unknown_verb', `I don't know how to ${action.verb} yet. Teach me?`, {
          unknown: { kind: 'verb', word: action.verb, proposedName: action.verb.replace(/ /g, '_'), mentions },
        });
      }
      case 'no_verb': {
        const r = resolveNounPhrase(action.np, this.lex);
        const what = r.kind === 'entity' ? r.name : `"${action.np.join(' ')}"`;
        return this.question('not_understood', `What should I do with ${what}?`);
      }
      case 'negated':
        return this.#negated(clause);
      case 'asked':
        return this.question('not_understood', `I can only follow commands for now. ${this.#hint()}`);
      case 'not_understood':
        return this.question('not_understood', `Sorry, I didn't understand "${clause.join(' ')}". ${this.#hint()}`);
    }
  }

  #taught(skill: SkillSignature, groups: readonly string[][]): Step {
    const args: Record<string, ArgValue> = {};
    for (const [i, p] of skill.params.entries()) {
      const g = groups[i] ?? [];
      if (p.type === 'entity') {
        const r = this.resolve(g, `What should I ${skill.name.replace(/_/g, ' ')}?`);
        if (!r.ok) return r;
        args[p.name] = r.name;
      } else if (p.type === 'number') {
        const n = Number(g.join(''));
        if (!g.length || !Number.isFinite(n)) return this.question('missing_argument', `What number should I use for ${p.name}?`);
        args[p.name] = n;
      } else {
        args[p.name] = g.join(' ');
      }
    }
    this.plan.push({ skill: skill.name, args });
    return { ok: true };
  }

  /**
   * "don't go home" with nothing else said: never the negated action. Cancels the plan just
   * proposed when it is that action; otherwise asks what to do instead.
   */
  #negated(clause: readonly string[]): Step {
    let i = 0;
    while (i < clause.length && ['dont', 'never', 'not', 'do', 'please', 'but'].includes(clause[i])) i++;
    const rest = clause.slice(i);
    const probe = new Run(this.ctx, this.lex, this.discourse);
    const said = rest.length ? probe.apply(parseClause(rest, this.ctx.skills), rest) : undefined;
    const what = said?.ok && probe.plan.length ? formatPlan(probe.plan) : undefined;
    const last = lastPlan(this.discourse);
    const pending = last && last.turn === this.discourse.turns - 1 ? formatPlan(last.plan) : undefined;
    if (what && pending && pending.includes(what))
      return { ok: false, result: { kind: 'cancel', reply: `Okay, I won't ${rest.join(' ')}: cancelled ${pending}.` } };
    const words = rest.length ? rest.join(' ') : 'do that';
    return this.question('not_understood', `Okay, I won't ${words}. What should I do instead?`);
  }

  #hint(): string {
    const obj = this.lex.entries.find((e) => e.entity.kind === 'object');
    return obj
      ? `Try something like "pick up the ${obj.entity.name.toLowerCase().replace(/_/g, ' ')}" or "go home".`
      : 'Try something like "go home".';
  }
}
