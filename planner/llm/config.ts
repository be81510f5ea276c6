/**
 * LLM planner configuration: validated once at construction, so a typo in the environment is a
 * start-up message, not a failure on the first utterance.
 */
import { z } from 'zod';

export const DEFAULT_TASK = 'wrapping gifts together; gift-wrapping objects are on the table';

export const llmConfigSchema = z
  .object({
    /** OpenAI-compatible endpoint including the version path, e.g. http://127.0.0.1:8080/v1 */
    baseURL: z.url({ protocol: /^https?$/, error: 'baseURL must be an http(s) URL such as http://127.0.0.1:8080/v1' }),
    /** local servers ignore it, but the SDK requires a non-empty key */
    apiKey: z.string().min(1).default('sk-no-key-required'),
    model: z.string().trim().min(1, 'model is required (e.g. gpt-3.5-turbo-1106, or the name your local server serves)'),
    /** the paper's value */
    temperature: z.number().min(0).max(2).default(0.2),
    timeoutMs: z.number().int().min(1).max(600_000).default(15_000),
    // Retries multiply the worst-case wait of a spoken command; the user can simply say it again.
    maxRetries: z.number().int().min(0).max(5).default(0),
    /** running memory: at most this many recent exchanges (the paper's grew without bound) */
    maxHistory: z.number().int().min(0).max(500).default(20),
    /** the session line of the system prompt ("Today the user and the robot are …") */
    task: z.string().trim().min(1).max(500).default(DEFAULT_TASK),
  })
  .strict();

export type LlmConfigInput = z.input<typeof llmConfigSchema>;
export type LlmConfig = z.output<typeof llmConfigSchema>;

export type LlmConfigFromEnv =
  | { ok: true; config: LlmConfig }
  /** `configured` is false when neither variable is set (use the embedded planner quietly) */
  | { ok: false; configured: boolean; reason: string };

/**
 * Read OPENAI_BASE_URL, OPENAI_API_KEY (optional for local servers), SHAMMIE_LLM_MODEL and
 * SHAMMIE_LLM_TIMEOUT_MS (optional). Both the URL and the model are required: there is no
 * silent default endpoint, so nothing leaves the machine unless the user asked for it.
 */
export function llmConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LlmConfigFromEnv {
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  const model = env.SHAMMIE_LLM_MODEL?.trim() || undefined;
  if (!baseURL && !model) {
    return {
      ok: false,
      configured: false,
      reason: 'LLM planner not configured (set OPENAI_BASE_URL and SHAMMIE_LLM_MODEL); using the embedded planner.',
    };
  }
  const missing = [
    !baseURL && 'OPENAI_BASE_URL (e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1)',
    !model && 'SHAMMIE_LLM_MODEL',
  ].filter(Boolean);
  if (missing.length)
    return { ok: false, configured: true, reason: `LLM planner not configured: set ${missing.join(' and ')}; using the embedded planner.` };

  const input: Record<string, unknown> = { baseURL, model };
  const key = env.OPENAI_API_KEY?.trim();
  if (key) input.apiKey = key;
  const timeout = env.SHAMMIE_LLM_TIMEOUT_MS?.trim();
  if (timeout) input.timeoutMs = Number(timeout);
  const parsed = llmConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    const envName =
      { baseURL: 'OPENAI_BASE_URL', model: 'SHAMMIE_LLM_MODEL', apiKey: 'OPENAI_API_KEY', timeoutMs: 'SHAMMIE_LLM_TIMEOUT_MS' }[field] ??
      field;
    return {
      ok: false,
      configured: true,
      reason: `LLM planner misconfigured: ${envName}: ${issue?.message ?? 'invalid'}; using the embedded planner.`,
    };
  }
  return { ok: true, config: parsed.data };
}
