/**
 * The world model: things the robot knows by name. Each has a description and says where its
 * pose comes from: a body in the sim (ground truth, follows the object when it moves) or a
 * fixed taught point. Objects on the table that nobody has named are not in here.
 */
import { z } from 'zod';
import type { Quat, Vec3 } from './math/transform.js';
import { WORLD_LIMIT } from './bounds.js';

/** An object or location name: UPPER_SNAKE_CASE, like TOY_CAR. */
export const ENTITY_NAME = /^[A-Z][A-Z0-9_]*$/;

export type PoseSource =
  /** a body in the sim; the backend reports its pose */
  | { type: 'body'; body: string }
  /** a fixed point in the world frame (meters), e.g. a taught location */
  | { type: 'point'; position: Vec3 };

export interface Entity {
  name: string;
  description: string;
  kind: 'object' | 'location';
  source: PoseSource;
  /** can items be put into it (a bag, a bin) */
  container?: boolean;
  /**
   * Full size [x, y, z] (m) of an object whose shape the robot cannot measure (taught by
   * pointing, located by TF), as the operator said it ("about 15 centimeters tall"). Planning
   * keeps a box of this size clear; without it, a default box.
   */
  size?: Vec3;
}

/** the smallest and largest object size the operator can give, m (a grain of rice, a big box) */
export const ENTITY_SIZE_RANGE = { min: 0.005, max: 1 } as const;

/** m: a taught point's coordinate; the app checks it against the robot's workspace too (model/bounds.ts) */
const worldCoord = z
  .number()
  .finite()
  .min(-WORLD_LIMIT, `must be within ±${WORLD_LIMIT} m of the origin (meters, world frame)`)
  .max(WORLD_LIMIT, `must be within ±${WORLD_LIMIT} m of the origin (meters, world frame)`);

export const entitySchema = z.object({
  name: z.string().regex(ENTITY_NAME, 'names are UPPER_SNAKE_CASE, like TOY_CAR'),
  description: z.string().min(1).max(300),
  kind: z.enum(['object', 'location']),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('body'), body: z.string().min(1) }),
    z.object({ type: z.literal('point'), position: z.tuple([worldCoord, worldCoord, worldCoord]) }),
  ]),
  container: z.boolean().optional(),
  size: z
    .tuple([
      z.number().min(ENTITY_SIZE_RANGE.min).max(ENTITY_SIZE_RANGE.max),
      z.number().min(ENTITY_SIZE_RANGE.min).max(ENTITY_SIZE_RANGE.max),
      z.number().min(ENTITY_SIZE_RANGE.min).max(ENTITY_SIZE_RANGE.max),
    ])
    .optional(),
});

/** Something that can tell where a body is right now (the sim backend, later /tf). */
export interface BodyPoseProvider {
  bodyPosition(body: string): Vec3 | undefined;
  /** [x, y, z, w] */
  bodyQuaternion?(body: string): Quat | undefined;
  /** axis-aligned half extents of a body in meters, when known */
  bodyHalfExtents?(body: string): Vec3 | undefined;
}

export class WorldModel {
  readonly #entities = new Map<string, Entity>();
  readonly #listeners = new Set<() => void>();
  /** what the gripper holds, by entity name */
  held: string | null = null;
  /** the entity the arm last went to or touched, for resolving "it" */
  lastTouched: string | null = null;

  constructor(
    entities: Entity[] = [],
    readonly poses?: BodyPoseProvider,
  ) {
    for (const e of entities) this.add(e);
  }

  add(entity: Entity): void {
    const parsed = entitySchema.parse(entity);
    this.#entities.set(parsed.name, parsed);
    this.#emit();
  }

  remove(name: string): boolean {
    const had = this.#entities.delete(name);
    if (had) this.#emit();
    return had;
  }

  has(name: string): boolean {
    return this.#entities.has(name);
  }

  get(name: string): Entity | undefined {
    return this.#entities.get(name);
  }

  list(): Entity[] {
    return [...this.#entities.values()];
  }

  names(): Set<string> {
    return new Set(this.#entities.keys());
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }

  /** Where is it now (meters, world frame)? Throws with a clear message when unknown. */
  position(name: string): Vec3 {
    const e = this.#entities.get(name);
    if (!e) throw new Error(`[world] I don't know "${name}". Known: ${[...this.#entities.keys()].join(', ')}`);
    if (e.source.type === 'point') {
      const p = e.source.position;
      // An object of a told size stands on the table under the pointed spot: its centre.
      return e.kind === 'object' && e.size ? [p[0], p[1], e.size[2] / 2] : p;
    }
    const p = this.poses?.bodyPosition(e.source.body);
    if (!p) throw new Error(`[world] cannot locate ${name}: body "${e.source.body}" is not visible to the robot`);
    return p;
  }

  quaternion(name: string): Quat | undefined {
    const e = this.#entities.get(name);
    if (!e || e.source.type !== 'body') return undefined;
    return this.poses?.bodyQuaternion?.(e.source.body);
  }

  halfExtents(name: string): Vec3 | undefined {
    const e = this.#entities.get(name);
    if (!e) return undefined;
    const measured = e.source.type === 'body' ? this.poses?.bodyHalfExtents?.(e.source.body) : undefined;
    // What the sim measures wins; otherwise the size the operator gave.
    return measured ?? (e.size ? [e.size[0] / 2, e.size[1] / 2, e.size[2] / 2] : undefined);
  }
}
