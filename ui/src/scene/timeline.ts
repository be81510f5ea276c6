/** Preview timeline sampling (pure; shared by the ghost arm and tests). */

/**
 * Linear interpolation of the preview timeline at time t into `out`; returns the gripper value.
 * Binary search, no allocation.
 */
export function sampleTimeline(
  times: readonly number[],
  q: readonly number[],
  gripper: readonly number[],
  dof: number,
  t: number,
  out: Float64Array,
): number {
  const n = times.length;
  if (n === 0) return 0;
  if (t <= times[0]) {
    for (let k = 0; k < dof; k++) out[k] = q[k];
    return gripper[0];
  }
  if (t >= times[n - 1]) {
    for (let k = 0; k < dof; k++) out[k] = q[(n - 1) * dof + k];
    return gripper[n - 1];
  }
  let lo = 0,
    hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid;
    else hi = mid;
  }
  const span = times[hi] - times[lo];
  const f = span > 0 ? (t - times[lo]) / span : 0;
  for (let k = 0; k < dof; k++) out[k] = q[lo * dof + k] + (q[hi * dof + k] - q[lo * dof + k]) * f;
  return gripper[lo] + (gripper[hi] - gripper[lo]) * f;
}
