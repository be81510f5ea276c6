/** Console settings that outlive a restart: auto-confirm flags in <data>/console.json. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestServer, teachCollect, type TestClient, type TestServer } from './ws-client.js';

const dataDir = mkdtempSync(join(tmpdir(), 'shammie-settings-'));
const file = join(dataDir, 'console.json');

async function withServer<T>(fn: (c: TestClient, t: TestServer) => Promise<T>): Promise<T> {
  const t = await openTestServer({ dataDir, app: { dataDir }, server: { voice: false } });
  try {
    return await fn(t.c, t);
  } finally {
    await t.close();
  }
}

const autoConfirmed = async (c: TestClient) => (await c.next('library')).skills.filter((s) => s.autoConfirm).map((s) => s.name);

describe('console settings', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('auto-confirm survives a restart', async () => {
    await withServer(async (c, t) => {
      expect(await autoConfirmed(c)).toEqual([]);
      teachCollect(t.app);
      const from = c.mark();
      c.send({ type: 'auto_confirm', skill: 'collect', enabled: true, acknowledged: true });
      await c.next('library', (m) => m.skills.some((s) => s.name === 'collect' && s.autoConfirm), 5000, from);
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: 'shammie-console', version: 1, autoConfirm: ['collect'] });
    await withServer(async (c) => {
      expect(await autoConfirmed(c)).toEqual(['collect']);
      const from = c.mark();
      c.send({ type: 'auto_confirm', skill: 'collect', enabled: false });
      await c.next('library', (m) => m.skills.every((s) => !s.autoConfirm), 5000, from);
    });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { autoConfirm: string[] }).autoConfirm).toEqual([]);
  }, 60_000);

  it('an unreadable settings file is set aside with a warning, never used or lost', async () => {
    writeFileSync(file, '{"format": "shammie-console", "version": 1, "autoConfirm": "pickup"}');
    await withServer(async (c) => {
      const status = await c.next('status');
      expect(status.problems.find((p) => p.id === 'settings')?.message).toMatch(/could not be read.*autoConfirm/);
      expect(await autoConfirmed(c)).toEqual([]);
    });
    expect(existsSync(file)).toBe(false);
    const aside = readdirSync(dataDir).find((n) => n.startsWith('console.json.unreadable-'));
    expect(readFileSync(join(dataDir, aside!), 'utf8')).toContain('"autoConfirm": "pickup"');
  }, 60_000);
});
