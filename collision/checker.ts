/**
 * Collision checks of one robot in one planning scene: a configuration (`checkState`), a
 * motion (`checkPath`, `isMotionFree`). Checked: the robot's links against each other (minus
 * the allowed-collision matrix), against every scene object, and the held object against the
 * scene and against the robot's links other than the ones it may touch.
 *
 * Each test puts a conservative sphere model (robot.ts: every point of a link or held object is
 * inside one of its spheres, which overshoot it by ≤ the tolerance, 5 mm by default) against
 * exact shapes: a link's spheres against an obstacle's primitives, one link's spheres against
 * the other link's URDF primitives. So a check never says "free" when the true shapes
 * intersect; it may report a contact up to tolerance + margin early. Contact means "closer than
 * the clearance margin" (default 5 mm), so a passed check has real room.
 *
 * Speed: poses and spheres live in flat typed arrays (compiled.ts holds the scene flattened);
 * a check allocates nothing unless it finds a contact. Broad phase: each body's bounding sphere
 * against each obstacle part's (then against the exact part) and each other body's; narrow
 * phase: walking the body's bounding-sphere tree (tree.ts).
 *
 * Units: meters, radians, seconds. World frame: z up, z = 0 the table top, robot base at the origin.
 */
import { invertRigid, multiply, type Mat4 } from '../model/math/transform.js';
import { allowedCollisions, type AllowedCollisionMatrix } from './acm.js';
import { CompiledScene, toMat4 } from './compiled.js';
import type { RobotCollisionModel } from './robot.js';
import type { PlanningScene, SceneObject } from './scene.js';
import { CollisionInputError } from './shapes.js';
import { decompose } from './spheres.js';
import { buildTree, type SphereTree } from './tree.js';
import {
  DEFAULT_MARGIN,
  DEFAULT_PATH_STEP,
  type CheckOptions,
  type Contact,
  type PathContact,
  type PathInput,
  type PathOptions,
} from './types.js';

export * from './types.js';

export interface CheckerOptions {
  /** allowed-collision matrix; default allowedCollisions(robot) */
  acm?: AllowedCollisionMatrix;
  /** default clearance margin (m); default 0.005 */
  margin?: number;
  /**
   * clearance (m) between the robot's own links; default 0: they are checked at their URDF
   * shapes (one side also carries the sphere over-approximation). The margin is the room kept
   * from the world; the robot's coarse primitives already over-cover its real links.
   */
  selfMargin?: number;
}

export class CollisionChecker {
  readonly robot: RobotCollisionModel;
  readonly scene: PlanningScene;
  readonly acm: AllowedCollisionMatrix;
  readonly margin: number;
  readonly selfMargin: number;
  /** robot body pairs tested for self-collision (flat i, j: i's spheres against j's exact shapes) */
  readonly #selfPairs: Int32Array;
  readonly #heldTrees = new Map<string, SphereTree>();
  readonly #q: Float64Array;
  #compiled: CompiledScene;

  constructor(robot: RobotCollisionModel, scene: PlanningScene, options: CheckerOptions = {}) {
    this.robot = robot;
    this.scene = scene;
    this.margin = checkMargin(options.margin ?? DEFAULT_MARGIN);
    this.selfMargin = checkMargin(options.selfMargin ?? 0);
    this.acm = options.acm ?? allowedCollisions(robot);
    const pairs: number[] = [];
    // The side with fewer spheres walks its tree against the other's exact shapes.
    const fewer = (i: number, j: number) => robot.bodies[i].spheres.count <= robot.bodies[j].spheres.count;
    for (let i = 0; i < robot.bodies.length; i++)
      for (let j = i + 1; j < robot.bodies.length; j++)
        if (!this.acm.allows(robot.bodies[i].link, robot.bodies[j].link)) pairs.push(...(fewer(i, j) ? [i, j] : [j, i]));
    this.#selfPairs = Int32Array.from(pairs);
    this.#q = new Float64Array(robot.model.dof);
    this.#compiled = new CompiledScene(robot, scene, (o) => this.#heldTree(o));
  }

  /** Robot link pairs tested against each other (the complement of the allowed-collision matrix). */
  get selfPairs(): [string, string][] {
    return this.#sync().pairNames(this.#selfPairs);
  }

  /**
   * The first contact at arm configuration q (rad) with the gripper at `gripper` (m; default
   * open), or null when everything keeps at least the margin apart. Order: robot and held object
   * vs the scene, held object vs the robot, robot vs itself.
   */
  checkState(q: ArrayLike<number>, gripper: number = this.robot.kinematics.gripperDefault, options: CheckOptions = {}): Contact | null {
    this.robot.kinematics.validate(q, gripper);
    const margin = options.margin === undefined ? this.margin : checkMargin(options.margin);
    const allow = this.#sync().allowMatrix(options.allow);
    this.robot.kinematics.compute(q, gripper);
    return this.#scan(margin, allow, options.self ?? true) ? this.#compiled.describe() : null;
  }

