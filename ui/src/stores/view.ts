/** View settings: camera preset, side panel tab, point mode. */
import { createStore } from 'zustand/vanilla';

export type CameraPreset = 'perspective' | 'front' | 'top' | 'wrist';
export type Tab = 'plan' | 'library' | 'teach' | 'studio';

export interface ViewState {
  preset: CameraPreset;
  /** bumps when a preset is chosen again (re-apply it) */
  presetNonce: number;
  tab: Tab;
  /** clicks in the scene send world points even when the robot did not ask */
  pointMode: boolean;
  /** the last clicked world point, shown as a marker */
  lastPoint: [number, number, number] | null;
}

export const viewStore = createStore<ViewState>(() => ({
  preset: 'perspective',
  presetNonce: 0,
  tab: 'plan',
  pointMode: false,
  lastPoint: null,
}));

export function choosePreset(preset: CameraPreset): void {
  viewStore.setState((s) => ({ preset, presetNonce: s.presetNonce + 1 }));
}
