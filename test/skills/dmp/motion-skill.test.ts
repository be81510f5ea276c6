// Learned motion skills on the Panda in the stop-motion scene: demonstration → DMP → stored in the
// library → track(target) compiled like a primitive, re-targeted, and every trajectory safe.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTrajectory, DEFAULT_SAFETY } from '../../../robot-bridge/safety/index.js';
import { loadDemonstration, processDemonstration } from '../../../skills/demonstration/index.js';
import { SkillLibrary } from '../../../skills/library/library.js';
import {
  compileMotionSkill,
  motionSkillData,
  motionSkillDefinition,
  motionSkillFromDemonstration,
  MotionTeaching,
  type CompiledMotionSkill,
} from '../../../skills/motion-skills.js';
import { compilePlan, createSkillRegistry, SkillFailure, type ArmState } from '../../../skills/primitives.js';
import { loadScene } from '../../../sim/scene.js';
import { STOPMOTION, stopMotion } from './helpers.js';

const rest = (q: number[]): ArmState => ({ q: [...q], gripper: 0, held: null, lastTouched: null });

/** Every trajectory of a compiled step passes the independent safety check, chained start to end. */
function expectSafe(c: Pick<CompiledMotionSkill, 'motions'>, q0: number[]): void {
  const { model } = stopMotion();
  let q = q0;
  for (const m of c.motions) {
    if (m.kind !== 'trajectory') continue;
    const r = checkTrajectory(m.trajectory, model, DEFAULT_SAFETY, q);
    expect(r.ok, `${m.label}: ${r.ok ? '' : r.reason}`).toBe(true);
    q = m.trajectory.points[m.trajectory.points.length - 1].positions;
  }
}

