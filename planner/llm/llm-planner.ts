/**
 * The optional LLM planner (the paper's §3): any OpenAI-compatible chat-completions server
 * (OpenAI, vLLM, llama.cpp server, Ollama), tools generated from the live skills, the known
 * objects as a Python Enum in the system prompt, the paper's ICL examples plus a bounded
 * running memory. It only uses `chat.completions.create` with `tools` + `tool_choice`, which
 * every such server implements.
 *
 * It never throws from plan(): network trouble and unusable answers become questions, and the
 * planner stays usable for the next utterance. Stop and the control phrases never wait for
 * the network: the embedded rule planner classifies them first.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { RulePlanner, isStopUtterance } from '../rule-planner.js';
import type { BehaviorProposal, Planner, PlannerContext, PlannerResult, TeachingTrace } from '../types.js';
import { fallbackProposal, interpretPlanAnswer, proposalFromAnswer, readCompletion } from './answer.js';
import { llmConfigFromEnv, llmConfigSchema, type LlmConfig, type LlmConfigInput } from './config.js';
import { TEACH_FUNCTION, oneLine, planMessages, renderTrace, toolsFor, type ChatMessage, type ChatTool, type Exchange } from './prompt.js';

export type LlmErrorKind = 'timeout' | 'connection' | 'http' | 'aborted' | 'bad_response' | 'bad_answer';

/** What went wrong on the last call (null after a call that got a usable answer). */
export interface LlmError {
  kind: LlmErrorKind;
  /** HTTP status, for kind 'http' */
  status?: number;
  /** the sentence the user was told */
  message: string;
}

type Completion = { ok: true; body: unknown } | { ok: false; error: LlmError };

const FALLBACK_HINT = 'try again or unset OPENAI_BASE_URL to use the embedded planner.';

/** Node's fetch hides the socket error a few causes deep ("fetch failed" → ECONNREFUSED). */
function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;
}

export class LlmConfigError extends Error {
  constructor(message: string) {
    super(`[planner/llm] ${message}`);
    this.name = 'LlmConfigError';
  }
}

export class LlmPlanner implements Planner {
  readonly config: LlmConfig;
  readonly #client: OpenAI;
  readonly #rules = new RulePlanner();
  #memory: Exchange[] = [];
  #lastError: LlmError | null = null;

  /** Throws LlmConfigError on an invalid config (at start-up, not on the first utterance). */
  constructor(config: LlmConfigInput) {
    const parsed = llmConfigSchema.safeParse(config);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new LlmConfigError(`invalid config: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
    }
    this.config = parsed.data;
    this.#client = new OpenAI({
      baseURL: this.config.baseURL,
      apiKey: this.config.apiKey,
      timeout: this.config.timeoutMs,
      maxRetries: this.config.maxRetries,
    });
  }

  /** A planner from OPENAI_BASE_URL / OPENAI_API_KEY / SHAMMIE_LLM_MODEL, or undefined (see llmConfigFromEnv for why). */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LlmPlanner | undefined {
    const r = llmConfigFromEnv(env);
    return r.ok ? new LlmPlanner(r.config) : undefined;
  }

  /** "gpt-3.5-turbo-1106 at http://127.0.0.1:8080/v1", for start-up messages. */
  describe(): string {
    return `${this.config.model} at ${this.config.baseURL}`;
  }

  /** The running memory, oldest first (at most config.maxHistory exchanges). */
  get memory(): readonly Exchange[] {
    return this.#memory;
  }

  clearMemory(): void {
    this.#memory = [];
  }

  /** Why the last model call failed, or null if it succeeded. */
  get lastError(): LlmError | null {
    return this.#lastError;
  }

  async plan(utterance: string, ctx: PlannerContext): Promise<PlannerResult> {
    // Before anything else, and synchronously in effect: a stop must never wait for a network call.
    if (typeof utterance === 'string' && isStopUtterance(utterance)) return { kind: 'stop', reply: 'Stopping.' };
    // Rejections (empty, too long, mashed keys) and control phrases (confirm, cancel, and the
    // teaching controls as the rule planner learns them) behave identically with or without a model.
    const rule = this.#rules.planSync(utterance, ctx);
    if (rule.kind !== 'plan' && rule.kind !== 'question') return rule;
    const text = utterance.trim();
    try {
      return await this.#planWithModel(text, ctx, rule);
    } catch (err) {
      // Defensive: nothing below should throw, but a throw here would end the user's session.
      return {
        kind: 'question',
        reason: 'not_understood',
        reply: `Sorry, planning failed (${oneLine(err instanceof Error ? err.message : String(err), 120)}). Could you say it again?`,
        repairs: [],
      };
    }
  }

  async #planWithModel(text: string, ctx: PlannerContext, rule: PlannerResult): Promise<PlannerResult> {
    let tools: ChatTool[];
    try {
      tools = toolsFor(ctx.skills);
    } catch (err) {
      return {
        kind: 'question',
        reason: 'invalid_plan',
        reply: `I can't plan: the skill list is invalid (${(err as Error).message}).`,
        repairs: [],
      };
    }
    const messages = planMessages(ctx, this.config.task, this.#memory, text);
    const answer = await this.#complete(messages, tools.length ? { tools, tool_choice: 'auto' } : {}, ctx.signal);
    if (!answer.ok) return { kind: 'question', reason: 'not_understood', reply: answer.error.message, repairs: [] };

    const read = readCompletion(answer.body);
    const result = interpretPlanAnswer(read, text, ctx, rule);
    if (result.kind === 'plan') this.#remember({ utterance: text, calls: result.plan });
    // Unknown objects and verbs are answers; an unreadable or invalid call is the model failing.
    else if (result.kind === 'question' && result.reason === 'invalid_plan')
      this.#fail({ kind: read.ok ? 'bad_answer' : 'bad_response', message: result.reply });
    return result;
  }

