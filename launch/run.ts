/**
 * `shammie run FILE`: run a dialogue script headless against the sim and report what
 * happened, in words or (with --json) as one JSON document.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createApp, worldReport, type App } from './app.js';
import { loadScript, type ScriptLine } from './script.js';
import type { Turn } from './session.js';

export interface RunOptions {
  file: string;
  /** skill library folder */
  dataDir?: string;
  json: boolean;
  confirmEach: boolean;
  scene?: string;
  seed?: number;
  robot?: string;
  /** launch profile (default: the sim) */
  profile?: string;
  /** synthesize every text line with espeak-ng and send it through speech recognition */
  speakThrough?: boolean;
}

export interface TurnReport {
  line: number;
  utterance: string;
  kind: Turn['kind'];
  reply: string;
  plan: Turn['plan'];
  preview: Turn['preview'] | null;
  executed: boolean;
  outcome: Turn['outcome'];
  failure: string | null;
  notes?: string[];
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

function report(line: number, t: Turn): TurnReport {
  return {
    line,
    utterance: t.utterance,
    kind: t.kind,
    reply: t.reply,
    plan: t.plan,
    preview: t.preview ?? null,
    executed: t.executed,
    outcome: t.outcome,
    failure: t.failure ?? null,
    ...(t.notes ? { notes: t.notes } : {}),
  };
}

/**
 * Speech for scripts (speech/script-speech.ts): turns a `!say FILE.wav` line (and, with
 * --speak-through, every text line) into the words heard, or into a finished turn (rejected
 * audio, or a stop it already carried out).
 */
export interface ScriptHearing {
  hear(line: Extract<ScriptLine, { type: 'say' | 'utterance' }>): Promise<{ text: string } | { report: TurnReport; stopped: boolean }>;
}

/** Run parsed script lines on an app. Exposed for tests and benchmarks. */
export async function runScript(app: App, lines: ScriptLine[], options: { confirmEach?: boolean; onTurn?: (t: TurnReport) => void; speech?: ScriptHearing } = {}): Promise<TurnReport[]> {
  const { session } = app;
  const turns: TurnReport[] = [];
  const push = (r: TurnReport) => {
    turns.push(r);
    options.onTurn?.(r);
  };
  let pendingLine: { line: number; turn: Turn } | null = null;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    const next = lines[i + 1];
    if (l.type === 'say' || (l.type === 'utterance' && options.speech)) {
      if (!options.speech) {
        push({ line: l.line, utterance: l.type === 'say' ? `!say ${l.file}` : l.text, kind: 'error', reply: 'No speech recognizer is set up for this run.', plan: null, preview: null, executed: false, outcome: 'not_run', failure: 'no speech recognizer' });
        continue;
      }
      const heard = await options.speech.hear(l);
      if ('report' in heard) {
        if (heard.stopped && pendingLine) {
          push({ ...report(pendingLine.line, pendingLine.turn), reply: `${pendingLine.turn.reply} (stopped before it started)` });
          pendingLine = null;
        }
        push(heard.report);
        continue;
      }
      l = { line: l.line, type: 'utterance', text: heard.text };
    }
    switch (l.type) {
      case 'utterance': {
        if (pendingLine) {
          // A new utterance replaces an unconfirmed plan.
          session.cancel();
          push(report(pendingLine.line, pendingLine.turn));
          pendingLine = null;
        }
        const turn = await session.say(l.text);
        if (session.pending && turn.kind === 'plan') {
          if (options.confirmEach) {
            pendingLine = { line: l.line, turn };
            break;
          }
          const stopAfter = next?.type === 'stop' ? next.after : undefined;
          if (stopAfter !== undefined) i++;
          const done = await session.confirm({ stopAfter });
          push(report(l.line, done));
        } else {
          push(report(l.line, turn));
        }
        break;
      }
      case 'confirm': {
        if (!pendingLine) {
          push({ line: l.line, utterance: '!confirm', kind: 'error', reply: 'There is no plan waiting for confirmation.', plan: null, preview: null, executed: false, outcome: 'not_run', failure: null });
          break;
        }
        const stopAfter = next?.type === 'stop' ? next.after : undefined;
        if (stopAfter !== undefined) i++;
        const done = await session.confirm({ stopAfter });
        push(report(pendingLine.line, done));
        pendingLine = null;
        break;
      }
      case 'cancel': {
        if (pendingLine) {
          session.cancel();
          push({ ...report(pendingLine.line, pendingLine.turn), reply: `${pendingLine.turn.reply} (cancelled)` });
          pendingLine = null;
        } else {
          push({ line: l.line, utterance: '!cancel', kind: 'error', reply: 'There was nothing to cancel.', plan: null, preview: null, executed: false, outcome: 'not_run', failure: null });
        }
        break;
      }
      case 'stop': {
        // A stop that did not follow a motion: halt whatever is happening (it is always safe).
        await session.stop();
        if (pendingLine) {
          push({ ...report(pendingLine.line, pendingLine.turn), reply: `${pendingLine.turn.reply} (stopped before it started)` });
          pendingLine = null;
        }
        push({ line: l.line, utterance: '!stop', kind: 'plan', reply: 'Stopped.', plan: [], preview: null, executed: false, outcome: 'not_run', failure: null });
        break;
      }
      case 'click': {
        const turn = await session.point(l.point);
        push(report(l.line, turn));
        break;
      }
      case 'demo': {
        let demo: unknown;
        try {
          demo = JSON.parse(readFileSync(l.file, 'utf8'));
        } catch (err) {
          push({ line: l.line, utterance: `!demo ${l.file}`, kind: 'error', reply: `I can't read the demonstration ${l.file}: ${(err as Error).message}`, plan: null, preview: null, executed: false, outcome: 'not_run', failure: (err as Error).message });
          break;
        }
        const turn = await session.demonstrate(demo, `!demo ${l.file}`);
        push(report(l.line, turn));
        break;
      }
    }
  }
  if (pendingLine) {
    session.cancel();
    push({ ...report(pendingLine.line, pendingLine.turn), reply: `${pendingLine.turn.reply} (never confirmed)` });
  }
  return turns;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const lines = loadScript(options.file);
  const app = await createApp({ scene: options.scene, seed: options.seed, robot: options.robot, pace: 'fast', dataDir: options.dataDir, profile: options.profile });
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
  if (t.preview) lines.push(`  preview: ${t.preview.steps} steps, ${t.preview.duration.toFixed(2)} s, max joint speed ${t.preview.maxJointSpeed.toFixed(2)} rad/s`);
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
