/**
 * Session continuity across a server restart: the previous session's JSONL log (session/log.ts,
 * written by every server started with a data folder) is read back for what the consoles saw:
 * the dialogue (utterances and the robot's replies), the plan pending when it ended, and the
 * lesson or motion it was in. What cannot come back is said, with why (`ContinuityInfo.lost`).
 *
 * Reads at most the last MAX_BYTES of the file and trusts no line: each is parsed with zod, and
 * a line that does not parse is skipped (a torn last line after a kill, an older format).
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { WORLD_RECORD, worldRecordSchema, type WorldRecord } from '../session/world-snapshot.js';
import type { ContinuityInfo, DialogueEntry } from './protocol.js';
import { turnEntry } from './transcript.js';

/** the tail of the previous log that is read: many hours of dialogue, a bounded read */
export const MAX_BYTES = 2 * 1024 * 1024;
/** transcript entries restored (what a console is sent on connect) */
export const MAX_ENTRIES = 100;
/** a pending plan older than this is not planned again: the operator has moved on */
export const MAX_REPLAN_AGE_MS = 30 * 60_000;

const recordSchema = z.object({ ts: z.string(), type: z.string() });
const utteranceSchema = z.object({ text: z.string().max(2000) });
const planCallSchema = z.object({ skill: z.string(), args: z.record(z.string(), z.unknown()) });
const turnSchema = z.object({
  turn: z.object({
    utterance: z.string(),
    kind: z.enum(['plan', 'question', 'taught', 'rejected', 'error']),
    reply: z.string(),
    plan: z.array(planCallSchema).nullable(),
    executed: z.boolean(),
    outcome: z.enum(['succeeded', 'failed', 'not_run']),
    failure: z.string().optional(),
    notes: z.array(z.string()).optional(),
  }),
});
const stateSchema = z.object({
  state: z.object({
    kind: z.enum(['idle', 'asking', 'previewing', 'executing', 'framing', 'recording']),
    label: z.string(),
    lesson: z.object({ name: z.string(), steps: z.number().int() }).passthrough().nullable(),
    question: z.string().nullable(),
    plan: z.string().nullable(),
    proposedBy: z.string().nullable(),
  }),
});
/**
 * The line a restarted server writes into its own log (first, before any event): the log it
 * restored from and the utterance it plans again, so the next restart does not take that
 * re-plan for something the operator said.
 */
export const RESTORED_RECORD = 'restored';
const restoredSchema = z.object({ replan: z.string().nullable() });
/** The line a server writes when the console switches the sim's pace (kept across a restart). */
export const PACE_RECORD = 'pace';
const paceSchema = z.object({ pace: z.enum(['fast', 'realtime']) });

/** a source the session knows: a console, the API or the local operator */
const SOURCE = /^(?:console:[A-Za-z0-9_-]{1,64}|api|operator)$/;

export interface PreviousSession {
  /** the log file (full path) */
  path: string;
  /** the time of its last readable line (ms since epoch) */
  endedAt: number;
  /** it ended with a log_end line (a clean stop); false after a kill or a crash */
  cleanEnd: boolean;
  transcript: DialogueEntry[];
  /** the dialogue state at the end */
  state: z.infer<typeof stateSchema>['state'] | null;
  /** the utterance whose plan was pending (or running) at the end, and who asked */
  pending: { utterance: string; by: string | null } | null;
  /** the last world snapshot (sim only; written each time the arm came to rest), checked in shape only */
  world: WorldRecord | null;
  /** the sim pace last chosen from the console, if it was switched */
  pace: 'fast' | 'realtime' | null;
}

/** logs read back at most: a restart soon after another still finds what was said before both */
export const MAX_LOGS = 4;

/** The newest session log in `logsDir` other than `current` (names sort by start time); null when none. */
export function findPreviousLog(logsDir: string, current: string): string | null {
  return findPreviousLogs(logsDir, current, 1)[0] ?? null;
}

/** Up to `max` session logs older than `current`, newest first. */
export function findPreviousLogs(logsDir: string, current: string, max = MAX_LOGS): string[] {
  let names: string[];
  try {
    names = readdirSync(logsDir);
  } catch {
    return [];
  }
  const cur = resolve(current);
  const logs = names
    .filter((n) => /^session-.*\.jsonl$/.test(n))
    .map((n) => join(logsDir, n))
    .filter((p) => resolve(p) !== cur && p < cur)
    .sort()
    .reverse();
  return logs.slice(0, Math.max(0, max));
}

