/**
 * A rosbridge v2 protocol server for tests, on 127.0.0.1 (port 0 by default): the JSON ops a
 * rosbridge_server speaks (advertise, unadvertise, publish, subscribe, unsubscribe,
 * call_service, service_response, status, and the ROS 2 action ops send_action_goal,
 * cancel_action_goal, action_feedback, action_result), a small ROS graph behind them (topics,
 * services, ROS 2 actions; ROS 1 actionlib is plain topics), rosapi introspection services, and
 * knobs for the ways a real one misbehaves: late subscriptions, dropped first publishes,
 * silent errors (ROS 1), dropped connections, restarts, and injected hostile frames.
 *
 * Modelled on rosbridge_suite as it behaves, not as one might wish:
 * - ROS 2 goals live in the server process, not in a connection: a client that goes away does
 *   not cancel its goals (the controller finishes them), and `cancel_action_goal` with a goal's
 *   id cancels it from any connection (rosbridge keeps its goal handlers in one process-wide map).
 * - A `send_action_goal` to an action nobody serves leaves rosbridge's own action client behind,
 *   so the action's topics stay in the graph and rosapi/action_servers lists the action.
 * - rosapi/publishers names the nodes publishing a topic (rosbridge's node for a topic a client
 *   advertised); on ROS 2 it leaves out hidden topics (`/_action/...`), as Humble and later do.
 * - `advertise` with `latch: true`: a publish lost right after the advertise still reaches the
 *   subscribers when they connect (the last one), like a latched rospy publisher.
 *
 * What the "robot" does is not in here: see fake-robot.ts, which puts a RobotBackend behind it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type Dialect = 'ros1' | 'ros2';
type Obj = Record<string, unknown>;

/** the node name rosbridge_server runs as (its default launch files) */
export const ROSBRIDGE_NODE = '/rosbridge_websocket';

export interface ActionServer {
  type: string;
  /** a new goal; call `feedback` any number of times, then `result` once */
  onGoal(goal: GoalContext): void;
  onCancel(goalId: string): void;
}

export interface GoalContext {
  id: string;
  args: unknown;
  feedback(values: unknown): void;
  /** status: ROS 2 action_msgs/GoalStatus number (4 succeeded, 5 canceled, 6 aborted) */
  result(status: number, values: unknown): void;
  /** refuse (rosbridge answers result: false) */
  reject(reason: string): void;
}

/** Answers a service call with its values, or a promise of them. */
export type ServiceHandler = (args: Obj) => unknown;

interface ClientState {
  ws: WebSocket;
  /** 1, 2, …: which connection this is, in order of arrival */
  conn: number;
  /** topic -> subscribe id */
  subs: Map<string, { id?: string; liveAt: number }>;
  /** topic -> advertise time (ms), whether it was latched, and a token for its last lost publish */
  advertised: Map<string, { since: number; latch: boolean; latest?: object }>;
}

/** One received op and where it came from. */
export interface ReceivedFrame {
  /** the connection (1, 2, … in order of arrival) */
  conn: number;
  /** ms (Date.now()) */
  at: number;
  msg: Record<string, unknown>;
}

export interface FakeRosbridgeOptions {
  dialect: Dialect;
  port?: number;
  /** a subscription only receives messages published this long after it (ms); models setup delay */
  subscribeDelayMs?: number;
  /** a client's publishes within this long after its advertise are dropped (ms) */
  advertiseDropMs?: number;
  /** unknown services/actions: 'fail' answers with an error (ROS 2 rosbridge); 'silent' says nothing (ROS 1 rosbridge) */
  unknown?: 'fail' | 'silent';
  /** false: no rosapi services (a rosbridge started without rosapi) */
  rosapi?: boolean;
}

export class FakeRosbridge {
  readonly dialect: Dialect;
  readonly options: FakeRosbridgeOptions;
  /** every op received, in order (parsed), for assertions */
  readonly received: Obj[] = [];
  /** the same ops with the connection they came on and when */
  readonly frames: ReceivedFrame[] = [];
  /** connections accepted so far */
  connections = 0;
  /** frames that were not JSON */
  undecodable = 0;
  readonly topicTypes = new Map<string, string>();
  readonly #latched = new Map<string, unknown>();
  readonly #services = new Map<string, { type: string; handler: ServiceHandler }>();
  readonly #actions = new Map<string, ActionServer>();
  /** server-side listeners of topics clients publish on */
  readonly #topicHandlers = new Map<string, ((msg: unknown) => void)[]>();
  readonly #clients = new Set<ClientState>();
  /** ROS 2 goals in progress, server-wide (rosbridge goal id -> action and the client that sent it) */
  readonly #goals = new Map<string, { action: string; client: ClientState }>();
  /** actions a goal was sent to while nobody served them: rosbridge's action client stays behind */
  readonly #leftoverClients = new Set<string>();
  /** topic -> nodes on the robot that publish it (besides rosbridge for what clients advertise) */
  readonly #publishers = new Map<string, Set<string>>();
  #http: Server | null = null;
  #wss: WebSocketServer | null = null;
  port = 0;

