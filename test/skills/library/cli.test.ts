/**
 * `shammie library …` through libraryCommand (the lead wires it into launch/cli.ts; once that
 * lands these can also spawn launch/bin/shammie.js).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { libraryCommand } from '../../../launch/library-cli.js';
import { LIBRARY_FILE, SkillLibrary } from '../../../skills/library/library.js';
import { behavior, location, object, putIn, sha, tmp } from './helpers.js';

/** What `library show --json` prints. */
interface ShowJson {
  path: string | null;
  behaviors: ReturnType<SkillLibrary['behaviors']>;
  entities: ReturnType<SkillLibrary['entities']>;
  motions: ReturnType<SkillLibrary['motions']>;
  history: ReturnType<SkillLibrary['history']>;
}

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await libraryCommand(argv, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { status, stdout, stderr };
}

function taught(): SkillLibrary {
  const lib = SkillLibrary.open(tmp('cli'));
  lib.addBehavior(putIn());
  lib.addBehavior(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }]));
  lib.addEntity(location('SHELF', [0.5, 0.1, 0.3]));
  lib.addEntity(object('BOWL', 'bowl', true));
  return lib;
}

describe('shammie library show', () => {
  it('prints behaviors with their steps, names, motions and history', async () => {
    const lib = taught();
    const r = await run('show', '--data', lib.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`library: ${lib.path}`);
    expect(r.stdout).toContain('behaviors (2):');
    expect(r.stdout).toContain('put_in(object: entity, into: entity)  Do put_in.');
    expect(r.stdout).toContain('= pickup(object) → goto(into) → release()');
    expect(r.stdout).toContain('= put_in(CANDY, GIFT_BAG)');
    expect(r.stdout).toContain('names (2):');
    expect(r.stdout).toContain('SHELF  location  point [0.5, 0.1, 0.3]  The shelf spot.');
    expect(r.stdout).toContain('BOWL  object (container)  body bowl  The bowl.');
    expect(r.stdout).toContain('motions (0):');
    expect(r.stdout).toMatch(/history \(4, newest last\):\n {2}#1 {2}\S+Z {2}taught behavior "put_in"\n/);
  });

  it('--json prints the library as data', async () => {
    const lib = taught();
    const r = await run('show', '--json', '--data', lib.dir);
    expect(r.status).toBe(0);
    const data = JSON.parse(r.stdout) as ShowJson;
    expect(data.behaviors).toEqual(lib.behaviors());
    expect(data.entities).toEqual(lib.entities());
    expect(data.history.map((h) => h.seq)).toEqual([1, 2, 3, 4]);
  });

  it('on a workspace with no library says so and creates nothing', async () => {
    const dir = join(tmp('cli'), 'empty');
    const r = await run('show', '--data', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/there is no skill library at .*empty.library\.json/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a corrupt library with exit 2 and leaves it alone', async () => {
    const dir = tmp('cli');
    const file = join(dir, LIBRARY_FILE);
    writeFileSync(file, '{ not json');
    const r = await run('show', '--data', dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^shammie library: .*library\.json is not valid JSON .* Shammie left the file untouched/);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });
});

describe('shammie library export / import / undo', () => {
  it('exports, then imports (merge) into another workspace, then undoes the import', async () => {
    const src = taught();
    const file = join(tmp('cli'), 'share.json');
    const e = await run('export', file, '--data', src.dir);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    expect(e.stdout).toBe(`exported 2 behaviors, 2 names, 0 motions from ${src.path} to ${file}\n`);

    const dst = SkillLibrary.open(tmp('cli'));
    dst.addBehavior(behavior('mine'));
    const i = await run('import', file, '--data', dst.dir);
    expect(i.status).toBe(0);
    expect(i.stdout).toBe(
      `imported 2 behaviors, 2 names, 0 motions from ${file} into ${dst.path} (merge). Undo with: shammie library undo --data ${dst.dir}\n`,
    );
    expect(
      SkillLibrary.open(dst.dir)
        .behaviors()
        .map((b) => b.name),
    ).toEqual(['mine', 'put_in', 'pack_candy']);

    const again = await run('import', file, '--data', dst.dir);
    expect(again.stdout).toMatch(/^nothing to import: /);

    const u = await run('undo', '--data', dst.dir);
    expect(u.status).toBe(0);
    expect(u.stdout).toBe('undid: imported 2 behaviors, 2 names, 0 motions from share.json (merge)\n');
    expect(
      SkillLibrary.open(dst.dir)
        .behaviors()
        .map((b) => b.name),
    ).toEqual(['mine']);
    await run('undo', '--data', dst.dir);
    expect((await run('undo', '--data', dst.dir)).stdout).toBe(`nothing to undo in ${dst.path}\n`);
  });

  it('import --replace makes the library the file’s content', async () => {
    const src = taught();
    const file = join(tmp('cli'), 'share.json');
    src.exportTo(file);
    const dst = SkillLibrary.open(tmp('cli'));
    dst.addBehavior(behavior('mine'));
    const r = await run('import', file, '--replace', '--data', dst.dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(replace)');
    expect(SkillLibrary.open(dst.dir).behaviors()).toEqual(src.behaviors());
  });

  it('import creates the workspace library when there is none yet', async () => {
    const src = taught();
    const file = join(tmp('cli'), 'share.json');
    src.exportTo(file);
    const dir = join(tmp('cli'), 'fresh');
    expect((await run('import', file, '--data', dir)).status).toBe(0);
    expect(SkillLibrary.open(dir).entities()).toEqual(src.entities());
  });

  it('refuses a bad import file with exit 2 and changes nothing', async () => {
    const dst = taught();
    const before = sha(dst.path);
    const bad = join(tmp('cli'), 'package.json');
    writeFileSync(bad, '{"name": "not-a-library"}');
    const r = await run('import', bad, '--data', dst.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/package\.json is not a Shammie skill library .* Nothing was imported\./);
    expect(sha(dst.path)).toBe(before);
  });

  it('export from a workspace with no library is an error, not an empty file', async () => {
    const out = join(tmp('cli'), 'out.json');
    const r = await run('export', out, '--data', join(tmp('cli'), 'none'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/there is no skill library at/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('shammie library: bad command lines exit 2 with one line pointing at --help', () => {
  const cases: [string[], RegExp][] = [
    [[], /missing subcommand/],
    [['list'], /unknown subcommand "list"/],
    [['export'], /library export needs exactly one FILE/],
    [['import', 'a.json', 'b.json'], /library import needs exactly one FILE/],
    [['show', 'extra'], /unexpected argument "extra"/],
    [['show', '--replace'], /--replace only applies to import/],
    [['export', 'x.json', '--json'], /--json only applies to show/],
    [['show', '--frobnicate'], /unknown option '--frobnicate' for 'library'/],
    [['show', '--data'], /--data/],
  ];
  for (const [argv, message] of cases) {
    it(`library ${argv.join(' ') || '(nothing)'}`, async () => {
      const r = await run(...argv);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^shammie library: [^\n]* See 'shammie library --help'\.\n$/);
    });
  }

  it('--help prints usage and exits 0', async () => {
    const r = await run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: shammie library <show\|export\|import\|undo>/);
  });
});

// Runs by itself once launch/cli.ts routes `library` to libraryCommand.
const BIN = join(import.meta.dirname, '..', '..', '..', 'launch', 'bin', 'shammie.js');
const wired = readFileSync(join(import.meta.dirname, '..', '..', '..', 'launch', 'cli.ts'), 'utf8').includes('libraryCommand');

describe.runIf(wired)('shammie library as a separate process', () => {
  const shammie = (...args: string[]) => spawnSync(process.execPath, [BIN, 'library', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('export, import, show and a bad file: output and exit status', () => {
    const src = taught();
    const file = join(tmp('cli'), 'share.json');
    const e = shammie('export', file, '--data', src.dir);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    const dir = join(tmp('cli'), 'ws');
    expect(shammie('import', file, '--data', dir).status).toBe(0);
    const s = shammie('show', '--data', dir);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('= put_in(CANDY, GIFT_BAG)');
    const bad = join(tmp('cli'), 'bad.json');
    writeFileSync(bad, '[]');
    const b = shammie('import', bad, '--data', dir);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/bad\.json is not a Shammie skill library/);
    expect(shammie('show', 'extra').status).toBe(2);
  });
});