/**
 * The previous session, with the dialogue of the sessions before it prepended while there is
 * room (a server restarted twice keeps what was said before both restarts). Only the newest
 * log's state and pending plan count. Throws when the newest cannot be read; older unreadable
 * ones are skipped.
 */
export function readPreviousSessions(paths: readonly string[]): PreviousSession | null {
  if (!paths.length) return null;
  const newest = readPreviousSession(paths[0]);
  let entries = newest.transcript;
  for (const older of paths.slice(1)) {
    if (entries.length >= MAX_ENTRIES) break;
    try {
      entries = [...readPreviousSession(older).transcript, ...entries];
    } catch {
      break;
    }
  }
  // Ids in order again (each log numbered its own from 1).
  newest.transcript = entries.slice(-MAX_ENTRIES).map((e, i) => ({ ...e, id: i + 1 }));
  return newest;
}

/** Read the tail of a session log; throws only when the file cannot be read. */
export function readPreviousSession(path: string, maxBytes = MAX_BYTES): PreviousSession {
  const fd = openSync(path, 'r');
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - from);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, from + off);
      if (n === 0) break;
      off += n;
    }
    text = buf.subarray(0, off).toString('utf8');
    // A read from the middle starts inside a line: drop it.
    if (from > 0) text = text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
  const out: PreviousSession = { path, endedAt: 0, cleanEnd: false, transcript: [], state: null, pending: null, world: null, pace: null };
  let id = 0;
  const add = (role: DialogueEntry['role'], text: string, t: number, kind?: string) => {
    out.transcript.push({ id: ++id, role, text, t, ...(kind ? { kind } : {}) });
    if (out.transcript.length > MAX_ENTRIES * 2) out.transcript = out.transcript.slice(-MAX_ENTRIES);
  };
  let lastPlanned: string | null = null;
  // A restart's own re-plan of the pending utterance (its 'restored' record says which): not a user line.
  let replanned: string | null = null;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue; // a torn last line (the process was killed mid-write)
    }
    const rec = recordSchema.safeParse(json);
    if (!rec.success) continue;
    const t = Date.parse(rec.data.ts);
    if (!Number.isFinite(t)) continue;
    out.endedAt = Math.max(out.endedAt, t);
    switch (rec.data.type) {
      case 'log_start':
        out.cleanEnd = false;
        break;
      case 'log_end':
        out.cleanEnd = true;
        break;
      case 'utterance': {
        const u = utteranceSchema.safeParse(json);
        // "!confirm", "!click …": the console's own actions, not words anyone said.
        if (u.success && u.data.text === replanned) replanned = null;
        else if (u.success && !u.data.text.startsWith('!')) add('user', u.data.text, t);
        break;
      }
      case RESTORED_RECORD: {
        const r = restoredSchema.safeParse(json);
        if (r.success) replanned = r.data.replan;
        break;
      }
      case 'turn': {
        const r = turnSchema.safeParse(json);
        if (!r.success) break;
        const line = turnEntry(r.data.turn);
        add('robot', line.text, t, line.kind);
        if (!r.data.turn.executed && r.data.turn.kind === 'plan' && r.data.turn.plan?.length) lastPlanned = r.data.turn.utterance;
        break;
      }
      case WORLD_RECORD: {
        const r = worldRecordSchema.safeParse(json);
        if (r.success) out.world = r.data;
        break;
      }
      case PACE_RECORD: {
        const r = paceSchema.safeParse(json);
        if (r.success) out.pace = r.data.pace;
        break;
      }
      case 'state': {
        const r = stateSchema.safeParse(json);
        if (r.success) out.state = r.data.state;
        break;
      }
      default:
        break;
    }
  }
  out.transcript = out.transcript.slice(-MAX_ENTRIES);
  const s = out.state;
  if (s && (s.kind === 'previewing' || s.kind === 'executing') && lastPlanned && !lastPlanned.startsWith('!'))
    out.pending = { utterance: lastPlanned, by: s.proposedBy && SOURCE.test(s.proposedBy) ? s.proposedBy : null };
  return out;
}

