/**
 * StudioController without the sim: films under <dataDir>/studio, the day's film opened by the
 * first shoot, frames stored with the tool pose and the call that posed the camera, the state
 * the consoles see, and one capture at a time.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioStateSchema } from '../../server/protocol-studio.js';
import type { SessionEvent, StudioHooks } from '../../session/session.js';
import { StudioController } from '../../server/studio-controller.js';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { KinematicChain } from '../../skills/kinematics/index.js';
import { testPattern } from '../../studio/png.js';
import { FakeCamera } from '../fakes/fake-camera.js';

const model = loadRobotModel('panda');
const chain = new KinematicChain(model);
const NOW = new Date(2026, 10, 26, 14, 32);

/** The parts of a Session the controller uses, with events a test can emit. */
function fakeSession() {
  const listeners = new Set<(e: SessionEvent) => void>();
  const s = {
    studio: null as StudioHooks | null,
    frameMove: null,
    useStudio(h: StudioHooks | null) {
      s.studio = h;
    },
    subscribe(l: (e: SessionEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(e: SessionEvent) {
      for (const l of listeners) l(e);
    },
  };
  return s;
}

function setup(o: { delayMs?: number; totalBytes?: number } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'shammie-studio-ctl-'));
  const q = [...model.home];
  const camera = new FakeCamera({ width: 64, height: 36, delayMs: o.delayMs });
  const session = fakeSession();
  const studio = new StudioController({
    dataDir,
    camera,
    backend: { jointState: () => ({ stamp: 0, name: [...model.jointNames], position: q, velocity: [], effort: [] }) },
    chain,
    scene: 'stopmotion',
    now: () => NOW,
    ...(o.totalBytes ? { limits: { totalBytes: o.totalBytes } } : {}),
  }).attach(session);
  return { dataDir, q, camera, session, studio };
}

