/**
 * The parts of the console the first paint does not wait for: the 3D view (three.js and R3F,
 * most of the JavaScript), the teaching panel and the stop-motion studio. Each is its own
 * chunk (dynamic import); the first paint shows the panels, then the 3D view is fetched, then
 * the teaching and studio chunks are prefetched so switching tabs stays instant.
 */
import { lazy, useEffect, useState } from 'react';

const loadViewport = () => import('./scene/Viewport.js');
const loadTeach = () => import('./panels/TeachPanel.js');
const loadStudio = () => import('./studio/StudioPanel.js');
const loadMonitor = () => import('./studio/Monitor.js');

export const Viewport = lazy(() => loadViewport().then((m) => ({ default: m.Viewport })));
export const TeachPanel = lazy(() => loadTeach().then((m) => ({ default: m.TeachPanel })));
export const StudioPanel = lazy(() => loadStudio().then((m) => ({ default: m.StudioPanel })));
export const Monitor = lazy(() => loadMonitor().then((m) => ({ default: m.Monitor })));

/** no paint reported by then (a tab hidden meanwhile gets no frames): load anyway */
const NO_PAINT_MS = 1500;

/**
 * False until the browser has reported the page's first contentful paint. Rendering the 3D
 * view only then keeps its fetch (and compile) off the first paint's path, also on a slow
 * link; the teaching and studio chunks are prefetched after it.
 */
export function useAfterFirstPaint(): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    let done = false;
    let observer: PerformanceObserver | null = null;
    let raf = 0;
    let timer = 0;
    const go = () => {
      if (done) return;
      done = true;
      observer?.disconnect();
      setPainted(true);
      // Prefetch the rest in the background (errors show when a tab actually needs the chunk).
      void loadViewport()
        .then(() => Promise.all([loadTeach(), loadStudio(), loadMonitor()]))
        .catch(() => undefined);
    };
    // A hidden tab paints nothing: nothing to wait for.
    if (document.visibilityState === 'hidden') {
      go();
      return;
    }
    if (PerformanceObserver.supportedEntryTypes?.includes('paint')) {
      // The paint timing entry arrives once the frame is on screen (buffered: also if already).
      observer = new PerformanceObserver((list) => {
        if (list.getEntriesByName('first-contentful-paint').length) go();
      });
      observer.observe({ type: 'paint', buffered: true });
    } else {
      // Without paint timing: a task queued from an animation frame runs after that frame.
      raf = requestAnimationFrame(() => {
        timer = window.setTimeout(go, 0);
      });
    }
    const fallback = window.setTimeout(go, NO_PAINT_MS);
    return () => {
      done = true;
      observer?.disconnect();
      cancelAnimationFrame(raf);
      clearTimeout(timer);
      clearTimeout(fallback);
    };
  }, []);
  return painted;
}
