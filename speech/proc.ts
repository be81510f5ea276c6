/** Child-process helpers shared by the speech backends (all native code runs out of process). */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The absolute path of an executable on PATH (or the path itself when it has a slash), else undefined. */
export function findOnPath(bin: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = bin.includes('/')
    ? [bin]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, bin));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return isAbsolute(c) ? c : join(process.cwd(), c);
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Captured {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Run a command to completion with `input` on stdin. Never throws for a non-zero exit; rejects only when it cannot start. */
export function run(
  cmd: string,
  args: string[],
  options: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs) timer = setTimeout(() => p.kill('SIGKILL'), options.timeoutMs);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 64_000) err += d.toString();
    });
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(options.input ?? '');
  });
}
