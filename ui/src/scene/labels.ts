/**
 * Text labels as sprites (canvas textures): drawn by WebGL, no DOM per label, face the camera.
 * Every label is registered; <LabelDeclutter/> (in the canvas) places them in screen space each
 * frame something moved, so two labels never sit on each other (TOY_CAR over CANDY in the bag):
 * a label that would overlap one already placed is lifted by whole label heights, and hidden if
 * it still overlaps after a few lifts. Nearer labels are placed first and so keep their spot.
 * A lifted label gets a thin leader line (and a dot) down to its anchor, so it is clear which
 * object it names.
 */
import { useFrame, useThree } from '@react-three/fiber';
import { createElement, useEffect, useMemo, useRef } from 'react';
import * as THREE from 'three';
import { declutter, LEADER_COLOR, LIFT_GAP, MAX_LABELS, needsLeader, type LabelBox, type LabelProbe } from './declutter.js';

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
export const labelProbe: LabelProbe = { passes: 0, labels: [] };
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
const _v = new THREE.Vector3();

/** anchor dot size, px */
const DOT_PX = 4;

/**
 * Leader lines (label → anchor) and anchor dots, one per lifted label, in preallocated buffers
 * rewritten each pass. Three's world frame (the scene root, y up), m: the ends are unprojected
 * from screen points at the anchor's depth. Drawn over the labels (no depth test, after the
 * transparent sprites); lines and points stay out of the wrist camera's film (wristView.ts).
 */
function makeLeaders() {
  const linePos = new THREE.BufferAttribute(new Float32Array(MAX_LABELS * 6), 3).setUsage(THREE.DynamicDrawUsage);
  const dotPos = new THREE.BufferAttribute(new Float32Array(MAX_LABELS * 3), 3).setUsage(THREE.DynamicDrawUsage);
  const lineGeom = new THREE.BufferGeometry().setAttribute('position', linePos);
  const dotGeom = new THREE.BufferGeometry().setAttribute('position', dotPos);
  const style = { color: LEADER_COLOR, depthTest: false, depthWrite: false, transparent: true };
  const lines = new THREE.LineSegments(lineGeom, new THREE.LineBasicMaterial(style));
  const dots = new THREE.Points(dotGeom, new THREE.PointsMaterial({ ...style, size: DOT_PX, sizeAttenuation: false }));
  const group = new THREE.Group();
  for (const o of [lines, dots]) {
    o.frustumCulled = false; // the buffers change every pass; their bounds are never computed
    o.renderOrder = 11;
    group.add(o);
  }
  group.visible = false;
  const dispose = () => {
    for (const o of [lines, dots]) {
      o.geometry.dispose();
      o.material.dispose();
    }
  };
  return { group, linePos, dotPos, lineGeom, dotGeom, dispose };
}
type Leaders = ReturnType<typeof makeLeaders>;

/** Screen point (canvas px) at NDC depth z → three's world frame, into `out`. */
function unprojectPx(cam: THREE.Camera, x: number, y: number, z: number, W: number, H: number, out: THREE.Vector3): THREE.Vector3 {
  return out.set((x / W) * 2 - 1, 1 - (y / H) * 2, z).unproject(cam);
}

/**
 * Show this pass's `n` leaders (the buffers' first entries). The whole buffers are uploaded (a
 * few KB, on frames with leaders only): update ranges would allocate one object per frame.
 */
function commitLeaders(l: Leaders, n: number): void {
  l.lineGeom.setDrawRange(0, n * 2);
  l.dotGeom.setDrawRange(0, n);
  if (n > 0) {
    l.linePos.needsUpdate = true;
    l.dotPos.needsUpdate = true;
  }
  l.group.visible = n > 0;
}

/** Lays out the registered labels each rendered frame, and draws the leaders of lifted ones. */
export function LabelDeclutter() {
  const invalidate = useThree((s) => s.invalidate);
  const lastKey = useRef('');
  const leaders = useMemo(makeLeaders, []);
  useEffect(() => leaders.dispose, [leaders]);
  /** each box's anchor in NDC (x, y, z), by box id: where a leader ends */
  const anchors = useMemo(() => new Float64Array(MAX_LABELS * 3), []);
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
      anchors[sprites.length * 3] = ax;
      anchors[sprites.length * 3 + 1] = ay;
      anchors[sprites.length * 3 + 2] = _p.z;
      boxes.push({ id: sprites.length, x: ax - e.base.x * w, y: ay - (1 - e.base.y) * h, w, h, priority: e.priority, depth });
      sprites.push(sprite);
      key += `${Math.round(ax)},${Math.round(ay)},${Math.round(w)};`;
    }
    const placed = declutter(boxes);
    const probe: typeof labelProbe.labels = [];
    const line = leaders.linePos.array as Float32Array;
    const dot = leaders.dotPos.array as Float32Array;
    let n = 0;
    for (const pl of placed) {
      const sprite = sprites[pl.id];
      const e = registry.get(sprite);
      if (!e?.base) continue;
      e.lift = pl.lift;
      e.hidden = !pl.visible;
      sprite.visible = pl.visible;
      sprite.center.set(e.base.x, e.base.y - pl.lift * (1 + LIFT_GAP));
      let leader: (typeof probe)[number]['leader'] = null;
      if (needsLeader(boxes[pl.id], pl)) {
        // From the middle of the label's lower edge to its anchor, both at the anchor's depth.
        const ax = anchors[pl.id * 3],
          ay = anchors[pl.id * 3 + 1],
          az = anchors[pl.id * 3 + 2];
        unprojectPx(cam, pl.x + pl.w / 2, pl.y + pl.h, az, W, H, _v).toArray(line, n * 6);
        unprojectPx(cam, ax, ay, az, W, H, _v).toArray(line, n * 6 + 3);
        _v.toArray(dot, n * 3);
        // What was drawn, projected back (for the tests: the probe allocates, the drawing does not).
        _v.fromArray(line, n * 6).project(cam);
        const x1 = ((_v.x + 1) / 2) * W,
          y1 = ((1 - _v.y) / 2) * H;
        _v.fromArray(line, n * 6 + 3).project(cam);
        leader = { x1, y1, x2: ((_v.x + 1) / 2) * W, y2: ((1 - _v.y) / 2) * H };
        n++;
      }
      probe.push({
        text: String(sprite.userData.labelText ?? ''),
        visible: pl.visible,
        x: pl.x,
        y: pl.y,
        w: pl.w,
        h: pl.h,
        lift: pl.lift,
        leader,
      });
    }
    commitLeaders(leaders, n);
    labelProbe.labels = probe;
    labelProbe.passes++;
    // The owners move their labels in their own frame callbacks, which may run after this one:
    // while anything moved, ask for one more frame so the last one is laid out from final places.
    if (key !== lastKey.current) {
      lastKey.current = key;
      invalidate();
    }
  });
  // (a .ts file: no JSX) the leaders' group, at the scene root
  return createElement('primitive', { object: leaders.group });
}
