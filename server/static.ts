/**
 * Static files over HTTP: the console build (ui/dist), the robot description, studio frames.
 *
 * The console's assets are compressed once at build (server/build.ts writes `x.js.br` and
 * `x.js.gz` next to `x.js`); here the smallest variant the browser accepts is sent
 * (br > gzip > identity), with `Vary: Accept-Encoding` so caches keep them apart. Every
 * response carries an ETag (size and mtime of the file sent), and a matching If-None-Match
 * gets a 304 with no body.
 */
import { createReadStream, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.urdf': 'application/xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.stl': 'model/stl',
  '.dae': 'model/vnd.collada+xml',
  '.obj': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Cache-Control of the console's files: Vite's content-hashed assets never change under their name. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** `assets/name-HASH.js` (or .css): Vite's hashes are 8 url-safe base64 characters */
const HASHED_ASSET = /^\/?assets\/[^/]+-[A-Za-z0-9_-]{8}\.(?:js|css)$/;

export function consoleCacheControl(rel: string): string {
  return HASHED_ASSET.test(rel) ? IMMUTABLE : 'no-cache';
}

/** The encodings precompressed files exist for, best first, and their file suffixes. */
export const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;
type Encoding = (typeof ENCODINGS)[number][0];

/** Header values are bounded before parsing (a client may send anything). */
const MAX_HEADER = 1024;

/** Encodings the client accepts (q > 0), from an Accept-Encoding header. */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).slice(0, MAX_HEADER);
  const out = new Set<string>();
  let any = false;
  const refused = new Set<string>();
  for (const part of value.split(',').slice(0, 32)) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name === '*') any = accepted;
    else if (accepted) out.add(name);
    else refused.add(name);
  }
  if (any) for (const [e] of ENCODINGS) if (!refused.has(e)) out.add(e);
  return out;
}

/** True when an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).slice(0, MAX_HEADER);
  if (!value) return false;
  const bare = etag.replace(/^W\//, '');
  return value
    .split(',')
    .slice(0, 32)
    .some((t) => {
      const tag = t.trim();
      return tag === '*' || tag.replace(/^W\//, '') === bare;
    });
}

function fileStat(path: string): Stats | null {
  try {
    const s = statSync(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

export interface ServeOptions {
  /** look for `.br` / `.gz` files next to the file and send the best one the client accepts */
  precompressed?: boolean;
}

/**
 * Serve a file from `root` if `rel` stays inside it; false when there is no such file (the
 * caller answers 404). GET and HEAD only.
 */
export function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  rel: string,
  cache: string,
  opts: ServeOptions = {},
): boolean {
  const path = normalize(join(root, rel));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  // The compressed copies are reached through Accept-Encoding, not by their own names.
  if (opts.precompressed && ENCODINGS.some(([, suffix]) => path.endsWith(suffix))) return false;
  const stat = fileStat(path);
  if (!stat) return false;
  let sent = { path, stat, encoding: null as Encoding | null };
  if (opts.precompressed) {
    const accepted = acceptedEncodings(req.headers['accept-encoding']);
    for (const [encoding, suffix] of ENCODINGS) {
      if (!accepted.has(encoding)) continue;
      const s = fileStat(path + suffix);
      if (s) {
        sent = { path: path + suffix, stat: s, encoding };
        break;
      }
    }
  }
  const etag = `"${sent.stat.size.toString(36)}-${Math.floor(sent.stat.mtimeMs).toString(36)}${sent.encoding ? `-${sent.encoding}` : ''}"`;
  const headers: Record<string, string | number> = {
    'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cache,
    etag,
    'x-content-type-options': 'nosniff',
  };
  if (opts.precompressed) headers.vary = 'Accept-Encoding';
  if (etagMatches(req.headers['if-none-match'], etag)) {
    delete headers['content-type'];
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  if (sent.encoding) headers['content-encoding'] = sent.encoding;
  headers['content-length'] = sent.stat.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else
    createReadStream(sent.path)
      // A rebuild may swap ui/dist away mid-read: end this response rather than the process.
      .on('error', () => res.destroy())
      .pipe(res);
  return true;
}
