/**
 * `shammie doctor --profile NAME`: check that a robot profile works, step by step, each failure
 * with the hint that fixes it: the link (wrong URL, rosbridge not running), the robot's topics,
 * services and actions (rosapi over rosbridge; the DDS graph with rclnodejs), joint states
 * (arrive, cover the URDF's joints, rate and latency), the trajectory controller (its action
 * server is up, judged by what only a server offers, then answers a zero-motion goal), the
 * gripper. With rclnodejs: which release is installed and which ROS 2 it must match. With
 * --move, after a y/n, each joint moves a small safe amount and back through the SafetyGuard,
 * and the tracking error is reported. The report ends with what protects the arm when the
 * link dies mid-motion (nothing on this computer: the robot side's limits).
 *
 * Exit status: 0 when every required check passed, 1 otherwise.
 */
import { createInterface } from 'node:readline/promises';
import { loadProfile, type LaunchProfile } from '../session/profile.js';
import { loadScene, sceneRobotPath } from '../sim/scene.js';
import type { RobotModel } from '../model/description/robot-model.js';
import type { RclnodejsInstall, RclnodejsModule } from '../robot-bridge/ros/rclnodejs-api.js';
import type { RosBackend } from '../robot-bridge/ros/ros-backend.js';
import type { RosGraph, RosTransport } from '../robot-bridge/ros/transport.js';

/** Said by every ROS report: what stops an arm when the link dies mid-motion. */
export const LINK_LOSS_NOTE =
  'If the link to the robot drops during a motion, nothing on this computer can stop the arm until it is back: ' +
  'the controller keeps running the goal it has (the bridge cancels it, by id, as the first thing on the restored link). ' +
  "Meanwhile only the robot's side protects the arm: the trajectory's own end (keep motions short), the controller's " +
  'limits (a joint_trajectory_controller aborts a goal that leaves its path tolerances or does not settle within goal_time ' +
  'and stopped_velocity_tolerance), a watchdog on the robot that halts it when commands stop, and the emergency stop. ' +
  'Check those before running near people.';

export interface DoctorCheck {
  id: 'profile' | 'rclnodejs' | 'link' | 'graph' | 'joint_states' | 'controller' | 'gripper' | 'move';
  ok: boolean;
  /** error: the profile cannot drive the robot; warn: something works less well */
  severity: 'error' | 'warn' | 'info';
  message: string;
  hint?: string;
}

export interface JointMove {
  joint: string;
  /** rad (m for prismatic joints) */
  amount: number;
  ok: boolean;
  /** largest |desired − actual| on that joint during the move, from the controller's feedback */
  trackingError?: number;
  /** |position after − position before| once back */
  returnError?: number;
  note?: string;
}

export interface DoctorReport {
  profile: string;
  backend: string;
  endpoint: string;
  ok: boolean;
  checks: DoctorCheck[];
  graph?: RosGraph;
  jointStates?: { rateHz: number; messages: number; latencyMs: { p50: number; p99: number } | null; covered: number; joints: number };
  moves?: JointMove[];
  /** rclnodejs profiles: the installed release and the ROS 2 it must match */
  rclnodejs?: RclnodejsInstall;
  /** things the operator must know that are not checks (what protects the arm when the link dies) */
  notes: string[];
}

export interface DoctorOptions {
  profile: string | LaunchProfile;
  move?: boolean;
  /** answer y to the --move question */
  yes?: boolean;
  robot?: string;
  /** accept a URDF with missing or out-of-bound joint limits (--allow-bad-limits) */
  allowBadLimits?: boolean;
  scene?: string;
  /** how long to sample joint states for rate and latency, s (default 1) */
  sampleSeconds?: number;
  /** joint move amount, rad (default 0.05) */
  moveAmount?: number;
  /** duration of each move there and back, s (default 1) */
  moveSeconds?: number;
  /** the y/n question (default: ask on the terminal) */
  ask?: (question: string) => Promise<boolean>;
  /** progress lines as checks complete */
  log?: (line: string) => void;
  /** tests: a stand-in rclnodejs module, and what to report as installed */
  rclnodejs?: { load: () => Promise<RclnodejsModule>; install: RclnodejsInstall };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const log = options.log ?? (() => {});
  const add = (c: DoctorCheck) => {
    checks.push(c);
    log(formatCheck(c));
  };
  let profile: LaunchProfile;
  if (typeof options.profile !== 'string') profile = options.profile;
  else {
    try {
      profile = loadProfile(options.profile);
    } catch (err) {
      add({
        id: 'profile',
        ok: false,
        severity: 'error',
        message: (err as Error).message,
        hint: 'Use a shipped profile (sim, ros2-rosbridge, ros2-rclnodejs, ros1-rosbridge) or a path to a profile YAML file.',
      });
      return { profile: options.profile, backend: '?', endpoint: '?', ok: false, checks, notes: [] };
    }
  }
  const report: DoctorReport = { profile: profile.name, backend: profile.backend, endpoint: '', ok: false, checks, notes: [] };
  if (profile.backend === 'sim' || !profile.ros) {
    add({
      id: 'profile',
      ok: true,
      severity: 'info',
      message: `profile ${profile.name} drives the simulated arm; there is no robot link to check`,
    });
    report.ok = true;
    return report;
  }

