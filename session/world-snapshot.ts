/**
 * The sim world across a restart: a snapshot (the arm, the fingers, every object's pose and what
 * is held) goes into the session log each time the arm comes to rest, and a restarted server
 * puts the world back from the last one (server/restore.ts reads it, server/hub.ts applies it).
 *
 * Only the sim has a world to put back: on a real robot the world is wherever it is.
 *
 * A snapshot read from a file is trusted no more than any other input: zod checks its shape, and
 * it must fit this robot and scene (joint count and limits, object names, the scene file, poses
 * inside the physical bounds below). After it is applied the physics runs a moment; an object
 * that then moves, or a grasp that does not hold, undoes the restore (the world starts over and
 * the operator is told why).
 *
 * Units: m, rad; world frame, z up; quaternions [x, y, z, w].
 */
import { z } from 'zod';
import type { RobotModel } from '../model/description/robot-model.js';
import type { WorldModel } from '../model/world.js';
import type { RobotBackend } from '../robot-bridge/types.js';
import type { SimWorld, WorldSnapshot } from '../sim/world.js';
import type { SessionLog } from './log.js';

/** The parts of a sim app (session/app.ts's SimApp) a snapshot reads and a restore sets. */
export interface SnapshotApp {
  sim: SimWorld;
  backend: Pick<RobotBackend, 'status' | 'onStatus'>;
  log: Pick<SessionLog, 'write'> | null;
  scenePath: string;
  model: RobotModel;
  world: WorldModel;
}

/** the log record's type */
export const WORLD_RECORD = 'world';

/** after the arm comes to rest, this long (ms) for dropped objects to settle before the snapshot */
export const SNAPSHOT_DELAY_MS = 700;
/** an object that moves more than this (m) while the restored world settles was not at rest */
export const SETTLE_TOLERANCE = 0.01;
/** sim seconds the restored world runs before it is checked */
export const SETTLE_TIME = 0.3;

/** A tabletop sim: nothing sensible is kilometres away or under the floor. */
const BOUND = 5;
const coord = z.number().finite().min(-BOUND).max(BOUND);
const vec3 = z.tuple([coord, coord, coord]);
const quat = z
  .tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()])
  .refine((q) => Math.abs(Math.hypot(...q) - 1) < 1e-3, 'a quaternion of unit length');
const name = z.string().min(1).max(64);

export const worldSnapshotSchema = z.object({
  arm: z
    .array(
      z
        .number()
        .finite()
        .min(-2 * Math.PI)
        .max(2 * Math.PI),
    )
    .min(1)
    .max(16),
  gripper: z.number().finite().min(-0.5).max(0.5).nullable(),
  objects: z.array(z.object({ name, position: vec3, quaternion: quat })).max(64),
  grasped: name.nullable(),
});

/** The log line: the snapshot and the scene file it belongs to. */
export const worldRecordSchema = z.object({ type: z.literal(WORLD_RECORD), scene: z.string().max(1000), world: worldSnapshotSchema });
export type WorldRecord = z.infer<typeof worldRecordSchema>;

/** Do two snapshots differ by more than a millimetre or a milliradian anywhere? */
export function snapshotsDiffer(a: WorldSnapshot, b: WorldSnapshot): boolean {
  if (a.grasped !== b.grasped || a.objects.length !== b.objects.length || a.arm.length !== b.arm.length) return true;
  if (a.arm.some((q, i) => Math.abs(q - b.arm[i]) > 1e-3)) return true;
  if (Math.abs((a.gripper ?? 0) - (b.gripper ?? 0)) > 1e-3) return true;
  return a.objects.some((o, i) => {
    const p = b.objects[i];
    return (
      o.name !== p.name || Math.hypot(o.position[0] - p.position[0], o.position[1] - p.position[1], o.position[2] - p.position[2]) > 1e-3
    );
  });
}

/**
 * Write a snapshot into the app's log whenever the arm has been at rest for SNAPSHOT_DELAY_MS
 * after moving, when it differs from the last one written (no record: the scene's start).
 * Returns a detach, which writes the state at that moment.
 */
