/**
 * Recordings on disk (server/recordings.ts): quotas for one recording and for the folder, and
 * honest writes on a full disk (the fake disk of test/fakes/full-disk.ts under the real code).
 * Reproductions of issue 13: "50 save_recording messages wrote 152 MB in 10 s; there is no
 * quota" and "a recording [on a full disk] leaves a 0-byte full.json".
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { RECORDING_LIMITS, RecordingError, saveRecording, type RecordingFile } from '../../server/recordings.js';
import type { RecordingSample } from '../../server/protocol.js';
import { fullDisk } from '../fakes/full-disk.js';

vi.mock('node:fs', async (orig) => (await import('../fakes/full-disk.js')).withFullDisk(await orig()));

const model = loadRobotModel('panda');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'shammie-recordings-'));
  dirs.push(d);
  return join(d, 'recordings');
};
afterEach(() => {
  fullDisk.free();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** n samples at the console's 30 Hz, every joint inside its limits (radians), gripper open 4 cm. */
function demo(n: number): RecordingSample[] {
  const mid = model.arm.map((j) => (j.lower + j.upper) / 2);
  return Array.from({ length: n }, (_, i) => ({
    t: i / 30,
    q: mid.map((v, k) => v + 0.3 * Math.sin(i / 50 + k)),
    gripper: 0.04,
  }));
}

const folderBytes = (dir: string) => readdirSync(dir).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);

describe('recording quotas', () => {
  it('saving the largest recordings again and again stops at the folder quota, saying what to delete', () => {
    const dir = tmp();
    const samples = demo(RECORDING_LIMITS.samples);
    let refusal: Error | null = null;
    let saved = 0;
    // 152 MB went to disk in the reproduction; the loop is capped beyond the quota (~50 saves).
    for (let i = 0; i < 80 && !refusal; i++) {
      try {
        const r = saveRecording(dir, model, 'wave', samples);
        expect(statSync(r.path).size).toBeLessThanOrEqual(RECORDING_LIMITS.fileBytes);
        saved++;
      } catch (err) {
        refusal = err as Error;
      }
    }
    expect(refusal).toBeInstanceOf(RecordingError);
    expect(refusal!.message).toMatch(
      /the folder may hold at most 100\.0 MB\. Delete recordings you no longer need from .*recordings \(oldest: wave\.json/,
    );
    expect(folderBytes(dir)).toBeLessThanOrEqual(RECORDING_LIMITS.folderBytes);
    expect(readdirSync(dir)).toHaveLength(saved);
    // The largest recording still reads back whole.
    const file = JSON.parse(readFileSync(join(dir, 'wave_2.json'), 'utf8')) as RecordingFile;
    expect(file.samples).toHaveLength(RECORDING_LIMITS.samples);
    expect(file.samples[1].q).toEqual(samples[1].q.map((v) => Math.round(v * 1e6) / 1e6));
  }, 60_000);

  it('refuses one recording beyond the sample, duration, size and file-count limits', () => {
    const dir = tmp();
    expect(() => saveRecording(dir, model, 'long', demo(RECORDING_LIMITS.samples + 1))).toThrow(
      /at most 20000 samples; this one has 20001/,
    );
    const slow = demo(3).map((s, i) => ({ ...s, t: i * 1000 }));
    expect(() => saveRecording(dir, model, 'slow', slow)).toThrow(/may last at most 1800 s/);
    expect(() => saveRecording(dir, model, 'big', demo(2000), { limits: { fileBytes: 10_000 } })).toThrow(
      /would take 2\d\d KB; one recording may take at most 10 KB/,
    );
    for (let i = 0; i < 3; i++) saveRecording(dir, model, 'take', demo(10), { limits: { files: 3 } });
    expect(() => saveRecording(dir, model, 'take', demo(10), { limits: { files: 3 } })).toThrow(
      /holds 3 files, the most it may hold is 3\. Delete recordings you no longer need .*oldest: take\.json/,
    );
    expect(readdirSync(dir).sort()).toEqual(['take.json', 'take_2.json', 'take_3.json']);
  });

  it('leaves the disk its reserve', () => {
    const dir = tmp();
    const freeBytes = () => 64 * 1024 * 1024 + 1000;
    expect(() => saveRecording(dir, model, 'w', demo(100), { freeBytes })).toThrow(
      /only 64\.0 MB are free on the disk holding .*less than 64\.0 MB would be left\. Free disk space/,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(saveRecording(dir, model, 'w', demo(100), { freeBytes: () => null }).samples).toBe(100);
  });
});

describe('recordings on a full disk', () => {
  it('a full disk leaves no 0-byte or half full.json, and the error says to free space', () => {
    const dir = tmp();
    saveRecording(dir, model, 'before', demo(30));
    const before = readFileSync(join(dir, 'before.json'));
    for (const room of [0, 500]) {
      fullDisk.fill(dir, room);
      let error: Error | undefined;
      try {
        saveRecording(dir, model, 'full', demo(300));
      } catch (err) {
        error = err as Error;
      }
      expect(existsSync(join(dir, 'full.json'))).toBe(false);
      expect(readdirSync(dir)).toEqual(['before.json']); // no temp file left behind either
      expect(error?.message).toMatch(
        /the disk is full: the recording "full" could not be saved to .*full\.json \(ENOSPC.*\); nothing was written\. Free disk space, then save again\./,
      );
    }
    expect(readFileSync(join(dir, 'before.json'))).toEqual(before);
    fullDisk.free();
    const r = saveRecording(dir, model, 'full', demo(300));
    expect((JSON.parse(readFileSync(r.path, 'utf8')) as RecordingFile).samples).toHaveLength(300);
  });
});
