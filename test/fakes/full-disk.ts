/**
 * A disk that fills up, for tests of what a full disk does to the files Shammie writes. A test
 * file mocks node:fs with `withFullDisk` (so the code under test runs its real writes), then
 * `fullDisk.fill(dir, n)` lets only n more bytes be written into files under `dir`: a write
 * that needs more writes what fits and the next one fails with ENOSPC, as on a real disk.
 * writeFileSync is modelled as the kernel does it (open with truncation, then write), so a
 * non-atomic writer leaves the same 0-byte or half file a real full disk leaves.
 *
 *   vi.mock('node:fs', async (orig) => (await import('../fakes/full-disk.js')).withFullDisk(await orig()));
 *
 * This module must not import node:fs itself: it receives the real one.
 */
import { resolve, sep } from 'node:path';

type Fs = typeof import('node:fs');

interface Budget {
  dir: string;
  /** bytes that can still be written under dir */
  left: number;
}

const budgets: Budget[] = [];
/** open file descriptors → absolute path, to know which writes land under a full folder */
const openFiles = new Map<number, string>();

export const fullDisk = {
  /** From now on, only `bytesLeft` more bytes fit into files under `dir`. */
  fill(dir: string, bytesLeft = 0): void {
    this.free(dir);
    budgets.push({ dir: resolve(dir), left: bytesLeft });
  },
  /** Space again under `dir` (or everywhere). */
  free(dir?: string): void {
    const d = dir === undefined ? null : resolve(dir);
    for (let i = budgets.length - 1; i >= 0; i--) if (d === null || budgets[i].dir === d) budgets.splice(i, 1);
  },
  /** bytes still free under `dir`, or null when it is not full */
  left(dir: string): number | null {
    return budgets.find((b) => b.dir === resolve(dir))?.left ?? null;
  },
};

function budgetOf(path: string | undefined): Budget | undefined {
  if (!path) return undefined;
  return budgets.find((b) => path === b.dir || path.startsWith(b.dir + sep));
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

export function withFullDisk(real: Fs): Fs {
  const openSync = ((path: Parameters<Fs['openSync']>[0], ...rest: unknown[]) => {
    const fd = (real.openSync as (...a: unknown[]) => number)(path, ...rest);
    if (typeof path === 'string') openFiles.set(fd, resolve(path));
    return fd;
  }) as Fs['openSync'];

  const closeSync = ((fd: number) => {
    openFiles.delete(fd);
    real.closeSync(fd);
  }) as Fs['closeSync'];

  const writeSync = ((fd: number, data: string | NodeJS.ArrayBufferView, a?: unknown, b?: unknown, c?: unknown) => {
    const budget = budgetOf(openFiles.get(fd));
    if (!budget) return (real.writeSync as (...x: unknown[]) => number)(fd, data, a, b, c);
    // Appends and sequential writes only (what the code under test does): no explicit position.
    let buf: Buffer;
    if (typeof data === 'string') buf = Buffer.from(data, typeof b === 'string' ? (b as BufferEncoding) : 'utf8');
    else {
      const off = typeof a === 'number' ? a : 0;
      const len = typeof b === 'number' ? b : data.byteLength - off;
      buf = Buffer.from(data.buffer, data.byteOffset + off, len);
    }
    const n = Math.min(buf.length, budget.left);
    if (n === 0 && buf.length > 0) throw enospc();
    budget.left -= n;
    return real.writeSync(fd, buf, 0, n);
  }) as Fs['writeSync'];

  const writeFileSync = ((file: Parameters<Fs['writeFileSync']>[0], data: string | NodeJS.ArrayBufferView, options?: unknown) => {
    const budget = typeof file === 'string' ? budgetOf(resolve(file)) : undefined;
    if (!budget) return (real.writeFileSync as (...x: unknown[]) => void)(file, data, options);
    const flag = typeof options === 'object' && options && 'flag' in options ? String(options.flag) : 'w';
    const fd = openSync(file as string, flag);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
  }) as Fs['writeFileSync'];

  const fs = { ...real, openSync, closeSync, writeSync, writeFileSync };
  return { ...fs, default: fs } as Fs;
}
