/**
 * Issue 12, acceptance 2: every trajectory the SafetyGuard passes, replayed in MuJoCo physics,
 * touches nothing but what it intends (a finger with the object it holds).
 *
 * Property test (fast-check, fixed seed, 600 runs) on the gift-bag scene with collision checks
 * on (the default app). Each run is one straight joint-space move, start → goal, time-
 * parameterized with timeParameterize; most endpoints are IK poses of the tool near an object,
 * a container or low over the table (tilted up to 0.8 rad from top-down), the rest random joint
 * values, so that many moves are refused and many pass. About a third of the runs carry the
 * candy (grasped with "pick up the candy" in a second app, held by the sim's grasp weld).
 * A start that already touches something (a link in the table, the candy in an object: no
 * state a rigid world can be measured in) is not asked about, and counted.
 *
 * The oracle of "passes" is the guard itself: a SafetyGuard with the app's config and planning
 * scene over a backend that moves nothing (replay-helpers.ts dryGuard), with the arm posed at
 * the start, so its start, limit, speed, table, workspace and collision checks all run exactly
 * as they would before a real motion. (SafetyGuard.check() leaves the collision check out; it
 * runs only in executeTrajectory, hence the backend that moves nothing.)
 *
 * Replay, kinematic (every passed run): the desired state the sim's controller follows (cubic
 * Hermite between the trajectory points, sim/trajectory.ts) is sampled, bisecting time until no
 * point of any link or of the held object moves more than 1 cm between samples (bound from the
 * link poses: origin displacement + reach × rotation angle). Each sample is set with
 * SimWorld.poseArm (joint positions, the held object carried along, MuJoCo's forward pass with
 * its collision detection), and MuJoCo's contacts are read. Kinematic, because ~170 dynamic
 * executions would not fit the time on 2 shared cores.
 * Replay, dynamic (a seeded subset of 40 passed runs, every 4th): the same trajectory executed
 * through the app's real guard and SimBackend (servos, physics at 2 ms, contacts read whenever
 * their number changes and every 10 ms, until the arm settles).
 * That the replay can see: moves the guard refused for a collision are replayed too, and most
 * of them touch in MuJoCo (the rest only came within the guard's 5 mm margin).
 *
 * A contact of a robot link or the held object with anything but (finger, held object) fails
 * the run with everything needed to reproduce it: held or not, start, goal, speed scales, time,
 * both bodies and geoms, depth. The second test is one such miss, written out.
 *
 * Units: rad, m, s. World frame: z up, z = 0 the table top, robot base at the origin.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JointTrajectory } from '../../robot-bridge/types.js';
import { createApp, type SimApp } from '../../session/app.js';
import { parseScript } from '../../session/script.js';
import { runScript } from '../../session/script-run.js';
import { timeParameterize } from '../../skills/trajectory/index.js';
import { dryGuard, linkRadii, replayDynamic, replayKinematic, unintendedFilter, type Touch } from './replay-helpers.js';

const SEED = 1212;
const RUNS = 600;
const DYNAMIC = 40;
/** joint values drawn this far inside the URDF limits (the guard keeps 0.02 rad), rad */
const INSIDE = 0.03;

interface Rig {
  app: SimApp;
  held: string | null;
  gripper: number;
  guard: ReturnType<typeof dryGuard>;
  radii: ReturnType<typeof linkRadii>;
  unintended: ReturnType<typeof unintendedFilter>;
}

/** Scene bodies near which IK targets are drawn: centre (m) and top height (m). */
let anchors: { name: string; x: number; y: number; top: number }[] = [];
let free: Rig, holding: Rig;
/** where the arm grasped the candy on the table (rad) */
let graspQ: number[] = [];

