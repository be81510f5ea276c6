/**
 * The small part of rclnodejs's published API that RclnodejsTransport uses, typed here from its
 * documentation (rclnodejs is optional and never a build dependency: it needs a sourced ROS 2
 * to install). Only what we call is declared.
 *
 * Loading: `loadRclnodejs()` imports the module by name at run time, and turns every way that
 * can fail into an RclnodejsUnavailableError that says what to do (naming AMENT_PREFIX_PATH),
 * never a stack trace.
 */

export interface RclEntity {
  readonly topic?: string;
}

export interface RclPublisher extends RclEntity {
  publish(message: unknown): void;
}

export interface RclClient extends RclEntity {
  waitForService(timeoutMs?: number): Promise<boolean>;
  sendRequest(request: unknown, callback: (response: unknown) => void): void;
}

export interface RclClientGoalHandle {
  isAccepted(): boolean;
  /** resolves with the result message (older releases: the GetResult response {status, result}) */
  getResult(): Promise<unknown>;
  cancelGoal(): Promise<unknown>;
  readonly status: number;
}

export interface RclActionClient {
  sendGoal(goal: unknown, feedbackCallback?: (feedback: unknown) => void): Promise<RclClientGoalHandle>;
  isActionServerAvailable(): boolean;
  waitForServer(timeoutMs?: number): Promise<boolean>;
  destroy(): void;
}

export interface RclNamesAndTypes {
  name: string;
  types: string[];
}

export interface RclNode {
  createSubscription(type: string, topic: string, options: Record<string, unknown>, callback: (message: unknown) => void): RclEntity;
  createPublisher(type: string, topic: string, options?: Record<string, unknown>): RclPublisher;
  createClient(type: string, service: string, options?: Record<string, unknown>): RclClient;
  destroySubscription(subscription: RclEntity): void;
  getTopicNamesAndTypes(): RclNamesAndTypes[];
  getServiceNamesAndTypes(): RclNamesAndTypes[];
  getNodeNames(): string[];
  /** newer releases spin the node itself */
  spin?(timeoutMs?: number): void;
  destroy(): void;
}

export interface RclQoS {
  durability: number;
}

export interface RclnodejsModule {
  init(): Promise<void>;
  createNode(name: string, namespace?: string): RclNode;
  /** older releases: rclnodejs.spin(node) */
  spin?(node: RclNode, timeoutMs?: number): void;
  shutdown(): void;
  isShutdown?(): boolean;
  ActionClient: new (node: RclNode, type: string, actionName: string) => RclActionClient;
  QoS?: (new () => RclQoS) & { DurabilityPolicy?: { RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL?: number } };
}

export class RclnodejsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RclnodejsUnavailableError';
  }
}

export type ModuleImporter = (name: string) => Promise<unknown>;

// The specifier is a variable so neither TypeScript nor a bundler tries to resolve it.
const RCLNODEJS = 'rclnodejs';
const defaultImporter: ModuleImporter = (name) => import(name);

/** Import rclnodejs, or explain (with AMENT_PREFIX_PATH) why it cannot be used. */
export async function loadRclnodejs(
  env: NodeJS.ProcessEnv = process.env,
  importer: ModuleImporter = defaultImporter,
): Promise<RclnodejsModule> {
  const ament = env.AMENT_PREFIX_PATH;
  if (!ament) {
    throw new RclnodejsUnavailableError(
      'ROS 2 is not sourced: AMENT_PREFIX_PATH is not set, so the rclnodejs profile cannot run. ' +
        'Source ROS 2 first (source /opt/ros/<distro>/setup.bash), install rclnodejs in that shell (npm install rclnodejs), ' +
        'and run shammie from the same shell; or use the ros2-rosbridge profile, which needs no ROS on this computer.',
    );
  }
  let mod: unknown;
  try {
    mod = await importer(RCLNODEJS);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing =
      e?.code === 'ERR_MODULE_NOT_FOUND' ||
      e?.code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module) 'rclnodejs'/.test(String(e?.message));
    throw new RclnodejsUnavailableError(
      missing
        ? `rclnodejs is not installed. With ROS 2 sourced (AMENT_PREFIX_PATH=${ament}), run npm install rclnodejs (it builds against that ROS 2), or use the ros2-rosbridge profile.`
        : `rclnodejs failed to load (${String(e?.message ?? err).split('\n')[0]}). It must be built against the ROS 2 this shell has sourced (AMENT_PREFIX_PATH=${ament}); reinstall it from this shell (npm rebuild rclnodejs).`,
      { cause: err },
    );
  }
  const m = ((mod as { default?: unknown })?.default ?? mod) as Partial<RclnodejsModule>;
  if (typeof m?.init !== 'function' || typeof m.createNode !== 'function' || typeof m.ActionClient !== 'function') {
    throw new RclnodejsUnavailableError(
      'the installed rclnodejs does not have the expected API (init, createNode, ActionClient); install rclnodejs 0.2x or newer.',
    );
  }
  return m as RclnodejsModule;
}
