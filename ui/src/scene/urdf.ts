/**
 * Robot models for the 3D view, from the same URDF file the sim uses (served by the session
 * server). One URDF text, three instances: the live robot, the preview ghost and the teach arm.
 *
 * Primitive geometry is swapped for lower-poly shared shapes (urdf-loader uses 30-segment
 * spheres and cylinders; software WebGL pays per triangle), and materials for cheap Lambert
 * ones. Joint limits are not enforced here (`ignoreLimits`): the view shows what the server
 * sends, it does not clamp it.
 */
import * as THREE from 'three';
import URDFLoader, { type URDFJoint, type URDFRobot } from 'urdf-loader';
import type { RobotInfo } from '../../../server/protocol.js';

export type RobotStyle = 'solid' | 'ghost' | 'teach';

export interface RobotHandle {
  robot: URDFRobot;
  /** arm joints in the protocol's order */
  arm: URDFJoint[];
  gripper: URDFJoint | null;
  /** the tool frame (tip link) */
  tip: THREE.Object3D;
  style: RobotStyle;
  /** materials of this instance (ghost/teach), to tint them */
  materials: THREE.Material[];
  dispose(): void;
}

const lowPoly = {
  sphere: new THREE.SphereGeometry(1, 16, 10),
  cylinder: new THREE.CylinderGeometry(1, 1, 1, 20),
  box: new THREE.BoxGeometry(1, 1, 1),
};
const shared = new Set<THREE.BufferGeometry>(Object.values(lowPoly));

export async function fetchUrdf(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`[console] could not load the robot description from ${url}: HTTP ${res.status}`);
  return res.text();
}

export async function buildRobot(text: string, urdfUrl: string, info: RobotInfo, style: RobotStyle): Promise<RobotHandle> {
  const manager = new THREE.LoadingManager();
  const loader = new URDFLoader(manager);
  loader.workingPath = new URL('.', new URL(urdfUrl, window.location.href)).href;
  let pending = 0;
  let settle: () => void = () => undefined;
  const meshesDone = new Promise<void>((r) => {
    settle = r;
  });
  const base = loader.defaultMeshLoader.bind(loader);
  loader.loadMeshCb = (path, mgr, material, done) => {
    pending++;
    base(path, mgr, material, (mesh, err) => {
      done(mesh, err);
      if (--pending === 0) settle();
    });
  };
  const robot = loader.parse(text);
  if (pending > 0) await meshesDone;

  const materials: THREE.Material[] = [];
  const solidCache = new Map<number, THREE.Material>();
  const overlay =
    style === 'solid'
      ? null
      : new THREE.MeshLambertMaterial({
          color: style === 'ghost' ? 0x59c8ff : 0xffa54a,
          emissive: style === 'ghost' ? 0x0b3550 : 0x4a2a08,
          transparent: true,
          opacity: style === 'ghost' ? 0.34 : 0.5,
          depthWrite: false,
        });
  if (overlay) materials.push(overlay);
  const oldGeometries = new Set<THREE.BufferGeometry>();
  robot.traverse((o) => {
    const mesh = o as THREE.Mesh;
    if (!mesh.isMesh) return;
    const g = mesh.geometry;
    if (g.type === 'SphereGeometry') {
      oldGeometries.add(g);
      mesh.geometry = lowPoly.sphere;
    } else if (g.type === 'CylinderGeometry') {
      oldGeometries.add(g);
      mesh.geometry = lowPoly.cylinder;
    } else if (g.type === 'BoxGeometry') {
      oldGeometries.add(g);
      mesh.geometry = lowPoly.box;
    }
    const old = mesh.material as THREE.MeshPhongMaterial;
    if (overlay) {
      mesh.material = overlay;
      mesh.renderOrder = 2;
    } else {
      const hex = old?.color ? old.color.getHex() : 0xdddddd;
      let m = solidCache.get(hex);
      if (!m) {
        m = new THREE.MeshLambertMaterial({ color: hex });
        solidCache.set(hex, m);
        materials.push(m);
      }
      mesh.material = m;
    }
    old?.dispose?.();
  });
  for (const g of oldGeometries) g.dispose();

  for (const j of Object.values(robot.joints)) j.ignoreLimits = true;
  const arm = info.jointNames.map((n) => {
    const j = robot.joints[n];
    if (!j) throw new Error(`[console] the URDF has no joint "${n}" (it has ${Object.keys(robot.joints).join(', ')})`);
    return j;
  });
  const gripper = info.gripper ? (robot.joints[info.gripper.joint] ?? null) : null;
  const tip = robot.links[info.tipLink] ?? robot.frames[info.tipLink] ?? robot;
  arm.forEach((j, i) => j.setJointValue(info.home[i] ?? 0));
  gripper?.setJointValue(info.gripper?.open ?? 0);
  robot.updateMatrixWorld(true);
  return {
    robot,
    arm,
    gripper,
    tip,
    style,
    materials,
    dispose() {
      for (const m of materials) m.dispose();
      robot.traverse((o) => {
        const mesh = o as THREE.Mesh;
        if (mesh.isMesh && !shared.has(mesh.geometry)) mesh.geometry.dispose();
      });
    },
  };
}

/** Set arm joints (and the gripper) without allocating. */
export function poseRobot(h: RobotHandle, q: ArrayLike<number>, gripper: number, offset = 0): void {
  const n = h.arm.length;
  for (let i = 0; i < n; i++) h.arm[i].setJointValue(q[offset + i]);
  h.gripper?.setJointValue(gripper);
}
