/**
 * A robot model derived from one URDF: the arm's actuated chain from the base to the tool
 * frame, the gripper, limits and a home pose, plus forward kinematics of every link.
 * Nothing here assumes a joint count: the Panda (7) and UR5e (6) descriptions both load.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { fromAxisAngle, fromTranslation, fromXyzRpy, identity, multiply, type Mat4, type Vec3 } from '../math/transform.js';
import { loadUrdf, UrdfError, type Joint, type RobotDescription, type UrdfOptions } from './urdf.js';

export interface ArmJoint {
  name: string;
  type: 'revolute' | 'continuous' | 'prismatic';
  /** unit axis in the joint frame */
  axis: Vec3;
  /** joint origin in the parent link frame */
  origin: Mat4;
  /** radians (meters for prismatic); ±Infinity for continuous joints */
  lower: number;
  upper: number;
  /** rad/s (m/s) */
  velocity: number;
  /** rad/s^2 (m/s^2) */
  acceleration: number;
  effort: number;
}

export interface GripperSpec {
  /** the commanded finger joint (the others mimic it) */
  joint: string;
  mimics: { joint: string; multiplier: number; offset: number }[];
  /** joint values for fully open and fully closed (meters of travel per finger for prismatic fingers) */
  open: number;
  closed: number;
  velocity: number;
  effort: number;
}

export interface RobotModelOptions extends UrdfOptions {
  /** override the tool frame link */
  tipLink?: string;
}

/** Default acceleration when a URDF gives none: twice the velocity limit per second. */
const DEFAULT_ACCEL_PER_VEL = 2;

const TIP_NAME_HINT = /tcp|tool0|end_?effector|ee_link|flange/i;

export class RobotModel {
  readonly description: RobotDescription;
  readonly name: string;
  readonly arm: ArmJoint[];
  readonly jointNames: string[];
  readonly tipLink: string;
  readonly baseLink: string;
  readonly gripper?: GripperSpec;
  readonly home: number[];
  /** joints in parent-before-child order, for whole-tree FK */
  readonly #treeOrder: { joint: Joint; origin: Mat4 }[];
  readonly #armIndex = new Map<string, number>();

