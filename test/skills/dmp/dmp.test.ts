// Pose DMP: reproduction, re-targeting, temporal scaling, goal change, orientation, and the guard
// for the classic scaling failure (goal on the other side of the start, or very close to it).
import { describe, expect, it } from 'vitest';
import { learnPoseDmp, rolloutPoseDmp, spatialScaling, type PoseSamples, type PoseRollout } from '../../../skills/dmp/index.js';
import { fromRotationVector, qmul, rotationBetween } from '../../../skills/dmp/quaternion.js';
import { mulberry32 } from '../../../model/math/random.js';
import type { Pose, Quat, Vec3 } from '../../../model/math/transform.js';

const DOWN: Quat = [1, 0, 0, 0]; // tool z pointing down

/** Minimum-jerk progress 0 → 1. */
const minJerk = (u: number) => u * u * u * (10 - 15 * u + 6 * u * u);

/**
 * A camera-like demo: an arc of 60° around (0.5, 0.1) with a 5 cm rise and fall, turning 60°
 * about z, at rest at both ends, with 0.2 mm of sensor noise. 100 Hz.
 */
function arcDemo(T = 5, dt = 0.01, noise = 2e-4): PoseSamples {
  const rand = mulberry32(5);
  const positions: Vec3[] = [],
    quaternions: Quat[] = [];
  for (let k = 0, n = Math.round(T / dt); k <= n; k++) {
    const s = minJerk(k / n),
      th = -Math.PI / 6 + (s * Math.PI) / 3;
    const e = () => (rand() * 2 - 1) * noise;
    positions.push([0.5 - 0.2 * Math.cos(th) + e(), 0.1 + 0.2 * Math.sin(th) + e(), 0.25 + 0.05 * Math.sin(Math.PI * s) + e()]);
    quaternions.push(qmul(fromRotationVector([0.3 * s, 0, th]), DOWN));
  }
  return { dt, positions, quaternions };
}

/** A straight 20 cm move along +x with a 6 cm sideways bump (y); z constant. */
function bumpDemo(): PoseSamples {
  const positions: Vec3[] = [],
    quaternions: Quat[] = [];
  for (let k = 0; k <= 300; k++) {
    const s = minJerk(k / 300);
    positions.push([0.4 + 0.2 * s, 0.06 * Math.sin(Math.PI * s), 0.3]);
    quaternions.push(DOWN);
  }
  return { dt: 0.01, positions, quaternions };
}

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const angle = (a: Quat, b: Quat) => Math.hypot(...rotationBetween(a, b));
const last = <T>(a: T[]) => a[a.length - 1];

/** Position of a rollout at time t (linear between samples). */
function at(r: PoseRollout, t: number): Vec3 {
  const k = Math.min(r.t.length - 2, Math.floor(t / (r.t[1] - r.t[0])));
  const u = Math.min(1, Math.max(0, (t - r.t[k]) / (r.t[k + 1] - r.t[k])));
  return r.positions[k].map((v, i) => v + (r.positions[k + 1][i] - v) * u) as Vec3;
}

/** Largest distance of the path from the straight start→goal segment (the shape's size). */
function bulge(r: PoseRollout): number {
  const a = r.positions[0],
    b = last(r.positions);
  const d = b.map((v, i) => v - a[i]),
    L2 = d[0] ** 2 + d[1] ** 2 + d[2] ** 2;
  let m = 0;
  for (const p of r.positions) {
    const u = L2 > 0 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1] + (p[2] - a[2]) * d[2]) / L2)) : 0;
    m = Math.max(m, dist(p, [a[0] + u * d[0], a[1] + u * d[1], a[2] + u * d[2]]));
  }
  return m;
}

