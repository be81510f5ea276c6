/**
 * The robot's collision model, built from a RobotModel's URDF collision elements: per link, its
 * true primitive shapes (link frame) and a conservative sphere decomposition of them (see
 * spheres.ts), in a bounding-sphere tree; plus fast forward kinematics of every link.
 *
 * A `<mesh>` collision element cannot be measured offline (the mesh file is not read), so it is
 * replaced by a box and reported in `warnings`, never ignored. The box follows one rule shared
 * with the sim (model/description/mesh-standin.ts): the bounding box of the link's primitive
 * visuals, else the box with the link's mass and inertia, else a default size at the mesh's
 * origin. The first two are estimates of the mesh's extent, not bounds.
 *
 * Units: meters, radians. Link frames as in the URDF; world = the robot base frame.
 */
import type { RobotModel } from '../model/description/robot-model.js';
import type { GeometryElement, Link } from '../model/description/urdf.js';
import { DEFAULT_MESH_BOX, meshElementStandIn } from '../model/description/mesh-standin.js';
import { fromXyzRpy, type Vec3 } from '../model/math/transform.js';
import { descriptionKey, onClearCaches, readCacheEntry, writeCacheEntry } from './cache.js';
import { TreeKinematics } from './kinematics.js';
import { CollisionInputError, validateVec3, type PlacedShape, type Shape } from './shapes.js';
import { DEFAULT_TOLERANCE, decompose, type SphereSet } from './spheres.js';
import { buildTree, primSet, type PrimSet, type SphereTree } from './tree.js';

export interface RobotCollisionOptions {
  /** sphere over-approximation bound (m); default 0.005 */
  tolerance?: number;
  /** full size (m) of the box that stands in for a mesh when nothing better is known; default 0.1 m cube */
  meshDefaultSize?: Vec3;
  /** optional JSON file caching the sphere decomposition across runs (keyed by a hash of the URDF) */
  cacheFile?: string;
}

export interface CollisionWarning {
  link: string;
  message: string;
}

export interface LinkBody {
  link: string;
  /** index of the link in `kinematics.linkNames` (its pose slot) */
  index: number;
  /** the link's true collision shapes in its frame (a mesh replaced by its stand-in box) */
  shapes: PlacedShape[];
  spheres: SphereSet;
  tree: SphereTree;
  /** the same shapes, flat, for the narrow phase */
  prims: PrimSet;
}

export { DEFAULT_MESH_BOX };

export class RobotCollisionModel {
  readonly model: RobotModel;
  readonly kinematics: TreeKinematics;
  /** links that have collision geometry, in kinematic (parent-first) order */
  readonly bodies: readonly LinkBody[];
  readonly warnings: readonly CollisionWarning[];
  /** the sphere over-approximation bound asked for (m) */
  readonly tolerance: number;
  /** SHA-256 of the parsed URDF and the decomposition parameters (cache key) */
  readonly key: string;
  /** links no joint moves relative to the base (they stand on the table) */
  readonly staticLinks: ReadonlySet<string>;
  /** links moved by the gripper joint or its mimics */
  readonly fingerLinks: readonly string[];
  /** links mounted after the last arm joint's link: hand, fingers, tool frames */
  readonly toolLinks: readonly string[];
  readonly #children: Map<string, string[]>;

  constructor(model: RobotModel, bodies: LinkBody[], warnings: CollisionWarning[], tolerance: number, key: string) {
    this.model = model;
    this.kinematics = new TreeKinematics(model);
    this.bodies = bodies;
    this.warnings = warnings;
    this.tolerance = tolerance;
    this.key = key;
    const k = this.kinematics;
    this.#children = new Map();
    k.linkNames.forEach((name, i) => {
      if (i > 0) this.#children.set(k.linkNames[k.parent[i]], [...(this.#children.get(k.linkNames[k.parent[i]]) ?? []), name]);
    });
    const fixedToRoot = new Set<string>();
    k.linkNames.forEach((name, i) => {
      if (i === 0 || (k.jointType(i) === 'fixed' && fixedToRoot.has(k.linkNames[k.parent[i]]))) fixedToRoot.add(name);
    });
    this.staticLinks = fixedToRoot;
    this.fingerLinks = k.linkNames.filter((_, i) => k.jointSource(i).kind === 'gripper');
    const lastArm = model.arm[model.arm.length - 1].name;
    const lastArmLink = k.linkNames[k.parentJoint.indexOf(lastArm)];
    this.toolLinks = this.subtree(lastArmLink).filter((l) => l !== lastArmLink);
  }

