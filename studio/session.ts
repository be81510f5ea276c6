/**
 * Stop-motion sessions on disk: one folder per film, with the captured frames as PNG files and
 * a metadata file (studio.json) listing the frames in film order, each with the camera pose it
 * was taken from and the skill call that posed the camera.
 *
 *   SESSION/studio.json          metadata (format "shammie-studio", version 1)
 *   SESSION/frames/000001.png    frame files, named by a stable id (never reused)
 *
 * Crash safety: every file is written to a temp file, fsynced and renamed (then the folder is
 * fsynced), so each file is always the old or the new complete version. A frame's PNG is written
 * before the metadata that lists it; a deleted frame leaves the metadata before its file goes.
 * A crash in between leaves an unlisted PNG ("orphan"), never a listed frame without a file.
 * Re-opening a folder resumes the session with its frames. One writer at a time.
 *
 * Quotas (STUDIO_LIMITS): a frame, the frames of a film and its bytes are bounded, and a frame
 * never takes the disk's last DISK_RESERVE_BYTES; a refusal says what to export or delete. A
 * write the disk refuses (full) leaves the previous files as they were and says so.
 *
 * Camera poses: tool pose of the arm holding the camera, world frame, meters, quaternion
 * [x, y, z, w]; the camera looks along the tool +z axis, image up = tool +y.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { DISK_RESERVE_BYTES, diskFreeBytes, folderUsage, formatBytes, isDiskFull } from './disk.js';
import { pngSize } from './png.js';
import { writeFileAtomic } from '../skills/library/library.js';

export const STUDIO_FORMAT = 'shammie-studio';
export const STUDIO_VERSION = 1;
export const STUDIO_FILE = 'studio.json';
export const FRAMES_DIR = 'frames';

export interface StudioLimits {
  /** one frame's PNG, bytes: the largest image a camera may send (studio/camera/ros-camera.ts) */
  frameBytes: number;
  /** frames in one film */
  frames: number;
  /** every file in a film's frames folder together, bytes */
  filmBytes: number;
  /** free space a frame leaves on the disk, bytes */
  reserveBytes: number;
}

/**
 * Why these numbers: a 960×540 frame is 0.3–1 MB as PNG, a 1080p one 1–3 MB. 2 GB holds
 * about 2,000 frames of 1 MB, a 3-minute film at 12 fps; 10,000 frames (14 minutes) keeps
 * studio.json, rewritten on every shot, near 3 MB.
 */
export const STUDIO_LIMITS: StudioLimits = {
  frameBytes: 24 * 1024 * 1024,
  frames: 10_000,
  filmBytes: 2 * 1024 ** 3,
  reserveBytes: DISK_RESERVE_BYTES,
};

export class StudioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudioError';
  }
}

const num = z.number().refine(Number.isFinite, 'must be a finite number');
const cameraSchema = z.strictObject({ position: z.tuple([num, num, num]), quaternion: z.tuple([num, num, num, num]) });

const frameSchema = z.strictObject({
  /** stable id; the file is frames/<id, 6 digits>.png */
  id: z.number().int().min(1),
  file: z.string().regex(/^frames\/\d{6,}\.png$/),
  /** ISO time of capture */
  capturedAt: z.string(),
  /** tool pose of the camera arm when captured */
  camera: cameraSchema.nullable(),
  /** the skill call that posed the camera, e.g. "track(TOWER)"; null when posed by hand */
  skill: z.string().nullable(),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  note: z.string().max(500).optional(),
});

const metaSchema = z.strictObject({
  format: z.literal(STUDIO_FORMAT),
  version: z.literal(STUDIO_VERSION),
  name: z.string().min(1).max(200),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** playback rate the film is meant for (export may override), frames per second */
  fps: num.refine((v) => v > 0 && v <= 120, 'must be between 0 and 120'),
  scene: z.string().optional(),
  /** next frame id */
  nextId: z.number().int().min(1),
  /** in film order */
  frames: z.array(frameSchema),
});

export type CameraPose = z.output<typeof cameraSchema>;
export type FrameRecord = z.output<typeof frameSchema>;
export type StudioMeta = z.output<typeof metaSchema>;

export interface OpenStudioOptions {
  /** create the folder when missing (default true) */
  create?: boolean;
  /** for a new session (default: the folder name) */
  name?: string;
  fps?: number;
  scene?: string;
  /** tighter or looser quotas (tests, profiles) */
  limits?: Partial<StudioLimits>;
  /** free bytes on the disk holding the film (default: statfs); null when unknown */
  freeBytes?: (dir: string) => number | null;
}

export interface AddFrameInfo {
  camera?: CameraPose | null;
  skill?: string | null;
  note?: string;
  /** insert at this position in film order (default: at the end) */
  at?: number;
  /** default now */
  capturedAt?: Date;
}

export class StudioSession {
  readonly dir: string;
  readonly limits: StudioLimits;
  #meta: StudioMeta;
  readonly #freeBytes: (dir: string) => number | null;
  /** bytes in the frames folder; null until first needed (and after a delete) */
  #bytes: number | null = null;

