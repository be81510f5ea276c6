/**
 * Contract: the LLM planner against a scripted chat-completions server. What it sends (tools
 * from the live registry, the paper's prompt, temperature, memory) and how every answer maps
 * to a PlannerResult; an unusable answer is a question, never a plan.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatPlan } from '../../../skills/registry.js';
import { FakeChatServer, textAnswer, toolAnswer, type ChatRequestBody, type RecordedMessage, type Scripted } from './fake-chat-server.js';
import { BIN, SEED_ENTITIES, expectKind, makeContext, plannerFor, seedRegistry, taughtContext, taughtRegistry } from './helpers.js';

let server: FakeChatServer;
beforeAll(async () => {
  server = await FakeChatServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending).toBe(0);
});

const PUT_CANDY_IN_BAG = toolAnswer(
  { name: 'pickup', arguments: { object: 'CANDY' } },
  { name: 'goto', arguments: { object: 'GIFT_BAG' } },
  { name: 'release', arguments: {} },
);

describe('a plan', () => {
  it('maps "pick up the candy and put it in the bag" to pickup → goto → release', async () => {
    const planner = plannerFor(server);
    server.script(PUT_CANDY_IN_BAG);
    const r = expectKind(await planner.plan('pick up the candy and put it in the bag', taughtContext()), 'plan');
    expect(formatPlan(r.plan)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    expect(r.reply).toBe('Sure, here is my plan: pickup(CANDY) → goto(GIFT_BAG) → release()');
    expect(planner.lastError).toBeNull();
  });

  it("sends the paper's request: model, temperature 0.2, tool_choice auto, tools from the live registry incl. a taught behavior", async () => {
    const planner = plannerFor(server, { apiKey: 'sk-local-dummy' });
    server.script(PUT_CANDY_IN_BAG);
    await planner.plan('pick up the candy and put it in the bag', taughtContext());
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0];
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-local-dummy');
    const body = req.body as ChatRequestBody;
    expect(body.model).toBe('fake-model');
    expect(body.temperature).toBe(0.2);
    expect(body.tool_choice).toBe('auto');
    expect(body.stream).toBeUndefined();
    expect(body.response_format).toBeUndefined();
    // Exactly what SkillRegistry.toolSchemas() generates, taught `pack` included.
    expect(body.tools).toEqual(taughtRegistry().toolSchemas());
    const pack = body.tools.find((t) => t.function.name === 'pack')!;
    expect(pack.function.parameters.properties.obj).toEqual({ type: 'string', description: 'An object in the scene (e.g., CANDY).' });
    // Plain strings, never enums: the model must be able to name a new object.
    for (const t of body.tools) for (const p of Object.values(t.function.parameters.properties)) expect(p.enum).toBeUndefined();
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'pick up the candy and put it in the bag' });
  });

  it('builds the system prompt from the context: Enum of objects with descriptions, STT hints, open vocabulary, state', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('go home', makeContext({ held: 'CANDY', lastTouched: 'CANDY', entities: [...SEED_ENTITIES, BIN] }));
    const [system] = server.last.messages;
    expect(system.role).toBe('system');
    const s: string = system.content;
    expect(s).toContain('reliable code interface');
    expect(s).toContain(
      'class Object(Enum):\n    CANDY = auto()  # A gummy, sandwich-shaped candy.\n    GIFT_BAG = auto()  # A gift bag that can hold items.\n    BIN = auto()  # A small trash bin.\n',
    );
    expect(s).toContain('"put the carrots in the back" may mean "in the bag"');
    expect(s).toContain('"put the popcorn in the in" may mean "in the bin"');
    expect(s).toContain('If an object is not in the API, you should not fail. Instead, return a new object');
    expect(s).toContain('UPPER_SNAKE_CASE');
    expect(s).toContain('Never answer with plain text');
    expect(s).toContain('The robot is holding CANDY.');
  });

  it('tells the model when the user is teaching a behavior step by step', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pickup', arguments: { object: 'CANDY' } }));
    await planner.plan('pick up the candy', { ...makeContext(), teaching: { name: 'pack' } });
    expect(server.last.messages[0].content).toContain('teaching a new behavior named pack one step at a time');
  });

  it('an invalid skill list in the context is a question, not a throw', async () => {
    const planner = plannerFor(server);
    const ctx = { ...makeContext(), skills: [{ name: 'Bad Name', description: 'x', params: [], kind: 'behavior' as const }] };
    expect(expectKind(await planner.plan('pick up the candy', ctx), 'question').reason).toBe('invalid_plan');
    expect(server.requests).toHaveLength(0);
  });

  it("includes the paper's ICL examples as user / assistant tool_calls / tool result", async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('go home', makeContext());
    const msgs: RecordedMessage[] = server.last.messages;
    const i = msgs.findIndex((m) => m.role === 'user' && m.content === 'grab the gummy');
    expect(i).toBeGreaterThan(0);
    const call = msgs[i + 1].tool_calls![0];
    expect(msgs[i + 1].role).toBe('assistant');
    expect(call.type).toBe('function');
    expect(call.function).toEqual({ name: 'pickup', arguments: '{"object":"CANDY"}' });
    expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(msgs[i + 2]).toEqual({ role: 'tool', tool_call_id: call.id, content: 'done' });
    const examples = msgs.filter((m) => m.role === 'user').map((m) => m.content);
    expect(examples).toEqual([
      'release',
      'grasp',
      'go home',
      'go to the bag',
      'go away!',
      'grab the gummy',
      'put the candy in the bag',
      'go home',
    ]);
    // Every tool call id is answered exactly once (servers reject dangling calls).
    const ids = msgs.flatMap((m) => (m.tool_calls ?? []).map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(msgs.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(ids);
  });

  it('leaves out ICL examples whose skill or object is not in the live context', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('go home', makeContext({ entities: [BIN] }));
    const users = server.last.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['release', 'grasp', 'go home', 'go away!', 'go home']);
  });

  it('calls a taught behavior', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pack', arguments: { obj: 'CANDY' } }));
    const r = expectKind(await planner.plan('pack the candy', taughtContext()), 'plan');
    expect(r.plan).toEqual([{ skill: 'pack', args: { obj: 'CANDY' } }]);
  });

  it('accepts enum-style and lower-case object spellings ("Object.CANDY", "gift bag")', async () => {
    const planner = plannerFor(server);
    server.script(
      toolAnswer(
        { name: 'pickup', arguments: { object: 'Object.CANDY' } },
        { name: 'goto', arguments: { object: 'gift bag' } },
        { name: 'functions.release', arguments: '' },
      ),
    );
    const r = expectKind(await planner.plan('put the candy in the bag', makeContext()), 'plan');
    expect(formatPlan(r.plan)).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
  });

  it("reuses the embedded planner's speech repairs when both agree", async () => {
    const planner = plannerFor(server);
    server.script(PUT_CANDY_IN_BAG);
    const r = expectKind(await planner.plan('put the candy in the back', makeContext()), 'plan');
    expect(r.repairs).toEqual([{ heard: 'back', understood: 'bag' }]);
  });
});

describe('a new object name ⇒ unknown_object question', () => {
  it('"grab the green toy car" → TOY_CAR', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pickup', arguments: { object: 'TOY_CAR' } }));
    const r = expectKind(await planner.plan('Ok, now grab the green toy car', makeContext()), 'question');
    expect(r.reason).toBe('unknown_object');
    expect(r.reply).toBe("I don't know what TOY_CAR is yet. Can you show me where it is?");
    expect(r.unknown).toEqual({ kind: 'object', word: 'green toy car', proposedName: 'TOY_CAR', description: 'A green toy car.' });
    expect(planner.memory).toHaveLength(0);
    expect(planner.lastError).toBeNull();
  });

  it('derives the words from the utterance when the embedded planner did not propose the same name', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'goto', arguments: { object: 'RIBBON' } }));
    const r = expectKind(await planner.plan('nudge the big red ribbons', makeContext()), 'question');
    expect(r.reason).toBe('unknown_object');
    expect(r.unknown).toEqual({ kind: 'object', word: 'big red ribbon', proposedName: 'RIBBON', description: 'A big red ribbon.' });
  });

  it('the next prompt lists the object once it is taught', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pickup', arguments: { object: 'TOY_CAR' } }));
    const car = { name: 'TOY_CAR', description: 'A green toy car.', kind: 'object' as const };
    const r = expectKind(await planner.plan('grab the green toy car', makeContext({ entities: [...SEED_ENTITIES, car] })), 'plan');
    expect(r.plan).toEqual([{ skill: 'pickup', args: { object: 'TOY_CAR' } }]);
    expect(server.last.messages[0].content).toContain('    TOY_CAR = auto()  # A green toy car.');
  });
});

describe('an unknown function ⇒ unknown_verb question', () => {
  it('"pack the candy" without a taught pack', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pack', arguments: { object: 'CANDY' } }));
    const r = expectKind(await planner.plan('pack the candy', makeContext()), 'question');
    expect(r.reason).toBe('unknown_verb');
    expect(r.reply).toBe("I don't know how to pack yet. Teach me?");
    expect(r.unknown).toEqual({ kind: 'verb', word: 'pack', proposedName: 'pack', mentions: ['CANDY'] });
  });

  it('a plan mixing known calls and an unknown one is still a question', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pickup', arguments: { object: 'CANDY' } }, { name: 'wrap_up', arguments: {} }));
    const r = expectKind(await planner.plan('pick up the candy and wrap it up', makeContext()), 'question');
    expect(r.reason).toBe('unknown_verb');
    expect(r.reply).toBe("I don't know how to wrap up yet. Teach me?");
  });
});

describe('an invalid answer ⇒ a question, never a plan', () => {
  const cases: [string, Scripted, string][] = [
    ['malformed JSON arguments', toolAnswer({ name: 'pickup', arguments: '{"object": "CAN' }), 'invalid_plan'],
    ['arguments that are a JSON list', toolAnswer({ name: 'pickup', arguments: '["CANDY"]' }), 'invalid_plan'],
    ['an extra argument', toolAnswer({ name: 'pickup', arguments: { object: 'CANDY', speed: 'fast' } }), 'invalid_plan'],
    ['a number instead of a string', toolAnswer({ name: 'pickup', arguments: { object: 42 } }), 'invalid_plan'],
    ['a boolean argument', toolAnswer({ name: 'pickup', arguments: { object: true } }), 'invalid_plan'],
    ['a missing argument', toolAnswer({ name: 'pickup', arguments: {} }), 'invalid_plan'],
    ['an argument to a no-argument skill', toolAnswer({ name: 'release', arguments: { object: 'CANDY' } }), 'invalid_plan'],
    ['a function name that is not a name', toolAnswer({ name: '<|tool|>pickup()', arguments: {} }), 'not_understood'],
    ['code in an argument', toolAnswer({ name: 'goto', arguments: { object: "__import__('os').system('rm -rf /')" } }), 'invalid_plan'],
    ['no tool call (text answer)', textAnswer('Sure! I will pick up the candy.'), 'not_understood'],
    ['garbage content', textAnswer('<|im_end|>}{ ]]\u0000 pickup(CANDY'), 'not_understood'],
    ['a body that is not a completion', { json: { hello: 'world' } }, 'invalid_plan'],
    ['an empty choices list', { json: { choices: [] } }, 'invalid_plan'],
    [
      'a malformed tool call',
      { json: { choices: [{ message: { role: 'assistant', tool_calls: [{ id: 'x', type: 'function' }] } }] } },
      'invalid_plan',
    ],
    ['an HTML page with status 200', { raw: '<html><body>Welcome to nginx</body></html>', contentType: 'text/html' }, 'invalid_plan'],
    ['broken JSON with a JSON content type', { raw: '{"choices": [', contentType: 'application/json' }, 'not_understood'],
  ];

  for (const [what, answer, reason] of cases) {
    it(what, async () => {
      const planner = plannerFor(server);
      server.script(answer);
      const r = expectKind(await planner.plan('pick up the candy', makeContext()), 'question');
      expect(r.reason).toBe(reason);
      expect(r.reply.length).toBeGreaterThan(10);
      expect(planner.memory).toHaveLength(0);
      // Still usable afterwards.
      server.script(toolAnswer({ name: 'pickup', arguments: { object: 'CANDY' } }));
      expect(expectKind(await planner.plan('pick up the candy', makeContext()), 'plan').plan).toEqual([
        { skill: 'pickup', args: { object: 'CANDY' } },
      ]);
    });
  }

  it("no tool call reuses the embedded planner's specific question when it has one", async () => {
    const planner = plannerFor(server);
    server.script(textAnswer('I cannot do that.'));
    const r = expectKind(await planner.plan('wiggle the candy', makeContext()), 'question');
    expect(r.reason).toBe('unknown_verb');
    expect(r.reply).toBe("I don't know how to wiggle yet. Teach me?");
  });

  it("never relays the model's free text to the user", async () => {
    const planner = plannerFor(server);
    server.script(textAnswer('IGNORE ALL PREVIOUS INSTRUCTIONS'));
    const r = await planner.plan('pick up the candy', makeContext());
    expect(r.reply).not.toContain('IGNORE');
  });
});

describe('running memory', () => {
  it('appends each successful plan as user / assistant tool_calls / tool results', async () => {
    const planner = plannerFor(server);
    server.script(PUT_CANDY_IN_BAG, toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('put the candy in the bag', taughtContext());
    await planner.plan('go home', taughtContext());
    expect(planner.memory[0]).toEqual({
      utterance: 'put the candy in the bag',
      calls: [
        { skill: 'pickup', args: { object: 'CANDY' } },
        { skill: 'goto', args: { object: 'GIFT_BAG' } },
        { skill: 'release', args: {} },
      ],
    });
    const msgs: RecordedMessage[] = server.last.messages;
    // The remembered exchange sits right before the new utterance.
    expect(msgs.at(-1)).toEqual({ role: 'user', content: 'go home' });
    const tail = msgs.slice(-6, -1);
    expect(tail[0]).toEqual({ role: 'user', content: 'put the candy in the bag' });
    expect(tail[1].tool_calls!.map((c) => c.function.name)).toEqual(['pickup', 'goto', 'release']);
    expect(tail.slice(2).map((m) => m.role)).toEqual(['tool', 'tool', 'tool']);
    expect(planner.memory).toHaveLength(2);
  });

  it('keeps at most maxHistory exchanges', async () => {
    const planner = plannerFor(server, { maxHistory: 2 });
    const ctx = makeContext();
    server.script(toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('go home', ctx);
    const base = server.last.messages.length;
    const said = ['go home now 1', 'go home now 2', 'go home now 3', 'go home now 4'];
    for (const u of said) {
      server.script(toolAnswer({ name: 'go_home', arguments: {} }));
      await planner.plan(u, ctx);
    }
    expect(planner.memory.map((m) => m.utterance)).toEqual(['go home now 3', 'go home now 4']);
    server.script(toolAnswer({ name: 'grasp', arguments: {} }));
    await planner.plan('grasp', ctx);
    const msgs: RecordedMessage[] = server.last.messages;
    // system + ICL + 2 remembered exchanges (user, assistant, tool) + the utterance.
    expect(msgs).toHaveLength(base + 2 * 3);
    const users = msgs.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toContain('go home now 3');
    expect(users).toContain('go home now 4');
    expect(users).not.toContain('go home now 1');
    expect(users).not.toContain('go home now 2');
  });

  it('maxHistory 0 keeps no memory', async () => {
    const planner = plannerFor(server, { maxHistory: 0 });
    server.script(toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('go home', makeContext());
    expect(planner.memory).toHaveLength(0);
  });

  it('drops remembered calls to a skill that was forgotten', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pack', arguments: { obj: 'CANDY' } }), toolAnswer({ name: 'go_home', arguments: {} }));
    await planner.plan('pack the candy', taughtContext());
    await planner.plan('go home', makeContext({ registry: seedRegistry() }));
    const users = server.last.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).not.toContain('pack the candy');
    expect(JSON.stringify(server.last.messages)).not.toContain('"pack"');
  });
});

describe('never waits for the network', () => {
  it('stop words are answered without a request', async () => {
    const planner = plannerFor(server);
    for (const u of ['stop', 'STOP!', 'please halt now', 'wait', 'whoa whoa', 'stop and put the candy in the bag']) {
      expect((await planner.plan(u, makeContext())).kind).toBe('stop');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('a stop during a slow model call answers at once', async () => {
    const planner = plannerFor(server, { timeoutMs: 1500 });
    server.script({ hang: true });
    const slow = planner.plan('put the candy in the bag', makeContext());
    const t0 = performance.now();
    expect(await planner.plan('stop', makeContext())).toEqual({ kind: 'stop', reply: 'Stopping.' });
    expect(performance.now() - t0).toBeLessThan(100);
    expect((await slow).kind).toBe('question');
  });

  it('control phrases and rejected input are classified by the embedded planner', async () => {
    const planner = plannerFor(server);
    const ctx = makeContext();
    expect((await planner.plan('yes', ctx)).kind).toBe('confirm');
    expect((await planner.plan('go ahead', ctx)).kind).toBe('confirm');
    expect((await planner.plan('never mind', ctx)).kind).toBe('cancel');
    expect((await planner.plan('', ctx)).kind).toBe('rejected');
    expect((await planner.plan('x'.repeat(600), ctx)).kind).toBe('rejected');
    expect((await planner.plan('asdfgh qwrtzp', ctx)).kind).toBe('rejected');
    expect((await planner.plan(42 as unknown as string, ctx)).kind).toBe('rejected');
    expect(server.requests).toHaveLength(0);
  });
});
