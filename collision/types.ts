/**
 * The shapes of what the collision checks take and return (checker.ts). Units: meters,
 * radians, seconds; points in the world frame (z up, z = 0 the table top, robot base at the origin).
 */
import type { Vec3 } from '../model/math/transform.js';

/** Clearance below which two bodies count as in contact (m). */
export const DEFAULT_MARGIN = 0.005;
/** Largest displacement of any point of the robot (or held object) between path samples (m). */
export const DEFAULT_PATH_STEP = 0.01;

/**
 * A contact the caller intends, so not reported: robot side × obstacle side.
 * robot: a link name, "fingers" (the links the gripper moves), "gripper" (every link after the
 * last arm joint: hand, fingers), "robot" (every link), "held" (any held object) or "held NAME".
 * obstacle: an object name (all its parts), "NAME label" (e.g. "GIFT_BAG wall"), or "*" (any).
 */
export interface AllowedContact {
  robot: string;
  obstacle: string;
}

export interface CheckOptions {
  /** clearance (m) below which bodies count as touching; default the checker's (5 mm) */
  margin?: number;
  /** intended contacts, not reported */
  allow?: readonly AllowedContact[];
  /** check the robot's links against each other; default true */
  self?: boolean;
}

export interface PathOptions extends CheckOptions {
  /** gripper joint value along the motion (m); default open */
  gripper?: number;
  /** largest displacement (m) of any point of the robot or held object between samples; default 0.01 */
  maxStep?: number;
}

export interface Contact {
  kind: 'robot-scene' | 'held-scene' | 'held-robot' | 'self';
  /** readable name of the moving side: a link ("panda_hand") or "held CANDY" */
  a: string;
  /** readable name of the other side: "GIFT_BAG wall", "table", or a link */
  b: string;
  /** a world point at the contact (m): the point of side b's shape nearest the offending sphere of side a (inside b when they overlap) */
  point: Vec3;
  /** the robot link on side a (for a held object: the link holding it) */
  link: string;
  /** the scene object involved (side b for *-scene, the held object for held-robot) */
  object?: string;
}

export interface PathContact extends Contact {
  /** seconds from the start of the trajectory, or null for bare waypoints */
  time: number | null;
  /** segment index (waypoint k to k + 1) and how far along it (0..1) */
  segment: number;
  fraction: number;
  /** the configuration in contact */
  q: number[];
}

/** A trajectory (trajectory_msgs/JointTrajectory shape) or bare waypoints. */
export type PathInput = { points: readonly { positions: readonly number[]; timeFromStart: number }[] } | readonly (readonly number[])[];
