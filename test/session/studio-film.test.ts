/**
 * Issue 7, acceptance 2: a scripted stop-motion session on the MuJoCo sim teaches `track` and
 * `zoom_in` by demonstration, shoots 48 frames across two subjects with camera moves split into
 * frames ("track around the tower over 24 frames", "push in on Loki over 24 frames"), and
 * exports an MP4 whose frame count ffprobe confirms; the film keeps its frames when re-opened.
 *
 * The camera is a FakeCamera (test/fakes): the sim's real wrist camera needs a console to
 * render it (that path is tested in test/server/studio.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';
import { exportFilm } from '../../studio/film.js';
import { runScript, type TurnReport } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';
import type { Preview } from '../../session/session.js';
import { StudioController } from '../../server/studio-controller.js';
import { StudioSession } from '../../studio/session.js';
import type { JointTrajectory } from '../../robot-bridge/types.js';
import { quatAngle } from '../../model/math/transform.js';
import { FakeCamera } from '../fakes/fake-camera.js';

const EXAMPLES = resolve(import.meta.dirname, '../../skills/demonstration/examples');
const TEACH = [
  "I'll show you how to track around the hulk",
  `!demo ${join(EXAMPLES, 'track-hulk.json')}`,
  "that's it",
  "I'll show you how to zoom in on the hulk",
  `!demo ${join(EXAMPLES, 'zoom-hulk.json')}`,
  "that's it",
];
const shoots = (n: number) => Array.from({ length: n }, () => 'shoot');

let apps: SimApp[] = [];
afterEach(async () => {
  for (const a of apps) await a.dispose();
  apps = [];
});

async function studioApp(dir: string): Promise<{ app: SimApp; studio: StudioController; camera: FakeCamera }> {
  const app = await createApp({ scene: 'stopmotion', dataDir: dir });
  apps.push(app);
  const camera = new FakeCamera();
  const studio = new StudioController({ dataDir: dir, camera, backend: app.backend, chain: app.ik.chain, scene: 'stopmotion' }).attach(
    app.session,
  );
  return { app, studio, camera };
}

const script = (app: SimApp, lines: string[], dir: string) => runScript(app, parseScript(lines.join('\n'), join(dir, 'film.txt')));

/** The camera move of a preview: the last trajectory of its last step. */
function cameraMove(p: Preview): JointTrajectory {
  const step = p.compiled[p.compiled.length - 1];
  const trajs = step.motions.filter((m) => m.kind === 'trajectory');
  return trajs[trajs.length - 1].trajectory;
}

/** Linear interpolation of a trajectory's points at time t, s (independent of the code under test). */
function lerpAt(traj: JointTrajectory, t: number): number[] {
  const p = traj.points;
  let k = 0;
  while (k < p.length - 2 && p[k + 1].timeFromStart < t) k++;
  const u = Math.min(1, Math.max(0, (t - p[k].timeFromStart) / (p[k + 1].timeFromStart - p[k].timeFromStart)));
  return p[k].positions.map((v, i) => v + u * (p[k + 1].positions[i] - v));
}

function countFrames(file: string): number {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}

function expectShots(turns: TurnReport[], total: number, call: string): void {
  expect(turns).toHaveLength(total);
  turns.forEach((t, k) => {
    expect(t.kind).toBe('plan');
    if (k < total - 1) expect(t.reply).toMatch(new RegExp(`^Frame \\d+ saved\\. The camera is at pose ${k + 2} of ${total}\\.$`));
    else
      expect(t.reply).toMatch(
        new RegExp(`^Frame \\d+ saved\\. That was the last of the ${total} frames of ${call.replace(/[()]/g, '\\$&')}\\.$`),
      );
  });
}