  /** The link and every link below it in the tree. */
  subtree(link: string): string[] {
    if (!this.kinematics.linkIndex.has(link))
      throw new CollisionInputError(`no link "${link}"; links are ${this.kinematics.linkNames.join(', ')}`);
    const out = [link];
    for (let i = 0; i < out.length; i++) out.push(...(this.#children.get(out[i]) ?? []));
    return out;
  }

  /** The body of a link, if it has collision geometry. */
  body(link: string): LinkBody | undefined {
    return this.bodies.find((b) => b.link === link);
  }
}

let built = new WeakMap<RobotModel, Map<string, RobotCollisionModel>>();
const spheresByKey = new Map<string, Map<string, SphereSet>>();
onClearCaches(() => {
  built = new WeakMap();
  spheresByKey.clear();
});

/**
 * The collision model of a robot. Built once per (model, options) and kept: the decomposition
 * is also kept in memory per URDF hash, and in `cacheFile` when given.
 */
export function robotCollisionModel(model: RobotModel, options: RobotCollisionOptions = {}): RobotCollisionModel {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const meshBox = options.meshDefaultSize ?? DEFAULT_MESH_BOX;
  validateVec3(meshBox, 'meshDefaultSize');
  if (meshBox.some((v) => !(v > 0 && v <= 10)))
    throw new CollisionInputError(`meshDefaultSize must be 3 sizes in (0, 10] m, got ${JSON.stringify(meshBox)}`);
  const key = descriptionKey(model.description, { kind: 'spheres', tolerance, meshBox });
  const perModel = built.get(model) ?? new Map<string, RobotCollisionModel>();
  built.set(model, perModel);
  const have = perModel.get(key);
  if (have) return have;

  const warnings: CollisionWarning[] = [];
  const shapesByLink = new Map<string, PlacedShape[]>();
  for (const [name, link] of model.description.links) {
    const placed = link.collisions.map((c, i) => placeElement(link, c, i, meshBox, warnings));
    if (placed.length) shapesByLink.set(name, placed);
  }
  let spheres = spheresByKey.get(key) ?? (options.cacheFile ? fromCache(options.cacheFile, key, [...shapesByLink.keys()]) : undefined);
  if (!spheres) {
    spheres = new Map([...shapesByLink].map(([name, placed]) => [name, decompose(placed, tolerance)]));
    if (options.cacheFile) writeCacheEntry(options.cacheFile, 'spheres', key, toCache(spheres));
  }
  spheresByKey.set(key, spheres);

  const kin = new TreeKinematics(model);
  const bodies: LinkBody[] = kin.linkNames
    .filter((name) => shapesByLink.has(name))
    .map((name) => {
      const set = spheres.get(name)!;
      const shapes = shapesByLink.get(name)!;
      return { link: name, index: kin.linkIndex.get(name)!, shapes, spheres: set, tree: buildTree(set), prims: primSet(shapes) };
    });
  const robot = new RobotCollisionModel(model, bodies, warnings, tolerance, key);
  perModel.set(key, robot);
  return robot;
}

/** A URDF collision element as a placed primitive; a mesh becomes a box, with a warning. */
function placeElement(link: Link, c: GeometryElement, i: number, meshBox: Vec3, warnings: CollisionWarning[]): PlacedShape {
  const transform = fromXyzRpy(c.origin.xyz, c.origin.rpy);
  const g = c.geometry;
  const what = `link "${link.name}" collision ${i}`;
  const check = (shape: Shape): Shape => {
    // Zero or negative sizes in a URDF are an authoring error; say which element.
    const dims = shape.type === 'box' ? shape.halfExtents : shape.type === 'cylinder' ? [shape.radius, shape.halfLength] : [shape.radius];
    if (dims.some((v) => !(v > 0 && v <= 50))) throw new CollisionInputError(`${what}: ${g.type} sizes must be in (0, 100] m`);
    return shape;
  };
  switch (g.type) {
    case 'box':
      return { shape: check({ type: 'box', halfExtents: [g.size[0] / 2, g.size[1] / 2, g.size[2] / 2] }), transform };
    case 'cylinder':
      return { shape: check({ type: 'cylinder', radius: g.radius, halfLength: g.length / 2 }), transform };
    case 'sphere':
      return { shape: check({ type: 'sphere', radius: g.radius }), transform };
    case 'mesh': {
      // The same stand-in box as the sim's (model/description/mesh-standin.ts), reported, never ignored.
      const est = meshElementStandIn(link, c, i, meshBox)!;
      warnings.push({ link: link.name, message: est.warning.message });
      return { shape: { type: 'box', halfExtents: est.standIn.halfExtents }, transform: est.standIn.transform };
    }
  }
}

interface CachedSet {
  centers: number[];
  radii: number[];
  overshoot: number;
}

function toCache(spheres: Map<string, SphereSet>): Record<string, CachedSet> {
  const out: Record<string, CachedSet> = {};
  for (const [name, s] of spheres) out[name] = { centers: [...s.centers], radii: [...s.radii], overshoot: s.overshoot };
  return out;
}

/** The cached decomposition, if the file has one for this key and it is well formed. */
function fromCache(file: string, key: string, links: string[]): Map<string, SphereSet> | undefined {
  const entry = readCacheEntry(file, 'spheres', key) as Record<string, Partial<CachedSet>> | undefined;
  if (!entry || typeof entry !== 'object') return undefined;
  const out = new Map<string, SphereSet>();
  for (const name of links) {
    const e = entry[name];
    if (!e || !Array.isArray(e.centers) || !Array.isArray(e.radii) || typeof e.overshoot !== 'number') return undefined;
    if (e.centers.length !== 3 * e.radii.length || !e.centers.every(Number.isFinite) || !e.radii.every((r) => Number.isFinite(r) && r > 0))
      return undefined;
    out.set(name, {
      centers: Float64Array.from(e.centers),
      radii: Float64Array.from(e.radii),
      count: e.radii.length,
      overshoot: e.overshoot,
    });
  }
  return out;
}
