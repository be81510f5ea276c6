/**
 * An independent, deliberately plain collision oracle for the collision tests: dense points on
 * the true URDF primitive shapes, placed by RobotModel.linkPoses (not collision/'s kinematics),
 * tested for containment in the true obstacle shapes (read from the scene's data, not from the
 * checker's arrays), and the other way round. It shares no code with collision/ beyond the
 * scene's data types and model/'s transform helpers.
 *
 * Two solids intersect iff a boundary point of one lies in the other (or they touch), so
 * surface points suffice; an intersection shallower than the point spacing can be missed, which
 * makes the oracle's "free" an upper bound on the checker's false positives, never a soundness gap.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { Geometry } from '../../model/description/urdf.js';
import { fromXyzRpy, invertRigid, multiply, type Mat4, type Vec3 } from '../../model/math/transform.js';
import type { SceneObject } from '../../collision/scene.js';

/** A primitive in the oracle's own terms: full sizes as the URDF gives them. */
export type Prim = { type: 'box'; size: Vec3 } | { type: 'cylinder'; radius: number; length: number } | { type: 'sphere'; radius: number };

export function primOfGeometry(g: Geometry): Prim {
  if (g.type === 'mesh') throw new Error('the oracle handles primitives only');
  return g.type === 'box'
    ? { type: 'box', size: g.size }
    : g.type === 'cylinder'
      ? { type: 'cylinder', radius: g.radius, length: g.length }
      : { type: 'sphere', radius: g.radius };
}

/** Is the local point inside the primitive (boundary included, with `slack` m)? */
export function insidePrim(p: Prim, x: number, y: number, z: number, slack = 0): boolean {
  switch (p.type) {
    case 'box':
      return Math.abs(x) <= p.size[0] / 2 + slack && Math.abs(y) <= p.size[1] / 2 + slack && Math.abs(z) <= p.size[2] / 2 + slack;
    case 'cylinder':
      return x * x + y * y <= (p.radius + slack) ** 2 && Math.abs(z) <= p.length / 2 + slack;
    case 'sphere':
      return x * x + y * y + z * z <= (p.radius + slack) ** 2;
  }
}

/** Distance (m) from a local point to the primitive, 0 inside. */
export function distanceToPrim(p: Prim, x: number, y: number, z: number): number {
  switch (p.type) {
    case 'box': {
      const dx = Math.max(0, Math.abs(x) - p.size[0] / 2),
        dy = Math.max(0, Math.abs(y) - p.size[1] / 2),
        dz = Math.max(0, Math.abs(z) - p.size[2] / 2);
      return Math.hypot(dx, dy, dz);
    }
    case 'cylinder': {
      const dr = Math.max(0, Math.hypot(x, y) - p.radius),
        dz = Math.max(0, Math.abs(z) - p.length / 2);
      return Math.hypot(dr, dz);
    }
    case 'sphere':
      return Math.max(0, Math.hypot(x, y, z) - p.radius);
  }
}

/** Points on the primitive's surface, about `spacing` m apart (local frame). */
export function surfacePoints(p: Prim, spacing: number): Vec3[] {
  const out: Vec3[] = [];
  const steps = (len: number) => Math.max(1, Math.ceil(len / spacing));
  const lin = (h: number, n: number) => Array.from({ length: n + 1 }, (_, i) => -h + (2 * h * i) / n);
  if (p.type === 'box') {
    const h = [p.size[0] / 2, p.size[1] / 2, p.size[2] / 2];
    for (let a = 0; a < 3; a++) {
      const b = (a + 1) % 3,
        c = (a + 2) % 3;
      for (const u of lin(h[b], steps(2 * h[b])))
        for (const v of lin(h[c], steps(2 * h[c])))
          for (const s of [-1, 1]) {
            const pt: Vec3 = [0, 0, 0];
            pt[a] = s * h[a];
            pt[b] = u;
            pt[c] = v;
            out.push(pt);
          }
    }
  } else if (p.type === 'cylinder') {
    const n = steps(2 * Math.PI * p.radius);
    for (const z of lin(p.length / 2, steps(p.length)))
      for (let k = 0; k < n; k++) out.push([p.radius * Math.cos((2 * Math.PI * k) / n), p.radius * Math.sin((2 * Math.PI * k) / n), z]);
    for (const s of [-1, 1])
      for (let r = 0; r <= p.radius + 1e-12; r += spacing) {
        const m = Math.max(1, Math.ceil((2 * Math.PI * r) / spacing));
        for (let k = 0; k < m; k++)
          out.push([r * Math.cos((2 * Math.PI * k) / m), r * Math.sin((2 * Math.PI * k) / m), (s * p.length) / 2]);
      }
  } else {
    const rings = steps(Math.PI * p.radius);
    for (let i = 0; i <= rings; i++) {
      const ph = (Math.PI * i) / rings;
      const m = Math.max(1, Math.ceil((2 * Math.PI * p.radius * Math.sin(ph)) / spacing));
      for (let k = 0; k < m; k++) {
        const th = (2 * Math.PI * k) / m;
        out.push([p.radius * Math.sin(ph) * Math.cos(th), p.radius * Math.sin(ph) * Math.sin(th), p.radius * Math.cos(ph)]);
      }
    }
  }
  return out;
}

