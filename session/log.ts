/**
 * The session log: every session event as one compact JSON line with an ISO timestamp, in
 * <dataDir>/logs/session-<timestamp>.jsonl. It is what `shammie report` reads to compute the
 * paper's measures (supervision time, taught behaviors, skills per behavior, failures).
 *
 * Appends synchronously: events arrive a few per second (progress is thinned), a line is
 * never interleaved with another, and a crash loses at most the event being written. A
 * logging problem is never thrown into the robot's dialogue, and never silent either: a line
 * the disk refuses (full disk) is kept in memory (bounded) and written when there is room
 * again, the half line a failed write may leave is cut off (earlier lines are never
 * touched), and the problem is reported (`problem`, `onProblem`, and one line on stderr) so
 * the operator hears "the session log could not be written … free disk space".
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bumped when the line format changes incompatibly; `shammie report` reads it from the first line. */
export const LOG_FORMAT = 1;

/** Any event with a type: the session's SessionEvent union today, and whatever is added later. */
export type LoggableEvent = { type: string; t?: number; [key: string]: unknown };

/** What a session offers to a log (Session.subscribe). */
export interface EventSource<E> {
  subscribe(listener: (e: E) => void): () => void;
}

export interface SessionLogOptions {
  /** the data folder; the log goes to <dataDir>/logs/ (default ./shammie-data, or $SHAMMIE_DATA) */
  dataDir?: string;
  /** write exactly this file instead (appended to if it exists) */
  file?: string;
  /** for tests */
  now?: () => Date;
  /** free-form facts for the first line (scene, robot, planner, seed…) */
  meta?: Record<string, unknown>;
  /** called when writing starts failing (with the problem) and when it works again (null) */
  onProblem?: (problem: LogProblem | null) => void;
  /** where the one-line warnings go (default stderr); the operator's terminal */
  warn?: (line: string) => void;
}

/** Why the log cannot be written, for the operator. */
export interface LogProblem {
  /** the system's error code (ENOSPC: disk full), or null */
  code: string | null;
  /** one line: what failed and what to do */
  message: string;
  /** ISO time of the first failed write */
  since: string;
  /** lines held in memory, to be written when the disk has room */
  pending: number;
  /** lines dropped because the memory backlog was full */
  lost: number;
}

/**
 * Lines kept in memory while the disk refuses them: events come a few per second, so this is
 * many minutes of session, and at most a few MB.
 */
export const MAX_PENDING_LINES = 2000;
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/** "session-2024-11-26T06-26-20-123Z.jsonl": sortable, and no ':' so it is a valid name everywhere. */
export function logFileName(at: Date): string {
  return `session-${at.toISOString().replace(/[:.]/g, '-')}.jsonl`;
}

/** Where a session started at `at` logs to. */
export function defaultLogPath(dataDir: string, at: Date = new Date()): string {
  return join(dataDir, 'logs', logFileName(at));
}

const MAX_STRING = 2000;
const MAX_ARRAY = 200;
const MAX_DEPTH = 8;

