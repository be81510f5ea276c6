/**
 * What a ROS backend needs to know about the robot's ROS interfaces. session/profile.ts reads
 * these from a YAML profile (and validates them); everything has a default that matches a
 * stock ros2_control arm (ROS 2) or ros_control arm (ROS 1).
 *
 * Units: seconds, radians (meters for prismatic joints).
 */
import type { Dialect } from './transport.js';

export type GripperMode = 'action' | 'topic' | 'service' | 'none';

export interface GripperConfig {
  mode: GripperMode;
  /** action mode: control_msgs GripperCommand action */
  action: string;
  /** topic mode: where position commands go, and their type */
  topic: string;
  /** std_msgs Float64MultiArray ({data: [x]}) or Float64 ({data: x}) */
  topicType: string;
  /** service mode: the service and its type */
  service: string;
  serviceType: string;
  /**
   * service mode: the request, with "$position" and "$effort" replaced by the command's values,
   * e.g. {position: "$position", max_effort: "$effort"}
   */
  request: Record<string, unknown>;
  /** robot's name of the gripper joint in /joint_states (default: the URDF's, through `joints`) */
  joint?: string;
  /** robot command = URDF joint value × scale (2 for "total opening width" grippers) */
  scale: number;
  /** give up on a gripper command after this long, s */
  timeout: number;
}

export interface TfConfig {
  enabled: boolean;
  /** the frame object positions are expressed in; the app's world frame (default: the URDF root link) */
  fixedFrame?: string;
  /** entity body name -> TF frame name (default: the body name itself) */
  frames: Record<string, string>;
  /** dynamic transforms older than this are treated as unknown, s (0: never) */
  maxAge: number;
}

export interface HandGuideConfig {
  /** controller_manager's switch service */
  service: string;
  /** the compliant / gravity-compensation controller to activate for hand-guiding */
  compliantController: string;
  /** the trajectory controller to deactivate meanwhile (and reactivate after) */
  trajectoryController: string;
}

export interface RosBridgeConfig {
  dialect: Dialect;
  /** rosbridge WebSocket URL (rosbridge transport only) */
  url: string;
  jointStates: string;
  /** URDF joint name -> the robot's name, for robots whose names differ (prefixes, other vendors) */
  jointNames: Record<string, string>;
  /** prefix added to URDF joint names that have no entry in jointNames */
  jointPrefix: string;
  /** FollowJointTrajectory action of the joint_trajectory_controller */
  trajectoryAction: string;
  /**
   * optional: a trajectory topic that holds position on an empty message (the JTC's
   * ~/joint_trajectory, ROS 1 ~/command); published on stop() in addition to cancelling
   */
  stopTopic?: string;
  /** 0 < s ≤ 1: trajectories are slowed down by this factor before sending (never sped up) */
  speedScale: number;
  /** goal_time_tolerance sent with each trajectory, s */
  goalTimeTolerance: number;
  gripper: GripperConfig;
  tf: TfConfig;
  handGuide?: HandGuideConfig;
  timeouts: {
    /** opening the link, s */
    connect: number;
    /** first complete joint state after connecting, s */
    jointStates: number;
    /** joint states older than this are stale, s */
    stale: number;
    /** a goal must be acknowledged (feedback, status or result) within this, s */
    goalAck: number;
    /** service calls, s */
    call: number;
  };
  reconnect: {
    /** first retry delay, s; doubles per attempt */
    initial: number;
    /** longest delay between retries, s */
    max: number;
  };
}

export type RosBridgeConfigInput = Partial<Omit<RosBridgeConfig, 'gripper' | 'tf' | 'timeouts' | 'reconnect'>> & {
  gripper?: Partial<GripperConfig>;
  tf?: Partial<TfConfig>;
  timeouts?: Partial<RosBridgeConfig['timeouts']>;
  reconnect?: Partial<RosBridgeConfig['reconnect']>;
};

/** Defaults per dialect: ROS 2 ros2_control names, or ROS 1 ros_control names. */
export function resolveRosConfig(input: RosBridgeConfigInput = {}): RosBridgeConfig {
  const dialect = input.dialect ?? 'ros2';
  const speedScale = input.speedScale ?? 1;
  // Slower only: a factor above 1 would speed up motions the safety guard checked at 1.
  if (!(speedScale > 0 && speedScale <= 1)) throw new RangeError(`[ros] speedScale must be in (0, 1], got ${speedScale}`);
  const ros1 = dialect === 'ros1';
  const g = input.gripper ?? {};
  return {
    dialect,
    url: input.url ?? 'ws://localhost:9090',
    jointStates: input.jointStates ?? '/joint_states',
    jointNames: { ...input.jointNames },
    jointPrefix: input.jointPrefix ?? '',
    trajectoryAction:
      input.trajectoryAction ?? (ros1 ? '/arm_controller/follow_joint_trajectory' : '/joint_trajectory_controller/follow_joint_trajectory'),
    stopTopic: input.stopTopic,
    speedScale,
    goalTimeTolerance: input.goalTimeTolerance ?? 0.5,
    gripper: {
      mode: g.mode ?? 'action',
      action: g.action ?? (ros1 ? '/gripper_controller/gripper_cmd' : '/gripper_controller/gripper_cmd'),
      topic: g.topic ?? '/gripper_controller/commands',
      topicType: g.topicType ?? (ros1 ? 'std_msgs/Float64MultiArray' : 'std_msgs/msg/Float64MultiArray'),
      service: g.service ?? '/gripper/command',
      serviceType: g.serviceType ?? '',
      request: g.request ?? { position: '$position', max_effort: '$effort' },
      joint: g.joint,
      scale: g.scale ?? 1,
      timeout: g.timeout ?? 5,
    },
    tf: {
      enabled: input.tf?.enabled ?? true,
      fixedFrame: input.tf?.fixedFrame,
      frames: { ...input.tf?.frames },
      maxAge: input.tf?.maxAge ?? 10,
    },
    handGuide: input.handGuide,
    timeouts: {
      connect: 5,
      jointStates: 3,
      stale: 0.5,
      goalAck: 3,
      call: 3,
      ...input.timeouts,
    },
    reconnect: { initial: 0.5, max: 5, ...input.reconnect },
  };
}

/** The ROS type name of an interface in the dialect's spelling. */
export function rosType(dialect: Dialect, pkg: string, kind: 'msg' | 'srv' | 'action', name: string): string {
  if (dialect === 'ros2') return `${pkg}/${kind}/${name}`;
  return kind === 'action' ? `${pkg}/${name}Action` : `${pkg}/${name}`;
}
