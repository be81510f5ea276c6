/**
 * A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (port 0). It records every
 * request and replays the scripted answers in order; an unscripted request gets HTTP 500, so
 * a test that calls the model unexpectedly fails loudly.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type OpenAI from 'openai';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** parsed JSON body (the raw text when it is not JSON) */
  body: unknown;
}

/** A tool call in a recorded request: the planner only sends function calls. */
export interface RecordedToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A message in a recorded request as the planner sends it: string content, tool calls on assistant turns, a call id on tool results. */
export interface RecordedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: RecordedToolCall[];
  tool_call_id?: string;
}

/** The JSON Schema of a tool's parameters. */
export interface RecordedToolParameters {
  type: 'object';
  properties: Record<string, { type: string; description?: string; enum?: unknown[] }>;
  required?: string[];
  additionalProperties?: boolean;
}

/** A tool offered in a recorded request. */
export interface RecordedTool {
  type: 'function';
  function: { name: string; description?: string; parameters: RecordedToolParameters };
}

/** A chat-completions request body as the LLM planner sends it. */
export interface ChatRequestBody {
  model: string;
  messages: RecordedMessage[];
  tools: RecordedTool[];
  tool_choice?: OpenAI.Chat.Completions.ChatCompletionToolChoiceOption;
  temperature?: number;
  stream?: boolean;
  response_format?: unknown;
}

export type Scripted =
  /** a JSON reply (a chat completion or an error object) */
  | { status?: number; json: unknown }
  /** any other body, e.g. HTML from a misconfigured proxy */
  | { status?: number; raw: string; contentType: string }
  /** never answer */
  | { hang: true }
  /** send headers and part of the body, then stall */
  | { stallBody: true };

export interface ToolCallSpec {
  name: string;
  /** an object is JSON-encoded; a string is sent as is (to script broken JSON) */
  arguments: unknown;
}

let completionId = 0;

/** An OpenAI-format completion whose answer is tool calls. */
export function toolAnswer(...calls: ToolCallSpec[]): Scripted {
  return {
    json: {
      id: `chatcmpl-${++completionId}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'fake',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: calls.map((c, i) => ({
              id: `call_${completionId}_${i}`,
              type: 'function',
              function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
            })),
          },
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
  };
}

/** A completion whose answer is plain text (no tool call). */
export function textAnswer(content: string): Scripted {
  return {
    json: {
      id: `chatcmpl-${++completionId}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'fake',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    },
  };
}

/** An OpenAI-format error reply. */
export function errorAnswer(status: number, message: string, type = 'server_error'): Scripted {
  return { status, json: { error: { message, type, param: null, code: null } } };
}

export class FakeChatServer {
  readonly requests: RecordedRequest[] = [];
  readonly #queue: Scripted[] = [];
  readonly #server: Server;
  readonly port: number;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Start on 127.0.0.1; `port` 0 picks a free one. */
  static async start(port = 0): Promise<FakeChatServer> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self.#handle(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    // Requests only arrive once listening, after `self` exists.
    const self = new FakeChatServer(server, (server.address() as AddressInfo).port);
    return self;
  }

  /** The base URL a client is configured with. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Queue answers, used in order by the next requests. */
  script(...answers: Scripted[]): this {
    this.#queue.push(...answers);
    return this;
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** The last recorded request body, read as the request the planner sends; throws when there is none. */
  get last(): ChatRequestBody {
    const body = this.requests[this.requests.length - 1]?.body;
    if (typeof body !== 'object' || body === null) throw new Error('no JSON request was recorded');
    return body as ChatRequestBody;
  }

  #handle(method: string, path: string, headers: IncomingHttpHeaders, text: string, res: ServerResponse): void {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    this.requests.push({ method, path, headers, body });
    const send = (status: number, type: string, payload: string): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    };
    if (method !== 'POST' || path !== '/v1/chat/completions') {
      send(404, 'application/json', JSON.stringify({ error: { message: `no route ${method} ${path}`, type: 'not_found' } }));
      return;
    }
    const next = this.#queue.shift();
    if (!next) {
      send(500, 'application/json', JSON.stringify({ error: { message: 'no scripted answer', type: 'server_error' } }));
      return;
    }
    if ('hang' in next) return;
    if ('stallBody' in next) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      res.write('{"choices": [');
      return;
    }
    if ('raw' in next) send(next.status ?? 200, next.contentType, next.raw);
    else send(next.status ?? 200, 'application/json', JSON.stringify(next.json));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A loopback port with nothing listening (connection refused). */
export async function deadPort(): Promise<number> {
  const s = await FakeChatServer.start();
  const port = s.port;
  await s.close();
  return port;
}
