/**
 * The JSONL session log (session/log.ts) and `shammie report` (launch/report.ts): a synthetic log
 * with known timings, corrupt input, a full disk (the fake disk of test/fakes/full-disk.ts under
 * the real writes), and a log written by a real session in the sim.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';
import {
  defaultLogPath,
  logFileName,
  MAX_PENDING_LINES,
  SessionLog,
  toLogRecord,
  type LogProblem,
  type LoggableEvent,
} from '../../session/log.js';
import { fullDisk } from '../fakes/full-disk.js';
import { formatReport, reportCommand, reportFromLog, ReportError } from '../../launch/report.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';

vi.mock('node:fs', async (orig) => (await import('../fakes/full-disk.js')).withFullDisk(await orig()));

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `shammie-${p}-`));
const T0 = Date.parse('2024-11-26T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A gift-bag session with round timings, written the way SessionLog writes it. */
function syntheticLog(): string {
  const L: object[] = [
    { ts: at(0), type: 'log_start', format: 1 },
    // 1. "put the candy in the bag": plan at 1 s, the operator looks 4 s, confirms, 5 s of motion.
    { ts: at(0), type: 'utterance', text: 'put the candy in the bag' },
    {
      ts: at(1),
      type: 'turn',
      turn: {
        utterance: 'put the candy in the bag',
        kind: 'plan',
        reply: 'Sure',
        plan: [
          { skill: 'pickup', args: { object: 'CANDY' } },
          { skill: 'goto', args: { object: 'GIFT_BAG' } },
          { skill: 'release', args: {} },
        ],
        executed: false,
        outcome: 'not_run',
      },
    },
    {
      ts: at(1),
      type: 'preview',
      preview: {
        plan: [
          { skill: 'pickup', args: { object: 'CANDY' } },
          { skill: 'goto', args: { object: 'GIFT_BAG' } },
          { skill: 'release', args: {} },
        ],
        summary: { steps: 4 },
        safe: true,
      },
    },
    { ts: at(5), type: 'preview_cleared' },
    { ts: at(5), type: 'execution', status: 'started' },
    ...[0, 1, 2, 3].flatMap((i) => [
      { ts: at(5 + i), type: 'step', index: i, call: 'x', status: 'started' },
      { ts: at(6 + i), type: 'step', index: i, call: 'x', status: 'succeeded' },
    ]),
    { ts: at(10), type: 'execution', status: 'finished', outcome: 'succeeded' },
    { ts: at(10), type: 'turn', turn: { utterance: 'put the candy in the bag', kind: 'plan', executed: true, outcome: 'succeeded' } },
    // 2. teaching pack from 20 s to 50 s (the operator talks; the robot runs one 2-skill step).
    { ts: at(20), type: 'utterance', text: 'let me teach you to pack' },
    { ts: at(20), type: 'teaching', status: 'started', name: 'pack', steps: 0 },
    { ts: at(21), type: 'turn', turn: { utterance: 'let me teach you to pack', kind: 'plan', executed: false, outcome: 'not_run' } },
    { ts: at(30), type: 'utterance', text: 'pick up the candy' },
    { ts: at(31), type: 'preview', preview: { plan: [{ skill: 'pickup', args: { object: 'CANDY' } }], safe: true } },
    { ts: at(32), type: 'preview_cleared' },
    { ts: at(32), type: 'execution', status: 'started' },
    { ts: at(33), type: 'step', index: 0, status: 'succeeded' },
    { ts: at(34), type: 'step', index: 1, status: 'succeeded' },
    { ts: at(34), type: 'execution', status: 'finished', outcome: 'succeeded' },
    { ts: at(50), type: 'utterance', text: "that's it" },
    { ts: at(50), type: 'teaching', status: 'finished', name: 'pack', steps: 1 },
    { ts: at(50), type: 'taught', what: 'behavior', name: 'pack', detail: 'pickup(obj) → goto(GIFT_BAG) → release()' },
    { ts: at(50), type: 'turn', turn: { utterance: "that's it", kind: 'taught', executed: false, outcome: 'not_run' } },
    // 3. an object taught by pointing; the click is operator time too (no utterance event).
    { ts: at(60), type: 'utterance', text: 'pick up the toy car' },
    { ts: at(61), type: 'turn', turn: { utterance: 'pick up the toy car', kind: 'question', executed: false, outcome: 'not_run' } },
    {
      ts: at(70),
      type: 'turn',
      turn: { utterance: '!click 0.6 0.1 0.02', kind: 'taught', reply: 'Got it: that is TOY_CAR', executed: false, outcome: 'not_run' },
    },
    { ts: at(70), type: 'taught', what: 'object', name: 'TOY_CAR', detail: 'body TOY_CAR' },
    // 4. pack the toy car: 4 primitives for one taught call; then a skill failure.
    { ts: at(80), type: 'utterance', text: 'pack the toy car' },
    { ts: at(81), type: 'preview', preview: { plan: [{ skill: 'pack', args: { obj: 'TOY_CAR' } }], safe: true } },
    { ts: at(83), type: 'preview_cleared' },
    { ts: at(83), type: 'execution', status: 'started' },
    ...[0, 1, 2, 3].map((i) => ({ ts: at(84 + i), type: 'step', index: i, status: 'succeeded' })),
    { ts: at(88), type: 'execution', status: 'finished', outcome: 'succeeded' },
    { ts: at(90), type: 'utterance', text: 'pack the ball' },
    {
      ts: at(91),
      type: 'preview',
      preview: {
        plan: [
          { skill: 'pack', args: { obj: 'BALL' } },
          { skill: 'go_home', args: {} },
        ],
        safe: true,
      },
    },
    { ts: at(92), type: 'preview_cleared' },
    // The server's snapshot of the world (after the last rest) can land between a confirm and its motion.
    { ts: at(92), type: 'world', scene: 'giftbag.json', world: { arm: [0], gripper: null, objects: [], grasped: null } },
    { ts: at(92), type: 'execution', status: 'started' },
    { ts: at(93), type: 'step', index: 0, status: 'succeeded' },
    { ts: at(94), type: 'step', index: -1, status: 'failed', reason: 'the gripper closed on nothing' },
    {
      ts: at(94),
      type: 'execution',
      status: 'finished',
      outcome: 'failed',
      failure: 'the gripper closed on nothing; BALL was not grasped',
    },
    // 5. a plan shown and replaced by a new utterance (rejected), then a stop (rejected too).
    { ts: at(100), type: 'utterance', text: 'go to the pen' },
    { ts: at(101), type: 'preview', preview: { plan: [{ skill: 'goto', args: { object: 'PEN' } }], safe: true } },
    { ts: at(104), type: 'utterance', text: 'no, go home' },
    { ts: at(104), type: 'preview_cleared' },
    { ts: at(105), type: 'preview', preview: { plan: [{ skill: 'go_home', args: {} }], safe: true } },
    { ts: at(106), type: 'utterance', text: 'stop' },
    { ts: at(106), type: 'preview_cleared' },
    { ts: at(106), type: 'stop' },
    { ts: at(107), type: 'turn', turn: { utterance: 'asdf', kind: 'rejected', executed: false, outcome: 'not_run' } },
    { ts: at(108), type: 'future_event', x: 1 },
    { ts: at(110), type: 'log_end' },
  ];
  return `${L.map((o) => JSON.stringify(o)).join('\n')}\nthis line is not json\n{"ts":"never","type":"utterance"}\n`;
}

