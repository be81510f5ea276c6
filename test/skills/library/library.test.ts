import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LIBRARY_FILE,
  LIBRARY_FORMAT,
  LIBRARY_VERSION,
  LibraryError,
  MAX_HISTORY,
  SkillLibrary,
  type LibraryChange,
} from '../../../skills/library/library.js';
import type { LibraryState } from '../../../skills/library/types.js';
import type { BehaviorDefinition } from '../../../skills/registry.js';
import { behavior, location, object, others, putIn, sha, tmp } from './helpers.js';

/** Everything observable, for comparing an open library with a fresh load of its file. */
const contents = (lib: SkillLibrary) => ({
  behaviors: lib.behaviors(),
  entities: lib.entities(),
  motions: lib.motions(),
  history: lib.history(),
});
const reopen = (lib: SkillLibrary) => SkillLibrary.open(lib.dir);
const names = (lib: SkillLibrary) => lib.behaviors().map((b) => b.name);

describe('SkillLibrary: files', () => {
  it('creates the folder and an empty, versioned library when missing', () => {
    const dir = join(tmp(), 'nested', 'shammie-data');
    const lib = SkillLibrary.open(dir);
    expect(lib.path).toBe(join(dir, LIBRARY_FILE));
    const raw: unknown = JSON.parse(readFileSync(lib.path, 'utf8'));
    expect(raw).toMatchObject({ format: LIBRARY_FORMAT, version: LIBRARY_VERSION, behaviors: [], entities: [], motions: [], history: [] });
    expect(contents(lib)).toEqual({ behaviors: [], entities: [], motions: [], history: [] });
    expect(others(dir)).toEqual([]);
  });

  it('open with create: false refuses a missing library without creating anything', () => {
    const dir = join(tmp(), 'none');
    expect(() => SkillLibrary.open(dir, { create: false })).toThrow(/there is no skill library at .*none.library\.json/);
    expect(existsSync(dir)).toBe(false);
  });

  it('round trip: everything taught comes back identical after reopening', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(putIn());
    lib.addBehavior(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }]));
    lib.addBehavior(behavior('wiggle', [{ skill: 'nudge', args: { dx: 0.01, label: 'left' } }]));
    lib.addEntity(location('HOME_SPOT', [0.4, -0.1, 0.25]));
    lib.addEntity(object('BOWL', 'bowl', true));
    lib.addMotion({
      name: 'wave',
      description: 'Wave hello.',
      params: [],
      data: {
        waypoints: [
          [0, 1, 2],
          [3, 4, 5],
        ],
        hz: 50,
      },
    });
    const again = reopen(lib);
    expect(contents(again)).toEqual(contents(lib));
    expect(again.behaviors()[0]).toEqual(putIn());
    expect(again.entities()).toEqual([location('HOME_SPOT', [0.4, -0.1, 0.25]), object('BOWL', 'bowl', true)]);
    expect(again.motions()[0].data).toEqual({
      waypoints: [
        [0, 1, 2],
        [3, 4, 5],
      ],
      hz: 50,
    });
  });

  it('hands out copies, so callers cannot change the library behind its back', () => {
    const lib = SkillLibrary.open(tmp());
    const def = putIn();
    lib.addBehavior(def);
    def.body.pop();
    lib.behaviors()[0].body.pop();
    expect(lib.behaviors()[0].body).toHaveLength(3);
  });
});

