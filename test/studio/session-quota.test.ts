/**
 * Quotas and honest writes for a film's frames (studio/session.ts): the frame size, the frames
 * and bytes of one film, the disk's reserve, and a full disk (the fake disk of
 * test/fakes/full-disk.ts under the real atomic writer).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STUDIO_LIMITS, StudioSession, testPattern } from '../../studio/index.js';
import { fullDisk } from '../fakes/full-disk.js';

vi.mock('node:fs', async (orig) => (await import('../fakes/full-disk.js')).withFullDisk(await orig()));

const dirs: string[] = [];
function film(opts: Parameters<typeof StudioSession.open>[1] = {}): StudioSession {
  const d = mkdtempSync(join(tmpdir(), 'shammie-quota-'));
  dirs.push(d);
  return StudioSession.open(join(d, 'film'), opts);
}
afterEach(() => {
  fullDisk.free();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const frame = (k: number) => testPattern(32, 24, k);
const pngs = (s: StudioSession) => readdirSync(join(s.dir, 'frames')).sort();

describe('film quotas', () => {
  it('refuses a frame larger than any camera sends, before writing anything', () => {
    const s = film();
    const huge = Buffer.concat([frame(0), Buffer.alloc(STUDIO_LIMITS.frameBytes + 1024 * 1024)]);
    expect(() => s.addFrame(huge)).toThrow(
      /the frame is 25\.0 MB; a frame may be at most 24\.0 MB\. Lower the camera's width and height\./,
    );
    expect(pngs(s)).toEqual([]);
    expect(s.frameCount).toBe(0);
  });

  it('refuses frames beyond the frame count and the bytes of a film, saying to export and start a new film', () => {
    const counted = film({ limits: { frames: 2 } });
    counted.addFrame(frame(1));
    counted.addFrame(frame(2));
    expect(() => counted.addFrame(frame(3))).toThrow(
      /the film "film" has 2 frames, the most a film may hold\. Export it \(shammie film export .*film --out film\.mp4\) and start a new film/,
    );

    const size = frame(1).length;
    const s = film({ limits: { filmBytes: 2 * size + size / 2 } });
    s.addFrame(frame(1));
    s.addFrame(frame(2));
    expect(() => s.addFrame(frame(3))).toThrow(
      /holds \d+ KB of frames and this frame needs \d+ KB more; a film may hold at most \d+ KB\. Export it .* or delete frames you no longer need\./,
    );
    expect(s.frameCount).toBe(2);
    expect(pngs(s)).toEqual(['000001.png', '000002.png']);
    // Deleting a frame (in the console, or its file by hand) makes room again.
    s.deleteFrame(1);
    expect(s.addFrame(frame(3)).id).toBe(3);
    unlinkSync(join(s.dir, 'frames', '000002.png'));
    expect(s.addFrame(frame(4)).id).toBe(4);
    expect(s.bytes).toBe(frame(3).length + frame(4).length);
  });

  it('leaves the disk its reserve', () => {
    const s = film({ freeBytes: () => STUDIO_LIMITS.reserveBytes + 100 });
    expect(() => s.addFrame(frame(1))).toThrow(
      /only 64\.0 MB are free on the disk holding .*less than 64\.0 MB would be left\. Free disk space/,
    );
    expect(pngs(s)).toEqual([]);
  });
});

describe('frames on a full disk', () => {
  it('a refused frame leaves the film as it was, and the error says to free disk space', () => {
    const s = film();
    s.addFrame(frame(1));
    const meta = readFileSync(s.metadataPath, 'utf8');
    fullDisk.fill(s.dir, 0);
    expect(() => s.addFrame(frame(2))).toThrow(
      /^the disk is full: could not save .*000002\.png: ENOSPC.*; the film is as it was before\. Free disk space .*then try again\.$/,
    );
    expect(pngs(s)).toEqual(['000001.png']);
    // Room for the PNG but not for the listing: the PNG stays an orphan, the listing is whole.
    fullDisk.fill(s.dir, frame(2).length + 20);
    expect(() => s.addFrame(frame(2))).toThrow(/the disk is full: could not save .*studio\.json: ENOSPC/);
    expect(readFileSync(s.metadataPath, 'utf8')).toBe(meta);
    expect(readdirSync(s.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    fullDisk.free();
    const again = StudioSession.open(s.dir);
    expect(again.check()).toEqual({ missing: [], orphans: ['frames/000002.png'] });
    expect(again.addFrame(frame(3)).id).toBe(2);
    expect(existsSync(join(s.dir, 'frames', '000002.png'))).toBe(true);
  });
});
