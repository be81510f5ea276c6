/**
 * The link: why a connection fails (each with its own hint, the endpoint named once), losing it
 * mid-motion (a failed step, never resumed; the controller keeps running the goal, as a real
 * rosbridge does not cancel a gone client's goals; the cancel of that goal, by id, is the first
 * thing sent when the link is back), reconnecting with backoff, and a rosbridge that restarts.
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
  // The failure says where, once: not "cannot connect to URL: cannot connect to URL: …".
  const first = (err as Error).message.split('\n')[0];
  expect(first.split(url).length - 1, first).toBeLessThanOrEqual(1);
  expect(first.match(/cannot connect/g)?.length ?? 0, first).toBeLessThanOrEqual(1);
  expect(b.status().problems[0].message.match(/cannot connect/g)?.length ?? 0).toBeLessThanOrEqual(1);
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
  it('mid-motion: the step fails, nothing resumes, and the cancel of our goal is the first thing sent when the link is back', async () => {
    r = await rig({ config: { reconnect: { initial: 0.2 } } });
    const statuses: BackendStatus[] = [];
    r.backend.onStatus((s) => statuses.push(s));
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.1, 3));
    await until(() => r!.robot.goals.length === 1, 1000, 'the goal');
    await sleep(200);
    const ourId = r.robot.goalIds[0];
    r.server.dropClients();
    const outcome = await ex.done;
    expect(outcome).toMatchObject({
      status: 'aborted',
      reason: expect.stringMatching(/lost the connection to the robot mid-motion.*nothing will be resumed/) as unknown,
    });
    expect(r.backend.status().presence).toBe('reconnecting');
    expect(r.backend.status().problems.map((p) => p.id)).toEqual(expect.arrayContaining(['ros.link', 'ros.motion.interrupted']));
    expect(r.backend.status().problems.find((p) => p.id === 'ros.link')!.tip).toMatch(/rosbridge/);
    // Back: the very first op on the new link cancels our goal, by id; the goal is never sent again.
    await until(() => r!.backend.status().presence === 'connected', 3000, 'reconnection');
    await until(() => r!.robot.cancelRequests.some((c) => c.id === ourId), 1000, 'the cancel after reconnecting');
    expect(r.server.opsOn(2)[0]).toMatchObject({ op: 'cancel_action_goal', id: ourId });
    expect(r.robot.cancelAllCount).toBe(0);
    expect(r.robot.goals).toHaveLength(1);
    expect(statuses.map((s) => s.presence)).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
    expect(r.backend.status().problems.map((p) => p.id)).toContain('ros.motion.interrupted');
    // Usable again; the next accepted motion clears the warning.
    await r.backend.waitForJointStates(1);
    expect((await r.backend.executeTrajectory(nudge(r.backend)).done).status).toBe('succeeded');
    expect(r.backend.status().problems.map((p) => p.id)).not.toContain('ros.motion.interrupted');
  });

  it('ROS 1 mid-motion: the cancel goes first on the new link, latched, so it lands although rosbridge drops the first publishes', async () => {
    // A ROS 1 rosbridge loses what a client publishes in the first few hundred ms after an
    // advertise; here 400 ms. Before: an empty cancel at 0, 300 and 1000 ms, the first two lost.
    r = await rig({ dialect: 'ros1', server: { advertiseDropMs: 400 }, config: { reconnect: { initial: 0.2 }, timeouts: { goalAck: 2 } } });
    const ns = r.robot.trajectoryAction;
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.1, 4));
    await until(() => r!.robot.goalIds.length === 1, 3000, 'the goal');
    await sleep(200);
    const ourId = r.robot.goalIds[0];
    r.server.dropClients();
    expect((await ex.done).status).toBe('aborted');
    await until(() => r!.server.connections === 2 && r!.server.opsOn(2).length > 0, 3000, 'the new link');
    const first = r.server.opsOn(2).slice(0, 2);
    expect(first).toEqual([
      expect.objectContaining({ op: 'advertise', topic: `${ns}/cancel`, type: 'actionlib_msgs/GoalID', latch: true }),
      expect.objectContaining({ op: 'publish', topic: `${ns}/cancel`, msg: { id: ourId, stamp: { secs: 0, nsecs: 0 } } }),
    ]);
    const linkBack = r.server.frames.find((f) => f.conn === 2)!.at;
    await until(() => r!.robot.cancelRequests.some((c) => c.id === ourId), 2000, 'the cancel to land');
    const landed = r.robot.cancelRequests.find((c) => c.id === ourId)!;
    expect(landed.cancelled).toEqual([ourId]); // the goal was still running: the controller had kept it
    expect(landed.at - linkBack).toBeLessThan(700); // the drop window, not the 1 s resend
    expect(r.robot.cancelAllCount).toBe(0);
  });

  it('a stop while the link is down cancels our goal, by id, when it comes back', async () => {
    r = await rig({ config: { reconnect: { initial: 0.3 } } });
    const ex = r.backend.executeTrajectory(nudge(r.backend, 0.1, 3));
    await until(() => r!.robot.goalIds.length === 1, 1000, 'the goal');
    const ourId = r.robot.goalIds[0];
    r.server.dropClients();
    await until(() => r!.backend.status().presence === 'reconnecting', 1000, 'reconnecting');
    expect((await ex.done).status).toBe('aborted');
    await r.backend.stop();
    await until(() => r!.backend.status().presence === 'connected', 3000, 'reconnection');
    await until(() => r!.robot.cancelRequests.some((c) => c.id === ourId && c.cancelled.length === 1), 1000, 'the stop');
    expect(r.robot.cancelAllCount).toBe(0);
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
