/**
 * The stop-motion studio through the real session server: hub + WebSocket + HTTP, a MuJoCo
 * stop-motion scene, and a WebSocket client playing the console (it renders the "wrist camera"
 * as a generated PNG of the requested size). Covers opening a film, shooting by voice and by
 * button, the frame files over HTTP (PNG only, nothing outside a film's frames folder), refused
 * renders (wrong size, not a PNG, render failure, no console), delete/move, and a camera move
 * split into frames with its waiting k/N state.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimApp } from '../../session/app.js';
import type { SessionServer } from '../../server/index.js';
import type { ServerMessage, StudioState } from '../../server/protocol.js';
import { StudioExtension, studioFrameFile } from '../../server/studio.js';
import { NO_CONSOLE } from '../../studio/camera/index.js';
import { pngSize, testPattern } from '../../studio/png.js';
import type { StudioMeta } from '../../studio/session.js';
import { openTestServer, TestClient, type Msg, type TestServer } from './ws-client.js';

type Render = 'ok' | 'wrong-size' | 'not-png' | 'fail' | 'ignore';

/** A console: a protocol client that also renders the wrist camera on request. */
class Console extends TestClient {
  render: Render = 'ok';
  renders = 0;
  protected override onMessage(m: ServerMessage): void {
    if (m.type === 'studio_capture') this.#answer(m);
  }
  #answer(m: Msg<'studio_capture'>): void {
    this.renders++;
    const { requestId, width, height } = m;
    switch (this.render) {
      case 'ok':
        return void this.upload({ type: 'studio_frame', requestId, png: testPattern(width, height, this.renders).toString('base64') });
      case 'wrong-size':
        return void this.upload({ type: 'studio_frame', requestId, png: testPattern(640, 360, 1).toString('base64') });
      case 'not-png':
        return void this.upload({ type: 'studio_frame', requestId, png: Buffer.from('this is not a picture at all').toString('base64') });
      case 'fail':
        return this.send({ type: 'studio_frame_failed', requestId, reason: 'WebGL context lost' });
      case 'ignore':
        return;
    }
  }
  /** the next studio_state whose state matches */
  state(pred: (s: StudioState) => boolean, from = 0): Promise<StudioState> {
    return this.next('studio_state', (m) => pred(m.studio), 20_000, from).then((m) => m.studio);
  }
  /** the robot's next dialogue entry */
  reply(from: number): Promise<string> {
    return this.next('dialogue', (m) => m.entry.role === 'robot', 20_000, from).then((m) => m.entry.text);
  }
}

