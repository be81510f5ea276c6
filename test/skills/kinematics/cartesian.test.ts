import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { quatAngle, quatFromMatrix, slerp, type Quat, type Vec3 } from '../../../model/math/transform.js';
import { IkSolver } from '../../../skills/kinematics/ik.js';
import { cartesianPath } from '../../../skills/kinematics/cartesian.js';

/** Distance from point p to the segment a–b, meters. */
function distanceToSegment(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const L2 = ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2;
  const t = L2 > 0 ? Math.min(1, Math.max(0, (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / L2)) : 0;
  return Math.hypot(ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]);
}

describe.each(['panda', 'ur5e'] as const)('cartesianPath on %s', (robot) => {
  const model = loadRobotModel(robot);
  const solver = new IkSolver(model);
  const start = solver.chain.pose(model.home);

  const toolAt = (q: number[]) => {
    const T = model.tipPose(q);
    return { position: [T[12], T[13], T[14]] as Vec3, quaternion: quatFromMatrix(T), z: [T[8], T[9], T[10]] };
  };

  it.each([
    ['descent', -0.1],
    ['retreat', 0.1],
  ])('a 10 cm vertical %s from home is straight, holds orientation and stays within limits', (_what, dz) => {
    // home has the gripper pointing down
    expect(toolAt(model.home).z[2]).toBeLessThan(-0.999);
    const goal: Vec3 = [start.position[0], start.position[1], start.position[2] + dz];
    const path = cartesianPath(solver, model.home, { position: goal });
    expect(path.reason).toBeUndefined();
    expect(path.ok).toBe(true);
    expect(path.fraction).toBe(1);
    expect(path.waypoints[0]).toEqual(model.home);
    expect(path.waypoints.length).toBeGreaterThanOrEqual(21); // 5 mm steps
    for (const q of path.waypoints) {
      expect(model.withinLimits(q)).toBe(true);
      const t = toolAt(q);
      expect(distanceToSegment(t.position, start.position, goal)).toBeLessThan(1e-3);
      expect(quatAngle(t.quaternion, start.quaternion)).toBeLessThan(0.01);
    }
    // the controller interpolates joints linearly between waypoints: that must stay on the line too
    for (let k = 1; k < path.waypoints.length; k++) {
      const a = path.waypoints[k - 1],
        b = path.waypoints[k];
      for (let i = 0; i < a.length; i++) expect(Math.abs(b[i] - a[i])).toBeLessThanOrEqual(0.1);
      const mid = a.map((v, i) => (v + b[i]) / 2);
      expect(distanceToSegment(toolAt(mid).position, start.position, goal)).toBeLessThan(1e-3);
    }
    // progress is monotonic along the line
    const heights = path.waypoints.map((q) => toolAt(q).position[2]);
    for (let k = 1; k < heights.length; k++) expect(Math.sign(heights[k] - heights[k - 1])).toBe(Math.sign(dz));
    const end = toolAt(path.waypoints.at(-1)!);
    expect(Math.hypot(end.position[0] - goal[0], end.position[1] - goal[1], end.position[2] - goal[2])).toBeLessThan(1e-3);
  });

  it('interpolates orientation by slerp while moving', () => {
    const tilt: Quat = [Math.sin(0.2), 0, 0, Math.cos(0.2)]; // 0.4 rad about x
    const q1 = quatMul(tilt, start.quaternion);
    const goal: Vec3 = [start.position[0] + 0.05, start.position[1], start.position[2] - 0.05];
    const path = cartesianPath(solver, model.home, { position: goal, quaternion: q1 });
    expect(path.ok).toBe(true);
    const N = path.waypoints.length - 1;
    path.waypoints.forEach((q, k) => {
      const t = toolAt(q);
      expect(quatAngle(t.quaternion, slerp(start.quaternion, q1, k / N))).toBeLessThan(0.01);
      expect(distanceToSegment(t.position, start.position, goal)).toBeLessThan(1e-3);
      expect(model.withinLimits(q)).toBe(true);
    });
  });

  it('fails with a reason, not an exception, when the line leaves the workspace', () => {
    const path = cartesianPath(solver, model.home, { position: [1.5, 0, start.position[2]] });
    expect(path.ok).toBe(false);
    expect(path.reason).toMatch(/\w+/);
    expect(path.fraction).toBeLessThan(1);
    for (const q of path.waypoints) expect(model.withinLimits(q)).toBe(true);
  });

  it('refuses a start outside the joint limits', () => {
    const q = model.home.slice();
    q[1] = model.arm[1].upper + 0.5;
    const path = cartesianPath(solver, q, { position: start.position });
    expect(path.ok).toBe(false);
    expect(path.reason).toMatch(/limits/);
  });
});

function quatMul(a: Quat, b: Quat): Quat {
  return [
    a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
    a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
    a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
    a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2],
  ];
}
