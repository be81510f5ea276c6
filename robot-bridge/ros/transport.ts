/**
 * The few ROS operations the ROS backends need, independent of how they reach the robot:
 * rosbridge (roslib, ROS 1 or ROS 2) or native DDS (rclnodejs). RosBackend is written against
 * this interface only, so both transports behave the same.
 *
 * Messages cross this boundary as `unknown`: whatever comes from the robot is validated by the
 * backend (messages.ts) before anything uses it.
 */

export type Dialect = 'ros1' | 'ros2';

export type Unsubscribe = () => void;

/** How a goal ended, in words rather than per-dialect status numbers. */
export type GoalEnd =
  | { status: 'succeeded' | 'aborted' | 'canceled'; values: unknown; text?: string }
  /** never started: refused by the server or by the bridge (values: the reason when known) */
  | { status: 'rejected'; reason: string };

export interface GoalCallbacks {
  /** the server has the goal (ROS 1: a status naming it; ROS 2: the first feedback) */
  onAccepted?(): void;
  onFeedback?(values: unknown): void;
  /** called at most once */
  onEnd(end: GoalEnd): void;
}

export interface GoalHandle {
  readonly id: string;
  /** ask the server to cancel this goal (fire and forget; the end arrives through onEnd) */
  cancel(): void;
  /** forget the goal locally: no more callbacks */
  release(): void;
}

export interface RosGraph {
  topics: { name: string; type: string }[];
  services: string[];
  /** action servers (with rclnodejs and ROS 1 rosbridge: only those whose own status publisher is up) */
  actions: string[];
  nodes: string[];
}

/** Why opening the link failed; each kind gets its own hint. */
export type LinkFailure = 'bad_url' | 'refused' | 'unknown_host' | 'timeout' | 'not_rosbridge' | 'no_ros' | 'other';

/**
 * The text of a failed link, naming the endpoint once: transports already say
 * "cannot connect to URL: why", and callers must not say it again.
 */
export function linkErrorText(endpoint: string, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.includes(endpoint) ? text : `cannot connect to ${endpoint}: ${text}`;
}

export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: LinkFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface SubscribeOptions {
  /** ROS 2 durability; transient local for latched topics (/robot_description, /tf_static) */
  latched?: boolean;
}

export interface RosTransport {
  readonly dialect: Dialect;
  /** where it connects, for messages (a URL, or "ROS 2 (DDS)") */
  readonly endpoint: string;
  readonly isOpen: boolean;
  /** Open the link. Rejects with a TransportError. Existing subscriptions are (re)made. */
  open(timeoutMs: number): Promise<void>;
  /** Close for good (no onLinkLost). */
  close(): void;
  /** the link dropped by itself */
  onLinkLost(listener: (reason: string) => void): Unsubscribe;
  /** errors and warnings the server reported (rosbridge `status` ops), and decode errors */
  onServerMessage(listener: (level: 'error' | 'warning' | 'info', text: string) => void): Unsubscribe;
  /** Kept across reconnects until unsubscribed. */
  subscribe(topic: string, type: string, listener: (msg: unknown) => void, options?: SubscribeOptions): Unsubscribe;
  /** Announce a topic we publish on, kept across reconnects (the first publish after an advertise can be lost). */
  advertise(topic: string, type: string): Unsubscribe;
  /** false when the link is down (nothing is queued for later) */
  publish(topic: string, type: string, msg: unknown): boolean;
  /** Rejects on error, refusal or timeout. */
  callService(service: string, type: string, request: unknown, timeoutMs: number): Promise<unknown>;
  /** null when the link is down: a goal is never queued for later. */
  sendGoal(action: string, actionType: string, goal: unknown, callbacks: GoalCallbacks): GoalHandle | null;
  /**
   * Cancel, each by its goal id, the goals this transport sent to `action` whose end it has not
   * seen, including goals sent before a reconnect. Never a cancel-all (ROS 1: an empty GoalID;
   * ROS 2: a zero goal id and stamp): that cancels every goal on the server, whoever sent it,
   * such as the operator's next motion. With the link down, the cancels are the first thing
   * sent when it is back. Returns the ids cancelled.
   */
  cancelOwnGoals(action: string, actionType: string): string[];
  /**
   * The ids of the goals this transport sent to `action` whose end it has not seen, as the
   * server knows them (ROS 1: actionlib GoalID ids; rosbridge ROS 2: its goal ids, which
   * cancel_action_goal takes from any connection; rclnodejs: the goal UUIDs in hex).
   */
  goalsInFlight(action: string): string[];
  /**
   * Set up the client side of an action now (and after every reconnect) rather than at its
   * first goal: ROS 1 actionlib advertises topics, and the first publishes after an advertise
   * can be lost, which must not happen to a stop.
   */
  prepareAction(action: string, actionType: string): void;
  /** What the robot offers (rosapi over rosbridge; the DDS graph natively). */
  graph(timeoutMs: number): Promise<RosGraph>;
  /**
   * Whether a server for `action` is up, judged by what only the server itself offers (its
   * status publisher, or its cancel service), never by topics this process registered.
   * Rejects when the robot's graph cannot be read.
   */
  actionServerUp(action: string, actionType: string, timeoutMs: number): Promise<boolean>;
  /** Read a parameter of another node (ROS 2: `node` is the node name; ROS 1: ignored). */
  getParameter(node: string, name: string, timeoutMs: number): Promise<unknown>;
}
