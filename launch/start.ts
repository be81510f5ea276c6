/**
 * `shammie start`: the main job. Starts the simulated arm (paced to real time) and the session
 * server on a printed URL: the operator console in a browser, its WebSocket, the JSON status
 * at /api/status and a small JSON API (say / confirm / cancel / stop / point) that drives the
 * same Session as the CLI. See server/.
 *
 * The console is a Vite build (ui/dist); when it is missing or older than its sources it is
 * built in the background at start-up (the URL works meanwhile and says so).
 */
import { resolve } from 'node:path';
import { createApp } from '../session/app.js';
import { probeOptionalParts, type ProbeResult } from '../server/probe.js';
import { exposureWarning, startSessionServer } from '../server/index.js';
import type { App } from '../session/app.js';

export { status } from '../server/status.js';

export interface StartOptions {
  /** launch profile: sim (default), ros2-rosbridge, ros2-rclnodejs, ros1-rosbridge or a path */
  profile?: string;
  scene?: string;
  seed?: number;
  robot?: string;
  port: number;
  host: string;
  /** the data folder (default ./shammie-data, or $SHAMMIE_DATA) */
  dataDir?: string;
  /** accept a URDF with missing or out-of-bound joint limits (--allow-bad-limits) */
  allowBadLimits?: boolean;
  /** more host names clients may use to reach the server (--allow-host) */
  allowHosts?: string[];
  /** HTTPS with the operator's certificate (--tls-cert, --tls-key: PEM files) */
  tls?: { cert: string; key: string };
}

/** Start the session server for an app (kept for callers of the old API). */
export async function startServer(app: App, options: { port: number; host: string; probes: ProbeResult[]; dataDir?: string }) {
  const s = await startSessionServer(app, { ...options, dataDir: options.dataDir ?? defaultDataDir() });
  return { server: s.server, url: s.url, session: s };
}

function defaultDataDir(): string {
  return resolve(process.env.SHAMMIE_DATA ?? 'shammie-data');
}

export async function start(options: StartOptions): Promise<number> {
  const app = await createApp({
    scene: options.scene,
    seed: options.seed,
    robot: options.robot,
    allowBadLimits: options.allowBadLimits,
    pace: 'realtime',
    dataDir: options.dataDir,
    profile: options.profile,
  });
  const probes = await probeOptionalParts();
  const out = process.stdout;
  out.write(
    `Shammie is running: ${app.model.name} arm in the ${app.scene.name} scene (${app.sim ? 'MuJoCo, real time' : `profile ${app.profile.name}, ${app.robot.kind}`})\n`,
  );
  for (const p of probes) out.write(`  ${p.available ? 'ok ' : '-- '} ${p.name}: ${p.message}\n`);
  // Collision meshes the URDF has: each replaced by a box in the checks and the sim; say which and how big.
  for (const w of app.warnings) out.write(`  warn ${w}\n`);
  const exposed = exposureWarning(options.host, !!options.tls);
  if (exposed) out.write(`  ${exposed}\n`);
  let server;
  try {
    server = await startSessionServer(app, {
      port: options.port,
      host: options.host,
      probes,
      dataDir: options.dataDir ?? defaultDataDir(),
      log: (line) => out.write(`  console: ${line}\n`),
      allowHosts: options.allowHosts,
      tls: options.tls,
    });
  } catch (err) {
    await app.dispose();
    throw err;
  }
  out.write(`Session server: ${server.consoleUrl}\n`);
  out.write(`  Open it in a browser for the operator console (the link carries the access token, kept in ${server.tokenPath});\n`);
  out.write(`  JSON status at ${server.url}api/status; the JSON API needs "Authorization: Bearer <token>"\n`);
  out.write(`Press Ctrl+C to stop.\n`);
  void server.consoleReady.then(() => {
    if (!server.consoleError) out.write(`  console: ready at ${server.consoleUrl}\n`);
  });
  await new Promise<void>((resolvePromise) => {
    const shutdown = () => resolvePromise();
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await app.session.stop().catch(() => undefined);
  await server.close();
  await app.dispose();
  return 0;
}