describe('SkillLibrary: every mutation is on disk when the method returns', () => {
  it('add, replace, rename, remove behaviors; add, replace, remove names; undo', () => {
    const lib = SkillLibrary.open(tmp());
    const steps: [string, () => void][] = [
      ['add behavior', () => lib.addBehavior(putIn())],
      ['add caller', () => lib.addBehavior(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }]))],
      ['replace behavior', () => lib.addBehavior({ ...putIn(), description: 'Put it in, gently.' })],
      ['rename', () => lib.renameBehavior('put_in', 'put_into')],
      ['add entity', () => lib.addEntity(location('SHELF'))],
      ['replace entity', () => lib.addEntity(location('SHELF', [0.5, 0.2, 0.3]))],
      ['remove caller', () => lib.removeBehavior('pack_candy')],
      ['remove entity', () => lib.removeEntity('SHELF')],
      ['add motion', () => lib.addMotion({ name: 'wave', description: 'Wave.', params: [], data: [1, 2] })],
      ['remove motion', () => lib.removeMotion('wave')],
      [
        'undo',
        () => {
          lib.undo();
        },
      ],
    ];
    let seq = 0;
    for (const [what, step] of steps) {
      step();
      expect(contents(reopen(lib)), what).toEqual(contents(lib));
      if (what !== 'undo') expect(lib.history().at(-1)!.seq, what).toBe(++seq);
    }
    expect(lib.history().map((h) => h.action)).toEqual([
      'add_behavior',
      'add_behavior',
      'add_behavior',
      'rename_behavior',
      'add_entity',
      'add_entity',
      'remove_behavior',
      'remove_entity',
      'add_motion',
    ]);
    for (const h of lib.history()) expect(new Date(h.at).toISOString()).toBe(h.at);
  });

  it('an unchanged re-teach is not a change (no write, no history entry)', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(putIn());
    const before = sha(lib.path);
    lib.addBehavior(putIn());
    lib.renameBehavior('put_in', 'put_in');
    expect(sha(lib.path)).toBe(before);
    expect(lib.history()).toHaveLength(1);
  });

  it('onChange fires after the change is on disk; unsubscribe stops it', () => {
    const lib = SkillLibrary.open(tmp());
    const seen: (LibraryChange & { onDisk: string[] })[] = [];
    const off = lib.onChange((c) =>
      seen.push({
        ...c,
        onDisk: reopen(lib)
          .behaviors()
          .map((b) => b.name),
      }),
    );
    lib.addBehavior(putIn());
    lib.undo();
    off();
    lib.addBehavior(putIn('other'));
    expect(seen).toEqual([
      { action: 'add_behavior', summary: 'taught behavior "put_in"', seq: 1, onDisk: ['put_in'] },
      { action: 'undo', summary: 'undid: taught behavior "put_in"', seq: null, onDisk: [] },
    ]);
  });

  it('history is bounded; the oldest entries drop off', () => {
    const lib = SkillLibrary.open(tmp());
    for (let i = 0; i < MAX_HISTORY + 5; i++) lib.addEntity(location('SPOT', [0.3, i / 1000, 0.2]));
    const h = reopen(lib).history();
    expect(h).toHaveLength(MAX_HISTORY);
    expect(h[0].seq).toBe(6);
    expect(h.at(-1)!.seq).toBe(MAX_HISTORY + 5);
  });

  it('notices another process’s change before writing, instead of overwriting it', () => {
    const dir = tmp();
    const a = SkillLibrary.open(dir);
    const b = SkillLibrary.open(dir);
    a.addBehavior(putIn());
    b.addEntity(location('SHELF'));
    expect(names(reopen(a))).toEqual(['put_in']);
    expect(
      reopen(a)
        .entities()
        .map((e) => e.name),
    ).toEqual(['SHELF']);
    expect(b.reload()).toBe(false);
    expect(a.reload()).toBe(true);
    expect(contents(a)).toEqual(contents(b));
  });
});

describe('SkillLibrary: undo', () => {
  it('walks back every kind of change, one per call, across restarts', () => {
    const dir = tmp();
    let lib = SkillLibrary.open(dir);
    const snapshots: ReturnType<typeof contents>[] = [];
    const change = (f: (l: SkillLibrary) => void) => {
      snapshots.push(contents(lib));
      f(lib);
      lib = SkillLibrary.open(dir); // a restart between every step
    };
    change((l) => l.addBehavior(putIn()));
    change((l) => l.addBehavior(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }])));
    change((l) => l.addBehavior({ ...putIn(), description: 'A newer version.' }));
    change((l) => l.addEntity(location('SHELF')));
    change((l) => l.addEntity(location('SHELF', [0.1, 0.2, 0.3])));
    change((l) => l.renameBehavior('put_in', 'put_into'));
    change((l) => l.removeBehavior('pack_candy'));
    change((l) => l.removeEntity('SHELF'));
    change((l) => l.addMotion({ name: 'wave', description: 'Wave.', params: [], data: null }));

    const summaries: string[] = [];
    while (snapshots.length) {
      const expected = snapshots.pop()!;
      const r = lib.undo();
      expect(r).not.toBeNull();
      summaries.push(r!.summary);
      lib = SkillLibrary.open(dir);
      // Same content (order included); history shorter by the undone entry.
      expect(contents(lib)).toEqual(expected);
    }
    expect(lib.undo()).toBeNull();
    expect(summaries).toEqual([
      'learned motion "wave"',
      'forgot location SHELF',
      'forgot behavior "pack_candy"',
      'renamed behavior "put_in" to "put_into" (updated 1 behavior that calls it)',
      'changed location SHELF',
      'named location SHELF',
      'changed behavior "put_in"',
      'taught behavior "pack_candy"',
      'taught behavior "put_in"',
    ]);
  });

  it('undoing a replacement restores the previous version, not nothing', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(putIn());
    lib.addBehavior({ ...putIn(), body: [{ skill: 'go_home', args: {} }], params: [] });
    lib.undo();
    expect(reopen(lib).behaviors()).toEqual([putIn()]);
  });

  it('restores a forgotten behavior in its original place', () => {
    const lib = SkillLibrary.open(tmp());
    for (const n of ['a', 'b', 'c']) lib.addBehavior(behavior(n));
    lib.removeBehavior('b');
    lib.undo();
    expect(names(reopen(lib))).toEqual(['a', 'b', 'c']);
  });

  it('sequence numbers keep counting after an undo', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(behavior('a'));
    lib.addBehavior(behavior('b'));
    lib.undo();
    lib.addBehavior(behavior('c'));
    expect(
      reopen(lib)
        .history()
        .map((h) => h.seq),
    ).toEqual([1, 3]);
  });
});

