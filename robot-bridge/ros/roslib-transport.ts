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
 */
import { Service, Topic } from 'roslib';
import { isObject } from './messages.js';
import { openRos, startWatchdog, type Connection } from './roslib-connection.js';
import { actionClient, sendGoal1, sendGoal2 } from './roslib-goals.js';
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
      lastPong: Date.now(),
    };
    this.#conn = conn;
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
    const isCurrent = () => this.#conn === conn;
    return this.dialect === 'ros2'
      ? sendGoal2(conn, action, actionType, goal, cb, isCurrent)
      : sendGoal1(conn, action, actionType, goal, cb, isCurrent);
  }

  prepareAction(action: string, actionType: string): void {
    this.#actionsToPrepare.set(action, actionType);
    if (this.#conn && this.dialect === 'ros1') actionClient(this.#conn, action, actionType);
  }

  cancelAllGoals(action: string, actionType: string): void {
    const conn = this.#conn;
    if (!conn || !conn.transport.isOpen()) return;
    if (this.dialect === 'ros1') {
      // An empty GoalID cancels every goal. It is sent again shortly after, in case this is
      // right after an advertise (a reconnect), when a ROS 1 rosbridge can drop publishes.
      const client = actionClient(conn, action, actionType);
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

const cap = (s: string) =>
  s
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
