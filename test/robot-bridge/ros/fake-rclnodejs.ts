/**
 * A stand-in for the rclnodejs module, for tests on a machine without ROS 2: the calls
 * RclnodejsTransport makes (init, createNode, subscriptions, publishers, service clients,
 * ActionClient goal handles, graph queries), carried to the rosbridge test server over its
 * protocol, so the same fake robot answers. Like rclnodejs, numeric arrays arrive as
 * Float64Array and feedback as {goal_id, feedback}.
 *
 * The graph is the DDS graph as a node sees it: the robot's topics and action servers (read
 * from the test server object when given, else once through rosapi at init) plus this node's
 * own endpoints, including the `/_action/feedback` and `/_action/status` subscriptions of its
 * action clients (which is why a topic name alone does not prove that a server is there).
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
import type { FakeRosbridge } from './fake-rosbridge.js';

type Obj = Record<string, unknown>;

/** Numeric arrays -> Float64Array, recursively (rclnodejs's enableTypedArray default). */
function typed(v: unknown): unknown {
  if (Array.isArray(v)) return v.length && v.every((x) => typeof x === 'number') ? Float64Array.from(v) : v.map(typed);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typed(x)]));
  return v;
}

export interface FakeRclOptions {
  url: string;
  /** the test server itself: the graph is read from it at each query (else once, at init) */
  server?: FakeRosbridge;
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
  /** this node's own endpoints (topic -> type): they are in the graph too */
  const ownSubs = new Map<string, string>();
  const ownPubs = new Map<string, string>();
  const ownActionClients = new Set<string>();
  let nodeName = '';
  /** the robot's side of the graph, fresh when the server object was given */
  const robot = () => {
    const srv = o.server;
    if (!srv) return graph;
    const actions = srv.actionNames();
    return {
      topics: [
        ...[...srv.topicTypes].map(([name, type]) => ({ name, types: [type] })),
        ...actions.flatMap((x) => ['feedback', 'status'].map((t) => ({ name: `${x}/_action/${t}`, types: ['x'] }))),
      ],
      services: graph.services,
      actions,
    };
  };
  const publishersInfo = (topic: string) => [
    ...(o.server
      ? o.server.publishersOf(topic, false)
      : robot().actions.some((x) => topic.startsWith(`${x}/_action/`))
        ? ['/server']
        : []
    ).map((n) => ({ node_name: n.replace(/^\//, ''), node_namespace: '/', topic_type: '' })),
    ...(ownPubs.has(topic) ? [{ node_name: nodeName, node_namespace: '/', topic_type: ownPubs.get(topic)! }] : []),
  ];
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
        ...a.action_servers.flatMap((x) => ['feedback', 'status'].map((t) => ({ name: `${x}/_action/${t}`, types: ['x'] }))),
      ],
      services: s.services,
      actions: a.action_servers,
    };
  };

  class Handle implements RclClientGoalHandle {
    status = 1;
    /** unique_identifier_msgs/UUID, as rclnodejs gives it */
    readonly goalId = { uuid: Uint8Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)) };
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
      // Like rcl: an action client subscribes to the action's feedback and status topics.
      ownActionClients.add(name);
    }
    isActionServerAvailable() {
      return robot().actions.includes(this.name);
    }
    waitForServer() {
      return Promise.resolve(this.isActionServerAvailable());
    }
    destroy() {
      ownActionClients.delete(this.name);
    }
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
      ownSubs.set(topic, type);
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
      ownPubs.set(topic, type);
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
    getTopicNamesAndTypes: () => {
      const all = new Map(robot().topics.map((t) => [t.name, t.types]));
      for (const [t, type] of [...ownSubs, ...ownPubs]) if (!all.has(t)) all.set(t, [type]);
      for (const a of ownActionClients)
        for (const t of ['feedback', 'status']) if (!all.has(`${a}/_action/${t}`)) all.set(`${a}/_action/${t}`, ['x']);
      return [...all].map(([n, types]) => ({ name: n, types }));
    },
    getPublishersInfoByTopic: (topic) => publishersInfo(topic),
    countPublishers: (topic) => publishersInfo(topic).length,
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
      nodeName = name;
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
