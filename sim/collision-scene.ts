/**
 * The planning scene of a scene file: the same table, objects and containers the MuJoCo model
 * is generated from (sim/mjcf.ts), as collision shapes. Objects start where the file puts them;
 * the world's pose source (the physics) moves them to where they really are before each check.
 * Units: meters, radians; world frame z up, z = 0 the table top.
 */
import { PlanningScene } from '../collision/index.js';
import { objectHalfExtents, type Scene } from './scene.js';

export interface SceneCollisionOptions {
  /**
   * Include the table top. Planning wants it; the SafetyGuard leaves it out because its own table
   * check keeps per-link clearances (arm 2 cm, tool 3 mm, so fingers can reach objects on the table).
   */
  table?: boolean;
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
  return ps;
}

/** The names of the scene's bodies (objects and containers), which the pose source can locate. */
export function sceneBodyNames(scene: Scene): string[] {
  return [...scene.objects.map((o) => o.name), ...scene.containers.map((c) => c.name)];
}
