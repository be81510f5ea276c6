/**
 * One rosbridge WebSocket connection of RoslibTransport: our own socket transport under a fresh
 * roslib `Ros` (roslib's AbstractTransport over `ws`), opened with a timeout, watched with
 * pings, and socket errors put in words with the kind that picks the hint.
 *
 * Link state and connection errors come from the socket (with their error codes), not from
 * `Ros`, which also emits events named after topics.
 */
import WebSocket from 'ws';
import { AbstractTransport, Ros, type Action, type ActionClient, type RosbridgeMessage, type Topic } from 'roslib';
import { TransportError, type LinkFailure } from './transport.js';

/** Inbound frames larger than this close the link (a URDF is well under 1 MB). */
const MAX_FRAME_BYTES = 32 * 1024 * 1024;
const PING_MS = 2000;
/** no pong for this long: the network is gone even if the socket does not know it yet */
const PONG_DEADLINE_MS = 5000;

export class WsSocketTransport extends AbstractTransport {
  constructor(readonly socket: WebSocket) {
    super();
    socket.onopen = (e) => {
      this.emit('open', e);
    };
    socket.onclose = (e) => {
      this.emit('close', e);
    };
    socket.onerror = (e) => {
      this.emit('error', e);
    };
    socket.onmessage = (e) => {
      this.handleRawMessage(e.data);
    };
  }
  send(message: RosbridgeMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
  close(): void {
    this.socket.close();
  }
  isConnecting(): boolean {
    return this.socket.readyState === WebSocket.CONNECTING;
  }
  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
  isClosing(): boolean {
    return this.socket.readyState === WebSocket.CLOSING;
  }
  isClosed(): boolean {
    return this.socket.readyState === WebSocket.CLOSED;
  }
}

/** An open link and what was set up on it; nothing of it outlives the link. */
export interface Connection {
  ros: Ros;
  transport: WsSocketTransport;
  actions: Map<string, Action<unknown, unknown, unknown>>;
  actionClients: Map<string, ActionClient<unknown, unknown, unknown>>;
  publishers: Map<string, Topic<unknown>>;
  /** ops sent by us that the server may answer with a `status` error, by id */
  statusWatch: Map<string, (text: string) => void>;
  /** ROS 1: each action's latched cancel topic (advertised before anything else of the action) */
  cancelTopics: Map<string, Topic<unknown>>;
  /** the server reported the end of goal `id` (a result, or a final status): it is no longer ours to cancel */
  goalEnded: (id: string) => void;
  ping?: ReturnType<typeof setInterval>;
  lastPong: number;
}

/**
 * RFC 6455 masks client frames so browsers cannot poison HTTP caches between them and the
 * server; a Node client on the robot's network has no such intermediary. A zero key is still a
 * valid frame, and ws then skips the XOR pass over every byte (a 1,000-point goal is ~0.4 MB).
 */
const zeroMask = (mask: Buffer) => {
  mask.fill(0);
};

/**
 * Open a WebSocket to `endpoint` under a new `Ros`. Rejects with a TransportError (its kind
 * picks the hint) when the URL is not a WebSocket URL, the socket fails, or nothing answers
 * within `timeoutMs`.
 */
export async function openRos(endpoint: string, timeoutMs: number): Promise<{ ros: Ros; transport: WsSocketTransport }> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (err) {
    throw new TransportError(`"${endpoint}" is not a URL`, 'bad_url', { cause: err });
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TransportError(`"${endpoint}" is not a WebSocket URL (it must start with ws:// or wss://)`, 'bad_url');
  }
  let transport!: WsSocketTransport;
  const ros = new Ros({
    // roslib awaits the factory inside connect(), so a throw here still rejects connect().
    transportFactory: (u) => {
      transport = new WsSocketTransport(
        new WebSocket(u, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: timeoutMs, generateMask: zeroMask }),
      );
      return Promise.resolve(transport);
    },
  });
  ros.on('error', () => {
    /* reported through the socket's own events below */
  });
  await ros.connect(endpoint);
  const socket = transport.socket;
  await new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    let settled = false;
    const timer = setTimeout(() => fail(new TransportError(`no answer from ${endpoint} within ${timeoutMs} ms`, 'timeout')), timeoutMs);
    const fail = (err: TransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.terminate();
      } catch {
        /* already gone */
      }
      reject(err);
    };
    socket.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      lastError = err;
      fail(classify(err, endpoint));
    });
    socket.once('close', () => fail(classify(lastError, endpoint)));
  });
  return { ros, transport };
}

/** Ping the server every 2 s; when no pong came for 5 s, close the socket (the link is lost). */
export function startWatchdog(conn: Connection): void {
  const socket = conn.transport.socket;
  socket.on('pong', () => {
    conn.lastPong = Date.now();
  });
  conn.ping = setInterval(() => {
    if (Date.now() - conn.lastPong > PONG_DEADLINE_MS) {
      socket.terminate();
      return;
    }
    try {
      socket.ping();
    } catch {
      /* closing */
    }
  }, PING_MS);
  conn.ping.unref?.();
}

/** A socket error -> what went wrong, in words, with the kind that picks the hint. */
function classify(err: unknown, url: string): TransportError {
  const e = err as { code?: string; message?: string; error?: { code?: string; message?: string } } | undefined;
  const code = e?.code ?? e?.error?.code;
  const message = e?.message ?? e?.error?.message ?? 'the connection closed';
  const kind: LinkFailure =
    code === 'ECONNREFUSED'
      ? 'refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'unknown_host'
        : code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
          ? 'timeout'
          : /Unexpected server response|Invalid WebSocket frame|invalid status/i.test(message)
            ? 'not_rosbridge'
            : 'other';
  return new TransportError(`cannot connect to ${url}: ${message}`, kind, { cause: err });
}
