/**
 * Synthetic demonstrations: what a person would show the arm, generated from a tool path (for
 * tests, benchmarks, example `!demo` files, and rehearsing without a real arm). The tool path is
 * followed with minimum-jerk timing, solved by seeded IK at every sample, and padded with
 * pauses; optional encoder-like noise.
 *
 * Camera convention (stop-motion: the arm holds the camera): the camera looks along the tool
 * +z axis and image up is tool +y (image right is tool −x); an OpenCV camera frame (x right,
 * y down, z forward) is the tool frame turned 180° about z. Frames: world, z up, m, rad.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { IkSolver } from '../kinematics/index.js';
import { mulberry32 } from '../../model/math/random.js';
import { quatFromRotation, type Pose, type Quat, type Vec3 } from '../../model/math/transform.js';
import { DEMONSTRATION_FORMAT, DEMONSTRATION_VERSION, type Demonstration } from './format.js';

/** Tool orientation of a camera at `eye` looking at `target`, level (image up towards world up). */
export function lookAt(eye: Vec3, target: Vec3): Quat {
  let zx = target[0] - eye[0],
    zy = target[1] - eye[1],
    zz = target[2] - eye[2];
  const zn = Math.hypot(zx, zy, zz);
  zx /= zn;
  zy /= zn;
  zz /= zn;
  // x = up × z (image left), y = z × x (image up)
  let xx = -zy,
    xy = zx;
  const xz = 0;
  const xn = Math.hypot(xx, xy, xz);
  if (xn < 1e-6) {
    xx = 1;
    xy = 0;
  } else {
    xx /= xn;
    xy /= xn;
  }
  const yx = zy * xz - zz * xy,
    yy = zz * xx - zx * xz,
    yz = zx * xy - zy * xx;
  return quatFromRotation(xx, yx, zx, xy, yy, zy, xz, yz, zz);
}

export interface OrbitOptions {
  /** horizontal distance from the target, m */
  radius: number;
  /** camera height above the target point, m */
  height: number;
  /** azimuths around the target (rad, world frame; π = between the robot and the target) */
  from: number;
  to: number;
}

/** A tracking shot: the camera circles the target at a fixed radius and height, looking at it. */
export function orbitPath(target: Vec3, o: OrbitOptions): (s: number) => Pose {
  return (s) => {
    const a = o.from + (o.to - o.from) * s;
    const eye: Vec3 = [target[0] + o.radius * Math.cos(a), target[1] + o.radius * Math.sin(a), target[2] + o.height];
    return { position: eye, quaternion: lookAt(eye, target) };
  };
}

/** A push-in: the camera moves straight towards the target, from `from` to `to` meters away. */
export function pushInPath(target: Vec3, o: { azimuth: number; elevation: number; from: number; to: number }): (s: number) => Pose {
  return (s) => {
    const d = o.from + (o.to - o.from) * s;
    const c = Math.cos(o.elevation);
    const eye: Vec3 = [
      target[0] + d * c * Math.cos(o.azimuth),
      target[1] + d * c * Math.sin(o.azimuth),
      target[2] + d * Math.sin(o.elevation),
    ];
    return { position: eye, quaternion: lookAt(eye, target) };
  };
}

export interface SyntheticOptions {
  /** motion time, s (default 4) */
  duration?: number;
  /** Hz (default 100) */
  rate?: number;
  /** rest before and after the motion, s (default 0.5 each) */
  pauseStart?: number;
  pauseEnd?: number;
  /** IK seed for the first pose (default: the best of several candidates, see pickStart) */
  seed?: number[];
  /** uniform joint noise amplitude, rad (default 0) */
  noise?: number;
  /** gripper value per sample (default: open, constant) */
  gripper?: (t: number) => number;
  reference?: Demonstration['reference'];
}

/**
 * A start configuration for following `path` the way a person would hold the arm: among the
 * home-nearest IK solution and a few seeded random ones, the one whose path (coarsely checked)
 * never jumps (no singularity on the way) and stays farthest from the joint limits.
 */
export function pickStart(model: RobotModel, ik: IkSolver, path: (s: number) => Pose, candidates = 24): ReturnType<IkSolver['solve']> {
  const rand = mulberry32(11);
  const seeds: number[][] = [
    model.home,
    ...Array.from({ length: candidates }, () => model.arm.map((j) => j.lower + (j.upper - j.lower) * (0.1 + 0.8 * rand()))),
  ];
  let best: ReturnType<IkSolver['solve']> | null = null,
    bestScore = -Infinity;
  for (const seed of seeds) {
    const r0 = ik.solve(path(0), { seed, maxRestarts: 0, maxIterations: 200 });
    if (!r0.ok) continue;
    let q = r0.q,
      margin = Infinity,
      ok = true;
    for (let k = 1; k <= 50 && ok; k++) {
      const r = ik.solve(path(k / 50), { seed: q, maxRestarts: 0 });
      if (!r.ok || r.q.some((v, i) => Math.abs(v - q[i]) > 0.15)) ok = false;
      q = r.q;
      model.arm.forEach((j, i) => {
        margin = Math.min(margin, q[i] - j.lower, j.upper - q[i]);
      });
    }
    if (ok && margin > bestScore) {
      best = r0;
      bestScore = margin;
    }
  }
  return best ?? ik.solveNearest(path(0), { seed: model.home });
}

/** A joint-space demonstration of a tool path (s: 0 → 1). Throws if the arm cannot follow it. */
export function syntheticDemonstration(
  model: RobotModel,
  ik: IkSolver,
  path: (s: number) => Pose,
  opts: SyntheticOptions = {},
): Demonstration {
  const T = opts.duration ?? 4,
    rate = opts.rate ?? 100;
  const p0 = opts.pauseStart ?? 0.5,
    p1 = opts.pauseEnd ?? 0.5;
  const rand = mulberry32(7);
  const first = opts.seed ? ik.solve(path(0), { seed: opts.seed }) : pickStart(model, ik, path);
  if (!first.ok) throw new Error(`[demonstration] the path's start is out of reach: ${first.reason}`);
  const n = Math.round((p0 + T + p1) * rate) + 1;
  const samples: Demonstration['samples'] = [];
  let prev = first.q;
  for (let k = 0; k < n; k++) {
    const t = k / rate;
    const u = Math.min(1, Math.max(0, (t - p0) / T));
    const s = u * u * u * (10 - 15 * u + 6 * u * u); // minimum jerk
    const r = ik.solve(path(s), { seed: prev, maxRestarts: 0 });
    if (!r.ok) throw new Error(`[demonstration] the arm cannot follow the path at s = ${s.toFixed(2)}: ${r.reason}`);
    prev = r.q;
    const q = opts.noise ? r.q.map((v) => v + (rand() * 2 - 1) * opts.noise!) : r.q;
    samples.push({ t, q, gripper: opts.gripper ? opts.gripper(t) : (model.gripper?.open ?? 0) });
  }
  return {
    format: DEMONSTRATION_FORMAT,
    version: DEMONSTRATION_VERSION,
    robot: model.name,
    jointNames: [...model.jointNames],
    rate,
    samples,
    ...(opts.reference ? { reference: opts.reference } : {}),
    source: 'synthetic',
  };
}
