/**
 * RosTransport over a rosbridge v2 WebSocket, through roslib v2: Topic, Service, Action
 * (ROS 2 action ops) and, for ROS 1 labs, ActionClient/Goal (actionlib over topics).
 *
 * Why some things are done by hand around roslib:
 * - A fresh `Ros` per connection. roslib queues anything sent while disconnected and sends it
 *   on the next connection; for a robot that would replay a stale goal after a reconnect.
 *   With a new `Ros` each time, nothing from before a drop can ever be sent.
 * - Our own WebSocket transport (roslib-connection.ts), so that link state and connection
 *   errors come from the socket (with their error codes, for hints), a size limit applies to
 *   inbound frames, and a ping watchdog notices a silently dead network.
 * - Goals are followed by hand (roslib-goals.ts): ROS 2 results from the raw `action_result`
 *   op, with the status delivered with the result trusted.
 * - Every service call has a timeout: a ROS 1 rosbridge reports many errors only in its log.
 * - Our goals are kept by id until the server reports their end, across reconnects, so a stop
 *   cancels exactly them (never every goal on the server), and a cancel asked for while the
 *   link is down is the first thing sent when it is back.
 * - Whether an action server is up is asked of what only the server has: ROS 1, the nodes
 *   publishing its status (rosapi/publishers; our client only subscribes to it); ROS 2, an
 *   answer from its cancel service. Topic lists are no proof: our own client registers the
 *   action's topics (ROS 1), and rosbridge keeps its action client of a goal sent to a missing
 *   server (ROS 2), so the action stays listed.
 */
import { Service, Topic } from 'roslib';
import { isObject } from './messages.js';
import { openRos, startWatchdog, type Connection } from './roslib-connection.js';
import { actionClient, cancelGoals1, cancelGoals2, sendGoal1, sendGoal2 } from './roslib-goals.js';
import {
  TransportError,
  type Dialect,
  type GoalCallbacks,
  type GoalHandle,
  type RosGraph,
  type RosTransport,
  type SubscribeOptions,
  type Unsubscribe,
} from './transport.js';

interface Sub {
  topic: string;
  type: string;
  options: SubscribeOptions;
  listeners: Set<(msg: unknown) => void>;
  live?: Topic<unknown>;
}

export interface RoslibTransportOptions {
  url: string;
  dialect: Dialect;
}

/** A goal we sent whose end the server has not reported. */
interface OwnGoal {
  action: string;
  /** ms (Date.now()) when a cancel for it went out on an open link */
  cancelledAt?: number;
}

/** goals remembered at most (a stop cancels each by id; the oldest are forgotten first) */
const MAX_OWN_GOALS = 32;
/** ms: a cancelled goal whose end never came is forgotten after this (the cancel went out) */
const FORGET_CANCELLED_MS = 10_000;
/** ms: ROS 1 cancels are sent again after these delays (a first publish can be lost) */
const CANCEL_RESEND_MS = [300, 1000];
/** action servers verified one by one in graph() at most (each is one service call) */
const MAX_ACTIONS_CHECKED = 32;

/** A service call that got no answer in time (as opposed to an error answer). */
class NoAnswer extends Error {}

