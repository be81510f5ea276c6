/**
 * Running a dialogue script (session/script.ts) on an app: each line drives the session the way
 * an operator would (say, confirm, cancel, stop, click, demonstrate), and each turn is reported.
 * `shammie run`, the tests and the benchmarks all run scripts through here.
 */
import { readFileSync } from 'node:fs';
import type { App } from './app.js';
import { checkScript, type ScriptLine } from './script.js';
import type { Turn } from './session.js';

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
export async function runScript(
  app: App,
  lines: ScriptLine[],
  options: { confirmEach?: boolean; onTurn?: (t: TurnReport) => void; speech?: ScriptHearing; source?: string } = {},
): Promise<TurnReport[]> {
  const { session } = app;
  // A point outside this robot's workspace fails the script with its line number before anything moves.
  checkScript(lines, app.workspace, options.source);
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
        push({
          line: l.line,
          utterance: l.type === 'say' ? `!say ${l.file}` : l.text,
          kind: 'error',
          reply: 'No speech recognizer is set up for this run.',
          plan: null,
          preview: null,
          executed: false,
          outcome: 'not_run',
          failure: 'no speech recognizer',
        });
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
          await session.cancel();
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
          push({
            line: l.line,
            utterance: '!confirm',
            kind: 'error',
            reply: 'There is no plan waiting for confirmation.',
            plan: null,
            preview: null,
            executed: false,
            outcome: 'not_run',
            failure: null,
          });
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
          await session.cancel();
          push({ ...report(pendingLine.line, pendingLine.turn), reply: `${pendingLine.turn.reply} (cancelled)` });
          pendingLine = null;
        } else {
          push({
            line: l.line,
            utterance: '!cancel',
            kind: 'error',
            reply: 'There was nothing to cancel.',
            plan: null,
            preview: null,
            executed: false,
            outcome: 'not_run',
            failure: null,
          });
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
        push({
          line: l.line,
          utterance: '!stop',
          kind: 'plan',
          reply: 'Stopped.',
          plan: [],
          preview: null,
          executed: false,
          outcome: 'not_run',
          failure: null,
        });
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
          push({
            line: l.line,
            utterance: `!demo ${l.file}`,
            kind: 'error',
            reply: `I can't read the demonstration ${l.file}: ${(err as Error).message}`,
            plan: null,
            preview: null,
            executed: false,
            outcome: 'not_run',
            failure: (err as Error).message,
          });
          break;
        }
        const turn = await session.demonstrate(demo, `!demo ${l.file}`);
        push(report(l.line, turn));
        break;
      }
    }
  }
  if (pendingLine) {
    await session.cancel();
    push({ ...report(pendingLine.line, pendingLine.turn), reply: `${pendingLine.turn.reply} (never confirmed)` });
  }
  return turns;
}
