/**
 * The gripper's finger servo. `set(goal, { maxEffort })` ramps the finger target at the URDF
 * velocity limit, with the actuator force limited to maxEffort. When the fingers stall on an
 * object short of the goal, the target moves past them so the grip presses with the full
 * maxEffort. The grasp assist (grasp-assist.ts) is separate; `set` reports when it should let go.
 *
 * Units: m (leader finger joint value; per-finger travel for parallel grippers), m/s, N.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { MjcfModel } from '../mjcf.js';
import type { MjHandle, Views } from './handle.js';
import type { GripperOptions, GripperState } from './types.js';

/** a finger position within this of the goal counts as reached, m */
export const GRIPPER_GOAL_TOLERANCE = 0.0015;
const GRIPPER_STILL_SPEED = 0.003; // m/s
const GRIPPER_STILL_TIME = 0.03; // s of stillness before a gripper motion counts as finished

export class GripperServo {
  readonly #h: MjHandle;
  readonly #robot: RobotModel;
  readonly #mjcf: MjcfModel;
  /** physics step, s */
  readonly #timestep: number;
  readonly #gripQ: number = -1;
  readonly #gripV: number = -1;
  readonly #gripAct: number = -1;
  /** the body the fingers hang from (the grasp weld's first body), -1 without a gripper */
  readonly handBody: number = -1;

  // command state
  #gGoal = 0;
  #gRamp = 0;
  #gSpeed = 0;
  #gEffort = 0;
  #gClosing = false;
  #gStillFor = 0;
  #gSqueeze = false;
  #gActive = false;

  /** Resolve the finger joint, actuator and hand body in the loaded model (throws when one is missing). */
  constructor(h: MjHandle, robot: RobotModel, mjcf: MjcfModel, timestep: number) {
    this.#h = h;
    this.#robot = robot;
    this.#mjcf = mjcf;
    this.#timestep = timestep;
    if (mjcf.gripper) {
      const OBJ = h.mj.mjtObj;
      const gj = h.id(OBJ.mjOBJ_JOINT.value, mjcf.gripper.joint, 'joint');
      this.#gripQ = (h.m.jnt_qposadr as Int32Array)[gj];
      this.#gripV = (h.m.jnt_dofadr as Int32Array)[gj];
      this.#gripAct = h.id(OBJ.mjOBJ_ACTUATOR.value, mjcf.gripper.actuator, 'actuator');
      this.handBody = h.id(OBJ.mjOBJ_BODY.value, mjcf.gripper.handBody, 'body');
    }
  }

  get present(): boolean {
    return this.#gripAct >= 0;
  }

  /** closing (the last command moves the fingers towards `closed`) */
  get closing(): boolean {
    return this.#gClosing;
  }