describe('SkillLibrary: rename', () => {
  it('rewrites calls in other behaviors (every step, every caller), and undo puts them back', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(putIn());
    const twice = behavior('pack_two', [
      { skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } },
      { skill: 'go_home', args: {} },
      { skill: 'put_in', args: { object: 'TOY_CAR', into: 'GIFT_BAG' } },
    ]);
    const outer = behavior(
      'tidy',
      [
        { skill: 'pack_two', args: {} },
        { skill: 'put_in', args: { object: { param: 'thing' }, into: 'BIN' } },
      ],
      [{ name: 'thing', type: 'entity', description: 'Anything.' }],
    );
    const bystander = behavior('wave_twice', [{ skill: 'go_home', args: {} }]);
    for (const b of [twice, outer, bystander]) lib.addBehavior(b);
    const before = lib.behaviors();

    lib.renameBehavior('put_in', 'put_into');
    const after = reopen(lib).behaviors();
    expect(after.map((b) => b.name)).toEqual(['put_into', 'pack_two', 'tidy', 'wave_twice']);
    expect(after[1].body.map((s) => s.skill)).toEqual(['put_into', 'go_home', 'put_into']);
    expect(after[2].body.map((s) => s.skill)).toEqual(['pack_two', 'put_into']);
    expect(after[2].body[1].args).toEqual({ object: { param: 'thing' }, into: 'BIN' });
    expect(after[3]).toEqual(bystander);
    expect(after.flatMap((b) => b.body).some((s) => s.skill === 'put_in')).toBe(false);
    expect(lib.history().at(-1)!.summary).toBe('renamed behavior "put_in" to "put_into" (updated 2 behaviors that call it)');

    lib.undo();
    expect(reopen(lib).behaviors()).toEqual(before);
  });

  it('refuses unknown sources, taken or invalid targets, and changes nothing', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(behavior('a'));
    lib.addBehavior(behavior('b'));
    lib.addMotion({ name: 'wave', description: 'Wave.', params: [], data: {} });
    const before = sha(lib.path);
    expect(() => lib.renameBehavior('zzz', 'c')).toThrow(/no taught behavior "zzz"; taught behaviors: a, b/);
    expect(() => lib.renameBehavior('a', 'b')).toThrow(/"b" is already taught/);
    expect(() => lib.renameBehavior('a', 'wave')).toThrow(/"wave" is already taught/);
    expect(() => lib.renameBehavior('a', 'Bad Name')).toThrow(/lower_snake_case/);
    expect(sha(lib.path)).toBe(before);
  });
});

