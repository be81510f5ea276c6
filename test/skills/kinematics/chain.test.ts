import { describe, expect, it } from 'vitest';
import { loadRobotModel, type RobotModel } from '../../../model/description/robot-model.js';
import { KinematicChain } from '../../../skills/kinematics/chain.js';
import { oddArm, randomConfig, rng } from './helpers.js';

const arms: [string, () => RobotModel][] = [
  ['panda', () => loadRobotModel('panda')],
  ['ur5e', () => loadRobotModel('ur5e')],
  ['odd arm (tilted axes, prismatic, continuous, fixed joints)', oddArm],
];

/** Rotation vector (axis·angle) of Ra·Rbᵀ, from 4×4 column-major matrices. */
function rotationVector(Ra: Float64Array, Rb: Float64Array): [number, number, number] {
  const R = (r: number, c: number) => Ra[r] * Rb[c] + Ra[4 + r] * Rb[4 + c] + Ra[8 + r] * Rb[8 + c];
  const vx = (R(2, 1) - R(1, 2)) / 2,
    vy = (R(0, 2) - R(2, 0)) / 2,
    vz = (R(1, 0) - R(0, 1)) / 2;
  const s = Math.hypot(vx, vy, vz),
    c = (R(0, 0) + R(1, 1) + R(2, 2) - 1) / 2;
  const k = s > 1e-15 ? Math.atan2(s, c) / s : 1;
  return [vx * k, vy * k, vz * k];
}

describe.each(arms)('KinematicChain: %s', (_name, load) => {
  const model = load();
  const chain = new KinematicChain(model);

  it('mirrors the model joints and limits', () => {
    expect(chain.dof).toBe(model.dof);
    expect(chain.jointNames).toEqual(model.jointNames);
    model.arm.forEach((j, i) => {
      expect(chain.lower[i]).toBe(j.lower);
      expect(chain.upper[i]).toBe(j.upper);
      expect(chain.revolute[i]).toBe(j.type === 'prismatic' ? 0 : 1);
    });
  });

  it('tip pose agrees with RobotModel.tipPose to 1e-9', () => {
    const r = rng(1);
    let worst = 0;
    for (let k = 0; k < 300; k++) {
      const q = randomConfig(model, r);
      const a = model.tipPose(q),
        b = chain.tipPose(q);
      for (let i = 0; i < 16; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    expect(worst).toBeLessThan(1e-9);
    const home = model.tipPose(model.home),
      h = chain.tipPose(model.home);
    for (let i = 0; i < 16; i++) expect(h[i]).toBeCloseTo(home[i], 12);
  });

  it('joint frames put each joint axis on z, through the joint origin', () => {
    const r = rng(2);
    const q = randomConfig(model, r);
    chain.update(q);
    const links = model.linkPoses(q);
    model.arm.forEach((j, i) => {
      const child = model.description.joints.find((d) => d.name === j.name)!.child;
      const L = links.get(child)!; // child link frame = joint frame after motion
      const F = chain.frames.subarray(12 * i, 12 * i + 12);
      const axisWorld = [0, 1, 2].map((r2) => L[r2] * j.axis[0] + L[4 + r2] * j.axis[1] + L[8 + r2] * j.axis[2]);
      for (let c = 0; c < 3; c++) expect(F[6 + c]).toBeCloseTo(axisWorld[c], 12);
      if (j.type !== 'prismatic') for (let c = 0; c < 3; c++) expect(F[9 + c]).toBeCloseTo(L[12 + c], 12);
    });
  });

  it('Jacobian matches central finite differences', () => {
    const r = rng(3);
    const n = chain.dof,
      h = 1e-6;
    for (let k = 0; k < 20; k++) {
      const q = randomConfig(model, r);
      const J = chain.jacobian(q);
      for (let c = 0; c < n; c++) {
        const qp = q.slice(),
          qm = q.slice();
        qp[c] += h;
        qm[c] -= h;
        const Tp = chain.tipPose(qp),
          Tm = chain.tipPose(qm);
        const w = rotationVector(Tp, Tm);
        for (let row = 0; row < 3; row++) {
          expect(J[row * n + c]).toBeCloseTo((Tp[12 + row] - Tm[12 + row]) / (2 * h), 6);
          expect(J[(3 + row) * n + c]).toBeCloseTo(w[row] / (2 * h), 6);
        }
      }
    }
  });

  it('reachUpperBound really bounds the tool distance from the shoulder', () => {
    const r = rng(4);
    for (let k = 0; k < 500; k++) {
      chain.update(randomConfig(model, r));
      const d = Math.hypot(chain.tip[9] - chain.shoulder[0], chain.tip[10] - chain.shoulder[1], chain.tip[11] - chain.shoulder[2]);
      expect(d).toBeLessThanOrEqual(chain.reachUpperBound + 1e-12);
    }
  });

  it('withinLimits agrees with the model', () => {
    const q = model.home.slice();
    expect(chain.withinLimits(q)).toBe(true);
    const i = model.arm.findIndex((j) => Number.isFinite(j.upper));
    q[i] = model.arm[i].upper + 0.01;
    expect(chain.withinLimits(q)).toBe(false);
    expect(model.withinLimits(q)).toBe(false);
  });
});
