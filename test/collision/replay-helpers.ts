/**
 * Helpers for test/collision/physics-replay.test.ts: the guard asked without moving anything,
 * a trajectory replayed pose by pose in MuJoCo, and a dynamic replay through the real stack.
 *
 * Units: rad, m, s. World frame: z up, z = 0 the table top, robot base at the origin.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { Geometry } from '../../model/description/urdf.js';
import type { Mat4 } from '../../model/math/transform.js';
import { SafetyGuard } from '../../robot-bridge/safety/index.js';
import type { JointTrajectory, RobotBackend, TrajectoryOutcome } from '../../robot-bridge/types.js';
import type { SimApp } from '../../session/app.js';
import { TrajectorySampler } from '../../sim/trajectory.js';
import type { SimWorld } from '../../sim/world.js';

/** A MuJoCo contact the arm did not intend, at a time of the trajectory. */
export interface Touch {
  /** s from the start of the trajectory (dynamic replays: sim time since the start) */
  time: number;
  body1: string;
  body2: string;
  geom1: string;
  geom2: string;
  /** penetration, m (negative: overlapping) */
  dist: number;
}

type SimContact = ReturnType<SimWorld['contacts']>[number];

/**
 * Which MuJoCo contacts count: any contact of a robot link or of the held object, except a
 * finger with the held object (the grip itself).
 */
export function unintendedFilter(app: SimApp, held: string | null): (c: SimContact) => boolean {
  const links = new Set(app.model.description.links.keys());
  const fingers = new Set(app.sim.mjcf.gripper?.fingerBodies ?? []);
  const moving = (b: string) => links.has(b) || b === held;
  const grip = (a: string, b: string) => held !== null && fingers.has(a) && b === held;
  return (c) => (moving(c.body1) || moving(c.body2)) && !grip(c.body1, c.body2) && !grip(c.body2, c.body1);
}

/**
 * The app's own SafetyGuard logic (same class, config and planning scene) over a backend that
 * reports the sim's state and moves nothing: `passes(traj)` is true exactly when the guard
 * would have sent the trajectory on. SafetyGuard.check() alone skips the collision check,
 * which runs only in executeTrajectory, so the oracle goes through executeTrajectory.
 */
export function dryGuard(app: SimApp): { passes(traj: JointTrajectory): { ok: true } | { ok: false; reason: string } } {
  const real = app.backend as SafetyGuard;
  let received: JointTrajectory | null = null;
  const inner: RobotBackend = {
    kind: 'dry-run',
    capabilities: app.robot.capabilities,
    jointNames: app.robot.jointNames,
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    status: () => app.robot.status(),
    onStatus: () => () => {},
    onJointState: () => () => {},
    jointState: () => app.robot.jointState(),
    gripperPosition: () => app.robot.gripperPosition(),
    now: () => app.robot.now(),
    executeTrajectory(t) {
      received = t;
      return { id: 'dry', done: Promise.resolve({ status: 'succeeded', finalError: 0 }), cancel: () => Promise.resolve() };
    },
    gripper: () => Promise.reject(new Error('dry-run backend: no gripper')),
    stop: () => Promise.resolve(),
    wait: () => Promise.resolve(),
  };
  if (!app.collision) throw new Error('test set-up: the app has no collision checks');
  const guard = new SafetyGuard(inner, app.model, real.config, { collision: app.collision });
  return {
    passes(traj) {
      received = null;
      guard.executeTrajectory(traj);
      if (received) return { ok: true };
      return { ok: false, reason: guard.lastRejection?.reason ?? 'refused without a reason' };
    },
  };
}

/** Farthest point of a URDF shape from its own origin, m (meshes: not used by this robot). */
function shapeRadius(g: Geometry): number {
  switch (g.type) {
    case 'sphere':
      return g.radius;
    case 'box':
      return Math.hypot(g.size[0], g.size[1], g.size[2]) / 2;
    case 'cylinder':
      return Math.hypot(g.radius, g.length / 2);
    case 'mesh':
      throw new Error('test set-up: mesh collision shapes have no radius here');
  }
}

/**
 * Per link: how far its collision geometry reaches from the link origin, m. `extra` adds a
 * held object to its link (distance of its farthest point from that link's origin).
 */
export function linkRadii(model: RobotModel, extra?: { link: string; radius: number }): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, link] of model.description.links) {
    let r = 0;
    for (const c of link.collisions) r = Math.max(r, Math.hypot(...c.origin.xyz) + shapeRadius(c.geometry));
    if (extra?.link === name) r = Math.max(r, extra.radius);
    if (r > 0) out.set(name, r);
  }
  return out;
}

/**
 * Upper bound on how far any point of any link's geometry moves between two sets of link poses
 * (column-major Mat4): origin displacement + reach × rotation angle.
 */
