/** Launch profiles: the shipped ones validate; env interpolation; errors name the field. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../session/app.js';
import { loadProfile, parseProfile, ProfileError, shippedProfiles } from '../../session/profile.js';

describe('launch profiles', () => {
  it('ships sim, ros2-rosbridge, ros2-rclnodejs and ros1-rosbridge, all valid', () => {
    expect(shippedProfiles()).toEqual(['ros1-rosbridge', 'ros2-rclnodejs', 'ros2-rosbridge', 'sim']);
    expect(loadProfile('sim', {})).toMatchObject({ backend: 'sim' });
    expect(loadProfile('ros2-rosbridge', {})).toMatchObject({
      backend: 'rosbridge',
      urdf: 'panda',
      scene: 'giftbag',
      ros: {
        dialect: 'ros2',
        url: 'ws://localhost:9090',
        jointStates: '/joint_states',
        trajectoryAction: '/joint_trajectory_controller/follow_joint_trajectory',
        speedScale: 1,
        gripper: { mode: 'action' },
      },
    });
    expect(loadProfile('ros2-rclnodejs', {})).toMatchObject({ backend: 'rclnodejs', ros: { dialect: 'ros2' } });
    expect(loadProfile('ros1-rosbridge', {})).toMatchObject({
      backend: 'rosbridge',
      ros: { dialect: 'ros1', trajectoryAction: '/arm_controller/follow_joint_trajectory' },
    });
  });

  it('reads ${VAR} and ${VAR:-default} from the environment', () => {
    expect(loadProfile('ros2-rosbridge', { ROSBRIDGE_URL: 'ws://robot:9091' }).ros!.url).toBe('ws://robot:9091');
    expect(() => parseProfile('backend: rosbridge\nurl: ${NOPE}\n', 'p.yaml', {})).toThrow(/\$\{NOPE\} is not set/);
  });

  it('takes a path; relative URDF and scene paths are relative to the profile file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-profile-'));
    const f = join(dir, 'lab-arm.yaml');
    writeFileSync(
      f,
      'backend: rosbridge\nurl: ws://10.0.0.5:9090\nrobot: {urdf: arm.urdf}\nscene: lab.json\njoints: {prefix: "left_"}\ntrajectory: {speedScale: 0.5}\n',
    );
    const p = loadProfile(f);
    expect(p).toMatchObject({
      name: 'lab-arm',
      urdf: join(dir, 'arm.urdf'),
      scene: join(dir, 'lab.json'),
      ros: { jointPrefix: 'left_', speedScale: 0.5 },
    });
  });

  it.each([
    ['backend: robot\n', /backend/],
    ['backend: rosbridge\nfrobnicate: 1\n', /frobnicate/],
    ['backend: rosbridge\ntrajectory: {speedScale: 1.5}\n', /trajectory\.speedScale/],
    ['backend: rosbridge\njoints: {states: "not a name!"}\n', /joints\.states/],
    ['backend: rclnodejs\nros: 1\n', /ROS 2 only/],
    ['backend: rosbridge\nsafety: {velocityFactor: 3}\n', /velocityFactor/],
    ['backend: [\n', /not valid YAML/],
  ])('refuses %j with a message naming the problem', (text, msg) => {
    expect(() => parseProfile(text, 'bad.yaml', {})).toThrow(msg);
    expect(() => parseProfile(text, 'bad.yaml', {})).toThrow(ProfileError);
  });

  it('an unknown name lists the shipped profiles', () => {
    expect(() => loadProfile('ros3')).toThrow(/unknown profile "ros3".*ros2-rosbridge/);
  });

  it('createApp with the sim profile is the usual sim app', async () => {
    const app = await createApp({ profile: 'sim' });
    try {
      expect(app.sim).toBeDefined();
      expect(app.robot.kind).toBe('sim');
      expect(app.profile.name).toBe('sim');
    } finally {
      await app.dispose();
    }
  });
});