  const ros = await import('../robot-bridge/ros/index.js');
  const { loadRobotModel, RobotModel } = await import('../model/description/robot-model.js');
  const { parseUrdf } = await import('../model/description/urdf.js');
  const config = ros.resolveRosConfig(profile.ros);
  const scene = loadScene(options.scene ?? profile.scene ?? 'giftbag');
  report.notes.push(LINK_LOSS_NOTE);

  // 0. rclnodejs: which release, and the ROS 2 it must have been built against
  const load = options.rclnodejs?.load;
  if (profile.backend === 'rclnodejs') {
    const install = options.rclnodejs?.install ?? ros.findRclnodejs();
    report.rclnodejs = install;
    const found = install.version !== null && install.rosDistro !== null;
    add({
      id: 'rclnodejs',
      ok: found,
      severity: found ? 'info' : 'error',
      message: ros.describeRclnodejs(install),
      ...(found ? {} : { hint: install.rosDistro ? ros.RCLNODEJS_VERSION_HINT : ros.linkHint('no_ros', '', 'ros2') }),
    });
    if (!found) return report;
  }

  // The robot model: a URDF file, or read from the robot (needs the link: done below).
  const urdf = options.robot ?? profile.urdf ?? sceneRobotPath(scene);
  let model: RobotModel | null =
    urdf === 'robot' ? null : loadRobotModel(urdf, { tipLink: profile.tipLink, allowBadLimits: options.allowBadLimits });
  const makeBackend = (m: RobotModel): RosBackend =>
    profile.backend === 'rclnodejs' ? new ros.RclnodejsBackend({ model: m, config, load }) : new ros.RosbridgeBackend({ model: m, config });
  if (!model) {
    const t: RosTransport =
      profile.backend === 'rclnodejs'
        ? new ros.RclnodejsTransport({ load })
        : new ros.RoslibTransport({ url: config.url, dialect: config.dialect });
    report.endpoint = t.endpoint;
    try {
      await t.open(config.timeouts.connect * 1000);
    } catch (err) {
      const kind = err instanceof ros.TransportError ? err.kind : 'other';
      add({
        id: 'link',
        ok: false,
        severity: 'error',
        message: ros.linkErrorText(t.endpoint, err),
        hint: ros.linkHint(kind, t.endpoint, config.dialect),
      });
      return report;
    }
    try {
      const xml = await ros.fetchRobotDescription(t, profile.descriptionSource, config.timeouts.call);
      model = new RobotModel(parseUrdf(xml, 'robot_description (from the robot)', { allowBadLimits: options.allowBadLimits }), {
        tipLink: profile.tipLink,
      });
    } catch (err) {
      add({ id: 'profile', ok: false, severity: 'error', message: (err as Error).message.replace(/^\[ros\] /, '') });
      return report;
    } finally {
      t.close();
    }
  }
  const backend = makeBackend(model);
  report.endpoint = backend.transport.endpoint;
  try {
    // 1. the link
    try {
      await backend.open();
      add({
        id: 'link',
        ok: true,
        severity: 'info',
        message: `connected to ${backend.transport.endpoint} (${config.dialect === 'ros2' ? 'ROS 2' : 'ROS 1'})`,
      });
    } catch (err) {
      const e = err as InstanceType<typeof ros.RosConnectionError>;
      add({ id: 'link', ok: false, severity: 'error', message: e.message.split('\n')[0].replace(/^\[ros\] /, ''), hint: e.hint });
      return report;
    }

    // 2. what the robot offers
    let graph: RosGraph | null = null;
    try {
      graph = await backend.transport.graph(config.timeouts.call * 1000);
      report.graph = graph;
      add({
        id: 'graph',
        ok: true,
        severity: 'info',
        message: `${graph.topics.length} topics, ${graph.services.length} services, ${graph.actions.length} action servers, ${graph.nodes.length} nodes`,
      });
    } catch (err) {
      add({
        id: 'graph',
        ok: false,
        severity: 'warn',
        message: `could not list topics, services and actions: ${(err as Error).message}`,
        hint:
          profile.backend === 'rosbridge'
            ? 'Start rosapi next to rosbridge (the rosbridge launch files do), so the robot can be inspected.'
            : undefined,
      });
    }

    // 3. joint states: arrive, cover the URDF, rate and latency
    const stampsAgo: number[] = [];
    let messages = 0;
    const off = backend.transport.subscribe(config.jointStates, ros.rosType(config.dialect, 'sensor_msgs', 'msg', 'JointState'), (m) => {
      messages++;
      const header = (m as { header?: { stamp?: unknown } })?.header;
      const s = header ? stampSeconds(header.stamp) : null;
      if (s !== null && s > 0) stampsAgo.push((performance.timeOrigin + performance.now()) / 1000 - s);
    });
    const covered = await backend.waitForJointStates(config.timeouts.jointStates);
    const sample = options.sampleSeconds ?? 1;
    const m0 = messages;
    const t0 = performance.now();
    await sleep(sample * 1000);
    const rate = (messages - m0) / ((performance.now() - t0) / 1000);
    off();
    const missing = backend.missingJoints();
    const seen = backend.seenJointNames();
    const lat = latency(stampsAgo);
    report.jointStates = {
      rateHz: round(rate, 1),
      messages,
      latencyMs: lat,
      covered: model.jointNames.length - missing.length,
      joints: model.jointNames.length,
    };
    if (!messages) {
      const listed = graph ? graph.topics.some((t) => t.name === config.jointStates) : true;
      add({
        id: 'joint_states',
        ok: false,
        severity: 'error',
        message: `no messages on ${config.jointStates}${graph && !listed ? ' (the topic does not exist)' : ''}`,
        hint: ros.jointStatesHint(config.jointStates, config.dialect),
      });
    } else if (!covered) {
      add({
        id: 'joint_states',
        ok: false,
        severity: 'error',
        message: `joint states do not cover the URDF's joints: missing ${missing.join(', ')}`,
        hint: ros.jointMismatchHint(missing, seen, model.jointNames),
      });
    } else {
      const latText = lat
        ? `latency p50 ${lat.p50} ms, p99 ${lat.p99} ms`
        : 'latency unknown (stamps are not wall-clock time: sim time, or another clock)';
      add({
        id: 'joint_states',
        ok: true,
        severity: rate < 10 ? 'warn' : 'info',
        message: `${model.jointNames.length}/${model.jointNames.length} URDF joints at ${round(rate, 1)} Hz; ${latText}`,
        ...(rate < 10
          ? { hint: "Below 10 Hz the bridge may see stale states; raise joint_state_broadcaster's rate, or check the network." }
          : {}),
      });
    }

    // 4. the trajectory controller: its server is up (asked of what only a server offers: its
    // status publisher or its cancel service, not topic names our own client registers), then
    // it answers a goal that holds the current position (no motion).
    const { SafetyGuard, DEFAULT_SAFETY } = await import('../robot-bridge/safety/index.js');
    const guard = new SafetyGuard(backend, model, { ...DEFAULT_SAFETY, ...profile.safety });
    const actionType = (name: string) => ros.rosType(config.dialect, 'control_msgs', 'action', name);
    const serverUp = (action: string, type: string): Promise<boolean | null> =>
      backend.transport.actionServerUp(action, actionType(type), config.timeouts.call * 1000).catch(() => null);
    const up = await serverUp(config.trajectoryAction, 'FollowJointTrajectory');
    let controllerOk = false;
    if (up === false) {
      add({
        id: 'controller',
        ok: false,
        severity: 'error',
        message: `no action server at ${config.trajectoryAction}: no node on the robot serves it`,
        hint: ros.controllerHint(config.trajectoryAction, config.dialect),
      });
    } else if (covered) {
      const q = backend.jointState().position;
      const hold = { jointNames: [...model.jointNames], points: [{ positions: q, velocities: q.map(() => 0), timeFromStart: 0.2 }] };
      const t = performance.now();
      const outcome = await backend.executeTrajectory(hold).done;
      const ms = Math.round(performance.now() - t);
      controllerOk = outcome.status === 'succeeded';
      if (controllerOk)
        add({
          id: 'controller',
          ok: true,
          severity: 'info',
          message: `${config.trajectoryAction} answered a zero-motion goal (succeeded in ${ms} ms)`,
        });
      else {
        const reason = outcome.status === 'succeeded' ? '' : outcome.reason;
        add({
          id: 'controller',
          ok: false,
          severity: 'error',
          message: `${config.trajectoryAction} did not complete a zero-motion goal: ${reason.split('. ')[0]}`,
          hint: ros.controllerHint(config.trajectoryAction, config.dialect),
        });
      }
    } else {
      add({
        id: 'controller',
        ok: up === true,
        severity: up === true ? 'info' : 'warn',
        message:
          up === true
            ? `${config.trajectoryAction} is up (not tested: no joint states)`
            : `could not tell whether ${config.trajectoryAction} is up, and not tested (no joint states)`,
      });
    }

    // 5. the gripper
    if (model.gripper && config.gripper.mode !== 'none') {
      const gripperUp = config.gripper.mode === 'action' ? await serverUp(config.gripper.action, 'GripperCommand') : null;
      if (gripperUp !== null) {
        add({
          id: 'gripper',
          ok: gripperUp,
          severity: gripperUp ? 'info' : 'warn',
          message: gripperUp ? `gripper action server at ${config.gripper.action}` : `no gripper action server at ${config.gripper.action}`,
          ...(gripperUp
            ? {}
            : { hint: 'Start the gripper controller, set gripper.action in the profile, or gripper.mode: topic | service | none.' }),
        });
      } else {
        add({
          id: 'gripper',
          ok: true,
          severity: 'info',
          message: `gripper through ${config.gripper.mode} ${config.gripper.mode === 'topic' ? config.gripper.topic : config.gripper.mode === 'service' ? config.gripper.service : config.gripper.action} (not checked)`,
        });
      }
    }

    // 6. --move: each joint a small safe amount and back
    if (options.move) {
      if (!covered || !controllerOk) {
        add({ id: 'move', ok: false, severity: 'error', message: 'not moving: the checks above must pass first' });
      } else {
        const amount = options.moveAmount ?? 0.05;
        const ask = options.ask ?? askOnTerminal;
        const yes =
          options.yes ||
          (await ask(
            `Move each of the ${model.jointNames.length} joints by ${amount} rad and back, one at a time, through the safety guard? Keep clear of the arm. [y/n] `,
          ));
        if (!yes) add({ id: 'move', ok: true, severity: 'info', message: 'move test skipped (answered no)' });
        else {
          report.moves = await moveEachJoint(guard, backend, model, amount, options.moveSeconds ?? 1, log);
          const failed = report.moves.filter((m) => !m.ok);
          const worst = Math.max(0, ...report.moves.map((m) => m.trackingError ?? 0));
          add({
            id: 'move',
            ok: failed.length === 0,
            severity: failed.length ? 'error' : 'info',
            message: failed.length
              ? `${failed.length} of ${report.moves.length} joint moves failed: ${failed.map((m) => `${m.joint} (${m.note})`).join('; ')}`
              : `every joint moved ${amount} rad and back; worst tracking error ${worst.toFixed(4)} rad`,
            ...(failed.length
              ? {
                  hint: "Check the controller's tolerances and the arm's surroundings; the safety guard refuses moves near limits or the table.",
                }
              : {}),
          });
        }
      }
    }
  } finally {
    await backend.disconnect().catch(() => undefined);
  }
  report.ok = checks.every((c) => c.ok || c.severity !== 'error');
  return report;
}

