import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRobotModel, type RobotModel } from '../../../model/description/robot-model.js';
import { timeParameterize } from '../../../skills/trajectory/index.js';
import { SafetyGuard, DEFAULT_SAFETY, type ViolationKind } from '../../../robot-bridge/safety/index.js';
import type { BackendStatus, JointState, JointTrajectory } from '../../../robot-bridge/types.js';
import { FakeBackend } from '../../fakes/fake-backend.js';
import { smoothMove } from '../../fakes/backend-contract.js';
import { fromXyzRpy, multiply } from '../../../model/math/transform.js';
import {
  bruteForceViolations,
  hardLimits,
  policyLimits,
  sampledLowestByLink,
  sampledLowestZ,
  TOOL_LINKS,
  type OracleLimits,
} from './brute-force.js';

const models: Record<string, RobotModel> = { panda: loadRobotModel('panda'), ur5e: loadRobotModel('ur5e') };

function searcher(m: RobotModel, seed0: number) {
  let seed = seed0;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const rand = (spread: number) =>
    m.arm.map((j, k) => Math.min(j.upper - 0.05, Math.max(j.lower + 0.05, m.home[k] + (rnd() - 0.5) * spread)));
  // fixtures are found with the independent sampler, never with the code under test
  const minZ = (q: number[]) => sampledLowestZ(m, q);
  return { rand, minZ };
}

/** Deterministic search for configurations with something under the table (for "table dip" corruptions). */
function underTableConfigs(m: RobotModel, count = 5): number[][] {
  const { rand, minZ } = searcher(m, 12345);
  const out: number[][] = [];
  for (let i = 0; i < 200_000 && out.length < count; i++) {
    const q = rand(3);
    if (minZ(q) < -0.03) out.push(q);
  }
  if (out.length < count) throw new Error(`found only ${out.length} under-table configurations for ${m.name}`);
  return out;
}
const underTable: Record<string, number[][]> = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, underTableConfigs(m)]));

/** Pairs of configurations well above the table whose joint-space midpoint is under it. */
function sweepPairs(m: RobotModel, count = 3): [number[], number[]][] {
  const { rand, minZ } = searcher(m, 99);
  const out: [number[], number[]][] = [];
  for (let i = 0; i < 300_000 && out.length < count; i++) {
    const A = rand(3),
      B = rand(3);
    if (minZ(A) < 0.05 || minZ(B) < 0.05) continue;
    if (minZ(A.map((a, k) => (a + B[k]) / 2)) < -0.01) out.push([A, B]);
  }
  if (out.length < count) throw new Error(`found only ${out.length} sweep pairs for ${m.name}`);
  return out;
}
const sweeps: Record<string, [number[], number[]][]> = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, sweepPairs(m)]));

/** Configurations above the table with the tool centre out of the default workspace by > 2 cm. */
function outOfReach(m: RobotModel, count = 3): number[][] {
  const { rand, minZ } = searcher(m, 7);
  const out: number[][] = [];
  for (let i = 0; i < 100_000 && out.length < count; i++) {
    const q = rand(2.5);
    const tip = m.tipPose(q);
    if (minZ(q) > 0.05 && (tip[12] > 0.92 || Math.abs(tip[13]) > 0.72 || tip[14] > 1.02)) out.push(q);
  }
  if (out.length < count) throw new Error(`found only ${out.length} out-of-reach configurations for ${m.name}`);
  return out;
}
/**
 * Configurations where a link dips slightly (2–30 mm) under the table top by an edge or rim only,
 * with every collision shape's centre at least 3 cm above the table and the tool centre inside
 * the workspace: only an exact geometry check sees them.
 */
