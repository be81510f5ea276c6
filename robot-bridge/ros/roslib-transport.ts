/**
 * RosTransport over a rosbridge v2 WebSocket, through roslib v2: Topic, Service, Action
 * (ROS 2 action ops) and, for ROS 1 labs, ActionClient/Goal (actionlib over topics).
 *
 * Why some things are done by hand around roslib:
 * - A fresh `Ros` per connection. roslib queues anything sent while disconnected and sends it
 *   on the next connection; for a robot that would replay a stale goal after a reconnect.
 *   With a new `Ros` each time, nothing from before a drop can ever be sent.
 * - Our own WebSocket transport (roslib's AbstractTransport over `ws`), so that link state and
 *   connection errors come from the socket (with their error codes, for hints), a size limit
 *   applies to inbound frames, and a ping watchdog notices a silently dead network. Link
 *   events are not taken from `Ros`, which also emits events named after topics.
 * - ROS 2 goal results are read from the raw `action_result` op (roslib's callbacks reduce a
 *   non-success result to a string), and the status delivered with the result is trusted.
 * - Every service call has a timeout: a ROS 1 rosbridge reports many errors only in its log.
 */
import WebSocket from 'ws';
import { AbstractTransport, Action, ActionClient, Goal, Ros, Service, Topic, type RosbridgeMessage } from 'roslib';
import { isObject, GOAL_STATUS_1, ros1End, ros2End } from './messages.js';
import {
  TransportError,
  type Dialect,
  type GoalCallbacks,
  type GoalEnd,
  type GoalHandle,
  type LinkFailure,
  type RosGraph,
  type RosTransport,
  type SubscribeOptions,
  type Unsubscribe,
} from './transport.js';

/** Inbound frames larger than this close the link (a URDF is well under 1 MB). */
const MAX_FRAME_BYTES = 32 * 1024 * 1024;
const PING_MS = 2000;
/** no pong for this long: the network is gone even if the socket does not know it yet */
const PONG_DEADLINE_MS = 5000;
/** ROS 1: resend a goal not seen in any status after this long (first publishes can be lost) */
const ROS1_RESEND_MS = 700;

class WsSocketTransport extends AbstractTransport {
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

interface Sub {
  topic: string;
  type: string;
  options: SubscribeOptions;
  listeners: Set<(msg: unknown) => void>;
  live?: Topic<unknown>;
}

interface Connection {
  ros: Ros;
  transport: WsSocketTransport;
  actions: Map<string, Action<unknown, unknown, unknown>>;
  actionClients: Map<string, ActionClient<unknown, unknown, unknown>>;
  publishers: Map<string, Topic<unknown>>;
  /** ops sent by us that the server may answer with a `status` error, by id */
  statusWatch: Map<string, (text: string) => void>;
  ping?: ReturnType<typeof setInterval>;
  lastPong: number;
}

export interface RoslibTransportOptions {
  url: string;
  dialect: Dialect;
}

let nextGoal = 0;

/**
 * RFC 6455 masks client frames so browsers cannot poison HTTP caches between them and the
 * server; a Node client on the robot's network has no such intermediary. A zero key is still a
 * valid frame, and ws then skips the XOR pass over every byte (a 1,000-point goal is ~0.4 MB).
 */
const zeroMask = (mask: Buffer) => {
  mask.fill(0);
};

export class RoslibTransport implements RosTransport {
  readonly dialect: Dialect;
  readonly endpoint: string;
  #conn: Connection | null = null;
  #closed = false;
  readonly #subs = new Map<string, Sub>();
  readonly #advertised = new Map<string, string>();
  readonly #actionsToPrepare = new Map<string, string>();
  readonly #lost = new Set<(reason: string) => void>();
  readonly #server = new Set<(level: 'error' | 'warning' | 'info', text: string) => void>();

  constructor(options: RoslibTransportOptions) {
    this.endpoint = options.url;
    this.dialect = options.dialect;
  }

  get isOpen(): boolean {
    return !!this.#conn && this.#conn.transport.isOpen();
  }

  // --- link ------------------------------------------------------------------------------------