describe('StudioController', () => {
  it("the first shoot opens the day's film; frames keep the tool pose and the call that posed the camera", async () => {
    const { studio, session, q, dataDir } = setup();
    expect(session.studio).toBe(studio);
    expect(studio.state()).toMatchObject({ session: null, sessions: [], move: null, capturing: false });
    expect(await studio.shoot({ posedBy: 'track(TOWER)', note: 'pose 1 of 3' })).toBe(
      'Frame 1 saved. It is the first frame of a new film, "film-2026-11-26" (say "new film called …" to name one yourself).',
    );
    q[0] += 0.2;
    expect(await studio.shoot({ posedBy: null })).toBe('Frame 2 saved.');
    const frames = studio.film!.frames();
    expect(frames.map((f) => [f.skill, f.note ?? null])).toEqual([
      ['track(TOWER)', 'pose 1 of 3'],
      [null, null],
    ]);
    const want = chain.pose(q);
    expect(frames[1].camera!.position.map((v, i) => v - want.position[i]).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    expect(frames[1].camera!.position).not.toEqual(frames[0].camera!.position);
    expect(studio.film!.meta().scene).toBe('stopmotion');
    expect(existsSync(join(dataDir, 'studio', 'film-2026-11-26', 'frames', '000002.png'))).toBe(true);

    // Another controller (a restart) resumes the day's film on its first shoot.
    const again = new StudioController({
      dataDir,
      camera: new FakeCamera({ width: 64, height: 36 }),
      backend: { jointState: () => ({ stamp: 0, name: [], position: q, velocity: [], effort: [] }) },
      chain,
      now: () => NOW,
    });
    expect(await again.shoot({ posedBy: null })).toBe('Frame 3 saved (in today\'s film "film-2026-11-26", resumed).');
  });

  it('opens named and fresh films, lists them, and keeps the state the consoles parse', async () => {
    const { studio, session, dataDir } = setup();
    expect(await studio.open('hulk-smash')).toBe('New film "hulk-smash": say "shoot" to take its first frame.');
    await studio.shoot({ posedBy: null });
    expect(await studio.open(null)).toBe('New film "film-2026-11-26-1432": say "shoot" to take its first frame.');
    expect(await studio.open(null)).toBe('New film "film-2026-11-26-1432-2": say "shoot" to take its first frame.'); // never an old one
    expect(await studio.open('film-2026-11-26-1432')).toBe(
      'Opened the film "film-2026-11-26-1432" with 0 frames; the next one is frame 1.',
    );
    expect(await studio.open('hulk-smash')).toBe('Opened the film "hulk-smash" with 1 frame; the next one is frame 2.');
    mkdirSync(join(dataDir, 'studio', 'not-a-film'));
    writeFileSync(join(dataDir, 'studio', 'stray.txt'), 'x');
    expect(studio.sessions()).toEqual(['film-2026-11-26-1432', 'film-2026-11-26-1432-2', 'hulk-smash']);
    expect(() => studio.openFilm('../escape')).toThrow(/can't be a film name/);

    let changes = 0;
    studio.onChange(() => changes++);
    session.emit({ type: 'frame_move', status: 'posed', call: 'zoom_in(LOKI)', index: 2, total: 24, t: 0 });
    const s = studio.state();
    expect(changes).toBe(1);
    expect(studioStateSchema.parse(s)).toEqual(s);
    expect(s).toMatchObject({
      session: {
        name: 'hulk-smash',
        frameUrl: 'studio/hulk-smash/',
        fps: 12,
        frames: [{ id: 1, file: 'frames/000001.png', width: 64, height: 36 }],
      },
      move: { call: 'zoom_in(LOKI)', index: 2, total: 24, waiting: true },
      camera: { kind: 'sim', fovY: 45, width: 64, height: 36, status: { available: true } },
    });
    session.emit({ type: 'frame_move', status: 'moving', call: 'zoom_in(LOKI)', index: 3, total: 24, t: 0 });
    expect(studio.state().move).toEqual({ call: 'zoom_in(LOKI)', index: 3, total: 24, waiting: false });
    session.emit({ type: 'frame_move', status: 'ended', call: 'zoom_in(LOKI)', index: 3, total: 24, reason: 'stopped', t: 0 });
    expect(studio.state().move).toBeNull();
    expect(await studio.deleteLast()).toBe('Deleted frame 1 of "hulk-smash"; 0 frames left.');
    expect(await studio.deleteLast()).toBe('The film "hulk-smash" has no frames yet.');
    studio.closeFilm();
    expect(await studio.deleteLast()).toMatch(/^No film is open/);
    studio.dispose();
    expect(session.studio).toBeNull();
  });

  it('takes one picture at a time, says so in the state while it does, and saves nothing when the camera fails', async () => {
    const { studio, camera } = setup({ delayMs: 30 });
    await studio.open('one-at-a-time');
    const seen: boolean[] = [];
    studio.onChange(() => seen.push(studio.state().capturing));
    const both = await Promise.all([studio.shoot({ posedBy: null }), studio.shoot({ posedBy: null })]);
    expect(both).toEqual(['Frame 1 saved.', 'Frame 2 saved.']);
    expect(camera.captures[1].at - camera.captures[0].at).toBeGreaterThanOrEqual(25); // the second waited for the first
    expect(seen).toContain(true);
    expect(studio.state().capturing).toBe(false);
    camera.fail = 'the lens cap is on';
    await expect(studio.shoot({ posedBy: null })).rejects.toThrow('the lens cap is on');
    expect(studio.film!.frameCount).toBe(2);
  });

  it('all films together stay within the studio quota; the refusal names the largest films, and deleting one makes room', async () => {
    // The fake camera's k-th picture is testPattern(64, 36, k); an old film holds 10,000 bytes.
    const old = 10_000;
    const { studio, dataDir } = setup({ totalBytes: old + testPattern(64, 36, 1).length + testPattern(64, 36, 2).length - 1 });
    mkdirSync(join(dataDir, 'studio', 'old-film', 'frames'), { recursive: true });
    writeFileSync(join(dataDir, 'studio', 'old-film', 'frames', '000001.png'), Buffer.alloc(old));
    await studio.open('new-film');
    expect(await studio.shoot({ posedBy: null })).toBe('Frame 1 saved.');
    await expect(studio.shoot({ posedBy: null })).rejects.toThrow(
      /^the studio folder .*studio holds 1\d KB of films and this frame needs \d KB more; all films together may hold at most 1\d KB\. Export the films you have finished \(shammie film export\) and delete their folders \(largest: old-film 10 KB, new-film \d KB\), then shoot again$/,
    );
    expect(studio.film!.frameCount).toBe(1);
    expect(existsSync(join(dataDir, 'studio', 'new-film', 'frames', '000002.png'))).toBe(false);
    rmSync(join(dataDir, 'studio', 'old-film'), { recursive: true });
    expect(await studio.shoot({ posedBy: null })).toBe('Frame 2 saved.');
  });
});
