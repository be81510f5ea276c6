/**
 * The console's stores and message dispatch, in Node (no browser): what each server message
 * does to the state the panels and the 3D view read.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { HelloMessage, PreviewInfo } from '../../server/protocol.js';
import { applyServerMessage } from '../../ui/src/net/dispatch.js';
import { sampleTimeline } from '../../ui/src/scene/timeline.js';
import { joints } from '../../ui/src/stores/joints.js';
import { idleExecution, previewStore } from '../../ui/src/stores/preview.js';
import { sessionStore } from '../../ui/src/stores/session.js';

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
