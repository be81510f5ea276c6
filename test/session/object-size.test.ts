/**
 * "The lotion is about 15 centimeters tall" (issue 12): objects whose shape the robot cannot
 * measure (taught by pointing; on a real arm, everything pointed at) get a box in the planning
 * scene, of the size the operator says. What the sim measures is never overridden.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RulePlanner } from '../../planner/index.js';
import { createApp, type SimApp } from '../../session/app.js';
import { makeContext, SEED_ENTITIES } from '../planner/fixtures.js';

const planner = new RulePlanner();
const ctx = makeContext({
  entities: [...SEED_ENTITIES, { name: 'LOTION', description: 'A bottle of lotion.', kind: 'object' }],
});

describe('the size phrase (planner)', () => {
  it.each([
    ['the lotion is about 15 centimeters tall', 'height', 0.15],
    ['lotion is fifteen cm high', 'height', 0.15],
    ["the lotion's roughly 7 point 5 centimetres wide", 'width', 0.075],
    ['the lotion is twelve and a half millimeters across', 'width', 0.0125],
    ['the lotion is 4 inches tall', 'height', 0.1016],
  ])('%s', (u, axis, meters) => {
    const r = planner.planSync(u, ctx);
    expect(r).toMatchObject({ kind: 'object_size', name: 'LOTION', axis });
    expect(r.kind === 'object_size' && r.meters).toBeCloseTo(meters, 6);
  });

  it('refuses sizes no object here has, and names nobody knows, without moving anything', () => {
    const big = planner.planSync('the lotion is 3 meters tall', ctx);
    expect(big.kind).toBe('question');
    expect(big.reply).toBe('300 cm is not a size I can plan with: objects here are between 0.5 cm and 100 cm. How big is LOTION?');
    expect(planner.planSync('the lotion is 0 centimeters tall', ctx).kind).toBe('question');
    const unknown = planner.planSync('the widget is 10 cm tall', ctx);
    expect(unknown).toMatchObject({ kind: 'question', reason: 'unknown_object' });
    expect(unknown.reply).toMatch(/Show me where it is first, then tell me its size/);
  });
});

let apps: SimApp[] = [];
afterEach(async () => {
  for (const a of apps) await a.dispose();
  apps = [];
});

/** A joint configuration with the tool pointing down at (x, y, z) (m). */
function toolAt(app: SimApp, p: [number, number, number]): number[] {
  const r = app.ik.solve({ position: p, quaternion: [1, 0, 0, 0] }, { seed: app.model.home });
  expect(r.ok).toBe(true);
  return r.q;
}

describe('the size in the planning scene (session, sim)', () => {
  it('a pointed place told its height becomes an object with a box that size; a motion through it is caught; kept after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-size-'));
    let app = await createApp({ scene: 'giftbag', dataDir: dir });
    apps.push(app);
    const s = app.session;
    // The sim measures its own bodies: the operator's number does not replace them.
    expect((await s.say('the candy is about 15 cm tall')).reply).toBe(
      "I can see CANDY's real shape: it is 2.5 cm tall, so I'll plan with that.",
    );
    expect((await s.say('the bag is 20 cm tall')).kind).toBe('question');

    // An empty spot on the table, as on a real arm where the console sees no objects.
    await s.say('go to the widget');
    expect((await s.point([0.34, -0.14, 0])).kind).toBe('taught');
    const q = app.backend.jointState().position;
    const g = app.model.gripper?.open ?? 0; // fingers open, m
    app.collision!.refresh(q, g);
    expect(app.collision!.checker.scene.has('WIDGET')).toBe(false); // a place: nothing to keep clear

    // Fingers 10 cm above the table over the spot: clear of a 6 cm box, inside a 15 cm one.
    const over = toolAt(app, [0.34, -0.14, 0.1]);
    const told = await s.say('the widget is about 15 centimeters tall');
    expect(told.kind).toBe('taught');
    expect(told.reply).toBe("Okay, WIDGET is an object 15 cm tall: I'll keep a 6 × 6 × 15 cm box clear for it when planning.");
    expect(app.world.get('WIDGET')).toMatchObject({ kind: 'object', size: [0.06, 0.06, 0.15] });
    app.collision!.refresh(q, g);
    const box = app.collision!.checker.scene.get('WIDGET')!;
    expect(box.kind).toBe('taught');
    expect(box.parts[0].shape).toEqual({ type: 'box', halfExtents: [0.03, 0.03, 0.075] });
    expect(box.pose[14]).toBeCloseTo(0.075, 9); // standing on the table
    const hit = app.collision!.checker.checkState(over, g);
    expect(hit?.b).toMatch(/^WIDGET/);

    // Told 5 cm instead: the same pose is clear (the box shrank, not just grew).
    await s.say('the widget is 5 cm tall');
    app.collision!.refresh(q, g);
    expect(app.collision!.checker.checkState(over, g)).toBeNull();
    await s.say('the widget is 15 cm tall');

    // The size is part of the taught name: it survives a restart.
    await app.dispose();
    apps = [];
    app = await createApp({ scene: 'giftbag', dataDir: dir });
    apps.push(app);
    expect(app.world.get('WIDGET')).toMatchObject({ kind: 'object', size: [0.06, 0.06, 0.15] });
    app.collision!.refresh(app.backend.jointState().position, g);
    expect(app.collision!.checker.checkState(over, g)?.b).toMatch(/^WIDGET/);
    // Forgotten: its box goes too.
    await app.session.say('forget the widget');
    app.collision!.refresh(app.backend.jointState().position, g);
    expect(app.collision!.checker.scene.has('WIDGET')).toBe(false);
  });
});
