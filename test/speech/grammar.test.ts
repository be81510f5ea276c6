/**
 * The recognizer's grammar mirrors the rule planner: everything it can produce plans (or is a
 * dialogue act), it follows what is taught, and words CMUdict lacks get espeak-ng phones.
 */
import { describe, expect, it } from 'vitest';
import { RulePlanner } from '../../planner/rule-planner.js';
import {
  buildGrammar,
  harmVerbWords,
  isProperName,
  pruneWords,
  sample,
  toJsgf,
  type Expr,
  type GrammarInput,
} from '../../speech/grammar.js';
import { prng } from '../../speech/pcm.js';
import { buildDictionary, ipaToArpabet } from '../../speech/pronounce.js';
import { loadSpeechSet } from '../../speech/eval/set.js';

const set = loadSpeechSet();
const planner = new RulePlanner();

/** What the planner may answer to a grammar sentence: anything but "I didn't understand". */
function understood(
  text: string,
  input: GrammarInput,
  teaching: boolean,
  harm: ReadonlySet<string> = new Set(),
): { ok: boolean; got: string } {
  const held = input.entities[0]?.name ?? null;
  const r = planner.planSync(text, {
    skills: input.skills,
    entities: input.entities,
    held,
    lastTouched: held,
    teaching: teaching ? { name: 'pack' } : null,
  });
  // The harm slot's sentences ("crush the candy") are there to be heard and refused; a bare
  // "cut" is a film set's stop, which moves nothing either.
  const harmful = harm.has(text.split(' ').filter((w) => w !== 'now')[0]);
  if (r.kind === 'rejected') return { ok: harmful && r.reason === 'unsafe', got: `rejected ${r.reason}` };
  if (harmful) return { ok: r.kind === 'stop' && /^(?:now )?cut(?: please)?$/.test(text), got: `${r.kind}, not refused` };
  if (r.kind !== 'question') return { ok: true, got: r.kind };
  // Questions that are about the world, not about the words, are fine.
  const fine =
    r.reason === 'unknown_object' ||
    r.reason === 'missing_argument' ||
    r.reason === 'unknown_verb' ||
    /into itself|already|nothing to finish|holding/.test(r.reply);
  return { ok: fine, got: `question ${r.reason}: ${r.reply}` };
}

/** The plain words of an expression (for the new-verb list). */
function sampleWords(x: Expr | undefined): string[] {
  if (x === undefined) return [];
  if (typeof x === 'string') return [x];
  if ('alt' in x) return x.alt.flatMap(sampleWords);
  if ('seq' in x) return x.seq.flatMap(sampleWords);
  if ('opt' in x) return sampleWords(x.opt);
  return [];
}

