/**
 * One shared MuJoCo WASM module per process: loading it costs ~0.4 s, and every SimWorld can
 * live in the same heap.
 */
import loadMujoco, { type MainModule } from '@mujoco/mujoco';

let module: Promise<MainModule> | undefined;

export function mujoco(): Promise<MainModule> {
  module ??= loadMujoco();
  return module;
}

export type { MainModule, MjModel, MjData } from '@mujoco/mujoco';
