/**
 * The console's WebSocket client: connects to the session server it was served from, parses
 * every frame with the shared zod schemas, applies it to the stores, and reconnects by itself
 * with backoff when the connection drops. Connection loss is data (a state plus a problem
 * with a tip), never an exception.
 */
import { clientMessageSchema, parseServerMessage, type ClientMessage } from '../../../server/protocol.js';
import { connectionStore, markConnected, markLost, markReconnecting } from '../stores/connection.js';
import { addLocalProblem } from '../stores/session.js';
import { applyServerMessage } from './dispatch.js';

const BACKOFF_MS = [200, 400, 800, 1500, 2500];
/** the server sends joint states at least every 250 ms; this much silence means the link is dead */
const SILENCE_MS = 3000;

export class ConsoleClient {
  readonly url: string;
  #ws: WebSocket | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #lastMessage = 0;
  #watchdog: ReturnType<typeof setInterval> | null = null;

  constructor(url: string) {
    this.url = url;
    connectionStore.setState({ url });
  }

  connect(): void {
    this.#closed = false;
    this.#open();
    this.#watchdog ??= setInterval(() => {
      const ws = this.#ws;
      if (ws && ws.readyState === WebSocket.OPEN && performance.now() - this.#lastMessage > SILENCE_MS)
        ws.close(4001, 'no data from the server for 3 s');
    }, 1000);
  }

  close(): void {
    this.#closed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
    if (this.#retry) clearTimeout(this.#retry);
    this.#ws?.close();
  }

  get connected(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** Validate and send; false (with a problem shown) when not connected. */
  send(msg: ClientMessage): boolean {
    const checked = clientMessageSchema.safeParse(msg);
    if (!checked.success) {
      addLocalProblem({
        id: 'client',
        severity: 'error',
        message: `Refused to send a malformed ${msg.type} request: ${checked.error.issues[0]?.message ?? ''}`,
      });
      return false;
    }
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN) {
      addLocalProblem({
        id: 'offline',
        severity: 'warn',
        message: `Not connected: "${msg.type}" was not sent.`,
        tip: 'Wait for the connection to come back (top bar), then try again.',
      });
      return false;
    }
    this.#ws.send(JSON.stringify(checked.data));
    return true;
  }

  /**
   * A bulk message (a demonstration, a wrist-camera frame) too big for a WebSocket frame: POSTed
   * to /api/upload, which the page's access cookie authorizes. Resolves with the server's error
   * (also shown as a problem), or null when it was taken.
   */
  async upload(msg: Extract<ClientMessage, { type: 'save_recording' | 'demonstrate' | 'studio_frame' }>): Promise<string | null> {
    const checked = clientMessageSchema.safeParse(msg);
    let error: string | null = null;
    if (!checked.success) error = `Refused to send a malformed ${msg.type} upload: ${checked.error.issues[0]?.message ?? ''}`;
    else {
      try {
        const res = await fetch(new URL('api/upload', window.location.href.replace(/[?#].*$/, '').replace(/[^/]*$/, '')), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'x-shammie-client': consoleId() },
          body: JSON.stringify(checked.data),
        });
        const body = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: string };
        if (!res.ok || body.ok === false) error = body.error ?? `the upload failed (HTTP ${res.status})`;
      } catch (err) {
        error = `the upload did not reach the server: ${String(err)}`;
      }
    }
    if (error) addLocalProblem({ id: 'upload', severity: 'error', message: error, tip: 'Check the connection (top bar) and try again.' });
    return error;
  }

  /**
   * Microphone audio, one binary frame of 16 kHz s16 PCM; false when not connected. A socket
   * backed up by more than ~8 s of audio drops frames rather than building a delay.
   */
  sendAudio(pcm: Int16Array): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > 256 * 1024) return false;
    ws.send(pcm);
    return true;
  }

  /** Drop the socket as if the network failed (tests and the reconnect check). */
  simulateDrop(): void {
    this.#ws?.close(4000, 'simulated drop');
  }

  #open(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.#scheduleRetry(String(err));
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      this.#lastMessage = performance.now();
      markConnected();
    };
    ws.onmessage = (ev) => {
      this.#lastMessage = performance.now();
      if (typeof ev.data !== 'string') return;
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) {
        addLocalProblem({
          id: 'protocol',
          severity: 'error',
          message: `The server sent a message this console does not understand: ${parsed.error}`,
          tip: 'The console and the server may be different versions: reload the page.',
        });
        return;
      }
      applyServerMessage(parsed.message);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      if (this.#closed) return;
      this.#scheduleRetry(ev.reason || `connection closed (code ${ev.code})`);
    };
    ws.onerror = () => {
      // onclose follows with the details.
    };
  }

  #scheduleRetry(reason: string): void {
    // The pill says "disconnected" at once (never the session state from before the loss).
    const attempts = markLost(reason);
    if (attempts >= 2) {
      addLocalProblem({
        id: 'connection',
        severity: 'error',
        message: `Lost the connection to the session server (${reason}). Retrying…`,
        tip: 'Check that `shammie start` is still running; it prints the Session server URL this page must match.',
      });
    }
    const delay = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length - 1)];
    this.#retry = setTimeout(() => {
      markReconnecting();
      this.#open();
    }, delay);
  }
}

/**
 * ws://host/ws next to the page the console was loaded from, with this tab's console id: the
 * server knows a reconnecting console as the same one (its pending plan is still its own).
 */
export function defaultSocketUrl(loc: Location = window.location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}${loc.pathname.replace(/[^/]*$/, '')}ws?client=${consoleId()}`;
}

/** A random id kept for the life of the tab (sessionStorage: a reload keeps it, a new tab gets its own). */
export function consoleId(): string {
  const KEY = 'shammie.consoleId';
  try {
    const have = sessionStorage.getItem(KEY);
    if (have && /^[A-Za-z0-9_-]{1,64}$/.test(have)) return have;
    const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem(KEY, id);
    return id;
  } catch {
    // No storage (a sandboxed frame): a fresh id per page load.
    return Math.random().toString(36).slice(2, 12);
  }
}

let instance: ConsoleClient | null = null;

export function getClient(): ConsoleClient {
  if (!instance) instance = new ConsoleClient(defaultSocketUrl());
  return instance;
}