async function moveEachJoint(
  guard: import('../robot-bridge/safety/index.js').SafetyGuard,
  backend: RosBackend,
  model: RobotModel,
  amount: number,
  seconds: number,
  log: (s: string) => void,
): Promise<JointMove[]> {
  const out: JointMove[] = [];
  for (let i = 0; i < model.jointNames.length; i++) {
    const joint = model.jointNames[i];
    const q0 = backend.jointState().position;
    const j = model.arm[i];
    // Move away from the nearer limit.
    const sign = Number.isFinite(j.upper) && Number.isFinite(j.lower) && j.upper - q0[i] < q0[i] - j.lower ? -1 : 1;
    const q1 = [...q0];
    q1[i] += sign * amount;
    // A (1 − cos) move of A in T peaks at A·π²/(2T²) rad/s² and A·π/(2T) rad/s: keep both
    // under half the joint's limits, whatever duration was asked for.
    const T = Math.max(seconds, Math.PI * Math.sqrt(amount / j.acceleration), (Math.PI * amount) / j.velocity);
    let tracking = 0;
    const onProgress = (p: { desired: number[]; actual: number[] }) => {
      const e = Math.abs(p.desired[i] - p.actual[i]);
      if (Number.isFinite(e)) tracking = Math.max(tracking, e);
    };
    const there = await guard.executeTrajectory(smooth(model.jointNames, q0, q1, T), { onProgress }).done;
    if (there.status !== 'succeeded') {
      out.push({ joint, amount: sign * amount, ok: false, note: there.reason });
      log(`         ${joint}: ${out[out.length - 1].note}`);
      if (there.status !== 'rejected') break; // something is wrong with the robot: stop testing
      continue;
    }
    const back = await guard.executeTrajectory(smooth(model.jointNames, backend.jointState().position, q0, T), { onProgress }).done;
    const q2 = backend.jointState().position;
    const returnError = Math.max(...q2.map((v, k) => Math.abs(v - q0[k])));
    const ok = back.status === 'succeeded';
    const note = back.status === 'succeeded' ? undefined : back.reason;
    out.push({
      joint,
      amount: sign * amount,
      ok,
      trackingError: round(tracking, 5),
      returnError: round(returnError, 5),
      ...(note ? { note } : {}),
    });
    log(
      `         ${joint}: ${ok ? `tracking error ${tracking.toFixed(4)} rad, back within ${returnError.toFixed(4)} rad` : out[out.length - 1].note}`,
    );
    if (!ok) break;
  }
  return out;
}