describe('shammie report on a synthetic log', () => {
  const dir = tmp('report');
  const file = join(dir, 'session.jsonl');
  writeFileSync(file, syntheticLog());
  const r = reportFromLog(file);

  it('counts bad lines without failing', () => {
    expect(r.lines).toMatchObject({ total: 64, valid: 62, bad: 2, badLineNumbers: [63, 64] });
    expect(r.otherEvents).toEqual({ future_event: 1, world: 1 });
  });

  it('times: wall, robot execution, supervision (with the idle cap), confirming, teaching', () => {
    expect(r.time.wall).toBe(110);
    expect(r.time.robotExecution).toBe(5 + 2 + 5 + 2);
    // acts → end: 0→5 (exec), 20→30 (next act), 30→32 (exec), 50→60, 60→70 (click), 70→80,
    // 80→83, 90→92, 100→104, 104→106, 106→110 (end of log)
    expect(r.time.supervision).toBe(5 + 10 + 2 + 10 + 10 + 10 + 3 + 2 + 4 + 2 + 4);
    expect(r.time.confirming).toBe(4 + 1 + 2 + 1);
    expect(r.time.teaching).toBe(30);
    // A 5 s cap cuts every long interval.
    expect(reportFromLog(file, { idleCap: 5 }).time.supervision).toBe(5 + 5 + 2 + 5 + 5 + 5 + 3 + 2 + 4 + 2 + 4);
  });

  it('taught behaviors and objects', () => {
    expect(r.taught).toMatchObject({
      behaviors: ['pack'],
      objects: ['TOY_CAR'],
      locations: [],
      teachingSessions: { started: 1, finished: 1, abandoned: 0 },
    });
  });

  it('skills executed per plan and per behavior', () => {
    expect(r.execution).toMatchObject({ plans: 4, succeeded: 3, failed: 1, primitiveSkills: 4 + 2 + 4 + 1, taughtBehaviorCalls: 2 });
    expect(r.execution.skillsPerPlan).toBe(2.75);
    // calls: pickup 2, goto 1, release 1 | pickup 2 | pack 4 | pack 1 (failed after one), go_home not reached
    expect(r.execution.skillsPerBehavior).toBe(round2((2 + 1 + 1 + 2 + 4 + 1) / 6));
    expect(r.execution.skillsPerTaughtBehavior).toBe(2.5);
  });

  it('failures: skill failures, stops, rejected plans', () => {
    expect(r.failures).toMatchObject({ skillFailures: 1, stops: 1, rejectedPlans: 2, notRunPlans: 0, errors: 0 });
    expect(r.failures.reasons[0]).toMatch(/closed on nothing/);
    expect(r.turns.byKind).toEqual({ plan: 2, taught: 2, question: 1, rejected: 1 });
    expect(r.turns).toMatchObject({ total: 6, utterances: 10, clicks: 1 });
  });

  it('prints text and JSON, with the definitions', async () => {
    const text = formatReport(r);
    expect(text).toContain('supervision time        1 min 02 s (56% of wall time)');
    expect(text).toContain('behaviors               1 (pack)');
    expect(text).toContain('skills per behavior     1.83 (all calls), 2.50 (2 taught-behavior calls)');
    expect(text).toContain('2 bad line(s) skipped (line 63, 64)');
    let out = '';
    expect(
      await reportCommand([file, '--json'], {
        out: (s) => {
          out += s;
        },
        err: () => {},
      }),
    ).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      format: 1,
      time: { wall: 110 },
      definitions: { supervision: expect.stringContaining('120 s') as unknown },
    });
  });
});

