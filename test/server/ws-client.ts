/** A console protocol client for tests, and a session server to point it at. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createApp, type App, type AppOptions, type SimApp } from '../../session/app.js';
import { startSessionServer, type SessionServer, type SessionServerOptions } from '../../server/index.js';
import { parseServerMessage, type ServerMessage } from '../../server/protocol.js';

export type Msg<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A protocol client that parses every frame with the shared schemas. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  readonly invalid: string[] = [];
  readonly ws: WebSocket;
  /** the server's base URL and the token this client was given */
  readonly base: string;
  readonly token: string | null;
  #waiters: (() => void)[] = [];
  /**
   * `url`: the server's console URL (with `?token=…`, which the WebSocket URL carries on);
   * `clientId`: the console id a browser tab sends (?client=…); without one the server makes one up
   */
  constructor(url: string, headers?: Record<string, string>, clientId?: string) {
    const u = new URL(url);
    const ws = new URL('ws', u);
    ws.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = u.searchParams.get('token');
    this.base = new URL('/', u).toString();
    this.token = token;
    if (token) ws.searchParams.set('token', token);
    if (clientId) ws.searchParams.set('client', clientId);
    this.ws = new WebSocket(ws.toString(), { headers });
    this.ws.on('message', (d) => {
      // ws's default binaryType ('nodebuffer') delivers every message as one Buffer
      const r = parseServerMessage((d as Buffer).toString());
      if (r.ok) {
        this.messages.push(r.message);
        this.onMessage(r.message);
      } else this.invalid.push(r.error);
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  /** every parsed message as it arrives (a subclass can answer requests) */
  protected onMessage(m: ServerMessage): void {
    void m;
  }
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  /**
   * A bulk message (a demonstration, a wrist-camera frame) through POST /api/upload, as the
   * console sends what does not fit a WebSocket frame. Resolves with the server's answer.
   */
  async upload(m: unknown): Promise<{ status: number; body: { ok?: boolean; error?: string } }> {
    const res = await fetch(new URL('api/upload', this.base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        'x-shammie-client': this.you.replace(/^console:/, ''),
      },
      body: typeof m === 'string' ? m : JSON.stringify(m),
    });
    return { status: res.status, body: (await res.json()) as { ok?: boolean; error?: string } };
  }
  /** the server's answer to the first message (hello): this connection's source */
  get you(): string {
    const hello = this.messages.find((m) => m.type === 'hello');
    return hello?.type === 'hello' ? hello.you : '';
  }
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }
  /** the next message of a type (after `from`) matching pred */
  async next<T extends ServerMessage['type']>(
    type: T,
    pred: (m: Msg<T>) => boolean = () => true,
    timeout = 20_000,
    from = 0,
  ): Promise<Msg<T>> {
    const t0 = Date.now();
    for (;;) {
      const m = this.messages.slice(from).find((x) => x.type === type && pred(x as Msg<T>));
      if (m) return m as Msg<T>;
      if (Date.now() - t0 > timeout)
        throw new Error(`no ${type} message within ${timeout} ms; got ${this.messages.map((x) => x.type).join(', ')}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  mark(): number {
    return this.messages.length;
  }
  close(): void {
    this.ws.close();
  }
}

export interface TestServer<C extends TestClient = TestClient> {
  app: SimApp;
  server: SessionServer;
  dataDir: string;
  /** a connected client */
  c: C;
  close(): Promise<void>;
}

/** A taught behavior, kept in the app's library as a lesson leaves it: collect(object) = pickup(object). */
export function teachCollect(app: App): void {
  const def = {
    kind: 'behavior' as const,
    name: 'collect',
    description: 'Pick up an object (taught).',
    params: [{ name: 'object', type: 'entity' as const, description: 'An object in the scene.' }],
    body: [{ skill: 'pickup', args: { object: { param: 'object' } } }],
  };
  app.session.deps.library.addBehavior(def);
  app.registry.register(def);
}

/**
 * A sim app (fast pace unless given) and its session server on a free port with a temporary
 * data folder (or `dataDir`), the console not served, and a connected client.
 */
export async function openTestServer<C extends TestClient = TestClient>(
  opts: { app?: AppOptions; server?: Partial<SessionServerOptions>; dataDir?: string; client?: (url: string) => C } = {},
): Promise<TestServer<C>> {
  const app = (await createApp({ pace: 'fast', ...opts.app })) as SimApp; // tests run the sim
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'shammie-server-'));
  const server = await startSessionServer(app, { port: 0, host: '127.0.0.1', probes: [], dataDir, console: 'off', ...opts.server });
  const c = opts.client ? opts.client(server.consoleUrl) : (new TestClient(server.consoleUrl) as C);
  await c.open();
  return {
    app,
    server,
    dataDir,
    c,
    async close() {
      c.close();
      await server.close();
      await app.dispose();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
