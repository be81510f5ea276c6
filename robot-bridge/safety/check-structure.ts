/**
 * Structure of a trajectory: joint names, shapes, finite numbers, time. Nothing else is
 * meaningful if these fail, so checkTrajectory stops at them.
 *
 * Units: seconds.
 */
import type { RobotModel } from '../../model/description/robot-model.js';
import type { JointTrajectory } from '../types.js';
import { at, type Violation } from './violation.js';

const SINGULAR: Record<string, string> = { positions: 'position', velocities: 'velocity', accelerations: 'acceleration' };

/** Problems with the trajectory's names, shapes, numbers or time (up to 5 shape problems); none: []. */
export function checkStructure(traj: JointTrajectory, model: RobotModel): Violation[] {
  const want = model.jointNames;
  const names = Array.isArray(traj?.jointNames) ? traj.jointNames : [];
  if (names.length !== want.length || names.some((n, i) => n !== want[i])) {
    const missing = want.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !want.includes(n));
    const detail =
      missing.length || extra.length
        ? [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unknown ${extra.join(', ')}` : '']
            .filter(Boolean)
            .join('; ')
        : 'same joints in a different order';
    return [
      {
        kind: 'joint_names',
        message: `the trajectory is for joints [${names.join(', ')}] but the arm's joints are [${want.join(', ')}] (${detail})`,
      },
    ];
  }
  const pts = Array.isArray(traj.points) ? traj.points : [];
  if (pts.length === 0) return [{ kind: 'empty', message: 'the trajectory has no points' }];

  const n = want.length;
  const out: Violation[] = [];
  for (let k = 0; k < pts.length && out.length < 5; k++) {
    const p = pts[k];
    const fields: [string, unknown][] = [
      ['positions', p?.positions],
      ['velocities', p?.velocities],
      ['accelerations', p?.accelerations],
    ];
    for (const [field, arr] of fields) {
      if (arr === undefined && field !== 'positions') continue;
      if (!Array.isArray(arr)) {
        out.push({
          kind: 'malformed',
          point: k,
          message: `point ${k}: ${field} must be an array of ${n} numbers (got ${arr === undefined ? 'nothing' : ((arr as object)?.constructor?.name ?? typeof arr)})`,
        });
        continue;
      }
      if (arr.length !== n) {
        out.push({ kind: 'malformed', point: k, message: `point ${k} has ${arr.length} ${field} but the arm has ${n} joints` });
        continue;
      }
      for (let j = 0; j < n; j++) {
        const x: unknown = arr[j];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          out.push({
            kind: 'non_finite',
            point: k,
            joint: want[j],
            message: `point ${k} has a non-finite ${SINGULAR[field]} for ${want[j]} (${String(x)})`,
          });
          break;
        }
      }
    }
    if (typeof p?.timeFromStart !== 'number' || !Number.isFinite(p.timeFromStart)) {
      out.push({ kind: 'non_finite', point: k, message: `point ${k} has a non-finite time (${String(p?.timeFromStart)})` });
    }
  }
  if (out.length) return out;

  if (pts[0].timeFromStart < 0)
    return [
      {
        kind: 'time',
        point: 0,
        time: pts[0].timeFromStart,
        message: `the first point is at ${at(pts[0].timeFromStart)}; time must not be negative`,
      },
    ];
  for (let k = 1; k < pts.length; k++) {
    const a = pts[k - 1].timeFromStart,
      b = pts[k].timeFromStart;
    if (b < a) return [{ kind: 'time', point: k, time: b, message: `time goes backwards at point ${k}: ${at(b)} comes after ${at(a)}` }];
    if (b === a) return [{ kind: 'time', point: k, time: b, message: `time does not advance at point ${k}: two points at ${at(b)}` }];
  }
  return [];
}