function grazing(m: RobotModel, count = 6): number[][] {
  const { rand } = searcher(m, 4242);
  const centresZ = (q: number[]) => {
    const poses = m.linkPoses(q);
    let z = Infinity;
    for (const [name, link] of m.description.links) {
      if (name === m.baseLink) continue;
      for (const c of link.collisions) z = Math.min(z, multiply(poses.get(name)!, fromXyzRpy(c.origin.xyz, c.origin.rpy))[14]);
    }
    return z;
  };
  const out: number[][] = [];
  const perLink = new Map<string, number>();
  for (let i = 0; i < 400_000 && out.length < count; i++) {
    const q = rand(3);
    const low = [...sampledLowestByLink(m, q)].sort((a, b) => a[1] - b[1])[0];
    const tip = m.tipPose(q);
    const inside = tip[12] > -0.29 && tip[12] < 0.89 && Math.abs(tip[13]) < 0.69 && tip[14] > -0.005 && tip[14] < 0.99;
    // at most two per lowest link, so fingers, hand and arm links all get their turn
    if (low[1] < -0.002 && low[1] > -0.03 && inside && (perLink.get(low[0]) ?? 0) < 2 && centresZ(q) > 0.02) {
      perLink.set(low[0], (perLink.get(low[0]) ?? 0) + 1);
      out.push(q);
    }
  }
  if (out.length < count) throw new Error(`found only ${out.length} grazing configurations for ${m.name}`);
  return out;
}

/** Configurations with an arm link 5–15 mm above the table (inside its 20 mm clearance), tool links clear. */
function skimming(m: RobotModel, count = 3): number[][] {
  const { rand } = searcher(m, 777);
  const out: number[][] = [];
  for (let i = 0; i < 400_000 && out.length < count; i++) {
    const q = rand(3);
    const low = sampledLowestByLink(m, q);
    const arm = Math.min(...[...low].filter(([l]) => !TOOL_LINKS.has(l)).map(([, z]) => z));
    const tool = Math.min(...[...low].filter(([l]) => TOOL_LINKS.has(l)).map(([, z]) => z));
    const tip = m.tipPose(q);
    const inside = tip[12] > -0.28 && tip[12] < 0.88 && Math.abs(tip[13]) < 0.68 && tip[14] > 0.01 && tip[14] < 0.98;
    if (arm > 0.005 && arm < 0.015 && tool > 0.01 && inside) out.push(q);
  }
  if (out.length < count) throw new Error(`found only ${out.length} skimming configurations for ${m.name}`);
  return out;
}
const skims: Record<string, number[][]> = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, skimming(m)]));

const grazes: Record<string, number[][]> = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, grazing(m)]));

const reaches: Record<string, number[][]> = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, outOfReach(m)]));

const clamp = (m: RobotModel, q: number[], inset = 0) =>
  q.map((x, i) => Math.min(m.arm[i].upper - inset, Math.max(m.arm[i].lower + inset, x)));

// --- scenario generator ---------------------------------------------------------------------

type Corruption =
  | { kind: 'none' }
  | { kind: 'beyond'; at: number; joint: number; upper: boolean; by: number }
  | { kind: 'spike'; at: number; joint: number; by: number }
  | { kind: 'table'; which: number }
  | { kind: 'nan'; at: number; joint: number; field: 'positions' | 'velocities' | 'accelerations' | 'time'; value: number }
  | { kind: 'names'; how: 'reverse' | 'rename' | 'drop' | 'extra' }
  | { kind: 'jump'; joint: number; by: number }
  | { kind: 'time'; at: number; how: 'swap' | 'repeat' | 'negative' }
  | { kind: 'compress'; factor: number }
  | { kind: 'truncate'; at: number }
  /** a slow, smooth excursion past a URDF limit, or into its margin: only the position check can see it */
  | { kind: 'creep'; joint: number; upper: boolean; by: number }
  /** a long move at about 0.96–1.1 × the velocity limit with moderate acceleration */
  | { kind: 'cruise'; joint: number; factor: number }
  /** a small mid-trajectory kink: only the interior acceleration check can see it */
  | { kind: 'bump'; at: number; joint: number; by: number }
  /** a given velocity or acceleration above the limit while the positions are fine */
  | { kind: 'lie'; at: number; joint: number; factor: number; field: 'velocities' | 'accelerations' }
  /** holding still where a link is a few mm under the table */
  | { kind: 'graze'; which: number }
  /** holding still where an arm link is inside its clearance, though above the table */
  | { kind: 'skim'; which: number }
  /** two slow points, both above the table, the straight line between them through it */
  | { kind: 'sweep'; which: number }
  /** a slow move taking the tool centre out of the workspace */
  | { kind: 'reach'; which: number };

