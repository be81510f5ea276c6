/**
 * Dialogue control: teaching, corrections and questions about what the robot knows. These are
 * whole-utterance phrases, matched before any command frame, so "undo" or "forget pack" can
 * never turn into motion. This file only classifies the words; control-intents.ts turns a
 * Control into the planner's answer.
 */

/** What a control utterance asks for, with its name words still unresolved. */
export type Control =
  /** `name` is null for "let me teach you something" (no name said) */
  | { type: 'teach_start'; name: string[] | null }
  | { type: 'teach_done' }
  | { type: 'point_here' }
  | { type: 'undo' }
  | { type: 'forget'; target: string[] }
  /** `from`/`to` known, or `words` for "call pack wrap" where the split depends on what is known */
  | { type: 'rename'; from: string[]; to: string[] }
  | { type: 'rename_split'; words: string[] }
  | { type: 'list_skills' }
  | { type: 'describe'; target: string[] }
  | { type: 'other_one' }
  /** the stop-motion studio: take a frame ("take a picture"; `words` as said, a taught skill of that name wins) */
  | { type: 'shoot'; words: string[] }
  | { type: 'delete_frame' }
  /** "new film called X" / "open film X"; `name` null for "start a new film" */
  | { type: 'open_film'; name: string[] | null }
  /** "the lotion is about 15 centimeters tall": a size for an object the robot cannot measure */
  | { type: 'object_size'; target: string[]; amount: string[]; unit: string; dimension: string };

const phrases = (...ps: string[]): Set<string> => new Set(ps);

/** Said at the start of a control phrase and meaningless to it. */
const CONTROL_LEADS: readonly (readonly string[])[] = [
  'i want to',
  'i wanna',
  'i would like to',
  'id like to',
  'let me',
  'lets',
  'can we',
  'could we',
  'we should',
  'please',
  'ok',
  'okay',
  'alright',
  'so',
  'hey',
  'robot',
  'shammie',
  'um',
  'uh',
  'well',
  'now',
  'and then',
  'then',
  'and',
  'can you',
  'could you',
  'would you',
  'will you',
  'yes',
  'yeah',
  'no',
  'nope',
  'right',
  'from now on',
  'actually',
  'oh',
  'sure',
  'of course',
  'great',
  'good',
  // Interjections of a speaker catching a slip: "oops, undo that", "oh no, the other one".
  'oops',
  'whoops',
  'oh no',
  'uh oh',
  'sorry',
  'hmm',
  'er',
  'erm',
].map((p) => p.split(' '));
/** Said at the end and meaningless to it ("from now on" goes before "now" is taken as a filler). */
const CONTROL_TAILS: readonly (readonly string[])[] = [
  'from now on',
  'from here on',
  'going forward',
  'instead',
  'please',
  'thanks',
  'thank you',
  'now',
  'again',
  'for me',
  'exactly',
  'so far',
].map((p) => p.split(' '));

function stripEnds(words: readonly string[]): string[] {
  let out = [...words];
  for (let changed = true; changed && out.length;) {
    changed = false;
    for (const p of CONTROL_LEADS) {
      // Keep a lone "no"/"yes": that is cancel/confirm, not a control phrase.
      if (p.length < out.length && p.every((w, i) => out[i] === w)) {
        out = out.slice(p.length);
        changed = true;
        break;
      }
    }
    for (const p of CONTROL_TAILS) {
      const at = out.length - p.length;
      if (at > 0 && p.every((w, i) => out[at + i] === w)) {
        out = out.slice(0, at);
        changed = true;
        break;
      }
    }
  }
  return out;
}