describe('the stop-motion studio, scripted', () => {
  it('teaches track and zoom_in, shoots 48 frames over two split camera moves on the previewed paths, and exports a 48-frame MP4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-studio-film-'));
    const { app, studio, camera } = await studioApp(dir);
    const previews: Preview[] = [];
    const moves: string[] = [];
    app.session.subscribe((e) => {
      if (e.type === 'preview' && e.preview.frames) previews.push(e.preview);
      if (e.type === 'frame_move') moves.push(`${e.status} ${e.index}/${e.total}`);
    });

    const taught = await script(app, [...TEACH, 'new film called avengers'], dir);
    expect(taught.map((t) => t.kind)).toEqual(['plan', 'plan', 'taught', 'plan', 'plan', 'taught', 'plan']);
    expect(app.registry.has('track') && app.registry.has('zoom_in')).toBe(true);
    expect(taught[6].reply).toBe('New film "avengers": say "shoot" to take its first frame.');

    // Camera move 1: the tracking shot around the tower, 24 frames.
    const track = await script(app, ['track around the tower over 24 frames', ...shoots(24)], dir);
    expect(track[0]).toMatchObject({ plan: [{ skill: 'track', args: { target: 'TOWER' } }], executed: true, outcome: 'succeeded' });
    expect(track[0].notes).toContain('the camera holds pose 1 of 24 of track(TOWER): say "shoot" to take each frame');
    expectShots(track.slice(1), 24, 'track(TOWER)');
    expect(studio.state().move).toBeNull();

    // Camera move 2: "push in on Loki" is zoom_in(LOKI), 24 frames.
    const push = await script(app, ['push in on Loki over 24 frames', ...shoots(24)], dir);
    expect(push[0]).toMatchObject({ plan: [{ skill: 'zoom_in', args: { target: 'LOKI' } }], executed: true, outcome: 'succeeded' });
    expectShots(push.slice(1), 24, 'zoom_in(LOKI)');

    expect(camera.captures).toHaveLength(48);
    expect(moves.filter((m) => m.startsWith('posed'))).toHaveLength(48);
    expect(moves.slice(0, 4)).toEqual(['posed 1/24', 'moving 2/24', 'posed 2/24', 'moving 3/24']);
    expect(moves.filter((m) => m.startsWith('ended'))).toEqual(['ended 24/24', 'ended 24/24']);
    const film = studio.film!;
    const frames = film.frames();
    expect(frames).toHaveLength(48);
    expect(frames.map((f) => f.skill)).toEqual([...Array<string>(24).fill('track(TOWER)'), ...Array<string>(24).fill('zoom_in(LOKI)')]);
    expect(frames[5].note).toBe('pose 6 of 24');

    // Every stored camera pose differs, and pose k is the previewed trajectory at (k-1)/(N-1).
    expect(previews).toHaveLength(2);
    const keys = new Set(frames.map((f) => f.camera!.position.map((v) => v.toFixed(4)).join(',')));
    expect(keys.size).toBe(48);
    const chain = app.ik.chain;
    let worst = 0,
      worstAngle = 0;
    previews.forEach((p, m) => {
      const traj = cameraMove(p);
      const T = traj.points[traj.points.length - 1].timeFromStart;
      for (let k = 0; k < 24; k++) {
        const want = chain.pose(lerpAt(traj, (T * k) / 23));
        const got = frames[m * 24 + k].camera!;
        worst = Math.max(worst, Math.hypot(...got.position.map((v, i) => v - want.position[i])));
        worstAngle = Math.max(worstAngle, quatAngle(got.quaternion, want.quaternion));
        if (k > 0) {
          const prev = frames[m * 24 + k - 1].camera!;
          // The moves ease in and out (the DMP's bell-shaped speed), so neighbours at the ends are close.
          expect(Math.hypot(...got.position.map((v, i) => v - prev.position[i]))).toBeGreaterThan(0.00005); // m
        }
      }
    });
    expect(worst).toBeLessThan(0.003); // m
    expect(worstAngle).toBeLessThan(0.02); // rad

    // A playable MP4 with every frame.
    const out = join(dir, 'avengers.mp4');
    const r = await exportFilm(film.dir, { out, fps: 12 });
    expect(r).toMatchObject({ format: 'mp4', frames: 48, width: 160, height: 90 });
    expect(countFrames(out)).toBe(48);

    // Closing and re-opening keeps the 48 frames, also after a restart.
    studio.closeFilm();
    expect(studio.state().session).toBeNull();
    expect(studio.openFilm('avengers')).toMatchObject({ created: false });
    expect(studio.film!.frameCount).toBe(48);
    await app.dispose();
    apps = [];
    const again = await studioApp(dir);
    expect(again.studio.sessions()).toEqual(['avengers']);
    const resumed = await script(again.app, ['open film avengers'], dir);
    expect(resumed[0].reply).toBe('Opened the film "avengers" with 48 frames; the next one is frame 49.');
    expect(
      StudioSession.open(join(dir, 'studio', 'avengers'), { create: false })
        .frames()
        .map((f) => f.id),
    ).toEqual(frames.map((f) => f.id));
  });

  it('stop ends a split move, cancel ends it too, and the camera never leaves the confirmed path for another plan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-studio-stop-'));
    const { app, studio } = await studioApp(dir);
    const t = await script(app, [...TEACH.slice(0, 3), 'track around the tower over 6 frames', 'shoot', 'go home', 'stop', 'shoot'], dir);
    expect(t[3]).toMatchObject({ outcome: 'succeeded' });
    expect(t[4].reply).toMatch(
      /^Frame 1 saved\. It is the first frame of a new film, "film-\d{4}-\d\d-\d\d" \(say "new film called …" to name one yourself\)\. The camera is at pose 2 of 6\.$/,
    );
    expect(t[5]).toMatchObject({ kind: 'question', executed: false });
    expect(t[5].reply).toBe(
      'The camera is holding pose 2 of 6 of track(TOWER). Say "shoot" to take this frame, or "cancel" to end the move first.',
    );
    expect(t[6].reply).toBe('Stopping.');
    expect(app.session.frameMove).toBeNull();
    expect(studio.state().move).toBeNull();
    // A shoot after the move ended is a plain frame where the camera is.
    expect(t[7].reply).toBe('Frame 2 saved.');
    expect(studio.film!.frames().map((f) => f.skill)).toEqual(['track(TOWER)', 'track(TOWER)']);

    const c = await script(app, ['track around loki over 3 frames', 'cancel', 'delete the last frame', 'cancel'], dir);
    expect(c[0]).toMatchObject({ outcome: 'succeeded' });
    expect(studio.state().move).toBeNull();
    expect(c[1].reply).toBe('Okay. The track(LOKI) move ended at pose 1 of 3.');
    expect(c[2].reply).toMatch(/^Deleted frame 2 of "film-[\d-]+"; 1 frame left\.$/);
    expect(c[3].reply).toBe('There was nothing to cancel.');
  });

  it('refuses what it cannot do, with the reason: no studio in a script, bad frame counts, several moves at once, a failing camera', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-studio-refuse-'));
    const bare = await createApp({ scene: 'stopmotion' });
    apps.push(bare);
    const none = await script(bare, ['take a picture', 'delete the last frame'], dir);
    expect(none[0]).toMatchObject({ kind: 'error', failure: 'no stop-motion studio' });
    expect(none[0].reply).toMatch(
      /The sim's wrist camera is rendered by the operator console, so run `shammie start`, open the console URL, and shoot there/,
    );
    expect(none[1].kind).toBe('error');

    const { app, studio, camera } = await studioApp(dir);
    const t = await script(
      app,
      [
        ...TEACH.slice(0, 3),
        'track around the tower over 1 frames',
        'track around the tower and go home over 5 frames',
        'go home over 5 frames',
      ],
      dir,
    );
    expect(t[3]).toMatchObject({ kind: 'question' });
    expect(t[3].reply).toMatch(/I can't shoot that over 1 frames: a move can be split into 2 to 1000 frames, not 1\./);
    expect(t[4].reply).toMatch(/one camera move at a time/);
    // The arm is home already: nothing to pose.
    expect(t[5]).toMatchObject({ kind: 'question', executed: false });
    expect(t[5].reply).toBe("I can't shoot that over 5 frames: go_home() does not move the camera, so it cannot be split into frames.");

    camera.fail = 'the lens cap is on';
    const f = await script(app, ['track around the tower over 4 frames', 'shoot'], dir);
    expect(f[1]).toMatchObject({ kind: 'error', failure: 'the lens cap is on' });
    expect(f[1].reply).toBe('I couldn\'t take the picture: the lens cap is on. The camera holds pose 1 of 4; say "shoot" to try again.');
    camera.fail = null;
    const ok = await script(app, ['snap'], dir);
    expect(ok[0].reply).toMatch(/^Frame 1 saved\..* The camera is at pose 2 of 4\.$/);
    expect(studio.state()).toMatchObject({ move: { call: 'track(TOWER)', index: 2, total: 4, waiting: true }, capturing: false });
  });
});
