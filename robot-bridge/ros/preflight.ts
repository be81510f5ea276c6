/**
 * Preflight: ask the robot whether the action servers the backend will use are up, before the
 * first motion needs them. "Up" is judged by what only a server offers (its status publisher,
 * or its cancel service: RosTransport.actionServerUp), never by the action's topic names,
 * which this process's own action client registers whether or not a server runs.
 */
import type { Problem } from '../types.js';
import { rosType, type RosBridgeConfig } from './config.js';
import { controllerHint } from './hints.js';
import type { ProblemSink } from './link-status.js';
import type { RosTransport } from './transport.js';

/**
 * Check for the trajectory action server (and the gripper's, when `gripper` and in action
 * mode). Returns the problems and reports them to `problems`; an unreadable graph (no rosapi,
 * or an rclnodejs that cannot list publishers) is a warning only, and only returned.
 */
export async function checkActionServers(
  transport: RosTransport,
  config: RosBridgeConfig,
  gripper: boolean,
  problems: ProblemSink,
): Promise<Problem[]> {
  const out: Problem[] = [];
  const timeout = config.timeouts.call * 1000;
  const type = (name: string) => rosType(config.dialect, 'control_msgs', 'action', name);
  let trajectoryUp: boolean;
  try {
    trajectoryUp = await transport.actionServerUp(config.trajectoryAction, type('FollowJointTrajectory'), timeout);
  } catch (err) {
    return [
      {
        id: 'ros.graph',
        severity: 'warn',
        message: `Could not check the robot's action servers: ${(err as Error).message}`,
        tip: transport.endpoint.startsWith('ws')
          ? 'Run rosapi next to rosbridge (the rosbridge launch files start it) so the bridge can check the controllers.'
          : 'Use an rclnodejs release that can list the publishers of a topic (node.getPublishersInfoByTopic) so the bridge can check the controllers.',
      },
    ];
  }
  if (!trajectoryUp) {
    out.push({
      id: 'ros.controller.missing',
      severity: 'error',
      message: `No trajectory action server at ${config.trajectoryAction}: no node on the robot serves it.`,
      tip: controllerHint(config.trajectoryAction, config.dialect),
    });
  }
  if (gripper && config.gripper.mode === 'action') {
    const up = await transport.actionServerUp(config.gripper.action, type('GripperCommand'), timeout).catch(() => true);
    if (!up)
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
