/** Contract: configuration from the environment and the validated config schema. */
import { describe, expect, it } from 'vitest';
import { LlmConfigError, LlmPlanner, llmConfigFromEnv, llmConfigSchema } from '../../../planner/llm/index.js';

describe('llmConfigFromEnv', () => {
  it('is quietly "not configured" when nothing is set', () => {
    const r = llmConfigFromEnv({});
    expect(r).toMatchObject({ ok: false, configured: false });
    expect(LlmPlanner.fromEnv({})).toBeUndefined();
  });

  it('names what is missing when only half is set', () => {
    const a = llmConfigFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1' });
    expect(a).toMatchObject({ ok: false, configured: true });
    expect(!a.ok && a.reason).toContain('SHAMMIE_LLM_MODEL');
    const b = llmConfigFromEnv({ SHAMMIE_LLM_MODEL: 'llama3', OPENAI_API_KEY: 'sk-x' });
    expect(!b.ok && b.reason).toContain('OPENAI_BASE_URL');
  });

  it("reads the URL, model, key and timeout, with the paper's defaults", () => {
    const r = llmConfigFromEnv({
      OPENAI_BASE_URL: ' http://127.0.0.1:11434/v1 ',
      SHAMMIE_LLM_MODEL: 'qwen2.5:7b',
      OPENAI_API_KEY: 'sk-test',
      SHAMMIE_LLM_TIMEOUT_MS: '8000',
    });
    expect(r).toEqual({
      ok: true,
      config: {
        baseURL: 'http://127.0.0.1:11434/v1',
        model: 'qwen2.5:7b',
        apiKey: 'sk-test',
        timeoutMs: 8000,
        temperature: 0.2,
        maxRetries: 0,
        maxHistory: 20,
        task: expect.any(String) as unknown,
      },
    });
  });

  it('a local server needs no key (a dummy is sent)', () => {
    const r = llmConfigFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1', SHAMMIE_LLM_MODEL: 'm' });
    expect(r.ok && r.config.apiKey).toBe('sk-no-key-required');
    expect(LlmPlanner.fromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1', SHAMMIE_LLM_MODEL: 'm' })?.describe()).toBe(
      'm at http://127.0.0.1:8080/v1',
    );
  });

  it('reports a bad value by its variable name', () => {
    const a = llmConfigFromEnv({ OPENAI_BASE_URL: 'localhost:8080', SHAMMIE_LLM_MODEL: 'm' });
    expect(!a.ok && a.reason).toMatch(/^LLM planner misconfigured: OPENAI_BASE_URL: /);
    const b = llmConfigFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1', SHAMMIE_LLM_MODEL: 'm', SHAMMIE_LLM_TIMEOUT_MS: 'soon' });
    expect(!b.ok && b.reason).toMatch(/SHAMMIE_LLM_TIMEOUT_MS/);
  });
});

describe('llmConfigSchema', () => {
  it('rejects unknown keys and out-of-range values', () => {
    expect(llmConfigSchema.safeParse({ baseURL: 'http://x/v1', model: 'm', temprature: 0.5 }).success).toBe(false);
    expect(llmConfigSchema.safeParse({ baseURL: 'http://x/v1', model: 'm', temperature: 3 }).success).toBe(false);
    expect(llmConfigSchema.safeParse({ baseURL: 'ftp://x', model: 'm' }).success).toBe(false);
    expect(llmConfigSchema.safeParse({ baseURL: 'http://x/v1', model: ' ' }).success).toBe(false);
  });

  it('the constructor throws a clear LlmConfigError at start-up', () => {
    expect(() => new LlmPlanner({ baseURL: 'http://x/v1', model: '' })).toThrow(LlmConfigError);
    expect(() => new LlmPlanner({ baseURL: 'http://x/v1', model: '' })).toThrow(/model/);
  });
});
