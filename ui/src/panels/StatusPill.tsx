/**
 * The status pill: the connection and the session as one state (stores/status.ts), mirrored in
 * the page title so a background tab says it too. Beside it, the sim's pace switch.
 */
import { useEffect } from 'react';
import { getClient } from '../net/client.js';
import { useConnection, useSession, useTeach } from '../stores/react.js';
import { consoleStatus, type StatusKind } from '../stores/status.js';
import type { Pace } from '../../../server/protocol.js';

/** the existing pill colours (styles.css) for each kind */
const PILL_CLASS: Partial<Record<StatusKind, string>> = {
  disconnected: 'conn-reconnecting',
  reconnecting: 'conn-reconnecting',
  previewing: 'phase-pending',
  executing: 'phase-executing',
  planning: 'phase-planning',
};

export function StatusPill() {
  const conn = useConnection((s) => s.state);
  const attempts = useConnection((s) => s.attempts);
  const synced = useConnection((s) => s.synced);
  const phase = useSession((s) => s.phase);
  const dialogue = useSession((s) => s.dialogue);
  const consoleRecording = useTeach((s) => s.recording);
  const st = consoleStatus({ conn, attempts, synced, phase, dialogue, consoleRecording });
  useEffect(() => {
    document.title = st.title;
  }, [st.title]);
  return (
    <div
      className={`pill status-${st.kind} ${PILL_CLASS[st.kind] ?? ''}`}
      data-testid="phase"
      data-state={st.kind}
      title={st.label}
      role="status"
      aria-live="polite"
    >
      {st.label}
    </div>
  );
}

/** Switch the sim between real time and fast (the fix the "could not keep up" warning offers). */
export function setPace(pace: Pace): boolean {
  return getClient().send({ type: 'pace', pace });
}

export function PaceSwitch() {
  const pace = useSession((s) => s.pace);
  const connected = useConnection((s) => s.state === 'connected');
  if (!pace) return null;
  const next: Pace = pace === 'realtime' ? 'fast' : 'realtime';
  return (
    <button
      type="button"
      className="pace"
      data-testid="pace"
      data-pace={pace}
      disabled={!connected}
      onClick={() => setPace(next)}
      title={
        pace === 'realtime'
          ? 'The sim runs in real time. Fast: it runs as fast as the CPU allows, only while the arm moves (for a slow machine).'
          : 'The sim runs fast (only while the arm moves). Real time: it tracks the wall clock.'
      }
      aria-label={`Pace: ${pace === 'realtime' ? 'real time' : 'fast'}. Switch to ${next === 'fast' ? 'fast' : 'real time'}`}
    >
      Pace: {pace === 'realtime' ? 'real time' : 'fast'}
    </button>
  );
}
