/**
 * Hand-guiding on a ROS robot: switch between the trajectory controller and a compliant
 * (gravity-compensation) controller through controller_manager's SwitchController service.
 */
import type { Problem } from '../types.js';
import { rosType, type HandGuideConfig, type RosBridgeConfig } from './config.js';
import { isObject } from './messages.js';
import type { RosTransport } from './transport.js';

/** The profile's hand-guiding controllers, or an error that says what to add. */
export function requireHandGuide(config: RosBridgeConfig): HandGuideConfig {
  const hg = config.handGuide;
  if (!hg)
    throw new Error(
      '[ros] hand-guiding is not configured: add teaching.handGuide (compliantController, trajectoryController) to the profile',
    );
  return hg;
}

/**
 * Activate the compliant controller and deactivate the trajectory controller (`on`), or the
 * reverse. Resolves with the name of the controller now active; throws when the switch is refused.
 */
export async function switchControllers(
  transport: RosTransport,
  config: RosBridgeConfig,
  hg: HandGuideConfig,
  on: boolean,
): Promise<string> {
  const [activate, deactivate] = on ? [hg.compliantController, hg.trajectoryController] : [hg.trajectoryController, hg.compliantController];
  const request =
    config.dialect === 'ros2'
      ? {
          activate_controllers: [activate],
          deactivate_controllers: [deactivate],
          strictness: 2,
          activate_asap: true,
          timeout: { sec: 5, nanosec: 0 },
        }
      : { start_controllers: [activate], stop_controllers: [deactivate], strictness: 2, start_asap: true, timeout: 5 };
  const r = await transport.callService(
    hg.service,
    rosType(config.dialect, 'controller_manager_msgs', 'srv', 'SwitchController'),
    request,
    config.timeouts.call * 1000 + 5000,
  );
  if (!isObject(r) || r.ok !== true)
    throw new Error(
      `[ros] controller_manager refused to switch to ${activate}${isObject(r) && typeof r.message === 'string' && r.message ? `: ${r.message}` : ''}`,
    );
  return activate;
}

/** The info problem shown while the arm is compliant (`controller`: the compliant controller). */
export function handGuidingProblem(controller: string): Problem {
  return {
    id: 'ros.hand_guiding',
    severity: 'info',
    message: `Hand-guiding: ${controller} is active and the arm is compliant.`,
    tip: 'Motions are refused until hand-guiding is switched off.',
  };
}
