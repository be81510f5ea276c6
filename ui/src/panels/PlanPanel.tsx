/**
 * The plan as typed calls (behaviors expandable), the motion preview controls (scrub slider,
 * play, duration and speeds), the steps with their safety verdicts and, while executing,
 * a progress bar per step. Execute stays disabled unless the previewed plan is pending and safe.
 */
import { useEffect, useRef, useState } from 'react';
import type { PlanCall, PreviewInfo, PreviewStepInfo, SkillInfo } from '../../../server/protocol.js';
import { KEYS, STOP_KEYS } from '../keys.js';
import { requestFrame } from '../stores/frame.js';
import { playhead, previewStore } from '../stores/preview.js';
import { useConnection, usePreview, useSession } from '../stores/react.js';
import { cancelPreview, confirmPreview, executeBlock } from './actions.js';
import { inControl } from '../stores/session.js';
import { dialogueBar } from '../stores/status.js';

export function PlanPanel() {
  const preview = usePreview((s) => s.preview);
  const mode = usePreview((s) => s.mode);
  if (!preview) {
    return (
      <section className="plan empty" data-testid="plan-empty">
        <DialogueBar />
        <p>
          No plan yet. Say or type a command: its plan and a preview of the motion show here, and nothing moves until you press{' '}
          <b>Execute</b>.
        </p>
      </section>
    );
  }
  return (
    <section className={`plan mode-${mode}`} data-testid="plan" data-preview-id={preview.id} data-mode={mode ?? ''}>
      {mode !== 'pending' && <DialogueBar />}
      <PlanCalls preview={preview} />
      <Summary preview={preview} />
      {(mode === 'pending' || mode === 'rejected') && <Scrubber preview={preview} />}
      <Steps preview={preview} />
      <Actions preview={preview} />
    </section>
  );
}

function PlanCalls({ preview }: { preview: PreviewInfo }) {
  const skills = useSession((s) => s.skills);
  return (
    <div className="calls" data-testid="plan-calls" aria-label="Plan">
      {preview.plan.map((c, i) => (
        <span key={i} className="call-wrap">
          {i > 0 && <span className="arrow">→</span>}
          <Call call={c} def={skills.find((s) => s.name === c.skill)} />
        </span>
      ))}
    </div>
  );
}

function callText(c: PlanCall): string {
  return `${c.skill}(${Object.values(c.args).join(', ')})`;
}

function Call({ call, def }: { call: PlanCall; def: SkillInfo | undefined }) {
  const [open, setOpen] = useState(false);
  if (!def?.body)
    return (
      <code className="call" title={def?.description}>
        {callText(call)}
      </code>
    );
  const body = def.body.map((b) => ({
    skill: b.skill,
    args: Object.fromEntries(
      Object.entries(b.args).map(([k, v]) => [k, typeof v === 'object' ? (call.args[v.param] ?? `<${v.param}>`) : v]),
    ),
  }));
  return (
    <span className="behavior">
      <button className="call expandable" onClick={() => setOpen(!open)} title={def.description} aria-expanded={open}>
        {open ? '▾' : '▸'} {callText(call)}
      </button>
      {open && <span className="body">= {body.map((b) => callText(b)).join('; ')}</span>}
    </span>
  );
}

function Summary({ preview }: { preview: PreviewInfo }) {
  const s = preview.summary;
  return (
    <div className="summary" data-testid="preview-summary">
      <span>{s.steps} steps</span>
      <span>{s.duration.toFixed(1)} s</span>
      <span title="fastest joint">joint ≤ {s.maxJointSpeed.toFixed(2)} rad/s</span>
      <span title="fastest tool centre speed">tool ≤ {s.maxToolSpeed.toFixed(2)} m/s</span>
      <span className={preview.safe ? 'ok' : 'bad'}>{preview.safe ? 'safety check passed' : 'fails a safety check'}</span>
    </div>
  );
}

function Scrubber({ preview }: { preview: PreviewInfo }) {
  const playing = usePreview((s) => s.playing);
  const showGhost = usePreview((s) => s.showGhost);
  const showPath = usePreview((s) => s.showPath);
  const input = useRef<HTMLInputElement>(null);
  const time = useRef<HTMLSpanElement>(null);
  const end = preview.timeline.t[preview.timeline.t.length - 1] ?? 0;
  useEffect(() => {
    // DOM writes repaint the page (in software, under test): at most ~12 per second, and only on change.
    let last = 0;
    let shown = '';
    const update = (t: number, force = false) => {
      const now = performance.now();
      if (!force && now - last < 80) return;
      last = now;
      const v = Math.min(t, end);
      const text = `${v.toFixed(1)} / ${end.toFixed(1)} s`;
      if (text === shown && !force) return;
      shown = text;
      if (input.current && document.activeElement !== input.current) input.current.value = v.toFixed(2);
      if (time.current) time.current.textContent = text;
    };
    update(playhead.t, true);
    const listener = (t: number) => update(t);
    playhead.listeners.add(listener);
    return () => {
      playhead.listeners.delete(listener);
    };
  }, [end]);
  return (
    <div className="scrubber">
      <button
        className="icon"
        onClick={() => {
          previewStore.setState({ playing: !playing });
          requestFrame();
        }}
        title={playing ? 'Pause the preview' : 'Play the preview'}
        aria-label={playing ? 'Pause the preview' : 'Play the preview'}
        data-testid="play"
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <input
        ref={input}
        type="range"
        min={0}
        max={end}
        step={0.01}
        defaultValue={0}
        aria-label="Preview time"
        data-testid="scrub"
        onInput={(e) => {
          previewStore.setState({ playing: false });
          playhead.set(Number((e.target as HTMLInputElement).value));
          requestFrame();
        }}
      />
      <span ref={time} className="time" />
      <label title="Show the ghost arm">
        <input
          type="checkbox"
          checked={showGhost}
          onChange={(e) => {
            previewStore.setState({ showGhost: e.target.checked });
            requestFrame();
          }}
        />{' '}
        ghost
      </label>
      <label title="Show the tool path">
        <input
          type="checkbox"
          checked={showPath}
          onChange={(e) => {
            previewStore.setState({ showPath: e.target.checked });
            requestFrame();
          }}
        />{' '}
        path
      </label>
    </div>
  );
}

