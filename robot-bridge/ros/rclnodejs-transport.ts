/**
 * RosTransport over native ROS 2 (DDS) through rclnodejs: the same behaviour as rosbridge with
 * no bridge process. rclnodejs is loaded only when this transport opens (dynamic import).
 *
 * DDS has no connection to lose: onLinkLost never fires; a robot that goes away shows up as
 * stale joint states and unanswered goals, which RosBackend reports.
 *
 * Our goals are kept (by handle) until their result, so a stop cancels exactly them, each by
 * its UUID. An action server counts as up only when a node other than ours publishes its
 * `/_action/status`: our own action client subscribes to the action's topics, so the topic
 * names alone are in the graph whether or not a server runs.
 */
import { isObject, ros2End } from './messages.js';
import {
  loadRclnodejs,
  RclnodejsUnavailableError,
  type RclActionClient,
  type RclClient,
  type RclClientGoalHandle,
  type RclEntity,
  type RclNode,
  type RclnodejsModule,
  type RclPublisher,
} from './rclnodejs-api.js';
import {
  TransportError,
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
  live?: RclEntity;
}

export interface RclnodejsTransportOptions {
  /** node name (default shammie_<pid>) */
  nodeName?: string;
  /** how to get the module (tests inject a fake; default: import('rclnodejs') with checks) */
  load?: () => Promise<RclnodejsModule>;
}

/** rclnodejs.init() may run once per process. */
const initialized = new WeakSet<RclnodejsModule>();
let nextGoal = 0;

/** A goal we sent, until its result. */
interface OwnGoal {
  action: string;
  handle: RclClientGoalHandle | null;
  /** cancel as soon as the handle is there */
  cancelWanted: boolean;
  /** the goal UUID in hex, once the server took it */
  uuid?: string;
}

/** goals remembered at most (the oldest are forgotten first) */
const MAX_OWN_GOALS = 32;

export class RclnodejsTransport implements RosTransport {
  readonly dialect = 'ros2' as const;
  readonly endpoint = 'ROS 2 (DDS, rclnodejs)';
  readonly #load: () => Promise<RclnodejsModule>;
  readonly #nodeName: string;
  #rcl: RclnodejsModule | null = null;
  #node: RclNode | null = null;
  readonly #subs = new Map<string, Sub>();
  readonly #publishers = new Map<string, RclPublisher>();
  readonly #advertised = new Map<string, string>();
  readonly #clients = new Map<string, RclClient>();
  readonly #actionClients = new Map<string, RclActionClient>();
  readonly #server = new Set<(level: 'error' | 'warning' | 'info', text: string) => void>();
  /** our goals by local id, oldest first, until their result */
  readonly #own = new Map<string, OwnGoal>();

  constructor(options: RclnodejsTransportOptions = {}) {
    this.#load = options.load ?? (() => loadRclnodejs());
    this.#nodeName = options.nodeName ?? `shammie_${process.pid}`;
  }

  get isOpen(): boolean {
    return this.#node !== null;
  }