describe('learned motion skills', () => {
  it('the stop-motion scene is valid and the robot knows TOWER, HULK and LOKI', () => {
    const scene = loadScene(STOPMOTION);
    expect(scene.name).toBe('stopmotion');
    expect(scene.known.map((k) => k.name).sort()).toEqual(['HULK', 'LOKI', 'TOWER']);
    expect(scene.known.every((k) => k.description.length > 10)).toBe(true);
    expect(scene.jitter).toBe(0); // a film set must not move between takes
  });

  it('learns track from a demonstration, stores it in the library, and re-targets it safely', () => {
    const { model, ctx, demo, hulk } = stopMotion();
    const skill = motionSkillFromDemonstration({ name: 'track', model, demonstrations: demo });
    expect(skill.params).toEqual([{ name: 'target', type: 'entity', description: expect.any(String) as unknown }]);
    const data = motionSkillData(skill);
    expect(data.frame.reference).toEqual({ entity: 'HULK', position: hulk });
    expect(data.start).toBe('relative');

    // Through the library file and back: the skill is plain JSON data.
    const lib = SkillLibrary.open(mkdtempSync(join(tmpdir(), 'shammie-dmp-')));
    lib.addMotion(skill);
    const stored = SkillLibrary.open(lib.path.replace(/\/library\.json$/, '')).motions()[0];
    expect(stored.name).toBe('track');

    // track(TOWER) from home: the goal is the demo's goal relative to HULK, moved to TOWER.
    const tower = ctx.world.position('TOWER');
    const c = compileMotionSkill(stored, { target: 'TOWER' }, ctx, rest(model.home));
    const expected = [0, 1, 2].map((i) => data.dmp.goal.position[i] - hulk[i] + tower[i]);
    expect(c.dmp.goal.position.map((v) => +v.toFixed(9))).toEqual(expected.map((v) => +v.toFixed(9)));
    const end = ctx.ik.chain.pose(c.end.q);
    expect(Math.hypot(...end.position.map((v, i) => v - expected[i]))).toBeLessThan(0.002);
    expect(c.motions.map((m) => m.label)).toEqual(['move to the start of track TOWER', 'track TOWER']);
    expect(c.targetAt).toEqual({ entity: 'TOWER', position: tower });
    expect(c.end.lastTouched).toBe('TOWER');
    expect(c.dmp.path.length).toBeGreaterThan(10);
    expectSafe(c, model.home);

    // Replayed on HULK from the end of the demonstration: the demo itself, exactly.
    const p = processDemonstration(demo, model);
    const again = compileMotionSkill(stored, { target: 'HULK' }, ctx, rest(p.q[p.q.length - 1]));
    expectSafe(again, p.q[p.q.length - 1]);
  });

  it("'current' start (the paper's DMP(goal = target)) re-targets from where the arm is, with the guard reported", () => {
    const { model, ctx, demo } = stopMotion();
    const skill = motionSkillFromDemonstration({ name: 'track_here', model, demonstrations: demo, start: 'current' });
    const p = processDemonstration(demo, model);
    const q0 = p.q[0];
    const c = compileMotionSkill(skill, { target: 'LOKI' }, ctx, rest(q0));
    expect(c.motions.filter((m) => m.kind === 'trajectory')).toHaveLength(1);
    expect(c.dmp.scaling.requested).toBe('rotate-scale');
    expectSafe(c, q0);
    // Same target from its own end: the goal is where the arm already is → guard, no scaling.
    const e = compileMotionSkill(skill, { target: 'HULK' }, ctx, rest(p.q[p.q.length - 1]));
    expect(e.dmp.scaling.guard?.kind).toBe('goal-near-start');
    expect(e.dmp.notes.join(' ')).toMatch(/rotate-scale scaling not used/);
    expect(e.motions[0].label).toMatch(/goal near start: not scaled/);
  });

  it('registers in the skill registry like a primitive and compiles inside a plan', () => {
    const { model, ctx, demo } = stopMotion();
    const registry = createSkillRegistry();
    registry.register(motionSkillDefinition(motionSkillFromDemonstration({ name: 'track', model, demonstrations: demo })));
    const valid = registry.validatePlan([{ skill: 'track', args: { target: 'LOKI' } }], { entities: ctx.world.names() });
    expect(valid.ok).toBe(true);
    const steps = compilePlan(
      registry,
      [
        { skill: 'track', args: { target: 'LOKI' } },
        { skill: 'go_home', args: {} },
      ],
      ctx,
      rest(model.home),
    );
    expect(steps).toHaveLength(2);
    expect(() => compilePlan(registry, [{ skill: 'track', args: { target: 'GROOT' } }], ctx, rest(model.home))).toThrow(SkillFailure);
    expect(() => compilePlan(registry, [{ skill: 'track', args: { target: 'GROOT' } }], ctx, rest(model.home))).toThrow(
      /don't know "GROOT"/,
    );
  });

  it('teaches zoom_in from the example file ("push in on Loki") and refuses a bad demonstration on arrival', () => {
    const { model, ctx } = stopMotion();
    const file = (n: string) => new URL(`../../../skills/demonstration/examples/${n}`, import.meta.url).pathname;
    const teach = new MotionTeaching('zoom_in', model, { entity: 'HULK', position: ctx.world.position('HULK') });
    expect(() => teach.finish()).toThrow(/haven't shown me zoom in yet/);
    const bad = loadDemonstration(file('zoom-hulk.json'));
    bad.samples[20].q[0] += 0.5;
    expect(() => teach.add(bad)).toThrow(/jumps .* beyond its 2\.175 rad\/s limit/);
    teach.add(loadDemonstration(file('zoom-hulk.json')));
    const zoom = teach.finish('Push the camera in on the given object.');
    const c = compileMotionSkill(zoom, { target: 'LOKI' }, ctx, rest(model.home));
    expectSafe(c, model.home);
    // Pushed in: the camera ends closer to LOKI than where its push-in started.
    const loki = ctx.world.position('LOKI');
    const d = (p: number[]) => Math.hypot(p[0] - loki[0], p[1] - loki[1], p[2] - loki[2]);
    expect(d(c.dmp.path[c.dmp.path.length - 1])).toBeLessThan(d(c.dmp.path[0]) - 0.15);
    expect(loadDemonstration(file('track-hulk.json')).reference?.entity).toBe('HULK');
  });
});
