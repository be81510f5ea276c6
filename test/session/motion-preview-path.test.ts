/**
 * Issue 7, acceptance 1: a motion skill taught by demonstration and applied to a new object
 * runs along the path its preview showed, and the DMP accuracy figures hold in that same flow.
 *
 * - Preview path: the console's tool-centre path (buildPreviewInfo), i.e. forward kinematics of
 *   every trajectory point the session holds for confirm.
 * - Sent: the trajectories that reached the simulated arm are those points, unchanged.
 * - Executed path: the sim's joint states (every 10 ms of sim time) during execution, through the
 *   app's own kinematic chain.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';
import { runScript } from '../../session/script-run.js';
import { parseScript } from '../../session/script.js';
import { buildPreviewInfo } from '../../server/preview.js';
import type { JointTrajectory } from '../../robot-bridge/types.js';
import { demonstrationPoses, loadDemonstration, processDemonstration } from '../../skills/demonstration/index.js';
import { rolloutPoseDmp } from '../../skills/dmp/index.js';
import { KinematicChain } from '../../skills/kinematics/index.js';
import type { Vec3 } from '../../model/math/transform.js';
import { motionSkillData, type CompiledMotionSkill } from '../../skills/motion-skills.js';

const DEMO = resolve(import.meta.dirname, '../../skills/demonstration/examples/track-hulk.json');
let apps: SimApp[] = [];
afterEach(async () => {
  for (const a of apps) await a.dispose();
  apps = [];
});

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Distance from p to the segment ab. */
function segmentDistance(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const len2 = ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2;
  const u = len2 > 0 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1] + (p[2] - a[2]) * ab[2]) / len2)) : 0;
  return dist(p, [a[0] + u * ab[0], a[1] + u * ab[1], a[2] + u * ab[2]]);
}

/** Distance from p to a polyline. */
function polylineDistance(p: Vec3, line: Vec3[]): number {
  if (line.length === 1) return dist(p, line[0]);
  let best = Infinity;
  for (let k = 1; k < line.length; k++) best = Math.min(best, segmentDistance(p, line[k - 1], line[k]));
  return best;
}

const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))];
const mm = (m: number) => Math.round(m * 1e5) / 100;

