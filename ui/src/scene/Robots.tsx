/**
 * The three robot instances: live (follows the joint stream), ghost (plays the preview) and
 * teach arm (kinesthetic teaching). All updates happen in the frame loop from the stores'
 * current values; nothing here re-renders per joint message.
 */
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useState } from 'react';
import type { RobotInfo } from '../../../server/protocol.js';
import { joints } from '../stores/joints.js';
import { playhead, PREVIEW_LOOPS, previewStore } from '../stores/preview.js';
import { addLocalProblem } from '../stores/session.js';
import { recording, teachStore } from '../stores/teach.js';
import { frameProbe, sceneRefs } from './refs.js';
import { sampleTimeline } from './timeline.js';
import { buildRobot, fetchUrdf, poseRobot, type RobotHandle } from './urdf.js';

/** seconds the ghost rests at the end before the preview loops */
const LOOP_HOLD = 0.8;

export function Robots({ robot }: { robot: RobotInfo }) {
  const [handles, setHandles] = useState<{ live: RobotHandle; ghost: RobotHandle; teach: RobotHandle } | null>(null);
  const invalidate = useThree((s) => s.invalidate);
  frameProbe.renders++;

  useEffect(() => {
    let cancelled = false;
    let built: RobotHandle[] = [];
    void (async () => {
      try {
        const text = await fetchUrdf(robot.urdfUrl);
        const [live, ghost, teach] = await Promise.all([
          buildRobot(text, robot.urdfUrl, robot, 'solid'),
          buildRobot(text, robot.urdfUrl, robot, 'ghost'),
          buildRobot(text, robot.urdfUrl, robot, 'teach'),
        ]);
        built = [live, ghost, teach];
        if (cancelled) return;
        ghost.robot.visible = false;
        teach.robot.visible = false;
        sceneRefs.live = live;
        sceneRefs.ghost = ghost;
        sceneRefs.teach = teach;
        setHandles({ live, ghost, teach });
        invalidate();
      } catch (err) {
        addLocalProblem({
          id: 'urdf',
          severity: 'error',
          message: `Could not show the robot: ${(err as Error).message}`,
          tip: 'Check that the URDF file the sim uses is readable; the server serves it under /robot/files/.',
        });
      }
    })();
    return () => {
      cancelled = true;
      for (const h of built) h.dispose();
      sceneRefs.live = sceneRefs.ghost = sceneRefs.teach = null;
      frameProbe.robotReady = false;
    };
  }, [robot, invalidate]);

  return handles ? (
    <>
      <primitive object={handles.live.robot} />
      <primitive object={handles.ghost.robot} />
      <primitive object={handles.teach.robot} />
      <RobotAnimator handles={handles} dof={robot.jointNames.length} />
    </>
  ) : null;
}

function RobotAnimator({ handles, dof }: { handles: { live: RobotHandle; ghost: RobotHandle; teach: RobotHandle }; dof: number }) {
  frameProbe.renders++;
  const [scratch] = useState(() => ({ q: new Float64Array(dof), liveVersion: -1 }));
  const invalidate = useThree((s) => s.invalidate);
  // The view renders on demand: draw once now that the robots exist.
  useEffect(() => invalidate(), [invalidate]);

  useFrame((state, rawDelta) => {
    const delta = Math.min(rawDelta, 0.1);
    // Live robot: only when the stream changed.
    if (joints.version !== scratch.liveVersion && joints.q.length === dof) {
      scratch.liveVersion = joints.version;
      poseRobot(handles.live, joints.q, joints.gripper);
    }
    frameProbe.robotReady = true;

    // Ghost: plays the pending preview.
    const ps = previewStore.getState();
    const p = ps.preview;
    const ghostOn = Boolean(p && ps.showGhost && (ps.mode === 'pending' || ps.mode === 'rejected') && p.timeline.t.length > 0);
    handles.ghost.robot.visible = ghostOn;
    if (ghostOn && p) {
      const tl = p.timeline;
      const end = tl.t[tl.t.length - 1];
      if (ps.playing) {
        let t = playhead.t + delta * ps.speed;
        if (t > end + LOOP_HOLD) {
          // Loop a few times, then rest at the end (no endless rendering while a plan waits).
          if (++playhead.loops >= PREVIEW_LOOPS) {
            t = end;
            previewStore.setState({ playing: false });
          } else {
            t = 0;
          }
        }
        playhead.set(t);
        state.invalidate();
      }
      const g = sampleTimeline(tl.t, tl.q, tl.gripper, dof, Math.min(playhead.t, end), scratch.q);
      poseRobot(handles.ghost, scratch.q, g);
    }

    // Teach arm.
    const ts = teachStore.getState();
    handles.teach.robot.visible = ts.active;
    if (ts.active) {
      if (ts.playing && recording.samples.length > 1) {
        const s = recording.samples;
        const end = s[s.length - 1].t;
        let t = playhead.teachT + delta;
        if (t > end) {
          t = end;
          teachStore.setState({ playing: false });
        }
        playhead.teachT = t;
        let i = 0;
        while (i < s.length - 2 && s[i + 1].t <= t) i++;
        const a = s[i],
          b = s[i + 1];
        const f = b.t > a.t ? Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t))) : 0;
        for (let k = 0; k < dof; k++) scratch.q[k] = a.q[k] + (b.q[k] - a.q[k]) * f;
        poseRobot(handles.teach, scratch.q, a.gripper + (b.gripper - a.gripper) * f);
        state.invalidate();
      } else if (ts.q.length === dof) {
        poseRobot(handles.teach, ts.q, ts.gripper);
      }
    }
  });
  return null;
}
