/**
 * Film names and their folders. A film lives in <dataDir>/studio/<folder>; the folder is the
 * name as typed or said with its spaces turned into dashes ("hulk smash" → hulk-smash), and
 * holds letters, digits, - and _ only, so no name reaches outside the studio folder. The
 * console's studioNameSchema (server/protocol-studio.ts) applies the same rule, and the voice
 * planner makes the same folder of "new film called hulk smash"; test/studio/film-name.test.ts
 * checks that they agree.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STUDIO_FILE } from './session.js';

export const FILM_FOLDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const FILM_NAME_RULE = 'use letters, digits, spaces, - and _ (at most 64)';
/** Folders looked at in a studio folder (a bigger one is listed as its first ones). */
export const MAX_FILMS_LISTED = 10_000;

/** "hulk smash" → "hulk-smash"; null when the name cannot be a folder (see FILM_NAME_RULE). */
export function filmFolderName(name: string): string | null {
  const folder = name.trim().replace(/\s+/g, '-');
  return FILM_FOLDER.test(folder) ? folder : null;
}

/** The films (folders with a studio.json) in a studio folder, sorted; a missing folder has none. */
export function filmFolders(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root).slice(0, MAX_FILMS_LISTED);
  } catch {
    return [];
  }
  return names.filter((n) => FILM_FOLDER.test(n) && isFilm(join(root, n))).sort();
}

/**
 * The existing film whose folder is `folder`: exactly, else the one that differs only in case
 * (voice names are lower case; a console user may have typed "Hulk-Smash"). Null when there is
 * none, or when several differ only in case (the caller then uses `folder` as it is).
 */
export function findFilmFolder(root: string, folder: string): string | null {
  if (isFilm(join(root, folder))) return folder;
  const lower = folder.toLowerCase();
  const same = filmFolders(root).filter((n) => n.toLowerCase() === lower);
  return same.length === 1 ? same[0] : null;
}

function isFilm(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && existsSync(join(dir, STUDIO_FILE));
  } catch {
    return false;
  }
}