  constructor(options: FakeRosbridgeOptions) {
    this.dialect = options.dialect;
    this.options = options;
    if (options.rosapi !== false) this.#rosapi();
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  async start(port = this.options.port ?? 0): Promise<this> {
    const http = createServer((_req, res) => {
      res.writeHead(404);
      res.end('not a rosbridge');
    });
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws) => this.#onConnection(ws));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => resolve());
    });
    this.#http = http;
    this.#wss = wss;
    this.port = (http.address() as AddressInfo).port;
    return this;
  }

  /** Close the server and every connection (abruptly). */
  async stop(): Promise<void> {
    this.dropClients();
    const wss = this.#wss,
      http = this.#http;
    this.#wss = null;
    this.#http = null;
    if (wss) await new Promise<void>((r) => wss.close(() => r()));
    if (http)
      await new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections?.();
      });
  }

  /** Kill every client connection; the server keeps listening. */
  dropClients(): void {
    for (const c of this.#clients) c.ws.terminate();
    this.#clients.clear();
  }

  // --- the ROS graph -----------------------------------------------------------------------------

  /** A topic of the robot; `publisher` names the node that publishes it (for rosapi/publishers). */
  declareTopic(topic: string, type: string, publisher?: string): void {
    this.topicTypes.set(topic, type);
    if (publisher) this.declarePublisher(topic, publisher);
  }

  /** `node` publishes `topic` (hidden topics such as ROS 2 `/_action/status` are not listed as topics). */
  declarePublisher(topic: string, node: string): void {
    const set = this.#publishers.get(topic) ?? new Set<string>();
    set.add(node);
    this.#publishers.set(topic, set);
  }

  /** Nodes that publish `topic`: the robot's, and (`bridge`) rosbridge's when a client advertised it. */
  publishersOf(topic: string, bridge = true): string[] {
    const out = [...(this.#publishers.get(topic) ?? [])];
    if (!bridge) return out;
    for (const c of this.#clients) {
      if (c.advertised.has(topic)) {
        out.push(ROSBRIDGE_NODE);
        break;
      }
    }
    return out;
  }

  /** received ops of one connection (1 = the first) */
  opsOn(conn: number): Obj[] {
    return this.frames.filter((f) => f.conn === conn).map((f) => f.msg);
  }

  /** Publish to every subscriber (latched: also to later subscribers). */
  publish(topic: string, msg: unknown, options: { latched?: boolean } = {}): number {
    if (options.latched) this.#latched.set(topic, msg);
    const now = Date.now();
    let text: string | null = null;
    let n = 0;
    for (const c of this.#clients) {
      const s = c.subs.get(topic);
      if (!s || now < s.liveAt) continue;
      text ??= JSON.stringify({ op: 'publish', topic, msg });
      c.ws.send(text);
      n++;
    }
    return n;
  }

  /** How many clients subscribe to a topic (live or not yet). */
  subscribers(topic: string): number {
    let n = 0;
    for (const c of this.#clients) if (c.subs.has(topic)) n++;
    return n;
  }

  onTopic(topic: string, handler: (msg: unknown) => void): void {
    const list = this.#topicHandlers.get(topic) ?? [];
    list.push(handler);
    this.#topicHandlers.set(topic, list);
  }

  advertiseService(name: string, type: string, handler: ServiceHandler): void {
    this.#services.set(name, { type, handler });
  }

  removeService(name: string): void {
    this.#services.delete(name);
  }

  advertiseAction(name: string, server: ActionServer): void {
    this.#actions.set(name, server);
  }

  removeAction(name: string): void {
    this.#actions.delete(name);
    for (const t of ['status', 'feedback']) this.#publishers.delete(`${name}/_action/${t}`);
  }

  /** ROS 2 action servers up now (the DDS graph's truth, for the stand-in rclnodejs) */
  actionNames(): string[] {
    return [...this.#actions.keys()];
  }

  /** Send a raw frame (string or object) to every client: hostile-input tests. */
  inject(frame: unknown): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    for (const c of this.#clients) c.ws.send(text);
  }

  /** received ops of one kind */
  ops(op: string): Obj[] {
    return this.received.filter((m) => m.op === op);
  }

  // --- protocol ----------------------------------------------------------------------------------

  #onConnection(ws: WebSocket): void {
    const c: ClientState = { ws, conn: ++this.connections, subs: new Map(), advertised: new Map() };
    this.#clients.add(c);
    ws.on('close', () => {
      // Its goals go on (rosbridge does not cancel them); their results go nowhere.
      this.#clients.delete(c);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.undecodable++;
        return;
      }
      let m: unknown;
      try {
        // ws's default binaryType ('nodebuffer') delivers a text frame as one Buffer.
        m = JSON.parse((data as Buffer).toString('utf8'));
      } catch {
        this.undecodable++;
        this.#status(c, 'error', 'Unable to parse message');
        return;
      }
      if (typeof m !== 'object' || m === null || typeof (m as Obj).op !== 'string') {
        this.#status(c, 'error', 'Received a message without an op');
        return;
      }
      const msg = m as Obj & { op: string };
      this.received.push(msg);
      this.frames.push({ conn: c.conn, at: Date.now(), msg });
      try {
        this.#handle(c, msg);
      } catch (err) {
        this.#status(c, 'error', `${msg.op}: ${(err as Error).message}`, msg.id as string | undefined);
      }
    });
  }

  #send(c: ClientState, msg: Obj): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
  }

  #status(c: ClientState, level: string, msg: string, id?: string): void {
    this.#send(c, { op: 'status', level, msg, ...(id ? { id } : {}) });
  }

  #handle(c: ClientState, m: Obj): void {
    const str = (k: string) => {
      const v = m[k];
      if (typeof v !== 'string') throw new Error(`expected a string for "${k}"`);
      return v;
    };
    switch (m.op) {
      case 'subscribe': {
        const topic = str('topic');
        const known = this.topicTypes.get(topic);
        if (known && typeof m.type === 'string' && m.type && m.type !== known) {
          this.#status(c, 'error', `Cannot subscribe to ${topic}: it has type ${known}, not ${m.type}`, m.id as string | undefined);
          return;
        }
        if (!known && typeof m.type === 'string') this.topicTypes.set(topic, m.type);
        c.subs.set(topic, { id: m.id as string | undefined, liveAt: Date.now() + (this.options.subscribeDelayMs ?? 0) });
        const latched = this.#latched.get(topic);
        if (latched !== undefined) {
          const delay = this.options.subscribeDelayMs ?? 0;
          setTimeout(() => {
            if (c.subs.has(topic)) this.#send(c, { op: 'publish', topic, msg: latched });
          }, delay);
        }
        return;
      }
      case 'unsubscribe':
        c.subs.delete(str('topic'));
        return;
      case 'advertise': {
        const topic = str('topic');
        const type = str('type');
        if (!this.topicTypes.has(topic)) this.topicTypes.set(topic, type);
        // A second advertise of the same topic reuses the first publisher (and its latch).
        if (!c.advertised.has(topic)) c.advertised.set(topic, { since: Date.now(), latch: m.latch === true });
        return;
      }
      case 'unadvertise':
        c.advertised.delete(str('topic'));
        return;
      case 'publish': {
        const topic = str('topic');
        const adv = c.advertised.get(topic);
        if (adv === undefined) {
          // rosbridge advertises implicitly only when the type is known; we require an advertise.
          this.#status(c, 'error', `publish to ${topic} without advertise`, m.id as string | undefined);
          return;
        }
        const left = adv.since + (this.options.advertiseDropMs ?? 0) - Date.now();
        if (left > 0) {
          // Lost, like a real one; a latched publisher hands its last message over once the
          // subscribers are connected (when the drop window ends).
          if (adv.latch) {
            const last = m.msg;
            const mine = (adv.latest = {});
            setTimeout(() => {
              if (adv.latest === mine) this.#deliver(c, topic, last);
            }, left);
          }
          return;
        }
        this.#deliver(c, topic, m.msg);
        return;
      }
      case 'call_service':
        void this.#callService(c, m);
        return;
      case 'send_action_goal':
        this.#sendActionGoal(c, m);
        return;
      case 'cancel_action_goal': {
        // Found by id whichever connection sent the goal (one process-wide map in rosbridge).
        const id = str('id');
        const goal = this.#goals.get(id);
        if (goal) this.#actions.get(goal.action)?.onCancel(id);
        return;
      }
      case 'set_level':
      case 'status':
      case 'auth':
        return;
      default:
        this.#status(c, 'error', `Unknown operation ${String(m.op)}`, m.id as string | undefined);
    }
  }

  /** A client's publish reaching the robot's listeners and the other clients. */
  #deliver(from: ClientState, topic: string, msg: unknown): void {
    for (const h of this.#topicHandlers.get(topic) ?? []) h(msg);
    for (const other of this.#clients) {
      if (other !== from && other.subs.has(topic)) this.#send(other, { op: 'publish', topic, msg });
    }
  }

  async #callService(c: ClientState, m: Obj): Promise<void> {
    const service = typeof m.service === 'string' ? m.service : '';
    const id = m.id as string | undefined;
    const s = this.#services.get(service);
    if (!s) {
      if ((this.options.unknown ?? (this.dialect === 'ros1' ? 'silent' : 'fail')) === 'silent') return;
      this.#send(c, { op: 'service_response', service, id, result: false, values: `Service ${service} does not exist` });
      return;
    }
    try {
      const values = await s.handler((typeof m.args === 'object' && m.args !== null ? m.args : {}) as Obj);
      this.#send(c, { op: 'service_response', service, id, result: true, values });
    } catch (err) {
      this.#send(c, { op: 'service_response', service, id, result: false, values: (err as Error).message });
    }
  }

  #sendActionGoal(c: ClientState, m: Obj): void {
    const action = typeof m.action === 'string' ? m.action : '';
    const id = typeof m.id === 'string' ? m.id : '';
    const server = this.#actions.get(action);
    if (!server || (typeof m.action_type === 'string' && m.action_type !== server.type)) {
      if (!server) this.#leftoverClients.add(action);
      if ((this.options.unknown ?? 'fail') === 'silent') return;
      const why = server
        ? `action ${action} has type ${server.type}, not ${String(m.action_type)}`
        : `Action server ${action} is not available`;
      this.#send(c, { op: 'action_result', action, id, result: false, status: 0, values: why });
      return;
    }
    this.#goals.set(id, { action, client: c });
    let done = false;
    server.onGoal({
      id,
      args: m.args,
      feedback: (values) => {
        if (!done) this.#send(c, { op: 'action_feedback', action, id, values });
      },
      result: (status, values) => {
        if (done) return;
        done = true;
        this.#goals.delete(id);
        this.#send(c, { op: 'action_result', action, id, status, values, result: true });
      },
      reject: (reason) => {
        if (done) return;
        done = true;
        this.#goals.delete(id);
        this.#send(c, { op: 'action_result', action, id, status: 0, values: reason, result: false });
      },
    });
  }

  // --- rosapi -------------------------------------------------------------------------------------

  #rosapi(): void {
    const pkg = this.dialect === 'ros2' ? 'rosapi_msgs/srv/' : 'rosapi/';
    this.advertiseService('/rosapi/topics', `${pkg}Topics`, () => {
      const topics = [...this.topicTypes.keys()];
      return { topics, types: topics.map((t) => this.topicTypes.get(t)!) };
    });
    this.advertiseService('/rosapi/services', `${pkg}Services`, () => ({ services: [...this.#services.keys()] }));
    // Both rosapi versions go by topic names, whoever publishes or subscribes them.
    this.advertiseService('/rosapi/action_servers', `${pkg}GetActionServers`, () => ({
      action_servers:
        this.dialect === 'ros2'
          ? [...new Set([...this.#actions.keys(), ...this.#leftoverClients])]
          : [...this.topicTypes.keys()]
              .filter((t) => t.endsWith('/status') && this.topicTypes.has(t.replace(/status$/, 'goal')))
              .map((t) => t.replace(/\/status$/, '')),
    }));
    this.advertiseService('/rosapi/publishers', `${pkg}Publishers`, (args) => {
      const topic = typeof args.topic === 'string' ? args.topic : '';
      const hidden = this.dialect === 'ros2' && topic.split('/').some((part) => part.startsWith('_'));
      return { publishers: hidden ? [] : this.publishersOf(topic) };
    });
    this.advertiseService('/rosapi/nodes', `${pkg}Nodes`, () => ({
      nodes: [ROSBRIDGE_NODE, '/rosapi', '/controller_manager', '/robot_state_publisher'],
    }));
  }
}
