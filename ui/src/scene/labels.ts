/** Text labels as sprites (canvas textures): drawn by WebGL, no DOM per label, face the camera. */
import * as THREE from 'three';

const PX = 40; // font size in texture pixels

export function makeLabel(text: string, opts: { color?: string; background?: string; height?: number } = {}): THREE.Sprite {
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
  return sprite;
}

export function disposeLabel(sprite: THREE.Sprite): void {
  sprite.material.map?.dispose();
  sprite.material.dispose();
}
