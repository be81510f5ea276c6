/**
 * Who drives the arm. One console holds control (confirm, execute, teach, auto-confirm); the
 * others watch and can ask for it; every console can STOP. Shown in the top bar.
 */
import { useEffect } from 'react';
import { getClient } from '../net/client.js';
import { useSession } from '../stores/react.js';
import { dismissLocalProblem, sessionStore } from '../stores/session.js';

/** the server's refusal of a watcher ("Console 1 is in control of the arm. Ask for control…") */
const CONTROL_REFUSAL = /^.+ is in control of the arm\. /;

export function ControlPill() {
  const control = useSession((s) => s.control);
  const you = useSession((s) => s.you);
  const youLabel = useSession((s) => s.youLabel);
  const mine = control !== null && you !== '' && control.holder === you;
  // Once this console drives, the refusals it got while watching are no longer true: clear them.
  useEffect(() => {
    if (!mine) return;
    for (const p of sessionStore.getState().localProblems) if (CONTROL_REFUSAL.test(p.message)) dismissLocalProblem(p.id);
  }, [mine]);
  if (!control) return null;
  const send = (action: 'request' | 'take' | 'release' | 'grant' | 'deny') => getClient().send({ type: 'control', action });
  if (mine) {
    return (
      <div className="pill control mine" data-testid="control" data-control="mine" title={`You (${youLabel}) are in control of the arm`}>
        In control
        {control.requestedBy && (
          <span className="control-request" role="alert" data-testid="control-request">
            {' '}
            · {control.requestedLabel} asks for control{' '}
            <button type="button" data-testid="control-grant" onClick={() => send('grant')}>
              Hand over
            </button>{' '}
            <button type="button" data-testid="control-deny" onClick={() => send('deny')}>
              Keep
            </button>
          </span>
        )}
      </div>
    );
  }
  if (control.holder === null || control.holderAway) {
    return (
      <div className="pill control free" data-testid="control" data-control="free" title="Nobody is in control of the arm">
        {control.holder === null ? 'Nobody in control' : `${control.holderLabel} (away) had control`}{' '}
        <button type="button" data-testid="control-take" onClick={() => send('take')}>
          Take control
        </button>
      </div>
    );
  }
  const asked = control.requestedBy === you;
  return (
    <div
      className="pill control watching"
      data-testid="control"
      data-control="watching"
      title={`${control.holderLabel} drives the arm; you (${youLabel}) watch. STOP works here too.`}
    >
      Watching · {control.holderLabel} in control{' '}
      <button type="button" data-testid="control-ask" disabled={asked} onClick={() => send('request')}>
        {asked ? 'Asked…' : 'Ask for control'}
      </button>
    </div>
  );
}
