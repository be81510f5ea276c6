/**
 * A small TF buffer: the latest transform of every frame from /tf and /tf_static, looked up in
 * one fixed frame. It is a grounding source for the world model: named object frames (from a
 * detector, a mocap system or a static publisher) give the positions of the entities.
 *
 * Only the latest transform per frame is kept (no interpolation in time): objects on a table
 * are looked up "now". Dynamic transforms older than `maxAge` count as unknown, so a detector
 * that stopped publishing does not leave a ghost object behind.
 *
 * Units: meters; quaternions [x, y, z, w]. The fixed frame is the app's world frame (z up).
 */
import type { BodyPoseProvider } from '../../model/world.js';
import type { TfEntry } from './messages.js';
import { strip } from './messages.js';

type Vec3 = [number, number, number];
type Quat = [number, number, number, number];

interface Stored {
  parent: string;
  t: Vec3;
  q: Quat;
  isStatic: boolean;
  /** wall clock, ms */
  receivedAt: number;
}

/** More frames than this are not stored (a flood of bogus frame ids). */
const MAX_FRAMES = 5000;
const MAX_DEPTH = 64;

export interface TfBufferOptions {
  fixedFrame: string;
  /** entity body name -> frame (default: the body name) */
  frames?: Record<string, string>;
  /** s; 0 disables the age limit */
  maxAge?: number;
  /** axis-aligned half extents of known bodies (m), e.g. from the scene file: TF has no sizes */
  halfExtents?: Map<string, Vec3>;
  /** ms clock (tests) */
  now?: () => number;
}

export class TfBuffer implements BodyPoseProvider {
  readonly fixedFrame: string;
  readonly #frames = new Map<string, Stored>();
  readonly #bodyFrames: Record<string, string>;
  readonly #maxAgeMs: number;
  readonly #sizes: Map<string, Vec3>;
  readonly #now: () => number;
  /** messages with unusable transforms, for problems */
  invalid = 0;

  constructor(options: TfBufferOptions) {
    this.fixedFrame = strip(options.fixedFrame);
    this.#bodyFrames = { ...options.frames };
    this.#maxAgeMs = (options.maxAge ?? 10) * 1000;
    this.#sizes = options.halfExtents ?? new Map<string, Vec3>();
    this.#now = options.now ?? Date.now;
  }

  ingest(entries: TfEntry[], isStatic: boolean): void {
    const now = this.#now();
    for (const e of entries) {
      if (e.child === e.parent) continue;
      if (!this.#frames.has(e.child) && this.#frames.size >= MAX_FRAMES) continue;
      this.#frames.set(e.child, { parent: e.parent, t: e.translation, q: e.rotation, isStatic, receivedAt: now });
    }
  }

  clear(): void {
    this.#frames.clear();
  }

  /** Frames seen so far (children). */
  frameNames(): string[] {
    return [...this.#frames.keys()];
  }

  /** Pose of `frame` in the fixed frame, or undefined when not connected to it (or too old). */
  lookup(frame: string): { position: Vec3; quaternion: Quat } | undefined {
    const f = strip(frame);
    if (f === this.fixedFrame) return { position: [0, 0, 0], quaternion: [0, 0, 0, 1] };
    const a = this.#toRoot(f);
    const b = this.#toRoot(this.fixedFrame);
    if (!a || !b || a.root !== b.root) return undefined;
    // fixed <- frame = inverse(root <- fixed) * (root <- frame)
    const qi = conj(b.q);
    const d: Vec3 = [a.t[0] - b.t[0], a.t[1] - b.t[1], a.t[2] - b.t[2]];
    return { position: rotate(qi, d), quaternion: mul(qi, a.q) };
  }

  /** root <- frame, composed along the parent chain */
  #toRoot(frame: string): { root: string; t: Vec3; q: Quat } | undefined {
    let t: Vec3 = [0, 0, 0];
    let q: Quat = [0, 0, 0, 1];
    let f = frame;
    const now = this.#now();
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const s = this.#frames.get(f);
      if (!s) return { root: f, t, q };
      if (!s.isStatic && this.#maxAgeMs > 0 && now - s.receivedAt > this.#maxAgeMs) return undefined;
      // parent <- f composed with f <- frame
      const rt = rotate(s.q, t);
      t = [rt[0] + s.t[0], rt[1] + s.t[1], rt[2] + s.t[2]];
      q = mul(s.q, q);
      f = s.parent;
    }
    return undefined; // a cycle or an absurdly deep tree
  }

  frameOf(body: string): string {
    return this.#bodyFrames[body] ?? body;
  }

  bodyPosition(body: string): Vec3 | undefined {
    return this.lookup(this.frameOf(body))?.position;
  }

  bodyQuaternion(body: string): Quat | undefined {
    return this.lookup(this.frameOf(body))?.quaternion;
  }

  bodyHalfExtents(body: string): Vec3 | undefined {
    return this.#sizes.get(body);
  }
}

function mul(a: Quat, b: Quat): Quat {
  const [ax, ay, az, aw] = a,
    [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

const conj = (q: Quat): Quat => [-q[0], -q[1], -q[2], q[3]];

function rotate(q: Quat, v: Vec3): Vec3 {
  const [x, y, z, w] = q;
  // v' = v + 2w(u×v) + 2u×(u×v), u = (x, y, z)
  const cx = y * v[2] - z * v[1],
    cy = z * v[0] - x * v[2],
    cz = x * v[1] - y * v[0];
  return [v[0] + 2 * (w * cx + y * cz - z * cy), v[1] + 2 * (w * cy + z * cx - x * cz), v[2] + 2 * (w * cz + x * cy - y * cx)];
}
