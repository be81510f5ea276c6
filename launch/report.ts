/**
 * `shammie report LOG [--json] [--idle-cap S]`: the paper's measures from a session log
 * (session/log.ts). Definitions, also printed with the figures:
 *
 * - supervision time: the operator's time. Each operator act (an utterance, or a click that
 *   answers "show me where X is") opens an interval that ends when the robot starts executing,
 *   at the next act, or after the idle cap (default 120 s, so a coffee break is not
 *   supervision); the intervals are summed. Confirming (plan shown → execution started) and
 *   teaching (teach start → done) are reported as parts of it where they overlap.
 * - robot execution time: the sum of execution started → finished.
 * - wall time: first to last line of the log.
 * - taught: `taught` events by what (behavior / object / location).
 * - skills executed per behavior: primitive skills executed (succeeded steps) attributed to
 *   each top-level call of an executed plan, using the built-in expansions (pickup = goto +
 *   grasp) and the taught bodies seen in the log; reported over all calls and over calls of
 *   taught behaviors, plus per executed plan.
 * - failures: skill failures (executions that failed, not by a stop), stops, rejected plans
 *   (previewed but dropped: cancelled, replaced or stopped before confirmation), plans that
 *   could not be carried out (unsafe or infeasible) and session errors.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { argsErrorLine, helpPointer } from './args.js';
import { LOG_FORMAT } from '../session/log.js';

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

export const DEFAULT_IDLE_CAP = 120;

/** Primitive skills each seed call expands to. */
const SEED_EXPANSION: Readonly<Record<string, number>> = { go_home: 1, goto: 1, grasp: 1, release: 1, pickup: 2 };

export interface SessionReport {
  file: string;
  lines: { total: number; valid: number; bad: number; badLineNumbers: number[] };
  /** log_start lines: several when sessions appended to one file */
  sessions: number;
  /** unknown event types seen (newer sessions may log more than this report knows) */
  otherEvents: Record<string, number>;
  /** seconds */
  time: { wall: number; supervision: number; confirming: number; teaching: number; robotExecution: number; idleCap: number };
  turns: { total: number; byKind: Record<string, number>; utterances: number; clicks: number };
  taught: {
    behaviors: string[];
    objects: string[];
    locations: string[];
    library: Record<string, number>;
    teachingSessions: { started: number; finished: number; abandoned: number };
  };
  execution: {
    plans: number;
    succeeded: number;
    failed: number;
    primitiveSkills: number;
    skillsPerPlan: number | null;
    /** mean primitive skills per executed top-level call */
    skillsPerBehavior: number | null;
    /** the same over calls of taught behaviors only */
    skillsPerTaughtBehavior: number | null;
    taughtBehaviorCalls: number;
  };
  failures: { skillFailures: number; stops: number; rejectedPlans: number; notRunPlans: number; errors: number; reasons: string[] };
  definitions: Record<string, string>;
}

interface Rec {
  line: number;
  t: number;
  type: string;
  [k: string]: unknown;
}

/** Read a log; bad lines are counted, not fatal. Throws ReportError when there is nothing to report on. */
export function readLog(path: string): { records: Rec[]; total: number; bad: number[] } {
  if (!existsSync(path)) throw new ReportError(`no such log file: ${path}`);
  if (statSync(path).isDirectory()) throw new ReportError(`${path} is a folder; give a session-*.jsonl file from it`);
  const text = readFileSync(path, 'utf8');
  if (text.includes('\u0000')) throw new ReportError(`${path} is not a text file (a session log is JSON lines)`);
  const records: Rec[] = [];
  const bad: number[] = [];
  const lines = text.split('\n');
  let total = 0;
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    total++;
    try {
      const o = JSON.parse(raw) as Record<string, unknown>;
      const t = typeof o?.ts === 'string' ? Date.parse(o.ts) : NaN;
      if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.type !== 'string' || !Number.isFinite(t))
        throw new Error('not a log record');
      records.push({ ...o, line: i + 1, t, type: o.type });
    } catch {
      bad.push(i + 1);
    }
  });
  if (!records.length) {
    throw new ReportError(
      total ? `${path} is not a session log: none of its ${total} line(s) is a log record (JSON with "ts" and "type")` : `${path} is empty`,
    );
  }
  return { records, total, bad };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;