const frac = fc.double({ min: 0, max: 1, noNaN: true });
const jointIdx = fc.nat({ max: 6 });
const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constant('beyond' as const),
    at: frac,
    joint: jointIdx,
    upper: fc.boolean(),
    by: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('spike' as const), at: frac, joint: jointIdx, by: fc.double({ min: -0.3, max: 0.3, noNaN: true }) }),
  fc.record({ kind: fc.constant('table' as const), which: fc.nat({ max: 4 }) }),
  fc.record({
    kind: fc.constant('nan' as const),
    at: frac,
    joint: jointIdx,
    field: fc.constantFrom('positions' as const, 'velocities' as const, 'accelerations' as const, 'time' as const),
    value: fc.constantFrom(NaN, Infinity, -Infinity),
  }),
  fc.record({
    kind: fc.constant('names' as const),
    how: fc.constantFrom('reverse' as const, 'rename' as const, 'drop' as const, 'extra' as const),
  }),
  fc.record({
    kind: fc.constant('jump' as const),
    joint: jointIdx,
    by: fc.double({ min: 0.06, max: 0.5, noNaN: true }).chain((b) => fc.constantFrom(b, -b)),
  }),
  fc.record({
    kind: fc.constant('time' as const),
    at: frac,
    how: fc.constantFrom('swap' as const, 'repeat' as const, 'negative' as const),
  }),
  fc.record({ kind: fc.constant('compress' as const), factor: fc.double({ min: 0.05, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
  // by < 0: ends inside the 0.02 rad margin, not past the limit
  fc.record({
    kind: fc.constant('creep' as const),
    joint: jointIdx,
    upper: fc.boolean(),
    by: fc.double({ min: -0.019, max: 0.1, noNaN: true }),
  }),
  // factor > 0.999/0.95: between the guard's 95% and the real limit
  fc.record({ kind: fc.constant('cruise' as const), joint: jointIdx, factor: fc.double({ min: 0.9, max: 1.04, noNaN: true }) }),
  fc.record({
    kind: fc.constant('bump' as const),
    at: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
    joint: jointIdx,
    by: fc.double({ min: 0.001, max: 0.01, noNaN: true }).chain((b) => fc.constantFrom(b, -b)),
  }),
  fc.record({
    kind: fc.constant('lie' as const),
    at: frac,
    joint: jointIdx,
    factor: fc.double({ min: 1.05, max: 2, noNaN: true }).chain((f) => fc.constantFrom(f, -f)),
    field: fc.constantFrom('velocities' as const, 'accelerations' as const),
  }),
  fc.record({ kind: fc.constant('graze' as const), which: fc.nat({ max: 5 }) }),
  fc.record({ kind: fc.constant('skim' as const), which: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('sweep' as const), which: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('reach' as const), which: fc.nat({ max: 2 }) }),
);

/** A joint-space offset that actually moves: 0.05–0.5 rad on its largest component. */
const offset = (m: RobotModel) =>
  fc
    .record({
      dir: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: m.dof, maxLength: m.dof }),
      size: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
      lead: fc.nat({ max: m.dof - 1 }),
    })
    .map(({ dir, size, lead }) => {
      const d = [...dir];
      if (Math.abs(d[lead]) < 0.5) d[lead] = d[lead] < 0 ? -1 : 1;
      const big = Math.max(...d.map(Math.abs));
      return d.map((x) => (x / big) * size);
    });

const scenario = (m: RobotModel) =>
  fc.record({
    start: fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: m.dof, maxLength: m.dof }),
    targets: fc.array(offset(m), { minLength: 1, maxLength: 3 }),
    velocityScale: fc.double({ min: 0.1, max: 1, noNaN: true }),
    accelerationScale: fc.double({ min: 0.1, max: 1, noNaN: true }),
    corruption,
    /** drop the velocity and acceleration fields: finite differences alone must catch problems */
    strip: fc.boolean(),
  });

interface Built {
  fake: FakeBackend;
  guard: SafetyGuard;
  traj: JointTrajectory;
  /** the corruption makes the trajectory unsafe or malformed for sure; with the violation kinds that may explain it */
  mustReject?: ViolationKind[];
}

