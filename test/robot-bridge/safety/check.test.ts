import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { timeParameterize } from '../../../skills/trajectory/index.js';
import {
  checkTrajectory,
  DEFAULT_SAFETY,
  defaultToolLinks,
  lowestLinkPoints,
  parseSafetyConfig,
  SafetyConfigError,
  type CheckResult,
} from '../../../robot-bridge/safety/index.js';
import type { JointTrajectory } from '../../../robot-bridge/types.js';

const panda = loadRobotModel('panda');
const ur5e = loadRobotModel('ur5e');

const home = panda.home;
const near = home.map((x, i) => x + (i % 2 ? 0.2 : -0.15));
const good = () => timeParameterize([home, near], panda);

function reasonOf(r: CheckResult): string {
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
}

describe('checkTrajectory', () => {
  it('accepts a time-parameterized move from the current state', () => {
    expect(checkTrajectory(good(), panda, {}, home)).toEqual({ ok: true });
    expect(checkTrajectory(timeParameterize([ur5e.home, ur5e.home.map((x) => x + 0.2)], ur5e), ur5e, DEFAULT_SAFETY, ur5e.home)).toEqual({
      ok: true,
    });
  });

  it('accepts a single-point trajectory at the current state (a zero-length move)', () => {
    expect(checkTrajectory(timeParameterize([home], panda), panda, {}, home).ok).toBe(true);
  });

  it('rejects wrong joint names, saying which', () => {
    const t = good();
    const r = checkTrajectory({ ...t, jointNames: t.jointNames.map((n) => n.replace('panda_', 'fr3_')) }, panda, {}, home);
    expect(reasonOf(r)).toMatch(/missing panda_joint1.*unknown fr3_joint1/);
    const swapped = [...t.jointNames];
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    expect(reasonOf(checkTrajectory({ ...t, jointNames: swapped }, panda, {}, home))).toMatch(/different order/);
  });

  it('rejects empty, malformed and non-finite trajectories', () => {
    expect(reasonOf(checkTrajectory({ jointNames: panda.jointNames, points: [] }, panda, {}, home))).toBe('the trajectory has no points');
    const t = good();
    t.points[3].positions = t.points[3].positions.slice(0, 6);
    expect(reasonOf(checkTrajectory(t, panda, {}, home))).toMatch(/point 3 has 6 positions but the arm has 7 joints/);
    const n = good();
    n.points[5].positions[2] = NaN;
    expect(reasonOf(checkTrajectory(n, panda, {}, home))).toMatch(/point 5 has a non-finite position for panda_joint3 \(NaN\)/);
    const v = good();
    v.points[2].velocities![0] = Infinity;
    expect(reasonOf(checkTrajectory(v, panda, {}, home))).toMatch(/non-finite velocity for panda_joint1/);
    const tt = good();
    tt.points[4].timeFromStart = NaN;
    expect(reasonOf(checkTrajectory(tt, panda, {}, home))).toMatch(/non-finite time/);
  });

  it('stays quick on absurd input', () => {
    const t: JointTrajectory = {
      jointNames: panda.jointNames,
      points: [
        { positions: home, timeFromStart: 0 },
        { positions: home.map(() => 1e9), timeFromStart: 1 },
      ],
    };
    const t0 = performance.now();
    expect(reasonOf(checkTrajectory(t, panda, {}, home))).toMatch(/beyond its limit/);
    expect(performance.now() - t0).toBeLessThan(2000);
    const typed = {
      jointNames: panda.jointNames,
      points: [{ positions: new Float64Array(home) as unknown as number[], timeFromStart: 0 }],
    };
    expect(reasonOf(checkTrajectory(typed, panda, {}, home))).toBe('point 0: positions must be an array of 7 numbers (got Float64Array)');
  });

  it('rejects time that goes backwards or stands still', () => {
    const t = good();
    [t.points[4].timeFromStart, t.points[5].timeFromStart] = [t.points[5].timeFromStart, t.points[4].timeFromStart];
    expect(reasonOf(checkTrajectory(t, panda, {}, home))).toMatch(/time goes backwards at point 5/);
    const s = good();
    s.points[6].timeFromStart = s.points[5].timeFromStart;
    expect(reasonOf(checkTrajectory(s, panda, {}, home))).toMatch(/time does not advance at point 6/);
  });

  it('rejects a start away from the measured state', () => {
    const here = home.map((x, i) => (i === 2 ? x + 0.2 : x));
    expect(reasonOf(checkTrajectory(good(), panda, {}, here))).toMatch(
      /^the trajectory starts 0\.20 rad away from where panda_joint3 is now \(0\.00 rad instead of 0\.20 rad\); it must start within 0\.05 rad/,
    );
    expect(
      checkTrajectory(
        good(),
        panda,
        {},
        home.map((x) => x + 0.04),
      ).ok,
    ).toBe(true);
    expect(reasonOf(checkTrajectory(good(), panda, {}, [1, 2]))).toMatch(/current joint state is unknown/);
  });

  it('rejects positions beyond a limit, and inside the margin, in words', () => {
    const lo = panda.arm[3].lower;
    const beyond = timeParameterize([home, home.map((x, i) => (i === 3 ? lo : x))], panda);
    beyond.points[beyond.points.length - 1].positions[3] = -3.1; // past -3.0718
    const r = checkTrajectory(beyond, panda, {}, home);
    expect(reasonOf(r)).toMatch(/^panda_joint4 would reach -3\.10 rad at t=\d+\.\d\d s, beyond its limit -3\.07 rad \(margin 0\.02\)/);
    const inside = timeParameterize([home, home.map((x, i) => (i === 3 ? lo + 0.01 : x))], panda);
    expect(reasonOf(checkTrajectory(inside, panda, {}, home))).toMatch(
      /panda_joint4 would reach -3\.06 rad .* inside the 0\.02 rad safety margin of its limit -3\.07 rad/,
    );
    expect(checkTrajectory(inside, panda, { positionMargin: 0.005 }, home).ok).toBe(true);
  });

  it('rejects speed and acceleration above factor × limit, from given values and from finite differences', () => {
    const fast = timeParameterize([home, near], panda, { velocityScale: 1, accelerationScale: 1 });
    const r = checkTrajectory(fast, panda, {}, home);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations.some((v) => v.kind === 'velocity_limit' || v.kind === 'acceleration_limit')).toBe(true);

    // velocities omitted: finite differences still see it
    const noV: JointTrajectory = { ...fast, points: fast.points.map((p) => ({ positions: p.positions, timeFromStart: p.timeFromStart })) };
    expect(checkTrajectory(noV, panda, {}, home).ok).toBe(false);

    // a lie in the velocity field
    const lie = good();
    lie.points[5].velocities![1] = 2.5;
    expect(reasonOf(checkTrajectory(lie, panda, {}, home))).toMatch(
      /panda_joint2 would move at 2\.50 rad\/s at t=\d+\.\d\d s, faster than its limit 2\.07 rad\/s \(95% of 2\.17 rad\/s\)/,
    );

    // a position spike
    const spike = good();
    spike.points[10].positions[0] += 0.04;
    const rs = checkTrajectory(spike, panda, {}, home);
    expect(rs.ok).toBe(false);
    if (!rs.ok) expect(rs.violations.map((v) => v.kind)).toContain('acceleration_limit');
    expect(reasonOf(rs)).toMatch(/panda_joint1 would (move|accelerate) at/);

    // slow motion is fine even with sparse points and no velocities
    const slow: JointTrajectory = {
      jointNames: panda.jointNames,
      points: [
        { positions: home, timeFromStart: 0 },
        { positions: near, timeFromStart: 5 },
      ],
    };
    expect(checkTrajectory(slow, panda, {}, home).ok).toBe(true);
  });

  it('treats a trajectory that ends at speed as an acceleration spike', () => {
    const t = good();
    t.points = t.points.slice(0, Math.floor(t.points.length / 2));
    const r = checkTrajectory(t, panda, {}, home);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations[0].kind).toBe('acceleration_limit');
  });

  it('rejects going into the table, naming the link and the depth', () => {
    // Shoulder forward, elbow folded: the hand ends up under the table top.
    const down = [0.37, 0.65, -0.16, -2.97, 0.17, 2.62, 2.2];
    expect(Math.min(...lowestLinkPoints(panda, down).values())).toBeLessThan(-0.05);
    const r = checkTrajectory(timeParameterize([home, down], panda), panda, {}, home);
    expect(reasonOf(r)).toMatch(/^panda_\w+ would go 0\.\d{3} m below the table top at t=\d+\.\d\d s/);
  });

  it('lets the fingers come close to the table but keeps arm links further away', () => {
    expect(defaultToolLinks(panda).sort()).toEqual(['panda_hand', 'panda_leftfinger', 'panda_link8', 'panda_rightfinger', 'panda_tcp']);
    expect(defaultToolLinks(ur5e).sort()).toEqual(['gripper_base', 'gripper_finger_left', 'gripper_finger_right', 'tcp', 'tool0']);
    // The hand pointing down, fingertips a few cm above the table, the arm well above them.
    const low = [0.2, -0.02, -0.09, -2.85, 0.09, 2.13, 1.54];
    const at = (q: number[]): JointTrajectory => ({ jointNames: panda.jointNames, points: [{ positions: q, timeFromStart: 0 }] });
    const z = lowestLinkPoints(panda, low);
    const fingerZ = Math.min(z.get('panda_leftfinger')!, z.get('panda_rightfinger')!);
    const armZ = Math.min(...[...z].filter(([l]) => !defaultToolLinks(panda).includes(l)).map(([, v]) => v));
    expect(armZ - fingerZ).toBeGreaterThan(0.05);
    // Raise the table until the fingers are 2 mm above it: refused at the 3 mm tool clearance, fine at 4 mm.
    const r = checkTrajectory(at(low), panda, { tableZ: fingerZ - 0.002 }, low);
    expect(reasonOf(r)).toMatch(
      /panda_(left|right)finger would come within 0\.002 m of the table top .*\(it must stay 0\.003 m above it\)/,
    );
    expect(checkTrajectory(at(low), panda, { tableZ: fingerZ - 0.004 }, low).ok).toBe(true);
    // Arm links need the larger clearance (0.02 m by default): 1 cm is fine for a finger, not for an arm link.
    expect(checkTrajectory(at(low), panda, { tableZ: fingerZ - 0.01 }, low).ok).toBe(true);
    const r2 = checkTrajectory(at(low), panda, { tableZ: fingerZ - 0.01, toolLinks: [] }, low);
    expect(reasonOf(r2)).toMatch(
      /panda_(left|right)finger would come within 0\.010 m of the table top .*\(it must stay 0\.020 m above it\)/,
    );
  });

  it('checks the geometry between points that are far apart', () => {
    // Both ends are well above the table; the joint-space straight line between them is not.
    const A = [-0.222, -0.927, 3.075, -1.737, -2.061, -0.884];
    const B = [0.01, -2.255, 2.862, -2.759, -2.312, -0.352];
    const sparse: JointTrajectory = {
      jointNames: ur5e.jointNames,
      points: [
        { positions: A, timeFromStart: 0 },
        { positions: B, timeFromStart: 20 },
      ],
    };
    expect(Math.min(...lowestLinkPoints(ur5e, A).values())).toBeGreaterThan(0.05);
    expect(Math.min(...lowestLinkPoints(ur5e, B).values())).toBeGreaterThan(0.05);
    expect(checkTrajectory(sparse, ur5e, { interpolationStep: 100 }, A).ok).toBe(true);
    expect(reasonOf(checkTrajectory(sparse, ur5e, {}, A))).toMatch(/would go 0\.\d+ m below the table top at t=\d+\.\d\d s/);
  });

  it('keeps the tool centre inside the workspace box', () => {
    const t = good();
    const end = panda.tipPose(t.points[t.points.length - 1].positions);
    const r = checkTrajectory(t, panda, { workspace: { min: [-0.3, -0.7, -0.01], max: [end[12] - 0.05, 0.7, 1] } }, home);
    expect(reasonOf(r)).toMatch(/^the gripper would leave the workspace \(x \d\.\d\d m > \d\.\d\d m\) at t=\d+\.\d\d s/);
  });

  it('reports every problem, the most explanatory first', () => {
    const t = good();
    t.points[10].positions[1] = 5;
    const r = checkTrajectory(t, panda, {}, home);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.violations[0].kind).toBe('position_limit');
    expect(r.reason).toMatch(/; and \d+ more problems$/);
    const kinds = new Set(r.violations.map((v) => v.kind));
    for (const k of ['position_limit', 'velocity_limit', 'acceleration_limit', 'table']) expect(kinds).toContain(k);
  });
});