  async open(timeoutMs: number): Promise<void> {
    this.#closed = false;
    this.#drop();
    let url: URL;
    try {
      url = new URL(this.endpoint);
    } catch (err) {
      throw new TransportError(`"${this.endpoint}" is not a URL`, 'bad_url', { cause: err });
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new TransportError(`"${this.endpoint}" is not a WebSocket URL (it must start with ws:// or wss://)`, 'bad_url');
    }
    let transport!: WsSocketTransport;
    const ros = new Ros({
      transportFactory: async (u) => {
        transport = new WsSocketTransport(
          new WebSocket(u, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: timeoutMs, generateMask: zeroMask }),
        );
        return transport;
      },
    });
    ros.on('error', () => {
      /* reported through the socket's own events below */
    });
    await ros.connect(this.endpoint);
    const socket = transport.socket;
    await new Promise<void>((resolve, reject) => {
      let lastError: unknown;
      let settled = false;
      const timer = setTimeout(
        () => fail(new TransportError(`no answer from ${this.endpoint} within ${timeoutMs} ms`, 'timeout')),
        timeoutMs,
      );
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
        fail(classify(err, this.endpoint));
      });
      socket.once('close', () => fail(classify(lastError, this.endpoint)));
    });
    if (this.#closed) {
      socket.terminate();
      throw new TransportError('closed while connecting', 'other');
    }

    const conn: Connection = {
      ros,
      transport,
      actions: new Map(),
      actionClients: new Map(),
      publishers: new Map(),
      statusWatch: new Map(),
      lastPong: Date.now(),
    };
    this.#conn = conn;
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
    transport.on('close', () => {
      if (this.#conn !== conn) return;
      this.#drop();
      if (!this.#closed) this.#lost.forEach((l) => l(`the connection to ${this.endpoint} closed`));
    });
    transport.on('error', (e) => this.#report('warning', `undecodable message from rosbridge: ${(e as Error)?.message ?? String(e)}`));
    // Every decoded message passes here first: `status` ops (errors for our requests) are
    // matched to what we sent by id.
    transport.on('message', (m) => {
      if (m.op !== 'status') return;
      const s = m as { id?: unknown; level?: unknown; msg?: unknown };
      const text = typeof s.msg === 'string' ? s.msg.slice(0, 500) : '(no message)';
      const level = s.level === 'error' ? 'error' : s.level === 'warning' ? 'warning' : 'info';
      const watcher = typeof s.id === 'string' ? conn.statusWatch.get(s.id) : undefined;
      if (watcher && level === 'error') watcher(text);
      else this.#report(level, text);
    });
    for (const sub of this.#subs.values()) this.#subscribeLive(conn, sub);
    for (const [topic, type] of this.#advertised) this.#publisher(conn, topic, type);
    if (this.dialect === 'ros1') for (const [action, type] of this.#actionsToPrepare) this.#actionClient(conn, action, type);
  }

  close(): void {
    this.#closed = true;
    this.#drop();
  }

  #drop(): void {
    const conn = this.#conn;
    if (!conn) return;
    this.#conn = null;
    if (conn.ping) clearInterval(conn.ping);
    for (const sub of this.#subs.values()) sub.live = undefined;
    conn.statusWatch.clear();
    try {
      conn.ros.close();
    } catch {
      /* already closed */
    }
  }

  onLinkLost(listener: (reason: string) => void): Unsubscribe {
    this.#lost.add(listener);
    return () => this.#lost.delete(listener);
  }

  onServerMessage(listener: (level: 'error' | 'warning' | 'info', text: string) => void): Unsubscribe {
    this.#server.add(listener);
    return () => this.#server.delete(listener);
  }

  #report(level: 'error' | 'warning' | 'info', text: string): void {
    for (const l of this.#server) {
      try {
        l(level, text);
      } catch {
        /* a listener's problem */
      }
    }
  }

  // --- topics ----------------------------------------------------------------------------------

  subscribe(topic: string, type: string, listener: (msg: unknown) => void, options: SubscribeOptions = {}): Unsubscribe {
    const key = `${topic}\n${type}`;
    let sub = this.#subs.get(key);
    if (!sub) {
      sub = { topic, type, options, listeners: new Set() };
      this.#subs.set(key, sub);
      if (this.#conn) this.#subscribeLive(this.#conn, sub);
    }
    sub.listeners.add(listener);
    const s = sub;
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size) return;
      this.#subs.delete(key);
      s.live?.unsubscribe();
      s.live = undefined;
    };
  }

  #subscribeLive(conn: Connection, sub: Sub): void {
    const t = new Topic<unknown>({ ros: conn.ros, name: sub.topic, messageType: sub.type, reconnect_on_close: false });
    t.subscribe((msg) => {
      for (const l of sub.listeners) {
        try {
          l(msg);
        } catch (err) {
          this.#report('warning', `a ${sub.topic} listener failed: ${(err as Error)?.message}`);
        }
      }
    });
    if (t.subscribeId) conn.statusWatch.set(t.subscribeId, (text) => this.#report('error', `cannot subscribe to ${sub.topic}: ${text}`));
    sub.live = t;
  }

  advertise(topic: string, type: string): Unsubscribe {
    this.#advertised.set(topic, type);
    if (this.#conn) this.#publisher(this.#conn, topic, type);
    return () => {
      this.#advertised.delete(topic);
      this.#conn?.publishers.get(topic)?.unadvertise();
      this.#conn?.publishers.delete(topic);
    };
  }

  #publisher(conn: Connection, topic: string, type: string): Topic<unknown> {
    let t = conn.publishers.get(topic);
    if (!t) {
      t = new Topic<unknown>({ ros: conn.ros, name: topic, messageType: type, reconnect_on_close: false });
      t.advertise();
      conn.publishers.set(topic, t);
    }
    return t;
  }

  publish(topic: string, type: string, msg: unknown): boolean {
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) return false;
    this.#publisher(conn, topic, type).publish(msg);
    return true;
  }

  // --- services --------------------------------------------------------------------------------

  callService(service: string, type: string, request: unknown, timeoutMs: number): Promise<unknown> {
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) return Promise.reject(new Error(`not connected to ${this.endpoint}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${service} did not answer within ${timeoutMs} ms`)), timeoutMs);
      new Service<unknown, unknown>({ ros: conn.ros, name: service, serviceType: type }).callService(
        request,
        (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        (error) => {
          clearTimeout(timer);
          reject(new Error(`${service} failed: ${String(error).slice(0, 500)}`));
        },
      );
    });
  }

  // --- actions ---------------------------------------------------------------------------------

  sendGoal(action: string, actionType: string, goal: unknown, cb: GoalCallbacks): GoalHandle | null {
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) return null;
    return this.dialect === 'ros2'
      ? this.#sendGoal2(conn, action, actionType, goal, cb)
      : this.#sendGoal1(conn, action, actionType, goal, cb);
  }

  #sendGoal2(conn: Connection, action: string, actionType: string, goal: unknown, cb: GoalCallbacks): GoalHandle {
    let a = conn.actions.get(action);
    if (!a) {
      a = new Action<unknown, unknown, unknown>({ ros: conn.ros, name: action, actionType });
      conn.actions.set(action, a);
    }
    const noop = () => undefined;
    const id = a.sendGoal(goal, noop, undefined, noop) ?? `goal-${++nextGoal}`;
    let ended = false,
      accepted = false;
    const end = (e: GoalEnd) => {
      if (ended) return;
      ended = true;
      release();
      safe(() => cb.onEnd(e));
    };
    const onMessage = (m: unknown) => {
      if (ended || !isObject(m)) return;
      if (m.op === 'action_feedback') {
        if (!accepted) {
          accepted = true;
          safe(() => cb.onAccepted?.());
        }
        safe(() => cb.onFeedback?.(m.values));
      } else if (m.op === 'action_result') {
        const status = typeof m.status === 'number' ? m.status : -1;
        const word = m.result === true ? ros2End(status) : null;
        if (m.result !== true)
          end({ status: 'rejected', reason: typeof m.values === 'string' ? m.values.slice(0, 500) : 'the action server refused the goal' });
        else if (word) end({ status: word, values: m.values });
        else end({ status: 'aborted', values: m.values, text: `unexpected final status ${status}` });
      }
    };
    conn.ros.on(id, onMessage);
    conn.statusWatch.set(id, (text) => end({ status: 'rejected', reason: text }));
    const release = () => {
      ended = true;
      conn.ros.removeAllListeners(id);
      conn.statusWatch.delete(id);
    };
    return {
      id,
      cancel: () => {
        if (!ended && this.#conn === conn) a.cancelGoal(id);
      },
      release,
    };
  }

  #actionClient(conn: Connection, action: string, actionType: string): ActionClient<unknown, unknown, unknown> {
    let c = conn.actionClients.get(action);
    if (!c) {
      c = new ActionClient<unknown, unknown, unknown>({ ros: conn.ros, serverName: action, actionName: actionType });
      conn.actionClients.set(action, c);
    }
    return c;
  }

  #sendGoal1(conn: Connection, action: string, actionType: string, goal: unknown, cb: GoalCallbacks): GoalHandle {
    const client = this.#actionClient(conn, action, actionType);
    const g = new Goal<unknown, unknown, unknown>({ actionClient: client, goalMessage: goal });
    let ended = false,
      accepted = false;
    let resend: ReturnType<typeof setTimeout> | undefined;
    const release = () => {
      ended = true;
      if (resend) clearTimeout(resend);
      g.removeAllListeners();
      delete client.goals[g.goalID];
    };
    const end = (e: GoalEnd) => {
      if (ended) return;
      release();
      safe(() => cb.onEnd(e));
    };
    g.on('status', (s) => {
      if (ended || !isObject(s)) return;
      if (!accepted) {
        accepted = true;
        safe(() => cb.onAccepted?.());
      }
      // A REJECTED or RECALLED status ends the goal even if no result follows.
      const status = (s as { status?: unknown }).status;
      if (status === GOAL_STATUS_1.REJECTED) end({ status: 'rejected', reason: textOf(s) || 'the action server rejected the goal' });
    });
    g.on('feedback', (f) => {
      if (!ended) safe(() => cb.onFeedback?.(f));
    });
    g.on('result', (r) => {
      if (ended) return;
      // The status that came with the result (emitted just before it) is the one to trust.
      const s = g.status as unknown;
      const code = isObject(s) && typeof s.status === 'number' ? s.status : -1;
      const word = ros1End(code);
      if (word === 'rejected') end({ status: 'rejected', reason: textOf(s) || 'the action server rejected the goal' });
      else if (word) end({ status: word, values: r, text: textOf(s) });
      else end({ status: 'aborted', values: r, text: `unexpected final status ${code}` });
    });
    g.send();
    resend = setTimeout(() => {
      if (!accepted && !ended && this.#conn === conn) g.send();
    }, ROS1_RESEND_MS);
    resend.unref?.();
    return {
      id: g.goalID,
      cancel: () => {
        if (!ended && this.#conn === conn) g.cancel();
      },
      release,
    };
  }

  prepareAction(action: string, actionType: string): void {
    this.#actionsToPrepare.set(action, actionType);
    if (this.#conn && this.dialect === 'ros1') this.#actionClient(this.#conn, action, actionType);
  }

  cancelAllGoals(action: string, actionType: string): void {
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) return;
    if (this.dialect === 'ros1') {
      // An empty GoalID cancels every goal. It is sent again shortly after, in case this is
      // right after an advertise (a reconnect), when a ROS 1 rosbridge can drop publishes.
      const client = this.#actionClient(conn, action, actionType);
      client.cancel();
      for (const ms of [300, 1000]) {
        setTimeout(() => {
          if (this.#conn === conn) client.cancel();
        }, ms).unref?.();
      }
      return;
    }
    // action_msgs/srv/CancelGoal with a zero goal id and zero stamp cancels every goal.
    const request = { goal_info: { goal_id: { uuid: new Array(16).fill(0) }, stamp: { sec: 0, nanosec: 0 } } };
    this.callService(`${action}/_action/cancel_goal`, 'action_msgs/srv/CancelGoal', request, 3000).catch(() => undefined);
  }

  // --- introspection ---------------------------------------------------------------------------

  async graph(timeoutMs: number): Promise<RosGraph> {
    const ask = (name: string) =>
      this.callService(`/rosapi/${name}`, this.dialect === 'ros2' ? `rosapi_msgs/srv/${cap(name)}` : `rosapi/${cap(name)}`, {}, timeoutMs);
    const [topics, services, actions, nodes] = await Promise.all([
      ask('topics'),
      ask('services'),
      ask('action_servers').catch(() => ({ action_servers: [] })),
      ask('nodes').catch(() => ({ nodes: [] })),
    ]);
    const list = (v: unknown, key: string): string[] =>
      isObject(v) && Array.isArray(v[key]) ? (v[key] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    const names = list(topics, 'topics');
    const types = list(topics, 'types');
    return {
      topics: names.map((name, i) => ({ name, type: types[i] ?? '' })),
      services: list(services, 'services'),
      actions: list(actions, 'action_servers'),
      nodes: list(nodes, 'nodes'),
    };
  }

  async getParameter(node: string, name: string, timeoutMs: number): Promise<unknown> {
    if (this.dialect === 'ros1') {
      const r = await this.callService('/rosapi/get_param', 'rosapi/GetParam', { name, default: '' }, timeoutMs);
      const value = isObject(r) ? r.value : undefined;
      if (typeof value !== 'string' || value === '') throw new Error(`parameter ${name} is not set`);
      return JSON.parse(value) as unknown;
    }
    const service = `${node.startsWith('/') ? node : `/${node}`}/get_parameters`;
    const r = await this.callService(service, 'rcl_interfaces/srv/GetParameters', { names: [name] }, timeoutMs);
    const v = isObject(r) && Array.isArray(r.values) ? (r.values[0] as unknown) : undefined;
    if (!isObject(v) || v.type === 0) throw new Error(`parameter ${name} of ${node} is not set`);
    return v.string_value ?? v.double_value ?? v.integer_value ?? v.bool_value;
  }
}

function safe(f: () => void): void {
  try {
    f();
  } catch {
    /* a callback's failure must not break the link */
  }
}

function textOf(s: unknown): string {
  return isObject(s) && typeof s.text === 'string' ? s.text.slice(0, 300) : '';
}

const cap = (s: string) =>
  s
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

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