function rigFor(app: SimApp, held: string | null): Rig {
  const sim = app.sim;
  let extra: { link: string; radius: number } | undefined;
  const hand = app.sim.mjcf.gripper?.handBody;
  if (held && hand) {
    // The held object rides on the hand: its farthest point from the hand's origin.
    const p = sim.bodyPosition(held)!,
      o = sim.bodyPosition(hand)!,
      h = sim.bodyHalfExtents(held)!;
    extra = { link: hand, radius: Math.hypot(p[0] - o[0], p[1] - o[1], p[2] - o[2]) + Math.hypot(...h) };
  }
  return {
    app,
    held,
    gripper: sim.gripperPosition(),
    guard: dryGuard(app),
    radii: linkRadii(app.model, extra),
    unintended: unintendedFilter(app, held),
  };
}

beforeAll(async () => {
  const a = await createApp({ scene: 'giftbag' });
  const b = await createApp({ scene: 'giftbag' });
  const turns = await runScript(b, parseScript('pick up the candy\n'));
  if (turns[0]?.outcome !== 'succeeded' || b.sim.graspedObject !== 'CANDY' || b.world.held !== 'CANDY')
    throw new Error(`test set-up: "pick up the candy" did not leave the candy in the hand (${turns[0]?.outcome})`);
  graspQ = b.sim.armPositions();
  free = rigFor(a, null);
  holding = rigFor(b, 'CANDY');
  const sim = a.sim;
  anchors = [...sim.objectNames, ...sim.containerNames].map((name) => {
    const p = sim.bodyPosition(name)!,
      h = sim.bodyHalfExtents(name)!;
    return { name, x: p[0], y: p[1], top: p[2] + h[2] };
  });
}, 60_000);

afterAll(async () => {
  await free?.app.dispose();
  await holding?.app.dispose();
});

/** How one end of a move is chosen; turned into joint values by `configOf`. */
interface EndSpec {
  /** IK near an anchor, or the random joint values themselves */
  near: boolean;
  anchor: number;
  /** offset from the anchor's centre (m) and height above its top (m) */
  dx: number;
  dy: number;
  dz: number;
  /** instead of dz: the tool centre this high above the table top (m), where the clearances are tight */
  low: number | null;
  /** tool z axis: tilt from straight down (rad) and its azimuth (rad) */
  tilt: number;
  azimuth: number;
  /** random joint values, as fractions of each joint's range; also the IK seed */
  u: number[];
}

/** Uniform in [lo, hi] (fc.double spreads over the doubles' representations, which crowd near 0). */
const uniform = (lo: number, hi: number) => fc.integer({ min: 0, max: 1_000_000 }).map((i) => lo + ((hi - lo) * i) / 1_000_000);
const unit = uniform(0, 1);
const endSpec: fc.Arbitrary<EndSpec> = fc.record({
  near: uniform(0, 1).map((x) => x < 0.85),
  anchor: fc.nat(100),
  dx: uniform(-0.15, 0.15),
  dy: uniform(-0.15, 0.15),
  dz: uniform(-0.02, 0.22),
  low: fc.tuple(unit, uniform(0, 0.06)).map(([x, z]) => (x < 0.2 ? z : null)),
  tilt: uniform(0, 0.8),
  azimuth: uniform(-Math.PI, Math.PI),
  u: fc.array(unit, { minLength: 7, maxLength: 7 }),
});

