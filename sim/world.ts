/**
 * SimWorld: the robot and the scene in MuJoCo physics. Synchronous stepping (as fast as the
 * CPU allows); pacing to the wall clock lives in sim/loop.ts.
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
import { quatFromRotation, type Quat, type Vec3 } from '../model/math/transform.js';
import type { BodyPoseProvider } from '../model/world.js';
import { buildMjcf, type MjcfModel, type MjcfOptions } from './mjcf.js';
import { mujoco, type MainModule, type MjData, type MjModel } from './mujoco.js';
import { containerHalfExtents, objectHalfExtents, type Scene, type SceneContainer, type SceneObject } from './scene.js';

export interface SimWorldOptions {
  robot: RobotModel;
  scene: Scene;
  /** jitter seed; overrides the scene's `seed` */
  seed?: number;
  /** weld grasp assist (default true); see sim/README.md */
  graspAssist?: boolean;
  /** start configuration of the arm (default: the robot's home) */
  initialArm?: ArrayLike<number>;
  mjcf?: Omit<MjcfOptions, 'seed'>;
}

export interface ObjectState {
  name: string;
  /** centre, world frame, m */
  position: Vec3;
  /** [x, y, z, w] */
  quaternion: Quat;
  /** the container it rests in (centre inside the walls' footprint, below the rim, at rest), else null */
  in: string | null;
  /** grasped by the gripper (both fingers on it, or the grasp assist holds it) */
  held: boolean;
  /** linear speed below 5 cm/s and angular below 1 rad/s */
  resting: boolean;
}

export interface GripperOptions {
  /** squeeze force limit, N (default and maximum: the URDF effort of the finger joint) */
  maxEffort?: number;
  /** finger speed, m/s (default and maximum: the URDF velocity limit) */
  speed?: number;
}

export interface GripperState {
  /** leader finger joint value (per-finger travel for parallel grippers), m */
  position: number;
  velocity: number;
  /** actuator force, N (positive opens) */
  effort: number;
  goal: number;
  /** the target is still ramping or the fingers still move */
  moving: boolean;
  /** the fingers stopped short of the goal (closed on something) */
  stalled: boolean;
  reachedGoal: boolean;
}

type StepHook = (world: SimWorld) => void;

/** a finger position within this of the goal counts as reached, m */
export const GRIPPER_GOAL_TOLERANCE = 0.0015;
const GRIPPER_STILL_SPEED = 0.003; // m/s
const GRIPPER_STILL_TIME = 0.03; // s of stillness before a gripper motion counts as finished
const ASSIST_DEBOUNCE_STEPS = 3;

