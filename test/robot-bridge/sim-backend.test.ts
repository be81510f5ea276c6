import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimBackend } from '../../robot-bridge/sim-backend.js';
import type { BackendStatus, JointState, TrajectoryProgress } from '../../robot-bridge/types.js';
import { ikTopDown, pointToPoint } from '../sim/helpers.js';

const backends: SimBackend[] = [];
async function connected(options: Parameters<typeof SimBackend.create>[0] = {}): Promise<SimBackend> {
  const b = await SimBackend.create(options);
  backends.push(b);
  await b.connect();
  return b;
}
afterEach(async () => {
  while (backends.length) await backends.pop()!.dispose();
});

const maxAbs = (v: number[]) => Math.max(...v.map(Math.abs));

/** Move in joint space with a dense quintic trajectory, like the planner sends. */
async function moveTo(b: SimBackend, q: number[], duration: number) {
  return b.executeTrajectory(pointToPoint(b.jointNames, b.jointState().position, q, duration)).done;
}

describe('SimBackend', () => {
  it('connects, reports capabilities and streams joint states every 10 ms of sim time', async () => {
    const b = await SimBackend.create();
    backends.push(b);
    const statuses: BackendStatus[] = [];
    b.onStatus((s) => statuses.push(s));
    expect(b.status().presence).toBe('not_connected');
    await b.connect();
    expect(b.status()).toEqual({ presence: 'connected', problems: [], moving: false });
    expect(statuses.map((s) => s.presence)).toEqual(['connecting', 'connected']);
    expect(b.capabilities).toEqual({
      trajectoryExecution: true,
      gripper: true,
      groundTruthObjects: true,
      simTimeControl: true,
      handGuiding: false,
    });
    expect(b.kind).toBe('sim');
    expect(b.jointNames).toEqual([
      'panda_joint1',
      'panda_joint2',
      'panda_joint3',
      'panda_joint4',
      'panda_joint5',
      'panda_joint6',
      'panda_joint7',
    ]);
    const states: JointState[] = [];
    b.onJointState((s) => states.push(s));
    const t0 = b.now();
    await b.wait(1);
    expect(b.now() - t0).toBeCloseTo(1, 2);
    expect(states.length).toBeGreaterThanOrEqual(99);
    expect(states.length).toBeLessThanOrEqual(101);
    expect(states[1].stamp - states[0].stamp).toBeCloseTo(0.01, 6);
    expect(states[0].name).toEqual(b.jointNames);
    expect(states[0].position).toHaveLength(7);
    expect(b.world.objectStates().map((o) => o.name)).toContain('CANDY');
  });

  it('fast pace does not advance the clock while idle', async () => {
    const b = await connected({ pace: 'fast' });
    const t = b.now();
    await new Promise((r) => setTimeout(r, 60));
    expect(b.now()).toBe(t);
  });

  it('realtime pace steps continuously at wall-clock speed, idle or not', async () => {
    const b = await connected({ pace: 'realtime' });
    let states = 0;
    b.onJointState(() => states++);
    const t = b.now();
    const wall = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    const simElapsed = b.now() - t;
    const wallElapsed = (performance.now() - wall) / 1000;
    // Never ahead of the wall clock; behind it only when the shared machine starves the loop
    // (the loop then drops time rather than racing to catch up), so the lower bound is loose.
    expect(simElapsed).toBeGreaterThan(wallElapsed * 0.2);
    expect(simElapsed).toBeLessThan(wallElapsed * 1.1);
    expect(states).toBeGreaterThan(5);
    // commands work in realtime too
    const r = await moveTo(
      b,
      b.world.robot.home.map((q, i) => (i === 0 ? q + 0.1 : q)),
      0.3,
    );
    expect(r.status).toBe('succeeded');
  });

  it('tracks a trajectory closely, reports progress and succeeds with a small final error', async () => {
    const b = await connected();
    const target = [0.8, 0.2, -0.4, -1.9, 0.4, 2.2, 1.2];
    let maxErr = 0;
    const off = b.world.onAfterStep((w) => {
      maxErr = Math.max(maxErr, w.trackingError());
    });
    const progress: TrajectoryProgress[] = [];
    const start = b.now();
    const ex = b.executeTrajectory(pointToPoint(b.jointNames, b.jointState().position, target, 1.5), {
      onProgress: (p) => progress.push(p),
    });
    expect(b.status().moving).toBe(true);
    const r = await ex.done;
    off();
    expect(r.status).toBe('succeeded');
    if (r.status === 'succeeded') expect(r.finalError).toBeLessThan(0.01);
    expect(maxErr).toBeLessThan(0.01); // rad, during the whole motion
    expect(b.now() - start).toBeLessThan(1.5 + 0.1);
    expect(maxAbs(b.jointState().position.map((q, i) => q - target[i]))).toBeLessThan(0.01);
    expect(progress.length).toBeGreaterThan(20);
    expect(progress.at(-1)!.fraction).toBe(1);
    expect(progress[0].desired).toHaveLength(7);
    expect(b.status().moving).toBe(false);
  });

  it('accepts joint names in any order and interpolates sparse points without velocities', async () => {
    const b = await connected();
    const names = [...b.jointNames].reverse();
    const q0 = b.jointState().position;
    const goal = q0.map((q, i) => (i === 0 ? q + 0.3 : q));
    const r = await b.executeTrajectory({
      jointNames: names,
      points: [
        { positions: [...q0].reverse(), timeFromStart: 0 },
        { positions: q0.map((q, i) => (i === 0 ? q + 0.15 : q)).reverse(), timeFromStart: 0.5 },
        { positions: [...goal].reverse(), timeFromStart: 1 },
      ],
    }).done;
    expect(r.status).toBe('succeeded');
    expect(b.jointState().position[0]).toBeCloseTo(goal[0], 2);
  });

  it('rejects bad trajectories with a reason', async () => {
    const b = await connected();
    const q = b.jointState().position;
    const bad = async (tr: Parameters<SimBackend['executeTrajectory']>[0]) => b.executeTrajectory(tr).done;
    expect(await bad({ jointNames: ['elbow'], points: [{ positions: [0], timeFromStart: 1 }] })).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('unknown joint elbow') as unknown,
    });
    expect(await bad({ jointNames: [...b.jointNames], points: [] })).toMatchObject({
      status: 'rejected',
      reason: 'the trajectory has no points',
    });
    expect(
      await bad({ jointNames: [...b.jointNames], points: [{ positions: q.map((v, i) => (i === 3 ? 0.5 : v)), timeFromStart: 1 }] }),
    ).toMatchObject({ status: 'rejected', reason: expect.stringContaining('panda_joint4 at 0.5000, outside its limits') as unknown });
    expect(
      await bad({
        jointNames: [...b.jointNames],
        points: [
          { positions: q, timeFromStart: 1 },
          { positions: q, timeFromStart: 0.5 },
        ],
      }),
    ).toMatchObject({ status: 'rejected', reason: expect.stringContaining('timeFromStart must increase') as unknown });
    expect(await bad({ jointNames: [...b.jointNames], points: [{ positions: q.map((v) => v + 0.5), timeFromStart: 0 }] })).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('starts 0.500 rad away') as unknown,
    });
    await b.disconnect();
    expect(await bad(pointToPoint(b.jointNames, q, q, 0.5))).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('not connected') as unknown,
    });
  });

  it('aborts when the arm cannot follow (driven into the table)', async () => {
    const b = await connected();
    const robot = b.world.robot;
    const above = ikTopDown(robot, [0.4, -0.05, 0.1], 0);
    expect((await moveTo(b, above, 1)).status).toBe('succeeded');
    const below = ikTopDown(robot, [0.4, -0.05, -0.12], 0, above);
    const r = await moveTo(b, below, 1);
    expect(r.status).toBe('aborted');
    if (r.status === 'aborted') expect(r.reason).toMatch(/tracking error .* exceeded the path tolerance/);
    expect(maxAbs(b.jointState().velocity)).toBeLessThan(0.05); // halted and holding
  });

  it('stop() during a trajectory halts the arm within 100 ms of sim time and holds it', async () => {
    const b = await connected();
    const ex = b.executeTrajectory(pointToPoint(b.jointNames, b.jointState().position, [1.2, 0.3, -0.5, -1.5, 0.8, 2.2, -0.3], 1.2));
    await b.wait(0.6); // mid-motion, near peak speed
    expect(maxAbs(b.jointState().velocity)).toBeGreaterThan(1);
    const t0 = b.now();
    let speedAt100ms = Infinity;
    const off = b.world.onAfterStep((w) => {
      if (Math.abs(w.time - t0 - 0.1) < 1e-6) speedAt100ms = maxAbs(w.armVelocities());
    });
    await b.stop();
    expect(b.now() - t0).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(await ex.done).toEqual({ status: 'preempted', reason: 'stopped' });
    const held = b.jointState().position;
    await b.wait(1);
    off();
    expect(speedAt100ms).toBeLessThan(0.05);
    expect(maxAbs(b.jointState().position.map((q, i) => q - held[i]))).toBeLessThan(0.003);
    expect(maxAbs(b.jointState().velocity)).toBeLessThan(0.01);
  });

  it('stop() works when idle, and cancel() preempts', async () => {
    const b = await connected();
    const q = b.jointState().position;
    await b.stop();
    expect(maxAbs(b.jointState().position.map((v, i) => v - q[i]))).toBeLessThan(1e-3);
    const ex = b.executeTrajectory(
      pointToPoint(
        b.jointNames,
        q,
        q.map((v, i) => (i === 0 ? v + 1 : v)),
        1,
      ),
    );
    await b.wait(0.3);
    await ex.cancel();
    expect(await ex.done).toEqual({ status: 'preempted', reason: 'cancelled' });
    expect(maxAbs(b.jointState().velocity)).toBeLessThan(0.05);
    // a newer trajectory preempts the running one
    const first = b.executeTrajectory(pointToPoint(b.jointNames, b.jointState().position, q, 1));
    await b.wait(0.2);
    const second = b.executeTrajectory(pointToPoint(b.jointNames, b.jointState().position, q, 1));
    expect((await first.done).status).toBe('preempted');
    expect((await second.done).status).toBe('succeeded');
  });

  it('grasps the candy, lifts it 10 cm (held), and drops it when opening', async () => {
    const b = await connected();
    const w = b.world;
    const c = w.bodyPosition('CANDY')!;
    const pre = ikTopDown(w.robot, [c[0], c[1], 0.12], 0);
    const grasp = ikTopDown(w.robot, [c[0], c[1], 0.012], 0, pre);
    const lift = ikTopDown(w.robot, [c[0], c[1], 0.112], 0, grasp);
    expect((await moveTo(b, pre, 1.5)).status).toBe('succeeded');
    expect((await moveTo(b, grasp, 1)).status).toBe('succeeded');
    const closed = await b.gripper({ position: 0, maxEffort: 20 });
    expect(closed).toMatchObject({ stalled: true, reachedGoal: false });
    expect(closed.position).toBeGreaterThan(0.012); // the 3 cm candy is between the fingers
    expect(closed.effort).toBeCloseTo(20, 0);
    expect(w.objectState('CANDY')!.held).toBe(true);
    await b.stop(); // a stop mid-grasp keeps the grip
    expect((await moveTo(b, lift, 1)).status).toBe('succeeded');
    await b.wait(0.5);
    const held = w.objectState('CANDY')!;
    expect(held.held).toBe(true);
    expect(held.position[2] - c[2]).toBeGreaterThan(0.095);
    const opened = await b.gripper({ position: 0.04, maxEffort: 20 });
    expect(opened).toMatchObject({ stalled: false, reachedGoal: true });
    await b.wait(1);
    const fell = w.objectState('CANDY')!;
    expect(fell.held).toBe(false);
    expect(fell.position[2]).toBeLessThan(0.02);
  });

  it('puts the candy into the gift bag (pick and place)', async () => {
    const b = await connected();
    const w = b.world;
    const c = w.bodyPosition('CANDY')!;
    const bag = w.bodyPosition('GIFT_BAG')!;
    const pre = ikTopDown(w.robot, [c[0], c[1], 0.12], 0);
    const grasp = ikTopDown(w.robot, [c[0], c[1], 0.012], 0, pre);
    const above = ikTopDown(w.robot, [bag[0], bag[1], 0.3], 0, pre);
    await moveTo(b, pre, 1.5);
    await moveTo(b, grasp, 1);
    await b.gripper({ position: 0, maxEffort: 20 });
    await moveTo(b, pre, 1);
    expect((await moveTo(b, above, 1.5)).status).toBe('succeeded');
    expect(w.objectState('CANDY')!.held).toBe(true);
    await b.gripper({ position: 0.04, maxEffort: 20 });
    await b.wait(1.5);
    expect(w.objectState('CANDY')).toMatchObject({ in: 'GIFT_BAG', held: false, resting: true });
  });

  it('closing on nothing reaches the goal; stop() mid-grasp keeps the grip', async () => {
    const b = await connected();
    expect(await b.gripper({ position: 0.01, maxEffort: 20 })).toMatchObject({ stalled: false, reachedGoal: true });
    expect(b.gripperPosition()).toBeCloseTo(0.01, 2);
    const pending = b.gripper({ position: 0.04, maxEffort: 20 });
    await b.wait(0.05); // opening at 0.2 m/s: about 1 cm on the way
    await b.stop();
    const r = await pending;
    expect(r).toMatchObject({ reachedGoal: false, stalled: false });
    expect(r.position).toBeGreaterThan(0.015);
    expect(r.position).toBeLessThan(0.035);
    const g = b.gripperPosition();
    await b.wait(0.5);
    expect(b.gripperPosition()).toBeCloseTo(g, 3); // the fingers stopped where they were
  });

  it('is deterministic across backends for the same seed and commands', async () => {
    const run = async () => {
      const b = await connected({ seed: 11 });
      const target = ikTopDown(b.world.robot, [0.5, 0.0, 0.05], 0);
      await moveTo(b, target, 1);
      await b.gripper({ position: 0, maxEffort: 30 });
      await moveTo(b, b.world.robot.home, 1);
      return { objects: b.world.objectStates(), q: b.jointState().position, t: b.now() };
    };
    const [a, c] = [await run(), await run()];
    expect(a).toEqual(c);
  });
});

