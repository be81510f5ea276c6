/**
 * The loaded MuJoCo model and its data for one SimWorld: building and compiling the MJCF, name →
 * id look-ups, live typed-array views into the WASM heap, the eq_active workaround the grasp
 * assist needs, and freeing it all. Everything else in sim/world/ reads and writes MuJoCo state
 * through this.
 */
import { buildMjcf, type MjcfModel } from '../mjcf.js';
import { mujoco, type MainModule, type MjData, type MjModel } from '../mujoco.js';
import type { SimWorldOptions } from './types.js';

/** Live typed-array views into the WASM heap; re-taken when the heap grows (views detach). */
export interface Views {
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

/** The MjData arrays the views take; the bindings' .d.ts types them `any` (they are heap views). */
interface DataArrays {
  qpos: Float64Array;
  qvel: Float64Array;
  ctrl: Float64Array;
  xpos: Float64Array;
  xquat: Float64Array;
  sensordata: Float64Array;
  actuator_force: Float64Array;
  site_xpos: Float64Array;
  site_xmat: Float64Array;
  M: Float64Array;
  qfrc_bias: Float64Array;
  qfrc_gravcomp: Float64Array;
}

/** The MjModel arrays the views take, typed as DataArrays is. */
interface ModelArrays {
  actuator_forcerange: Float64Array;
  actuator_ctrlrange: Float64Array;
  eq_data: Float64Array;
  eq_obj2id: Int32Array;
}

export class MjHandle {
  readonly mj: MainModule;
  #model: MjModel | null;
  #data: MjData | null;
  #v!: Views;
  #eqActiveOffset = -1;

  constructor(mj: MainModule, model: MjModel, data: MjData) {
    this.mj = mj;
    this.#model = model;
    this.#data = data;
    this.refreshViews();
  }

  /** Build the MJCF for robot + scene and load it into MuJoCo. */
  static async load(options: SimWorldOptions): Promise<{ handle: MjHandle; mjcf: MjcfModel }> {
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
      return { handle: new MjHandle(mj, model, data), mjcf };
    } catch (err) {
      data.delete();
      model.delete();
      throw err;
    }
  }

  get m(): MjModel {
    if (!this.#model) throw new Error('[sim] this SimWorld was disposed');
    return this.#model;
  }

  get d(): MjData {
    if (!this.#data) throw new Error('[sim] this SimWorld was disposed');
    return this.#data;
  }

  /** Id of a named element of the generated model; throws when it is missing. */
  id(type: number, name: string, what: string): number {
    const i = this.mj.mj_name2id(this.m, type, name);
    if (i < 0) throw new Error(`[sim] ${what} "${name}" is missing from the generated model`);
    return i;
  }

  refreshViews(): Views {
    const m: ModelArrays & { neq: number } = this.m,
      d: DataArrays = this.d;
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
    return this.#v;
  }

  /** Views detach when the WASM heap grows (another world, a contact copy); re-take them then. */
  views(): Views {
    if (this.#v.qpos.length === 0 && this.m.nq > 0) this.refreshViews();
    return this.#v;
  }

  /** Was MjData.eq_active found (see attachEqActive)? */
  get hasEqActive(): boolean {
    return this.#eqActiveOffset >= 0;
  }

  /**
   * The bindings cannot expose MjData.eq_active (a bool array). MuJoCo allocates it right after
   * xfrc_applied in MjData's buffer, so find that byte and prove it is the right one: switching
   * the (inactive) equality `weld` on must add its 6 constraint rows, and off must remove them.
   * On success the views carry `eqActive` from the next refresh on. Returns whether it was found.
   */
  attachEqActive(weld: number): boolean {
    this.#eqActiveOffset = this.#locateEqActive(weld);
    return this.#eqActiveOffset >= 0;
  }

  /** Byte offset of eq_active in the heap, -1 when not found. */
  #locateEqActive(weld: number): number {
    const mj = this.mj,
      m = this.m,
      d = this.d;
    const x = d.xfrc_applied as Float64Array;
    const end = x.byteOffset + x.byteLength;
    const heap = new Uint8Array(x.buffer);
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

  /** Free the WASM model and data (idempotent). */
  dispose(): void {
    this.#data?.delete();
    this.#model?.delete();
    this.#data = null;
    this.#model = null;
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
