/**
 * Preflight: look in the robot's ROS graph (through rosapi or the native graph) for the action
 * servers the backend will use, before the first motion needs them.
 */
import type { Problem } from '../types.js';
import type { RosBridgeConfig } from './config.js';
import { controllerHint } from './hints.js';
import type { ProblemSink } from './link-status.js';
import type { RosTransport } from './transport.js';

/**
 * Check for the trajectory action server (and the gripper's, when `gripper` and in action
 * mode). Returns the problems and reports them to `problems`; an unreachable introspection
 * service (no rosapi) is a warning only, and only returned.
 */
export async function checkActionServers(
  transport: RosTransport,
  config: RosBridgeConfig,
  gripper: boolean,
  problems: ProblemSink,
): Promise<Problem[]> {
  const out: Problem[] = [];
  let graph;
  try {
    graph = await transport.graph(config.timeouts.call * 1000);
  } catch (err) {
    return [
      {
        id: 'ros.graph',
        severity: 'warn',
        message: `Could not list the robot's topics and actions: ${(err as Error).message}`,
        tip: 'Run rosapi next to rosbridge (the rosbridge launch files start it) so the bridge can check the controllers.',
      },
    ];
  }
  const hasAction = (a: string) =>
    graph.actions.includes(a) || graph.topics.some((t) => t.name === `${a}/_action/feedback` || t.name === `${a}/status`);
  if (!hasAction(config.trajectoryAction)) {
    out.push({
      id: 'ros.controller.missing',
      severity: 'error',
      message: `No trajectory action server at ${config.trajectoryAction}.`,
      tip: controllerHint(config.trajectoryAction, config.dialect),
    });
  }
  if (gripper && config.gripper.mode === 'action' && !hasAction(config.gripper.action)) {
    out.push({
      id: 'ros.gripper.missing',
      severity: 'warn',
      message: `No gripper action server at ${config.gripper.action}.`,
      tip: 'Start the gripper controller, set gripper.action in the profile, or set gripper.mode to topic, service or none.',
    });
  }
  for (const p of out) problems.setProblem(p);
  return out;
}
