/**
 * URDF parsing. One robot description feeds the sim (MJCF is generated from it), the
 * kinematics and the console. Any URDF given by path is accepted; Shammie-specific facts a
 * URDF cannot express (tool frame, gripper joint, home pose, acceleration limits) come from an
 * optional `<shammie>` element that other URDF tools ignore, with inferred defaults otherwise.
 */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { Vec3 } from '../math/transform.js';

export class UrdfError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`[urdf] ${message}`, options);
    this.name = 'UrdfError';
  }
}

export type Geometry =
  | { type: 'box'; size: Vec3 }
  | { type: 'cylinder'; radius: number; length: number }
  | { type: 'sphere'; radius: number }
  | { type: 'mesh'; filename: string; scale: Vec3 };

export interface Origin {
  xyz: Vec3;
  rpy: Vec3;
}

export interface GeometryElement {
  origin: Origin;
  geometry: Geometry;
  /** RGBA 0..1, from an inline or named material */
  rgba?: [number, number, number, number];
}

export interface Inertial {
  origin: Origin;
  mass: number;
  inertia: { ixx: number; ixy: number; ixz: number; iyy: number; iyz: number; izz: number };
}

export interface Link {
  name: string;
  visuals: GeometryElement[];
  collisions: GeometryElement[];
  inertial?: Inertial;
}

export type JointType = 'revolute' | 'continuous' | 'prismatic' | 'fixed' | 'floating' | 'planar';

export interface Joint {
  name: string;
  type: JointType;
  parent: string;
  child: string;
  origin: Origin;
  /** unit axis in the joint frame */
  axis: Vec3;
  /** radians or meters; velocity in rad/s or m/s; effort N·m or N */
  limit?: { lower: number; upper: number; velocity: number; effort: number };
  mimic?: { joint: string; multiplier: number; offset: number };
}

export interface ShammieExtras {
  tipLink?: string;
  home?: number[];
  gripper?: { joint: string; open: number; closed: number };
  /** rad/s^2 (or m/s^2) per joint name */
  acceleration: Record<string, number>;
}

export interface RobotDescription {
  name: string;
  links: Map<string, Link>;
  joints: Joint[];
  rootLink: string;
  extras: ShammieExtras;
  /** where it came from, for messages */
  source: string;
}

const num = z.coerce.number().refine(Number.isFinite, 'must be a finite number');

/**
 * An attribute's text. Attributes parse as strings (parseAttributeValue is off); a child element
 * of the same name would not, and shows as String() shows it, failing the number check after.
 */
function xmlText(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function parseVec(text: unknown, what: string, fallback: Vec3): Vec3 {
  if (text === undefined) return fallback;
  const s = xmlText(text);
  const parts = s.trim().split(/\s+/).map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v))) {
    throw new UrdfError(`${what}: expected three numbers, got "${s}"`);
  }
  return [parts[0], parts[1], parts[2]];
}

function asArray<T>(v: T | T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

type XmlNode = Record<string, unknown>;

function parseOrigin(node: XmlNode | undefined, what: string): Origin {
  return {
    xyz: parseVec(node?.xyz, `${what} origin xyz`, [0, 0, 0]),
    rpy: parseVec(node?.rpy, `${what} origin rpy`, [0, 0, 0]),
  };
}

function parseNumber(v: unknown, what: string): number {
  const r = num.safeParse(v);
  if (!r.success) throw new UrdfError(`${what}: expected a number, got "${String(v)}"`);
  return r.data;
}

function parseRgba(text: unknown, what: string): [number, number, number, number] {
  const parts = String(text).trim().split(/\s+/).map(Number);
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) {
    throw new UrdfError(`${what}: rgba needs four numbers, got "${String(text)}"`);
  }
  return [parts[0], parts[1], parts[2], parts[3]];
}

function parseGeometry(node: XmlNode | undefined, what: string): Geometry {
  if (!node) throw new UrdfError(`${what}: missing <geometry>`);
  const box = node.box as XmlNode | undefined;
  const cyl = node.cylinder as XmlNode | undefined;
  const sph = node.sphere as XmlNode | undefined;
  const mesh = node.mesh as XmlNode | undefined;
  if (box) return { type: 'box', size: parseVec(box.size, `${what} box size`, [0, 0, 0]) };
  if (cyl)
    return {
      type: 'cylinder',
      radius: parseNumber(cyl.radius, `${what} cylinder radius`),
      length: parseNumber(cyl.length, `${what} cylinder length`),
    };
  if (sph) return { type: 'sphere', radius: parseNumber(sph.radius, `${what} sphere radius`) };
  if (mesh) {
    if (typeof mesh.filename !== 'string') throw new UrdfError(`${what}: mesh needs a filename`);
    return { type: 'mesh', filename: mesh.filename, scale: parseVec(mesh.scale, `${what} mesh scale`, [1, 1, 1]) };
  }
  throw new UrdfError(`${what}: <geometry> must hold a box, cylinder, sphere or mesh`);
}

