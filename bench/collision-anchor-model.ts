/**
 * TEMPORARY collision model for the OMPL side-by-side benchmark (bench/collision-plan.ts), until
 * `collision/` provides `checkState`. It reads the anchor's own inputs (panda_fingers.urdf, the
 * scene boxes of problems.json, the disabled link pairs of self_pairs.json) and answers "is this
 * configuration collision-free?" for that Panda in that scene, nothing more: revolute z-axis
 * joints, box/cylinder/sphere links, box/sphere/capsule obstacles. Not for the product.
 *
 * Shapes are exact (robot base frame, meters, z up): boxes, cylinders, spheres, capsules. Tests:
 * world AABBs, then each shape's bounding box by separating axes (exact for two boxes), then a
 * closest point (sphere–box) or GJK (anything with a cylinder or capsule); collision-convex.ts.
 * Like the anchor: link0 (bolted to the table) is not tested against the scene, self-collision
 * skips the disabled pairs. Allocation-free per check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromXyzRpy, multiply, type Mat4 } from '../model/math/transform.js';
import { loadUrdf } from '../model/description/urdf.js';
import { BOX, CAP, CYL, gjkOverlap, obbObb, SPH, sphereBox } from './collision-convex.js';

export interface AnchorSceneItem {
  name: string;
  type: 'box' | 'sphere' | 'capsule';
  pos: [number, number, number];
  quat_wxyz?: [number, number, number, number];
  half_size?: [number, number, number];
  radius?: number;
  half_length_along_local_z?: number;
}

export interface AnchorProblem {
  id: number;
  kind: string;
  start: number[];
  goal: number[];
}

export interface AnchorProblemSet {
  seed: number;
  joint_lower: number[];
  joint_upper: number[];
  home: number[];
  scene: AnchorSceneItem[];
  problems: AnchorProblem[];
}

/** problems.json of the anchor folder, checked for the fields the benchmark uses. */
export function loadAnchorProblems(dir: string): AnchorProblemSet {
  const raw = JSON.parse(readFileSync(join(dir, 'problems.json'), 'utf8')) as AnchorProblemSet;
  const dof = raw.joint_lower?.length;
  if (!(dof > 0) || raw.joint_upper?.length !== dof)
    throw new Error('problems.json: joint_lower / joint_upper missing or of different lengths');
  if (!Array.isArray(raw.problems) || !Array.isArray(raw.scene)) throw new Error('problems.json: problems or scene missing');
  for (const p of raw.problems) {
    if (p.start?.length !== dof || p.goal?.length !== dof || ![...p.start, ...p.goal].every(Number.isFinite)) {
      throw new Error(`problems.json: problem ${p.id} needs ${dof} finite start and goal values`);
    }
  }
  return raw;
}

/**
 * The benchmark's checker factory (bench/collision-plan.ts loads it by module path): this
 * temporary model built from the anchor folder's own robot, scene and disabled pairs.
 */
export function createBenchChecker(ctx: { anchorDir: string; problems: AnchorProblemSet }) {
  const model = new AnchorCollisionModel({
    urdfPath: join(ctx.anchorDir, 'panda_fingers.urdf'),
    scene: ctx.problems.scene,
    disabledPairs: loadDisabledPairs(ctx.anchorDir),
  });
  return {
    isStateValid: model.isStateValid,
    classify: (q: Float64Array) => model.classify(q),
    describe: `TEMPORARY stand-in (bench/collision-anchor-model.ts): exact primitives of panda_fingers.urdf (${model.envPairs} scene pairs, ${model.selfPairs} self pairs), AABB + SAT + GJK`,
  };
}

/** Disabled self-collision link pairs from the anchor's self_pairs.json. */
export function loadDisabledPairs(dir: string): [string, string][] {
  const raw = JSON.parse(readFileSync(join(dir, 'self_pairs.json'), 'utf8')) as { disabled: [string, string, string, number][] };
  return raw.disabled.map(([a, b]) => [a, b]);
}

/** 12-number rigid transform: rotation column-major (x, y, z axes), then origin */
function rigidFromMat4(m: Mat4): Float64Array {
  return Float64Array.of(m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10], m[12], m[13], m[14]);
}

function rigidFromQuat(pos: readonly number[], q: readonly number[] = [1, 0, 0, 0]): Float64Array {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  const [w, x, y, z] = q.map((v) => v / n);
  return Float64Array.of(
    1 - 2 * (y * y + z * z),
    2 * (x * y + w * z),
    2 * (x * z - w * y),
    2 * (x * y - w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z + w * x),
    2 * (x * z + w * y),
    2 * (y * z - w * x),
    1 - 2 * (x * x + y * y),
    pos[0],
    pos[1],
    pos[2],
  );
}

