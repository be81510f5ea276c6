/**
 * `shammie film …`: turn a stop-motion session (studio/) into a film with ffmpeg.
 *
 *   shammie film export SESSION --out film.mp4 [--fps 12]     H.264 (libx264, yuv420p)
 *   shammie film export SESSION --out film.gif [--fps 12]     GIF with a generated palette
 *   shammie film info SESSION                                 frames, size, duration (JSON)
 *
 * The frames are linked (or copied) in film order into a temp folder as 000000.png … and fed to
 * ffmpeg as an image sequence; the output is written next to --out and renamed into place, so
 * a failed export never leaves half a film. ffmpeg comes from $SHAMMIE_FFMPEG or PATH (Debian:
 * apt-get install ffmpeg).
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pngSize } from './png.js';
import { StudioError, StudioSession } from './session.js';

export const FILM_USAGE = `usage: shammie film <export|info> SESSION [options]

  export SESSION     write the session's frames, in film order, as a video
  info SESSION       print the session's frames, size and duration as JSON

export options:
  --out FILE         output file; .mp4 (H.264) or .gif (required)
  --fps N            frames per second (default: the session's, usually 12)

ffmpeg is taken from $SHAMMIE_FFMPEG or PATH.
`;

export class FilmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilmError';
  }
}

export interface ExportOptions {
  /** .mp4 or .gif */
  out: string;
  /** frames per second (default: the session's) */
  fps?: number;
  /** ffmpeg executable (default $SHAMMIE_FFMPEG or "ffmpeg") */
  ffmpeg?: string;
  /** give up after this long, ms (default 10 minutes) */
  timeoutMs?: number;
}

export interface ExportResult {
  out: string;
  format: 'mp4' | 'gif';
  frames: number;
  fps: number;
  /** seconds of film */
  duration: number;
  width: number;
  height: number;
  bytes: number;
  /** wall time of the export, ms */
  ms: number;
}

export function parseFps(v: unknown): number {
  const s = String(v);
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s.trim()) || !(n > 0 && n <= 120))
    throw new FilmError(`--fps must be a number of frames per second between 0 and 120, got "${s}"`);
  return n;
}

