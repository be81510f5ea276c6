/**
 * Where the live wrist-camera monitor sits in the 3D view, in CSS pixels from the view's top
 * left. The WebGL side (a scissored viewport of the same canvas) and the DOM side (frame,
 * onion skin) both call this with the same sizes, so the onion skin lies exactly on the
 * live image. The canvas renders at dpr 1, so CSS pixels are drawing-buffer pixels.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** gap to the view's edges, px */
const MARGIN = 10;
/** below the HUD line (gripper readout) and the camera-preset toolbar, px at overlay scale 1 */
const TOP = 44;
/** share of the view the small monitor may take; the 3D scene stays visible beside it */
const SMALL = { w: 0.62, h: 0.66 };
/**
 * Kept free at the bottom of the view for the notice stack (pointing banner, problems;
 * panels/OverlayLayer.tsx), so the monitor never covers them, px at overlay scale 1.
 */
export const NOTICE_STRIP = 110;

/** The notice strip at an overlay scale (panels/layout.ts overlayScale), px. */
export function noticeStrip(scale = 1): number {
  return Math.ceil(NOTICE_STRIP * scale);
}

/**
 * The largest rectangle of the camera's aspect (w/h) that fits; integer pixels. The top row and
 * the notice strip it keeps clear of grow with the overlays' `scale`.
 */
export function monitorRect(viewW: number, viewH: number, aspect: number, large: boolean, out: Rect, scale = 1): Rect {
  const top = Math.ceil(TOP * scale);
  const maxW = Math.max(16, large ? viewW - 2 * MARGIN : viewW * SMALL.w);
  const free = viewH - top - MARGIN - noticeStrip(scale);
  const maxH = Math.max(16, large ? free : Math.min(free, viewH * SMALL.h));
  let w = maxW;
  let h = w / aspect;
  if (h > maxH) {
    h = maxH;
    w = h * aspect;
  }
  out.w = Math.floor(w);
  out.h = Math.floor(h);
  out.x = large ? Math.floor((viewW - out.w) / 2) : MARGIN;
  out.y = top;
  return out;
}
