/**
 * The 3D view: R3F canvas rendering on demand (a frame when the joint stream changes, the
 * camera moves, or the preview plays). three.js is y-up; everything robotic sits in one group
 * rotated so that its local frame is the robot's z-up world frame (meters).
 */
import { Canvas, useFrame, useThree } from '@react-three/fiber';
import { useCallback, useEffect } from 'react';
import * as THREE from 'three';
import { joints } from '../stores/joints.js';
import { setFrameRequester } from '../stores/frame.js';
import { useSession } from '../stores/react.js';
import { Bodies, Markers, Table } from './Bodies.js';
import { CameraRig } from './CameraRig.js';
import { ContactMarker } from './ContactMarker.js';
import { Picker } from './Picker.js';
import { PreviewPath } from './PreviewPath.js';
import { LabelDeclutter } from './labels.js';
import { frameProbe, sceneRefs } from './refs.js';
import { Robots } from './Robots.js';
import { TeachGizmo } from './TeachGizmo.js';
import { WristCamera } from './WristCamera.js';

const params = new URLSearchParams(window.location.search);
const ANTIALIAS = params.get('aa') === '1';
const FLAT = params.get('flat') !== '0';

export function Viewport() {
  return (
    <Canvas
      frameloop="demand"
      dpr={1}
      flat={FLAT}
      gl={{ antialias: ANTIALIAS, alpha: false, stencil: false, powerPreference: 'high-performance' }}
      camera={{ fov: 42, near: 0.02, far: 40, position: [1.75, 1.2, 1.3] }}
      onCreated={(state) => {
        setFrameRequester(() => state.invalidate());
        sceneRefs.camera = state.camera;
        sceneRefs.canvas = state.gl.domElement;
        // Screen readers meet a named picture, not an unnamed canvas; the dialogue and plan say the rest.
        state.gl.domElement.setAttribute('role', 'img');
        state.gl.domElement.setAttribute('aria-label', '3-D view: the robot, the table and the objects; the ghost arm previews a plan');
      }}
    >
      <SceneContent />
    </Canvas>
  );
}

function SceneContent() {
  const scene = useSession((s) => s.scene);
  const robot = useSession((s) => s.robot);
  const invalidate = useThree((s) => s.invalidate);
  frameProbe.renders++;
  const setWorld = useCallback((g: THREE.Group | null) => {
    sceneRefs.world = g;
  }, []);
  useEffect(() => joints.onChange(() => invalidate()), [invalidate]);

  const floorZ = -(scene?.table.height ?? 0.75);
  return (
    <>
      <color attach="background" args={['#1c2129']} />
      <hemisphereLight args={['#f2f5ff', '#3b404c', 1.6]} />
      <directionalLight position={[1.5, 3, 2]} intensity={1.9} />
      <CameraRig />
      <group ref={setWorld} rotation={[-Math.PI / 2, 0, 0]}>
        {scene && <Table table={scene.table} />}
        {scene && <Bodies scene={scene} />}
        {scene && <Markers scene={scene} />}
        {robot && <Robots robot={robot} />}
        <PreviewPath />
        <ContactMarker />
        <TeachGizmo />
      </group>
      <gridHelper args={[4, 40, '#3c4452', '#2a303a']} position={[0.35, floorZ, 0]} />
      <Picker />
      <FrameCounter />
      <LabelDeclutter />
      <WristCamera />
    </>
  );
}

function FrameCounter() {
  useFrame(() => {
    frameProbe.frames++;
  });
  return null;
}
