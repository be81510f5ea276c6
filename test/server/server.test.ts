/**
 * The session server and its console protocol, without a browser: HTTP routes, the
 * WebSocket protocol (zod-checked on receipt here too), previews that are exactly what will
 * execute, confirm-by-id, re-preview when the world changed, auto-confirm, unsafe previews,
 * stop in every state, IK for the teaching gizmo and saving recordings.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimApp } from '../../session/app.js';
import { ensureConsoleBuilt } from '../../server/build.js';
import type { SessionServer } from '../../server/index.js';
import { failureTip } from '../../server/hub.js';
import type { RecordingFile } from '../../server/recordings.js';
import { openTestServer, teachCollect, type Msg, type TestClient, type TestServer } from './ws-client.js';

describe('session server', () => {
  let app: SimApp;
  let server: SessionServer;
  let c: TestClient;

  let t: TestServer;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    t = await openTestServer({
      server: { probes: [{ name: 'speech (offline)', available: false, message: 'pocketsphinx not found' }], console: 'prebuilt' },
    });
    ({ app, server, c } = t);
  }, 120_000);

  afterAll(() => t?.close());

  it('serves the console to browsers, JSON status to scripts, and the robot description', async () => {
    const html = await fetch(server.consoleUrl, { headers: { accept: 'text/html,application/xhtml+xml' } });
    // The link carries the token; the page keeps it in a same-site cookie for its WebSocket and uploads.
    expect(html.headers.get('set-cookie')).toMatch(/^shammie_token_\d+=[0-9a-f]{64}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const text = await html.text();
    expect(text).toContain('<div id="root">');
    const asset = text.match(/src="\.\/(assets\/[^"]+\.js)"/)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(new URL(asset!, server.url));
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    const json = (await (await fetch(server.url)).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ service: 'shammie', robot: 'panda' });
    expect(((await (await fetch(new URL('api/status', server.url))).json()) as { service: string }).service).toBe('shammie');
    const urdf = await fetch(new URL('robot/files/panda.urdf', server.url));
    expect(urdf.status).toBe(200);
    expect(await urdf.text()).toContain('<robot name="panda">');
    expect((await fetch(new URL('robot/files/../../../package.json', server.url))).status).toBe(404);
    expect((await fetch(new URL('robot/files/robot-model.ts', server.url))).status).toBe(404);
    const foreign = await fetch(new URL('api/stop', server.url), { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
  });

  it('greets with the robot, the scene, the library and the state', async () => {
    const hello = await c.next('hello');
    expect(hello.robot).toMatchObject({ name: 'panda', urdfUrl: 'robot/files/panda.urdf', tipLink: 'panda_tcp' });
    expect(hello.robot.jointNames).toHaveLength(7);
    expect(hello.robot.gripper?.joint).toBe('panda_finger_joint1');
    expect(hello.scene.bodies).toEqual(expect.arrayContaining(['CANDY', 'TOY_CAR', 'GIFT_BAG', 'BIN']));
    expect(hello.probes[0].name).toBe('speech (offline)');
    const lib = await c.next('library');
    expect(lib.skills.map((s) => s.name)).toEqual(expect.arrayContaining(['go_home', 'goto', 'grasp', 'release', 'pickup']));
    expect(lib.skills.find((s) => s.name === 'pickup')?.body?.[0]).toEqual({ skill: 'goto', args: { object: { param: 'object' } } });
    expect(lib.entities.map((e) => e.name).sort()).toEqual(['CANDY', 'GIFT_BAG']);
    expect((await c.next('status')).phase).toBe('idle');
    const joints = await c.next('joints');
    expect(joints.q).toHaveLength(7);
    expect(joints.bodies).toHaveLength(hello.scene.bodies.length * 7);
    expect(c.invalid).toEqual([]);
  });

  it('previews exactly the trajectories that will execute, and refuses a stale confirm', async () => {
    const from = c.mark();
    c.send({ type: 'say', text: 'pick up the candy and put it in the bag' });
    const { preview } = await c.next('preview', () => true, 20_000, from);
    expect(preview.planText).toBe('pickup(CANDY) → goto(GIFT_BAG) → release()');
    expect(preview.confirmable).toBe(true);
    expect(preview.safe).toBe(true);
    const dof = 7;
    const tl = preview.timeline;
    expect(tl.q.length).toBe(tl.t.length * dof);
    expect(tl.gripper.length).toBe(tl.t.length);
    expect(preview.path.length).toBe(tl.t.length * 3);
    for (let i = 1; i < tl.t.length; i++) expect(tl.t[i]).toBeGreaterThanOrEqual(tl.t[i - 1]);
    expect(preview.summary.duration).toBeCloseTo(tl.t[tl.t.length - 1], 2);
    expect(preview.steps.map((s) => s.call)).toEqual(['goto(CANDY)', 'grasp()', 'goto(GIFT_BAG)', 'release()']);
    // Every trajectory point the session holds for execution is a keyframe of the preview.
    const pending = app.session.pending!;
    const points = pending.compiled.flatMap((s) => s.motions.flatMap((m) => (m.kind === 'trajectory' ? m.trajectory.points : [])));
    for (const p of points) {
      const k = tl.q.findIndex((_, i) => i % dof === 0 && p.positions.every((v, j) => Math.abs(tl.q[i + j] - v) < 1e-4));
      expect(k).toBeGreaterThanOrEqual(0);
    }
    // The path starts at the tool.
    const tip = app.model.tipPose(app.backend.jointState().position);
    expect(Math.hypot(preview.path[0] - tip[12], preview.path[1] - tip[13], preview.path[2] - tip[14])).toBeLessThan(0.01);

    const q0 = [...app.backend.jointState().position];
    const m2 = c.mark();
    c.send({ type: 'confirm', previewId: 'p0-nope' });
    const err = await c.next('error', (e) => e.re === 'confirm', 5000, m2);
    expect(err.message).toMatch(/no longer pending/);
    expect(app.session.executing).toBe(false);
    expect(app.backend.jointState().position).toEqual(q0);

    const m3 = c.mark();
    c.send({ type: 'confirm', previewId: preview.id });
    const started = await c.next('execution', (e) => e.execution.active, 10_000, m3);
    expect(started.execution.previewId).toBe(preview.id);
    await c.next('preview_cleared', (e) => e.reason === 'executing', 10_000, m3);
    const done = await c.next('execution', (e) => !e.execution.active, 60_000, m3);
    expect(done.execution.outcome).toBe('succeeded');
    expect(done.execution.stepFractions).toEqual([1, 1, 1, 1]);
    expect(app.sim.objectState('CANDY')?.in).toBe('GIFT_BAG');
    const reply = await c.next('dialogue', (d) => d.entry.kind === 'done', 5000, m3);
    expect(reply.entry.text).toMatch(/^Done: pickup\(CANDY\)/);
  });

  it('refuses malformed and unknown requests, saying why', async () => {
    const from = c.mark();
    c.send('nope');
    c.send({ type: 'move_joints', q: [0, 0, 0, 0, 0, 0, 0] });
    c.send({ type: 'say', text: '' });
    c.send({ type: 'point', position: [0, 0] });
    for (let i = 0; i < 4; i++) await c.next('error', () => true, 5000, from + i);
    const errors = c.messages.slice(from).filter((m): m is Msg<'error'> => m.type === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors[0].message).toMatch(/not JSON/);
    expect(errors[1].message).toMatch(/bad "move_joints" message/);
    expect(app.session.executing).toBe(false);
  });

  it('re-previews and asks again when the world changed since the preview', async () => {
    const from = c.mark();
    // The candy is in the bag now (the test above), where the hand cannot go: the bag instead.
    c.send({ type: 'say', text: 'go to the bag' });
    const first = await c.next('preview', () => true, 20_000, from);
    expect(first.preview.confirmable).toBe(true);
    // The bag "moves" 4 cm (as the world model sees it).
    const world = app.world;
    const orig = world.position.bind(world);
    world.position = (name: string) => {
      const p = orig(name);
      return name === 'GIFT_BAG' ? [p[0] + 0.04, p[1], p[2]] : p;
    };
    try {
      const second = await c.next('preview', (p) => p.preview.id !== first.preview.id, 10_000, from);
      expect(second.preview.confirmable).toBe(true);
      const note = await c.next('dialogue', (d) => /scene changed since the preview/.test(d.entry.text), 5000, from);
      expect(note.entry.text).toMatch(/GIFT_BAG moved 4\.0 cm/);
      const m2 = c.mark();
      c.send({ type: 'confirm', previewId: first.preview.id });
      expect((await c.next('error', (e) => e.re === 'confirm', 5000, m2)).message).toMatch(/no longer pending/);
      expect(app.session.executing).toBe(false);
    } finally {
      world.position = orig;
    }
    c.send({ type: 'cancel' });
    await c.next('preview_cleared', () => true, 5000, from);
  });

  it('stops in every state: idle, pending (clears the preview)', async () => {
    let from = c.mark();
    c.send({ type: 'stop' });
    await c.next('stop', () => true, 5000, from);
    expect((await c.next('dialogue', (d) => d.entry.kind === 'stopped', 5000, from)).entry.role).toBe('system');
    from = c.mark();
    c.send({ type: 'say', text: 'go home' });
    c.send({ type: 'say', text: 'go to the bag' });
    await c.next('preview', (p) => p.preview.planText === 'goto(GIFT_BAG)', 20_000, from);
    c.send({ type: 'stop' });
    const cleared = await c.next('preview_cleared', (p) => p.reason === 'stopped', 5000, from);
    expect(cleared.id).toBeTruthy();
    expect(app.session.pending).toBeNull();
  });

  it('solves IK for the teaching gizmo and saves demonstrations', async () => {
    const q = [...app.model.home];
    const tip = app.model.tipPose(q);
    let from = c.mark();
    c.send({ type: 'ik', id: 7, position: [tip[12] + 0.03, tip[13] - 0.02, tip[14] - 0.05], seed: q });
    const r = await c.next('ik_result', (m) => m.id === 7, 5000, from);
    expect(r.ok).toBe(true);
    const reached = app.model.tipPose(r.q);
    expect(Math.hypot(reached[12] - tip[12] - 0.03, reached[13] - tip[13] + 0.02, reached[14] - tip[14] + 0.05)).toBeLessThan(0.002);
    c.send({ type: 'ik', id: 8, position: [3, 0, 0], seed: q });
    const far = await c.next('ik_result', (m) => m.id === 8, 5000, from);
    expect(far.ok).toBe(false);
    expect(far.reason).toMatch(/out of reach/);

    from = c.mark();
    const samples = [0, 0.1, 0.2].map((t, i) => ({ t: 5 + t, q: q.map((v, j) => (j === 0 ? v + i * 0.1 : v)), gripper: 0.04 }));
    c.send({ type: 'save_recording', name: 'Wave Hello!', samples });
    const saved = await c.next('recording_saved', () => true, 5000, from);
    expect(saved.name).toBe('wave_hello');
    const file = JSON.parse(readFileSync(saved.path, 'utf8')) as RecordingFile;
    expect(file).toMatchObject({ format: 'shammie.recording', version: 1, robot: 'panda', gripperJoint: 'panda_finger_joint1' });
    expect(file.samples.map((s: { t: number }) => s.t)).toEqual([0, 0.1, 0.2]);
    c.send({
      type: 'save_recording',
      name: 'bad',
      samples: [
        { t: 0, q: [1, 2], gripper: 0 },
        { t: 1, q: [1, 2], gripper: 0 },
      ],
    });
    expect((await c.next('error', (e) => e.re === 'save_recording', 5000, from)).message).toMatch(/has 2 joint values/);
  });
});

describe('session server: auto-confirm', () => {
  let c: TestClient;
  let t: TestServer;
  beforeAll(async () => {
    t = await openTestServer();
    ({ c } = t);
    await c.next('hello');
  }, 60_000);
  afterAll(() => t?.close());

  it('auto-confirms plans made only of taught behaviors the operator switched it on for, after an explicit acknowledgement', async () => {
    let from = c.mark();
    c.send({ type: 'auto_confirm', skill: 'goto', enabled: true, acknowledged: true });
    expect((await c.next('error', (e) => e.re === 'auto_confirm', 5000, from)).message).toMatch(/not a taught behavior/);
    // The reproduction: a built-in behavior (pickup) could be set to run without asking.
    from = c.mark();
    c.send({ type: 'auto_confirm', skill: 'pickup', enabled: true, acknowledged: true });
    expect((await c.next('error', (e) => e.re === 'auto_confirm', 5000, from)).message).toMatch(/"pickup" is not a taught behavior/);
    teachCollect(t.app);
    from = c.mark();
    c.send({ type: 'auto_confirm', skill: 'collect', enabled: true });
    expect((await c.next('error', (e) => e.re === 'auto_confirm', 5000, from)).message).toMatch(/explicit agreement/);
    c.send({ type: 'auto_confirm', skill: 'collect', enabled: true, acknowledged: true });
    const lib = await c.next('library', (l) => l.skills.some((s) => s.name === 'collect' && s.autoConfirm), 5000, from);
    expect(lib.skills.find((s) => s.name === 'pickup')?.autoConfirm).toBe(false);
    // Logged in the dialogue, with who did it.
    await c.next('dialogue', (d) => /^Console \d+ turned on auto-confirm: collect will run without asking/.test(d.entry.text), 5000, from);
    // "pick up the candy" is pickup, not the taught behavior: it waits.
    from = c.mark();
    c.send({ type: 'say', text: 'pick up the candy' });
    const waiting = await c.next('preview', () => true, 20_000, from);
    expect(waiting.preview.autoConfirm).toBe(false);
    c.send({ type: 'cancel' });
    await c.next('preview_cleared', () => true, 5000, from);
    // "collect the candy" = collect(CANDY): runs without a confirm.
    from = c.mark();
    c.send({ type: 'say', text: 'collect the candy' });
    const auto = await c.next('preview', () => true, 20_000, from);
    expect(auto.preview.autoConfirm).toBe(true);
    const done = await c.next('execution', (e) => !e.execution.active && e.execution.previewId === auto.preview.id, 60_000, from);
    expect(done.execution.failure).toBe(null);
    expect(done.execution.outcome).toBe('succeeded');
    c.send({ type: 'auto_confirm', skill: 'collect', enabled: false });
    await c.next('library', (l) => l.skills.some((s) => s.name === 'collect' && !s.autoConfirm), 5000, from);
  });
});

describe('session server: taught behaviors reach the library', () => {
  it('teach pack, rename it, undo: the library message follows', async () => {
    const t = await openTestServer();
    const { c } = t;
    try {
      await c.next('hello');
      const step = async (text: string, confirm: boolean) => {
        const from = c.mark();
        c.send({ type: 'say', text });
        if (!confirm) return c.next('dialogue', (d) => d.entry.role === 'robot', 20_000, from);
        const { preview } = await c.next('preview', () => true, 20_000, from);
        c.send({ type: 'confirm', previewId: preview.id });
        return c.next('execution', (e) => !e.execution.active, 60_000, from);
      };
      await step('let me teach you to pack', false);
      await step('pick up the candy', true);
      await step('go to the bag', true);
      await step('release it', true);
      let from = c.mark();
      await step("that's it", false);
      const lib = await c.next('library', (l) => l.skills.some((s) => s.name === 'pack'), 5000, from);
      const pack = lib.skills.find((s) => s.name === 'pack')!;
      expect(pack.kind).toBe('behavior');
      expect(pack.body?.map((b) => b.skill)).toEqual(['pickup', 'goto', 'release']);
      from = c.mark();
      await step('rename pack to wrap', false);
      await c.next('library', (l) => l.skills.some((s) => s.name === 'wrap') && !l.skills.some((s) => s.name === 'pack'), 5000, from);
      from = c.mark();
      await step('undo', false);
      await c.next('library', (l) => l.skills.some((s) => s.name === 'pack'), 5000, from);
    } finally {
      await t.close();
    }
  }, 90_000);
});

describe('session server: a plan that fails a safety check', () => {
  it('is previewed red with the reason, and cannot be confirmed', async () => {
    // A workspace that ends before the gift bag (y = -0.28).
    const t = await openTestServer({ app: { safety: { workspace: { min: [-0.3, -0.15, -0.01], max: [0.9, 0.7, 1.0] } } } });
    const { app, c } = t;
    try {
      await c.next('hello');
      c.send({ type: 'say', text: 'go to the bag' });
      const { preview } = await c.next('preview');
      expect(preview.safe).toBe(false);
      expect(preview.confirmable).toBe(false);
      const bad = preview.steps.find((s) => !s.safe)!;
      expect(bad.call).toBe('goto(GIFT_BAG)');
      expect(bad.reason).toMatch(/workspace/);
      const status = await c.next('status', (s) => s.problems.some((p) => p.id === 'plan'));
      expect(status.problems.find((p) => p.id === 'plan')?.tip).toMatch(/workspace/);
      c.send({ type: 'confirm', previewId: preview.id });
      expect((await c.next('error', (e) => e.re === 'confirm')).message).toMatch(/no longer pending|safety/);
      expect(app.session.executing).toBe(false);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('session server: a plan with an unreachable step', () => {
  it('shows the steps that plan, the unreachable one red with the reason, and no Execute', async () => {
    const t = await openTestServer();
    const { app, c } = t;
    try {
      await c.next('hello');
      c.send({ type: 'say', text: 'go to the corner' });
      await c.next('status', (s) => s.awaitingPoint?.name === 'CORNER');
      c.send({ type: 'point', position: [1.0, 0.55, 0] });
      await c.next('dialogue', (d) => /CORNER is the location/.test(d.entry.text));
      // (Teaching CORNER carries "go to the corner" on: that preview comes first, and is red too.)
      const carried = await c.next('preview', (p) => p.preview.planText === 'goto(CORNER)');
      expect(carried.preview.confirmable).toBe(false);
      c.send({ type: 'say', text: 'pick up the candy and go to the corner' });
      const { preview } = await c.next('preview', (p) => p.preview.steps.length === 3);
      expect(preview.confirmable).toBe(false);
      expect(preview.steps.map((s) => [s.call, s.safe])).toEqual([
        ['goto(CANDY)', true],
        ['grasp()', true],
        ['goto(CORNER)', false],
      ]);
      expect(preview.steps[2].reason).toMatch(/out of reach/);
      expect(preview.timeline.t.length).toBeGreaterThan(5); // the part that plans is shown
      expect(app.session.pending).toBeNull();
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('hub helpers', () => {
  it('gives tips for failures', () => {
    expect(failureTip('goto(GIFT_BAG) fails a safety check: tool leaves the workspace')).toMatch(/workspace/);
    expect(failureTip("goto(CANDY): I can't reach CANDY: approaching CANDY from above, panda_hand would hit GIFT_BAG wall")).toMatch(
      /would hit something/,
    );
    expect(failureTip('something odd')).toBeUndefined();
  });
});
