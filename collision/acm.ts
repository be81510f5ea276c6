/**
 * The allowed-collision matrix: pairs of robot links that are never checked against each
 * other, worked out once per robot the way MoveIt's setup assistant writes an SRDF:
 *
 * - `adjacent`: parent and child in the tree (links without geometry in between are skipped,
 *   so panda_link7 and panda_hand are adjacent across the geometry-less panda_link8);
 * - `rigid`: links joined only by fixed joints (they cannot move relative to each other);
 * - `gripper`: links moved relative to each other only by the gripper (the fingers): the
 *   gripper's mechanism keeps them apart, and a closed gripper touches its fingers together;
 * - `always`: in contact in every sample (a modelling overlap);
 * - `never`: in contact in none of N random configurations;
 * - `user`: named by the caller (option `disable`), as one edits an SRDF by hand.
 *
 * Sampling: N = 10 000 configurations by default (MoveIt's default sampling density), uniform
 * within the joint limits ([−π, π] for continuous joints) and over the gripper's range, drawn
 * with mulberry32 from seed 20240613 (both options). "In contact" is the checker's own test (one
 * link's spheres against the other's exact shapes) with the default clearance margin (5 mm), so a
 * pair that comes within the margin in any sample stays checked. Same URDF and options → same matrix (it is deterministic); it is kept in memory per
 * key (a hash of the URDF, the sphere model and these options), and in a JSON file when asked.
 */
import { mulberry32 } from '../model/math/random.js';
import { descriptionKey, onClearCaches, readCacheEntry, writeCacheEntry } from './cache.js';
import type { RobotCollisionModel } from './robot.js';
import { CollisionInputError } from './shapes.js';
import { treeHitsPrims } from './tree.js';

export type AllowReason = 'adjacent' | 'rigid' | 'gripper' | 'always' | 'never' | 'user';

export interface AllowedPair {
  a: string;
  b: string;
  reason: AllowReason;
  /** samples (of `samples`) in which the pair was in contact */
  hits: number;
}

export interface AllowedCollisionMatrix {
  /** cache key: SHA-256 of the URDF, the sphere model and the sampling options */
  readonly key: string;
  readonly samples: number;
  readonly seed: number;
  /** clearance (m) used when sampling */
  readonly margin: number;
  /** allowed pairs, in kinematic order of a then b */
  readonly pairs: readonly AllowedPair[];
  /** Is the pair of links allowed to touch (order does not matter)? */
  allows(a: string, b: string): boolean;
}

export interface AcmOptions {
  /** random configurations sampled; default 10 000 */
  samples?: number;
  /** default 20240613 */
  seed?: number;
  /** clearance (m) counted as contact when sampling; default 0.005 */
  margin?: number;
  /** optional JSON file caching the matrix across runs */
  cacheFile?: string;
  /** more link pairs never to check (reason `user`), e.g. where a URDF's primitives overlap but the real links cannot */
  disable?: readonly (readonly [string, string])[];
}

export const DEFAULT_ACM_SAMPLES = 10_000;
export const DEFAULT_ACM_SEED = 20240613;
export const DEFAULT_ACM_MARGIN = 0.005;

const REASONS: readonly AllowReason[] = ['adjacent', 'rigid', 'gripper', 'always', 'never', 'user'];
const memory = new Map<string, AllowedCollisionMatrix>();
onClearCaches(() => memory.clear());

interface Settings {
  samples: number;
  seed: number;
  margin: number;
  disable: [string, string][];
  key: string;
}

