/** The operator console: 3D scene on the left; dialogue, plan, library and teaching on the right. */
import { useEffect } from 'react';
import { useTalkKey } from './audio/VoiceControls.js';
import { Dialogue } from './panels/Dialogue.js';
import { LibraryPanel } from './panels/LibraryPanel.js';
import { Hud, PointBanner, Problems, ViewToolbar } from './panels/Overlays.js';
import { PlanPanel } from './panels/PlanPanel.js';
import { TeachPanel } from './panels/TeachPanel.js';
import { TopBar } from './panels/TopBar.js';
import { stopRobot } from './panels/actions.js';
import { useSession, useView } from './stores/react.js';
import { viewStore, type Tab } from './stores/view.js';
import { Viewport } from './scene/Viewport.js';
import { Monitor } from './studio/Monitor.js';
import { StudioPanel } from './studio/StudioPanel.js';

function isTextField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'range', 'button', 'submit'].includes(type);
}

/** Esc stops from anywhere; Space stops unless the operator is typing. */
function useStopKeys() {
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        stopRobot();
      } else if ((e.code === 'Space' || e.key === ' ') && !isTextField(e.target)) {
        e.preventDefault();
        e.stopPropagation();
        if (!e.repeat) stopRobot();
      }
    };
    // Space on a focused button would click it on keyup: never let Space press Execute.
    const up = (e: KeyboardEvent) => {
      if ((e.code === 'Space' || e.key === ' ') && !isTextField(e.target)) e.preventDefault();
    };
    window.addEventListener('keydown', down, true);
    window.addEventListener('keyup', up, true);
    return () => {
      window.removeEventListener('keydown', down, true);
      window.removeEventListener('keyup', up, true);
    };
  }, []);
}

const TABS: [Tab, string][] = [
  ['plan', 'Plan'],
  ['library', 'Library'],
  ['teach', 'Teach'],
  ['studio', 'Studio'],
];

export function App() {
  useStopKeys();
  useTalkKey(isTextField);
  const tab = useView((s) => s.tab);
  const awaiting = useSession((s) => s.awaitingPoint);
  const pointMode = useView((s) => s.pointMode);
  return (
    <div className="app">
      <TopBar />
      <main>
        <section className={`viewport ${awaiting || pointMode ? 'pointing' : ''}`} data-testid="viewport">
          <Viewport />
          {tab === 'studio' && <Monitor />}
          <ViewToolbar />
          <Hud />
          <PointBanner />
          <Problems />
        </section>
        <aside className="side">
          <Dialogue />
          <nav className="tabs" role="tablist">
            {TABS.map(([t, label]) => (
              <button key={t} role="tab" aria-selected={tab === t} onClick={() => viewStore.setState({ tab: t })} data-testid={`tab-${t}`}>
                {label}
              </button>
            ))}
          </nav>
          <div className="tab-body">
            {tab === 'plan' && <PlanPanel />}
            {tab === 'library' && <LibraryPanel />}
            {tab === 'teach' && <TeachPanel />}
            {tab === 'studio' && <StudioPanel />}
          </div>
        </aside>
      </main>
    </div>
  );
}