describe('SkillLibrary: renaming a learned motion', () => {
  const track = {
    name: 'track',
    description: 'Learned camera motion.',
    params: [{ name: 'target', type: 'entity' as const, description: 'The figure.' }],
    data: { dmp: { weights: [1, 2, 3] } },
  };

  it('renames the motion, rewrites the behaviors that call it, persists atomically, and undo puts both back', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addMotion(track);
    lib.addMotion({ ...track, name: 'zoom_in' });
    const film = behavior(
      'film',
      [
        { skill: 'track', args: { target: { param: 'star' } } },
        { skill: 'go_home', args: {} },
        { skill: 'track', args: { target: 'TOWER' } },
      ],
      [{ name: 'star', type: 'entity', description: 'Who to film.' }],
    );
    const bystander = behavior('wave', [{ skill: 'zoom_in', args: { target: 'LOKI' } }]);
    lib.addBehavior(film);
    lib.addBehavior(bystander);
    const before = { behaviors: lib.behaviors(), motions: lib.motions() };

    lib.renameMotion('track', 'orbit');
    const again = reopen(lib);
    expect(again.motions().map((m) => m.name)).toEqual(['orbit', 'zoom_in']);
    expect(again.motions()[0]).toEqual({ ...track, name: 'orbit' }); // the learned data is untouched
    expect(again.behaviors()[0].body.map((s) => s.skill)).toEqual(['orbit', 'go_home', 'orbit']);
    expect(again.behaviors()[0].body[0].args).toEqual({ target: { param: 'star' } });
    expect(again.behaviors()[1]).toEqual(bystander);
    expect(lib.history().at(-1)).toMatchObject({
      action: 'rename_motion',
      summary: 'renamed motion "track" to "orbit" (updated 1 behavior that calls it)',
    });
    expect(others(lib.dir)).toEqual([]);

    expect(lib.undo()).toMatchObject({ action: 'rename_motion' });
    const undone = reopen(lib);
    expect({ behaviors: undone.behaviors(), motions: undone.motions() }).toEqual(before);
  });

  it('refuses unknown motions, taken or invalid names, and changes nothing', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addMotion(track);
    lib.addMotion({ ...track, name: 'zoom_in' });
    lib.addBehavior(behavior('film', [{ skill: 'track', args: { target: 'TOWER' } }]));
    const before = sha(lib.path);
    expect(() => lib.renameMotion('pan', 'orbit')).toThrow(/no learned motion "pan"; motions: track, zoom_in/);
    expect(() => lib.renameMotion('film', 'orbit')).toThrow(/no learned motion "film"/);
    expect(() => lib.renameMotion('track', 'zoom_in')).toThrow(/"zoom_in" is already taught/);
    expect(() => lib.renameMotion('track', 'film')).toThrow(/"film" is already taught/);
    expect(() => lib.renameMotion('track', 'Orbit Shot')).toThrow(/lower_snake_case/);
    lib.renameMotion('track', 'track');
    expect(sha(lib.path)).toBe(before);
  });
});

