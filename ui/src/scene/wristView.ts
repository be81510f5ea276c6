/**
 * The stop-motion camera in the sim: a camera riding on the live arm's tool frame, rendering
 * the same three.js scene the 3D view shows. No React; scene/WristCamera.tsx drives it.
 *
 * Frames (protocol-studio.ts): the camera sits at `camera.offset` in the tool frame (the tip
 * link), looks along that frame's +z axis with image up = its +y axis, vertical fov `fovY`
 * degrees. A three.js camera looks along its own -z with +y up, so the camera's local frame is
 * the offset frame turned half a turn about y (+z → -z, +y stays, +x → -x; image right is
 * then tool -x, which keeps the image a right-handed view, not a mirror).
 *
 * What the wrist camera sees: the physical scene only (table, figures, the arm). It leaves out
 * what the console draws for the operator: the preview ghost and the teach arm, the planned
 * path, labels and pins, the teaching gizmo, the floor grid. It also leaves out the links that
 * are rigidly fixed to the camera (the last arm link, the hand and its fingers): in the study
 * the camera was a phone held in the gripper, its lens past the fingertips, so the fingers
 * are never in the picture; rendered here they would be the same dark bars in every frame,
 * or fill the view when the camera sits inside the hand.
 */
import * as THREE from 'three';
import type { URDFLink } from 'urdf-loader';
import type { StudioState } from '../../../server/protocol.js';
import { sceneRefs } from './refs.js';
import type { RobotHandle } from './urdf.js';

export type WristCameraInfo = StudioState['camera'];

/** m: the phone-camera's near clip, close enough to frame a 3 cm minifigure */
const NEAR = 0.01;
/** m: the far wall of the scene is a few meters away */
const FAR = 30;

const HALF_TURN_Y = new THREE.Quaternion().setFromAxisAngle(new THREE.Vector3(0, 1, 0), Math.PI);

/** Materials the console uses for overlays: unlit, or drawn on top of everything. */
function overlayMaterial(m: THREE.Material | THREE.Material[]): boolean {
  if (Array.isArray(m)) {
    for (let i = 0; i < m.length; i++) if (overlayMaterial(m[i])) return true;
    return false;
  }
  return m.depthTest === false || (m as THREE.MeshBasicMaterial).isMeshBasicMaterial === true;
}

