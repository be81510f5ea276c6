/**
 * The console's panel sizes: the side panel's width (or "auto", which grows with the window),
 * whether it is collapsed, and the dialogue's share of its height. Remembered per browser in
 * localStorage; what is read back is validated and anything malformed is ignored (defaults).
 */
import { z } from 'zod';
import { createStore } from 'zustand/vanilla';

export const LAYOUT_KEY = 'shammie.layout.v1';

/** side panel width bounds, CSS px (before the large-screen zoom) */
export const SIDE_MIN = 300;
export const SIDE_MAX = 900;
/** the 3D view keeps at least this much of the window: its camera toolbar and the gripper readout fit on one line */
const VIEW_MIN = 560;
/** dialogue share of the side panel's height: at least 40 % so a long reply stays readable */
export const DIALOGUE_MIN = 0.4;
export const DIALOGUE_MAX = 0.8;
const DIALOGUE_DEFAULT = 0.46;
/** keyboard steps: arrow, Shift+arrow (px or share) */
const STEP_PX = 16;
const BIG_STEP_PX = 64;
const STEP_SHARE = 0.02;

const Saved = z.object({
  /** null: automatic width (clamp of the window width, see styles.css) */
  sideWidth: z.number().int().min(SIDE_MIN).max(SIDE_MAX).nullable(),
  collapsed: z.boolean(),
  dialogueShare: z.number().min(DIALOGUE_MIN).max(DIALOGUE_MAX),
});
export type LayoutState = z.infer<typeof Saved>;

const DEFAULTS: LayoutState = { sideWidth: null, collapsed: false, dialogueShare: DIALOGUE_DEFAULT };

/** What was saved, if it is well formed; otherwise the defaults (a bad value is never applied). */
export function parseSavedLayout(raw: string | null): LayoutState {
  if (!raw) return DEFAULTS;
  try {
    const r = Saved.safeParse(JSON.parse(raw));
    return r.success ? r.data : DEFAULTS;
  } catch {
    return DEFAULTS;
  }
}

/** the part of localStorage used here (typed locally: node tests import this file too) */
interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storage(): KeyValueStore | null {
  try {
    return (globalThis as { localStorage?: KeyValueStore }).localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy mode): sizes last for this page only
  }
}

export const layoutStore = createStore<LayoutState>(() => parseSavedLayout(storage()?.getItem(LAYOUT_KEY) ?? null));

layoutStore.subscribe((s) => {
  try {
    storage()?.setItem(LAYOUT_KEY, JSON.stringify({ sideWidth: s.sideWidth, collapsed: s.collapsed, dialogueShare: s.dialogueShare }));
  } catch {
    // quota or disabled storage: not worth a problem report
  }
});

/** the window the overlays over the 3D view are drawn for at scale 1, CSS px */
const OVERLAY_BASE_W = 1280;
const OVERLAY_BASE_H = 800;
/** the most the overlays grow (a 4K window): the 3D view stays the larger part */
export const OVERLAY_SCALE_MAX = 1.5;

/**
 * How much larger the overlays over the 3D view (banners, problems, the top row, the wrist
 * monitor's captions and reserved strips) are drawn in a window this big (CSS px): 1 up to
 * 1280×800, then as the window's smaller proportion grows (1.35 at 1920×1080), at most 1.5.
 * The CSS reads it as --overlay-scale; the wrist monitor's layout takes it as a number.
 */
export function overlayScale(windowWidth: number, windowHeight: number): number {
  const s = Math.min(windowWidth / OVERLAY_BASE_W, windowHeight / OVERLAY_BASE_H);
  // two decimals: the same value on the DOM and the WebGL side, and no sub-pixel churn
  return Math.round(Math.min(OVERLAY_SCALE_MAX, Math.max(1, s)) * 100) / 100;
}

/** The widest the side panel may be in a window this wide. */
export function sideMax(windowWidth: number): number {
  return Math.max(SIDE_MIN, Math.min(SIDE_MAX, windowWidth - VIEW_MIN));
}

export function setSideWidth(px: number, windowWidth: number): void {
  const w = Math.round(Math.min(sideMax(windowWidth), Math.max(SIDE_MIN, px)));
  layoutStore.setState({ sideWidth: w, collapsed: false });
}

export function setDialogueShare(share: number): void {
  const v = Math.min(DIALOGUE_MAX, Math.max(DIALOGUE_MIN, share));
  layoutStore.setState({ dialogueShare: Math.round(v * 1000) / 1000 });
}

/**
 * Arrow keys on the side panel's separator (a vertical bar): Left widens the panel (it sits on
 * the right), Right narrows it; Shift takes bigger steps; Home/End go to the bounds; Enter
 * collapses or expands. Returns true when the key was used.
 */
export function sideKey(key: string, shift: boolean, current: number, windowWidth: number): boolean {
  const step = shift ? BIG_STEP_PX : STEP_PX;
  if (key === 'ArrowLeft') setSideWidth(current + step, windowWidth);
  else if (key === 'ArrowRight') setSideWidth(current - step, windowWidth);
  else if (key === 'Home') setSideWidth(SIDE_MIN, windowWidth);
  else if (key === 'End') setSideWidth(sideMax(windowWidth), windowWidth);
  else if (key === 'Enter') layoutStore.setState((s) => ({ collapsed: !s.collapsed }));
  else return false;
  return true;
}

/** Arrow keys on the dialogue/tabs separator (a horizontal bar): Down gives the dialogue more. */
export function dialogueKey(key: string, shift: boolean): boolean {
  const step = shift ? STEP_SHARE * 4 : STEP_SHARE;
  const s = layoutStore.getState().dialogueShare;
  if (key === 'ArrowDown') setDialogueShare(s + step);
  else if (key === 'ArrowUp') setDialogueShare(s - step);
  else if (key === 'Home') setDialogueShare(DIALOGUE_MIN);
  else if (key === 'End') setDialogueShare(DIALOGUE_MAX);
  else return false;
  return true;
}
