/**
 * Whole-trajectory safety check, pure: the guard runs it before sending anything, the planner
 * preview runs it to mark unsafe steps. Written independently of the trajectory generator on
 * purpose (a second opinion). Every message is meant for a person.
 *
 * Checked: joint names, shape and finiteness, strictly increasing time, start near the measured
 * state, position limits minus a margin, velocity and acceleration (given values and finite
 * differences of positions, at rest before and after) against factor × limit, collision geometry
 * of moving links above the table top with a clearance (smaller for tool links), and the tool
 * centre inside a workspace box; geometry also between points that are far apart.
 *
 * Units: rad, rad/s, rad/s² (m for prismatic joints), meters, seconds. World frame: z up,
 * z = tableZ is the table top, robot base at the origin.
 */
import type { JointTrajectory } from '../types.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import type { Geometry } from '../../model/description/urdf.js';
import { fromXyzRpy, multiply, type Mat4 } from '../../model/math/transform.js';
import { parseSafetyConfig, type SafetyConfig, type SafetyConfigInput } from './config.js';

export type ViolationKind =
  | 'joint_names'
  | 'empty'
  | 'malformed'
  | 'non_finite'
  | 'time'
  | 'start_jump'
  | 'position_limit'
  | 'velocity_limit'
  | 'acceleration_limit'
  | 'table'
  | 'workspace';

export interface Violation {
  kind: ViolationKind;
  /** one sentence for a person */
  message: string;
  /** seconds from the trajectory start, when it applies */
  time?: number;
  /** index of the trajectory point, when it applies */
  point?: number;
  joint?: string;
  link?: string;
  /** the offending value and the limit it breaks, in the unit of the check */
  value?: number;
  limit?: number;
}

export type CheckResult = { ok: true } | { ok: false; reason: string; violations: Violation[] };

export interface CheckOptions {
  /** gripper joint value for finger geometry (default: open) */
  gripper?: number;
}

/** Which order to report problems in: the ones that explain the others first. */
const PRIORITY: ViolationKind[] = [
  'joint_names',
  'empty',
  'malformed',
  'non_finite',
  'time',
  'start_jump',
  'position_limit',
  'table',
  'workspace',
  'velocity_limit',
  'acceleration_limit',
];

export function checkTrajectory(
  traj: JointTrajectory,
  model: RobotModel,
  config: SafetyConfigInput | SafetyConfig = {},
  currentQ: ArrayLike<number>,
  opts: CheckOptions = {},
): CheckResult {
  const cfg = parseSafetyConfig(config);
  const structural = checkStructure(traj, model);
  if (structural.length) return fail(structural);

  const v: Violation[] = [];
  checkStart(traj, model, cfg, currentQ, v);
  checkPositions(traj, model, cfg, v);
  checkDynamics(traj, model, cfg, v);
  checkGeometry(traj, model, cfg, opts.gripper ?? model.gripper?.open ?? 0, v);
  return v.length ? fail(v) : { ok: true };
}

function fail(violations: Violation[]): CheckResult {
  const sorted = [...violations].sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind));
  const more = sorted.length - 1;
  const reason = more > 0 ? `${sorted[0].message}; and ${more} more problem${more > 1 ? 's' : ''}` : sorted[0].message;
  return { ok: false, reason, violations: sorted };
}

const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const at = (t: number) => `t=${f2(t)} s`;
const unitOf = (model: RobotModel, j: number) => (model.arm[j].type === 'prismatic' ? 'm' : 'rad');

const SINGULAR: Record<string, string> = { positions: 'position', velocities: 'velocity', accelerations: 'acceleration' };

// ---------------------------------------------------------------------------------------------
// Structure: names, shapes, finite numbers, time. Nothing else is meaningful if these fail.