  /** Fingers open (mimic joints too), no motion, full effort allowed. */
  reset(v: Views): void {
    const g = this.#robot.gripper;
    if (g && this.#gripQ >= 0) {
      this.#setFingers(v, g.open);
      this.#gGoal = this.#gRamp = g.open;
      this.#gSpeed = g.velocity;
      this.#gEffort = g.effort;
      this.#gClosing = false;
      this.#gSqueeze = false;
      this.#gActive = false;
      this.#gStillFor = 0;
      v.forcerange[this.#gripAct * 2] = -g.effort;
      v.forcerange[this.#gripAct * 2 + 1] = g.effort;
    }
  }

  /**
   * Kinematic: put the fingers (and their mimic joints) at `q` (m, clamped to the finger range)
   * and hold them there, no motion commanded. For restoring a snapshot.
   */
  pose(v: Views, q: number): void {
    const g = this.#robot.gripper;
    if (!g || this.#gripQ < 0) return;
    this.reset(v);
    const at = Math.min(Math.max(g.open, g.closed), Math.max(Math.min(g.open, g.closed), q));
    this.#setFingers(v, at);
    this.#gGoal = this.#gRamp = at;
  }

  /** The leader finger joint at `q` (m) and its mimic joints to match. */
  #setFingers(v: Views, q: number): void {
    const g = this.#robot.gripper!;
    const mj = this.#h.mj,
      m = this.#h.m;
    v.qpos[this.#gripQ] = q;
    for (const mimic of g.mimics) {
      const jid = mj.mj_name2id(m, mj.mjtObj.mjOBJ_JOINT.value, mimic.joint);
      if (jid >= 0) v.qpos[(m.jnt_qposadr as Int32Array)[jid]] = q * mimic.multiplier + mimic.offset;
    }
  }

  /**
   * Move the fingers to `goal` (leader joint value, m) at `speed`, squeezing with at most
   * `maxEffort` N. Returns true when this opens the gripper (the grasp assist must let go).
   */
  set(goal: number, options: GripperOptions = {}): boolean {
    const g = this.#robot.gripper;
    if (!g || this.#gripAct < 0) throw new Error(`[sim] ${this.#robot.name} has no gripper`);
    const lo = Math.min(g.open, g.closed),
      hi = Math.max(g.open, g.closed);
    const target = Math.min(hi, Math.max(lo, goal));
    const v = this.#h.views();
    const q = v.qpos[this.#gripQ];
    const effort = options.maxEffort !== undefined && options.maxEffort > 0 ? Math.min(options.maxEffort, g.effort) : g.effort;
    const closingSign = g.closed < g.open ? -1 : 1;
    this.#gClosing = (target - q) * closingSign > 1e-4;
    const opening = !this.#gClosing && (target - q) * closingSign < -1e-4;
    this.#gGoal = target;
    // Ramp from where the fingers are (a squeeze target may be far past them).
    this.#gRamp = this.#gSqueeze ? q : this.#gRamp;
    this.#gSqueeze = false;
    this.#gSpeed = options.speed !== undefined && options.speed > 0 ? Math.min(options.speed, g.velocity) : g.velocity;
    this.#gEffort = effort;
    this.#gActive = true;
    this.#gStillFor = 0;
    v.forcerange[this.#gripAct * 2] = -effort;
    v.forcerange[this.#gripAct * 2 + 1] = effort;
    return opening;
  }

  /** Stop the finger motion where it is; a grip that is pressing on something keeps pressing. */
  stop(): void {
    if (this.#gripAct < 0 || !this.#gActive) return;
    const q = this.#h.views().qpos[this.#gripQ];
    const g = this.#robot.gripper!;
    const closingSign = g.closed < g.open ? -1 : 1;
    // Pressing on an object: the ramp is past the fingers; keep it so the grip holds.
    const pressing = this.#gClosing && (this.#gRamp - q) * closingSign > GRIPPER_GOAL_TOLERANCE;
    this.#gGoal = pressing ? this.#gRamp : q;
    this.#gRamp = this.#gGoal;
    if (pressing) this.#gSqueeze = true;
    this.#gActive = false;
  }

  state(): GripperState {
    if (this.#gripAct < 0) return { position: 0, velocity: 0, effort: 0, goal: 0, moving: false, stalled: false, reachedGoal: true };
    const v = this.#h.views();
    const position = v.qpos[this.#gripQ];
    const reachedGoal = Math.abs(position - this.#gGoal) <= GRIPPER_GOAL_TOLERANCE;
    return {
      position,
      velocity: v.qvel[this.#gripV],
      effort: v.actuatorForce[this.#gripAct],
      goal: this.#gGoal,
      moving: this.#gActive,
      stalled: !this.#gActive && !reachedGoal,
      reachedGoal,
    };
  }

  /** the finger target is still ramping or the fingers still move (cheap; no allocation) */
  get moving(): boolean {
    return this.#gActive;
  }

  /** leader finger joint value, m */
  position(): number {
    return this.#gripQ >= 0 ? this.#h.views().qpos[this.#gripQ] : 0;
  }

  /** Advance the finger ramp by one physics step and write the finger actuator's ctrl. */
  writeControls(v: Views): void {
    if (this.#gripAct >= 0) {
      if (this.#gActive) {
        const step = this.#gSpeed * this.#timestep;
        const diff = this.#gGoal - this.#gRamp;
        this.#gRamp = Math.abs(diff) <= step ? this.#gGoal : this.#gRamp + Math.sign(diff) * step;
      }
      v.ctrl[this.#gripAct] = this.#gSqueeze ? this.#squeezeTarget() : this.#gRamp;
    }
  }

  #squeezeTarget(): number {
    // Past the fingers by 1.2·F/kp, so kp·(target − q) saturates at the force limit.
    const kp = this.#mjcf.gripper!.kp;
    const sign = this.#robot.gripper!.closed < this.#robot.gripper!.open ? -1 : 1;
    const q = this.#h.views().qpos[this.#gripQ];
    const from = sign < 0 ? Math.min(this.#gGoal, q) : Math.max(this.#gGoal, q);
    return from + sign * 1.2 * (this.#gEffort / kp);
  }

  /** After a physics step: notice a slipped grip, and the end of a finger motion (stalled or not). */
  afterPhysics(v: Views): void {
    if (this.#gripAct < 0) return;
    const q = v.qpos[this.#gripQ],
      qd = v.qvel[this.#gripV];
    if (this.#gSqueeze) {
      // Closed all the way while pressing: the object slipped out; stop pushing into the limit.
      const g = this.#robot.gripper!;
      if (Math.abs(q - g.closed) < 0.0005) {
        this.#gSqueeze = false;
        this.#gRamp = g.closed;
      }
    }
    if (this.#gActive) {
      if (this.#gRamp === this.#gGoal && Math.abs(qd) < GRIPPER_STILL_SPEED) this.#gStillFor += this.#timestep;
      else this.#gStillFor = 0;
      if (this.#gStillFor >= GRIPPER_STILL_TIME) {
        this.#gActive = false;
        // Stopped short while closing: press with the full force from now on.
        if (this.#gClosing && Math.abs(q - this.#gGoal) > GRIPPER_GOAL_TOLERANCE) this.#gSqueeze = true;
      }
    }
  }
}