/** Live typed-array views into the WASM heap; re-taken when the heap grows (views detach). */
interface Views {
  qpos: Float64Array;
  qvel: Float64Array;
  ctrl: Float64Array;
  xpos: Float64Array;
  xquat: Float64Array;
  sensordata: Float64Array;
  actuatorForce: Float64Array;
  siteXpos: Float64Array;
  siteXmat: Float64Array;
  forcerange: Float64Array;
  ctrlrange: Float64Array;
  eqData: Float64Array;
  eqObj2: Int32Array;
  eqActive?: Uint8Array;
  M: Float64Array;
  bias: Float64Array;
  gravcomp: Float64Array;
}

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

  readonly #mj: MainModule;
  #model: MjModel | null;
  #data: MjData | null;
  #v!: Views;
  readonly #initialArm: number[];
  #eqActiveOffset = -1;

  // indices
  readonly #armQ: Int32Array;
  readonly #armV: Int32Array;
  readonly #armAct: Int32Array;
  readonly #ffVel: Float64Array; // kv / kp per joint
  readonly #invKp: Float64Array; // 1 / kp per joint
  // arm rows of the sparse (CSR, lower triangle) mass matrix: [row dof, entry start, count]
  readonly #mRows: Int32Array;
  readonly #mCol: Int32Array; // column dof → arm index, or -1
  readonly #tau: Float64Array;
  readonly #ctrlLo: Float64Array;
  readonly #ctrlHi: Float64Array;
  readonly #gripQ: number = -1;
  readonly #gripV: number = -1;
  readonly #gripAct: number = -1;
  readonly #objects: { o: SceneObject; body: number; qadr: number; vadr: number; touch: number[] }[];
  readonly #containers: { c: SceneContainer; body: number }[];
  readonly #bodyIds = new Map<string, number>();
  readonly #objectIndex = new Map<string, number>();
  readonly #containerIndex = new Map<string, number>();
  readonly #weld: number = -1;
  readonly #handBody: number = -1;
  readonly #toolSite: number = -1;

  // arm command (desired position, velocity, acceleration)
  readonly #qDes: Float64Array;
  readonly #qdDes: Float64Array;
  readonly #qddDes: Float64Array;

  // gripper command state
  #gGoal = 0;
  #gRamp = 0;
  #gSpeed = 0;
  #gEffort = 0;
  #gClosing = false;
  #gStillFor = 0;
  #gSqueeze = false;
  #gActive = false;

  // grasp assist state
  #grasped = -1;
  #assistCount = 0;
  #assistCandidate = -1;

  readonly #before: StepHook[] = [];
  readonly #after: StepHook[] = [];
  #disposed = false;

  private constructor(mj: MainModule, options: SimWorldOptions, mjcf: MjcfModel, model: MjModel, data: MjData) {
    this.#mj = mj;
    this.robot = options.robot;
    this.scene = options.scene;
    this.seed = mjcf.seed;
    this.timestep = options.scene.timestep;
    this.mjcf = mjcf;
    this.#model = model;
    this.#data = data;
    this.jointNames = [...mjcf.armJoints];
    this.#refreshViews();

    const id = (type: number, name: string, what: string): number => {
      const i = mj.mj_name2id(model, type, name);
      if (i < 0) throw new Error(`[sim] ${what} "${name}" is missing from the generated model`);
      return i;
    };
    const OBJ = mj.mjtObj;
    const jntQ = model.jnt_qposadr as Int32Array;
    const jntV = model.jnt_dofadr as Int32Array;
    const dof = this.jointNames.length;
    this.#armQ = new Int32Array(dof);
    this.#armV = new Int32Array(dof);
    this.#armAct = new Int32Array(dof);
    this.#ffVel = new Float64Array(dof);
    this.#invKp = new Float64Array(dof);
    this.#tau = new Float64Array(dof);
    this.#ctrlLo = new Float64Array(dof);
    this.#ctrlHi = new Float64Array(dof);
    this.jointNames.forEach((j, i) => {
      const ji = id(OBJ.mjOBJ_JOINT.value, j, 'joint');
      this.#armQ[i] = jntQ[ji];
      this.#armV[i] = jntV[ji];
      this.#armAct[i] = id(OBJ.mjOBJ_ACTUATOR.value, mjcf.armActuators[i], 'actuator');
      const s = mjcf.servo[i];
      this.#ffVel[i] = s.kv / s.kp;
      this.#invKp[i] = 1 / s.kp;
      const lim = this.robot.arm[i];
      this.#ctrlLo[i] = Number.isFinite(lim.lower) ? lim.lower : -Infinity;
      this.#ctrlHi[i] = Number.isFinite(lim.upper) ? lim.upper : Infinity;
    });
    if (mjcf.gripper) {
      const gj = id(OBJ.mjOBJ_JOINT.value, mjcf.gripper.joint, 'joint');
      this.#gripQ = jntQ[gj];
      this.#gripV = jntV[gj];
      this.#gripAct = id(OBJ.mjOBJ_ACTUATOR.value, mjcf.gripper.actuator, 'actuator');
      this.#handBody = id(OBJ.mjOBJ_BODY.value, mjcf.gripper.handBody, 'body');
    }
    this.#toolSite = id(OBJ.mjOBJ_SITE.value, mjcf.toolSite, 'site');
    const rowadr = model.M_rowadr as Int32Array,
      rownnz = model.M_rownnz as Int32Array,
      colind = model.M_colind as Int32Array;
    this.#mRows = new Int32Array(dof * 3);
    this.#mCol = new Int32Array(colind.length).fill(-1);
    for (let i = 0; i < dof; i++) {
      const r = this.#armV[i];
      this.#mRows.set([i, rowadr[r], rownnz[r]], i * 3);
    }
    for (let k = 0; k < colind.length; k++) this.#mCol[k] = this.#armV.indexOf(colind[k]);
    const sensorAdr = model.sensor_adr as Int32Array;
    const bodyJnt = model.body_jntadr as Int32Array;
    this.#objects = mjcf.objects.map((p, i) => {
      const body = id(OBJ.mjOBJ_BODY.value, p.object.name, 'body');
      const jnt = bodyJnt[body];
      this.#objectIndex.set(p.object.name, i);
      const touch = mjcf.gripper
        ? mjcf.gripper.fingerBodies.map((f) => sensorAdr[id(OBJ.mjOBJ_SENSOR.value, mjcf.touchSensor(f, p.object.name), 'sensor')])
        : [];
      return { o: p.object, body, qadr: jntQ[jnt], vadr: jntV[jnt], touch };
    });
    this.#containers = mjcf.containers.map((c, i) => {
      this.#containerIndex.set(c.name, i);
      return { c, body: id(OBJ.mjOBJ_BODY.value, c.name, 'body') };
    });
    for (let b = 0; b < model.nbody; b++) {
      const name = mj.mj_id2name(model, OBJ.mjOBJ_BODY.value, b);
      if (name) this.#bodyIds.set(name, b);
    }
    if (mjcf.graspWeld) this.#weld = id(OBJ.mjOBJ_EQUALITY.value, mjcf.graspWeld, 'equality');

    this.#qDes = new Float64Array(dof);
    this.#qdDes = new Float64Array(dof);
    this.#qddDes = new Float64Array(dof);
    this.#initialArm = Array.from(options.initialArm ?? this.robot.home);
    if (this.#initialArm.length !== dof)
      throw new Error(`[sim] initialArm has ${this.#initialArm.length} values; the arm has ${dof} joints`);

    let assist = options.graspAssist ?? true;
    if (assist && this.#weld >= 0) {
      this.#eqActiveOffset = this.#locateEqActive();
      if (this.#eqActiveOffset < 0) assist = false;
    }
    this.graspAssist = assist && this.#weld >= 0;
    this.reset();
  }

  /** Build the MJCF for robot + scene, load it into MuJoCo and put the arm at home. */
  static async create(options: SimWorldOptions): Promise<SimWorld> {
    const mj = await mujoco();
    const mjcf = buildMjcf(options.robot, options.scene, { ...options.mjcf, seed: options.seed ?? options.scene.seed });
    let model: MjModel;
    try {
      model = mj.MjModel.from_xml_string(mjcf.xml);
    } catch (err) {
      throw new Error(`[sim] MuJoCo rejected the generated model for ${options.robot.name}: ${describeError(mj, err)}`, { cause: err });
    }
    const data = new mj.MjData(model);
    try {
      return new SimWorld(mj, options, mjcf, model, data);
    } catch (err) {
      data.delete();
      model.delete();
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------
  // internals

  get #m(): MjModel {
    if (!this.#model) throw new Error('[sim] this SimWorld was disposed');
    return this.#model;
  }

  get #d(): MjData {
    if (!this.#data) throw new Error('[sim] this SimWorld was disposed');
    return this.#data;
  }

  #refreshViews(): void {
    const m = this.#m,
      d = this.#d;
    this.#v = {
      qpos: d.qpos,
      qvel: d.qvel,
      ctrl: d.ctrl,
      xpos: d.xpos,
      xquat: d.xquat,
      sensordata: d.sensordata,
      actuatorForce: d.actuator_force,
      siteXpos: d.site_xpos,
      siteXmat: d.site_xmat,
      forcerange: m.actuator_forcerange,
      ctrlrange: m.actuator_ctrlrange,
      eqData: m.eq_data,
      eqObj2: m.eq_obj2id,
      M: d.M,
      bias: d.qfrc_bias,
      gravcomp: d.qfrc_gravcomp,
    };
    if (this.#eqActiveOffset >= 0) this.#v.eqActive = new Uint8Array(this.#v.qpos.buffer, this.#eqActiveOffset, m.neq);
  }

  /** Views detach when the WASM heap grows (another world, a contact copy); re-take them then. */
  #views(): Views {
    if (this.#v.qpos.length === 0 && this.#m.nq > 0) this.#refreshViews();
    return this.#v;
  }

  /**
   * The bindings cannot expose MjData.eq_active (a bool array). MuJoCo allocates it right after
   * xfrc_applied in MjData's buffer, so find that byte and prove it is the right one: switching
   * it on must add the weld's 6 constraint rows, and off must remove them. -1 when not found.
   */
  #locateEqActive(): number {
    const mj = this.#mj,
      m = this.#m,
      d = this.#d;
    const x = d.xfrc_applied as Float64Array;
    const end = x.byteOffset + x.byteLength;
    const heap = new Uint8Array(x.buffer);
    const weld = this.#weld;
    for (const base of new Set([end, Math.ceil(end / 8) * 8, Math.ceil(end / 64) * 64])) {
      const at = base + weld;
      const saved = heap[at];
      if (saved !== 0) continue; // the weld starts inactive, so its byte must read 0
      mj.mj_forward(m, d);
      const off = d.ne;
      heap[at] = 1;
      mj.mj_forward(m, d);
      const on = d.ne;
      heap[at] = 0;
      mj.mj_forward(m, d);
      if (on === off + 6 && d.ne === off) return base;
      heap[at] = saved;
    }
    return -1;
  }

  #setWeld(objectIndex: number): void {
    const v = this.#views();
    if (!v.eqActive) return;
    const w = this.#weld;
    if (objectIndex < 0) {
      v.eqActive[w] = 0;
      this.#grasped = -1;
      return;
    }
    // Relative pose of the object in the hand frame, from the same kinematics pass.
    const ob = this.#objects[objectIndex].body,
      hb = this.#handBody;
    const hp = [v.xpos[hb * 3], v.xpos[hb * 3 + 1], v.xpos[hb * 3 + 2]];
    const op = [v.xpos[ob * 3], v.xpos[ob * 3 + 1], v.xpos[ob * 3 + 2]];
    const hq = [v.xquat[hb * 4], v.xquat[hb * 4 + 1], v.xquat[hb * 4 + 2], v.xquat[hb * 4 + 3]];
    const oq = [v.xquat[ob * 4], v.xquat[ob * 4 + 1], v.xquat[ob * 4 + 2], v.xquat[ob * 4 + 3]];
    const rel = rotateByConj(hq, [op[0] - hp[0], op[1] - hp[1], op[2] - hp[2]]);
    const rq = quatMulWxyz([hq[0], -hq[1], -hq[2], -hq[3]], oq);
    const base = w * 11; // mjNEQDATA
    v.eqData.set([0, 0, 0, rel[0], rel[1], rel[2], rq[0], rq[1], rq[2], rq[3], 1], base);
    v.eqObj2[w] = ob;
    v.eqActive[w] = 1;
    this.#grasped = objectIndex;
  }

  /**
   * Feedforward torque τ = M(q)·q̈_des + c(q, q̇) over the arm joints: the mass matrix couples
   * the joints (a diagonal estimate leaves braking and fast moves off the path), c is the
   * Coriolis/centrifugal part of the bias (gravity is cancelled by gravcomp).
   */
  #feedforward(v: Views): void {
    const tau = this.#tau,
      qdd = this.#qddDes,
      M = v.M,
      rows = this.#mRows,
      col = this.#mCol;
    const n = tau.length;
    for (let i = 0; i < n; i++) tau[i] = v.bias[this.#armV[i]] - v.gravcomp[this.#armV[i]];
    for (let r = 0; r < n; r++) {
      const i = rows[r * 3],
        start = rows[r * 3 + 1],
        end = start + rows[r * 3 + 2];
      for (let k = start; k < end; k++) {
        const j = col[k];
        if (j < 0) continue;
        tau[i] += M[k] * qdd[j];
        if (j !== i) tau[j] += M[k] * qdd[i];
      }
    }
  }

  #writeControls(): void {
    const v = this.#views();
    const ctrl = v.ctrl;
    this.#feedforward(v);
    for (let i = 0; i < this.#armAct.length; i++) {
      let c = this.#qDes[i] + this.#ffVel[i] * this.#qdDes[i] + this.#invKp[i] * this.#tau[i];
      if (c < this.#ctrlLo[i]) c = this.#ctrlLo[i];
      else if (c > this.#ctrlHi[i]) c = this.#ctrlHi[i];
      ctrl[this.#armAct[i]] = c;
    }
    if (this.#gripAct >= 0) {
      if (this.#gActive) {
        const step = this.#gSpeed * this.timestep;
        const diff = this.#gGoal - this.#gRamp;
        this.#gRamp = Math.abs(diff) <= step ? this.#gGoal : this.#gRamp + Math.sign(diff) * step;
      }
      ctrl[this.#gripAct] = this.#gSqueeze ? this.#squeezeTarget() : this.#gRamp;
    }
  }

  #squeezeTarget(): number {
    // Past the fingers by 1.2·F/kp, so kp·(target − q) saturates at the force limit.
    const kp = this.mjcf.gripper!.kp;
    const sign = this.robot.gripper!.closed < this.robot.gripper!.open ? -1 : 1;
    const q = this.#views().qpos[this.#gripQ];
    const from = sign < 0 ? Math.min(this.#gGoal, q) : Math.max(this.#gGoal, q);
    return from + sign * 1.2 * (this.#gEffort / kp);
  }

  #afterPhysics(): void {
    if (this.#gripAct < 0) return;
    const v = this.#views();
    const q = v.qpos[this.#gripQ],
      qd = v.qvel[this.#gripV];
    if (this.#gSqueeze) {
      // Closed all the way while pressing: the object slipped out; stop pushing into the limit.
      const g = this.robot.gripper!;
      if (Math.abs(q - g.closed) < 0.0005) {
        this.#gSqueeze = false;
        this.#gRamp = g.closed;
      }
    }
    if (this.#gActive) {
      if (this.#gRamp === this.#gGoal && Math.abs(qd) < GRIPPER_STILL_SPEED) this.#gStillFor += this.timestep;
      else this.#gStillFor = 0;
      if (this.#gStillFor >= GRIPPER_STILL_TIME) {
        this.#gActive = false;
        // Stopped short while closing: press with the full force from now on.
        if (this.#gClosing && Math.abs(q - this.#gGoal) > GRIPPER_GOAL_TOLERANCE) this.#gSqueeze = true;
      }
    }
    // Grasp assist: engage when both fingers have touched one object for a few steps.
    if (this.graspAssist && this.#gClosing && this.#grasped < 0) {
      let both = -1;
      const sd = v.sensordata;
      for (let i = 0; i < this.#objects.length && both < 0; i++) {
        const t = this.#objects[i].touch;
        let all = t.length > 0;
        for (let k = 0; k < t.length; k++)
          if (!(sd[t[k]] > 0)) {
            all = false;
            break;
          }
        if (all) both = i;
      }
      if (both >= 0 && both === this.#assistCandidate) {
        if (++this.#assistCount >= ASSIST_DEBOUNCE_STEPS) this.#setWeld(both);
      } else {
        this.#assistCandidate = both;
        this.#assistCount = both >= 0 ? 1 : 0;
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // stepping

  /** sim time, s */
  get time(): number {
    return this.#d.time;
  }

  /**
   * The active contacts (names of the touching geoms and their bodies, penetration depth m).
   * Copies MuJoCo's contact array (~25 µs): for inspection, not for every step.
   */
  contacts(): { geom1: string; geom2: string; body1: string; body2: string; dist: number }[] {
    const mj = this.#mj,
      m = this.#m,
      d = this.#d;
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
    return this.#d.ncon;
  }

  /** Advance n physics steps (hooks run before and after each). */
  step(n = 1): void {
    const mj = this.#mj,
      m = this.#m,
      d = this.#d;
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
    const mj = this.#mj,
      m = this.#m,
      d = this.#d;
    mj.mj_resetData(m, d);
    this.#refreshViews();
    if (this.#eqActiveOffset >= 0 && this.#v.eqActive) this.#v.eqActive[this.#weld] = 0;
    this.#grasped = -1;
    this.#assistCount = 0;
    this.#assistCandidate = -1;
    const v = this.#v;
    this.#initialArm.forEach((q, i) => {
      v.qpos[this.#armQ[i]] = q;
      this.#qDes[i] = q;
    });
    this.#qdDes.fill(0);
    this.#qddDes.fill(0);
    const g = this.robot.gripper;
    if (g && this.#gripQ >= 0) {
      v.qpos[this.#gripQ] = g.open;
      for (const mimic of g.mimics) {
        const jid = mj.mj_name2id(m, mj.mjtObj.mjOBJ_JOINT.value, mimic.joint);
        if (jid >= 0) v.qpos[(m.jnt_qposadr as Int32Array)[jid]] = g.open * mimic.multiplier + mimic.offset;
      }
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
    const n = this.#qDes.length;
    if (q.length !== n) throw new Error(`[sim] setArmTarget: expected ${n} positions (${this.jointNames.join(', ')}), got ${q.length}`);
    for (let i = 0; i < n; i++) {
      this.#qDes[i] = q[i];
      this.#qdDes[i] = qd ? qd[i] : 0;
      this.#qddDes[i] = qdd ? qdd[i] : 0;
    }
  }

  /** Hold the arm where it is now (target = current position, zero velocity). */
  holdArm(): void {
    const v = this.#views();
    for (let i = 0; i < this.#qDes.length; i++) {
      this.#qDes[i] = v.qpos[this.#armQ[i]];
      this.#qdDes[i] = 0;
      this.#qddDes[i] = 0;
    }
  }

  armTarget(): { position: number[]; velocity: number[]; acceleration: number[] } {
    return { position: Array.from(this.#qDes), velocity: Array.from(this.#qdDes), acceleration: Array.from(this.#qddDes) };
  }

  /** joint positions, rad, `jointNames` order */
  armPositions(out: number[] = new Array(this.#armQ.length)): number[] {
    const v = this.#views();
    for (let i = 0; i < this.#armQ.length; i++) out[i] = v.qpos[this.#armQ[i]];
    return out;
  }

  /** joint velocities, rad/s */
  armVelocities(out: number[] = new Array(this.#armV.length)): number[] {
    const v = this.#views();
    for (let i = 0; i < this.#armV.length; i++) out[i] = v.qvel[this.#armV[i]];
    return out;
  }

  /** servo torques, N·m (gravity is compensated separately, as on a real arm) */
  armEfforts(out: number[] = new Array(this.#armAct.length)): number[] {
    const v = this.#views();
    for (let i = 0; i < this.#armAct.length; i++) out[i] = v.actuatorForce[this.#armAct[i]];
    return out;
  }

  /** Largest |desired − actual| over the arm joints, rad. */
  trackingError(): number {
    const v = this.#views();
    let e = 0;
    for (let i = 0; i < this.#armQ.length; i++) e = Math.max(e, Math.abs(this.#qDes[i] - v.qpos[this.#armQ[i]]));
    return e;
  }

  /** Tool frame (the robot's tip link) pose in the world: position m, quaternion [x, y, z, w]. */
  toolPose(): { position: Vec3; quaternion: Quat } {
    const v = this.#views();
    const s = this.#toolSite;
    const r = v.siteXmat.subarray(s * 9, s * 9 + 9); // row-major 3×3
    return { position: [v.siteXpos[s * 3], v.siteXpos[s * 3 + 1], v.siteXpos[s * 3 + 2]], quaternion: quatFromRowMajor(r) };
  }

  // ---------------------------------------------------------------------------------------
  // gripper

  get hasGripper(): boolean {
    return this.#gripAct >= 0;
  }

  /**
   * Move the fingers to `goal` (leader joint value, m) at `speed`, squeezing with at most
   * `maxEffort` N. Opening releases the grasp assist at once.
   */
  setGripper(goal: number, options: GripperOptions = {}): void {
    const g = this.robot.gripper;
    if (!g || this.#gripAct < 0) throw new Error(`[sim] ${this.robot.name} has no gripper`);
    const lo = Math.min(g.open, g.closed),
      hi = Math.max(g.open, g.closed);
    const target = Math.min(hi, Math.max(lo, goal));
    const v = this.#views();
    const q = v.qpos[this.#gripQ];
    const effort = options.maxEffort !== undefined && options.maxEffort > 0 ? Math.min(options.maxEffort, g.effort) : g.effort;
    const closingSign = g.closed < g.open ? -1 : 1;
    this.#gClosing = (target - q) * closingSign > 1e-4;
    if (!this.#gClosing && (target - q) * closingSign < -1e-4) {
      this.#setWeld(-1); // opening: let go
      this.#assistCount = 0;
      this.#assistCandidate = -1;
    }
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
  }

  /** Stop the finger motion where it is; a grip that is pressing on something keeps pressing. */
  stopGripper(): void {
    if (this.#gripAct < 0 || !this.#gActive) return;
    const q = this.#views().qpos[this.#gripQ];
    const g = this.robot.gripper!;
    const closingSign = g.closed < g.open ? -1 : 1;
    // Pressing on an object: the ramp is past the fingers; keep it so the grip holds.
    const pressing = this.#gClosing && (this.#gRamp - q) * closingSign > GRIPPER_GOAL_TOLERANCE;
    this.#gGoal = pressing ? this.#gRamp : q;
    this.#gRamp = this.#gGoal;
    if (pressing) this.#gSqueeze = true;
    this.#gActive = false;
  }

  gripperState(): GripperState {
    if (this.#gripAct < 0) return { position: 0, velocity: 0, effort: 0, goal: 0, moving: false, stalled: false, reachedGoal: true };
    const v = this.#views();
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
  get gripperMoving(): boolean {
    return this.#gActive;
  }

  /** leader finger joint value, m */
  gripperPosition(): number {
    return this.#gripQ >= 0 ? this.#views().qpos[this.#gripQ] : 0;
  }

  /** the object the grasp assist holds, if any */
  get graspedObject(): string | null {
    return this.#grasped >= 0 ? this.#objects[this.#grasped].o.name : null;
  }

  // ---------------------------------------------------------------------------------------
  // bodies and objects (BodyPoseProvider)

  /** Names of the scene objects (free bodies). */
  get objectNames(): string[] {
    return this.#objects.map((o) => o.o.name);
  }

  get containerNames(): string[] {
    return this.#containers.map((c) => c.c.name);
  }

  /** Is `name` a container (things can be put into it)? */
  isContainer(name: string): boolean {
    return this.#containerIndex.has(name);
  }

  /** World position (m) of an object, container or robot link; undefined for unknown names. */
  bodyPosition(name: string): Vec3 | undefined {
    const v = this.#views();
    const oi = this.#objectIndex.get(name);
    if (oi !== undefined) {
      const a = this.#objects[oi].qadr;
      return [v.qpos[a], v.qpos[a + 1], v.qpos[a + 2]];
    }
    const b = this.#bodyIds.get(name);
    if (b === undefined || b === 0) return undefined;
    return [v.xpos[b * 3], v.xpos[b * 3 + 1], v.xpos[b * 3 + 2]];
  }

  /** World orientation [x, y, z, w] of a body; undefined for unknown names. */
  bodyQuaternion(name: string): Quat | undefined {
    const v = this.#views();
    const oi = this.#objectIndex.get(name);
    if (oi !== undefined) {
      const a = this.#objects[oi].qadr + 3;
      return [v.qpos[a + 1], v.qpos[a + 2], v.qpos[a + 3], v.qpos[a]];
    }
    const b = this.#bodyIds.get(name);
    if (b === undefined || b === 0) return undefined;
    return [v.xquat[b * 4 + 1], v.xquat[b * 4 + 2], v.xquat[b * 4 + 3], v.xquat[b * 4]];
  }

  /**
   * World-axis-aligned half extents (m) of an object or container in its current orientation
   * (containers: outer walls). Undefined for robot links and unknown names.
   */
  bodyHalfExtents(name: string): Vec3 | undefined {
    const oi = this.#objectIndex.get(name);
    const ci = this.#containerIndex.get(name);
    if (oi === undefined && ci === undefined) return undefined;
    const q = this.bodyQuaternion(name)!;
    const R = rowMajorFromQuat(q);
    if (oi !== undefined) {
      const o = this.#objects[oi].o;
      const h = objectHalfExtents(o);
      if (o.shape === 'sphere') return h;
      if (o.shape === 'cylinder') {
        // axis = R·z; extent along world axis i = h·|a_i| + r·sqrt(1 − a_i²)
        const a = [R[2], R[5], R[8]];
        return a.map((ai) => h[2] * Math.abs(ai) + h[0] * Math.sqrt(Math.max(0, 1 - ai * ai))) as Vec3;
      }
      return aabb(R, h);
    }
    return aabb(R, containerHalfExtents(this.#containers[ci!].c));
  }

  /** Where every scene object is, which container it is in, and whether the gripper holds it. */
  objectStates(): ObjectState[] {
    return this.#objects.map((_, i) => this.#objectState(i));
  }

  objectState(name: string): ObjectState | undefined {
    const i = this.#objectIndex.get(name);
    return i === undefined ? undefined : this.#objectState(i);
  }

  #objectState(i: number): ObjectState {
    const v = this.#views();
    const ob = this.#objects[i];
    const a = ob.qadr,
      va = ob.vadr;
    const position: Vec3 = [v.qpos[a], v.qpos[a + 1], v.qpos[a + 2]];
    const quaternion: Quat = [v.qpos[a + 4], v.qpos[a + 5], v.qpos[a + 6], v.qpos[a + 3]];
    const speed = Math.hypot(v.qvel[va], v.qvel[va + 1], v.qvel[va + 2]);
    const spin = Math.hypot(v.qvel[va + 3], v.qvel[va + 4], v.qvel[va + 5]);
    const resting = speed < 0.05 && spin < 1;
    let touchingAll = ob.touch.length > 0;
    for (const t of ob.touch) if (!(v.sensordata[t] > 0)) touchingAll = false;
    const held = this.#grasped === i || touchingAll;
    let inside: string | null = null;
    if (!held && resting) {
      for (const { c } of this.#containers) {
        const dx = position[0] - c.position[0],
          dy = position[1] - c.position[1];
        const cs = Math.cos(c.yaw),
          sn = Math.sin(c.yaw);
        const lx = cs * dx + sn * dy,
          ly = -sn * dx + cs * dy;
        if (Math.abs(lx) <= c.inner[0] / 2 && Math.abs(ly) <= c.inner[1] / 2 && position[2] < c.height && position[2] > 0) {
          inside = c.name;
          break;
        }
      }
    }
    return { name: ob.o.name, position, quaternion, in: inside, held, resting };
  }

  /** Free every WASM object. The world is unusable afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#before.length = 0;
    this.#after.length = 0;
    this.#data?.delete();
    this.#model?.delete();
    this.#data = null;
    this.#model = null;
  }

  get disposed(): boolean {
    return this.#disposed;
  }
}

function describeError(mj: MainModule, err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'number') {
    // Emscripten C++ exceptions surface as pointers; ask the module for the message.
    const anyMj = mj as unknown as { getExceptionMessage?: (e: number) => [string, string] };
    try {
      return anyMj.getExceptionMessage?.(err)?.join(': ') ?? String(err);
    } catch {
      return String(err);
    }
  }
  return String(err);
}

/** q* · v · q for a [w, x, y, z] quaternion: a world vector in the body frame. */
function rotateByConj(q: number[], v: number[]): number[] {
  const R = rowMajorFromQuat([q[1], q[2], q[3], q[0]]);
  return [R[0] * v[0] + R[3] * v[1] + R[6] * v[2], R[1] * v[0] + R[4] * v[1] + R[7] * v[2], R[2] * v[0] + R[5] * v[1] + R[8] * v[2]];
}

function quatMulWxyz(a: number[], b: number[]): number[] {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/** Row-major 3×3 rotation of an [x, y, z, w] quaternion. */
function rowMajorFromQuat(q: Quat): number[] {
  const [x, y, z, w] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

function quatFromRowMajor(r: ArrayLike<number>): Quat {
  return quatFromRotation(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
}

function aabb(R: number[], h: Vec3): Vec3 {
  return [0, 1, 2].map((i) => Math.abs(R[i * 3]) * h[0] + Math.abs(R[i * 3 + 1]) * h[1] + Math.abs(R[i * 3 + 2]) * h[2]) as Vec3;
}