const round2 = (v: number) => Math.round(v * 100) / 100;

describe('shammie report: errors are clear and not crashes', () => {
  const dir = tmp('report-bad');
  const run = async (argv: string[]) => {
    let err = '';
    const code = await reportCommand(argv, {
      out: () => {},
      err: (s) => {
        err += s;
      },
    });
    return { code, err };
  };

  it('missing file, folder, empty file, no log lines at all', async () => {
    expect(await run([join(dir, 'nope.jsonl')])).toMatchObject({ code: 2, err: expect.stringContaining('no such log file') as unknown });
    expect(await run([dir])).toMatchObject({ code: 2, err: expect.stringContaining('is a folder') as unknown });
    writeFileSync(join(dir, 'empty.jsonl'), '');
    expect(await run([join(dir, 'empty.jsonl')])).toMatchObject({ code: 2, err: expect.stringContaining('is empty') as unknown });
    writeFileSync(join(dir, 'junk.jsonl'), 'hello\n[1,2]\n{"no":"type"}\n');
    expect(await run([join(dir, 'junk.jsonl')])).toMatchObject({
      code: 2,
      err: expect.stringContaining('none of its 3 line(s)') as unknown,
    });
    expect(() => reportFromLog(join(dir, 'junk.jsonl'))).toThrow(ReportError);
  });

  it('usage problems', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['a', 'b'])).code).toBe(2);
    expect((await run(['a', '--bogus'])).code).toBe(2);
    expect((await run(['a', '--idle-cap', '-1'])).code).toBe(2);
  });
});