/** A (1 − cos) move, at rest at both ends; the first point (t = 0) is where the arm is. */
function smooth(names: readonly string[], from: number[], to: number[], duration: number) {
  const n = 26;
  return {
    jointNames: [...names],
    points: Array.from({ length: n + 1 }, (_, k) => {
      const t = (duration * k) / n;
      const f = (1 - Math.cos((Math.PI * t) / duration)) / 2;
      const fd = (Math.PI / (2 * duration)) * Math.sin((Math.PI * t) / duration);
      return { positions: from.map((a, i) => a + f * (to[i] - a)), velocities: from.map((a, i) => fd * (to[i] - a)), timeFromStart: t };
    }),
  };
}

function stampSeconds(v: unknown): number | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const s = o.sec ?? o.secs,
    ns = o.nanosec ?? o.nsecs ?? 0;
  return typeof s === 'number' && typeof ns === 'number' ? s + ns * 1e-9 : null;
}

/** p50/p99 of (receive − stamp) in ms, or null when the stamps are not wall-clock time. */
function latency(agoS: number[]): { p50: number; p99: number } | null {
  if (!agoS.length) return null;
  const sorted = [...agoS].sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
  if (Math.abs(q(0.5)) > 60) return null;
  return { p50: round(q(0.5) * 1000, 2), p99: round(q(0.99) * 1000, 2) };
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stdout.write(`${question}\n  (no terminal to answer on: pass --yes to move)\n`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const a = (await rl.question(question)).trim().toLowerCase();
    return a === 'y' || a === 'yes';
  } finally {
    rl.close();
  }
}

