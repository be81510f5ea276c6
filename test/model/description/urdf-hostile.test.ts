/**
 * Hostile or sloppy robot descriptions (issue 13, item 8): missing and absurd joint limits are
 * refused unless the operator overrides (then slow, narrow stand-ins with a warning); size, tag,
 * nesting, link and chain caps keep parsing bounded; DOCTYPE/ENTITY is refused; every refusal is a
 * one-line UrdfError naming the file.
 */
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRobotModel, RobotModel } from '../../../model/description/robot-model.js';
import { LIMIT_BOUNDS, loadUrdf, MISSING_LIMIT_DEFAULTS, parseUrdf, URDF_CAPS, UrdfError } from '../../../model/description/urdf.js';

const INERTIAL = '<inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01"/></inertial>';
const robot = (joints: string, extra = '') =>
  `<?xml version="1.0"?>\n<robot name="t"><link name="base"/><link name="a">${INERTIAL}</link><link name="b">${INERTIAL}</link>${joints}${extra}</robot>`;
const joint = (name: string, type: string, parent: string, child: string, limit: string) =>
  `<joint name="${name}" type="${type}"><parent link="${parent}"/><child link="${child}"/><origin xyz="0 0 0.3"/><axis xyz="0 0 1"/>${limit}</joint>`;
const two = (type: string, limit: string) => robot(joint('j1', type, 'base', 'a', limit) + joint('j2', type, 'a', 'b', limit));

/** The refusal of `fn`: a UrdfError on one line, naming the file. */
function refusal(fn: () => unknown, file = 'bad.urdf'): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UrdfError);
  const msg = (caught as UrdfError).message;
  expect(msg).not.toMatch(/\n/);
  expect(msg).toContain(file);
  return msg;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'shammie-urdf-hostile-'));

describe('joint limits: missing ones are refused unless overridden', () => {
  it('all-continuous joints with no <limit> are refused, naming the joint, the fix and the override', () => {
    const text = two('continuous', '');
    const msg = refusal(() => parseUrdf(text, 'bad.urdf'));
    expect(msg).toMatch(/joint "j1" is continuous with no velocity limit/);
    expect(msg).toMatch(/add velocity=/);
    expect(msg).toMatch(/--allow-bad-limits/);
  });

  it('with the override they get the stated slow default and one warning per joint', () => {
    const d = parseUrdf(two('continuous', ''), 'ok.urdf', { allowBadLimits: true });
    expect(d.warnings).toHaveLength(2);
    expect(d.warnings[0]).toMatch(/joint "j1" .* using 0\.5 rad\/s \(--allow-bad-limits\)/);
    const m = new RobotModel(d);
    expect(m.arm.map((j) => j.velocity)).toEqual([MISSING_LIMIT_DEFAULTS.revoluteVelocity, MISSING_LIMIT_DEFAULTS.revoluteVelocity]);
    // Continuous joints still turn without end; the acceleration follows the stated default velocity.
    expect(m.arm[0].lower).toBe(-Infinity);
    expect(m.arm[0].acceleration).toBeCloseTo(2 * MISSING_LIMIT_DEFAULTS.revoluteVelocity);
    // A continuous joint that gives its velocity needs no override.
    expect(parseUrdf(two('continuous', '<limit velocity="1.5" effort="10"/>'), 'ok.urdf').warnings).toEqual([]);
  });

  it('a revolute joint with no position limits, or no velocity, is refused; the override uses ±π/2 rad', () => {
    const noPos = two('revolute', '<limit velocity="1" effort="1"/>');
    expect(refusal(() => parseUrdf(noPos, 'bad.urdf'))).toMatch(/joint "j1" is revolute with no lower and upper position limit/);
    const noVel = two('revolute', '<limit lower="-1" upper="1" effort="1"/>');
    expect(refusal(() => parseUrdf(noVel, 'bad.urdf'))).toMatch(/joint "j1" is revolute with no velocity limit/);
    const noUpper = two('revolute', '<limit lower="-1" velocity="1"/>');
    expect(refusal(() => parseUrdf(noUpper, 'bad.urdf'))).toMatch(/no upper position limit.*to use \[-1, 1\.57\] rad/);
    // A missing side never crosses the given one: lower 2 gets upper 2 + π/2.
    const high = parseUrdf(two('revolute', '<limit lower="2" velocity="1"/>'), 'ok.urdf', { allowBadLimits: true });
    expect(high.joints[0].limit?.upper).toBeCloseTo(2 + Math.PI / 2);

    const m = new RobotModel(parseUrdf(noPos, 'ok.urdf', { allowBadLimits: true }));
    expect(m.arm[0].lower).toBeCloseTo(-Math.PI / 2);
    expect(m.arm[0].upper).toBeCloseTo(Math.PI / 2);
    expect(m.arm[0].velocity).toBe(1);
    expect(m.description.warnings.join('\n')).toMatch(/using \[-1\.57, 1\.57\] rad/);
  });

  it('a prismatic joint with no <limit> is refused; the override uses 0..0.05 m at 0.05 m/s', () => {
    const text = two('prismatic', '');
    expect(refusal(() => parseUrdf(text, 'bad.urdf'))).toMatch(/joint "j1" is prismatic and needs a <limit>/);
    const m = new RobotModel(parseUrdf(text, 'ok.urdf', { allowBadLimits: true }));
    expect([m.arm[0].lower, m.arm[0].upper, m.arm[0].velocity]).toEqual([0, 0.05, 0.05]);
  });

  it('a description built without parseUrdf and missing a limit is refused, not given an invented speed', () => {
    const d = parseUrdf(two('continuous', '<limit velocity="1"/>'), 'handmade.urdf');
    delete d.joints[0].limit;
    expect(refusal(() => new RobotModel(d), 'handmade.urdf')).toMatch(/joint "j1" has no <limit>/);
  });
});