  private constructor(dir: string, meta: StudioMeta, opts: OpenStudioOptions) {
    this.dir = dir;
    this.#meta = meta;
    this.limits = { ...STUDIO_LIMITS, ...opts.limits };
    this.#freeBytes = opts.freeBytes ?? diskFreeBytes;
  }

  /** Open (resume) the session in `dir`, creating it unless `create` is false. */
  static open(dir: string, opts: OpenStudioOptions = {}): StudioSession {
    const abs = resolve(dir);
    const file = join(abs, STUDIO_FILE);
    if (!existsSync(file)) {
      if (opts.create === false) {
        throw new StudioError(
          existsSync(abs) ? `${abs} is not a stop-motion session (no ${STUDIO_FILE})` : `no stop-motion session at ${abs}`,
        );
      }
      mkdirSync(join(abs, FRAMES_DIR), { recursive: true });
      const now = new Date().toISOString();
      const meta: StudioMeta = {
        format: STUDIO_FORMAT,
        version: STUDIO_VERSION,
        name: opts.name ?? basename(abs),
        createdAt: now,
        updatedAt: now,
        fps: opts.fps ?? 12,
        ...(opts.scene ? { scene: opts.scene } : {}),
        nextId: 1,
        frames: [],
      };
      const s = new StudioSession(abs, metaSchema.parse(meta), opts);
      s.#save();
      return s;
    }
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new StudioError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const r = metaSchema.safeParse(data);
    if (!r.success) {
      const why = r.error.issues
        .slice(0, 4)
        .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
        .join('; ');
      throw new StudioError(`${file} is not a stop-motion session file this version can read: ${why}`);
    }
    const ids = new Set<number>();
    for (const f of r.data.frames) {
      if (ids.has(f.id) || f.id >= r.data.nextId || f.file !== frameFile(f.id))
        throw new StudioError(`${file}: frame ${f.id} is listed twice or does not match its file name`);
      ids.add(f.id);
    }
    mkdirSync(join(abs, FRAMES_DIR), { recursive: true });
    removeTemps(abs);
    removeTemps(join(abs, FRAMES_DIR));
    return new StudioSession(abs, r.data, opts);
  }

  get name(): string {
    return this.#meta.name;
  }
  get fps(): number {
    return this.#meta.fps;
  }
  get frameCount(): number {
    return this.#meta.frames.length;
  }
  get metadataPath(): string {
    return join(this.dir, STUDIO_FILE);
  }

