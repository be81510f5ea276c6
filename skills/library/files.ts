/**
 * The library's file handling: the atomic writer (temp file, fsync, rename, fsync folder, so a
 * crash at any moment leaves either the old or the new file), clean-up of temp files left by
 * killed writers, the file identity stamp that notices other writers, and reading with plain
 * error messages.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LibraryError } from './types.js';

/** Write so that `target` is always either the old or the new complete file (temp, fsync, rename, fsync dir). */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = dirname(target);
  // pid in the name: a later open() can tell a dead writer's leftover from a live one's.
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined)
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    try {
      unlinkSync(tmp);
    } catch {
      /* may not exist */
    }
    throw new LibraryError(`could not save ${target}: ${(err as Error).message}. The previous version is unchanged.`);
  }
  fsyncDir(dir);
}

/**
 * Make the rename itself durable. Best effort: the new file is already in place, and throwing
 * here would leave the caller believing the change failed. (Windows cannot fsync a folder.)
 */
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* see above */
  }
}

/** Is process `pid` still running (EPERM: it exists but is not ours)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp files left by writers that were killed mid-save (never a live writer's). */
export function removeStaleTemps(dir: string, file: string): void {
  const pattern = new RegExp(`^\\.${file.replace(/\./g, '\\.')}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = pattern.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !isAlive(pid))
      try {
        unlinkSync(join(dir, n));
      } catch {
        /* raced with another cleaner */
      }
  }
}

export function stamp(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
}

export function readText(file: string, advice: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new LibraryError(`${file} does not exist`);
    if (e.code === 'EISDIR') throw new LibraryError(`${file} is a folder, not a skill library file. ${advice}`);
    throw new LibraryError(`cannot read ${file}: ${e.message}`);
  }
}
