/**
 * MJCF generation: one URDF (through RobotModel) plus one scene file become the MuJoCo model,
 * so the robot description stays the single source of truth.
 *
 * What the generated model contains and why:
 * - The robot's URDF tree as nested bodies (joint origin = body pose), inertials rotated into
 *   the link frame, collision primitives as geoms (long cylinders as capsules: same extent,
 *   much cheaper contacts). A collision mesh becomes the same stand-in box the collision model
 *   uses (model/description/mesh-standin.ts), listed in `warnings`, never dropped.
 *   `gravcomp="1"` on robot bodies, as a real arm's controller cancels gravity, so the servos
 *   only track.
 * - Arm servos: one `general` actuator per arm joint, force = kp·(ctrl − q) − kv·q̇, with kp/kv
 *   from each joint's inertia at home (critically damped at `servoBandwidth`), ctrlrange = the
 *   joint limits and forcerange = the URDF effort limit. Velocity and acceleration feedforward
 *   are folded into ctrl by SimWorld.
 * - Gripper: every finger a slide joint; mimic fingers are tied to the leader by an equality
 *   joint constraint; one force-limited position actuator on the leader. Finger friction 1,
 *   condim 4 (torsional friction keeps a pinched object from spinning).
 * - No self-collision inside the robot (contype 2 / conaffinity 1), while robot ⇄ objects,
 *   containers and table collide (those are contype 1 / conaffinity 3).
 * - A launch profile's fixed boxes (scene.obstacles) as static world geoms.
 * - Contact sensors finger × object (for grasp detection) and an inactive weld for the grasp
 *   assist (see sim/README.md).
 *
 * Units: meters, radians, kilograms, seconds. World frame: z up, z = 0 the table top.
 */
import { basename } from 'node:path';
import type { RobotModel } from '../model/description/robot-model.js';
import type { GeometryElement, Inertial, Joint, Link } from '../model/description/urdf.js';
import { fromXyzRpy, multiply, quatFromMatrix, type Mat4, type Quat, type Vec3 } from '../model/math/transform.js';
import { DEFAULT_MESH_BOX, meshElementStandIn, validateMeshBox } from '../model/description/mesh-standin.js';
import { checkObstacles, type StaticObstacle } from './collision-scene.js';
import { containerHalfExtents, objectHalfExtents, placeObjects, type PlacedObject, type Scene, type SceneContainer } from './scene.js';

export interface MjcfOptions {
  /** jitter seed (default: the scene's) */
  seed?: number;
  /** servo bandwidth of the arm joints, rad/s (default 50) */
  servoBandwidth?: number;
  /** servo damping ratio (default 1: critically damped, no ringing) */
  servoDamping?: number;
  /** reflected rotor inertia added to every arm joint, kg·m² (default 0.1, as real geared joints) */
  armature?: number;
  /** gripper position gain, N/m (default 2000) */
  gripperKp?: number;
  /** friction cone: 'elliptic' holds grasps better, 'pyramidal' is a little cheaper (default 'elliptic') */
  cone?: 'pyramidal' | 'elliptic';
  /** full size (m) of the box standing in for a collision mesh when the URDF says nothing better (default 0.1 m cube, as the collision model's) */
  meshDefaultSize?: Vec3;
  /** fixed boxes (a launch profile's scene.obstacles), world frame; they collide with the robot and the objects */
  obstacles?: readonly StaticObstacle[];
}

export interface ServoGains {
  kp: number;
  kv: number;
  /** joint inertia at home used for the gains, kg·m² (kg for prismatic) */
  inertia: number;
}

export interface GripperInfo {
  /** the commanded finger joint */
  joint: string;
  mimics: string[];
  actuator: string;
  /** bodies of all fingers (leader first) */
  fingerBodies: string[];
  /** the body the fingers hang from (the weld's first body) */
  handBody: string;
  kp: number;
  kv: number;
  /** ctrlrange of the gripper actuator (reaches past `closed` so a closed grip squeezes) */
  ctrlRange: [number, number];
}

export interface MjcfModel {
  xml: string;
  armJoints: string[];
  /** actuator names, same order as armJoints */
  armActuators: string[];
  servo: ServoGains[];
  gripper?: GripperInfo;
  /** the scene objects with their (seeded) start poses */
  objects: PlacedObject[];
  containers: SceneContainer[];
  /** name of the grasp-assist weld, when the scene has objects and the robot a gripper */
  graspWeld?: string;
  /** contact sensor name for finger body × object */
  touchSensor(finger: string, object: string): string;
  /** the site at the tool frame */
  toolSite: string;
  seed: number;
  /** collision meshes replaced by their stand-in boxes, one line each (empty when the URDF has none) */
  warnings: string[];
}