export class WristView {
  readonly camera = new THREE.PerspectiveCamera(50, 16 / 9, NEAR, FAR);
  #info: WristCameraInfo | null = null;
  /** tool frame → three camera frame */
  readonly #offset = new THREE.Matrix4();
  readonly #world = new THREE.Matrix4();
  readonly #p = new THREE.Vector3();
  readonly #q = new THREE.Quaternion();
  readonly #one = new THREE.Vector3(1, 1, 1);
  /** objects hidden for the current wrist render (restored right after it) */
  readonly #hidden: THREE.Object3D[] = [];
  #mountOf: RobotHandle | null = null;
  #mount: THREE.Object3D | null = null;
  // Bound once: Object3D.traverse with this allocates nothing per call.
  readonly #visit = (o: THREE.Object3D): void => {
    if (!o.visible) return;
    const hide =
      o === this.#mount ||
      o === sceneRefs.ghost?.robot ||
      o === sceneRefs.teach?.robot ||
      o.userData.overlay === true ||
      (o as THREE.Sprite).isSprite === true ||
      (o as THREE.Line).isLine === true ||
      (o as THREE.Points).isPoints === true ||
      ((o as THREE.Mesh).isMesh === true && overlayMaterial((o as THREE.Mesh).material));
    if (!hide) return;
    o.visible = false;
    this.#hidden.push(o);
  };

  /**
   * Place the camera on the live arm's tool frame for an image of this aspect (w/h).
   * False while the arm is not loaded.
   */
  pose(info: WristCameraInfo, aspect: number): boolean {
    const live = sceneRefs.live;
    if (!live) return false;
    if (info !== this.#info) {
      this.#info = info;
      const o = info.offset;
      this.#p.set(o.position[0], o.position[1], o.position[2]);
      this.#q.set(o.quaternion[0], o.quaternion[1], o.quaternion[2], o.quaternion[3]).normalize().multiply(HALF_TURN_Y);
      this.#offset.compose(this.#p, this.#q, this.#one);
      this.camera.fov = info.fovY;
      this.camera.updateProjectionMatrix();
    }
    if (this.camera.aspect !== aspect) {
      this.camera.aspect = aspect;
      this.camera.updateProjectionMatrix();
    }
    if (this.#mountOf !== live) {
      this.#mountOf = live;
      this.#mount = cameraMount(live);
    }
    // The 3D view's render just updated the arm's matrices; this covers a capture that runs
    // before any view render (only the chain up to the tool frame, ~15 matrices).
    live.tip.updateWorldMatrix(true, false);
    this.#world.multiplyMatrices(live.tip.matrixWorld, this.#offset);
    this.#world.decompose(this.camera.position, this.camera.quaternion, this.camera.scale);
    this.camera.updateMatrixWorld(true);
    return true;
  }

  /** Render `scene` from the wrist camera into the renderer's current target and viewport. */
  render(gl: THREE.WebGLRenderer, scene: THREE.Scene): void {
    this.#hidden.length = 0;
    scene.traverse(this.#visit);
    try {
      gl.render(scene, this.camera);
    } finally {
      for (let i = 0; i < this.#hidden.length; i++) this.#hidden[i].visible = true;
      this.#hidden.length = 0;
    }
  }
}

/**
 * The part of the arm fixed to the camera: the link after the last arm joint, with everything
 * below it (flange, hand, fingers). The robot itself when the chain is unusual.
 */
export function cameraMount(h: RobotHandle): THREE.Object3D | null {
  const last = h.arm[h.arm.length - 1];
  if (!last) return null;
  for (const c of last.children) if ((c as URDFLink).isURDFLink) return c;
  return null;
}

/**
 * Offscreen capture target: renders the wrist view at W×H and reads it back as top-down RGBA
 * rows. The target's texture is sRGB (SRGB8_ALPHA8), so the GPU encodes the linear shader
 * output exactly as the canvas does and the PNG has the colours the operator sees.
 */
export class CaptureTarget {
  /**
   * MSAA samples. 0 by default: under software WebGL 4× MSAA made a 960×540 capture cost
   * ~270 ms instead of ~70 ms (measured with bench/capture.ts), past the 300 ms budget.
   */
  readonly #samples: number;
  #rt: THREE.WebGLRenderTarget | null = null;
  #raw = new Uint8Array(0);
  #pixels = new Uint8ClampedArray(0);
  #image: ImageData | null = null;

  constructor(samples = 0) {
    this.#samples = samples;
  }

  /** Render and read back; the returned ImageData is reused by the next capture of that size. */
  capture(gl: THREE.WebGLRenderer, scene: THREE.Scene, view: WristView, width: number, height: number): ImageData {
    const rt = this.#target(width, height);
    const prev = gl.getRenderTarget();
    gl.setRenderTarget(rt);
    try {
      view.render(gl, scene);
    } finally {
      gl.setRenderTarget(prev);
    }
    const stride = width * 4;
    this.#raw[3] = 0;
    gl.readRenderTargetPixels(rt, 0, 0, width, height, this.#raw);
    // three logs and returns without reading when the format cannot be read back.
    if (this.#raw[3] === 0) throw new Error('the wrist-camera image could not be read back from WebGL');
    // WebGL rows run bottom-up, PNG rows top-down. Alpha is forced opaque: the film has no
    // transparency, and the background already is (scene colour).
    const src = this.#raw,
      dst = this.#pixels;
    for (let y = 0; y < height; y++) {
      const s = (height - 1 - y) * stride,
        d = y * stride;
      dst.set(src.subarray(s, s + stride), d);
      for (let a = d + 3; a < d + stride; a += 4) dst[a] = 255;
    }
    return this.#image!;
  }

  #target(width: number, height: number): THREE.WebGLRenderTarget {
    if (this.#rt && this.#rt.width === width && this.#rt.height === height) return this.#rt;
    this.#rt?.dispose();
    this.#rt = new THREE.WebGLRenderTarget(width, height, {
      depthBuffer: true,
      stencilBuffer: false,
      colorSpace: THREE.SRGBColorSpace,
      samples: this.#samples,
    });
    this.#raw = new Uint8Array(width * height * 4);
    this.#pixels = new Uint8ClampedArray(width * height * 4);
    this.#image = new ImageData(this.#pixels, width, height);
    return this.#rt;
  }

  dispose(): void {
    this.#rt?.dispose();
    this.#rt = null;
  }
}
