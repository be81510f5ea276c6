/**
 * One snapshot of a planning scene for one robot, flattened for the checks: the bodies that
 * move (the robot's links, then the held objects), the obstacle parts as typed arrays, which
 * contacts are allowed, which pairs are tested, and the per-joint motion bounds. The checker
 * builds a new one whenever the scene's version changes; `scan` then tests one configuration
 * (the poses in the robot's kinematics) without allocating.
 *
 * Transforms in the flat arrays are row-major 3x4 (see kinematics.ts). Units: meters.
 */
import { identity, invertRigid, multiply, type Mat4, type Vec3 } from '../model/math/transform.js';
import type { RobotCollisionModel } from './robot.js';
import type { PlanningScene, SceneObject } from './scene.js';
import { CollisionInputError, type PlacedShape } from './shapes.js';
import {
  hit,
  PART_BOX,
  PART_CYLINDER,
  PART_SPHERE,
  partDistance,
  primSet,
  treeHitsPart,
  treeHitsPrims,
  type PrimSet,
  type SphereTree,
} from './tree.js';
import type { AllowedContact, Contact } from './types.js';

const KIND_NONE = 0,
  KIND_PART = 1,
  KIND_BODY = 2;

interface Body {
  /** readable name: the link, or "held NAME" */
  name: string;
  tree: SphereTree;
  /** the robot link it moves with */
  link: string;
  linkIndex: number;
  /** the held object's name, for attached bodies */
  object?: string;
  /** link ← body for attached bodies (row-major 3x4), undefined for links */
  attach?: Float64Array;
  /** a robot link's exact shapes (the other side of a pair test) */
  prims?: PrimSet;
  /** a robot link's shapes (link frame), for contact points */
  shapes?: readonly PlacedShape[];
}

export class CompiledScene {
  /** the scene version this snapshot reflects */
  readonly version: number;
  readonly #robot: RobotCollisionModel;
  readonly #scene: PlanningScene;
  readonly #bodies: Body[];
  /** world poses of the held bodies (12 per body index; robot links use the kinematics' poses) */
  readonly #attachPoses: Float64Array;
  /** world bounding sphere per body: x y z r */
  readonly #bodyBS: Float64Array;
  /** held body × robot body pairs tested (flat i, j: the held object's spheres against link j's shapes) */
  readonly #heldPairs: Int32Array;
  readonly #nParts: number;
  readonly #partType: Uint8Array;
  /** local ← world per part */
  readonly #partInv: Float64Array;
  /** world ← local per part (contact points) */
  readonly #partPose: Float64Array;
  readonly #partDim: Float64Array;
  /** world bounding sphere per part: x y z r */
  readonly #partBS: Float64Array;
  readonly #partName: string[];
  readonly #partObject: string[];
  /** 1 where body b may touch part k without any option (static links on the table): nBodies × nParts */
  readonly #baseAllow: Uint8Array;
  readonly #allowCache = new WeakMap<readonly AllowedContact[], Uint8Array>();
  /** per arm joint: the most any point below it moves per unit of that joint (m/rad or m/m) */
  readonly motionBound: Float64Array;

  // What the last scan hit.
  #hitKind = KIND_NONE;
  #hitBody = -1;
  #hitOther = -1;
  #hitLeafA = -1;
  /** the part (scene) or the robot link's shape index (pairs) */
  #hitLeafB = -1;

