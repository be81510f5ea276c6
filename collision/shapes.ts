/**
 * Primitive shapes shared by the robot's collision model, the planning scene and the checks:
 * boxes, cylinders (axis = the shape's local z) and spheres, each in its own local frame
 * centred on the shape. Also the signed distance of a point to a shape (negative inside),
 * which both the sphere decomposition and the narrow phase use.
 *
 * Units: meters. Transforms are `Mat4` from model/math (column-major rigid transforms).
 */
import type { Mat4, Vec3 } from '../model/math/transform.js';

export type Shape =
  /** half extents along the local x, y, z axes */
  | { type: 'box'; halfExtents: Vec3 }
  /** the axis is the local z axis; halfLength is half the height */
  | { type: 'cylinder'; radius: number; halfLength: number }
  | { type: 'sphere'; radius: number };

/** A shape placed in some frame (a link frame, an object frame): frame ← shape. */
export interface PlacedShape {
  shape: Shape;
  transform: Mat4;
}

export class CollisionInputError extends Error {
  constructor(message: string) {
    super(`[collision] ${message}`);
    this.name = 'CollisionInputError';
  }
}

/** Largest size accepted for any shape dimension (m): a room, not a typo of millimetres. */
export const MAX_SIZE = 100;

function checkLength(v: number, what: string, allowZero = false): void {
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0) || v > MAX_SIZE)
    throw new CollisionInputError(`${what} must be a finite length ${allowZero ? '≥' : '>'} 0 and ≤ ${MAX_SIZE} m, got ${v}`);
}

/** Throws a CollisionInputError naming `what` when a size is not finite, not positive or absurd. */
export function validateShape(s: Shape, what: string): void {
  switch (s.type) {
    case 'box':
      if (!Array.isArray(s.halfExtents) || s.halfExtents.length !== 3) throw new CollisionInputError(`${what}: a box needs 3 half extents`);
      s.halfExtents.forEach((h, i) => checkLength(h, `${what}: box half extent ${'xyz'[i]}`));
      return;
    case 'cylinder':
      checkLength(s.radius, `${what}: cylinder radius`);
      checkLength(s.halfLength, `${what}: cylinder half length`);
      return;
    case 'sphere':
      checkLength(s.radius, `${what}: sphere radius`);
      return;
    default:
      throw new CollisionInputError(`${what}: unknown shape type ${JSON.stringify((s as { type?: unknown }).type)}`);
  }
}

/** Throws unless `m` is a finite rigid transform (orthonormal rotation within 1e-6, last row 0 0 0 1). */
export function validateTransform(m: Mat4, what: string): void {
  if (!(m instanceof Float64Array) || m.length !== 16)
    throw new CollisionInputError(`${what}: expected a 4x4 transform (Float64Array(16))`);
  for (let i = 0; i < 16; i++) if (!Number.isFinite(m[i])) throw new CollisionInputError(`${what}: transform has a non-finite entry`);
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++) {
      const dot = m[a * 4] * m[b * 4] + m[a * 4 + 1] * m[b * 4 + 1] + m[a * 4 + 2] * m[b * 4 + 2];
      if (Math.abs(dot - (a === b ? 1 : 0)) > 1e-6) throw new CollisionInputError(`${what}: the rotation part is not orthonormal`);
    }
  if (m[3] !== 0 || m[7] !== 0 || m[11] !== 0 || m[15] !== 1) throw new CollisionInputError(`${what}: last row must be 0 0 0 1`);
}

/** Throws unless v is three finite numbers. */
export function validateVec3(v: readonly number[], what: string): void {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isFinite(x)))
    throw new CollisionInputError(`${what}: expected [x, y, z] as three finite numbers, got ${JSON.stringify(v)}`);
}

/** Signed distance (m) from a point in the shape's local frame to the shape: < 0 inside. Exact for all three types. */
export function signedDistanceLocal(s: Shape, x: number, y: number, z: number): number {
  switch (s.type) {
    case 'sphere':
      return Math.sqrt(x * x + y * y + z * z) - s.radius;
    case 'box': {
      const qx = Math.abs(x) - s.halfExtents[0],
        qy = Math.abs(y) - s.halfExtents[1],
        qz = Math.abs(z) - s.halfExtents[2];
      const ox = Math.max(qx, 0),
        oy = Math.max(qy, 0),
        oz = Math.max(qz, 0);
      return Math.sqrt(ox * ox + oy * oy + oz * oz) + Math.min(Math.max(qx, qy, qz), 0);
    }
    case 'cylinder': {
      const dr = Math.sqrt(x * x + y * y) - s.radius,
        dz = Math.abs(z) - s.halfLength;
      const or = Math.max(dr, 0),
        oz = Math.max(dz, 0);
      return Math.sqrt(or * or + oz * oz) + Math.min(Math.max(dr, dz), 0);
    }
  }
}

/** Signed distance from a point given in the placement's frame. */
export function signedDistance(p: PlacedShape, x: number, y: number, z: number): number {
  const m = p.transform;
  // frame → local: Rᵀ (x − t)
  const dx = x - m[12],
    dy = y - m[13],
    dz = z - m[14];
  return signedDistanceLocal(
    p.shape,
    m[0] * dx + m[1] * dy + m[2] * dz,
    m[4] * dx + m[5] * dy + m[6] * dz,
    m[8] * dx + m[9] * dy + m[10] * dz,
  );
}

/** Short readable description, for messages: "box 0.05 × 0.2 × 0.06 m". */
export function describeShape(s: Shape): string {
  const f = (v: number) => String(Math.round(v * 10000) / 10000);
  switch (s.type) {
    case 'box':
      return `box ${s.halfExtents.map((h) => f(2 * h)).join(' × ')} m`;
    case 'cylinder':
      return `cylinder r ${f(s.radius)} m, h ${f(2 * s.halfLength)} m`;
    case 'sphere':
      return `sphere r ${f(s.radius)} m`;
  }
}
