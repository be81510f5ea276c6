import { createRoot } from 'react-dom/client';
import { App } from './App.js';
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
import './styles.css';

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
};
declare global {
  interface Window {
    __shammie: typeof hooks;
  }
}
window.__shammie = hooks;

client.connect();
createRoot(document.getElementById('root')!).render(<App />);
