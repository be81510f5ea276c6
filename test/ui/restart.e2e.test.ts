/**
 * End-to-end: the session server is killed (SIGKILL, as a crash) while a preview waits for
 * confirmation, and started again on the same port and data folder. The console must say
 * "disconnected" within 1 s of the kill (never the session state from before it), reconnect by
 * itself, and get the transcript, the sim world (the candy still in the gripper) and the pending
 * preview back from the session log, with a notice of what was restored and what was lost.
 * Screenshots go to test-artifacts/ui/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../server/build.js';
import type { PageWindow } from './browser.js';
import { chromiumAvailable, launchBrowser, openConsole, type BrowserHarness } from './harness.js';

declare const window: PageWindow;
declare const document: {
  title: string;
  querySelector(s: string): { textContent: string | null; getAttribute(n: string): string | null } | null;
};
declare const MutationObserver: new (cb: () => void) => { observe(n: unknown, o: Record<string, boolean>): void };

const ARTIFACTS = 'test-artifacts/ui';
const run = chromiumAvailable() || process.env.CI ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The server in its own process, with what it printed and how it ended (for a failure's report). */
interface Server {
  child: ChildProcess;
  url: string;
  log: () => string;
}

/** The server in its own process; resolves with the console URL once it listens. */
function startServer(port: number, dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/ui/restart-server.ts', String(port), dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited: string | null = null;
  const log = () => `exit: ${exited ?? 'running'}; stdout: ${out.slice(-800)}; stderr: ${err.slice(-1500)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s: ${log()}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], log });
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code, signal) => {
      exited = `code ${code} signal ${signal}`;
      clearTimeout(timer);
      reject(new Error(`the server exited (${exited}) before it listened: ${err.slice(-500)}`));
    });
  });
}

run('a server killed and restarted under the console (chromium)', () => {
  let b: BrowserHarness;
  let server: ChildProcess | null = null;
  let serverLog = () => '';
  let url = '';
  let port = 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'shammie-restart-'));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureConsoleBuilt();
    port = await freePort();
    ({ child: server, url, log: serverLog } = await startServer(port, dataDir));
    b = await launchBrowser({ width: 1280, height: 800 });
    await openConsole(b.page, url);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says disconnected within 1 s, reconnects, and brings back the transcript, the world and the pending preview', async () => {
    // A motion first: the candy ends in the gripper, and the world is logged once the arm rests.
    await b.page.fill('[data-testid=utterance]', 'pick up the candy');
    await b.page.press('[data-testid=utterance]', 'Enter');
    await b.page.waitForFunction(() => window.__shammie.stores.preview.getState().mode === 'pending', undefined, { timeout: 30_000 });
    await b.page.click('[data-testid=execute]');
    await b.page.waitForFunction(() => window.__shammie.stores.session.getState().held === 'CANDY', undefined, { timeout: 30_000 });
    await b.page.waitForFunction(() => !window.__shammie.stores.session.getState().moving, undefined, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1500)); // the snapshot follows the rest by 0.7 s
    await b.page.fill('[data-testid=utterance]', 'put it in the bag');
    await b.page.press('[data-testid=utterance]', 'Enter');
    await b.page.waitForFunction(() => window.__shammie.stores.preview.getState().mode === 'pending', undefined, { timeout: 30_000 });
    await b.page.waitForFunction(() => document.querySelector('[data-testid=phase]')?.getAttribute('data-state') === 'previewing');
    const before = await b.page.evaluate(() => ({
      id: window.__shammie.stores.preview.getState().preview!.id,
      // What was said (system notes are not in the session log; the notice says so).
      said: window.__shammie.stores.session
        .getState()
        .transcript.filter((e) => e.role !== 'system')
        .map((e) => e.text),
    }));
    expect(before.said).toContain('pick up the candy');
    expect(before.said).toContain('put it in the bag');

    // Every pill change from now on, with the wall clock (the same clock as this process).
    await b.page.evaluate(() => {
      const w = window as unknown as { __pill: { at: number; state: string; text: string; title: string }[] };
      w.__pill = [];
      const pill = document.querySelector('[data-testid=phase]')!;
      const note = () =>
        w.__pill.push({
          at: Date.now(),
          state: pill.getAttribute('data-state') ?? '',
          text: pill.textContent ?? '',
          title: document.title,
        });
      new MutationObserver(note).observe(pill, { attributes: true, childList: true, characterData: true, subtree: true });
    });

    // Read before the kill: read after the restart, a console that had already reconnected
    // would give the new server's id (a race that failed CI under load).
    const oldId = await b.page.evaluate(() => window.__shammie.stores.connection.getState().serverId);
    expect(oldId).toBeTruthy();
    const killedAt = Date.now();
    server!.kill('SIGKILL');
    await b.page.waitForFunction(
      () => ['disconnected', 'reconnecting'].includes(document.querySelector('[data-testid=phase]')?.getAttribute('data-state') ?? ''),
      undefined,
      { timeout: 5000, polling: 20 },
    );
    const lost = await b.page.evaluate(
      () => (window as unknown as { __pill: { at: number; state: string; text: string; title: string }[] }).__pill,
    );
    const first = lost.find((p) => p.state === 'disconnected' || p.state === 'reconnecting')!;
    const detectMs = first.at - killedAt;
    console.log(`[restart e2e] the pill said "${first.text}" ${detectMs} ms after the kill (title "${first.title}")`);
    expect(detectMs).toBeLessThanOrEqual(1000);
    expect(first.text).toMatch(/^Disconnected/);
    expect(first.title).toMatch(/^Shammie — (Disconnected|Reconnecting)/);
    await b.page.screenshot({ path: join(ARTIFACTS, 'restart-1-disconnected.png') });

    // The server comes back on the same port and data folder.
    const restartedAt = Date.now();
    ({ child: server, log: serverLog } = await startServer(port, dataDir));
    await b.page
      .waitForFunction(
        (old) => {
          const c = window.__shammie.stores.connection.getState();
          return c.state === 'connected' && c.synced && c.serverId !== old;
        },
        oldId,
        { timeout: 30_000, polling: 50 },
      )
      .catch(async (err: Error) => {
        // What the console and the new server were doing, for the report.
        const c = await b.page.evaluate(() => {
          const s = window.__shammie.stores.connection.getState();
          return {
            state: s.state,
            synced: s.synced,
            serverId: s.serverId,
            attempts: s.attempts,
            connects: s.connects,
            lastError: s.lastError,
          };
        });
        throw new Error(`${err.message}\nconsole: ${JSON.stringify(c)} (old server ${oldId})\nserver: ${serverLog()}`);
      });
    console.log(`[restart e2e] reconnected ${Date.now() - restartedAt} ms after the restart began`);

    // While it was down, the pill never showed the session state from before the kill.
    const during = await b.page.evaluate(() => (window as unknown as { __pill: { state: string; text: string }[] }).__pill);
    const downIdx = during.findIndex((p) => p.state === 'disconnected' || p.state === 'reconnecting');
    const upIdx = during.findIndex((p, i) => i > downIdx && !['disconnected', 'reconnecting', 'connecting'].includes(p.state));
    for (const p of during.slice(downIdx, upIdx < 0 ? undefined : upIdx)) expect(p.text).not.toMatch(/confirmation|Ready|Moving/);

    // The transcript, the world and the pending preview are back (planned again in the restored world).
    await b.page.waitForFunction(
      () => {
        const p = window.__shammie.stores.preview.getState();
        return p.mode === 'pending' && p.preview?.utterance === 'put it in the bag';
      },
      undefined,
      { timeout: 30_000 },
    );
    const after = await b.page.evaluate(() => ({
      id: window.__shammie.stores.preview.getState().preview!.id,
      transcript: window.__shammie.stores.session.getState().transcript.map((e) => e.text),
      notice: window.__shammie.stores.session.getState().localProblems.find((p) => p.id === 'restart')?.message ?? '',
    }));
    expect(after.id).not.toBe(before.id);
    for (const line of before.said) expect(after.transcript).toContain(line);
    expect(after.transcript.some((t) => t.startsWith('The server restarted: the previous session'))).toBe(true);
    expect(after.notice).toMatch(
      /Restored: \d+ transcript lines? from session-.*; the world \(\d+ objects where they were, the arm's pose, CANDY in the gripper\); the pending preview of "put it in the bag"/,
    );
    expect(after.notice).not.toMatch(/world was reset/);
    // The console shows the restored world: the candy is in the gripper again.
    await b.page.waitForFunction(() => window.__shammie.stores.session.getState().held === 'CANDY', undefined, { timeout: 10_000 });
    console.log(`[restart e2e] notice: ${after.notice}`);
    await b.page.waitForSelector('[data-problem=restart]');
    await b.page.waitForFunction(() => document.querySelector('[data-testid=phase]')?.getAttribute('data-state') === 'previewing');
    expect(await b.page.title()).toBe('Shammie — Waiting for confirmation');
    await b.page.screenshot({ path: join(ARTIFACTS, 'restart-2-restored.png') });
    expect(b.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
  }, 180_000);
});
