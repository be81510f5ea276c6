/**
 * The side panel's resize handle (drag it, or focus it and use the arrow keys; Enter or the
 * button collapses the panel) and the handle between the dialogue and the tabs. Sizes live in
 * layout.ts (remembered per browser) and reach the CSS as custom properties on <html>.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useStore } from 'zustand';
import {
  DIALOGUE_MAX,
  DIALOGUE_MIN,
  dialogueKey,
  layoutStore,
  setDialogueShare,
  setSideWidth,
  SIDE_MIN,
  sideKey,
  sideMax,
} from './layout.js';

function useLayout() {
  return useStore(layoutStore);
}

/** Mirrors the layout store into CSS variables and a data attribute the stylesheet reads. */
function useLayoutCss(): void {
  const { sideWidth, collapsed, dialogueShare } = useLayout();
  useEffect(() => {
    const root = document.documentElement;
    if (sideWidth === null) root.style.removeProperty('--side-w');
    else root.style.setProperty('--side-w', `${sideWidth}px`);
    root.style.setProperty('--dialogue-share', String(dialogueShare));
    root.dataset.side = collapsed ? 'collapsed' : 'open';
  }, [sideWidth, collapsed, dialogueShare]);
}

function sideElement(): HTMLElement | null {
  return document.querySelector<HTMLElement>('aside.side');
}

/** The side panel's on-screen width now (auto mode has no stored number). */
function measuredSide(): number {
  return Math.round(sideElement()?.getBoundingClientRect().width ?? SIDE_MIN);
}

export function SideHandle() {
  useLayoutCss();
  const { sideWidth, collapsed } = useLayout();
  const [winW, setWinW] = useState(() => window.innerWidth);
  const [now, setNow] = useState(sideWidth ?? SIDE_MIN);
  const drag = useRef(false);
  useEffect(() => {
    const onResize = () => setWinW(window.innerWidth);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  // aria-valuenow follows what is on screen (auto width, window resizes, zoom)
  useEffect(() => {
    const id = requestAnimationFrame(() => setNow(collapsed ? 0 : measuredSide()));
    return () => cancelAnimationFrame(id);
  }, [sideWidth, collapsed, winW]);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (collapsed || e.button !== 0) return;
    drag.current = true;
    e.currentTarget.setPointerCapture(e.pointerId);
    e.preventDefault();
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    // the panel is at the window's right edge: its width is what lies right of the pointer
    setSideWidth(window.innerWidth - e.clientX - e.currentTarget.offsetWidth / 2, window.innerWidth);
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    drag.current = false;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (sideKey(e.key, e.shiftKey, collapsed ? SIDE_MIN : measuredSide(), window.innerWidth)) e.preventDefault();
  };
  return (
    <div className="side-handle" data-collapsed={collapsed}>
      <div
        className="side-grip"
        role="separator"
        aria-orientation="vertical"
        aria-controls="side-panel"
        aria-label="Side panel width (arrow keys resize, Enter collapses)"
        aria-valuemin={collapsed ? 0 : SIDE_MIN}
        aria-valuemax={sideMax(winW)}
        aria-valuenow={now}
        tabIndex={0}
        data-testid="side-resize"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
        onDoubleClick={() => layoutStore.setState({ sideWidth: null })}
        title="Drag to resize; double-click for the automatic width"
      />
      <button
        type="button"
        className="side-toggle"
        aria-expanded={!collapsed}
        aria-controls="side-panel"
        aria-label={collapsed ? 'Show the side panel' : 'Hide the side panel'}
        title={collapsed ? 'Show the side panel' : 'Hide the side panel'}
        data-testid="side-toggle"
        onClick={() => layoutStore.setState((s) => ({ collapsed: !s.collapsed }))}
      >
        {collapsed ? '‹' : '›'}
      </button>
    </div>
  );
}

/** Between the dialogue and the tabs: the dialogue keeps 40–80 % of the side panel's height. */
export function DialogueHandle() {
  const { dialogueShare } = useLayout();
  const drag = useRef(false);
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    const r = sideElement()?.getBoundingClientRect();
    if (r && r.height > 0) setDialogueShare((e.clientY - r.top) / r.height);
  };
  return (
    <div
      className="dialogue-grip"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Dialogue height (arrow keys resize)"
      aria-valuemin={Math.round(DIALOGUE_MIN * 100)}
      aria-valuemax={Math.round(DIALOGUE_MAX * 100)}
      aria-valuenow={Math.round(dialogueShare * 100)}
      aria-valuetext={`dialogue ${Math.round(dialogueShare * 100)} % of the side panel`}
      tabIndex={0}
      data-testid="dialogue-resize"
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        drag.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        e.preventDefault();
      }}
      onPointerMove={onPointerMove}
      onPointerUp={(e) => {
        drag.current = false;
        if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onKeyDown={(e) => {
        if (dialogueKey(e.key, e.shiftKey)) e.preventDefault();
      }}
    />
  );
}
