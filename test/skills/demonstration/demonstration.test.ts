// Demonstrations: validation with plain reasons, pause trimming, gripper events, recording.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { DemonstrationRecorder, loadDemonstration, processDemonstration, type Demonstration } from '../../../skills/demonstration/index.js';
import { timeParameterize } from '../../../skills/trajectory/index.js';
import { FakeBackend } from '../../fakes/fake-backend.js';

const model = loadRobotModel('panda');
const home = model.home;

/**
 * Joint-space demo at `rate` Hz: rest for `pause` s, move joints 1 and 2 by 0.4 and 0.3 rad
 * (× amp; minimum jerk) over `move` s, rest again. Gripper open, optionally closing at `closeAt` s.
 */
function demo(o: { pause?: number; move?: number; rate?: number; closeAt?: number; amp?: number } = {}): Demonstration {
  const pause = o.pause ?? 0.5,
    move = o.move ?? 2,
    rate = o.rate ?? 100,
    amp = o.amp ?? 1;
  const samples: Demonstration['samples'] = [];
  for (let k = 0, n = Math.round((2 * pause + move) * rate); k <= n; k++) {
    const t = k / rate,
      u = Math.min(1, Math.max(0, (t - pause) / move)),
      s = u * u * u * (10 - 15 * u + 6 * u * u);
    const q = home.map((v, i) => (i === 0 ? v + 0.4 * amp * s : i === 1 ? v + 0.3 * amp * s : v));
    samples.push({ t: 10 + t, q, gripper: o.closeAt !== undefined && t >= o.closeAt ? 0 : 0.04 });
  }
  return { format: 'shammie-demonstration', version: 1, robot: 'panda', jointNames: [...model.jointNames], rate, samples };
}

