/**
 * RobotBackend contract tests, written against the interface only, so any backend (the fake,
 * the SafetyGuard around it, the sim, a ROS bridge) can run them:
 *
 *   backendContract('sim backend', async () => ({ backend: await makeSim(), dispose }));
 *
 * The subject must start connected (or connect() must succeed) and at rest somewhere a small
 * move of every joint is safe (default +0.05 rad; override with `target`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JointTrajectory, RobotBackend, TrajectoryOutcome } from '../../robot-bridge/types.js';

export interface ContractSubject {
  backend: RobotBackend;
  dispose?: () => Promise<void> | void;
}

export interface ContractOptions {
  /** a nearby safe target for a small move from q (default q + 0.05 rad on every joint) */
  target?: (q: number[]) => number[];
  /** duration of the small test move, seconds (default 1) */
  duration?: number;
}

/** A smooth (1 − cos) move from `from` to `to`, starting and ending at rest. */
export function smoothMove(jointNames: readonly string[], from: number[], to: number[], duration = 1, points = 51): JointTrajectory {
  return {
    jointNames: [...jointNames],
    points: Array.from({ length: points }, (_, k) => {
      const t = (duration * k) / (points - 1);
      const f = (1 - Math.cos((Math.PI * t) / duration)) / 2;
      const fd = (Math.PI / (2 * duration)) * Math.sin((Math.PI * t) / duration);
      return {
        positions: from.map((a, i) => a + f * (to[i] - a)),
        velocities: from.map((a, i) => fd * (to[i] - a)),
        timeFromStart: t,
      };
    }),
  };
}

const settles = <T>(p: Promise<T>, ms = 20_000) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`did not settle within ${ms} ms`)), ms))]);

export function backendContract(name: string, make: () => Promise<ContractSubject> | ContractSubject, opts: ContractOptions = {}): void {
  const target = opts.target ?? ((q: number[]) => q.map((x) => x + 0.05));
  const duration = opts.duration ?? 1;

  describe(`RobotBackend contract: ${name}`, () => {
    let subject: ContractSubject | null = null;
    const setup = async () => {
      subject = await make();
      const b = subject.backend;
      if (b.status().presence !== 'connected') await b.connect();
      return b;
    };
    const moveFromHere = (b: RobotBackend) => {
      const q = b.jointState().position;
      return smoothMove(b.jointNames, q, target(q), duration);
    };
    afterEach(async () => {
      await subject?.dispose?.();
      subject = null;
    });

    it('reports a connected status and a joint state in jointNames order', async () => {
      const b = await setup();
      expect(b.status().presence).toBe('connected');
      const s = b.jointState();
      expect(s.name).toEqual([...b.jointNames]);
      expect(s.position).toHaveLength(b.jointNames.length);
      expect(s.position.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(b.now())).toBe(true);
    });

    it('executes a small trajectory to its end and reports success', async () => {
      const b = await setup();
      const traj = moveFromHere(b);
      const states: number[][] = [];
      const off = b.onJointState((s) => states.push(s.position));
      let progress = 0;
      const ex = b.executeTrajectory(traj, {
        onProgress: (p) => {
          progress = Math.max(progress, p.fraction);
        },
      });
      const outcome = await settles(ex.done);
      off();
      expect(outcome.status).toBe('succeeded');
      const end = traj.points[traj.points.length - 1].positions;
      b.jointState().position.forEach((x, i) => expect(x).toBeCloseTo(end[i], 2));
      expect(states.length).toBeGreaterThan(0);
      expect(progress).toBeGreaterThan(0.9);
      expect(b.status().moving).toBe(false);
    });

    it('stop() preempts a running trajectory and leaves the arm at rest', async () => {
      const b = await setup();
      const ex = b.executeTrajectory(moveFromHere(b));
      await settles(b.stop());
      const outcome: TrajectoryOutcome = await settles(ex.done);
      expect(['preempted', 'aborted']).toContain(outcome.status);
      expect(b.status().moving).toBe(false);
    });

    it('stop() works when idle and while the gripper moves', async () => {
      const b = await setup();
      await settles(b.stop());
      if (b.capabilities.gripper) {
        const g = b.gripper({ position: 0, maxEffort: 10 });
        await settles(b.stop());
        const r = await settles(g);
        expect(typeof r.reachedGoal).toBe('boolean');
      }
      expect(b.status().moving).toBe(false);
    });

    it('cancel() preempts its own trajectory', async () => {
      const b = await setup();
      const ex = b.executeTrajectory(moveFromHere(b));
      await settles(ex.cancel());
      const outcome = await settles(ex.done);
      expect(['preempted', 'aborted']).toContain(outcome.status);
    });

    it('refuses a trajectory for other joints without throwing (done resolves rejected)', async () => {
      const b = await setup();
      const traj = moveFromHere(b);
      traj.jointNames = traj.jointNames.map((n) => `${n}_x`);
      const outcome = await settles(b.executeTrajectory(traj).done);
      expect(outcome.status).toBe('rejected');
      expect((outcome as { reason: string }).reason.length).toBeGreaterThan(0);
    });

    it('moves the gripper to a commanded opening', async () => {
      const b = await setup();
      if (!b.capabilities.gripper) return;
      const g0 = b.gripperPosition();
      const goal = g0 > 0.01 ? g0 - 0.01 : g0 + 0.01;
      const r = await settles(b.gripper({ position: goal, maxEffort: 10 }));
      expect(r.error).toBeUndefined();
      expect(r.reachedGoal).toBe(true);
      expect(b.gripperPosition()).toBeCloseTo(goal, 3);
    });

    it('wait() lets the backend clock run', async () => {
      const b = await setup();
      const t0 = b.now();
      await settles(b.wait(0.1));
      expect(b.now() - t0).toBeGreaterThanOrEqual(0.1 - 1e-9);
    });
  });
}
