/**
 * What to do about each way the link to a ROS robot can fail. One place, so the backend's
 * problems, `shammie start` and `shammie doctor` give the same advice.
 */
import type { Dialect, LinkFailure } from './transport.js';

export function linkHint(kind: LinkFailure, url: string, dialect: Dialect): string {
  let host = url,
    port = '9090';
  try {
    const u = new URL(url);
    host = u.hostname;
    port = u.port || (u.protocol === 'wss:' ? '443' : '80');
  } catch {
    /* keep the raw text */
  }
  const launch =
    dialect === 'ros2'
      ? 'ros2 launch rosbridge_server rosbridge_websocket_launch.xml'
      : 'roslaunch rosbridge_server rosbridge_websocket.launch';
  switch (kind) {
    case 'bad_url':
      return `Wrong URL: set url in the profile to the rosbridge WebSocket, like ws://ROBOT_HOST:9090 (or $ROSBRIDGE_URL).`;
    case 'refused':
      return `rosbridge is not running: nothing listens on ${host}:${port}. Start it on the robot computer: ${launch} (port 9090 by default), or fix the port in the profile's url.`;
    case 'unknown_host':
      return `Wrong URL: the host "${host}" is unknown. Check the robot computer's name or IP address in the profile's url.`;
    case 'timeout':
      return `${host} did not answer: check that the robot computer is on this network (ping ${host}) and that no firewall blocks port ${port}.`;
    case 'not_rosbridge':
      return `Wrong URL: something that is not rosbridge answers at ${url}. rosbridge listens on ws://HOST:9090 by default; check the port and path.`;
    case 'no_ros':
      return 'ROS 2 is not available to this process: source it first (source /opt/ros/<distro>/setup.bash), so that AMENT_PREFIX_PATH is set.';
    default:
      return `Check that rosbridge is running at ${url} and reachable from here.`;
  }
}

export function jointStatesHint(topic: string, dialect: Dialect): string {
  return dialect === 'ros2'
    ? `No joint states on ${topic}: is joint_state_broadcaster active (ros2 control list_controllers)? If the robot publishes them elsewhere, set joints.states in the profile.`
    : `No joint states on ${topic}: is the robot driver (joint_state_controller) running (rostopic hz ${topic})? If they are published elsewhere, set joints.states in the profile.`;
}

/**
 * The robot publishes joint names the URDF does not have. Suggest a prefix when every URDF
 * joint appears with the same one (fr3_joint1 for joint1), else a mapping.
 */
export function jointMismatchHint(missing: string[], seen: string[], urdfJoints: readonly string[]): string {
  let prefix: string | null = null;
  let consistent = true;
  for (const j of urdfJoints) {
    const m = seen.find((s) => s.endsWith(j) && s !== j);
    const p = m ? m.slice(0, m.length - j.length) : null;
    if (p === null || (prefix !== null && p !== prefix)) {
      consistent = false;
      break;
    }
    prefix = p;
  }
  const shown = seen.slice(0, 12).join(', ') + (seen.length > 12 ? ', …' : '');
  if (consistent && prefix) {
    return `Joint-name mismatch: the robot's joints carry the prefix "${prefix}". Add joints: {prefix: "${prefix}"} to the profile.`;
  }
  return (
    `Joint-name mismatch: the robot publishes [${shown || 'nothing'}] but the URDF needs [${missing.join(', ')}]. ` +
    'Map them in the profile (joints: {names: {URDF_NAME: ROBOT_NAME}}), or use the URDF of the robot that is connected (robot: {urdf: robot} reads it from the robot).'
  );
}

export function controllerHint(action: string, dialect: Dialect): string {
  return dialect === 'ros2'
    ? `Missing controller: no FollowJointTrajectory action server at ${action}. Is joint_trajectory_controller loaded and active (ros2 control list_controllers; ros2 control set_controller_state joint_trajectory_controller active)? If it has another name, set trajectory.action in the profile.`
    : `Missing controller: no FollowJointTrajectory action server at ${action}. Is the arm controller running (rosservice call /controller_manager/list_controllers)? If it has another name, set trajectory.action in the profile.`;
}
