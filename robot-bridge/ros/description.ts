/**
 * Read the robot description (URDF XML) from the robot: the latched /robot_description topic
 * (ROS 2 Humble and later), else robot_state_publisher's `robot_description` parameter
 * (ROS 1: the /robot_description parameter).
 */
import { isObject } from './messages.js';
import type { RosTransport } from './transport.js';

export interface DescriptionSource {
  /** default /robot_description */
  topic?: string;
  /** the node holding the parameter (ROS 2), default robot_state_publisher */
  node?: string;
  /** default robot_description */
  parameter?: string;
}

/** The URDF text, or an Error saying where it looked. The transport must be open. */
export async function fetchRobotDescription(transport: RosTransport, source: DescriptionSource = {}, timeoutS = 3): Promise<string> {
  const topic = source.topic ?? '/robot_description';
  const node = source.node ?? 'robot_state_publisher';
  const parameter = source.parameter ?? 'robot_description';
  const tried: string[] = [];
  if (transport.dialect === 'ros2') {
    const fromTopic = await new Promise<string | null>((resolve) => {
      let off = () => {};
      const timer = setTimeout(
        () => {
          off();
          resolve(null);
        },
        (timeoutS * 1000) / 2,
      );
      off = transport.subscribe(
        topic,
        'std_msgs/msg/String',
        (m) => {
          if (isObject(m) && typeof m.data === 'string' && m.data.includes('<robot')) {
            clearTimeout(timer);
            off();
            resolve(m.data);
          }
        },
        { latched: true },
      );
    });
    if (fromTopic) return fromTopic;
    tried.push(`the ${topic} topic`);
  }
  try {
    const v = await transport.getParameter(node, transport.dialect === 'ros2' ? parameter : `/${parameter}`, (timeoutS * 1000) / 2);
    if (typeof v === 'string' && v.includes('<robot')) return v;
    tried.push(`the ${parameter} parameter (not a URDF)`);
  } catch (err) {
    tried.push(`the ${parameter} parameter${transport.dialect === 'ros2' ? ` of ${node}` : ''} (${(err as Error).message})`);
  }
  throw new Error(
    `[ros] could not read the robot description from the robot: tried ${tried.join(' and ')}. Is robot_state_publisher running? Or name a URDF file in the profile (robot: {urdf: PATH}).`,
  );
}
