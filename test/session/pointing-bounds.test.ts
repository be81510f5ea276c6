/**
 * Pointing is where a position enters the session from every input (the API, the console's
 * click, a script's !click, "it's here"): a point outside the workspace is refused with the
 * valid range, nothing is taught, and the question stays open for a good click.
 */
import { describe, expect, it } from 'vitest';
import { robotReach } from '../../model/bounds.js';
import { sessionWorkspace } from '../../session/pointing.js';
import type { SessionCore } from '../../session/core.js';
import { fakeSession } from './harness.js';

describe('pointing bounds', () => {
  it.each([
    ['z = 1e306', [0.5, 0, 1e306], /position z 1e\+306 m is outside the workspace \(z 0\.\.\d\.\d+ m\)/],
    ['x = 1e6', [1e6, 0, 0.1], /position x 1e\+6 m is outside the workspace/],
    ['under the table', [0.5, 0, -0.5], /position z -0\.5 m is outside the workspace/],
    ['NaN', [0.5, Number.NaN, 0], /position y must be a finite number of meters, got NaN/],
  ])('a point at %s is refused, nothing is taught, and the robot still asks', async (_what, p, message) => {
    const { session, world } = await fakeSession();
    const asked = await session.say('go to the lamp');
    expect(asked.kind).toBe('question');
    const before = world.names();
    const turn = await session.point(p as [number, number, number]);
    expect(turn.kind).toBe('error');
    expect(turn.reply).toMatch(/^I can't use that point: /);
    expect(turn.reply).toMatch(message);
    expect(turn.failure).toMatch(message);
    expect(world.names()).toEqual(before);
    expect(session.library.entities()).toEqual([]);
    expect(session.state.kind).toBe('asking');
    expect(session.awaitingPoint?.name).toBe('LAMP');
    // The same question then takes a click on the table.
    const good = await session.point([0.5, 0.1, 0]);
    expect(good.kind).toBe('taught');
    expect(world.has('LAMP')).toBe(true);
  });

  it('is refused the same way when nothing was asked (the bounds come first)', async () => {
    const { session } = await fakeSession();
    expect((await session.point([0.5, 0, 1e306])).reply).toMatch(/outside the workspace/);
  });

  it("without the app's workspace, the session uses the robot's reach (from the table top up)", async () => {
    const { session, model } = await fakeSession();
    const ws = sessionWorkspace({ deps: session.deps } as unknown as SessionCore);
    const { shoulder, reach } = robotReach(model);
    expect(ws.problem([0.5, 0, 0])).toBeNull();
    expect(ws.problem([0, 0, shoulder[2] + reach - 0.01])).toBeNull();
    expect(ws.problem([0, 0, shoulder[2] + reach + 0.05])).toMatch(/outside the workspace/);
    expect(ws.problem([reach + 0.05, 0, 0.1])).toMatch(/position x .* outside the workspace/);
  });
});
