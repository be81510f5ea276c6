/** Things drawn over the 3D view: camera presets, gripper readout, the pointing banner, problems. */
import { useEffect, useRef } from 'react';
import { joints } from '../stores/joints.js';
import { useSession, useView } from '../stores/react.js';
import { useShallow } from 'zustand/react/shallow';
import { dismissLocalProblem, dismissServerProblem, visibleProblems } from '../stores/session.js';
import { SceneReset } from './SceneReset.js';
import { PaceSwitch, setPace } from './StatusPill.js';
import { choosePreset, viewStore, type CameraPreset } from '../stores/view.js';

const PRESET_NAMES: [CameraPreset, string][] = [
  ['perspective', 'Perspective'],
  ['front', 'Front'],
  ['top', 'Top'],
  ['wrist', 'Wrist'],
];

export function ViewToolbar() {
  const preset = useView((s) => s.preset);
  const pointMode = useView((s) => s.pointMode);
  return (
    <div className="view-toolbar">
      {PRESET_NAMES.map(([p, label]) => (
        <button key={p} aria-pressed={preset === p} onClick={() => choosePreset(p)} data-testid={`view-${p}`}>
          {label}
        </button>
      ))}
      <button
        aria-pressed={pointMode}
        onClick={() => viewStore.setState({ pointMode: !pointMode })}
        title="Clicks in the scene send world points (name a location)"
      >
        ◎ Point
      </button>
      {/* the sim's pace (the fix the "could not keep up" warning offers) */}
      <PaceSwitch />
      <SceneReset />
    </div>
  );
}

export function Hud() {
  const held = useSession((s) => s.held);
  const robot = useSession((s) => s.robot);
  const grip = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const id = setInterval(() => {
      if (!grip.current || !robot?.gripper) return;
      const g = robot.gripper;
      const open = Math.abs(joints.gripper - g.closed) / Math.max(1e-6, Math.abs(g.open - g.closed));
      const text = `${open > 0.9 ? 'open' : open < 0.1 ? 'closed' : 'partly open'} · ${(joints.gripper * 2000).toFixed(0)} mm`;
      if (grip.current.textContent !== text) grip.current.textContent = text;
    }, 200);
    return () => clearInterval(id);
  }, [robot]);
  if (!robot?.gripper) return null;
  return (
    <div className="hud" data-testid="hud">
      Gripper: <span ref={grip} /> {held ? <b>· holding {held}</b> : ''}
    </div>
  );
}

export function PointBanner() {
  const awaiting = useSession((s) => s.awaitingPoint);
  const pointMode = useView((s) => s.pointMode);
  if (!awaiting && !pointMode) return null;
  return (
    <div className="point-banner" data-testid="point-banner">
      {awaiting ? (
        <>
          Click <b>{awaiting.name}</b> in the scene, or a spot on the table to name a location.
        </>
      ) : (
        <>Point mode: a click in the scene sends that world point.</>
      )}
    </div>
  );
}

export function Problems() {
  // Closed server problems stay closed while they last (the server still reports them).
  const server = useSession(useShallow(visibleProblems));
  const local = useSession((s) => s.localProblems);
  if (server.length === 0 && local.length === 0) return null;
  return (
    <div className="problems" data-testid="problems" role="status">
      {server.map((p) => (
        <div key={p.id} className={`problem ${p.severity}`} data-problem={p.id}>
          <button className="close" onClick={() => dismissServerProblem(p.id)} aria-label="Dismiss">
            ×
          </button>
          <div>{p.message}</div>
          {p.tip && <div className="tip">{p.tip}</div>}
          {p.id === 'backend:sim-lag' && (
            <button type="button" data-testid="use-fast-pace" onClick={() => setPace('fast')}>
              Use fast pace
            </button>
          )}
        </div>
      ))}
      {local.map((p) => (
        <div key={p.id} className={`problem ${p.severity}`} data-problem={p.id}>
          <button className="close" onClick={() => dismissLocalProblem(p.id)} aria-label="Dismiss">
            ×
          </button>
          <div>{p.message}</div>
          {p.tip && <div className="tip">{p.tip}</div>}
        </div>
      ))}
    </div>
  );
}
