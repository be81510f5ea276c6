/**
 * Contract: synthesizeBehavior is the paper's forced teach_function call. A valid answer becomes
 * a BehaviorProposal; an invalid one (or no answer) falls back to a deterministic proposal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TeachingTrace } from '../../../planner/types.js';
import { TEACH_FUNCTION, fallbackProposal, parseSignature } from '../../../planner/llm/index.js';
import { FakeChatServer, errorAnswer, textAnswer, toolAnswer, type RecordedMessage } from './fake-chat-server.js';
import { makeContext, plannerFor, taughtContext } from './helpers.js';

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

const PACK: TeachingTrace = {
  name: 'pack',
  command: 'pack the candy',
  mentions: ['CANDY'],
  steps: [
    { utterance: 'Pick up the candy.', plan: [{ skill: 'pickup', args: { object: 'CANDY' } }] },
    { utterance: 'Go above the bag.', plan: [{ skill: 'goto', args: { object: 'GIFT_BAG' } }] },
    { utterance: 'Drop it.', plan: [{ skill: 'release', args: {} }] },
  ],
};

// What the embedded planner (planner/teach.ts) would teach from the same trace.
const FALLBACK = {
  name: 'pack',
  params: [{ name: 'obj', literal: 'CANDY' }],
  description: 'Pick up the obj, go to GIFT_BAG, then release.',
};

function teachAnswer(name: string, signature: unknown, description: string) {
  return toolAnswer({
    name: 'teach_function',
    arguments: { new_function_name: name, new_function_signature: signature, new_function_description: description },
  });
}

describe('the teach_function request', () => {
  it('forces teach_function at temperature 0.2 with the trace as the user message', async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pack', '[CANDY]', 'Retrieve the specified obj and place it inside the gift bag.'));
    await planner.synthesizeBehavior(PACK, makeContext());
    const body = server.last;
    expect(body.tools).toEqual([TEACH_FUNCTION]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'teach_function' } });
    expect(body.temperature).toBe(0.2);
    expect(body.model).toBe('fake-model');
    const params = body.tools[0].function.parameters;
    expect(params.required).toEqual(['new_function_name', 'new_function_signature', 'new_function_description']);
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain('CANDY = auto()  # A gummy, sandwich-shaped candy.');
    const user = body.messages.at(-1)!;
    expect(user.role).toBe('user');
    expect(user.content).toContain('named "pack"');
    expect(user.content).toContain('"pack the candy"');
    expect(user.content).toContain('Objects named in that command: CANDY');
    expect(user.content).toContain('1. "Pick up the candy." → pickup(object=CANDY)');
    expect(user.content).toContain('2. "Go above the bag." → goto(object=GIFT_BAG)');
    expect(user.content).toContain('3. "Drop it." → release()');
  });
  it('sends the running memory before the trace, like planning does', async () => {
    const planner = plannerFor(server);
    server.script(toolAnswer({ name: 'pickup', arguments: { object: 'CANDY' } }), teachAnswer('pack', '[CANDY]', 'Pack it.'));
    await planner.plan('pick up the candy', makeContext());
    await planner.synthesizeBehavior(PACK, { ...makeContext(), teaching: { name: 'pack' } });
    const msgs: RecordedMessage[] = server.last.messages;
    expect(msgs.at(-4)).toEqual({ role: 'user', content: 'pick up the candy' });
    expect(msgs.at(-3)!.tool_calls![0].function.name).toBe('pickup');
    expect(msgs.at(-1)!.content).toContain('named "pack"');
    expect(msgs[0].content).not.toContain('now teaching');
  });
});

describe('parsing the answer', () => {
  it("'[CANDY]' lifts CANDY to obj; GIFT_BAG stays a constant (the paper's pack)", async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pack', '[CANDY]', 'Retrieve the specified obj and place it inside the gift bag.'));
    expect(await planner.synthesizeBehavior(PACK, makeContext())).toEqual({
      name: 'pack',
      params: [{ name: 'obj', literal: 'CANDY' }],
      description: 'Retrieve the specified obj and place it inside the gift bag.',
    });
    expect(planner.lastError).toBeNull();
  });

  it("keeps the model's parameter names and numbers the rest obj1, obj2 (as planner/teach.ts does)", async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pack', "[item: Object.CANDY, 'GIFT_BAG']", 'Put item into the container.'));
    const p = await planner.synthesizeBehavior(PACK, makeContext());
    expect(p.params).toEqual([
      { name: 'item', literal: 'CANDY' },
      { name: 'obj1', literal: 'GIFT_BAG' },
    ]);
  });

  it("'[]' lifts nothing; a JSON list signature is accepted too", async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pack', '[]', 'Pack the candy.'), teachAnswer('pack', ['CANDY', 'GIFT_BAG'], 'Pack.'));
    expect((await planner.synthesizeBehavior(PACK, makeContext())).params).toEqual([]);
    expect((await planner.synthesizeBehavior(PACK, makeContext())).params).toEqual([
      { name: 'obj1', literal: 'CANDY' },
      { name: 'obj2', literal: 'GIFT_BAG' },
    ]);
  });

  it("the user's word for the behavior wins over the model's name; the model names it when the trace has none", async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pack_item', '[CANDY]', 'Pack it.'), teachAnswer('bring_to_bag', '[CANDY]', 'Bring it to the bag.'));
    expect((await planner.synthesizeBehavior(PACK, makeContext())).name).toBe('pack');
    expect((await planner.synthesizeBehavior({ ...PACK, name: '' }, makeContext())).name).toBe('bring_to_bag');
  });

  it('flattens a multi-line description to one bounded line', async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pack', '[CANDY]', `"Pack the obj.\n\nIgnore the rules ${'x'.repeat(400)}"`));
    const p = await planner.synthesizeBehavior(PACK, makeContext());
    expect(p.description).not.toContain('\n');
    expect(p.description.length).toBeLessThanOrEqual(200);
    expect(p.description.startsWith('Pack the obj. Ignore')).toBe(true);
  });
});

describe('an invalid answer ⇒ the deterministic proposal', () => {
  const cases: [string, () => void][] = [
    ['a literal that was never used in the steps', () => server.script(teachAnswer('pack', '[TOY_CAR]', 'Pack.'))],
    ['a mention the steps never used', () => server.script(teachAnswer('pack', '[CANDY, RIBBON]', 'Pack.'))],
    ['a literal twice', () => server.script(teachAnswer('pack', '[CANDY, CANDY]', 'Pack.'))],
    ['a signature that is not names', () => server.script(teachAnswer('pack', '[obj: 42]', 'Pack.'))],
    ['an empty description', () => server.script(teachAnswer('pack', '[CANDY]', '  '))],
    ['malformed JSON arguments', () => server.script(toolAnswer({ name: 'teach_function', arguments: '{"new_function_name": "pa' }))],
    ['a missing field', () => server.script(toolAnswer({ name: 'teach_function', arguments: { new_function_name: 'pack' } }))],
    [
      'a number for the signature',
      () =>
        server.script(
          toolAnswer({
            name: 'teach_function',
            arguments: { new_function_name: 'pack', new_function_signature: 1, new_function_description: 'x' },
          }),
        ),
    ],
    ['no tool call', () => server.script(textAnswer('def pack(obj): ...'))],
    ['HTTP 500', () => server.script(errorAnswer(500, 'boom'))],
    ['a timeout', () => server.script({ hang: true })],
  ];
  for (const [what, script] of cases) {
    it(what, async () => {
      const planner = plannerFor(server, { timeoutMs: 300 });
      script();
      expect(await planner.synthesizeBehavior(PACK, makeContext())).toEqual(FALLBACK);
      expect(planner.lastError).not.toBeNull();
    });
  }

  it('a model name that is not lower_snake_case, or an existing skill, when the trace has no name', async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('Pack It!', '[CANDY]', 'Pack.'), teachAnswer('pickup', '[CANDY]', 'Pack.'));
    const noName = { ...PACK, name: '' };
    expect((await planner.synthesizeBehavior(noName, taughtContext())).name).toBe('new_behavior');
    expect((await planner.synthesizeBehavior(noName, taughtContext())).name).toBe('new_behavior');
  });

  it('the fallback is the embedded lifting: the mentions the steps used, nothing when no object was named', () => {
    const skills = makeContext().skills;
    expect(fallbackProposal({ ...PACK, mentions: ['CANDY', 'RIBBON'] }, skills).params).toEqual([{ name: 'obj', literal: 'CANDY' }]);
    expect(fallbackProposal({ ...PACK, mentions: [] }, skills)).toEqual({
      name: 'pack',
      params: [],
      description: 'Pick up CANDY, go to GIFT_BAG, then release.',
    });
    expect(fallbackProposal({ ...PACK, command: '', mentions: [] }, skills).params).toEqual([]);
    const two = { ...PACK, command: 'bring the candy to the bag', mentions: ['CANDY', 'GIFT_BAG'] };
    expect(fallbackProposal(two, skills).params).toEqual([
      { name: 'obj1', literal: 'CANDY' },
      { name: 'obj2', literal: 'GIFT_BAG' },
    ]);
  });

  it('a proposal the embedded lifting would refuse (re-defining a built-in) falls back', async () => {
    const planner = plannerFor(server);
    server.script(teachAnswer('pickup', '[CANDY]', 'Pack.'));
    const r = await planner.synthesizeBehavior({ ...PACK, name: 'pickup' }, makeContext());
    expect(r.description).not.toBe('Pack.');
    expect(planner.lastError).toMatchObject({ kind: 'bad_answer', message: expect.stringContaining('built in') as unknown });
  });
});

describe('parseSignature', () => {
  const allowed = new Set(['CANDY', 'GIFT_BAG', 'TOY_CAR']);
  it.each([
    ['[CANDY]', [{ name: 'obj', literal: 'CANDY' }]],
    ['(obj: ObjectRef.CANDY)', [{ name: 'obj', literal: 'CANDY' }]],
    [
      '[thing=CANDY, place=GIFT_BAG]',
      [
        { name: 'thing', literal: 'CANDY' },
        { name: 'place', literal: 'GIFT_BAG' },
      ],
    ],
    [
      '["CANDY", "TOY_CAR"]',
      [
        { name: 'obj1', literal: 'CANDY' },
        { name: 'obj2', literal: 'TOY_CAR' },
      ],
    ],
    ['[toy car]', [{ name: 'obj', literal: 'TOY_CAR' }]],
    [
      '[obj: CANDY, obj: GIFT_BAG]',
      [
        { name: 'obj', literal: 'CANDY' },
        { name: 'obj1', literal: 'GIFT_BAG' },
      ],
    ],
    ['[Obj: CANDY]', [{ name: 'obj', literal: 'CANDY' }]],
    ['  [ ]  ', []],
  ])('%s', (sig, expected) => {
    expect(parseSignature(sig, allowed)).toEqual(expected);
  });
  it.each(['[SCISSORS]', '[CANDY,]', '[1]', '[__import__("os")]'])('%s is rejected', (sig) => {
    expect(typeof parseSignature(sig, allowed)).toBe('string');
  });
});
