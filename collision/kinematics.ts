/**
 * Forward kinematics of every link of a RobotModel's tree into one preallocated Float64Array,
 * for the collision checks (called millions of times by a planner: nothing is allocated per
 * call). Same conventions as RobotModel.linkPoses: arm joints take q, the gripper joint takes
 * the gripper value, mimic joints follow their leader, every other joint stays at zero.
 *
 * Poses are rigid transforms world ← link (world = robot base frame, z up, meters), stored
 * row-major 3x4 at 12 * linkIndex: r00 r01 r02 tx  r10 r11 r12 ty  r20 r21 r22 tz.
 */
import type { RobotModel } from '../model/description/robot-model.js';
import { fromXyzRpy } from '../model/math/transform.js';
import { CollisionInputError } from './shapes.js';

const FIXED = 0,
  REVOLUTE = 1,
  PRISMATIC = 2;
/** where a joint's value comes from */
const SRC_NONE = 0,
  SRC_ARM = 1,
  SRC_GRIPPER = 2;

export class TreeKinematics {
  /** link names; index 0 is the root, parents come before children */
  readonly linkNames: readonly string[];
  readonly linkIndex: ReadonlyMap<string, number>;
  /** parent link index per link (−1 for the root) */
  readonly parent: Int32Array;
  /** the joint that moves each link (its parent joint), by name ('' for the root) */
  readonly parentJoint: readonly string[];
  /** world ← link for every link after `compute` (12 per link, row-major 3x4) */
  readonly poses: Float64Array;
  readonly dof: number;
  /** gripper joint value range [min, max] (m or rad), or [0, 0] without a gripper */
  readonly gripperRange: readonly [number, number];
  readonly gripperDefault: number;

  /** per link: joint type, value source, arm index, multiplier, offset, axis (3), origin (12) */
  readonly #type: Uint8Array;
  readonly #src: Uint8Array;
  readonly #armI: Int32Array;
  readonly #mul: Float64Array;
  readonly #off: Float64Array;
  readonly #axis: Float64Array;
  /** 1 when the axis is +z or −z (the sign in #axis[2]): a cheaper rotation */
  readonly #zAxis: Uint8Array;
  readonly #origin: Float64Array;

  constructor(model: RobotModel) {
    const d = model.description;
    const children = new Map<string, typeof d.joints>();
    for (const j of d.joints) children.set(j.parent, [...(children.get(j.parent) ?? []), j]);
    const names: string[] = [d.rootLink];
    const joints: (typeof d.joints)[number][] = [];
    // Breadth-first: parents before children, in URDF order among siblings (deterministic).
    for (let i = 0; i < names.length; i++)
      for (const j of children.get(names[i]) ?? []) {
        names.push(j.child);
        joints.push(j);
      }
    const n = names.length;
    this.linkNames = names;
    this.linkIndex = new Map(names.map((l, i) => [l, i]));
    this.parent = new Int32Array(n).fill(-1);
    this.parentJoint = ['', ...joints.map((j) => j.name)];
    this.poses = new Float64Array(12 * n);
    this.dof = model.dof;
    this.#type = new Uint8Array(n);
    this.#src = new Uint8Array(n);
    this.#armI = new Int32Array(n).fill(-1);
    this.#mul = new Float64Array(n).fill(1);
    this.#off = new Float64Array(n);
    this.#axis = new Float64Array(3 * n);
    this.#zAxis = new Uint8Array(n);
    this.#origin = new Float64Array(12 * n);
    const armIndex = new Map(model.jointNames.map((name, i) => [name, i]));
    const g = model.gripper;
    this.gripperRange = g ? [Math.min(g.open, g.closed), Math.max(g.open, g.closed)] : [0, 0];
    this.gripperDefault = g?.open ?? 0;
    // Identity for the root.
    this.#origin.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], 0);
    joints.forEach((j, k) => {
      const i = k + 1;
      this.parent[i] = this.linkIndex.get(j.parent)!;
      const o = fromXyzRpy(j.origin.xyz, j.origin.rpy);
      // column-major 4x4 → row-major 3x4
      this.#origin.set([o[0], o[4], o[8], o[12], o[1], o[5], o[9], o[13], o[2], o[6], o[10], o[14]], 12 * i);
      this.#type[i] = j.type === 'revolute' || j.type === 'continuous' ? REVOLUTE : j.type === 'prismatic' ? PRISMATIC : FIXED;
      this.#axis.set(j.axis, 3 * i);
      this.#zAxis[i] = j.axis[0] === 0 && j.axis[1] === 0 && Math.abs(j.axis[2]) === 1 ? 1 : 0;
      // Value source, as RobotModel.linkPoses picks it.
      let leader = j.name;
      if (!armIndex.has(j.name) && !(g && j.name === g.joint) && j.mimic) {
        leader = j.mimic.joint;
        this.#mul[i] = j.mimic.multiplier;
        this.#off[i] = j.mimic.offset;
      }
      if (armIndex.has(leader)) {
        this.#src[i] = SRC_ARM;
        this.#armI[i] = armIndex.get(leader)!;
      } else if (g && leader === g.joint) this.#src[i] = SRC_GRIPPER;
      else this.#src[i] = SRC_NONE; // a joint nobody drives stays at 0 (+ a mimic offset)
    });
  }