/** A uniformly random point inside the primitive (local frame). */
export function randomInside(p: Prim, rand: () => number): Vec3 {
  const u = () => 2 * rand() - 1;
  if (p.type === 'box') return [(u() * p.size[0]) / 2, (u() * p.size[1]) / 2, (u() * p.size[2]) / 2];
  if (p.type === 'cylinder') {
    const r = p.radius * Math.sqrt(rand()),
      th = 2 * Math.PI * rand();
    return [r * Math.cos(th), r * Math.sin(th), (u() * p.length) / 2];
  }
  for (;;) {
    const v: Vec3 = [u(), u(), u()];
    if (v[0] ** 2 + v[1] ** 2 + v[2] ** 2 <= 1) return [v[0] * p.radius, v[1] * p.radius, v[2] * p.radius];
  }
}

export interface PlacedPrim {
  prim: Prim;
  /** world ← prim */
  pose: Mat4;
  /** world ← prim inverse */
  inv: Mat4;
}

function place(prim: Prim, pose: Mat4): PlacedPrim {
  return { prim, pose, inv: invertRigid(pose) };
}

/** Each link's primitives in the world at configuration q (independent FK: RobotModel.linkPoses). */
export function linkPrims(model: RobotModel, q: number[], gripper: number): Map<string, PlacedPrim[]> {
  const poses = model.linkPoses(q, gripper);
  const out = new Map<string, PlacedPrim[]>();
  for (const [name, link] of model.description.links) {
    const prims = link.collisions.map((c) =>
      place(primOfGeometry(c.geometry), multiply(poses.get(name)!, fromXyzRpy(c.origin.xyz, c.origin.rpy))),
    );
    if (prims.length) out.set(name, prims);
  }
  return out;
}

/** An obstacle's parts in the world. */
export function obstaclePrims(o: SceneObject): PlacedPrim[] {
  return o.parts.map((p) => {
    const s = p.shape;
    const prim: Prim =
      s.type === 'box'
        ? { type: 'box', size: [2 * s.halfExtents[0], 2 * s.halfExtents[1], 2 * s.halfExtents[2]] }
        : s.type === 'cylinder'
          ? { type: 'cylinder', radius: s.radius, length: 2 * s.halfLength }
          : { type: 'sphere', radius: s.radius };
    return place(prim, multiply(o.pose, p.transform));
  });
}

function boundRadius(p: Prim): number {
  return p.type === 'box' ? Math.hypot(...p.size) / 2 : p.type === 'cylinder' ? Math.hypot(p.radius, p.length / 2) : p.radius;
}

const surfaceCache = new WeakMap<Prim, Vec3[]>();
function cachedSurface(p: Prim, spacing: number): Vec3[] {
  let pts = surfaceCache.get(p);
  if (!pts) {
    pts = surfacePoints(p, spacing);
    surfaceCache.set(p, pts);
  }
  return pts;
}

/**
 * Do two placed primitives intersect (surface points of one inside the other, within `slack`)?
 * Points of a much bigger b (the table) are skipped: b cannot fit inside a then, and when neither
 * contains the other an intersection puts boundary points of each inside the other.
 */
export function primsIntersect(a: PlacedPrim, b: PlacedPrim, spacing: number, slack = 0): boolean {
  const d = Math.hypot(a.pose[12] - b.pose[12], a.pose[13] - b.pose[13], a.pose[14] - b.pose[14]);
  const ra = boundRadius(a.prim),
    rb = boundRadius(b.prim);
  if (d > ra + rb + slack) return false;
  return pointsInside(a, b, spacing, slack) || (rb <= 2 * ra && pointsInside(b, a, spacing, slack));
}

/** Is some surface point of x inside y? */
function pointsInside(x: PlacedPrim, y: PlacedPrim, spacing: number, slack: number): boolean {
  const m = multiply(y.inv, x.pose);
  for (const p of cachedSurface(x.prim, spacing)) {
    const lx = m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12],
      ly = m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13],
      lz = m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14];
    if (insidePrim(y.prim, lx, ly, lz, slack)) return true;
  }
  return false;
}

/** Cache surface points per primitive shape (the placed objects are rebuilt every call). */
export function withSharedPrims(prims: Map<string, PlacedPrim[]>, shared: Map<string, Prim[]>): Map<string, PlacedPrim[]> {
  for (const [name, list] of prims) {
    const have = shared.get(name);
    if (have) list.forEach((p, i) => (p.prim = have[i]));
    else
      shared.set(
        name,
        list.map((p) => p.prim),
      );
  }
  return prims;
}
