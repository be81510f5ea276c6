/**
 * Orbit controls plus camera presets: perspective, front, top and the wrist view (a camera
 * riding on the live robot's tool frame, looking along the tool axis).
 */
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { useView } from '../stores/react.js';
import type { CameraPreset } from '../stores/view.js';
import { sceneRefs } from './refs.js';

type V3 = [number, number, number];
/** world (z up) → three (y up): the same rotation as the world group */
const toThree = ([x, y, z]: V3): V3 => [x, z, -y];

export const PRESETS: Record<Exclude<CameraPreset, 'wrist'>, { eye: V3; target: V3 }> = {
  perspective: { eye: [1.62, -1.18, 1.08], target: [0.34, -0.04, 0.18] },
  front: { eye: [2.0, 0, 0.62], target: [0.3, 0, 0.25] },
  top: { eye: [0.4195, 0, 2.1], target: [0.42, 0, 0] },
};

// Scratch for the wrist camera (no allocation per frame).
const _eye = new THREE.Vector3();
const _look = new THREE.Vector3();
const _up = new THREE.Vector3();
const _m = new THREE.Matrix4();
const WRIST_EYE = new THREE.Vector3(0.07, 0, -0.13);
const WRIST_LOOK = new THREE.Vector3(0, 0, 0.3);

export function CameraRig() {
  const camera = useThree((s) => s.camera);
  const gl = useThree((s) => s.gl);
  const invalidate = useThree((s) => s.invalidate);
  const preset = useView((s) => s.preset);
  const nonce = useView((s) => s.presetNonce);

  const controls = useMemo(() => {
    const c = new OrbitControls(camera, gl.domElement);
    c.enableDamping = false;
    c.zoomSpeed = 0.9;
    c.minDistance = 0.15;
    c.maxDistance = 8;
    return c;
  }, [camera, gl]);

  useEffect(() => {
    const onChange = () => invalidate();
    controls.addEventListener('change', onChange);
    sceneRefs.orbit = controls;
    return () => {
      controls.removeEventListener('change', onChange);
      controls.dispose();
      sceneRefs.orbit = null;
    };
  }, [controls, invalidate]);

  useEffect(() => {
    if (preset === 'wrist') {
      controls.enabled = false;
    } else {
      const p = PRESETS[preset];
      controls.enabled = true;
      camera.up.set(0, 1, 0);
      camera.position.set(...toThree(p.eye));
      controls.target.set(...toThree(p.target));
      controls.update();
    }
    invalidate();
  }, [preset, nonce, controls, camera, invalidate]);

  useFrame(() => {
    if (preset !== 'wrist') return;
    const tip = sceneRefs.live?.tip;
    if (!tip) return;
    _m.copy(tip.matrixWorld);
    _eye.copy(WRIST_EYE).applyMatrix4(_m);
    _look.copy(WRIST_LOOK).applyMatrix4(_m);
    _up.set(1, 0, 0).transformDirection(_m);
    camera.position.copy(_eye);
    camera.up.copy(_up);
    camera.lookAt(_look);
  });
  return null;
}
