/**
 * Where a refused step would hit something: a red sphere with a flat ring around it and a short
 * label ("panda_hand × GIFT_BAG wall"), at the contact point the server sent (robot base frame,
 * z up, m). Built once per preview from the preview store and taken down when the preview is
 * cleared or replaced; nothing here runs per frame. Drawn over everything (no depth test) so
 * the arm or the bag never hides it.
 */
import { useThree } from '@react-three/fiber';
import { useEffect, useMemo } from 'react';
import * as THREE from 'three';
import { usePreview } from '../stores/react.js';
import { disposeLabel, makeLabel } from './labels.js';
import { UNSAFE_COLOR } from './PreviewPath.js';
import { frameProbe } from './refs.js';

/** sphere radius and ring radii (m) */
const DOT_R = 0.013;
const RING_IN = 0.024;
const RING_OUT = 0.031;
/** the label's anchor, in label widths left of its left edge */
const LABEL_SHIFT = -0.08;

export function ContactMarker() {
  frameProbe.renders++;
  const contact = usePreview((s) => s.contact);
  const invalidate = useThree((s) => s.invalidate);

  const marker = useMemo(() => {
    if (!contact) return null;
    const group = new THREE.Group();
    group.name = 'contact-marker';
    group.position.set(contact.point[0], contact.point[1], contact.point[2]);
    const dot = new THREE.Mesh(
      new THREE.SphereGeometry(DOT_R, 16, 10),
      new THREE.MeshBasicMaterial({ color: UNSAFE_COLOR, depthTest: false, depthWrite: false, transparent: true }),
    );
    dot.renderOrder = 11;
    // RingGeometry lies in its local xy plane: horizontal in the z-up world group.
    const ring = new THREE.Mesh(
      new THREE.RingGeometry(RING_IN, RING_OUT, 40),
      new THREE.MeshBasicMaterial({ color: UNSAFE_COLOR, side: THREE.DoubleSide, depthTest: false, depthWrite: false, transparent: true }),
    );
    ring.renderOrder = 11;
    const label = makeLabel(contact.label, { background: 'rgba(110, 14, 26, 0.88)' });
    // Beside the marker (a screen-space offset: the sprite's anchor left of its edge), so it
    // does not sit on the object's own name label above the bag.
    label.center.set(LABEL_SHIFT, 0.5);
    group.add(dot, ring, label);
    return { group, dot, ring, label };
  }, [contact]);

  useEffect(() => {
    // The view renders on demand: draw the marker (or its absence) now.
    invalidate();
    if (!marker) return;
    return () => {
      for (const m of [marker.dot, marker.ring]) {
        m.geometry.dispose();
        m.material.dispose();
      }
      disposeLabel(marker.label);
      invalidate();
    };
  }, [marker, invalidate]);

  return marker ? <primitive object={marker.group} /> : null;
}