/** A JSON-safe, bounded copy: no functions, cycles, typed arrays or runaway sizes in a log line. */
function bounded(v: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}… (${v.length} chars)` : v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return undefined; // functions, symbols, undefined
  if (seen.has(v)) return '[cycle]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (ArrayBuffer.isView(v)) return `[${v.constructor.name} of ${(v as unknown as { length?: number }).length ?? '?'}]`;
  seen.add(v);
  try {
    if (Array.isArray(v)) {
      const items = v.slice(0, MAX_ARRAY).map((x) => bounded(x, depth + 1, seen) ?? null);
      return v.length > MAX_ARRAY ? [...items, `… ${v.length - MAX_ARRAY} more`] : items;
    }
    if (v instanceof Date) return v.toISOString();
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const b = bounded(x, depth + 1, seen);
      if (b !== undefined) out[k] = b;
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

/**
 * One event → the object written on its line, or null for events not worth a line (progress
 * inside a motion: the start and end of each motion are kept, which is all the timing needs).
 * The preview keeps its plan, summary and per-step safety, not the compiled trajectories.
 */
export function toLogRecord(event: LoggableEvent, at: Date): Record<string, unknown> | null {
  const { t, ...rest } = event;
  const ts = new Date(typeof t === 'number' && Number.isFinite(t) ? t : at.getTime()).toISOString();
  if (event.type === 'progress') {
    const f = event.fraction;
    if (typeof f === 'number' && f > 0 && f < 1) return null;
  }
  if (event.type === 'preview' && event.preview && typeof event.preview === 'object') {
    const p = event.preview as {
      plan?: unknown;
      summary?: unknown;
      safe?: unknown;
      steps?: { call?: unknown; safe?: unknown; reason?: unknown }[];
    };
    rest.preview = {
      plan: p.plan,
      summary: p.summary,
      safe: p.safe,
      steps: Array.isArray(p.steps)
        ? p.steps.map((s) => ({ call: s.call, safe: s.safe, ...(s.reason ? { reason: s.reason } : {}) }))
        : undefined,
    };
  }
  return { ts, ...(bounded(rest) as Record<string, unknown>) };
}

export class SessionLog {
  readonly path: string;
  #fd: number | null;
  #lines = 0;
  #errors = 0;
  #lastError: string | null = null;
  /** bytes of complete lines in the file: where a torn line is cut back to */
  #size = 0;
  /** a torn line could not be cut off: the next line starts on a fresh line */
  #torn = false;
  /** lines the disk refused so far, oldest first */
  readonly #pending: string[] = [];
  #pendingBytes = 0;
  /** lines dropped since the last gap record */
  #dropped = 0;
  #problem: LogProblem | null = null;
  readonly #listeners = new Set<(p: LogProblem | null) => void>();
  readonly #warn: (line: string) => void;
  readonly #now: () => Date;
  readonly #detach: (() => void)[] = [];

  /** Opens (creates, or appends to) the log file and writes a header line. Throws if it cannot be opened. */
  constructor(options: SessionLogOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#warn = options.warn ?? ((line) => void process.stderr.write(`${line}\n`));
    if (options.onProblem) this.#listeners.add(options.onProblem);
    const dataDir = options.dataDir ?? process.env.SHAMMIE_DATA ?? 'shammie-data';
    this.path = options.file ?? defaultLogPath(dataDir, this.#now());
    mkdirSync(dirname(this.path), { recursive: true });
    this.#fd = openSync(this.path, 'a');
    this.#size = fstatSync(this.#fd).size;
    this.#append({
      ts: this.#now().toISOString(),
      type: 'log_start',
      format: LOG_FORMAT,
      pid: process.pid,
      ...(options.meta ? { meta: bounded(options.meta) } : {}),
    });
  }

  /** Start a log for a session: opens the file and subscribes. */
  static attach<E extends { type: string }>(session: EventSource<E>, options: SessionLogOptions = {}): SessionLog {
    const log = new SessionLog(options);
    log.attach(session);
    return log;
  }

  /** Log every event of a session until close(); returns the unsubscribe function. */
  attach<E extends { type: string }>(session: EventSource<E>): () => void {
    const off = session.subscribe((e) => this.write(e));
    this.#detach.push(off);
    return off;
  }

  /** The listener form, for SessionDeps.onEvent or AppOptions.onEvent. */
  readonly listener = (e: { type: string }): void => this.write(e);

  /** Append one event. Never throws. */
  write(event: LoggableEvent): void {
    try {
      if (!event || typeof event !== 'object' || typeof event.type !== 'string') throw new Error('not an event');
      const rec = toLogRecord(event, this.#now());
      if (rec) this.#append(rec);
    } catch (err) {
      this.#fail(err);
    }
  }

  /** The current write problem (null while the log is written), for a status display. */
  get problem(): LogProblem | null {
    return this.#problem ? { ...this.#problem, pending: this.#pending.length } : null;
  }

  /** Be told when writing starts failing and when it recovers (null); returns the unsubscribe function. */
  onProblem(listener: (p: LogProblem | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #append(rec: Record<string, unknown>): void {
    if (this.#fd === null) return;
    const line = `${JSON.stringify(rec)}\n`;
    if (this.#flush()) {
      try {
        this.#writeLine(line);
        return;
      } catch (err) {
        this.#diskFailed(err);
      }
    }
    const bytes = Buffer.byteLength(line);
    if (this.#pending.length < MAX_PENDING_LINES && this.#pendingBytes + bytes <= MAX_PENDING_BYTES) {
      this.#pending.push(line);
      this.#pendingBytes += bytes;
    } else {
      this.#dropped++;
      this.#fail(new Error(`the disk refused ${this.path} and the memory backlog is full`));
      if (this.#problem) this.#problem.lost++;
    }
  }

  /** Write the backlog (and the record of lines dropped); true when nothing is left waiting. */
  #flush(): boolean {
    try {
      while (this.#pending.length) {
        this.#writeLine(this.#pending[0]);
        this.#pendingBytes -= Buffer.byteLength(this.#pending.shift()!);
      }
      if (this.#dropped) {
        const gap = { ts: this.#now().toISOString(), type: 'log_gap', lost: this.#dropped, reason: this.#problem?.message ?? null };
        this.#writeLine(`${JSON.stringify(gap)}\n`);
        this.#dropped = 0;
      }
    } catch (err) {
      this.#diskFailed(err);
      return false;
    }
    if (this.#problem) this.#recovered();
    return true;
  }

  /** One whole line, or none: a failed write's partial line is cut off again. Throws the write's error. */
  #writeLine(line: string): void {
    const fd = this.#fd!;
    const buf = Buffer.from(this.#torn ? `\n${line}` : line, 'utf8');
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if (off > 0)
        try {
          ftruncateSync(fd, this.#size);
        } catch {
          this.#torn = true;
          this.#size += off;
        }
      throw err;
    }
    this.#size += buf.length;
    this.#torn = false;
    this.#lines++;
  }

  #diskFailed(err: unknown): void {
    this.#lastError = (err as Error)?.message ?? String(err);
    if (this.#problem) return;
    const code = (err as NodeJS.ErrnoException)?.code ?? null;
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    this.#problem = {
      code,
      message:
        `the session log ${this.path} could not be written: ${this.#lastError}. ` +
        (full ? 'The disk is full: free disk space. ' : '') +
        `New events are kept in memory (up to ${MAX_PENDING_LINES}) and written when the disk takes them again.`,
      since: this.#now().toISOString(),
      pending: this.#pending.length,
      lost: 0,
    };
    this.#tell(this.#problem.message);
  }

  #recovered(): void {
    const was = this.#problem!;
    this.#problem = null;
    this.#tell(
      `the session log ${this.path} is written again${was.lost ? `; ${was.lost} events were lost (a log_gap line marks where)` : '; nothing was lost'}.`,
    );
  }

  #tell(message: string): void {
    try {
      this.#warn(`shammie: ${message}`);
    } catch {
      /* a broken terminal must not break the log */
    }
    const p = this.problem;
    for (const l of this.#listeners) {
      try {
        l(p);
      } catch {
        /* a broken listener must not break the log */
      }
    }
  }

  #fail(err: unknown): void {
    this.#errors++;
    this.#lastError = (err as Error)?.message ?? String(err);
  }

  /** lines written, header included */
  get lines(): number {
    return this.#lines;
  }

  /** events that could not be written (bad events, lines dropped on a full disk), and why the last one failed */
  get errors(): { count: number; last: string | null } {
    return { count: this.#errors, last: this.#lastError };
  }

  get closed(): boolean {
    return this.#fd === null;
  }

  /** Unsubscribe, write a closing line and close the file. Safe to call twice. */
  close(): void {
    for (const off of this.#detach.splice(0)) off();
    if (this.#fd === null) return;
    this.#flush();
    this.#append({ ts: this.#now().toISOString(), type: 'log_end', lines: this.#lines + this.#pending.length + 1, errors: this.#errors });
    if (this.#pending.length) {
      // The last chance: what the disk still refuses is lost, and the operator is told how much.
      const lost = this.#pending.length + this.#dropped;
      this.#errors += lost;
      try {
        this.#warn(`shammie: ${lost} events of the session log ${this.path} were lost: ${this.#lastError ?? 'the disk refused them'}.`);
      } catch {
        /* see #tell */
      }
    }
    try {
      closeSync(this.#fd);
    } catch {
      // already closed by the OS; nothing to lose
    }
    this.#fd = null;
  }
}
