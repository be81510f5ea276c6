/**
 * SimWorld: the robot and the scene in MuJoCo physics. Synchronous stepping (as fast as the
 * CPU allows); pacing to the wall clock lives in sim/loop.ts.
 *
 * This class is the public face; the parts live in sim/world/:
 *   handle.ts        the loaded MuJoCo model and data, name → id, live views into the WASM heap
 *   arm.ts           the arm servos: targets, inverse-dynamics feedforward, joint read-outs
 *   gripper.ts       the finger servo: ramp, force limit, stall and squeeze
 *   grasp-assist.ts  the weld that holds an object both fingers touch
 *   bodies.ts        objects, containers and links: poses, extents, containment
 *   rotation.ts      [w, x, y, z] / row-major rotation helpers
 *   types.ts         the option and state shapes re-exported here
 *
 * Control: the arm joints are position servos (see sim/mjcf.ts). `setArmTarget(q, qd, qdd)`
 * sets the desired state; every physics step writes ctrl = q + (kv/kp)·qd + τ_ff/kp, which
 * makes the servo force kp·(q − q_actual) + kv·(qd − qd_actual) + τ_ff, with the inverse-
 * dynamics feedforward τ_ff = M(q)·qdd + c(q, q̇): velocity and torque feedforward through a
 * single force-limited position actuator, like a real arm's joint controller.
 *
 * Gripper: `setGripper(goal, { maxEffort })` ramps the finger target at the URDF velocity limit,
 * with the actuator force limited to maxEffort. When the fingers stall on an object short of
 * the goal, the target moves past them so the grip presses with the full maxEffort.
 *
 * Grasp assist (documented in sim/README.md): while the gripper is closing and BOTH fingers
 * touch the same object, a weld between the hand and that object is switched on; it is
 * switched off as soon as the gripper is commanded to open.
 *
 * Deterministic: the same scene, seed and sequence of commands (at the same sim times) give
 * bit-identical states.
 *
 * Units: m, rad, kg, s, N, N·m. World frame: z up, z = 0 the table top. Quaternions in this
 * API are [x, y, z, w]; MuJoCo's [w, x, y, z] never leaks out.
 */
import type { RobotModel } from '../model/description/robot-model.js';
import type { Quat, Vec3 } from '../model/math/transform.js';
import type { BodyPoseProvider } from '../model/world.js';
import type { MjcfModel } from './mjcf.js';
import type { Scene } from './scene.js';
import { ArmServo } from './world/arm.js';
import { SceneBodies } from './world/bodies.js';
import { GraspAssist } from './world/grasp-assist.js';
import { GripperServo } from './world/gripper.js';
import { MjHandle } from './world/handle.js';
import { quatFromRowMajor, quatMulWxyz, rotateByConj, rowMajorFromQuat } from './world/rotation.js';
import type { GripperOptions, GripperState, ObjectState, SimWorldOptions, WorldSnapshot } from './world/types.js';

export { GRIPPER_GOAL_TOLERANCE } from './world/gripper.js';
export type { GripperOptions, GripperState, ObjectState, SimWorldOptions, WorldSnapshot } from './world/types.js';

type StepHook = (world: SimWorld) => void;

export class SimWorld implements BodyPoseProvider {
  readonly robot: RobotModel;
  readonly scene: Scene;
  readonly seed: number;
  /** physics step, s */
  readonly timestep: number;
  /** the generated MJCF and what it contains */
  readonly mjcf: MjcfModel;
  readonly jointNames: readonly string[];
  /** is the weld grasp assist available and enabled */
  readonly graspAssist: boolean;

  readonly #h: MjHandle;
  readonly #arm: ArmServo;
  readonly #gripper: GripperServo;
  readonly #bodies: SceneBodies;
  readonly #assist: GraspAssist;
  readonly #toolSite: number;
  readonly #initialArm: number[];
  /** the world as the scene starts it (resetScene puts it back without touching sim time) */
  #start: WorldSnapshot | null = null;

  readonly #before: StepHook[] = [];
  readonly #after: StepHook[] = [];
  #disposed = false;

