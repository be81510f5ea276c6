/**
 * The tool centre path of the preview as a plain THREE.Line (1 px lines are cheap under
 * software WebGL; fat lines are not), coloured per step: cyan when safe, red where a step
 * fails a safety check. A dot follows the ghost's tool along it. Dimmed while executing,
 * gone once the plan ran or was stopped (pathDrawn).
 */
import { useFrame } from '@react-three/fiber';
import { useEffect, useMemo } from 'react';
import * as THREE from 'three';
import { pathDrawn, playhead, previewStore } from '../stores/preview.js';
import { usePreview } from '../stores/react.js';
import { frameProbe } from './refs.js';

export const PATH_COLOR = new THREE.Color('#00e5ff');
export const UNSAFE_COLOR = new THREE.Color('#ff3344');

export function PreviewPath() {
  frameProbe.renders++;
  const preview = usePreview((s) => s.preview);
  const mode = usePreview((s) => s.mode);
  const showPath = usePreview((s) => s.showPath);

  const line = useMemo(() => {
    if (!preview || preview.path.length < 6) return null;
    const n = preview.path.length / 3;
    const pos = new Float32Array(preview.path);
    const col = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const step = preview.steps[preview.timeline.step[i]];
      const c = step && !step.safe ? UNSAFE_COLOR : PATH_COLOR;
      col[i * 3] = c.r;
      col[i * 3 + 1] = c.g;
      col[i * 3 + 2] = c.b;
    }
    const geo = new THREE.BufferGeometry();
    geo.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    geo.setAttribute('color', new THREE.BufferAttribute(col, 3));
    geo.computeBoundingSphere();
    const mat = new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 1, depthTest: false });
    const l = new THREE.Line(geo, mat);
    l.renderOrder = 5;
    l.frustumCulled = false;
    return l;
  }, [preview]);

  // Step boundaries: small spheres where each step ends.
  const ends = useMemo(() => {
    if (!preview) return [];
    const out: { p: [number, number, number]; safe: boolean }[] = [];
    const st = preview.timeline.step;
    for (let i = 0; i < st.length; i++) {
      if (i === st.length - 1 || st[i + 1] !== st[i]) {
        out.push({ p: [preview.path[i * 3], preview.path[i * 3 + 1], preview.path[i * 3 + 2]], safe: preview.steps[st[i]]?.safe ?? true });
      }
    }
    return out;
  }, [preview]);

  useEffect(
    () => () => {
      if (line) {
        line.geometry.dispose();
        (line.material as THREE.Material).dispose();
      }
    },
    [line],
  );

  const dot = useMemo(
    () => new THREE.Mesh(new THREE.SphereGeometry(0.009, 12, 8), new THREE.MeshBasicMaterial({ color: '#ffffff', depthTest: false })),
    [],
  );
  useEffect(
    () => () => {
      dot.geometry.dispose();
      (dot.material as THREE.Material).dispose();
    },
    [dot],
  );

  const dim = mode === 'executing' || mode === 'done';
  useEffect(() => {
    if (line) line.material.opacity = dim ? 0.45 : 1;
  }, [line, dim]);

  useFrame((state) => {
    const s = previewStore.getState();
    const p = s.preview;
    // Latency probe: the frame after the one that first drew this preview has been rendered.
    if (p && frameProbe.shownPreview !== p.id) {
      if (frameProbe.shownPreview === `pending:${p.id}`) {
        frameProbe.shownPreview = p.id;
        frameProbe.shownAt = performance.now();
      } else {
        frameProbe.shownPreview = `pending:${p.id}`;
        state.invalidate();
      }
    }
    dot.visible = Boolean(p && s.showPath && (s.mode === 'pending' || s.mode === 'rejected'));
    if (!dot.visible || !p) return;
    const tl = p.timeline.t;
    const t = Math.min(playhead.t, tl[tl.length - 1]);
    let lo = 0,
      hi = tl.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (tl[mid] <= t) lo = mid;
      else hi = mid;
    }
    const span = tl[hi] - tl[lo];
    const f = span > 0 ? Math.min(1, Math.max(0, (t - tl[lo]) / span)) : 0;
    const a = lo * 3,
      b = hi * 3,
      path = p.path;
    dot.position.set(
      path[a] + (path[b] - path[a]) * f,
      path[a + 1] + (path[b + 1] - path[a + 1]) * f,
      path[a + 2] + (path[b + 2] - path[a + 2]) * f,
    );
  });

  if (!line || !showPath || !pathDrawn(mode)) return <primitive object={dot} />;
  return (
    <group>
      <primitive object={line} />
      <primitive object={dot} />
      {ends.map((e, i) => (
        <mesh key={i} position={e.p} renderOrder={6}>
          <sphereGeometry args={[0.007, 10, 6]} />
          <meshBasicMaterial color={e.safe ? PATH_COLOR : UNSAFE_COLOR} depthTest={false} transparent opacity={dim ? 0.45 : 1} />
        </mesh>
      ))}
    </group>
  );
}