const refused = (d: unknown) => {
  try {
    processDemonstration(d, model);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('demonstrations', () => {
  it('trims the pauses at both ends (keeping 0.1 s of rest) and resamples at a constant rate', () => {
    const p = processDemonstration(demo({ pause: 0.8, move: 2 }), model);
    expect(p.dt).toBeCloseTo(0.01, 9);
    // Minimum jerk creeps at first: the speed threshold cuts a little of the motion's ends too.
    expect(p.trimmed.start).toBeGreaterThan(0.7);
    expect(p.trimmed.start).toBeLessThan(1.0);
    expect(p.trimmed.end).toBeCloseTo(p.trimmed.start, 1);
    expect(p.duration).toBeGreaterThan(1.8);
    expect(p.duration).toBeLessThan(2.2);
    expect(p.q[0][0]).toBeCloseTo(home[0], 2);
    expect(p.q[p.q.length - 1][0]).toBeCloseTo(home[0] + 0.4, 2);
    expect(p.gripper).toEqual({ initial: 'open', events: [] });
  });

  it('keeps gripper open/close events (moved to the motion when they happen in a trimmed pause)', () => {
    const mid = processDemonstration(demo({ closeAt: 1.5 }), model);
    expect(mid.gripper?.events).toHaveLength(1);
    expect(mid.gripper?.events[0]).toMatchObject({ action: 'close', position: 0 });
    expect(mid.gripper!.events[0].t).toBeCloseTo(1.5 - mid.trimmed.start, 1);
    const late = processDemonstration(demo({ closeAt: 2.9 }), model);
    expect(late.gripper?.events[0].t).toBeCloseTo(late.duration, 6);
  });

  it('accepts joint columns in another order', () => {
    const d = demo();
    const order = [6, 5, 4, 3, 2, 1, 0];
    const shuffled = {
      ...d,
      jointNames: order.map((i) => d.jointNames[i]),
      samples: d.samples.map((s) => ({ ...s, q: order.map((i) => s.q[i]) })),
    };
    const p = processDemonstration(shuffled, model);
    expect(p.jointNames).toEqual(model.jointNames);
    expect(p.q[p.q.length - 1][0]).toBeCloseTo(home[0] + 0.4, 2);
    expect(p.notes.join(' ')).toMatch(/reordered/);
  });

  it('refuses malformed demonstrations with a clear reason', () => {
    const d = demo();
    const withQ = (k: number, i: number, v: number) => ({
      ...d,
      samples: d.samples.map((s, j) => (j === k ? { ...s, q: s.q.map((x, m) => (m === i ? v : x)) } : s)),
    });
    expect(refused(demo({ move: 0.2, amp: 0.1 }))).toMatch(/too short: only 0\.\d+ s of motion/);
    expect(refused({ ...d, samples: d.samples.map((s) => ({ ...s, q: home })) })).toMatch(/did not move/);
    expect(refused(withQ(40, 3, NaN))).toMatch(/samples\[40\]\.q\[3\]: expected a finite number/);
    expect(refused(withQ(40, 3, Infinity))).toMatch(/samples\[40\]\.q\[3\]/);
    expect(refused(withQ(120, 1, home[1] + 0.5))).toMatch(/panda_joint2 jumps 0\.\d+ rad .* beyond its 2\.175 rad\/s limit/);
    expect(refused({ ...d, jointNames: d.jointNames.map((n, i) => (i === 2 ? 'elbow' : n)) })).toMatch(
      /missing panda_joint3.*unknown elbow/,
    );
    expect(refused({ ...d, robot: 'ur5e' })).toMatch(/recorded on "ur5e" but this arm is "panda"/);
    expect(refused({ ...d, samples: d.samples.map((s, k) => (k === 50 ? { ...s, t: d.samples[49].t } : s)) })).toMatch(
      /sample 50 .* is not after sample 49/,
    );
    expect(refused(withQ(60, 3, -0.01))).toMatch(/panda_joint4 = -0\.010 rad is outside its limits/);
    expect(refused({ ...d, samples: d.samples.map((s) => ({ ...s, q: s.q.slice(0, 6) })) })).toMatch(/has 6 joint values; panda has 7/);
    expect(refused({ ...d, format: 'other' })).toMatch(/format/);
    expect(refused({ ...d, samples: d.samples.slice(0, 1) })).toMatch(/at least 2 samples/);
  });

  it('loads demonstration files and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-demo-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(demo()));
    writeFileSync(join(dir, 'bad.json'), '{"format": ');
    expect(loadDemonstration(join(dir, 'ok.json')).samples.length).toBeGreaterThan(100);
    expect(() => loadDemonstration(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/);
    expect(() => loadDemonstration(join(dir, 'missing.json'))).toThrow(/no such file/);
  });

  it("reads a recording saved from the console's Teach panel (repeated times dropped, rate from the spacing)", () => {
    const d = demo({ rate: 50, closeAt: 2.8 });
    const t0 = d.samples[0].t;
    const samples = d.samples.map((x) => ({ t: x.t - t0, q: x.q, gripper: x.gripper! }));
    samples.splice(40, 0, { ...samples[40] }); // two samples in one frame
    const recording = {
      format: 'shammie.recording',
      version: 1,
      name: 'orbit',
      robot: 'panda',
      createdAt: '2026-11-26T08:00:00.000Z',
      source: 'console: kinesthetic teaching in the sim',
      jointNames: [...model.jointNames],
      gripperJoint: 'panda_finger_joint1',
      samples,
    };
    const p = processDemonstration(recording, model);
    const q = processDemonstration(d, model);
    // The same motion as the demonstration it was recorded from (times from 0 instead of 10 s).
    expect(p.q.length).toBe(q.q.length);
    expect(Math.max(...p.q.flatMap((row, k) => row.map((v, i) => Math.abs(v - q.q[k][i]))))).toBeLessThan(1e-9);
    expect(p.gripper?.events.map((e) => e.action)).toEqual(['close']);
    expect(p.notes).toEqual([]);
    expect(refused({ ...recording, robot: 'ur5e' })).toMatch(/recorded on "ur5e"/);
  });

  it('records a demonstration from a backend joint-state stream', async () => {
    const backend = FakeBackend.forModel(model, { autoAdvance: false });
    const rec = new DemonstrationRecorder(backend, { robot: model.name, rate: 50 });
    rec.start();
    backend.advance(0.4); // rest
    const goal = home.map((v, i) => (i === 0 ? v + 0.5 : v));
    const exec = backend.executeTrajectory(timeParameterize([home, goal], model, { velocityScale: 0.3, accelerationScale: 0.3 }));
    backend.runUntilIdle();
    await exec.done;
    backend.setGripperPosition(0.01);
    backend.advance(0.4);
    const d = rec.stop();
    expect(rec.recording).toBe(false);
    expect(d.jointNames).toEqual(model.jointNames);
    expect(d.samples[0].q).toEqual(home);
    // 50 Hz on the backend clock (which ticks at 100 Hz).
    expect(d.samples[1].t - d.samples[0].t).toBeCloseTo(0.02, 6);
    expect(d.samples[d.samples.length - 1].gripper).toBe(0.01);
    const p = processDemonstration(d, model);
    expect(p.q[p.q.length - 1][0]).toBeCloseTo(home[0] + 0.5, 3);
    expect(p.gripper?.events.map((e) => e.action)).toEqual(['close']);
  });
});
