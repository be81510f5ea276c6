/**
 * Session continuity: a restarted server reads the previous session's log back (server/restore.ts)
 * for the transcript and the pending preview, and says what it could not bring back. Also the
 * pace switch the console's "could not keep up" warning offers.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionLog } from '../../session/log.js';
import { findPreviousLog, findPreviousLogs, planRestore, readPreviousSession, readPreviousSessions } from '../../server/restore.js';
import { Transcript } from '../../server/transcript.js';
import { openTestServer, TestClient } from './ws-client.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shammie-restore-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const previewing = (lesson: { name: string; steps: number } | null = null) => ({
  kind: 'previewing',
  label: 'Waiting for your confirmation',
  lesson: lesson ? { ...lesson, demonstrations: 0 } : null,
  question: null,
  expects: null,
  plan: 'pickup(CANDY)',
  proposedBy: 'console:abc',
  step: null,
  frame: null,
});
const planTurn = (utterance: string, executed = false) => ({
  utterance,
  kind: 'plan',
  reply: 'Sure, here is my plan: pickup(CANDY)',
  plan: [{ skill: 'pickup', args: { object: 'CANDY' } }],
  executed,
  outcome: executed ? 'succeeded' : 'not_run',
});

/** A log as a killed server leaves it: no log_end, a torn last line. */
function writeLog(dir: string, name: string, t0: number, state: unknown, torn = true): string {
  const file = join(dir, 'logs', name);
  const log = new SessionLog({ file, now: () => new Date(t0) });
  log.write({ type: 'utterance', text: 'hello robot', t: t0 });
  log.write({ type: 'turn', turn: { ...planTurn('hello robot'), kind: 'error', reply: 'Sorry, say that again?', plan: null }, t: t0 + 10 });
  log.write({ type: 'utterance', text: '!click 0.1 0.2 0', t: t0 + 15 });
  log.write({ type: 'utterance', text: 'pick up the candy', t: t0 + 20 });
  log.write({ type: 'state', from: 'idle', event: 'plan', state, t: t0 + 30 });
  log.write({ type: 'turn', turn: planTurn('pick up the candy'), t: t0 + 30 });
  log.write({ type: 'preview', preview: { plan: [], summary: {}, safe: true, steps: [] }, t: t0 + 30 });
  // A killed process: the log is not closed, and its last write may be half a line.
  if (torn) appendFileSync(file, '{"ts":"2026-01-01T00:00:00.000Z","type":"utter');
  else log.close();
  return file;
}

