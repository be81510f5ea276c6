/**
 * The studio extension on a ROS profile, against the rosbridge v2 test server: the camera comes
 * from the profile's `studio.camera.topic` and is read through the robot's own link; a profile
 * without a topic gets a camera that says how to set one.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../session/app.js';
import type { ConsoleHub } from '../../server/hub.js';
import { StudioExtension } from '../../server/studio.js';
import type { StudioHooks } from '../../session/session.js';
import { DEFAULT_CAMERA, MissingCamera, RosCamera } from '../../studio/camera/index.js';
import { pngSize, testPattern } from '../../studio/png.js';
import { KinematicChain } from '../../skills/kinematics/index.js';
import { panda, rig, sleep, until, type Rig } from '../robot-bridge/ros/rig.js';

const TOPIC = '/wrist_camera/image_raw/compressed';
let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) await r.dispose();
  rigs = [];
});

/** The parts of the hub (and its app) the studio extension uses, over a ROS robot. */
function fakeHub(r: Rig, topic?: string) {
  const sessionHooks: { studio: StudioHooks | null } = { studio: null };
  const app = {
    profile: { name: 'ros2-rosbridge', studio: { camera: { ...DEFAULT_CAMERA, ...(topic ? { topic } : {}) } } },
    robot: r.backend,
    backend: r.backend,
    ik: { chain: new KinematicChain(panda) },
    scene: { name: 'giftbag' },
    session: {
      frameMove: null,
      useStudio(h: StudioHooks | null) {
        sessionHooks.studio = h;
      },
      subscribe() {
        return () => undefined;
      },
    },
  } as unknown as App;
  const sent: unknown[] = [];
  const hub = {
    app,
    clients: new Set(),
    sendTo: (_ws: unknown, m: unknown) => sent.push(m),
    broadcast: (m: unknown) => sent.push(m),
    addEntry: () => undefined,
  } as unknown as ConsoleHub;
  return { hub, sent, sessionHooks };
}

describe('the studio on a ROS profile (contract)', () => {
  it("reads the profile's CompressedImage topic through the robot link and stores the frame", async () => {
    const r = await rig({ dialect: 'ros2' });
    rigs.push(r);
    const dataDir = mkdtempSync(join(tmpdir(), 'shammie-studio-ros-'));
    const { hub, sessionHooks } = fakeHub(r, TOPIC);
    const ext = new StudioExtension(hub, { dataDir });
    expect(ext.controller.camera).toBeInstanceOf(RosCamera);
    expect(sessionHooks.studio).toBe(ext.controller);
    expect(ext.stateMessage().studio.camera).toMatchObject({ kind: 'ros', topic: TOPIC, status: { available: true } });
    const shot = sessionHooks.studio!.shoot({ posedBy: 'track(TOWER)' });
    await until(() => r.server.subscribers(TOPIC) > 0, 3000, 'the camera to subscribe');
    await sleep(20);
    r.server.publish(TOPIC, {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: 'wrist_camera' },
      format: 'png',
      data: testPattern(200, 150, 1).toString('base64'),
    });
    expect(await shot).toMatch(/^Frame 1 saved\. It is the first frame of a new film, "film-/);
    const film = ext.controller.film!;
    expect(film.frames()[0]).toMatchObject({ skill: 'track(TOWER)', width: 200, height: 150 });
    expect(pngSize(readFileSync(film.framePath(1)))).toEqual({ width: 200, height: 150 });
    ext.dispose();
    expect(sessionHooks.studio).toBeNull();
  });

  it('without a camera topic, every shot says how to configure one', async () => {
    const r = await rig({ dialect: 'ros2' });
    rigs.push(r);
    const dataDir = mkdtempSync(join(tmpdir(), 'shammie-studio-ros-'));
    const { hub, sessionHooks } = fakeHub(r);
    const ext = new StudioExtension(hub, { dataDir });
    expect(ext.controller.camera).toBeInstanceOf(MissingCamera);
    expect(ext.stateMessage().studio.camera.status).toMatchObject({
      available: false,
      hint: expect.stringMatching(/studio\.camera\.topic/) as unknown,
    });
    await expect(sessionHooks.studio!.shoot({ posedBy: null })).rejects.toThrow(
      /the launch profile "ros2-rosbridge" names no camera: set studio\.camera\.topic in the profile/,
    );
    expect(existsSync(join(dataDir, 'studio'))).toBe(false); // no picture, no film
    expect(ext.controller.film).toBeNull();
  });
});
