import { describe, expect, it } from 'vitest';
import { editDistance, phoneticKey, removePhrases, singular, soundsLike, splitClauses, tokenize, FILLERS } from '../../planner/text.js';
import { buildLexicon, descriptionWords, resolveNounPhrase } from '../../planner/lexicon.js';
import { proposeEntity } from '../../planner/index.js';
import { SEED_ENTITIES } from './fixtures.js';

describe('text helpers', () => {
  it('tokenizes case, punctuation, accents and apostrophes away', () => {
    expect(tokenize("Don't drop the Café-bag, OK?")).toEqual(['dont', 'drop', 'the', 'cafe', 'bag', ',', 'ok', ',']);
  });

  it('removes fillers but keeps words that are also content ("can", "let")', () => {
    const t = removePhrases(tokenize('can you please pick up the can now'), FILLERS);
    expect(t).toEqual(['pick', 'up', 'the', 'can']);
    expect(removePhrases(tokenize('let go'), FILLERS)).toEqual(['let', 'go']);
  });

  it('splits chains on and/then/commas but not on "next to"', () => {
    expect(splitClauses(tokenize('grab it, then go to the bag and after that release'))).toEqual([
      ['grab', 'it'],
      ['go', 'to', 'the', 'bag'],
      ['release'],
    ]);
    expect(splitClauses(tokenize('put it next to the bag'))).toEqual([['put', 'it', 'next', 'to', 'the', 'bag']]);
  });

  it('edit distance counts a swap as one edit', () => {
    expect(editDistance('candy', 'cnady')).toBe(1);
    expect(editDistance('back', 'bag')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('phonetic key merges spelling variants and voicing, not vowels', () => {
    expect(phoneticKey('back')).toBe(phoneticKey('bag'));
    expect(phoneticKey('kandy')).toBe(phoneticKey('candie'));
    expect(phoneticKey('bug')).not.toBe(phoneticKey('bag'));
    expect(soundsLike('back', 'bag')).toBe(true);
    expect(soundsLike('bug', 'bag')).toBe(false);
    expect(soundsLike('candle', 'candy')).toBe(false);
  });

  it('singularizes object nouns', () => {
    expect(['candies', 'boxes', 'bags', 'glass', 'bus'].map(singular)).toEqual(['candy', 'box', 'bag', 'glass', 'bus']);
  });
});

describe('lexicon', () => {
  const lex = buildLexicon(SEED_ENTITIES);

  it('takes identifying words from the description head, not the whole sentence', () => {
    expect(descriptionWords('A gummy, sandwich-shaped candy.')).toEqual(['gummy', 'sandwich', 'candy']);
    expect(descriptionWords('A gift bag that can hold items.')).toEqual(['gift', 'bag']);
  });

  it('resolves synonyms and rejects conflicting modifiers', () => {
    expect(resolveNounPhrase(['the', 'sweet'], lex)).toMatchObject({ kind: 'entity', name: 'CANDY' });
    expect(resolveNounPhrase(['a', 'present', 'bag'], lex)).toMatchObject({ kind: 'entity', name: 'GIFT_BAG' });
    expect(resolveNounPhrase(['the', 'paper', 'bag'], lex)).toMatchObject({ kind: 'unknown', proposedName: 'PAPER_BAG' });
    expect(resolveNounPhrase(['that', 'one'], lex)).toMatchObject({ kind: 'pronoun' });
  });

  it('proposes UPPER_SNAKE names without colours or sizes', () => {
    expect(proposeEntity(['the', 'big', 'green', 'toy', 'cars'])).toEqual({ proposedName: 'TOY_CAR', description: 'A big green toy car.' });
    expect(proposeEntity(['orange'])).toEqual({ proposedName: 'ORANGE', description: 'An orange.' });
    expect(proposeEntity(['3d'])).toBeUndefined();
  });
});