export class RoslibTransport implements RosTransport {
  readonly dialect: Dialect;
  readonly endpoint: string;
  #conn: Connection | null = null;
  #closed = false;
  readonly #subs = new Map<string, Sub>();
  readonly #advertised = new Map<string, string>();
  readonly #actionsToPrepare = new Map<string, string>();
  readonly #lost = new Set<(reason: string) => void>();
  /** our goals by id, oldest first, until the server reports their end */
  readonly #own = new Map<string, OwnGoal>();
  /** actions whose goals are to be cancelled first thing when the link is (re)opened */
  readonly #cancelOnOpen = new Set<string>();
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
    const { ros, transport } = await openRos(this.endpoint, timeoutMs);
    const socket = transport.socket;
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
      cancelTopics: new Map(),
      goalEnded: (id) => this.#own.delete(id),
      lastPong: Date.now(),
    };
    this.#conn = conn;
    // Before anything else on the new link: cancel what was asked for while it was down.
    for (const action of this.#cancelOnOpen) this.#sendCancels(conn, action);
    this.#cancelOnOpen.clear();
    startWatchdog(conn);
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
    if (this.dialect === 'ros1') for (const [action, type] of this.#actionsToPrepare) actionClient(conn, action, type);
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
    return this.#call(service, type, request, timeoutMs);
  }

  /** A service call; rejects with NoAnswer on timeout, an Error on an error answer. */
  #call(service: string, type: string, request: unknown, timeoutMs: number): Promise<unknown> {
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) return Promise.reject(new NoAnswer(`not connected to ${this.endpoint}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new NoAnswer(`${service} did not answer within ${timeoutMs} ms`)), timeoutMs);
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
    const isCurrent = () => this.#conn === conn;
    const handle =
      this.dialect === 'ros2'
        ? sendGoal2(conn, action, actionType, goal, cb, isCurrent)
        : sendGoal1(conn, action, actionType, goal, cb, isCurrent);
    this.#own.set(handle.id, { action });
    this.#forgetOld();
    return handle;
  }

  cancelOwnGoals(action: string): string[] {
    const ids = this.goalsInFlight(action);
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) {
      // Kept (not forgotten as cancelled) until a cancel really goes out on an open link.
      for (const id of ids) this.#own.get(id)!.cancelledAt = undefined;
      if (ids.length) this.#cancelOnOpen.add(action);
      return ids;
    }
    this.#sendCancels(conn, action);
    return ids;
  }

  goalsInFlight(action: string): string[] {
    this.#forgetOld();
    return [...this.#own].filter(([, g]) => g.action === action).map(([id]) => id);
  }

  /** Cancel our goals on `action` by id on `conn`; ROS 1 sends them again shortly after. */
  #sendCancels(conn: Connection, action: string): void {
    const ids = this.goalsInFlight(action);
    if (!ids.length) return;
    const now = Date.now();
    for (const id of ids) this.#own.get(id)!.cancelledAt = now;
    if (this.dialect === 'ros2') {
      cancelGoals2(conn, action, ids);
      return;
    }
    cancelGoals1(conn, action, ids);
    // The same ids again (never an empty GoalID: that would cancel a goal sent since).
    for (const ms of CANCEL_RESEND_MS) {
      setTimeout(() => {
        const now = this.#conn;
        if (now && now.transport.isOpen())
          cancelGoals1(
            now,
            action,
            ids.filter((id) => this.#own.has(id)),
          );
      }, ms).unref?.();
    }
  }

  /** Forget goals cancelled long ago whose end never came, and the oldest beyond the cap. */
  #forgetOld(): void {
    const now = Date.now();
    for (const [id, g] of this.#own) if (g.cancelledAt !== undefined && now - g.cancelledAt > FORGET_CANCELLED_MS) this.#own.delete(id);
    for (const id of this.#own.keys()) {
      if (this.#own.size <= MAX_OWN_GOALS) break;
      this.#own.delete(id);
    }
  }

  prepareAction(action: string, actionType: string): void {
    this.#actionsToPrepare.set(action, actionType);
    if (this.#conn && this.dialect === 'ros1') actionClient(this.#conn, action, actionType);
  }

  // --- introspection ---------------------------------------------------------------------------

  #rosapi(name: string, request: unknown, timeoutMs: number): Promise<unknown> {
    const type = this.dialect === 'ros2' ? `rosapi_msgs/srv/${cap(name)}` : `rosapi/${cap(name)}`;
    return this.callService(`/rosapi/${name}`, type, request, timeoutMs);
  }

  async graph(timeoutMs: number): Promise<RosGraph> {
    const [topics, services, actions, nodes] = await Promise.all([
      this.#rosapi('topics', {}, timeoutMs),
      this.#rosapi('services', {}, timeoutMs),
      this.#rosapi('action_servers', {}, timeoutMs).catch(() => ({ action_servers: [] })),
      this.#rosapi('nodes', {}, timeoutMs).catch(() => ({ nodes: [] })),
    ]);
    const names = strings(topics, 'topics');
    const types = strings(topics, 'types');
    // rosapi lists actions by topic names, whoever registered them: keep those whose server is up.
    const listed = strings(actions, 'action_servers');
    const checked = await Promise.all(
      listed.slice(0, MAX_ACTIONS_CHECKED).map((a) => this.#serverUp(a, timeoutMs).catch(() => true)), // unknown: keep it
    );
    return {
      topics: names.map((name, i) => ({ name, type: types[i] ?? '' })),
      services: strings(services, 'services'),
      actions: [...listed.slice(0, MAX_ACTIONS_CHECKED).filter((_, i) => checked[i]), ...listed.slice(MAX_ACTIONS_CHECKED)],
      nodes: strings(nodes, 'nodes'),
    };
  }

  async actionServerUp(action: string, _actionType: string, timeoutMs: number): Promise<boolean> {
    if (this.dialect === 'ros2') {
      // Not listed at all: no server (cheap). Listed: it may be rosbridge's own leftover client.
      const listed = strings(await this.#rosapi('action_servers', {}, timeoutMs), 'action_servers');
      if (!listed.includes(action)) return false;
    }
    return this.#serverUp(action, timeoutMs);
  }

  /** Whether the server of `action` answers for itself (rejects when that cannot be told). */
  async #serverUp(action: string, timeoutMs: number): Promise<boolean> {
    if (this.dialect === 'ros1') {
      // An actionlib server publishes its status list (at 5 Hz or more) from the moment it
      // starts; our client only subscribes to it, so rosbridge is never a publisher of it for us.
      const r = await this.#rosapi('publishers', { topic: `${action}/status` }, timeoutMs);
      return strings(r, 'publishers').length > 0;
    }
    // ROS 2 hides `/_action/...` topics from rosapi/publishers (Humble and later), but only the
    // server offers the cancel service. A cancel of a random goal id with a zero stamp cancels
    // nothing (action_msgs/srv/CancelGoal: that id only) and is answered by a live server.
    const uuid = Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
    try {
      await this.#call(
        `${action}/_action/cancel_goal`,
        'action_msgs/srv/CancelGoal',
        { goal_info: { goal_id: { uuid }, stamp: { sec: 0, nanosec: 0 } } },
        timeoutMs,
      );
      return true;
    } catch (err) {
      if (err instanceof NoAnswer) throw err;
      return false; // rosbridge: "Service … does not exist"
    }
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

/** the strings in `v[key]` (an array in a service response), ignoring anything else */
function strings(v: unknown, key: string): string[] {
  return isObject(v) && Array.isArray(v[key]) ? (v[key] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
}

const cap = (s: string) =>
  s
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