const ROBOT_CONTACT = 'contype="2" conaffinity="1"';
const WORLD_CONTACT = 'contype="1" conaffinity="3"';

export class MjcfError extends Error {
  constructor(message: string) {
    super(`[mjcf] ${message}`);
    this.name = 'MjcfError';
  }
}

/** Numbers short but exact enough for MJCF. */
function n(v: number): string {
  if (Object.is(v, -0)) return '0';
  return String(Number(v.toPrecision(9)));
}
const v3 = (v: ArrayLike<number>): string => `${n(v[0])} ${n(v[1])} ${n(v[2])}`;
/** [x, y, z, w] → MuJoCo's "w x y z" */
const mjQuat = (q: Quat): string => `${n(q[3])} ${n(q[0])} ${n(q[1])} ${n(q[2])}`;
const yawQuat = (yaw: number): string => `${n(Math.cos(yaw / 2))} 0 0 ${n(Math.sin(yaw / 2))}`;
const attrEsc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function poseAttrs(m: Mat4): string {
  const q = quatFromMatrix(m);
  const identityRot = Math.abs(q[3] - 1) < 1e-12;
  const pos = `pos="${v3([m[12], m[13], m[14]])}"`;
  return identityRot ? pos : `${pos} quat="${mjQuat(q)}"`;
}

/** Inertia tensor rotated by R (3×3 from a Mat4): R I Rᵀ. */
function rotateInertia(R: Mat4, i: Inertial['inertia']): number[] {
  const I = [i.ixx, i.ixy, i.ixz, i.ixy, i.iyy, i.iyz, i.ixz, i.iyz, i.izz];
  const r = (row: number, col: number) => R[col * 4 + row];
  const out = new Array<number>(9).fill(0);
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) s += r(a, k) * I[k * 3 + l] * r(b, l);
      out[a * 3 + b] = s;
    }
  }
  return out;
}

function inertialXml(inertial: Inertial | undefined): string {
  if (!inertial || inertial.mass <= 0) return '';
  const T = fromXyzRpy(inertial.origin.xyz, inertial.origin.rpy);
  const I = rotateInertia(T, inertial.inertia);
  return `<inertial pos="${v3(inertial.origin.xyz)}" mass="${n(inertial.mass)}" fullinertia="${n(I[0])} ${n(I[4])} ${n(I[8])} ${n(I[1])} ${n(I[2])} ${n(I[5])}"/>`;
}

/** A primitive collision element as a geom; a mesh is a stand-in box (see `mesh`). */
function geomXml(name: string, g: GeometryElement, extra: string, mesh?: { halfExtents: Vec3; transform: Mat4 }): string {
  const T = fromXyzRpy(g.origin.xyz, g.origin.rpy);
  const pose = poseAttrs(T);
  const geo = g.geometry;
  switch (geo.type) {
    case 'box':
      return `<geom name="${attrEsc(name)}" type="box" size="${v3([geo.size[0] / 2, geo.size[1] / 2, geo.size[2] / 2])}" ${pose} ${extra}/>`;
    case 'sphere':
      return `<geom name="${attrEsc(name)}" type="sphere" size="${n(geo.radius)}" ${pose} ${extra}/>`;
    case 'cylinder': {
      // A capsule of the same length is far cheaper to collide; only stubby cylinders stay.
      const half = geo.length / 2 - geo.radius;
      return half > 0
        ? `<geom name="${attrEsc(name)}" type="capsule" size="${n(geo.radius)} ${n(half)}" ${pose} ${extra}/>`
        : `<geom name="${attrEsc(name)}" type="cylinder" size="${n(geo.radius)} ${n(geo.length / 2)}" ${pose} ${extra}/>`;
    }
    case 'mesh':
      // The caller worked out the stand-in box (model/description/mesh-standin.ts) and reported it.
      if (!mesh) throw new MjcfError(`geom ${name}: a mesh needs its stand-in box`);
      return `<geom name="${attrEsc(name)}" type="box" size="${v3(mesh.halfExtents)}" ${poseAttrs(mesh.transform)} ${extra}/>`;
  }
}

