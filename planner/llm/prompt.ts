/**
 * What the LLM planner sends: the system prompt (regenerated from the live context on every
 * call, so a newly taught object or behavior is visible to the very next utterance), the
 * paper's in-context examples, the running memory and the tool schemas. Pure functions of
 * their inputs, so tests can assert on the exact request.
 */
import type OpenAI from 'openai';
import { ENTITY_NAME, SkillRegistry, type ArgValue, type Plan, type SkillCall, type SkillSignature } from '../../skills/registry.js';
import type { PlannerContext, PlannerEntity, TeachingTrace } from '../types.js';

export type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
export type ChatTool = OpenAI.Chat.Completions.ChatCompletionFunctionTool;

/** One remembered exchange: what the user said and the calls that answered it. */
export interface Exchange {
  utterance: string;
  calls: SkillCall[];
}

// eslint-disable-next-line no-control-regex -- deliberately matches control characters, to strip them from user-taught text
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

/** Descriptions are user-taught text: one line, bounded, so they cannot reshape the prompt. */
export function oneLine(text: string, max = 200): string {
  const s = text.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function pythonEnum(className: string, entities: readonly PlannerEntity[]): string {
  const members = entities.map((e) => `    ${e.name} = auto()  # ${oneLine(e.description)}`);
  return [`class ${className}(Enum):`, ...(members.length ? members : ['    pass'])].join('\n');
}

/** The paper's `pythonize_types`: one Enum per entity kind, one member per known name. */
export function pythonizeEntities(entities: readonly PlannerEntity[]): string {
  const valid = entities.filter((e) => ENTITY_NAME.test(e.name));
  const objects = valid.filter((e) => e.kind === 'object');
  const locations = valid.filter((e) => e.kind === 'location');
  const blocks = [pythonEnum('Object', objects)];
  if (locations.length) blocks.push(pythonEnum('Location', locations));
  return blocks.join('\n\n');
}

export function systemPrompt(ctx: PlannerContext, task: string): string {
  const state: string[] = [];
  if (ctx.held) state.push(`The robot is holding ${ctx.held}.`);
  else state.push('The robot is holding nothing.');
  if (ctx.lastTouched)
    state.push(`The last object it went to or touched is ${ctx.lastTouched} ("it" usually means ${ctx.held ?? ctx.lastTouched}).`);
  const teaching = ctx.teaching?.name
    ? `\n\nThe user is now teaching a new behavior named ${ctx.teaching.name} one step at a time: map each utterance to calls of the existing functions only.`
    : '';
  return `You are a reliable code interface that represents a robot arm collaborating with a user. Today the user and the robot are ${oneLine(task, 500)}.

You have access to a Python API of objects and high-level functions. The objects are:

\`\`\`python
${pythonizeEntities(ctx.entities)}
\`\`\`

The functions are given to you as tools. Your job is to map each utterance from the user to the correct sequence of function calls and arguments from the API, and to answer with those function calls: one tool call per step, in the order they should run. Never answer with plain text. Pass an object as its NAME string, e.g. "CANDY" (not "Object.CANDY").

The utterances come from speech-to-text, which makes mistakes: words can be misheard as similar-sounding ones. For example "put the carrots in the back" may mean "in the bag", and "put the popcorn in the in" may mean "in the bin". Choose the objects and functions that best fit what the user meant.

If an object is not in the API, you should not fail. Instead, return a new object, which will be added to the API in the future: name it in UPPER_SNAKE_CASE after what the user called it, leaving out colours and sizes (e.g. "the green toy car" is TOY_CAR).

If the command needs a behavior that none of the functions can do, do not improvise with other functions: call one function with an informative lower_snake_case name for that behavior (e.g. pack) and the objects the user mentioned, so that the user can teach it.

Answer as best you can, even if you are unsure.

Current state: ${state.join(' ')}${teaching}`;
}

/**
 * Tool schemas exactly as SkillRegistry.toolSchemas() generates them, from the context's
 * signatures (taught behaviors included). Arguments are plain strings, not enums, so the model
 * can name a new object.
 */
export function toolsFor(skills: readonly SkillSignature[]): ChatTool[] {
  const reg = new SkillRegistry();
  for (const s of skills) reg.register({ name: s.name, description: s.description, params: s.params, kind: 'behavior', body: [] });
  return reg.toolSchemas();
}

/** The paper's forced teaching tool (§3.5). */
export const TEACH_FUNCTION: ChatTool = {
  type: 'function',
  function: {
    name: 'teach_function',
    description:
      'Signal that the behavior the user walked through is not represented in the set of known functions and needs to be explicitly taught: give the new function a name, a signature and a description.',
    parameters: {
      type: 'object',
      properties: {
        new_function_name: { type: 'string', description: 'An informative Python function name in lower_snake_case, e.g. bring_to_user.' },
        new_function_signature: {
          type: 'string',
          description: "The list of arguments from the command that the new function should take, e.g. '[SCISSORS, RIBBON]' or '[]'.",
        },
        new_function_description: {
          type: 'string',
          description: 'A short docstring, e.g. "Pickup the specified object and bring it to the user (compliant)."',
        },
      },
      required: ['new_function_name', 'new_function_signature', 'new_function_description'],
      additionalProperties: false,
    },
  },
};

/**
 * Tool-call ids are 9 alphanumerics: OpenAI accepts any string, but some local servers
 * (Mistral templates in vLLM) reject anything else.
 */
export function callId(n: number): string {
  return `c${n.toString(36).padStart(8, '0')}`;
}

/** user → assistant tool_calls → one tool result per call (the paper's `make_example`). */
export function exchangeMessages(ex: Exchange, firstId: number): ChatMessage[] {
  const ids = ex.calls.map((_, i) => callId(firstId + i));
  return [
    { role: 'user', content: ex.utterance },
    {
      role: 'assistant',
      content: '',
      tool_calls: ex.calls.map((c, i) => ({
        id: ids[i],
        type: 'function' as const,
        function: { name: c.skill, arguments: JSON.stringify(c.args) },
      })),
    },
    ...ids.map((id): ChatMessage => ({ role: 'tool', tool_call_id: id, content: 'done' })),
  ];
}

/** The paper's ICL table plus one chained example; `object` marks the entity argument. */
const ICL: readonly { utterance: string; calls: { skill: string; object?: string }[] }[] = [
  { utterance: 'release', calls: [{ skill: 'release' }] },
  { utterance: 'grasp', calls: [{ skill: 'grasp' }] },
  { utterance: 'go home', calls: [{ skill: 'go_home' }] },
  { utterance: 'go to the bag', calls: [{ skill: 'goto', object: 'GIFT_BAG' }] },
  { utterance: 'go away!', calls: [{ skill: 'go_home' }] },
  { utterance: 'grab the gummy', calls: [{ skill: 'pickup', object: 'CANDY' }] },
  // Not in the paper: our plans are call lists, so show one chain.
  {
    utterance: 'put the candy in the bag',
    calls: [{ skill: 'pickup', object: 'CANDY' }, { skill: 'goto', object: 'GIFT_BAG' }, { skill: 'release' }],
  },
];

/**
 * The ICL examples that fit the live context: an example whose skill or object is missing, or
 * whose signature changed, is left out rather than teaching the model a call that no longer exists.
 */
export function iclExamples(ctx: PlannerContext): Exchange[] {
  const skills = new Map(ctx.skills.map((s) => [s.name, s]));
  const entities = new Set(ctx.entities.map((e) => e.name));
  const out: Exchange[] = [];
  outer: for (const ex of ICL) {
    const calls: SkillCall[] = [];
    for (const c of ex.calls) {
      const sig = skills.get(c.skill);
      if (!sig) continue outer;
      if (c.object === undefined) {
        if (sig.params.length) continue outer;
        calls.push({ skill: c.skill, args: {} });
      } else {
        const [p, ...more] = sig.params;
        if (!p || more.length || p.type !== 'entity' || !entities.has(c.object)) continue outer;
        calls.push({ skill: c.skill, args: { [p.name]: c.object } });
      }
    }
    out.push({ utterance: ex.utterance, calls });
  }
  return out;
}

/** Does a remembered exchange still fit the live skills and objects (after forget/rename)? */
export function stillValid(ex: Exchange, ctx: PlannerContext): boolean {
  const skills = new Map(ctx.skills.map((s) => [s.name, s]));
  const entities = new Set(ctx.entities.map((e) => e.name));
  return ex.calls.every((c) => {
    const sig = skills.get(c.skill);
    if (!sig || sig.params.length !== Object.keys(c.args).length) return false;
    return sig.params.every((p) => {
      const v: ArgValue | undefined = c.args[p.name];
      return v !== undefined && (p.type !== 'entity' || (typeof v === 'string' && entities.has(v)));
    });
  });
}

/** [system, ICL examples…, memory still valid…, user] (the user turn is an utterance or a teaching trace). */
export function planMessages(ctx: PlannerContext, task: string, memory: readonly Exchange[], user: string): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(ctx, task) }];
  let id = 0;
  for (const ex of [...iclExamples(ctx), ...memory.filter((m) => stillValid(m, ctx))]) {
    messages.push(...exchangeMessages(ex, id));
    id += ex.calls.length;
  }
  messages.push({ role: 'user', content: user });
  return messages;
}

/** The teaching trace as the user message of the forced teach_function call. */
export function renderTrace(trace: TeachingTrace): string {
  const lines = [`The user taught a new behavior${trace.name ? ` named ${JSON.stringify(trace.name)}` : ''}.`];
  if (trace.command) lines.push(`The command that started it: ${JSON.stringify(oneLine(trace.command, 500))}`);
  lines.push(`Objects named in that command: ${trace.mentions.length ? trace.mentions.join(', ') : '(none)'}`);
  lines.push('Steps, in order:');
  trace.steps.forEach((s, i) => lines.push(`${i + 1}. ${JSON.stringify(oneLine(s.utterance, 500))} → ${formatPlanWithNames(s.plan)}`));
  lines.push(
    "Call teach_function: name the new function, give its signature as the list of objects from the command that should become its arguments (e.g. '[CANDY]', or '[]' if none), and describe it in one short sentence.",
  );
  return lines.join('\n');
}

/** "pickup(object=CANDY) → release()" (argument names help the model see the pattern). */
function formatPlanWithNames(plan: Plan): string {
  if (!plan.length) return '(nothing)';
  return plan
    .map(
      (c) =>
        `${c.skill}(${Object.entries(c.args)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')})`,
    )
    .join(' → ');
}
