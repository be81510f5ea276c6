/**
 * The planning scene kept current from what the robot knows, and trajectory checks phrased for
 * people. Object poses come from the world model's pose source (the physics in the sim, TF on a
 * robot); the object in the gripper is attached to the hand while it is held, at the pose it was
 * grasped in. Previews check predicted states (an object held only after an earlier step of the
 * plan), so a check can say which object the hand holds and which objects are gone.
 */
import type { WorldModel } from '../model/world.js';
import type { CollisionChecker } from './checker.js';
import type { AllowedContact, PathContact, PathInput } from './types.js';

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
  }

  /** The first unintended contact along a trajectory, with a sentence naming both bodies, the time and the point. */
  checkTrajectory(trajectory: PathInput, opts: TrajectoryCheckOptions): TrajectoryCollision {
    return this.withHand(opts, (c) => {
      const contact = c.checkPath(trajectory, { gripper: opts.gripper, ...(opts.allow ? { allow: opts.allow } : {}) });
      return contact ? { ok: false, contact, reason: describeContact(contact) } : { ok: true };
    });
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
    if (!held) return null;
    const e = this.#world.get(held);
    const body = e?.source.type === 'body' ? e.source.body : null;
    return body && this.checker.scene.has(body) ? body : null;
  }
}

/** "would hit GIFT_BAG wall with panda_hand at 0.62 s, at (0.41, -0.21, 0.15)" */
export function describeContact(c: PathContact, timeOffset = 0): string {
  // timeOffset (s): where the trajectory starts within a longer motion (a step of several)
  const when = c.time !== null ? ` at ${(c.time + timeOffset).toFixed(2)} s` : '';
  const b = c.kind === 'self' ? `its own ${c.b}` : c.b;
  return `would hit ${b} with ${c.a}${when}, at (${c.point.map(f2).join(', ')})`;
}
