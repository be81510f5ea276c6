/**
 * "Over N frames": a camera move split into poses along the exact trajectory the preview
 * showed, and rest-to-rest segments between them that stay on that path.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAFETY } from '../../robot-bridge/safety/index.js';
import type { JointTrajectory } from '../../robot-bridge/types.js';
import { checkFrameMove, FrameMoveError, planFrameMove, trajectoryAt } from '../../studio/frame-move.js';
import { loadRobotModel } from '../../model/description/robot-model.js';
import type { CompiledStep } from '../../skills/primitives.js';
import { timeParameterize } from '../../skills/trajectory/index.js';

const model = loadRobotModel('panda');
const home = [...model.home];
const a = home.map((v, i) => v + (i % 2 ? 0.25 : -0.2));
const b = home.map((v, i) => v + (i % 3 ? -0.15 : 0.3));
const approach = timeParameterize([home, a], model);
const move = timeParameterize([a, home.map((v, i) => (a[i] + b[i]) / 2 + 0.05), b], model);

function step(): CompiledStep {
  return {
    call: { skill: 'track', args: { target: 'TOWER' } },
    motions: [
      { kind: 'trajectory', label: 'move to the start of track TOWER', trajectory: approach },
      { kind: 'trajectory', label: 'track TOWER', trajectory: move },
      { kind: 'gripper', label: 'open gripper', command: { position: 0.04, maxEffort: 40 } },
    ],
    end: { q: b, gripper: 0.04, held: null, lastTouched: 'TOWER', at: null },
  };
}

/** Linear interpolation of a trajectory's points at time t (independent of the code under test). */
function lerpAt(traj: JointTrajectory, t: number): number[] {
  const p = traj.points;
  let k = 0;
  while (k < p.length - 2 && p[k + 1].timeFromStart < t) k++;
  const u = Math.min(1, Math.max(0, (t - p[k].timeFromStart) / (p[k + 1].timeFromStart - p[k].timeFromStart)));
  return p[k].positions.map((v, i) => v + u * (p[k + 1].positions[i] - v));
}

/** Smallest joint-space distance from q to the polyline of a trajectory's points (rad). */
function offPath(traj: JointTrajectory, q: number[]): number {
  let best = Infinity;
  const p = traj.points;
  for (let k = 0; k + 1 < p.length; k++) {
    const x = p[k].positions,
      y = p[k + 1].positions;
    let num = 0,
      den = 0;
    for (let i = 0; i < q.length; i++) {
      num += (q[i] - x[i]) * (y[i] - x[i]);
      den += (y[i] - x[i]) ** 2;
    }
    const u = den > 0 ? Math.min(1, Math.max(0, num / den)) : 0;
    best = Math.min(best, Math.hypot(...q.map((v, i) => v - (x[i] + u * (y[i] - x[i])))));
  }
  return best;
}

describe('planFrameMove', () => {
  it('poses the camera at N evenly timed points of the camera move, and the moves between them stay on its path', () => {
    const plan = planFrameMove(step(), 24, model, { speedScale: 0.5 });
    const T = move.points[move.points.length - 1].timeFromStart;
    expect(plan.call).toBe('track(TOWER)');
    expect(plan.total).toBe(24);
    expect(plan.trajectory).toBe(move);
    expect(plan.head.motions.map((m) => m.label)).toEqual(['move to the start of track TOWER']);
    expect(plan.tail.map((m) => m.label)).toEqual(['open gripper']);
    expect(plan.poses).toHaveLength(24);
    expect(plan.segments).toHaveLength(23);
    expect(plan.poses[0]).toEqual(move.points[0].positions);
    expect(plan.poses[23]).toEqual(move.points[move.points.length - 1].positions);
    for (let k = 0; k < 24; k++) {
      expect(plan.times[k]).toBeCloseTo((T * k) / 23, 9);
      const ref = lerpAt(move, plan.times[k]);
      expect(Math.max(...plan.poses[k].map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-3);
    }
    for (const [k, seg] of plan.segments.entries()) {
      const first = seg.points[0],
        last = seg.points[seg.points.length - 1];
      expect(first.positions).toEqual(plan.poses[k]);
      expect(Math.max(...last.positions.map((v, i) => Math.abs(v - plan.poses[k + 1][i])))).toBeLessThan(1e-9);
      // at rest at both ends: the arm stops at every pose for the picture
      expect(Math.max(...(first.velocities ?? [0]).map(Math.abs))).toBeLessThan(1e-9);
      expect(Math.max(...(last.velocities ?? [0]).map(Math.abs))).toBeLessThan(1e-9);
      for (const p of seg.points) expect(offPath(move, p.positions)).toBeLessThan(2e-3);
    }
    expect(checkFrameMove(plan, model, DEFAULT_SAFETY)).toEqual({ ok: true });
  });

  it('samples like the sim controller: trajectoryAt matches the points exactly', () => {
    for (const p of move.points.slice(0, 20)) expect(trajectoryAt(move, p.timeFromStart)).toEqual(p.positions);
  });

  it('refuses what cannot be split, with the reason', () => {
    expect(() => planFrameMove(step(), 1, model, { speedScale: 0.5 })).toThrow(/2 to 1000 frames, not 1/);
    expect(() => planFrameMove(step(), 2.5, model, { speedScale: 0.5 })).toThrow(FrameMoveError);
    const still: CompiledStep = { ...step(), motions: [{ kind: 'wait', label: 'wait', seconds: 1 }] };
    expect(() => planFrameMove(still, 10, model, { speedScale: 0.5 })).toThrow(/does not move the camera/);
  });

  it('a segment that fails the safety check is named', () => {
    const plan = planFrameMove(step(), 4, model, { speedScale: 0.5 });
    const r = checkFrameMove(plan, model, { ...DEFAULT_SAFETY, workspace: { min: [5, 5, 5], max: [6, 6, 6] } });
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.reason).toMatch(/the move from pose 1 to pose 2 fails a safety check/);
  });
});