  /** checkState(...) === null without building a report: for planners. */
  isFree(q: ArrayLike<number>, gripper: number = this.robot.kinematics.gripperDefault, options: CheckOptions = {}): boolean {
    this.robot.kinematics.validate(q, gripper);
    const margin = options.margin === undefined ? this.margin : checkMargin(options.margin);
    const allow = this.#sync().allowMatrix(options.allow);
    this.robot.kinematics.compute(q, gripper);
    return !this.#scan(margin, allow, options.self ?? true);
  }

  /**
   * The first contact along a motion, with its time. Between waypoints the motion is taken as
   * linear in joint space and sampled so that no point of the robot or the held object moves
   * more than `maxStep` (default 1 cm) between samples.
   *
   * The step comes from a per-joint bound, not a measurement: a point below joint i moves at
   * most R_i per radian of joint i, R_i being its largest possible distance from the joint's
   * axis (joint origin lengths down the chain plus the farthest sphere of the body, whatever the
   * joints in between do); so a move of Δq displaces every point by at most Σ R_i |Δq_i|.
   * With a margin m ≥ maxStep / 2 no contact with a fixed obstacle can hide between samples
   * (every point in between is within maxStep / 2 of a sampled position); between two moving
   * links the same holds for m ≥ maxStep.
   */
  checkPath(path: PathInput, options: PathOptions = {}): PathContact | null {
    const { waypoints, times } = this.#readPath(path);
    const gripper = options.gripper ?? this.robot.kinematics.gripperDefault;
    const step = options.maxStep ?? DEFAULT_PATH_STEP;
    if (!(Number.isFinite(step) && step >= 0.0005 && step <= 0.1))
      throw new CollisionInputError(`maxStep must be in [0.0005, 0.1] m, got ${step}`);
    this.robot.kinematics.validate(waypoints[0], gripper);
    const margin = options.margin === undefined ? this.margin : checkMargin(options.margin);
    const allow = this.#sync().allowMatrix(options.allow);
    const self = options.self ?? true;
    const q = this.#q,
      dof = q.length;
    const report = (k: number, f: number): PathContact => {
      const c = this.#compiled.describe();
      const time = times ? times[k] + f * ((times[k + 1] ?? times[k]) - times[k]) : null;
      return { ...c, time, segment: k, fraction: f, q: [...q] };
    };
    for (let i = 0; i < dof; i++) q[i] = waypoints[0][i];
    this.robot.kinematics.compute(q, gripper);
    if (this.#scan(margin, allow, self)) return report(0, 0);
    for (let k = 0; k + 1 < waypoints.length; k++) {
      const a = waypoints[k],
        b = waypoints[k + 1];
      const n = this.samplesFor(a, b, step);
      for (let s = 1; s <= n; s++) {
        const f = s / n;
        for (let i = 0; i < dof; i++) q[i] = a[i] + f * (b[i] - a[i]);
        this.robot.kinematics.compute(q, gripper);
        if (this.#scan(margin, allow, self)) return report(k, f);
      }
    }
    return null;
  }

  /**
   * Is the straight joint-space move qa → qb free (endpoints included)? Same sampling as
   * checkPath, visited coarse to fine (bisection order), so a blocked move is usually refused
   * after a few checks. For planners: no report, no allocation.
   */
  isMotionFree(
    qa: ArrayLike<number>,
    qb: ArrayLike<number>,
    gripper: number = this.robot.kinematics.gripperDefault,
    options: PathOptions = {},
  ): boolean {
    this.robot.kinematics.validate(qa, gripper);
    this.robot.kinematics.validate(qb, gripper);
    const step = options.maxStep ?? DEFAULT_PATH_STEP;
    if (!(Number.isFinite(step) && step >= 0.0005 && step <= 0.1))
      throw new CollisionInputError(`maxStep must be in [0.0005, 0.1] m, got ${step}`);
    const margin = options.margin === undefined ? this.margin : checkMargin(options.margin);
    const allow = this.#sync().allowMatrix(options.allow);
    const self = options.self ?? true;
    const q = this.#q,
      dof = q.length;
    const at = (f: number): boolean => {
      for (let i = 0; i < dof; i++) q[i] = qa[i] + f * (qb[i] - qa[i]);
      this.robot.kinematics.compute(q, gripper);
      return !this.#scan(margin, allow, self);
    };
    if (!at(1) || !at(0)) return false;
    const n = this.samplesFor(qa, qb, step);
    // Visit the interior samples 1..n-1 in bisection order: strides n/2, n/4, … (each sample once).
    for (let stride = highestPowerOfTwoBelow(n); stride >= 1; stride >>= 1)
      for (let s = stride; s < n; s += 2 * stride) if (!at(s / n)) return false;
    return true;
  }

  /**
   * Samples needed on qa → qb so that no point moves more than `step` (m) between samples
   * (at least 1): ceil(Σ R_i |Δq_i| / step).
   */
  samplesFor(qa: ArrayLike<number>, qb: ArrayLike<number>, step: number = DEFAULT_PATH_STEP): number {
    const kin = this.robot.kinematics;
    kin.validate(qa, kin.gripperDefault);
    kin.validate(qb, kin.gripperDefault);
    if (!(Number.isFinite(step) && step > 0)) throw new CollisionInputError(`step must be a positive length (m), got ${step}`);
    const bound = this.#sync().motionBound;
    let d = 0;
    for (let i = 0; i < bound.length; i++) d += bound[i] * Math.abs(qb[i] - qa[i]);
    const n = Math.max(1, Math.ceil(d / step));
    if (!(n <= 1_000_000)) throw new CollisionInputError(`a move of ${d.toFixed(1)} m of travel needs over a million samples; split it`);
    return n;
  }

  /** Per arm joint: the most any point of the robot or held object moves per unit of that joint (m/rad, m/m). */
  get motionBounds(): number[] {
    return [...this.#sync().motionBound];
  }

  /**
   * Attach a scene object to `link` where it is now relative to the link at configuration q:
   * the object in the gripper. touchLinks: links it may touch (default the link and below).
   */
  attachInPlace(
    name: string,
    link: string,
    q: ArrayLike<number>,
    gripper: number = this.robot.kinematics.gripperDefault,
    touchLinks?: readonly string[],
  ): void {
    const obj = this.scene.get(name);
    if (!obj) throw new CollisionInputError(`no object "${name}" in the planning scene`);
    if (obj.attached) throw new CollisionInputError(`${name} is already held by ${obj.attached.link}`);
    const linkPose = this.linkPose(link, q, gripper);
    this.scene.attach(name, link, multiply(invertRigid(linkPose), obj.pose), touchLinks);
  }

  /** Put a held object back into the scene where it is at configuration q. */
  detachInPlace(name: string, q: ArrayLike<number>, gripper: number = this.robot.kinematics.gripperDefault): void {
    const obj = this.scene.get(name);
    if (!obj?.attached) throw new CollisionInputError(`${name} is not held`);
    this.scene.detach(name, multiply(this.linkPose(obj.attached.link, q, gripper), obj.attached.transform));
  }

  /** World ← link at configuration q, as a column-major Mat4 (model/math convention). */
  linkPose(link: string, q: ArrayLike<number>, gripper: number = this.robot.kinematics.gripperDefault): Mat4 {
    const kin = this.robot.kinematics;
    const i = kin.linkIndex.get(link);
    if (i === undefined) throw new CollisionInputError(`no link "${link}"; links are ${kin.linkNames.join(', ')}`);
    kin.validate(q, gripper);
    kin.compute(q, gripper);
    return toMat4(kin.poses, 12 * i);
  }

  /** The scene snapshot, rebuilt when the scene's version moved. */
  #sync(): CompiledScene {
    if (this.#compiled.version !== this.scene.version) this.#compiled = new CompiledScene(this.robot, this.scene, (o) => this.#heldTree(o));
    return this.#compiled;
  }

  #scan(margin: number, allow: Uint8Array, self: boolean): boolean {
    return this.#compiled.scan(margin, allow, self, this.#selfPairs, this.selfMargin);
  }

  /** The held object's sphere tree (its parts decomposed like a link), cached by shape. */
  #heldTree(o: SceneObject): SphereTree {
    const key = JSON.stringify(o.parts.map((p) => [p.shape, [...p.transform]]));
    let tree = this.#heldTrees.get(key);
    if (!tree) {
      tree = buildTree(decompose(o.parts, this.robot.tolerance));
      this.#heldTrees.set(key, tree);
    }
    return tree;
  }

  #readPath(path: PathInput): { waypoints: readonly ArrayLike<number>[]; times: number[] | null } {
    const dof = this.robot.model.dof;
    let waypoints: readonly ArrayLike<number>[];
    let times: number[] | null = null;
    if (Array.isArray(path)) waypoints = path as readonly ArrayLike<number>[];
    else if (path && typeof path === 'object' && Array.isArray((path as { points?: unknown }).points)) {
      const pts = (path as { points: readonly { positions: readonly number[]; timeFromStart: number }[] }).points;
      waypoints = pts.map((p) => p?.positions);
      times = pts.map((p) => p?.timeFromStart);
      times.forEach((t, k) => {
        if (!Number.isFinite(t) || t < 0 || (k > 0 && t < times![k - 1]))
          throw new CollisionInputError(`trajectory point ${k}: timeFromStart must be finite, ≥ 0 and not decreasing, got ${t}`);
      });
    } else throw new CollisionInputError('a path is a trajectory ({ points: [{ positions, timeFromStart }] }) or a list of waypoints');
    if (waypoints.length === 0) throw new CollisionInputError('the path has no points');
    waypoints.forEach((w, k) => {
      if (!w || w.length !== dof) throw new CollisionInputError(`path point ${k}: expected ${dof} joint values, got ${w?.length}`);
      for (let i = 0; i < dof; i++)
        if (!Number.isFinite(w[i])) throw new CollisionInputError(`path point ${k}: joint value ${i} is not a finite number`);
    });
    return { waypoints, times };
  }
}

function checkMargin(m: number): number {
  if (!(Number.isFinite(m) && m >= 0 && m <= 0.1)) throw new CollisionInputError(`margin must be in [0, 0.1] m, got ${m}`);
  return m;
}

function highestPowerOfTwoBelow(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}