export interface RestorePlan {
  continuity: ContinuityInfo;
  /** the system line every console sees */
  note: string;
  /** plan this utterance again (a preview only; nothing moves without a confirm), for this source */
  replan: { utterance: string; by: string | null } | null;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/**
 * What became of the sim world (server/hub.ts tried the snapshot before planning): put back
 * (a summary), or started over (why); absent on a real robot.
 */
export type WorldOutcome = { restored: string } | { reset: string };

/** What to bring back from a previous session and what to say was lost. */
export function planRestore(
  prev: PreviousSession,
  options: { now: number; sim: boolean; maxAgeMs?: number; world?: WorldOutcome; pace?: string | null },
): RestorePlan {
  const maxAge = options.maxAgeMs ?? MAX_REPLAN_AGE_MS;
  const age = options.now - prev.endedAt;
  const file = basename(prev.path);
  const lost: string[] = [];
  const world = options.sim ? (options.world ?? { reset: 'it was not read back' }) : null;
  if (world && 'reset' in world)
    lost.push(
      `The world was reset to the scene's start because ${world.reset}: the simulation starts over with the server (objects back in place, nothing held).`,
    );
  lost.push(
    'Only what was said is in the session log: system notes (control hand-overs, saved demonstrations, stop notices) were not restored.',
  );
  const s = prev.state;
  if (s?.lesson)
    lost.push(
      `The lesson "${s.lesson.name.replace(/_/g, ' ')}" (${s.lesson.steps} step${s.lesson.steps === 1 ? '' : 's'} so far) was lost: a lesson in progress is not kept across a restart. Start it again ("let me teach you to ${s.lesson.name.replace(/_/g, ' ')}").`,
    );
  if (s?.kind === 'asking') lost.push(`The question "${s.label}" was dropped: ask again.`);
  if (s?.kind === 'framing') lost.push(`The camera move (${s.label}) was ended: the studio film keeps the frames already shot.`);
  if (s?.kind === 'recording') lost.push('The hand-guided recording was ended without learning from it.');
  let replan: RestorePlan['replan'] = null;
  let preview: ContinuityInfo['preview'] = 'none';
  const p = prev.pending;
  if (p && s?.kind === 'executing') {
    preview = 'dropped';
    lost.push(
      `The motion that was running ("${p.utterance}", ${s.plan ?? 'its plan'}) was interrupted by the restart and is not run again.`,
    );
  } else if (p) {
    const why = s?.lesson
      ? 'it was a step of the lesson that was lost'
      : age > maxAge
        ? `it is from ${ago(age)} (plans older than ${Math.round(maxAge / 60_000)} min are not planned again)`
        : null;
    if (why) {
      preview = 'dropped';
      lost.push(`The pending preview of "${p.utterance}" was dropped because ${why}. Say it again to plan it anew.`);
    } else {
      preview = 'replanned';
      replan = p;
    }
  }
  const n = prev.transcript.length;
  const how = prev.cleanEnd ? 'was stopped' : 'ended without closing its log (killed or crashed)';
  const restoredWorld = world && 'restored' in world ? world.restored : null;
  // A motion cut off by the restart: the last snapshot is from before it.
  const worldText = restoredWorld
    ? `the world (${restoredWorld}${s?.kind === 'executing' ? ', as before the interrupted motion' : ''})`
    : null;
  const note =
    `The server restarted: the previous session (${file}) ${how} ${ago(age)}. ` +
    `Restored ${n} transcript line${n === 1 ? '' : 's'} from the session log` +
    (worldText ? `, ${worldText}` : '') +
    (options.pace ? `, the ${options.pace} pace chosen in the console` : '') +
    (replan
      ? `, and planned "${replan.utterance}" again${world ? (restoredWorld ? ' in the restored world' : ' in the reset world') : ''}: check the new preview before you confirm.`
      : '.') +
    (lost.length ? ` Lost: ${lost.join(' ')}` : '');
  return {
    continuity: {
      previousLog: file,
      previousEnd: prev.endedAt,
      transcript: n,
      preview,
      previewUtterance: p?.utterance ?? null,
      lost,
      ...(worldText ? { world: worldText } : {}),
      ...(options.pace ? { pace: options.pace } : {}),
    },
    note,
    replan,
  };
}