const caseArb = fc.record({
  held: uniform(0, 1).map((x) => x < 0.35),
  start: endSpec,
  goal: endSpec,
  velocityScale: uniform(0.2, 0.9),
  accelerationScale: uniform(0.2, 0.9),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function configOf(rig: Rig, e: EndSpec): { q: number[]; how: string } {
  const model = rig.app.model;
  const random = model.arm.map((j, i) => j.lower + INSIDE + e.u[i] * (j.upper - j.lower - 2 * INSIDE));
  if (!e.near) return { q: random, how: 'random joints' };
  const a = anchors[e.anchor % anchors.length];
  const position: [number, number, number] = [a.x + e.dx, a.y + e.dy, e.low ?? a.top + e.dz];
  const axis: [number, number, number] = [
    Math.sin(e.tilt) * Math.cos(e.azimuth),
    Math.sin(e.tilt) * Math.sin(e.azimuth),
    -Math.cos(e.tilt),
  ];
  const r = rig.app.ik.solve({ position, approachAxis: axis }, { seed: random, maxRestarts: 3 });
  const inside = r.ok && model.arm.every((j, i) => r.q[i] >= j.lower + INSIDE && r.q[i] <= j.upper - INSIDE);
  // No solution inside the limits: the random joint values (still a valid, if less interesting, end).
  return inside
    ? { q: r.q, how: `IK near ${a.name} at (${position.map((v) => v.toFixed(3)).join(', ')})` }
    : { q: random, how: 'random joints (no IK)' };
}

const stats = {
  generated: 0,
  touchingStarts: 0,
  passed: 0,
  passedHeld: 0,
  refused: 0,
  /** refused for a collision, replayed anyway, and seen touching in MuJoCo: the replay can see */
  refusedCollision: 0,
  refusedCollisionTouching: 0,
  kinematicSamples: 0,
  dynamic: 0,
  worstStep: 0,
  reasons: new Map<string, number>(),
};

const fq = (q: readonly number[]) => `[${q.map((v) => v.toFixed(5)).join(', ')}]`;

function describeFailure(held: boolean, how: string[], traj: JointTrajectory, touch: Touch, mode: string, timing: string): string {
  const pts = traj.points;
  return [
    `${mode} replay of a trajectory the guard passed touched ${touch.body1} (${touch.geom1}) with ${touch.body2} (${touch.geom2})`,
    `  at t = ${touch.time.toFixed(3)} s of ${pts[pts.length - 1].timeFromStart.toFixed(3)} s, depth ${(-touch.dist * 1000).toFixed(2)} mm`,
    `  held: ${held ? 'CANDY' : 'nothing'}`,
    `  start ${fq(pts[0].positions)} (${how[0]})`,
    `  goal  ${fq(pts[pts.length - 1].positions)} (${how[1]})`,
    `  ${timing}`,
  ].join('\n');
}

describe('physics replay of what the guard passes (issue 12)', () => {
  it(`no guard-passed trajectory touches anything unintended in MuJoCo (${RUNS} seeded cases)`, async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.noBias(caseArb), async (c: Case) => {
        stats.generated++;
        const rig = c.held ? holding : free;
        const sim = rig.app.sim;
        const s = configOf(rig, c.start),
          g = configOf(rig, c.goal);
        const scales = { velocityScale: c.velocityScale, accelerationScale: c.accelerationScale };
        const traj = timeParameterize([s.q, g.q], rig.app.model, scales);
        const fail = (touch: Touch, mode: string) =>
          new Error(
            describeFailure(c.held, [s.how, g.how], traj, touch, mode, `timeParameterize([start, goal], model, ${JSON.stringify(scales)})`),
          );
        // The arm (and the candy in its hand) where the move starts, so the guard measures it there.
        sim.poseArm(s.q);
        // A start already touching something (a link in the table, the candy in an object) is no
        // state a rigid world can be measured in: nothing is asked from there.
        if (sim.contacts().some(rig.unintended)) {
          stats.touchingStarts++;
          return;
        }
        const verdict = rig.guard.passes(traj);
        if (!verdict.ok) {
          stats.refused++;
          const kind = verdict.reason
            .replace(/\d+(\.\d+)?/g, '#')
            .replace(/;.*$/, '')
            .slice(0, 60);
          stats.reasons.set(kind, (stats.reasons.get(kind) ?? 0) + 1);
          if (/would hit/.test(verdict.reason)) {
            stats.refusedCollision++;
            const k = replayKinematic(sim, rig.app.model, traj, { gripper: rig.gripper, radii: rig.radii, unintended: rig.unintended });
            if (k.touch) stats.refusedCollisionTouching++;
          }
          return;
        }
        stats.passed++;
        if (c.held) stats.passedHeld++;
        const k = replayKinematic(sim, rig.app.model, traj, { gripper: rig.gripper, radii: rig.radii, unintended: rig.unintended });
        stats.kinematicSamples += k.samples;
        stats.worstStep = Math.max(stats.worstStep, k.worstStep);
        if (k.touch) throw fail(k.touch, 'kinematic');
        if (stats.dynamic < DYNAMIC && stats.passed % 4 === 1) {
          stats.dynamic++;
          const d = await replayDynamic(rig.app, traj, rig.unintended);
          if (d.touch) throw fail(d.touch, 'dynamic');
          if (d.outcome.status !== 'succeeded')
            throw new Error(
              `dynamic replay ended ${d.outcome.status} (${d.outcome.reason}): start ${fq(s.q)}, goal ${fq(g.q)}, ${JSON.stringify(scales)}`,
            );
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `[physics-replay] ${stats.generated} generated: ${stats.touchingStarts} start in contact (not asked), ${stats.passed} passed by the guard ` +
        `(${stats.passedHeld} holding the candy), ${stats.refused} refused (${stats.refusedCollision} for a collision, ${stats.refusedCollisionTouching} of them touching in MuJoCo); ` +
        `${stats.passed} replayed kinematically (${stats.kinematicSamples} poses, largest step ${(stats.worstStep * 1000).toFixed(1)} mm), ${stats.dynamic} dynamically; 0 contacts; ${seconds.toFixed(1)} s\n` +
        `  refusals: ${[...stats.reasons].map(([r, n]) => `${n}× ${r}`).join('; ')}`,
    );
    expect(stats.generated).toBe(RUNS);
    // Not vacuous: many moves pass (and are replayed), many are refused, some carry the candy…
    expect(stats.passed).toBeGreaterThanOrEqual(150);
    expect(stats.refused).toBeGreaterThanOrEqual(100);
    expect(stats.passedHeld).toBeGreaterThanOrEqual(30);
    expect(stats.dynamic).toBe(DYNAMIC);
    expect(stats.worstStep).toBeLessThanOrEqual(0.01);
    // …and the replay sees contacts: many moves the guard refused for a collision do touch.
    expect(stats.refusedCollisionTouching).toBeGreaterThanOrEqual(10);
  }, 300_000);

  it('the candy in the hand lowered 4 mm below where it was grasped, onto the table: refused, naming the table and the candy', () => {
    // Found while writing the property above (its random starts put the held candy into the
    // table 2.5-5 mm while the fingers kept the guard's 3 mm table clearance): the guard's scene
    // left the table to the guard's table check, which looks at robot links only. Now the held
    // object is checked against the table top (collision/world-sync.ts); this stays as its test.
    const rig = holding;
    const sim = rig.app.sim;
    const model = rig.app.model;
    const tip = model.linkPoses(graspQ, rig.gripper).get(model.tipLink)!;
    const axis: [number, number, number] = [tip[8], tip[9], tip[10]];
    const solve = (dz: number) => {
      const r = rig.app.ik.solve({ position: [tip[12], tip[13], tip[14] + dz], approachAxis: axis }, { seed: graspQ });
      if (!r.ok) throw new Error(`test set-up: no IK solution ${dz} m above the grasp`);
      return r.q;
    };
    const above = solve(0.08),
      below = solve(-0.004);
    const traj = timeParameterize([above, below], model);
    sim.poseArm(above);
    expect(sim.contacts().filter(rig.unintended)).toEqual([]);
    const verdict = rig.guard.passes(traj);
    // Physics agrees it would touch: the kinematic replay finds the candy in the table.
    const k = replayKinematic(sim, model, traj, { gripper: rig.gripper, radii: rig.radii, unintended: rig.unintended });
    expect(k.touch, 'the replay should see the candy reach the table').not.toBeNull();
    expect(
      verdict.ok,
      k.touch
        ? describeFailure(
            true,
            ['8 cm above the grasp', '4 mm below the grasp'],
            traj,
            k.touch,
            'kinematic',
            'timeParameterize([start, goal], model)',
          )
        : '',
    ).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(/would hit table with held CANDY at \d+\.\d\d s/);
  });
});
