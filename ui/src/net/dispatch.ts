/**
 * Applies one parsed server message to the stores. Pure store updates, no I/O: the tests run
 * it in Node.
 */
import { isStudioServerMessage, isVoiceServerMessage, type ServerMessage } from '../../../server/protocol.js';
import { applyVoiceMessage } from '../audio/dispatch.js';
import { applyStudioMessage } from '../studio/dispatch.js';
import { connectionStore } from '../stores/connection.js';
import { requestFrame } from '../stores/frame.js';
import { joints } from '../stores/joints.js';
import { idleExecution, previewStore, setPreview } from '../stores/preview.js';
import { reconcileHello, TRANSCRIPT_MAX } from '../stores/continuity.js';
import { addLocalProblem, sessionStore, setServerProblems } from '../stores/session.js';
import { teachStore } from '../stores/teach.js';

/** IK answers go to whoever asked (the gizmo), by request id. */
export const ikWaiters = new Map<number, (r: Extract<ServerMessage, { type: 'ik_result' }>) => void>();

export function applyServerMessage(m: ServerMessage): void {
  if (isVoiceServerMessage(m)) return applyVoiceMessage(m);
  if (isStudioServerMessage(m)) return applyStudioMessage(m);
  switch (m.type) {
    case 'joints':
      joints.write(m);
      return;
    case 'hello': {
      joints.configure(m.robot.jointNames.length, m.scene.bodies.length);
      // The same server again, or a restarted one: never wipe the transcript without a word.
      const shown = previewStore.getState();
      const outcome = reconcileHello(
        {
          serverId: connectionStore.getState().serverId,
          transcript: sessionStore.getState().transcript,
          pendingUtterance: shown.preview && shown.mode === 'pending' ? shown.preview.utterance : null,
        },
        m,
      );
      sessionStore.setState({
        robot: m.robot,
        scene: m.scene,
        probes: m.probes,
        recordingsDir: m.recordingsDir,
        transcript: outcome.transcript,
        you: m.you,
        youLabel: m.youLabel,
      });
      if (outcome.notice) addLocalProblem(outcome.notice);
      const ex = m.execution;
      const mode = !m.preview
        ? null
        : ex.active && ex.previewId === m.preview.id
          ? 'executing'
          : m.preview.confirmable
            ? 'pending'
            : ex.previewId === m.preview.id
              ? 'done'
              : 'rejected';
      setPreview(m.preview, mode);
      previewStore.setState({ execution: ex });
      connectionStore.setState({ serverId: m.serverId, stopPort: m.stopPort });
      const teach = teachStore.getState();
      if (teach.q.length !== m.robot.jointNames.length) teachStore.setState({ q: [...m.robot.home], gripper: m.robot.gripper?.open ?? 0 });
      return;
    }
    case 'status':
      sessionStore.setState({
        phase: m.phase,
        dialogue: m.dialogue,
        presence: m.presence,
        moving: m.moving,
        awaitingPoint: m.awaitingPoint,
        ...setServerProblems(m.problems),
        control: m.control,
        pace: m.pace ?? null,
      });
      // The session state shown is this connection's from now on (the status pill trusts it).
      if (!connectionStore.getState().synced) connectionStore.setState({ synced: true });
      return;
    case 'world':
      sessionStore.setState({ held: m.held, bodies: m.bodies });
      return;
    case 'library':
      sessionStore.setState({ skills: m.skills, entities: m.entities });
      return;
    case 'dialogue':
      sessionStore.setState((s) => ({ transcript: [...s.transcript, m.entry].slice(-TRANSCRIPT_MAX) }));
      return;
    case 'preview':
      setPreview(m.preview, m.preview.confirmable ? 'pending' : 'rejected');
      previewStore.setState({ execution: idleExecution });
      requestFrame();
      return;
    case 'preview_cleared': {
      const cur = previewStore.getState().preview;
      if (m.reason === 'executing') {
        if (cur && (m.id === null || cur.id === m.id))
          previewStore.setState({ mode: 'executing', preview: { ...cur, confirmable: false }, playing: false });
      } else if (!cur || m.id === null || cur.id === m.id) {
        setPreview(null, null);
      }
      requestFrame();
      return;
    }
    case 'execution': {
      const s = previewStore.getState();
      const mode = m.execution.active ? 'executing' : s.mode === 'executing' ? 'done' : s.mode;
      previewStore.setState({ execution: m.execution, mode });
      return;
    }
    case 'stop':
      previewStore.setState({ playing: false });
      return;
    case 'ik_result': {
      const w = ikWaiters.get(m.id);
      ikWaiters.delete(m.id);
      w?.(m);
      return;
    }
    case 'recording_saved':
      teachStore.setState({ saved: { name: m.name, path: m.path, samples: m.samples } });
      return;
    case 'error':
      addLocalProblem({ id: `error:${m.re ?? 'server'}`, severity: 'warn', message: m.message, ...(m.tip ? { tip: m.tip } : {}) });
      return;
    default: {
      const never: never = m;
      throw new Error(`[console] unhandled server message ${JSON.stringify(never)}`);
    }
  }
}