export function recordWorldSnapshots(app: SnapshotApp): () => void {
  const log = app.log;
  if (!log) return () => undefined;
  let last: WorldSnapshot | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = () => {
    timer = null;
    if (app.sim.disposed || app.backend.status().moving) return;
    const now = app.sim.snapshot();
    if (last && !snapshotsDiffer(last, now)) return;
    last = now;
    log.write({ type: WORLD_RECORD, scene: app.scenePath, world: now });
  };
  let moving = app.backend.status().moving;
  const off = app.backend.onStatus((st) => {
    if (st.moving) {
      moving = true;
      if (timer) clearTimeout(timer);
      timer = null;
    } else if (moving) {
      moving = false;
      if (timer) clearTimeout(timer);
      timer = setTimeout(write, SNAPSHOT_DELAY_MS);
      timer.unref?.();
    }
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
    // The last state, so a clean stop right after a motion still leaves it in the log.
    if (!app.sim.disposed && !app.backend.status().moving) {
      timer = null;
      write();
    }
  };
}

export type WorldRestore =
  | { ok: true; summary: string; snapshot: WorldSnapshot }
  | {
      ok: false;
      /** one sentence: why the world starts over */
      why: string;
    };

/** One line of what a snapshot holds, for the operator. */
export function describeSnapshot(s: WorldSnapshot): string {
  const n = s.objects.length;
  return `${n} object${n === 1 ? '' : 's'} where they were, the arm's pose${s.grasped ? `, ${s.grasped} in the gripper` : ''}`;
}

/**
 * Put the app's sim world back as the record says. Refuses a record of another scene, a snapshot
 * that does not parse or does not fit this arm (joint limits) or scene, and one that does not
 * stay put when the physics runs; the world is then as it started. Call before anything moves.
 */
export function restoreWorld(app: SnapshotApp, record: unknown): WorldRestore {
  const r = worldRecordSchema.safeParse(record);
  if (!r.success) return { ok: false, why: `its last world snapshot does not parse (${r.error.issues[0]?.message ?? 'bad shape'})` };
  const { scene, world: s } = r.data;
  if (scene !== app.scenePath) return { ok: false, why: `it used another scene (${scene})` };
  const joints = app.model.arm;
  if (s.arm.length !== joints.length) return { ok: false, why: `its arm had ${s.arm.length} joints; this one has ${joints.length}` };
  const out = joints.find((j, i) => !(s.arm[i] >= j.lower - 1e-3 && s.arm[i] <= j.upper + 1e-3));
  if (out) return { ok: false, why: `its arm pose puts ${out.name} outside its limits` };
  if (app.backend.status().moving) return { ok: false, why: 'the arm was already moving' };
  const sim = app.sim;
  try {
    sim.restore(s);
  } catch (err) {
    sim.resetScene();
    return { ok: false, why: (err as Error).message.replace(/^\[sim\] restore: /, '') };
  }
  const problem = settle(sim, s);
  if (problem) {
    sim.resetScene();
    app.world.held = null;
    return { ok: false, why: problem };
  }
  app.world.held = sim.graspedObject;
  return { ok: true, summary: describeSnapshot(s), snapshot: s };
}

/** Run the restored world a moment; say what did not stay as it was. */
function settle(sim: SimWorld, s: WorldSnapshot): string | null {
  sim.stepFor(SETTLE_TIME);
  for (const o of s.objects) {
    const p = sim.bodyPosition(o.name);
    const moved = p ? Math.hypot(p[0] - o.position[0], p[1] - o.position[1], p[2] - o.position[2]) : Infinity;
    if (moved > SETTLE_TOLERANCE) return `${o.name} moved ${(moved * 100).toFixed(1)} cm once restored (it was not at rest)`;
  }
  if (s.grasped && sim.graspedObject !== s.grasped) return `the gripper did not hold ${s.grasped} again`;
  return null;
}
