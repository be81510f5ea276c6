/**
 * planner/llm/: the optional LLM planner (any OpenAI-compatible chat-completions server).
 * The app uses it when OPENAI_BASE_URL and SHAMMIE_LLM_MODEL are set, the embedded rule
 * planner otherwise.
 */
export { LlmPlanner, LlmConfigError, type LlmError, type LlmErrorKind } from './llm-planner.js';
export { llmConfigFromEnv, llmConfigSchema, DEFAULT_TASK, type LlmConfig, type LlmConfigInput, type LlmConfigFromEnv } from './config.js';
export { TEACH_FUNCTION, systemPrompt, toolsFor, pythonizeEntities, renderTrace, type Exchange } from './prompt.js';
export { fallbackProposal, parseSignature } from './answer.js';
