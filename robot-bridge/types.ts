/**
 * The one robot interface. Shaped after the ROS 2 conventions so the ROS backends map onto it
 * one to one: `sensor_msgs/JointState`, `control_msgs/action/FollowJointTrajectory` (goal,
 * feedback, result, cancel) and `control_msgs/action/GripperCommand`.
 *
 * Units: radians, rad/s, rad/s^2 (meters for prismatic joints); time in seconds. Times are
 * the backend's clock (sim time in the sim, ROS time on a robot).
 */

/** sensor_msgs/JointState */
export interface JointState {
  /** seconds on the backend clock */
  stamp: number;
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}

/** trajectory_msgs/JointTrajectoryPoint */
export interface JointTrajectoryPoint {
  positions: number[];
  velocities?: number[];
  accelerations?: number[];
  /** seconds from the start of the trajectory */
  timeFromStart: number;
}

/** trajectory_msgs/JointTrajectory */
export interface JointTrajectory {
  jointNames: string[];
  points: JointTrajectoryPoint[];
}

/** FollowJointTrajectory feedback, reduced to what a person needs. */
export interface TrajectoryProgress {
  /** seconds of trajectory time elapsed */
  elapsed: number;
  duration: number;
  /** 0..1 */
  fraction: number;
  desired: number[];
  actual: number[];
}

/**
 * FollowJointTrajectory result. `aborted` means the robot could not follow it (or lost the
 * link), `preempted` means someone called stop/cancel, `rejected` means it never started.
 */
export type TrajectoryOutcome =
  { status: 'succeeded'; finalError: number } | { status: 'aborted' | 'preempted' | 'rejected'; reason: string };

export interface TrajectoryExecution {
  readonly id: string;
  /** resolves when the motion ended, however it ended; never rejects */
  readonly done: Promise<TrajectoryOutcome>;
  cancel(): Promise<void>;
}

export interface ExecuteOptions {
  onProgress?: (p: TrajectoryProgress) => void;
  /**
   * Contacts this motion intends (the fingers closing around the object being grasped): the
   * guard's collision check does not count them. Robot side: a link, "fingers", "gripper",
   * "held"; obstacle side: a scene object name or "NAME wall".
   */
  allow?: readonly { robot: string; obstacle: string }[];
}

/** control_msgs/action/GripperCommand goal */
export interface GripperCommand {
  /** joint value of the gripper joint (per-finger travel in meters for parallel grippers) */
  position: number;
  /** newtons */
  maxEffort: number;
}

/** control_msgs/action/GripperCommand result */
export interface GripperResult {
  position: number;
  effort: number;
  stalled: boolean;
  reachedGoal: boolean;
  /** set when the command could not run at all */
  error?: string;
}

export type Presence = 'not_connected' | 'connecting' | 'connected' | 'reconnecting' | 'error';

/** A problem is data with a hint, not a thrown string. */
export interface Problem {
  id: string;
  severity: 'info' | 'warn' | 'error';
  message: string;
  /** what the user can do about it */
  tip?: string;
}

export interface BackendStatus {
  presence: Presence;
  problems: Problem[];
  /** is a trajectory executing right now */
  moving: boolean;
}

/** What a backend can do; the UI and skills derive their controls from this. */
export interface Capabilities {
  trajectoryExecution: boolean;
  gripper: boolean;
  /** ground-truth object poses are available (the sim) */
  groundTruthObjects: boolean;
  /** the backend's clock can run faster than real time */
  simTimeControl: boolean;
  /**
   * the arm can be switched into a compliant controller so a person can guide it by hand
   * (kinesthetic demonstrations), and back: `setHandGuiding` works
   */
  handGuiding: boolean;
}

export type Unsubscribe = () => void;

export interface RobotBackend {
  readonly kind: string;
  readonly capabilities: Capabilities;
  /** arm joint names, in the order used by positions everywhere */
  readonly jointNames: readonly string[];
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  status(): BackendStatus;
  onStatus(listener: (s: BackendStatus) => void): Unsubscribe;
  onJointState(listener: (s: JointState) => void): Unsubscribe;
  /** latest arm joint state (arm joints only, in `jointNames` order) */
  jointState(): JointState;
  /** current gripper joint value (meters of per-finger travel for parallel grippers) */
  gripperPosition(): number;
  /** seconds on the backend clock */
  now(): number;
  executeTrajectory(trajectory: JointTrajectory, options?: ExecuteOptions): TrajectoryExecution;
  gripper(command: GripperCommand): Promise<GripperResult>;
  /** Halt now and hold position, from any state. Cancels any trajectory and gripper motion. */
  stop(): Promise<void>;
  /**
   * Let the backend's clock run for `seconds` with no command (objects settle after a release).
   * On a real robot this just waits.
   */
  wait(seconds: number): Promise<void>;
  /**
   * Only when `capabilities.handGuiding`: switch the arm to its compliant controller (on) so a
   * person can move it by hand, or back to the trajectory controller (off). Trajectories are
   * refused while it is on. Rejects with the reason when the switch did not happen.
   */
  setHandGuiding?(on: boolean): Promise<void>;
}
