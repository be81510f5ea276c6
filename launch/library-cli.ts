/**
 * `shammie library …`: look at, back up, share and restore what the robot was taught.
 *
 *   shammie library show   [--data DIR] [--json]
 *   shammie library export FILE [--data DIR]
 *   shammie library import FILE [--data DIR] [--replace]
 *   shammie library undo   [--data DIR]
 */
import { parseArgs } from 'node:util';
import { formatCall } from '../skills/registry.js';
import type { BehaviorDefinition, BodyArg } from '../skills/registry.js';
import { DEFAULT_DATA_DIR, LIBRARY_FILE, LibraryError, SkillLibrary } from '../skills/library/library.js';
import type { Entity } from '../model/world.js';

export const LIBRARY_USAGE = `usage: shammie library <show|export|import|undo> [options]

  show               list taught behaviors, names, motions and recent changes
  export FILE        write the taught skills and names to FILE (to share or back up)
  import FILE        add the skills and names in FILE (same names are replaced)
  undo               revert the last change to the library

options:
  --data DIR         the workspace data folder (default ./${DEFAULT_DATA_DIR}; the library is DIR/${LIBRARY_FILE})
  --replace          import: make the library exactly FILE's content instead of merging (undoable)
  --json             show: print the library as JSON
`;

export interface LibraryCliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: LibraryCliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

class UsageError extends Error {}

/** Runs `shammie library <argv…>`; returns the exit status (0 ok, 2 bad input, 1 unexpected). */
export function libraryCommand(argv: string[], io: LibraryCliIo = processIo): Promise<number> {
  // The work is synchronous; the promise is the CLI's command signature, and a throw still becomes its rejection.
  return new Promise((resolve) => resolve(runLibrary(argv, io)));
}

function runLibrary(argv: string[], io: LibraryCliIo): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: {
          data: { type: 'string' },
          replace: { type: 'boolean' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
    }
    const { values, positionals } = parsed;
    const [sub, ...files] = positionals;
    if (values.help || sub === 'help') {
      io.out(LIBRARY_USAGE);
      return 0;
    }
    const dir = values.data ?? DEFAULT_DATA_DIR;
    if (values.data === '') throw new UsageError('--data needs a folder');
    const wantFiles = sub === 'export' || sub === 'import' ? 1 : 0;
    if (sub === undefined) throw new UsageError('missing subcommand');
    if (!['show', 'export', 'import', 'undo'].includes(sub)) throw new UsageError(`unknown subcommand "${sub}"`);
    if (files.length !== wantFiles) {
      throw new UsageError(wantFiles ? `library ${sub} needs exactly one FILE` : `unexpected argument "${files[0]}"`);
    }
    if (values.replace && sub !== 'import') throw new UsageError('--replace only applies to import');
    if (values.json && sub !== 'show') throw new UsageError('--json only applies to show');

    switch (sub) {
      case 'show': {
        // Looking must not create anything.
        let lib: SkillLibrary;
        try {
          lib = SkillLibrary.open(dir, { create: false });
        } catch (err) {
          if (err instanceof LibraryError && /^there is no skill library/.test(err.message)) {
            if (values.json) io.out(JSON.stringify({ path: null, behaviors: [], entities: [], motions: [], history: [] }, null, 2) + '\n');
            else io.out(`${err.message}.\n`);
            return 0;
          }
          throw err;
        }
        io.out(values.json ? showJson(lib) : showText(lib));
        return 0;
      }
      case 'export': {
        const lib = SkillLibrary.open(dir, { create: false });
        const n = lib.exportTo(files[0]);
        io.out(`exported ${counts(n)} from ${lib.path} to ${files[0]}\n`);
        return 0;
      }
      case 'import': {
        const lib = SkillLibrary.open(dir);
        const mode = values.replace ? 'replace' : 'merge';
        const before = lib.history().at(-1)?.seq;
        const n = lib.importFrom(files[0], { mode });
        const changed = lib.history().at(-1)?.seq !== before;
        io.out(
          changed
            ? `imported ${counts(n)} from ${files[0]} into ${lib.path} (${mode}). Undo with: shammie library undo${values.data ? ` --data ${values.data}` : ''}\n`
            : `nothing to import: ${lib.path} already has everything in ${files[0]}\n`,
        );
        return 0;
      }
      case 'undo': {
        const lib = SkillLibrary.open(dir, { create: false });
        const r = lib.undo();
        io.out(r ? `undid: ${r.summary}\n` : `nothing to undo in ${lib.path}\n`);
        return 0;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`shammie library: ${err.message}\n\n${LIBRARY_USAGE}`);
      return 2;
    }
    if (err instanceof LibraryError) {
      io.err(`shammie library: ${err.message}\n`);
      return 2;
    }
    io.err(`shammie library: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

function counts(n: { behaviors: number; entities: number; motions: number }): string {
  const p = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  return `${p(n.behaviors, 'behavior')}, ${p(n.entities, 'name')}, ${p(n.motions, 'motion')}`;
}

function showJson(lib: SkillLibrary): string {
  return (
    JSON.stringify(
      { path: lib.path, behaviors: lib.behaviors(), entities: lib.entities(), motions: lib.motions(), history: lib.history() },
      null,
      2,
    ) + '\n'
  );
}

const HISTORY_SHOWN = 20;

function showText(lib: SkillLibrary): string {
  const lines: string[] = [`library: ${lib.path}`, ''];
  const behaviors = lib.behaviors();
  lines.push(`behaviors (${behaviors.length}):`);
  for (const b of behaviors)
    lines.push(`  ${b.name}(${b.params.map((p) => `${p.name}: ${p.type}`).join(', ')})  ${b.description}`, `      = ${bodyText(b)}`);
  const entities = lib.entities();
  lines.push('', `names (${entities.length}):`);
  for (const e of entities) lines.push(`  ${e.name}  ${e.kind}${e.container ? ' (container)' : ''}  ${sourceText(e)}  ${e.description}`);
  const motions = lib.motions();
  lines.push('', `motions (${motions.length}):`);
  for (const m of motions) lines.push(`  ${m.name}(${m.params.map((p) => `${p.name}: ${p.type}`).join(', ')})  ${m.description}`);
  const history = lib.history();
  const older = Math.max(0, history.length - HISTORY_SHOWN);
  lines.push('', `history (${history.length}, newest last${older ? `; ${older} older not shown` : ''}):`);
  for (const h of history.slice(older)) lines.push(`  #${h.seq}  ${h.at}  ${h.summary}`);
  return lines.join('\n') + '\n';
}

/** "goto(object) → grasp()", with parameters shown by name. */
function bodyText(b: BehaviorDefinition): string {
  const arg = (v: BodyArg) => (typeof v === 'object' ? v.param : v);
  return b.body
    .map((s) => formatCall({ skill: s.skill, args: Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, arg(v)])) }))
    .join(' → ');
}

function sourceText(e: Entity): string {
  return e.source.type === 'body' ? `body ${e.source.body}` : `point [${e.source.position.join(', ')}]`;
}
