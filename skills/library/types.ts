/**
 * The skill library's vocabulary: file constants, the error type, the public record shapes, and
 * the in-memory state the other library modules pass around (skills/library/library.ts
 * re-exports the public part).
 */
import type { BehaviorDefinition, SkillParam } from '../registry.js';
import type { Entity } from '../../model/world.js';
import type { Workspace } from '../../model/bounds.js';

export const LIBRARY_FORMAT = 'shammie-library';
export const LIBRARY_VERSION = 1;
export const LIBRARY_FILE = 'library.json';
/** relative to the current directory */
export const DEFAULT_DATA_DIR = 'shammie-data';
/** undo depth; older entries are dropped */
export const MAX_HISTORY = 100;

export class LibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryError';
  }
}

/** A learned motion skill (e.g. a demonstrated trajectory). `data` is any JSON; its meaning comes later. */
export interface MotionSkill {
  name: string;
  description: string;
  params: SkillParam[];
  data: unknown;
}

export interface HistoryRecord {
  seq: number;
  /** ISO time */
  at: string;
  action: string;
  summary: string;
}

export interface LibraryChange {
  action: string;
  summary: string;
  /** history seq of the change; null for an undo (which removes its entry) */
  seq: number | null;
}

/** Physical checks of the library's entries beyond their shape (model/bounds.ts). */
export interface LibraryBounds {
  /**
   * the robot's workspace: a taught point outside it is refused, on load like a corrupt file and
   * on every change (without one, only the absolute WORLD_LIMIT of the schema applies)
   */
  workspace?: Workspace;
  /** why a learned motion's data cannot be used (a number out of bounds, …), or null */
  checkMotion?: (m: MotionSkill) => string | null;
}

export interface OpenOptions extends LibraryBounds {
  /** create the folder and an empty library when missing (default true) */
  create?: boolean;
}

// ---------------------------------------------------------------- in-memory state

export interface Collections {
  behaviors: BehaviorDefinition[];
  entities: Entity[];
  motions: MotionSkill[];
}

export interface PatchPart<T> {
  order: string[];
  restore: Record<string, T | null>;
}

export interface UndoPatch {
  behaviors?: PatchPart<BehaviorDefinition>;
  entities?: PatchPart<Entity>;
  motions?: PatchPart<MotionSkill>;
}

export interface HistoryEntry extends HistoryRecord {
  undo: UndoPatch;
}

export interface LibraryState extends Collections {
  lastSeq: number;
  history: HistoryEntry[];
}

export const EMPTY: LibraryState = { behaviors: [], entities: [], motions: [], lastSeq: 0, history: [] };

export const clone = <T>(v: T): T => structuredClone(v);
