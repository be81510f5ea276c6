/**
 * A stand-in for the rclnodejs module, for tests on a machine without ROS 2: the calls
 * RclnodejsTransport makes (init, createNode, subscriptions, publishers, service clients,
 * ActionClient goal handles, graph queries), carried to the rosbridge test server over its
 * protocol, so the same fake robot answers. Like rclnodejs, numeric arrays arrive as
 * Float64Array and feedback as {goal_id, feedback}.
 *
 * It checks our use of the published API, not rclnodejs itself.
 */
import WebSocket from 'ws';
import type {
  RclActionClient,
  RclClient,
  RclClientGoalHandle,
  RclEntity,
  RclNode,
  RclnodejsModule,
  RclPublisher,
  RclQoS,
} from '../../../robot-bridge/ros/rclnodejs-api.js';

type Obj = Record<string, unknown>;

/** Numeric arrays -> Float64Array, recursively (rclnodejs's enableTypedArray default). */
function typed(v: unknown): unknown {
  if (Array.isArray(v)) return v.length && v.every((x) => typeof x === 'number') ? Float64Array.from(v) : v.map(typed);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typed(x)]));
  return v;
}

export interface FakeRclOptions {
  url: string;
  /** edit every message delivered on a topic (e.g. inject NaN) */
  mangle?: (topic: string, msg: Obj) => Obj;
}

export function fakeRclnodejs(o: FakeRclOptions): RclnodejsModule & { calls: string[] } {
  let ws: WebSocket | null = null;
  let seq = 0;
  const calls: string[] = [];
  const topicListeners = new Map<string, Set<(m: unknown) => void>>();
  const pending = new Map<string, (m: Obj) => void>();
  let graph = { topics: [] as { name: string; types: string[] }[], services: [] as string[], actions: [] as string[] };
  const send = (m: Obj) => ws?.send(JSON.stringify(m));
  const request = (m: Obj): Promise<Obj> =>
    new Promise((resolve) => {
      const id = `fake-rcl-${++seq}`;
      pending.set(id, resolve);
      send({ ...m, id });
    });
  const refreshGraph = async () => {
    const t = (await request({ op: 'call_service', service: '/rosapi/topics', args: {} })).values as { topics: string[]; types: string[] };
    const s = (await request({ op: 'call_service', service: '/rosapi/services', args: {} })).values as { services: string[] };
    const a = (await request({ op: 'call_service', service: '/rosapi/action_servers', args: {} })).values as { action_servers: string[] };
    graph = {
      topics: [
        ...t.topics.map((name, i) => ({ name, types: [t.types[i]] })),
        ...a.action_servers.map((x) => ({ name: `${x}/_action/feedback`, types: ['x'] })),
      ],
      services: s.services,
      actions: a.action_servers,
    };
  };

  class Handle implements RclClientGoalHandle {
    status = 1;
    #result: Promise<unknown>;
    constructor(
      readonly id: string,
      readonly action: string,
      result: Promise<Obj>,
    ) {
      this.#result = result.then((m) => {
        this.status = typeof m.status === 'number' ? m.status : 0;
        return m.values;
      });
    }
    isAccepted() {
      return true;
    }
    getResult() {
      calls.push('getResult');
      return this.#result;
    }
    cancelGoal() {
      calls.push('cancelGoal');
      send({ op: 'cancel_action_goal', id: this.id, action: this.action });
      return Promise.resolve({});
    }
  }

  class ActionClient implements RclActionClient {
    constructor(
      _node: RclNode,
      readonly type: string,
      readonly name: string,
    ) {
      calls.push(`ActionClient ${name}`);
    }
    isActionServerAvailable() {
      return graph.actions.includes(this.name);
    }
    waitForServer() {
      return Promise.resolve(this.isActionServerAvailable());
    }
    destroy() {}
    sendGoal(goal: unknown, feedback?: (f: unknown) => void): Promise<RclClientGoalHandle> {
      calls.push(`sendGoal ${this.name}`);
      const id = `fake-goal-${++seq}`;
      let resolveResult!: (m: Obj) => void;
      const result = new Promise<Obj>((r) => {
        resolveResult = r;
      });
      pending.set(id, (m) => {
        if (m.op === 'action_feedback') {
          feedback?.({ goal_id: { uuid: new Uint8Array(16) }, feedback: typed(m.values) });
          return;
        }
        resolveResult(m);
      });
      send({ op: 'send_action_goal', id, action: this.name, action_type: this.type, args: goal, feedback: true });
      return new Promise((resolve, reject) => {
        // A refusal comes back at once (result: false); otherwise the goal counts as accepted.
        const early = setTimeout(() => resolve(new Handle(id, this.name, result)), 30);
        void result.then((m) => {
          if (m.result === false) {
            clearTimeout(early);
            reject(new Error(String(m.values)));
          }
        });
      });
    }
  }

  class QoS implements RclQoS {
    durability = 2;
    static DurabilityPolicy = { RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1 };
  }

  const node = (name: string): RclNode => ({
    createSubscription(type, topic, options, callback): RclEntity {
      calls.push(`subscribe ${topic} ${type}${options.qos ? ' qos' : ''}`);
      let set = topicListeners.get(topic);
      if (!set) {
        set = new Set();
        topicListeners.set(topic, set);
        send({ op: 'subscribe', topic, type, id: `sub-${++seq}` });
      }
      set.add(callback);
      return { topic };
    },
    destroySubscription(s) {
      topicListeners.delete(s.topic!);
      send({ op: 'unsubscribe', topic: s.topic });
    },
    createPublisher(type, topic): RclPublisher {
      send({ op: 'advertise', topic, type });
      return { topic, publish: (m) => send({ op: 'publish', topic, msg: m }) };
    },
    createClient(type, service): RclClient {
      return {
        topic: service,
        waitForService: () => Promise.resolve(graph.services.includes(service)),
        sendRequest: (req, cb) => {
          void request({ op: 'call_service', service, type, args: req }).then((m) => {
            if (m.result) cb(typed(m.values));
          });
        },
      };
    },
    getTopicNamesAndTypes: () => graph.topics,
    getServiceNamesAndTypes: () => graph.services.map((s) => ({ name: s, types: [] })),
    getNodeNames: () => [name, 'controller_manager'],
    spin() {
      calls.push('spin');
    },
    destroy() {
      calls.push('destroy');
    },
  });

  return {
    calls,
    async init() {
      calls.push('init');
      ws = new WebSocket(o.url);
      await new Promise<void>((resolve, reject) => {
        ws!.once('open', () => resolve());
        ws!.once('error', reject);
      });
      ws.on('message', (data) => {
        // ws's default binaryType ('nodebuffer') delivers a text frame as one Buffer.
        const m = JSON.parse((data as Buffer).toString('utf8')) as Obj;
        if (m.op === 'publish') {
          const msg = o.mangle ? o.mangle(m.topic as string, m.msg as Obj) : (m.msg as Obj);
          for (const l of topicListeners.get(m.topic as string) ?? []) l(typed(msg));
        } else if (typeof m.id === 'string' && pending.has(m.id)) {
          const h = pending.get(m.id)!;
          if (m.op !== 'action_feedback') pending.delete(m.id);
          h(m);
        }
      });
      await refreshGraph();
    },
    createNode(name) {
      calls.push(`createNode ${name}`);
      return node(name);
    },
    shutdown() {
      ws?.close();
      ws = null;
    },
    ActionClient,
    QoS,
  };
}