/** Export a session's frames as an MP4 or GIF film. Throws FilmError with a plain reason. */
export async function exportFilm(sessionDir: string, opts: ExportOptions): Promise<ExportResult> {
  const t0 = performance.now();
  if (!opts.out) throw new FilmError('--out FILE is required (a .mp4 or .gif file)');
  const out = resolve(opts.out);
  const ext = extname(out).toLowerCase();
  if (ext !== '.mp4' && ext !== '.gif') throw new FilmError(`--out must end in .mp4 or .gif, got "${basename(out)}"`);
  if (!existsSync(dirname(out))) throw new FilmError(`the folder of --out does not exist: ${dirname(out)}`);
  let session: StudioSession;
  try {
    session = StudioSession.open(sessionDir, { create: false });
  } catch (err) {
    throw new FilmError((err as Error).message);
  }
  const fps = opts.fps === undefined ? session.fps : parseFps(opts.fps);
  const frames = session.frames();
  if (!frames.length) throw new FilmError(`session "${session.name}" (${session.dir}) has no frames yet; capture some first`);

  // Every frame present, a PNG, and the same size (an encoder cannot change size mid-film).
  let size: { width: number; height: number } | null = null;
  frames.forEach((f, i) => {
    const path = join(session.dir, f.file);
    if (!existsSync(path))
      throw new FilmError(
        `frame ${i + 1} (id ${f.id}, ${f.file}) is missing from ${session.dir}; delete it from the session or restore the file`,
      );
    const s = pngSize(readHead(path, 33));
    if (!s) throw new FilmError(`frame ${i + 1} (${f.file}) is not a PNG image`);
    if (!size) size = s;
    else if (s.width !== size.width || s.height !== size.height) {
      throw new FilmError(
        `frame ${i + 1} (${f.file}) is ${s.width}×${s.height} but the first frame is ${size.width}×${size.height}; all frames of a film must have one size`,
      );
    }
  });
  const { width, height } = size!;

  const tmp = mkdtempSync(join(tmpdir(), 'shammie-film-'));
  const part = join(dirname(out), `.${basename(out)}.${process.pid}.part${ext}`);
  try {
    frames.forEach((f, i) => linkOrCopy(join(session.dir, f.file), join(tmp, `${String(i).padStart(6, '0')}.png`)));
    const input = ['-framerate', String(fps), '-start_number', '0', '-i', join(tmp, '%06d.png')];
    const args =
      ext === '.mp4'
        ? [
            ...input,
            '-c:v',
            'libx264',
            '-preset',
            'fast',
            '-crf',
            '18',
            '-pix_fmt',
            'yuv420p',
            // yuv420p needs even sizes: pad odd ones by a pixel.
            '-vf',
            'pad=ceil(iw/2)*2:ceil(ih/2)*2',
            '-r',
            String(fps),
            '-movflags',
            '+faststart',
            '-f',
            'mp4',
            part,
          ]
        : [
            ...input,
            '-filter_complex',
            '[0:v]split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=5',
            '-loop',
            '0',
            '-f',
            'gif',
            part,
          ];
    await runFfmpeg(
      opts.ffmpeg ?? process.env.SHAMMIE_FFMPEG ?? 'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args],
      opts.timeoutMs ?? 600_000,
    );
    renameSync(part, out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    try {
      unlinkSync(part);
    } catch {
      /* renamed or never written */
    }
  }
  return {
    out,
    format: ext === '.mp4' ? 'mp4' : 'gif',
    frames: frames.length,
    fps,
    duration: frames.length / fps,
    width,
    height,
    bytes: statSync(out).size,
    ms: Math.round(performance.now() - t0),
  };
}

function readHead(path: string, n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync(path, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
    return;
  } catch {
    /* other file system */
  }
  try {
    symlinkSync(from, to);
    return;
  } catch {
    /* no symlinks here */
  }
  copyFileSync(from, to);
}

function runFfmpeg(bin: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let child;
    try {
      child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      reject(new FilmError(`cannot start ffmpeg (${bin}): ${(err as Error).message}`));
      return;
    }
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new FilmError(
          err.code === 'ENOENT'
            ? `ffmpeg was not found (tried "${bin}"); install it (Debian: sudo apt-get install ffmpeg) or set SHAMMIE_FFMPEG to its path`
            : `cannot run ffmpeg (${bin}): ${err.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else if (signal)
        reject(new FilmError(`ffmpeg was stopped (${signal})${signal === 'SIGKILL' ? ` after ${Math.round(timeoutMs / 1000)} s` : ''}`));
      else reject(new FilmError(`ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' / ') || 'no message'}`));
    });
  });
}

export interface FilmCliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: FilmCliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** `shammie film <argv…>`; returns the exit status (0 ok, 2 bad input or failed export). */
export async function filmCommand(argv: string[], io: FilmCliIo = processIo): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { out: { type: 'string' }, fps: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new FilmError(`${(err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '')}\n\n${FILM_USAGE}`);
    }
    const { values, positionals } = parsed;
    const [sub, ...rest] = positionals;
    if (values.help || sub === 'help' || sub === undefined) {
      io.out(FILM_USAGE);
      return sub === undefined && !values.help ? 2 : 0;
    }
    if (rest.length !== 1) throw new FilmError(`expected one SESSION folder after "${sub}"\n\n${FILM_USAGE}`);
    const dir = rest[0];
    switch (sub) {
      case 'export': {
        if (!values.out) throw new FilmError(`--out FILE is required (a .mp4 or .gif file)\n\n${FILM_USAGE}`);
        const r = await exportFilm(dir, { out: values.out, fps: values.fps === undefined ? undefined : parseFps(values.fps) });
        io.out(
          `wrote ${r.out}: ${r.frames} frames, ${r.width}×${r.height}, ${r.fps} fps, ${r.duration.toFixed(1)} s, ${(r.bytes / 1024).toFixed(0)} KiB in ${(r.ms / 1000).toFixed(1)} s\n`,
        );
        return 0;
      }
      case 'info': {
        if (values.out || values.fps) throw new FilmError('info takes no --out or --fps');
        let s: StudioSession;
        try {
          s = StudioSession.open(dir, { create: false });
        } catch (err) {
          throw new FilmError((err as Error).message);
        }
        const frames = s.frames();
        io.out(
          JSON.stringify(
            {
              name: s.name,
              dir: s.dir,
              fps: s.fps,
              frames: frames.length,
              duration: frames.length / s.fps,
              size: frames[0] ? [frames[0].width, frames[0].height] : null,
              ...s.check(),
              shots: frames.map((f) => ({ id: f.id, skill: f.skill, camera: f.camera })),
            },
            null,
            2,
          ) + '\n',
        );
        return 0;
      }
      default:
        throw new FilmError(`unknown film command "${sub}"\n\n${FILM_USAGE}`);
    }
  } catch (err) {
    if (err instanceof FilmError || err instanceof StudioError) {
      io.err(`shammie film: ${err.message}\n`);
      return 2;
    }
    io.err(`shammie film: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
