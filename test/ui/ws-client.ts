/** A console protocol client for tests: parses every frame with the shared schemas. */
import { WebSocket } from 'ws';
import { parseServerMessage, type ServerMessage } from '../../launch/server/protocol.js';

export type Msg<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A protocol client that parses every frame with the shared schemas. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  readonly invalid: string[] = [];
  readonly ws: WebSocket;
  #waiters: (() => void)[] = [];
  constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + 'ws', { headers });
    this.ws.on('message', (d) => {
      const r = parseServerMessage(d.toString());
      if (r.ok) this.messages.push(r.message);
      else this.invalid.push(r.error);
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  open(): Promise<void> {
    return new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
  }
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }
  /** the next message of a type (after `from`) matching pred */
  async next<T extends ServerMessage['type']>(type: T, pred: (m: Msg<T>) => boolean = () => true, timeout = 20_000, from = 0): Promise<Msg<T>> {
    const t0 = Date.now();
    for (;;) {
      const m = this.messages.slice(from).find((x) => x.type === type && pred(x as Msg<T>));
      if (m) return m as Msg<T>;
      if (Date.now() - t0 > timeout) throw new Error(`no ${type} message within ${timeout} ms; got ${this.messages.map((x) => x.type).join(', ')}`);
      await new Promise<void>((r) => { this.#waiters.push(r); setTimeout(r, 50); });
    }
  }
  mark(): number {
    return this.messages.length;
  }
  close(): void {
    this.ws.close();
  }
}

