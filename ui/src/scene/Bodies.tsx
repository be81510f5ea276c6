/**
 * The table, the scene's objects and containers (poses from the live stream), labels for the
 * things the robot knows by name, pins for taught locations, and the clicked point.
 * Coordinates: children of the z-up world group, meters.
 */
import { useFrame } from '@react-three/fiber';
import { useEffect, useMemo, useRef } from 'react';
import * as THREE from 'three';
import type { EntityInfo, SceneInfo } from '../../../server/protocol.js';
import { joints } from '../stores/joints.js';
import { useSession, useView } from '../stores/react.js';
import { disposeLabel, makeLabel } from './labels.js';
import { frameProbe, sceneRefs, type PickTarget } from './refs.js';

const rgb = (c: readonly number[]) => new THREE.Color(c[0], c[1], c[2]);

function usePickable(ref: React.RefObject<THREE.Object3D | null>, target: PickTarget) {
  useEffect(() => {
    const o = ref.current;
    if (!o) return;
    sceneRefs.pickables.set(o, target);
    return () => {
      sceneRefs.pickables.delete(o);
    };
  }, [ref, target.kind, target.name]);
}

export function Table({ table }: { table: SceneInfo['table'] }) {
  const top = useRef<THREE.Mesh>(null);
  usePickable(top, { kind: 'table', name: 'TABLE' });
  const [sx, sy] = table.size;
  const [cx, cy] = table.center;
  const legH = table.height - table.thickness;
  const legs: [number, number][] = [
    [1, 1],
    [1, -1],
    [-1, 1],
    [-1, -1],
  ].map(([a, b]) => [cx + a * (sx / 2 - 0.05), cy + b * (sy / 2 - 0.05)]);
  const color = useMemo(() => rgb(table.rgba), [table.rgba]);
  return (
    <group>
      <mesh ref={top} position={[cx, cy, -table.thickness / 2]}>
        <boxGeometry args={[sx, sy, table.thickness]} />
        <meshLambertMaterial color={color} />
      </mesh>
      {legs.map(([x, y], i) => (
        <mesh key={i} position={[x, y, -table.thickness - legH / 2]}>
          <boxGeometry args={[0.05, 0.05, legH]} />
          <meshLambertMaterial color={color.clone().multiplyScalar(0.7)} />
        </mesh>
      ))}
    </group>
  );
}

/** Objects and containers; each group's pose comes from `joints.bodies` in the frame loop. */
export function Bodies({ scene }: { scene: SceneInfo }) {
  frameProbe.renders++;
  const groups = useRef<(THREE.Group | null)[]>([]);
  const seen = useRef(-1);
  useFrame(() => {
    if (joints.version === seen.current) return;
    seen.current = joints.version;
    const b = joints.bodies;
    for (let i = 0; i < groups.current.length; i++) {
      const g = groups.current[i];
      if (!g || b.length < (i + 1) * 7) continue;
      const k = i * 7;
      g.position.set(b[k], b[k + 1], b[k + 2]);
      g.quaternion.set(b[k + 3], b[k + 4], b[k + 5], b[k + 6]);
    }
  });
  const n = scene.objects.length;
  return (
    <group>
      {scene.objects.map((o, i) => (
        <group
          key={o.name}
          ref={(g) => {
            groups.current[i] = g;
          }}
          position={[0, 0, -10]}
        >
          <ObjectMesh o={o} />
        </group>
      ))}
      {scene.containers.map((c, i) => (
        <group
          key={c.name}
          ref={(g) => {
            groups.current[n + i] = g;
          }}
          position={[0, 0, -10]}
        >
          <ContainerMesh c={c} />
        </group>
      ))}
    </group>
  );
}

function ObjectMesh({ o }: { o: SceneInfo['objects'][number] }) {
  const ref = useRef<THREE.Mesh>(null);
  usePickable(ref, { kind: 'object', name: o.name });
  const color = useMemo(() => rgb(o.rgba), [o.rgba]);
  const s = o.size;
  return (
    <mesh ref={ref} rotation={o.shape === 'cylinder' ? [Math.PI / 2, 0, 0] : [0, 0, 0]}>
      {o.shape === 'box' && <boxGeometry args={[s[0], s[1], s[2]]} />}
      {o.shape === 'sphere' && <sphereGeometry args={[s[0], 20, 14]} />}
      {o.shape === 'cylinder' && <cylinderGeometry args={[s[0], s[0], s[1], 24]} />}
      <meshLambertMaterial color={color} />
    </mesh>
  );
}