describe('joint limits: absurd ones are refused unless overridden', () => {
  it('±1e6 rad and 1e6 rad/s are refused; the override clamps them to the bounds', () => {
    const text = two('revolute', '<limit lower="-1e6" upper="1e6" velocity="1e6" effort="1"/>');
    const msg = refusal(() => parseUrdf(text, 'bad.urdf'));
    expect(msg).toMatch(/joint "j1" has position limits \[-1000000, 1000000\] rad, beyond ±12\.57 rad/);
    expect(msg).toMatch(/and 1 more problem/);
    const m = new RobotModel(parseUrdf(text, 'ok.urdf', { allowBadLimits: true }));
    expect(m.arm[0].lower).toBeCloseTo(-LIMIT_BOUNDS.revolutePosition);
    expect(m.arm[0].upper).toBeCloseTo(LIMIT_BOUNDS.revolutePosition);
    expect(m.arm[0].velocity).toBe(LIMIT_BOUNDS.revoluteVelocity);
    expect(m.description.warnings).toHaveLength(4);
  });

  it('the bounds sit where the comment says: 20 rad/s passes, 20.5 does not; ±2π (UR) passes', () => {
    expect(() => parseUrdf(two('revolute', '<limit lower="-6.2832" upper="6.2832" velocity="20"/>'), 'ok.urdf')).not.toThrow();
    expect(refusal(() => parseUrdf(two('continuous', '<limit velocity="20.5"/>'), 'bad.urdf'))).toMatch(
      /velocity limit 20\.5 rad\/s, beyond any arm's \(at most 20 rad\/s\)/,
    );
    expect(refusal(() => parseUrdf(two('revolute', '<limit lower="-13" upper="0" velocity="1"/>'), 'bad.urdf'))).toMatch(
      /beyond ±12\.57 rad/,
    );
  });

  it('a prismatic range of kilometers, a 100 m/s slide and a 1e6 rad/s² acceleration are refused', () => {
    expect(refusal(() => parseUrdf(two('prismatic', '<limit lower="0" upper="1000" velocity="0.1"/>'), 'bad.urdf'))).toMatch(
      /\[0, 1000\] m, beyond ±3 m/,
    );
    expect(refusal(() => parseUrdf(two('prismatic', '<limit lower="0" upper="0.1" velocity="100"/>'), 'bad.urdf'))).toMatch(
      /velocity limit 100 m\/s/,
    );
    const accel = two('revolute', '<limit lower="-1" upper="1" velocity="1"/>') // the extras ride inside <robot>
      .replace('</robot>', '<shammie><acceleration joint="j1" limit="1e6"/></shammie></robot>');
    expect(refusal(() => parseUrdf(accel, 'bad.urdf'))).toMatch(/acceleration limit 1000000 of joint "j1"/);
    expect(new RobotModel(parseUrdf(accel, 'ok.urdf', { allowBadLimits: true })).arm[0].acceleration).toBe(LIMIT_BOUNDS.acceleration);
  });

  it('coordinates of 1e306 in an origin, a geometry or a home pose are refused', () => {
    const far = two('revolute', '<limit lower="-1" upper="1" velocity="1"/>').replace('0 0 0.3', '0 0 1e306');
    expect(refusal(() => parseUrdf(far, 'bad.urdf'))).toMatch(/origin xyz: 0 0 1e\+306 is beyond ±100 m/);
    const big = two('revolute', '<limit lower="-1" upper="1" velocity="1"/>').replace(
      '</robot>',
      '<link name="c"><collision><geometry><sphere radius="1e306"/></geometry></collision></link></robot>',
    );
    expect(refusal(() => parseUrdf(big, 'bad.urdf'))).toMatch(/sphere radius: 1e\+306 m is outside/);
    const home = two('continuous', '<limit velocity="1"/>').replace('</robot>', '<shammie home="1e300 0"/></robot>');
    expect(refusal(() => parseUrdf(home, 'bad.urdf'))).toMatch(/<shammie home> must be numbers within ±12\.57/);
  });

  it('the shipped arms pass every check with no warning', () => {
    for (const name of ['panda', 'ur5e']) expect(loadRobotModel(name).description.warnings).toEqual([]);
  });
});

