/**
 * Issue 12, acceptance 3: the cluttered regression scenes (sim/scenes/regression/, each says in
 * its description what it stresses) with scripted pick-and-place tasks on the MuJoCo sim. Every
 * task either succeeds, the object ending in its container, with no unintended contact in the
 * physics (MuJoCo's contacts watched every 2 ms step) and no other object moved, or is refused
 * before anything moves, with the reason.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type SimApp } from '../../session/app.js';
import { parseScript } from '../../session/script.js';
import { runScript } from '../../session/script-run.js';
import { loadScene } from '../../sim/scene.js';
import { ContactMonitor, movedObjects, objectPositions } from '../../sim/contact-monitor.js';

const DIR = resolve(import.meta.dirname, '../../sim/scenes/regression');

type Expect = { succeeds: true } | { refused: RegExp };

interface Task {
  say: string;
  /** the object picked (body name) and the container it goes into */
  pick: string;
  into: string;
  expect: Expect;
}

/** Tasks per scene, run in order in one app (a later task sees what the earlier one left). */
const TASKS: Record<string, Task[]> = {
  'giftbag-soap-in-bin': [{ say: 'put the soap in the bag', pick: 'SOAP', into: 'GIFT_BAG', expect: { succeeds: true } }],
  // The open hand (about 20 cm across the fingers) fits the bag (20 × 14 cm inside) at no yaw.
  'giftbag-candy-in-bag': [
    {
      say: 'put the candy in the bin',
      pick: 'CANDY',
      into: 'BIN',
      expect: {
        refused:
          /^goto\(CANDY\): I can't reach CANDY: approaching CANDY from above, panda_\w+ would hit GIFT_BAG (wall|floor) \d+\.\d\d s into the descent, at \(-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\)$/,
      },
    },
  ],
  'giftbag-side-by-side': [
    { say: 'put the candy in the bag', pick: 'CANDY', into: 'GIFT_BAG', expect: { succeeds: true } },
    { say: 'put the toy car in the bin', pick: 'TOY_CAR', into: 'BIN', expect: { succeeds: true } },
  ],
  'giftbag-box-between': [{ say: 'put the ball in the bag', pick: 'BALL', into: 'GIFT_BAG', expect: { succeeds: true } }],
  'giftbag-tall-beside-path': [{ say: 'put the candy in the bag', pick: 'CANDY', into: 'GIFT_BAG', expect: { succeeds: true } }],
  'giftbag-crowded': [
    { say: 'put the candy in the bin', pick: 'CANDY', into: 'BIN', expect: { succeeds: true } },
    { say: 'put the lotion in the bag', pick: 'LOTION', into: 'GIFT_BAG', expect: { succeeds: true } },
  ],
  'stopmotion-case-before-hulk': [{ say: 'put the hulk in the prop box', pick: 'HULK', into: 'PROP_BOX', expect: { succeeds: true } }],
  'stopmotion-figures-side-by-side': [
    { say: 'put loki in the prop box', pick: 'LOKI', into: 'PROP_BOX', expect: { succeeds: true } },
    { say: 'put the hulk in the prop box', pick: 'HULK', into: 'PROP_BOX', expect: { succeeds: true } },
  ],
  'stopmotion-loki-in-crate': [{ say: 'put loki in the prop box', pick: 'LOKI', into: 'PROP_BOX', expect: { succeeds: true } }],
  'stopmotion-tall-beside-path': [{ say: 'put the hulk in the prop box', pick: 'HULK', into: 'PROP_BOX', expect: { succeeds: true } }],
};

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

const apps: SimApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.dispose();
});

describe('regression scene set (sim/scenes/regression)', () => {
  it('holds at least 8 scenes, each loadable by path, described, with scripted tasks', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      const scene = loadScene(join(DIR, f));
      expect(scene.name, f).toBe(f.replace(/\.json$/, ''));
      expect(scene.description, f).toMatch(/^Regression \(issue 12\): .*Expected: /);
      expect(TASKS[scene.name], `tasks for ${f}`).toBeDefined();
    }
    expect(Object.keys(TASKS).sort()).toEqual(files.map((f) => f.replace(/\.json$/, '')));
    // Both settings are covered.
    expect(files.filter((f) => f.startsWith('giftbag-')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.startsWith('stopmotion-')).length).toBeGreaterThanOrEqual(4);
  });

  for (const [name, tasks] of Object.entries(TASKS)) {
    it(`${name}: ${tasks.map((t) => `"${t.say}" ${'succeeds' in t.expect ? 'succeeds' : 'is refused'}`).join(', then ')}`, async () => {
      const app = await createApp({ scene: join(DIR, `${name}.json`) });
      apps.push(app);
      const monitor = new ContactMonitor(app.sim, app.model.description.links.keys());
      try {
        for (const task of tasks) {
          const from = app.sim.objectState(task.pick)?.in ?? null;
          monitor.intent = { pick: task.pick, supports: [task.into, ...(from ? [from] : [])] };
          monitor.clear();
          const before = objectPositions(app.sim);
          const clock = app.sim.time;
          const [turn] = await runScript(app, parseScript(`${task.say}\n`));
          if ('succeeds' in task.expect) {
            expect(turn, task.say).toMatchObject({ kind: 'plan', executed: true, outcome: 'succeeded', failure: null });
            expect(app.sim.objectState(task.pick)?.in, `${task.pick} ends in ${task.into}`).toBe(task.into);
          } else {
            expect(turn.outcome, task.say).toBe('failed');
            expect(turn.executed).toBe(false);
            expect(turn.failure).toMatch(task.expect.refused);
            expect(turn.reply).toContain("but I can't carry it out: ");
            expect(app.session.pending).toBeNull();
            // Refused before motion: the sim's clock did not run.
            expect(app.sim.time).toBe(clock);
          }
          expect([...monitor.pairs], `unintended contacts during "${task.say}"`).toEqual([]);
          expect(movedObjects(app.sim, before, [task.pick]), `objects moved by "${task.say}"`).toEqual([]);
        }
      } finally {
        monitor.dispose();
      }
    }, 60_000);
  }
});