function settings(robot: RobotCollisionModel, options: AcmOptions): Settings {
  const samples = options.samples ?? DEFAULT_ACM_SAMPLES;
  const seed = options.seed ?? DEFAULT_ACM_SEED;
  const margin = options.margin ?? DEFAULT_ACM_MARGIN;
  if (!Number.isInteger(samples) || samples < 1 || samples > 10_000_000)
    throw new CollisionInputError(`ACM samples must be a whole number in [1, 1e7], got ${samples}`);
  if (!Number.isInteger(seed)) throw new CollisionInputError(`ACM seed must be a whole number, got ${seed}`);
  if (!(Number.isFinite(margin) && margin >= 0 && margin <= 0.1))
    throw new CollisionInputError(`ACM margin must be in [0, 0.1] m, got ${margin}`);
  const links = new Set(robot.bodies.map((b) => b.link));
  const disable = (options.disable ?? []).map((p, i): [string, string] => {
    if (!Array.isArray(p) || p.length !== 2 || !links.has(p[0]) || !links.has(p[1]) || p[0] === p[1])
      throw new CollisionInputError(
        `ACM disable[${i}]: expected two different links with geometry (${[...links].join(', ')}), got ${JSON.stringify(p)}`,
      );
    return [p[0], p[1]];
  });
  const key = descriptionKey(robot.model.description, { kind: 'acm', spheres: robot.key, samples, seed, margin, disable });
  return { samples, seed, margin, disable, key };
}

/** The allowed-collision matrix of a robot: computed once per key, then kept in memory (and in `cacheFile` when given). */
export function allowedCollisions(robot: RobotCollisionModel, options: AcmOptions = {}): AllowedCollisionMatrix {
  const set = settings(robot, options);
  const have = memory.get(set.key);
  if (have) return have;
  let acm = options.cacheFile ? loadAllowedCollisions(options.cacheFile, robot, options) : undefined;
  if (!acm) {
    acm = computeAllowedCollisions(robot, options);
    if (options.cacheFile) saveAllowedCollisions(options.cacheFile, acm, robot);
  }
  memory.set(set.key, acm);
  return acm;
}

/** Compute the matrix afresh (no cache): the same robot and options always give the same pairs. */
export function computeAllowedCollisions(robot: RobotCollisionModel, options: AcmOptions = {}): AllowedCollisionMatrix {
  const set = settings(robot, options);
  return makeMatrix(set.key, set.samples, set.seed, set.margin, computePairs(robot, set));
}

/** Store a matrix in a JSON cache file (other entries are kept). */
export function saveAllowedCollisions(file: string, acm: AllowedCollisionMatrix, robot: RobotCollisionModel): void {
  writeCacheEntry(file, 'acm', acm.key, {
    robot: robot.model.name,
    samples: acm.samples,
    seed: acm.seed,
    margin: acm.margin,
    pairs: acm.pairs.map((p) => [p.a, p.b, p.reason, p.hits]),
  });
}

/** The matrix stored in `file` for this robot and these options, or undefined (missing, stale or malformed). */
export function loadAllowedCollisions(
  file: string,
  robot: RobotCollisionModel,
  options: AcmOptions = {},
): AllowedCollisionMatrix | undefined {
  const set = settings(robot, options);
  const pairs = fromCache(file, set.key, robot);
  return pairs ? makeMatrix(set.key, set.samples, set.seed, set.margin, pairs) : undefined;
}

function makeMatrix(key: string, samples: number, seed: number, margin: number, pairs: AllowedPair[]): AllowedCollisionMatrix {
  const set = new Set(pairs.flatMap((p) => [`${p.a}\n${p.b}`, `${p.b}\n${p.a}`]));
  return Object.freeze({
    key,
    samples,
    seed,
    margin,
    pairs: Object.freeze(pairs),
    allows: (a: string, b: string) => set.has(`${a}\n${b}`),
  });
}

