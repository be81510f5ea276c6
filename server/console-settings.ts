/**
 * Console settings that outlive a restart (<data>/console.json): which taught behaviors run
 * without asking for confirmation. Written atomically; a file that does not parse is set aside
 * (renamed, never deleted) and reported, and auto-confirm is then off for every behavior.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../skills/library/library.js';
import type { ProblemInfo } from './protocol.js';

const consoleSettingsSchema = z.strictObject({
  format: z.literal('shammie-console'),
  version: z.literal(1),
  /** behaviors that run without asking for confirmation */
  autoConfirm: z.array(z.string().min(1).max(100)).max(1000),
});

export function loadConsoleSettings(
  path: string,
  known: (name: string) => boolean,
): { autoConfirm: string[]; problem: ProblemInfo | null } {
  if (!existsSync(path)) return { autoConfirm: [], problem: null };
  let problem: string;
  try {
    const r = consoleSettingsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (r.success) return { autoConfirm: r.data.autoConfirm.filter(known), problem: null };
    problem = r.error.issues
      .slice(0, 2)
      .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
      .join('; ');
  } catch (err) {
    problem = (err as Error).message;
  }
  const aside = `${path}.unreadable-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch {
    /* leave it where it is */
  }
  return {
    autoConfirm: [],
    problem: {
      id: 'settings',
      severity: 'warn',
      message: `The console settings file could not be read (${problem}); auto-confirm is off for every behavior.`,
      tip: `The file was kept as ${aside}.`,
    },
  };
}

/** Write the settings atomically; throws when the file cannot be written. */
export function saveConsoleSettings(path: string, autoConfirm: Iterable<string>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, JSON.stringify({ format: 'shammie-console', version: 1, autoConfirm: [...autoConfirm].sort() }, null, 2) + '\n');
}
