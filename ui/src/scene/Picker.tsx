/**
 * Click-to-point: a click (not a drag) on the table or an object sends the world point to the
 * session, answering "show me where TOY_CAR is" or naming a location. Active while the robot
 * asks, or when point mode is on. Raycasts only on click, never on pointer move.
 */
import { useThree } from '@react-three/fiber';
import { useEffect } from 'react';
import * as THREE from 'three';
import { getClient } from '../net/client.js';
import { sessionStore } from '../stores/session.js';
import { viewStore } from '../stores/view.js';
import { sceneRefs, type PickTarget } from './refs.js';

const CLICK_SLOP_PX = 5;

export function Picker() {
  const gl = useThree((s) => s.gl);
  const camera = useThree((s) => s.camera);
  const invalidate = useThree((s) => s.invalidate);
  useEffect(() => {
    const el = gl.domElement;
    const raycaster = new THREE.Raycaster();
    const ndc = new THREE.Vector2();
    let down: { x: number; y: number } | null = null;
    const onDown = (e: PointerEvent) => {
      down = e.button === 0 ? { x: e.clientX, y: e.clientY } : null;
    };
    const onUp = (e: PointerEvent) => {
      const start = down;
      down = null;
      if (!start || Math.hypot(e.clientX - start.x, e.clientY - start.y) > CLICK_SLOP_PX) return;
      if (sceneRefs.gizmoDragging) return;
      const asking = sessionStore.getState().awaitingPoint !== null;
      if (!asking && !viewStore.getState().pointMode) return;
      const hit = pick(e.clientX, e.clientY, el, camera, raycaster, ndc);
      if (!hit) return;
      const p: [number, number, number] = [round(hit.point.x), round(hit.point.y), round(hit.point.z)];
      viewStore.setState({ lastPoint: p });
      invalidate();
      setTimeout(() => {
        if (viewStore.getState().lastPoint === p) {
          viewStore.setState({ lastPoint: null });
          invalidate();
        }
      }, 4000);
      getClient().send({ type: 'point', position: p });
    };
    el.addEventListener('pointerdown', onDown);
    el.addEventListener('pointerup', onUp);
    return () => {
      el.removeEventListener('pointerdown', onDown);
      el.removeEventListener('pointerup', onUp);
    };
  }, [gl, camera, invalidate]);
  return null;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Nearest pickable under a screen point; the point is returned in the z-up world frame. */
export function pick(
  clientX: number,
  clientY: number,
  el: HTMLElement,
  camera: THREE.Camera,
  raycaster = new THREE.Raycaster(),
  ndc = new THREE.Vector2(),
): { point: THREE.Vector3; target: PickTarget } | null {
  const world = sceneRefs.world;
  if (!world) return null;
  const r = el.getBoundingClientRect();
  ndc.set(((clientX - r.left) / r.width) * 2 - 1, -((clientY - r.top) / r.height) * 2 + 1);
  raycaster.setFromCamera(ndc, camera);
  const hits = raycaster.intersectObjects([...sceneRefs.pickables.keys()], true);
  for (const h of hits) {
    let o: THREE.Object3D | null = h.object;
    while (o && !sceneRefs.pickables.has(o)) o = o.parent;
    if (!o) continue;
    return { point: world.worldToLocal(h.point.clone()), target: sceneRefs.pickables.get(o)! };
  }
  return null;
}
