/**
 * Orbit controls plus camera presets: perspective, front, top and the wrist view (a camera
 * riding on the live robot's tool frame, looking along the tool axis).
 */
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo, useRef } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { useView } from '../stores/react.js';
import { teachStore } from '../stores/teach.js';
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
const _tip = new THREE.Vector3();
const _ndc = new THREE.Vector3();
const _pan = new THREE.Vector3();
/** the teach arm's tool may roam this far from the view's center (NDC) before the camera follows */
const FOLLOW_MARGIN = 0.7;
/** share of the way to the tool the view's center moves per rendered frame (a smooth pan) */
const FOLLOW_GAIN = 0.15;

export function CameraRig() {
  const camera = useThree((s) => s.camera);
  const gl = useThree((s) => s.gl);
  const invalidate = useThree((s) => s.invalidate);
  const preset = useView((s) => s.preset);
  const nonce = useView((s) => s.presetNonce);

  const orbiting = useRef(false);
  /**
   * Teaching: keep the orange teach arm's tool in view. When it leaves the middle of the view
   * (a slider drag, the arm swinging out), pan the orbit center toward it; not while the
   * operator orbits or drags the gizmo.
   */
  const followTeachArm = () => {
    const tip = sceneRefs.teach?.tip;
    if (!tip || !teachStore.getState().active || orbiting.current || sceneRefs.gizmoDragging) return;
    _tip.setFromMatrixPosition(tip.matrixWorld);
    _ndc.copy(_tip).project(camera);
    if (_ndc.z <= 1 && Math.abs(_ndc.x) <= FOLLOW_MARGIN && Math.abs(_ndc.y) <= FOLLOW_MARGIN) return;
    _pan.subVectors(_tip, controls.target).multiplyScalar(FOLLOW_GAIN);
    camera.position.add(_pan);
    controls.target.add(_pan);
    controls.update();
    invalidate();
  };

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
    // While the operator orbits, the view is theirs: the teach-arm follow waits.
    const onStart = () => (orbiting.current = true);
    const onEnd = () => (orbiting.current = false);
    controls.addEventListener('start', onStart);
    controls.addEventListener('end', onEnd);
    controls.addEventListener('change', onChange);
    sceneRefs.orbit = controls;
    return () => {
      controls.removeEventListener('change', onChange);
      controls.removeEventListener('start', onStart);
      controls.removeEventListener('end', onEnd);
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
    if (preset !== 'wrist') {
      followTeachArm();
      return;
    }
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
