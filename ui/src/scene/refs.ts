/**
 * Handles the scene components share (camera rig ↔ robots ↔ picker ↔ gizmo), and the frame
 * probe the tests and the benchmark read. Plain mutable module state: none of it is React
 * state, and none of it changes per frame except the counters.
 */
// Types only: main.tsx reads this module, and three.js must stay out of the first-paint chunk.
import type * as THREE from 'three';
import type { RobotHandle } from './urdf.js';

export interface PickTarget {
  kind: 'table' | 'object' | 'container';
  name: string;
}

export const sceneRefs = {
  /** the z-up world frame (robot base frame) inside three's y-up scene */
  world: null as THREE.Group | null,
  live: null as RobotHandle | null,
  ghost: null as RobotHandle | null,
  teach: null as RobotHandle | null,
  /** meshes a click can hit */
  pickables: new Map<THREE.Object3D, PickTarget>(),
  camera: null as THREE.Camera | null,
  canvas: null as HTMLCanvasElement | null,
  /** true while the teaching gizmo is being dragged (orbit must not also move) */
  gizmoDragging: false,
  orbit: null as { enabled: boolean } | null,
};

/** Counters for tests and the benchmark (window.__shammie.frames). */
export const frameProbe = {
  /** frames rendered */
  frames: 0,
  /** the preview id the path and ghost currently show */
  shownPreview: '' as string,
  /** performance.now() when a frame showing `shownPreview` had been rendered */
  shownAt: 0,
  /** robot models loaded and drawn */
  robotReady: false,
  /**
   * React renders of the scene components. Joint states must not cause any: the tests compare
   * this with the number of joint messages received.
   */
  renders: 0,
};

/** World point (z-up, m) → CSS pixel in the canvas; null when behind the camera. */
export function projectWorld(p: [number, number, number]): { x: number; y: number } | null {
  const { world, camera, canvas } = sceneRefs;
  if (!world || !camera || !canvas) return null;
  world.updateMatrixWorld();
  const v = camera.position.clone().set(p[0], p[1], p[2]).applyMatrix4(world.matrixWorld).project(camera);
  if (v.z > 1) return null;
  const r = canvas.getBoundingClientRect();
  return { x: r.left + ((v.x + 1) / 2) * r.width, y: r.top + ((1 - v.y) / 2) * r.height };
}
