/**
 * Scene files: the table, the robot, the objects and containers on the table, and which
 * entities the robot knows at start. Scenes are JSON data a user can copy and edit; every
 * error names the file and the field (e.g. `scene giftbag.json: objects[2].size: expected 3
 * numbers for a box ([x, y, z] in m), got 2`).
 *
 * Units: meters, radians, kilograms, seconds. World frame: z up, z = 0 is the table top, the
 * robot base stands on the table at the origin unless `robot.position` says otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BUILTIN_ROBOTS, loadRobotModel, type RobotModel } from '../model/description/robot-model.js';
import { ENTITY_NAME, type Entity } from '../model/world.js';
import type { Vec3 } from '../model/math/transform.js';
import { mulberry32 } from '../model/math/random.js';

export class SceneError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SceneError';
  }
}

const finite = z.number({ error: (i) => (i.input === undefined ? 'required' : `expected a number, got ${describe(i.input)}`) }).finite();
const positive = finite.refine((v) => v > 0, 'must be greater than 0');
const nonNegative = finite.refine((v) => v >= 0, 'must not be negative');

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v)}`;
  return typeof v;
}

/** A fixed-length list of numbers with a message that says what the numbers mean. */
function numbers(n: number, meaning: string) {
  return z
    .array(finite, { error: (i) => (i.input === undefined ? 'required' : `expected ${n} numbers ${meaning}, got ${describe(i.input)}`) })
    .superRefine((a, ctx) => {
      if (a.length !== n) ctx.addIssue({ code: 'custom', message: `expected ${n} numbers ${meaning}, got ${a.length}` });
    });
}

const rgba = numbers(4, '[r, g, b, a] from 0 to 1').refine((c) => c.every((v) => v >= 0 && v <= 1), 'colour values go from 0 to 1');
const name = z.string({ error: 'expected a NAME in UPPER_SNAKE_CASE' }).regex(ENTITY_NAME, 'names are UPPER_SNAKE_CASE, like TOY_CAR');

const SIZE_MEANING = {
  box: [3, '[x, y, z] in m'],
  cylinder: [2, '[radius, height] in m'],
  sphere: [1, '[radius] in m'],
} as const;

const objectSchema = z
  .object({
    name,
    shape: z.enum(['box', 'cylinder', 'sphere'], { error: (i) => `expected "box", "cylinder" or "sphere", got ${describe(i.input)}` }),
    /** box: full extents [x, y, z]; cylinder: [radius, height] (axis vertical); sphere: [radius]. Meters. */
    size: z.array(finite, { error: (i) => `expected a list of numbers, got ${describe(i.input)}` }),
    /** kg */
    mass: positive,
    /** sliding friction coefficient (MuJoCo uses the larger of the two touching surfaces) */
    friction: nonNegative.default(0.7),
    rgba: rgba.default([0.8, 0.8, 0.8, 1]),
    /** [x, y] resting on the table, or [x, y, z] with z the centre height (m, world frame) */
    position: z.array(finite, { error: (i) => `expected [x, y] or [x, y, z] in m, got ${describe(i.input)}` }).superRefine((p, ctx) => {
      if (p.length !== 2 && p.length !== 3)
        ctx.addIssue({ code: 'custom', message: `expected [x, y] or [x, y, z] in m, got ${p.length} numbers` });
    }),
    /** rotation about the vertical axis, rad */
    yaw: finite.default(0),
    /** optional override of the jitter amplitude for this object (m); 0 pins it */
    jitter: nonNegative.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const [n, meaning] = SIZE_MEANING[o.shape];
    if (o.size.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: ['size'],
        message: `expected ${n} numbers for a ${o.shape} (${meaning}), got ${o.size.length}`,
      });
    } else if (o.size.some((v) => !(v > 0))) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'sizes must be greater than 0' });
    }
  });

const containerSchema = z
  .object({
    name,
    /** informational: what kind of container this is */
    kind: z.enum(['bag', 'bin', 'box']).default('box'),
    /** centre of the footprint on the table, [x, y] m */
    position: numbers(2, '[x, y] in m'),
    yaw: finite.default(0),
    /** inside size of the opening [x, y], m */
    inner: numbers(2, '[x, y] in m').refine((v) => v.every((x) => x > 0), 'sizes must be greater than 0'),
    /** wall height above the table (the rim), m */
    height: positive,
    /** wall and floor thickness, m */
    wall: positive.default(0.006),
    friction: nonNegative.default(0.6),
    rgba: rgba.default([0.85, 0.3, 0.4, 1]),
  })
  .strict();

const robotSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { model: v } : v),
  z
    .object({
      /** a built-in robot name (panda, ur5e) or a path to a .urdf file, relative to the scene file */
      model: z.string({ error: 'expected a robot name (e.g. "panda") or a path to a .urdf file' }).min(1),
      /** base position in the world frame, m (z = 0 stands it on the table) */
      position: numbers(3, '[x, y, z] in m').default([0, 0, 0]),
      yaw: finite.default(0),
    })
    .strict(),
);

const knownSchema = z
  .object({
    name,
    description: z.string({ error: 'expected a one-line description' }).min(1).max(300),
    /** the object or container it refers to, when its body has another name (default: `name`) */
    body: z.string().optional(),
  })
  .strict();

export const sceneSchema = z
  .object({
    /** short name, shown in the UI (default: the file name without .json) */
    name: z.string().min(1).optional(),
    /** free text, shown in the UI */
    description: z.string().optional(),
    table: z
      .object({
        /** [x, y] of the table top, m */
        size: numbers(2, '[x, y] in m').refine((v) => v.every((x) => x > 0), 'sizes must be greater than 0'),
        /** centre of the table top [x, y], m; the top is at z = 0 */
        center: numbers(2, '[x, y] in m').default([0, 0]),
        thickness: positive.default(0.04),
        /** height of the top above the floor (things that fall off land on the floor), m */
        height: positive.default(0.75),
        friction: nonNegative.default(0.6),
        rgba: rgba.default([0.62, 0.5, 0.38, 1]),
      })
      .strict(),
    robot: robotSchema,
    objects: z.array(objectSchema).default([]),
    containers: z.array(containerSchema).default([]),
    /** entities the robot knows by name at start */
    known: z.array(knownSchema).default([]),
    /** seed of the position jitter; SimWorld.create({ seed }) overrides it */
    seed: z.number().int('must be a whole number').default(0),
    /** amplitude of the uniform random jitter of object x and y, m */
    jitter: nonNegative.default(0),
    /** amplitude of the uniform random jitter of object yaw, rad */
    yawJitter: nonNegative.default(0),
    /** physics step, s */
    timestep: positive.refine((v) => v <= 0.01, 'a timestep above 0.01 s makes contacts unstable').default(0.002),
  })
  .strict();

export type SceneData = z.output<typeof sceneSchema>;
export type SceneObject = SceneData['objects'][number];
export type SceneContainer = SceneData['containers'][number];

export interface Scene extends Omit<SceneData, 'name'> {
  /** the scene's name (from the file, else the file name without .json, else 'scene') */
  name: string;
  /**
   * the file it came from (for messages and relative URDF paths); '<string>' otherwise.
   * Not enumerable: JSON.stringify(scene) gives back a valid scene file, and a spread copy
   * ({ ...scene }) loses it (relative URDF paths then resolve against the working directory).
   */
  readonly source: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Scenes shipped with Shammie. */
export const BUILTIN_SCENES = {
  giftbag: join(here, 'scenes', 'giftbag.json'),
  stopmotion: join(here, 'scenes', 'stopmotion.json'),
} as const;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function label(source: string | undefined): string {
  return !source || source === '<string>' ? 'scene' : `scene ${basename(source)}`;
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line}, column ${pos - before.lastIndexOf('\n')}`;
}

/** Validate scene data (already parsed JSON). `source` names the file in messages. */
export function validateScene(data: unknown, source = '<string>'): Scene {
  const r = sceneSchema.safeParse(data);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const at = formatPath(i.path);
      let msg = i.message;
      if (i.code === 'unrecognized_keys') msg = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${label(source)}: ${at ? `${at}: ` : ''}${msg}`;
    });
    throw new SceneError(lines.join('\n'));
  }
  const scene = r.data as Scene;
  scene.name ??= !source || source === '<string>' ? 'scene' : basename(source).replace(/\.json$/i, '');
  // Not enumerable, so a scene written back with JSON.stringify is still a valid scene file.
  Object.defineProperty(scene, 'source', { value: source, enumerable: false, writable: false });
  checkConsistency(scene);
  return scene;
}

