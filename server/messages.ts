/**
 * The console protocol's state messages, built from the app: the scene, the library (skills and
 * named things), the physical world and the joint frame. Pure functions of the app, so the hub
 * decides only when to send them.
 */
import type { App } from '../session/app.js';
import type { RobotModel } from '../model/description/robot-model.js';
import type { EntityInfo, RobotInfo, SceneInfo, ServerMessage, SkillInfo } from './protocol.js';

export type JointsMessage = Extract<ServerMessage, { type: 'joints' }>;

/** The robot as the console draws and poses it: joints, limits (rad, rad/s), home, gripper; the URDF at `urdfUrl`. */
export function robotInfo(m: RobotModel, urdfUrl: string): RobotInfo {
  return {
    name: m.name,
    urdfUrl,
    jointNames: [...m.jointNames],
    limits: m.arm.map((j) => ({ lower: finiteOr(j.lower, -Math.PI), upper: finiteOr(j.upper, Math.PI), velocity: j.velocity })),
    home: [...m.home],
    tipLink: m.tipLink,
    baseLink: m.baseLink,
    gripper: m.gripper ? { joint: m.gripper.joint, mimics: m.gripper.mimics, open: m.gripper.open, closed: m.gripper.closed } : null,
  };
}

/** Where a named thing is now (meters, world frame, 10 µm resolution), or undefined when it cannot be located. */
export function locate(app: App, name: string): [number, number, number] | undefined {
  try {
    const p = app.world.position(name);
    return [round(p[0]), round(p[1]), round(p[2])];
  } catch {
    return undefined;
  }
}

/** The skills (with their auto-confirm flags) and the named objects and places. */
export function libraryMessage(app: App, autoConfirm: ReadonlySet<string>): ServerMessage {
  const reg = app.registry;
  const skills: SkillInfo[] = reg.list().map((s) => {
    const def = reg.get(s.name);
    const base: SkillInfo = {
      name: s.name,
      kind: s.kind,
      description: s.description,
      params: s.params.map((p) => ({ name: p.name, type: p.type, description: p.description })),
      autoConfirm: autoConfirm.has(s.name),
    };
    if (def.kind === 'behavior') {
      base.body = def.body.map((b) => ({ skill: b.skill, args: { ...b.args } }));
      if (def.builtin) base.builtin = true;
    }
    return base;
  });
  const entities: EntityInfo[] = app.world.list().map((e) => ({
    name: e.name,
    description: e.description,
    kind: e.kind,
    container: Boolean(e.container),
    body: e.source.type === 'body' ? e.source.body : null,
    position: locate(app, e.name) ?? null,
  }));
  return { type: 'library', skills, entities };
}

/** Which container each scene body rests in and whether it is held (the physics in the sim). */
export function worldMessage(app: App, scene: SceneInfo): ServerMessage {
  const sim = app.sim;
  const held = app.world.held;
  if (!sim) {
    // On a robot: poses come from TF; containment is not observed.
    return { type: 'world', held, bodies: scene.bodies.map((name) => ({ name, in: null, held: held === name })) };
  }
  const states = new Map(sim.objectStates().map((o) => [o.name, o]));
  return {
    type: 'world',
    held,
    bodies: scene.bodies.map((name) => ({ name, in: states.get(name)?.in ?? null, held: states.get(name)?.held ?? false })),
  };
}

/** The arm's joints (rad), the gripper and every body's pose [x y z qx qy qz qw], rounded. */
export function jointsMessage(app: App, scene: SceneInfo): JointsMessage {
  const js = app.backend.jointState();
  // Object poses: the physics in the sim, the world model's pose source (TF) on a robot.
  const poses = app.sim ?? app.world.poses;
  const bodies: number[] = [];
  for (const name of scene.bodies) {
    const p = poses?.bodyPosition(name) ?? [0, 0, -10];
    const q = poses?.bodyQuaternion?.(name) ?? [0, 0, 0, 1];
    // 0.1 mm and 1e-4 (quaternion) resolution: enough to draw, and resting objects that creep
    // by microns do not keep the stream (and the console's renderer) busy.
    bodies.push(r4(p[0]), r4(p[1]), r4(p[2]), r4(q[0]), r4(q[1]), r4(q[2]), r4(q[3]));
  }
  return {
    type: 'joints',
    stamp: Math.round(js.stamp * 1e4) / 1e4,
    q: js.position.map((v) => Math.round(v * 1e5) / 1e5),
    gripper: Math.round(app.backend.gripperPosition() * 1e5) / 1e5,
    bodies,
  };
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

function r4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

export function finiteOr(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}

/** What the operator can do about a failure, in plain words. */
export function failureTip(failure: string): string | undefined {
  const f = failure.toLowerCase();
  if (f.includes('stopped by the operator')) return 'Say or type the next command when ready.';
  if (f.includes('would hit') || f.includes('would touch') || f.includes('without hitting'))
    return 'The motion would hit something (named in the step). Move that object, or ask for a different place or object.';
  if (f.includes('table')) return 'The motion would touch the table. Move the object further from the edge or pick a different location.';
  if (f.includes('workspace')) return 'The target is outside the allowed workspace. Move the object closer to the robot.';
  if (f.includes('limit')) return 'A joint would pass its limit. Try a target closer to the robot, or go home first ("go home").';
  if (f.includes('reach') || f.includes('ik') || f.includes('unreachable'))
    return 'The pose is out of reach. Move the object closer to the robot.';
  if (f.includes('closed on nothing') || f.includes('not grasped')) return 'The grasp missed. Check where the object is and try again.';
  if (f.includes('aborted') || f.includes('tracking'))
    return 'The arm could not follow the motion (a collision?). Check the scene, then go home.';
  return undefined;
}

/** The scene as the console draws it (table, objects, containers), from the scene file. */
export function sceneInfo(app: App): SceneInfo {
  const s = app.scene;
  return {
    name: s.name,
    description: s.description ?? '',
    table: {
      size: [s.table.size[0], s.table.size[1]],
      center: [s.table.center[0], s.table.center[1]],
      thickness: s.table.thickness,
      height: s.table.height,
      rgba: rgba4(s.table.rgba),
    },
    objects: s.objects.map((o) => ({ name: o.name, shape: o.shape, size: [...o.size], rgba: rgba4(o.rgba) })),
    containers: s.containers.map((c) => ({
      name: c.name,
      kind: c.kind,
      inner: [c.inner[0], c.inner[1]],
      height: c.height,
      wall: c.wall,
      rgba: rgba4(c.rgba),
    })),
    bodies: [...s.objects.map((o) => o.name), ...s.containers.map((c) => c.name)],
  };
}

function rgba4(v: readonly number[] | undefined): [number, number, number, number] {
  return [v?.[0] ?? 0.7, v?.[1] ?? 0.7, v?.[2] ?? 0.7, v?.[3] ?? 1];
}
