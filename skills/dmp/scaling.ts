/**
 * Spatial scaling of a learned shape onto a new start → goal span: 'fixed' (as learned),
 * 'rotate-scale' (yaw first, then the smallest rotation, times a uniform scale) or 'classic'
 * (per-axis ratio), with the guard that falls back to 'fixed' when the scaling would be
 * ill-conditioned (see the formulation in dmp.ts).
 *
 * Frames and units: world frame, z up, meters, radians.
 */
import type { Vec3 } from '../../model/math/transform.js';
import { minimalRotation, mul3, mulMat, norm, rotZ, wrapAngle } from './mat3.js';
import type { GuardKind, GuardOptions, ScalingMode, ScalingReport } from './model.js';

const AXES = ['x', 'y', 'z'] as const;

/** The spatial scaling matrix (row-major 3×3) for a demo span dDemo and a new span dNew. */
export function spatialScaling(
  dDemo: Vec3,
  dNew: Vec3,
  requested: ScalingMode,
  guardOpts: GuardOptions | false,
): { M: Float64Array; report: ScalingReport } {
  const eye = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  const report: ScalingReport = { requested, used: requested, guard: null, scale: 1, rotation: 0, yaw: 0 };
  if (requested === 'fixed') return { M: eye, report };
  const g = guardOpts === false ? null : { minSpan: 0.02, maxScale: 3, maxTilt: Math.PI / 3, ...guardOpts };
  const fallback = (kind: GuardKind, message: string, axis?: 'x' | 'y' | 'z') => {
    report.used = 'fixed';
    report.guard = {
      kind,
      message: `${message}; the learned motion is used at its demonstrated size (no scaling)`,
      ...(axis ? { axis } : {}),
    };
    report.scale = 1;
    report.rotation = 0;
    report.yaw = 0;
    return { M: eye, report };
  };
  const cm = (v: number) => `${(v * 100).toFixed(1)} cm`;

  if (requested === 'classic') {
    const k = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      k[i] = dNew[i] / dDemo[i];
      if (g) {
        if (Math.abs(dDemo[i]) < g.minSpan && Math.abs(dNew[i] - dDemo[i]) > 1e-9)
          return fallback(
            'demo-span-small',
            `the demonstration moves only ${cm(Math.abs(dDemo[i]))} along ${AXES[i]}, so (g − y0)/(g_demo − y0_demo) would explode`,
            AXES[i],
          );
        if (k[i] < 0)
          return fallback(
            'goal-flipped',
            `the new goal is on the other side of the start along ${AXES[i]}, which would mirror the motion`,
            AXES[i],
          );
        if (Math.abs(k[i]) > g.maxScale)
          return fallback('scale-too-large', `the motion would be stretched ×${Math.abs(k[i]).toFixed(1)} along ${AXES[i]}`, AXES[i]);
        if (!Number.isFinite(k[i]) || Math.abs(dDemo[i]) < 1e-12) k[i] = 1; // both spans ≈ 0: leave the axis alone
      }
    }
    report.scale = Math.max(...k.map(Math.abs));
    return { M: Float64Array.of(k[0], 0, 0, 0, k[1], 0, 0, 0, k[2]), report };
  }

  // rotate-scale
  const nd = norm(dDemo),
    nn = norm(dNew);
  if (g) {
    if (nd < g.minSpan) return fallback('demo-span-small', `the demonstration ends only ${cm(nd)} from where it starts`);
    if (nn < g.minSpan) return fallback('goal-near-start', `the new goal is only ${cm(nn)} from the start`);
  }
  const s = nn / nd;
  if (g && s > g.maxScale) return fallback('scale-too-large', `the motion would be stretched ×${s.toFixed(1)}`);
  if (g && s < 1 / g.maxScale) return fallback('scale-too-small', `the motion would be shrunk to ${(s * 100).toFixed(0)} %`);
  if (!(nd > 0) || !(nn > 0)) return { M: eye, report: { ...report, used: 'fixed' } };
  // Yaw first (about world z, so the shape stays upright on the table), then the smallest
  // rotation that lines the yawed demo direction up with the new one.
  const u = dDemo.map((v) => v / nd) as Vec3,
    v = dNew.map((c) => c / nn) as Vec3;
  const hu = Math.hypot(u[0], u[1]),
    hv = Math.hypot(v[0], v[1]);
  const yaw = hu > 0.05 && hv > 0.05 ? Math.atan2(v[1], v[0]) - Math.atan2(u[1], u[0]) : 0;
  const Rz = rotZ(yaw);
  const uy = mulMat(Rz, u);
  const Rt = minimalRotation(uy, v);
  const R = mul3(Rt, Rz);
  const up = R[8]; // (R·e_z)·e_z
  if (g && up < Math.cos(g.maxTilt))
    return fallback(
      'tilted',
      `rotating the motion onto the new goal would tip it over by ${((Math.acos(Math.max(-1, Math.min(1, up))) * 180) / Math.PI).toFixed(0)}°`,
    );
  report.scale = s;
  report.yaw = wrapAngle(yaw);
  report.rotation = Math.acos(Math.max(-1, Math.min(1, (R[0] + R[4] + R[8] - 1) / 2)));
  return { M: R.map((c) => c * s), report };
}
