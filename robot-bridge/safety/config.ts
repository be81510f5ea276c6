/**
 * Safety configuration: limits the guard enforces on top of the URDF. Units: radians, meters,
 * seconds; the world frame is z up with z = 0 at the table top and the robot base at the origin.
 */
import { z } from 'zod';

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
const vec3 = z.tuple([finite(), finite(), finite()]);

export const workspaceSchema = z
  .object({
    /** meters, world frame */
    min: vec3,
    max: vec3,
  })
  .refine((w) => w.min.every((v, i) => v < w.max[i]), 'workspace min must be below max on every axis');

export const safetyConfigSchema = z.object({
  /** keep joints this far inside their URDF position limits (rad; m for prismatic) */
  positionMargin: finite().min(0).max(0.5).default(0.02),
  /** allowed fraction of each URDF velocity limit */
  velocityFactor: finite().gt(0).max(1).default(0.95),
  /** allowed fraction of each acceleration limit */
  accelerationFactor: finite().gt(0).max(1).default(0.95),
  /** the first point must be within this of the measured joint state (rad, per joint) */
  maxStartDeviation: finite().gt(0).default(0.05),
  /** height of the table top in the world frame (m) */
  tableZ: finite().default(0),
  /** how far arm link collision geometry must stay above the table top (m) */
  armClearance: finite().min(0).default(0.02),
  /**
   * how far tool links (everything mounted after the last arm joint's link: hand, fingers)
   * must stay above the table top (m); small, since grasping objects on the table needs it
   */
  toolClearance: finite().min(0).default(0.003),
  /** override which links count as tool links; default: descendants of the last arm link */
  toolLinks: z.array(z.string()).optional(),
  /** the tool centre (tip link origin) must stay inside this box */
  workspace: workspaceSchema.default({ min: [-0.3, -0.7, -0.01], max: [0.9, 0.7, 1.0] }),
  /** geometry checks also run between points that are further apart than this (rad, max over joints) */
  interpolationStep: finite().gt(0).default(0.02),
});

/** Parsed configuration (every field present). */
export type SafetyConfig = z.output<typeof safetyConfigSchema>;
/** What callers may pass: any subset; missing fields take the defaults. */
export type SafetyConfigInput = z.input<typeof safetyConfigSchema>;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

/** The defaults, frozen (spread it to make a variant: `{ ...DEFAULT_SAFETY, tableZ: 0.01 }`). */
export const DEFAULT_SAFETY: SafetyConfig = deepFreeze(safetyConfigSchema.parse({}));

export class SafetyConfigError extends Error {
  constructor(message: string) {
    super(`[safety] ${message}`);
    this.name = 'SafetyConfigError';
  }
}

/** Validate a (partial) config and fill in defaults; throws SafetyConfigError with readable issues. */
export function parseSafetyConfig(input: SafetyConfigInput = {}): SafetyConfig {
  const r = safetyConfigSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new SafetyConfigError(`invalid safety config: ${issues}`);
  }
  return r.data;
}
