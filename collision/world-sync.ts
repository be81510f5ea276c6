/**
 * The planning scene kept current from what the robot knows, and trajectory checks phrased for
 * people. Object poses come from the world model's pose source (the physics in the sim, TF on a
 * robot); the object in the gripper is attached to the hand while it is held, at the pose it was
 * grasped in. Previews check predicted states (an object held only after an earlier step of the
 * plan), so a check can say which object the hand holds and which objects are gone.
 */
import type { WorldModel } from '../model/world.js';
import type { CollisionChecker } from './checker.js';
import { DEFAULT_TAUGHT_SIZE } from './scene.js';
import type { AllowedContact, PathContact, PathInput } from './types.js';
import type { SceneObject } from './scene.js';
import { multiply, type Mat4 } from '../model/math/transform.js';

export type TrajectoryCollision = { ok: true } | { ok: false; contact: PathContact; reason: string };

export interface TrajectoryCheckOptions {
  /** gripper joint value during the motion */
  gripper: number;
  /** intended contacts (the fingers with the object being grasped…) */
  allow?: readonly AllowedContact[];
  /**
   * the object predicted in the hand during this motion, and the hand configuration it was
   * grasped at (joints, gripper): it is attached there for this check. Default: what the world holds now.
   */
  held?: { name: string; graspQ: readonly number[]; graspGripper: number } | null;
  /** objects whose pose is unknown at this point of a plan (released earlier in it): left out */
  without?: readonly string[];
}

const f2 = (v: number) => v.toFixed(2);

/** how much deeper than at the start a held object may go into the table, m (physics settles by about this much) */
const TABLE_SINK = 0.001;
/** caps on the held-object table check's samples (a path from input is bounded) */
const MAX_SEGMENT_SAMPLES = 2_000;
const MAX_PATH_SAMPLES = 200_000;

/** Waypoints with their times (s, null for bare waypoints). */
function waypointsOf(path: PathInput): { q: readonly number[]; time: number | null }[] {
  if (Array.isArray(path)) return (path as readonly (readonly number[])[]).map((q) => ({ q, time: null }));
  return (path as Extract<PathInput, { points: unknown }>).points.map((p) => ({ q: p.positions, time: p.timeFromStart }));
}

/** The table's top height (m) and whether a world (x, y) is over it. */
function tableTop(table: SceneObject): { z: number; covers: (x: number, y: number) => boolean } {
  const part = table.parts[0];
  const h = part.shape.type === 'box' ? part.shape.halfExtents : [Infinity, Infinity, 0];
  const p = table.pose;
  return {
    z: p[14] + h[2],
    covers: (x, y) => Math.abs(x - p[12]) <= h[0] && Math.abs(y - p[13]) <= h[1],
  };
}

/** The lowest world z (m) of an attached object whose link is at `linkPose`. */
function lowestPoint(o: SceneObject, linkPose: Mat4): number {
  const objPose = multiply(linkPose, o.attached!.transform);
  let low = Infinity;
  for (const part of o.parts) {
    const m = multiply(objPose, part.transform);
    const s = part.shape;
    // Column-major: the world z of local axis i is m[4i + 2].
    if (s.type === 'box')
      low = Math.min(
        low,
        m[14] - Math.abs(m[2]) * s.halfExtents[0] - Math.abs(m[6]) * s.halfExtents[1] - Math.abs(m[10]) * s.halfExtents[2],
      );
    else if (s.type === 'sphere') low = Math.min(low, m[14] - s.radius);
    else {
      const az = Math.abs(m[10]);
      low = Math.min(low, m[14] - az * s.halfLength - s.radius * Math.sqrt(Math.max(0, 1 - az * az)));
    }
  }
  return low;
}

export class WorldCollision {
  readonly checker: CollisionChecker;
  readonly #world: WorldModel;
  /** the link a held object is attached to (the hand) */
  readonly #holdLink: string;
  /** links a held object may touch (the hand and the fingers) */
  readonly #touchLinks: readonly string[];
  /** scene object names that stand for bodies the pose source can locate */
  readonly #bodies: readonly string[];

  /**
   * The same scene with the table top in it, for planning transit motions (the guard's scene
   * leaves the table to its own table check, whose tool clearance lets fingers reach objects).
   */
  readonly transit: CollisionChecker | null;

  /**
   * holdLink: where a held object rides (the tool frame); touchLinks: the links it may touch
   * (hand, fingers); transit: a checker over the same objects plus the table, for planning.
   */
  constructor(
    checker: CollisionChecker,
    world: WorldModel,
    holdLink: string,
    touchLinks: readonly string[],
    bodies: readonly string[],
    transit: CollisionChecker | null = null,
  ) {
    this.checker = checker;
    this.transit = transit;
    this.#world = world;
    this.#holdLink = holdLink;
    this.#touchLinks = touchLinks;
    this.#bodies = bodies.filter((b) => checker.scene.has(b));
  }

