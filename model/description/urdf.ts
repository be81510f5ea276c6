/**
 * URDF parsing. One robot description feeds the sim (MJCF is generated from it), the
 * kinematics and the console. Any URDF given by path is accepted; Shammie-specific facts a
 * URDF cannot express (tool frame, gripper joint, home pose, acceleration limits) come from an
 * optional `<shammie>` element that other URDF tools ignore, with inferred defaults otherwise.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
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
  /**
   * What the operator must be told at start, one line each: the limits that were missing or out of
   * bounds and what stands in for them (only with `allowBadLimits`).
   */
  warnings: string[];
}

export interface UrdfOptions {
  /**
   * Accept joint limits that are missing or beyond LIMIT_BOUNDS (the operator's explicit
   * override, `--allow-bad-limits`): a missing limit gets MISSING_LIMIT_DEFAULTS, one beyond the
   * bounds is clamped to them, and each is listed in `warnings`. Off: such a URDF is refused.
   */
  allowBadLimits?: boolean;
}

/**
 * How big a URDF may be. Real arm descriptions without inline meshes are tens of KB (the shipped
 * Panda 11 KB, UR5e 9 KB; a xacro-expanded dual-arm cell a few hundred KB), so 2 MiB leaves room
 * while bounding memory and parse time (a 17 MB file with 80,000 joints took minutes and 0.5 GB).
 */
export const URDF_CAPS = {
  /** bytes of the file or robot_description text */
  bytes: 2 * 1024 * 1024,
  /** XML tags of any kind ('<' characters): 64 links with visuals, collisions and inertials need about 2,500 */
  tags: 20_000,
  /** element nesting: robot > link > visual > geometry > mesh is 5; gazebo/transmission blocks reach ~7 */
  depth: 16,
  /**
   * Links, and joints (a tree has one fewer). The shipped arms have 13 links with their grippers;
   * a mount, a camera and a bigger hand stay under 40. The planning scene's first build grows with
   * the square of this (64 links with two boxes each: about 15 s once, then cached; 256: minutes).
   */
  links: 64,
  joints: 64,
  /** joints from the root to the farthest link: a 7-joint arm with a hand is about 12; MuJoCo nests one body per joint */
  chain: 32,
  /** visual or collision elements of one link */
  geometriesPerLink: 32,
  /** collision elements in all (the shipped arms have 10 and 15): each becomes spheres checked pairwise */
  collisions: 128,
  /** characters of a link, joint or robot name */
  name: 200,
} as const;

/**
 * Physical bounds on joint limits. A URDF that claims more is wrong (or hostile): beyond these the
 * planner, the guard and the sim would trust numbers no arm has.
 */
export const LIMIT_BOUNDS = {
  /**
   * rad, each of lower and upper: two turns each way. The widest arm joints are UR's ±2π and
   * some industrial wrists' ±450°..±720°; the cable routing of any arm stops well short of more.
   */
  revolutePosition: 4 * Math.PI,
  /**
   * rad/s: collaborative arms are rated 2-3.2 rad/s (Panda 2.61, UR5e π), the fastest small
   * industrial wrists about 13 rad/s (720°/s); 20 rad/s is beyond any arm this stack drives.
   */
  revoluteVelocity: 20,
  /** m, each of lower and upper: grippers and lift axes travel under 1 m, linear tracks a few meters */
  prismaticPosition: 3,
  /** m/s: gripper fingers move about 0.1 m/s, linear axes and tracks up to about 3 m/s */
  prismaticVelocity: 5,
  /** rad/s² or m/s², of <shammie><acceleration>: arms are rated 7.5-40 rad/s² (Panda 7.5-20) */
  acceleration: 100,
  /** m: any origin offset or geometry size; an arm description spans a couple of meters */
  length: 100,
  /** rad: an origin's roll, pitch or yaw (±π reaches every orientation) */
  angle: 4 * Math.PI,
  /** kg, one link */
  mass: 10_000,
} as const;