interface Scenario {
  start: number[];
  targets: number[][];
  velocityScale: number;
  accelerationScale: number;
  corruption: Corruption;
  strip: boolean;
}

function build(m: RobotModel, name: string, s: Scenario): Built {
  const start = clamp(
    m,
    m.home.map((x, i) => x + s.start[i]),
    0.05,
  );
  const fake = FakeBackend.forModel(m, { position: start });
  const guard = new SafetyGuard(fake, m, DEFAULT_SAFETY);
  // targets are offsets from the previous waypoint
  const waypoints = [start];
  for (const t of s.targets)
    waypoints.push(
      clamp(
        m,
        waypoints[waypoints.length - 1].map((x, i) => x + t[i]),
        0.03,
      ),
    );
  let traj = timeParameterize(waypoints, m, { velocityScale: s.velocityScale, accelerationScale: s.accelerationScale });
  const c = s.corruption;
  const idx = (at: number) => Math.min(traj.points.length - 1, Math.floor(at * traj.points.length));
  const j = (k: number) => k % m.dof;
  let mustReject: ViolationKind[] | undefined;
  switch (c.kind) {
    case 'none':
      break;
    case 'beyond': {
      const J = m.arm[j(c.joint)];
      traj.points[idx(c.at)].positions[j(c.joint)] = c.upper ? J.upper + c.by : J.lower - c.by;
      mustReject = ['position_limit', 'start_jump'];
      break;
    }
    case 'spike':
      traj.points[idx(c.at)].positions[j(c.joint)] += c.by;
      break;
    case 'table':
      traj = timeParameterize([start, underTable[name][c.which]], m, {
        velocityScale: s.velocityScale,
        accelerationScale: s.accelerationScale,
      });
      mustReject = ['table', 'workspace', 'position_limit', 'velocity_limit', 'acceleration_limit'];
      break;
    case 'nan': {
      const p = traj.points[idx(c.at)];
      if (c.field === 'time') p.timeFromStart = c.value;
      else if (c.field === 'positions' || s.strip) p.positions[j(c.joint)] = c.value;
      else p[c.field]![j(c.joint)] = c.value;
      mustReject = ['non_finite'];
      break;
    }
    case 'names': {
      const names = [...traj.jointNames];
      if (c.how === 'reverse') names.reverse();
      else if (c.how === 'rename') names[2] = `${names[2]}_b`;
      else if (c.how === 'drop') names.pop();
      else names.push('extra_joint');
      traj.jointNames = names;
      mustReject = ['joint_names'];
      break;
    }
    case 'jump':
      fake.setJointPositions(start.map((x, i) => (i === j(c.joint) ? x + c.by : x)));
      mustReject = ['start_jump'];
      break;
    case 'time': {
      if (traj.points.length < 3 && c.how !== 'negative') break;
      const k = Math.max(1, idx(c.at));
      if (c.how === 'swap')
        [traj.points[k - 1].timeFromStart, traj.points[k].timeFromStart] = [traj.points[k].timeFromStart, traj.points[k - 1].timeFromStart];
      else if (c.how === 'repeat') traj.points[k].timeFromStart = traj.points[k - 1].timeFromStart;
      else traj.points[0].timeFromStart = -0.1;
      mustReject = ['time'];
      break;
    }
    case 'compress':
      for (const p of traj.points) {
        p.timeFromStart *= c.factor;
        p.velocities = p.velocities!.map((v) => v / c.factor);
        p.accelerations = p.accelerations!.map((a) => a / (c.factor * c.factor));
      }
      break;
    case 'truncate':
      traj.points = traj.points.slice(0, Math.max(1, idx(c.at)));
      break;
    case 'creep': {
      const J = m.arm[j(c.joint)];
      const goal = [...start];
      goal[j(c.joint)] = c.upper ? J.upper + c.by : J.lower - c.by;
      const dist = Math.abs(goal[j(c.joint)] - start[j(c.joint)]);
      traj = smoothMove(m.jointNames, start, goal, Math.max(2, (dist * Math.PI) / 2 / 0.3), 101);
      mustReject = ['position_limit', 'table', 'workspace'];
      break;
    }
    case 'cruise': {
      const J = m.arm[j(c.joint)];
      const q = start[j(c.joint)];
      const room = Math.max(J.upper - 0.03 - q, q - (J.lower + 0.03));
      const goal = [...start];
      goal[j(c.joint)] = J.upper - 0.03 - q >= q - (J.lower + 0.03) ? q + Math.min(room, 2.5) : q - Math.min(room, 2.5);
      traj = timeParameterize([start, goal], m, { velocityScale: 1, accelerationScale: 0.7 });
      for (const p of traj.points) {
        p.timeFromStart *= c.factor;
        p.velocities = p.velocities!.map((v) => v / c.factor);
        p.accelerations = p.accelerations!.map((a) => a / (c.factor * c.factor));
      }
      // usually over the hard velocity limit (then the oracle flags it), sometimes just under
      break;
    }
    case 'bump':
      if (traj.points.length > 4) traj.points[Math.max(1, Math.min(traj.points.length - 2, idx(c.at)))].positions[j(c.joint)] += c.by;
      break;
    case 'lie': {
      const J = m.arm[j(c.joint)];
      const p = traj.points[idx(c.at)];
      if (c.field === 'velocities') p.velocities![j(c.joint)] = J.velocity * c.factor;
      else p.accelerations![j(c.joint)] = J.acceleration * c.factor;
      // A lying velocity also implies an acceleration spike (finite differences of the given
      // velocities), and either is a correct first reason.
      if (!s.strip) mustReject = c.field === 'velocities' ? ['velocity_limit', 'acceleration_limit'] : ['acceleration_limit'];
      break;
    }
    case 'graze':
    case 'skim': {
      // Already there (a plan that would hold the arm where it is): nothing else to see.
      const q = (c.kind === 'graze' ? grazes : skims)[name][c.which];
      fake.setJointPositions(q);
      traj = smoothMove(m.jointNames, q, q, 1, 3);
      mustReject = ['table'];
      break;
    }
    case 'sweep': {
      const [A, B] = sweeps[name][c.which];
      fake.setJointPositions(A);
      traj = {
        jointNames: [...m.jointNames],
        points: [
          { positions: A, timeFromStart: 0 },
          { positions: B, timeFromStart: 30 },
        ],
      };
      mustReject = ['table'];
      break;
    }
    case 'reach':
      traj = smoothMove(m.jointNames, start, reaches[name][c.which], 10, 201);
      mustReject = ['workspace', 'table'];
      break;
  }
  if (s.strip) traj.points = traj.points.map((p) => ({ positions: p.positions, timeFromStart: p.timeFromStart }));
  return { fake, guard, traj, mustReject };
}

