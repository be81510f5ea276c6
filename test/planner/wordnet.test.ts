import { describe, expect, it } from 'vitest';
import {
  commonVerbs,
  destructiveSeedWords,
  isDestructiveVerb,
  isNoun,
  isVerb,
  nounHypernyms,
  nounLemma,
  nounSynonyms,
  verbHypernyms,
  verbLemma,
} from '../../planner/wordnet.js';

describe('WordNet lemmas', () => {
  it('finds the verb lemma of base, regular and irregular forms', () => {
    for (const w of ['pack', 'packing', 'packed', 'packs']) expect(verbLemma(w)).toBe('pack');
    expect(verbLemma('hitting')).toBe('hit');
    expect(verbLemma('stopped')).toBe('stop');
    expect(verbLemma('carries')).toBe('carry');
    expect(verbLemma('placed')).toBe('place');
    expect(verbLemma('threw')).toBe('throw');
    expect(verbLemma('broken')).toBe('break');
    expect(verbLemma('Grabbing')).toBe('grab');
    expect(isVerb('smashed')).toBe(true);
  });

  it('treats JS property names as plain words', () => {
    for (const w of ['constructor', 'hasownproperty', 'tostring']) {
      expect(verbLemma(w)).toBeUndefined();
      expect(nounLemma(w)).toBe(w === 'constructor' ? 'constructor' : undefined);
    }
  });

  it('says no for words that are not verbs', () => {
    for (const w of ['the', 'maybe', 'sorry', 'instead', 'you', 'um', 'quickly', '', 'x'.repeat(200)]) expect(isVerb(w)).toBe(false);
  });

  it('finds noun lemmas and plurals', () => {
    expect(nounLemma('boxes')).toBe('box');
    expect(nounLemma('knives')).toBe('knife');
    expect(nounLemma('candies')).toBe('candy');
    expect(nounLemma('bags')).toBe('bag');
    expect(isNoun('pen')).toBe(true);
    expect(isNoun('quickly')).toBe(false);
  });
});

describe('WordNet frequent verbs', () => {
  it('ranks the everyday verbs first, single words only, capped', () => {
    const top = commonVerbs(200);
    expect(top).toHaveLength(200);
    for (const v of ['take', 'make', 'give', 'put', 'move', 'bring']) expect(top).toContain(v);
    expect(top.every((v) => /^[a-z]+$/.test(v))).toBe(true);
    expect(new Set(top).size).toBe(top.length);
    expect(commonVerbs(10)).toEqual(top.slice(0, 10));
    expect(commonVerbs(1_000_000).length).toBeLessThanOrEqual(5000);
    expect(commonVerbs(-3)).toEqual([]);
    // A rare verb ranks below a common one.
    const all = commonVerbs(5000);
    expect(all.indexOf('put')).toBeLessThan(all.indexOf('pack'));
  });
});

describe('WordNet hypernyms', () => {
  it('walks noun hypernyms ("candy" is a sweet, a food)', () => {
    const h = nounHypernyms('candy');
    expect(h).toContain('sweet');
    expect(h).toContain('food');
    expect(h).not.toContain('candy');
    expect(nounHypernyms('candy', 1)).toEqual(expect.arrayContaining(['sweet', 'confection']));
    expect(nounHypernyms('candy', 1)).not.toContain('food');
    expect(nounHypernyms('sack', 2)).toContain('bag');
    expect(nounHypernyms('notaword')).toEqual([]);
  });

  it('walks verb hypernyms and lists synonyms', () => {
    expect(verbHypernyms('smash')).toContain('hit');
    expect(verbHypernyms('hurl')).toContain('throw');
    expect(nounSynonyms('sack')).toContain('paper bag');
  });
});

describe('destructive verbs', () => {
  it('the seed senses name what the comments say', () => {
    const words = destructiveSeedWords();
    expect(words.every((w) => w.length > 0)).toBe(true);
    expect(words[0]).toContain('hit');
    expect(words.some((w) => w.includes('propel'))).toBe(true);
    expect(words.some((w) => w.includes('crush'))).toBe(true);
  });

  it.each([
    'pack',
    'pick',
    'put',
    'grab',
    'move',
    'place',
    'wave',
    'stack',
    'sort',
    'push',
    'slide',
    'wrap',
    'hand',
    'give',
    'bring',
    'drop',
    'open',
    'close',
    'track',
    'pan',
    'orbit',
    'zoom',
    'lift',
    'carry',
    'tap',
    'tidy',
    'release',
    // harmful only in rare senses (catch = hit, hang = kill, jump = attack): still teachable
    'catch',
    'hang',
    'jump',
    // this robot's own words
    'squeeze',
    'shoot',
  ])('%s is not destructive', (v) => {
    expect(isDestructiveVerb(v)).toBe(false);
  });

  it.each([
    'hit',
    'smash',
    'crush',
    'stab',
    'punch',
    'kick',
    'slam',
    'throw',
    'hurl',
    'knock',
    'break',
    'destroy',
    'squash',
    'shatter',
    'smashing',
    'threw',
    'tear',
    'beat',
    'whack',
    'fling',
    'rip',
  ])('%s is destructive', (v) => {
    expect(isDestructiveVerb(v)).toBe(true);
  });

  it('non-verbs are not destructive', () => {
    expect(isDestructiveVerb('candy')).toBe(false);
    expect(isDestructiveVerb('')).toBe(false);
  });
});
