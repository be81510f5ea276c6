/**
 * The planning scene: named obstacles as primitive shapes with poses, in the world frame (z up,
 * z = 0 the table top, robot base at the origin, meters). An object is one or more parts (a
 * container is a floor and four walls) placed in the object's frame, and the object has a world
 * pose that the sim or TF can update. An object can be attached to a robot link with a fixed
 * link ← object transform (the object in the gripper): it then moves with the link and stops
 * being an obstacle until it is detached.
 *
 * The scene is plain data with a version number; a CollisionChecker reads it again whenever
 * the version has changed.
 */
import { fromPose, identity, multiply, type Mat4, type Quat, type Vec3 } from '../model/math/transform.js';
import { CollisionInputError, MAX_SIZE, validateShape, validateTransform, validateVec3, type Shape } from './shapes.js';

/** A pose in the world (or a link) frame: a transform, position + quaternion [x, y, z, w], or position + yaw (rad about z). */
export type PoseInput = Mat4 | { position: Vec3; quaternion?: Quat; yaw?: number };

export type ObjectKind =
  /** the table top (the robot base stands on it) */
  | 'table'
  /** a movable thing on the table */
  | 'object'
  /** an open-top box: floor and walls */
  | 'container'
  /** a fixed obstacle, e.g. a launch profile's box */
  | 'static'
  /** an object taught by pointing: default size until corrected */
  | 'taught';

export interface ScenePart {
  shape: Shape;
  /** object ← part */
  transform: Mat4;
  /** which part, for messages: "wall" gives "GIFT_BAG wall" */
  label?: string;
}

export interface Attachment {
  link: string;
  /** link ← object */
  transform: Mat4;
  /** robot links the held object may touch; default: the link and every link below it (the fingers) */
  touchLinks?: readonly string[];
}

export interface SceneObject {
  readonly name: string;
  readonly kind: ObjectKind;
  readonly parts: readonly ScenePart[];
  /** world ← object (meaningless while attached) */
  readonly pose: Mat4;
  readonly attached?: Attachment;
}

export interface ContainerSpec {
  /** centre of the footprint on the table [x, y] (m) */
  position: [number, number];
  /** rad about z */
  yaw?: number;
  /** inside size of the opening [x, y] (m) */
  inner: [number, number];
  /** wall height above the table, the rim (m) */
  height: number;
  /** wall and floor thickness (m); default 0.006 */
  wall?: number;
}

export interface TableSpec {
  /** [x, y] of the table top (m) */
  size: [number, number];
  /** centre of the top [x, y] (m); default [0, 0] */
  center?: [number, number];
  /** m; default 0.04 */
  thickness?: number;
}

/** Size of an object taught by pointing until someone says how big it is: a 6 cm cube. */
export const DEFAULT_TAUGHT_SIZE: Vec3 = [0.06, 0.06, 0.06];

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_ .:/-]{0,99}$/;
const KINDS: readonly ObjectKind[] = ['table', 'object', 'container', 'static', 'taught'];

/** World ← object from a pose input; throws on non-finite values or a zero quaternion. */
export function toTransform(p: PoseInput, what: string): Mat4 {
  if (p instanceof Float64Array) {
    validateTransform(p, what);
    return Float64Array.from(p);
  }
  if (!p || typeof p !== 'object')
    throw new CollisionInputError(`${what}: expected a pose ({ position, quaternion | yaw } or a 4x4 transform)`);
  validateVec3(p.position, `${what} position`);
  if (p.position.some((v) => Math.abs(v) > MAX_SIZE)) throw new CollisionInputError(`${what}: position is more than ${MAX_SIZE} m away`);
  if (p.quaternion !== undefined && p.yaw !== undefined) throw new CollisionInputError(`${what}: give a quaternion or a yaw, not both`);
  let q: Quat = [0, 0, 0, 1];
  if (p.quaternion !== undefined) {
    const v = p.quaternion;
    if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => Number.isFinite(x)))
      throw new CollisionInputError(`${what}: quaternion must be 4 finite numbers [x, y, z, w]`);
    const n = Math.hypot(v[0], v[1], v[2], v[3]);
    if (n < 1e-9) throw new CollisionInputError(`${what}: quaternion has zero length`);
    q = [v[0] / n, v[1] / n, v[2] / n, v[3] / n];
  } else if (p.yaw !== undefined) {
    if (!Number.isFinite(p.yaw)) throw new CollisionInputError(`${what}: yaw must be a finite number (rad)`);
    q = [0, 0, Math.sin(p.yaw / 2), Math.cos(p.yaw / 2)];
  }
  return fromPose({ position: [p.position[0], p.position[1], p.position[2]], quaternion: q });
}

function checkSize(v: number, what: string): void {
  if (!Number.isFinite(v) || v <= 0 || v > MAX_SIZE)
    throw new CollisionInputError(`${what} must be a finite size in (0, ${MAX_SIZE}] m, got ${v}`);
}

function translation(x: number, y: number, z: number): Mat4 {
  const m = identity();
  m[12] = x;
  m[13] = y;
  m[14] = z;
  return m;
}