/** out[oo..] = A[ao..] · B[bo..] (12-number rigid transforms) */
function compose(A: Float64Array, ao: number, B: Float64Array, bo: number, out: Float64Array, oo: number): void {
  for (let c = 0; c < 4; c++) {
    const b0 = B[bo + 3 * c],
      b1 = B[bo + 3 * c + 1],
      b2 = B[bo + 3 * c + 2],
      t = c === 3 ? 1 : 0;
    out[oo + 3 * c] = A[ao] * b0 + A[ao + 3] * b1 + A[ao + 6] * b2 + t * A[ao + 9];
    out[oo + 3 * c + 1] = A[ao + 1] * b0 + A[ao + 4] * b1 + A[ao + 7] * b2 + t * A[ao + 10];
    out[oo + 3 * c + 2] = A[ao + 2] * b0 + A[ao + 5] * b1 + A[ao + 8] * b2 + t * A[ao + 11];
  }
}

export interface AnchorModelOptions {
  urdfPath: string;
  scene: AnchorSceneItem[];
  disabledPairs: [string, string][];
  /** link whose frame is the robot base (default panda_link0); never tested against the scene */
  baseLink?: string;
  /** last link with geometry on the chain (default panda_hand) */
  tipLink?: string;
}

/**
 * Shape table: robot shapes first (posed per check), obstacles after (fixed). Per shape: kind,
 * pose (12), size (3, see collision-convex.ts), bounding-box half sizes (3, in the shape frame),
 * world AABB half extents (3).
 */
export class AnchorCollisionModel {
  readonly dof: number;
  readonly envPairs: number;
  readonly selfPairs: number;
  readonly linkNames: string[];
  readonly #pre: Float64Array;
  readonly #frames: Float64Array;
  readonly #robot: { link: string; frame: number; local: Float64Array }[];
  readonly #kind: Uint8Array;
  readonly #pose: Float64Array;
  readonly #size: Float64Array;
  readonly #bound: Float64Array;
  /** robot shapes: bounding-sphere center in the frame (3), radius; world center per check (3) */
  readonly #cLocal: Float64Array;
  readonly #rad: Float64Array;
  readonly #cWorld: Float64Array;
  /** check number at which each robot shape's full pose was last computed (lazy) */
  readonly #stamp: Float64Array;
  #checkNo = 0;
  /** obstacles: world AABB (lo xyz, hi xyz); small ones also share one group AABB */
  readonly #obsBox: Float64Array;
  readonly #groupBox: Float64Array;
  readonly #small: Int32Array;
  readonly #large: Int32Array;
  /** robot shapes tested against the scene, and self pairs (flat index pairs) */
  readonly #envShapes: Int32Array;
  readonly #self: Int32Array;

