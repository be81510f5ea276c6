/**
 * "Track around the tower over 24 frames": a camera move split into stop-motion frames. The
 * count is taken off the end of the command before it is planned; the studio uses it.
 */
import { BREAK } from './text.js';

// Maps, not object literals: "constructor" must not read as a number.
const ONES: ReadonlyMap<string, number> = new Map(
  [
    'zero',
    'one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'seven',
    'eight',
    'nine',
    'ten',
    'eleven',
    'twelve',
    'thirteen',
    'fourteen',
    'fifteen',
    'sixteen',
    'seventeen',
    'eighteen',
    'nineteen',
  ].map((w, i) => [w, i]),
);
const TENS: ReadonlyMap<string, number> = new Map(
  ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'].map((w, i) => [w, 20 + 10 * i]),
);
const FRAME_NOUNS = new Set(['frames', 'frame', 'shots', 'pictures', 'photos', 'stills', 'poses', 'steps', 'exposures', 'images']);
const FRAME_PREPS = new Set(['over', 'in', 'across', 'for', 'into', 'with', 'using', 'through', 'as']);
const SPLIT_WORDS = new Set(['split', 'spread', 'divided', 'broken', 'up', 'out']);
/** said after the count and meaningless to it: "… over 24 frames please" */
const COUNT_TAILS = new Set(['please', 'thanks', 'now', 'each', 'total', 'altogether', 'again', 'instead', 'too', 'ok', 'okay']);

const isNumberWord = (t: string): boolean =>
  /^[0-9]+$/.test(t) || ONES.has(t) || TENS.has(t) || t === 'hundred' || t === 'dozen' || t === 'a' || t === 'and';

/** "24", "twenty four", "a hundred and twenty", "two dozen" → the number; undefined otherwise. */
export function spokenNumber(ws: readonly string[]): number | undefined {
  if (!ws.length) return undefined;
  if (ws.length === 1 && /^[0-9]{1,6}$/.test(ws[0])) return Number(ws[0]);
  let total = 0;
  let cur = 0;
  let any = false;
  let article = false;
  for (const w of ws) {
    if (w === 'a' && !any && !article) {
      article = true;
      continue;
    }
    if (w === 'and' && any) continue;
    const one = ONES.get(w),
      ten = TENS.get(w);
    if (one !== undefined) {
      if (cur % (one >= 10 ? 100 : 10) !== 0) return undefined;
      cur += one;
    } else if (ten !== undefined) {
      if (cur % 100 !== 0) return undefined;
      cur += ten;
    } else if (w === 'hundred') {
      cur = (cur || 1) * 100;
      total += cur;
      cur = 0;
    } else if (w === 'dozen') {
      cur = (cur || 1) * 12;
    } else return undefined;
    any = true;
  }
  return any ? total + cur : undefined;
}

/**
 * Take a trailing frame count off a command: "track around the tower over 24 frames" →
 * tokens of "track around the tower" and frames 24. Also "in twenty four shots", ", 24 frames",
 * "split into 12 frames". Without one, the tokens come back unchanged.
 */
export function splitFrameCount(tokens: readonly string[]): { tokens: string[]; frames?: number } {
  const trailing = trailingFrameCount(tokens);
  if (trailing.frames !== undefined) return trailing;
  // "track the hulk in 8 frames, then zoom in on loki": a count that ends a clause, not the command.
  for (let e = 2; e < tokens.length - 1; e++) {
    if (!FRAME_NOUNS.has(tokens[e]) || !CLAUSE_ENDS.has(tokens[e + 1])) continue;
    const head = trailingFrameCount(tokens.slice(0, e + 1));
    if (head.frames !== undefined) return { tokens: [...head.tokens, ...tokens.slice(e + 1)], frames: head.frames };
  }
  return trailing;
}

/** Words that may follow a clause's frame count: the next clause starts. */
const CLAUSE_ENDS = new Set([BREAK, 'then', 'and', 'after', 'next', 'before']);

function trailingFrameCount(tokens: readonly string[]): { tokens: string[]; frames?: number } {
  let end = tokens.length;
  // "… over 24 frames for me", "… 24 frames again": what follows the count says nothing about it.
  while (
    end > 0 &&
    (tokens[end - 1] === BREAK || COUNT_TAILS.has(tokens[end - 1]) || (tokens[end - 1] === 'me' && tokens[end - 2] === 'for'))
  )
    end -= tokens[end - 1] === 'me' ? 2 : 1;
  if (end < 3 || !FRAME_NOUNS.has(tokens[end - 1])) return { tokens: [...tokens] };
  let i = end - 1;
  while (i > 0 && isNumberWord(tokens[i - 1])) i--;
  const frames = spokenNumber(tokens.slice(i, end - 1));
  if (frames === undefined) return { tokens: [...tokens] };
  let j = i;
  if (j > 0 && FRAME_PREPS.has(tokens[j - 1])) j--;
  // "track the tower 24 frames": said straight after a command of a few words, no preposition needed.
  else if (!(j > 0 && tokens[j - 1] === BREAK) && j < 3) return { tokens: [...tokens] };
  while (j > 0 && (tokens[j - 1] === BREAK || SPLIT_WORDS.has(tokens[j - 1]))) j--;
  if (j === 0) return { tokens: [...tokens] };
  return { tokens: tokens.slice(0, j), frames };
}
