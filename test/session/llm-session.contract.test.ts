/**
 * Contract test: the LLM planner inside the real session, against a scripted local
 * chat-completions server. Valid tool calls move the simulated arm; invalid ones never reach
 * the robot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, worldReport, type SimApp } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';
import { LlmPlanner } from '../../planner/llm/index.js';
import { FakeChatServer, errorAnswer, textAnswer, toolAnswer } from '../planner/llm/fake-chat-server.js';

let app: SimApp | undefined;
let server: FakeChatServer | undefined;
afterEach(async () => {
  await app?.dispose();
  await server?.close();
  app = undefined;
  server = undefined;
});

async function setup() {
  server = await FakeChatServer.start();
  const planner = new LlmPlanner({ baseURL: server.url, model: 'scripted', timeoutMs: 3000 });
  app = await createApp({ seed: 1, planner });
  const sent: unknown[] = [];
  const exec = app.simBackend.executeTrajectory.bind(app.simBackend);
  app.simBackend.executeTrajectory = (t, o) => {
    sent.push(t);
    return exec(t, o);
  };
  const grip = app.simBackend.gripper.bind(app.simBackend);
  app.simBackend.gripper = (c) => {
    sent.push(c);
    return grip(c);
  };
  return { app, server, sent };
}

describe('LLM planner in the session (contract)', () => {
  it('a valid answer becomes a plan that runs: CANDY ends in GIFT_BAG', async () => {
    const { app, server } = await setup();
    server.script(
      toolAnswer(
        { name: 'pickup', arguments: { object: 'CANDY' } },
        { name: 'goto', arguments: { object: 'GIFT_BAG' } },
        { name: 'release', arguments: {} },
      ),
    );
    const turns = await runScript(app, parseScript('put the gummy in the bag please\n'));
    expect(turns[0]).toMatchObject({ kind: 'plan', outcome: 'succeeded' });
    expect(worldReport(app).CANDY.in).toBe('GIFT_BAG');
    // The request carried tools generated from the live registry.
    expect(server.last.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(
      expect.arrayContaining(['pickup', 'goto', 'release', 'grasp', 'go_home']),
    );
  });

  it('invalid tool calls, text answers and HTTP errors never move the robot', async () => {
    const { app, server, sent } = await setup();
    server.script(
      toolAnswer({ name: 'fly_away', arguments: {} }),
      toolAnswer({ name: 'pickup', arguments: '{"object": ' }),
      toolAnswer({ name: 'pickup', arguments: { object: 'CANDY', speed: 'max' } }),
      toolAnswer({ name: 'goto', arguments: { object: 42 } }),
      textAnswer('Sure! I will now pick up the candy.'),
      errorAnswer(500, 'boom'),
    );
    const turns = await runScript(
      app,
      parseScript(['fly away', 'grab it', 'grab the candy fast', 'go there', 'pick up the candy', 'pick up the candy'].join('\n')),
    );
    for (const t of turns) {
      expect(t.kind).toBe('question');
      expect(t.executed).toBe(false);
    }
    expect(sent).toEqual([]);
    expect(app.session.pending).toBeNull();
  });
});
