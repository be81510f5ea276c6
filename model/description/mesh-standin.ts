/**
 * The box that stands in for a `<mesh>` collision element. The mesh file is not read (a URDF's
 * package:// paths are often not on this machine, and STL/DAE parsing is not worth its weight
 * here), so its size is estimated from what the URDF itself says. One rule, used by both the
 * collision model (collision/robot.ts) and the MuJoCo model (sim/mjcf.ts), so that what the
 * planner checks and what the physics collides are the same box.
 *
 * In order of preference:
 * 1. the bounding box of the link's primitive visual shapes;
 * 2. the uniform-density box with the link's mass and principal inertia (its `<inertial>`);
 * 3. a default size (configurable) at the mesh's origin.
 * The first two are estimates of the mesh's extent, not bounds: a warning always says so.
 *
 * Units: meters. Frames: the link frame (the box's pose is link ← box).
 */
import { fromXyzRpy, transformPoint, type Mat4, type Vec3 } from '../math/transform.js';
import type { RobotModel } from './robot-model.js';
import type { GeometryElement, Link } from './urdf.js';

/** Full size (m) of the stand-in box when nothing better is known: a 10 cm cube. */
export const DEFAULT_MESH_BOX: Vec3 = [0.1, 0.1, 0.1];

export interface MeshStandIn {
  /** half sizes of the box (m) */
  halfExtents: Vec3;
  /** link ← box */
  transform: Mat4;
  /** where the size came from, for the warning */
  from: string;
}

export interface MeshStandInWarning {
  link: string;
  /** index of the collision element in the link */
  element: number;
  message: string;
}

/** Check a default mesh box size (m): three sizes in (0, 10]. */
export function validateMeshBox(meshBox: Vec3): void {
  if (!Array.isArray(meshBox) || meshBox.length !== 3 || meshBox.some((v) => typeof v !== 'number' || !(v > 0 && v <= 10)))
    throw new RangeError(`meshDefaultSize must be 3 sizes in (0, 10] m, got ${JSON.stringify(meshBox)}`);
}

/** The box standing in for a mesh collision element of `link` whose origin is `origin` (link ← mesh). */
export function meshStandIn(link: Link, origin: Mat4, meshBox: Vec3 = DEFAULT_MESH_BOX): MeshStandIn {
  // 1. The bounding box of the link's primitive visuals (link frame).
  const lo = [Infinity, Infinity, Infinity],
    hi = [-Infinity, -Infinity, -Infinity];
  for (const v of link.visuals) {
    if (v.geometry.type === 'mesh') continue;
    const g = v.geometry;
    const h: Vec3 =
      g.type === 'box'
        ? [g.size[0] / 2, g.size[1] / 2, g.size[2] / 2]
        : g.type === 'cylinder'
          ? [g.radius, g.radius, g.length / 2]
          : [g.radius, g.radius, g.radius];
    const m = fromXyzRpy(v.origin.xyz, v.origin.rpy);
    for (let k = 0; k < 8; k++) {
      const p = transformPoint(m, [k & 1 ? h[0] : -h[0], k & 2 ? h[1] : -h[1], k & 4 ? h[2] : -h[2]]);
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a], p[a]);
        hi[a] = Math.max(hi[a], p[a]);
      }
    }
  }
  if (lo[0] < hi[0] && lo[1] < hi[1] && lo[2] < hi[2])
    return {
      halfExtents: [(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2, (hi[2] - lo[2]) / 2],
      transform: fromXyzRpy([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2], [0, 0, 0]),
      from: "the bounding box of the link's visual shapes",
    };
  // 2. The uniform box with the link's mass and principal inertia: I_xx = m (y² + z²) / 12 for full sides x, y, z.
  const inertial = link.inertial;
  if (inertial && inertial.mass > 0) {
    const { ixx, iyy, izz } = inertial.inertia;
    const m = inertial.mass;
    const sides = [6 * (iyy + izz - ixx), 6 * (ixx + izz - iyy), 6 * (ixx + iyy - izz)].map((v) => v / m);
    if (sides.every((v) => v > 0)) {
      const s = sides.map(Math.sqrt);
      // Sides under 1 mm or over 10 m mean the inertia is not a solid's: fall through to the default.
      if (s.every((v) => v > 0.001 && v < 10))
        return {
          halfExtents: [s[0] / 2, s[1] / 2, s[2] / 2],
          transform: fromXyzRpy(inertial.origin.xyz, inertial.origin.rpy),
          from: "the uniform box with the link's mass and inertia",
        };
    }
  }
  // 3. The configured default at the mesh's origin.
  return {
    halfExtents: [meshBox[0] / 2, meshBox[1] / 2, meshBox[2] / 2],
    transform: origin,
    from: 'the default mesh box (option meshDefaultSize)',
  };
}

/** The one-line warning for a stand-in: which link and mesh, the box, where its size came from, what to do. */
export function meshStandInMessage(link: string, filename: string, s: MeshStandIn): string {
  const f = (v: number) => String(Math.round(v * 20000) / 10000);
  return (
    `link "${link}": collision mesh "${filename}" is approximated by a box ${s.halfExtents.map(f).join(' × ')} m ` +
    `from ${s.from}; a mesh's size is unknown offline, so this is an estimate, not a bound. ` +
    `Give the link primitive collision shapes (box, cylinder, sphere) for an exact model.`
  );
}

/** A collision element's stand-in and its warning, or undefined when it is a primitive. */
export function meshElementStandIn(
  link: Link,
  element: GeometryElement,
  index: number,
  meshBox: Vec3 = DEFAULT_MESH_BOX,
): { standIn: MeshStandIn; warning: MeshStandInWarning } | undefined {
  if (element.geometry.type !== 'mesh') return undefined;
  const standIn = meshStandIn(link, fromXyzRpy(element.origin.xyz, element.origin.rpy), meshBox);
  return {
    standIn,
    warning: { link: link.name, element: index, message: meshStandInMessage(link.name, element.geometry.filename, standIn) },
  };
}

/** Every mesh collision element of a robot, as the warnings the collision model and the sim give for it. */
export function meshStandInWarnings(model: RobotModel, meshBox: Vec3 = DEFAULT_MESH_BOX): MeshStandInWarning[] {
  const out: MeshStandInWarning[] = [];
  for (const link of model.description.links.values())
    link.collisions.forEach((c, i) => {
      const s = meshElementStandIn(link, c, i, meshBox);
      if (s) out.push(s.warning);
    });
  return out;
}