const TEACH_DONE = phrases(
  'thats it',
  'that is it',
  'thats all',
  'that is all',
  'that was it',
  'that was all',
  'thats everything',
  'that is everything',
  'done',
  'im done',
  'i am done',
  'were done',
  'we are done',
  'youre done',
  'you are done',
  'all done',
  'done teaching',
  'im done teaching',
  'finished',
  'im finished',
  'i am finished',
  'were finished',
  'finished teaching',
  'finish',
  'finish up',
  'end of lesson',
  'lesson over',
  'the end',
  'thats the end',
  'thats all there is to it',
  'thats the whole thing',
  'save it',
  'save that',
);
/** "I'm done showing you", "we're finished with the lesson": the lesson ends, however it is said. */
const DONE_SAID =
  /^(?:(?:im|i am|were|we are|youre|you are|all|and) )*(?:done|finished|through|complete)(?: (?:now|here|for now|showing you|teaching you|showing|teaching|demonstrating|with (?:the|this|that|my|our) (?:lesson|demo|demonstration|example|showing)|with (?:it|that|this)))?$/;
/** "end the lesson", "lesson complete", "that's the last step", "now you know how", "that's the shot": the lesson ends. */
const LESSON_END =
  /^(?:(?:end|finish|stop|close|complete|save)(?: the| this| our| my)? (?:lesson|teaching|demo|demonstration|recording)|(?:the |this )?lesson (?:is )?(?:over|complete|done|finished|ended)|(?:thats|that is|that was) (?:the )?(?:last|final) (?:step|one|bit|part|thing)|(?:now )?(?:you know how|youve got it|you have got it|you got it|you have it)(?: now)?|(?:and )?(?:thats|that is) how (?:its|it is) done|(?:thats|that is|that was) (?:the |my |our )?(?:whole |full |complete )?(?:shot|move|routine|sequence|trick)(?: ,? ?(?:done|finished|all done))?)$/;
/** "no, the other one", "not that, the other one": any leading rejection words, then "the other (one)". */
const OTHER_SAID =
  /^(?:(?:no|not|nope|that|this|its|thats|wrong|one|the|i|meant|mean|try|use|take|pick|grab|get)\s)*(?:the )?other(?: one)?$/;
/** "undo the last thing you did", "undo that last step": undo and what it points back at. */
const UNDO_SAID =
  /^(?:undo|revert|reverse)(?: (?:that|it|this|the|last|previous|step|move|thing|one|change|action|command|what|you|just|did|please|learned|learnt|taught|i|me|rename|renaming|lesson|forget))*$|^forget (?:the |what )?(?:last|latest) (?:lesson|thing|behavior|behaviour|skill)(?: (?:i|you) (?:taught|learned|learnt)(?: you| me)?)?$/;
