/**
 * The small part of rclnodejs's published API that RclnodejsTransport uses, typed here from its
 * documentation (rclnodejs is optional and never a build dependency: it needs a sourced ROS 2
 * to install). Only what we call is declared.
 *
 * Loading: `loadRclnodejs()` imports the module by name at run time, and turns every way that
 * can fail into an RclnodejsUnavailableError that says what to do (naming AMENT_PREFIX_PATH),
 * never a stack trace. `findRclnodejs()` says which release is installed and which ROS 2 it
 * must build against (ROS_DISTRO, the sourced rcl's version), for `shammie doctor`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

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
  /** unique_identifier_msgs/UUID of the goal (every release with actions has it) */
  readonly goalId?: { uuid: ArrayLike<number> };
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
  /** the publishers of a topic, each with its node (rcl_get_publishers_info_by_topic) */
  getPublishersInfoByTopic?(topic: string, noDemangle?: boolean): unknown[];
  countPublishers?(topic: string): number;
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
        ? `rclnodejs is not installed. With ROS 2 sourced (AMENT_PREFIX_PATH=${ament}), run npm install rclnodejs (it builds against that ROS 2; if the build fails on a missing rcl_* function, pick an older release, see docs/ros2.md), or use the ros2-rosbridge profile.`
        : `rclnodejs failed to load (${String(e?.message ?? err).split('\n')[0]}). It must be built against the ROS 2 this shell has sourced (AMENT_PREFIX_PATH=${ament}); reinstall it from this shell (npm rebuild rclnodejs), or pick the release that matches this ROS 2 (docs/ros2.md).`,
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

/** Which rclnodejs is installed, and the ROS 2 it must match. */
export interface RclnodejsInstall {
  /** the installed release (null: not found) */
  version: string | null;
  /** its package folder */
  path: string | null;
  /** $ROS_DISTRO (null: ROS 2 is not sourced) */
  rosDistro: string | null;
  /** the sourced rcl package's version (share/rcl/package.xml under AMENT_PREFIX_PATH) */
  rcl: string | null;
}

const PackageJson = z.object({ name: z.literal('rclnodejs'), version: z.string().min(1).max(64) });
/** folders walked up at most, and AMENT_PREFIX_PATH entries read at most */
const MAX_LEVELS = 64;

/**
 * Find the rclnodejs that `import('rclnodejs')` from here would load (node_modules in this
 * folder or any parent, then the working directory's), and the ROS 2 sourced in `env`.
 */
export function findRclnodejs(
  env: NodeJS.ProcessEnv = process.env,
  from: readonly string[] = [dirname(fileURLToPath(import.meta.url)), process.cwd()],
): RclnodejsInstall {
  let version: string | null = null,
    path: string | null = null;
  search: for (const start of from) {
    let dir = start;
    for (let i = 0; i < MAX_LEVELS; i++) {
      const candidate = join(dir, 'node_modules', 'rclnodejs');
      const pkg = readJson(join(candidate, 'package.json'));
      const parsed = PackageJson.safeParse(pkg);
      if (parsed.success) {
        version = parsed.data.version;
        path = candidate;
        break search;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  let rcl: string | null = null;
  for (const prefix of (env.AMENT_PREFIX_PATH ?? '').split(':').filter(Boolean).slice(0, MAX_LEVELS)) {
    const xml = readText(join(prefix, 'share', 'rcl', 'package.xml'));
    const m = xml?.match(/<version>\s*([^<\s]{1,64})\s*<\/version>/);
    if (m) {
      rcl = m[1];
      break;
    }
  }
  const distro = env.ROS_DISTRO?.trim();
  return { version, path, rosDistro: distro ? distro.slice(0, 64) : null, rcl };
}

/** One line: "rclnodejs 0.33.0 for ROS 2 jazzy (rcl 9.2.0)". */
export function describeRclnodejs(i: RclnodejsInstall): string {
  const ros = i.rosDistro ? `ROS 2 ${i.rosDistro}${i.rcl ? ` (rcl ${i.rcl})` : ''}` : 'no ROS 2 sourced (ROS_DISTRO is not set)';
  return `${i.version ? `rclnodejs ${i.version}` : 'rclnodejs is not installed'}; ${ros}`;
}

/** How to get an rclnodejs that builds against the sourced ROS 2. */
export const RCLNODEJS_VERSION_HINT =
  'rclnodejs builds a native addon against the sourced ROS 2, and each release needs a minimum rcl: ' +
  'from a shell where ROS 2 is sourced, try npm install rclnodejs; if the build fails on a missing rcl_* function ' +
  '(e.g. rcl_timer_get_next_call_time), that release is newer than your ROS 2: install an older one ' +
  '(npm install rclnodejs@0.33.0 builds against Jazzy with rcl 9.2.0). See docs/ros2.md, "Picking an rclnodejs release".';

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').slice(0, 1_000_000);
  } catch {
    return null;
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