describe('a motion skill learned from a demonstration, applied to a new object', () => {
  it('executes the path its preview showed (LOKI), and the DMP reproduces the demo (≤ 5 mm RMS) and reaches the re-targeted goal (≤ 2 mm)', async () => {
    const app = await createApp({ scene: 'stopmotion' });
    apps.push(app);
    const { session, model } = app;
    const taught = await runScript(
      app,
      parseScript(["I'll show you how to track around the hulk", `!demo ${DEMO}`, "that's it"].join('\n')),
    );
    expect(taught.map((t) => t.kind)).toEqual(['plan', 'plan', 'taught']);
    const skill = app.library.motions()[0];
    expect(skill.name).toBe('track');
    const data = motionSkillData(skill);
    const chain = new KinematicChain(model);

    // DMP figure 1: the learned skill, rolled out at the demonstration's own start and goal,
    // reproduces the demonstrated tool path within 5 mm RMS (time-aligned samples).
    const demo = processDemonstration(loadDemonstration(DEMO), model);
    const poses = demonstrationPoses(demo, chain);
    const dmp = data.dmp;
    const replay = rolloutPoseDmp(dmp, { dt: demo.dt });
    let se = 0;
    poses.positions.forEach((p, k) => {
      se += dist(replay.positions[Math.min(k, replay.positions.length - 1)], p) ** 2;
    });
    const reproductionRms = Math.sqrt(se / poses.positions.length);
    expect(reproductionRms).toBeLessThan(0.005);

    // Re-targeted to LOKI: previewed, nothing moved yet.
    const q0 = [...app.backend.jointState().position];
    const turn = await session.say('track around loki');
    expect(turn.plan).toEqual([{ skill: skill.name, args: { target: 'LOKI' } }]);
    const preview = session.pending!;
    expect(preview.safe).toBe(true);
    expect(app.backend.jointState().position).toEqual(q0);
    const compiled = preview.compiled[0] as (typeof preview.compiled)[0] & Partial<CompiledMotionSkill>;
    expect(compiled.dmp?.target).toBe('LOKI');

    // DMP figure 2: the re-targeted goal (LOKI + the demonstrated offset from HULK) is reached
    // by the rollout and by the last trajectory point within 2 mm.
    const loki = app.world.position('LOKI');
    const ref = data.frame.reference.position;
    const goal: Vec3 = [0, 1, 2].map((i) => dmp.goal.position[i] - ref[i] + loki[i]) as Vec3;
    expect(dist(compiled.dmp!.goal.position, goal)).toBeLessThan(1e-9);
    const rolloutEnd = compiled.rollout!.positions.at(-1)!;
    const trajectories = preview.compiled
      .flatMap((s) => s.motions)
      .filter((m) => m.kind === 'trajectory')
      .map((m) => m.trajectory);
    const lastPoint = trajectories.at(-1)!.points.at(-1)!.positions;
    const plannedEnd = chain.pose(lastPoint).position;
    expect(dist(rolloutEnd, goal)).toBeLessThan(0.002);
    expect(dist(plannedEnd, goal)).toBeLessThan(0.002);

    // The console's preview path: tool positions of the exact trajectory points.
    const info = buildPreviewInfo(preview, model, {
      id: 'p',
      utterance: turn.utterance,
      confirmable: true,
      autoConfirm: false,
      startQ: q0,
      startGripper: app.backend.gripperPosition(),
    });
    const previewPath: Vec3[] = [];
    for (let k = 0; k < info.path.length; k += 3) previewPath.push([info.path[k], info.path[k + 1], info.path[k + 2]]);

    // Execute, recording what was sent and the joint states.
    const sent: { trajectory: JointTrajectory; at: number }[] = [];
    const execute = app.simBackend.executeTrajectory.bind(app.simBackend);
    app.simBackend.executeTrajectory = (tr, o) => {
      sent.push({ trajectory: structuredClone(tr), at: app.simBackend.now() });
      return execute(tr, o);
    };
    const executed: Vec3[] = [];
    const stamped: { t: number; q: number[] }[] = [];
    const off = app.backend.onJointState((s) => {
      executed.push(chain.pose(s.position).position);
      stamped.push({ t: s.stamp, q: [...s.position] });
    });
    const done = await session.confirm();
    off();
    expect(done.outcome).toBe('succeeded');
    expect(done.notes).toBeUndefined(); // not re-planned: what ran is what was previewed
    expect(sent.map((x) => x.trajectory)).toEqual(trajectories);

    // Time-aligned tracking: the executed tool position at each joint-state stamp against the
    // planned one at the same time into its trajectory (joint values interpolated between points).
    const lag: number[] = [];
    for (const { trajectory, at } of sent) {
      const pts = trajectory.points;
      for (const s of stamped) {
        const u = s.t - at;
        if (u < 0 || u > pts.at(-1)!.timeFromStart) continue;
        let k = 1;
        while (k < pts.length - 1 && pts[k].timeFromStart < u) k++;
        const a = pts[k - 1],
          b = pts[k];
        const f = Math.max(0, Math.min(1, (u - a.timeFromStart) / (b.timeFromStart - a.timeFromStart || 1)));
        const planned = chain.pose(a.positions.map((v, i) => v + f * (b.positions[i] - v))).position;
        lag.push(dist(chain.pose(s.q).position, planned));
      }
    }

    // Executed vs preview: every executed tool position lies near the preview polyline, and
    // every previewed point near the executed path (so neither skips a part of the other).
    const off1 = executed.map((p) => polylineDistance(p, previewPath));
    const off2 = previewPath.map((p) => polylineDistance(p, executed));
    const finalError = dist(executed.at(-1)!, previewPath.at(-1)!);
    const executedEnd = dist(chain.pose(app.backend.jointState().position).position, goal);
    const figures = {
      reproductionRmsMm: mm(reproductionRms),
      retargetedGoalMm: { rollout: mm(dist(rolloutEnd, goal)), plannedEnd: mm(dist(plannedEnd, goal)), executedEnd: mm(executedEnd) },
      executedFromPreviewMm: { max: mm(Math.max(...off1)), p95: mm(quantile(off1, 0.95)), median: mm(quantile(off1, 0.5)) },
      previewFromExecutedMm: { max: mm(Math.max(...off2)) },
      timeAlignedMm: { max: mm(Math.max(...lag)), p95: mm(quantile(lag, 0.95)), samples: lag.length },
      finalMm: mm(finalError),
      samples: executed.length,
      previewPoints: previewPath.length,
    };
    console.log('[motion-preview-path]', JSON.stringify(figures));
    // Tolerance 2 mm (the goal accuracy): the sim's joint servos get velocity,
    // acceleration and inverse-dynamics feedforward, so tracking is far better than a plain PD
    // loop (measured: max 0.04 mm from the preview polyline, 0.01 mm at the end). A real arm's
    // controller would need its own, looser figure.
    expect(Math.max(...off1)).toBeLessThan(0.002);
    expect(Math.max(...off2)).toBeLessThan(0.002);
    expect(finalError).toBeLessThan(0.002);
    expect(executedEnd).toBeLessThan(0.002);
    // On time as well as on the path (measured max 0.2 mm against the plan at the same instant).
    expect(lag.length).toBeGreaterThan(300);
    expect(Math.max(...lag)).toBeLessThan(0.002);
  });
});
