/**
 * The one status the console shows (the status pill and the page title): the connection and
 * the session in a single value, so the pill can never say what the session was doing before
 * the link dropped. A pure function of the stores; `test/ui/stores.test.ts` covers every kind.
 */
import type { DialogueStateInfo, Phase } from '../../../server/protocol.js';
import type { ConnState } from './connection.js';

export type StatusKind =
  | 'connecting'
  | 'disconnected'
  | 'reconnecting'
  | 'idle'
  | 'planning'
  | 'asking'
  | 'previewing'
  | 'executing'
  | 'teaching'
  | 'recording'
  | 'shooting';

export interface StatusInput {
  conn: ConnState;
  /** failed attempts since the link was lost (the attempt in flight is attempts + 1) */
  attempts: number;
  /** a status arrived since the current connection opened: the session fields below are this server's */
  synced: boolean;
  phase: Phase;
  dialogue: DialogueStateInfo | null;
  /** the console's own teach arm is recording a demonstration (the sim teach tools) */
  consoleRecording: boolean;
}

export interface ConsoleStatus {
  kind: StatusKind;
  /** what the pill says */
  label: string;
  /** the page title ("Shammie — Executing") */
  title: string;
}

const APP = 'Shammie';

function status(kind: StatusKind, label: string, short = label): ConsoleStatus {
  return { kind, label, title: `${APP} — ${short}` };
}

/** The status for a set of inputs. Session state counts only while connected and synced. */
export function consoleStatus(i: StatusInput): ConsoleStatus {
  if (i.conn === 'connecting') return status('connecting', 'Connecting…');
  if (i.conn === 'disconnected') return status('disconnected', 'Disconnected from the server', 'Disconnected');
  if (i.conn === 'reconnecting') {
    const n = i.attempts + 1;
    return status('reconnecting', `Disconnected · reconnecting (attempt ${n})`, `Reconnecting (attempt ${n})`);
  }
  // Connected, but the first status of this connection has not arrived: nothing old is shown.
  if (!i.synced || !i.dialogue) return status('connecting', 'Connected · waiting for the session…', 'Connecting…');
  const d = i.dialogue;
  const lesson = d.lesson ? `Teaching "${d.lesson.name.replace(/_/g, ' ')}"` : null;
  const step = d.lesson ? `step ${d.lesson.steps + 1}` : '';
  switch (d.kind) {
    case 'executing':
      return status('executing', d.label, lesson ? `${lesson} · executing` : 'Executing');
    case 'framing':
      return d.frame
        ? status('shooting', d.label, `Shooting frame ${d.frame.index} of ${d.frame.total}`)
        : status('shooting', d.label, 'Shooting');
    case 'recording':
      return status('recording', d.label, lesson ? `${lesson} · recording` : 'Recording');
    default:
      break;
  }
  // The server's phase knows planning (the session does not see it) and a run it started.
  if (i.phase === 'executing') return status('executing', 'Executing', 'Executing');
  if (i.phase === 'planning') return status('planning', lesson ? `${lesson} · ${step} · planning…` : 'Planning…', 'Planning');
  if (i.consoleRecording) return status('recording', 'Recording a demonstration', 'Recording');
  switch (d.kind) {
    case 'previewing':
      return status('previewing', d.label, lesson ? `${lesson} · ${step} · confirm` : 'Waiting for confirmation');
    case 'asking':
      return status('asking', d.label, lesson ? `${lesson} · ${step} · question` : 'Question');
    default:
      return lesson ? status('teaching', d.label, `${lesson} · ${step}`) : status('idle', d.label || 'Ready', 'Ready');
  }
}

export interface DialogueBarView {
  kind: DialogueStateInfo['kind'];
  /** the question, or what is going on (a camera move, a lesson) */
  label: string;
  /** what the bar's Cancel ends */
  cancelTitle: string;
}

/**
 * The plan panel's bar for what the session waits for besides a plan (a question, a click, a
 * camera move, a lesson), or null for none. The same rule as the pill: only while connected
 * and synced, so the question from before a lost link is never shown as current.
 */
export function dialogueBar(i: Pick<StatusInput, 'conn' | 'synced' | 'dialogue'>): DialogueBarView | null {
  const d = i.dialogue;
  if (i.conn !== 'connected' || !i.synced || !d) return null;
  if (d.kind === 'asking')
    return {
      kind: d.kind,
      label: d.question || d.label,
      cancelTitle: d.expects === 'point' ? 'Stop waiting for the click' : 'Drop the question',
    };
  if (d.kind === 'framing') return { kind: d.kind, label: d.label, cancelTitle: 'End the camera move' };
  if (d.kind === 'recording' || (d.kind === 'idle' && d.lesson))
    return { kind: d.kind, label: d.label, cancelTitle: `Stop teaching ${d.lesson?.name ?? ''}` };
  return null;
}