describe('safety config', () => {
  it('has sensible defaults', () => {
    expect(DEFAULT_SAFETY).toEqual({
      positionMargin: 0.02,
      velocityFactor: 0.95,
      accelerationFactor: 0.95,
      maxStartDeviation: 0.05,
      tableZ: 0,
      armClearance: 0.02,
      toolClearance: 0.003,
      workspace: { min: [-0.3, -0.7, -0.01], max: [0.9, 0.7, 1.0] },
      interpolationStep: 0.02,
    });
    expect(Object.isFrozen(DEFAULT_SAFETY.workspace.min)).toBe(true);
    expect(parseSafetyConfig({ ...DEFAULT_SAFETY, tableZ: 0.01 }).tableZ).toBe(0.01);
  });

  it('refuses nonsense with a readable message', () => {
    expect(() => parseSafetyConfig({ velocityFactor: 1.5 })).toThrow(SafetyConfigError);
    expect(() => parseSafetyConfig({ velocityFactor: 1.5 })).toThrow(/velocityFactor/);
    expect(() => parseSafetyConfig({ workspace: { min: [1, 0, 0], max: [0, 1, 1] } })).toThrow(/workspace min must be below max/);
    expect(() => parseSafetyConfig({ tableZ: NaN })).toThrow(/tableZ/);
  });
});