describe('SkillLibrary: behaviors are validated data', () => {
  const bad: [string, unknown, RegExp][] = [
    ['upper-case name', behavior('PutIn'), /name: skill names are lower_snake_case/],
    ['spaces in name', behavior('put in'), /lower_snake_case/],
    ['no description', { ...behavior('a'), description: '' }, /one-line description/],
    ['no steps', behavior('a', []), /at least one step/],
    [
      'undeclared parameter',
      behavior('a', [{ skill: 'goto', args: { object: { param: 'where' } } }]),
      /body\[0\]\.args\.object: uses parameter "where", which a does not declare/,
    ],
    [
      'untyped parameter',
      behavior('a', [{ skill: 'go_home', args: {} }], [{ name: 'x', type: 'thing', description: '' }] as never),
      /params\[0\]\.type/,
    ],
    [
      'duplicate parameter',
      behavior(
        'a',
        [{ skill: 'go_home', args: {} }],
        [
          { name: 'x', type: 'number', description: '' },
          { name: 'x', type: 'number', description: '' },
        ],
      ),
      /declared twice/,
    ],
    ['code in a step', { ...behavior('a'), body: [{ skill: 'go_home', args: {}, code: 'process.exit()' }] }, /Unrecognized key.*code/],
    ['function as argument', behavior('a', [{ skill: 'goto', args: { object: (() => 'CANDY') as never } }]), /body\[0\]\.args\.object/],
    ['bad argument name', behavior('a', [{ skill: 'goto', args: { 'object; drop': 'CANDY' } }]), /body\[0\]\.args/],
    [
      'expression as parameter reference',
      behavior('a', [{ skill: 'goto', args: { object: { param: 'obj + 1' } } }]),
      /parameter names are lower_snake_case/,
    ],
    ['calls itself', behavior('a', [{ skill: 'a', args: {} }]), /a cannot call itself/],
    ['not a number', behavior('a', [{ skill: 'nudge', args: { dx: Number.NaN } }]), /body\[0\]\.args\.dx/],
    ['built in', { ...behavior('pickup'), builtin: true }, /built-in skills are not stored/],
    ['wrong kind', { ...behavior('a'), kind: 'primitive' }, /kind/],
    ['not an object', 'pickup(CANDY)', /expected object/],
  ];
  for (const [what, def, message] of bad) {
    it(`refuses: ${what}`, () => {
      const lib = SkillLibrary.open(tmp());
      const before = sha(lib.path);
      let err: unknown;
      try {
        lib.addBehavior(def as BehaviorDefinition);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LibraryError);
      expect((err as Error).message).toMatch(message);
      expect(sha(lib.path)).toBe(before);
      expect(lib.behaviors()).toEqual([]);
    });
  }

  it('refuses call loops through other taught behaviors', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(behavior('a', [{ skill: 'b', args: {} }]));
    lib.addBehavior(behavior('b', [{ skill: 'c', args: {} }]));
    expect(() => lib.addBehavior(behavior('c', [{ skill: 'a', args: {} }]))).toThrow(/loop: (a → b → c → a|b → c → a → b|c → a → b → c)/);
    expect(names(reopen(lib))).toEqual(['a', 'b']);
  });

  it('refuses to forget a behavior other behaviors use, naming them', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(putIn());
    lib.addBehavior(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }]));
    expect(() => lib.removeBehavior('put_in')).toThrow(
      'cannot forget behavior "put_in": behavior pack_candy uses it. Forget or change that first.',
    );
    expect(() => lib.removeBehavior('nope')).toThrow('no taught behavior "nope"; taught behaviors: put_in, pack_candy');
    expect(() => lib.removeEntity('NOPE')).toThrow('no taught name "NOPE"; taught names: none');
  });

  it('refuses bad names for objects and locations', () => {
    const lib = SkillLibrary.open(tmp());
    expect(() => lib.addEntity(location('shelf'))).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => lib.addEntity({ ...location('SHELF'), source: { type: 'point', position: [0, 0] } } as never)).toThrow(LibraryError);
    expect(lib.entities()).toEqual([]);
  });

  it('keeps behavior and motion names apart', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(behavior('wave'));
    expect(() => lib.addMotion({ name: 'wave', description: 'Wave.', params: [], data: 1 })).toThrow(/already a taught behavior/);
    lib.addMotion({ name: 'shake', description: 'Shake.', params: [], data: 1 });
    expect(() => lib.addBehavior(behavior('shake'))).toThrow(/already a learned motion/);
    expect(() => lib.addMotion({ name: 'bad', description: 'x', params: [], data: () => 1 })).toThrow(LibraryError);
  });
});

