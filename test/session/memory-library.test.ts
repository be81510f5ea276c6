/** The in-memory library of sessions without a data folder: renames and their undo. */
import { describe, expect, it } from 'vitest';
import { MemoryLibrary } from '../../session/session.js';
import type { BehaviorDefinition } from '../../skills/registry.js';

const behavior = (name: string, body: BehaviorDefinition['body']): BehaviorDefinition => ({
  name,
  description: `Do ${name}.`,
  kind: 'behavior',
  params: [],
  body,
});
const track = {
  name: 'track',
  description: 'Learned camera motion.',
  params: [{ name: 'target', type: 'entity' as const, description: 'The figure.' }],
  data: { w: [1, 2] },
};

describe('MemoryLibrary', () => {
  it('renaming a behavior rewrites its callers, and undo restores the callers too', () => {
    const lib = new MemoryLibrary();
    lib.addBehavior(behavior('put_in', [{ skill: 'go_home', args: {} }]));
    lib.addBehavior(
      behavior('tidy', [
        { skill: 'put_in', args: {} },
        { skill: 'go_home', args: {} },
      ]),
    );
    lib.renameBehavior('put_in', 'put_into');
    expect(lib.behaviors().map((b) => [b.name, b.body.map((s) => s.skill)])).toEqual([
      ['tidy', ['put_into', 'go_home']],
      ['put_into', ['go_home']],
    ]);
    lib.undo();
    expect(lib.behaviors().map((b) => [b.name, b.body.map((s) => s.skill)])).toEqual([
      ['put_in', ['go_home']],
      ['tidy', ['put_in', 'go_home']],
    ]);
  });

  it('renames a learned motion and the behaviors that call it; undo puts both back', () => {
    const lib = new MemoryLibrary();
    lib.addMotion(track);
    lib.addBehavior(behavior('film', [{ skill: 'track', args: { target: 'TOWER' } }]));
    lib.renameMotion('track', 'orbit');
    expect(lib.motions()).toEqual([{ ...track, name: 'orbit' }]);
    expect(lib.behaviors()[0].body).toEqual([{ skill: 'orbit', args: { target: 'TOWER' } }]);
    expect(lib.undo()).toEqual({ summary: 'renamed track to orbit' });
    expect(lib.motions()).toEqual([track]);
    expect(lib.behaviors()[0].body).toEqual([{ skill: 'track', args: { target: 'TOWER' } }]);
    expect(() => lib.renameMotion('pan', 'x')).toThrow(/no learned motion named pan/);
  });
});
