// Load for the stop benchmark (bench/stop.ts), in a process of its own as a client on the network
// would be. Usage: node bench/stop-load.mjs frames|requests BASE_URL TOKEN
// - frames: one WebSocket client sends 16.9 MB text frames, reconnecting each time the server
//   closes it, one frame every 500 ms at most.
// - requests: 50 HTTP requests per second, alternating GET /api/status and POST /api/say.
// Plain JavaScript: started with `node`, no TypeScript loader needed.
import { WebSocket } from 'ws';

const [mode, base, token] = process.argv.slice(2);
const stats = { sent: 0, closed: 0, answered: 0, errors: 0 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
process.on('SIGTERM', () => {
  process.stdout.write(JSON.stringify(stats) + '\n');
  process.exit(0);
});

if (mode === 'frames') {
  const frame = '{"type":"say","text":[' + '1,'.repeat(8_450_000) + '1]}';
  const u = new URL(base);
  for (;;) {
    const t0 = Date.now();
    await new Promise((resolve) => {
      const ws = new WebSocket(`ws://${u.host}/ws?token=${token}`);
      ws.on('open', () => {
        ws.send(frame);
        stats.sent++;
      });
      ws.on('close', () => {
        stats.closed++;
        resolve();
      });
      ws.on('error', () => {
        stats.errors++;
      });
    });
    await sleep(Math.max(0, 500 - (Date.now() - t0)));
  }
} else {
  let i = 0;
  const t0 = Date.now();
  for (;;) {
    const k = i++;
    const req =
      k % 2
        ? fetch(new URL('api/status', base))
        : fetch(new URL('api/say', base), {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
            body: JSON.stringify({ text: 'pick up the candy' }),
          });
    req.then(
      (r) => r.arrayBuffer().then(() => stats.answered++),
      () => stats.errors++,
    );
    // 50 per second, on schedule whatever the answers do.
    await sleep(Math.max(0, t0 + (k + 1) * 20 - Date.now()));
  }
}
