/**
 * The scene's bodies in the loaded model: objects (free bodies, with the finger touch sensors on
 * each), containers, and every named body (robot links too). Answers where a body is, how big it
 * is in its current orientation, and what state an object is in (held, resting, in a container).
 *
 * Units: m, rad. World frame: z up, z = 0 the table top. Quaternions out are [x, y, z, w]
 * (MuJoCo's qpos and xquat hold [w, x, y, z]).
 */
import type { Quat, Vec3 } from '../../model/math/transform.js';
import type { MjcfModel } from '../mjcf.js';
import { containerHalfExtents, objectHalfExtents, type SceneContainer, type SceneObject } from '../scene.js';
import type { MjHandle } from './handle.js';
import { aabb, rowMajorFromQuat } from './rotation.js';
import type { ObjectState } from './types.js';

/** A scene object in the model: its body id, free-joint qpos/qvel addresses and touch sensor addresses (one per finger). */
export interface SimObject {
  o: SceneObject;
  body: number;
  qadr: number;
  vadr: number;
  touch: number[];
}

export class SceneBodies {
  readonly #h: MjHandle;
  readonly objects: readonly SimObject[];
  readonly #containers: { c: SceneContainer; body: number }[];
  readonly #bodyIds = new Map<string, number>();
  readonly #objectIndex = new Map<string, number>();
  readonly #containerIndex = new Map<string, number>();

  /** Resolve the objects, their touch sensors and the containers in the loaded model (throws when one is missing). */
  constructor(h: MjHandle, mjcf: MjcfModel) {
    this.#h = h;
    const model = h.m,
      mj = h.mj;
    const OBJ = mj.mjtObj;
    const jntQ = model.jnt_qposadr as Int32Array;
    const jntV = model.jnt_dofadr as Int32Array;
    const sensorAdr = model.sensor_adr as Int32Array;
    const bodyJnt = model.body_jntadr as Int32Array;
    this.objects = mjcf.objects.map((p, i) => {
      const body = h.id(OBJ.mjOBJ_BODY.value, p.object.name, 'body');
      const jnt = bodyJnt[body];
      this.#objectIndex.set(p.object.name, i);
      const touch = mjcf.gripper
        ? mjcf.gripper.fingerBodies.map((f) => sensorAdr[h.id(OBJ.mjOBJ_SENSOR.value, mjcf.touchSensor(f, p.object.name), 'sensor')])
        : [];
      return { o: p.object, body, qadr: jntQ[jnt], vadr: jntV[jnt], touch };
    });
    this.#containers = mjcf.containers.map((c, i) => {
      this.#containerIndex.set(c.name, i);
      return { c, body: h.id(OBJ.mjOBJ_BODY.value, c.name, 'body') };
    });
    for (let b = 0; b < model.nbody; b++) {
      const name = mj.mj_id2name(model, OBJ.mjOBJ_BODY.value, b);
      if (name) this.#bodyIds.set(name, b);
    }
  }

  /** Names of the scene objects (free bodies). */
  get objectNames(): string[] {
    return this.objects.map((o) => o.o.name);
  }

  get containerNames(): string[] {
    return this.#containers.map((c) => c.c.name);
  }

  isContainer(name: string): boolean {
    return this.#containerIndex.has(name);
  }

  /** World position (m) of an object, container or robot link; undefined for unknown names. */
  position(name: string): Vec3 | undefined {
    const v = this.#h.views();
    const oi = this.#objectIndex.get(name);
    if (oi !== undefined) {
      const a = this.objects[oi].qadr;
      return [v.qpos[a], v.qpos[a + 1], v.qpos[a + 2]];
    }
    const b = this.#bodyIds.get(name);
    if (b === undefined || b === 0) return undefined;
    return [v.xpos[b * 3], v.xpos[b * 3 + 1], v.xpos[b * 3 + 2]];
  }

  /** World orientation [x, y, z, w] of a body; undefined for unknown names. */
  quaternion(name: string): Quat | undefined {
    const v = this.#h.views();
    const oi = this.#objectIndex.get(name);
    if (oi !== undefined) {
      const a = this.objects[oi].qadr + 3;
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
  halfExtents(name: string): Vec3 | undefined {
    const oi = this.#objectIndex.get(name);
    const ci = this.#containerIndex.get(name);
    if (oi === undefined && ci === undefined) return undefined;
    const q = this.quaternion(name)!;
    const R = rowMajorFromQuat(q);
    if (oi !== undefined) {
      const o = this.objects[oi].o;
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

  /** index of the object called `name` in `objects`, undefined for other names */
  indexOf(name: string): number | undefined {
    return this.#objectIndex.get(name);
  }

  /**
   * Where object `i` is, which container it is in, and whether it is held: `grasped` is the
   * index of the object the grasp assist holds (-1 for none).
   */
  objectState(i: number, grasped: number): ObjectState {
    const v = this.#h.views();
    const ob = this.objects[i];
    const a = ob.qadr,
      va = ob.vadr;
    const position: Vec3 = [v.qpos[a], v.qpos[a + 1], v.qpos[a + 2]];
    const quaternion: Quat = [v.qpos[a + 4], v.qpos[a + 5], v.qpos[a + 6], v.qpos[a + 3]];
    const speed = Math.hypot(v.qvel[va], v.qvel[va + 1], v.qvel[va + 2]);
    const spin = Math.hypot(v.qvel[va + 3], v.qvel[va + 4], v.qvel[va + 5]);
    const resting = speed < 0.05 && spin < 1;
    let touchingAll = ob.touch.length > 0;
    for (const t of ob.touch) if (!(v.sensordata[t] > 0)) touchingAll = false;
    const held = grasped === i || touchingAll;
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
}