describe('SimBackend re-entrancy', () => {
  it('a progress callback may cancel its own trajectory', async () => {
    const b = await SimBackend.create();
    await b.connect();
    try {
      const q = b.jointState().position;
      const ex = b.executeTrajectory(
        pointToPoint(
          b.jointNames,
          q,
          q.map((v, i) => (i === 0 ? v + 1 : v)),
          1,
        ),
        {
          onProgress: (p) => {
            if (p.fraction > 0.3) void ex.cancel();
          },
        },
      );
      expect(await ex.done).toEqual({ status: 'preempted', reason: 'cancelled' });
      expect(b.status().moving).toBe(false);
      expect(Math.abs(b.jointState().velocity[0])).toBeLessThan(0.05);
    } finally {
      await b.dispose();
    }
  });
});

describe('SimBackend "could not keep up" warning (sim-lag)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('ignores stalls in the first seconds of real-time stepping (start-up), and still warns of later sustained ones', async () => {
    // A wall clock the test moves (ms): the loop's timer still fires for real, every 5 ms, and
    // each tick steps the sim to wherever the clock now is. A jump of 600 ms between two ticks
    // is a stall: the loop drops what is past its 0.25 s catch-up limit.
    let wall = performance.now();
    vi.spyOn(performance, 'now').mockImplementation(() => wall);
    const tick = () => new Promise((r) => setTimeout(r, 12));
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        wall += 50;
        await tick();
      }
    };
    const stall = async () => {
      wall += 600;
      await tick();
    };
    const lagWarning = (b: SimBackend) => b.status().problems.find((p) => p.id === 'sim-lag');

    const b = await connected({ pace: 'realtime' });
    const t0 = b.loop.droppedTime;
    // Start-up: stalls in 3 distinct seconds (MuJoCo warming up, the console page loading).
    for (let i = 0; i < 3; i++) {
      await run(450);
      await stall();
    }
    expect(b.loop.droppedTime - t0).toBeGreaterThan(0.9);
    expect(b.loop.recentLag().seconds).toBeGreaterThanOrEqual(3);
    expect(lagWarning(b)).toBeUndefined();
    // 10.65 s in: past the start-up grace, those stalls still inside the 10 s window; no warning.
    await run(7500);
    expect(b.loop.recentLag().seconds).toBeGreaterThanOrEqual(3);
    expect(lagWarning(b)).toBeUndefined();
    // Later, a machine that cannot keep up: stalls in 3 distinct seconds warn.
    for (let i = 0; i < 3; i++) {
      await run(450);
      await stall();
    }
    expect(lagWarning(b)?.message).toMatch(/could not keep up with real time/);
    // And it ends once the window has moved past them.
    await run(10_500);
    expect(lagWarning(b)).toBeUndefined();
  }, 30_000);
});
