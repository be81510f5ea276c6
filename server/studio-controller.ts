/**
 * The stop-motion studio's server side, independent of how it is reached (the console through
 * server/studio.ts, or a test): opens and resumes film sessions under
 * <dataDir>/studio/<name>, captures frames through the Camera and stores each with the camera
 * pose and the skill call that posed it, deletes and reorders frames, and keeps the studio
 * state the consoles show. It implements the session's StudioHooks, so "shoot", "delete the
 * last frame" and "new film called X" in the dialogue act here.
 *
 * Camera pose of a frame: the tool pose by forward kinematics of the arm's joints when the
 * picture was taken, world frame (robot base, z up), meters and quaternion [x, y, z, w]; the
 * camera itself sits at `camera.info.offset` in that tool frame.
 *
 * Quotas: each film has the StudioSession's (frame size, frames, bytes); all films together
 * may hold STUDIO_TOTAL_BYTES. A shot beyond them is refused with what to export or delete.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RobotBackend } from '../robot-bridge/types.js';
import type { KinematicChain } from '../skills/kinematics/index.js';
import { studioNameSchema, type StudioState } from './protocol-studio.js';
import type { Session, SessionEvent, StudioHooks } from '../session/session.js';
import type { Camera } from '../studio/camera/types.js';
import { folderUsage, formatBytes } from '../studio/disk.js';
import { findFilmFolder } from '../studio/film-name.js';
import {
  FRAMES_DIR,
  STUDIO_FILE,
  STUDIO_LIMITS,
  StudioError,
  StudioSession,
  type FrameRecord,
  type StudioLimits,
} from '../studio/session.js';

/**
 * All films in <dataDir>/studio together, bytes: five films at their 2 GB limit. Frames are the
 * one thing the consoles can write without end, and a laptop's disk is often 256 GB.
 */
export const STUDIO_TOTAL_BYTES = 10 * 1024 ** 3;
/** film folders looked at when adding up the studio folder */
const MAX_FILMS = 1000;

export interface StudioControllerOptions {
  /** the workspace folder; films go to <dataDir>/studio/<name> */
  dataDir: string;
  camera: Camera;
  /** the guarded backend (joint states for the camera pose) */
  backend: Pick<RobotBackend, 'jointState'>;
  /** forward kinematics of the arm that holds the camera */
  chain: Pick<KinematicChain, 'pose'>;
  /** the scene name or path, recorded in new films */
  scene?: string;
  /** clock for default film names (tests) */
  now?: () => Date;
  /** tighter or looser quotas (tests, profiles); totalBytes: all films together */
  limits?: Partial<StudioLimits & { totalBytes: number }>;
  /** free bytes on the disk (default: statfs), for the films' reserve */
  freeBytes?: (dir: string) => number | null;
}

export class StudioController implements StudioHooks {
  readonly root: string;
  readonly camera: Camera;
  readonly #o: StudioControllerOptions;
  #film: StudioSession | null = null;
  #move: StudioState['move'] = null;
  #capturing = false;
  /** captures run one at a time: a frame's pose and its picture must belong together */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();
  #detach: (() => void) | null = null;
  /** bytes of the films other than the open one: counted on the first shot, again before a refusal */
  #otherFilms: { name: string; bytes: number }[] | null = null;

  constructor(o: StudioControllerOptions) {
    this.#o = o;
    this.root = join(o.dataDir, 'studio');
    this.camera = o.camera;
  }

  /** Serve the dialogue's studio commands and follow its split camera moves. */
  attach(session: Pick<Session, 'useStudio' | 'subscribe' | 'frameMove'>): this {
    this.#detach?.();
    session.useStudio(this);
    const fm = session.frameMove;
    this.#move = fm ? { call: fm.call, index: fm.index, total: fm.total, waiting: true } : null;
    const unsubscribe = session.subscribe((e) => this.#onSession(e));
    this.#detach = () => {
      unsubscribe();
      session.useStudio(null);
    };
    return this;
  }

  /** The open film, if any. */
  get film(): StudioSession | null {
    return this.#film;
  }

  /** Film folders in the data folder (those with a studio.json), by name. */
  sessions(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names
      .filter(
        (n) =>
          studioNameSchema.safeParse(n).data === n &&
          existsSync(join(this.root, n, STUDIO_FILE)) &&
          statSync(join(this.root, n)).isDirectory(),
      )
      .sort();
  }