const POINT_HERE = phrases(
  'here',
  'its here',
  'it is here',
  'right here',
  'its right here',
  'it is right here',
  'over here',
  'its over here',
  'here it is',
  'this is it',
  'this is where it is',
  'thats where it is',
  'this is the spot',
  'this spot',
  'this is the place',
  'this place',
  'there',
  'right there',
  'over there',
  'its there',
  'it is there',
  'its right there',
  'its over there',
  'there it is',
  'that spot',
  'its this one',
  'it is this one',
  'this one here',
  'where you are',
  'where you are now',
  'where the gripper is',
);
/** "it is over there", "it's just here", "right there it is" */
const POINT_WHERE = /^(?:(?:its|it is|thats|that is|this is) )?(?:right |over |just |up |down )*(?:here|there)(?: it is)?$/;
const UNDO = phrases(
  'undo',
  'undo that',
  'undo it',
  'undo this',
  'undo last',
  'undo the last one',
  'undo the last thing',
  'undo the last step',
  'undo the last change',
  'take that back',
  'take it back',
  'revert',
  'revert that',
  'revert it',
  'unlearn that',
  'unlearn it',
  'undo what you just learned',
  'forget what you just learned',
  'forget the last thing',
  'forget the last thing i taught you',
  'forget what i just taught you',
  'undo what i just taught you',
);
const OTHER_ONE = phrases(
  'the other one',
  'other one',
  'the other',
  'not that one',
  'not this one',
  'wrong one',
  'the wrong one',
  'thats the wrong one',
  'that is the wrong one',
  'i meant the other one',
  'i mean the other one',
  'i said the other one',
  'the other one i meant',
  'not that one the other one',
  'wrong one the other one',
  'no the other one',
  'not that one the other',
  'try the other one',
  'the other one instead',
  'use the other one',
  'pick the other one',
  'grab the other one',
  'the other one not that one',
);
const LIST_SKILLS = phrases(
  'what do you see',
  'what can you see',
  'what objects are there',
  'what objects do you see',
  'what is on the table',
  'whats on the table',
  'what is in the scene',
  'whats in the scene',
  'what things are there',
  'what can you pick up',
  'help',
  'help me',
  'i need help',
  'what can you do',
  'what else can you do',
  'what do you know',
  'what do you know how to do',
  'what are you able to do',
  'what are your skills',
  'what skills do you have',
  'what skills do you know',
  'what behaviors do you know',
  'what tricks do you know',
  'what commands do you know',
  'what things do you know',
  'what objects do you know',
  'what have you learned',
  'what have i taught you',
  'what did i teach you',
  'what do you know so far',
  'list your skills',
  'list skills',
  'list all skills',
  'list your behaviors',
  'list everything',
  'list what you know',
  'show me your skills',
  'show your skills',
  'show me what you can do',
  'what can i say',
  'what can i ask you to do',
  'what can i ask you',
  'what are your options',
  'what do you know already',
  'what can you do so far',
  'which skills do you have',
  'what have you learnt',
  'skills',
  'tell me what you can do',
  'tell me what you know',
  'tell me your skills',
);
/** "forget it" and friends drop the pending plan (cancel); they name nothing to forget. */
const FORGET_CANCEL = phrases('it', 'that', 'this', 'about it', 'about that', 'the plan', 'that plan', 'this plan', 'that one', 'all that');
const TEACH_LEAD =
  /^(?:(?:i|ill|i will|i am going to|im going to|im gonna|gonna|we will|were going to|i can|can i|could i|may i|how about i|allow me to|time to|i want to|let me|now i will|now ill) )?(?:teach you|teach yourself|teach|show you how|show you(?=$)|demonstrate how|demo how)(?: how)?(?: to| you)?(?: (?<rest>.+))?$/;
const LEARN_LEAD =
  /^(?:(?:i want you to|can you|could you|you will|youll|you are going to|youre going to|time to|now|do you want to|want to|wanna|would you like to|ready to|lets|let s) )?learn (?:how )?(?:to )?(?<rest>.+)$/;
/** "watch me pack the candy", "watch how I pack": a demonstration announced. */
const WATCH_LEAD = /^(?:now )?watch (?:me|how i|what i do (?:to|when i)|while i) (?<rest>.+)$/;
/** "watch me", "watch this", "let me show you": a demonstration about to start, its name from the offer. */
const WATCH_NOW = /^(?:(?:now|just) )?watch (?:me|this|closely|carefully|how its done|how i do it)$/;
const HOWTO_LEAD = /^(?:heres|here is|this is) how (?:to |you |we )(?<rest>.+)$/;
const NEW_SKILL =
  /^(?:a |one )?new (?:skill|behavior|behaviour|trick|move|task|command)(?: for you)?(?: (?:called|named|is|will be))? (?<rest>.+)$/;
const DONE_HOW =
  /^(?:and )?(?:thats|that is|that was) (?:how (?:you|to|we) .+|(?:it|all) for(?: .+)?|the (?:whole|entire|full|complete) .+)$/;
const LIST_WHAT =
  /^(?:what|which) (?:camera )?(?:skills|behaviors|behaviours|tricks|commands|things|objects|words|shots|moves|actions)(?: do| can| have)? you (?:know|have|do|understand|know about|see|recognize|recognise|spot|notice|got|learned|learnt)$/;
