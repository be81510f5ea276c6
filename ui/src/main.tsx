import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { micLevel, voiceStore } from './audio/store.js';
import { installStopKeys } from './keys.js';
import { getClient } from './net/client.js';
import { latencyProbe } from './panels/actions.js';
import { frameProbe, projectWorld } from './scene/refs.js';
import { connectionStore } from './stores/connection.js';
import { requestFrame } from './stores/frame.js';
import { joints } from './stores/joints.js';
import { previewStore } from './stores/preview.js';
import { sessionStore } from './stores/session.js';
import { teachStore } from './stores/teach.js';
import { viewStore } from './stores/view.js';
import { shoot } from './studio/actions.js';
import { captureProbe, captureQueue } from './studio/capture.js';
import { studioStore } from './studio/store.js';
import './styles.css';

// The access token came in the link; the server has put it in a cookie. Keep it out of the
// address bar (and out of screenshots and copied links).
if (new URLSearchParams(window.location.search).has('token'))
  window.history.replaceState(null, '', window.location.pathname + window.location.hash);

const client = getClient();

/**
 * For tests, the benchmark and debugging from the browser console: the stores, the frame
 * probe and a world → screen projection. Read-only use is the intent; the robot is still only
 * driven through the protocol.
 */
const hooks = {
  stores: { connection: connectionStore, session: sessionStore, preview: previewStore, teach: teachStore, view: viewStore },
  joints,
  frames: frameProbe,
  latency: latencyProbe,
  project: projectWorld,
  requestFrame,
  client,
  /** the stop-motion studio: its store, capture timings, pending captures, and Shoot */
  studio: { store: studioStore, probe: captureProbe, queue: captureQueue, shoot },
  /** voice input and spoken replies: the store and the live input level */
  voice: { store: voiceStore, level: micLevel },
};
declare global {
  interface Window {
    __shammie: typeof hooks;
  }
}
window.__shammie = hooks;

// STOP keys first: they work from the moment the page runs, whatever React is doing.
installStopKeys();
client.connect();
createRoot(document.getElementById('root')!).render(<App />);
