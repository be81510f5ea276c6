/**
 * Hostile or sloppy robot descriptions through the `shammie` command (issue 13, item 8): each is
 * refused with one clean line naming the file (exit 2, no stack trace), and --allow-bad-limits
 * runs a limit-less arm with its stated defaults printed as warnings.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'launch', 'bin', 'shammie.js');
const ENV = { ...process.env, SHAMMIE_DATA: mkdtempSync(join(tmpdir(), 'shammie-data-')) };
const shammie = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: ENV });
const dir = mkdtempSync(join(tmpdir(), 'shammie-urdf-cli-'));
const script = join(dir, 'go.txt');
writeFileSync(script, 'go home\n');

const INERTIAL = '<inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01"/></inertial>';
/** A two-joint arm whose joints have the given type and <limit> (or none). */
function arm(type: string, limit: string, head = '<?xml version="1.0"?>', name = 't'): string {
  const j = (n: string, p: string, c: string, xyz: string, axis: string) =>
    `<joint name="${n}" type="${type}"><parent link="${p}"/><child link="${c}"/><origin xyz="${xyz}"/><axis xyz="${axis}"/>${limit}</joint>`;
  return `${head}\n<robot name="${name}"><link name="base"/><link name="a">${INERTIAL}</link><link name="b">${INERTIAL}</link>${j('j1', 'base', 'a', '0 0 0.3', '0 0 1')}${j('j2', 'a', 'b', '0.3 0 0', '0 1 0')}</robot>\n`;
}
function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** Exit 2 and exactly one stderr line, naming the file and matching `msg`; nothing on stdout. */
function refusedCleanly(r: ReturnType<typeof shammie>, f: string, msg: RegExp) {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^shammie: \[urdf\] /);
  expect(lines[0]).toContain(f);
  expect(lines[0]).toMatch(msg);
  expect(r.stderr).not.toMatch(/unexpected error|\bat .*\.(ts|js):\d+/);
}

describe('shammie with a hostile or sloppy URDF', () => {
  // Each case spawns the CLI once (a few seconds under load), so each is its own test.
  it.each([
    [
      'XXE',
      arm(
        'continuous',
        '<limit velocity="1"/>',
        '<?xml version="1.0"?>\n<!DOCTYPE robot [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
        '&xxe;',
      ),
      /<!DOCTYPE> or <!ENTITY> declaration is refused/,
    ],
    ['deep', `<robot name="d"><link name="a"/>${'<x>'.repeat(5000)}${'</x>'.repeat(5000)}</robot>`, /nest deeper than 16 levels/],
    ['continuous', arm('continuous', ''), /joint "j1" is continuous with no velocity limit.*--allow-bad-limits/],
    [
      'absurd',
      arm('revolute', '<limit lower="-1e6" upper="1e6" velocity="1e6" effort="1"/>'),
      /position limits \[-1000000, 1000000\] rad, beyond ±12\.57 rad/,
    ],
  ])('run refuses the %s URDF with one clean line', (name, text, msg) => {
    const f = file(`${name}.urdf`, text);
    refusedCleanly(shammie('run', '--robot', f, script), f, msg);
  });

  it('start refuses before it listens', () => {
    const cont = file('cont-start.urdf', arm('continuous', ''));
    refusedCleanly(shammie('start', '--robot', cont, '--port', '0'), cont, /no velocity limit/);
  });

  it('--allow-bad-limits runs the limit-less arm at the stated default and warns once per joint', () => {
    const cont = file('cont-ok.urdf', arm('continuous', ''));
    const r = shammie('run', '--robot', cont, '--allow-bad-limits', '--json', script);
    expect(r.status).toBe(0);
    const warns = r.stderr.trimEnd().split('\n');
    expect(warns).toEqual([
      `shammie: warn ${cont}: joint "j1" is continuous with no velocity limit; using 0.5 rad/s (--allow-bad-limits)`,
      `shammie: warn ${cont}: joint "j2" is continuous with no velocity limit; using 0.5 rad/s (--allow-bad-limits)`,
    ]);
    // stdout stays one JSON document.
    expect((JSON.parse(r.stdout) as { robot: string }).robot).toBe('t');
  });
});