  /** Make the scene(s) match the world now: body poses from the pose source, the held object on the hand. */
  refresh(q: readonly number[], gripper: number): void {
    this.#refresh(this.checker, q, gripper);
    if (this.transit) this.#refresh(this.transit, q, gripper);
  }

  #refresh(checker: CollisionChecker, q: readonly number[], gripper: number): void {
    const scene = checker.scene;
    const poses = this.#world.poses;
    const heldBody = this.#heldBody();
    for (const name of this.#bodies) {
      const obj = scene.get(name);
      if (!obj) continue;
      const p = poses?.bodyPosition(name);
      const quat = poses?.bodyQuaternion?.(name);
      if (obj.attached) {
        if (name === heldBody) continue;
        // Let go of: back in the world where it is now.
        if (p) scene.detach(name, { position: p, ...(quat ? { quaternion: quat } : {}) });
        else checker.detachInPlace(name, q, gripper);
        continue;
      }
      if (p) scene.setPose(name, { position: p, ...(quat ? { quaternion: quat } : {}) });
      if (name === heldBody) checker.attachInPlace(name, this.#holdLink, q, gripper, this.#touchLinks);
    }
    this.#syncStandIns(checker, q, gripper, heldBody);
  }

  /**
   * Objects the robot knows by name but whose shape it cannot measure (taught by pointing, or a
   * TF frame with no shape): a box stands in for each, of the size the operator gave (or a 6 cm
   * cube), standing on the table under the known point. Kind 'taught' in the scene.
   */
  #syncStandIns(checker: CollisionChecker, q: readonly number[], gripper: number, heldBody: string | null): void {
    const scene = checker.scene;
    const want = new Set<string>();
    for (const e of this.#world.list()) {
      if (e.kind !== 'object' || e.container) continue;
      if (e.source.type === 'body' && this.#bodies.includes(e.source.body)) continue; // its real shape is in the scene
      const cur = scene.get(e.name);
      if (cur && cur.kind !== 'taught') continue; // a scene object of that name: not ours to replace
      let p: readonly number[];
      try {
        p = this.#world.position(e.name);
      } catch {
        continue; // cannot be located now: nothing to keep clear
      }
      want.add(e.name);
      if (cur?.attached) {
        if (e.name === heldBody) continue;
        scene.remove(e.name); // let go of: back where the world says it is (below)
      } else if (cur && e.name !== heldBody) {
        const size = e.size ?? DEFAULT_TAUGHT_SIZE;
        const part = cur.parts[0]?.shape;
        const same =
          part?.type === 'box' &&
          part.halfExtents.every((h, i) => Math.abs(h * 2 - size[i]) < 1e-9) &&
          Math.abs(cur.pose[12] - p[0]) < 1e-9 &&
          Math.abs(cur.pose[13] - p[1]) < 1e-9;
        if (same) continue;
      }
      if (!cur || !cur.attached) scene.addTaught(e.name, [p[0], p[1], p[2]], e.size ?? DEFAULT_TAUGHT_SIZE);
      if (e.name === heldBody) checker.attachInPlace(e.name, this.#holdLink, q, gripper, this.#touchLinks);
    }
    for (const o of scene.list()) if (o.kind === 'taught' && !want.has(o.name)) scene.remove(o.name);
  }

  /** The scene object that stands for a known entity (its body, or the box standing in for it), if any. */
  objectOf(entity: string): string | null {
    const e = this.#world.get(entity);
    if (!e) return null;
    if (e.source.type === 'body' && this.checker.scene.has(e.source.body)) return e.source.body;
    return this.checker.scene.get(e.name)?.kind === 'taught' ? e.name : null;
  }

  /** The first unintended contact along a trajectory, with a sentence naming both bodies, the time and the point. */
  checkTrajectory(trajectory: PathInput, opts: TrajectoryCheckOptions): TrajectoryCollision {
    return this.withHand(opts, (c) => {
      const contact =
        c.checkPath(trajectory, { gripper: opts.gripper, ...(opts.allow ? { allow: opts.allow } : {}) }) ??
        this.#heldIntoTable(c, trajectory, opts.gripper);
      return contact ? { ok: false, contact, reason: describeContact(contact) } : { ok: true };
    });
  }

  /**
   * The held object against the table top. The guard's scene leaves the table to the guard's
   * own per-link table check, which knows the robot's links only; without this a held object
   * could be pushed into the table while the fingers keep their 3 mm (found by replaying
   * guard-passed trajectories in MuJoCo). An object resting on the table when the motion starts
   * may stay touching it (a lift starts so), but may not go deeper than it started, less 1 mm.
   */
  #heldIntoTable(c: CollisionChecker, trajectory: PathInput, gripper: number): PathContact | null {
    const table = this.transit?.scene.get('table');
    const held = c.scene.list().filter((o) => o.attached);
    if (!table || !held.length) return null;
    const top = tableTop(table);
    const path = waypointsOf(trajectory);
    if (path.length === 0) return null;
    const floors = held.map((o) => Math.min(top.z, lowestPoint(o, c.linkPose(o.attached!.link, path[0].q, gripper))) - TABLE_SINK);
    const q = new Array<number>(path[0].q.length);
    let samples = 0;
    for (let k = 0; k < path.length; k++) {
      const a = path[k].q,
        b = path[k + 1]?.q ?? a;
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(b[i] - a[i]));
      // 5 mrad of the widest joint: well under 1 cm at the end of a 1 m arm.
      const n = k + 1 < path.length ? Math.min(MAX_SEGMENT_SAMPLES, Math.max(1, Math.ceil(d / 0.005))) : 1;
      for (let j = k + 1 < path.length ? 1 : 0; j <= (k + 1 < path.length ? n : 0); j++) {
        if (++samples > MAX_PATH_SAMPLES) return null; // bounded: the other checks already refused such a path
        const f = k + 1 < path.length ? j / n : 0;
        for (let i = 0; i < a.length; i++) q[i] = a[i] + (b[i] - a[i]) * f;
        for (let h = 0; h < held.length; h++) {
          const o = held[h];
          const pose = c.linkPose(o.attached!.link, q, gripper);
          const low = lowestPoint(o, pose);
          if (low >= floors[h] || !top.covers(pose[12], pose[13])) continue;
          const t0 = path[k].time,
            t1 = path[k + 1]?.time ?? t0;
          return {
            kind: 'held-scene',
            a: `held ${o.name}`,
            b: 'table',
            point: [pose[12], pose[13], top.z],
            link: o.attached!.link,
            object: 'table',
            time: t0 === null || t1 === null ? null : t0 + (t1 - t0) * f,
            segment: k,
            fraction: f,
            q: [...q],
          };
        }
      }
    }
    return null;
  }

  /**
   * Run `fn` with a checker whose scene is set up for a motion with the hand as predicted: the
   * object held (attached where it was grasped), objects let go of earlier left out. The scene
   * is restored afterwards. `scene`: the guard's (no table) or the transit one (with the table).
   */
  withHand<T>(
    opts: Omit<TrajectoryCheckOptions, 'gripper' | 'allow'>,
    fn: (c: CollisionChecker) => T,
    scene: 'guard' | 'transit' = 'guard',
  ): T {
    const checker = scene === 'transit' && this.transit ? this.transit : this.checker;
    const ps = checker.scene;
    const restore: (() => void)[] = [];
    try {
      // What the hand holds in this motion, if the plan predicts something else than now.
      const now = this.#heldBody();
      const want = opts.held === undefined ? now : (opts.held?.name ?? null);
      if (want !== now) {
        const cur = now ? ps.get(now) : undefined;
        if (cur) {
          // Released earlier in the plan: where it lands is not known yet, so it is left out here.
          ps.remove(cur.name);
          restore.push(() => {
            ps.add(cur.name, cur.kind, cur.parts, cur.pose);
            if (cur.attached) ps.attach(cur.name, cur.attached.link, cur.attached.transform, cur.attached.touchLinks);
          });
        }
        const obj = want ? ps.get(want) : undefined;
        if (obj && opts.held && !obj.attached) {
          const objPose = obj.pose;
          checker.attachInPlace(obj.name, this.#holdLink, opts.held.graspQ, opts.held.graspGripper, this.#touchLinks);
          restore.push(() => ps.detach(obj.name, objPose));
        }
      }
      for (const name of opts.without ?? []) {
        const obj = ps.get(name);
        if (!obj || obj.attached) continue;
        ps.remove(name);
        restore.push(() => ps.add(obj.name, obj.kind, obj.parts, obj.pose));
      }
      return fn(checker);
    } finally {
      for (const undo of restore.reverse()) undo();
    }
  }

  #heldBody(): string | null {
    const held = this.#world.held;
    return held ? this.objectOf(held) : null;
  }
}

/** "would hit GIFT_BAG wall with panda_hand at 0.62 s, at (0.41, -0.21, 0.15)" */
export function describeContact(c: PathContact, timeOffset = 0): string {
  // timeOffset (s): where the trajectory starts within a longer motion (a step of several)
  const when = c.time !== null ? ` at ${(c.time + timeOffset).toFixed(2)} s` : '';
  const b = c.kind === 'self' ? `its own ${c.b}` : c.b;
  return `would hit ${b} with ${c.a}${when}, at (${c.point.map(f2).join(', ')})`;
}