describe('the stop-motion studio in the session server', () => {
  let app: SimApp;
  let server: SessionServer;
  let dataDir: string;
  let c: Console;
  const get = (path: string) => fetch(new URL(path, server.url), { headers: { authorization: `Bearer ${server.token}` } });

  let t: TestServer<Console>;
  beforeAll(async () => {
    t = await openTestServer({ app: { scene: 'stopmotion' }, server: { voice: false }, client: (url) => new Console(url) });
    ({ app, server, dataDir, c } = t);
  }, 60_000);

  afterAll(() => t?.close());

  it('greets with the studio state: no film yet, the sim wrist camera rendered by the console', async () => {
    const s = await c.state(() => true);
    expect(s).toMatchObject({ session: null, sessions: [], move: null, capturing: false });
    expect(s.camera).toMatchObject({
      kind: 'sim',
      fovY: 45,
      width: 960,
      height: 540,
      offset: { position: [0, 0, 0.03], quaternion: [0, 0, 0, 1] },
    });
    expect((await c.state((x) => x.camera.status?.available === true)).camera.status?.message).toMatch(/1 console connected/);
    expect(server.hub.extensions.some((e) => e instanceof StudioExtension)).toBe(true);
  });

  it('opens a film, shoots by voice and by button (each frame rendered by the console at the requested size), and serves the frames over HTTP', async () => {
    let from = c.mark();
    c.send({ type: 'studio_open', name: 'hulk-smash' });
    let s = await c.state((x) => x.session?.name === 'hulk-smash', from);
    expect(s.session).toMatchObject({ frameUrl: 'studio/hulk-smash/', fps: 12, frames: [] });
    expect(s.sessions).toEqual(['hulk-smash']);

    from = c.mark();
    c.send({ type: 'say', text: 'take a picture' });
    expect(await c.reply(from)).toBe('Frame 1 saved.');
    s = await c.state((x) => x.session?.frames.length === 1, from);
    expect(s.session!.frames[0]).toMatchObject({ id: 1, file: 'frames/000001.png', width: 960, height: 540, skill: null });
    const capture = await c.next('studio_capture', () => true, 20_000, from);
    expect(capture).toMatchObject({ width: 960, height: 540 });

    from = c.mark();
    c.send({ type: 'studio_shoot' });
    expect(await c.reply(from)).toBe('Frame 2 saved.');
    expect((await c.next('dialogue', (m) => m.entry.role === 'user', 20_000, from)).entry.text).toBe('(pressed Shoot)');
    await c.state((x) => x.session?.frames.length === 2, from);

    // The frame files: PNG, the rendered size, stored with the pose of the arm.
    const res = await get('studio/hulk-smash/frames/000002.png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(pngSize(new Uint8Array(await res.arrayBuffer()))).toEqual({ width: 960, height: 540 });
    const meta = JSON.parse(readFileSync(join(dataDir, 'studio', 'hulk-smash', 'studio.json'), 'utf8')) as StudioMeta;
    const tool = app.ik.chain.pose(app.backend.jointState().position);
    expect(meta.frames[1].camera!.position[0]).toBeCloseTo(tool.position[0], 4);

    // Only PNG files inside a film's frames folder; no way out of it.
    for (const bad of [
      'studio/hulk-smash/studio.json',
      'studio/hulk-smash/frames/%2e%2e%2fstudio.json',
      'studio/..%2f..%2fpackage.json',
      'studio/hulk-smash/frames/000099.png',
      'studio/hulk-smash/frames/000001.PNG',
      'studio/%2e%2e/frames/000001.png',
      'studio/',
    ])
      expect((await get(bad)).status, bad).toBe(404);
    expect(studioFrameFile('/data', '/studio/a/frames/../../x.png')).toBeNull();
    expect(studioFrameFile('/data', '/studio/a/frames/000001.png')).toEqual({ root: resolve('/data/studio/a/frames'), rel: '000001.png' });
    expect(c.invalid).toEqual([]);
  });

  it('refuses a render of the wrong size, a non-PNG and a failed render with a clear error; nothing is stored', async () => {
    for (const [render, why] of [
      ['wrong-size', "the console's wrist-camera frame was refused: the image is 640×360, not the requested 960×540"],
      ['not-png', "the console's wrist-camera frame was refused: the image is not a PNG"],
      ['fail', 'the console could not render the wrist camera: WebGL context lost'],
    ] as const) {
      c.render = render;
      const from = c.mark();
      c.send({ type: 'say', text: 'shoot' });
      expect(await c.reply(from)).toBe(`I couldn't take the picture: ${why}.`);
      if (render !== 'fail')
        expect((await c.next('error', (m) => m.re === 'studio_frame', 20_000, from)).message).toMatch(
          /^wrist-camera frame refused: the image (is 640×360|is not a PNG)/,
        );
    }
    c.render = 'ok';
    const files = (JSON.parse(readFileSync(join(dataDir, 'studio', 'hulk-smash', 'studio.json'), 'utf8')) as StudioMeta).frames;
    expect(files.length).toBe(2);
  });

  it('deletes and moves frames from the console and by voice', async () => {
    let from = c.mark();
    c.send({ type: 'studio_shoot' });
    await c.state((x) => x.session?.frames.length === 3, from);
    from = c.mark();
    c.send({ type: 'studio_move', id: 3, to: 0 });
    expect((await c.state((x) => x.session?.frames[0].id === 3, from)).session!.frames.map((f) => f.id)).toEqual([3, 1, 2]);
    from = c.mark();
    c.send({ type: 'studio_delete', id: 1 });
    expect((await c.state((x) => x.session?.frames.length === 2, from)).session!.frames.map((f) => f.id)).toEqual([3, 2]);
    from = c.mark();
    c.send({ type: 'say', text: 'delete the last frame' });
    expect(await c.reply(from)).toBe('Deleted frame 2 of "hulk-smash"; 1 frame left.');
    from = c.mark();
    c.send({ type: 'studio_delete', id: 99 });
    expect((await c.next('error', (m) => m.re === 'studio_delete', 20_000, from)).message).toMatch(/no frame 99 in hulk-smash/);
    expect((await get('studio/hulk-smash/frames/000001.png')).status).toBe(404); // deleted frames are gone from disk too
  });

  it('a camera move over N frames holds each pose (waiting k/N) until a shoot, through the confirmed preview', async () => {
    const demo: unknown = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../skills/demonstration/examples/track-hulk.json'), 'utf8'),
    );
    await server.hub.say("I'll show you how to track around the hulk");
    await server.hub.serial(() => app.session.demonstrate(demo));
    await server.hub.say("that's it");
    let from = c.mark();
    c.send({ type: 'say', text: 'track around the tower over 3 frames' });
    const preview = await c.next('preview', (m) => m.preview.confirmable, 20_000, from);
    expect(preview.preview.plan).toEqual([{ skill: 'track', args: { target: 'TOWER' } }]);
    expect(preview.preview.frames).toBe(3);
    // Nothing moved and nothing waits before the confirm.
    expect((await c.state(() => true, 0)).move).toBeNull();
    from = c.mark();
    c.send({ type: 'confirm', previewId: preview.preview.id });
    let s = await c.state((x) => x.move !== null, from);
    expect(s.move).toEqual({ call: 'track(TOWER)', index: 1, total: 3, waiting: true });
    for (const k of [2, 3]) {
      from = c.mark();
      c.send({ type: 'studio_shoot' });
      // moving to pose k (not waiting), then holding it for the next shot
      await c.state((x) => x.move?.index === k && !x.move.waiting, from);
      s = await c.state((x) => x.move?.index === k && x.move.waiting, from);
      expect(s.move).toEqual({ call: 'track(TOWER)', index: k, total: 3, waiting: true });
      expect(s.session!.frames.at(-1)!.skill).toBe('track(TOWER)');
    }
    from = c.mark();
    c.send({ type: 'say', text: 'shoot' });
    expect(await c.reply(from)).toMatch(/^Frame \d+ saved\. That was the last of the 3 frames of track\(TOWER\)\.$/);
    expect((await c.state((x) => x.move === null, from)).session!.frames.slice(-3).map((f) => f.skill)).toEqual([
      'track(TOWER)',
      'track(TOWER)',
      'track(TOWER)',
    ]);

    // The console's Cancel ends a split move too.
    from = c.mark();
    c.send({ type: 'say', text: 'track around loki over 2 frames' });
    const again = await c.next('preview', (m) => m.preview.confirmable && m.preview.frames === 2, 20_000, from);
    c.send({ type: 'confirm', previewId: again.preview.id });
    await c.state((x) => x.move?.total === 2, from);
    from = c.mark();
    c.send({ type: 'cancel' });
    await c.state((x) => x.move === null, from);
  });

  it('a second console gets the state on connect; with no console at all the shot fails with what to do', async () => {
    const other = new Console(server.consoleUrl);
    await other.open();
    const s = await other.state((x) => x.session !== null);
    expect(s.session!.name).toBe('hulk-smash');
    other.close();
    c.close();
    const t0 = Date.now();
    while (server.hub.clients.size > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    const res = await fetch(new URL('api/say', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ text: 'shoot' }),
    });
    const turn = (await res.json()) as { kind: string; reply: string };
    expect(turn.kind).toBe('error');
    expect(turn.reply).toBe(`I couldn't take the picture: ${NO_CONSOLE}.`);
  });
});