/** Structural reasons first, then sampling for the rest. */
function computePairs(robot: RobotCollisionModel, { samples, seed, margin, disable }: Settings): AllowedPair[] {
  const kin = robot.kinematics;
  const bodies = robot.bodies;
  const hasGeometry = new Set(bodies.map((b) => b.index));
  // The nearest ancestor with geometry of each body.
  const geomParent = bodies.map((b) => {
    for (let i = kin.parent[b.index]; i >= 0; i = kin.parent[i]) if (hasGeometry.has(i)) return i;
    return -1;
  });
  // What lies between two links: 'rigid' (only fixed joints), 'gripper' (fixed and gripper joints) or 'moving'.
  const relation = (a: number, b: number): 'rigid' | 'gripper' | 'moving' => {
    const up = (i: number) => {
      const path: number[] = [];
      for (; i >= 0; i = kin.parent[i]) path.push(i);
      return path;
    };
    const pa = up(a),
      pb = up(b);
    const common = new Set(pa.filter((i) => pb.includes(i)));
    let kind: 'rigid' | 'gripper' = 'rigid';
    for (const i of [...pa, ...pb]) {
      if (common.has(i)) continue; // joints above the common ancestor move both alike
      const src = kin.jointSource(i);
      if (kin.jointType(i) === 'fixed' || src.kind === 'none') continue;
      if (src.kind === 'gripper') kind = 'gripper';
      else return 'moving';
    }
    return kind;
  };

  const n = bodies.length;
  const structural = new Map<number, AllowReason>();
  const bodyIndex = new Map(bodies.map((b, i) => [b.link, i]));
  for (const [a, b] of disable) {
    const i = Math.min(bodyIndex.get(a)!, bodyIndex.get(b)!),
      j = Math.max(bodyIndex.get(a)!, bodyIndex.get(b)!);
    structural.set(i * n + j, 'user');
  }
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const rel = relation(bodies[i].index, bodies[j].index);
      const adjacent = geomParent[j] === bodies[i].index || geomParent[i] === bodies[j].index;
      if (adjacent) structural.set(i * n + j, 'adjacent');
      else if (rel !== 'moving') structural.set(i * n + j, rel);
    }

  // Sample every pair (the structural ones too, for the record).
  const hits = new Int32Array(n * n);
  const rand = mulberry32(seed);
  const model = robot.model;
  const q = new Float64Array(model.dof);
  const lo = model.arm.map((j) => (Number.isFinite(j.lower) ? j.lower : -Math.PI));
  const hi = model.arm.map((j) => (Number.isFinite(j.upper) ? j.upper : Math.PI));
  const [glo, ghi] = kin.gripperRange;
  const P = kin.poses;
  // As the checker tests a pair: the link with fewer spheres against the other's exact shapes.
  const pairHits = (i: number, j: number) => {
    const [a, b] = bodies[i].spheres.count <= bodies[j].spheres.count ? [bodies[i], bodies[j]] : [bodies[j], bodies[i]];
    return treeHitsPrims(a.tree, P, 12 * a.index, b.prims, P, 12 * b.index, margin);
  };
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < q.length; k++) q[k] = lo[k] + (hi[k] - lo[k]) * rand();
    kin.compute(q, glo + (ghi - glo) * rand());
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (pairHits(i, j)) hits[i * n + j]++;
  }

  const out: AllowedPair[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const h = hits[i * n + j];
      const reason = structural.get(i * n + j) ?? (h === samples ? 'always' : h === 0 ? 'never' : undefined);
      if (reason) out.push({ a: bodies[i].link, b: bodies[j].link, reason, hits: h });
    }
  return out;
}

function fromCache(file: string, key: string, robot: RobotCollisionModel): AllowedPair[] | undefined {
  const entry = readCacheEntry(file, 'acm', key) as { pairs?: unknown } | undefined;
  if (!entry || !Array.isArray(entry.pairs)) return undefined;
  const links = new Set(robot.bodies.map((b) => b.link));
  const out: AllowedPair[] = [];
  for (const p of entry.pairs as unknown[]) {
    if (!Array.isArray(p) || p.length !== 4) return undefined;
    const [a, b, reason, hits] = p as unknown[];
    if (typeof a !== 'string' || typeof b !== 'string' || !links.has(a) || !links.has(b)) return undefined;
    if (typeof reason !== 'string' || !REASONS.includes(reason as AllowReason) || typeof hits !== 'number' || !Number.isInteger(hits))
      return undefined;
    out.push({ a, b, reason: reason as AllowReason, hits });
  }
  return out;
}