describe('SkillLibrary: export and import', () => {
  function teach(lib: SkillLibrary) {
    lib.addBehavior(putIn());
    lib.addBehavior(behavior('pack_candy', [{ skill: 'put_in', args: { object: 'CANDY', into: 'GIFT_BAG' } }]));
    lib.addEntity(location('SHELF'));
  }

  it('exports the taught content (no history) as a library file that opens as a library', () => {
    const src = SkillLibrary.open(tmp());
    teach(src);
    const out = join(tmp(), 'sub', 'share.json');
    expect(src.exportTo(out)).toEqual({ behaviors: 2, entities: 1, motions: 0 });
    const raw: unknown = JSON.parse(readFileSync(out, 'utf8'));
    expect(raw).toMatchObject({ format: LIBRARY_FORMAT, version: LIBRARY_VERSION, history: [] });
    expect(src.history()).toHaveLength(3);
    // An export is itself a valid library.
    const dir = tmp();
    writeFileSync(join(dir, LIBRARY_FILE), readFileSync(out));
    expect(SkillLibrary.open(dir).behaviors()).toEqual(src.behaviors());
  });

  it('export refuses to overwrite the library itself or an unrelated file', () => {
    const lib = SkillLibrary.open(tmp());
    teach(lib);
    expect(() => lib.exportTo(lib.path)).toThrow(/cannot export onto the library itself/);
    const notes = join(tmp(), 'notes.json');
    writeFileSync(notes, '{"todo": ["buy candy"]}\n');
    const before = sha(notes);
    expect(() => lib.exportTo(notes)).toThrow(/notes\.json is not a Shammie skill library.*Refusing to overwrite it/);
    expect(sha(notes)).toBe(before);
    // An earlier export can be overwritten.
    const share = join(tmp(), 'share.json');
    lib.exportTo(share);
    lib.addEntity(location('BIN'));
    lib.exportTo(share);
    expect((JSON.parse(readFileSync(share, 'utf8')) as LibraryState).entities).toHaveLength(2);
  });

  it('merge: adds new items, replaces same-named ones, keeps the rest; one undo reverts it', () => {
    const src = SkillLibrary.open(tmp());
    teach(src);
    src.addBehavior({ ...putIn(), description: 'The imported version.' });
    const file = join(tmp(), 'share.json');
    src.exportTo(file);

    const dst = SkillLibrary.open(tmp());
    dst.addBehavior(putIn());
    dst.addBehavior(behavior('mine'));
    dst.addEntity(location('HOME_SPOT'));
    const before = contents(dst);
    expect(dst.importFrom(file, { mode: 'merge' })).toEqual({ behaviors: 2, entities: 1, motions: 0 });
    const after = reopen(dst);
    expect(after.behaviors().map((b) => [b.name, b.description])).toEqual([
      ['put_in', 'The imported version.'],
      ['mine', 'Do mine.'],
      ['pack_candy', 'Do pack_candy.'],
    ]);
    expect(after.entities().map((e) => e.name)).toEqual(['HOME_SPOT', 'SHELF']);
    expect(after.history().at(-1)).toMatchObject({
      action: 'import',
      summary: 'imported 2 behaviors, 1 name, 0 motions from share.json (merge)',
    });
    after.undo();
    expect(contents(reopen(dst))).toEqual(before);
  });

  it('replace: the library becomes the file’s content; undo brings the old content back', () => {
    const src = SkillLibrary.open(tmp());
    teach(src);
    const file = join(tmp(), 'share.json');
    src.exportTo(file);
    const dst = SkillLibrary.open(tmp());
    dst.addBehavior(behavior('mine'));
    dst.addEntity(location('HOME_SPOT'));
    const before = contents(dst);
    dst.importFrom(file, { mode: 'replace' });
    const after = reopen(dst);
    expect(after.behaviors()).toEqual(src.behaviors());
    expect(after.entities()).toEqual(src.entities());
    expect(after.history().map((h) => h.action)).toEqual(['add_behavior', 'add_entity', 'import']);
    after.undo();
    expect(contents(reopen(dst))).toEqual(before);
  });

  it('refuses a bad import file with a clear message and changes nothing', () => {
    const dst = SkillLibrary.open(tmp());
    teach(dst);
    const before = sha(dst.path);
    const dir = tmp();
    const files: [string, string, RegExp][] = [
      ['broken.json', '{"format": "shammie-library", ', /broken\.json is not valid JSON .* Nothing was imported\./],
      ['other.json', '{"name": "some package"}', /other\.json is not a Shammie skill library .* Nothing was imported\./],
      [
        'newer.json',
        JSON.stringify({ format: LIBRARY_FORMAT, version: 2, skills: {} }),
        /newer\.json was written by a newer Shammie \(library version 2; this one reads version 1\)/,
      ],
      [
        'bad.json',
        JSON.stringify({
          format: LIBRARY_FORMAT,
          version: 1,
          lastSeq: 0,
          behaviors: [behavior('Nope')],
          entities: [],
          motions: [],
          history: [],
        }),
        /bad\.json is not a valid skill library:\n {2}behaviors\[0\]\.name: skill names are lower_snake_case/,
      ],
      [
        'clash.json',
        JSON.stringify({
          format: LIBRARY_FORMAT,
          version: 1,
          lastSeq: 0,
          behaviors: [],
          entities: [],
          motions: [{ name: 'put_in', description: 'x', params: [], data: 1 }],
          history: [],
        }),
        /cannot import .*clash\.json: the result would be inconsistent:\n {2}"put_in" is both a behavior and a motion/,
      ],
    ];
    for (const [name, text, message] of files) {
      const f = join(dir, name);
      writeFileSync(f, text);
      expect(() => dst.importFrom(f), name).toThrow(message);
      // (clash.json alone is fine to replace with: nothing of the old library remains to clash)
      if (name !== 'clash.json') expect(() => dst.importFrom(f, { mode: 'replace' }), name).toThrow(LibraryError);
    }
    expect(() => dst.importFrom(join(dir, 'missing.json'))).toThrow(/missing\.json does not exist/);
    expect(sha(dst.path)).toBe(before);
    expect(dst.history()).toHaveLength(3);
  });
});

