/**
 * The console's stores and message dispatch, in Node (no browser): what each server message
 * does to the state the panels and the 3D view read.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DialogueStateInfo, HelloMessage, PreviewInfo, StatusMessage } from '../../server/protocol.js';
import { applyServerMessage } from '../../ui/src/net/dispatch.js';
import { sampleTimeline } from '../../ui/src/scene/timeline.js';
import { joints } from '../../ui/src/stores/joints.js';
import { connectionStore, markConnected, markLost, markReconnecting } from '../../ui/src/stores/connection.js';
import { reconcileHello } from '../../ui/src/stores/continuity.js';
import { idleExecution, pathDrawn, previewStore } from '../../ui/src/stores/preview.js';
import { addLocalProblem, dismissServerProblem, sessionStore, visibleProblems } from '../../ui/src/stores/session.js';
import { consoleStatus, dialogueBar, type StatusInput } from '../../ui/src/stores/status.js';

const hello: HelloMessage = {
  type: 'hello',
  protocol: 1,
  serverId: 'abcd',
  robot: {
    name: 'arm',
    urdfUrl: 'robot/files/arm.urdf',
    jointNames: ['j1', 'j2'],
    limits: [
      { lower: -1, upper: 1, velocity: 1 },
      { lower: -1, upper: 1, velocity: 1 },
    ],
    home: [0, 0],
    tipLink: 'tcp',
    baseLink: 'base',
    gripper: null,
  },
  scene: {
    name: 's',
    description: '',
    table: { size: [1, 1], center: [0, 0], thickness: 0.04, height: 0.75, rgba: [1, 1, 1, 1] },
    objects: [{ name: 'CANDY', shape: 'box', size: [0.1, 0.1, 0.1], rgba: [1, 0, 0, 1] }],
    containers: [],
    bodies: ['CANDY'],
  },
  probes: [],
  transcript: [{ id: 1, role: 'user', text: 'hi', t: 0 }],
  preview: null,
  execution: idleExecution,
  recordingsDir: '/tmp',
  you: 'console:me',
  youLabel: 'Console 1',
  stopPort: null,
};

function preview(id: string, confirmable = true): PreviewInfo {
  return {
    id,
    utterance: 'go',
    plan: [{ skill: 'goto', args: { object: 'CANDY' } }],
    planText: 'goto(CANDY)',
    steps: [
      {
        call: 'goto(CANDY)',
        motions: [{ label: 'move', kind: 'trajectory', start: 0, duration: 1 }],
        start: 0,
        duration: 1,
        safe: confirmable,
      },
    ],
    summary: { steps: 1, duration: 1, maxJointSpeed: 1, maxToolSpeed: 0.5, trajectoryPoints: 2 },
    safe: confirmable,
    confirmable,
    autoConfirm: false,
    timeline: { t: [0, 1], q: [0, 0, 1, -1], gripper: [0, 0.04], step: [0, 0] },
    path: [0, 0, 0, 1, 1, 1],
  };
}

describe('console stores', () => {
  beforeEach(() => applyServerMessage(hello));

  it('hello sizes the joint buffer and replaces the session state', () => {
    expect(joints.q.length).toBe(2);
    expect(joints.bodies.length).toBe(7);
    expect(sessionStore.getState().transcript.map((e) => e.text)).toEqual(['hi']);
    expect(sessionStore.getState().robot?.name).toBe('arm');
  });

  it('joint messages go to the buffer, and only a change bumps its version', () => {
    const msg = { type: 'joints' as const, stamp: 1, q: [0.1, 0.2], gripper: 0.01, bodies: [0, 0, 0, 0, 0, 0, 1] };
    applyServerMessage(msg);
    const v = joints.version;
    applyServerMessage({ ...msg, stamp: 1.02 });
    expect(joints.version).toBe(v);
    applyServerMessage({ ...msg, q: [0.1, 0.25] });
    expect(joints.version).toBe(v + 1);
    expect([...joints.q]).toEqual([0.1, 0.25]);
  });

  it('a preview goes pending, executing when confirmed, done when finished', () => {
    applyServerMessage({ type: 'preview', preview: preview('p1') });
    expect(previewStore.getState()).toMatchObject({ mode: 'pending', playing: true });
    applyServerMessage({ type: 'preview_cleared', id: 'p1', reason: 'executing' });
    expect(previewStore.getState().mode).toBe('executing');
    expect(previewStore.getState().preview?.confirmable).toBe(false);
    applyServerMessage({
      type: 'execution',
      execution: { active: true, previewId: 'p1', step: 0, stepFractions: [0.5], outcome: null, failure: null },
    });
    expect(previewStore.getState().mode).toBe('executing');
    applyServerMessage({
      type: 'execution',
      execution: { active: false, previewId: 'p1', step: 0, stepFractions: [1], outcome: 'succeeded', failure: null },
    });
    expect(previewStore.getState().mode).toBe('done');
  });

  it('an unsafe preview is shown but rejected; a cancelled one disappears', () => {
    applyServerMessage({ type: 'preview', preview: preview('p2', false) });
    expect(previewStore.getState().mode).toBe('rejected');
    applyServerMessage({ type: 'preview', preview: preview('p3') });
    applyServerMessage({ type: 'preview_cleared', id: 'p3', reason: 'stopped' });
    expect(previewStore.getState().preview).toBeNull();
  });

  it("a refused step's contact becomes the 3-D marker; it goes with its preview", () => {
    const refused = preview('p4', false);
    refused.steps = [
      {
        ...refused.steps[0],
        reason: 'goto(CANDY): … panda_hand would hit GIFT_BAG wall',
        contact: { a: 'panda_hand', b: 'GIFT_BAG wall', point: [0.4, -0.2, 0.15] },
      },
      { call: 'grasp()', motions: [], start: 1, duration: 0, safe: false, reason: 'not planned' },
    ];
    applyServerMessage({ type: 'preview', preview: refused });
    expect(previewStore.getState().contact).toEqual({
      previewId: 'p4',
      step: 0,
      point: [0.4, -0.2, 0.15],
      label: 'panda_hand × GIFT_BAG wall',
      time: null,
    });
    // Replaced by a preview without a contact: no marker.
    applyServerMessage({ type: 'preview', preview: preview('p5') });
    expect(previewStore.getState().contact).toBeNull();
    // Cleared: no marker.
    applyServerMessage({ type: 'preview', preview: refused });
    expect(previewStore.getState().contact?.previewId).toBe('p4');
    applyServerMessage({ type: 'preview_cleared', id: 'p4', reason: 'cancelled' });
    expect(previewStore.getState().contact).toBeNull();
  });

  it('refused requests become dismissible problems with the tip', () => {
    applyServerMessage({ type: 'error', re: 'confirm', message: 'That preview is no longer pending', tip: 'Look again' });
    expect(sessionStore.getState().localProblems.at(-1)).toMatchObject({ id: 'error:confirm', tip: 'Look again' });
  });

  it('samples the preview timeline without allocating', () => {
    const out = new Float64Array(2);
    expect(sampleTimeline([0, 1], [0, 0, 1, -1], [0, 0.04], 2, 0.5, out)).toBeCloseTo(0.02);
    expect([...out]).toEqual([0.5, -0.5]);
    sampleTimeline([0, 1], [0, 0, 1, -1], [0, 0.04], 2, 5, out);
    expect([...out]).toEqual([1, -1]);
  });
});

const view = (over: Partial<DialogueStateInfo> = {}): DialogueStateInfo => ({
  kind: 'idle',
  label: 'Ready',
  lesson: null,
  question: null,
  expects: null,
  plan: null,
  proposedBy: null,
  step: null,
  frame: null,
  ...over,
});
const statusMsg = (over: Partial<StatusMessage> = {}): StatusMessage => ({
  type: 'status',
  phase: 'idle',
  dialogue: view(),
  presence: 'connected',
  moving: false,
  awaitingPoint: null,
  problems: [],
  control: { holder: null, holderLabel: null, holderAway: false, requestedBy: null, requestedLabel: null },
  ...over,
});
const live: StatusInput = { conn: 'connected', attempts: 0, synced: true, phase: 'idle', dialogue: view(), consoleRecording: false };

describe('the console status: one state for the connection and the session', () => {
  it('names every state, in the pill and the page title', () => {
    const cases: [Partial<StatusInput>, string, string, string][] = [
      [{ conn: 'connecting', synced: false }, 'connecting', 'Connecting…', 'Shammie — Connecting…'],
      [{}, 'idle', 'Ready', 'Shammie — Ready'],
      [{ phase: 'planning' }, 'planning', 'Planning…', 'Shammie — Planning'],
      [
        { phase: 'pending', dialogue: view({ kind: 'previewing', label: 'Waiting for your confirmation' }) },
        'previewing',
        'Waiting for your confirmation',
        'Shammie — Waiting for confirmation',
      ],
      [
        { phase: 'executing', dialogue: view({ kind: 'executing', label: 'Moving · step 2 of 3', step: 1 }) },
        'executing',
        'Moving · step 2 of 3',
        'Shammie — Executing',
      ],
      [
        { dialogue: view({ label: 'Teaching pack · step 3', lesson: { name: 'pack', steps: 2, demonstrations: 0 } }) },
        'teaching',
        'Teaching pack · step 3',
        'Shammie — Teaching "pack" · step 3',
      ],
      [
        {
          dialogue: view({
            kind: 'framing',
            label: 'Shooting track(TOWER) · frame 12 of 24',
            frame: { call: 'track(TOWER)', index: 12, total: 24, moving: false },
          }),
        },
        'shooting',
        'Shooting track(TOWER) · frame 12 of 24',
        'Shammie — Shooting frame 12 of 24',
      ],
      [{ consoleRecording: true }, 'recording', 'Recording a demonstration', 'Shammie — Recording'],
      [{ dialogue: view({ kind: 'asking', label: 'Show me LOTION', expects: 'point' }) }, 'asking', 'Show me LOTION', 'Shammie — Question'],
    ];
    for (const [over, kind, label, title] of cases) expect(consoleStatus({ ...live, ...over })).toEqual({ kind, label, title });
  });

  it('never shows a session state from before a disconnect, nor before the first status of a new connection', () => {
    const waiting = { phase: 'pending' as const, dialogue: view({ kind: 'previewing', label: 'Waiting for your confirmation' }) };
    expect(consoleStatus({ ...live, ...waiting, conn: 'disconnected', synced: false })).toMatchObject({
      kind: 'disconnected',
      label: 'Disconnected from the server',
      title: 'Shammie — Disconnected',
    });
    expect(consoleStatus({ ...live, ...waiting, conn: 'reconnecting', attempts: 2, synced: false })).toMatchObject({
      kind: 'reconnecting',
      label: 'Disconnected · reconnecting (attempt 3)',
    });
    // Back, but the new server has not said what it is doing yet.
    const back = consoleStatus({ ...live, ...waiting, synced: false });
    expect(back.kind).toBe('connecting');
    expect(back.label).not.toMatch(/confirmation/);
  });

  it('the connection store walks lost → reconnecting → connected, and a status makes it synced', () => {
    markConnected();
    applyServerMessage(statusMsg({ phase: 'pending', dialogue: view({ kind: 'previewing', label: 'Waiting for your confirmation' }) }));
    expect(connectionStore.getState().synced).toBe(true);
    expect(markLost('connection closed (code 1006)')).toBe(0);
    expect(connectionStore.getState()).toMatchObject({ state: 'disconnected', synced: false });
    expect(connectionStore.getState().lostAt).not.toBeNull();
    markReconnecting();
    expect(markLost('refused')).toBe(1);
    markReconnecting();
    const c = connectionStore.getState();
    const s = sessionStore.getState();
    const shown = consoleStatus({
      conn: c.state,
      attempts: c.attempts,
      synced: c.synced,
      phase: s.phase,
      dialogue: s.dialogue,
      consoleRecording: false,
    });
    expect(shown.label).toBe('Disconnected · reconnecting (attempt 2)');
    markConnected();
    expect(connectionStore.getState()).toMatchObject({ state: 'connected', attempts: 0, synced: false });
    applyServerMessage(statusMsg());
    expect(connectionStore.getState().synced).toBe(true);
  });
});

describe('the dialogue bar: what the session waits for besides a plan, never from before a loss', () => {
  beforeEach(() => applyServerMessage(hello));

  const question = view({ kind: 'asking', label: 'Question', question: 'Which box do you mean?', expects: 'reply' });

  it('names the question, the click awaited, the camera move or the lesson, with what its Cancel ends', () => {
    const cases: [DialogueStateInfo, string, string][] = [
      [question, 'Which box do you mean?', 'Drop the question'],
      [view({ kind: 'asking', label: 'Show me LOTION', expects: 'point' }), 'Show me LOTION', 'Stop waiting for the click'],
      [
        view({ kind: 'framing', label: 'Shooting track(TOWER) · frame 2 of 24' }),
        'Shooting track(TOWER) · frame 2 of 24',
        'End the camera move',
      ],
      [
        view({ label: 'Teaching pack · step 3', lesson: { name: 'pack', steps: 2, demonstrations: 0 } }),
        'Teaching pack · step 3',
        'Stop teaching pack',
      ],
    ];
    for (const [dialogue, label, cancelTitle] of cases)
      expect(dialogueBar({ ...live, dialogue })).toEqual({ kind: dialogue.kind, label, cancelTitle });
    // Nothing to end: no bar.
    expect(dialogueBar({ ...live, dialogue: view() })).toBeNull();
    expect(dialogueBar({ ...live, dialogue: view({ kind: 'previewing', label: 'Waiting for your confirmation' }) })).toBeNull();
    expect(dialogueBar({ ...live, dialogue: null })).toBeNull();
  });

  it('while the link is down, and until the first status of a new connection, shows nothing (as the status pill)', () => {
    for (const conn of ['connecting', 'disconnected', 'reconnecting'] as const)
      expect(dialogueBar({ ...live, dialogue: question, conn, synced: false }), conn).toBeNull();
    expect(dialogueBar({ ...live, dialogue: question, synced: false })).toBeNull();
    // Through the stores, as the plan panel reads them.
    const shown = () => {
      const c = connectionStore.getState();
      return dialogueBar({ conn: c.state, synced: c.synced, dialogue: sessionStore.getState().dialogue })?.label ?? null;
    };
    markConnected();
    applyServerMessage(statusMsg({ dialogue: question }));
    expect(shown()).toBe('Which box do you mean?');
    markLost('connection closed (code 1006)');
    expect(sessionStore.getState().dialogue?.question).toBe('Which box do you mean?'); // still in the store…
    expect(shown()).toBeNull(); // …but not shown
    markReconnecting();
    expect(shown()).toBeNull();
    markConnected();
    expect(shown()).toBeNull();
    applyServerMessage(statusMsg({ dialogue: view() }));
    expect(shown()).toBeNull(); // the session no longer asks
    applyServerMessage(statusMsg({ dialogue: question }));
    expect(shown()).toBe('Which box do you mean?');
  });
});

describe('stale state ends with its cause', () => {
  beforeEach(() => applyServerMessage(hello));

  it('"Stop could not reach the server" goes when the connection is back', () => {
    markLost('gone');
    addLocalProblem({ id: 'stop', severity: 'error', message: 'Stop could not reach the server: Failed to fetch' });
    addLocalProblem({ id: 'error:confirm', severity: 'warn', message: 'That preview is no longer pending' });
    markConnected();
    const ids = sessionStore.getState().localProblems.map((p) => p.id);
    expect(ids).not.toContain('stop');
    // A refusal is not about the connection: it stays until dismissed.
    expect(ids).toContain('error:confirm');
  });

  it('the path is drawn while a plan waits or runs, and gone after Done or STOP', () => {
    applyServerMessage({ type: 'preview', preview: preview('run1') });
    expect(pathDrawn(previewStore.getState().mode)).toBe(true);
    applyServerMessage({ type: 'preview_cleared', id: 'run1', reason: 'executing' });
    applyServerMessage({
      type: 'execution',
      execution: { active: true, previewId: 'run1', step: 0, stepFractions: [0.2], outcome: null, failure: null },
    });
    expect(pathDrawn(previewStore.getState().mode)).toBe(true);
    // STOP mid-motion: the run ends failed ("stopped by the operator").
    applyServerMessage({ type: 'stop', t: 1 });
    applyServerMessage({
      type: 'execution',
      execution: { active: false, previewId: 'run1', step: 0, stepFractions: [0.3], outcome: 'failed', failure: 'stopped by the operator' },
    });
    expect(previewStore.getState().mode).toBe('done');
    expect(pathDrawn(previewStore.getState().mode)).toBe(false);
    // STOP while a preview waits: the preview itself goes.
    applyServerMessage({ type: 'preview', preview: preview('wait1') });
    applyServerMessage({ type: 'preview_cleared', id: 'wait1', reason: 'stopped' });
    expect(pathDrawn(previewStore.getState().mode)).toBe(false);
    expect(previewStore.getState().preview).toBeNull();
  });

  it('a warning can be closed; it stays closed while it lasts and shows again when it comes back', () => {
    const lag = {
      id: 'backend:sim-lag',
      severity: 'warn' as const,
      message: 'The simulation could not keep up with real time (2.0 s dropped in the last 10 s).',
    };
    applyServerMessage(statusMsg({ problems: [lag] }));
    expect(visibleProblems(sessionStore.getState()).map((p) => p.id)).toEqual(['backend:sim-lag']);
    dismissServerProblem('backend:sim-lag');
    expect(visibleProblems(sessionStore.getState())).toEqual([]);
    applyServerMessage(
      statusMsg({ problems: [{ ...lag, message: 'The simulation could not keep up with real time (3.1 s dropped in the last 10 s).' }] }),
    );
    expect(visibleProblems(sessionStore.getState())).toEqual([]);
    // It ended, then came back: shown again.
    applyServerMessage(statusMsg({ problems: [] }));
    applyServerMessage(statusMsg({ problems: [lag] }));
    expect(visibleProblems(sessionStore.getState()).map((p) => p.id)).toEqual(['backend:sim-lag']);
  });
});

describe('continuity across a reconnect and a server restart', () => {
  const entries = (texts: string[]) => texts.map((text, i) => ({ id: i + 1, role: 'user' as const, text, t: i }));

  it('the same server again: its entries win, older ones it no longer sends are kept', () => {
    const local = { serverId: 'A', transcript: entries(['one', 'two', 'three']), pendingUtterance: null };
    const r = reconcileHello(local, { serverId: 'A', transcript: entries(['one', 'two', 'three']).slice(1), continuity: null });
    expect(r.transcript.map((e) => e.text)).toEqual(['one', 'two', 'three']);
    expect(r.notice).toBeNull();
  });

  it('a restart with a restored log: the server’s copy, and a notice of what came back and what was lost', () => {
    const local = { serverId: 'A', transcript: entries(['pick up the candy']), pendingUtterance: 'pick up the candy' };
    const r = reconcileHello(local, {
      serverId: 'B',
      transcript: [...entries(['pick up the candy']), { id: 2, role: 'system', text: 'The server restarted: …', t: 9 }],
      continuity: {
        previousLog: 'session-x.jsonl',
        previousEnd: 0,
        transcript: 1,
        preview: 'replanned',
        previewUtterance: 'pick up the candy',
        lost: [
          "The world was reset to the scene's start: the simulation starts over with the server (objects back in place, nothing held).",
        ],
      },
    });
    expect(r.transcript.map((e) => e.id)).toEqual([1, 2]);
    expect(r.notice?.message).toMatch(/Restored: 1 transcript line from session-x\.jsonl; the pending preview of "pick up the candy"/);
    expect(r.notice?.message).toMatch(/Lost: The world was reset/);
    expect(r.notice?.message).not.toMatch(/was dropped/);
  });

  it('a restart that put the sim world and the pace back says so among what was restored', () => {
    const local = { serverId: 'A', transcript: entries(['pick up the candy']), pendingUtterance: null };
    const r = reconcileHello(local, {
      serverId: 'B',
      transcript: entries(['pick up the candy']),
      continuity: {
        previousLog: 'session-x.jsonl',
        previousEnd: 0,
        transcript: 1,
        preview: 'none',
        previewUtterance: null,
        lost: [],
        world: "the world (3 objects where they were, the arm's pose, CANDY in the gripper)",
        pace: 'fast',
      },
    });
    expect(r.notice?.message).toBe(
      "The server restarted. Restored: 1 transcript line from session-x.jsonl; the world (3 objects where they were, the arm's pose, CANDY in the gripper); the fast pace.",
    );
    expect(r.notice?.severity).toBe('info');
  });

  it('a restart with nothing restored: the console keeps its own copy and says exactly what was lost', () => {
    applyServerMessage(hello);
    applyServerMessage({ type: 'dialogue', entry: { id: 2, role: 'user', text: 'pick up the candy', t: 1 } });
    applyServerMessage({ type: 'preview', preview: { ...preview('before'), utterance: 'pick up the candy' } });
    applyServerMessage({
      ...hello,
      serverId: 'restarted',
      transcript: [{ id: 1, role: 'system', text: 'new server', t: 5 }],
      continuity: null,
    });
    const t = sessionStore.getState().transcript;
    expect(t.map((e) => e.text).slice(0, 2)).toEqual(['hi', 'pick up the candy']);
    expect(t.at(-1)?.text).toBe('new server');
    expect(new Set(t.map((e) => e.id)).size).toBe(t.length);
    const note = t.at(-2)!;
    expect(note.role).toBe('system');
    expect(note.text).toMatch(/without a session log to restore from/);
    expect(note.text).toMatch(/pending preview of "pick up the candy" was dropped/);
    expect(sessionStore.getState().localProblems.find((p) => p.id === 'restart')?.message).toBe(note.text);
    expect(previewStore.getState().preview).toBeNull();
    sessionStore.setState({ localProblems: [] });
  });
});