/** Parse scene JSON text. */
export function parseScene(text: string, source = '<string>'): Scene {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? ` (${lineCol(text, Number(pos[1]))})` : '';
    throw new SceneError(`${label(source)}: not valid JSON${where}: ${msg}`, { cause: err });
  }
  return validateScene(data, source);
}

/** The file of a built-in scene name (e.g. 'giftbag'), or the given path, made absolute. */
export function resolveScenePath(nameOrPath: string): string {
  return resolve((BUILTIN_SCENES as Record<string, string>)[nameOrPath] ?? nameOrPath);
}

/** Load a built-in scene by name (e.g. 'giftbag') or any scene file by path. */
export function loadScene(nameOrPath: string): Scene {
  const path = (BUILTIN_SCENES as Record<string, string>)[nameOrPath] ?? nameOrPath;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const names = Object.keys(BUILTIN_SCENES).join(', ');
    throw new SceneError(
      `cannot read scene file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message} (built-in scenes: ${names})`,
      { cause: err },
    );
  }
  return parseScene(text, resolve(path));
}

/** Where the scene's robot description lives: a built-in name or an absolute URDF path. */
export function sceneRobotPath(scene: Scene): string {
  const model = scene.robot.model;
  if (model in BUILTIN_ROBOTS) return model;
  if (isAbsolute(model)) return model;
  const base = !scene.source || scene.source === '<string>' ? process.cwd() : dirname(scene.source);
  return resolve(base, model);
}

/** Load the scene's robot. */
export function sceneRobot(scene: Scene): RobotModel {
  return loadRobotModel(sceneRobotPath(scene));
}

/** Axis-aligned half extents of an object in its own frame, m. */
export function objectHalfExtents(o: Pick<SceneObject, 'shape' | 'size'>): Vec3 {
  switch (o.shape) {
    case 'box':
      return [o.size[0] / 2, o.size[1] / 2, o.size[2] / 2];
    case 'cylinder':
      return [o.size[0], o.size[0], o.size[1] / 2];
    case 'sphere':
      return [o.size[0], o.size[0], o.size[0]];
  }
}

/** Outer half extents of a container (walls included), m, in its own frame. */
export function containerHalfExtents(c: SceneContainer): Vec3 {
  return [c.inner[0] / 2 + c.wall, c.inner[1] / 2 + c.wall, c.height / 2];
}

/** Footprint rectangle on the table: centre, half sizes and yaw (m, rad). */
interface Footprint {
  xy: [number, number];
  half: [number, number];
  yaw: number;
}

function footprint(o: SceneObject | SceneContainer): Footprint {
  const h = 'shape' in o ? objectHalfExtents(o) : containerHalfExtents(o);
  return { xy: [o.position[0], o.position[1]], half: [h[0], h[1]], yaw: o.yaw };
}

/** Gap between two rectangles (separating-axis test); negative when they overlap. */
function footprintGap(a: Footprint, b: Footprint): number {
  let best = -Infinity;
  const d = [b.xy[0] - a.xy[0], b.xy[1] - a.xy[1]];
  for (const yaw of [a.yaw, b.yaw]) {
    for (const axis of [
      [Math.cos(yaw), Math.sin(yaw)],
      [-Math.sin(yaw), Math.cos(yaw)],
    ]) {
      const extent = (f: Footprint) => {
        const c = Math.cos(f.yaw),
          s = Math.sin(f.yaw);
        return f.half[0] * Math.abs(c * axis[0] + s * axis[1]) + f.half[1] * Math.abs(-s * axis[0] + c * axis[1]);
      };
      best = Math.max(best, Math.abs(d[0] * axis[0] + d[1] * axis[1]) - extent(a) - extent(b));
    }
  }
  return best;
}

