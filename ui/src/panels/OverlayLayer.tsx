/**
 * Everything drawn over the 3D view, in one layer with fixed slots so nothing covers anything
 * else: the top row (gripper readout left, camera toolbar right, one line, below it the wrist
 * monitor may start: studio/layout.ts), and the notice stack at the bottom (pointing banner,
 * then problems), which grows upwards and scrolls rather than spreading over the view. While the
 * studio's wrist monitor is up, the stack keeps to the strip the monitor leaves free. All of it
 * grows with the window (overlayScale), and the monitor's reserved strips with it.
 */
import { useEffect, useLayoutEffect, useState } from 'react';
import { useView } from '../stores/react.js';
import { noticeStrip } from '../studio/layout.js';
import { overlayScale } from './layout.js';
import { Hud, PointBanner, Problems, ViewToolbar } from './Overlays.js';

/** The overlays' scale for this window, mirrored into --overlay-scale on <html> (styles.css). */
function useOverlayScale(): number {
  const [scale, setScale] = useState(() => overlayScale(window.innerWidth, window.innerHeight));
  useEffect(() => {
    const onResize = () => setScale(overlayScale(window.innerWidth, window.innerHeight));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  // before the paint: the first frame already has the right sizes
  useLayoutEffect(() => {
    document.documentElement.style.setProperty('--overlay-scale', String(scale));
  }, [scale]);
  return scale;
}

export function OverlayLayer() {
  const monitor = useView((s) => s.tab === 'studio');
  const scale = useOverlayScale();
  return (
    <>
      <div className="overlay-top" data-overlay-slot="top">
        <Hud />
        <ViewToolbar />
      </div>
      <div className="overlay-notices" data-overlay-slot="notices" style={monitor ? { maxHeight: noticeStrip(scale) - 10 } : undefined}>
        <PointBanner />
        <Problems />
      </div>
    </>
  );
}
