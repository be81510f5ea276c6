/**
 * The arm's joint servos. The arm joints are position servos (see sim/mjcf.ts); the desired
 * state (q, qd, qdd) is held here and every physics step writes
 * ctrl = q + (kv/kp)·qd + τ_ff/kp, which makes the servo force
 * kp·(q − q_actual) + kv·(qd − qd_actual) + τ_ff, with the inverse-dynamics feedforward
 * τ_ff = M(q)·qdd + c(q, q̇): velocity and torque feedforward through a single force-limited
 * position actuator, like a real arm's joint controller.
 *
 * Units: rad, rad/s, rad/s², N·m; arrays in the world's `jointNames` order.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { MjcfModel } from '../mjcf.js';
import type { MjHandle, Views } from './handle.js';

export class ArmServo {
  readonly #h: MjHandle;
  readonly #jointNames: readonly string[];
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

  // arm command (desired position, velocity, acceleration)
  readonly #qDes: Float64Array;
  readonly #qdDes: Float64Array;
  readonly #qddDes: Float64Array;

  /** Resolve the arm's joints and actuators in the loaded model (throws when one is missing). */
  constructor(h: MjHandle, robot: RobotModel, mjcf: MjcfModel, jointNames: readonly string[]) {
    this.#h = h;
    this.#jointNames = jointNames;
    const model = h.m;
    const OBJ = h.mj.mjtObj;
    const jntQ = model.jnt_qposadr as Int32Array;
    const jntV = model.jnt_dofadr as Int32Array;
    const dof = jointNames.length;
    this.#armQ = new Int32Array(dof);
    this.#armV = new Int32Array(dof);
    this.#armAct = new Int32Array(dof);
    this.#ffVel = new Float64Array(dof);
    this.#invKp = new Float64Array(dof);
    this.#tau = new Float64Array(dof);
    this.#ctrlLo = new Float64Array(dof);
    this.#ctrlHi = new Float64Array(dof);
    jointNames.forEach((j, i) => {
      const ji = h.id(OBJ.mjOBJ_JOINT.value, j, 'joint');
      this.#armQ[i] = jntQ[ji];
      this.#armV[i] = jntV[ji];
      this.#armAct[i] = h.id(OBJ.mjOBJ_ACTUATOR.value, mjcf.armActuators[i], 'actuator');
      const s = mjcf.servo[i];
      this.#ffVel[i] = s.kv / s.kp;
      this.#invKp[i] = 1 / s.kp;
      const lim = robot.arm[i];
      this.#ctrlLo[i] = Number.isFinite(lim.lower) ? lim.lower : -Infinity;
      this.#ctrlHi[i] = Number.isFinite(lim.upper) ? lim.upper : Infinity;
    });
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

    this.#qDes = new Float64Array(dof);
    this.#qdDes = new Float64Array(dof);
    this.#qddDes = new Float64Array(dof);
  }

  /** Put the joints at `q` (rad) and hold them there: target = q, zero velocity and acceleration. */
  reset(v: Views, q: readonly number[]): void {
    q.forEach((qi, i) => {
      v.qpos[this.#armQ[i]] = qi;
      this.#qDes[i] = qi;
    });
    this.#qdDes.fill(0);
    this.#qddDes.fill(0);
  }

  /** Desired positions (rad), optional velocity (rad/s) and acceleration (rad/s²) feedforward. */
  setTarget(q: ArrayLike<number>, qd?: ArrayLike<number>, qdd?: ArrayLike<number>): void {
    const n = this.#qDes.length;
    if (q.length !== n) throw new Error(`[sim] setArmTarget: expected ${n} positions (${this.#jointNames.join(', ')}), got ${q.length}`);
    for (let i = 0; i < n; i++) {
      this.#qDes[i] = q[i];
      this.#qdDes[i] = qd ? qd[i] : 0;
      this.#qddDes[i] = qdd ? qdd[i] : 0;
    }
  }

  /** Target = current position, zero velocity. */
  hold(): void {
    const v = this.#h.views();
    for (let i = 0; i < this.#qDes.length; i++) {
      this.#qDes[i] = v.qpos[this.#armQ[i]];
      this.#qdDes[i] = 0;
      this.#qddDes[i] = 0;
    }
  }

  target(): { position: number[]; velocity: number[]; acceleration: number[] } {
    return { position: Array.from(this.#qDes), velocity: Array.from(this.#qdDes), acceleration: Array.from(this.#qddDes) };
  }

  /** joint positions, rad */
  positions(out: number[] = new Array<number>(this.#armQ.length)): number[] {
    const v = this.#h.views();
    for (let i = 0; i < this.#armQ.length; i++) out[i] = v.qpos[this.#armQ[i]];
    return out;
  }

  /** joint velocities, rad/s */
  velocities(out: number[] = new Array<number>(this.#armV.length)): number[] {
    const v = this.#h.views();
    for (let i = 0; i < this.#armV.length; i++) out[i] = v.qvel[this.#armV[i]];
    return out;
  }

  /** servo torques, N·m */
  efforts(out: number[] = new Array<number>(this.#armAct.length)): number[] {
    const v = this.#h.views();
    for (let i = 0; i < this.#armAct.length; i++) out[i] = v.actuatorForce[this.#armAct[i]];
    return out;
  }

  /** Largest |desired − actual| over the arm joints, rad. */
  trackingError(): number {
    const v = this.#h.views();
    let e = 0;
    for (let i = 0; i < this.#armQ.length; i++) e = Math.max(e, Math.abs(this.#qDes[i] - v.qpos[this.#armQ[i]]));
    return e;
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

  /** Write the arm actuators' ctrl for this step (clamped to the joint limits). */
  writeControls(v: Views): void {
    const ctrl = v.ctrl;
    this.#feedforward(v);
    for (let i = 0; i < this.#armAct.length; i++) {
      let c = this.#qDes[i] + this.#ffVel[i] * this.#qdDes[i] + this.#invKp[i] * this.#tau[i];
      if (c < this.#ctrlLo[i]) c = this.#ctrlLo[i];
      else if (c > this.#ctrlHi[i]) c = this.#ctrlHi[i];
      ctrl[this.#armAct[i]] = c;
    }
  }
}
