/**
 * Teaching tools: point in the scene, and kinesthetic teaching in the sim (drag the teach
 * arm's gripper with the gizmo, or use the joint sliders; record, play back, save the
 * demonstration as a recording in the data folder).
 */
import { useState } from 'react';
import { getClient } from '../net/client.js';
import { requestFrame } from '../stores/frame.js';
import { joints } from '../stores/joints.js';
import { playhead } from '../stores/preview.js';
import { useSession, useTeach, useView } from '../stores/react.js';
import { recording, setTeachPose, startRecording, stopRecording, teachStore } from '../stores/teach.js';
import { viewStore } from '../stores/view.js';

export function TeachPanel() {
  const robot = useSession((s) => s.robot);
  const pointMode = useView((s) => s.pointMode);
  const awaiting = useSession((s) => s.awaitingPoint);
  const t = useTeach((s) => s);
  const [name, setName] = useState('demo');
  if (!robot) return null;
  const fromRobot = () => {
    setTeachPose([...joints.q], joints.gripper);
    requestFrame();
  };
  return (
    <section className="teach" data-testid="teach">
      <h3>Point</h3>
      <p className="hint">
        {awaiting ? (
          <>
            The robot asked where <b>{awaiting.name}</b> is: click it in the scene (or a spot on the table to name a location).
          </>
        ) : (
          'When the robot asks “show me where …”, click the object or a spot on the table.'
        )}
      </p>
      <label>
        <input type="checkbox" checked={pointMode} onChange={(e) => viewStore.setState({ pointMode: e.target.checked })} /> point mode:
        every click sends a point
      </label>

      <h3>Kinesthetic teaching (sim)</h3>
      {!t.active ? (
        <button
          onClick={() => {
            fromRobot();
            teachStore.setState({ active: true });
            requestFrame();
          }}
          data-testid="teach-start"
        >
          Start teaching
        </button>
      ) : (
        <>
          <p className="hint">
            Drag the orange arm's gripper (gizmo) or use the sliders. The real arm does not move; recordings are saved for learning motion
            skills.
          </p>
          <div className="btn-row">
            <button onClick={() => teachStore.setState({ gizmo: 'translate' })} aria-pressed={t.gizmo === 'translate'}>
              Move
            </button>
            <button onClick={() => teachStore.setState({ gizmo: 'rotate' })} aria-pressed={t.gizmo === 'rotate'}>
              Rotate
            </button>
            <button onClick={fromRobot} title="Put the teach arm where the robot is">
              From robot
            </button>
            <button
              onClick={() => {
                stopRecording();
                teachStore.setState({ active: false, playing: false });
                requestFrame();
              }}
            >
              Done
            </button>
          </div>
          <div className="btn-row record-row">
            {!t.recording ? (
              <button onClick={startRecording} data-testid="record">
                ● Record
              </button>
            ) : (
              <button onClick={stopRecording} className="recording" data-testid="record-stop">
                ■ Stop ({t.sampleCount})
              </button>
            )}
            <button
              disabled={t.recording || t.sampleCount < 2}
              onClick={() => {
                playhead.teachT = 0;
                teachStore.setState({ playing: true });
                requestFrame();
              }}
              data-testid="play-recording"
            >
              ▶ Play
            </button>
            <span className="hint">
              {t.sampleCount} samples{t.sampleCount > 1 ? `, ${recording.samples[recording.samples.length - 1].t.toFixed(1)} s` : ''}
            </span>
          </div>
          {t.ik && <div className={t.ik.ok ? 'ok' : 'bad'}>{t.ik.text}</div>}
          {t.recording && t.limited.some(Boolean) && (
            <div className="warn" role="status" data-testid="teach-limited">
              Slowed to the speed limit of{' '}
              {robot.jointNames
                .flatMap((j, i) => (t.limited[i] ? [`${j.replace(/^.*?joint/, 'j')} (${robot.limits[i].velocity} rad/s)`] : []))
                .join(', ')}
              : the orange arm follows as fast as the real arm may, so the recording stays one it can replay.
            </div>
          )}
          <div className="sliders">
            {robot.jointNames.map((j, i) => (
              <label key={j} className={t.recording && t.limited[i] ? 'slider limited' : 'slider'}>
                <span>{j.replace(/^.*?joint/, 'j')}</span>
                <input
                  type="range"
                  min={robot.limits[i].lower}
                  max={robot.limits[i].upper}
                  step={0.001}
                  value={(t.recording ? t.target[i] : t.q[i]) ?? 0}
                  onChange={(e) => {
                    // Recording: the other joints keep the targets they were given, not where the arm has got to.
                    const s = teachStore.getState();
                    const q = [...(s.recording && s.target.length === s.q.length ? s.target : s.q)];
                    q[i] = Number(e.target.value);
                    setTeachPose(q);
                    requestFrame();
                  }}
                />
                <span className="val">{(t.q[i] ?? 0).toFixed(2)}</span>
              </label>
            ))}
            {robot.gripper && (
              <label className="slider">
                <span>grip</span>
                <input
                  type="range"
                  min={Math.min(robot.gripper.closed, robot.gripper.open)}
                  max={Math.max(robot.gripper.closed, robot.gripper.open)}
                  step={0.0005}
                  value={t.gripper}
                  onChange={(e) => {
                    setTeachPose(teachStore.getState().q, Number(e.target.value));
                    requestFrame();
                  }}
                />
                <span className="val">{(t.gripper * 2000).toFixed(0)} mm</span>
              </label>
            )}
          </div>
          <form
            className="btn-row"
            onSubmit={(e) => {
              e.preventDefault();
              if (recording.samples.length >= 2) void getClient().upload({ type: 'save_recording', name, samples: recording.samples });
            }}
          >
            <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Recording name" />
            <button type="submit" disabled={t.recording || t.sampleCount < 2} data-testid="save-recording">
              Save
            </button>
            <button
              type="button"
              disabled={t.recording || t.sampleCount < 2}
              data-testid="use-demo"
              title={'Save it and show it to the robot as the demonstration of what you are teaching (after "I\'ll show you how to …")'}
              onClick={() => {
                if (recording.samples.length >= 2) void getClient().upload({ type: 'demonstrate', name, samples: recording.samples });
              }}
            >
              Show it to the robot
            </button>
          </form>
          {t.saved && (
            <div className="ok" data-testid="saved">
              Saved {t.saved.samples} samples to {t.saved.path}
            </div>
          )}
        </>
      )}
    </section>
  );
}
