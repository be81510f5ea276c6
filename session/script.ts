/**
 * Dialogue scripts for `shammie run`: one utterance per line, `#` starts a comment, and lines
 * starting with `!` are operator actions. Parsed and validated up front, so a bad file fails
 * with its line number before the robot does anything.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { formatNumber, LIMITS, WORLD_LIMIT, type Workspace } from '../model/bounds.js';

export type ScriptLine =
  | { line: number; type: 'utterance'; text: string }
  | { line: number; type: 'confirm' }
  | { line: number; type: 'cancel' }
  /** stop the motion of the previous turn `after` seconds (robot clock) into its execution */
  | { line: number; type: 'stop'; after: number }
  /** a point picked in the world frame, meters */
  | { line: number; type: 'click'; point: [number, number, number] }
  /** a recorded kinesthetic demonstration (JSON), path resolved against the script's folder */
  | { line: number; type: 'demo'; file: string }
  /** an utterance as a recording (any WAV), path resolved against the script's folder: recognized, then said */
  | { line: number; type: 'say'; file: string };

export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

const MAX_LINES = 10_000;
const MAX_LINE_LENGTH = 500;
const finite = z.coerce.number().refine(Number.isFinite, 'must be a finite number');

/** Default time into a motion at which `!stop` fires (seconds). */
export const DEFAULT_STOP_AFTER = 0.5;

export function parseScript(text: string, source = '<script>'): ScriptLine[] {
  if (text.includes('\u0000')) throw new ScriptError(`${source}: this looks like a binary file, not a dialogue script`);
  const raw = text.split(/\r?\n/);
  if (raw.length > MAX_LINES) throw new ScriptError(`${source}: too many lines (${raw.length}; at most ${MAX_LINES})`);
  const out: ScriptLine[] = [];
  raw.forEach((full, i) => {
    const line = i + 1;
    const where = `${source}:${line}`;
    const hash = full.indexOf('#');
    const content = (hash >= 0 ? full.slice(0, hash) : full).trim();
    if (!content) return;
    if (content.length > MAX_LINE_LENGTH)
      throw new ScriptError(`${where}: line is ${content.length} characters long; at most ${MAX_LINE_LENGTH}`);
    if (!content.startsWith('!')) {
      out.push({ line, type: 'utterance', text: content });
      return;
    }
    const [cmd, ...args] = content.slice(1).trim().split(/\s+/);
    switch (cmd) {
      case 'confirm':
      case 'cancel':
        if (args.length) throw new ScriptError(`${where}: !${cmd} takes no arguments`);
        out.push({ line, type: cmd });
        return;
      case 'stop': {
        if (args.length > 1) throw new ScriptError(`${where}: usage: !stop [SECONDS_INTO_MOTION]`);
        const after = args.length ? finite.safeParse(args[0]) : { success: true as const, data: DEFAULT_STOP_AFTER };
        if (!after.success || after.data < 0 || after.data > LIMITS.scriptDelay)
          throw new ScriptError(
            `${where}: !stop expects a non-negative number of seconds, at most ${LIMITS.scriptDelay}, got "${args[0]}"`,
          );
        out.push({ line, type: 'stop', after: after.data });
        return;
      }
      case 'click': {
        if (args.length !== 3) throw new ScriptError(`${where}: usage: !click X Y Z (meters, world frame); got ${args.length} values`);
        const nums = args.map((a) => finite.safeParse(a));
        const bad = nums.findIndex((n) => !n.success);
        if (bad >= 0) throw new ScriptError(`${where}: !click: "${args[bad]}" is not a number`);
        const p = nums.map((n) => (n.success ? n.data : 0));
        // The robot is not known yet: the absolute bound here, its workspace in checkScript (before anything moves).
        const far = p.findIndex((v) => Math.abs(v) > WORLD_LIMIT);
        if (far >= 0)
          throw new ScriptError(
            `${where}: !click ${'xyz'[far]} = ${formatNumber(p[far])} m is more than ${WORLD_LIMIT} m away; coordinates are meters in the world frame, z = 0 at the table top`,
          );
        out.push({ line, type: 'click', point: [p[0], p[1], p[2]] });
        return;
      }
      case 'demo':
        if (args.length !== 1) throw new ScriptError(`${where}: usage: !demo FILE (a demonstration JSON, relative to the script)`);
        out.push({ line, type: 'demo', file: resolve(dirname(source), args[0]) });
        return;
      case 'say':
        if (args.length !== 1)
          throw new ScriptError(`${where}: usage: !say FILE.wav (a recording of the utterance, relative to the script)`);
        out.push({ line, type: 'say', file: resolve(dirname(source), args[0]) });
        return;
      default:
        throw new ScriptError(
          `${where}: unknown operator action "!${cmd ?? ''}"; expected !confirm, !cancel, !stop [SECONDS], !click X Y Z, !demo FILE or !say FILE.wav`,
        );
    }
  });
  return out;
}

/**
 * Check a parsed script against the robot it will drive: every `!click` point inside its
 * workspace (model/bounds.ts). Throws ScriptError naming the line, before anything moves.
 */
export function checkScript(lines: readonly ScriptLine[], workspace: Workspace, source = '<script>'): void {
  for (const l of lines) {
    if (l.type !== 'click') continue;
    const why = workspace.problem(l.point, '!click point', `click on the table or an object (${workspace.source})`);
    if (why) throw new ScriptError(`${source}:${l.line}: ${why}`);
  }
}

export function loadScript(path: string): ScriptLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScriptError(
      `cannot read script ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return parseScript(text, path);
}
