/**
 * Answers to the robot rather than commands: "yes" / "do it" confirm the pending plan, "no" /
 * "never mind" cancel it. A leading yes/no before a command ("no, put it in the bin") is
 * stripped by the planner with the same word sets.
 */
import { BREAK, FILLERS, removePhrases } from './text.js';

export const YES_WORDS = new Set([
  'yes',
  'yeah',
  'yep',
  'yup',
  'ya',
  'yea',
  'sure',
  'affirmative',
  'absolutely',
  'definitely',
  'correct',
  'right',
  'exactly',
  'perfect',
  'great',
  'good',
  'fine',
]);
export const NO_WORDS = new Set(['no', 'nope', 'nah', 'nay']);
const CONFIRM_PHRASES = new Set([
  'confirm',
  'confirmed',
  'i confirm',
  'approve',
  'approved',
  'do it',
  'do that',
  'do it now',
  'go ahead',
  'go for it',
  'go',
  'start',
  'run it',
  'run the plan',
  'execute',
  'execute it',
  'execute the plan',
  'proceed',
  'continue',
  'carry on',
  'sounds good',
  'looks good',
  'thats right',
  'thats correct',
  'that is right',
  'that is correct',
  'thats good',
  'that works',
  'works for me',
  'please do',
  // what the fillers leave of "please do"
  'do',
  'please do it',
  'please do that',
  'sure thing',
  'lets do it',
  'lets do this',
  'lets go',
  'make it so',
  'you got it',
  'sure thing',
  'of course',
  'thats fine',
]);
const CANCEL_PHRASES = new Set([
  'cancel',
  'cancel that',
  'cancel it',
  'cancel this',
  'cancel the plan',
  'cancel plan',
  'cancel everything',
  'never mind',
  'nevermind',
  'never mind that',
  'forget it',
  'forget that',
  'forget about it',
  'forget the plan',
  'scratch that',
  'scratch it',
  'scratch that last one',
  'scratch the last one',
  'scrap that',
  'scrap it',
  'scrap the plan',
  'dont',
  'dont do it',
  'dont do that',
  'do not',
  'do not do it',
  'do not do that',
  'not that',
  'wrong',
  'thats wrong',
  'that is wrong',
  'thats not right',
  'dont bother',
  'skip it',
  'skip that',
  'discard',
  'discard it',
  'discard that',
  'reject',
  'reject it',
  'i changed my mind',
  'changed my mind',
  // Putting it off: "not now", "maybe later" (after "Teach me?" or a plan).
  'not now',
  // what the fillers leave of "not now"
  'not',
  'not right now',
  'later',
  'maybe later',
  'some other time',
  'another time',
  'not today',
]);

/**
 * "yes" / "do it" → confirm, "never mind" / "no" → cancel, else undefined. Several answers in a
 * row ("looks good, go ahead", "no no, don't do that") count when they all agree.
 */
export function dialogueIntent(tokens: readonly string[]): 'confirm' | 'cancel' | undefined {
  const whole = answerIntent(tokens);
  if (whole) return whole;
  const parts: string[][] = [[]];
  for (const t of tokens)
    if (t === BREAK) parts.push([]);
    else parts[parts.length - 1].push(t);
  const answers = parts.filter((p) => removePhrases(p, FILLERS).length > 0).map(answerIntent);
  if (answers.length > 1 && answers.every((a) => a === answers[0])) return answers[0];
  return undefined;
}

function answerIntent(tokens: readonly string[]): 'confirm' | 'cancel' | undefined {
  const words = tokens.filter((t) => t !== BREAK);
  const core = removePhrases(words, FILLERS);
  if (!core.length) return words.some((t) => t === 'ok' || t === 'okay' || t === 'alright') ? 'confirm' : undefined;
  let i = 0;
  while (i < core.length && NO_WORDS.has(core[i])) i++;
  const afterNo = core.slice(i).join(' ');
  if ((i > 0 && !afterNo) || CANCEL_PHRASES.has(afterNo)) return 'cancel';
  let j = 0;
  while (j < core.length && YES_WORDS.has(core[j])) j++;
  const afterYes = core.slice(j).join(' ');
  if ((j > 0 && !afterYes) || CONFIRM_PHRASES.has(afterYes) || CONFIRM_PHRASES.has(core.join(' '))) return 'confirm';
  return undefined;
}
