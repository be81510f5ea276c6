/** Operator actions shared by buttons and keys. */
import { getClient } from '../net/client.js';
import { requestFrame } from '../stores/frame.js';
import { connectionStore } from '../stores/connection.js';
import { previewStore } from '../stores/preview.js';
import { addLocalProblem, inControl, sessionStore } from '../stores/session.js';
import { viewStore } from '../stores/view.js';

/** When Enter was pressed on the last utterance (performance.now()), for the latency benchmark. */
export const latencyProbe = { enterAt: 0, text: '' };

/** When this console last sent a command or a confirm (performance.now()): the arm may start soon after. */
export const lastCommand = { at: -Infinity };

export function say(text: string): boolean {
  const t = text.trim();
  if (!t) return false;
  latencyProbe.enterAt = performance.now();
  lastCommand.at = latencyProbe.enterAt;
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

/** A command sent less than this long ago (ms) and not yet answered by a preview may still replace the preview shown. */
const PLANNING_GRACE_MS = 1500;

/**
 * Why the preview on screen cannot be executed now, in the words the Execute button and
 * Ctrl+Enter show; '' when it can. One function, so the button and the key never disagree.
 */
export function executeBlock(): string {
  const { preview, mode, receivedAt } = previewStore.getState();
  const session = sessionStore.getState();
  if (!preview || (mode !== 'pending' && mode !== 'rejected')) return 'No preview is waiting for confirmation.';
  if (!preview.safe) return 'A step fails a safety check: this plan cannot run.';
  if (mode !== 'pending' || !preview.confirmable) return 'This preview cannot be confirmed.';
  if (connectionStore.getState().state !== 'connected') return 'Not connected.';
  if (!inControl(session)) return `${session.control?.holderLabel ?? 'Another console'} is in control: ask for control to execute.`;
  // A newer command would replace this preview: never run the old one by a quick key press.
  const newer = latencyProbe.enterAt > receivedAt;
  if (newer && (session.phase === 'planning' || performance.now() - latencyProbe.enterAt < PLANNING_GRACE_MS))
    return 'A newer command is being planned: wait for its preview.';
  return '';
}

export function confirmPreview(): void {
  const p = previewStore.getState().preview;
  if (!p || !p.confirmable) return;
  lastCommand.at = performance.now();
  getClient().send({ type: 'confirm', previewId: p.id });
}

/** Show the Library tab and put the focus on it (Ctrl+L). */
export function openLibrary(): void {
  viewStore.setState({ tab: 'library' });
  // The tab button exists in every layout; focus after React has rendered the tab's body.
  requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid=tab-library]')?.focus());
}

export function cancelPreview(): void {
  getClient().send({ type: 'cancel' });
  requestFrame();
}
