/**
 * The console served well: assets compressed at build (brotli, gzip), the encoding chosen from
 * Accept-Encoding with the right headers, hashed assets cached for good, ETags answered with
 * 304, and a first load that does not carry the 3D view, teaching or studio code.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, precompressAssets, UI_DIST } from '../../server/build.js';
import { acceptedEncodings, consoleCacheControl, etagMatches, IMMUTABLE } from '../../server/static.js';
import { openTestServer, type TestServer } from './ws-client.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request with nothing decoded for us (fetch would undo the Content-Encoding). */
function raw(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decode(r: Raw): Buffer {
  const enc = r.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(r.body);
  if (enc === 'gzip') return gunzipSync(r.body);
  expect(enc).toBeUndefined();
  return r.body;
}

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

describe('precompressAssets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shammie-precompress-'));
    mkdirSync(join(dir, 'assets'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes .br and .gz copies that decode to the file, and none for tiny or non-text files', async () => {
    const js = Buffer.from('export const a = "the candy goes in the bag";\n'.repeat(400));
    writeFileSync(join(dir, 'assets', 'app-AbCdEf12.js'), js);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><p>hi</p>'); // under the size worth compressing
    writeFileSync(join(dir, 'assets', 'pic.png'), Buffer.alloc(4096, 7)); // images are not text
    const rows = await precompressAssets(dir);
    expect(rows.map((r) => r.file)).toEqual([join('assets', 'app-AbCdEf12.js')]);
    expect(brotliDecompressSync(readFileSync(join(dir, 'assets', 'app-AbCdEf12.js.br'))).equals(js)).toBe(true);
    expect(gunzipSync(readFileSync(join(dir, 'assets', 'app-AbCdEf12.js.gz'))).equals(js)).toBe(true);
    expect(rows[0].br).toBeLessThan(rows[0].gzip!);
    expect(rows[0].gzip).toBeLessThan(js.length);
    expect(existsSync(join(dir, 'index.html.br'))).toBe(false);
    expect(existsSync(join(dir, 'assets', 'pic.png.br'))).toBe(false);
  });
});

