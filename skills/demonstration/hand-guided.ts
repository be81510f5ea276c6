/**
 * Kinesthetic demonstrations on a real arm: switch the arm to its compliant controller through
 * the backend's configurable controller switch (RobotBackend.setHandGuiding; on ROS, the
 * profile's `teaching.handGuide` and controller_manager), record the joint states while a person
 * moves the arm by hand, and switch back to the trajectory controller however the recording
 * ends: finish, abort (stop, cancel), the time limit, or an error.
 *
 * Joint states are kept as they arrive, each at its own stamp (the robot's clock), in the same
 * demonstration format as `!demo` files (skills/demonstration/format.ts); validation, trimming
 * of the pauses and the gripper events are processDemonstration's job, as for every demo.
 *
 * Only for backends whose capabilities say `handGuiding` (the sim has none: there the console's
 * recorder or a `!demo` file is the demonstration).
 */
import type { RobotBackend } from '../../robot-bridge/types.js';
import type { Demonstration } from './format.js';
import { DemonstrationRecorder } from './record.js';

export class HandGuidingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandGuidingError';
  }
}

export interface HandGuidedOptions {
  /** robot model name written into the file (e.g. "panda") */
  robot: string;
  /** what the demonstration is about (world frame, m) */
  reference?: Demonstration['reference'];
  /** longest recording, s (default 120); then the arm is switched back by itself */
  maxDuration?: number;
  /** written into the file (default `joint_states via <backend kind>`) */
  source?: string;
}

type State = 'recording' | 'stopped' | 'restored';

export class HandGuidedRecording {
  readonly #backend: RobotBackend & { setHandGuiding(on: boolean): Promise<void> };
  readonly #recorder: DemonstrationRecorder;
  #state: State = 'recording';
  #demo: Demonstration | null = null;
  #restoring: Promise<void> | null = null;
  /** set when the switch back failed; cleared by a successful retry */
  restoreError: Error | null = null;

  private constructor(backend: RobotBackend & { setHandGuiding(on: boolean): Promise<void> }, opts: HandGuidedOptions) {
    this.#backend = backend;
    this.#recorder = new DemonstrationRecorder(backend, {
      robot: opts.robot,
      rate: 'as-received',
      maxDuration: opts.maxDuration ?? 120,
      source: opts.source ?? `joint_states via ${backend.kind}`,
      reference: opts.reference,
      // The time limit ends the recording: hand the arm back to the trajectory controller now,
      // not when someone remembers to say "done".
      onLimit: () => {
        this.#stopRecorder();
        void this.#restore().catch(() => undefined);
      },
    });
  }

  /** Can this backend hand-guide? (its capabilities, not its class) */
  static supported(backend: RobotBackend): boolean {
    return backend.capabilities.handGuiding && typeof backend.setHandGuiding === 'function';
  }

  /**
   * Switch to the compliant controller and start recording. Throws HandGuidingError when the
   * backend cannot hand-guide or the switch fails (after making sure the trajectory controller
   * is active again, in case the switch half-happened).
   */
  static async start(backend: RobotBackend, opts: HandGuidedOptions): Promise<HandGuidedRecording> {
    if (!HandGuidedRecording.supported(backend)) {
      throw new HandGuidingError(
        `the ${backend.kind} backend cannot switch the arm to a compliant controller (no hand-guiding configured)`,
      );
    }
    const b = backend as RobotBackend & { setHandGuiding(on: boolean): Promise<void> };
    const rec = new HandGuidedRecording(b, opts);
    try {
      await b.setHandGuiding(true);
    } catch (err) {
      await b.setHandGuiding(false).catch(() => undefined);
      throw new HandGuidingError(`could not switch the arm to its compliant controller: ${plain(err)}`, { cause: err });
    }
    try {
      rec.#recorder.start();
    } catch (err) {
      rec.#state = 'stopped';
      await rec.#restore().catch(() => undefined);
      throw new HandGuidingError(`could not start recording: ${plain(err)}`, { cause: err });
    }
    return rec;
  }

  /** still taking joint states (false after finish, abort or the time limit) */
  get recording(): boolean {
    return this.#state === 'recording' && this.#recorder.recording;
  }

  /** the time limit ended the recording */
  get truncated(): boolean {
    return this.#recorder.truncated;
  }

  get sampleCount(): number {
    return this.#demo?.samples.length ?? this.#recorder.sampleCount;
  }

  /** the trajectory controller is active again */
  get restored(): boolean {
    return this.#state === 'restored';
  }

  /**
   * Stop recording, switch back to the trajectory controller, and return the raw demonstration
   * (check it with processDemonstration). Throws HandGuidingError when the switch back fails;
   * calling finish() again retries it and returns the same demonstration.
   */
  async finish(): Promise<Demonstration> {
    this.#stopRecorder();
    await this.#restore();
    return this.#demo!;
  }

  /** Stop recording, discard it, and switch back to the trajectory controller. */
  async abort(): Promise<void> {
    this.#stopRecorder();
    await this.#restore();
  }

  #stopRecorder(): void {
    if (this.#state !== 'recording') return;
    this.#state = 'stopped';
    this.#demo = this.#recorder.stop();
  }

  /** One switch back at a time; a failed one can be retried. */
  #restore(): Promise<void> {
    if (this.#state === 'restored') return Promise.resolve();
    this.#restoring ??= this.#backend.setHandGuiding(false).then(
      () => {
        this.#state = 'restored';
        this.restoreError = null;
        this.#restoring = null;
      },
      (err: unknown) => {
        this.#restoring = null;
        this.restoreError = new HandGuidingError(`could not switch the arm back to its trajectory controller: ${plain(err)}`, {
          cause: err,
        });
        throw this.restoreError;
      },
    );
    return this.#restoring;
  }
}

function plain(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^\[[a-z]+\] /, '');
}