  /** The frames in film order (copies). */
  frames(): FrameRecord[] {
    return structuredClone(this.#meta.frames);
  }

  meta(): StudioMeta {
    return structuredClone(this.#meta);
  }

  /** Bytes the film's frames folder holds (frames, and files a crash left). */
  get bytes(): number {
    this.#bytes ??= folderUsage(join(this.dir, FRAMES_DIR), this.limits.frames * 2 + 100).bytes;
    return this.#bytes;
  }

  /** Count the frames folder again (after files were deleted by hand). */
  rescan(): number {
    this.#bytes = null;
    return this.bytes;
  }

  /** Absolute path of a frame's PNG. */
  framePath(id: number): string {
    return join(this.dir, this.#get(id).file);
  }

  /** Store a captured frame (PNG bytes); returns its record. */
  addFrame(png: Uint8Array, info: AddFrameInfo = {}): FrameRecord {
    const size = pngSize(png);
    if (!size) throw new StudioError('a frame must be a PNG image');
    const id = this.#meta.nextId;
    const rec: FrameRecord = frameSchema.parse({
      id,
      file: frameFile(id),
      capturedAt: (info.capturedAt ?? new Date()).toISOString(),
      camera: info.camera ?? null,
      skill: info.skill ?? null,
      width: size.width,
      height: size.height,
      ...(info.note ? { note: info.note } : {}),
    });
    const at = info.at ?? this.#meta.frames.length;
    if (!Number.isInteger(at) || at < 0 || at > this.#meta.frames.length)
      throw new StudioError(`cannot insert at position ${at}; the film has ${this.#meta.frames.length} frames`);
    this.#checkQuota(png.length);
    writeAtomic(join(this.dir, rec.file), png); // the file first, then the listing
    this.#bytes = this.bytes + png.length;
    const frames = [...this.#meta.frames];
    frames.splice(at, 0, rec);
    this.#commit({ ...this.#meta, nextId: id + 1, frames });
    return structuredClone(rec);
  }

  /** Remove a frame from the film and delete its file. */
  deleteFrame(id: number): FrameRecord {
    const rec = this.#get(id);
    this.#commit({ ...this.#meta, frames: this.#meta.frames.filter((f) => f.id !== id) });
    try {
      unlinkSync(join(this.dir, rec.file));
    } catch {
      /* already gone: the listing is what counts */
    }
    this.#bytes = null;
    return structuredClone(rec);
  }

  /** Move one frame to position `to` (0-based, in the order after removing it). */
  moveFrame(id: number, to: number): void {
    const rec = this.#get(id);
    const rest = this.#meta.frames.filter((f) => f.id !== id);
    if (!Number.isInteger(to) || to < 0 || to > rest.length)
      throw new StudioError(`cannot move frame ${id} to position ${to}; positions are 0..${rest.length}`);
    rest.splice(to, 0, rec);
    this.#commit({ ...this.#meta, frames: rest });
  }

  /** Put the frames in this order (every current frame id exactly once). */
  reorder(ids: number[]): void {
    const cur = new Map(this.#meta.frames.map((f) => [f.id, f]));
    if (ids.length !== cur.size || new Set(ids).size !== ids.length || ids.some((i) => !cur.has(i))) {
      throw new StudioError(`reorder needs every frame id exactly once (${cur.size} frames: ${[...cur.keys()].join(', ')})`);
    }
    this.#commit({ ...this.#meta, frames: ids.map((i) => cur.get(i)!) });
  }

  setFps(fps: number): void {
    if (!(fps > 0 && fps <= 120)) throw new StudioError(`fps must be between 0 and 120, got ${fps}`);
    this.#commit({ ...this.#meta, fps });
  }

  /** Listed frames whose file is missing, and PNG files nobody lists (left by a crash). */
  check(): { missing: number[]; orphans: string[] } {
    const listed = new Set(this.#meta.frames.map((f) => basename(f.file)));
    const missing = this.#meta.frames.filter((f) => !existsSync(join(this.dir, f.file))).map((f) => f.id);
    const orphans = readdirSync(join(this.dir, FRAMES_DIR))
      .filter((n) => /^\d{6,}\.png$/.test(n) && !listed.has(n))
      .map((n) => `${FRAMES_DIR}/${n}`);
    return { missing, orphans };
  }

  /** Refuse a frame of `size` bytes beyond a quota, saying what to do instead. */
  #checkQuota(size: number): void {
    const L = this.limits;
    const film = `the film "${this.name}"`;
    const newFilm = `Export it (shammie film export ${this.dir} --out film.mp4) and start a new film ("new film called …")`;
    if (size > L.frameBytes)
      throw new StudioError(
        `the frame is ${formatBytes(size)}; a frame may be at most ${formatBytes(L.frameBytes)}. Lower the camera's width and height.`,
      );
    if (this.#meta.frames.length >= L.frames)
      throw new StudioError(`${film} has ${this.#meta.frames.length} frames, the most a film may hold. ${newFilm}.`);
    if (this.bytes + size > L.filmBytes && this.rescan() + size > L.filmBytes)
      throw new StudioError(
        `${film} holds ${formatBytes(this.bytes)} of frames and this frame needs ${formatBytes(size)} more; a film may hold at most ${formatBytes(L.filmBytes)}. ${newFilm}, or delete frames you no longer need.`,
      );
    const free = this.#freeBytes(this.dir);
    if (free !== null && free - size < L.reserveBytes)
      throw new StudioError(
        `only ${formatBytes(Math.max(0, free))} are free on the disk holding ${this.dir}; a frame is not saved when less than ${formatBytes(L.reserveBytes)} would be left. Free disk space (films you have exported, old recordings), then shoot again.`,
      );
  }

  #get(id: number): FrameRecord {
    const rec = this.#meta.frames.find((f) => f.id === id);
    if (!rec) throw new StudioError(`no frame ${id} in ${this.name} (frames: ${this.#meta.frames.map((f) => f.id).join(', ') || 'none'})`);
    return rec;
  }

  #commit(next: StudioMeta): void {
    const meta = { ...next, updatedAt: new Date().toISOString() };
    const prev = this.#meta;
    this.#meta = meta;
    try {
      this.#save();
    } catch (err) {
      this.#meta = prev;
      throw err;
    }
  }

  #save(): void {
    writeAtomic(join(this.dir, STUDIO_FILE), JSON.stringify(this.#meta, null, 2) + '\n');
  }
}

export function frameFile(id: number): string {
  return `${FRAMES_DIR}/${String(id).padStart(6, '0')}.png`;
}

/** Atomic write (the library's temp + fsync + rename), reported as a studio error. */
export function writeAtomic(target: string, data: Uint8Array | string): void {
  try {
    writeFileAtomic(target, data);
  } catch (err) {
    const why = (err as Error).message.replace(/\.? The previous version is unchanged\.$/, '');
    throw new StudioError(
      isDiskFull(err)
        ? `the disk is full: ${why}; the film is as it was before. Free disk space (films you have exported, old recordings), then try again.`
        : why,
    );
  }
}

/** Delete temp files left by writers that are no longer running. */
function removeTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (alive && pid !== process.pid) continue;
    if (pid === process.pid) {
      // our own leftovers only if old (another StudioSession in this process may be writing)
      try {
        if (Date.now() - statSync(join(dir, n)).mtimeMs < 60_000) continue;
      } catch {
        continue;
      }
    }
    try {
      unlinkSync(join(dir, n));
    } catch {
      /* raced */
    }
  }
}