  /** Open (resume, or create) the film <dataDir>/studio/<name>. */
  openFilm(name: string): { film: StudioSession; created: boolean } {
    const ok = studioNameSchema.safeParse(name);
    if (!ok.success)
      throw new StudioError(`"${name}" can't be a film name: ${ok.error.issues[0]?.message ?? 'use letters, digits, spaces, - and _'}`);
    // "hulk smash" said opens the "Hulk-Smash" typed in the console: the folder differs only in case.
    const folder = findFilmFolder(this.root, ok.data) ?? ok.data;
    const dir = join(this.root, folder);
    const created = !existsSync(join(dir, STUDIO_FILE));
    const film = StudioSession.open(dir, {
      name: folder,
      ...(this.#o.scene ? { scene: this.#o.scene } : {}),
      ...(this.#o.limits ? { limits: this.#o.limits } : {}),
      ...(this.#o.freeBytes ? { freeBytes: this.#o.freeBytes } : {}),
    });
    this.#film = film;
    this.#otherFilms = null;
    this.#changed();
    return { film, created };
  }

  closeFilm(): void {
    if (!this.#film) return;
    this.#film = null;
    this.#changed();
  }

  deleteFrame(id: number): FrameRecord {
    const rec = this.#need().deleteFrame(id);
    this.#changed();
    return rec;
  }

  moveFrame(id: number, to: number): void {
    this.#need().moveFrame(id, to);
    this.#changed();
  }

  // --- StudioHooks (the dialogue) ----------------------------------------------------------------

  shoot(info: { posedBy: string | null; note?: string }): Promise<string> {
    const run = this.#queue.then(() => this.#shoot(info));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  deleteLast(): Promise<string> {
    return Promise.resolve(this.#deleteLast());
  }

  #deleteLast(): string {
    const film = this.#film;
    if (!film) return 'No film is open, so there is no frame to delete. Say "shoot" to start one.';
    const frames = film.frames();
    if (!frames.length) return `The film "${this.#name(film)}" has no frames yet.`;
    this.deleteFrame(frames[frames.length - 1].id);
    const left = film.frameCount;
    return `Deleted frame ${frames.length} of "${this.#name(film)}"; ${left} frame${left === 1 ? '' : 's'} left.${this.#move ? ` The camera stays at pose ${this.#move.index} of ${this.#move.total}.` : ''}`;
  }

  open(name: string | null): Promise<string> {
    const { film, created } = this.openFilm(name ?? this.#freshName());
    const n = this.#name(film);
    if (created) return Promise.resolve(`New film "${n}": say "shoot" to take its first frame.`);
    return Promise.resolve(
      `Opened the film "${n}" with ${film.frameCount} frame${film.frameCount === 1 ? '' : 's'}; the next one is frame ${film.frameCount + 1}.`,
    );
  }

  // --- state ---------------------------------------------------------------------------------------

  state(): StudioState {
    const film = this.#film;
    const name = film ? this.#name(film) : '';
    const info = this.camera.info;
    return {
      session: film
        ? {
            name,
            frameUrl: `studio/${encodeURIComponent(name)}/`,
            fps: film.fps,
            frames: film
              .frames()
              .map((f) => ({ id: f.id, file: f.file, skill: f.skill, capturedAt: f.capturedAt, width: f.width, height: f.height })),
          }
        : null,
      sessions: this.sessions(),
      move: this.#move ? { ...this.#move } : null,
      camera: {
        kind: info.kind,
        fovY: info.fovY,
        width: info.width,
        height: info.height,
        offset: { position: [...info.offset.position], quaternion: [...info.offset.quaternion] },
        ...(info.topic ? { topic: info.topic } : {}),
        status: this.camera.status(),
      },
      capturing: this.#capturing,
    };
  }

  /** Called on every change of the state (open, frames, the move, capturing). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  dispose(): void {
    this.#detach?.();
    this.#detach = null;
    this.#listeners.clear();
    this.camera.dispose?.();
  }

  // --- internals -----------------------------------------------------------------------------------

  async #shoot(info: { posedBy: string | null; note?: string }): Promise<string> {
    const before = this.#film;
    // The pose the picture is taken from: read before the capture, with the camera still.
    const q = this.#o.backend.jointState().position;
    const pose = this.#o.chain.pose(q);
    this.#capturing = true;
    this.#changed();
    let png: Buffer;
    try {
      png = (await this.camera.capture()).png;
    } finally {
      this.#capturing = false;
      this.#changed();
    }
    if (before && this.#film !== before)
      throw new StudioError(`the film "${this.#name(before)}" was closed while the picture was being taken; it was not saved`);
    let opened = '';
    if (!this.#film) {
      // An animator expects "shoot" to just work: the day's film opens (or resumes) by itself.
      const { film, created } = this.openFilm(this.#dayName());
      opened = created
        ? ` It is the first frame of a new film, "${this.#name(film)}" (say "new film called …" to name one yourself).`
        : ` (in today's film "${this.#name(film)}", resumed)`;
    }
    const film = this.#film!;
    this.#checkTotal(film, png.length);
    film.addFrame(png, {
      camera: { position: [...pose.position], quaternion: [...pose.quaternion] },
      skill: info.posedBy,
      ...(info.note ? { note: info.note } : {}),
    });
    this.#changed();
    const n = film.frameCount;
    return opened.startsWith(' (') ? `Frame ${n} saved${opened}.` : `Frame ${n} saved.${opened}`;
  }

  /** Refuse a frame of `size` bytes that would take the studio folder beyond its quota. */
  #checkTotal(film: StudioSession, size: number): void {
    const limit = this.#o.limits?.totalBytes ?? STUDIO_TOTAL_BYTES;
    const total = () => (this.#otherFilms ??= this.#countOtherFilms(film)).reduce((sum, f) => sum + f.bytes, 0) + film.bytes;
    if (total() + size <= limit) return;
    // Count again before refusing: the operator may have just deleted films to make room.
    this.#otherFilms = null;
    film.rescan();
    const used = total();
    if (used + size <= limit) return;
    const largest = [...this.#otherFilms!, { name: this.#name(film), bytes: film.bytes }]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3)
      .map((f) => `${f.name} ${formatBytes(f.bytes)}`);
    throw new StudioError(
      `the studio folder ${this.root} holds ${formatBytes(used)} of films and this frame needs ${formatBytes(size)} more; all films together may hold at most ${formatBytes(limit)}. Export the films you have finished (shammie film export) and delete their folders (largest: ${largest.join(', ')}), then shoot again`,
    );
  }

  /** Bytes of each film folder's frames but the open one's (at most MAX_FILMS folders). */
  #countOtherFilms(film: StudioSession): { name: string; bytes: number }[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const own = this.#name(film);
    const cap = (this.#o.limits?.frames ?? STUDIO_LIMITS.frames) * 2 + 100;
    return names
      .filter((n) => n !== own)
      .slice(0, MAX_FILMS)
      .map((name) => ({ name, bytes: folderUsage(join(this.root, name, FRAMES_DIR), cap).bytes }))
      .filter((f) => f.bytes > 0);
  }

  #onSession(e: SessionEvent): void {
    if (e.type !== 'frame_move') return;
    // waiting: the camera holds the pose for a capture (false while it moves there)
    this.#move = e.status === 'ended' ? null : { call: e.call, index: e.index, total: e.total, waiting: e.status === 'posed' };
    this.#changed();
  }

  #need(): StudioSession {
    if (!this.#film) throw new StudioError('no film is open; open one first (studio_open, or say "new film called …")');
    return this.#film;
  }

  #name(film: StudioSession): string {
    return film.dir.split(/[\\/]/).pop() ?? film.name;
  }

  /** film-2026-11-26: the day's film, local date */
  #dayName(): string {
    const d = (this.#o.now ?? (() => new Date()))();
    return `film-${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  /** film-2026-11-26-1432, made unique */
  #freshName(): string {
    const d = (this.#o.now ?? (() => new Date()))();
    const base = `${this.#dayName()}-${pad(d.getHours())}${pad(d.getMinutes())}`;
    let name = base;
    for (let k = 2; existsSync(join(this.root, name, STUDIO_FILE)); k++) name = `${base}-${k}`;
    return name;
  }

  #changed(): void {
    for (const l of this.#listeners) {
      try {
        l();
      } catch {
        /* a broken listener must not break a capture */
      }
    }
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