/** "what do you see on the table", "what can you see in the scene" */
const SEE_WHAT = /^what (?:do|can) you see(?: (?:on|in) (?:the )?(?:table|scene|set|stage))?$/;
/** "remove the pack skill": forgetting said with the word "skill", so no object is meant. */
const REMOVE_SKILL = /^(?:remove|drop|delete|erase|get rid of) (?:the |your )?(?<x>.+?) (?:skill|behavior|behaviour|trick|command|move)$/;
/** "that's not the one", "not the right one": the other one is meant. */
const NOT_THE_ONE = /^(?:(?:thats|that is|its|it is) )?not (?:the right one|the one|the one i meant|what i meant|the right thing)$/;
/** "right here, where the gripper is", "the toy car is here", "this is where the toy car is" */
const POINT_SAID =
  /^(?:(?:right |just |over )?(?:here|there) )?(?:where (?:the gripper|your gripper|you|the hand|your hand) (?:is|are)(?: now)?)$|^(?!(?:what|who|which|where|how|why|nothing|everything|something|anything)\b)(?:the )?[a-z]+(?: [a-z]+)? is (?:right |just |over )?(?:here|there)$|^(?:this|that) is where (?:the )?[a-z]+(?: [a-z]+)? is$|^(?:the |your |my )?(?:gripper|hand|claw) is (?:right )?(?:on|at|over|above|next to|by) (?:it|that|this|the [a-z]+(?: [a-z]+)?)(?: now)?$/;
const DESCRIBE =
  /^(?:what do you know about|what do you mean by|tell me about|tell me what|what is the meaning of|whats the meaning of|what is|whats|what are|what was|what does|what do|what did|describe|explain|remind me what|remind me how to|remind me how you|show me how you|how do you|how would you|how will you|how does|who is|whos|who are) (?<x>.+?)(?: do| does| mean| means| is| was| look like| looks like| again| exactly| stand for| work| works)?$/;
const FORGET = /^(?:forget|unlearn|delete|erase) (?:about )?(?<x>.+)$/;
const RENAME = [
  /^rename (?<from>.+?) (?:to|as|into) (?<to>.+)$/,
  /^change (?:the name of|the name for) (?<from>.+?) to (?<to>.+)$/,
  /^change (?<from>.+?)s name to (?<to>.+)$/,
  /^(?<from>.+?) (?:should be|is now|will be|shall be|is|gets) (?:called|named|renamed) (?<to>.+)$/,
];
const RENAME_SPLIT = /^(?:call|name|rename) (?<words>.+)$/;
/** Picture words of the stop-motion studio. "take" needs one ("take it" picks something up). */
const PICTURE = '(?:picture|photo|photograph|pic|shot|frame|snapshot|snap|still|image)';
const SHOOT = new RegExp(
  `^(?:(?:shoot|snap|capture)(?: (?:it|one|another(?: one)?|one more))?|(?:shoot|snap|capture|take)(?: (?:a|an|the|one|another|the next|a new|one more))? ${PICTURE}|snapshot|say cheese|cheese)$`,
);
const DELETE_FRAME = new RegExp(
  `^(?:delete|remove|erase|scrap|discard|trash|lose|undo|scratch) (?:the |that |this |my )?(?:last |previous |latest |final )?${PICTURE}$`,
);
const FILM = '(?:film|movie|animation|reel|stop motion(?: film| movie)?)';
const NEW_FILM = new RegExp(
  `^(?:(?:start|make|begin|create|open|shoot)(?: a| another)? )?(?:a )?(?:new|another|fresh) ${FILM}(?: (?:called|named|titled) (?<name>.+))?$`,
);
const OPEN_FILM = new RegExp(
  `^(?:open|resume|continue|load|reopen|switch to|go back to|back to)(?: the| my)? ${FILM} (?:called |named |titled )?(?<name>.+)$`,
);

const SIZE_UNIT = '(?:centimeters?|centimetres?|cm|cms|millimeters?|millimetres?|mm|meters?|metres?|m|inches|inch|in)';
/** "the lotion is about 15 centimeters tall", "the box is 20 cm wide", "lotion is fifteen centimeters high" */
/** the words of a spoken size: "15", "fifteen", "twelve and a half", "7 point 5" */
const SIZE_NUMBER =
  '(?:[0-9]+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a|and|half|point)';
