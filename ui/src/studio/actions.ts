/** Studio requests, shared by the panel's buttons and keys. Each one goes through the server. */
import { studioNameSchema } from '../../../server/protocol.js';
import { getClient } from '../net/client.js';
import { captureProbe } from './capture.js';
import { studioStore } from './store.js';

/**
 * A Shoot the server answered without a capture (e.g. "the camera is still moving") frees the
 * button again after this long, ms; a capture that started frees it when it ends.
 */
const SHOOT_TIMEOUT_MS = 3000;
let shootTimer: ReturnType<typeof setTimeout> | null = null;

/** Capture a frame now (the Shoot button, S or Enter). False when nothing was sent. */
export function shoot(): boolean {
  const s = studioStore.getState();
  // As the button: one shot at a time (a held or double-pressed S must not take two frames).
  if (!s.studio?.session || s.studio.capturing || s.shooting) return false;
  captureProbe.shootAt = performance.now();
  if (!getClient().send({ type: 'studio_shoot' })) return false;
  studioStore.setState({ shooting: true, error: null });
  if (shootTimer) clearTimeout(shootTimer);
  shootTimer = setTimeout(() => studioStore.setState({ shooting: false }), SHOOT_TIMEOUT_MS);
  return true;
}

/** Open (resume, or create) a session; returns why not when the name is not usable. */
export function openSession(name: string): string | null {
  const r = studioNameSchema.safeParse(name.trim());
  if (!r.success) return r.error.issues[0]?.message ?? 'not a usable name';
  getClient().send({ type: 'studio_open', name: r.data });
  return null;
}

export function closeSession(): void {
  getClient().send({ type: 'studio_close' });
}

export function deleteFrame(id: number): void {
  getClient().send({ type: 'studio_delete', id });
}

/** Move a frame to film position `to` (0-based; its position after the move). */
export function moveFrame(id: number, to: number): void {
  const frames = studioStore.getState().studio?.session?.frames ?? [];
  const from = frames.findIndex((f) => f.id === id);
  const target = Math.max(0, Math.min(frames.length - 1, to));
  if (from < 0 || from === target) return;
  getClient().send({ type: 'studio_move', id, to: target });
}
