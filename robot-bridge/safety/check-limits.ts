/**
 * Joint-space checks of a well-formed trajectory: the start near the measured state, position
 * limits minus a margin, velocity and acceleration against factor × limit.
 *
 * Units: rad, rad/s, rad/s² (m, m/s, m/s² for prismatic joints), seconds.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { JointTrajectory } from '../types.js';
import type { SafetyConfig } from './config.js';
import { at, f2, unitOf, type Violation } from './violation.js';

/** The first point within maxStartDeviation of the measured state `currentQ` (model order). */
export function checkStart(
  traj: JointTrajectory,
  model: RobotModel,
  cfg: SafetyConfig,
  currentQ: ArrayLike<number>,
  out: Violation[],
): void {
  const n = model.dof;
  if (!currentQ || currentQ.length !== n || Array.from(currentQ).some((x) => !Number.isFinite(x))) {
    out.push({
      kind: 'start_jump',
      message: `the current joint state is unknown (got ${currentQ ? currentQ.length : 0} values, not ${n} finite numbers), so the start cannot be checked`,
    });
    return;
  }
  const first = traj.points[0].positions;
  let worst = -1,
    dev = 0;
  for (let j = 0; j < n; j++) {
    const d = Math.abs(first[j] - currentQ[j]);
    if (d > dev) {
      dev = d;
      worst = j;
    }
  }
  if (dev > cfg.maxStartDeviation) {
    const u = unitOf(model, worst);
    out.push({
      kind: 'start_jump',
      point: 0,
      time: traj.points[0].timeFromStart,
      joint: model.jointNames[worst],
      value: dev,
      limit: cfg.maxStartDeviation,
      message: `the trajectory starts ${f2(dev)} ${u} away from where ${model.jointNames[worst]} is now (${f2(first[worst])} ${u} instead of ${f2(currentQ[worst])} ${u}); it must start within ${f2(cfg.maxStartDeviation)} ${u} of the current position`,
    });
  }
}

/** Each joint's worst excursion past its limit minus positionMargin. */
export function checkPositions(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, out: Violation[]): void {
  const m = cfg.positionMargin;
  model.arm.forEach((joint, j) => {
    // Worst excursion per joint: how far past (limit − margin) it goes.
    let worst = 0,
      wk = -1,
      side: 'lower' | 'upper' = 'upper';
    traj.points.forEach((p, k) => {
      const q = p.positions[j];
      const over = q - (joint.upper - m),
        under = joint.lower + m - q;
      if (over > worst) {
        worst = over;
        wk = k;
        side = 'upper';
      }
      if (under > worst) {
        worst = under;
        wk = k;
        side = 'lower';
      }
    });
    if (wk < 0) return;
    const q = traj.points[wk].positions[j];
    const t = traj.points[wk].timeFromStart;
    const lim = side === 'upper' ? joint.upper : joint.lower;
    const u = unitOf(model, j);
    const beyond = side === 'upper' ? q > lim : q < lim;
    out.push({
      kind: 'position_limit',
      point: wk,
      time: t,
      joint: joint.name,
      value: q,
      limit: lim,
      message: beyond
        ? `${joint.name} would reach ${f2(q)} ${u} at ${at(t)}, beyond its limit ${f2(lim)} ${u} (margin ${f2(m)})`
        : `${joint.name} would reach ${f2(q)} ${u} at ${at(t)}, inside the ${f2(m)} ${u} safety margin of its limit ${f2(lim)} ${u}`,
    });
  });
}

/**
 * Velocity: given values and finite differences per interval. Acceleration: given values and
 * the change of finite-difference velocity over the mean of the adjacent intervals, with the
 * robot at rest before the first point and after the last (a trajectory that starts or ends at
 * speed is an acceleration spike).
 */
export function checkDynamics(traj: JointTrajectory, model: RobotModel, cfg: SafetyConfig, out: Violation[]): void {
  const pts = traj.points;
  model.arm.forEach((joint, j) => {
    const vlim = joint.velocity * cfg.velocityFactor;
    const alim = joint.acceleration * cfg.accelerationFactor;
    let vWorst = 0,
      vT = 0,
      vK = -1;
    let aWorst = 0,
      aT = 0,
      aK = -1;
    const seeV = (v: number, k: number) => {
      if (Math.abs(v) > Math.abs(vWorst)) {
        vWorst = v;
        vK = k;
        vT = pts[k].timeFromStart;
      }
    };
    const seeA = (a: number, k: number) => {
      if (Math.abs(a) > Math.abs(aWorst)) {
        aWorst = a;
        aK = k;
        aT = pts[k].timeFromStart;
      }
    };
    let vPrev = 0,
      hPrev = 0;
    for (let k = 0; k < pts.length; k++) {
      if (pts[k].velocities) seeV(pts[k].velocities![j], k);
      if (pts[k].accelerations) seeA(pts[k].accelerations![j], k);
      if (k + 1 < pts.length) {
        const h = pts[k + 1].timeFromStart - pts[k].timeFromStart;
        const v = (pts[k + 1].positions[j] - pts[k].positions[j]) / h;
        seeV(v, k);
        seeA((v - vPrev) / ((h + hPrev) / 2), k);
        vPrev = v;
        hPrev = h;
      } else if (k > 0) {
        seeA((0 - vPrev) / (hPrev / 2), k);
      }
    }
    const u = unitOf(model, j);
    if (vK >= 0 && Math.abs(vWorst) > vlim) {
      out.push({
        kind: 'velocity_limit',
        point: vK,
        time: vT,
        joint: joint.name,
        value: Math.abs(vWorst),
        limit: vlim,
        message: `${joint.name} would move at ${f2(Math.abs(vWorst))} ${u}/s at ${at(vT)}, faster than its limit ${f2(vlim)} ${u}/s (${Math.round(cfg.velocityFactor * 100)}% of ${f2(joint.velocity)} ${u}/s)`,
      });
    }
    if (aK >= 0 && Math.abs(aWorst) > alim) {
      out.push({
        kind: 'acceleration_limit',
        point: aK,
        time: aT,
        joint: joint.name,
        value: Math.abs(aWorst),
        limit: alim,
        message: `${joint.name} would accelerate at ${f2(Math.abs(aWorst))} ${u}/s² at ${at(aT)}, more than its limit ${f2(alim)} ${u}/s² (${Math.round(cfg.accelerationFactor * 100)}% of ${f2(joint.acceleration)} ${u}/s²)`,
      });
    }
  });
}
