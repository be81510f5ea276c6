/**
 * `shammie library …`: look at, back up, share and restore what the robot was taught.
 *
 *   shammie library show   [--data DIR] [--json]
 *   shammie library export FILE [--data DIR]
 *   shammie library import FILE [--data DIR] [--replace]
 *   shammie library undo   [--data DIR]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { argsErrorLine } from './args.js';
import { createSkillRegistry } from '../skills/primitives.js';
import { formatCall } from '../skills/registry.js';
import type { BehaviorDefinition, BodyArg, SkillParam } from '../skills/registry.js';
import { parseLibrary } from '../skills/library/format.js';
import { readText } from '../skills/library/files.js';
import { DEFAULT_DATA_DIR, LIBRARY_FILE, LibraryError, SkillLibrary, type MotionSkill } from '../skills/library/library.js';
import type { Entity } from '../model/world.js';

export const LIBRARY_USAGE = `usage: shammie library <show|export|import|undo> [options]

  show               list taught behaviors, names, motions and recent changes
  export FILE        write the taught skills and names to FILE (to share or back up)
  import FILE        add the skills and names in FILE (same names are replaced); a behavior
                     calling a skill the robot does not know refuses the whole file
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

const helpPointer = "See 'shammie library --help'.";

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
      throw new UsageError(argsErrorLine(err, 'library', ['data', 'replace', 'json', 'help']));
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
        // Checked before anything is written: the library on disk stays as it was.
        refuseUnrunnable(lib, files[0], mode);
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
      // One line, with the pointer to the usage (not the usage itself).
      const m = err.message;
      io.err(`shammie library: ${/--help'\.$/.test(m) ? m : `${m}${/[.!?]$/.test(m) ? '' : '.'} ${helpPointer}`}\n`);
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
  const cannotRun = unrunnableBehaviors(lib.behaviors(), lib.motions());
  const bad = new Set(cannotRun.map((c) => c.name));
  return (
    JSON.stringify(
      {
        path: lib.path,
        behaviors: lib.behaviors().filter((b) => !bad.has(b.name)),
        entities: lib.entities(),
        motions: lib.motions(),
        history: lib.history(),
        ...(cannotRun.length ? { cannotRun } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

const HISTORY_SHOWN = 20;

function showText(lib: SkillLibrary): string {
  const lines: string[] = [`library: ${lib.path}`, ''];
  // Only what the robot can run is listed as a behavior; the rest (a file edited by hand, or
  // imported before imports were checked) is named apart, with why.
  const cannotRun = unrunnableBehaviors(lib.behaviors(), lib.motions());
  const bad = new Set(cannotRun.map((c) => c.name));
  const behaviors = lib.behaviors().filter((b) => !bad.has(b.name));
  lines.push(`behaviors (${behaviors.length}):`);
  for (const b of behaviors)
    lines.push(`  ${b.name}(${b.params.map((p) => `${p.name}: ${p.type}`).join(', ')})  ${b.description}`, `      = ${bodyText(b)}`);
  if (cannotRun.length) {
    lines.push('', `stored but the robot cannot run them (${cannotRun.length}; say "forget NAME" to the robot to remove one):`);
    for (const c of cannotRun) lines.push(`  ${c.name}: ${c.reason}`);
  }
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

/** Known skill names listed in an error, at most. */
const SKILLS_NAMED = 60;

export interface Unrunnable {
  name: string;
  /** e.g. 'calls fly_to_moon, a skill the robot does not know' */
  reason: string;
}

/**
 * The behaviors the robot could not run with this library: each call must name a skill of the
 * live registry (the built-in primitives and behaviors, the library's motions, its other
 * behaviors: what the session registers from the library) with exactly that skill's
 * arguments, and a behavior calling one that cannot run cannot run either.
 */
export function unrunnableBehaviors(behaviors: readonly BehaviorDefinition[], motions: readonly MotionSkill[]): Unrunnable[] {
  const params = knownSkills(behaviors, motions);
  const reasons = new Map<string, string>();
  for (const b of behaviors) {
    const problems: string[] = [];
    for (const step of b.body) {
      const want = params.get(step.skill);
      if (!want) {
        problems.push(`calls ${step.skill}, a skill the robot does not know`);
        continue;
      }
      const given = Object.keys(step.args);
      const fits = given.length === want.length && want.every((p) => given.includes(p.name));
      if (!fits) problems.push(`calls ${step.skill}(${given.join(', ')}) but ${step.skill} takes (${want.map((p) => p.name).join(', ')})`);
    }
    if (problems.length) reasons.set(b.name, [...new Set(problems)].join('; '));
  }
  // A behavior that calls one that cannot run cannot run: spread until nothing changes (each
  // round adds one at least, so at most one round per behavior).
  for (let round = 0; round <= behaviors.length; round++) {
    let added = false;
    for (const b of behaviors) {
      if (reasons.has(b.name)) continue;
      const callee = b.body.find((st) => st.skill !== b.name && reasons.has(st.skill));
      if (callee) {
        reasons.set(b.name, `calls ${callee.skill}, which cannot run`);
        added = true;
      }
    }
    if (!added) break;
  }
  return behaviors.filter((b) => reasons.has(b.name)).map((b) => ({ name: b.name, reason: reasons.get(b.name)! }));
}

/** Every skill the session would register for this library, with its parameters. */
function knownSkills(behaviors: readonly BehaviorDefinition[], motions: readonly MotionSkill[]): Map<string, SkillParam[]> {
  const params = new Map<string, SkillParam[]>();
  for (const s of createSkillRegistry().list()) params.set(s.name, s.params);
  for (const m of motions) params.set(m.name, m.params);
  for (const b of behaviors) params.set(b.name, b.params);
  return params;
}

/**
 * Refuse an import that would leave a behavior the robot cannot run, naming it, why, and the
 * skills the robot knows. Reads the file as the import will; the import checks the rest.
 */
function refuseUnrunnable(lib: SkillLibrary, file: string, mode: 'merge' | 'replace'): void {
  const source = resolve(file);
  const advice = 'Nothing was imported.';
  const incoming = parseLibrary(readText(source, advice), source, advice);
  const byName = <T extends { name: string }>(mine: readonly T[], theirs: readonly T[]): T[] =>
    mode === 'replace' ? [...theirs] : [...mine.filter((m) => !theirs.some((t) => t.name === m.name)), ...theirs];
  const behaviors = byName(lib.behaviors(), incoming.behaviors);
  const motions = byName(lib.motions(), incoming.motions);
  const bad = unrunnableBehaviors(behaviors, motions);
  if (!bad.length) return;
  const badNames = new Set(bad.map((b) => b.name));
  const known = [...knownSkills(behaviors, motions).keys()].filter((n) => !badNames.has(n));
  const more = known.length > SKILLS_NAMED ? ` and ${known.length - SKILLS_NAMED} more` : '';
  throw new LibraryError(
    `cannot import ${source}: the robot could not run ${bad.length === 1 ? 'behavior' : 'behaviors'} ${bad
      .map((b) => `"${b.name}" (${b.reason})`)
      .join(', ')}. Known skills: ${known.slice(0, SKILLS_NAMED).join(', ')}${more}. ${advice}`,
  );
}
