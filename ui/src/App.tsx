/** The operator console: 3D scene on the left; dialogue, plan, library and teaching on the right. */
import { useTalkKey } from './audio/VoiceControls.js';
import { isTextField } from './keys.js';
import { Dialogue } from './panels/Dialogue.js';
import { LibraryPanel } from './panels/LibraryPanel.js';
import { Hud, PointBanner, Problems, ViewToolbar } from './panels/Overlays.js';
import { PlanPanel } from './panels/PlanPanel.js';
import { TeachPanel } from './panels/TeachPanel.js';
import { TopBar } from './panels/TopBar.js';
import { useSession, useView } from './stores/react.js';
import { viewStore, type Tab } from './stores/view.js';
import { Viewport } from './scene/Viewport.js';
import { Monitor } from './studio/Monitor.js';
import { StudioPanel } from './studio/StudioPanel.js';

/** V (talk) stays off in text boxes and in a <select>, where letters pick an option. */
function isTypingTarget(t: EventTarget | null): boolean {
  return isTextField(t) || (t as HTMLElement | null)?.tagName === 'SELECT';
}

const TABS: [Tab, string][] = [
  ['plan', 'Plan'],
  ['library', 'Library'],
  ['teach', 'Teach'],
  ['studio', 'Studio'],
];

export function App() {
  // The STOP keys are installed in main.tsx, before React renders (keys.ts).
  useTalkKey(isTypingTarget);
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
