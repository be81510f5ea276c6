/**
 * Builds the operator console (ui/) with Vite when ui/dist is missing or older than its
 * sources, so `npm ci && npm start` on a fresh clone serves a working console with no extra
 * step. Tests and the benchmark call the same function.
 *
 * Concurrency: several processes (a server, tests) may want a build at once. A lock directory
 * (ui/.dist-lock, holding the builder's pid) lets one build while the others wait; the build
 * goes to a temporary folder that is swapped in by rename, so a server never serves a
 * half-written ui/dist.
 *
 * Each text asset is compressed once here (brotli and gzip, at their highest levels, next to the
 * file as `.br` / `.gz`), so the server sends the console compressed without compressing per
 * request (server/static.ts picks the variant from Accept-Encoding).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = resolve(here, '../ui');
export const UI_DIST = join(UI_DIR, 'dist');
const LOCK = join(UI_DIR, '.dist-lock');
const STAMP = '.build-stamp';
/** a lock older than this is taken over even if its pid looks alive (pid reuse) */
const LOCK_STALE_MS = 5 * 60_000;

/** Everything that goes into the bundle, for the freshness check. */
function sourceFiles(): string[] {
  // The console also bundles the shared protocol files and the audio resampler.
  const out: string[] = [
    join(UI_DIR, 'index.html'),
    join(here, 'protocol.ts'),
    join(here, 'protocol-voice.ts'),
    join(here, 'protocol-studio.ts'),
    join(here, '..', 'speech', 'resample.ts'),
    join(here, 'vite-build.mjs'),
    fileURLToPath(import.meta.url),
  ];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(join(UI_DIR, 'src'));
  walk(join(UI_DIR, 'public'));
  return out.filter((p) => existsSync(p));
}

function newestSourceMtime(): number {
  let newest = 0;
  for (const f of sourceFiles()) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

export interface BuildState {
  fresh: boolean;
  /** why a build is needed, in plain words */
  reason: string;
}

export function consoleBuildState(dist = UI_DIST): BuildState {
  if (!existsSync(join(dist, 'index.html'))) return { fresh: false, reason: 'ui/dist is missing' };
  let built: number;
  try {
    built = Number(readFileSync(join(dist, STAMP), 'utf8'));
  } catch {
    return { fresh: false, reason: 'ui/dist has no build stamp' };
  }
  if (newestSourceMtime() > built) return { fresh: false, reason: 'the console sources changed since the last build' };
  return { fresh: true, reason: 'up to date' };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let pid: number;
    let age: number;
    try {
      pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      age = Date.now() - statSync(LOCK).mtimeMs;
    } catch {
      // The holder is between mkdir and writing its pid, or just released: try again later.
      return false;
    }
    if (pid && pidAlive(pid) && age < LOCK_STALE_MS) return false;
    rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

function unlock(): void {
  rmSync(LOCK, { recursive: true, force: true });
}

export interface EnsureBuiltOptions {
  /** progress lines (default: none) */
  log?: (line: string) => void;
  /** build even when up to date */
  force?: boolean;
}

/**
 * Make sure ui/dist holds a current build. Resolves with what happened; rejects with a
 * `ConsoleBuildError` that says what to do when Vite is missing or the build fails.
 */
export async function ensureConsoleBuilt(opts: EnsureBuiltOptions = {}): Promise<{ built: boolean; ms: number; reason: string }> {
  const log = opts.log ?? (() => undefined);
  const t0 = performance.now();
  let state = consoleBuildState();
  if (state.fresh && !opts.force) return { built: false, ms: 0, reason: state.reason };
  let waited = false;
  while (!tryLock()) {
    if (!waited) log('Waiting for another process that is building the console…');
    waited = true;
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    state = consoleBuildState();
    if (state.fresh && !opts.force) return { built: false, ms: performance.now() - t0, reason: 'built by another process' };
    log(`Building the operator console with Vite (${state.reason})…`);
    const started = newestSourceMtime();
    const tmp = join(UI_DIR, `.dist-tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    await viteBuild(tmp);
    await precompressAssets(tmp);
    writeFileSync(join(tmp, STAMP), String(started));
    const old = join(UI_DIR, `.dist-old-${process.pid}`);
    if (existsSync(UI_DIST)) renameSync(UI_DIST, old);
    renameSync(tmp, UI_DIST);
    rmSync(old, { recursive: true, force: true });
    const ms = performance.now() - t0;
    log(`Console built in ${(ms / 1000).toFixed(1)} s (ui/dist).`);
    return { built: true, ms, reason: state.reason };
  } finally {
    unlock();
  }
}

/** Files worth compressing: text (images are compressed already). */
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt', '.map']);
/** below this a compressed copy saves less than its headers cost */
const MIN_COMPRESS_BYTES = 256;
/** a build holds a handful of files; more than this means the wrong folder was given */
const MAX_ASSETS = 2000;
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * Write `<file>.br` and `<file>.gz` next to every compressible file under `dir` (on the
 * thread pool: the server's event loop keeps running). A copy that is not smaller than the
 * file is not written, so the server sends the file itself. Returns the files compressed.
 */
export async function precompressAssets(dir: string): Promise<{ file: string; bytes: number; br?: number; gzip?: number }[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (COMPRESSIBLE.has(extname(e.name).toLowerCase())) files.push(p);
      if (files.length > MAX_ASSETS)
        throw new ConsoleBuildError(`${dir} holds over ${MAX_ASSETS} assets to compress; is it a console build?`);
    }
  };
  walk(dir);
  const out: { file: string; bytes: number; br?: number; gzip?: number }[] = [];
  for (const file of files) {
    const buf = await readFile(file);
    if (buf.length < MIN_COMPRESS_BYTES) continue;
    const [b, g] = await Promise.all([
      brotli(buf, {
        params: {
          [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
          [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
          [zlibConstants.BROTLI_PARAM_SIZE_HINT]: buf.length,
        },
      }),
      gz(buf, { level: zlibConstants.Z_BEST_COMPRESSION }),
    ]);
    const row: { file: string; bytes: number; br?: number; gzip?: number } = { file: file.slice(dir.length + 1), bytes: buf.length };
    if (b.length < buf.length) {
      await writeFile(`${file}.br`, b);
      row.br = b.length;
    }
    if (g.length < buf.length) {
      await writeFile(`${file}.gz`, g);
      row.gzip = g.length;
    }
    out.push(row);
  }
  return out;
}

export class ConsoleBuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsoleBuildError';
  }
}

/** Run Vite in a child process with NODE_ENV=production (see vite-build.mjs for why). */
async function viteBuild(outDir: string): Promise<void> {
  const script = join(here, 'vite-build.mjs');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, UI_DIR, outDir], {
      cwd: UI_DIR,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (c) => resolvePromise({ code: c, output: out }));
  });
  if (code === 0) return;
  rmSync(outDir, { recursive: true, force: true });
  const tail = output.trim().split('\n').slice(-12).join('\n');
  if (/Cannot find (package|module) '(vite|@vitejs\/plugin-react)'/.test(output)) {
    throw new ConsoleBuildError(
      'cannot build the console: vite or @vitejs/plugin-react is not installed. Run `npm ci` (it installs the dev dependencies too).',
    );
  }
  throw new ConsoleBuildError(`the console build failed (exit ${code}):\n${tail}`);
}