describe('the generated grammar', () => {
  for (const base of ['giftbag', 'giftbag_late', 'stopmotion_late']) {
    it(`every sentence it can produce in ${base} is one the rule planner understands (harmful ones: refuses)`, () => {
      const input = set.vocabulary(base);
      const g = buildGrammar(input);
      const harm = new Set(harmVerbWords(g));
      expect(harm.size).toBeGreaterThanOrEqual(30);
      const r = prng(11);
      const bad: string[] = [];
      for (let i = 0; i < 1500; i++) {
        const text = sample(g, r);
        const u = understood(text, input, i % 2 === 0, harm);
        if (!u.ok) bad.push(`${text} → ${u.got}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }

  it('holds the scene: named objects with their colours, unnamed table objects, proper names without "the"', () => {
    const jsgf = toJsgf(buildGrammar(set.vocabulary('giftbag')));
    expect(jsgf).toMatch(/public <utterance> = /);
    expect(jsgf).toContain('candy');
    expect(jsgf).toContain('gift bag');
    expect(jsgf).toContain('green toy car'); // TOY_CAR is on the table, not yet named: its colour comes from the scene
    const stop = toJsgf(buildGrammar(set.vocabulary('stopmotion')));
    expect(stop).toContain('<thing> = the ( tower | hulk | green hulk | loki ) | hulk | green hulk | loki;'); // LOKI and HULK may go without "the"
    expect(isProperName({ name: 'LOKI', description: 'A LEGO Loki minifigure.', kind: 'object' })).toBe(true);
    expect(isProperName({ name: 'TOWER', description: 'The Avengers tower, a tall LEGO building.', kind: 'object' })).toBe(false);
  });

  it('follows teaching: a taught behavior becomes a command, with the verb its description opens with', () => {
    const before = buildGrammar(set.vocabulary('stopmotion'));
    const input = set.vocabulary('stopmotion');
    const taught: GrammarInput = {
      ...input,
      skills: [
        ...input.skills,
        {
          name: 'dolly_in',
          kind: 'behavior',
          description: 'Glide toward the target.',
          params: [{ name: 'target', type: 'entity', description: '' }],
        },
      ],
    };
    const after = toJsgf(buildGrammar(taught));
    expect(toJsgf(before)).not.toMatch(/dolly ( \( in \| into \)|in)/);
    expect(after).toContain('dolly ( in | into )');
    expect(after).toContain('glide'); // descriptionAlias: "glide the tower" also calls dolly_in
    expect(planner.planSync('dolly into the tower', { ...taught, held: null, lastTouched: null })).toMatchObject({
      kind: 'plan',
      plan: [{ skill: 'dolly_in' }],
    });
  });

  it('has an open slot for verbs nobody taught: "pack the candy" is heard and answered with "Teach me?"', () => {
    const input = set.vocabulary('giftbag');
    const g = buildGrammar(input);
    const verbs = new Set(sampleWords(g.rules.get('new_verb')));
    expect(verbs.size).toBeGreaterThan(200);
    for (const v of ['pack', 'fold', 'stir', 'shake']) expect(verbs.has(v), v).toBe(true);
    // Known verbs and dialogue words have their own sentences; destructive verbs are never offered.
    for (const v of ['pick', 'grab', 'put', 'drop', 'stop', 'wait', 'undo', 'save', 'crush', 'hit', 'smash', 'throw', 'break'])
      expect(verbs.has(v), v).toBe(false);
    const r = prng(3);
    const bad: string[] = [];
    for (let i = 0; i < 400; i++) {
      const text = sample(g, r, 'new_command');
      const got = planner.planSync(text, { skills: input.skills, entities: input.entities, held: null, lastTouched: null, teaching: null });
      const ok =
        got.kind === 'question' && (got.reason === 'unknown_verb' || got.reason === 'ambiguous' || got.reason === 'unknown_object');
      if (!ok) bad.push(`${text} → ${got.kind}: ${got.reply}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(planner.planSync('pack the candy', { ...input, held: null, lastTouched: null, teaching: null })).toMatchObject({
      kind: 'question',
      reply: "I don't know how to pack yet. Teach me?",
    });
    // Once taught, pack is a command of its own, no longer a new verb.
    const taught: GrammarInput = {
      ...input,
      skills: [
        ...input.skills,
        {
          name: 'pack',
          kind: 'behavior',
          description: 'Pick up the obj, go to GIFT_BAG, then release.',
          params: [{ name: 'obj', type: 'entity', description: '' }],
        },
      ],
    };
    expect(new Set(sampleWords(buildGrammar(taught).rules.get('new_verb'))).has('pack')).toBe(false);
    expect(sampleWords(buildGrammar({ ...input, newVerbs: false }).rules.get('new_verb'))).toEqual([]);
  });

  it('hears the stop-motion studio: learned camera moves (with "push in" for zoom_in), "over N frames", and the shoot phrases', () => {
    const input = set.vocabulary('stopmotion');
    // In the running app, track and zoom_in are motion skills learned by demonstration (primitives).
    const skills = input.skills.map((s) =>
      s.name === 'track' || s.name === 'zoom_in'
        ? { ...s, kind: 'primitive' as const, learned: true, description: 'Learned camera motion (shown on HULK).' }
        : s,
    );
    const live: GrammarInput = { ...input, skills };
    const g = buildGrammar(live);
    const jsgf = toJsgf(g);
    for (const phrase of ['push in', 'shoot', 'take a picture', 'snap', 'delete the last frame', 'start a new film', 'twenty', 'frames'])
      expect(jsgf).toContain(phrase);
    const r = prng(5);
    for (let i = 0; i < 300; i++) {
      const text = sample(g, r, 'split_move');
      const got = planner.planSync(text, { skills, entities: live.entities, held: null, lastTouched: 'LOKI' });
      expect(got.kind === 'plan' && got.frames !== undefined && got.frames >= 2 ? 'ok' : `${text} → ${JSON.stringify(got)}`).toBe('ok');
    }
    expect(
      planner.planSync('push in on loki over twenty four frames', { skills, entities: live.entities, held: null, lastTouched: null }),
    ).toMatchObject({ kind: 'plan', plan: [{ skill: 'zoom_in', args: { target: 'LOKI' } }], frames: 24 });
    expect(toJsgf(buildGrammar(set.vocabulary('giftbag')))).not.toContain('<split_move>'); // no camera moves, no frame counts
  });

  it('drops every alternative that uses a word with no pronunciation', () => {
    const g = buildGrammar(set.vocabulary('giftbag'));
    const pruned = pruneWords(g, new Set(['candy']));
    expect(pruned.words.has('candy')).toBe(false);
    expect(toJsgf(pruned)).not.toMatch(/\bcandy\b/);
    expect(toJsgf(pruned)).toContain('gift bag');
  });
});

describe('pronunciations', () => {
  it("maps espeak-ng IPA to the model's ARPAbet phones", () => {
    expect(ipaToArpabet('lˈoʊki')).toEqual(['L', 'OW', 'K', 'IY']);
    expect(ipaToArpabet('hˈʌlk')).toEqual(['HH', 'AH', 'L', 'K']);
    expect(ipaToArpabet('ɡ_ɹ_ˈuː_t')).toEqual(['G', 'R', 'UW', 'T']);
    expect(ipaToArpabet('☃')).toBeUndefined();
  });

  it('gives CMUdict words their entries and derives the rest from espeak-ng ("loki" is not in CMUdict)', async () => {
    const d = await buildDictionary(['hulk', 'loki', 'shammie']);
    expect(d.text).toMatch(/^hulk HH AH L K$/m);
    expect(d.derived.get('loki')).toBe('L OW K IY');
    expect(d.derived.get('shammie')).toMatch(/^SH AE M IY$/);
    expect(d.missing).toEqual([]);
  });
});
