// Stop-motion sessions on disk (frames + metadata, resume) and `shammie film export` via ffmpeg.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { exportFilm, filmCommand } from '../../studio/film.js';
import { main } from '../../launch/cli.js';
import { encodePng, pngSize, StudioSession, testPattern, type StudioMeta } from '../../studio/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'shammie-film-test-'));
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

/** Frames ffprobe decodes from a video (or GIF). */
function countFrames(file: string): number {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}

function session(n: number, w = 64, h = 48): StudioSession {
  const s = StudioSession.open(join(tmp(), 'film'));
  for (let k = 0; k < n; k++)
    s.addFrame(testPattern(w, h, k), {
      skill: k % 2 ? 'track(TOWER)' : 'zoom_in(LOKI)',
      camera: { position: [0.5, 0.1 * k, 0.3], quaternion: [0, 0, 0, 1] },
    });
  return s;
}

function io() {
  const o = { out: '', err: '' };
  return {
    o,
    io: {
      out: (t: string) => {
        o.out += t;
      },
      err: (t: string) => {
        o.err += t;
      },
    },
  };
}

describe('stop-motion studio sessions', () => {
  it('stores frames with their camera pose and skill; delete and reorder; resume keeps everything', () => {
    const s = session(5);
    const ids = s.frames().map((f) => f.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(s.frames()[1]).toMatchObject({
      skill: 'track(TOWER)',
      camera: { position: [0.5, 0.1, 0.3] },
      width: 64,
      height: 48,
      file: 'frames/000002.png',
    });
    s.deleteFrame(3);
    s.moveFrame(5, 0);
    s.reorder([5, 2, 1, 4]);
    const inserted = s.addFrame(testPattern(64, 48, 9), { at: 1, skill: null });
    expect(inserted.id).toBe(6); // ids are never reused
    expect(existsSync(join(s.dir, 'frames/000003.png'))).toBe(false);

    const again = StudioSession.open(s.dir);
    expect(again.frames().map((f) => f.id)).toEqual([5, 6, 2, 1, 4]);
    expect(again.frames()[0].skill).toBe('zoom_in(LOKI)');
    expect(again.addFrame(testPattern(64, 48, 10)).id).toBe(7);
    expect(again.check()).toEqual({ missing: [], orphans: [] });
    // Atomic writes leave no temp files behind.
    expect(readdirSync(s.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(join(s.dir, 'frames')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses what is not a PNG or not a session, and reports orphans and missing files', () => {
    const s = session(2);
    expect(() => s.addFrame(Buffer.from('not a png'))).toThrow(/must be a PNG/);
    expect(() => s.reorder([1])).toThrow(/every frame id exactly once/);
    expect(() => s.deleteFrame(42)).toThrow(/no frame 42/);
    expect(() => StudioSession.open(join(tmp(), 'nothing'), { create: false })).toThrow(/no stop-motion session/);
    writeFileSync(join(s.dir, 'frames/000099.png'), testPattern(8, 8, 0)); // as left by a crash
    unlinkSync(join(s.dir, 'frames/000001.png'));
    expect(StudioSession.open(s.dir).check()).toEqual({ missing: [1], orphans: ['frames/000099.png'] });
    expect(pngSize(encodePng(3, 2, new Uint8Array(3 * 2 * 4), 4))).toEqual({ width: 3, height: 2 });
  });
});

describe.skipIf(!hasFfmpeg)('film export (ffmpeg)', () => {
  it('exports N frames to an H.264 MP4 whose frame count ffprobe confirms, and to a GIF', async () => {
    const s = session(12, 65, 49); // odd sizes: padded to even for yuv420p
    const dir = tmp();
    const mp4 = await exportFilm(s.dir, { out: join(dir, 'film.mp4'), fps: 12 });
    expect(mp4).toMatchObject({ format: 'mp4', frames: 12, fps: 12, duration: 1, width: 65, height: 49 });
    expect(countFrames(mp4.out)).toBe(12);
    const info = execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,pix_fmt', '-of', 'csv=p=0', mp4.out],
      { encoding: 'utf8' },
    );
    expect(info.trim()).toBe('h264,yuv420p');

    const { o, io: cio } = io();
    expect(await filmCommand(['export', s.dir, '--fps', '6', '--out', join(dir, 'film.gif')], cio)).toBe(0);
    expect(o.out).toMatch(/wrote .*film\.gif: 12 frames, 65×49, 6 fps, 2\.0 s/);
    expect(countFrames(join(dir, 'film.gif'))).toBe(12);
    expect(readdirSync(dir).sort()).toEqual(['film.gif', 'film.mp4']); // no partial files
  });

  it("reports progress from ffmpeg's own reports, in frames, ending at all of them", async () => {
    const s = session(30, 64, 48);
    const seen: [number, number][] = [];
    await exportFilm(s.dir, { out: join(tmp(), 'film.mp4'), onProgress: (done, total) => seen.push([done, total]) });
    // ffmpeg reports at least once (its last report) before the exporter's closing call.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every(([d, t]) => t === 30 && d >= 0 && d <= 30)).toBe(true);
    expect(seen.at(-2)![0]).toBe(30);
    expect(seen.at(-1)).toEqual([30, 30]);
  });

  it('gives clear errors: empty session, bad flags, missing ffmpeg, mixed frame sizes', async () => {
    const dir = tmp();
    const empty = StudioSession.open(join(dir, 'empty'));
    await expect(exportFilm(empty.dir, { out: join(dir, 'a.mp4') })).rejects.toThrow(/has no frames yet/);
    const s = session(2);
    await expect(exportFilm(s.dir, { out: join(dir, 'a.avi') })).rejects.toThrow(/must end in \.mp4 or \.gif/);
    await expect(exportFilm(s.dir, { out: join(dir, 'a.mp4'), ffmpeg: join(dir, 'no-ffmpeg') })).rejects.toThrow(
      /ffmpeg was not found .*apt-get install ffmpeg/,
    );
    s.addFrame(testPattern(32, 32, 3));
    await expect(exportFilm(s.dir, { out: join(dir, 'a.mp4') })).rejects.toThrow(/frame 3 .* is 32×32 but the first frame is 64×48/);

    const { o, io: cio } = io();
    expect(await filmCommand(['export', s.dir, '--fps', 'fast', '--out', join(dir, 'a.mp4')], cio)).toBe(2);
    expect(o.err).toMatch(/--fps must be a number of frames per second/);
    expect(await filmCommand(['export', s.dir], cio)).toBe(2);
    expect(o.err).toMatch(/--out FILE is required/);
    expect(await filmCommand(['export', join(dir, 'nope'), '--out', join(dir, 'a.mp4')], cio)).toBe(2);
    expect(o.err).toMatch(/no stop-motion session at/);
    expect(await filmCommand(['export', s.dir, '--out', join(dir, 'a.mp4'), '--bogus'], cio)).toBe(2);
    expect(readdirSync(dir)).toEqual(['empty']);
    // The top-level CLI routes `film` here.
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['film', 'info', join(dir, 'empty')])).toBe(0);
      expect(String(write.mock.calls[0][0])).toMatch(/"frames": 0/);
    } finally {
      write.mockRestore();
    }
    expect((JSON.parse(readFileSync(join(dir, 'empty', 'studio.json'), 'utf8')) as StudioMeta).frames).toEqual([]);
  });
});
