/**
 * Which rclnodejs is installed and which ROS 2 it must match (what `shammie doctor` reports):
 * read from a node_modules tree and a sourced ROS 2 prefix laid out in a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRclnodejs, findRclnodejs, RCLNODEJS_VERSION_HINT } from '../../../robot-bridge/ros/rclnodejs-api.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tree(): { app: string; ros: string } {
  dir = mkdtempSync(join(tmpdir(), 'shammie-rcl-'));
  const pkg = join(dir, 'node_modules', 'rclnodejs');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'rclnodejs', version: '0.33.0' }));
  const app = join(dir, 'app', 'src');
  mkdirSync(app, { recursive: true });
  const ros = join(dir, 'opt', 'ros', 'jazzy');
  mkdirSync(join(ros, 'share', 'rcl'), { recursive: true });
  writeFileSync(
    join(ros, 'share', 'rcl', 'package.xml'),
    '<package format="3">\n  <name>rcl</name>\n  <version>9.2.0</version>\n</package>\n',
  );
  return { app, ros };
}

describe('findRclnodejs', () => {
  it('finds the release in a parent node_modules and the sourced rcl version', () => {
    const { app, ros } = tree();
    const found = findRclnodejs({ ROS_DISTRO: 'jazzy', AMENT_PREFIX_PATH: `/nonexistent:${ros}` }, [app]);
    expect(found).toMatchObject({ version: '0.33.0', rosDistro: 'jazzy', rcl: '9.2.0' });
    expect(describeRclnodejs(found)).toBe('rclnodejs 0.33.0; ROS 2 jazzy (rcl 9.2.0)');
  });

  it('nothing installed, nothing sourced: says so', () => {
    dir = mkdtempSync(join(tmpdir(), 'shammie-rcl-'));
    const found = findRclnodejs({}, [dir]);
    expect(found).toEqual({ version: null, path: null, rosDistro: null, rcl: null });
    expect(describeRclnodejs(found)).toMatch(/rclnodejs is not installed; no ROS 2 sourced \(ROS_DISTRO is not set\)/);
  });

  it('a package.json that is not rclnodejs is not taken for it', () => {
    const { app } = tree();
    writeFileSync(join(dir!, 'node_modules', 'rclnodejs', 'package.json'), '{"name":"other","version":"1.0.0"}');
    expect(findRclnodejs({}, [app]).version).toBeNull();
  });

  it('the hint says how to pick a release for the sourced ROS 2', () => {
    expect(RCLNODEJS_VERSION_HINT).toMatch(/rcl_timer_get_next_call_time/);
    expect(RCLNODEJS_VERSION_HINT).toMatch(/npm install rclnodejs@0\.33\.0/);
  });
});
