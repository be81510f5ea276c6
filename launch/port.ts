/**
 * Whether `shammie start` can listen where it was asked to, found out before any start-up work
 * (loading the sim, building the console): a taken port is then reported at once, not after
 * seconds of start-up. The session server still reports a port taken in between (a race).
 */
import { createServer } from 'node:net';

/** How long the probe may take, ms: a local bind answers in microseconds. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Null when `host:port` can be listened on now; otherwise one line saying why and how to pick
 * another port. Port 0 (any free port) always can. Errors other than the known ones are left
 * to the real listen, which reports them with the server's context.
 */
export function portProblem(port: number, host: string): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolvePromise) => {
    const probe = createServer();
    const timer = setTimeout(() => {
      probe.close();
      resolvePromise(null);
    }, PROBE_TIMEOUT_MS);
    probe.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolvePromise(describe(err.code, port, host));
    });
    // exclusive: a cluster worker would share the port and hide the conflict.
    probe.listen({ port, host, exclusive: true }, () => {
      clearTimeout(timer);
      probe.close(() => resolvePromise(null));
    });
  });
}

function describe(code: string | undefined, port: number, host: string): string | null {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const other = `pass --port with another port (for example --port ${port < 65535 ? port + 1 : 8687}), or --port 0 to pick a free one`;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (another shammie start? it would answer at http://${where}/); ${other}`;
    case 'EACCES':
      return `port ${port} on ${host} needs more privileges than this user has (ports below 1024 are for root); ${other}`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine, so shammie start cannot listen on it; pass --host with one of its addresses (default 127.0.0.1)`;
    default:
      return null;
  }
}