  constructor(o: AnchorModelOptions) {
    const d = loadUrdf(o.urdfPath);
    const base = o.baseLink ?? 'panda_link0',
      tip = o.tipLink ?? 'panda_hand';
    const byChild = new Map(d.joints.map((j) => [j.child, j]));
    const chain = [];
    for (let l = tip; l !== base;) {
      const j = byChild.get(l);
      if (!j) throw new Error(`collision model: ${tip} is not below ${base}`);
      chain.unshift(j);
      l = j.parent;
    }
    // each link hangs off the frame after the last actuated joint above it, by a fixed offset
    const identity = fromXyzRpy([0, 0, 0], [0, 0, 0]);
    const linkFrame = new Map<string, { frame: number; offset: Mat4 }>([[base, { frame: 0, offset: identity }]]);
    const pre: Float64Array[] = [];
    let acc: Mat4 = identity;
    for (const j of chain) {
      acc = multiply(acc, fromXyzRpy(j.origin.xyz, j.origin.rpy));
      if (j.type === 'revolute' || j.type === 'continuous') {
        if (j.axis[0] !== 0 || j.axis[1] !== 0 || j.axis[2] !== 1)
          throw new Error(`collision model: ${j.name}: only z-axis joints are supported`);
        pre.push(rigidFromMat4(acc));
        acc = identity;
      } else if (j.type !== 'fixed') throw new Error(`collision model: ${j.name}: joint type ${j.type} is not supported`);
      linkFrame.set(j.child, { frame: pre.length, offset: acc });
    }
    this.dof = pre.length;
    this.#pre = new Float64Array(12 * this.dof);
    pre.forEach((p, i) => this.#pre.set(p, 12 * i));
    this.#frames = new Float64Array(12 * (this.dof + 1));
    this.#frames.set([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);

    const kinds: number[] = [],
      sizes: number[][] = [],
      poses: Float64Array[] = [];
    this.#robot = [];
    for (const [name, lf] of linkFrame) {
      for (const c of d.links.get(name)?.collisions ?? []) {
        const g = c.geometry;
        if (g.type === 'mesh') throw new Error(`collision model: ${name}: mesh collision geometry is not supported here`);
        this.#robot.push({
          link: name,
          frame: lf.frame,
          local: rigidFromMat4(multiply(lf.offset, fromXyzRpy(c.origin.xyz, c.origin.rpy))),
        });
        kinds.push(g.type === 'box' ? BOX : g.type === 'cylinder' ? CYL : SPH);
        sizes.push(
          g.type === 'box'
            ? [g.size[0] / 2, g.size[1] / 2, g.size[2] / 2]
            : g.type === 'cylinder'
              ? [g.radius, g.radius, g.length / 2]
              : [g.radius, g.radius, g.radius],
        );
        poses.push(new Float64Array(12));
      }
    }
    const nr = this.#robot.length;
    for (const it of o.scene) {
      if (it.type === 'box') {
        kinds.push(BOX);
        sizes.push([...(it.half_size ?? [0, 0, 0])]);
      } else if (it.type === 'sphere') {
        kinds.push(SPH);
        sizes.push([it.radius ?? 0, it.radius ?? 0, it.radius ?? 0]);
      } else {
        kinds.push(CAP);
        sizes.push([it.radius ?? 0, it.radius ?? 0, it.half_length_along_local_z ?? 0]);
      }
      poses.push(rigidFromQuat(it.pos, it.quat_wxyz));
    }
    const n = kinds.length;
    this.#kind = Uint8Array.from(kinds);
    this.#pose = new Float64Array(12 * n);
    poses.forEach((p, i) => this.#pose.set(p, 12 * i));
    this.#size = Float64Array.from(sizes.flat());
    // bounding box in the shape frame: a capsule's reaches r past its segment's ends
    this.#bound = Float64Array.from(sizes.flatMap((s, i) => (kinds[i] === CAP ? [s[0], s[1], s[2] + s[0]] : s)));
    this.linkNames = [...new Set(this.#robot.map((s) => s.link))];
    this.#cLocal = new Float64Array(3 * nr);
    this.#rad = new Float64Array(nr);
    this.#cWorld = new Float64Array(3 * nr);
    this.#stamp = new Float64Array(nr).fill(-1);
    this.#robot.forEach((r, i) => {
      for (let a = 0; a < 3; a++) this.#cLocal[3 * i + a] = r.local[9 + a];
      this.#rad[i] = Math.hypot(this.#bound[3 * i], this.#bound[3 * i + 1], this.#bound[3 * i + 2]);
    });
    // obstacle AABBs; the small ones (< 0.5 m across) are grouped so a link far from them all is one test
    this.#obsBox = new Float64Array(6 * n);
    const small: number[] = [],
      large: number[] = [];
    const group = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
    for (let i = nr; i < n; i++) {
      let wide = false;
      for (let a = 0; a < 3; a++) {
        const W = this.#pose,
          B = this.#bound,
          p = 12 * i;
        const e = Math.abs(W[p + a]) * B[3 * i] + Math.abs(W[p + 3 + a]) * B[3 * i + 1] + Math.abs(W[p + 6 + a]) * B[3 * i + 2];
        this.#obsBox[6 * i + a] = W[p + 9 + a] - e;
        this.#obsBox[6 * i + 3 + a] = W[p + 9 + a] + e;
        wide ||= e > 0.25;
      }
      if (wide) large.push(i);
      else {
        small.push(i);
        for (let a = 0; a < 3; a++) {
          group[a] = Math.min(group[a], this.#obsBox[6 * i + a]);
          group[3 + a] = Math.max(group[3 + a], this.#obsBox[6 * i + 3 + a]);
        }
      }
    }
    this.#groupBox = Float64Array.from(group);
    this.#small = Int32Array.from(small);
    this.#large = Int32Array.from(large);
    const envShapes: number[] = [];
    for (let i = 0; i < nr; i++) if (this.#robot[i].link !== base) envShapes.push(i);
    this.#envShapes = Int32Array.from(envShapes);
    const key = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
    const off = new Set(o.disabledPairs.map(([a, b]) => key(a, b)));
    const self: number[] = [];
    for (let a = 0; a < nr; a++)
      for (let b = a + 1; b < nr; b++) {
        const la = this.#robot[a].link,
          lb = this.#robot[b].link;
        if (la !== lb && !off.has(key(la, lb))) self.push(a, b);
      }
    this.#self = Int32Array.from(self);
    this.envPairs = envShapes.length * (n - nr);
    this.selfPairs = self.length / 2;
  }

  /** True when q is free of scene and self collisions. */
  readonly isStateValid = (q: Float64Array): boolean => {
    this.#place(q);
    return !this.#envHit() && !this.#selfHit();
  };

  /** Scene and self collision separately (for the model's statistics). */
  classify(q: Float64Array): { env: boolean; self: boolean } {
    this.#place(q);
    return { env: this.#envHit(), self: this.#selfHit() };
  }

  /** Joint frames and each robot shape's bounding-sphere center; full poses wait until a pair needs them. */
  #place(q: Float64Array): void {
    this.#checkNo++;
    const F = this.#frames,
      P = this.#pre;
    for (let j = 0; j < this.dof; j++) {
      const o = 12 * (j + 1);
      compose(F, 12 * j, P, 12 * j, F, o);
      const c = Math.cos(q[j]),
        s = Math.sin(q[j]);
      for (let a = 0; a < 3; a++) {
        const x = F[o + a],
          y = F[o + 3 + a];
        F[o + a] = c * x + s * y;
        F[o + 3 + a] = c * y - s * x;
      }
    }
    const L = this.#cLocal,
      C = this.#cWorld;
    for (let i = 0; i < this.#robot.length; i++) {
      const f = 12 * this.#robot[i].frame,
        x = L[3 * i],
        y = L[3 * i + 1],
        z = L[3 * i + 2];
      C[3 * i] = F[f + 9] + F[f] * x + F[f + 3] * y + F[f + 6] * z;
      C[3 * i + 1] = F[f + 10] + F[f + 1] * x + F[f + 4] * y + F[f + 7] * z;
      C[3 * i + 2] = F[f + 11] + F[f + 2] * x + F[f + 5] * y + F[f + 8] * z;
    }
  }

  /** Full world pose of robot shape i (once per check). */
  #posed(i: number): void {
    if (this.#stamp[i] === this.#checkNo) return;
    this.#stamp[i] = this.#checkNo;
    const r = this.#robot[i];
    compose(this.#frames, 12 * r.frame, r.local, 0, this.#pose, 12 * i);
  }

  /** Robot shape i's bounding sphere vs the AABB at box[o..o+6). */
  #sphereNearBox(i: number, box: Float64Array, o: number): boolean {
    const C = this.#cWorld;
    let d2 = 0;
    for (let a = 0; a < 3; a++) {
      const c = C[3 * i + a],
        lo = box[o + a],
        hi = box[o + 3 + a];
      const e = c < lo ? lo - c : c > hi ? c - hi : 0;
      d2 += e * e;
    }
    return d2 <= this.#rad[i] * this.#rad[i];
  }

  #envHit(): boolean {
    const R = this.#envShapes,
      Sm = this.#small,
      Lg = this.#large,
      B = this.#obsBox;
    for (let n = 0; n < R.length; n++) {
      const i = R[n];
      for (let k = 0; k < Lg.length; k++) if (this.#sphereNearBox(i, B, 6 * Lg[k]) && this.#overlap(i, Lg[k])) return true;
      if (!this.#sphereNearBox(i, this.#groupBox, 0)) continue;
      for (let k = 0; k < Sm.length; k++) if (this.#sphereNearBox(i, B, 6 * Sm[k]) && this.#overlap(i, Sm[k])) return true;
    }
    return false;
  }

  #selfHit(): boolean {
    const P = this.#self,
      C = this.#cWorld,
      R = this.#rad;
    for (let n = 0; n < P.length; n += 2) {
      const a = P[n],
        b = P[n + 1];
      const dx = C[3 * a] - C[3 * b],
        dy = C[3 * a + 1] - C[3 * b + 1],
        dz = C[3 * a + 2] - C[3 * b + 2],
        r = R[a] + R[b];
      if (dx * dx + dy * dy + dz * dz > r * r) continue;
      this.#posed(b);
      if (this.#overlap(a, b)) return true;
    }
    return false;
  }

  /** Narrow phase for shapes a (robot) and b (robot or obstacle). */
  #overlap(a: number, b: number): boolean {
    this.#posed(a);
    const K = this.#kind,
      W = this.#pose,
      S = this.#size,
      B = this.#bound;
    // bounding boxes first: exact for two boxes, a cheap rejection otherwise
    if (!obbObb(W, 12 * a, B, 3 * a, W, 12 * b, B, 3 * b)) return false;
    const ka = K[a],
      kb = K[b];
    if (ka === K_BOX && kb === K_BOX) return true;
    if (ka === K_SPH && kb === K_BOX) return sphereBox(W[12 * a + 9], W[12 * a + 10], W[12 * a + 11], S[3 * a], W, 12 * b, S, 3 * b);
    if (ka === K_BOX && kb === K_SPH) return sphereBox(W[12 * b + 9], W[12 * b + 10], W[12 * b + 11], S[3 * b], W, 12 * a, S, 3 * a);
    return gjkOverlap(ka, W, 12 * a, S, 3 * a, kb, W, 12 * b, S, 3 * b);
  }
}

/** local copies of the shape kinds: an imported binding is a property read in the hot loop */
const K_BOX = BOX,
  K_SPH = SPH;
