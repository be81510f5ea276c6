/**
 * Watching MuJoCo's contacts while a task runs, to count the ones nobody intended (issue 12).
 * Used by test/sim/regression-scenes.test.ts and bench/collision-pick.ts; a tool for anyone
 * checking a task in the sim.
 *
 * Intended: a finger with the object being picked; that object, while carried, with the table
 * or container it was picked from and the container it is put into; anything resting on the
 * table or in a container. Unintended: any other contact of a robot link (the table included),
 * and the carried object touching another object or another container while held.
 */
import type { SimWorld } from './world.js';

export interface UnintendedContact {
  /** sim time, s */
  time: number;
  /** the robot link or the carried object */
  a: string;
  /** what it touched (body name, or the geom name for the table and the floor) */
  b: string;
  /** penetration depth, m (negative: overlapping) */
  dist: number;
}

/** What the arm means to touch during the task that runs now. */
export interface Intent {
  /** the object being picked (its body name), if any */
  pick: string | null;
  /** bodies the picked object may touch while carried (where it was, where it goes) */
  supports: string[];
}

const WORLD_GEOMS = new Set(['table', 'floor']);

export class ContactMonitor {
  readonly unintended: UnintendedContact[] = [];
  /** distinct unintended pairs, "a × b", in the order they first happened */
  readonly pairs = new Set<string>();
  intent: Intent = { pick: null, supports: [] };
  readonly #sim: SimWorld;
  readonly #robot: ReadonlySet<string>;
  readonly #fingers: ReadonlySet<string>;
  readonly #stop: () => void;
  /** keep at most this many records (the pairs are always kept) */
  readonly #cap = 200;

  constructor(sim: SimWorld, robotLinks: Iterable<string>) {
    this.#sim = sim;
    this.#robot = new Set(robotLinks);
    this.#fingers = new Set([...this.#robot].filter((l) => /finger/i.test(l)));
    // Every physics step (2 ms): a brief brush would slip between coarser samples.
    this.#stop = sim.onAfterStep(() => this.#check());
  }

  /** Stop watching. */
  dispose(): void {
    this.#stop();
  }

  /** Forget what was recorded so far (e.g. between tasks). */
  clear(): void {
    this.unintended.length = 0;
    this.pairs.clear();
  }

  #check(): void {
    const sim = this.#sim;
    if (!sim.contactCount) return;
    const { pick, supports } = this.intent;
    let heldChecked: boolean | null = null;
    for (const c of sim.contacts()) {
      const n1 = WORLD_GEOMS.has(c.geom1) ? c.geom1 : c.body1;
      const n2 = WORLD_GEOMS.has(c.geom2) ? c.geom2 : c.body2;
      const r1 = this.#robot.has(c.body1),
        r2 = this.#robot.has(c.body2);
      if (r1 && r2) continue; // self contacts are the planner's business, and MuJoCo filters neighbours
      if (r1 || r2) {
        const [link, other] = r1 ? [n1, n2] : [n2, n1];
        if (other === pick && this.#fingers.has(link)) continue;
        this.#record(link, other, c.dist);
        continue;
      }
      if (pick === null || (n1 !== pick && n2 !== pick)) continue; // things resting on things
      const other = n1 === pick ? n2 : n1;
      if (other === 'table' || supports.includes(other)) continue;
      // The picked object touching another object counts only while it is carried.
      heldChecked ??= sim.objectState(pick)?.held ?? false;
      if (heldChecked) this.#record(pick, other, c.dist);
    }
  }

  #record(a: string, b: string, dist: number): void {
    this.pairs.add(`${a} × ${b}`);
    if (this.unintended.length < this.#cap) this.unintended.push({ time: this.#sim.time, a, b, dist });
  }
}

/** Object centres (m, world frame) by name, to check later that the untouched ones stayed put. */
export function objectPositions(sim: SimWorld): Map<string, [number, number, number]> {
  return new Map(sim.objectStates().map((o) => [o.name, [...o.position] as [number, number, number]]));
}

/** Objects (other than `except`) that moved more than `tolerance` m since `before`. */
export function movedObjects(sim: SimWorld, before: Map<string, [number, number, number]>, except: string[], tolerance = 0.005): string[] {
  const out: string[] = [];
  for (const o of sim.objectStates()) {
    if (except.includes(o.name)) continue;
    const p = before.get(o.name);
    if (p && Math.hypot(o.position[0] - p[0], o.position[1] - p[1], o.position[2] - p[2]) > tolerance) out.push(o.name);
  }
  return out;
}