describe('Accept-Encoding, If-None-Match and cache rules', () => {
  it('reads q-values: q=0 refuses, * accepts the rest', () => {
    expect([...acceptedEncodings('gzip, deflate, br')].sort()).toEqual(['br', 'deflate', 'gzip']);
    expect([...acceptedEncodings('br;q=0, gzip;q=0.5')]).toEqual(['gzip']);
    expect([...acceptedEncodings('*;q=0.1, gzip;q=0')]).toEqual(['br']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
    expect([...acceptedEncodings('identity')]).toEqual(['identity']);
  });

  it('matches ETags weakly, in lists and with *', () => {
    expect(etagMatches('"a-1-br"', '"a-1-br"')).toBe(true);
    expect(etagMatches('W/"a-1-br", "zz"', '"a-1-br"')).toBe(true);
    expect(etagMatches('*', '"x"')).toBe(true);
    expect(etagMatches('"a-1-gzip"', '"a-1-br"')).toBe(false);
    expect(etagMatches(undefined, '"a-1-br"')).toBe(false);
  });

  it('caches only content-hashed assets for good', () => {
    expect(consoleCacheControl('/assets/index-DO6OdrVQ.js')).toBe(IMMUTABLE);
    expect(consoleCacheControl('/assets/StudioPanel-CHWb6om-.js')).toBe(IMMUTABLE);
    expect(consoleCacheControl('/assets/index-Q-KI5diy.css')).toBe(IMMUTABLE);
    expect(consoleCacheControl('/index.html')).toBe('no-cache');
    expect(consoleCacheControl('/assets/logo.js')).toBe('no-cache');
  });
});

describe('the console as the session server sends it', () => {
  let t: TestServer;
  let base: string;
  let token: string;
  let manifest: Record<string, ManifestChunk>;
  let entry: ManifestChunk;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    t = await openTestServer({ server: { console: 'prebuilt' } });
    base = t.server.url;
    token = t.server.token;
    manifest = JSON.parse(readFileSync(join(UI_DIST, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
    entry = Object.values(manifest).find((c) => c.isEntry)!;
  }, 180_000);
  afterAll(() => t?.close());

  it('sends brotli, gzip or the file itself as Accept-Encoding asks, with type, length, Vary and immutable caching', async () => {
    const path = `/${entry.file}`;
    const plain = readFileSync(join(UI_DIST, entry.file));
    const cases: [string | undefined, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip, deflate', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['identity', undefined],
      [undefined, undefined],
    ];
    for (const [accept, want] of cases) {
      const r = await raw(base, path, accept === undefined ? {} : { 'accept-encoding': accept });
      expect(r.status, accept).toBe(200);
      expect(r.headers['content-encoding'], accept).toBe(want);
      expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(r.headers.vary).toBe('Accept-Encoding');
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
      expect(decode(r).equals(plain), accept).toBe(true);
      if (want) expect(r.body.length).toBeLessThan(plain.length / 3);
    }
  });

  it('answers a matching If-None-Match with 304 and no body, per encoding', async () => {
    const path = `/${entry.file}`;
    const first = await raw(base, path, { 'accept-encoding': 'br' });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^".+-br"$/);
    const again = await raw(base, path, { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toMatch(/immutable/);
    // The gzip copy is another representation: the br ETag does not validate it.
    const gz = await raw(base, path, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    const head = await raw(base, path, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
  });

  it('sends index.html compressed with no-cache, and refuses escapes and the compressed files by name', async () => {
    const r = await raw(base, `/?token=${token}`, { accept: 'text/html', 'accept-encoding': 'br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(decode(r).toString('utf8')).toContain('<div id="root">');
    const etag = r.headers.etag!;
    expect((await raw(base, `/?token=${token}`, { accept: 'text/html', 'accept-encoding': 'br', 'if-none-match': etag })).status).toBe(304);
    expect((await raw(base, `/${entry.file}.br`)).status).toBe(404);
    expect((await raw(base, `/${entry.file}.gz`)).status).toBe(404);
    expect((await raw(base, '/assets/..%2f..%2fpackage.json')).status).toBe(404);
    expect((await raw(base, '/..%2fserver%2findex.ts')).status).toBe(404);
  });

  it('loads first only the entry and its static imports, without the 3D view, teaching or studio code', () => {
    const firstLoad = new Set<string>();
    const visit = (key: string, depth: number) => {
      expect(depth).toBeLessThan(50); // a manifest's import chains are short
      const c = manifest[key];
      if (!c || firstLoad.has(c.file)) return;
      firstLoad.add(c.file);
      for (const k of c.imports ?? []) visit(k, depth + 1);
    };
    visit(
      Object.keys(manifest).find((k) => manifest[k].isEntry)!,
      0,
    );
    // What the browser is told to fetch first is exactly that set.
    const html = readFileSync(join(UI_DIST, 'index.html'), 'utf8');
    const listed = [...html.matchAll(/<(?:script type="module"[^>]*src|link rel="modulepreload"[^>]*href)="\.\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(new Set(listed)).toEqual(firstLoad);
    // The lazy parts exist as their own chunks, reached only by dynamic import.
    const lazy = (entry.dynamicImports ?? []).map((k) => manifest[k].src);
    expect(lazy).toEqual(expect.arrayContaining(['src/scene/Viewport.tsx', 'src/panels/TeachPanel.tsx', 'src/studio/StudioPanel.tsx']));
    for (const k of entry.dynamicImports ?? []) expect(firstLoad.has(manifest[k].file)).toBe(false);
    // And none of their code (or three.js) was pulled into a first-load chunk.
    let brBytes = 0;
    for (const file of firstLoad) {
      const code = readFileSync(join(UI_DIST, file), 'utf8');
      expect(code, file).not.toMatch(/WebGLRenderer|TransformControls|studio-open|teach-start/);
      brBytes += readFileSync(join(UI_DIST, `${file}.br`)).length;
    }
    // The on-disk brotli size: a guard only; the acceptance figure is measured from the network by bench/ui.ts.
    expect(brBytes / 1024).toBeLessThan(250);
  });
});
