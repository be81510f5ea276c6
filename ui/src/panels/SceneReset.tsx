/**
 * Reset the sim's scene (every object back at its start, the arm home, nothing held). A restart
 * restores the last world, so this is how an operator gets a fresh table. Two steps, since it
 * throws away where everything is; sim only, for the console in control, never while moving.
 */
import { useEffect, useState } from 'react';
import { getClient } from '../net/client.js';
import { useConnection, useSession } from '../stores/react.js';
import { inControl } from '../stores/session.js';

/** how long (ms) the "Reset the scene?" question waits for an answer */
const ASK_MS = 8000;

export function SceneReset() {
  const sim = useSession((s) => s.pace !== null);
  const busy = useSession((s) => s.moving || ['executing', 'recording', 'framing'].includes(s.dialogue?.kind ?? ''));
  const mine = useSession(inControl);
  const connected = useConnection((s) => s.state === 'connected' && s.synced);
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!asking) return;
    const t = setTimeout(() => setAsking(false), ASK_MS);
    return () => clearTimeout(t);
  }, [asking]);
  useEffect(() => {
    if (busy || !connected) setAsking(false);
  }, [busy, connected]);
  if (!sim) return null;
  const disabled = !connected || busy || !mine;
  const why = !connected
    ? 'Not connected to the server'
    : busy
      ? 'Not while the arm moves, a demonstration records or the camera frames'
      : !mine
        ? 'Another console is in control'
        : 'Every object back where the scene starts it, the arm at its start pose, nothing held';
  if (!asking)
    return (
      // Short: the top row must fit beside the widest side panel.
      <button
        type="button"
        data-testid="reset-scene"
        disabled={disabled}
        title={why}
        aria-label="Reset scene"
        onClick={() => setAsking(true)}
      >
        Reset
      </button>
    );
  return (
    <span className="reset-ask" role="group" aria-label="Reset the scene?">
      <span className="reset-q">Reset the scene?</span>
      <button
        type="button"
        data-testid="reset-scene-yes"
        autoFocus
        disabled={disabled}
        onClick={() => {
          getClient().send({ type: 'reset_world' });
          setAsking(false);
        }}
      >
        Reset
      </button>
      <button type="button" data-testid="reset-scene-no" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