describe('pose DMP', () => {
  const demo = arcDemo();
  const model = learnPoseDmp(demo);
  const start: Pose = { position: demo.positions[0], quaternion: demo.quaternions[0] };

  it('reproduces its demonstration within 5 mm RMS and 1° of orientation', () => {
    const r = rolloutPoseDmp(model, { dt: demo.dt });
    let se = 0,
      worst = 0;
    demo.positions.forEach((p, k) => {
      se += dist(at(r, k * demo.dt), p) ** 2;
      worst = Math.max(worst, angle(r.quaternions[Math.min(k, r.t.length - 1)], demo.quaternions[k]));
    });
    const rms = Math.sqrt(se / demo.positions.length);
    expect(rms).toBeLessThan(0.005);
    expect(worst).toBeLessThan((1 * Math.PI) / 180);
    expect(r.converged).toBe(true);
    expect(r.scaling.guard).toBeNull();
    expect(model.position[0]).toHaveLength(model.basis);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model); // plain JSON for the library
  });

  it('reaches a re-targeted goal (position and orientation) within 2 mm in every scaling mode', () => {
    const goal: Pose = { position: [0.55, -0.05, 0.2], quaternion: qmul(fromRotationVector([0, 0.2, 0.9]), DOWN) };
    for (const scaling of ['rotate-scale', 'fixed', 'classic'] as const) {
      const r = rolloutPoseDmp(model, { goal, scaling });
      expect(r.converged, scaling).toBe(true);
      expect(dist(last(r.positions), goal.position), scaling).toBeLessThan(0.002);
      expect(angle(last(r.quaternions), goal.quaternion), scaling).toBeLessThan(0.01);
      expect(r.positions.every((p) => p.every(Number.isFinite))).toBe(true);
    }
  });

  it('temporal scaling: twice the duration traces the same path at half the speed', () => {
    const r1 = rolloutPoseDmp(model);
    const r2 = rolloutPoseDmp(model, { duration: 2 * model.duration });
    expect(r2.tau).toBeCloseTo(2 * model.duration);
    let worst = 0;
    for (let t = 0; t <= model.duration; t += 0.05) worst = Math.max(worst, dist(at(r1, t), at(r2, 2 * t)));
    expect(worst).toBeLessThan(0.001);
    expect(last(r2.t)).toBeGreaterThan(1.8 * last(r1.t));
  });

  it('goal change mid-rollout: reaches the new goal, and the path never jumps', () => {
    const g1: Pose = { position: [0.5, 0.3, 0.25], quaternion: last(demo.quaternions) };
    const g2: Pose = { position: [0.45, 0.0, 0.35], quaternion: qmul(fromRotationVector([0, 0, 0.4]), DOWN) };
    const r = rolloutPoseDmp(model, { goal: g1, goalChanges: [{ t: model.duration / 2, goal: g2 }] });
    expect(r.goalChanges).toHaveLength(1);
    expect(r.goalChanges[0].t).toBeCloseTo(model.duration / 2, 2);
    expect(dist(last(r.positions), g2.position)).toBeLessThan(0.002);
    expect(angle(last(r.quaternions), g2.quaternion)).toBeLessThan(0.01);
    // Smooth: no sample-to-sample speed above 0.5 m/s, and speed changes by < 2 cm/s per 10 ms step.
    const dt = r.t[1] - r.t[0];
    let vmax = 0,
      dvmax = 0,
      vPrev = 0;
    for (let k = 1; k < r.positions.length; k++) {
      const v = dist(r.positions[k], r.positions[k - 1]) / dt;
      vmax = Math.max(vmax, v);
      dvmax = Math.max(dvmax, Math.abs(v - vPrev));
      vPrev = v;
    }
    expect(vmax).toBeLessThan(0.5);
    expect(dvmax).toBeLessThan(0.02);
  });

  it('a runner can be stepped and re-targeted by hand', async () => {
    const { PoseDmpRunner } = await import('../../../skills/dmp/index.js');
    const run = new PoseDmpRunner(model, { start });
    for (let k = 0; k < 200; k++) run.step(0.005);
    const rep = run.setGoal({ position: [0.6, 0.0, 0.3], quaternion: DOWN });
    expect(rep.used).toBe('rotate-scale');
    for (let k = 0; k < 2000 && !run.atRest(); k++) run.step(0.005);
    expect(run.error().position).toBeLessThan(0.002);
  });
});