export function formatCheck(c: DoctorCheck): string {
  const mark = c.ok ? 'ok  ' : c.severity === 'error' ? 'FAIL' : 'warn';
  const lines = [`  ${mark} ${c.id.replace('_', ' ')}: ${c.message}`];
  if (c.hint) lines.push(`       hint: ${c.hint}`);
  return lines.join('\n');
}

export function formatReport(r: DoctorReport): string {
  const lines: string[] = [];
  if (r.graph) {
    const list = (xs: string[]) => (xs.length > 20 ? `${xs.slice(0, 20).join(', ')}, … (${xs.length})` : xs.join(', ') || '(none)');
    lines.push(
      '',
      'robot:',
      `  topics:   ${list(r.graph.topics.map((t) => (t.type ? `${t.name} [${t.type}]` : t.name)))}`,
      `  services: ${list(r.graph.services)}`,
      `  actions:  ${list(r.graph.actions)}`,
    );
  }
  for (const n of r.notes) lines.push('', `note: ${n}`);
  const failed = r.checks.filter((c) => !c.ok && c.severity === 'error');
  lines.push(
    '',
    r.ok
      ? `doctor: profile ${r.profile} is ready.`
      : `doctor: profile ${r.profile} has ${failed.length} problem${failed.length === 1 ? '' : 's'}; see the hints above.`,
  );
  return lines.join('\n') + '\n';
}

export async function doctorCommand(options: DoctorOptions & { json?: boolean }): Promise<number> {
  const out = process.stdout;
  if (!options.json) out.write(`shammie doctor: profile ${typeof options.profile === 'string' ? options.profile : options.profile.name}\n`);
  const report = await runDoctor({ ...options, log: options.json ? undefined : (line) => out.write(line + '\n') });
  out.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.ok ? 0 : 1;
}
