/**
 * Adversarial: only a confirmation that names the preview that was shown moves the arm.
 * /api/confirm and a typed or API "yes" without the preview id, with a stale id, or after the
 * scene changed run nothing; auto-confirm cannot be switched on for a built-in skill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer, type TestServer } from '../server/ws-client.js';

let t: TestServer;
beforeAll(async () => {
  t = await openTestServer({ server: { voice: false } });
  await t.c.next('hello');
  // The HTTP API acts only while no console holds control: this suite drives the API alone.
  t.c.send({ type: 'control', action: 'release' });
  for (let i = 0; i < 100 && t.server.hub.controller !== null; i++) await new Promise((r) => setTimeout(r, 50));
}, 60_000);
afterAll(() => t?.close());

const post = async (path: string, body?: unknown) => {
  const r = await fetch(new URL(path, t.server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${t.server.token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};
const still = () => [...t.app.backend.jointState().position];
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe('confirmation you can audit', () => {
  it('/api/confirm without a preview id is refused with what to send; a stale id runs nothing', async () => {
    const before = still();
    const said = await post('api/say', { text: 'go to the bag' });
    expect(said.status).toBe(200);
    const id = said.json.previewId as string;
    expect(id).toMatch(/^p\d+-/);
    const bare = await post('api/confirm');
    expect(bare.status).toBe(400);
    expect(bare.json.error).toBe(
      `name the preview you approve: {"previewId": "…"} (from /api/say's answer or /api/status); the one shown now is ${id}`,
    );
    const stale = await post('api/confirm', { previewId: 'p1-00000000' });
    expect(stale.json).toMatchObject({ ok: false });
    expect(stale.json.reply).toMatch(/no longer pending.*Nothing moved/);
    expect(t.app.session.state.kind).toBe('previewing');
    expect(maxDiff(still(), before)).toBeLessThan(1e-3);
    await post('api/cancel');
  });

  it('a "yes" over the API without the id, or with another one, runs nothing; with the id it runs', async () => {
    const said = await post('api/say', { text: 'go home' });
    const id = said.json.previewId as string;
    const before = still();
    const bare = await post('api/say', { text: 'yes' });
    expect(bare.json).toMatchObject({ kind: 'error', executed: false });
    expect(bare.json.reply).toMatch(/^Which plan\? .*nothing moved/);
    const other = await post('api/say', { text: 'yes', previewId: 'p9-other' });
    expect(other.json.reply).toMatch(/no longer shown/);
    expect(t.app.session.state.kind).toBe('previewing');
    expect(maxDiff(still(), before)).toBeLessThan(1e-3);
    const yes = await post('api/say', { text: 'yes', previewId: id });
    expect(yes.json).toMatchObject({ executed: true, outcome: 'succeeded' });
  });

  it('a "yes" naming the preview after the scene changed gets a new preview instead of motion', async () => {
    const said = await post('api/say', { text: 'go to the bag' });
    const id = said.json.previewId as string;
    const before = still();
    const world = t.app.world;
    const orig = world.position.bind(world);
    world.position = (name: string) => {
      const p = orig(name);
      return name === 'GIFT_BAG' ? [p[0] + 0.04, p[1], p[2]] : p;
    };
    try {
      const yes = await post('api/say', { text: 'yes', previewId: id });
      expect(yes.json.executed).toBe(false);
      // Either this "yes" or the server's own check saw the change: a new preview is shown.
      await expect.poll(() => t.server.hub.pendingPreviewId, { timeout: 10_000 }).not.toBe(id);
      expect(t.server.hub.pendingPreviewId).toMatch(/^p\d+-/);
      expect(maxDiff(still(), before)).toBeLessThan(1e-3);
    } finally {
      world.position = orig;
    }
    await post('api/cancel');
  });

  it('a console\'s typed "yes" runs only the preview it names', async () => {
    const c = t.c;
    c.send({ type: 'control', action: 'take' });
    let from = c.mark();
    c.send({ type: 'say', text: 'go to the bag' });
    const p = await c.next('preview', () => true, 20_000, from);
    from = c.mark();
    c.send({ type: 'say', text: 'yes' });
    const refused = await c.next('dialogue', (d) => d.entry.role === 'robot' && /^Which plan\?/.test(d.entry.text), 10_000, from);
    expect(refused.entry.text).toMatch(/nothing moved/);
    expect(t.app.session.state.kind).toBe('previewing');
    c.send({ type: 'say', text: 'yes', previewId: p.preview.id });
    const done = await c.next('execution', (e) => !e.execution.active && e.execution.previewId === p.preview.id, 60_000, from);
    expect(done.execution.outcome).toBe('succeeded');
  });

  it('auto-confirm cannot be switched on for a built-in behavior (the reproduction: pickup)', async () => {
    const c = t.c;
    const from = c.mark();
    c.send({ type: 'auto_confirm', skill: 'pickup', enabled: true, acknowledged: true });
    const e = await c.next('error', (m) => m.re === 'auto_confirm', 5000, from);
    expect(e.message).toBe('"pickup" is not a taught behavior; auto-confirm applies to behaviors you taught only');
    const before = still();
    c.send({ type: 'say', text: 'pick up the candy' });
    const p = await c.next('preview', () => true, 20_000, from);
    expect(p.preview.autoConfirm).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.app.session.state.kind).toBe('previewing');
    expect(maxDiff(still(), before)).toBeLessThan(1e-3);
    c.send({ type: 'cancel' });
  });
});