// --- properties -------------------------------------------------------------------------------

describe.each(Object.keys(models))('SafetyGuard on %s', (name) => {
  const m = models[name];
  const hard = hardLimits();
  const policy = policyLimits();

  it('lets through no trajectory that breaks a limit, and never forwards a rejected one, even in part', async () => {
    const seen: Record<string, number> = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(scenario(m), async (s) => {
        const { fake, guard, traj, mustReject } = build(m, name, s);
        const sent = structuredClone(traj);
        const current = fake.jointState().position;
        const oracle = bruteForceViolations(sent, m, current, hard, fake.gripperPosition());
        const outcome = await guard.executeTrajectory(traj).done;
        const forwarded = fake.callsOf('executeTrajectory');
        if (outcome.status === 'rejected') {
          seen.rejected++;
          expect(forwarded).toHaveLength(0);
          expect(outcome.reason.length).toBeGreaterThan(10);
          expect(guard.status().problems.some((p) => p.id === 'safety.rejected' && p.tip)).toBe(true);
          // The corruption we made is among the reasons (the base motion may break others too).
          if (mustReject) expect(guard.lastRejection!.violations.map((v) => v.kind).some((k) => mustReject.includes(k))).toBe(true);
        } else {
          seen.accepted++;
          // Soundness: the independent brute-force check finds nothing wrong with it, neither
          // against the physical limits nor against the guard's own margins and clearances.
          expect(oracle).toEqual([]);
          expect(bruteForceViolations(sent, m, current, policy, fake.gripperPosition())).toEqual([]);
          expect(mustReject).toBeUndefined();
          // The whole trajectory, unchanged, exactly once.
          expect(forwarded).toHaveLength(1);
          expect(forwarded[0].trajectory).toEqual(sent);
          expect(outcome.status).toBe('succeeded');
        }
        // Contrapositive, stated directly: anything the oracle flags is rejected.
        if (oracle.length) expect(outcome.status).toBe('rejected');
      }),
      { numRuns: 250 },
    );
    // The generator must exercise both sides.
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.rejected).toBeGreaterThan(10);
  });

  it('accepts safe time-parameterized trajectories from the current state (no over-rejection)', async () => {
    // A stricter oracle than the guard (bigger margins, finer sampling): what it passes, the guard must pass.
    const strict: OracleLimits = {
      ...hard,
      positionMargin: DEFAULT_SAFETY.positionMargin + 0.01,
      velocityFactor: 0.9,
      accelerationFactor: 0.9,
      maxStartDeviation: 0.04,
      armClearance: DEFAULT_SAFETY.armClearance + 0.01,
      toolClearance: DEFAULT_SAFETY.toolClearance + 0.01,
      // same split as the guard's default: everything mounted after the last arm link
      toolLinks: new Set([
        'panda_link8',
        'panda_hand',
        'panda_leftfinger',
        'panda_rightfinger',
        'panda_tcp',
        'tool0',
        'gripper_base',
        'gripper_finger_left',
        'gripper_finger_right',
        'tcp',
      ]),
      workspace: { min: [-0.29, -0.69, 0], max: [0.89, 0.69, 0.99] },
    };
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(scenario(m), async (s) => {
        const { fake, guard } = build(m, name, { ...s, corruption: { kind: 'none' }, strip: false });
        const start = fake.jointState().position;
        const waypoints = [start];
        for (const t of s.targets)
          waypoints.push(
            clamp(
              m,
              waypoints[waypoints.length - 1].map((x, i) => x + 0.6 * t[i]),
              0.05,
            ),
          );
        const traj = timeParameterize(waypoints, m);
        fc.pre(bruteForceViolations(traj, m, start, strict, fake.gripperPosition()).length === 0);
        const outcome = await guard.executeTrajectory(traj).done;
        expect(outcome, guard.lastRejection?.reason).toEqual({ status: 'succeeded', finalError: 0 });
        expect(fake.jointState().position).toEqual(traj.points[traj.points.length - 1].positions);
        accepted++;
      }),
      { numRuns: 60 },
    );
    expect(accepted).toBeGreaterThan(20);
  });
});

