/**
 * `shammie run FILE`: run a dialogue script headless against the sim and report what
 * happened, in words or (with --json) as one JSON document.
 */
import { dirname } from 'node:path';
import { createApp, worldReport } from '../session/app.js';
import { loadScript } from '../session/script.js';
import { runScript, type ScriptHearing, type TurnReport } from '../session/script-run.js';

export interface RunOptions {
  file: string;
  /** skill library folder */
  dataDir?: string;
  json: boolean;
  confirmEach: boolean;
  scene?: string;
  seed?: number;
  robot?: string;
  /** accept a URDF with missing or out-of-bound joint limits (--allow-bad-limits) */
  allowBadLimits?: boolean;
  /** launch profile (default: the sim) */
  profile?: string;
  /** synthesize every text line with espeak-ng and send it through speech recognition */
  speakThrough?: boolean;
}

export interface RunReport {
  script: string;
  scene: string;
  robot: string;
  seed: number | null;
  turns: TurnReport[];
  world: { objects: ReturnType<typeof worldReport>; held: string | null };
  skills: string[];
  entities: string[];
  /** seconds of robot (sim) time the script took */
  simTime: number;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const lines = loadScript(options.file);
  const app = await createApp({
    scene: options.scene,
    seed: options.seed,
    robot: options.robot,
    allowBadLimits: options.allowBadLimits,
    pace: 'fast',
    dataDir: options.dataDir,
    profile: options.profile,
  });
  // What the operator accepted with --allow-bad-limits (and mesh stand-ins): on stderr, so --json stays clean.
  for (const w of app.warnings) process.stderr.write(`shammie: warn ${w}\n`);
  let speech: (ScriptHearing & { close(): Promise<void> }) | undefined;
  try {
    if (options.speakThrough || lines.some((l) => l.type === 'say')) {
      const { createScriptSpeech } = await import('../speech/script-speech.js');
      speech = await createScriptSpeech(app, { baseDir: dirname(options.file), speakThrough: options.speakThrough });
    }
    const t0 = app.backend.now();
    const turns = await runScript(app, lines, {
      confirmEach: options.confirmEach,
      onTurn: options.json ? undefined : (t) => process.stdout.write(formatTurn(t)),
      speech,
      source: options.file,
    });
    const out: RunReport = {
      script: options.file,
      scene: app.scenePath,
      robot: app.model.name,
      seed: app.sim?.seed ?? null,
      turns,
      world: { objects: worldReport(app), held: app.world.held },
      skills: app.registry.names(),
      entities: app.world.list().map((e) => e.name),
      simTime: Math.round((app.backend.now() - t0) * 1000) / 1000,
    };
    if (options.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else process.stdout.write(formatWorld(out));
  } finally {
    await speech?.close();
    await app.dispose();
  }
  if (process.env.SHAMMIE_REPORT_MAXRSS === '1') {
    // For the memory benchmark: peak resident set size of this process, in kilobytes.
    process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
  }
  return 0;
}

export function formatTurn(t: TurnReport): string {
  const lines = [`> ${t.utterance}`, `  robot: ${t.reply}`];
  if (t.preview)
    lines.push(
      `  preview: ${t.preview.steps} steps, ${t.preview.duration.toFixed(2)} s, max joint speed ${t.preview.maxJointSpeed.toFixed(2)} rad/s`,
    );
  if (t.executed) lines.push(`  ${t.outcome === 'succeeded' ? 'done' : `failed: ${t.failure}`}`);
  else if (t.outcome === 'failed') lines.push(`  not run: ${t.failure}`);
  for (const n of t.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n') + '\n';
}

function formatWorld(r: RunReport): string {
  const rows = Object.entries(r.world.objects).map(([name, o]) => {
    const where = o.held ? 'held by the gripper' : o.in ? `in ${o.in}` : 'on the table';
    return `  ${name.padEnd(10)} ${where.padEnd(20)} at (${o.position.map((v) => v.toFixed(3)).join(', ')})`;
  });
  return `\nworld after ${r.simTime.toFixed(1)} s of sim time:\n${rows.join('\n')}\nskills: ${r.skills.join(', ')}\n`;
}
