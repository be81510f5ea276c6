/**
 * The session log: every session event as one compact JSON line with an ISO timestamp, in
 * <dataDir>/logs/session-<timestamp>.jsonl. It is what `shammie report` reads to compute the
 * paper's measures (supervision time, taught behaviors, skills per behavior, failures).
 *
 * Appends synchronously: events arrive a few per second (progress is thinned), a line is
 * never interleaved with another, and a crash loses at most the event being written. A
 * logging problem (disk full, bad event) is counted, never thrown into the robot's dialogue.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
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
}

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
  readonly #now: () => Date;
  readonly #detach: (() => void)[] = [];

  /** Opens (creates, or appends to) the log file and writes a header line. Throws if it cannot be opened. */
  constructor(options: SessionLogOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    const dataDir = options.dataDir ?? process.env.SHAMMIE_DATA ?? 'shammie-data';
    this.path = options.file ?? defaultLogPath(dataDir, this.#now());
    mkdirSync(dirname(this.path), { recursive: true });
    this.#fd = openSync(this.path, 'a');
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

  #append(rec: Record<string, unknown>): void {
    if (this.#fd === null) return;
    try {
      writeSync(this.#fd, `${JSON.stringify(rec)}\n`);
      this.#lines++;
    } catch (err) {
      this.#fail(err);
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

  /** events that could not be written, and why the last one failed */
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
    this.#append({ ts: this.#now().toISOString(), type: 'log_end', lines: this.#lines + 1, errors: this.#errors });
    try {
      closeSync(this.#fd);
    } catch {
      // already closed by the OS; nothing to lose
    }
    this.#fd = null;
  }
}
