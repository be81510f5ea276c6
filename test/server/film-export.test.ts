/**
 * Film export from the console through the real session server (server/film-export.ts): a
 * stop-motion film shot by a protocol client that renders the wrist camera, exported as MP4 and
 * GIF with ffmpeg over POST /api/film/export, its progress and status polled, and the file
 * downloaded from the link the status gives. Needs ffmpeg (Debian: apt-get install ffmpeg).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage, StudioState } from '../../server/protocol.js';
import { filmExportFile, type FilmExportStatus } from '../../server/film-export.js';
import { testPattern } from '../../studio/png.js';
import { openTestServer, TestClient, type TestServer } from './ws-client.js';

class Console extends TestClient {
  renders = 0;
  protected override onMessage(m: ServerMessage): void {
    if (m.type === 'studio_capture')
      void this.upload({
        type: 'studio_frame',
        requestId: m.requestId,
        png: testPattern(m.width, m.height, ++this.renders).toString('base64'),
      });
  }
  state(pred: (s: StudioState) => boolean, from = 0): Promise<StudioState> {
    return this.next('studio_state', (m) => pred(m.studio), 20_000, from).then((m) => m.studio);
  }
}

describe('film export from the console', () => {
  let t: TestServer<Console>;
  const auth = () => ({ authorization: `Bearer ${t.server.token}` });
  const status = async () =>
    (await (await fetch(new URL('api/film/export', t.server.url), { headers: auth() })).json()) as FilmExportStatus;
  const start = (body: unknown) =>
    fetch(new URL('api/film/export', t.server.url), {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await openTestServer({ app: { scene: 'stopmotion' }, server: { voice: false }, client: (url) => new Console(url) });
  }, 60_000);
  afterAll(() => t?.close());

  it('refuses with no film open, and refuses a bad format', async () => {
    expect(await status()).toMatchObject({ state: 'idle', film: null });
    const none = await start({ format: 'mp4' });
    expect(none.status).toBe(409);
    expect(((await none.json()) as { error: string }).error).toMatch(/no film is open/);
    const bad = await start({ format: 'avi' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/"format": "mp4"/);
    // Without the token: nothing.
    expect((await fetch(new URL('api/film/export', t.server.url))).status).toBe(401);
  });

  it('exports the open film (a name with spaces) as MP4 and GIF, with progress, and serves each as a download', async () => {
    const c = t.c;
    let from = c.mark();
    c.send({ type: 'studio_open', name: 'hulk smash' });
    await c.state((x) => x.session !== null, from);
    for (let n = 1; n <= 3; n++) {
      from = c.mark();
      c.send({ type: 'studio_shoot' });
      await c.state((x) => x.session?.frames.length === n, from);
    }
    for (const [format, magic] of [
      ['mp4', (b: Buffer) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
      ['gif', (b: Buffer) => b.subarray(0, 6).toString('latin1') === 'GIF89a'],
    ] as const) {
      const res = await start({ format });
      expect(res.status).toBe(202);
      expect((await res.json()) as FilmExportStatus).toMatchObject({ state: 'running', film: 'hulk-smash', format });
      // A second export while one runs is refused with the film it waits for.
      const again = await start({ format });
      if (again.status === 409) expect(((await again.json()) as { error: string }).error).toMatch(/being exported/);
      let s = await status();
      const t0 = Date.now();
      while (s.state === 'running' && Date.now() - t0 < 60_000) {
        await new Promise((r) => setTimeout(r, 100));
        s = await status();
      }
      expect(s).toMatchObject({
        state: 'done',
        film: 'hulk-smash',
        format,
        done: 3,
        total: 3,
        url: `studio/hulk-smash/exports/hulk-smash.${format}`,
      });
      const file = await fetch(new URL(s.url!, t.server.url), { headers: auth() });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toBe(`attachment; filename="hulk-smash.${format}"`);
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(bytes.length).toBe(s.bytes);
      expect(magic(bytes)).toBe(true);
    }
  }, 120_000);

  it('serves only export files of a film folder', () => {
    expect(filmExportFile('/data', '/studio/hulk-smash/exports/hulk-smash.mp4')).toEqual({
      root: '/data/studio/hulk-smash/exports',
      rel: 'hulk-smash.mp4',
    });
    for (const p of [
      '/studio/../x/exports/a.mp4',
      '/studio/a/exports/../../b.mp4',
      '/studio/a/exports/a.txt',
      '/studio/a/frames/000001.png',
    ])
      expect(filmExportFile('/data', p)).toBeNull();
  });
});
