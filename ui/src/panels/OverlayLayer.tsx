/**
 * Everything drawn over the 3D view, in one layer with fixed slots so nothing covers anything
 * else: the top row (gripper readout left, camera toolbar right, one line, below it the wrist
 * monitor may start: studio/layout.ts), and the notice stack at the bottom (pointing banner,
 * then problems), which grows upwards and scrolls rather than spreading over the view. While the
 * studio's wrist monitor is up, the stack keeps to the strip the monitor leaves free.
 */
import { useView } from '../stores/react.js';
import { NOTICE_STRIP } from '../studio/layout.js';
import { Hud, PointBanner, Problems, ViewToolbar } from './Overlays.js';

export function OverlayLayer() {
  const monitor = useView((s) => s.tab === 'studio');
  return (
    <>
      <div className="overlay-top" data-overlay-slot="top">
        <Hud />
        <ViewToolbar />
      </div>
      <div className="overlay-notices" data-overlay-slot="notices" style={monitor ? { maxHeight: NOTICE_STRIP - 10 } : undefined}>
        <PointBanner />
        <Problems />
      </div>
    </>
  );
}