function checkStructure(traj: JointTrajectory, model: RobotModel): Violation[] {
  const want = model.jointNames;
  const names = Array.isArray(traj?.jointNames) ? traj.jointNames : [];
  if (names.length !== want.length || names.some((n, i) => n !== want[i])) {
    const missing = want.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !want.includes(n));
    const detail =
      missing.length || extra.length
        ? [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unknown ${extra.join(', ')}` : '']
            .filter(Boolean)
            .join('; ')
        : 'same joints in a different order';
    return [
      {
        kind: 'joint_names',
        message: `the trajectory is for joints [${names.join(', ')}] but the arm's joints are [${want.join(', ')}] (${detail})`,
      },
    ];
  }
  const pts = Array.isArray(traj.points) ? traj.points : [];
  if (pts.length === 0) return [{ kind: 'empty', message: 'the trajectory has no points' }];

  const n = want.length;
  const out: Violation[] = [];
  for (let k = 0; k < pts.length && out.length < 5; k++) {
    const p = pts[k];
    const fields: [string, unknown][] = [
      ['positions', p?.positions],
      ['velocities', p?.velocities],
      ['accelerations', p?.accelerations],
    ];
    for (const [field, arr] of fields) {
      if (arr === undefined && field !== 'positions') continue;
      if (!Array.isArray(arr)) {
        out.push({
          kind: 'malformed',
          point: k,
          message: `point ${k}: ${field} must be an array of ${n} numbers (got ${arr === undefined ? 'nothing' : ((arr as object)?.constructor?.name ?? typeof arr)})`,
        });
        continue;
      }
      if (arr.length !== n) {
        out.push({ kind: 'malformed', point: k, message: `point ${k} has ${arr.length} ${field} but the arm has ${n} joints` });
        continue;
      }
      for (let j = 0; j < n; j++) {
        const x = arr[j];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          out.push({
            kind: 'non_finite',
            point: k,
            joint: want[j],
            message: `point ${k} has a non-finite ${SINGULAR[field]} for ${want[j]} (${String(x)})`,
          });
          break;
        }
      }
    }
    if (typeof p?.timeFromStart !== 'number' || !Number.isFinite(p.timeFromStart)) {
      out.push({ kind: 'non_finite', point: k, message: `point ${k} has a non-finite time (${String(p?.timeFromStart)})` });
    }
  }
  if (out.length) return out;

  if (pts[0].timeFromStart < 0)
    return [
      {
        kind: 'time',
        point: 0,
        time: pts[0].timeFromStart,
        message: `the first point is at ${at(pts[0].timeFromStart)}; time must not be negative`,
      },
    ];
  for (let k = 1; k < pts.length; k++) {
    const a = pts[k - 1].timeFromStart,
      b = pts[k].timeFromStart;
    if (b < a) return [{ kind: 'time', point: k, time: b, message: `time goes backwards at point ${k}: ${at(b)} comes after ${at(a)}` }];
    if (b === a) return [{ kind: 'time', point: k, time: b, message: `time does not advance at point ${k}: two points at ${at(b)}` }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------

function checkStart(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, currentQ: ArrayLike<number>, out: Violation[]): void {
  const n = model.dof;
  if (!currentQ || currentQ.length !== n || Array.from(currentQ).some((x) => !Number.isFinite(x))) {
    out.push({
      kind: 'start_jump',
      message: `the current joint state is unknown (got ${currentQ ? currentQ.length : 0} values, not ${n} finite numbers), so the start cannot be checked`,
    });
    return;
  }
  const first = traj.points[0].positions;
  let worst = -1,
    dev = 0;
  for (let j = 0; j < n; j++) {
    const d = Math.abs(first[j] - currentQ[j]);
    if (d > dev) {
      dev = d;
      worst = j;
    }
  }
  if (dev > cfg.maxStartDeviation) {
    const u = unitOf(model, worst);
    out.push({
      kind: 'start_jump',
      point: 0,
      time: traj.points[0].timeFromStart,
      joint: model.jointNames[worst],
      value: dev,
      limit: cfg.maxStartDeviation,
      message: `the trajectory starts ${f2(dev)} ${u} away from where ${model.jointNames[worst]} is now (${f2(first[worst])} ${u} instead of ${f2(currentQ[worst])} ${u}); it must start within ${f2(cfg.maxStartDeviation)} ${u} of the current position`,
    });
  }
}

function checkPositions(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, out: Violation[]): void {
  const m = cfg.positionMargin;
  model.arm.forEach((joint, j) => {
    // Worst excursion per joint: how far past (limit − margin) it goes.
    let worst = 0,
      wk = -1,
      side: 'lower' | 'upper' = 'upper';
    traj.points.forEach((p, k) => {
      const q = p.positions[j];
      const over = q - (joint.upper - m),
        under = joint.lower + m - q;
      if (over > worst) {
        worst = over;
        wk = k;
        side = 'upper';
      }
      if (under > worst) {
        worst = under;
        wk = k;
        side = 'lower';
      }
    });
    if (wk < 0) return;
    const q = traj.points[wk].positions[j];
    const t = traj.points[wk].timeFromStart;
    const lim = side === 'upper' ? joint.upper : joint.lower;
    const u = unitOf(model, j);
    const beyond = side === 'upper' ? q > lim : q < lim;
    out.push({
      kind: 'position_limit',
      point: wk,
      time: t,
      joint: joint.name,
      value: q,
      limit: lim,
      message: beyond
        ? `${joint.name} would reach ${f2(q)} ${u} at ${at(t)}, beyond its limit ${f2(lim)} ${u} (margin ${f2(m)})`
        : `${joint.name} would reach ${f2(q)} ${u} at ${at(t)}, inside the ${f2(m)} ${u} safety margin of its limit ${f2(lim)} ${u}`,
    });
  });
}

/**
 * Velocity: given values and finite differences per interval. Acceleration: given values and
 * the change of finite-difference velocity over the mean of the adjacent intervals, with the
 * robot at rest before the first point and after the last (a trajectory that starts or ends at
 * speed is an acceleration spike).
 */
function checkDynamics(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, out: Violation[]): void {
  const pts = traj.points;
  model.arm.forEach((joint, j) => {
    const vlim = joint.velocity * cfg.velocityFactor;
    const alim = joint.acceleration * cfg.accelerationFactor;
    let vWorst = 0,
      vT = 0,
      vK = -1;
    let aWorst = 0,
      aT = 0,
      aK = -1;
    const seeV = (v: number, k: number) => {
      if (Math.abs(v) > Math.abs(vWorst)) {
        vWorst = v;
        vK = k;
        vT = pts[k].timeFromStart;
      }
    };
    const seeA = (a: number, k: number) => {
      if (Math.abs(a) > Math.abs(aWorst)) {
        aWorst = a;
        aK = k;
        aT = pts[k].timeFromStart;
      }
    };
    let vPrev = 0,
      hPrev = 0;
    for (let k = 0; k < pts.length; k++) {
      if (pts[k].velocities) seeV(pts[k].velocities![j], k);
      if (pts[k].accelerations) seeA(pts[k].accelerations![j], k);
      if (k + 1 < pts.length) {
        const h = pts[k + 1].timeFromStart - pts[k].timeFromStart;
        const v = (pts[k + 1].positions[j] - pts[k].positions[j]) / h;
        seeV(v, k);
        seeA((v - vPrev) / ((h + hPrev) / 2), k);
        vPrev = v;
        hPrev = h;
      } else if (k > 0) {
        seeA((0 - vPrev) / (hPrev / 2), k);
      }
    }
    const u = unitOf(model, j);
    if (vK >= 0 && Math.abs(vWorst) > vlim) {
      out.push({
        kind: 'velocity_limit',
        point: vK,
        time: vT,
        joint: joint.name,
        value: Math.abs(vWorst),
        limit: vlim,
        message: `${joint.name} would move at ${f2(Math.abs(vWorst))} ${u}/s at ${at(vT)}, faster than its limit ${f2(vlim)} ${u}/s (${Math.round(cfg.velocityFactor * 100)}% of ${f2(joint.velocity)} ${u}/s)`,
      });
    }
    if (aK >= 0 && Math.abs(aWorst) > alim) {
      out.push({
        kind: 'acceleration_limit',
        point: aK,
        time: aT,
        joint: joint.name,
        value: Math.abs(aWorst),
        limit: alim,
        message: `${joint.name} would accelerate at ${f2(Math.abs(aWorst))} ${u}/s² at ${at(aT)}, more than its limit ${f2(alim)} ${u}/s² (${Math.round(cfg.accelerationFactor * 100)}% of ${f2(joint.acceleration)} ${u}/s²)`,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Geometry: collision shapes of moving links vs the table top, tool centre vs the workspace.

interface LinkGeometry {
  link: string;
  elements: { origin: Mat4; geometry: Geometry }[];
  /** mounted after the last arm joint's link (hand, fingers, tool) */
  tool: boolean;
}

const MAX_SUBSTEPS = 2000;

const geometryCache = new WeakMap<RobotModel, { links: LinkGeometry[]; toolDefault: Set<string> }>();

function modelGeometry(model: RobotModel) {
  let g = geometryCache.get(model);
  if (g) return g;
  const d = model.description;
  const byChild = new Map(d.joints.map((j) => [j.child, j]));
  // A link moves if any non-fixed joint lies between it and the root; static links (the base)
  // sit on the table by design and are not checked.
  const moves = (link: string): boolean => {
    for (let l = link; byChild.has(l); l = byChild.get(l)!.parent) if (byChild.get(l)!.type !== 'fixed') return true;
    return false;
  };
  const lastArmLink = d.joints.find((j) => j.name === model.arm[model.arm.length - 1].name)!.child;
  const toolDefault = new Set<string>();
  for (const link of d.links.keys()) {
    for (let l = link; byChild.has(l); l = byChild.get(l)!.parent) {
      if (byChild.get(l)!.parent === lastArmLink) {
        toolDefault.add(link);
        break;
      }
    }
  }
  const links: LinkGeometry[] = [];
  for (const [name, link] of d.links) {
    if (!link.collisions.length || !moves(name)) continue;
    links.push({
      link: name,
      tool: toolDefault.has(name),
      elements: link.collisions.map((c) => ({ origin: fromXyzRpy(c.origin.xyz, c.origin.rpy), geometry: c.geometry })),
    });
  }
  g = { links, toolDefault };
  geometryCache.set(model, g);
  return g;
}

/** Lowest world z of a shape placed at pose `m` (column-major). Meshes count as their origin point. */
function lowestZ(m: Mat4, g: Geometry): number {
  const cz = m[14];
  switch (g.type) {
    case 'sphere':
      return cz - g.radius;
    case 'box':
      return cz - (Math.abs(m[2]) * g.size[0] + Math.abs(m[6]) * g.size[1] + Math.abs(m[10]) * g.size[2]) / 2;
    case 'cylinder': {
      // axis = local z; the rim's lowest point is r·sqrt(1 − az²) below the end-cap centre
      const az = m[10];
      return cz - (Math.abs(az) * g.length) / 2 - g.radius * Math.sqrt(Math.max(0, 1 - az * az));
    }
    case 'mesh':
      return cz;
  }
}

function checkGeometry(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, gripper: number, out: Violation[]): void {
  const { links, toolDefault } = modelGeometry(model);
  const toolSet = cfg.toolLinks ? new Set(cfg.toolLinks) : toolDefault;
  const clearance = links.map((l) => (toolSet.has(l.link) ? cfg.toolClearance : cfg.armClearance));
  const tableWorst = links.map(() => ({ deficit: 0, z: 0, t: 0, k: -1 }));
  const axes = ['x', 'y', 'z'] as const;
  // per axis and side: worst excursion outside the box
  const wsWorst = axes.map(() => ({ excess: 0, value: 0, bound: 0, side: '>' as '>' | '<', t: 0, k: -1 }));
  const tmp = new Float64Array(16);

  const probe = (q: number[], t: number, k: number) => {
    const poses = model.linkPoses(q, gripper);
    links.forEach((l, i) => {
      const pose = poses.get(l.link)!;
      let zmin = Infinity;
      for (const e of l.elements) zmin = Math.min(zmin, lowestZ(multiply(pose, e.origin, tmp), e.geometry));
      const deficit = cfg.tableZ + clearance[i] - zmin;
      if (deficit > tableWorst[i].deficit) tableWorst[i] = { deficit, z: zmin, t, k };
    });
    const tip = poses.get(model.tipLink)!;
    for (let a = 0; a < 3; a++) {
      const p = tip[12 + a];
      const over = p - cfg.workspace.max[a],
        under = cfg.workspace.min[a] - p;
      if (over > wsWorst[a].excess) wsWorst[a] = { excess: over, value: p, bound: cfg.workspace.max[a], side: '>', t, k };
      if (under > wsWorst[a].excess) wsWorst[a] = { excess: under, value: p, bound: cfg.workspace.min[a], side: '<', t, k };
    }
  };

  const pts = traj.points;
  for (let k = 0; k < pts.length; k++) {
    probe(pts[k].positions, pts[k].timeFromStart, k);
    if (k + 1 < pts.length) {
      // Far-apart points: the controller interpolates between them, so check in between too.
      const a = pts[k].positions,
        b = pts[k + 1].positions;
      let span = 0;
      for (let j = 0; j < a.length; j++) span = Math.max(span, Math.abs(b[j] - a[j]));
      // Capped so absurd input (already refused by the position check) cannot stall the check:
      // 2000 steps cover 40 rad at the default step, more than any joint range.
      const steps = Math.min(MAX_SUBSTEPS, Math.ceil(span / cfg.interpolationStep));
      for (let s = 1; s < steps; s++) {
        const f = s / steps;
        probe(
          a.map((x, j) => x + f * (b[j] - x)),
          pts[k].timeFromStart + f * (pts[k + 1].timeFromStart - pts[k].timeFromStart),
          k,
        );
      }
    }
  }

  links.forEach((l, i) => {
    const w = tableWorst[i];
    if (w.k < 0) return;
    const below = cfg.tableZ - w.z;
    out.push({
      kind: 'table',
      link: l.link,
      point: w.k,
      time: w.t,
      value: w.z,
      limit: cfg.tableZ + clearance[i],
      message:
        below > 0
          ? `${l.link} would go ${f3(below)} m below the table top at ${at(w.t)}`
          : `${l.link} would come within ${f3(-below)} m of the table top at ${at(w.t)} (it must stay ${f3(clearance[i])} m above it)`,
    });
  });
  wsWorst.forEach((w, a) => {
    if (w.k < 0) return;
    out.push({
      kind: 'workspace',
      link: model.tipLink,
      point: w.k,
      time: w.t,
      value: w.value,
      limit: w.bound,
      message: `the gripper would leave the workspace (${axes[a]} ${f2(w.value)} m ${w.side} ${f2(w.bound)} m) at ${at(w.t)}`,
    });
  });
}

/** Lowest point of each moving link's collision geometry at one configuration (m, world z); for tests and tools. */
export function lowestLinkPoints(model: RobotModel, q: ArrayLike<number>, gripper?: number): Map<string, number> {
  const { links } = modelGeometry(model);
  const poses = model.linkPoses(q, gripper);
  const out = new Map<string, number>();
  const tmp = new Float64Array(16);
  for (const l of links) {
    let zmin = Infinity;
    for (const e of l.elements) zmin = Math.min(zmin, lowestZ(multiply(poses.get(l.link)!, e.origin, tmp), e.geometry));
    out.set(l.link, zmin);
  }
  return out;
}

/** Links that count as tool links by default (mounted after the last arm joint's link). */
export function defaultToolLinks(model: RobotModel): string[] {
  return [...modelGeometry(model).toolDefault];
}