/** "the lotion is about 15 centimeters tall", "the box is 20 cm wide", "the lotion's 15 cm high" ("lotions" once the apostrophe is gone) */
const OBJECT_SIZE = new RegExp(
  `^(?<x>.+?)(?: (?:is|its|s|stands|measures|looks)|s) (?:(?:about|around|roughly|approximately|maybe|probably|like|nearly|almost|just|exactly|only|some|more like) )*(?<n>${SIZE_NUMBER}(?: ${SIZE_NUMBER})*) (?<unit>${SIZE_UNIT}) (?<dim>tall|high|wide|long|across|thick|deep|in diameter|around)$`,
);

/** Classify a whole utterance (BREAKs dropped, fillers kept) as a control phrase, if it is one. */
export function parseControl(tokens: readonly string[]): Control | undefined {
  const words = stripEnds(tokens.filter((t) => t !== ','));
  if (!words.length) return undefined;
  const text = words.join(' ');
  const noneIfEmpty = (s: string | undefined): string[] | null => (s && s.trim() ? s.trim().split(' ') : null);

  if (TEACH_DONE.has(text) || DONE_HOW.test(text) || DONE_SAID.test(text) || LESSON_END.test(text)) return { type: 'teach_done' };
  if (UNDO.has(text) || UNDO_SAID.test(text)) return { type: 'undo' };
  if (OTHER_ONE.has(text) || OTHER_SAID.test(text) || NOT_THE_ONE.test(text)) return { type: 'other_one' };
  if (POINT_HERE.has(text) || POINT_WHERE.test(text) || POINT_SAID.test(text)) return { type: 'point_here' };
  if (LIST_SKILLS.has(text) || LIST_WHAT.test(text) || SEE_WHAT.test(text)) return { type: 'list_skills' };
  const removed = REMOVE_SKILL.exec(text);
  if (removed) return { type: 'forget', target: removed.groups!.x.split(' ') };
  if (SHOOT.test(text)) return { type: 'shoot', words };
  if (DELETE_FRAME.test(text)) return { type: 'delete_frame' };
  const film = NEW_FILM.exec(text) ?? OPEN_FILM.exec(text);
  if (film) return { type: 'open_film', name: noneIfEmpty(film.groups?.name) };

  const teach = TEACH_LEAD.exec(text) ?? LEARN_LEAD.exec(text) ?? HOWTO_LEAD.exec(text) ?? WATCH_LEAD.exec(text);
  if (teach && !/^(?:me|us)\b/.test(teach.groups?.rest ?? '')) return { type: 'teach_start', name: noneIfEmpty(teach.groups?.rest) };
  if (WATCH_NOW.test(text)) return { type: 'teach_start', name: null };
  const fresh = NEW_SKILL.exec(text);
  if (fresh) return { type: 'teach_start', name: noneIfEmpty(fresh.groups?.rest) };

  const forget = FORGET.exec(text);
  if (forget && !FORGET_CANCEL.has(forget.groups!.x)) return { type: 'forget', target: forget.groups!.x.split(' ') };

  for (const re of RENAME) {
    const m = re.exec(text);
    if (m) return { type: 'rename', from: m.groups!.from.split(' '), to: m.groups!.to.split(' ') };
  }
  const split = RENAME_SPLIT.exec(text);
  if (split && split.groups!.words.split(' ').length >= 2) return { type: 'rename_split', words: split.groups!.words.split(' ') };

  const size = OBJECT_SIZE.exec(text);
  if (size)
    return {
      type: 'object_size',
      target: size.groups!.x.split(' '),
      amount: size.groups!.n.split(' '),
      unit: size.groups!.unit,
      dimension: size.groups!.dim,
    };

  const d = DESCRIBE.exec(text);
  if (d) return { type: 'describe', target: d.groups!.x.split(' ') };
  return undefined;
}