// --- stop, gripper, status, pass-through ------------------------------------------------------

const panda = models.panda;
const near = panda.home.map((x, i) => x + (i % 2 ? 0.2 : -0.2));
const manual = () => {
  const fake = FakeBackend.forModel(panda, { autoAdvance: false });
  return { fake, guard: new SafetyGuard(fake, panda) };
};

describe('SafetyGuard.stop()', () => {
  it('is forwarded synchronously when idle', async () => {
    const { fake, guard } = manual();
    const p = guard.stop();
    expect(fake.callsOf('stop')).toHaveLength(1);
    await p;
  });

  it('is forwarded while a trajectory executes, and preempts it', async () => {
    const { fake, guard } = manual();
    const ex = guard.executeTrajectory(timeParameterize([panda.home, near], panda));
    fake.advance(0.3);
    expect(guard.status().moving).toBe(true);
    const p = guard.stop();
    expect(fake.callsOf('stop')).toHaveLength(1);
    await p;
    expect(await ex.done).toEqual({ status: 'preempted', reason: 'stopped' });
    expect(guard.status().moving).toBe(false);
  });

  it('is forwarded while the gripper moves', async () => {
    const { fake, guard } = manual();
    const g = guard.gripper({ position: 0, maxEffort: 20 });
    await Promise.resolve();
    fake.advance(0.05);
    void guard.stop();
    expect(fake.callsOf('stop')).toHaveLength(1);
    const r = await g;
    expect(r.reachedGoal).toBe(false);
    expect(r.position).toBeGreaterThan(0);
  });

  it('is forwarded after a rejection, when disconnected, and when the inner state cannot be read', async () => {
    const { fake, guard } = manual();
    const bad = timeParameterize([panda.home, near], panda);
    bad.points[3].positions[0] = NaN;
    expect((await guard.executeTrajectory(bad).done).status).toBe('rejected');
    void guard.stop();
    fake.setPresence('not_connected');
    void guard.stop();
    expect(fake.callsOf('stop')).toHaveLength(2);
    // an inner backend whose state cannot be read: motion is refused, stop still goes through
    class Blind extends FakeBackend {
      override jointState(): JointState {
        throw new Error('no state');
      }
    }
    const blind = new Blind({ jointNames: panda.jointNames, position: panda.home, autoAdvance: false });
    const g2 = new SafetyGuard(blind, panda);
    const r = await g2.executeTrajectory(timeParameterize([panda.home, near], panda)).done;
    expect(r).toEqual({ status: 'rejected', reason: 'the current joint state is not available (no state)' });
    await g2.stop();
    expect(blind.callsOf('stop')).toHaveLength(1);
  });

  it('is forwarded at every step of any sequence of commands', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('execute', 'executeBad', 'gripper', 'advance', 'cancel', 'stop', 'wait'), { minLength: 1, maxLength: 12 }),
        async (actions) => {
          const { fake, guard } = manual();
          let ex: ReturnType<SafetyGuard['executeTrajectory']> | null = null;
          let stops = 0;
          for (const a of actions) {
            if (a === 'execute') {
              const q = fake.jointState().position;
              ex = guard.executeTrajectory(
                timeParameterize(
                  [
                    q,
                    clamp(
                      panda,
                      q.map((x) => x + 0.1),
                      0.05,
                    ),
                  ],
                  panda,
                ),
              );
            } else if (a === 'executeBad') {
              const t = timeParameterize([panda.home, near], panda);
              t.points[1].positions[1] = 10;
              ex = guard.executeTrajectory(t);
            } else if (a === 'gripper') void guard.gripper({ position: fake.gripperPosition() > 0.02 ? 0 : 0.04, maxEffort: 10 });
            else if (a === 'advance') fake.advance(0.2);
            else if (a === 'cancel') await ex?.cancel();
            else if (a === 'wait') await guard.wait(0.1);
            else {
              void guard.stop();
              stops++;
              expect(fake.callsOf('stop')).toHaveLength(stops);
              expect(guard.status().moving).toBe(false);
            }
          }
          void guard.stop();
          expect(fake.callsOf('stop')).toHaveLength(stops + 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('SafetyGuard.gripper()', () => {
  it('clamps position to [closed, open] and effort to the URDF limit, and reports what was sent', async () => {
    const { guard, fake } = manual();
    fake.autoAdvance = true;
    const wide = await guard.gripper({ position: 0.1, maxEffort: 500 });
    expect(wide.requested).toEqual({ position: 0.1, maxEffort: 500 });
    expect(wide.sent).toEqual({ position: 0.04, maxEffort: 100 });
    expect(wide.clamped).toBe(true);
    expect(fake.callsOf('gripper').at(-1)!.command).toEqual({ position: 0.04, maxEffort: 100 });
    const shut = await guard.gripper({ position: -0.02, maxEffort: -5 });
    expect(shut.sent).toEqual({ position: 0, maxEffort: 0 });
    expect(guard.lastSentGripper).toEqual({ position: 0, maxEffort: 0 });
    const ok = await guard.gripper({ position: 0.02, maxEffort: 30 });
    expect(ok).toMatchObject({ sent: { position: 0.02, maxEffort: 30 }, clamped: false, reachedGoal: true });
    expect(ok.position).toBeCloseTo(0.02, 9);
  });

  it('uses the limits of the robot it guards (UR5e gripper: 0.042 m, 80 N)', async () => {
    const ur = models.ur5e;
    const fake = FakeBackend.forModel(ur);
    const r = await new SafetyGuard(fake, ur).gripper({ position: 1, maxEffort: 1000 });
    expect(r.sent).toEqual({ position: 0.042, maxEffort: 80 });
  });

  it('sends nothing for a non-numeric command', async () => {
    const { guard, fake } = manual();
    const r = await guard.gripper({ position: NaN, maxEffort: 10 });
    expect(r.error).toMatch(/not sent/);
    expect(r.sent).toBeUndefined();
    expect(fake.callsOf('gripper')).toHaveLength(0);
  });
});

describe('SafetyGuard status and pass-through', () => {
  it('adds the last rejection to the inner problems, with a tip, and clears it on the next accepted motion', async () => {
    const fake = FakeBackend.forModel(panda);
    fake.setProblems([{ id: 'sim.slow', severity: 'info', message: 'sim is slow' }]);
    const guard = new SafetyGuard(fake, panda);
    const statuses: BackendStatus[] = [];
    const off = guard.onStatus((s) => statuses.push(s));
    const down = [0.37, 0.65, -0.16, -2.97, 0.17, 2.62, 2.2];
    const r = await guard.executeTrajectory(timeParameterize([panda.home, down], panda)).done;
    expect(r.status).toBe('rejected');
    const problems = guard.status().problems;
    expect(problems.map((p) => p.id)).toEqual(['sim.slow', 'safety.rejected']);
    expect(problems[1].message).toMatch(/^Motion refused for safety: .*below the table top/);
    expect(problems[1].tip).toMatch(/table/);
    expect(statuses.at(-1)!.problems.map((p) => p.id)).toContain('safety.rejected');
    // inner status events arrive merged too
    fake.setPresence('reconnecting');
    expect(statuses.at(-1)).toMatchObject({ presence: 'reconnecting' });
    expect(statuses.at(-1)!.problems.map((p) => p.id)).toContain('safety.rejected');
    fake.setPresence('connected');
    expect((await guard.executeTrajectory(timeParameterize([panda.home, near], panda)).done).status).toBe('succeeded');
    expect(guard.status().problems.map((p) => p.id)).toEqual(['sim.slow']);
    off();
    const n = statuses.length;
    fake.setPresence('reconnecting');
    expect(statuses).toHaveLength(n);
  });

  it('sends a private copy: changing the trajectory afterwards cannot change what runs', async () => {
    const { fake, guard } = manual();
    const traj = timeParameterize([panda.home, near], panda);
    const ex = guard.executeTrajectory(traj);
    traj.points[5].positions[0] = 3; // after validation
    expect(fake.activeTrajectory).not.toBe(traj);
    expect(fake.activeTrajectory!.points[5].positions[0]).not.toBe(3);
    fake.runUntilIdle();
    expect((await ex.done).status).toBe('succeeded');
  });

  it('refuses to wrap a backend for another robot', () => {
    expect(() => new SafetyGuard(FakeBackend.forModel(models.ur5e), panda)).toThrow(/do not match the robot model panda/);
  });

  it('rejects a config with readable errors', () => {
    expect(() => new SafetyGuard(FakeBackend.forModel(panda), panda, { workspace: { min: [0, 0, 0], max: [0, 1, 1] } })).toThrow(
      /workspace min must be below max/,
    );
  });

  it('passes everything else through', async () => {
    const fake = FakeBackend.forModel(panda, { presence: 'not_connected' });
    const guard = new SafetyGuard(fake, panda);
    expect(guard.kind).toBe('fake');
    expect(guard.capabilities).toBe(fake.capabilities);
    expect(guard.jointNames).toEqual(panda.jointNames);
    await guard.connect();
    expect(guard.status().presence).toBe('connected');
    const states: number[] = [];
    const off = guard.onJointState((s) => states.push(s.stamp));
    await guard.wait(0.1);
    off();
    expect(guard.now()).toBeCloseTo(0.1, 9);
    expect(states.length).toBeGreaterThan(0);
    expect(guard.jointState()).toEqual(fake.jointState());
    expect(guard.gripperPosition()).toBe(0.04);
    await guard.disconnect();
    expect(fake.calls.map((c) => c.method)).toEqual(['connect', 'wait', 'disconnect']);
  });

  it('check() validates against the measured state without moving', () => {
    const { fake, guard } = manual();
    expect(guard.check(timeParameterize([panda.home, near], panda)).ok).toBe(true);
    fake.setJointPositions(near);
    const r = guard.check(timeParameterize([panda.home, near], panda));
    expect(r.ok).toBe(false);
    expect(fake.callsOf('executeTrajectory')).toHaveLength(0);
  });
});
