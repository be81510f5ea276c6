/**
 * Kinesthetic teaching in the sim: a transform gizmo on the teach arm's tool. Dragging it asks
 * the server for IK (the same solver the planner uses), seeded from the teach arm's joints, so
 * the arm follows the hand like a guided robot. One request in flight; the newest goal wins.
 */
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo } from 'react';
import * as THREE from 'three';
import { TransformControls } from 'three/examples/jsm/controls/TransformControls.js';
import { getClient } from '../net/client.js';
import { ikWaiters } from '../net/dispatch.js';
import { useTeach } from '../stores/react.js';
import { setTeachPose, teachStore } from '../stores/teach.js';
import { sceneRefs } from './refs.js';

const _inv = new THREE.Matrix4();
const _m = new THREE.Matrix4();
const _s = new THREE.Vector3();

export function TeachGizmo() {
  const camera = useThree((s) => s.camera);
  const gl = useThree((s) => s.gl);
  const scene = useThree((s) => s.scene);
  const invalidate = useThree((s) => s.invalidate);
  const active = useTeach((s) => s.active);
  const mode = useTeach((s) => s.gizmo);
  const proxy = useMemo(() => new THREE.Object3D(), []);

  const controls = useMemo(() => {
    const c = new TransformControls(camera, gl.domElement);
    c.setSpace('world');
    c.size = 0.8;
    return c;
  }, [camera, gl]);

  useEffect(() => {
    const helper = controls.getHelper();
    scene.add(helper);
    let nextId = 1;
    let inFlight = false;
    let queued = false;
    const request = () => {
      if (inFlight) {
        queued = true;
        return;
      }
      const t = teachStore.getState();
      const id = nextId++;
      inFlight = true;
      ikWaiters.set(id, (r) => {
        inFlight = false;
        if (r.ok || r.positionError < 0.01) {
          setTeachPose(r.q);
          teachStore.setState({ ik: { ok: true, text: `IK ok (${(r.positionError * 1000).toFixed(1)} mm)` } });
        } else {
          teachStore.setState({ ik: { ok: false, text: `Out of reach: ${r.reason ?? `${(r.positionError * 100).toFixed(1)} cm off`}` } });
        }
        invalidate();
        if (queued) {
          queued = false;
          request();
        }
      });
      const sent = getClient().send({
        type: 'ik',
        id,
        position: [proxy.position.x, proxy.position.y, proxy.position.z],
        quaternion: [proxy.quaternion.x, proxy.quaternion.y, proxy.quaternion.z, proxy.quaternion.w],
        seed: t.q,
      });
      if (!sent) {
        inFlight = false;
        ikWaiters.delete(id);
      }
    };
    const onDragging = (e: { value: unknown }) => {
      const dragging = Boolean(e.value);
      sceneRefs.gizmoDragging = dragging;
      if (sceneRefs.orbit) sceneRefs.orbit.enabled = !dragging;
    };
    const onChange = () => invalidate();
    controls.addEventListener('dragging-changed', onDragging);
    controls.addEventListener('objectChange', request);
    controls.addEventListener('change', onChange);
    return () => {
      controls.removeEventListener('dragging-changed', onDragging);
      controls.removeEventListener('objectChange', request);
      controls.removeEventListener('change', onChange);
      controls.detach();
      scene.remove(helper);
      controls.dispose();
    };
  }, [controls, scene, proxy, invalidate]);

  useEffect(() => {
    controls.setMode(mode);
    if (active) controls.attach(proxy);
    else controls.detach();
    controls.getHelper().visible = active;
    invalidate();
  }, [active, mode, controls, proxy, invalidate]);

  // Keep the gizmo on the teach arm's tool unless it is being dragged.
  useFrame(() => {
    if (!active || sceneRefs.gizmoDragging) return;
    const tip = sceneRefs.teach?.tip;
    const world = sceneRefs.world;
    if (!tip || !world) return;
    tip.updateWorldMatrix(true, false);
    _inv.copy(world.matrixWorld).invert();
    _m.multiplyMatrices(_inv, tip.matrixWorld);
    _m.decompose(proxy.position, proxy.quaternion, _s);
  });
  // The proxy lives in the z-up world group, so its pose is the IK goal as is.
  return <primitive object={proxy} />;
}
