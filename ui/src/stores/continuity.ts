/**
 * What a console does with a `hello`: the same server again (a dropped link) or a restarted one.
 * The transcript is never wiped silently: after a restart the server's restored copy is used when
 * it has one, else this console keeps its own copy and says what was lost and why. Pure: the
 * tests run it in Node.
 */
import type { DialogueEntry, HelloMessage, ProblemInfo } from '../../../server/protocol.js';

export interface LocalView {
  /** the server this console last talked to; null on a fresh page */
  serverId: string | null;
  transcript: readonly DialogueEntry[];
  /** the utterance of the preview pending here when the link was lost, if any */
  pendingUtterance: string | null;
}

export interface HelloOutcome {
  transcript: DialogueEntry[];
  /** what the operator must know (a restart: what came back, what was lost); null when nothing changed */
  notice: ProblemInfo | null;
}

/** entries the console keeps (the server sends its last 100) */
export const TRANSCRIPT_MAX = 300;

export function reconcileHello(local: LocalView, hello: Pick<HelloMessage, 'serverId' | 'transcript' | 'continuity'>): HelloOutcome {
  const server = hello.transcript;
  if (local.serverId === null) return { transcript: server.slice(-TRANSCRIPT_MAX), notice: null };
  if (local.serverId === hello.serverId) {
    // The same server: its entries are authoritative; older ones it no longer sends are kept.
    const first = server.length ? server[0].id : Infinity;
    const older = local.transcript.filter((e) => e.id < first);
    return { transcript: [...older, ...server].slice(-TRANSCRIPT_MAX), notice: null };
  }
  // A restarted server.
  const c = hello.continuity ?? null;
  const restored = c !== null && c.transcript > 0;
  const lost: string[] = [];
  if (c) lost.push(...c.lost);
  else
    lost.push(
      'The server restarted without a session log to restore from (it was started without a data folder, or the log could not be read), so its transcript, the pending preview and the world were not restored; the world is back at the scene’s start.',
    );
  // The server names a preview it dropped (with its reason); otherwise this console names the one it showed.
  if (local.pendingUtterance && c?.preview !== 'replanned' && !lost.some((l) => l.includes(`"${local.pendingUtterance}"`)))
    lost.push(
      `The pending preview of "${local.pendingUtterance}" was dropped: the server that held it restarted. Say it again to plan it anew.`,
    );
  const back: string[] = [];
  if (restored) back.push(`${c.transcript} transcript line${c.transcript === 1 ? '' : 's'} from ${c.previousLog}`);
  if (c?.world) back.push(c.world);
  if (c?.pace) back.push(`the ${c.pace} pace`);
  if (c?.preview === 'replanned')
    back.push(`the pending preview of "${c.previewUtterance ?? '?'}" (planned again: check it before you confirm)`);
  const message =
    `The server restarted.${back.length ? ` Restored: ${back.join('; ')}.` : ' Nothing was restored.'}` +
    (lost.length ? ` Lost: ${lost.join(' ')}` : '');
  const notice: ProblemInfo = {
    id: 'restart',
    severity: lost.length ? 'warn' : 'info',
    message,
    tip: restored ? 'The transcript above is the server’s restored copy.' : 'The transcript above is this console’s own copy.',
  };
  if (restored) return { transcript: server.slice(-TRANSCRIPT_MAX), notice };
  // Keep this console's copy (negative ids: the new server numbers its entries from 1 again),
  // then a line saying what happened, then whatever the new server already said.
  const kept = local.transcript.map((e, i) => ({ ...e, id: -(local.transcript.length + 1 - i) }));
  const note: DialogueEntry = { id: -(local.transcript.length + 2), role: 'system', kind: 'note', text: message, t: Date.now() };
  return { transcript: [...kept, note, ...server].slice(-TRANSCRIPT_MAX), notice };
}
