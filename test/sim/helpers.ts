/**
 * Test helpers: a tiny numeric IK (so these tests do not depend on skills/kinematics) and a
 * dense joint trajectory generator shaped like the planner's output.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { JointTrajectory } from '../../robot-bridge/types.js';
import type { Vec3 } from '../../model/math/transform.js';

/**
 * Joint values that put the tool at `position` pointing straight down, rotated `yaw` rad about
 * the vertical (so the fingers close along world direction (−sin yaw, cos yaw)). Damped least
 * squares with a finite-difference Jacobian; throws when it does not converge.
 */
export function ikTopDown(robot: RobotModel, position: Vec3, yaw: number, seed: ArrayLike<number> = robot.home): number[] {
  const n = robot.dof;
  // Goal rotation Rz(yaw)·Rx(π): columns x = (c, s, 0), y = (s, −c, 0), z = (0, 0, −1).
  const c = Math.cos(yaw),
    s = Math.sin(yaw);
  const gx = [c, s, 0],
    gy = [s, -c, 0],
    gz = [0, 0, -1];
  const err = (q: number[]): number[] => {
    const T = robot.tipPose(q);
    const x = [T[0], T[1], T[2]],
      y = [T[4], T[5], T[6]],
      z = [T[8], T[9], T[10]];
    const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    // Orientation error ≈ ½ Σ (current axis × goal axis)
    const r = [0, 1, 2].map((i) => 0.5 * (cross(x, gx)[i] + cross(y, gy)[i] + cross(z, gz)[i]));
    return [position[0] - T[12], position[1] - T[13], position[2] - T[14], 0.3 * r[0], 0.3 * r[1], 0.3 * r[2]];
  };
  let q = Array.from(seed);
  for (let it = 0; it < 300; it++) {
    const e = err(q);
    if (Math.hypot(e[0], e[1], e[2]) < 1e-5 && Math.hypot(e[3], e[4], e[5]) < 1e-5) return q;
    const J: number[][] = Array.from({ length: 6 }, () => new Array<number>(n).fill(0));
    const h = 1e-6;
    for (let j = 0; j < n; j++) {
      const qp = [...q];
      qp[j] += h;
      const ep = err(qp);
      for (let i = 0; i < 6; i++) J[i][j] = -(ep[i] - e[i]) / h;
    }
    // dq = Jᵀ (J Jᵀ + λ² I)⁻¹ e
    const A = J.map((ri, i) => J.map((rk, k) => ri.reduce((acc, v, j) => acc + v * rk[j], 0) + (i === k ? 1e-4 : 0)));
    const y = solve(A, e);
    q = q.map((v, j) => {
      const lim = robot.arm[j];
      const nv = v + J.reduce((acc, row, i) => acc + row[j] * y[i], 0);
      return Math.min(lim.upper - 1e-3, Math.max(lim.lower + 1e-3, nv));
    });
  }
  throw new Error(`ikTopDown did not converge for ${position.join(', ')}`);
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / M[i][i]);
}

/** Quintic point-to-point trajectory, points every `dt` s with velocities (like the planner's). */
export function pointToPoint(
  jointNames: readonly string[],
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  duration: number,
  dt = 0.02,
): JointTrajectory {
  const points = [];
  const steps = Math.max(1, Math.round(duration / dt));
  for (let k = 0; k <= steps; k++) {
    const t = (k / steps) * duration;
    const u = t / duration;
    const s = 10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5;
    const ds = (30 * u ** 2 - 60 * u ** 3 + 30 * u ** 4) / duration;
    points.push({
      positions: Array.from(from, (f, i) => f + (to[i] - f) * s),
      velocities: Array.from(from, (f, i) => (to[i] - f) * ds),
      timeFromStart: t,
    });
  }
  return { jointNames: [...jointNames], points };
}