/** Joint-space inertia of each arm joint at `q` (distal links' mass about the joint axis) + armature. */
function armInertias(robot: RobotModel, q: number[], gripper: number | undefined, armature: number): number[] {
  const d = robot.description;
  const poses = robot.linkPoses(q, gripper);
  const children = new Map<string, Joint[]>();
  for (const j of d.joints) children.set(j.parent, [...(children.get(j.parent) ?? []), j]);
  const byName = new Map(d.joints.map((j) => [j.name, j]));
  return robot.arm.map((aj) => {
    const joint = byName.get(aj.name)!;
    const T = poses.get(joint.child)!;
    const axis: Vec3 = [
      T[0] * aj.axis[0] + T[4] * aj.axis[1] + T[8] * aj.axis[2],
      T[1] * aj.axis[0] + T[5] * aj.axis[1] + T[9] * aj.axis[2],
      T[2] * aj.axis[0] + T[6] * aj.axis[1] + T[10] * aj.axis[2],
    ];
    const p: Vec3 = [T[12], T[13], T[14]];
    let inertia = armature;
    const stack = [joint.child];
    while (stack.length) {
      const name = stack.pop()!;
      for (const c of children.get(name) ?? []) stack.push(c.child);
      const link = d.links.get(name)!;
      const inl = link.inertial;
      if (!inl || inl.mass <= 0) continue;
      const L = poses.get(name)!;
      if (aj.type === 'prismatic') {
        inertia += inl.mass;
        continue;
      }
      const Ti = multiply(L, fromXyzRpy(inl.origin.xyz, inl.origin.rpy));
      const Iw = rotateInertia(Ti, inl.inertia);
      let rot = 0;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) rot += axis[a] * Iw[a * 3 + b] * axis[b];
      const r: Vec3 = [Ti[12] - p[0], Ti[13] - p[1], Ti[14] - p[2]];
      const cx = r[1] * axis[2] - r[2] * axis[1],
        cy = r[2] * axis[0] - r[0] * axis[2],
        cz = r[0] * axis[1] - r[1] * axis[0];
      inertia += rot + inl.mass * (cx * cx + cy * cy + cz * cz);
    }
    return inertia;
  });
}

