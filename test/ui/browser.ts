/**
 * Types of what the console exposes on `window.__shammie` (ui/src/main.tsx), for code the
 * tests run inside the page. The root tsconfig has no DOM library, so test files declare a
 * module-local `window` of this shape instead.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { ConnectionState } from '../../ui/src/stores/connection.js';
import type { PreviewState } from '../../ui/src/stores/preview.js';
import type { SessionState } from '../../ui/src/stores/session.js';
import type { TeachState } from '../../ui/src/stores/teach.js';
import type { ViewState } from '../../ui/src/stores/view.js';
import type { VoiceUiState } from '../../ui/src/audio/store.js';
import type { CaptureRequest, captureProbe } from '../../ui/src/studio/capture.js';
import type { StudioStoreState } from '../../ui/src/studio/store.js';

export interface ShammieHooks {
  stores: {
    connection: StoreApi<ConnectionState>;
    session: StoreApi<SessionState>;
    preview: StoreApi<PreviewState>;
    teach: StoreApi<TeachState>;
    view: StoreApi<ViewState>;
  };
  joints: { received: number; version: number; q: Float64Array; bodies: Float64Array; gripper: number; rate(): number };
  frames: { frames: number; robotReady: boolean; shownPreview: string; shownAt: number; renders: number };
  latency: { enterAt: number; text: string };
  project(p: [number, number, number]): { x: number; y: number } | null;
  requestFrame(): void;
  client: { connected: boolean; simulateDrop(): void };
  voice: { store: StoreApi<VoiceUiState>; level: { db: number; at: number; peak: number } };
  studio: { store: StoreApi<StudioStoreState>; probe: typeof captureProbe; queue: CaptureRequest[]; shoot(): boolean };
}

/** `window` as code inside page.evaluate / waitForFunction sees it. */
export type PageWindow = { __shammie: ShammieHooks; dispatchEvent(e: unknown): boolean } & Record<string, unknown>;