  /** The value source of the joint above link i: 'arm' (with index), 'gripper' or 'none'. */
  jointSource(i: number): { kind: 'arm'; index: number; multiplier: number } | { kind: 'gripper'; multiplier: number } | { kind: 'none' } {
    if (this.#type[i] === FIXED) return { kind: 'none' };
    if (this.#src[i] === SRC_ARM) return { kind: 'arm', index: this.#armI[i], multiplier: this.#mul[i] };
    if (this.#src[i] === SRC_GRIPPER) return { kind: 'gripper', multiplier: this.#mul[i] };
    return { kind: 'none' };
  }

  /** 'fixed', 'revolute' or 'prismatic' for the joint above link i. */
  jointType(i: number): 'fixed' | 'revolute' | 'prismatic' {
    return this.#type[i] === REVOLUTE ? 'revolute' : this.#type[i] === PRISMATIC ? 'prismatic' : 'fixed';
  }

  /** Distance between link i's frame origin and its parent's (m): the joint origin's length. */
  originLength(i: number): number {
    const o = this.#origin;
    return Math.hypot(o[12 * i + 3], o[12 * i + 7], o[12 * i + 11]);
  }

  /** Throws unless q holds `dof` finite numbers and the gripper value is finite and within its range (1 µm slack). */
  validate(q: ArrayLike<number>, gripper: number): void {
    if (!q || q.length !== this.dof) throw new CollisionInputError(`expected ${this.dof} joint values, got ${q?.length}`);
    for (let i = 0; i < this.dof; i++)
      if (!Number.isFinite(q[i])) throw new CollisionInputError(`joint value ${i} is not a finite number: ${q[i]}`);
    const [lo, hi] = this.gripperRange;
    if (!Number.isFinite(gripper) || gripper < lo - 1e-6 || gripper > hi + 1e-6)
      throw new CollisionInputError(`gripper value ${gripper} is outside [${lo}, ${hi}]`);
  }

  /** Fill `poses` for arm values q (rad or m) and gripper value (m or rad). No checks, no allocation. */
  compute(q: ArrayLike<number>, gripper: number): void {
    const P = this.poses,
      O = this.#origin,
      A = this.#axis;
    P[0] = 1;
    P[1] = 0;
    P[2] = 0;
    P[3] = 0;
    P[4] = 0;
    P[5] = 1;
    P[6] = 0;
    P[7] = 0;
    P[8] = 0;
    P[9] = 0;
    P[10] = 1;
    P[11] = 0;
    const n = this.#type.length;
    for (let i = 1; i < n; i++) {
      const p = 12 * this.parent[i],
        o = 12 * i;
      // T = parent · origin
      const a00 = P[p],
        a01 = P[p + 1],
        a02 = P[p + 2],
        a03 = P[p + 3];
      const a10 = P[p + 4],
        a11 = P[p + 5],
        a12 = P[p + 6],
        a13 = P[p + 7];
      const a20 = P[p + 8],
        a21 = P[p + 9],
        a22 = P[p + 10],
        a23 = P[p + 11];
      const b00 = O[o],
        b01 = O[o + 1],
        b02 = O[o + 2],
        b03 = O[o + 3];
      const b10 = O[o + 4],
        b11 = O[o + 5],
        b12 = O[o + 6],
        b13 = O[o + 7];
      const b20 = O[o + 8],
        b21 = O[o + 9],
        b22 = O[o + 10],
        b23 = O[o + 11];
      let t00 = a00 * b00 + a01 * b10 + a02 * b20,
        t01 = a00 * b01 + a01 * b11 + a02 * b21,
        t02 = a00 * b02 + a01 * b12 + a02 * b22,
        t03 = a00 * b03 + a01 * b13 + a02 * b23 + a03;
      let t10 = a10 * b00 + a11 * b10 + a12 * b20,
        t11 = a10 * b01 + a11 * b11 + a12 * b21,
        t12 = a10 * b02 + a11 * b12 + a12 * b22,
        t13 = a10 * b03 + a11 * b13 + a12 * b23 + a13;
      let t20 = a20 * b00 + a21 * b10 + a22 * b20,
        t21 = a20 * b01 + a21 * b11 + a22 * b21,
        t22 = a20 * b02 + a21 * b12 + a22 * b22,
        t23 = a20 * b03 + a21 * b13 + a22 * b23 + a23;
      const type = this.#type[i];
      if (type !== FIXED) {
        const src = this.#src[i];
        const lead = src === SRC_ARM ? q[this.#armI[i]] : src === SRC_GRIPPER ? gripper : 0;
        const v = lead * this.#mul[i] + this.#off[i];
        const ax = A[3 * i],
          ay = A[3 * i + 1],
          az = A[3 * i + 2];
        if (type === PRISMATIC) {
          t03 += (t00 * ax + t01 * ay + t02 * az) * v;
          t13 += (t10 * ax + t11 * ay + t12 * az) * v;
          t23 += (t20 * ax + t21 * ay + t22 * az) * v;
        } else if (this.#zAxis[i] === 1) {
          // Rotation about ±z mixes only the first two columns.
          const c = Math.cos(v),
            s = az * Math.sin(v);
          const n00 = t00 * c + t01 * s,
            n01 = t01 * c - t00 * s;
          const n10 = t10 * c + t11 * s,
            n11 = t11 * c - t10 * s;
          const n20 = t20 * c + t21 * s,
            n21 = t21 * c - t20 * s;
          t00 = n00;
          t01 = n01;
          t10 = n10;
          t11 = n11;
          t20 = n20;
          t21 = n21;
        } else {
          const c = Math.cos(v),
            s = Math.sin(v),
            k = 1 - c;
          const r00 = k * ax * ax + c,
            r01 = k * ax * ay - s * az,
            r02 = k * ax * az + s * ay;
          const r10 = k * ax * ay + s * az,
            r11 = k * ay * ay + c,
            r12 = k * ay * az - s * ax;
          const r20 = k * ax * az - s * ay,
            r21 = k * ay * az + s * ax,
            r22 = k * az * az + c;
          const n00 = t00 * r00 + t01 * r10 + t02 * r20,
            n01 = t00 * r01 + t01 * r11 + t02 * r21,
            n02 = t00 * r02 + t01 * r12 + t02 * r22;
          const n10 = t10 * r00 + t11 * r10 + t12 * r20,
            n11 = t10 * r01 + t11 * r11 + t12 * r21,
            n12 = t10 * r02 + t11 * r12 + t12 * r22;
          const n20 = t20 * r00 + t21 * r10 + t22 * r20,
            n21 = t20 * r01 + t21 * r11 + t22 * r21,
            n22 = t20 * r02 + t21 * r12 + t22 * r22;
          t00 = n00;
          t01 = n01;
          t02 = n02;
          t10 = n10;
          t11 = n11;
          t12 = n12;
          t20 = n20;
          t21 = n21;
          t22 = n22;
        }
      }
      P[o] = t00;
      P[o + 1] = t01;
      P[o + 2] = t02;
      P[o + 3] = t03;
      P[o + 4] = t10;
      P[o + 5] = t11;
      P[o + 6] = t12;
      P[o + 7] = t13;
      P[o + 8] = t20;
      P[o + 9] = t21;
      P[o + 10] = t22;
      P[o + 11] = t23;
    }
  }
}