const JOINT_TYPES: readonly JointType[] = ['revolute', 'continuous', 'prismatic', 'fixed', 'floating', 'planar'];

/** Parse URDF text. `source` names the file in error messages. */
export function parseUrdf(text: string, source = '<string>'): RobotDescription {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new UrdfError(`${source}: not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name, _path, _leaf, isAttribute) =>
      !isAttribute && ['link', 'joint', 'visual', 'collision', 'material', 'acceleration'].includes(name),
  });
  const doc = parser.parse(text) as XmlNode;
  const robot = doc.robot as XmlNode | undefined;
  if (!robot || typeof robot !== 'object') throw new UrdfError(`${source}: no <robot> element; is this a URDF file?`);
  const name = typeof robot.name === 'string' ? robot.name : 'robot';

  const materials = new Map<string, [number, number, number, number]>();
  for (const m of asArray(robot.material as XmlNode[] | undefined)) {
    const color = m.color as XmlNode | undefined;
    if (typeof m.name === 'string' && color?.rgba !== undefined) materials.set(m.name, parseRgba(color.rgba, `material ${m.name}`));
  }

  const links = new Map<string, Link>();
  for (const l of asArray(robot.link as XmlNode[] | undefined)) {
    if (typeof l.name !== 'string' || !l.name) throw new UrdfError(`${source}: a <link> has no name`);
    if (links.has(l.name)) throw new UrdfError(`${source}: link "${l.name}" is defined twice`);
    const linkName = l.name; // checked a string above; the closure below would not see that narrowing
    const elem = (v: XmlNode, kind: string): GeometryElement => {
      const what = `link "${linkName}" ${kind}`;
      const out: GeometryElement = { origin: parseOrigin(v.origin as XmlNode, what), geometry: parseGeometry(v.geometry as XmlNode, what) };
      const mat = asArray(v.material as XmlNode[] | undefined)[0];
      if (mat) {
        const color = mat.color as XmlNode | undefined;
        if (color?.rgba !== undefined) out.rgba = parseRgba(color.rgba, what);
        else if (typeof mat.name === 'string' && materials.has(mat.name)) out.rgba = materials.get(mat.name);
      }
      return out;
    };
    const link: Link = {
      name: l.name,
      visuals: asArray(l.visual as XmlNode[] | undefined).map((v) => elem(v, 'visual')),
      collisions: asArray(l.collision as XmlNode[] | undefined).map((v) => elem(v, 'collision')),
    };
    const inertial = l.inertial as XmlNode | undefined;
    if (inertial) {
      const what = `link "${l.name}" inertial`;
      const inertia = (inertial.inertia ?? {}) as XmlNode;
      const mass = parseNumber((inertial.mass as XmlNode | undefined)?.value, `${what} mass`);
      if (mass < 0) throw new UrdfError(`${what}: mass must not be negative`);
      link.inertial = {
        origin: parseOrigin(inertial.origin as XmlNode, what),
        mass,
        inertia: {
          ixx: parseNumber(inertia.ixx ?? 0, `${what} ixx`),
          ixy: parseNumber(inertia.ixy ?? 0, `${what} ixy`),
          ixz: parseNumber(inertia.ixz ?? 0, `${what} ixz`),
          iyy: parseNumber(inertia.iyy ?? 0, `${what} iyy`),
          iyz: parseNumber(inertia.iyz ?? 0, `${what} iyz`),
          izz: parseNumber(inertia.izz ?? 0, `${what} izz`),
        },
      };
    }
    links.set(l.name, link);
  }
  if (links.size === 0) throw new UrdfError(`${source}: the robot has no links`);

  const joints: Joint[] = [];
  const seen = new Set<string>();
  const childOf = new Map<string, string>();
  for (const j of asArray(robot.joint as XmlNode[] | undefined)) {
    if (typeof j.name !== 'string' || !j.name) throw new UrdfError(`${source}: a <joint> has no name`);
    const what = `joint "${j.name}"`;
    if (seen.has(j.name)) throw new UrdfError(`${source}: ${what} is defined twice`);
    seen.add(j.name);
    const type = j.type as JointType;
    if (!JOINT_TYPES.includes(type))
      throw new UrdfError(`${source}: ${what} has type "${String(j.type)}"; expected one of ${JOINT_TYPES.join(', ')}`);
    const parent = (j.parent as XmlNode | undefined)?.link;
    const child = (j.child as XmlNode | undefined)?.link;
    if (typeof parent !== 'string' || !links.has(parent))
      throw new UrdfError(`${source}: ${what} has parent link "${String(parent)}", which is not defined`);
    if (typeof child !== 'string' || !links.has(child))
      throw new UrdfError(`${source}: ${what} has child link "${String(child)}", which is not defined`);
    if (childOf.has(child))
      throw new UrdfError(
        `${source}: link "${child}" is the child of two joints (${childOf.get(child)} and ${j.name}); URDF must be a tree`,
      );
    childOf.set(child, j.name);
    let axis = parseVec((j.axis as XmlNode | undefined)?.xyz, `${what} axis`, [1, 0, 0]);
    const n = Math.hypot(...axis);
    if (type !== 'fixed' && n < 1e-9) throw new UrdfError(`${source}: ${what} has a zero axis`);
    if (n > 0) axis = [axis[0] / n, axis[1] / n, axis[2] / n];
    const joint: Joint = { name: j.name, type, parent, child, origin: parseOrigin(j.origin as XmlNode, what), axis };
    const lim = j.limit as XmlNode | undefined;
    if (type === 'revolute' || type === 'prismatic') {
      if (!lim) throw new UrdfError(`${source}: ${what} is ${type} and needs a <limit>`);
      joint.limit = {
        lower: parseNumber(lim.lower ?? 0, `${what} limit lower`),
        upper: parseNumber(lim.upper ?? 0, `${what} limit upper`),
        velocity: parseNumber(lim.velocity, `${what} limit velocity`),
        effort: parseNumber(lim.effort ?? 0, `${what} limit effort`),
      };
      if (joint.limit.lower > joint.limit.upper)
        throw new UrdfError(`${source}: ${what} has lower limit ${joint.limit.lower} above upper ${joint.limit.upper}`);
      if (!(joint.limit.velocity > 0)) throw new UrdfError(`${source}: ${what} needs a positive velocity limit`);
    } else if (type === 'continuous' && lim) {
      joint.limit = {
        lower: -Infinity,
        upper: Infinity,
        velocity: parseNumber(lim.velocity, `${what} limit velocity`),
        effort: parseNumber(lim.effort ?? 0, `${what} limit effort`),
      };
    }
    const mimic = j.mimic as XmlNode | undefined;
    if (mimic) {
      if (typeof mimic.joint !== 'string') throw new UrdfError(`${source}: ${what} <mimic> needs a joint`);
      joint.mimic = {
        joint: mimic.joint,
        multiplier: parseNumber(mimic.multiplier ?? 1, `${what} mimic multiplier`),
        offset: parseNumber(mimic.offset ?? 0, `${what} mimic offset`),
      };
    }
    joints.push(joint);
  }
  for (const j of joints) {
    if (j.mimic && !seen.has(j.mimic.joint)) throw new UrdfError(`${source}: joint "${j.name}" mimics unknown joint "${j.mimic.joint}"`);
  }
  const roots = [...links.keys()].filter((l) => !childOf.has(l));
  if (roots.length !== 1) throw new UrdfError(`${source}: expected one root link, found ${roots.length} (${roots.join(', ')})`);

  const extras: ShammieExtras = { acceleration: {} };
  const sh = robot.shammie as XmlNode | undefined;
  if (sh && typeof sh === 'object') {
    if (typeof sh.tip_link === 'string') {
      if (!links.has(sh.tip_link)) throw new UrdfError(`${source}: <shammie tip_link="${sh.tip_link}"> names no link`);
      extras.tipLink = sh.tip_link;
    }
    if (typeof sh.home === 'string') {
      const home = sh.home.trim().split(/\s+/).map(Number);
      if (home.some((v) => !Number.isFinite(v))) throw new UrdfError(`${source}: <shammie home> must be numbers`);
      extras.home = home;
    }
    const g = sh.gripper as XmlNode | undefined;
    if (g) {
      if (typeof g.joint !== 'string' || !seen.has(g.joint))
        throw new UrdfError(`${source}: <shammie><gripper joint="${String(g.joint)}"> names no joint`);
      extras.gripper = { joint: g.joint, open: parseNumber(g.open, 'gripper open'), closed: parseNumber(g.closed, 'gripper closed') };
    }
    for (const a of asArray(sh.acceleration as XmlNode[] | undefined)) {
      if (typeof a.joint !== 'string' || !seen.has(a.joint))
        throw new UrdfError(`${source}: <shammie><acceleration joint="${String(a.joint)}"> names no joint`);
      const v = parseNumber(a.limit, `acceleration limit of ${a.joint}`);
      if (!(v > 0)) throw new UrdfError(`${source}: acceleration limit of ${a.joint} must be positive`);
      extras.acceleration[a.joint] = v;
    }
  }
  return { name, links, joints, rootLink: roots[0], extras, source };
}

export function loadUrdf(path: string): RobotDescription {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UrdfError(`cannot read URDF file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseUrdf(text, path);
}
