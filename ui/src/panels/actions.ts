/** Operator actions shared by buttons and keys. */
import { getClient } from '../net/client.js';
import { requestFrame } from '../stores/frame.js';
import { connectionStore } from '../stores/connection.js';
import { previewStore } from '../stores/preview.js';
import { addLocalProblem } from '../stores/session.js';

/** When Enter was pressed on the last utterance (performance.now()), for the latency benchmark. */
export const latencyProbe = { enterAt: 0, text: '' };

export function say(text: string): boolean {
  const t = text.trim();
  if (!t) return false;
  latencyProbe.enterAt = performance.now();
  latencyProbe.text = t;
  // A typed "yes" approves the preview on this screen, and only that one.
  const { preview, mode } = previewStore.getState();
  return getClient().send({ type: 'say', text: t, ...(preview && mode === 'pending' ? { previewId: preview.id } : {}) });
}

/** Halt the robot: over the socket, or over HTTP when the socket is down. Works in every state. */
export function stopRobot(): void {
  previewStore.setState({ playing: false });
  // Also to the watchdog thread's own listener, which answers while the server's main thread is
  // busy: a simple no-cors POST (no preflight), authorized by the access cookie (same host).
  const port = connectionStore.getState().stopPort;
  if (port)
    fetch(`${window.location.protocol}//${window.location.hostname}:${port}/stop`, {
      method: 'POST',
      mode: 'no-cors',
      credentials: 'include',
      keepalive: true,
    }).catch(() => undefined);
  if (getClient().send({ type: 'stop' })) return;
  fetch('api/stop', { method: 'POST' }).catch((err: Error) => {
    addLocalProblem({
      id: 'stop',
      severity: 'error',
      message: `Stop could not reach the server: ${err.message}`,
      tip: "Use the robot's hardware emergency stop. In the sim, stop `shammie start` with Ctrl+C.",
    });
  });
}

export function confirmPreview(): void {
  const p = previewStore.getState().preview;
  if (!p || !p.confirmable) return;
  getClient().send({ type: 'confirm', previewId: p.id });
}

export function cancelPreview(): void {
  getClient().send({ type: 'cancel' });
  requestFrame();
}
