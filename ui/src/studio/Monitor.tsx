/**
 * The live wrist-camera monitor over the 3D view (Studio tab): a frame around the rectangle the
 * wrist camera is drawn into (scene/WristCamera.tsx, same layout function), the onion skin
 * (the previous frame's PNG at adjustable opacity) and the counter. The live image itself is
 * WebGL; this layer is DOM, so the onion skin costs the GPU nothing.
 */
import { useEffect, useRef, useState } from 'react';
import { overlayScale } from '../panels/layout.js';
import { monitorRect, type Rect } from './layout.js';
import { useStudio } from './react.js';
import { counterText, frameSrc, previousFrame } from './store.js';

export function Monitor() {
  const studio = useStudio((s) => s.studio);
  const onion = useStudio((s) => s.onion);
  const opacity = useStudio((s) => s.onionOpacity);
  const large = useStudio((s) => s.monitorLarge);
  const layer = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ w: number; h: number; scale: number } | null>(null);

  useEffect(() => {
    const el = layer.current;
    if (!el) return;
    // The overlays' scale follows the window, as on the WebGL side (scene/WristCamera.tsx).
    const measure = () => {
      const next = { w: el.clientWidth, h: el.clientHeight, scale: overlayScale(window.innerWidth, window.innerHeight) };
      setSize((s) => (s && s.w === next.w && s.h === next.h && s.scale === next.scale ? s : next));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    window.addEventListener('resize', measure);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', measure);
    };
  }, []);

  const cam = studio?.camera;
  const rect: Rect | null =
    size && cam ? monitorRect(size.w, size.h, cam.width / cam.height, large, { x: 0, y: 0, w: 0, h: 0 }, size.scale) : null;
  const prev = previousFrame(studio);
  return (
    <div className="studio-layer" ref={layer}>
      {rect && cam && (
        <div
          className={`studio-monitor ${cam.kind}`}
          data-testid="studio-monitor"
          style={{ left: rect.x, top: rect.y, width: rect.w, height: rect.h }}
          role="region"
          aria-label="Wrist camera, live"
        >
          {onion && prev && (
            <img
              className="onion"
              data-testid="onion-skin"
              data-frame-id={prev.id}
              src={frameSrc(studio, prev)}
              style={{ opacity: cam.kind === 'ros' ? 1 : opacity }}
              alt={`Onion skin: frame ${studio?.session?.frames.length ?? 0}`}
              draggable={false}
            />
          )}
          {cam.kind === 'ros' && (
            <div className="monitor-note">
              The camera is the robot's {cam.topic ?? 'image topic'}; the live image is not shown here. Shots appear in the shot list.
            </div>
          )}
          <div className="monitor-label">
            Wrist camera · {cam.width}×{cam.height} · {Math.round(cam.fovY)}°
          </div>
          {studio?.session && (
            <div className="monitor-counter" data-testid="monitor-counter">
              {counterText(studio)}
            </div>
          )}
          {studio?.capturing && <div className="monitor-flash" />}
        </div>
      )}
    </div>
  );
}