  /** heldTree: the sphere tree of a held object (the checker caches them). */
  constructor(robot: RobotCollisionModel, scene: PlanningScene, heldTree: (o: SceneObject) => SphereTree) {
    this.#robot = robot;
    this.#scene = scene;
    this.version = scene.version;
    const kin = robot.kinematics;
    const objects = scene.list();
    const free = objects.filter((o) => !o.attached);
    const held = objects.filter((o) => o.attached);

    // Bodies: the robot's links, then the held objects.
    const bodies: Body[] = robot.bodies.map((b) => ({
      name: b.link,
      tree: b.tree,
      link: b.link,
      linkIndex: b.index,
      prims: b.prims,
      shapes: b.shapes,
    }));
    for (const o of held) {
      const att = o.attached!;
      const li = kin.linkIndex.get(att.link);
      if (li === undefined)
        throw new CollisionInputError(
          `${o.name} is attached to "${att.link}", which is not a link of ${robot.model.name}; links are ${kin.linkNames.join(', ')}`,
        );
      for (const t of att.touchLinks ?? [])
        if (!kin.linkIndex.has(t)) throw new CollisionInputError(`${o.name}: touch link "${t}" is not a link of ${robot.model.name}`);
      bodies.push({
        name: `held ${o.name}`,
        tree: heldTree(o),
        link: att.link,
        linkIndex: li,
        object: o.name,
        attach: toRowMajor(att.transform),
      });
    }
    this.#bodies = bodies;
    this.#attachPoses = new Float64Array(12 * bodies.length);
    this.#bodyBS = new Float64Array(4 * bodies.length);

    // Obstacle parts.
    const parts = free.flatMap((o) => o.parts.map((p) => ({ o, p, pose: multiply(o.pose, p.transform) })));
    const n = (this.#nParts = parts.length);
    this.#partType = new Uint8Array(n);
    this.#partInv = new Float64Array(12 * n);
    this.#partPose = new Float64Array(12 * n);
    this.#partDim = new Float64Array(3 * n);
    this.#partBS = new Float64Array(4 * n);
    this.#partName = [];
    this.#partObject = [];
    parts.forEach(({ o, p, pose }, k) => {
      const s = p.shape;
      this.#partType[k] = s.type === 'box' ? PART_BOX : s.type === 'cylinder' ? PART_CYLINDER : PART_SPHERE;
      this.#partDim.set(s.type === 'box' ? s.halfExtents : s.type === 'cylinder' ? [s.radius, s.halfLength, 0] : [s.radius, 0, 0], 3 * k);
      this.#partPose.set(toRowMajor(pose), 12 * k);
      this.#partInv.set(toRowMajor(invertRigid(pose)), 12 * k);
      const r = s.type === 'box' ? Math.hypot(...s.halfExtents) : s.type === 'cylinder' ? Math.hypot(s.radius, s.halfLength) : s.radius;
      this.#partBS.set([pose[12], pose[13], pose[14], r], 4 * k);
      this.#partName.push(p.label ? `${o.name} ${p.label}` : o.name);
      this.#partObject.push(o.name);
    });

    // Static links stand on the table: never reported against it.
    this.#baseAllow = new Uint8Array(bodies.length * n);
    bodies.forEach((b, i) => {
      if (b.attach || !robot.staticLinks.has(b.link)) return;
      parts.forEach(({ o }, k) => {
        if (o.kind === 'table') this.#baseAllow[i * n + k] = 1;
      });
    });

    // Held objects against the links they may not touch.
    const heldPairs: number[] = [];
    bodies.forEach((b, i) => {
      if (!b.attach) return;
      const obj = held.find((o) => o.name === b.object)!;
      const touch = new Set(obj.attached!.touchLinks ?? robot.subtree(b.link));
      for (let j = 0; j < robot.bodies.length; j++) if (!touch.has(bodies[j].link)) heldPairs.push(i, j);
    });
    this.#heldPairs = Int32Array.from(heldPairs);
    this.motionBound = this.#motionBounds();
  }

  /**
   * Per arm joint: a bound on how far any point below it moves per unit of joint motion. For a
   * revolute joint, a point's speed is its distance from the joint axis, which is at most the
   * joint origin lengths down the chain (plus prismatic travel) and the body's farthest sphere,
   * whatever the joints in between do; a prismatic joint moves points 1 m per m.
   */
  #motionBounds(): Float64Array {
    const robot = this.#robot,
      kin = robot.kinematics,
      model = robot.model;
    const travel = (i: number): number => {
      if (kin.jointType(i) !== 'prismatic') return 0;
      const src = kin.jointSource(i);
      if (src.kind === 'gripper') return Math.max(...kin.gripperRange.map(Math.abs)) * Math.abs(src.multiplier);
      if (src.kind === 'arm') {
        const j = model.arm[src.index];
        return Math.max(Math.abs(j.lower), Math.abs(j.upper)) * Math.abs(src.multiplier);
      }
      return 0;
    };
    // Farthest point of a body from its link's frame origin: the root sphere's far side.
    const reach = this.#bodies.map((b) => {
      const N = b.tree.nodes;
      if (N.length === 0) return 0;
      let x = N[0],
        y = N[1],
        z = N[2];
      if (b.attach) {
        const A = b.attach;
        [x, y, z] = [A[0] * x + A[1] * y + A[2] * z + A[3], A[4] * x + A[5] * y + A[6] * z + A[7], A[8] * x + A[9] * y + A[10] * z + A[11]];
      }
      return Math.hypot(x, y, z) + N[3];
    });
    const out = new Float64Array(model.dof);
    model.arm.forEach((joint, a) => {
      if (joint.type === 'prismatic') {
        out[a] = 1;
        return;
      }
      const child = kin.parentJoint.indexOf(joint.name);
      let worst = 0;
      this.#bodies.forEach((b, bi) => {
        let len = 0;
        let i = b.linkIndex;
        for (; i >= 0 && i !== child; i = kin.parent[i]) len += kin.originLength(i) + travel(i);
        if (i === child) worst = Math.max(worst, len + reach[bi]);
      });
      out[a] = worst;
    });
    return out;
  }

  /**
   * The allowance matrix (bodies × parts) for an allow list; compiled once per list object (treat
   * the list as immutable) and snapshot. Unknown names are refused, not ignored.
   */
  allowMatrix(allow: readonly AllowedContact[] | undefined): Uint8Array {
    if (!allow || allow.length === 0) return this.#baseAllow;
    const have = this.#allowCache.get(allow);
    if (have) return have;
    const n = this.#nParts;
    const m = Uint8Array.from(this.#baseAllow);
    const robot = this.#robot;
    const bodies = this.#bodies;
    const objects = new Set(this.#partObject);
    for (const [idx, c] of allow.entries()) {
      if (!c || typeof c.robot !== 'string' || typeof c.obstacle !== 'string')
        throw new CollisionInputError(`allow[${idx}]: expected { robot, obstacle } names`);
      const who = c.robot;
      const sel = (b: Body): boolean => {
        if (who === 'robot') return !b.attach;
        if (who === 'fingers') return !b.attach && robot.fingerLinks.includes(b.link);
        if (who === 'gripper') return !b.attach && robot.toolLinks.includes(b.link);
        if (who === 'held') return Boolean(b.attach);
        return b.attach ? who === b.name || who === b.object : who === b.link;
      };
      const bodySel = bodies.map(sel);
      // Groups, "held NAME" and a held object's name may select nothing right now; a link name must exist.
      if (
        !bodySel.some(Boolean) &&
        !['fingers', 'gripper', 'held'].includes(who) &&
        !who.startsWith('held ') &&
        !this.#scene.get(who)?.attached
      )
        throw new CollisionInputError(
          `allow[${idx}]: "${who}" is not a link with geometry nor a group; use a link (${robot.bodies.map((b) => b.link).join(', ')}), "fingers", "gripper", "robot" or "held"`,
        );
      const what = c.obstacle;
      if (what !== '*' && !objects.has(what) && !this.#partName.includes(what) && !this.#scene.has(what))
        throw new CollisionInputError(
          `allow[${idx}]: no obstacle "${what}" in the planning scene; it has ${[...objects].join(', ') || 'none'}`,
        );
      for (let k = 0; k < n; k++) {
        if (what !== '*' && what !== this.#partObject[k] && what !== this.#partName[k]) continue;
        for (let i = 0; i < bodies.length; i++) if (bodySel[i]) m[i * n + k] = 1;
      }
    }
    this.#allowCache.set(allow, m);
    return m;
  }

  /** Robot link pairs' names for a flat pair list. */
  pairNames(pairs: Int32Array): [string, string][] {
    const out: [string, string][] = [];
    for (let p = 0; p < pairs.length; p += 2) out.push([this.#bodies[pairs[p]].link, this.#bodies[pairs[p + 1]].link]);
    return out;
  }

  /**
   * Is anything closer than `margin` at the poses now in the robot's kinematics? Robot and held
   * bodies vs the scene, held bodies vs the robot, then `selfPairs` (robot body index pairs:
   * the first's spheres against the second's shapes) when `self`. Records the first hit.
   */
  scan(margin: number, allow: Uint8Array, self: boolean, selfPairs: Int32Array, selfMargin: number = margin): boolean {
    this.#placeBodies();
    const P = this.#robot.kinematics.poses,
      AP = this.#attachPoses,
      BS = this.#bodyBS,
      PB = this.#partBS,
      PI = this.#partInv,
      PD = this.#partDim,
      PT = this.#partType;
    const bodies = this.#bodies,
      n = this.#nParts;
    for (let b = 0; b < bodies.length; b++) {
      const body = bodies[b];
      if (body.tree.leaves === 0) continue;
      const src = body.attach ? AP : P,
        o = body.attach ? 12 * b : 12 * body.linkIndex;
      const bx = BS[4 * b],
        by = BS[4 * b + 1],
        bz = BS[4 * b + 2],
        br = BS[4 * b + 3] + margin;
      for (let k = 0; k < n; k++) {
        if (allow[b * n + k] === 1) continue;
        const dx = bx - PB[4 * k],
          dy = by - PB[4 * k + 1],
          dz = bz - PB[4 * k + 2],
          reach = br + PB[4 * k + 3];
        if (dx * dx + dy * dy + dz * dz >= reach * reach) continue;
        // The body's bounding sphere against the exact part, before any tree work.
        const io = 12 * k;
        const lx = PI[io] * bx + PI[io + 1] * by + PI[io + 2] * bz + PI[io + 3],
          ly = PI[io + 4] * bx + PI[io + 5] * by + PI[io + 6] * bz + PI[io + 7],
          lz = PI[io + 8] * bx + PI[io + 9] * by + PI[io + 10] * bz + PI[io + 11];
        if (partDistance(PT[k], PD[3 * k], PD[3 * k + 1], PD[3 * k + 2], lx, ly, lz) >= br) continue;
        if (treeHitsPart(body.tree, src, o, PT[k], PI, PD, k, margin)) {
          this.#record(KIND_PART, b, k);
          return true;
        }
      }
    }
    if (this.#pairs(this.#heldPairs, margin)) return true;
    if (self && this.#pairs(selfPairs, selfMargin)) return true;
    this.#hitKind = KIND_NONE;
    return false;
  }

  #record(kind: number, body: number, other: number): void {
    this.#hitKind = kind;
    this.#hitBody = body;
    this.#hitOther = other;
    this.#hitLeafA = hit.a;
    this.#hitLeafB = hit.b;
  }

  /** Place the held bodies and every body's world bounding sphere (after kinematics.compute). */
  #placeBodies(): void {
    const P = this.#robot.kinematics.poses,
      AP = this.#attachPoses,
      BS = this.#bodyBS;
    const bodies = this.#bodies;
    for (let b = 0; b < bodies.length; b++) {
      const body = bodies[b];
      const N = body.tree.nodes;
      if (N.length === 0) continue;
      let src = P,
        o = 12 * body.linkIndex;
      if (body.attach) {
        composeInto(P, o, body.attach, AP, 12 * b);
        src = AP;
        o = 12 * b;
      }
      const x = N[0],
        y = N[1],
        z = N[2];
      BS[4 * b] = src[o] * x + src[o + 1] * y + src[o + 2] * z + src[o + 3];
      BS[4 * b + 1] = src[o + 4] * x + src[o + 5] * y + src[o + 6] * z + src[o + 7];
      BS[4 * b + 2] = src[o + 8] * x + src[o + 9] * y + src[o + 10] * z + src[o + 11];
      BS[4 * b + 3] = N[3];
    }
  }

  #pairs(pairs: Int32Array, margin: number): boolean {
    const P = this.#robot.kinematics.poses,
      AP = this.#attachPoses,
      BS = this.#bodyBS;
    const bodies = this.#bodies;
    for (let p = 0; p < pairs.length; p += 2) {
      const i = pairs[p],
        j = pairs[p + 1];
      const dx = BS[4 * i] - BS[4 * j],
        dy = BS[4 * i + 1] - BS[4 * j + 1],
        dz = BS[4 * i + 2] - BS[4 * j + 2],
        reach = BS[4 * i + 3] + BS[4 * j + 3] + margin;
      if (dx * dx + dy * dy + dz * dz >= reach * reach) continue;
      const A = bodies[i],
        B = bodies[j];
      if (treeHitsPrims(A.tree, A.attach ? AP : P, A.attach ? 12 * i : 12 * A.linkIndex, B.prims!, P, 12 * B.linkIndex, margin)) {
        this.#record(KIND_BODY, i, j);
        return true;
      }
    }
    return false;
  }

  /** World centre of sphere `s` of body b at the current poses. */
  #sphereWorld(b: number, s: number): Vec3 {
    const body = this.#bodies[b];
    const src = body.attach ? this.#attachPoses : this.#robot.kinematics.poses,
      o = body.attach ? 12 * b : 12 * body.linkIndex;
    const S = body.tree.spheres,
      x = S[4 * s],
      y = S[4 * s + 1],
      z = S[4 * s + 2];
    return [
      src[o] * x + src[o + 1] * y + src[o + 2] * z + src[o + 3],
      src[o + 4] * x + src[o + 5] * y + src[o + 6] * z + src[o + 7],
      src[o + 8] * x + src[o + 9] * y + src[o + 10] * z + src[o + 11],
    ];
  }

  /** The report for the last hit (call right after a scan that returned true). */
  describe(): Contact {
    const A = this.#bodies[this.#hitBody];
    const [cx, cy, cz] = this.#sphereWorld(this.#hitBody, this.#hitLeafA);
    if (this.#hitKind === KIND_PART) {
      const k = this.#hitOther;
      const point = closestOnPart(this.#partType[k], this.#partDim, this.#partInv, this.#partPose, k, cx, cy, cz);
      return {
        kind: A.attach ? 'held-scene' : 'robot-scene',
        a: A.name,
        b: this.#partName[k],
        point,
        link: A.link,
        object: this.#partObject[k],
      };
    }
    // The point of B's shape nearest A's sphere (B is a robot link: its pose is in the kinematics).
    const B = this.#bodies[this.#hitOther];
    const shape = B.shapes![this.#hitLeafB];
    const world = multiply(toMat4(this.#robot.kinematics.poses, 12 * B.linkIndex), shape.transform);
    const one = primSet([{ shape: shape.shape, transform: identity() }]);
    const point = closestOnPart(one.type[0], one.dim, toRowMajor(invertRigid(world)), toRowMajor(world), 0, cx, cy, cz);
    return A.attach
      ? { kind: 'held-robot', a: A.name, b: B.name, point, link: A.link, object: A.object }
      : { kind: 'self', a: A.name, b: B.name, point, link: A.link };
  }
}

/** Column-major Mat4 → row-major 3x4. */
export function toRowMajor(m: Mat4): Float64Array {
  return Float64Array.from([m[0], m[4], m[8], m[12], m[1], m[5], m[9], m[13], m[2], m[6], m[10], m[14]]);
}

/** Row-major 3x4 at P[o..] → column-major Mat4. */
export function toMat4(P: Float64Array, o: number): Mat4 {
  const m = identity();
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) m[4 * c + r] = P[o + 4 * r + c];
  return m;
}

/** out[oo..] = P[po..] · T (row-major 3x4 rigid transforms). */
function composeInto(P: Float64Array, po: number, T: Float64Array, out: Float64Array, oo: number): void {
  for (let r = 0; r < 3; r++) {
    const a0 = P[po + 4 * r],
      a1 = P[po + 4 * r + 1],
      a2 = P[po + 4 * r + 2],
      a3 = P[po + 4 * r + 3];
    out[oo + 4 * r] = a0 * T[0] + a1 * T[4] + a2 * T[8];
    out[oo + 4 * r + 1] = a0 * T[1] + a1 * T[5] + a2 * T[9];
    out[oo + 4 * r + 2] = a0 * T[2] + a1 * T[6] + a2 * T[10];
    out[oo + 4 * r + 3] = a0 * T[3] + a1 * T[7] + a2 * T[11] + a3;
  }
}

/** The point of part k nearest a world point (the point itself when inside), world frame. */
function closestOnPart(
  type: number,
  dim: Float64Array,
  inv: Float64Array,
  pose: Float64Array,
  k: number,
  x: number,
  y: number,
  z: number,
): Vec3 {
  const o = 12 * k;
  let lx = inv[o] * x + inv[o + 1] * y + inv[o + 2] * z + inv[o + 3],
    ly = inv[o + 4] * x + inv[o + 5] * y + inv[o + 6] * z + inv[o + 7],
    lz = inv[o + 8] * x + inv[o + 9] * y + inv[o + 10] * z + inv[o + 11];
  const d0 = dim[3 * k],
    d1 = dim[3 * k + 1],
    d2 = dim[3 * k + 2];
  if (type === PART_BOX) {
    lx = Math.max(-d0, Math.min(d0, lx));
    ly = Math.max(-d1, Math.min(d1, ly));
    lz = Math.max(-d2, Math.min(d2, lz));
  } else if (type === PART_CYLINDER) {
    const r = Math.hypot(lx, ly);
    if (r > d0) {
      lx *= d0 / r;
      ly *= d0 / r;
    }
    lz = Math.max(-d1, Math.min(d1, lz));
  } else {
    const r = Math.hypot(lx, ly, lz);
    if (r > d0) {
      lx *= d0 / r;
      ly *= d0 / r;
      lz *= d0 / r;
    }
  }
  return [
    pose[o] * lx + pose[o + 1] * ly + pose[o + 2] * lz + pose[o + 3],
    pose[o + 4] * lx + pose[o + 5] * ly + pose[o + 6] * lz + pose[o + 7],
    pose[o + 8] * lx + pose[o + 9] * ly + pose[o + 10] * lz + pose[o + 11],
  ];
}