describe('SessionLog', () => {
  it('writes one compact JSON line per event, appends, thins progress, drops compiled trajectories', () => {
    const dir = tmp('log');
    const now = () => new Date(T0);
    const listeners: ((e: LoggableEvent) => void)[] = [];
    const source = {
      subscribe: (l: (e: LoggableEvent) => void) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
    };
    const log = SessionLog.attach(source, { dataDir: dir, now, meta: { scene: 'giftbag' } });
    expect(log.path).toBe(join(dir, 'logs', 'session-2024-11-26T10-00-00-000Z.jsonl'));
    const emit = (e: LoggableEvent) => listeners.forEach((l) => l(e));
    emit({ type: 'utterance', text: 'go home', t: T0 + 1000 });
    emit({ type: 'progress', step: 0, motion: 0, label: 'move', fraction: 0, t: T0 + 1100 });
    emit({ type: 'progress', step: 0, motion: 0, label: 'move', fraction: 0.5, t: T0 + 1200 });
    emit({ type: 'progress', step: 0, motion: 0, label: 'move', fraction: 1, t: T0 + 1300 });
    emit({
      type: 'preview',
      t: T0 + 1400,
      preview: {
        plan: [{ skill: 'go_home', args: {} }],
        summary: { steps: 1 },
        safe: true,
        steps: [{ call: 'go_home()', safe: true, motions: [] }],
        compiled: [{ huge: new Float64Array(10_000) }],
      },
    });
    const cyclic: Record<string, unknown> = { type: 'taught', what: 'object', name: 'X', fn: () => 1 };
    cyclic.self = cyclic;
    emit(cyclic as LoggableEvent);
    emit({ type: 'mystery', payload: Array.from({ length: 1000 }, (_, i) => i) });
    log.close();
    log.close();
    emit({ type: 'utterance', text: 'after close' });

    const lines = readFileSync(log.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ts: string; type: string; [key: string]: unknown });
    expect(lines.map((l) => l.type)).toEqual(['log_start', 'utterance', 'progress', 'progress', 'preview', 'taught', 'mystery', 'log_end']);
    expect(lines[0]).toMatchObject({ ts: '2024-11-26T10:00:00.000Z', format: 1, meta: { scene: 'giftbag' } });
    expect(lines[1]).toEqual({ ts: '2024-11-26T10:00:01.000Z', type: 'utterance', text: 'go home' });
    expect(lines[4].preview).toEqual({
      plan: [{ skill: 'go_home', args: {} }],
      summary: { steps: 1 },
      safe: true,
      steps: [{ call: 'go_home()', safe: true }],
    });
    expect(lines[5]).toMatchObject({ name: 'X', self: { name: 'X', self: '[cycle]' } });
    expect(lines[5]).not.toHaveProperty('fn');
    expect(lines[6].payload).toHaveLength(201);
    expect(log.errors.count).toBe(0);

    // Append mode: a second log on the same file keeps the first one's lines.
    const again = new SessionLog({ file: log.path, now });
    again.write({ type: 'stop' });
    again.close();
    expect(readFileSync(log.path, 'utf8').trim().split('\n')).toHaveLength(lines.length + 3);
  });

  it('names files by time and survives bad input', () => {
    expect(logFileName(new Date(T0))).toBe('session-2024-11-26T10-00-00-000Z.jsonl');
    expect(defaultLogPath('d', new Date(T0))).toBe(join('d', 'logs', 'session-2024-11-26T10-00-00-000Z.jsonl'));
    expect(toLogRecord({ type: 'progress', fraction: 0.3 }, new Date(T0))).toBeNull();
    const log = new SessionLog({ dataDir: tmp('log2') });
    log.write(null as unknown as LoggableEvent);
    log.write({ type: 5 } as unknown as LoggableEvent);
    expect(log.errors.count).toBe(2);
    log.close();
    // A file where the folder should be: opening fails loudly at start-up, not silently later.
    const blocker = join(tmp('log3'), 'file');
    writeFileSync(blocker, 'x');
    expect(() => new SessionLog({ file: join(blocker, 'session.jsonl') })).toThrow();
  });
});

