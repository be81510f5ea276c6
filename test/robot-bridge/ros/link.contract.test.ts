/**
 * The link: why a connection fails (each with its own hint), losing it mid-motion (a failed
 * step, never resumed, the robot told to stop once the link is back), reconnecting with
 * backoff, and a rosbridge that restarts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RosConnectionError } from '../../../robot-bridge/ros/ros-backend.js';
import { RosbridgeBackend } from '../../../robot-bridge/ros/rosbridge-backend.js';
import type { BackendStatus } from '../../../robot-bridge/types.js';
import { nudge, panda, rig, sleep, until, type Rig } from './rig.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

const connectError = async (url: string): Promise<RosConnectionError> => {
  const b = new RosbridgeBackend({ model: panda, config: { url, timeouts: { connect: 1 } } });
  const err = await b.connect().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RosConnectionError);
  expect(b.status().presence).toBe('error');
  expect(b.status().problems[0]).toMatchObject({ id: 'ros.link', severity: 'error' });
  return err as RosConnectionError;
};

describe('connection failures, each with a specific hint', () => {
  it('a URL that is not a WebSocket URL', async () => {
    const err = await connectError('http://localhost:9090');
    expect(err.kind).toBe('bad_url');
    expect(err.hint).toMatch(/Wrong URL.*ws:\/\//);
  });

  it('rosbridge not running (connection refused)', async () => {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((res) => probe.close(res));
    const err = await connectError(`ws://127.0.0.1:${port}`);
    expect(err.kind).toBe('refused');
    expect(err.hint).toMatch(/rosbridge is not running.*rosbridge_websocket_launch/);
  });

  it('something other than rosbridge at that address (wrong port)', async () => {
    const http: Server = createServer((_q, res) => res.end('hello'));
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((res) => http.listen(0, '127.0.0.1', res));
    try {
      const err = await connectError(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
      expect(err.kind).toBe('not_rosbridge');
      expect(err.hint).toMatch(/Wrong URL: something that is not rosbridge/);
    } finally {
      http.closeAllConnections();
      await new Promise((res) => http.close(res));
    }
  });
});

describe('losing the link', () => {
  it('mid-motion: the step fails, nothing resumes, and the robot is told to stop once the link is back', async () => {
    r = await rig({ config: { reconnect: { initial: 0.2 } } });
    const statuses: BackendStatus[] = [];
    r.backend.onStatus((s) => statuses.push(s));
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.1, 3));
    await until(() => r!.robot.goals.length === 1, 1000, 'the goal');
    await sleep(200);
    r.server.dropClients();
    const outcome = await ex.done;
    expect(outcome).toMatchObject({
      status: 'aborted',
      reason: expect.stringMatching(/lost the connection to the robot mid-motion.*nothing will be resumed/) as unknown,
    });
    expect(r.backend.status().presence).toBe('reconnecting');
    expect(r.backend.status().problems.map((p) => p.id)).toEqual(expect.arrayContaining(['ros.link', 'ros.motion.interrupted']));
    expect(r.backend.status().problems.find((p) => p.id === 'ros.link')!.tip).toMatch(/rosbridge/);
    // Back: the first thing sent is "cancel every goal"; the old goal is never sent again.
    const cancelsBefore = r.robot.cancelAllCount;
    await until(() => r!.backend.status().presence === 'connected', 3000, 'reconnection');
    await until(() => r!.robot.cancelAllCount > cancelsBefore, 1000, 'the stop after reconnecting');
    expect(r.robot.goals).toHaveLength(1);
    expect(statuses.map((s) => s.presence)).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
    expect(r.backend.status().problems.map((p) => p.id)).toContain('ros.motion.interrupted');
    // Usable again; the next accepted motion clears the warning.
    await r.backend.waitForJointStates(1);
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
    expect(r.backend.status().problems.map((p) => p.id)).not.toContain('ros.motion.interrupted');
  });

  it('a stop while the link is down is delivered when it comes back', async () => {
    r = await rig({ config: { reconnect: { initial: 0.3 } } });
    r.server.dropClients();
    await until(() => r!.backend.status().presence === 'reconnecting', 1000, 'reconnecting');
    await r.backend.stop();
    const before = r.robot.cancelAllCount;
    await until(() => r!.backend.status().presence === 'connected', 3000, 'reconnection');
    await until(() => r!.robot.cancelAllCount > before, 1000, 'the stop');
  });

  it('rosbridge restarts: retries with backoff, then subscriptions come back', async () => {
    r = await rig({ config: { reconnect: { initial: 0.05, max: 0.2 } } });
    const port = r.server.port;
    const subsBefore = r.server.ops('subscribe').length;
    await r.server.stop();
    await until(
      () => /attempt [3-9]/.test(r!.backend.status().problems.find((p) => p.id === 'ros.link')?.message ?? ''),
      3000,
      'several attempts',
    );
    expect(await r.backend.executeTrajectory(nudge(r.backend)).done).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/not connected/) as unknown,
    });
    await r.server.start(port);
    await until(() => r!.backend.status().presence === 'connected', 3000, 'reconnection');
    const received = r.backend.jointStateCounts.received;
    await until(() => r!.backend.jointStateCounts.received > received + 5, 2000, 'joint states again');
    expect(r.server.ops('subscribe').length).toBeGreaterThan(subsBefore);
    expect(r.backend.status().problems.map((p) => p.id)).not.toContain('ros.link');
  });

  it('disconnect() stops retrying', async () => {
    r = await rig();
    await r.server.stop();
    await until(() => r!.backend.status().presence === 'reconnecting', 1000, 'reconnecting');
    await r.backend.disconnect();
    expect(r.backend.status().presence).toBe('not_connected');
    await r.server.start(r.server.port);
    await sleep(400);
    expect(r.server.clientCount).toBe(0);
  });
});
