/**
 * The Studio tab: open or resume a film, the frame counter, Shoot (button, S or Enter), the
 * onion-skin controls and the shot list (film order; delete, and reorder by buttons, drag
 * or keyboard). Every change is a request; the list shows what the server stored.
 *
 * Keys while this tab is open and the focus is not in a text field: S or Enter shoots (Enter
 * only when no button has the focus), O toggles the onion skin. Space stays STOP. In the shot
 * list: ←/→ move the focus, Alt+←/→ move the frame, Delete deletes (press twice).
 */
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { StudioFrameInfo, StudioState } from '../../../server/protocol.js';
import { cancelPreview, confirmPreview } from '../panels/actions.js';
import { usePreview, useSession } from '../stores/react.js';
import { closeSession, deleteFrame, moveFrame, openSession, shoot } from './actions.js';
import { FilmExport } from './FilmExport.js';
import { useStudio } from './react.js';
import { counterText, frameSrc, studioStore } from './store.js';

/** ms a first Delete press stays armed */
const DELETE_ARM_MS = 3000;

function isTextField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  return !['checkbox', 'radio', 'range', 'button', 'submit'].includes((el as HTMLInputElement).type);
}

/** Enter already means "press this" on these. */
function isControl(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return isTextField(el) || ['BUTTON', 'A', 'INPUT', 'SUMMARY'].includes(el.tagName) || el.getAttribute('role') === 'button';
}

function useStudioKeys() {
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return;
      const k = e.key;
      if (k === 's' || k === 'S' || (k === 'Enter' && !isControl(e.target))) {
        e.preventDefault();
        if (!e.repeat) shoot();
      } else if (k === 'o' || k === 'O') {
        e.preventDefault();
        studioStore.setState((s) => ({ onion: !s.onion }));
      }
    };
    window.addEventListener('keydown', down);
    return () => window.removeEventListener('keydown', down);
  }, []);
}

export function StudioPanel() {
  useStudioKeys();
  const studio = useStudio((s) => s.studio);
  if (!studio) {
    return (
      <section className="studio" data-testid="studio">
        <p className="hint">
          The stop-motion studio is not available: this server sent no studio state. Restart <code>shammie start</code>; its start-up lines
          say which optional parts are missing.
        </p>
      </section>
    );
  }
  return (
    <section className="studio" data-testid="studio">
      {studio.session ? <SessionView studio={studio} /> : <OpenSession studio={studio} />}
    </section>
  );
}

