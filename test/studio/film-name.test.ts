/**
 * Film names with spaces, the same in the console, by voice and on the command line, and
 * `shammie film export NAME` finding the film by its name in the data folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RulePlanner } from '../../planner/rule-planner.js';
import type { PlannerContext } from '../../planner/types.js';
import { studioNameSchema } from '../../server/protocol-studio.js';
import { StudioController } from '../../server/studio-controller.js';
import { filmCommand, resolveFilm } from '../../studio/film.js';
import { filmFolderName } from '../../studio/film-name.js';
import { StudioSession, testPattern } from '../../studio/index.js';
import { FakeCamera } from '../fakes/fake-camera.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'shammie-film-name-'));
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

/** A data folder with films <data>/studio/<folder>, each with `frames` small frames. */
function dataWith(films: Record<string, number>): string {
  const data = tmp();
  for (const [folder, n] of Object.entries(films)) {
    const s = StudioSession.open(join(data, 'studio', folder));
    for (let k = 0; k < n; k++) s.addFrame(testPattern(32, 24, k));
  }
  return data;
}

async function film(...argv: string[]) {
  const o = { status: 0, out: '', err: '' };
  o.status = await filmCommand(argv, { out: (t) => void (o.out += t), err: (t) => void (o.err += t) });
  return o;
}

describe('film names: one rule for the console, the voice and the CLI', () => {
  it('maps spaces to dashes and refuses what could leave the studio folder', () => {
    expect(filmFolderName('hulk smash')).toBe('hulk-smash');
    expect(filmFolderName('  My  First\tFilm ')).toBe('My-First-Film');
    expect(filmFolderName('take_2')).toBe('take_2');
    for (const bad of ['', '   ', '..', '../etc', 'a/b', 'a\\b', '-x', '.hidden', 'x'.repeat(65), 'naïve film'])
      expect(filmFolderName(bad), bad).toBeNull();
  });

  it('the console protocol schema gives the same folder, and refuses the same names', () => {
    for (const name of ['hulk smash', '  My  First\tFilm ', 'take_2', 'film-2026-11-26', '..', '../etc', 'a/b', 'x'.repeat(65), '']) {
      const r = studioNameSchema.safeParse(name);
      expect(r.success ? r.data : null, JSON.stringify(name)).toBe(filmFolderName(name));
    }
  });

  it('voice ("new film called hulk smash") names the folder the console and the CLI use', () => {
    const ctx: PlannerContext = {
      skills: [{ name: 'go_home', kind: 'primitive', description: 'Move the arm to its home pose.', params: [] }],
      entities: [],
      held: null,
      lastTouched: null,
    };
    const said = new RulePlanner().planSync('new film called hulk smash', ctx);
    expect(said).toMatchObject({ kind: 'open_film' });
    const typed = studioNameSchema.parse('hulk smash');
    expect(said.kind === 'open_film' ? said.name : null).toBe(typed);
    expect(typed).toBe(filmFolderName('hulk smash'));
  });

  it('a film typed "Hulk Smash" in the console is the one "hulk smash" opens by voice', () => {
    const dataDir = tmp();
    const camera = new FakeCamera({ width: 64, height: 36 });
    const studio = new StudioController({
      dataDir,
      camera,
      backend: { jointState: () => ({ stamp: 0, name: [], position: [], velocity: [], effort: [] }) },
      chain: { pose: () => new Float64Array(16) as never },
    });
    const typed = studio.openFilm(studioNameSchema.parse('Hulk Smash'));
    expect(typed.created).toBe(true);
    expect(typed.film.dir).toBe(join(dataDir, 'studio', 'Hulk-Smash'));
    const said = studio.openFilm('hulk-smash');
    expect(said.created).toBe(false);
    expect(said.film.dir).toBe(typed.film.dir);
    expect(studio.sessions()).toEqual(['Hulk-Smash']);
    expect(readdirSync(join(dataDir, 'studio'))).toEqual(['Hulk-Smash']);
  });
});

describe('shammie film: FILM by name in the data folder', () => {
  it('film info finds a film by the name as said or typed (spaces, any case) under --data', async () => {
    const data = dataWith({ 'hulk-smash': 3, 'take-2': 1 });
    for (const name of ['hulk smash', 'hulk-smash', 'Hulk Smash']) {
      const r = await film('info', name, '--data', data);
      expect(r.err, name).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ name: 'hulk-smash', dir: join(data, 'studio', 'hulk-smash'), frames: 3 });
    }
    // $SHAMMIE_DATA is the default data folder, as for every other command.
    const before = process.env.SHAMMIE_DATA;
    process.env.SHAMMIE_DATA = data;
    try {
      const r = await film('info', 'take 2');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ name: 'take-2', frames: 1 });
    } finally {
      if (before === undefined) delete process.env.SHAMMIE_DATA;
      else process.env.SHAMMIE_DATA = before;
    }
  });

  it('an unknown name says which films there are; a path still works; a bad name is one line', async () => {
    const data = dataWith({ 'hulk-smash': 1, 'take-2': 1 });
    let r = await film('info', 'loki', '--data', data);
    expect(r.status).toBe(2);
    expect(r.err).toBe(`shammie film: no film named "loki" in ${join(data, 'studio')}; its films: hulk-smash, take-2\n`);
    r = await film('info', 'loki', '--data', tmp());
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^shammie film: no film named "loki": .*studio has no films yet/);
    r = await film('info', join(data, 'studio', 'take-2'));
    expect(r.status).toBe(0);
    expect(resolveFilm(join(data, 'studio', 'take-2'), tmp())).toBe(join(data, 'studio', 'take-2'));
    expect(JSON.parse(r.out)).toMatchObject({ name: 'take-2' });
    r = await film('info', 'naïve film', '--data', data);
    expect(r.status).toBe(2);
    expect(r.err).toBe(
      `shammie film: "naïve film" is not a film name (use letters, digits, spaces, - and _ (at most 64)) or a film folder. See 'shammie film --help'.\n`,
    );
    r = await film('export', 'hulk', 'smash', '--out', 'x.gif', '--data', data);
    expect(r.status).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/one FILM .*quote a name with spaces/);
  });

  it.skipIf(!hasFfmpeg)('film export "hulk smash" writes the film found in the data folder', async () => {
    const data = dataWith({ 'hulk-smash': 4 });
    const out = join(tmp(), 'hulk.gif');
    const r = await film('export', 'hulk smash', '--data', data, '--out', out, '--fps', '4');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^wrote .*hulk\.gif: 4 frames, 32×24, 4 fps, 1\.0 s/);
  });
});