  private constructor(h: MjHandle, options: SimWorldOptions, mjcf: MjcfModel) {
    this.#h = h;
    this.robot = options.robot;
    this.scene = options.scene;
    this.seed = mjcf.seed;
    this.timestep = options.scene.timestep;
    this.mjcf = mjcf;
    this.jointNames = [...mjcf.armJoints];

    // Resolve every named element (throws when the generated model lacks one).
    this.#arm = new ArmServo(h, this.robot, mjcf, this.jointNames);
    this.#gripper = new GripperServo(h, this.robot, mjcf, this.timestep);
    this.#toolSite = h.id(h.mj.mjtObj.mjOBJ_SITE.value, mjcf.toolSite, 'site');
    this.#bodies = new SceneBodies(h, mjcf);
    this.#assist = new GraspAssist(h, mjcf, this.#bodies, this.#gripper.handBody);

    const dof = this.jointNames.length;
    this.#initialArm = Array.from(options.initialArm ?? this.robot.home);
    if (this.#initialArm.length !== dof)
      throw new Error(`[sim] initialArm has ${this.#initialArm.length} values; the arm has ${dof} joints`);

    let assist = options.graspAssist ?? true;
    if (assist && this.#assist.weld >= 0) {
      if (!h.attachEqActive(this.#assist.weld)) assist = false;
    }
    this.graspAssist = assist && this.#assist.weld >= 0;
    this.reset();
    this.#start = this.snapshot();
  }

  /** Build the MJCF for robot + scene, load it into MuJoCo and put the arm at home. */
  static async create(options: SimWorldOptions): Promise<SimWorld> {
    const { handle, mjcf } = await MjHandle.load(options);
    try {
      return new SimWorld(handle, options, mjcf);
    } catch (err) {
      handle.dispose();
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------
  // internals

  #writeControls(): void {
    const v = this.#h.views();
    this.#arm.writeControls(v);
    this.#gripper.writeControls(v);
  }

  #afterPhysics(): void {
    if (!this.#gripper.present) return;
    const v = this.#h.views();
    this.#gripper.afterPhysics(v);
    if (this.graspAssist && this.#gripper.closing) this.#assist.update(v);
  }

  // ---------------------------------------------------------------------------------------
  // stepping

  /** sim time, s */
  get time(): number {
    return this.#h.d.time;
  }

  /**
   * The active contacts (names of the touching geoms and their bodies, penetration depth m).
   * Copies MuJoCo's contact array (~25 µs): for inspection, not for every step.
   */
  contacts(): { geom1: string; geom2: string; body1: string; body2: string; dist: number }[] {
    const mj = this.#h.mj,
      m = this.#h.m,
      d = this.#h.d;
    const list = d.contact;
    const out: { geom1: string; geom2: string; body1: string; body2: string; dist: number }[] = [];
    try {
      const geomBody = m.geom_bodyid as Int32Array;
      const name = (type: number, id: number) => mj.mj_id2name(m, type, id) ?? `#${id}`;
      const G = mj.mjtObj.mjOBJ_GEOM.value,
        B = mj.mjtObj.mjOBJ_BODY.value;
      for (let i = 0; i < d.ncon; i++) {
        const c = list.get(i);
        if (!c) continue;
        out.push({
          geom1: name(G, c.geom1),
          geom2: name(G, c.geom2),
          body1: name(B, geomBody[c.geom1]),
          body2: name(B, geomBody[c.geom2]),
          dist: c.dist,
        });
        c.delete();
      }
    } finally {
      list.delete();
    }
    return out;
  }

  /** number of active contacts after the last step */
  get contactCount(): number {
    return this.#h.d.ncon;
  }

  /** Advance n physics steps (hooks run before and after each). */
  step(n = 1): void {
    const mj = this.#h.mj,
      m = this.#h.m,
      d = this.#h.d;
    for (let k = 0; k < n; k++) {
      for (let h = 0; h < this.#before.length; h++) this.#before[h](this);
      this.#writeControls();
      mj.mj_step(m, d);
      this.#afterPhysics();
      for (let h = 0; h < this.#after.length; h++) this.#after[h](this);
    }
  }

  /** Advance by `seconds` of sim time (rounded to whole steps). */
  stepFor(seconds: number): void {
    this.step(Math.max(0, Math.round(seconds / this.timestep)));
  }

  /** Run `hook` before every physics step (a controller sets targets here). Returns an unsubscribe. */
  onBeforeStep(hook: StepHook): () => void {
    this.#before.push(hook);
    return () => {
      const i = this.#before.indexOf(hook);
      if (i >= 0) this.#before.splice(i, 1);
    };
  }

  /** Run `hook` after every physics step (monitoring, state streaming). Returns an unsubscribe. */
  onAfterStep(hook: StepHook): () => void {
    this.#after.push(hook);
    return () => {
      const i = this.#after.indexOf(hook);
      if (i >= 0) this.#after.splice(i, 1);
    };
  }

  /** Back to the start: seeded object poses, arm at its initial pose, gripper open, time 0. */
  reset(): void {
    const mj = this.#h.mj,
      m = this.#h.m,
      d = this.#h.d;
    mj.mj_resetData(m, d);
    const v = this.#h.refreshViews();
    this.#assist.reset(v);
    this.#arm.reset(v, this.#initialArm);
    this.#gripper.reset(v);
    this.#writeControls();
    mj.mj_forward(m, d);
  }

  // ---------------------------------------------------------------------------------------
  // arm

  /**
   * Desired arm state in `jointNames` order: positions (rad), optional velocity (rad/s) and
   * acceleration (rad/s²) feedforward. Held until changed.
   */
  setArmTarget(q: ArrayLike<number>, qd?: ArrayLike<number>, qdd?: ArrayLike<number>): void {
    this.#arm.setTarget(q, qd, qdd);
  }

  /**
   * Kinematic pose, no dynamics: put the arm at `q` (rad, `jointNames` order), hold it there
   * (target = q), zero every velocity, carry the object the grasp assist holds rigidly with the
   * hand (its pose relative to the hand is kept), and run MuJoCo's forward pass (kinematics and
   * collision detection), so `contacts()` reports what touches in that pose. Sim time does not
   * advance and the fingers stay where they are. For collision replays and tools: a pose that
   * interpenetrates something is only pushed apart by the next step.
   */
  poseArm(q: ArrayLike<number>): void {
    const mj = this.#h.mj,
      m = this.#h.m,
      d = this.#h.d;
    const dof = this.jointNames.length;
    if (q.length !== dof) throw new Error(`[sim] poseArm: expected ${dof} positions (${this.jointNames.join(', ')}), got ${q.length}`);
    const held = this.#assist.grasped >= 0 ? this.#bodies.objects[this.#assist.grasped] : undefined;
    const hb = this.#gripper.handBody;
    let rel: { p: number[]; q: number[] } | undefined;
    // Kinematics alone where only poses are needed (the full forward pass runs once, at the end);
    // first a fresh one, since after a step xpos/xquat lag qpos by one step.
    if (held && hb >= 0) mj.mj_kinematics(m, d);
    let v = this.#h.views();
    if (held && hb >= 0) {
      const ob = held.body;
      const hq = [v.xquat[hb * 4], v.xquat[hb * 4 + 1], v.xquat[hb * 4 + 2], v.xquat[hb * 4 + 3]];
      const oq = [v.xquat[ob * 4], v.xquat[ob * 4 + 1], v.xquat[ob * 4 + 2], v.xquat[ob * 4 + 3]];
      const dp = [0, 1, 2].map((i) => v.xpos[ob * 3 + i] - v.xpos[hb * 3 + i]);
      rel = { p: rotateByConj(hq, dp), q: quatMulWxyz([hq[0], -hq[1], -hq[2], -hq[3]], oq) };
    }
    this.#arm.reset(v, Array.from(q));
    v.qvel.fill(0);
    if (held && rel) {
      mj.mj_kinematics(m, d);
      v = this.#h.views();
      const hq = [v.xquat[hb * 4], v.xquat[hb * 4 + 1], v.xquat[hb * 4 + 2], v.xquat[hb * 4 + 3]];
      const R = rowMajorFromQuat([hq[1], hq[2], hq[3], hq[0]]);
      const a = held.qadr;
      for (let i = 0; i < 3; i++)
        v.qpos[a + i] = v.xpos[hb * 3 + i] + R[i * 3] * rel.p[0] + R[i * 3 + 1] * rel.p[1] + R[i * 3 + 2] * rel.p[2];
      v.qpos.set(quatMulWxyz(hq, rel.q), a + 3);
    }
    this.#writeControls();
    mj.mj_forward(m, d);
  }

  /** Hold the arm where it is now (target = current position, zero velocity). */
  holdArm(): void {
    this.#arm.hold();
  }

  armTarget(): { position: number[]; velocity: number[]; acceleration: number[] } {
    return this.#arm.target();
  }

  /** joint positions, rad, `jointNames` order */
  armPositions(out?: number[]): number[] {
    return this.#arm.positions(out);
  }

  /** joint velocities, rad/s */
  armVelocities(out?: number[]): number[] {
    return this.#arm.velocities(out);
  }

  /** servo torques, N·m (gravity is compensated separately, as on a real arm) */
  armEfforts(out?: number[]): number[] {
    return this.#arm.efforts(out);
  }

  /** Largest |desired − actual| over the arm joints, rad. */
  trackingError(): number {
    return this.#arm.trackingError();
  }

  /** Tool frame (the robot's tip link) pose in the world: position m, quaternion [x, y, z, w]. */
  toolPose(): { position: Vec3; quaternion: Quat } {
    const v = this.#h.views();
    const s = this.#toolSite;
    const r = v.siteXmat.subarray(s * 9, s * 9 + 9); // row-major 3×3
    return { position: [v.siteXpos[s * 3], v.siteXpos[s * 3 + 1], v.siteXpos[s * 3 + 2]], quaternion: quatFromRowMajor(r) };
  }

  // ---------------------------------------------------------------------------------------
  // gripper

  get hasGripper(): boolean {
    return this.#gripper.present;
  }

  /**
   * Move the fingers to `goal` (leader joint value, m) at `speed`, squeezing with at most
   * `maxEffort` N. Opening releases the grasp assist at once.
   */
  setGripper(goal: number, options: GripperOptions = {}): void {
    if (this.#gripper.set(goal, options)) this.#assist.release(); // opening: let go
  }

  /** Stop the finger motion where it is; a grip that is pressing on something keeps pressing. */
  stopGripper(): void {
    this.#gripper.stop();
  }

  gripperState(): GripperState {
    return this.#gripper.state();
  }

  /** the finger target is still ramping or the fingers still move (cheap; no allocation) */
  get gripperMoving(): boolean {
    return this.#gripper.moving;
  }

  /** leader finger joint value, m */
  gripperPosition(): number {
    return this.#gripper.position();
  }

  /** the object the grasp assist holds, if any */
  get graspedObject(): string | null {
    const i = this.#assist.grasped;
    return i >= 0 ? this.#bodies.objects[i].o.name : null;
  }

  // ---------------------------------------------------------------------------------------
  // bodies and objects (BodyPoseProvider)

  /** Names of the scene objects (free bodies). */
  get objectNames(): string[] {
    return this.#bodies.objectNames;
  }

  get containerNames(): string[] {
    return this.#bodies.containerNames;
  }

  /** Is `name` a container (things can be put into it)? */
  isContainer(name: string): boolean {
    return this.#bodies.isContainer(name);
  }

  /** World position (m) of an object, container or robot link; undefined for unknown names. */
  bodyPosition(name: string): Vec3 | undefined {
    return this.#bodies.position(name);
  }

  /** World orientation [x, y, z, w] of a body; undefined for unknown names. */
  bodyQuaternion(name: string): Quat | undefined {
    return this.#bodies.quaternion(name);
  }

  /**
   * World-axis-aligned half extents (m) of an object or container in its current orientation
   * (containers: outer walls). Undefined for robot links and unknown names.
   */
  bodyHalfExtents(name: string): Vec3 | undefined {
    return this.#bodies.halfExtents(name);
  }

  /** Where every scene object is, which container it is in, and whether the gripper holds it. */
  objectStates(): ObjectState[] {
    return this.#bodies.objects.map((_, i) => this.#bodies.objectState(i, this.#assist.grasped));
  }

  objectState(name: string): ObjectState | undefined {
    const i = this.#bodies.indexOf(name);
    return i === undefined ? undefined : this.#bodies.objectState(i, this.#assist.grasped);
  }

  // ---------------------------------------------------------------------------------------
  // snapshots (a restarted server puts the world back as it was)

  /** The arm, the fingers, every object's pose and what is held, now. */
  snapshot(): WorldSnapshot {
    return {
      arm: this.armPositions(),
      gripper: this.#gripper.present ? this.#gripper.position() : null,
      objects: this.objectStates().map((o) => ({ name: o.name, position: o.position, quaternion: o.quaternion })),
      grasped: this.graspedObject,
    };
  }

  /**
   * Kinematic: put the arm, the fingers and the objects where `s` says, every velocity zero, the
   * arm held there; a grasped object is welded to the hand again and the fingers press on it.
   * Objects the snapshot does not name stay where they are. Throws on a snapshot that does not
   * fit this world (joint count, an unknown object, a non-finite number); the world is not
   * touched then. Sim time does not advance: step to let anything that was not at rest settle.
   */
  restore(s: WorldSnapshot): void {
    const dof = this.jointNames.length;
    if (s.arm.length !== dof) throw new Error(`[sim] restore: the snapshot has ${s.arm.length} arm joints; this arm has ${dof}`);
    const finite = (xs: readonly number[]) => xs.every((x) => Number.isFinite(x));
    if (!finite(s.arm)) throw new Error('[sim] restore: a non-finite arm joint value');
    const idx = s.objects.map((o) => {
      const i = this.#bodies.indexOf(o.name);
      if (i === undefined)
        throw new Error(`[sim] restore: no object "${o.name}" in this scene (objects: ${this.objectNames.join(', ') || 'none'})`);
      if (!finite(o.position) || !finite(o.quaternion) || Math.hypot(...o.quaternion) < 1e-6)
        throw new Error(`[sim] restore: a bad pose for "${o.name}"`);
      return i;
    });
    const grasped = s.grasped === null ? -1 : (this.#bodies.indexOf(s.grasped) ?? -2);
    if (grasped === -2) throw new Error(`[sim] restore: no object "${s.grasped}" to hold in this scene`);
    if (s.gripper !== null && !Number.isFinite(s.gripper)) throw new Error('[sim] restore: a non-finite finger position');

    const mj = this.#h.mj,
      m = this.#h.m,
      d = this.#h.d;
    const v = this.#h.views();
    this.#assist.reset(v);
    this.#arm.reset(v, s.arm);
    if (this.#gripper.present && s.gripper !== null) this.#gripper.pose(v, s.gripper);
    s.objects.forEach((o, k) => {
      const a = this.#bodies.objects[idx[k]].qadr;
      const [x, y, z, w] = o.quaternion;
      const n = Math.hypot(x, y, z, w);
      v.qpos.set([o.position[0], o.position[1], o.position[2], w / n, x / n, y / n, z / n], a);
    });
    v.qvel.fill(0);
    mj.mj_forward(m, d);
    if (grasped >= 0 && this.graspAssist && this.#gripper.present) {
      this.#assist.engage(grasped);
      // The fingers press on it as after a grasp (the weld lets go when they open).
      this.#gripper.set(this.robot.gripper!.closed);
    }
    this.#writeControls();
    mj.mj_forward(m, d);
  }

  /**
   * Kinematic: every object back where the scene starts it, the arm at its start pose, the
   * fingers open, nothing held. Unlike reset(), sim time goes on (a real-time loop keeps pace).
   */
  resetScene(): void {
    this.restore(this.#start!);
  }

  /** Free every WASM object. The world is unusable afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#before.length = 0;
    this.#after.length = 0;
    this.#h.dispose();
  }

  get disposed(): boolean {
    return this.#disposed;
  }
}
