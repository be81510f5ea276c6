/**
 * Shared set-up for the console's browser tests and the UI benchmark: a session server on a
 * free port (real-time sim, in this process) and Debian's chromium driven by playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApp, type App, type AppOptions } from '../../session/app.js';
import { ensureConsoleBuilt } from '../../server/build.js';
import { startSessionServer, type SessionServer } from '../../server/index.js';

import type { PageWindow } from './browser.js';

declare const window: PageWindow;

export const CHROMIUM = process.env.SHAMMIE_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export interface ConsoleHarness {
  app: App;
  server: SessionServer;
  /** the console's link, with the access token (what `shammie start` prints); `new URL('api/…', url)` drops the token */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startConsole(opts: AppOptions = {}): Promise<ConsoleHarness> {
  await ensureConsoleBuilt();
  // The watchdog halts a moving arm after 250 ms of a frozen event loop; under a loaded CI the
  // browser tests' server (in this busy process) stalls that long without freezing. Its own test
  // (test/robot-bridge/watchdog.test.ts) keeps the 250 ms.
  const app = await createApp({ pace: 'realtime', watchdog: { timeoutMs: 2000 }, ...opts });
  const dataDir = mkdtempSync(join(tmpdir(), 'shammie-ui-'));
  const server = await startSessionServer(app, { port: 0, host: '127.0.0.1', probes: [], dataDir, console: 'prebuilt' });
  return {
    app,
    server,
    url: server.consoleUrl,
    dataDir,
    async close() {
      await app.session.stop().catch(() => undefined);
      await server.close();
      await app.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BrowserHarness {
  context: BrowserContext;
  page: Page;
  /** console errors and page errors seen so far */
  errors: string[];
  close(): Promise<void>;
}

/** Headless chromium with software WebGL (SwiftShader); see shared/reference/ui-stack.md. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }, extraArgs: string[] = []): Promise<BrowserHarness> {
  const profile = mkdtempSync(join(tmpdir(), 'shammie-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    // Known noise: three's Clock deprecation via R3F, the WebGL software fallback notice.
    if (/THREE\.Clock|THREE\.THREE\.Clock|deprecated|GPU stall|SwiftShader|Automatic fallback to software WebGL/i.test(text)) return;
    errors.push(`${m.type()}: ${text}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Load the console and wait until it is connected and the robot is drawn. */
export async function openConsole(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    () => {
      const s = window.__shammie;
      return (
        s && s.stores.connection.getState().state === 'connected' && s.frames.robotReady && s.frames.frames > 0 && s.joints.received > 0
      );
    },
    undefined,
    { timeout: 30_000 },
  );
}

/** The parts of /api/status the browser tests read. */
export interface ConsoleStatus {
  objects: Record<string, { position: number[]; in: string | null; held: boolean }>;
  joints: { positions: number[]; velocities: number[] };
  known: { name: string; kind: string }[];
  executing: boolean;
  pendingPlan: unknown;
}

export async function consoleStatus(url: string): Promise<ConsoleStatus> {
  return (await fetch(new URL('api/status', url))).json() as Promise<ConsoleStatus>;
}
