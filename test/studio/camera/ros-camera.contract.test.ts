/**
 * RosCamera against the rosbridge v2 test server (test/robot-bridge/ros): a real arm's film
 * camera is a sensor_msgs/CompressedImage topic read through the robot's own RosbridgeBackend
 * link. PNG payloads are stored as they are, JPEG ones are converted with ffmpeg; a capture
 * takes a fresh image (never one sent before it asked) and leaves no subscription behind.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile } from '../../../session/profile.js';
import { decodeCompressedImage, DEFAULT_CAMERA, RosCamera } from '../../../studio/camera/index.js';
import { isPng, pngSize, testPattern } from '../../../studio/png.js';
import { rig, sleep, until, type Rig } from '../../robot-bridge/ros/rig.js';

const TOPIC = '/wrist_camera/image_raw/compressed';
let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) await r.dispose();
  rigs = [];
});

async function camera(dialect: 'ros1' | 'ros2' = 'ros2', timeout = 2) {
  const r = await rig({ dialect });
  rigs.push(r);
  const cam = new RosCamera({ transport: r.backend.transport, dialect, config: { ...DEFAULT_CAMERA, topic: TOPIC, timeout } });
  return { r, cam };
}

/** Publish `data` on the camera topic as soon as the camera subscribed. */
async function publishWhenSubscribed(r: Rig, msg: Record<string, unknown>): Promise<void> {
  await until(() => r.server.subscribers(TOPIC) > 0, 3000, 'the camera to subscribe');
  await sleep(20);
  r.server.publish(TOPIC, { header: { stamp: { sec: 1, nanosec: 0 }, frame_id: 'wrist_camera' }, ...msg });
}

function jpeg(width: number, height: number): Buffer {
  const out = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-f',
      'png_pipe',
      '-i',
      'pipe:0',
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      'pipe:1',
    ],
    { input: testPattern(width, height, 5) },
  );
  if (out.status !== 0) throw new Error(`ffmpeg could not make a JPEG: ${out.stderr.toString()}`);
  return out.stdout;
}

describe('RosCamera over rosbridge (contract)', () => {
  it('stores a PNG image as it is, subscribing with the ROS 2 type, and unsubscribes after the picture', async () => {
    const { r, cam } = await camera();
    const png = testPattern(320, 180, 3);
    const shot = cam.capture();
    await publishWhenSubscribed(r, { format: 'png', data: png.toString('base64') });
    const img = await shot;
    expect(img).toMatchObject({ width: 320, height: 180 });
    expect(Buffer.compare(img.png, png)).toBe(0);
    expect(r.server.ops('subscribe').find((m) => m.topic === TOPIC)).toMatchObject({ type: 'sensor_msgs/msg/CompressedImage' });
    await until(() => r.server.subscribers(TOPIC) === 0, 2000, 'the camera to unsubscribe');
    expect(cam.status()).toMatchObject({ available: true });
    expect(cam.status().message).toMatch(/last picture 320×180/);
    expect(cam.info).toMatchObject({ kind: 'ros', topic: TOPIC });
  });

  it('converts a JPEG image to PNG with ffmpeg (the format is read from the bytes, not the format string)', async () => {
    const { r, cam } = await camera();
    const shot = cam.capture();
    await publishWhenSubscribed(r, { format: 'rgb8; png compressed', data: jpeg(320, 240).toString('base64') });
    const img = await shot;
    expect(isPng(img.png)).toBe(true);
    expect(pngSize(img.png)).toEqual({ width: 320, height: 240 });
  });

  it('takes an image sent after it asked, not one sent before; ROS 1 uses the ROS 1 type name', async () => {
    const { r, cam } = await camera('ros1');
    r.server.declareTopic(TOPIC, 'sensor_msgs/CompressedImage');
    r.server.publish(TOPIC, { format: 'png', data: testPattern(64, 48, 1).toString('base64') }); // nobody listens yet
    const shot = cam.capture();
    await publishWhenSubscribed(r, { format: 'png', data: testPattern(80, 60, 2).toString('base64') });
    expect(pngSize((await shot).png)).toEqual({ width: 80, height: 60 });
    expect(r.server.ops('subscribe').find((m) => m.topic === TOPIC)).toMatchObject({ type: 'sensor_msgs/CompressedImage' });
  });

  it('fails with what to check: no image in time, an image that is neither PNG nor JPEG, no link', async () => {
    const { r, cam } = await camera('ros2', 0.3);
    await expect(cam.capture()).rejects.toThrow(
      `no image arrived on ${TOPIC} within 0.3 s: check that the camera driver publishes sensor_msgs/CompressedImage there (ros2 topic hz ${TOPIC})`,
    );
    expect(cam.status().hint).toMatch(/ros2 topic hz/);
    await until(() => r.server.subscribers(TOPIC) === 0, 2000, 'the camera to unsubscribe');

    const shot = cam.capture();
    await publishWhenSubscribed(r, { format: 'bmp', data: Buffer.from('BM this is a bitmap, honest').toString('base64') });
    await expect(shot).rejects.toThrow(/neither PNG nor JPEG/);

    const bad = cam.capture();
    await publishWhenSubscribed(r, { format: 'png', data: 'not base64 at all!' });
    await expect(bad).rejects.toThrow(/unusable: data is not base64/);

    await r.backend.disconnect();
    await expect(cam.capture()).rejects.toThrow(/not connected to the robot/);
    expect(cam.status()).toMatchObject({ available: false });
  });

  it('decodes the data as rosbridge (base64) and rclnodejs (bytes) deliver it, and refuses the rest', () => {
    const png = testPattern(16, 16, 0);
    expect(decodeCompressedImage({ data: png.toString('base64') })).toEqual(png);
    expect(decodeCompressedImage({ data: new Uint8Array(png) })).toEqual(png);
    expect(decodeCompressedImage({ data: [...png] })).toEqual(png);
    expect(decodeCompressedImage({ data: [1, 2, 300] })).toMatch(/not bytes/);
    expect(decodeCompressedImage({})).toMatch(/no image data/);
    expect(decodeCompressedImage(null)).toMatch(/not a message/);
    expect(decodeCompressedImage({ data: '' })).toMatch(/empty/);
  });

  it('is configured in the launch profile (studio.camera), zod-checked', () => {
    const yaml = (camera: string) => `backend: rosbridge\nurl: ws://robot:9090\nstudio:\n  camera: ${camera}\n`;
    const p = parseProfile(yaml(`{ topic: ${TOPIC}, fovY: 60 }`));
    expect(p.studio?.camera).toMatchObject({
      topic: TOPIC,
      fovY: 60,
      width: 960,
      height: 540,
      offset: { position: [0, 0, 0.03], quaternion: [0, 0, 0, 1] },
      timeout: 8,
    });
    expect(() => parseProfile(yaml('{ topic: "not a topic!" }'))).toThrow(/studio\.camera\.topic: must be a ROS name/);
    expect(() => parseProfile(yaml('{ fovY: 400 }'))).toThrow(/studio\.camera\.fovY/);
    expect(() => parseProfile(yaml('{ lens: wide }'))).toThrow(/studio\.camera/);
    expect(() => parseProfile(yaml('{ offset: { quaternion: [0, 0, 0, 2] } }'))).toThrow(/unit quaternion/);
    expect(parseProfile('backend: sim\n').studio).toBeUndefined();
  });
});
