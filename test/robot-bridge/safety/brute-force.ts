/**
 * An independent, deliberately naive safety oracle for the guard's property tests: it samples
 * the collision geometry (box corners, cylinder rims, sphere bottoms) of every link that moves,
 * at every point and at fine joint-space steps in between, and recomputes every limit from the
 * URDF. It shares only forward kinematics with the code under test.
 */
import type { JointTrajectory } from '../../../robot-bridge/types.js';
import type { RobotModel } from '../../../model/description/robot-model.js';
import { fromXyzRpy, transformPoint, type Mat4, type Vec3 } from '../../../model/math/transform.js';

export interface OracleLimits {
  positionMargin: number;
  velocityFactor: number;
  accelerationFactor: number;
  maxStartDeviation: number;
  tableZ: number;
  armClearance: number;
  toolClearance: number;
  /** links allowed the tool clearance */
  toolLinks: Set<string>;
  workspace: { min: Vec3; max: Vec3 };
  /** joint-space step between geometry samples, rad */
  step: number;
}

/** The physical limits themselves, no margins: nothing accepted may break these (the joint limits come from the model checked against). */
export function hardLimits(): OracleLimits {
  return {
    positionMargin: 0,
    velocityFactor: 1,
    accelerationFactor: 1,
    maxStartDeviation: 0.05 + 1e-9,
    tableZ: 0,
    armClearance: 0,
    toolClearance: 0,
    toolLinks: new Set(),
    // The guard samples the tool centre at 0.02 rad steps; allow what can hide between samples.
    workspace: { min: [-0.305, -0.705, -0.015], max: [0.905, 0.705, 1.005] },
    step: 0.005,
  };
}

const samplesCache = new Map<string, WeakMap<RobotModel, { link: string; local: Vec3[] }[]>>();

/** Local sample points of each moving link's collision shapes (links found moving by trying). */
function linkSamples(model: RobotModel, rim = 32): { link: string; local: Vec3[] }[] {
  const key = String(rim);
  if (!samplesCache.has(key)) samplesCache.set(key, new WeakMap());
  let s = samplesCache.get(key)!.get(model);
  if (s) return s;
  const a = model.linkPoses(model.home, model.gripper?.open);
  const other = model.arm.map((j, i) => Math.min(j.upper, Math.max(j.lower, model.home[i] + 0.3)));
  const b = model.linkPoses(other, model.gripper?.closed);
  s = [];
  for (const [name, link] of model.description.links) {
    const pa = a.get(name)!,
      pb = b.get(name)!;
    if (pa.every((v, i) => Math.abs(v - pb[i]) < 1e-12)) continue; // static: the base on the table
    const local: Vec3[] = [];
    for (const c of link.collisions) {
      const o: Mat4 = fromXyzRpy(c.origin.xyz, c.origin.rpy);
      const g = c.geometry;
      const pts: Vec3[] = [];
      if (g.type === 'box') {
        for (const sx of [-1, 1])
          for (const sy of [-1, 1]) for (const sz of [-1, 1]) pts.push([(sx * g.size[0]) / 2, (sy * g.size[1]) / 2, (sz * g.size[2]) / 2]);
      } else if (g.type === 'cylinder') {
        for (let k = 0; k < rim; k++) {
          const th = (2 * Math.PI * k) / rim;
          for (const sz of [-1, 1]) pts.push([g.radius * Math.cos(th), g.radius * Math.sin(th), (sz * g.length) / 2]);
        }
      } else if (g.type === 'sphere') {
        // a shell of points (the lowest point of a sphere is below its centre, wherever that maps locally)
        const rings = Math.max(4, rim / 4);
        for (let i = 0; i <= rings; i++)
          for (let k = 0; k < 2 * rings; k++) {
            const ph = (Math.PI * i) / rings,
              th = (Math.PI * k) / rings;
            pts.push([g.radius * Math.sin(ph) * Math.cos(th), g.radius * Math.sin(ph) * Math.sin(th), g.radius * Math.cos(ph)]);
          }
      } else {
        pts.push([0, 0, 0]);
      }
      for (const p of pts) local.push(transformPoint(o, p));
    }
    if (local.length) s.push({ link: name, local });
  }
  samplesCache.get(key)!.set(model, s);
  return s;
}

/**
 * Lowest sampled point (world z, m) over all moving links at q — for finding test fixtures
 * without trusting the code under test. `rim`: points per cylinder rim (fewer = faster, coarser).
 */
export function sampledLowestZ(model: RobotModel, q: number[], rim = 16, gripper?: number): number {
  return Math.min(...sampledLowestByLink(model, q, rim, gripper).values());
}

/** Per moving link: its lowest sampled point (world z, m). */
export function sampledLowestByLink(model: RobotModel, q: number[], rim = 16, gripper?: number): Map<string, number> {
  const poses = model.linkPoses(q, gripper);
  const out = new Map<string, number>();
  for (const { link, local } of linkSamples(model, rim)) {
    const m = poses.get(link)!;
    let z = Infinity;
    for (const p of local) z = Math.min(z, m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14]);
    out.set(link, z);
  }
  return out;
}