describe('the session log on a full disk (issue 13: "the session log silently becomes 0 bytes")', () => {
  afterEach(() => fullDisk.free());

  /** A log in a fresh folder whose problems and warnings the test sees. */
  function openLog() {
    const logs = join(tmp('full'), 'logs');
    mkdirSync(logs, { recursive: true });
    const problems: (LogProblem | null)[] = [];
    const warnings: string[] = [];
    let s = 0;
    const now = () => new Date(T0 + 1000 * s++);
    const make = () =>
      new SessionLog({ file: join(logs, 'session.jsonl'), now, onProblem: (p) => problems.push(p), warn: (l) => warnings.push(l) });
    const read = () =>
      readFileSync(join(logs, 'session.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    return { logs, problems, warnings, make, read };
  }

  it('a log that cannot be written is reported, kept in memory and written when the disk has room', () => {
    const { logs, problems, warnings, make, read } = openLog();
    fullDisk.fill(logs, 0);
    const log = make();
    log.write({ type: 'utterance', text: 'go home' });
    log.write({ type: 'stop' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'ENOSPC', lost: 0 });
    expect(problems[0]!.message).toMatch(
      /^the session log .*session\.jsonl could not be written: ENOSPC.*The disk is full: free disk space\./,
    );
    expect(warnings[0]).toMatch(/^shammie: the session log .* could not be written: ENOSPC/);
    expect(log.problem?.pending).toBe(3); // the header and both events
    expect(read()).toEqual([]);

    fullDisk.free(logs);
    log.write({ type: 'utterance', text: 'hello' });
    expect(read().map((l) => l.type)).toEqual(['log_start', 'utterance', 'stop', 'utterance']);
    expect(problems).toEqual([problems[0], null]);
    expect(log.problem).toBeNull();
    expect(warnings[1]).toMatch(/is written again; nothing was lost/);
    log.close();
    expect(log.errors.count).toBe(0);
  });

  it('a line torn by a full disk is cut off again; what was written before is never truncated', () => {
    const { logs, problems, make, read } = openLog();
    const log = make();
    log.write({ type: 'utterance', text: 'pick up the candy' });
    const before = readFileSync(log.path, 'utf8');
    fullDisk.fill(logs, 10); // room for 10 bytes of the next line only
    log.write({ type: 'utterance', text: 'put it in the bag' });
    expect(readFileSync(log.path, 'utf8')).toBe(before);
    expect(problems).toHaveLength(1);
    fullDisk.free(logs);
    log.write({ type: 'stop' });
    log.close();
    expect(read().map((l) => [l.type, l.text])).toEqual([
      ['log_start', undefined],
      ['utterance', 'pick up the candy'],
      ['utterance', 'put it in the bag'],
      ['stop', undefined],
      ['log_end', undefined],
    ]);
  });

  it('beyond the memory backlog, lost events are counted, reported and marked by a log_gap line', () => {
    const { logs, problems, warnings, make, read } = openLog();
    fullDisk.fill(logs, 0);
    const log = make();
    const events = MAX_PENDING_LINES + 5;
    for (let i = 0; i < events; i++) log.write({ type: 'utterance', text: `u${i}` });
    const lost = events + 1 - MAX_PENDING_LINES; // the header waits in the backlog too
    expect(log.problem).toMatchObject({ pending: MAX_PENDING_LINES, lost });
    expect(log.errors.count).toBe(lost);
    fullDisk.free(logs);
    log.write({ type: 'stop' });
    const lines = read();
    expect(lines).toHaveLength(MAX_PENDING_LINES + 2);
    expect(lines[MAX_PENDING_LINES - 1]).toMatchObject({ type: 'utterance', text: `u${MAX_PENDING_LINES - 2}` });
    expect(lines[MAX_PENDING_LINES]).toMatchObject({ type: 'log_gap', lost });
    expect(lines[MAX_PENDING_LINES + 1].type).toBe('stop');
    expect(problems.at(-1)).toBeNull();
    expect(warnings.at(-1)).toMatch(new RegExp(`${lost} events were lost \\(a log_gap line marks where\\)`));
    log.close();
  });

  it('closing on a disk that is still full says how many events were lost', () => {
    const { logs, warnings, make, read } = openLog();
    const log = make();
    fullDisk.fill(logs, 0);
    log.write({ type: 'stop' });
    log.close();
    expect(warnings.at(-1)).toMatch(/^shammie: 2 events of the session log .* were lost: ENOSPC/);
    expect(read().map((l) => l.type)).toEqual(['log_start']);
  });
});

describe('a log written by a real session', () => {
  let app: SimApp | undefined;
  afterEach(async () => {
    await app?.dispose();
    app = undefined;
  });

  it('teaching, pointing, a taught behavior and a stop, reported with the paper measures', async () => {
    const dir = tmp('session-log');
    // With a data folder, the app logs the session itself (one JSONL file per session).
    app = await createApp({ seed: 1, dataDir: dir });
    expect(app.logPath).toMatch(/logs\/session-.*\.jsonl$/);
    const log = { path: app.logPath!, close: () => undefined };
    const car = app.sim
      .bodyPosition('TOY_CAR')!
      .map((v) => v.toFixed(3))
      .join(' ');
    const turns = await runScript(
      app,
      parseScript(
        [
          'pack the candy',
          'yes',
          'pick up the candy',
          'go to the bag',
          'drop it',
          "that's it",
          'pick up the toy car',
          `!click ${car}`,
          'pack the toy car',
          'go home',
          '!stop 0.3',
          'what can you do?',
          'go home',
        ].join('\n'),
      ),
    );
    await app.dispose(); // closes the log
    app = undefined;
    log.close();
    expect(turns.find((t) => t.utterance === 'pack the toy car')).toMatchObject({ outcome: 'succeeded' });

    expect(readdirSync(join(dir, 'logs'))).toEqual([expect.stringMatching(/^session-.*\.jsonl$/)]);
    const text = readFileSync(log.path, 'utf8');
    expect(text).not.toContain('"compiled"');
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .every((l) => typeof (JSON.parse(l) as { ts?: unknown }).ts === 'string'),
    ).toBe(true);

    const r = reportFromLog(log.path);
    expect(r.lines.bad).toBe(0);
    expect(r.sessions).toBe(1);
    expect(r.taught.behaviors).toEqual(['pack']);
    expect(r.taught.objects).toEqual(['TOY_CAR']);
    expect(r.taught.teachingSessions).toMatchObject({ started: 1, finished: 1 });
    // Executed: the three taught steps, pack(TOY_CAR), the stopped go home, go home.
    expect(r.execution.plans).toBe(6);
    expect(r.execution.failed).toBe(1);
    expect(r.failures).toMatchObject({ skillFailures: 0, stops: 1 });
    // pack(TOY_CAR) ran its 4 primitives: goto, grasp, goto, release.
    expect(r.execution.taughtBehaviorCalls).toBe(1);
    expect(r.execution.skillsPerTaughtBehavior).toBe(4);
    expect(r.time.robotExecution).toBeGreaterThan(0);
    expect(r.time.supervision).toBeGreaterThan(0);
    expect(r.time.wall).toBeGreaterThanOrEqual(r.time.robotExecution);
    expect(r.turns.utterances).toBe(11);
    expect(r.turns.clicks).toBe(1);
    expect(formatReport(r)).toMatch(/behaviors +1 \(pack\)/);
  });
});