  async open(timeoutMs: number): Promise<void> {
    if (this.#node) return;
    let rcl: RclnodejsModule;
    try {
      rcl = await this.#load();
    } catch (err) {
      if (err instanceof RclnodejsUnavailableError) throw new TransportError(err.message, 'no_ros', { cause: err });
      throw err;
    }
    try {
      if (!initialized.has(rcl)) {
        await withTimeout(rcl.init(), timeoutMs, 'rclnodejs.init()');
        initialized.add(rcl);
      }
      const node = rcl.createNode(this.#nodeName);
      if (typeof node.spin === 'function') node.spin();
      else rcl.spin?.(node);
      this.#rcl = rcl;
      this.#node = node;
    } catch (err) {
      throw new TransportError(`ROS 2 (rclnodejs) could not start a node: ${(err as Error).message}`, 'no_ros', { cause: err });
    }
    for (const sub of this.#subs.values()) this.#subscribeLive(sub);
    for (const [topic, type] of this.#advertised) this.#publisher(topic, type);
  }

  close(): void {
    const node = this.#node;
    this.#node = null;
    for (const sub of this.#subs.values()) sub.live = undefined;
    for (const c of this.#actionClients.values()) {
      try {
        c.destroy();
      } catch {
        /* gone */
      }
    }
    this.#actionClients.clear();
    this.#clients.clear();
    this.#publishers.clear();
    if (node) {
      try {
        node.destroy();
      } catch {
        /* already destroyed */
      }
    }
  }

  onLinkLost(): Unsubscribe {
    return () => {};
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
        /* listener */
      }
    }
  }

  subscribe(topic: string, type: string, listener: (msg: unknown) => void, options: SubscribeOptions = {}): Unsubscribe {
    const key = `${topic}\n${type}`;
    let sub = this.#subs.get(key);
    if (!sub) {
      sub = { topic, type, options, listeners: new Set() };
      this.#subs.set(key, sub);
      if (this.#node) this.#subscribeLive(sub);
    }
    sub.listeners.add(listener);
    const s = sub;
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size) return;
      this.#subs.delete(key);
      if (s.live && this.#node) {
        try {
          this.#node.destroySubscription(s.live);
        } catch {
          /* gone */
        }
      }
      s.live = undefined;
    };
  }

  #subscribeLive(sub: Sub): void {
    const node = this.#node!;
    const options: Record<string, unknown> = {};
    const QoS = this.#rcl?.QoS;
    const transientLocal = QoS?.DurabilityPolicy?.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL;
    if (sub.options.latched && QoS && transientLocal !== undefined) {
      const qos = new QoS();
      qos.durability = transientLocal;
      options.qos = qos;
    }
    try {
      sub.live = node.createSubscription(sub.type, sub.topic, options, (msg) => {
        for (const l of sub.listeners) {
          try {
            l(msg);
          } catch (err) {
            this.#report('warning', `a ${sub.topic} listener failed: ${(err as Error)?.message}`);
          }
        }
      });
    } catch (err) {
      this.#report('error', `cannot subscribe to ${sub.topic} (${sub.type}): ${(err as Error).message}`);
    }
  }

  advertise(topic: string, type: string): Unsubscribe {
    this.#advertised.set(topic, type);
    if (this.#node) this.#publisher(topic, type);
    return () => {
      this.#advertised.delete(topic);
      this.#publishers.delete(topic);
    };
  }

  #publisher(topic: string, type: string): RclPublisher {
    let p = this.#publishers.get(topic);
    if (!p) {
      p = this.#node!.createPublisher(type, topic);
      this.#publishers.set(topic, p);
    }
    return p;
  }

  publish(topic: string, type: string, msg: unknown): boolean {
    if (!this.#node) return false;
    try {
      this.#publisher(topic, type).publish(msg);
      return true;
    } catch (err) {
      this.#report('error', `cannot publish to ${topic}: ${(err as Error).message}`);
      return false;
    }
  }

  async callService(service: string, type: string, request: unknown, timeoutMs: number): Promise<unknown> {
    const node = this.#node;
    if (!node) throw new Error('ROS 2 (rclnodejs) is not started');
    let client = this.#clients.get(service);
    if (!client) {
      client = node.createClient(type, service);
      this.#clients.set(service, client);
    }
    const t0 = Date.now();
    if (!(await client.waitForService(timeoutMs))) throw new Error(`${service} is not available`);
    const c = client;
    return withTimeout(new Promise((resolve) => c.sendRequest(request, resolve)), Math.max(1, timeoutMs - (Date.now() - t0)), service);
  }

  #actionClient(action: string, type: string): RclActionClient {
    let c = this.#actionClients.get(action);
    if (!c) {
      c = new this.#rcl!.ActionClient(this.#node!, type, action);
      this.#actionClients.set(action, c);
    }
    return c;
  }

  sendGoal(action: string, actionType: string, goal: unknown, cb: GoalCallbacks): GoalHandle | null {
    if (!this.#node || !this.#rcl) return null;
    const id = `rcl-goal-${++nextGoal}`;
    let ended = false;
    const end = (e: Parameters<GoalCallbacks['onEnd']>[0]) => {
      if (ended) return;
      ended = true;
      try {
        cb.onEnd(e);
      } catch {
        /* callback */
      }
    };
    let client: RclActionClient;
    try {
      client = this.#actionClient(action, actionType);
    } catch (err) {
      queueMicrotask(() => end({ status: 'rejected', reason: `cannot create an action client for ${action}: ${(err as Error).message}` }));
      return {
        id,
        cancel: () => {},
        release: () => {
          ended = true;
        },
      };
    }
    const own: OwnGoal = { action, handle: null, cancelWanted: false };
    this.#own.set(id, own);
    for (const k of this.#own.keys()) {
      if (this.#own.size <= MAX_OWN_GOALS) break;
      this.#own.delete(k);
    }
    const cancel = () => {
      if (own.handle) void own.handle.cancelGoal().catch(() => undefined);
      else own.cancelWanted = true;
    };
    void (async () => {
      if (!client.isActionServerAvailable()) {
        this.#own.delete(id);
        end({ status: 'rejected', reason: `no action server at ${action}` });
        return;
      }
      let handle: RclClientGoalHandle;
      try {
        handle = await client.sendGoal(goal, (fb) => {
          if (ended) return;
          try {
            cb.onFeedback?.(isObject(fb) && 'feedback' in fb ? fb.feedback : fb);
          } catch {
            /* callback */
          }
        });
      } catch (err) {
        this.#own.delete(id);
        end({ status: 'rejected', reason: `sending the goal failed: ${(err as Error).message}` });
        return;
      }
      if (!handle.isAccepted()) {
        this.#own.delete(id);
        end({ status: 'rejected', reason: 'the action server rejected the goal' });
        return;
      }
      own.handle = handle;
      const uuid = handle.goalId?.uuid;
      if (uuid && uuid.length) own.uuid = Array.from(uuid, (b) => (b & 255).toString(16).padStart(2, '0')).join('');
      // Released before the server took it (the caller gave up on it), or a cancel was asked for.
      if (ended || own.cancelWanted) void handle.cancelGoal().catch(() => undefined);
      if (!ended) {
        try {
          cb.onAccepted?.();
        } catch {
          /* callback */
        }
      }
      let r: unknown;
      try {
        r = await handle.getResult();
      } catch (err) {
        this.#own.delete(id);
        end({ status: 'aborted', values: {}, text: `getting the result failed: ${(err as Error).message}` });
        return;
      }
      // Newer releases resolve with the result message; older ones with {status, result}.
      const wrapped = isObject(r) && typeof r.status === 'number' && 'result' in r;
      const status = wrapped ? (r as { status: number }).status : handle.status;
      const values = wrapped ? (r as { result: unknown }).result : r;
      const word = ros2End(status);
      // A final status we do not know is no proof the goal ended: it stays ours to cancel.
      if (word) this.#own.delete(id);
      end(word ? { status: word, values } : { status: 'aborted', values, text: `unexpected final status ${status}` });
    })();
    return {
      id,
      cancel: () => {
        if (!ended) cancel();
      },
      release: () => {
        ended = true;
      },
    };
  }

  cancelOwnGoals(action: string): string[] {
    const ids: string[] = [];
    for (const [id, own] of this.#own) {
      if (own.action !== action) continue;
      ids.push(own.uuid ?? id);
      if (own.handle) void own.handle.cancelGoal().catch(() => undefined);
      else own.cancelWanted = true;
    }
    return ids;
  }

  goalsInFlight(action: string): string[] {
    return [...this.#own].filter(([, g]) => g.action === action).map(([id, g]) => g.uuid ?? id);
  }

  prepareAction(action: string, actionType: string): void {
    if (this.#node && this.#rcl) {
      try {
        this.#actionClient(action, actionType);
      } catch {
        /* reported when a goal is sent */
      }
    }
  }

  graph(): Promise<RosGraph> {
    // rclnodejs reads the graph synchronously; the executor keeps a throw a rejection, as before.
    return new Promise((resolve) => {
      const node = this.#node;
      if (!node) throw new Error('ROS 2 (rclnodejs) is not started');
      const topics = node.getTopicNamesAndTypes().map((t) => ({ name: t.name, type: t.types[0] ?? '' }));
      const named = [
        ...new Set(topics.filter((t) => t.name.endsWith('/_action/status')).map((t) => t.name.replace(/\/_action\/status$/, ''))),
      ];
      resolve({
        topics: topics.filter((t) => !t.name.includes('/_action/')),
        services: node.getServiceNamesAndTypes().map((s) => s.name),
        actions: named.filter((a) => this.#serverUp(node, a) !== false),
        nodes: node.getNodeNames(),
      });
    });
  }

  actionServerUp(action: string): Promise<boolean> {
    return new Promise((resolve) => {
      const node = this.#node;
      if (!node) throw new Error('ROS 2 (rclnodejs) is not started');
      const up = this.#serverUp(node, action);
      if (up === null) throw new Error('this rclnodejs release cannot list the publishers of a topic');
      resolve(up);
    });
  }

  /** A node other than ours publishes the action's status (null: this rclnodejs cannot tell). */
  #serverUp(node: RclNode, action: string): boolean | null {
    const topic = `${action}/_action/status`;
    if (typeof node.getPublishersInfoByTopic === 'function') {
      return node.getPublishersInfoByTopic(topic, false).some((info) => !this.#isOurs(info));
    }
    // Our action client only subscribes to the status topic, so every publisher is someone else.
    if (typeof node.countPublishers === 'function') return node.countPublishers(topic) > 0;
    return null;
  }

  /** a topic endpoint of our own node (rcl's topic endpoint info: node_name, node_namespace) */
  #isOurs(info: unknown): boolean {
    if (!isObject(info)) return false;
    const name = info.node_name ?? info.nodeName;
    const ns = info.node_namespace ?? info.nodeNamespace ?? '/';
    return name === this.#nodeName && (ns === '/' || ns === '');
  }

  async getParameter(nodeName: string, name: string, timeoutMs: number): Promise<unknown> {
    const service = `${nodeName.startsWith('/') ? nodeName : `/${nodeName}`}/get_parameters`;
    const r = await this.callService(service, 'rcl_interfaces/srv/GetParameters', { names: [name] }, timeoutMs);
    const v = isObject(r) && Array.isArray(r.values) ? (r.values[0] as unknown) : undefined;
    if (!isObject(v) || v.type === 0) throw new Error(`parameter ${name} of ${nodeName} is not set`);
    return v.string_value ?? v.double_value ?? v.integer_value ?? v.bool_value;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}
