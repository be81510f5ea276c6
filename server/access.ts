/**
 * Who may talk to the session server.
 *
 * - **Token.** A random per-install token lives in `<dataDir>/token` (mode 0600). Every request
 *   that changes anything (POST, the WebSocket, stop-motion frames) must carry it: as
 *   `Authorization: Bearer …`, an `x-shammie-token` header, `?token=…`, or the cookie the console
 *   page sets when it is opened with `?token=…` (the URL `shammie start` prints, as Jupyter does).
 *   Reads of the status, the console's code and the robot description need no token.
 * - **Host.** The Host header must be a loopback name, an address of this machine, or a name the
 *   operator allowed (`--allow-host`). A DNS-rebinding page reaches us under its own name: refused.
 * - **Origin.** A browser's Origin must equal this server's own origin, scheme included.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';

export const TOKEN_FILE = 'token';
/** 32 random bytes, hex */
const TOKEN_RE = /^[0-9a-f]{64}$/;

/** The install's token: read from `<dataDir>/token`, or made (mode 0600) on first start. */
export function loadOrCreateToken(dataDir: string): { token: string; path: string; created: boolean } {
  const path = join(dataDir, TOKEN_FILE);
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (!TOKEN_RE.test(text))
      throw Object.assign(
        new Error(`${path} does not hold a valid access token (64 hex digits); delete it and start again to make a new one`),
        { name: 'ConfigError' },
      );
    // Someone loosened the mode: the token is a password, keep it private.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { token: text, path, created: false };
  }
  mkdirSync(dirname(path), { recursive: true });
  const token = randomBytes(32).toString('hex');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, token + '\n', { mode: 0o600 });
  renameSync(tmp, path);
  return { token, path, created: true };
}

/** The cookie the console page gets; per port, so two servers on one host do not share it. */
export function tokenCookieName(port: number): string {
  return `shammie_token_${port}`;
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The token a request presents, wherever it put it; null when none. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-shammie-token'];
  if (typeof header === 'string') return header.trim();
  const query = url.searchParams.get('token');
  if (query) return query;
  return cookieValue(req, tokenCookieName(port));
}

export function tokenMatches(presented: string | null, token: string): boolean {
  if (!presented || presented.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(token));
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The host names a request may address us by: loopback names, the name we were bound to, this
 * machine's name and interface addresses (when listening beyond loopback), and names the
 * operator allowed. Lower case, without ports.
 */
export function allowedHostNames(bindHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>(LOOPBACK_HOSTS);
  const bound = bindHost.replace(/^\[|\]$/g, '').toLowerCase();
  const wildcard = bound === '0.0.0.0' || bound === '::' || bound === '';
  if (!wildcard) names.add(bound.includes(':') ? `[${bound}]` : bound);
  if (wildcard || !isLoopbackAddress(bound)) {
    names.add(hostname().toLowerCase());
    names.add(`${hostname().toLowerCase()}.local`);
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address.toLowerCase()}]` : a.address);
  }
  for (const e of extra) names.add(e.toLowerCase());
  return names;
}

/** The host name of a Host header ("example.org:8686" → "example.org", "[::1]:80" → "[::1]"). */
export function hostNameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** null when the Host header names us; otherwise why not. */
export function hostProblem(req: IncomingMessage, allowed: ReadonlySet<string>): string | null {
  const host = req.headers.host;
  if (!host) return 'the request has no Host header';
  const name = hostNameOf(host);
  if (allowed.has(name)) return null;
  return `the Host "${host}" is not one of this server's names; if you reach it by that name on purpose, start it with --allow-host ${name}`;
}

/**
 * null when the request has no Origin (not a browser page) or its Origin is exactly this server's
 * origin (scheme, host and port); otherwise why not.
 */
export function originProblem(req: IncomingMessage, scheme: 'http' | 'https'): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return `the Origin "${origin}" is not a URL`;
  }
  const own = `${scheme}://${(req.headers.host ?? '').toLowerCase()}`;
  let expected: string;
  try {
    expected = new URL(own).origin;
  } catch {
    return 'the request has no usable Host header';
  }
  return o.origin === expected ? null : `requests from ${o.origin} are refused; only pages of ${expected} may drive the robot`;
}
