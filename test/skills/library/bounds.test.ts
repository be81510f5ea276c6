/**
 * Library entries whose numbers fail the physical bounds are refused like a corrupt file: on
 * open (the file left untouched), on reload and import, and on every change (nothing written).
 * A taught point is checked against the absolute world limit always, and against the robot's
 * workspace when the app gives one; learned motions by the motion skills' own check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceFor } from '../../../model/bounds.js';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { LibraryError, SkillLibrary } from '../../../skills/library/library.js';
import { behavior, location, sha, tmp } from './helpers.js';

const workspace = workspaceFor(loadRobotModel('panda'), { table: { size: [1.4, 1.2], center: [0.35, 0], thickness: 0.04 } });

function libraryFile(dir: string, content: { entities?: unknown[]; behaviors?: unknown[]; motions?: unknown[] }): string {
  const file = join(dir, 'library.json');
  writeFileSync(
    file,
    JSON.stringify({
      format: 'shammie-library',
      version: 1,
      lastSeq: 0,
      behaviors: [],
      entities: [],
      motions: [],
      history: [],
      ...content,
    }),
  );
  return file;
}

describe('library bounds', () => {
  it.each([
    [
      'a point at z = 1e306',
      { entities: [location('LOTION', [0.5, 0, 1e306])] },
      /entities\[0\]\.source\.position\[2\]: must be within ±10 m/,
    ],
    ['a point at x = -1e6', { entities: [location('LOTION', [-1e6, 0, 0])] }, /entities\[0\]\.source\.position\[0\]/],
    [
      'a behavior argument of 1e306',
      { behaviors: [behavior('wait_long', [{ skill: 'wait_for', args: { seconds: 1e306 } }])] },
      /behaviors\[0\]\.body\[0\]\.args\.seconds/,
    ],
  ])('refuses a file with %s on open, whatever the robot, and leaves it untouched', (_what, content, why) => {
    const dir = tmp('bounds');
    const file = libraryFile(dir, content);
    const before = sha(file);
    expect(() => SkillLibrary.open(dir)).toThrow(LibraryError);
    expect(() => SkillLibrary.open(dir)).toThrow(why);
    expect(() => SkillLibrary.open(dir)).toThrow(/is not a valid skill library[\s\S]*Shammie left the file untouched/);
    expect(sha(file)).toBe(before);
  });

  it("refuses a point outside the robot's workspace on open when the app gives the workspace", () => {
    const dir = tmp('bounds');
    libraryFile(dir, { entities: [location('SHELF', [0.5, 0, 5]), location('TABLE_SPOT', [0.5, 0.2, 0])] });
    expect(SkillLibrary.open(dir).entities()).toHaveLength(2); // inside ±10 m: loads without a robot
    expect(() => SkillLibrary.open(dir, { workspace })).toThrow(
      /location SHELF: position z 5 m is outside the workspace \(z -0\.04\.\.\d\.\d+ m\); forget SHELF and show it again by pointing/,
    );
  });

  it('refuses a change that would store a point outside the workspace; nothing is written', () => {
    const lib = SkillLibrary.open(tmp('bounds'), { workspace });
    lib.addEntity(location('SPOT', [0.5, 0, 0.1]));
    const before = sha(lib.path);
    expect(() => lib.addEntity(location('HIGH', [0.5, 0, 5]))).toThrow(/location HIGH: position z 5 m is outside the workspace/);
    expect(() => lib.addEntity(location('FAR', [0.5, 0, 1e306]))).toThrow(/must be within ±10 m/);
    expect(sha(lib.path)).toBe(before);
    expect(lib.entities().map((e) => e.name)).toEqual(['SPOT']);
  });

  it('reload and import check the same bounds; a bad import changes nothing', () => {
    const lib = SkillLibrary.open(tmp('bounds'), { workspace });
    const other = tmp('other');
    const file = libraryFile(other, { entities: [location('HIGH', [0.5, 0, 5])] });
    expect(() => lib.importFrom(file)).toThrow(/location HIGH: position z 5 m is outside the workspace/);
    expect(lib.entities()).toEqual([]);
    // Another process writes a bad point into this library's file: the reload refuses it.
    const raw = JSON.parse(readFileSync(lib.path, 'utf8')) as { entities: unknown[] };
    raw.entities.push(location('HIGH', [0.5, 0, 5]));
    writeFileSync(lib.path, JSON.stringify(raw));
    expect(() => lib.reload()).toThrow(/outside the workspace/);
  });

  it('undo cannot bring back a point that is outside the workspace now', () => {
    const dir = tmp('bounds');
    const loose = SkillLibrary.open(dir);
    loose.addEntity(location('SPOT', [0.5, 0, 5]));
    loose.addEntity(location('SPOT', [0.5, 0, 0.1]));
    const strict = SkillLibrary.open(dir, { workspace });
    expect(() => strict.undo()).toThrow(/cannot undo "changed location SPOT": location SPOT: position z 5 m is outside the workspace/);
    expect(strict.entities()[0].source).toEqual({ type: 'point', position: [0.5, 0, 0.1] });
  });

  it('refuses a learned motion the motion skills cannot use, on open and on add', () => {
    const checkMotion = (m: { data: unknown }) => ((m.data as { duration?: number }).duration! > 600 ? 'duration: at most 600 s' : null);
    const dir = tmp('bounds');
    libraryFile(dir, { motions: [{ name: 'wave', description: 'Wave.', params: [], data: { duration: 1e306 } }] });
    expect(() => SkillLibrary.open(dir, { checkMotion })).toThrow(/motion "wave": duration: at most 600 s/);
    const lib = SkillLibrary.open(tmp('bounds'), { checkMotion });
    expect(() => lib.addMotion({ name: 'wave', description: 'Wave.', params: [], data: { duration: 1e6 } })).toThrow(LibraryError);
    lib.addMotion({ name: 'wave', description: 'Wave.', params: [], data: { duration: 3 } });
    expect(lib.motions()).toHaveLength(1);
  });
});