/** Cross-field checks zod cannot express: unknown robots, unique names, overlaps, the table. */
function checkConsistency(scene: Scene): void {
  const errors: string[] = [];
  const at = label(scene.source);
  const model = scene.robot.model;
  if (!(model in BUILTIN_ROBOTS)) {
    if (!/\.urdf$/i.test(model)) {
      errors.push(
        `${at}: robot.model: unknown robot "${model}"; use one of ${Object.keys(BUILTIN_ROBOTS).join(', ')} or a path to a .urdf file`,
      );
    } else if (!existsSync(sceneRobotPath(scene))) {
      errors.push(`${at}: robot.model: URDF file ${sceneRobotPath(scene)} does not exist`);
    }
  }
  const seen = new Map<string, string>();
  const things: { where: string; item: SceneObject | SceneContainer; xy: [number, number]; jitter: number }[] = [];
  scene.objects.forEach((o, i) => {
    things.push({ where: `objects[${i}]`, item: o, xy: [o.position[0], o.position[1]], jitter: o.jitter ?? scene.jitter });
  });
  scene.containers.forEach((c, i) => things.push({ where: `containers[${i}]`, item: c, xy: [c.position[0], c.position[1]], jitter: 0 }));
  for (const t of things) {
    const prev = seen.get(t.item.name);
    if (prev) errors.push(`${at}: ${t.where}.name: "${t.item.name}" is already used by ${prev}`);
    seen.set(t.item.name, t.where);
  }
  scene.known.forEach((k, i) => {
    const body = k.body ?? k.name;
    if (!seen.has(body))
      errors.push(
        `${at}: known[${i}].${k.body ? 'body' : 'name'}: "${body}" is not an object or container in this scene (they are ${[...seen.keys()].join(', ')})`,
      );
  });
  // Everything starts on the table and apart (with the jitter at its largest), so the first
  // physics step does not throw things around.
  const [tx, ty] = scene.table.center;
  const [sx, sy] = scene.table.size;
  const margin = (t: (typeof things)[number]) => {
    const f = footprint(t.item);
    return t.jitter * Math.SQRT2 + Math.hypot(f.half[0], f.half[1]) * ('shape' in t.item ? scene.yawJitter : 0);
  };
  for (const t of things) {
    const f = footprint(t.item);
    const c = Math.abs(Math.cos(f.yaw)),
      s = Math.abs(Math.sin(f.yaw));
    const ex = f.half[0] * c + f.half[1] * s + margin(t),
      ey = f.half[0] * s + f.half[1] * c + margin(t);
    if (Math.abs(t.xy[0] - tx) + ex > sx / 2 || Math.abs(t.xy[1] - ty) + ey > sy / 2) {
      errors.push(
        `${at}: ${t.where}.position: ${t.item.name} at [${t.xy.join(', ')}] is not fully on the table (the top spans x ${tx - sx / 2}..${tx + sx / 2}, y ${ty - sy / 2}..${ty + sy / 2})`,
      );
    }
  }
  const onTable = (t: (typeof things)[number]) => !('shape' in t.item) || t.item.position.length === 2;
  for (let a = 0; a < things.length; a++) {
    for (let b = a + 1; b < things.length; b++) {
      const A = things[a],
        B = things[b];
      if (!onTable(A) || !onTable(B)) continue;
      const gap = footprintGap(footprint(A.item), footprint(B.item)) - margin(A) - margin(B);
      if (gap < 0)
        errors.push(
          `${at}: ${B.where}.position: ${B.item.name} overlaps ${A.item.name} (${A.where}) by up to ${(-gap * 1000).toFixed(0)} mm (jitter included); move them apart`,
        );
    }
  }
  if (errors.length) throw new SceneError(errors.join('\n'));
}

/** The entities the robot knows at start (`known`), as world-model entities. */
export function knownEntities(scene: Scene): Entity[] {
  const containers = new Set(scene.containers.map((c) => c.name));
  return scene.known.map((k) => ({
    name: k.name,
    description: k.description,
    kind: 'object' as const,
    source: { type: 'body' as const, body: k.body ?? k.name },
    ...(containers.has(k.body ?? k.name) ? { container: true } : {}),
  }));
}

export { mulberry32 } from '../model/math/random.js';

export interface PlacedObject {
  object: SceneObject;
  /** centre of the object, world frame, m */
  position: Vec3;
  /** rad */
  yaw: number;
}

/** Object start poses with the seeded jitter applied (deterministic for a given seed). */
export function placeObjects(scene: Scene, seed = scene.seed): PlacedObject[] {
  const rand = mulberry32(seed);
  const u = () => rand() * 2 - 1;
  return scene.objects.map((o) => {
    // Draw the same number of values for every object so one object's settings do not shift
    // the others' jitter.
    const dx = u(),
      dy = u(),
      dyaw = u();
    const j = o.jitter ?? scene.jitter;
    const z = o.position.length === 3 ? o.position[2] : objectHalfExtents(o)[2];
    return {
      object: o,
      position: [o.position[0] + dx * j, o.position[1] + dy * j, z],
      yaw: o.yaw + (o.jitter === 0 ? 0 : dyaw * scene.yawJitter),
    };
  });
}
