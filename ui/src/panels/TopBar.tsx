import { useEffect, useRef } from 'react';
import { KEYS, STOP_KEYS, keysStore } from '../keys.js';
import { joints } from '../stores/joints.js';
import { useConnection, useSession } from '../stores/react.js';
import { stopRobot } from './actions.js';
import { ControlPill } from './ControlPill.js';
import { ShortcutSheet } from './ShortcutSheet.js';
import { StatusPill } from './StatusPill.js';

export function TopBar() {
  const robot = useSession((s) => s.robot);
  const scene = useSession((s) => s.scene);
  return (
    <header className="topbar">
      <div className="brand">Shammie</div>
      <div className="meta">{robot ? `${robot.name} · ${scene?.name ?? ''} scene · sim` : 'operator console'}</div>
      <ConnectionPill />
      {/* the connection and the session as one state, also in the page title */}
      <StatusPill />
      <ControlPill />
      <div className="spacer" />
      <button
        type="button"
        className="keys-help"
        data-testid="shortcuts"
        onClick={() => keysStore.setState({ sheet: true })}
        title={`Keyboard shortcuts (${KEYS.sheet.label})`}
        aria-keyshortcuts={KEYS.sheet.aria}
        aria-haspopup="dialog"
      >
        Keys <kbd>{KEYS.sheet.label}</kbd>
      </button>
      {/* The accessible name starts with the visible text (what a voice-control user says), then the details. */}
      <button
        className="stop"
        data-testid="stop"
        onClick={stopRobot}
        title={STOP_KEYS.long}
        aria-label={`STOP ${STOP_KEYS.short}. ${STOP_KEYS.long}`}
        aria-keyshortcuts={KEYS.stop.aria}
      >
        STOP <span className="keys">{STOP_KEYS.short}</span>
      </button>
      <ShortcutSheet />
    </header>
  );
}

function ConnectionPill() {
  const state = useConnection((s) => s.state);
  const attempts = useConnection((s) => s.attempts);
  const rate = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    // Also at once: a lost link must not show the last rate for up to a second.
    const tick = () => {
      // The stream only carries changes (plus keepalives): a low rate means the robot is still.
      const hz = joints.rate();
      const text = state !== 'connected' ? '' : hz >= 10 ? ` · ${Math.round(hz)} Hz` : ' · idle';
      if (rate.current && rate.current.textContent !== text) rate.current.textContent = text;
    };
    tick();
    const id = setInterval(tick, 1000);
    return () => clearInterval(id);
  }, [state]);
  const text =
    state === 'connected'
      ? 'Connected'
      : state === 'connecting'
        ? 'Connecting…'
        : state === 'disconnected'
          ? 'Disconnected'
          : `Reconnecting… (${attempts + 1})`;
  return (
    <div className={`pill conn-${state}`} data-testid="connection" data-state={state} title="Connection to the session server">
      <span className="dot" />
      {text}
      <span ref={rate} className="rate" />
    </div>
  );
}
