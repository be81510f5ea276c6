/**
 * Disk quotas for what the consoles write into the data folder (studio frames here, the
 * server's recordings): how much a folder holds, how much the disk has free, and refusals
 * that say what to delete. Sizes are bytes.
 */
import { readdirSync, statfsSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../skills/library/files.js';

/**
 * Space a quota'd write always leaves free on the disk, bytes: the skill library, the console
 * settings and the session log are small (kilobytes) but must keep working when frames or
 * recordings have filled the rest.
 */
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024;

/** "1.7 MB", "2.00 GB", "512 bytes" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Bytes free for this user on the disk holding `dir`; null when the system cannot say. */
export function diskFreeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export interface FileUsage {
  name: string;
  bytes: number;
  /** last change, ms since the epoch */
  mtimeMs: number;
}

/**
 * The regular files directly in `dir` (not in sub-folders), at most `cap` of them: a folder
 * with more is reported as `truncated` rather than listed without end. A missing folder is empty.
 */
export function folderUsage(dir: string, cap: number): { files: FileUsage[]; bytes: number; truncated: boolean } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { files: [], bytes: 0, truncated: false };
  }
  const files: FileUsage[] = [];
  let bytes = 0;
  for (const name of names.slice(0, cap)) {
    try {
      const s = statSync(join(dir, name));
      if (!s.isFile()) continue;
      files.push({ name, bytes: s.size, mtimeMs: s.mtimeMs });
      bytes += s.size;
    } catch {
      /* deleted meanwhile */
    }
  }
  return { files, bytes, truncated: names.length > cap };
}

/** True for the errors of a full disk or an exhausted quota of the file system. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const msg = (err as Error | null)?.message ?? '';
  return code === 'ENOSPC' || code === 'EDQUOT' || /\b(ENOSPC|EDQUOT)\b/.test(msg);
}

/**
 * Remove the temp files (".NAME.PID.HEX8.tmp", the atomic writer's) that writers no longer
 * running left in `dir`; at most `cap` names are looked at.
 */
export function removeDeadTemps(dir: string, cap: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names.slice(0, cap)) {
    const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, n));
    } catch {
      /* raced with another cleaner */
    }
  }
}