  constructor(description: RobotDescription, options: RobotModelOptions = {}) {
    this.description = description;
    this.name = description.name;
    this.baseLink = description.rootLink;
    const byChild = new Map(description.joints.map((j) => [j.child, j]));
    const tip = options.tipLink ?? description.extras.tipLink ?? inferTip(description);
    if (!description.links.has(tip)) {
      throw new UrdfError(`${description.source}: tip link "${tip}" does not exist; links are ${[...description.links.keys()].join(', ')}`);
    }
    this.tipLink = tip;

    const path: Joint[] = [];
    for (let link = tip; link !== description.rootLink;) {
      const j = byChild.get(link);
      if (!j) break;
      path.unshift(j);
      link = j.parent;
    }
    this.arm = path
      .filter((j) => j.type === 'revolute' || j.type === 'continuous' || j.type === 'prismatic')
      .filter((j) => !j.mimic)
      .map((j) => {
        // parseUrdf gives every actuated joint a checked limit; a description built another way
        // without one is refused rather than given an invented speed.
        if (!j.limit) throw new UrdfError(`${description.source}: joint "${j.name}" has no <limit>; the arm's speed would be a guess`);
        return {
          name: j.name,
          type: j.type as ArmJoint['type'],
          axis: j.axis,
          origin: fromXyzRpy(j.origin.xyz, j.origin.rpy),
          // Continuous joints keep ±Infinity: they turn without end, and the guard caps their speed.
          lower: j.type === 'continuous' ? -Infinity : j.limit.lower,
          upper: j.type === 'continuous' ? Infinity : j.limit.upper,
          velocity: j.limit.velocity,
          acceleration: description.extras.acceleration[j.name] ?? DEFAULT_ACCEL_PER_VEL * j.limit.velocity,
          effort: j.limit.effort,
        };
      });
    if (this.arm.length === 0) throw new UrdfError(`${description.source}: no actuated joints between ${description.rootLink} and ${tip}`);
    this.jointNames = this.arm.map((j) => j.name);
    this.arm.forEach((j, i) => this.#armIndex.set(j.name, i));

    this.gripper = findGripper(description, new Set(path.map((j) => j.name)));

    const home = description.extras.home;
    if (home) {
      if (home.length !== this.arm.length) {
        throw new UrdfError(
          `${description.source}: <shammie home> has ${home.length} values but the arm has ${this.arm.length} joints (${this.jointNames.join(', ')})`,
        );
      }
      this.arm.forEach((j, i) => {
        if (home[i] < j.lower || home[i] > j.upper)
          throw new UrdfError(`${description.source}: home value ${home[i]} of ${j.name} is outside [${j.lower}, ${j.upper}]`);
      });
      this.home = [...home];
    } else {
      this.home = this.arm.map((j) => (j.lower <= 0 && j.upper >= 0 ? 0 : Number.isFinite(j.lower) ? (j.lower + j.upper) / 2 : 0));
    }

    // Topological order for whole-tree FK.
    const children = new Map<string, Joint[]>();
    for (const j of description.joints) {
      const list = children.get(j.parent) ?? [];
      list.push(j);
      children.set(j.parent, list);
    }
    this.#treeOrder = [];
    const stack = [description.rootLink];
    while (stack.length) {
      const link = stack.pop()!;
      for (const j of children.get(link) ?? []) {
        this.#treeOrder.push({ joint: j, origin: fromXyzRpy(j.origin.xyz, j.origin.rpy) });
        stack.push(j.child);
      }
    }
  }

  static fromFile(path: string, options: RobotModelOptions = {}): RobotModel {
    return new RobotModel(loadUrdf(path, { allowBadLimits: options.allowBadLimits }), options);
  }

  get dof(): number {
    return this.arm.length;
  }

  armIndex(jointName: string): number {
    const i = this.#armIndex.get(jointName);
    if (i === undefined) throw new Error(`[robot-model] "${jointName}" is not an arm joint; arm joints are ${this.jointNames.join(', ')}`);
    return i;
  }

  /** Is q inside the position limits (with an optional margin, radians/meters)? */
  withinLimits(q: ArrayLike<number>, margin = 0): boolean {
    for (let i = 0; i < this.arm.length; i++) {
      const j = this.arm[i];
      if (!(q[i] >= j.lower + margin && q[i] <= j.upper - margin)) return false;
    }
    return true;
  }

  /**
   * World-frame (= base frame) pose of every link for arm joint values `q` and gripper joint
   * value `gripper` (defaults to open). Joints not on the arm or gripper stay at zero.
   */
  linkPoses(q: ArrayLike<number>, gripper?: number): Map<string, Mat4> {
    if (q.length !== this.arm.length) throw new Error(`[robot-model] expected ${this.arm.length} joint values, got ${q.length}`);
    const out = new Map<string, Mat4>();
    out.set(this.description.rootLink, identity());
    const g = gripper ?? this.gripper?.open ?? 0;
    const motion = new Float64Array(16);
    for (const { joint, origin } of this.#treeOrder) {
      let value = 0;
      const armI = this.#armIndex.get(joint.name);
      if (armI !== undefined) value = q[armI];
      else if (this.gripper && joint.name === this.gripper.joint) value = g;
      else if (joint.mimic) {
        const leader = joint.mimic.joint;
        const lv = this.#armIndex.has(leader) ? q[this.#armIndex.get(leader)!] : this.gripper && leader === this.gripper.joint ? g : 0;
        value = lv * joint.mimic.multiplier + joint.mimic.offset;
      }
      const parent = out.get(joint.parent)!;
      const m = multiply(parent, origin);
      if (joint.type === 'revolute' || joint.type === 'continuous') multiply(m, fromAxisAngle(joint.axis, value, motion), m);
      else if (joint.type === 'prismatic')
        multiply(m, fromTranslation([joint.axis[0] * value, joint.axis[1] * value, joint.axis[2] * value], motion), m);
      out.set(joint.child, m);
    }
    return out;
  }

  /** Pose of the tool frame in the base frame. */
  tipPose(q: ArrayLike<number>): Mat4 {
    return this.linkPoses(q).get(this.tipLink)!;
  }
}

function inferTip(d: RobotDescription): string {
  const parents = new Set(d.joints.map((j) => j.parent));
  const leaves = [...d.links.keys()].filter((l) => !parents.has(l));
  const byChild = new Map(d.joints.map((j) => [j.child, j]));
  const depth = (link: string): number => {
    let n = 0;
    for (let l = link; byChild.has(l); l = byChild.get(l)!.parent) {
      const j = byChild.get(l)!;
      if (j.type !== 'fixed' && !j.mimic && j.type !== 'prismatic') n++;
    }
    return n;
  };
  const named = leaves.filter((l) => TIP_NAME_HINT.test(l));
  const pool = named.length ? named : leaves;
  return pool.reduce((best, l) => (depth(l) > depth(best) ? l : best), pool[0]);
}

function findGripper(d: RobotDescription, chain: Set<string>): GripperSpec | undefined {
  const spec = d.extras.gripper;
  const leader = spec
    ? d.joints.find((j) => j.name === spec.joint)
    : d.joints.find((j) => j.type === 'prismatic' && !j.mimic && !chain.has(j.name));
  if (!leader) return undefined;
  const mimics = d.joints
    .filter((j) => j.mimic?.joint === leader.name)
    .map((j) => ({ joint: j.name, multiplier: j.mimic!.multiplier, offset: j.mimic!.offset }));
  return {
    joint: leader.name,
    mimics,
    open: spec?.open ?? leader.limit?.upper ?? 0,
    closed: spec?.closed ?? leader.limit?.lower ?? 0,
    velocity: leader.limit?.velocity ?? 0.1,
    effort: leader.limit?.effort ?? 20,
  };
}

const here = dirname(fileURLToPath(import.meta.url));

/** Paths of the descriptions shipped with Shammie. */
export const BUILTIN_ROBOTS = {
  panda: join(here, 'robots', 'panda.urdf'),
  ur5e: join(here, 'robots', 'ur5e.urdf'),
} as const;

export type BuiltinRobot = keyof typeof BUILTIN_ROBOTS;

/** Load a built-in robot by name, or any URDF by path. */
export function loadRobotModel(nameOrPath: string, options?: RobotModelOptions): RobotModel {
  const builtin = (BUILTIN_ROBOTS as Record<string, string>)[nameOrPath];
  return RobotModel.fromFile(builtin ?? nameOrPath, options);
}
