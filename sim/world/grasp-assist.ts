/**
 * Grasp assist (documented in sim/README.md): while the gripper is closing and BOTH fingers
 * touch the same object, a weld between the hand and that object is switched on; it is
 * switched off as soon as the gripper is commanded to open.
 *
 * The weld is an equality constraint in the generated MJCF (sim/mjcf.ts), inactive at start; it
 * is switched through MjData.eq_active, which the handle locates (MjHandle.attachEqActive).
 */
import type { MjcfModel } from '../mjcf.js';
import type { SceneBodies } from './bodies.js';
import type { MjHandle, Views } from './handle.js';
import { quatMulWxyz, rotateByConj } from './rotation.js';

/** physics steps both fingers must touch the same object before the weld engages */
const ASSIST_DEBOUNCE_STEPS = 3;

export class GraspAssist {
  readonly #h: MjHandle;
  readonly #bodies: SceneBodies;
  readonly #handBody: number;
  /** the weld equality, -1 when the model has none (no gripper or no objects) */
  readonly weld: number = -1;

  #grasped = -1;
  #assistCount = 0;
  #assistCandidate = -1;

  /** Resolve the weld in the loaded model (throws when it is missing). */
  constructor(h: MjHandle, mjcf: MjcfModel, bodies: SceneBodies, handBody: number) {
    this.#h = h;
    this.#bodies = bodies;
    this.#handBody = handBody;
    if (mjcf.graspWeld) this.weld = h.id(h.mj.mjtObj.mjOBJ_EQUALITY.value, mjcf.graspWeld, 'equality');
  }

  /** index of the object the weld holds (in SceneBodies.objects), -1 for none */
  get grasped(): number {
    return this.#grasped;
  }

  /** Weld off, debounce cleared. Call right after the views were refreshed by a data reset. */
  reset(v: Views): void {
    if (this.#h.hasEqActive && v.eqActive) v.eqActive[this.weld] = 0;
    this.#grasped = -1;
    this.#assistCount = 0;
    this.#assistCandidate = -1;
  }

  /**
   * Hold object `objectIndex` where it is now relative to the hand (a restored grasp). Needs
   * the body poses of a fresh kinematics pass.
   */
  engage(objectIndex: number): void {
    this.#setWeld(objectIndex);
    this.#assistCount = 0;
    this.#assistCandidate = -1;
  }

  /** The gripper is opening: let go at once. */
  release(): void {
    this.#setWeld(-1);
    this.#assistCount = 0;
    this.#assistCandidate = -1;
  }

  /**
   * After a physics step while the gripper is closing: engage when both fingers have touched
   * one object for a few steps.
   */
  update(v: Views): void {
    if (this.#grasped >= 0) return;
    const objects = this.#bodies.objects;
    let both = -1;
    const sd = v.sensordata;
    for (let i = 0; i < objects.length && both < 0; i++) {
      const t = objects[i].touch;
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

  #setWeld(objectIndex: number): void {
    const v = this.#h.views();
    if (!v.eqActive) return;
    const w = this.weld;
    if (objectIndex < 0) {
      v.eqActive[w] = 0;
      this.#grasped = -1;
      return;
    }
    // Relative pose of the object in the hand frame, from the same kinematics pass.
    const ob = this.#bodies.objects[objectIndex].body,
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
}
