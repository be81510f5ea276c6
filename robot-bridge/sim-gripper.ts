/**
 * The gripper of the SimBackend: one command at a time on the sim world's fingers, resolved
 * when they stop moving (at the goal, or stalled on an object), after `timeout`, or when
 * superseded, stopped or disconnected.
 *
 * Units: m (finger position), N (effort), seconds of sim time.
 */
import type { SimLoop } from '../sim/loop.js';
import { GRIPPER_GOAL_TOLERANCE, type SimWorld } from '../sim/world.js';
import type { GripperCommand, GripperResult } from './types.js';

interface GripperOp {
  resolve: (r: GripperResult) => void;
  deadline: number;
  /** the commanded position (clamped into the finger range) */
  goal: number;
}

export class SimGripper {
  readonly #world: SimWorld;
  readonly #loop: SimLoop;
  /** s of sim time */
  readonly #timeout: number;
  #op: GripperOp | null = null;

  constructor(world: SimWorld, loop: SimLoop, timeout: number) {
    this.#world = world;
    this.#loop = loop;
    this.#timeout = timeout;
  }

  /** a command is in progress (the loop keeps stepping) */
  get busy(): boolean {
    return this.#op !== null;
  }

  /** `connected`: whether the backend can take commands now. */
  command(command: GripperCommand, connected: boolean): Promise<GripperResult> {
    const fail = (error: string): GripperResult => ({
      position: this.#world.gripperPosition(),
      effort: 0,
      stalled: false,
      reachedGoal: false,
      error,
    });
    if (!connected) return Promise.resolve(fail('the sim backend is not connected; call connect() first'));
    if (!this.#world.hasGripper) return Promise.resolve(fail(`${this.#world.robot.name} has no gripper`));
    if (!command || !Number.isFinite(command.position)) return Promise.resolve(fail('gripper position must be a finite number'));
    if (this.#op) this.resolve(); // superseded by this command
    this.#world.setGripper(command.position, { maxEffort: Number.isFinite(command.maxEffort) ? command.maxEffort : undefined });
    const goal = this.#world.gripperState().goal;
    const result = new Promise<GripperResult>((resolve) => {
      this.#op = { resolve, deadline: this.#world.time + this.#timeout, goal };
    });
    this.#loop.kick();
    return result;
  }

  /** After each physics step (`now`: sim time, s): done once the fingers stop, or out of time. */
  monitor(now: number): void {
    if (this.#op) {
      if (!this.#world.gripperMoving) this.resolve();
      else if (now >= this.#op.deadline) this.resolve('the gripper did not finish in time');
    }
  }

  /** Resolve the command in progress (if any) with where the fingers are now. */
  resolve(error?: string): void {
    const op = this.#op;
    if (!op) return;
    this.#op = null;
    const g = this.#world.gripperState();
    // Judged against the command's goal (a stop moves the world's goal to where the fingers are).
    const reachedGoal = Math.abs(g.position - op.goal) <= GRIPPER_GOAL_TOLERANCE;
    op.resolve({
      position: g.position,
      effort: Math.abs(g.effort),
      stalled: g.stalled && !reachedGoal,
      reachedGoal,
      ...(error ? { error } : {}),
    });
    this.#loop.yieldSoon();
  }
}
