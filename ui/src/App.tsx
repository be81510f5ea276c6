/** The operator console: 3D scene on the left; dialogue, plan, library and teaching on the right. */
import { useTalkKey } from './audio/VoiceControls.js';
import { KEYS, isTextField, tabListKeys } from './keys.js';
import { Dialogue } from './panels/Dialogue.js';
import { LibraryPanel } from './panels/LibraryPanel.js';
import { OverlayLayer } from './panels/OverlayLayer.js';
import { DialogueHandle, SideHandle } from './panels/Splitters.js';
import { PlanPanel } from './panels/PlanPanel.js';
import { TopBar } from './panels/TopBar.js';
import { useSession, useView } from './stores/react.js';
import { viewStore, type Tab } from './stores/view.js';
import { Suspense } from 'react';
import { Monitor, StudioPanel, TeachPanel, useAfterFirstPaint, Viewport } from './lazy.js';

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

const SCENE_LOADING = (
  <p className="hint" style={{ margin: '1em' }}>
    Loading the 3D view…
  </p>
);

export function App() {
  // The STOP keys are installed in main.tsx, before React renders (keys.ts).
  useTalkKey(isTypingTarget);
  const tab = useView((s) => s.tab);
  const awaiting = useSession((s) => s.awaitingPoint);
  const pointMode = useView((s) => s.pointMode);
  // The 3D view, the teaching panel and the studio are loaded after the first paint (lazy.tsx).
  const painted = useAfterFirstPaint();
  return (
    <div className="app">
      <TopBar />
      <main>
        <section
          className={`viewport ${awaiting || pointMode ? 'pointing' : ''}`}
          data-testid="viewport"
          aria-label="3-D view of the robot and the scene"
        >
          <Suspense fallback={SCENE_LOADING}>{painted ? <Viewport /> : SCENE_LOADING}</Suspense>
          <Suspense fallback={null}>{tab === 'studio' && <Monitor />}</Suspense>
          <OverlayLayer />
        </section>
        <SideHandle />
        <aside className="side" id="side-panel">
          <Dialogue />
          <DialogueHandle />
          <nav className="tabs" role="tablist" aria-label="Side panel" onKeyDown={tabListKeys}>
            {TABS.map(([t, label]) => (
              <button
                key={t}
                id={`tab-${t}`}
                role="tab"
                aria-selected={tab === t}
                tabIndex={tab === t ? 0 : -1}
                aria-controls="tab-body"
                aria-keyshortcuts={t === 'library' ? KEYS.library.aria : undefined}
                title={t === 'library' ? `Library (${KEYS.library.label})` : undefined}
                onClick={() => viewStore.setState({ tab: t })}
                data-testid={`tab-${t}`}
              >
                {label}
              </button>
            ))}
          </nav>
          <div className="tab-body" id="tab-body" role="tabpanel" aria-labelledby={`tab-${tab}`}>
            {tab === 'plan' && <PlanPanel />}
            {tab === 'library' && <LibraryPanel />}
            <Suspense fallback={<p className="hint">Loading…</p>}>
              {tab === 'teach' && <TeachPanel />}
              {tab === 'studio' && <StudioPanel />}
            </Suspense>
          </div>
        </aside>
      </main>
    </div>
  );
}
