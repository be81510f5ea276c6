/**
 * The sim world across a restart (session/world-snapshot.ts): a snapshot is logged each time the
 * arm comes to rest, and a new app put back from it holds what was held, with every object where
 * it was; a snapshot that does not fit (another scene, joints past their limits, an unknown
 * object, a pose that does not stay put) is refused with why, and the world starts over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPreviousSession } from '../../server/restore.js';
import { createApp, worldReport, type SimApp } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';
import { SNAPSHOT_DELAY_MS, restoreWorld, snapshotsDiffer, type WorldRecord } from '../../session/world-snapshot.js';

const apps: SimApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function app(dataDir?: string): Promise<SimApp> {
  const a = await createApp({ seed: 1, ...(dataDir ? { dataDir } : {}) });
  apps.push(a);
  return a;
}

const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const rest = () => new Promise((r) => setTimeout(r, SNAPSHOT_DELAY_MS + 300));

/** The last world record of an app's log, read back as a restart reads it. */
function lastWorld(a: SimApp): WorldRecord {
  const prev = readPreviousSession(a.logPath!);
  expect(prev.world).not.toBeNull();
  return prev.world!;
}

describe('the sim world across a restart', () => {
  it('puts back a held object and the arm; the restored grasp carries the candy into the bag', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shammie-world-'));
    dirs.push(dataDir);
    const first = await app(dataDir);
    // Held in the air above the bag when the server goes down.
    const turns = await runScript(first, parseScript('pick up the candy\ngo to the bag\n'));
    expect(turns.map((t) => t.outcome)).toEqual(['succeeded', 'succeeded']);
    await rest();
    const record = lastWorld(first);
    expect(record.world.grasped).toBe('CANDY');
    expect(record.scene).toBe(first.scenePath);
    const candyThen = first.sim.bodyPosition('CANDY')!;
    const armThen = [...first.sim.armPositions()];

    const second = await app();
    // Before: the candy on the table.
    expect(dist(second.sim.bodyPosition('CANDY')!, candyThen)).toBeGreaterThan(0.05);
    const r = restoreWorld(second, record);
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) return;
    expect(r.summary).toMatch(/CANDY in the gripper/);
    expect(second.sim.graspedObject).toBe('CANDY');
    expect(second.world.held).toBe('CANDY');
    expect(dist(second.sim.bodyPosition('CANDY')!, candyThen)).toBeLessThan(0.01);
    second.sim.armPositions().forEach((q, i) => expect(Math.abs(q - armThen[i])).toBeLessThan(0.01));
    for (const o of record.world.objects) expect(dist(second.sim.bodyPosition(o.name)!, o.position)).toBeLessThan(0.01);

    // The restored world is a working one: the plan starts from the restored pose and the grasp holds.
    const [put] = await runScript(second, parseScript('put it in the bag\n'));
    expect(put.outcome).toBe('succeeded');
    expect(worldReport(second).CANDY.in).toBe('GIFT_BAG');
  }, 90_000);

  it('writes a snapshot only when the arm came to rest and something changed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shammie-world-'));
    dirs.push(dataDir);
    const a = await app(dataDir);
    await rest();
    // Nothing moved yet: no record (the scene's start is what a restart gives anyway).
    expect(readPreviousSession(a.logPath!).world).toBeNull();
    await runScript(a, parseScript('pick up the candy\nput it in the bag\n'));
    await rest();
    const w = lastWorld(a).world;
    expect(w.grasped).toBeNull();
    const candy = w.objects.find((o) => o.name === 'CANDY')!;
    expect(dist(candy.position, a.sim.bodyPosition('CANDY')!)).toBeLessThan(0.002);
    expect(snapshotsDiffer(w, a.sim.snapshot())).toBe(false);
  }, 90_000);

  it('refuses a snapshot that does not fit, says why, and leaves the scene as it started', async () => {
    const a = await app();
    const start = a.sim.snapshot();
    const record = (world: Partial<WorldRecord['world']>, scene = a.scenePath) => ({
      type: 'world',
      scene,
      world: { ...start, ...world },
    });
    const unchanged = () => {
      expect(a.sim.graspedObject).toBeNull();
      expect(snapshotsDiffer(a.sim.snapshot(), start)).toBe(false);
    };
    const cases: [unknown, RegExp][] = [
      [record({}, '/elsewhere/kitchen.json'), /another scene \(\/elsewhere\/kitchen\.json\)/],
      [record({ arm: start.arm.map((q, i) => (i === 1 ? 9 : q)) }), /does not parse/],
      [record({ arm: start.arm.map((q, i) => (i === 3 ? 0.5 : q)) }), /outside its limits/],
      [record({ arm: start.arm.slice(1) }), /arm had \d joints; this one has \d/],
      [record({ objects: [{ name: 'UNICORN', position: [0.4, 0, 0.05], quaternion: [0, 0, 0, 1] }] }), /no object "UNICORN".*CANDY/],
      [record({ objects: [{ name: 'CANDY', position: [0.4, 0, 0.05], quaternion: [0, 0, 0, 2] }] }), /unit length/],
      [record({ objects: [{ name: 'CANDY', position: [1e6, 0, 0.05], quaternion: [0, 0, 0, 1] }] }), /does not parse/],
      // Not at rest: a candy in mid-air falls once the physics runs.
      [record({ objects: [{ name: 'CANDY', position: [0.45, 0.1, 0.3], quaternion: [0, 0, 0, 1] }] }), /CANDY moved .* cm once restored/],
      [{ type: 'world', world: start }, /does not parse/],
    ];
    for (const [rec, why] of cases) {
      const r = restoreWorld(a, rec);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.why).toMatch(why);
      unchanged();
    }
  }, 60_000);
});
