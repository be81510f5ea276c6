/**
 * The planning scene of a scene file: the same table, objects and containers the MuJoCo model
 * is generated from (sim/mjcf.ts), as collision shapes. Objects start where the file puts them;
 * the world's pose source (the physics) moves them to where they really are before each check.
 * A launch profile's fixed boxes (`scene.obstacles`) join it as `static` objects: on a real arm
 * they are what the planner knows of the cell beyond the scene file; on the sim they are also
 * bodies of the physics (sim/mjcf.ts).
 * Units: meters, radians; world frame z up, z = 0 the table top.
 */
import { PlanningScene } from '../collision/index.js';
import { objectHalfExtents, type Scene } from './scene.js';

/** A fixed box in the world (a launch profile's scene.obstacles entry). */
export interface StaticObstacle {
  name: string;
  /** full size [x, y, z] (m) */
  size: readonly [number, number, number];
  /** centre [x, y, z] (m), world frame */
  position: readonly [number, number, number];
  /** rotation about z (rad); default 0 */
  yaw?: number;
}

/**
 * Refuse obstacles that could not be told apart from the scene's bodies (or `reserved` names,
 * e.g. robot links): a contact report names the obstacle, so its name must be unique.
 */
export function checkObstacles(scene: Scene, obstacles: readonly StaticObstacle[], reserved: readonly string[] = ['table']): void {
  const taken = new Set([...sceneBodyNames(scene), ...reserved]);
  for (const o of obstacles) {
    if (taken.has(o.name)) throw new Error(`obstacle "${o.name}": the name is taken by a scene body, a robot link or another obstacle`);
    taken.add(o.name);
  }
}

export interface SceneCollisionOptions {
  /**
   * Include the table top. Planning wants it; the SafetyGuard leaves it out because its own table
   * check keeps per-link clearances (arm 2 cm, tool 3 mm, so fingers can reach objects on the table).
   */
  table?: boolean;
  /** fixed boxes to add (world frame) */
  obstacles?: readonly StaticObstacle[];
}

export function planningSceneFor(scene: Scene, opts: SceneCollisionOptions = {}): PlanningScene {
  const ps = new PlanningScene();
  if (opts.table)
    ps.setTable({
      size: [scene.table.size[0], scene.table.size[1]],
      center: [scene.table.center[0], scene.table.center[1]],
      thickness: scene.table.thickness,
    });
  for (const o of scene.objects) {
    const h = objectHalfExtents(o);
    const position: [number, number, number] = [o.position[0], o.position[1], o.position.length === 3 ? o.position[2] : h[2]];
    const pose = { position, yaw: o.yaw };
    if (o.shape === 'box') ps.addBox(o.name, [o.size[0], o.size[1], o.size[2]], pose);
    else if (o.shape === 'cylinder') ps.addCylinder(o.name, o.size[0], o.size[1], pose);
    else ps.addSphere(o.name, o.size[0], position);
  }
  for (const c of scene.containers) {
    ps.addContainer(c.name, {
      position: [c.position[0], c.position[1]],
      yaw: c.yaw,
      inner: [c.inner[0], c.inner[1]],
      height: c.height,
      wall: c.wall,
    });
  }
  const obstacles = opts.obstacles ?? [];
  checkObstacles(scene, obstacles);
  for (const o of obstacles) ps.addBox(o.name, [o.size[0], o.size[1], o.size[2]], { position: [...o.position], yaw: o.yaw ?? 0 }, 'static');
  return ps;
}

/** The names of the scene's bodies (objects and containers), which the pose source can locate. */
export function sceneBodyNames(scene: Scene): string[] {
  return [...scene.objects.map((o) => o.name), ...scene.containers.map((c) => c.name)];
}