describe('restoring a session from its log', () => {
  it('reads the dialogue and the pending plan back, skipping a torn line and the console’s own actions', () => {
    const dir = tempDir();
    const t0 = Date.parse('2026-12-06T10:00:00Z');
    const file = writeLog(dir, 'session-2026-12-06T10-00-00-000Z.jsonl', t0, previewing());
    const prev = readPreviousSession(file);
    expect(prev.transcript.map((e) => [e.role, e.text])).toEqual([
      ['user', 'hello robot'],
      ['robot', 'Sorry, say that again?'],
      ['user', 'pick up the candy'],
      ['robot', 'Sure, here is my plan: pickup(CANDY)'],
    ]);
    expect(new Set(prev.transcript.map((e) => e.id)).size).toBe(4);
    expect(prev.pending).toEqual({ utterance: 'pick up the candy', by: 'console:abc' });
    expect(prev.cleanEnd).toBe(false);
    expect(prev.endedAt).toBe(t0 + 30);
  });

  it('plans a fresh pending preview again, and says the world was reset and why notes are missing', () => {
    const dir = tempDir();
    const t0 = Date.now() - 5000;
    const prev = readPreviousSession(writeLog(dir, 'session-a.jsonl', t0, previewing()));
    const r = planRestore(prev, { now: Date.now(), sim: true });
    expect(r.replan).toEqual({ utterance: 'pick up the candy', by: 'console:abc' });
    expect(r.continuity).toMatchObject({ transcript: 4, preview: 'replanned', previewUtterance: 'pick up the candy' });
    expect(r.continuity.lost.join(' ')).toMatch(/world was reset to the scene's start/);
    expect(r.continuity.lost.join(' ')).toMatch(/system notes .* were not restored/);
    expect(r.note).toMatch(/ended without closing its log \(killed or crashed\) 5 s ago/);
    expect(r.note).toMatch(/planned "pick up the candy" again in the reset world/);
    // A real arm's world is not reset by a restart.
    expect(planRestore(prev, { now: Date.now(), sim: false }).continuity.lost.join(' ')).not.toMatch(/world was reset/);
  });

  it('drops an old preview, a lesson step and an interrupted motion, each with its reason', () => {
    const dir = tempDir();
    const old = readPreviousSession(writeLog(dir, 'session-b.jsonl', Date.now() - 3 * 3600_000, previewing(), false));
    const a = planRestore(old, { now: Date.now(), sim: true });
    expect(a.replan).toBeNull();
    expect(a.continuity.preview).toBe('dropped');
    expect(a.continuity.lost.join(' ')).toMatch(/pending preview of "pick up the candy" was dropped because it is from 3 h ago/);
    expect(a.note).toMatch(/was stopped 3 h ago/);

    const inLesson = readPreviousSession(writeLog(dir, 'session-c.jsonl', Date.now(), previewing({ name: 'pack_up', steps: 2 })));
    const b = planRestore(inLesson, { now: Date.now(), sim: true });
    expect(b.replan).toBeNull();
    expect(b.continuity.lost.join(' ')).toMatch(/lesson "pack up" \(2 steps so far\) was lost/);
    expect(b.continuity.lost.join(' ')).toMatch(/was dropped because it was a step of the lesson/);

    const running = readPreviousSession(
      writeLog(dir, 'session-d.jsonl', Date.now(), { ...previewing(), kind: 'executing', label: 'Moving · step 1 of 2', step: 0 }),
    );
    const c = planRestore(running, { now: Date.now(), sim: true });
    expect(c.replan).toBeNull();
    expect(c.continuity.lost.join(' ')).toMatch(/motion that was running \("pick up the candy", pickup\(CANDY\)\) was interrupted/);
  });

  it('finds the newest earlier log, never the current one', () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    rmSync(logs, { recursive: true, force: true });
    expect(findPreviousLog(logs, join(logs, 'session-2.jsonl'))).toBeNull();
    writeLog(dir, 'session-2026-01-01T00-00-00-000Z.jsonl', 0, previewing());
    writeLog(dir, 'session-2026-01-02T00-00-00-000Z.jsonl', 0, previewing());
    writeFileSync(join(logs, 'notes.txt'), 'not a log');
    const current = join(logs, 'session-2026-01-03T00-00-00-000Z.jsonl');
    writeFileSync(current, '');
    expect(findPreviousLog(logs, current)).toBe(join(logs, 'session-2026-01-02T00-00-00-000Z.jsonl'));
    expect(findPreviousLogs(logs, current).map((p) => p.slice(logs.length + 1))).toEqual([
      'session-2026-01-02T00-00-00-000Z.jsonl',
      'session-2026-01-01T00-00-00-000Z.jsonl',
    ]);
  });

  it('after two restarts the dialogue of both earlier sessions comes back, the pending plan from the newest only', () => {
    const dir = tempDir();
    const older = writeLog(dir, 'session-2026-01-01T00-00-00-000Z.jsonl', 0, { ...previewing(), kind: 'idle', label: 'Ready' }, false);
    const newer = join(dir, 'logs', 'session-2026-01-02T00-00-00-000Z.jsonl');
    const log = new SessionLog({ file: newer, now: () => new Date(5000) });
    log.write({ type: 'utterance', text: 'go home', t: 5000 });
    log.write({ type: 'state', from: 'idle', event: 'plan', state: { ...previewing(), plan: 'home()' }, t: 5001 });
    log.write({ type: 'turn', turn: { ...planTurn('go home'), reply: 'Sure, here is my plan: home()' }, t: 5001 });
    const prev = readPreviousSessions([newer, older])!;
    expect(prev.transcript.map((e) => e.text)).toEqual([
      'hello robot',
      'Sorry, say that again?',
      'pick up the candy',
      'Sure, here is my plan: pickup(CANDY)',
      'go home',
      'Sure, here is my plan: home()',
    ]);
    expect(prev.transcript.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(prev.pending).toEqual({ utterance: 'go home', by: 'console:abc' });
    expect(readPreviousSessions([])).toBeNull();
  });

  it('a restored transcript keeps its ids and new entries are numbered after it', () => {
    const t = new Transcript();
    const early = t.add('system', 'started');
    t.restore([
      { id: 7, role: 'user', text: 'pick up the candy', t: 1 },
      { id: 8, role: 'robot', text: 'Sure', t: 2 },
    ]);
    const next = t.add('user', 'yes');
    expect(t.recent(10).map((e) => [e.id, e.text])).toEqual([
      [7, 'pick up the candy'],
      [8, 'Sure'],
      [9, 'started'],
      [10, 'yes'],
    ]);
    expect(early.id).toBe(1);
    expect(next.id).toBe(10);
  });
});

describe('a server restarted on the same data folder', () => {
  it('sends the previous transcript, plans the pending preview again for the same console, and says what was lost', async () => {
    const dataDir = tempDir();
    const client = (url: string) => new TestClient(url, undefined, 'restorer');
    const first = await openTestServer({ dataDir, app: { dataDir }, client });
    const hello1 = await first.c.next('hello');
    expect(hello1.continuity ?? null).toBeNull();
    first.c.send({ type: 'say', text: 'pick up the candy' });
    await first.c.next('preview');
    await first.close();

    const second = await openTestServer({ dataDir, app: { dataDir }, client });
    try {
      const hello = await second.c.next('hello');
      expect(hello.continuity).toMatchObject({ preview: 'replanned', previewUtterance: 'pick up the candy' });
      expect(hello.continuity!.transcript).toBeGreaterThanOrEqual(2);
      const texts = hello.transcript.map((e) => e.text);
      expect(texts).toContain('pick up the candy');
      expect(texts.some((t) => /^The server restarted: the previous session .* was stopped/.test(t))).toBe(true);
      // The preview comes back, pending (in the hello when it was planned before this console
      // connected, else as a message), and belongs to this console: it can confirm it.
      const p = hello.preview ?? (await second.c.next('preview', (m) => m.preview.confirmable)).preview;
      expect(p.confirmable).toBe(true);
      expect(p.utterance).toBe('pick up the candy');
      expect(p.planText).toMatch(/pickup\(CANDY\)/);
      const status = await second.c.next('status', (m) => m.dialogue.kind === 'previewing');
      expect(status.dialogue.proposedBy).toBe('console:restorer');
      // No second user line for the re-planned utterance.
      const later = second.c.messages.filter((m) => m.type === 'dialogue').map((m) => (m.type === 'dialogue' ? m.entry : null));
      expect(later.filter((e) => e?.role === 'user')).toEqual([]);
    } finally {
      await second.close();
    }
    // Restarted again: what was said before both restarts is still there.
    const third = await openTestServer({ dataDir, app: { dataDir }, client });
    try {
      const hello = await third.c.next('hello');
      expect(hello.transcript.filter((e) => e.text === 'pick up the candy').length).toBe(1);
      expect(hello.continuity?.transcript).toBeGreaterThanOrEqual(3);
    } finally {
      await third.close();
    }
  }, 90_000);

  it('puts the sim world back (the candy still in the gripper) and keeps the pace chosen in the console', async () => {
    const dataDir = tempDir();
    const first = await openTestServer({ dataDir, app: { dataDir, pace: 'realtime' } });
    first.c.send({ type: 'pace', pace: 'fast' });
    await first.c.next('status', (m) => m.pace === 'fast');
    first.c.send({ type: 'say', text: 'pick up the candy and go to the bag' });
    const p = await first.c.next('preview', (m) => m.preview.confirmable, 20_000);
    first.c.send({ type: 'confirm', previewId: p.preview.id });
    await first.c.next('execution', (m) => m.execution.outcome === 'succeeded', 30_000);
    const candy = first.app.sim.bodyPosition('CANDY')!;
    expect(first.app.sim.graspedObject).toBe('CANDY');
    await first.close(); // a clean stop writes the last snapshot

    // Started again as `shammie start` would (its profile's realtime pace).
    const second = await openTestServer({ dataDir, app: { dataDir, pace: 'realtime' } });
    try {
      const hello = await second.c.next('hello');
      expect(hello.continuity?.world).toMatch(/^the world \(\d+ objects where they were, the arm's pose, CANDY in the gripper\)$/);
      expect(hello.continuity?.pace).toBe('fast');
      expect(hello.continuity?.lost.join(' ')).not.toMatch(/world was reset/);
      expect(second.app.sim.graspedObject).toBe('CANDY');
      expect(second.app.world.held).toBe('CANDY');
      const now = second.app.sim.bodyPosition('CANDY')!;
      expect(Math.hypot(now[0] - candy[0], now[1] - candy[1], now[2] - candy[2])).toBeLessThan(0.01);
      expect(second.app.simBackend.pace).toBe('fast');
      expect((await second.c.next('status')).pace).toBe('fast');
      const note = hello.transcript.find((e) => e.text.startsWith('The server restarted'))!.text;
      expect(note).toMatch(
        /Restored \d+ transcript lines from the session log, the world \(.*CANDY in the gripper\), the fast pace chosen in the console\./,
      );
      // The restored grasp works: "let go" drops the candy into the bag below.
      second.c.send({ type: 'say', text: 'put it in the bag' });
      const p2 = await second.c.next('preview', (m) => m.preview.confirmable, 20_000);
      second.c.send({ type: 'confirm', previewId: p2.preview.id });
      await second.c.next('execution', (m) => m.execution.outcome === 'succeeded', 30_000);
      expect(second.app.sim.objectState('CANDY')?.in).toBe('GIFT_BAG');
    } finally {
      await second.close();
    }
  }, 120_000);

  it('"reset the scene" from the console: refused while the arm moves, then everything back at the start', async () => {
    const dataDir = tempDir();
    const t = await openTestServer({ dataDir, app: { dataDir, pace: 'realtime' } });
    try {
      const start = t.app.sim.snapshot();
      t.c.send({ type: 'say', text: 'pick up the candy and go to the bag' });
      const p = await t.c.next('preview', (m) => m.preview.confirmable, 20_000);
      t.c.send({ type: 'confirm', previewId: p.preview.id });
      await t.c.next('status', (m) => m.dialogue.kind === 'executing', 10_000);
      let from = t.c.mark();
      t.c.send({ type: 'reset_world' });
      expect((await t.c.next('error', (m) => m.re === 'reset_world', 10_000, from)).message).toMatch(
        /cannot be reset while the session is executing/,
      );
      await t.c.next('execution', (m) => m.execution.outcome === 'succeeded', 30_000);
      expect(t.app.sim.graspedObject).toBe('CANDY');
      // Only the console in control may reset it.
      const watcher = new TestClient(t.server.consoleUrl, undefined, 'watcher');
      await watcher.open();
      try {
        watcher.send({ type: 'reset_world' });
        expect((await watcher.next('error', (m) => m.re === 'reset_world', 10_000)).message).toMatch(/control/);
      } finally {
        watcher.close();
      }
      expect(t.app.sim.graspedObject).toBe('CANDY');
      // A preview planned in the moved world is dropped by the reset.
      t.c.send({ type: 'say', text: 'put it in the bag' });
      await t.c.next('preview', (m) => m.preview.confirmable, 20_000);
      from = t.c.mark();
      t.c.send({ type: 'reset_world' });
      await t.c.next('dialogue', (m) => /reset the scene: every object is back/.test(m.entry.text), 10_000, from);
      expect(t.app.session.pending).toBeNull();
      expect(t.app.sim.graspedObject).toBeNull();
      expect(t.app.world.held).toBeNull();
      for (const o of start.objects) {
        const now = t.app.sim.bodyPosition(o.name)!;
        expect(Math.hypot(now[0] - o.position[0], now[1] - o.position[1], now[2] - o.position[2])).toBeLessThan(0.005);
      }
      t.app.sim.armPositions().forEach((q, i) => expect(Math.abs(q - start.arm[i])).toBeLessThan(0.01));
      // The world as it is now is the one a restart puts back.
      expect(readPreviousSession(t.app.logPath!).world?.world.grasped).toBeNull();
      // The reset world works: the candy can be picked up again from the table.
      from = t.c.mark();
      t.c.send({ type: 'say', text: 'pick up the candy' });
      const p2 = await t.c.next('preview', (m) => m.preview.confirmable, 20_000, from);
      t.c.send({ type: 'confirm', previewId: p2.preview.id });
      await t.c.next('execution', (m) => m.execution.outcome === 'succeeded', 30_000, from);
      expect(t.app.sim.graspedObject).toBe('CANDY');
    } finally {
      await t.close();
    }
  }, 120_000);

  it('switches the sim pace from the console, validated', async () => {
    const t = await openTestServer({ app: { pace: 'realtime' } });
    try {
      expect((await t.c.next('status')).pace).toBe('realtime');
      const from = t.c.mark();
      t.c.send({ type: 'pace', pace: 'warp' });
      expect((await t.c.next('error', () => true, 5000, from)).message).toMatch(/bad "pace" message: pace/);
      expect(t.app.simBackend.pace).toBe('realtime');
      t.c.send({ type: 'pace', pace: 'fast' });
      await t.c.next('status', (m) => m.pace === 'fast', 5000, from);
      expect(t.app.simBackend.pace).toBe('fast');
      expect((await t.c.next('dialogue', (m) => /fast pace/.test(m.entry.text), 5000, from)).entry.role).toBe('system');
      // Fast pace still runs a motion.
      t.c.send({ type: 'say', text: 'pick up the candy' });
      const p = await t.c.next('preview', (m) => m.preview.confirmable, 20_000, from);
      t.c.send({ type: 'confirm', previewId: p.preview.id });
      await t.c.next('execution', (m) => m.execution.outcome === 'succeeded', 30_000, from);
    } finally {
      await t.close();
    }
  }, 60_000);
});