/** An open-top box: floor and four walls around the body's centre (as in the sim's MJCF). */
function ContainerMesh({ c }: { c: SceneInfo['containers'][number] }) {
  const ref = useRef<THREE.Group>(null);
  usePickable(ref, { kind: 'container', name: c.name });
  const color = useMemo(() => rgb(c.rgba), [c.rgba]);
  const inner = useMemo(() => rgb(c.rgba).multiplyScalar(0.55), [c.rgba]);
  const w = c.wall;
  const ix = c.inner[0] / 2,
    iy = c.inner[1] / 2;
  const hx = ix + w,
    hy = iy + w,
    hz = c.height / 2;
  const walls: { p: [number, number, number]; s: [number, number, number] }[] = [
    { p: [ix + w / 2, 0, 0], s: [w, 2 * hy, 2 * hz] },
    { p: [-ix - w / 2, 0, 0], s: [w, 2 * hy, 2 * hz] },
    { p: [0, iy + w / 2, 0], s: [2 * ix, w, 2 * hz] },
    { p: [0, -iy - w / 2, 0], s: [2 * ix, w, 2 * hz] },
  ];
  return (
    <group ref={ref}>
      <mesh position={[0, 0, -hz + w / 2]}>
        <boxGeometry args={[2 * hx, 2 * hy, w]} />
        <meshLambertMaterial color={inner} />
      </mesh>
      {walls.map((wl, i) => (
        <mesh key={i} position={wl.p}>
          <boxGeometry args={wl.s} />
          <meshLambertMaterial color={color} />
        </mesh>
      ))}
    </group>
  );
}

/** Labels for named things; pins for taught locations. */
export function Markers({ scene }: { scene: SceneInfo }) {
  const entities = useSession((s) => s.entities);
  return (
    <group>
      {entities.map((e) => (
        <EntityMarker key={`${e.name}:${e.body ?? ''}:${e.kind}`} e={e} scene={scene} />
      ))}
      <ClickMarker />
    </group>
  );
}

function topOf(scene: SceneInfo, body: string): number {
  const o = scene.objects.find((x) => x.name === body);
  if (o) return o.shape === 'box' ? o.size[2] / 2 : o.shape === 'sphere' ? o.size[0] : o.size[1] / 2;
  const c = scene.containers.find((x) => x.name === body);
  return c ? c.height / 2 : 0.03;
}

function EntityMarker({ e, scene }: { e: EntityInfo; scene: SceneInfo }) {
  const label = useMemo(() => makeLabel(e.name, { color: e.kind === 'location' ? '#ffd166' : '#ffffff' }), [e.name, e.kind]);
  useEffect(() => () => disposeLabel(label), [label]);
  const bodyIndex = e.body ? scene.bodies.indexOf(e.body) : -1;
  const lift = e.body ? topOf(scene, e.body) + 0.025 : 0.09;
  const seen = useRef(-1);
  useFrame(() => {
    if (bodyIndex < 0) {
      if (e.position) label.position.set(e.position[0], e.position[1], e.position[2] + lift);
      return;
    }
    if (joints.version === seen.current) return;
    seen.current = joints.version;
    const k = bodyIndex * 7;
    const b = joints.bodies;
    if (b.length >= k + 3) label.position.set(b[k], b[k + 1], b[k + 2] + lift);
  });
  return (
    <group>
      <primitive object={label} />
      {e.kind === 'location' && e.position && (
        <group position={e.position} userData={{ overlay: true /* a console marker: not in the wrist camera's film */ }}>
          <mesh position={[0, 0, 0.035]} rotation={[-Math.PI / 2, 0, 0]}>
            <coneGeometry args={[0.014, 0.05, 12]} />
            <meshLambertMaterial color="#ffd166" />
          </mesh>
          <mesh position={[0, 0, 0.002]} rotation={[0, 0, 0]}>
            <cylinderGeometry args={[0.03, 0.03, 0.002, 24]} />
            <meshBasicMaterial color="#ffd166" transparent opacity={0.5} />
          </mesh>
        </group>
      )}
    </group>
  );
}

function ClickMarker() {
  const p = useView((s) => s.lastPoint);
  if (!p) return null;
  return (
    <mesh position={p}>
      <sphereGeometry args={[0.012, 12, 8]} />
      <meshBasicMaterial color="#ffd166" />
    </mesh>
  );
}
