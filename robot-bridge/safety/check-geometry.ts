/**
 * Geometry checks of a well-formed trajectory: the collision shapes of moving links against the
 * table top with a clearance (smaller for tool links), and the tool centre inside a workspace
 * box; also between points that are far apart.
 *
 * Units: meters, rad, seconds. World frame: z up, z = tableZ is the table top, robot base at
 * the origin.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { Geometry } from '../../model/description/urdf.js';
import { fromXyzRpy, multiply, type Mat4 } from '../../model/math/transform.js';
import type { JointTrajectory } from '../types.js';
import type { SafetyConfig } from './config.js';
import { at, f2, f3, type Violation } from './violation.js';

interface LinkGeometry {
  link: string;
  elements: { origin: Mat4; geometry: Geometry }[];
  /** mounted after the last arm joint's link (hand, fingers, tool) */
  tool: boolean;
}

const MAX_SUBSTEPS = 2000;

const geometryCache = new WeakMap<RobotModel, { links: LinkGeometry[]; toolDefault: Set<string> }>();

/** The moving links' collision shapes and the default tool links, worked out once per model. */
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

/** Each moving link's worst approach to the table top, and the tool centre's worst excursion from the workspace box. */
export function checkGeometry(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, gripper: number, out: Violation[]): void {
  const { links, toolDefault } = modelGeometry(model);
  const toolSet = cfg.toolLinks ? new Set(cfg.toolLinks) : toolDefault;
  const clearance = links.map((l) => (toolSet.has(l.link) ? cfg.toolClearance : cfg.armClearance));
  const tableWorst = links.map(() => ({ deficit: 0, z: 0, t: 0, k: -1 }));
  const axes = ['x', 'y', 'z'] as const;
  // per axis and side: worst excursion outside the box
  const wsWorst = axes.map((): { excess: number; value: number; bound: number; side: '>' | '<'; t: number; k: number } => ({
    excess: 0,
    value: 0,
    bound: 0,
    side: '>',
    t: 0,
    k: -1,
  }));
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