function OpenSession({ studio }: { studio: StudioState }) {
  const [name, setName] = useState('film');
  const [problem, setProblem] = useState<string | null>(null);
  const open = (n: string) => setProblem(openSession(n));
  return (
    <>
      <h3>Stop-motion film</h3>
      <p className="hint">
        The arm holds the camera. Open a film, pose your figures, and shoot a frame at a time; camera moves come from taught skills (“track
        around the tower over 24 frames”).
      </p>
      <form
        className="btn-row"
        onSubmit={(e) => {
          e.preventDefault();
          open(name);
        }}
      >
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="Film name"
          data-testid="studio-name"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" data-testid="studio-open">
          Open
        </button>
      </form>
      {problem && <div className="bad">{problem}</div>}
      {studio.sessions.length > 0 && (
        <>
          <h3>Resume</h3>
          <ul className="sessions" data-testid="studio-sessions">
            {studio.sessions.map((s) => (
              <li key={s}>
                <button onClick={() => open(s)} data-testid={`studio-resume-${s}`}>
                  {s}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function SessionView({ studio }: { studio: StudioState }) {
  const session = studio.session!;
  const shooting = useStudio((s) => s.shooting);
  const onion = useStudio((s) => s.onion);
  const opacity = useStudio((s) => s.onionOpacity);
  const large = useStudio((s) => s.monitorLarge);
  const last = useStudio((s) => s.lastCapture);
  const error = useStudio((s) => s.error);
  const moving = useSession((s) => s.moving);
  const move = studio.move;
  const cam = studio.camera;
  return (
    <>
      <div className="studio-head">
        <h3>
          Film <b data-testid="studio-session">{session.name}</b> · {session.fps} fps
        </h3>
        <button onClick={closeSession} data-testid="studio-close" title="Close this film (it stays on disk and can be resumed)">
          Close
        </button>
      </div>
      <div className="studio-counter" data-testid="studio-counter">
        {counterText(studio)}
      </div>
      <PendingPlan />
      {move && (
        <p className="hint" data-testid="studio-move">
          {move.waiting && !moving ? (
            <>
              The camera holds pose {move.index} of {move.total} of <code>{move.call}</code>: pose the figures, then shoot. Each shot moves
              the camera on to the next pose.
            </>
          ) : (
            <>
              The camera is moving along <code>{move.call}</code>…
            </>
          )}
        </p>
      )}
      {cam.status && !cam.status.available && (
        <div className="bad" data-testid="studio-camera-status">
          {cam.status.message}
          {cam.status.hint ? <div className="hint">{cam.status.hint}</div> : null}
        </div>
      )}
      <button
        className="shoot"
        data-testid="studio-shoot"
        onClick={() => shoot()}
        disabled={studio.capturing || shooting}
        title="Capture a frame from the wrist camera (S or Enter)"
      >
        ● SHOOT <span className="keys">S · Enter</span>
      </button>
      <div className="studio-options">
        <label>
          <input
            type="checkbox"
            checked={onion}
            onChange={(e) => studioStore.setState({ onion: e.target.checked })}
            data-testid="onion-toggle"
          />{' '}
          Onion skin <span className="hint">(O)</span>
        </label>
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={opacity}
          disabled={!onion}
          aria-label="Onion skin opacity"
          onChange={(e) => studioStore.setState({ onionOpacity: Number(e.target.value) })}
          data-testid="onion-opacity"
        />
        <span className="val">{Math.round(opacity * 100)} %</span>
        <button
          aria-pressed={large}
          onClick={() => studioStore.setState({ monitorLarge: !large })}
          title="Show the camera view over the whole 3D view"
        >
          Large view
        </button>
      </div>
      {last && (
        <div className="hint" data-testid="studio-last">
          Last capture {last.width}×{last.height}: {Math.round(last.totalMs)} ms (render {Math.round(last.renderMs)}, PNG{' '}
          {Math.round(last.encodeMs)}, {Math.round(last.bytes / 1024)} KB)
        </div>
      )}
      {error && (
        <div className="bad" data-testid="studio-error">
          {error}
        </div>
      )}
      <FilmExport film={decodeURIComponent(session.frameUrl.split('/')[1] ?? '')} frames={session.frames.length} />
      <ShotList studio={studio} />
    </>
  );
}

/**
 * A camera move said in the dialogue ("track around the tower over 24 frames") is previewed
 * like any plan; it can be confirmed here without leaving the studio (the Plan tab has the
 * details and the scrubber).
 */
function PendingPlan() {
  const preview = usePreview((s) => s.preview);
  const mode = usePreview((s) => s.mode);
  if (!preview || (mode !== 'pending' && mode !== 'rejected')) return null;
  return (
    <div className="studio-plan" data-testid="studio-plan">
      <code>{preview.planText}</code>
      {mode === 'rejected' && <div className="bad">{preview.steps.find((s) => !s.safe)?.reason ?? 'This plan fails a safety check.'}</div>}
      <div className="btn-row">
        <button className="execute" onClick={confirmPreview} disabled={!preview.confirmable} data-testid="studio-execute">
          Execute
        </button>
        <button onClick={cancelPreview} data-testid="studio-cancel">
          Cancel
        </button>
        <span className="hint">{preview.summary.duration.toFixed(1)} s · the ghost arm shows it</span>
      </div>
    </div>
  );
}

function ShotList({ studio }: { studio: StudioState }) {
  const frames = studio.session!.frames;
  const [armed, setArmed] = useState<number | null>(null);
  const [focusId, setFocusId] = useState<number | null>(null);
  const [dragId, setDragId] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<number | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (armed === null) return;
    const t = setTimeout(() => setArmed(null), DELETE_ARM_MS);
    return () => clearTimeout(t);
  }, [armed]);

  // Keep the keyboard focus on the frame being moved: reordering moves its DOM node.
  useEffect(() => {
    if (focusId === null) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-frame-id="${focusId}"] .thumb`);
    if (el && document.activeElement !== el) el.focus();
  }, [frames, focusId]);

  const remove = (f: StudioFrameInfo, i: number) => {
    if (armed !== f.id) {
      setArmed(f.id);
      return;
    }
    setArmed(null);
    const next = frames[i + 1] ?? frames[i - 1];
    setFocusId(next ? next.id : null);
    deleteFrame(f.id);
  };
  const onKey = (e: ReactKeyboardEvent, f: StudioFrameInfo, i: number) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      const d = e.key === 'ArrowLeft' ? -1 : 1;
      if (e.altKey) {
        setFocusId(f.id);
        moveFrame(f.id, i + d);
      } else {
        const g = frames[i + d];
        if (g) setFocusId(g.id);
      }
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      const g = e.key === 'Home' ? frames[0] : frames[frames.length - 1];
      if (g) setFocusId(g.id);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      remove(f, i);
    }
  };

  return (
    <>
      <h3>
        Shot list · {frames.length} frame{frames.length === 1 ? '' : 's'}
      </h3>
      {frames.length === 0 && (
        <p className="hint">
          No frames yet. Press <b>Shoot</b> (or S).
        </p>
      )}
      <ol className="shots" ref={list} data-testid="shot-list" aria-label="Shot list, film order">
        {frames.map((f, i) => (
          <li
            key={f.id}
            data-frame-id={f.id}
            data-testid="shot"
            className={`shot ${dragId === f.id ? 'dragging' : ''} ${dropAt === i && dragId !== null && dragId !== f.id ? 'drop' : ''}`}
            draggable
            onDragStart={(e) => {
              setDragId(f.id);
              e.dataTransfer.effectAllowed = 'move';
              e.dataTransfer.setData('text/plain', String(f.id));
            }}
            onDragOver={(e) => {
              if (dragId !== null) {
                e.preventDefault();
                setDropAt(i);
              }
            }}
            onDragLeave={() => setDropAt((d) => (d === i ? null : d))}
            onDrop={(e) => {
              e.preventDefault();
              if (dragId !== null) moveFrame(dragId, i);
              setDragId(null);
              setDropAt(null);
            }}
            onDragEnd={() => {
              setDragId(null);
              setDropAt(null);
            }}
          >
            <button
              className="thumb"
              onKeyDown={(e) => onKey(e, f, i)}
              onFocus={() => setFocusId(f.id)}
              aria-label={`Frame ${i + 1}${f.skill ? `, ${f.skill}` : ''}. Alt+arrows move it, Delete deletes it.`}
              title={`Frame ${i + 1} (id ${f.id})${f.skill ? ` · ${f.skill}` : ''} · ${f.width}×${f.height}`}
            >
              <img src={frameSrc(studio, f)} alt="" loading="lazy" draggable={false} style={{ aspectRatio: `${f.width} / ${f.height}` }} />
              <span className="num">{i + 1}</span>
            </button>
            <div className="shot-actions">
              <button
                onClick={() => moveFrame(f.id, i - 1)}
                disabled={i === 0}
                aria-label={`Move frame ${i + 1} earlier`}
                data-testid="shot-earlier"
              >
                ◀
              </button>
              <button
                onClick={() => moveFrame(f.id, i + 1)}
                disabled={i === frames.length - 1}
                aria-label={`Move frame ${i + 1} later`}
                data-testid="shot-later"
              >
                ▶
              </button>
              <button
                className={armed === f.id ? 'armed' : ''}
                onClick={() => remove(f, i)}
                aria-label={armed === f.id ? `Really delete frame ${i + 1}?` : `Delete frame ${i + 1}`}
                data-testid="shot-delete"
              >
                {armed === f.id ? 'Delete?' : '✕'}
              </button>
            </div>
          </li>
        ))}
      </ol>
    </>
  );
}
