/**
 * Keys and an optional on-disk cache for the work done once per robot (the sphere
 * decomposition, the allowed-collision matrix). The key is a SHA-256 of the robot description
 * as parsed from its URDF (every link, joint, geometry and limit, in a canonical JSON form) plus
 * the parameters of the computation: the same URDF gives the same key on every machine, a
 * changed shape or joint gives a new one, and comments or whitespace in the file do not matter.
 *
 * The cache file is JSON: { "version": 1, "entries": { "<kind>:<key>": value } }. A missing,
 * unreadable or foreign file is treated as empty (and overwritten on save); writes go to a
 * temporary file first and are renamed into place, so a reader never sees half a file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RobotDescription } from '../model/description/urdf.js';

/** Bumped whenever a cached computation changes its meaning. */
export const CACHE_VERSION = 1;

/** Canonical JSON: object keys sorted, Maps as sorted objects, so equal data gives equal text. */
function canonical(value: unknown): string {
  if (value instanceof Map) return canonical(Object.fromEntries([...(value as Map<string, unknown>).entries()]));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) of the parsed URDF and the given parameters. */
export function descriptionKey(d: RobotDescription, params: Record<string, unknown>): string {
  const content = { ...d, source: undefined }; // where it was read from does not change the robot
  return createHash('sha256')
    .update(canonical({ version: CACHE_VERSION, robot: content, params }))
    .digest('hex');
}

const clearers: (() => void)[] = [];

/** Modules with in-memory caches register how to empty them. */
export function onClearCaches(clear: () => void): void {
  clearers.push(clear);
}

/**
 * Forget every in-memory cache of this layer (sphere models, allowed-collision matrices); the
 * next request recomputes or reads the cache file. For long-running processes that load many
 * URDFs, and for tests of the file cache.
 */
export function clearCollisionCaches(): void {
  for (const c of clearers) c();
}

interface CacheFile {
  version: number;
  entries: Record<string, unknown>;
}

function readCache(path: string): CacheFile {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<CacheFile>;
    if (data && data.version === CACHE_VERSION && data.entries && typeof data.entries === 'object') return data as CacheFile;
  } catch {
    // missing or unreadable: start empty
  }
  return { version: CACHE_VERSION, entries: {} };
}

/** The cached value for kind + key, or undefined. The caller validates its shape. */
export function readCacheEntry(path: string, kind: string, key: string): unknown {
  return readCache(path).entries[`${kind}:${key}`];
}

/** Store a value for kind + key, keeping the file's other entries. */
export function writeCacheEntry(path: string, kind: string, key: string, value: unknown): void {
  const data = readCache(path);
  data.entries[`${kind}:${key}`] = value;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, path);
}