describe('SkillLibrary: files it cannot use are refused and left byte-identical', () => {
  const valid = { format: LIBRARY_FORMAT, version: 1, lastSeq: 0, behaviors: [], entities: [], motions: [], history: [] };
  const cases: [string, string, RegExp][] = [
    ['bad JSON', '{"format": "shammie-library", "version": 1, "behaviors": [', /is not valid JSON/],
    ['empty', '', /is empty, not a skill library/],
    ['truncated', JSON.stringify(valid, null, 2).slice(0, 40), /is not valid JSON/],
    [
      'foreign JSON',
      '{"name": "shammie", "version": "0.1.0"}',
      /is not a Shammie skill library \(it has no "format": "shammie-library" marker\)/,
    ],
    ['a JSON array', '[1, 2, 3]', /is not a Shammie skill library/],
    [
      'newer version',
      JSON.stringify({ ...valid, version: 7, extra: true }),
      /was written by a newer Shammie \(library version 7; this one reads version 1\)\. Upgrade Shammie/,
    ],
    [
      'fails the schema',
      JSON.stringify({ ...valid, behaviors: [{ name: 'x', kind: 'behavior' }] }),
      /is not a valid skill library:\n {2}behaviors\[0\]\.description/,
    ],
    [
      'unknown top-level key',
      JSON.stringify({ ...valid, script: 'rm -rf /' }),
      /is not a valid skill library:[\s\S]*Unrecognized key.*script/,
    ],
    ['version 0', JSON.stringify({ ...valid, version: 0 }), /is not a valid skill library:\n {2}version/],
    [
      'an unknown key in a name',
      JSON.stringify({ ...valid, entities: [{ ...location('SHELF'), colour: 'red' }] }),
      /entities\[0\]: Unrecognized key: "colour"/,
    ],
    ['duplicate names', JSON.stringify({ ...valid, behaviors: [behavior('a'), behavior('a')] }), /behavior "a" appears twice/],
    [
      'a call loop',
      JSON.stringify({ ...valid, behaviors: [behavior('a', [{ skill: 'b', args: {} }]), behavior('b', [{ skill: 'a', args: {} }])] }),
      /loop: a → b → a/,
    ],
    [
      'a bad undo record',
      JSON.stringify({ ...valid, lastSeq: 1, history: [{ seq: 1, at: 'yesterday', action: 'x', summary: '', undo: {} }] }),
      /history\[0\]\.at/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses ${what}`, () => {
      const dir = tmp();
      const file = join(dir, LIBRARY_FILE);
      writeFileSync(file, text);
      const before = sha(file);
      let err: unknown;
      try {
        SkillLibrary.open(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LibraryError);
      const msg = (err as Error).message;
      expect(msg).toMatch(message);
      expect(msg).toContain(file);
      expect(msg).toMatch(/Shammie left the file untouched\. Restore it from a backup or an export, fix it by hand, move it aside/);
      expect(sha(file)).toBe(before);
      expect(others(dir)).toEqual([]);
    });
  }

  it('refuses a folder where the file should be', () => {
    const dir = tmp();
    mkdirSync(join(dir, LIBRARY_FILE));
    expect(() => SkillLibrary.open(dir)).toThrow(/library\.json is a folder/);
  });

  it('refuses to write when the file went bad under an open library', () => {
    const lib = SkillLibrary.open(tmp());
    lib.addBehavior(behavior('a'));
    writeFileSync(lib.path, '{"format": "shammie-library", "version": 99}');
    const before = sha(lib.path);
    expect(() => lib.addBehavior(behavior('b'))).toThrow(/newer Shammie/);
    expect(() => lib.undo()).toThrow(/newer Shammie/);
    expect(sha(lib.path)).toBe(before);
  });

  it('removes temp files left by dead writers, never a live writer’s', () => {
    const dir = tmp();
    SkillLibrary.open(dir);
    const dead = `.library.json.${2 ** 22 + 12345}.deadbeef.tmp`; // above Linux's default pid_max
    const live = `.library.json.${process.ppid}.cafebabe.tmp`;
    const unrelated = 'notes.txt';
    for (const n of [dead, live, unrelated]) writeFileSync(join(dir, n), 'partial');
    SkillLibrary.open(dir);
    expect(others(dir).sort()).toEqual([live, unrelated].sort());
  });
});
