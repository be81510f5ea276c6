import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { FakeBackend } from './fake-backend.js';
import { smoothMove } from './backend-contract.js';

const panda = loadRobotModel('panda');
const target = panda.home.map((x) => x + 0.1);

describe('FakeBackend', () => {
  it('moves along the trajectory on a manual clock and records the call', async () => {
    const fake = FakeBackend.forModel(panda, { autoAdvance: false });
    const traj = smoothMove(panda.jointNames, panda.home, target, 1);
    const progress: number[] = [];
    const ex = fake.executeTrajectory(traj, { onProgress: (p) => progress.push(p.fraction) });
    expect(fake.status().moving).toBe(true);
    fake.advance(0.5);
    const mid = fake.jointState().position;
    mid.forEach((x, i) => expect(x).toBeCloseTo(panda.home[i] + 0.05, 3)); // halfway on a symmetric profile
    expect(fake.now()).toBeCloseTo(0.5, 9);
    fake.advance(0.6);
    expect(await ex.done).toEqual({ status: 'succeeded', finalError: 0 });
    expect(fake.jointState().position).toEqual(target);
    expect(progress.at(-1)).toBe(1);
    expect(fake.callsOf('executeTrajectory')[0].trajectory).toEqual(traj);
  });

  it('runs motions to completion by itself with autoAdvance (the default)', async () => {
    const fake = FakeBackend.forModel(panda);
    const ex = fake.executeTrajectory(smoothMove(panda.jointNames, panda.home, target, 2));
    expect((await ex.done).status).toBe('succeeded');
    expect(fake.now()).toBeGreaterThanOrEqual(2);
  });

  it('preempts a running trajectory with a new one', async () => {
    const fake = FakeBackend.forModel(panda, { autoAdvance: false });
    const a = fake.executeTrajectory(smoothMove(panda.jointNames, panda.home, target, 1));
    fake.advance(0.2);
    const b = fake.executeTrajectory(smoothMove(panda.jointNames, fake.jointState().position, panda.home, 1));
    expect(await a.done).toEqual({ status: 'preempted', reason: 'replaced by a new trajectory' });
    fake.runUntilIdle();
    expect((await b.done).status).toBe('succeeded');
  });

  it('can be told to abort the next trajectory part-way', async () => {
    const fake = FakeBackend.forModel(panda);
    fake.failNextTrajectory('collision detected', 0.5);
    const r = await fake.executeTrajectory(smoothMove(panda.jointNames, panda.home, target, 1)).done;
    expect(r).toEqual({ status: 'aborted', reason: 'collision detected' });
    expect(fake.jointState().position[0]).toBeCloseTo(panda.home[0] + 0.05, 2);
  });

  it('closes the gripper onto an object and reports a stall', async () => {
    const fake = FakeBackend.forModel(panda);
    fake.gripperObstacle = 0.015;
    const r = await fake.gripper({ position: 0, maxEffort: 30 });
    expect(r).toEqual({ position: 0.015, effort: 30, stalled: true, reachedGoal: false });
    const open = await fake.gripper({ position: 0.04, maxEffort: 30 });
    expect(open).toEqual({ position: 0.04, effort: 0, stalled: false, reachedGoal: true });
  });

  it('rejects motion when not connected, and reports presence changes', async () => {
    const fake = FakeBackend.forModel(panda, { presence: 'not_connected' });
    const seen: string[] = [];
    fake.onStatus((s) => seen.push(s.presence));
    expect((await fake.executeTrajectory(smoothMove(panda.jointNames, panda.home, target)).done).status).toBe('rejected');
    expect((await fake.gripper({ position: 0, maxEffort: 10 })).error).toBe('not connected');
    await fake.connect();
    expect(seen).toEqual(['connected']);
  });

  it('wait() advances the virtual clock and moves what is moving', async () => {
    const fake = FakeBackend.forModel(panda, { autoAdvance: false });
    const ex = fake.executeTrajectory(smoothMove(panda.jointNames, panda.home, target, 1));
    await fake.wait(1.5);
    expect((await ex.done).status).toBe('succeeded');
    expect(fake.calls.map((c) => c.method)).toEqual(['executeTrajectory', 'wait']);
  });
});