/** Call names in a body text "pickup(obj) → goto(GIFT_BAG) → release()". */
function bodyCalls(detail: string): string[] {
  return detail
    .split('→')
    .map((s) => /^\s*([a-z][a-z0-9_]*)\(/.exec(s)?.[1])
    .filter((s): s is string => !!s);
}

/** Plan calls of a logged plan (array of {skill}). */
function planCalls(plan: unknown): string[] {
  return Array.isArray(plan) ? plan.map((c) => str(obj(c)?.skill)).filter((s): s is string => !!s) : [];
}

export function reportFromLog(path: string, options: { idleCap?: number } = {}): SessionReport {
  const idleCap = options.idleCap ?? DEFAULT_IDLE_CAP;
  const { records, total, bad } = readLog(path);
  const recs = [...records].sort((a, b) => a.t - b.t || a.line - b.line);
  const first = recs[0].t;
  const last = recs[recs.length - 1].t;

  // Expansion of behaviors into primitive skills, from the taught bodies in the log.
  const bodies = new Map<string, string[]>();
  for (const r of recs)
    if (r.type === 'taught' && r.what === 'behavior' && str(r.name) && str(r.detail))
      bodies.set(r.name as string, bodyCalls(r.detail as string));
  const memo = new Map<string, number | undefined>();
  const expansion = (name: string, stack: string[] = []): number | undefined => {
    if (name in SEED_EXPANSION) return SEED_EXPANSION[name];
    if (memo.has(name)) return memo.get(name);
    const body = bodies.get(name);
    if (!body || stack.includes(name)) return undefined;
    let n = 0;
    for (const c of body) {
      const k = expansion(c, [...stack, name]);
      if (k === undefined) {
        memo.set(name, undefined);
        return undefined;
      }
      n += k;
    }
    memo.set(name, n);
    return n;
  };
  const isTaughtCall = (name: string) => !(name in SEED_EXPANSION);

  // Operator acts and robot executions.
  const acts: number[] = [];
  const execStarts: number[] = [];
  let clicks = 0;
  let utterances = 0;
  let robot = 0;
  let confirming = 0;
  let teaching = 0;
  let teachStart: number | null = null;
  let execStart: number | null = null;
  let lastPreview: { t: number; plan: string[] } | null = null;
  let previewPending = false;
  let maybeRejected = false;
  let stepsThisExec = 0;

  const byKind: Record<string, number> = {};
  const other: Record<string, number> = {};
  const taught = { behaviors: [] as string[], objects: [] as string[], locations: [] as string[] };
  const library: Record<string, number> = {};
  const teachingSessions = { started: 0, finished: 0, abandoned: 0 };
  const failures = { skillFailures: 0, stops: 0, rejectedPlans: 0, notRunPlans: 0, errors: 0, reasons: [] as string[] };
  const exec = { plans: 0, succeeded: 0, failed: 0, primitiveSkills: 0, taughtBehaviorCalls: 0 };
  const perCall: number[] = [];
  const perTaughtCall: number[] = [];
  const perPlan: number[] = [];
  let sessions = 0;
  const taughtTurns: string[] = [];
  let taughtEvents = 0;

  // The server's own records (a world snapshot after a rest, the pace, a restart's note) are no
  // act of the operator: one landing between a confirm and its motion decides nothing.
  const BOOKKEEPING = new Set(['world', 'pace', 'restored']);
  const settleRejection = () => {
    if (maybeRejected) failures.rejectedPlans++;
    maybeRejected = false;
  };

  for (const r of recs) {
    if (r.type !== 'execution' && r.type !== 'progress' && r.type !== 'step' && !BOOKKEEPING.has(r.type)) settleRejection();
    switch (r.type) {
      case 'log_start':
        sessions++;
        break;
      case 'log_end':
        break;
      case 'utterance':
        utterances++;
        acts.push(r.t);
        break;
      case 'turn': {
        const turn = obj(r.turn);
        if (!turn) break;
        const u = str(turn.utterance) ?? '';
        // The session re-emits a turn after executing it; count each turn once, when it is answered.
        if (turn.executed === true) break;
        const kind = str(turn.kind) ?? 'unknown';
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        if (u.startsWith('!click')) {
          clicks++;
          acts.push(r.t);
        }
        if (kind === 'error') failures.errors++;
        if (kind === 'taught') taughtTurns.push(str(turn.reply) ?? '');
        if (kind === 'plan' && turn.outcome === 'failed') {
          failures.notRunPlans++;
          if (str(turn.failure)) failures.reasons.push(turn.failure as string);
        }
        break;
      }
      case 'preview': {
        const p = obj(r.preview);
        lastPreview = { t: r.t, plan: planCalls(p?.plan) };
        previewPending = true;
        break;
      }
      case 'preview_cleared':
        // Confirming also clears the preview, right before execution starts: decide on the next event.
        if (previewPending) maybeRejected = true;
        previewPending = false;
        break;
      case 'execution':
        if (r.status === 'started') {
          maybeRejected = false;
          execStart = r.t;
          execStarts.push(r.t);
          stepsThisExec = 0;
          if (lastPreview) confirming += Math.max(0, r.t - lastPreview.t);
        } else if (r.status === 'finished') {
          exec.plans++;
          if (execStart !== null) robot += Math.max(0, r.t - execStart);
          execStart = null;
          const failure = str(r.failure);
          if (r.outcome === 'succeeded') exec.succeeded++;
          else {
            exec.failed++;
            if (failure && /stopped by the operator/.test(failure)) {
              /* counted as a stop */
            } else {
              failures.skillFailures++;
              if (failure) failures.reasons.push(failure);
            }
          }
          exec.primitiveSkills += stepsThisExec;
          perPlan.push(stepsThisExec);
          // Attribute the executed primitives to the plan's top-level calls, in order.
          const calls = lastPreview?.plan ?? [];
          let left = stepsThisExec;
          const sizes = calls.map((c) => expansion(c));
          // A behavior whose body this log never saw (taught in an earlier session): share evenly.
          const known = sizes.every((x) => x !== undefined);
          for (const [i, c] of calls.entries()) {
            if (left <= 0 && r.outcome !== 'succeeded') break;
            const size = known ? sizes[i] : stepsThisExec / Math.max(1, calls.length);
            const done = Math.min(left, size);
            left -= done;
            perCall.push(done);
            if (isTaughtCall(c)) {
              perTaughtCall.push(done);
              exec.taughtBehaviorCalls++;
            }
          }
          lastPreview = null;
        }
        break;
      case 'step':
        if (r.status === 'succeeded') stepsThisExec++;
        break;
      case 'progress':
        break;
      case 'stop':
        failures.stops++;
        break;
      case 'taught': {
        taughtEvents++;
        const name = str(r.name) ?? '?';
        const list = r.what === 'behavior' ? taught.behaviors : r.what === 'location' ? taught.locations : taught.objects;
        if (!list.includes(name)) list.push(name);
        break;
      }
      case 'library': {
        const change = str(r.change) ?? 'other';
        library[change] = (library[change] ?? 0) + 1;
        break;
      }
      case 'teaching':
        if (r.status === 'started') {
          teachingSessions.started++;
          teachStart = r.t;
        } else if (r.status === 'finished' || r.status === 'abandoned') {
          teachingSessions[r.status]++;
          if (teachStart !== null) teaching += r.t - teachStart;
          teachStart = null;
        }
        break;
      default:
        other[r.type] = (other[r.type] ?? 0) + 1;
    }
  }
  settleRejection();
  if (previewPending) failures.rejectedPlans++; // shown, never confirmed before the log ended
  if (teachStart !== null) teaching += last - teachStart;
  if (execStart !== null) robot += last - execStart;

  // Older sessions logged taught objects only as turns; use them when no taught events exist.
  if (!taughtEvents) {
    for (const reply of taughtTurns) {
      const m = /Got it: (?:that is )?([A-Z][A-Z0-9_]*)/.exec(reply);
      if (!m) continue;
      const list = /is the location/.test(reply) ? taught.locations : taught.objects;
      if (!list.includes(m[1])) list.push(m[1]);
    }
  }

  // Supervision: each act until the robot starts, the next act, or the idle cap.
  acts.sort((a, b) => a - b);
  let supervision = 0;
  for (const [i, a] of acts.entries()) {
    const nextAct = acts[i + 1] ?? Infinity;
    const nextExec = execStarts.find((e) => e >= a) ?? Infinity;
    const end = Math.min(nextAct, nextExec, last, a + idleCap * 1000);
    supervision += Math.max(0, end - a);
  }

  const mean = (xs: number[]): number | null => (xs.length ? round(xs.reduce((s, x) => s + x, 0) / xs.length, 2) : null);
  const s = (ms: number) => round(ms / 1000);
  return {
    file: path,
    lines: { total, valid: records.length, bad: bad.length, badLineNumbers: bad.slice(0, 20) },
    sessions,
    otherEvents: other,
    time: {
      wall: s(last - first),
      supervision: s(supervision),
      confirming: s(confirming),
      teaching: s(teaching),
      robotExecution: s(robot),
      idleCap,
    },
    turns: { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind, utterances, clicks },
    taught: { ...taught, library, teachingSessions },
    execution: {
      ...exec,
      skillsPerPlan: mean(perPlan),
      skillsPerBehavior: mean(perCall),
      skillsPerTaughtBehavior: mean(perTaughtCall),
    },
    failures: { ...failures, reasons: failures.reasons.slice(0, 20) },
    definitions: {
      supervision: `sum over operator acts (utterances, clicks) of the time until the robot starts executing, the next act, or ${idleCap} s, whichever is first`,
      confirming: 'sum of plan shown (preview) → execution started, for executed plans',
      teaching: 'sum of teaching started → finished or abandoned',
      robotExecution: 'sum of execution started → finished',
      skillsPerBehavior:
        'primitive skills executed per top-level call of an executed plan (pickup = 2: goto, grasp; taught behaviors by their bodies)',
      rejectedPlans: 'plans previewed and then dropped without execution (cancel, a new utterance, stop)',
      notRunPlans: 'plans that could not be carried out (a safety check or an infeasible motion)',
    },
  };
}

function duration(sec: number): string {
  if (sec < 60) return `${sec.toFixed(1)} s`;
  const m = Math.floor(sec / 60);
  const r = sec - m * 60;
  return m < 60 ? `${m} min ${r.toFixed(0).padStart(2, '0')} s` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const list = (xs: string[]): string => (xs.length ? ` (${xs.join(', ')})` : '');
const fmt = (v: number | null): string => (v === null ? '—' : v.toFixed(2));

export function formatReport(r: SessionReport): string {
  const pct = (part: number) => (r.time.wall > 0 ? ` (${Math.round((part / r.time.wall) * 100)}% of wall time)` : '');
  const out = [
    `Session report: ${r.file}`,
    `  ${r.lines.valid} records${r.lines.bad ? `, ${r.lines.bad} bad line(s) skipped (line ${r.lines.badLineNumbers.join(', ')})` : ''}${r.sessions > 1 ? `, ${r.sessions} sessions` : ''}`,
    '',
    'Time',
    `  wall time               ${duration(r.time.wall)}`,
    `  supervision time        ${duration(r.time.supervision)}${pct(r.time.supervision)}`,
    `    confirming            ${duration(r.time.confirming)}`,
    `    teaching              ${duration(r.time.teaching)}`,
    `  robot execution time    ${duration(r.time.robotExecution)}${pct(r.time.robotExecution)}`,
    '',
    'Taught',
    `  behaviors               ${r.taught.behaviors.length}${list(r.taught.behaviors)}`,
    `  objects                 ${r.taught.objects.length}${list(r.taught.objects)}`,
    `  locations               ${r.taught.locations.length}${list(r.taught.locations)}`,
    ...(Object.keys(r.taught.library).length
      ? [
          `  library changes         ${Object.entries(r.taught.library)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        ]
      : []),
    '',
    'Execution',
    `  plans executed          ${r.execution.plans} (${r.execution.succeeded} succeeded, ${r.execution.failed} failed)`,
    `  primitive skills run    ${r.execution.primitiveSkills}`,
    `  skills per plan         ${fmt(r.execution.skillsPerPlan)}`,
    `  skills per behavior     ${fmt(r.execution.skillsPerBehavior)} (all calls), ${fmt(r.execution.skillsPerTaughtBehavior)} (${r.execution.taughtBehaviorCalls} taught-behavior calls)`,
    '',
    'Failures',
    `  skill failures          ${r.failures.skillFailures}`,
    `  stops                   ${r.failures.stops}`,
    `  rejected plans          ${r.failures.rejectedPlans}`,
    `  plans not run           ${r.failures.notRunPlans}`,
    `  errors                  ${r.failures.errors}`,
    ...r.failures.reasons.slice(0, 5).map((x) => `    - ${x}`),
    '',
    `Turns: ${r.turns.total} (${
      Object.entries(r.turns.byKind)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }); ${r.turns.utterances} utterances, ${r.turns.clicks} clicks`,
    ...(Object.keys(r.otherEvents).length
      ? [
          `Other events: ${Object.entries(r.otherEvents)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        ]
      : []),
    '',
    'Definitions',
    ...Object.entries(r.definitions).map(([k, v]) => `  ${k}: ${v}`),
  ];
  return `${out.join('\n')}\n`;
}

const USAGE =
  'usage: shammie report LOG [--json] [--idle-cap SECONDS]\n  LOG  a session log, e.g. shammie-data/logs/session-2024-11-26T06-26-20-123Z.jsonl\n';

/** `shammie report LOG [--json]`: prints the report; returns the exit status (2 for a usage or file problem). */
export function reportCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  // The work is synchronous; the promise is the CLI's command signature, and a throw still becomes its rejection.
  return new Promise((resolve) => resolve(runReport(argv, io)));
}

function runReport(argv: string[], io: { out: (s: string) => void; err: (s: string) => void }): number {
  let values: { json?: boolean; help?: boolean; 'idle-cap'?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'idle-cap': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    io.err(`shammie report: ${argsErrorLine(err, 'report', ['json', 'help', 'idle-cap'])}\n`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(
      `shammie report: 'report' needs one LOG file${positionals.length ? ` (got ${positionals.length})` : ''}. ${helpPointer('report')}\n`,
    );
    return 2;
  }
  const cap = values['idle-cap'] === undefined ? DEFAULT_IDLE_CAP : Number(values['idle-cap']);
  if (!Number.isFinite(cap) || cap <= 0) {
    io.err(`shammie report: --idle-cap must be a positive number of seconds\n`);
    return 2;
  }
  let report: SessionReport;
  try {
    report = reportFromLog(positionals[0], { idleCap: cap });
  } catch (err) {
    if (err instanceof ReportError) {
      io.err(`shammie report: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  io.out(values.json ? `${JSON.stringify({ format: LOG_FORMAT, ...report }, null, 2)}\n` : formatReport(report));
  return 0;
}