/** Build the MJCF for `robot` in `scene`. */
export function buildMjcf(robot: RobotModel, scene: Scene, options: MjcfOptions = {}): MjcfModel {
  const seed = options.seed ?? scene.seed;
  const bandwidth = options.servoBandwidth ?? 50;
  const zeta = options.servoDamping ?? 1;
  const armature = options.armature ?? 0.1;
  const d = robot.description;
  const gspec = robot.gripper;

  const objects = placeObjects(scene, seed);
  const linkNames = new Set(d.links.keys());
  for (const name of [...scene.objects.map((o) => o.name), ...scene.containers.map((c) => c.name)]) {
    if (linkNames.has(name) || name === 'table' || name === 'floor')
      throw new MjcfError(`scene name "${name}" clashes with a robot link or a reserved name`);
  }
  const obstacles = options.obstacles ?? [];
  try {
    checkObstacles(scene, obstacles, [...linkNames, 'table', 'floor']);
  } catch (err) {
    throw new MjcfError((err as Error).message);
  }
  const meshBox = options.meshDefaultSize ?? DEFAULT_MESH_BOX;
  try {
    validateMeshBox(meshBox);
  } catch (err) {
    throw new MjcfError((err as Error).message);
  }
  const warnings: string[] = [];

  const armSet = new Set(robot.jointNames);
  const mimicOf = new Map(d.joints.filter((j) => j.mimic).map((j) => [j.name, j.mimic!]));
  const fingerJoints = gspec ? [gspec.joint, ...gspec.mimics.map((m) => m.joint)] : [];
  const fingerSet = new Set(fingerJoints);
  const children = new Map<string, Joint[]>();
  for (const j of d.joints) children.set(j.parent, [...(children.get(j.parent) ?? []), j]);

  const inertias = armInertias(robot, robot.home, gspec?.open, armature);
  const servo: ServoGains[] = inertias.map((I) => ({ kp: I * bandwidth * bandwidth, kv: 2 * zeta * I * bandwidth, inertia: I }));

  const gripperKp = options.gripperKp ?? 2000;
  const fingerArmature = 0.01;
  const fingerMass = fingerJoints.reduce(
    (s, j) => s + (d.links.get(d.joints.find((x) => x.name === j)!.child)?.inertial?.mass ?? 0) + fingerArmature,
    0,
  );
  const gripperKv = 2 * Math.sqrt(gripperKp * Math.max(fingerMass, 0.01));

  // --- robot bodies ---------------------------------------------------------------------
  const fingerBodies: string[] = [];
  let handBody: string | undefined;
  const geomExtra = (link: Link, i: number, isFinger: boolean): string => {
    const rgba = link.visuals[Math.min(i, link.visuals.length - 1)]?.rgba ?? link.collisions[i]?.rgba;
    const col = rgba ? ` rgba="${rgba.map(n).join(' ')}"` : '';
    return isFinger
      ? `${ROBOT_CONTACT} friction="1 0.01 0.0002" condim="4" solref="0.004 1" priority="1"${col}`
      : `${ROBOT_CONTACT} friction="0.6 0.005 0.0001"${col}`;
  };
  const bodyXml = (link: string, indent: string, isFinger: boolean): string => {
    const l = d.links.get(link)!;
    const lines: string[] = [];
    const inl = inertialXml(l.inertial);
    if (inl) lines.push(indent + inl);
    l.collisions.forEach((c, i) => {
      // A mesh collides as the same box the collision model checks, with the same warning.
      const standIn = meshElementStandIn(l, c, i, meshBox);
      if (standIn) warnings.push(standIn.warning.message);
      lines.push(indent + geomXml(`${link}/collision${i}`, c, geomExtra(l, i, isFinger), standIn?.standIn));
    });
    if (link === robot.tipLink) lines.push(`${indent}<site name="tool" size="0.005" rgba="1 0.3 0.3 0.6" group="3"/>`);
    for (const j of children.get(link) ?? []) {
      const T = fromXyzRpy(j.origin.xyz, j.origin.rpy);
      const finger = isFinger || fingerSet.has(j.name);
      if (fingerSet.has(j.name)) {
        fingerBodies.push(j.child);
        handBody ??= link;
      }
      lines.push(`${indent}<body name="${attrEsc(j.child)}" ${poseAttrs(T)} gravcomp="1">`);
      const movable = j.type === 'revolute' || j.type === 'continuous' || j.type === 'prismatic';
      if (movable && (armSet.has(j.name) || fingerSet.has(j.name) || mimicOf.has(j.name))) {
        const type = j.type === 'prismatic' ? 'slide' : 'hinge';
        const limited = j.type !== 'continuous' && j.limit && Number.isFinite(j.limit.lower);
        const range = limited ? ` range="${n(j.limit!.lower)} ${n(j.limit!.upper)}"` : ' limited="false"';
        const arm = fingerSet.has(j.name) || mimicOf.has(j.name) ? fingerArmature : armature;
        const damping = fingerSet.has(j.name) ? 0.5 : 0;
        // Stiff finger limits: a 100 N squeeze must not push the fingers through them.
        const limit = fingerSet.has(j.name) || mimicOf.has(j.name) ? ' solreflimit="0.004 1"' : '';
        lines.push(
          `${indent}  <joint name="${attrEsc(j.name)}" type="${type}" axis="${v3(j.axis)}"${range} armature="${n(arm)}" damping="${n(damping)}"${limit}/>`,
        );
      }
      // Joints outside the arm and gripper are welded: no uncontrolled degrees of freedom.
      lines.push(bodyXml(j.child, indent + '  ', finger));
      lines.push(`${indent}</body>`);
    }
    return lines.join('\n');
  };
  const base = scene.robot;
  const robotXml = [
    `    <body name="${attrEsc(d.rootLink)}" pos="${v3(base.position)}" quat="${yawQuat(base.yaw)}">`,
    bodyXml(d.rootLink, '      ', false),
    '    </body>',
  ].join('\n');
  // Sort so the leader finger comes first.
  if (gspec) {
    const leaderBody = d.joints.find((j) => j.name === gspec.joint)!.child;
    fingerBodies.sort((a, b) => (a === leaderBody ? -1 : b === leaderBody ? 1 : 0));
  }

  // --- table, objects, containers --------------------------------------------------------
  const t = scene.table;
  const world: string[] = [
    `    <light name="sun" pos="0.3 -0.6 2.5" dir="-0.1 0.25 -1" directional="true" diffuse="0.7 0.7 0.7"/>`,
    `    <geom name="floor" type="plane" pos="0 0 ${n(-t.height)}" size="3 3 0.05" rgba="0.3 0.32 0.35 1" ${WORLD_CONTACT}/>`,
    `    <geom name="table" type="box" pos="${n(t.center[0])} ${n(t.center[1])} ${n(-t.thickness / 2)}" size="${n(t.size[0] / 2)} ${n(t.size[1] / 2)} ${n(t.thickness / 2)}" friction="${n(t.friction)} 0.005 0.0001" rgba="${t.rgba.map(n).join(' ')}" ${WORLD_CONTACT}/>`,
  ];
  for (const p of objects) {
    const o = p.object;
    const h = objectHalfExtents(o);
    const size = o.shape === 'box' ? v3(h) : o.shape === 'cylinder' ? `${n(h[0])} ${n(h[2])}` : n(h[0]);
    // Balls get rolling friction (condim 6) so they come to rest instead of rolling off the table.
    const contact =
      o.shape === 'sphere' ? `condim="6" friction="${n(o.friction)} 0.005 0.0005"` : `condim="3" friction="${n(o.friction)} 0.005 0.0001"`;
    world.push(
      `    <body name="${o.name}" pos="${v3(p.position)}" quat="${yawQuat(p.yaw)}">`,
      `      <freejoint name="${o.name}"/>`,
      `      <geom name="${o.name}" type="${o.shape}" size="${size}" mass="${n(o.mass)}" ${contact} rgba="${o.rgba.map(n).join(' ')}" ${WORLD_CONTACT}/>`,
      '    </body>',
    );
  }
  for (const c of scene.containers) world.push(containerXml(c));
  // Fixed boxes: static geoms of the world body, colliding like the containers.
  for (const o of obstacles)
    world.push(
      `    <geom name="${attrEsc(o.name)}" type="box" size="${v3([o.size[0] / 2, o.size[1] / 2, o.size[2] / 2])}" pos="${v3(o.position)}" quat="${yawQuat(o.yaw ?? 0)}" friction="0.6 0.005 0.0001" rgba="0.55 0.5 0.45 1" ${WORLD_CONTACT}/>`,
    );

  // --- actuators, equalities, sensors ----------------------------------------------------
  const actuators: string[] = [];
  const armActuators: string[] = [];
  robot.arm.forEach((j, i) => {
    const name = `${j.name}/servo`;
    armActuators.push(name);
    const { kp, kv } = servo[i];
    const ctrl = Number.isFinite(j.lower) ? ` ctrlrange="${n(j.lower)} ${n(j.upper)}"` : ' ctrllimited="false"';
    const force = j.effort > 0 ? ` forcerange="${n(-j.effort)} ${n(j.effort)}"` : ' forcelimited="false"';
    actuators.push(
      `    <general name="${attrEsc(name)}" joint="${attrEsc(j.name)}" gaintype="fixed" biastype="affine" gainprm="${n(kp)}" biasprm="0 ${n(-kp)} ${n(-kv)}"${ctrl}${force}/>`,
    );
  });
  let gripper: GripperInfo | undefined;
  const equalities: string[] = [];
  if (gspec) {
    const lo = Math.min(gspec.open, gspec.closed),
      hi = Math.max(gspec.open, gspec.closed);
    // The range reaches 2 cm past "closed" so that a grip on a thin object can still reach
    // the commanded force (force = kp·(ctrl − q), clipped to forcerange).
    const sign = gspec.closed < gspec.open ? -1 : 1;
    const ctrlRange: [number, number] = sign < 0 ? [lo - 0.02, hi] : [lo, hi + 0.02];
    const name = `${gspec.joint}/servo`;
    actuators.push(
      `    <general name="${attrEsc(name)}" joint="${attrEsc(gspec.joint)}" gaintype="fixed" biastype="affine" gainprm="${n(gripperKp)}" biasprm="0 ${n(-gripperKp)} ${n(-gripperKv)}" ctrlrange="${n(ctrlRange[0])} ${n(ctrlRange[1])}" forcerange="${n(-gspec.effort)} ${n(gspec.effort)}"/>`,
    );
    gripper = {
      joint: gspec.joint,
      mimics: gspec.mimics.map((m) => m.joint),
      actuator: name,
      fingerBodies: [...fingerBodies],
      handBody: handBody!,
      kp: gripperKp,
      kv: gripperKv,
      ctrlRange,
    };
    for (const m of gspec.mimics) {
      equalities.push(
        `    <joint name="${attrEsc(m.joint)}/mimic" joint1="${attrEsc(m.joint)}" joint2="${attrEsc(gspec.joint)}" polycoef="${n(m.offset)} ${n(m.multiplier)} 0 0 0" solref="0.005 1"/>`,
      );
    }
  }
  // Mimic joints that are not fingers (rare) are tied to their leader the same way.
  for (const [jn, m] of mimicOf) {
    if (fingerSet.has(jn) || armSet.has(jn)) continue;
    if (!armSet.has(m.joint) && !fingerSet.has(m.joint)) continue;
    equalities.push(
      `    <joint name="${attrEsc(jn)}/mimic" joint1="${attrEsc(jn)}" joint2="${attrEsc(m.joint)}" polycoef="${n(m.offset)} ${n(m.multiplier)} 0 0 0"/>`,
    );
  }
  let graspWeld: string | undefined;
  const sensors: string[] = [];
  const touchSensor = (finger: string, object: string) => `touch/${finger}/${object}`;
  if (gripper && objects.length) {
    graspWeld = 'grasp_assist';
    // Inactive at start; SimWorld re-targets body2, sets the relative pose and switches it on.
    equalities.push(
      `    <weld name="${graspWeld}" body1="${attrEsc(gripper.handBody)}" body2="${objects[0].object.name}" active="false" solref="0.01 1"/>`,
    );
    for (const o of objects) {
      for (const f of gripper.fingerBodies) {
        sensors.push(
          `    <contact name="${attrEsc(touchSensor(f, o.object.name))}" body1="${attrEsc(f)}" body2="${o.object.name}" data="found" num="1"/>`,
        );
      }
    }
  }

  const xml = `<mujoco model="${attrEsc(`${robot.name} in ${!scene.source || scene.source === '<string>' ? 'scene' : basename(scene.source)}`)}">
  <compiler angle="radian" autolimits="true" balanceinertia="true"/>
  <option timestep="${n(scene.timestep)}" integrator="implicitfast" cone="${options.cone ?? 'elliptic'}" impratio="${options.cone === 'pyramidal' ? 1 : 10}"/>
  <visual><global offwidth="1280" offheight="720"/></visual>
  <worldbody>
${robotXml}
${world.join('\n')}
  </worldbody>
  <actuator>
${actuators.join('\n')}
  </actuator>${equalities.length ? `\n  <equality>\n${equalities.join('\n')}\n  </equality>` : ''}${sensors.length ? `\n  <sensor>\n${sensors.join('\n')}\n  </sensor>` : ''}
</mujoco>
`;
  return {
    xml,
    armJoints: [...robot.jointNames],
    armActuators,
    servo,
    gripper,
    objects,
    containers: scene.containers,
    graspWeld,
    touchSensor,
    toolSite: 'tool',
    seed,
    warnings,
  };
}