function maxDisplacement(a: Map<string, Mat4>, b: Map<string, Mat4>, radii: Map<string, number>): number {
  let worst = 0;
  for (const [link, r] of radii) {
    const A = a.get(link)!,
      B = b.get(link)!;
    const dp = Math.hypot(A[12] - B[12], A[13] - B[13], A[14] - B[14]);
    // trace(Aᵀ B) over the rotation parts = 1 + 2 cos θ
    let tr = 0;
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) tr += A[c * 4 + k] * B[c * 4 + k];
    const theta = Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2)));
    worst = Math.max(worst, dp + r * theta);
  }
  return worst;
}

export interface KinematicReplay {
  /** the first unintended contact, if any */
  touch: Touch | null;
  samples: number;
  /** largest bound on link motion between consecutive samples, m */
  worstStep: number;
}

/**
 * Replay a trajectory pose by pose: the desired state the sim's controller follows (cubic
 * Hermite between the points, sim/trajectory.ts) sampled by bisection of time until no point of
 * any link (or the held object) moves more than `maxStep` between samples, each sample set with
 * SimWorld.poseArm and checked with MuJoCo's collision detection.
 */
export function replayKinematic(
  sim: SimWorld,
  model: RobotModel,
  traj: JointTrajectory,
  opts: { gripper: number; radii: Map<string, number>; unintended: (c: SimContact) => boolean; maxStep?: number },
): KinematicReplay {
  const maxStep = opts.maxStep ?? 0.01;
  const sampler = new TrajectorySampler(traj.points.map((p) => ({ t: p.timeFromStart, q: p.positions, qd: p.velocities })));
  const qd: number[] = [],
    qdd: number[] = [];
  const at = (t: number) => {
    const q: number[] = [];
    sampler.sample(t, q, qd, qdd);
    return { t, q, poses: model.linkPoses(q, opts.gripper) };
  };
  let samples = 0,
    worstStep = 0;
  // Contacts that do not involve the robot (objects resting on the table) and the grip do not
  // change while only the arm and the object in its hand move: a different count means a new
  // contact, and only then is MuJoCo's contact list copied and read.
  let quiet = -1;
  const probe = (t: number, q: number[]): Touch | null => {
    samples++;
    sim.poseArm(q);
    if (sim.contactCount === quiet) return null;
    const bad = sim.contacts().filter(opts.unintended);
    if (bad.length === 0) {
      quiet = sim.contactCount;
      return null;
    }
    const c = bad.reduce((x, y) => (y.dist < x.dist ? y : x));
    return { time: t, body1: c.body1, body2: c.body2, geom1: c.geom1, geom2: c.geom2, dist: c.dist };
  };
  let a = at(0);
  const first = probe(0, a.q);
  if (first) return { touch: first, samples, worstStep };
  // Coarse steps of one trajectory point interval, bisected until small enough.
  const stack: number[] = traj.points.slice(1).map((p) => p.timeFromStart);
  stack.reverse();
  while (stack.length) {
    const tb = stack[stack.length - 1];
    const b = at(tb);
    const d = maxDisplacement(a.poses, b.poses, opts.radii);
    if (d > maxStep && tb - a.t > 1e-6) {
      stack.push((a.t + tb) / 2);
      continue;
    }
    stack.pop();
    worstStep = Math.max(worstStep, d);
    const hit = probe(tb, b.q);
    if (hit) return { touch: hit, samples, worstStep };
    a = b;
  }
  return { touch: null, samples, worstStep };
}

/**
 * Execute through the app's real guard and the sim backend (servos, physics at 2 ms), from the
 * arm posed at the trajectory's start, watching MuJoCo's contacts after every physics step
 * until the backend reports the motion done.
 */
export async function replayDynamic(
  app: SimApp,
  traj: JointTrajectory,
  unintended: (c: SimContact) => boolean,
): Promise<{ outcome: TrajectoryOutcome; touch: Touch | null; steps: number }> {
  const sim = app.sim;
  sim.poseArm(traj.points[0].positions);
  const t0 = sim.time;
  let touch: Touch | null = null;
  let steps = 0;
  // MuJoCo's contact list is copied when the number of contacts changed since the last copy,
  // and every 5th step (10 ms) whatever it is: a contact that penetrates lasts several steps.
  let seen = -1;
  const off = sim.onAfterStep((w) => {
    steps++;
    if (touch || (w.contactCount === seen && steps % 5 !== 0)) return;
    seen = w.contactCount;
    const bad = w.contacts().filter(unintended);
    if (bad.length === 0) return;
    const c = bad.reduce((x, y) => (y.dist < x.dist ? y : x));
    touch = { time: w.time - t0, body1: c.body1, body2: c.body2, geom1: c.geom1, geom2: c.geom2, dist: c.dist };
  });
  try {
    const outcome = await app.backend.executeTrajectory(traj).done;
    return { outcome, touch, steps };
  } finally {
    off();
  }
}
