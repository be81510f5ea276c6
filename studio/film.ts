/**
 * `shammie film …`: turn a stop-motion session (studio/) into a film with ffmpeg.
 *
 *   shammie film export FILM --out film.mp4 [--fps 12]     H.264 (libx264, yuv420p)
 *   shammie film export FILM --out film.gif [--fps 12]     GIF with a generated palette
 *   shammie film info FILM                                 frames, size, duration (JSON)
 *
 * FILM is a film's name ("hulk smash", as said or typed in the console; looked up in
 * <data>/studio/) or the path of a film folder.
 *
 * The frames are linked (or copied) in film order into a temp folder as 000000.png … and fed to
 * ffmpeg as an image sequence; the output is written next to --out and renamed into place, so
 * a failed export never leaves half a film. ffmpeg comes from $SHAMMIE_FFMPEG or PATH (Debian:
 * apt-get install ffmpeg).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
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
import type { Readable } from 'node:stream';
import { FILM_NAME_RULE, filmFolderName, filmFolders, findFilmFolder } from './film-name.js';
import { pngSize } from './png.js';
import { STUDIO_FILE, StudioError, StudioSession } from './session.js';

export const FILM_USAGE = `usage: shammie film <export|info> FILM [options]

  export FILM        write the film's frames, in film order, as a video
  info FILM          print the film's frames, size and duration as JSON

FILM is a film's name as said or typed in the console ("hulk smash"; quote a name with
spaces), looked up in DIR/studio/, or the path of a film folder.

options:
  --out FILE         export: output file; .mp4 (H.264) or .gif (required)
  --fps N            export: frames per second (default: the film's, usually 12)
  --data DIR         the workspace folder holding studio/ (default ./shammie-data, or $SHAMMIE_DATA)

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
  /** frames encoded so far, of `total` (from ffmpeg's progress reports, a few a second) */
  onProgress?: (done: number, total: number) => void;
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
    const progress = opts.onProgress;
    await runFfmpeg(
      opts.ffmpeg ?? process.env.SHAMMIE_FFMPEG ?? 'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...(progress ? ['-progress', 'pipe:1', '-nostats'] : []), ...args],
      opts.timeoutMs ?? 600_000,
      progress ? (n) => progress(Math.min(n, frames.length), frames.length) : undefined,
    );
    opts.onProgress?.(frames.length, frames.length);
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

function runFfmpeg(bin: string, args: string[], timeoutMs: number, onFrame?: (n: number) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      // stdout carries -progress reports when asked for; otherwise ffmpeg writes nothing there.
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(new FilmError(`cannot start ffmpeg (${bin}): ${(err as Error).message}`));
      return;
    }
    if (onFrame) {
      // -progress pipe:1 writes key=value lines; "frame=N" is the frames written so far.
      let rest = '';
      child.stdout.on('data', (d: Buffer) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop()!.slice(-200);
        for (const l of lines) {
          const m = /^frame=(\d+)/.exec(l.trim());
          if (m) onFrame(Number(m[1]));
        }
      });
    } else child.stdout.resume();
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

/** Films named in an error, at most. */
const FILMS_NAMED = 20;

/**
 * The folder of FILM as given on the command line: a film of that name in <dataDir>/studio/
 * (spaces as in the console, case ignored when only case differs), else a film folder path.
 */
export function resolveFilm(arg: string, dataDir: string): string {
  const root = join(resolve(dataDir), 'studio');
  const looksLikePath = /[\\/]/.test(arg) || arg === '.' || arg === '..';
  const folder = looksLikePath ? null : filmFolderName(arg);
  if (folder) {
    const found = findFilmFolder(root, folder);
    if (found) return join(root, found);
  }
  // The old form, a folder path (also a folder in the current directory).
  if (looksLikePath || existsSync(join(arg, STUDIO_FILE))) return arg;
  if (!folder) throw new FilmError(`"${arg}" is not a film name (${FILM_NAME_RULE}) or a film folder. ${FILM_HELP}`);
  const films = filmFolders(root);
  if (!films.length) throw new FilmError(`no film named "${arg}": ${root} has no films yet (pass --data DIR, or the film folder's path)`);
  const more = films.length > FILMS_NAMED ? ` and ${films.length - FILMS_NAMED} more` : '';
  throw new FilmError(`no film named "${arg}" in ${root}; its films: ${films.slice(0, FILMS_NAMED).join(', ')}${more}`);
}

const FILM_HELP = "See 'shammie film --help'.";

/** node:util's parseArgs refusal as one line with a pointer to the help (not the parser's paragraph). */
function flagError(err: unknown): FilmError {
  const e = err as { code?: string; message?: string } | null;
  const msg = e?.message ?? String(err);
  const quoted = /'([^']+)'/.exec(msg)?.[1];
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new FilmError(`unknown option '${quoted}' for 'film'. ${FILM_HELP}`);
  if (e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) {
    const opt = quoted.replace(/ <value>$/, '');
    return new FilmError(
      /does not take/.test(msg) ? `option '${opt}' takes no value. ${FILM_HELP}` : `option '${opt}' needs a value. ${FILM_HELP}`,
    );
  }
  return new FilmError(`${msg.split('\n')[0]} ${FILM_HELP}`);
}

/** `shammie film <argv…>`; returns the exit status (0 ok, 2 bad input or failed export). */
export async function filmCommand(argv: string[], io: FilmCliIo = processIo): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { out: { type: 'string' }, fps: { type: 'string' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw flagError(err);
    }
    const { values, positionals } = parsed;
    const [sub, ...rest] = positionals;
    if (values.help || sub === 'help') {
      io.out(FILM_USAGE);
      return 0;
    }
    if (sub === undefined) throw new FilmError(`missing command: export or info. ${FILM_HELP}`);
    if (sub !== 'export' && sub !== 'info') throw new FilmError(`unknown film command "${sub}". ${FILM_HELP}`);
    if (rest.length !== 1)
      throw new FilmError(
        `${rest.length ? 'one' : 'a'} FILM (a name, or a folder) goes after "${sub}"${rest.length ? ` (got ${rest.length}; quote a name with spaces)` : ''}. ${FILM_HELP}`,
      );
    if (values.data === '') throw new FilmError(`--data needs a folder. ${FILM_HELP}`);
    const dir = resolveFilm(rest[0], values.data ?? process.env.SHAMMIE_DATA ?? 'shammie-data');
    switch (sub) {
      case 'export': {
        if (!values.out) throw new FilmError(`--out FILE is required (a .mp4 or .gif file). ${FILM_HELP}`);
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