/**
 * What stands in for a missing limit under `allowBadLimits`: slow and narrow on purpose, so an arm
 * whose URDF lacks its numbers moves at a walking-pace fraction of any real arm's rated speed.
 */
export const MISSING_LIMIT_DEFAULTS = {
  /** rad: a quarter turn each way around zero */
  revolute: { lower: -Math.PI / 2, upper: Math.PI / 2 },
  /** m */
  prismatic: { lower: 0, upper: 0.05 },
  /** rad/s, a quarter of the Panda's slowest rated joint speed */
  revoluteVelocity: 0.5,
  /** m/s */
  prismaticVelocity: 0.05,
} as const;

/** The CLI flag named in refusals; the launch layer defines it. */
const OVERRIDE_FLAG = '--allow-bad-limits';

const num = z.coerce.number().refine(Number.isFinite, 'must be a finite number');

/**
 * An attribute's text. Attributes parse as strings (parseAttributeValue is off); a child element
 * of the same name would not, and shows as String() shows it, failing the number check after.
 */
function xmlText(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

/** User text quoted in a message: one line, at most 60 characters. */
function clip(v: unknown): string {
  // Control characters (newlines above all) become spaces: a refusal stays on one line.
  const s = [...xmlText(v).slice(0, 200)].map((c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('');
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseVec(text: unknown, what: string, fallback: Vec3, limit: number, unit: string): Vec3 {
  if (text === undefined) return fallback;
  const s = xmlText(text);
  // Three numbers are at most a few dozen characters; a longer text is refused before splitting it.
  const parts = s.length > 200 ? [] : s.trim().split(/\s+/).map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v))) {
    throw new UrdfError(`${what}: expected three numbers, got "${clip(s)}"`);
  }
  if (parts.some((v) => Math.abs(v) > limit))
    throw new UrdfError(`${what}: ${parts.join(' ')} is beyond ±${bound(limit)} ${unit}; correct the URDF`);
  return [parts[0], parts[1], parts[2]];
}

function asArray<T>(v: T | T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

type XmlNode = Record<string, unknown>;

function parseOrigin(node: XmlNode | undefined, what: string): Origin {
  return {
    xyz: parseVec(node?.xyz, `${what} origin xyz`, [0, 0, 0], LIMIT_BOUNDS.length, 'm'),
    rpy: parseVec(node?.rpy, `${what} origin rpy`, [0, 0, 0], LIMIT_BOUNDS.angle, 'rad'),
  };
}

function parseNumber(v: unknown, what: string): number {
  const r = num.safeParse(v);
  if (!r.success) throw new UrdfError(`${what}: expected a number, got "${clip(v)}"`);
  return r.data;
}

/** A size in meters: finite, not negative, within LIMIT_BOUNDS.length. */
function parseLength(v: unknown, what: string): number {
  const x = parseNumber(v, what);
  if (x < 0 || x > LIMIT_BOUNDS.length) throw new UrdfError(`${what}: ${x} m is outside 0..${LIMIT_BOUNDS.length} m`);
  return x;
}

function parseRgba(text: unknown, what: string): [number, number, number, number] {
  const s = xmlText(text);
  const parts = s.length > 200 ? [] : s.trim().split(/\s+/).map(Number);
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) {
    throw new UrdfError(`${what}: rgba needs four numbers, got "${clip(s)}"`);
  }
  return [parts[0], parts[1], parts[2], parts[3]];
}

function parseGeometry(node: XmlNode | undefined, what: string): Geometry {
  if (!node) throw new UrdfError(`${what}: missing <geometry>`);
  const box = node.box as XmlNode | undefined;
  const cyl = node.cylinder as XmlNode | undefined;
  const sph = node.sphere as XmlNode | undefined;
  const mesh = node.mesh as XmlNode | undefined;
  if (box) {
    const size = parseVec(box.size, `${what} box size`, [0, 0, 0], LIMIT_BOUNDS.length, 'm');
    if (size.some((v) => v < 0)) throw new UrdfError(`${what} box size: ${size.join(' ')} has a negative side`);
    return { type: 'box', size };
  }
  if (cyl)
    return {
      type: 'cylinder',
      radius: parseLength(cyl.radius, `${what} cylinder radius`),
      length: parseLength(cyl.length, `${what} cylinder length`),
    };
  if (sph) return { type: 'sphere', radius: parseLength(sph.radius, `${what} sphere radius`) };
  if (mesh) {
    if (typeof mesh.filename !== 'string' || mesh.filename.length > 1000)
      throw new UrdfError(`${what}: mesh needs a filename (at most 1000 characters)`);
    // Scale 0.001 turns millimeter meshes into meters; 1000 the other way. Nothing needs more.
    return { type: 'mesh', filename: mesh.filename, scale: parseVec(mesh.scale, `${what} mesh scale`, [1, 1, 1], 1000, '(unitless)') };
  }
  throw new UrdfError(`${what}: <geometry> must hold a box, cylinder, sphere or mesh`);
}

const JOINT_TYPES: readonly JointType[] = ['revolute', 'continuous', 'prismatic', 'fixed', 'floating', 'planar'];

/**
 * Refuse what no URDF needs before the parser sees it, cheaply (one pass): oversize text, DOCTYPE
 * and entity declarations (external entities read other files; nested ones expand without bound)
 * and more tags than URDF_CAPS.tags. Keeps the parse itself bounded in time and memory.
 */
function precheck(text: string, source: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > URDF_CAPS.bytes) throw tooBig(source, bytes);
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw new UrdfError(
      `${source}: a <!DOCTYPE> or <!ENTITY> declaration is refused (entities can read other files or grow without bound); remove it, a URDF needs none`,
    );
  let tags = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    if (++tags > URDF_CAPS.tags)
      throw new UrdfError(
        `${source}: more than ${URDF_CAPS.tags} XML tags; a robot arm needs a few thousand: is this the right file (inline meshes are not supported)?`,
      );
  }
}