function Steps({ preview }: { preview: PreviewInfo }) {
  const mode = usePreview((s) => s.mode);
  const ex = usePreview((s) => s.execution);
  const running = mode === 'executing' || mode === 'done';
  const mine = ex.previewId === preview.id;
  return (
    <ol className="steps" data-testid="steps">
      {preview.steps.map((st, i) => {
        const frac = running && mine ? (ex.stepFractions[i] ?? 0) : 0;
        const current = running && mine && ex.active && ex.step === i;
        const failed = running && mine && !ex.active && ex.outcome === 'failed' && ex.step === i;
        return (
          <li
            key={i}
            className={`step ${st.safe ? '' : 'unsafe'} ${current ? 'current' : ''} ${failed ? 'failed' : ''} ${frac >= 1 ? 'done' : ''}`}
            data-testid="step"
            data-safe={st.safe}
          >
            <div className="row">
              <span className="idx">{i + 1}</span>
              <code>{st.call}</code>
              <span className="dur">{st.duration.toFixed(1)} s</span>
              <span className="verdict">{st.safe ? (frac >= 1 ? '✓' : '') : '✗'}</span>
            </div>
            {!st.safe && (
              <div className="reason" data-testid="unsafe-reason">
                {st.reason ?? 'fails a safety check'}
              </div>
            )}
            {st.contact && (
              <div className="contact" data-testid="step-contact" title="The red marker in the 3-D view shows this point">
                {contactText(st.contact)}
              </div>
            )}
            {running && mine && (
              <div className="bar">
                <div style={{ width: `${Math.round(frac * 100)}%` }} />
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** "panda_hand × GIFT_BAG wall at 0.62 s, at (0.41, -0.21, 0.15) m" (world frame, z up) */
function contactText(c: NonNullable<PreviewStepInfo['contact']>): string {
  const when = c.time !== undefined ? ` at ${c.time.toFixed(2)} s` : '';
  return `${c.a} × ${c.b}${when}, at (${c.point.map((v) => v.toFixed(2)).join(', ')}) m`;
}

function Actions({ preview }: { preview: PreviewInfo }) {
  const mode = usePreview((s) => s.mode);
  const ex = usePreview((s) => s.execution);
  const connected = useConnection((s) => s.state === 'connected');
  const mine = useSession(inControl);
  // re-render when a newer command starts or ends planning (executeBlock reads the phase)
  useSession((s) => s.phase);
  if (mode === 'executing') {
    return (
      <div className="actions">
        <span className="running" data-testid="executing">
          Executing step {ex.step + 1} of {preview.steps.length}… press STOP or {STOP_KEYS.inline} to halt.
        </span>
      </div>
    );
  }
  if (mode === 'done') {
    const ok = ex.previewId === preview.id && ex.outcome === 'succeeded';
    return (
      <div className="actions">
        <span className={ok ? 'ok' : 'bad'} data-testid="outcome" data-outcome={ex.outcome ?? ''}>
          {ex.previewId !== preview.id ? '' : ok ? 'Done.' : `Stopped: ${ex.failure ?? 'failed'}`}
        </span>
      </div>
    );
  }
  // The same check as Ctrl+Enter, recomputed whenever what it reads changes (the hooks above).
  const why = executeBlock();
  const can = why === '';
  return (
    <div className="actions">
      <button
        className="execute"
        disabled={!can}
        onClick={confirmPreview}
        data-testid="execute"
        title={why || `Run exactly this previewed motion (${KEYS.execute.label})`}
        aria-keyshortcuts={KEYS.execute.aria}
      >
        ▶ Execute <kbd>{KEYS.execute.label}</kbd>
      </button>
      <button
        onClick={cancelPreview}
        disabled={mode !== 'pending' || !mine || !connected}
        data-testid="cancel"
        title={`Drop this preview (${KEYS.cancel.label}: a stop, which here moves nothing)`}
        aria-keyshortcuts={KEYS.cancel.aria}
      >
        Cancel <kbd>{KEYS.cancel.label}</kbd>
      </button>
      {why && <span className="bad">{why}</span>}
      {preview.autoConfirm && <span className="note">auto-confirm is on: it will run without asking</span>}
    </div>
  );
}

/**
 * What the session waits for besides a plan (a question, a lesson, a camera move held frame by
 * frame), with a Cancel that ends it: the same as saying "cancel", one level at a time. Hidden
 * while the link is down or not yet synced (stores/status.ts): what it said may be over.
 */
function DialogueBar() {
  const conn = useConnection((s) => s.state);
  const synced = useConnection((s) => s.synced);
  const dialogue = useSession((s) => s.dialogue);
  const bar = dialogueBar({ conn, synced, dialogue });
  if (!bar) return null;
  return (
    <div className="dialogue-bar" data-testid="dialogue-bar" data-state={bar.kind}>
      <span className="label">{bar.label}</span>
      <button onClick={cancelPreview} data-testid="dialogue-cancel" title={bar.cancelTitle}>
        Cancel
      </button>
    </div>
  );
}
