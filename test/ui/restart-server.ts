/**
 * A session server in its own process, for the restart e2e (test/ui/restart.e2e.test.ts), which
 * kills it with SIGKILL and starts it again on the same port and data folder, as `shammie start`
 * would be. Serves the prebuilt console (the test builds it first). Usage: PORT DATA_DIR.
 * Prints "READY <console url>" once it listens.
 */
import { createApp } from '../../session/app.js';
import { startSessionServer } from '../../server/index.js';

const [portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !dataDir) {
  process.stderr.write('usage: restart-server.ts PORT DATA_DIR\n');
  process.exit(2);
}
// The same as `shammie start` (a real-time sim, the session log in the data folder), with the
// browser tests' watchdog timeout (a loaded test machine stalls 250 ms without freezing).
const app = await createApp({ pace: 'realtime', dataDir, watchdog: { timeoutMs: 2000 } });
// No voice: its decoder processes would outlive a SIGKILL of this one.
const server = await startSessionServer(app, { port, host: '127.0.0.1', probes: [], dataDir, console: 'prebuilt', voice: false });
process.stdout.write(`READY ${server.consoleUrl}\n`);
