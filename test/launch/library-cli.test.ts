/**
 * `shammie library import` checks every behavior against the skills the robot has (the
 * built-in primitives and behaviors, the library's motions and behaviors): one it could not run
 * refuses the whole file, with the known skills, and the library on disk stays as it was.
 * `library show` lists only behaviors the robot can run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { libraryCommand, unrunnableBehaviors } from '../../launch/library-cli.js';
import { SkillLibrary } from '../../skills/library/library.js';
import { behavior, putIn, sha, tmp } from '../skills/library/helpers.js';

async function run(...argv: string[]) {
  const o = { status: 0, stdout: '', stderr: '' };
  o.status = await libraryCommand(argv, { out: (t) => void (o.stdout += t), err: (t) => void (o.stderr += t) });
  return o;
}

/** A library file holding these behaviors (written through the library, as `library export` does). */
function fileWith(...behaviors: ReturnType<typeof behavior>[]): string {
  const src = SkillLibrary.open(tmp('lib-src'));
  for (const b of behaviors) src.addBehavior(b);
  const file = join(tmp('lib-file'), 'share.json');
  src.exportTo(file);
  return file;
}

const moonTrip = () =>
  behavior('moon_trip', [
    { skill: 'go_home', args: {} },
    { skill: 'fly_to_moon', args: {} },
  ]);

describe('shammie library import: behaviors the robot cannot run are refused', () => {
  it('a behavior calling fly_to_moon refuses the file, lists the known skills, and writes nothing', async () => {
    const dst = SkillLibrary.open(tmp('lib-dst'));
    dst.addBehavior(putIn());
    const before = sha(dst.path);
    const file = fileWith(behavior('wave_hi'), moonTrip());
    const r = await run('import', file, '--data', dst.dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `shammie library: cannot import ${file}: the robot could not run behavior "moon_trip" (calls fly_to_moon, a skill the robot does not know). ` +
        'Known skills: go_home, goto, grasp, release, pickup, put_in, wave_hi. Nothing was imported.\n',
    );
    // Atomic: the library file is byte for byte what it was, and show lists what the robot can run.
    expect(sha(dst.path)).toBe(before);
    const show = await run('show', '--data', dst.dir);
    expect(show.stdout).toContain('behaviors (1):');
    expect(show.stdout).not.toMatch(/moon_trip|wave_hi/);
  });

  it('a caller of a behavior that cannot run, and a call with the wrong arguments, are refused too', async () => {
    const dst = SkillLibrary.open(tmp('lib-dst'));
    const before = readFileSync(dst.path, 'utf8');
    const file = fileWith(
      moonTrip(),
      behavior('vacation', [{ skill: 'moon_trip', args: {} }]),
      behavior('visit', [{ skill: 'goto', args: { target: 'CANDY' } }]),
    );
    const r = await run('import', file, '--data', dst.dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('"moon_trip" (calls fly_to_moon, a skill the robot does not know)');
    expect(r.stderr).toContain('"vacation" (calls moon_trip, which cannot run)');
    expect(r.stderr).toContain('"visit" (calls goto(target) but goto takes (object))');
    expect(readFileSync(dst.path, 'utf8')).toBe(before);
  });

  it('checks against the library the import makes: a merge may call a taught behavior, a --replace may not', async () => {
    const dst = SkillLibrary.open(tmp('lib-dst'));
    dst.addBehavior(putIn());
    const file = fileWith(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }]));
    const replaced = await run('import', file, '--data', dst.dir, '--replace');
    expect(replaced.status).toBe(2);
    expect(replaced.stderr).toMatch(/"pack_candy" \(calls put_in, a skill the robot does not know\)/);
    expect(
      SkillLibrary.open(dst.dir)
        .behaviors()
        .map((b) => b.name),
    ).toEqual(['put_in']);
    const merged = await run('import', file, '--data', dst.dir);
    expect(merged.stderr).toBe('');
    expect(merged.status).toBe(0);
    expect(
      SkillLibrary.open(dst.dir)
        .behaviors()
        .map((b) => b.name),
    ).toEqual(['put_in', 'pack_candy']);
    expect((await run('show', '--data', dst.dir)).stdout).toContain('= put_in(CANDY, GIFT_BAG)');
  });
});

describe('shammie library show: never lists a behavior the robot cannot run', () => {
  it('names one stored anyway (an old import, a hand edit) apart, with why, in text and JSON', async () => {
    const lib = SkillLibrary.open(tmp('lib-old'));
    lib.addBehavior(putIn());
    lib.addBehavior(moonTrip()); // the library itself does not know the robot's skills
    const text = await run('show', '--data', lib.dir);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('behaviors (1):');
    expect(text.stdout).toContain('  put_in(object: entity, into: entity)');
    expect(text.stdout).toContain(
      'stored but the robot cannot run them (1; say "forget NAME" to the robot to remove one):\n  moon_trip: calls fly_to_moon, a skill the robot does not know\n',
    );
    const json = JSON.parse((await run('show', '--json', '--data', lib.dir)).stdout) as {
      behaviors: { name: string }[];
      cannotRun: { name: string; reason: string }[];
    };
    expect(json.behaviors.map((b) => b.name)).toEqual(['put_in']);
    expect(json.cannotRun).toEqual([{ name: 'moon_trip', reason: 'calls fly_to_moon, a skill the robot does not know' }]);
  });

  it('unrunnableBehaviors: recursion onto itself and motion skills are runnable', () => {
    const motion = { name: 'wave', description: 'Wave.', params: [] } as unknown as Parameters<typeof unrunnableBehaviors>[1][number];
    expect(
      unrunnableBehaviors([behavior('greet', [{ skill: 'wave', args: {} }]), behavior('again', [{ skill: 'again', args: {} }])], [motion]),
    ).toEqual([]);
    expect(unrunnableBehaviors([behavior('greet', [{ skill: 'wave', args: {} }])], [])).toEqual([
      { name: 'greet', reason: 'calls wave, a skill the robot does not know' },
    ]);
  });
});
