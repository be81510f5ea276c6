/**
 * The move to a learned motion's start: a straight joint-space move, or up, across and down
 * when the straight move would swing a link into the table.
 *
 * Frames and units: world = robot base frame, z up (z = 0 the table top), meters, radians.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import { cartesianPath } from '../kinematics/index.js';
import type { MotionContext } from '../primitives.js';

/**
 * Links whose height does not change between two configurations (the base, and frames that only
 * turn about a vertical axis): their height says nothing about how low a move goes.
 */
function stillLinks(model: RobotModel, a: readonly number[], b: readonly number[]): Set<string> {
  const ref = model.linkPoses(a);
  const far = model.linkPoses(b);
  const mid = model.linkPoses(a.map((v, i) => (v + b[i]) / 2));
  const still = new Set<string>();
  for (const [name, m] of ref) {
    const zb = far.get(name)?.[14],
      zm = mid.get(name)?.[14];
    if (zb !== undefined && zm !== undefined && Math.abs(zb - m[14]) < 1e-9 && Math.abs(zm - m[14]) < 1e-9) still.add(name);
  }
  return still;
}

/** Lowest point (world z, m) of the moving link frames and the tool along a straight joint-space move (`samples` + 1 configurations; 0: just `a`). */
function lowestAlong(model: RobotModel, still: Set<string>, a: readonly number[], b: readonly number[], samples = 24): number {
  let low = Infinity;
  const q = new Array<number>(a.length);
  for (let k = 0; k <= samples; k++) {
    const s = samples ? k / samples : 0;
    for (let i = 0; i < a.length; i++) q[i] = a[i] + (b[i] - a[i]) * s;
    for (const [name, m] of model.linkPoses(q)) if (!still.has(name)) low = Math.min(low, m[14]);
    low = Math.min(low, model.tipPose(q)[14]);
  }
  return low;
}

/** how far a straight joint move may sag below its two ends before it goes over the top, m */
const SAG = 0.005;
/** extra height of the transit over the higher end, m */
const TRANSIT_LIFT = 0.1;
/** Cartesian step of the transit legs, m */
const TRANSIT_STEP = 0.02;

function lowestOfPath(model: RobotModel, still: Set<string>, path: readonly number[][]): number {
  let low = Infinity;
  for (let i = 0; i + 1 < path.length; i++) low = Math.min(low, lowestAlong(model, still, path[i], path[i + 1], 4));
  return low;
}

/**
 * Waypoints from `from` to `to` (joint space). Camera moves start and end close to the table,
 * and a straight joint-space move between two such poses can swing a link down into it (seen:
 * zoom_in(HULK) right after track(LOKI), the hand 3 mm below the table top). Then the tool goes
 * straight up, across at a transit height and straight down onto the start, as a camera
 * operator would, keeping each end's orientation on its leg. When that is out of reach, or no
 * higher, the straight move stays (the safety check judges it).
 */
export function approachPath(ctx: MotionContext, from: number[], to: number[]): number[][] {
  const model = ctx.model;
  const still = stillLinks(model, from, to);
  // The ends' own lowest points, counting the same moving links as the path does.
  const ends = Math.min(lowestAlong(model, still, from, to, 0), lowestAlong(model, still, to, from, 0));
  const direct = lowestAlong(model, still, from, to);
  if (direct >= ends - SAG) return [from, to];
  const a = ctx.ik.chain.pose(from),
    b = ctx.ik.chain.pose(to);
  const z = Math.max(a.position[2], b.position[2]) + TRANSIT_LIFT;
  const up = cartesianPath(ctx.ik, from, { position: [a.position[0], a.position[1], z], quaternion: a.quaternion }, { step: TRANSIT_STEP });
  // The descent is planned upwards from the start, so it ends in exactly the start configuration.
  const down = cartesianPath(ctx.ik, to, { position: [b.position[0], b.position[1], z], quaternion: b.quaternion }, { step: TRANSIT_STEP });
  if (!up.ok || !down.ok) return [from, to];
  const top = down.waypoints[down.waypoints.length - 1];
  const across = cartesianPath(
    ctx.ik,
    up.waypoints[up.waypoints.length - 1],
    { position: [b.position[0], b.position[1], z], quaternion: b.quaternion },
    { step: TRANSIT_STEP },
  );
  const path = [...up.waypoints, ...(across.ok ? across.waypoints.slice(1) : []), top, ...down.waypoints.slice(0, -1).reverse()];
  const clean = path.filter((q, i) => i === 0 || q.some((v, j) => Math.abs(v - path[i - 1][j]) > 1e-9));
  return lowestOfPath(model, still, clean) > direct + SAG ? clean : [from, to];
}