  /**
   * The paper's forced teach_function call. Never fails: when the model is unreachable or its
   * answer is invalid, the proposal is what the embedded planner would teach (lastError says why).
   */
  async synthesizeBehavior(trace: TeachingTrace, ctx: PlannerContext): Promise<BehaviorProposal> {
    try {
      // Same prefix as planning (the paper's ICL_EXAMPLES + memory); the "now teaching" line would contradict the request.
      const messages = planMessages({ ...ctx, teaching: null }, this.config.task, this.#memory, renderTrace(trace));
      const answer = await this.#complete(
        messages,
        { tools: [TEACH_FUNCTION], tool_choice: { type: 'function', function: { name: 'teach_function' } } },
        ctx.signal,
      );
      if (!answer.ok) return fallbackProposal(trace, ctx.skills);
      const proposal = proposalFromAnswer(readCompletion(answer.body), trace, ctx);
      if (typeof proposal !== 'string') return proposal;
      this.#fail({
        kind: 'bad_answer',
        message: `The language model's teach_function answer was unusable (${oneLine(proposal, 120)}); taught it from the steps instead.`,
      });
    } catch (err) {
      this.#fail({
        kind: 'bad_answer',
        message: `Naming the behavior failed (${oneLine(err instanceof Error ? err.message : String(err), 120)}); taught it from the steps instead.`,
      });
    }
    return fallbackProposal(trace, ctx.skills);
  }

  #remember(ex: Exchange): void {
    if (this.config.maxHistory === 0) return;
    this.#memory = [...this.#memory, ex].slice(-this.config.maxHistory);
  }

  #fail(error: LlmError): LlmError {
    this.#lastError = error;
    return error;
  }

  async #complete(
    messages: ChatMessage[],
    tooling: { tools?: ChatTool[]; tool_choice?: OpenAI.Chat.Completions.ChatCompletionToolChoiceOption },
    signal: AbortSignal | undefined,
  ): Promise<Completion> {
    // The SDK's timeout covers the request until headers arrive; this deadline also covers a
    // body that stalls halfway.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.config.timeoutMs);
    try {
      const body: unknown = await this.#client.chat.completions.create(
        { model: this.config.model, temperature: this.config.temperature, messages, ...tooling },
        { signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal },
      );
      this.#lastError = null;
      return { ok: true, body };
    } catch (err) {
      const timedOut = deadline.signal.aborted && !signal?.aborted;
      return { ok: false, error: this.#fail(this.#describe(err, timedOut)) };
    } finally {
      clearTimeout(timer);
    }
  }

  #describe(err: unknown, timedOut: boolean): LlmError {
    const { baseURL, model, timeoutMs } = this.config;
    const at = `The language model at ${baseURL}`;
    if (timedOut || err instanceof APIConnectionTimeoutError) {
      return { kind: 'timeout', message: `${at} did not answer within ${seconds(timeoutMs)}; ${FALLBACK_HINT}` };
    }
    if (err instanceof APIUserAbortError) return { kind: 'aborted', message: 'The request to the language model was cancelled.' };
    if (err instanceof APIConnectionError) {
      const code = causeCode(err);
      return {
        kind: 'connection',
        message: `I can't reach the language model at ${baseURL}${code ? ` (${code})` : ''}; check that the server is running, or unset OPENAI_BASE_URL to use the embedded planner.`,
      };
    }
    if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      const http = (message: string): LlmError => ({ kind: 'http', status, message });
      if (status === 401 || status === 403) return http(`${at} refused the API key (HTTP ${status}); check OPENAI_API_KEY.`);
      if (status === 404)
        return http(`${at} answered HTTP 404: check the model name "${model}" (SHAMMIE_LLM_MODEL) and that the URL ends in /v1.`);
      if (status === 429) return http(`${at} is busy or over its rate limit (HTTP 429); wait a moment and try again.`);
      if (status === 400 || status === 422) {
        return http(
          `${at} rejected the request (HTTP ${status}: ${oneLine(err.message, 120)}); the server may lack tool calling (llama.cpp needs --jinja, vLLM --enable-auto-tool-choice).`,
        );
      }
      return http(`${at} failed (HTTP ${status}); ${FALLBACK_HINT}`);
    }
    // A 200 whose body is not JSON, or anything else the SDK throws.
    return {
      kind: 'bad_response',
      message: `${at} sent an answer I can't read (${oneLine(err instanceof Error ? err.message : String(err), 120)}); ${FALLBACK_HINT}`,
    };
  }
}
