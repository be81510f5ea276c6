import { useEffect, useRef } from 'react';
import { STOP_KEYS } from '../keys.js';
import { joints } from '../stores/joints.js';
import { useConnection, useSession } from '../stores/react.js';
import { stopRobot } from './actions.js';
import { ControlPill } from './ControlPill.js';

const PHASE_TEXT = { idle: 'Ready', planning: 'Planning…', pending: 'Waiting for your confirmation', executing: 'Moving' } as const;

export function TopBar() {
  const robot = useSession((s) => s.robot);
  const scene = useSession((s) => s.scene);
  const phase = useSession((s) => s.phase);
  const dialogue = useSession((s) => s.dialogue);
  // The session's own state says what it is doing (a lesson, a question, a frame move); the
  // server's phase adds "planning", which the session does not see.
  const text = phase === 'planning' || !dialogue ? PHASE_TEXT[phase] : dialogue.label;
  return (
    <header className="topbar">
      <div className="brand">Shammie</div>
      <div className="meta">{robot ? `${robot.name} · ${scene?.name ?? ''} scene · sim` : 'operator console'}</div>
      <ConnectionPill />
      <div className={`pill phase-${phase}`} data-testid="phase" data-state={dialogue?.kind ?? 'idle'} title={text}>
        {text}
      </div>
      <ControlPill />
      <div className="spacer" />
      <button className="stop" data-testid="stop" onClick={stopRobot} title={STOP_KEYS.long} aria-label={`STOP. ${STOP_KEYS.long}`}>
        STOP <span className="keys">{STOP_KEYS.short}</span>
      </button>
    </header>
  );
}

function ConnectionPill() {
  const state = useConnection((s) => s.state);
  const attempts = useConnection((s) => s.attempts);
  const rate = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const id = setInterval(() => {
      // The stream only carries changes (plus keepalives): a low rate means the robot is still.
      const hz = joints.rate();
      const text = state !== 'connected' ? '' : hz >= 10 ? ` · ${Math.round(hz)} Hz` : ' · idle';
      if (rate.current && rate.current.textContent !== text) rate.current.textContent = text;
    }, 1000);
    return () => clearInterval(id);
  }, [state]);
  const text = state === 'connected' ? 'Connected' : state === 'connecting' ? 'Connecting…' : `Reconnecting… (${attempts})`;
  return (
    <div className={`pill conn-${state}`} data-testid="connection" data-state={state} title="Connection to the session server">
      <span className="dot" />
      {text}
      <span ref={rate} className="rate" />
    </div>
  );
}
