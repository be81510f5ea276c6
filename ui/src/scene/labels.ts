/**
 * Text labels as sprites (canvas textures): drawn by WebGL, no DOM per label, face the camera.
 * Every label is registered; <LabelDeclutter/> (in the canvas) places them in screen space each
 * frame something moved, so two labels never sit on each other (TOY_CAR over CANDY in the bag):
 * a label that would overlap one already placed is lifted by whole label heights, and hidden if
 * it still overlaps after a few lifts. Nearer labels are placed first and so keep their spot.
 */
import { useFrame, useThree } from '@react-three/fiber';
import { useRef } from 'react';
import * as THREE from 'three';
import { declutter, LIFT_GAP, MAX_LABELS, type LabelBox } from './declutter.js';

const PX = 40; // font size in texture pixels

export function makeLabel(
  text: string,
  opts: { color?: string; background?: string; height?: number; priority?: number } = {},
): THREE.Sprite {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  const font = `600 ${PX}px ui-sans-serif, system-ui, sans-serif`;
  ctx.font = font;
  const w = Math.ceil(ctx.measureText(text).width) + PX;
  const h = Math.round(PX * 1.6);
  canvas.width = w;
  canvas.height = h;
  ctx.font = font;
  ctx.fillStyle = opts.background ?? 'rgba(16, 20, 28, 0.78)';
  const r = h / 2.4;
  ctx.beginPath();
  ctx.roundRect(0, 0, w, h, r);
  ctx.fill();
  ctx.fillStyle = opts.color ?? '#ffffff';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, PX / 2, h / 2 + 1);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.minFilter = THREE.LinearFilter;
  texture.generateMipmaps = false;
  // Constant size on screen (sizeAttenuation off): readable far away, not huge up close.
  const material = new THREE.SpriteMaterial({
    map: texture,
    depthTest: false,
    depthWrite: false,
    transparent: true,
    sizeAttenuation: false,
  });
  const sprite = new THREE.Sprite(material);
  const height = opts.height ?? 0.026;
  sprite.scale.set((height * w) / h, height, 1);
  sprite.center.set(0.5, 0);
  sprite.renderOrder = 10;
  sprite.userData.labelText = text;
  registry.set(sprite, { priority: opts.priority ?? 0, base: null, lift: 0, hidden: false });
  return sprite;
}

export function disposeLabel(sprite: THREE.Sprite): void {
  registry.delete(sprite);
  sprite.material.map?.dispose();
  sprite.material.dispose();
}

// ---- screen-space declutter ----

interface Entry {
  /** placed before lower priorities, whatever the depth */
  priority: number;
  /** the sprite's own anchor (center) before any lift; read on the first pass */
  base: THREE.Vector2 | null;
  lift: number;
  hidden: boolean;
}
const registry = new Map<THREE.Sprite, Entry>();

/** What the last pass showed, for tests and debugging (window.__shammieLabels). */
export const labelProbe = {
  passes: 0,
  labels: [] as { text: string; visible: boolean; x: number; y: number; w: number; h: number; lift: number }[],
};
if (typeof window !== 'undefined') (window as unknown as Record<string, unknown>).__shammieLabels = labelProbe;

function inScene(o: THREE.Object3D): boolean {
  let p: THREE.Object3D | null = o;
  for (let i = 0; p && i < 64; i++) {
    if (p !== o && !p.visible) return false;
    if ((p as THREE.Scene).isScene) return true;
    p = p.parent;
  }
  return false;
}

const _p = new THREE.Vector3();
const _s = new THREE.Vector3();
const _q = new THREE.Quaternion();

/** Lays out the registered labels each rendered frame; renders nothing. */
export function LabelDeclutter(): null {
  const invalidate = useThree((s) => s.invalidate);
  const lastKey = useRef('');
  useFrame((state) => {
    const cam = state.camera;
    const { width: W, height: H } = state.size;
    const pm = cam.projectionMatrix.elements;
    const boxes: LabelBox[] = [];
    const sprites: THREE.Sprite[] = [];
    let key = '';
    for (const [sprite, e] of registry) {
      if (sprites.length >= MAX_LABELS) break;
      if (!inScene(sprite)) continue;
      e.base ??= sprite.center.clone();
      sprite.updateWorldMatrix(true, false);
      sprite.matrixWorld.decompose(_p, _q, _s);
      const depth = _p.distanceTo(cam.position);
      _p.project(cam);
      if (_p.z > 1 || _p.z < -1 || Math.abs(_p.x) > 1.5 || Math.abs(_p.y) > 1.5) {
        // behind the camera or far off screen: takes no room
        sprite.visible = true;
        continue;
      }
      // sizeAttenuation is off: the on-screen size is the scale times the projection's zoom
      const w = (_s.x * pm[0] * W) / 2;
      const h = (_s.y * pm[5] * H) / 2;
      const ax = ((_p.x + 1) / 2) * W;
      const ay = ((1 - _p.y) / 2) * H;
      boxes.push({ id: sprites.length, x: ax - e.base.x * w, y: ay - (1 - e.base.y) * h, w, h, priority: e.priority, depth });
      sprites.push(sprite);
      key += `${Math.round(ax)},${Math.round(ay)},${Math.round(w)};`;
    }
    const placed = declutter(boxes);
    const probe: typeof labelProbe.labels = [];
    for (const pl of placed) {
      const sprite = sprites[pl.id];
      const e = registry.get(sprite);
      if (!e?.base) continue;
      e.lift = pl.lift;
      e.hidden = !pl.visible;
      sprite.visible = pl.visible;
      sprite.center.set(e.base.x, e.base.y - pl.lift * (1 + LIFT_GAP));
      probe.push({ text: String(sprite.userData.labelText ?? ''), visible: pl.visible, x: pl.x, y: pl.y, w: pl.w, h: pl.h, lift: pl.lift });
    }
    labelProbe.labels = probe;
    labelProbe.passes++;
    // The owners move their labels in their own frame callbacks, which may run after this one:
    // while anything moved, ask for one more frame so the last one is laid out from final places.
    if (key !== lastKey.current) {
      lastKey.current = key;
      invalidate();
    }
  });
  return null;
}