describe('hostile files: bounded, refused on one line', () => {
  it('a DOCTYPE with an external entity (XXE) is refused before parsing, and so are internal entities', () => {
    const xxe = robot(joint('j1', 'continuous', 'base', 'a', '<limit velocity="1"/>')).replace(
      '<robot name="t">',
      '<!DOCTYPE robot [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n<robot name="&xxe;">',
    );
    expect(refusal(() => parseUrdf(xxe, 'bad.urdf'))).toMatch(/<!DOCTYPE> or <!ENTITY> declaration is refused.*remove it/);
    const laughs = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><robot name="&b;"/>`;
    expect(refusal(() => parseUrdf(laughs, 'bad.urdf'))).toMatch(/<!ENTITY> declaration is refused/);
  });

  it('nesting deeper than the cap is refused by name (5,000 levels; 100,000 trips the tag cap first)', () => {
    const nest = (n: number) => `<robot name="d"><link name="a"/>${'<x>'.repeat(n)}${'</x>'.repeat(n)}</robot>`;
    expect(refusal(() => parseUrdf(nest(5000), 'bad.urdf'))).toMatch(/nest deeper than 16 levels/);
    expect(refusal(() => parseUrdf(nest(100_000), 'bad.urdf'))).toMatch(/more than 20000 XML tags/);
    // 9 levels (deeper than any URDF element) are fine.
    const ok = two('continuous', '<limit velocity="1"/>').replace('</robot>', `${'<x>'.repeat(8)}${'</x>'.repeat(8)}</robot>`);
    expect(() => parseUrdf(ok, 'ok.urdf')).not.toThrow();
  });

  it('a 17 MB file is refused from its size, without reading it, in well under a second', () => {
    const f = join(tmp(), 'huge.urdf');
    const fd = openSync(f, 'w');
    ftruncateSync(fd, 17 * 1024 * 1024); // sparse: the size is what is checked
    closeSync(fd);
    const t = performance.now();
    expect(refusal(() => loadRobotModel(f), f)).toMatch(/17\.0 MB is over the 2\.0 MB limit for a URDF/);
    expect(performance.now() - t).toBeLessThan(1000);
    // The same cap holds for text that arrives without a file (robot_description from the robot).
    expect(refusal(() => parseUrdf(' '.repeat(URDF_CAPS.bytes + 1), 'robot_description'), 'robot_description')).toMatch(/over the 2\.0 MB/);
  });

  it('a many-joint file like the 17 MB reproduction is refused by the link cap, with what to do', () => {
    const links = Array.from({ length: 200 }, (_, i) => `<link name="l${i}"/>`).join('');
    const joints = Array.from({ length: 199 }, (_, i) => joint(`j${i}`, 'fixed', `l${i}`, `l${i + 1}`, '')).join('');
    expect(refusal(() => parseUrdf(`<robot name="r">${links}${joints}</robot>`, 'bad.urdf'))).toMatch(
      /200 <link> elements, over the limit of 64/,
    );
  });

  it('a chain deeper than the cap, and a loop of joints detached from the root, are refused (the loop used to hang)', () => {
    const n = URDF_CAPS.chain + 2;
    const links = Array.from({ length: n }, (_, i) => `<link name="l${i}"/>`).join('');
    const chain = Array.from({ length: n - 1 }, (_, i) =>
      joint(`j${i}`, 'revolute', `l${i}`, `l${i + 1}`, '<limit lower="-1" upper="1" velocity="1"/>'),
    ).join('');
    expect(refusal(() => parseUrdf(`<robot name="r">${links}${chain}</robot>`, 'bad.urdf'))).toMatch(/more than 32 joints from the root/);
    // base alone; a -> b -> a is a loop, c hangs off it. Each link has one parent, so one root.
    const loop = `<robot name="r"><link name="base"/><link name="a"/><link name="b"/><link name="c"/>${joint('j1', 'continuous', 'a', 'b', '<limit velocity="1"/>')}${joint('j2', 'continuous', 'b', 'a', '<limit velocity="1"/>')}${joint('j3', 'continuous', 'a', 'c', '<limit velocity="1"/>')}</robot>`;
    expect(refusal(() => new RobotModel(parseUrdf(loop, 'bad.urdf')))).toMatch(/form a loop/);
  });

  it('too many collision elements are refused (each becomes spheres checked pair by pair)', () => {
    const box = '<collision><geometry><box size="0.1 0.1 0.1"/></geometry></collision>';
    const links = Array.from({ length: 8 }, (_, i) => `<link name="l${i}">${box.repeat(20)}</link>`).join('');
    const joints = Array.from({ length: 7 }, (_, i) => joint(`j${i}`, 'fixed', `l${i}`, `l${i + 1}`, '')).join('');
    expect(refusal(() => parseUrdf(`<robot name="r">${links}${joints}</robot>`, 'bad.urdf'))).toMatch(/more than 128 <collision> elements/);
  });

  it('what is within the caps parses in bounded time (the worst shapes: one huge attribute, the most tags)', () => {
    const arm = two('continuous', '<limit velocity="1"/>');
    const hugeAttr = arm.replace('<link name="base"/>', `<link name="base" junk="${'x'.repeat(URDF_CAPS.bytes - 2000)}"/>`);
    const manyTags = arm.replace('</robot>', Array.from({ length: URDF_CAPS.tags - 50 }, (_, i) => `<k a="${i}"/>`).join('') + '</robot>');
    for (const text of [hugeAttr, manyTags]) {
      const t = performance.now();
      expect(parseUrdf(text, 'ok.urdf').joints).toHaveLength(2);
      // Measured about 0.4 s on the 2-core machine; a generous bound that a regression to minutes fails.
      expect(performance.now() - t).toBeLessThan(5000);
    }
  });

  it('only regular files are read: /dev/zero or a folder is refused instead of read forever', () => {
    expect(refusal(() => loadUrdf('/dev/zero'), '/dev/zero')).toMatch(/not a regular file/);
    const dir = join(tmp(), 'robot.urdf');
    mkdirSync(dir);
    expect(refusal(() => loadUrdf(dir), dir)).toMatch(/not a regular file/);
  });

  it('text quoted back from the file is clipped to one short line', () => {
    const evil = two('continuous', '<limit velocity="1"/>').replace('type="continuous"', `type="hinge\n${'x'.repeat(10_000)}"`);
    const msg = refusal(() => parseUrdf(evil, 'bad.urdf'));
    expect(msg).toMatch(/has type "hinge x+\.\.\."/);
    expect(msg.length).toBeLessThan(300);
    const name = robot('').replace('<link name="a">', `<link name="${'n'.repeat(500)}">`);
    expect(refusal(() => parseUrdf(name, 'bad.urdf'))).toMatch(/a <link> has no name, or one over 200 characters/);
  });

  it('a refused file on disk is named in the message', () => {
    const f = join(tmp(), 'cont.urdf');
    writeFileSync(f, two('continuous', ''));
    expect(refusal(() => loadRobotModel(f), f)).toMatch(/cont\.urdf: joint "j1" is continuous with no velocity limit/);
    expect(loadRobotModel(f, { allowBadLimits: true }).dof).toBe(2);
  });
});