function tooBig(source: string, bytes: number): UrdfError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new UrdfError(
    `${source}: ${mb(bytes)} is over the ${mb(URDF_CAPS.bytes)} limit for a URDF; arm descriptions are tens of KB: keep meshes in their own files`,
  );
}

/** Parse URDF text. `source` names the file in error messages (every one of them). */
export function parseUrdf(text: string, source = '<string>', options: UrdfOptions = {}): RobotDescription {
  try {
    return parse(text, source, options);
  } catch (err) {
    // The element parsers say what is wrong without the file; add it, so every refusal names it.
    if (err instanceof UrdfError && !err.message.startsWith(`[urdf] ${source}:`))
      throw new UrdfError(`${source}: ${err.message.replace(/^\[urdf\] /, '')}`, { cause: err });
    throw err;
  }
}

function parse(text: string, source: string, options: UrdfOptions): RobotDescription {
  precheck(text, source);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new UrdfError(`${source}: not well-formed XML (line ${valid.err.line}: ${clip(valid.err.msg)})`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    maxNestedTags: URDF_CAPS.depth,
    isArray: (name, _path, _leaf, isAttribute) =>
      !isAttribute && ['link', 'joint', 'visual', 'collision', 'material', 'acceleration'].includes(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(text) as XmlNode;
  } catch (err) {
    // The parser's own refusals (nesting, reserved names) are plain Errors: say them as a URDF problem.
    const msg = (err as Error).message ?? String(err);
    if (/nested/i.test(msg))
      throw new UrdfError(`${source}: elements nest deeper than ${URDF_CAPS.depth} levels; a URDF needs about 6: is this the right file?`, {
        cause: err,
      });
    throw new UrdfError(`${source}: cannot be read as a URDF: ${clip(msg)}`, { cause: err });
  }
  const robot = doc.robot as XmlNode | undefined;
  if (!robot || typeof robot !== 'object') throw new UrdfError(`${source}: no <robot> element; is this a URDF file?`);
  const warnings: string[] = [];
  const named = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= URDF_CAPS.name;
  for (const [kind, cap] of [
    ['link', URDF_CAPS.links],
    ['joint', URDF_CAPS.joints],
  ] as const) {
    const n = asArray(robot[kind] as XmlNode[] | undefined).length;
    if (n > cap) throw new UrdfError(`${source}: ${n} <${kind}> elements, over the limit of ${cap}; a robot arm has a few dozen`);
  }
  let collisionCount = 0;
  const name = named(robot.name) ? robot.name : 'robot';

  const materials = new Map<string, [number, number, number, number]>();
  for (const m of asArray(robot.material as XmlNode[] | undefined)) {
    const color = m.color as XmlNode | undefined;
    if (typeof m.name === 'string' && color?.rgba !== undefined) materials.set(m.name, parseRgba(color.rgba, `material ${m.name}`));
  }

  const links = new Map<string, Link>();
  for (const l of asArray(robot.link as XmlNode[] | undefined)) {
    if (!named(l.name)) throw new UrdfError(`${source}: a <link> has no name, or one over ${URDF_CAPS.name} characters`);
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
    const visuals = asArray(l.visual as XmlNode[] | undefined);
    const collisions = asArray(l.collision as XmlNode[] | undefined);
    if (visuals.length > URDF_CAPS.geometriesPerLink || collisions.length > URDF_CAPS.geometriesPerLink)
      throw new UrdfError(`${source}: link "${l.name}" has more than ${URDF_CAPS.geometriesPerLink} visual or collision elements`);
    collisionCount += collisions.length;
    if (collisionCount > URDF_CAPS.collisions)
      throw new UrdfError(
        `${source}: more than ${URDF_CAPS.collisions} <collision> elements; an arm needs a few dozen: merge or drop the small ones`,
      );
    const link: Link = {
      name: l.name,
      visuals: visuals.map((v) => elem(v, 'visual')),
      collisions: collisions.map((v) => elem(v, 'collision')),
    };
    const inertial = l.inertial as XmlNode | undefined;
    if (inertial) {
      const what = `link "${l.name}" inertial`;
      const inertia = (inertial.inertia ?? {}) as XmlNode;
      const mass = parseNumber((inertial.mass as XmlNode | undefined)?.value, `${what} mass`);
      if (mass < 0) throw new UrdfError(`${what}: mass must not be negative`);
      if (mass > LIMIT_BOUNDS.mass) throw new UrdfError(`${what}: mass ${mass} kg is over ${LIMIT_BOUNDS.mass} kg`);
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
  const parentOf = new Map<string, string>();
  for (const j of asArray(robot.joint as XmlNode[] | undefined)) {
    if (!named(j.name)) throw new UrdfError(`${source}: a <joint> has no name, or one over ${URDF_CAPS.name} characters`);
    const what = `joint "${j.name}"`;
    if (seen.has(j.name)) throw new UrdfError(`${source}: ${what} is defined twice`);
    seen.add(j.name);
    const type = j.type as JointType;
    if (!JOINT_TYPES.includes(type))
      throw new UrdfError(`${source}: ${what} has type "${clip(j.type)}"; expected one of ${JOINT_TYPES.join(', ')}`);
    const parent = (j.parent as XmlNode | undefined)?.link;
    const child = (j.child as XmlNode | undefined)?.link;
    if (typeof parent !== 'string' || !links.has(parent))
      throw new UrdfError(`${source}: ${what} has parent link "${clip(parent)}", which is not defined`);
    if (typeof child !== 'string' || !links.has(child))
      throw new UrdfError(`${source}: ${what} has child link "${clip(child)}", which is not defined`);
    if (childOf.has(child))
      throw new UrdfError(
        `${source}: link "${child}" is the child of two joints (${childOf.get(child)} and ${j.name}); URDF must be a tree`,
      );
    childOf.set(child, j.name);
    parentOf.set(child, parent);
    let axis = parseVec((j.axis as XmlNode | undefined)?.xyz, `${what} axis`, [1, 0, 0], LIMIT_BOUNDS.length, '(unitless)');
    const n = Math.hypot(...axis);
    if (type !== 'fixed' && n < 1e-9) throw new UrdfError(`${source}: ${what} has a zero axis`);
    if (n > 0) axis = [axis[0] / n, axis[1] / n, axis[2] / n];
    const joint: Joint = { name: j.name, type, parent, child, origin: parseOrigin(j.origin as XmlNode, what), axis };
    const limit = jointLimit(type, j.limit as XmlNode | undefined, source, what, options, warnings);
    if (limit) joint.limit = limit;
    const mimic = j.mimic as XmlNode | undefined;
    if (mimic) {
      if (!named(mimic.joint)) throw new UrdfError(`${source}: ${what} <mimic> needs a joint`);
      joint.mimic = {
        joint: mimic.joint,
        multiplier: parseNumber(mimic.multiplier ?? 1, `${what} mimic multiplier`),
        offset: parseNumber(mimic.offset ?? 0, `${what} mimic offset`),
      };
      // A follower moves |multiplier| times its leader: beyond 100 no gear train is that steep.
      if (Math.abs(joint.mimic.multiplier) > 100 || Math.abs(joint.mimic.offset) > LIMIT_BOUNDS.revolutePosition)
        throw new UrdfError(
          `${source}: ${what} <mimic> multiplier ${joint.mimic.multiplier} or offset ${joint.mimic.offset} is beyond ±100 / ±${bound(LIMIT_BOUNDS.revolutePosition)}`,
        );
    }
    joints.push(joint);
  }
  for (const j of joints) {
    if (j.mimic && !seen.has(j.mimic.joint)) throw new UrdfError(`${source}: joint "${j.name}" mimics unknown joint "${j.mimic.joint}"`);
  }
  const roots = [...links.keys()].filter((l) => !childOf.has(l));
  if (roots.length !== 1)
    throw new UrdfError(`${source}: expected one root link, found ${roots.length} (${clip(roots.slice(0, 5).join(', '))})`);
  checkChains(links.keys(), parentOf, source);

  const extras: ShammieExtras = { acceleration: {} };
  const sh = robot.shammie as XmlNode | undefined;
  if (sh && typeof sh === 'object') {
    if (typeof sh.tip_link === 'string') {
      if (!links.has(sh.tip_link)) throw new UrdfError(`${source}: <shammie tip_link="${clip(sh.tip_link)}"> names no link`);
      extras.tipLink = sh.tip_link;
    }
    if (typeof sh.home === 'string') {
      const home = sh.home.length > 2000 ? [NaN] : sh.home.trim().split(/\s+/).map(Number);
      // Within the widest joint bounds; the model checks each value against its own joint's limits.
      if (home.some((v) => !Number.isFinite(v) || Math.abs(v) > LIMIT_BOUNDS.revolutePosition))
        throw new UrdfError(`${source}: <shammie home> must be numbers within ±${bound(LIMIT_BOUNDS.revolutePosition)}`);
      extras.home = home;
    }
    const g = sh.gripper as XmlNode | undefined;
    if (g) {
      if (typeof g.joint !== 'string' || !seen.has(g.joint))
        throw new UrdfError(`${source}: <shammie><gripper joint="${clip(g.joint)}"> names no joint`);
      extras.gripper = { joint: g.joint, open: parseNumber(g.open, 'gripper open'), closed: parseNumber(g.closed, 'gripper closed') };
      if (Math.abs(extras.gripper.open) > LIMIT_BOUNDS.revolutePosition || Math.abs(extras.gripper.closed) > LIMIT_BOUNDS.revolutePosition)
        throw new UrdfError(`${source}: <shammie><gripper> open and closed must be within ±${bound(LIMIT_BOUNDS.revolutePosition)}`);
    }
    for (const a of asArray(sh.acceleration as XmlNode[] | undefined)) {
      if (typeof a.joint !== 'string' || !seen.has(a.joint))
        throw new UrdfError(`${source}: <shammie><acceleration joint="${clip(a.joint)}"> names no joint`);
      let v = parseNumber(a.limit, `acceleration limit of ${a.joint}`);
      if (!(v > 0)) throw new UrdfError(`${source}: acceleration limit of ${a.joint} must be positive`);
      if (v > LIMIT_BOUNDS.acceleration) {
        const msg = `acceleration limit ${v} of joint "${a.joint}" is beyond any arm's (at most ${LIMIT_BOUNDS.acceleration} rad/s²)`;
        if (!options.allowBadLimits)
          throw new UrdfError(`${source}: ${msg}; correct <shammie><acceleration>, or pass ${OVERRIDE_FLAG} to clamp it`);
        warnings.push(`${source}: ${msg}; clamped to ${LIMIT_BOUNDS.acceleration} (${OVERRIDE_FLAG})`);
        v = LIMIT_BOUNDS.acceleration;
      }
      extras.acceleration[a.joint] = v;
    }
  }
  return { name, links, joints, rootLink: roots[0], extras, source, warnings };
}

/**
 * Every link must reach the root within URDF_CAPS.chain joints. This also catches a loop of joints
 * detached from the root (each link has one parent, so it passes the one-root check), which would
 * send every walk up the tree around forever. Memoized: each link is walked once.
 */
function checkChains(links: Iterable<string>, parentOf: Map<string, string>, source: string): void {
  const depth = new Map<string, number>();
  for (const start of links) {
    const path: string[] = [];
    let link = start;
    while (!depth.has(link) && parentOf.has(link)) {
      path.push(link);
      if (path.length > URDF_CAPS.chain)
        throw new UrdfError(
          `${source}: link "${clip(start)}" is more than ${URDF_CAPS.chain} joints from the root, or its joints form a loop; URDF must be a tree and an arm is about 12 joints deep`,
        );
      link = parentOf.get(link)!;
    }
    let d = depth.get(link) ?? 0;
    for (let i = path.length - 1; i >= 0; i--) {
      d += 1;
      if (d > URDF_CAPS.chain)
        throw new UrdfError(
          `${source}: link "${clip(path[i])}" is more than ${URDF_CAPS.chain} joints from the root; an arm is about 12 joints deep`,
        );
      depth.set(path[i], d);
    }
  }
}

/** A bound for messages: 12.57 rather than 12.566370614359172. */
function bound(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/**
 * The <limit> of an actuated joint, checked against LIMIT_BOUNDS. Revolute and prismatic joints
 * need lower, upper and velocity; continuous ones velocity (their position is unbounded by
 * definition). A limit that is missing or out of bounds is refused, or, with `allowBadLimits`,
 * replaced by MISSING_LIMIT_DEFAULTS or clamped, with a warning. `what` is 'joint "NAME"'.
 */
function jointLimit(
  type: JointType,
  lim: XmlNode | undefined,
  source: string,
  what: string,
  options: UrdfOptions,
  warnings: string[],
): Joint['limit'] {
  if (type !== 'revolute' && type !== 'prismatic' && type !== 'continuous') return undefined;
  const linear = type === 'prismatic';
  const unit = linear ? 'm' : 'rad';
  const posBound = linear ? LIMIT_BOUNDS.prismaticPosition : LIMIT_BOUNDS.revolutePosition;
  const velBound = linear ? LIMIT_BOUNDS.prismaticVelocity : LIMIT_BOUNDS.revoluteVelocity;
  const dflt = linear ? MISSING_LIMIT_DEFAULTS.prismatic : MISSING_LIMIT_DEFAULTS.revolute;
  const dfltVel = linear ? MISSING_LIMIT_DEFAULTS.prismaticVelocity : MISSING_LIMIT_DEFAULTS.revoluteVelocity;
  const where = `${source}: ${what}`;
  const read = (key: string) => (lim?.[key] === undefined ? undefined : parseNumber(lim[key], `${what} limit ${key}`));
  // Each problem: what is wrong, what fixes it in the URDF, and what the override would use instead.
  const problems: { wrong: string; fix: string; instead: string }[] = [];
  let lower = read('lower');
  let upper = read('upper');
  let velocity = read('velocity');
  const effort = read('effort') ?? 0;
  if (velocity !== undefined && !(velocity > 0)) throw new UrdfError(`${where} needs a positive velocity limit`);
  if (type === 'continuous') {
    lower = -Infinity;
    upper = Infinity;
  } else {
    const given = { lower, upper };
    // A missing side takes the default, moved out past the given side if it would cross it.
    const half = (dflt.upper - dflt.lower) / 2;
    const lo: number = lower ?? (upper === undefined ? dflt.lower : Math.min(dflt.lower, upper - half));
    const hi: number = upper ?? Math.max(dflt.upper, lo + half);
    lower = lo;
    upper = hi;
    if (!lim) {
      problems.push({
        wrong: `is ${type} and needs a <limit>`,
        fix: `add <limit lower="…" upper="…" velocity="…" effort="…"/> from the arm's datasheet (${unit}, ${unit}/s)`,
        instead: `[${bound(lo)}, ${bound(hi)}] ${unit} at ${dfltVel} ${unit}/s`,
      });
    } else if (given.lower === undefined || given.upper === undefined) {
      const missing = [given.lower === undefined ? 'lower' : '', given.upper === undefined ? 'upper' : ''].filter(Boolean).join(' and ');
      problems.push({
        wrong: `is ${type} with no ${missing} position limit`,
        fix: `add ${missing}="…" (${unit}) to its <limit>`,
        instead: `[${bound(lo)}, ${bound(hi)}] ${unit}`,
      });
    }
    if (lower > upper) throw new UrdfError(`${where} has lower limit ${lower} above upper ${upper}`);
    if (Math.abs(lower) > posBound || Math.abs(upper) > posBound) {
      const clamp = (v: number) => Math.min(posBound, Math.max(-posBound, v));
      problems.push({
        wrong: `has position limits [${lower}, ${upper}] ${unit}, beyond ±${bound(posBound)} ${unit} (${linear ? 'a few meters' : 'two turns each way'})`,
        fix: `correct its <limit lower upper>`,
        instead: `[${bound(clamp(lower))}, ${bound(clamp(upper))}] ${unit}`,
      });
      lower = clamp(lower);
      upper = clamp(upper);
    }
  }
  if (velocity === undefined) {
    if (lim || type === 'continuous')
      problems.push({
        wrong: `is ${type} with no velocity limit`,
        fix: `add velocity="…" (${unit}/s, the arm's rated joint speed) to its <limit>`,
        instead: `${dfltVel} ${unit}/s`,
      });
    velocity = dfltVel;
  } else if (velocity > velBound) {
    problems.push({
      wrong: `has velocity limit ${velocity} ${unit}/s, beyond any arm's (at most ${velBound} ${unit}/s)`,
      fix: `correct its <limit velocity>`,
      instead: `${velBound} ${unit}/s`,
    });
    velocity = velBound;
  }
  if (problems.length > 0) {
    const first = problems[0];
    if (!options.allowBadLimits)
      throw new UrdfError(
        `${where} ${first.wrong}: ${first.fix}, or pass ${OVERRIDE_FLAG} to use ${first.instead}${problems.length > 1 ? ` (and ${problems.length - 1} more problem(s) on this joint)` : ''}`,
      );
    for (const p of problems) warnings.push(`${where} ${p.wrong}; using ${p.instead} (${OVERRIDE_FLAG})`);
  }
  return { lower, upper, velocity, effort };
}

/**
 * Read and parse a URDF file. Only a regular file is read (a FIFO or /dev/zero would block or
 * never end), and at most URDF_CAPS.bytes of it.
 */
export function loadUrdf(path: string, options: UrdfOptions = {}): RobotDescription {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new UrdfError(`cannot read URDF file ${path}: not a regular file`);
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > URDF_CAPS.bytes) throw tooBig(path, size);
      // One byte more than the cap, so a file that grew since fstat is still caught.
      const buf = Buffer.alloc(Math.min(size, URDF_CAPS.bytes) + 1);
      let n = 0;
      for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
      if (n > URDF_CAPS.bytes) throw tooBig(path, n);
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof UrdfError) throw err;
    throw new UrdfError(`cannot read URDF file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseUrdf(text, path, options);
}
