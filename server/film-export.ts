/**
 * Film export from the console: the open stop-motion film written as MP4 or GIF by the same
 * exporter as `shammie film export` (studio/film.ts, ffmpeg), with its progress for a progress
 * bar and, when done, a download link.
 *
 *   POST /api/film/export  {"format": "mp4" | "gif"}   start (202), 409 when no film is open or one runs
 *   GET  /api/film/export                              the status below
 *   GET  /studio/<film>/exports/<file>.mp4|gif         the film, as an attachment (token only)
 *
 * One export at a time per server: ffmpeg takes a core, and the robot's loop shares the machine.
 * The file goes to <dataDir>/studio/<film>/exports/<film>.<ext>, written next to itself and
 * renamed into place by exportFilm, so a link never points at half a film.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { exportFilm, FilmError } from '../studio/film.js';
import { FILM_FOLDER } from '../studio/film-name.js';

export const filmExportBody = z.strictObject({ format: z.enum(['mp4', 'gif']) });
export type FilmFormat = z.infer<typeof filmExportBody>['format'];

export interface FilmExportStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  /** the film's folder name */
  film: string | null;
  format: FilmFormat | null;
  /** frames encoded, of total */
  done: number;
  total: number;
  /** done: where the console downloads it (relative to the console's URL) */
  url?: string;
  bytes?: number;
  /** failed: why, in words */
  error?: string;
}

/** /studio/<film folder>/exports/<film folder>.mp4|gif: both parts film folder names (studio/film-name.ts). */
const EXPORT_PATH = /^\/studio\/([^/]+)\/exports\/([^/]+)\.(mp4|gif)$/;

/** The file an export URL names, or null when the path is not one. */
export function filmExportFile(dataDir: string, urlPath: string): { root: string; rel: string } | null {
  const m = EXPORT_PATH.exec(urlPath);
  if (!m || !FILM_FOLDER.test(m[1]) || !FILM_FOLDER.test(m[2])) return null;
  return { root: resolve(dataDir, 'studio', m[1], 'exports'), rel: `${m[2]}.${m[3]}` };
}

export class FilmExports {
  #status: FilmExportStatus = { state: 'idle', film: null, format: null, done: 0, total: 0 };
  #running: Promise<void> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly options: { ffmpeg?: string; onChange?: (s: FilmExportStatus) => void } = {},
  ) {}

  get status(): FilmExportStatus {
    return { ...this.#status };
  }

  /** the export in flight, if any (tests wait on it) */
  get running(): Promise<void> | null {
    return this.#running;
  }

  /**
   * Start exporting the film in `filmDir` (its folder name `folder`). Returns a refusal in
   * words when one is already running.
   */
  start(filmDir: string, folder: string, format: FilmFormat): { ok: true; status: FilmExportStatus } | { ok: false; error: string } {
    if (this.#running) {
      const s = this.#status;
      return { ok: false, error: `the film "${s.film}" is being exported (${s.done} of ${s.total} frames); wait for it to finish` };
    }
    if (!FILM_FOLDER.test(folder)) return { ok: false, error: `"${folder}" is not a film folder name` };
    const outDir = join(resolve(this.dataDir), 'studio', folder, 'exports');
    const file = `${folder}.${format}`;
    this.#set({ state: 'running', film: folder, format, done: 0, total: 0 });
    this.#running = (async () => {
      try {
        if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
        const r = await exportFilm(filmDir, {
          out: join(outDir, file),
          ffmpeg: this.options.ffmpeg,
          onProgress: (done, total) => this.#set({ ...this.#status, done, total }),
        });
        this.#set({
          state: 'done',
          film: folder,
          format,
          done: r.frames,
          total: r.frames,
          url: `studio/${folder}/exports/${file}`,
          bytes: r.bytes,
        });
      } catch (err) {
        const error = err instanceof FilmError ? err.message : `the export failed: ${(err as Error).message}`;
        this.#set({ ...this.#status, state: 'failed', error });
      } finally {
        this.#running = null;
      }
    })();
    return { ok: true, status: this.status };
  }

  #set(s: FilmExportStatus): void {
    this.#status = s;
    this.options.onChange?.(this.status);
  }
}