describe('the scaling guard', () => {
  const demo = bumpDemo();
  const model = learnPoseDmp(demo);
  const y0 = demo.positions[0];

  it('classic (g − y0)/(g_demo − y0_demo) scaling blows up without the guard', () => {
    // The new goal is on the other side of the start along x, and the demo never moves in z:
    // the per-axis ratio is negative (mirror) on x and 0/0 on z.
    const goal: Pose = { position: [y0[0] - 0.2, y0[1], y0[2]], quaternion: DOWN };
    const raw = rolloutPoseDmp(model, { goal, scaling: 'classic', guard: false });
    const broken = raw.positions.some((p) => !p.every(Number.isFinite)) || raw.positions.some((p) => dist(p, y0) > 1);
    expect(broken).toBe(true);

    const guarded = rolloutPoseDmp(model, { goal, scaling: 'classic' });
    expect(guarded.scaling.used).toBe('fixed');
    expect(guarded.scaling.guard?.kind).toMatch(/goal-flipped|demo-span-small/);
    expect(guarded.notes.join(' ')).toMatch(/classic scaling not used/);
    expect(dist(last(guarded.positions), goal.position)).toBeLessThan(0.002);
    expect(Math.max(...guarded.positions.map((p) => dist(p, y0)))).toBeLessThan(0.35);
  });

  it('rotate-and-scale turns the whole shape when the goal is on the other side (no mirror, no blow-up)', () => {
    const goal: Pose = { position: [y0[0] - 0.2, y0[1], y0[2]], quaternion: DOWN };
    const r = rolloutPoseDmp(model, { goal });
    expect(r.scaling.used).toBe('rotate-scale');
    expect(Math.abs(r.scaling.yaw)).toBeCloseTo(Math.PI, 3);
    expect(r.scaling.scale).toBeCloseTo(1, 6);
    expect(r.notes.join(' ')).toMatch(/turned 180°/);
    // Same bump, turned about the vertical: stays in the z = 0.3 plane, same size.
    expect(Math.max(...r.positions.map((p) => Math.abs(p[2] - 0.3)))).toBeLessThan(0.002);
    expect(bulge(r)).toBeCloseTo(0.06, 2);
    expect(dist(last(r.positions), goal.position)).toBeLessThan(0.002);
  });

  it('a goal very close to the start falls back to the fixed shape instead of shrinking it to nothing', () => {
    const goal: Pose = { position: [y0[0] + 0.005, y0[1], y0[2]], quaternion: DOWN };
    const r = rolloutPoseDmp(model, { goal });
    expect(r.scaling.used).toBe('fixed');
    expect(r.scaling.guard?.kind).toBe('goal-near-start');
    expect(r.scaling.guard?.message).toMatch(/only 0\.5 cm from the start/);
    expect(dist(last(r.positions), goal.position)).toBeLessThan(0.002);
    // The learned forcing is used unscaled: a real motion of demonstrated size, not scaled by
    // 0.025 to nothing and not exploded.
    const far = Math.max(...r.positions.map((p) => dist(p, y0)));
    expect(far).toBeGreaterThan(0.05);
    expect(far).toBeLessThan(0.3);
  });

  it('refuses to tip the shape over and to stretch it beyond ×3', () => {
    const up = spatialScaling([0.2, 0, 0], [0, 0, 0.2], 'rotate-scale', {});
    expect(up.report.guard?.kind).toBe('tilted');
    const big = spatialScaling([0.2, 0, 0], [0.8, 0, 0], 'rotate-scale', {});
    expect(big.report.guard?.kind).toBe('scale-too-large');
    const ok = spatialScaling([0.2, 0, 0], [0, 0.3, 0], 'rotate-scale', {});
    expect(ok.report.used).toBe('rotate-scale');
    expect(ok.report.yaw).toBeCloseTo(Math.PI / 2, 6);
    // M maps the demo span exactly onto the new one.
    const M = ok.M,
      d = [0.2, 0, 0];
    expect([M[0] * d[0], M[3] * d[0], M[6] * d[0]].map((v) => +v.toFixed(9))).toEqual([0, 0.3, 0]);
  });

  it('several demonstrations of one motion average into one shape', () => {
    const a = bumpDemo();
    // The same motion, shown 1.5× larger and turned 90° about z.
    const b: PoseSamples = {
      dt: a.dt,
      quaternions: a.quaternions,
      positions: a.positions.map((p) => [0.4 - 1.5 * (p[1] - 0), 1.5 * (p[0] - 0.4), 0.3] as Vec3),
    };
    const both = learnPoseDmp([a, b]);
    expect(both.demos).toBe(2);
    const r = rolloutPoseDmp(both, { dt: a.dt });
    let se = 0;
    a.positions.forEach((p, k) => {
      se += dist(at(r, k * a.dt), p) ** 2;
    });
    expect(Math.sqrt(se / a.positions.length)).toBeLessThan(0.005);
  });
});