export class PlanningScene {
  readonly #objects = new Map<string, SceneObject>();
  #version = 0;

  /** Bumped on every change; checkers re-read the scene when it moves. */
  get version(): number {
    return this.#version;
  }

  has(name: string): boolean {
    return this.#objects.has(name);
  }

  get(name: string): SceneObject | undefined {
    return this.#objects.get(name);
  }

  /** Every object, in the order added (attached ones included). */
  list(): SceneObject[] {
    return [...this.#objects.values()];
  }

  /** Add (or replace) an object made of parts placed in its own frame. */
  add(name: string, kind: ObjectKind, parts: readonly ScenePart[], pose: PoseInput): SceneObject {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new CollisionInputError(
        `object name ${JSON.stringify(name)} must be 1-100 letters, digits, spaces or _ . : / - and start with a letter, digit or _`,
      );
    if (name === 'held' || name.startsWith('held ')) throw new CollisionInputError('"held" is reserved for the object in the gripper');
    if (!KINDS.includes(kind))
      throw new CollisionInputError(`${name}: kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
    const given: unknown = parts; // callers outside TypeScript may pass anything
    if (!Array.isArray(given) || given.length === 0 || given.length > 64)
      throw new CollisionInputError(`${name}: an object needs 1 to 64 parts`);
    const copy = parts.map((p: ScenePart, i): ScenePart => {
      validateShape(p.shape, `${name} part ${i}`);
      validateTransform(p.transform, `${name} part ${i}`);
      if (p.label !== undefined && (typeof p.label !== 'string' || !/^[\w -]{1,40}$/.test(p.label)))
        throw new CollisionInputError(`${name} part ${i}: label must be 1-40 letters, digits, spaces, _ or -`);
      return { shape: structuredClone(p.shape), transform: Float64Array.from(p.transform), label: p.label };
    });
    const obj: SceneObject = { name, kind, parts: copy, pose: toTransform(pose, `${name} pose`) };
    this.#objects.set(name, obj);
    this.#version++;
    return obj;
  }

  /** The table top as a box whose top face is z = 0. */
  setTable(spec: TableSpec): SceneObject {
    const [sx, sy] = spec.size ?? [];
    checkSize(sx, 'table size x');
    checkSize(sy, 'table size y');
    const [cx, cy] = spec.center ?? [0, 0];
    if (!Number.isFinite(cx) || !Number.isFinite(cy)) throw new CollisionInputError('table center must be two finite numbers [x, y] (m)');
    const t = spec.thickness ?? 0.04;
    checkSize(t, 'table thickness');
    return this.add('table', 'table', [{ shape: { type: 'box', halfExtents: [sx / 2, sy / 2, t / 2] }, transform: identity() }], {
      position: [cx, cy, -t / 2],
    });
  }

  /** A box of full size [x, y, z] (m), centred on its pose. */
  addBox(name: string, size: Vec3, pose: PoseInput, kind: ObjectKind = 'object'): SceneObject {
    validateVec3(size, `${name} size`);
    size.forEach((v, i) => checkSize(v, `${name} size ${'xyz'[i]}`));
    return this.add(
      name,
      kind,
      [{ shape: { type: 'box', halfExtents: [size[0] / 2, size[1] / 2, size[2] / 2] }, transform: identity() }],
      pose,
    );
  }

  /** A cylinder along its pose's z axis (vertical with a yaw-only pose), centred on its pose. */
  addCylinder(name: string, radius: number, height: number, pose: PoseInput, kind: ObjectKind = 'object'): SceneObject {
    checkSize(radius, `${name} radius`);
    checkSize(height, `${name} height`);
    return this.add(name, kind, [{ shape: { type: 'cylinder', radius, halfLength: height / 2 }, transform: identity() }], pose);
  }

  addSphere(name: string, radius: number, position: Vec3, kind: ObjectKind = 'object'): SceneObject {
    checkSize(radius, `${name} radius`);
    return this.add(name, kind, [{ shape: { type: 'sphere', radius }, transform: identity() }], { position });
  }

  /**
   * An open-top box standing on the table: a floor and four walls (labels "floor", "wall"),
   * the same shapes the MuJoCo scene is generated from. The object frame is the centre of its
   * volume, as in the sim.
   */
  addContainer(name: string, spec: ContainerSpec): SceneObject {
    const w = spec.wall ?? 0.006;
    checkSize(w, `${name} wall`);
    checkSize(spec.height, `${name} height`);
    if (!Array.isArray(spec.inner) || spec.inner.length !== 2) throw new CollisionInputError(`${name}: inner must be [x, y] (m)`);
    spec.inner.forEach((v, i) => checkSize(v, `${name} inner ${'xy'[i]}`));
    if (!Array.isArray(spec.position) || spec.position.length !== 2) throw new CollisionInputError(`${name}: position must be [x, y] (m)`);
    if (w >= spec.height) throw new CollisionInputError(`${name}: the wall thickness must be less than the height`);
    const ix = spec.inner[0] / 2,
      iy = spec.inner[1] / 2,
      hz = spec.height / 2;
    const hx = ix + w,
      hy = iy + w;
    const box = (h: Vec3, x: number, y: number, z: number, label: string): ScenePart => ({
      shape: { type: 'box', halfExtents: h },
      transform: translation(x, y, z),
      label,
    });
    const parts: ScenePart[] = [
      box([hx, hy, w / 2], 0, 0, -hz + w / 2, 'floor'),
      box([w / 2, hy, hz], ix + w / 2, 0, 0, 'wall'),
      box([w / 2, hy, hz], -ix - w / 2, 0, 0, 'wall'),
      box([ix, w / 2, hz], 0, iy + w / 2, 0, 'wall'),
      box([ix, w / 2, hz], 0, -iy - w / 2, 0, 'wall'),
    ];
    return this.add(name, 'container', parts, { position: [spec.position[0], spec.position[1], hz], yaw: spec.yaw ?? 0 });
  }

  /**
   * An object taught by pointing: a box of `size` (default a 6 cm cube) standing on the table
   * under the pointed position, until someone corrects its size with `reshape`.
   */
  addTaught(name: string, point: Vec3, size: Vec3 = DEFAULT_TAUGHT_SIZE): SceneObject {
    validateVec3(point, `${name} point`);
    validateVec3(size, `${name} size`);
    return this.addBox(name, size, { position: [point[0], point[1], size[2] / 2] }, 'taught');
  }

  /** Move an object (the sim or TF reports where it is now). */
  setPose(name: string, pose: PoseInput): void {
    const obj = this.#need(name);
    if (obj.attached) throw new CollisionInputError(`${name} is held by ${obj.attached.link}; detach it before placing it`);
    const m = toTransform(pose, `${name} pose`);
    // Unchanged (a resting object, refreshed before every check): keep the version, so checkers
    // need not rebuild their compiled scene.
    if (m.every((v, i) => v === obj.pose[i])) return;
    this.#objects.set(name, { ...obj, pose: m });
    this.#version++;
  }

  /**
   * Give a one-part object a new shape ("the lotion is about 15 centimeters tall"). With
   * `keepBottom` (default) the object's lowest point stays where it was (it still stands on the
   * table); otherwise its centre stays.
   */
  reshape(name: string, shape: Shape, options: { keepBottom?: boolean } = {}): void {
    const obj = this.#need(name);
    if (obj.parts.length !== 1) throw new CollisionInputError(`${name} has ${obj.parts.length} parts; reshape works on one-part objects`);
    validateShape(shape, `${name} new shape`);
    const part = obj.parts[0];
    let pose = obj.pose;
    if ((options.keepBottom ?? true) && !obj.attached) {
      const world = multiply(obj.pose, part.transform);
      const dz = lowestOffset(world, part.shape) - lowestOffset(world, shape);
      pose = Float64Array.from(obj.pose);
      pose[14] += dz;
    }
    this.#objects.set(name, { ...obj, pose, parts: [{ ...part, shape: structuredClone(shape) }] });
    this.#version++;
  }

  remove(name: string): boolean {
    const had = this.#objects.delete(name);
    if (had) this.#version++;
    return had;
  }

  /**
   * Attach an object to a robot link with a fixed link ← object transform: from now on it moves
   * with the link and is checked against the scene and the robot's other links.
   */
  attach(name: string, link: string, linkFromObject: PoseInput, touchLinks?: readonly string[]): void {
    const obj = this.#need(name);
    if (typeof link !== 'string' || !link) throw new CollisionInputError(`attach ${name}: link must be a link name`);
    if (touchLinks !== undefined && (!Array.isArray(touchLinks) || !touchLinks.every((l) => typeof l === 'string')))
      throw new CollisionInputError(`attach ${name}: touchLinks must be link names`);
    const transform = toTransform(linkFromObject, `${name} attach transform`);
    this.#objects.set(name, { ...obj, attached: { link, transform, touchLinks: touchLinks ? [...touchLinks] : undefined } });
    this.#version++;
  }

  /** Put a held object back into the world at `pose` (world ← object). */
  detach(name: string, pose: PoseInput): void {
    const obj = this.#need(name);
    if (!obj.attached) throw new CollisionInputError(`${name} is not attached`);
    this.#objects.set(name, { name: obj.name, kind: obj.kind, parts: obj.parts, pose: toTransform(pose, `${name} pose`) });
    this.#version++;
  }

  #need(name: string): SceneObject {
    const obj = this.#objects.get(name);
    if (!obj)
      throw new CollisionInputError(`no object "${name}" in the planning scene; it has ${[...this.#objects.keys()].join(', ') || 'none'}`);
    return obj;
  }
}

/** World z of a shape's lowest point relative to its centre, for pose `m` (world ← shape). */
function lowestOffset(m: Mat4, s: Shape): number {
  switch (s.type) {
    case 'sphere':
      return -s.radius;
    case 'box':
      return -(Math.abs(m[2]) * s.halfExtents[0] + Math.abs(m[6]) * s.halfExtents[1] + Math.abs(m[10]) * s.halfExtents[2]);
    case 'cylinder':
      return -(Math.abs(m[10]) * s.halfLength + s.radius * Math.sqrt(Math.max(0, 1 - m[10] * m[10])));
  }
}