const FLOOR_DEPTH = 0.03;

/** An open-top box: floor plus four walls, fixed to the table. Body origin = centre of its volume. */
function containerXml(c: SceneContainer): string {
  const [hx, hy, hz] = containerHalfExtents(c);
  const w = c.wall;
  const ix = c.inner[0] / 2,
    iy = c.inner[1] / 2;
  const attrs = `friction="${n(c.friction)} 0.005 0.0001" rgba="${c.rgba.map(n).join(' ')}" ${WORLD_CONTACT}`;
  return [
    `    <body name="${c.name}" pos="${n(c.position[0])} ${n(c.position[1])} ${n(hz)}" quat="${yawQuat(c.yaw)}">`,
    // The floor reaches 3 cm down into the table: a thin static slab lets a falling object's
    // soft contact push it through (box-box contacts flip past the slab's mid-plane).
    `      <geom name="${c.name}/floor" type="box" pos="0 0 ${n(-hz + (w - FLOOR_DEPTH) / 2)}" size="${n(hx)} ${n(hy)} ${n((w + FLOOR_DEPTH) / 2)}" ${attrs}/>`,
    `      <geom name="${c.name}/wall+x" type="box" pos="${n(ix + w / 2)} 0 0" size="${n(w / 2)} ${n(hy)} ${n(hz)}" ${attrs}/>`,
    `      <geom name="${c.name}/wall-x" type="box" pos="${n(-ix - w / 2)} 0 0" size="${n(w / 2)} ${n(hy)} ${n(hz)}" ${attrs}/>`,
    `      <geom name="${c.name}/wall+y" type="box" pos="0 ${n(iy + w / 2)} 0" size="${n(ix)} ${n(w / 2)} ${n(hz)}" ${attrs}/>`,
    `      <geom name="${c.name}/wall-y" type="box" pos="0 ${n(-iy - w / 2)} 0" size="${n(ix)} ${n(w / 2)} ${n(hz)}" ${attrs}/>`,
    '    </body>',
  ].join('\n');
}
