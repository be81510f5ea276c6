/**
 * `shammie repl`: a text dialogue with the simulated arm. Each plan is shown with its
 * trajectory summary, and nothing moves until the operator answers y.
 */
import { createInterface } from 'node:readline/promises';
import { createApp, worldReport } from '../session/app.js';

export async function repl(options: {
  scene?: string;
  seed?: number;
  robot?: string;
  allowBadLimits?: boolean;
  dataDir?: string;
  profile?: string;
}): Promise<number> {
  const app = await createApp({ ...options, pace: 'fast' });
  for (const w of app.warnings) process.stderr.write(`shammie: warn ${w}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const out = (s: string) => process.stdout.write(s + '\n');
  // Read lines through the async iterator: it buffers, so piped input is not lost while the
  // robot plans or moves.
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | null> => {
    process.stdout.write(prompt);
    const next = await lines.next();
    if (next.done) return null;
    if (!process.stdin.isTTY) process.stdout.write(next.value + '\n'); // echo piped input
    return next.value;
  };
  out(
    `Shammie: ${app.model.name} arm, ${app.scene.name} scene. I know: ${app.world
      .list()
      .map((e) => e.name)
      .join(', ')}.`,
  );
  out('Type a command ("pick up the candy"), "world" to see the objects, "!click X Y Z" to point, or "quit".');
  // Ctrl+C while moving stops the arm; at the prompt it quits.
  rl.on('SIGINT', () => {
    if (app.session.executing) {
      out('\nStopping.');
      void app.session.stop();
    } else rl.close();
  });
  try {
    for (;;) {
      const raw = await ask('you> ');
      if (raw === null) break; // input closed
      const line = raw.trim();
      if (!line) continue;
      if (line === 'quit' || line === 'exit') break;
      if (line === 'world') {
        for (const [name, o] of Object.entries(worldReport(app)))
          out(
            `  ${name.padEnd(10)} ${o.held ? 'held' : o.in ? `in ${o.in}` : 'on the table'} (${o.position.map((v) => v.toFixed(3)).join(', ')})`,
          );
        continue;
      }
      const click = line.match(/^!click\s+(\S+)\s+(\S+)\s+(\S+)$/);
      if (click) {
        const p = click.slice(1, 4).map(Number);
        if (p.some((v) => !Number.isFinite(v))) {
          out('robot> !click needs three numbers (meters).');
          continue;
        }
        out(`robot> ${(await app.session.point([p[0], p[1], p[2]])).reply}`);
        continue;
      }
      const turn = await app.session.say(line);
      out(`robot> ${turn.reply}`);
      const pending = app.session.pending;
      if (!pending) continue;
      for (const [i, s] of pending.steps.entries())
        out(`  ${i + 1}. ${s.call}: ${s.motions.map((m) => `${m.label} ${m.duration.toFixed(2)} s`).join(', ')}`);
      const sum = pending.summary;
      out(`  ${sum.steps} steps, ${sum.duration.toFixed(2)} s, max joint speed ${sum.maxJointSpeed.toFixed(2)} rad/s`);
      const reply = await ask('Execute? [y/n] ');
      if (reply === null) {
        await app.session.cancel();
        break;
      }
      const answer = reply.trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') {
        const done = await app.session.confirm();
        out(done.outcome === 'succeeded' ? 'robot> Done.' : `robot> That failed: ${done.failure}`);
      } else {
        await app.session.cancel();
        out('robot> Okay, I will not do that.');
      }
    }
  } finally {
    rl.close();
    await app.dispose();
  }
  return 0;
}