/** The tool links by the spec: everything mounted after the last arm joint's link (hand, fingers, tool frames). */
export const TOOL_LINKS = new Set([
  'panda_link8',
  'panda_hand',
  'panda_leftfinger',
  'panda_rightfinger',
  'panda_tcp',
  'tool0',
  'gripper_base',
  'gripper_finger_left',
  'gripper_finger_right',
  'tcp',
]);

/**
 * The guard's own policy (default config), less what can hide between its samples (3 mm, 5 mm
 * for the workspace): nothing the guard accepts may break this either.
 */
export function policyLimits(): OracleLimits {
  return {
    ...hardLimits(),
    positionMargin: 0.02 - 1e-9,
    velocityFactor: 0.95 * (1 + 1e-9),
    accelerationFactor: 0.95 * (1 + 1e-9),
    armClearance: 0.02 - 0.003,
    toolClearance: 0,
    toolLinks: TOOL_LINKS,
  };
}

/** Everything wrong with the trajectory under `lim`, as short strings; [] when it is fine. */
export function bruteForceViolations(
  traj: JointTrajectory,
  model: RobotModel,
  currentQ: number[],
  lim: OracleLimits,
  gripper?: number,
): string[] {
  const out: string[] = [];
  const n = model.dof;
  if (JSON.stringify(traj.jointNames) !== JSON.stringify(model.jointNames)) return ['names'];
  const P = traj.points;
  if (P.length === 0) return ['empty'];
  for (const p of P) {
    if (p.positions.length !== n || !p.positions.every(Number.isFinite)) return ['positions shape'];
    if (p.velocities && (p.velocities.length !== n || !p.velocities.every(Number.isFinite))) return ['velocities shape'];
    if (p.accelerations && (p.accelerations.length !== n || !p.accelerations.every(Number.isFinite))) return ['accelerations shape'];
    if (!Number.isFinite(p.timeFromStart)) return ['time not finite'];
  }
  if (P[0].timeFromStart < 0) return ['negative time'];
  for (let k = 1; k < P.length; k++) if (!(P[k].timeFromStart > P[k - 1].timeFromStart)) return ['time not increasing'];

  for (let j = 0; j < n; j++) if (Math.abs(P[0].positions[j] - currentQ[j]) > lim.maxStartDeviation) out.push(`start j${j}`);

  model.arm.forEach((J, j) => {
    const vmax = J.velocity * lim.velocityFactor,
      amax = J.acceleration * lim.accelerationFactor;
    P.forEach((p, k) => {
      const q = p.positions[j];
      if (q < J.lower + lim.positionMargin || q > J.upper - lim.positionMargin) out.push(`position j${j} @${k}`);
      if (p.velocities && Math.abs(p.velocities[j]) > vmax) out.push(`given velocity j${j} @${k}`);
      if (p.accelerations && Math.abs(p.accelerations[j]) > amax) out.push(`given acceleration j${j} @${k}`);
      if (k + 1 < P.length && Math.abs(P[k + 1].positions[j] - q) / (P[k + 1].timeFromStart - p.timeFromStart) > vmax)
        out.push(`velocity j${j} @${k}`);
      // second divided difference (with rest before the first point and after the last)
      let a: number;
      if (P.length === 1) a = 0;
      else if (k === 0) {
        const h = P[1].timeFromStart - p.timeFromStart;
        a = (2 * (P[1].positions[j] - q)) / (h * h);
      } else if (k === P.length - 1) {
        const h = p.timeFromStart - P[k - 1].timeFromStart;
        a = (2 * (P[k - 1].positions[j] - q)) / (h * h);
      } else {
        const h1 = p.timeFromStart - P[k - 1].timeFromStart,
          h2 = P[k + 1].timeFromStart - p.timeFromStart;
        a = (2 * (h1 * P[k + 1].positions[j] - (h1 + h2) * q + h2 * P[k - 1].positions[j])) / (h1 * h2 * (h1 + h2));
      }
      if (Math.abs(a) > amax) out.push(`acceleration j${j} @${k}`);
    });
  });

  const samples = linkSamples(model);
  const probe = (q: number[], where: string) => {
    const poses = model.linkPoses(q, gripper);
    for (const { link, local } of samples) {
      const m = poses.get(link)!;
      const need = lim.tableZ + (lim.toolLinks.has(link) ? lim.toolClearance : lim.armClearance);
      for (const p of local) {
        if (transformPoint(m, p)[2] < need) {
          out.push(`table ${link} ${where}`);
          break;
        }
      }
    }
    const tip = poses.get(model.tipLink)!;
    for (let a = 0; a < 3; a++)
      if (tip[12 + a] < lim.workspace.min[a] || tip[12 + a] > lim.workspace.max[a]) out.push(`workspace ${'xyz'[a]} ${where}`);
  };
  for (let k = 0; k < P.length; k++) {
    probe(P[k].positions, `@${k}`);
    if (k + 1 < P.length) {
      const A = P[k].positions,
        B = P[k + 1].positions;
      const steps = Math.ceil(Math.max(...A.map((x, i) => Math.abs(B[i] - x))) / lim.step);
      for (let s = 1; s < steps; s++)
        probe(
          A.map((x, i) => x + ((B[i] - x) * s) / steps),
          `@${k}+${s}/${steps}`,
        );
    }
  }
  return out;
}
