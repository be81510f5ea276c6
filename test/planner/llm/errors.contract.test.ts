/**
 * Contract: transport failures (HTTP errors, timeouts, refused connections, a cancelled call)
 * become a question with a clear message, never a throw, and the same planner works again on
 * the next call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeChatServer, deadPort, errorAnswer, toolAnswer } from './fake-chat-server.js';
import { expectKind, makeContext, plannerFor } from './helpers.js';

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

const GO_HOME = toolAnswer({ name: 'go_home', arguments: {} });

async function expectRecovers(planner: ReturnType<typeof plannerFor>): Promise<void> {
  server.script(GO_HOME);
  const r = expectKind(await planner.plan('go home', makeContext()), 'plan');
  expect(r.plan).toEqual([{ skill: 'go_home', args: {} }]);
  expect(planner.lastError).toBeNull();
}

describe('HTTP errors', () => {
  const cases: [number, RegExp][] = [
    [
      500,
      /^The language model at http:\/\/127\.0\.0\.1:\d+\/v1 failed \(HTTP 500\); try again or unset OPENAI_BASE_URL to use the embedded planner\.$/,
    ],
    [503, /failed \(HTTP 503\)/],
    [401, /refused the API key \(HTTP 401\); check OPENAI_API_KEY\./],
    [403, /refused the API key \(HTTP 403\)/],
    [404, /HTTP 404: check the model name "fake-model" \(SHAMMIE_LLM_MODEL\) and that the URL ends in \/v1\./],
    [429, /rate limit \(HTTP 429\); wait a moment and try again\./],
    [400, /rejected the request \(HTTP 400: .*tools are not supported.*\); the server may lack tool calling/],
  ];
  for (const [status, message] of cases) {
    it(`${status} ⇒ a clear message, one request (no retries), and the next call works`, async () => {
      const planner = plannerFor(server);
      server.script(errorAnswer(status, status === 400 ? 'tools are not supported for this model' : 'nope'));
      const r = expectKind(await planner.plan('pick up the candy', makeContext()), 'question');
      expect(r.reply).toMatch(message);
      expect(r.reply).toContain(server.url);
      expect(server.requests).toHaveLength(1);
      expect(planner.lastError).toEqual({ kind: 'http', status, message: r.reply });
      await expectRecovers(planner);
    });
  }

  it('retries when configured to', async () => {
    const planner = plannerFor(server, { maxRetries: 1 });
    server.script(errorAnswer(500, 'flaky'), GO_HOME);
    expectKind(await planner.plan('go home', makeContext()), 'plan');
    expect(server.requests).toHaveLength(2);
  });
});

describe('timeouts and connections', () => {
  it('a server that never answers ⇒ "did not answer within 0.3 s" (bounded wait), then the next call works', async () => {
    const planner = plannerFor(server, { timeoutMs: 300 });
    server.script({ hang: true });
    const t0 = performance.now();
    const r = expectKind(await planner.plan('pick up the candy', makeContext()), 'question');
    const took = performance.now() - t0;
    expect(r.reply).toBe(
      `The language model at ${server.url} did not answer within 0.3 s; try again or unset OPENAI_BASE_URL to use the embedded planner.`,
    );
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect(planner.lastError?.kind).toBe('timeout');
    await expectRecovers(planner);
  });

  it('the default timeout reads as 15 s', () => {
    expect(plannerFor(server).config.timeoutMs).toBe(15_000);
  });

  it('a body that stalls after the headers also times out', async () => {
    const planner = plannerFor(server, { timeoutMs: 300 });
    server.script({ stallBody: true });
    const t0 = performance.now();
    const r = expectKind(await planner.plan('pick up the candy', makeContext()), 'question');
    expect(r.reply).toContain('did not answer within 0.3 s');
    expect(performance.now() - t0).toBeLessThan(2000);
    await expectRecovers(planner);
  });

  it('connection refused ⇒ "can\'t reach … (ECONNREFUSED)", and it works once the server is up', async () => {
    const port = await deadPort();
    const url = `http://127.0.0.1:${port}/v1`;
    const planner = plannerFor(url);
    const r = expectKind(await planner.plan('pick up the candy', makeContext()), 'question');
    expect(r.reply).toBe(
      `I can't reach the language model at ${url} (ECONNREFUSED); check that the server is running, or unset OPENAI_BASE_URL to use the embedded planner.`,
    );
    expect(planner.lastError?.kind).toBe('connection');
    const late = await FakeChatServer.start(port);
    try {
      late.script(GO_HOME);
      expectKind(await planner.plan('go home', makeContext()), 'plan');
    } finally {
      await late.close();
    }
  });

  it('a wrong path (base URL without /v1) ⇒ the 404 hint', async () => {
    const planner = plannerFor(`http://127.0.0.1:${server.port}`);
    const r = expectKind(await planner.plan('pick up the candy', makeContext()), 'question');
    expect(r.reply).toContain('HTTP 404');
    expect(r.reply).toContain('/v1');
  });

  it('the session abandoning the call (ctx.signal) ends it at once', async () => {
    const planner = plannerFor(server, { timeoutMs: 5000 });
    server.script({ hang: true });
    const ac = new AbortController();
    const pending = planner.plan('pick up the candy', { ...makeContext(), signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const t0 = performance.now();
    const r = expectKind(await pending, 'question');
    expect(r.reply).toBe('The request to the language model was cancelled.');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(planner.lastError?.kind).toBe('aborted');
    await expectRecovers(planner);
  });

  it('plan() never rejects, whatever the server does', async () => {
    const planner = plannerFor(server, { timeoutMs: 200 });
    server.script(
      errorAnswer(500, 'x'),
      { hang: true },
      { raw: 'not json', contentType: 'application/json' },
      { json: null },
      { raw: '', contentType: 'text/plain' },
    );
    for (let i = 0; i < 5; i++) await expect(planner.plan('pick up the candy', makeContext())).resolves.toMatchObject({ kind: 'question' });
  });
});
