/**
 * Teaching a motion skill from a demonstration recorded in the console (the Teach panel's
 * "Show it to the robot"): the `demonstrate` request saves the recording and gives it to the
 * session, as `!demo FILE` does in scripts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer, type TestClient, type TestServer } from './ws-client.js';

const DEMO = join(import.meta.dirname, '../../skills/demonstration/examples/track-hulk.json');

describe('console demonstrations', () => {
  let dataDir: string;
  let c: TestClient;
  const samples = (JSON.parse(readFileSync(DEMO, 'utf8')) as { samples: { t: number; q: number[]; gripper: number }[] }).samples;
  const robotSays = async (from: number) => (await c.next('dialogue', (m) => m.entry.role === 'robot', 20_000, from)).entry.text;

  let t: TestServer;
  beforeAll(async () => {
    t = await openTestServer({ app: { scene: 'stopmotion' }, server: { voice: false } });
    ({ dataDir, c } = t);
  }, 60_000);

  afterAll(() => t?.close());

  it('without a teaching in progress the robot asks what to learn; the recording is still saved', async () => {
    const from = c.mark();
    c.send({ type: 'demonstrate', name: 'orbit take 1', samples: samples.slice(0, 200) });
    expect(await robotSays(from)).toMatch(/Say what I should learn first/);
    expect(existsSync(join(dataDir, 'recordings'))).toBe(true);
  });

  it('"I\'ll show you how to track around the hulk", the recording, "that\'s it": track(target) is learned and previews around the tower', async () => {
    let from = c.mark();
    c.send({ type: 'say', text: "I'll show you how to track around the hulk" });
    expect(await robotSays(from)).toMatch(/show me how to track/);
    from = c.mark();
    c.send({ type: 'demonstrate', name: 'track take 2', samples });
    expect((await c.next('recording_saved', () => true, 10_000, from)).samples).toBe(samples.length);
    expect(await robotSays(from)).toMatch(/Got it: [\d.]+ s of motion/);
    expect((await c.next('dialogue', (m) => m.entry.kind === 'demo', 5000, from)).entry.text).toMatch(
      /showed the demonstration "track.take.2"/,
    );
    from = c.mark();
    c.send({ type: 'say', text: "that's it" });
    expect(await robotSays(from)).toMatch(/learned track\(target\)/);
    from = c.mark();
    c.send({ type: 'say', text: 'track around the tower' });
    const preview = await c.next('preview', () => true, 20_000, from);
    expect(preview.preview.planText).toBe('track(TOWER)');
    expect(preview.preview.safe).toBe(true);
  }, 60_000);

  it('a malformed recording is refused with the reason, and nothing is learned', async () => {
    let from = c.mark();
    c.send({ type: 'say', text: "I'll show you how to spin around the hulk" });
    await robotSays(from);
    from = c.mark();
    // A jump of 1.5 rad in 20 ms: far beyond the joint velocity limits.
    const bad = samples.slice(0, 100).map((s, i) => (i === 50 ? { ...s, q: s.q.map((v, j) => (j === 0 ? v + 1.5 : v)) } : s));
    c.send({ type: 'demonstrate', name: 'bad take', samples: bad });
    expect(await robotSays(from)).toMatch(/can't learn from that demonstration: .*(velocity|jump)/i);
    c.send({ type: 'cancel' });
  }, 30_000);
});
