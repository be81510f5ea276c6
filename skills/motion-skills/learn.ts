/**
 * Teaching a motion skill: learning one from demonstrations (validate and trim them, FK to tool
 * poses, learn the pose DMP, package it as a SkillLibrary motion), and the teaching episode that
 * collects those demonstrations from a file or from the arm being guided.
 *
 * Frames and units: world = robot base frame, z up, meters, radians, seconds.
 */
import type { MotionSkill } from '../library/library.js';
import type { RobotModel } from '../../model/description/robot-model.js';
import { KinematicChain } from '../kinematics/index.js';
import type { Vec3 } from '../../model/math/transform.js';
import { DEFAULT_BASIS, DEFAULT_GAINS, learnPoseDmp, type ScalingMode } from '../dmp/index.js';
import {
  DemonstrationRecorder,
  demonstrationPoses,
  processDemonstration,
  type Demonstration,
  type ProcessedDemonstration,
  type ProcessOptions,
} from '../demonstration/index.js';
import type { RobotBackend } from '../../robot-bridge/types.js';
import { MOTION_SKILL_FORMAT, type MotionSkillData } from './data.js';

export interface MotionSkillOptions {
  name: string;
  /** one line for users and the planner (default: a generic description) */
  description?: string;
  /** name of the entity parameter (default 'target') */
  param?: string;
  model: RobotModel;
  /** one or more demonstrations of the same motion (raw or already processed) */
  demonstrations: Demonstration | ProcessedDemonstration | (Demonstration | ProcessedDemonstration)[];
  /** what the (first) demonstration was about; default: its `reference` field */
  reference?: { entity: string | null; position: Vec3 };
  scaling?: ScalingMode;
  start?: 'current' | 'relative';
  basis?: number;
  process?: ProcessOptions;
}

function isProcessed(d: Demonstration | ProcessedDemonstration): d is ProcessedDemonstration {
  return Array.isArray((d as ProcessedDemonstration).q);
}

/**
 * Learn a motion skill from demonstrations: validate and trim them, FK to tool poses, learn the
 * pose DMP, and package it as a SkillLibrary motion ({ name, description, params, data }).
 * Throws DemonstrationError (bad demonstration) or Error with a plain reason.
 */
export function motionSkillFromDemonstration(o: MotionSkillOptions): MotionSkill {
  const list = Array.isArray(o.demonstrations) ? o.demonstrations : [o.demonstrations];
  if (!list.length) throw new Error('a motion skill needs at least one demonstration');
  const processed = list.map((d) => (isProcessed(d) ? d : processDemonstration(d, o.model, o.process)));
  const chain = new KinematicChain(o.model);
  const poses = processed.map((p) => demonstrationPoses(p, chain));
  const dmp = learnPoseDmp(poses, { basis: o.basis ?? DEFAULT_BASIS, gains: DEFAULT_GAINS });
  const reference = o.reference ?? processed[0].reference;
  if (!reference) throw new Error(`to learn ${o.name} I need to know what the demonstration was about (a reference entity or point)`);
  const param = o.param ?? 'target';
  const first = processed[0];
  const data: MotionSkillData = {
    format: MOTION_SKILL_FORMAT,
    version: 1,
    robot: o.model.name,
    frame: { convention: 'target-offset', reference: { entity: reference.entity, position: [...reference.position] as Vec3 } },
    dmp,
    duration: dmp.duration,
    scaling: o.scaling ?? 'rotate-scale',
    start: o.start ?? 'relative',
    gripper: first.gripper,
    demo: {
      q0: [...first.q[0]],
      count: processed.length,
      samples: first.q.length,
      duration: first.duration,
      trimmed: first.trimmed,
    },
  };
  const about = reference.entity ? ` (shown on ${reference.entity})` : '';
  return {
    name: o.name,
    description: o.description ?? `Learned camera motion${about}: moves like the demonstration, relative to the given object.`,
    params: [{ name: param, type: 'entity', description: 'The object or location the motion is about (e.g., TOWER).' }],
    data: JSON.parse(JSON.stringify(data)) as MotionSkillData,
  };
}

/**
 * One motion-teaching episode ("I'll show you how to track around the tower" … "done"): collects
 * demonstrations (a file, or recorded from the backend while the person guides the arm), checks
 * each as it arrives (so a bad one is refused right away, with its reason), and learns the skill
 * at the end. The reference is the entity the person named (its position when teaching began).
 */
export class MotionTeaching {
  readonly demonstrations: ProcessedDemonstration[] = [];
  #recorder: DemonstrationRecorder | null = null;

  constructor(
    readonly name: string,
    readonly model: RobotModel,
    readonly reference: { entity: string | null; position: Vec3 },
    readonly options: Omit<MotionSkillOptions, 'name' | 'model' | 'demonstrations' | 'reference'> = {},
  ) {}

  /** Add a demonstration (raw JSON data or a Demonstration). Throws DemonstrationError with the reason. */
  add(demo: unknown): ProcessedDemonstration {
    const p = processDemonstration(demo, this.model, this.options.process);
    this.demonstrations.push(p);
    return p;
  }

  get recording(): boolean {
    return this.#recorder?.recording ?? false;
  }

  /** Start recording the backend's joint states (the person guides the arm). */
  startRecording(backend: RobotBackend, rate = 100): void {
    if (this.#recorder?.recording) throw new Error('already recording a demonstration');
    this.#recorder = new DemonstrationRecorder(backend, { robot: this.model.name, rate, source: backend.kind, reference: this.reference });
    this.#recorder.start();
  }

  /** Stop recording and add what was recorded (refused with a reason when unusable). */
  stopRecording(): ProcessedDemonstration {
    if (!this.#recorder) throw new Error('not recording a demonstration');
    const d = this.#recorder.stop();
    this.#recorder = null;
    return this.add(d);
  }

  /** Learn the skill from the demonstrations so far. */
  finish(description?: string): MotionSkill {
    if (this.#recorder?.recording) this.stopRecording();
    if (!this.demonstrations.length) throw new Error(`you haven't shown me ${this.name.replace(/_/g, ' ')} yet`);
    return motionSkillFromDemonstration({
      ...this.options,
      name: this.name,
      description,
      model: this.model,
      demonstrations: this.demonstrations,
      reference: this.reference,
    });
  }
}
