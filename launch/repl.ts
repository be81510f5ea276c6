/**
 * `shammie repl`: a text dialogue with the simulated arm. Each plan is shown with its
 * trajectory summary, and nothing moves until the operator answers y.
 *
 * The sim runs in real time (as `shammie start`), so a motion takes as long as it would on the
 * arm and "stop" (or Ctrl+C) typed while it moves halts it there; `--fast` steps the physics as
 * fast as the machine can, for trying plans quickly.
 */
import { createInterface } from 'node:readline/promises';
import { createApp, worldReport } from '../session/app.js';

/** What halts a moving arm when typed while it moves. */
const STOP_WORDS = /^\s*(stop|halt|freeze|stop it|stop now)[\s.!]*$/i;
/** Lines read while one motion runs (the rest wait in the input stream). */
const MAX_LINES_WHILE_MOVING = 1000;

export async function repl(options: {
  scene?: string;
  seed?: number;
  robot?: string;
  allowBadLimits?: boolean;
  dataDir?: string;
  profile?: string;
  /** step the sim as fast as possible instead of in real time (--fast) */
  fast?: boolean;
}): Promise<number> {
  const { fast, ...appOptions } = options;
  const app = await createApp({ ...appOptions, pace: fast ? 'fast' : 'realtime' });
  for (const w of app.warnings) process.stderr.write(`shammie: warn ${w}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const out = (s: string) => process.stdout.write(s + '\n');
  // Read lines through the async iterator: it buffers, so piped input is not lost while the
  // robot plans or moves.
  const lines = rl[Symbol.asyncIterator]();
  // The next line, read but not yet used: a motion watches for "stop" without losing the
  // line when the motion ends first. Lines typed during a motion wait in `typedAhead`.
  let reading: Promise<IteratorResult<string>> | null = null;
  const peek = () => (reading ??= lines.next());
  const typedAhead: string[] = [];
  const ask = async (prompt: string): Promise<string | null> => {
    process.stdout.write(prompt);
    let line = typedAhead.shift();
    if (line === undefined) {
      const next = await peek();
      reading = null;
      if (next.done) return null;
      line = next.value;
    }
    if (!process.stdin.isTTY) process.stdout.write(line + '\n'); // echo piped input
    return line;
  };
  /** Run the confirmed plan; a "stop" line typed meanwhile halts the arm, other lines wait their turn. */
  const execute = async () => {
    const running = app.session.confirm();
    const ended = running.then(
      () => 'ended' as const,
      () => 'ended' as const,
    );
    for (let n = 0; n < MAX_LINES_WHILE_MOVING; n++) {
      const next = await Promise.race([ended, peek()]);
      if (next === 'ended' || next.done) break;
      reading = null;
      if (STOP_WORDS.test(next.value)) {
        if (!process.stdin.isTTY) process.stdout.write(`you> ${next.value}\n`);
        out('robot> Stopping.');
        void app.session.stop();
      } else typedAhead.push(next.value);
    }
    return running;
  };
  out(
    `Shammie: ${app.model.name} arm, ${app.scene.name} scene. I know: ${app.world
      .list()
      .map((e) => e.name)
      .join(', ')}.`,
  );
  out(
    `Type a command ("pick up the candy"), "world" to see the objects, "!click X Y Z" to point, or "quit". ${fast ? 'The sim runs faster than real time (--fast).' : 'Motions run in real time: type "stop" (or Ctrl+C) to halt one.'}`,
  );
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
        const t0 = performance.now();
        const done = await execute();
        // The wall time shows the pace: about the plan's duration in real time, less with --fast.
        const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
        out(done.outcome === 'succeeded' ? `robot> Done (${took}).` : `robot> That failed after ${took}: ${done.failure}`);
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
