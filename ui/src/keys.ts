/**
 * The console's keys, and the words that describe them, in one place so the buttons, the hints,
 * the shortcut sheet and the behaviour cannot drift apart.
 *
 * STOP: Esc stops from anywhere, the command box included; Space stops whenever the focus is
 * not in a text box (there it types a space), and on a focused button it stops instead of
 * pressing that button (Space on Execute never executes). One exception: with a dialog open
 * (the shortcut sheet, a confirmation), Esc closes the dialog first, and stops too if the arm
 * may be moving, so a dialog never holds back a stop and never throws away a waiting preview.
 *
 * The other shortcuts follow what VS Code, Foxglove and RViz users expect: Enter sends the
 * command (the form does that), Ctrl+Enter (⌘+Enter) executes the preview on screen (from the
 * command box too; plain Enter never executes), Esc drops a waiting preview (a stop in that
 * state ends it and moves nothing), Ctrl+L opens the library, `/` goes to the command box and
 * `?` opens the shortcut sheet (both only outside text boxes, where they type).
 *
 * Installed once on `window`, in the capture phase, before React renders: the first listener
 * any key event meets, so no component can swallow it, and the stop is sent at keydown from
 * this handler with no React state in between. Other keys return after a few string compares:
 * nothing is allocated and nothing re-renders per key.
 */
import { createStore } from 'zustand/vanilla';
import { executeBlock, lastCommand, openLibrary, stopRobot, confirmPreview } from './panels/actions.js';
import { previewStore } from './stores/preview.js';
import { addLocalProblem, dismissLocalProblem, sessionStore } from './stores/session.js';

/** The keys, as the STOP button and the hints say them. */
export const STOP_KEYS = {
  /** on the button, next to STOP */
  short: 'Esc anywhere · Space outside text boxes',
  /** tooltip and accessible name */
  long: 'Halt the robot now. Keys: Esc from anywhere, the command box included; Space outside text boxes (in a text box it types a space)',
  /** in running text ("press STOP or …") */
  inline: 'Esc (anywhere) or Space (outside text boxes)',
} as const;

/** The other shortcuts: `label` on buttons and in the sheet, `aria` for aria-keyshortcuts. */
export const KEYS = {
  execute: { label: 'Ctrl+Enter', aria: 'Control+Enter Meta+Enter' },
  cancel: { label: 'Esc', aria: 'Escape' },
  stop: { label: 'Esc · Space', aria: 'Escape Space' },
  library: { label: 'Ctrl+L', aria: 'Control+L Meta+L' },
  command: { label: '/', aria: '/' },
  sheet: { label: '?', aria: '?' },
} as const;

/** The shortcut sheet's rows, in the order an operator meets them (labels from KEYS, as on the buttons). */
export const SHEET: readonly { keys: string; what: string }[] = [
  { keys: KEYS.command.label, what: 'Go to the command box (outside text boxes)' },
  { keys: 'Enter', what: 'Send the command: its plan and a preview show; nothing moves' },
  { keys: `${KEYS.execute.label} (⌘+Enter)`, what: 'Execute the preview shown, from the command box too. Plain Enter never executes' },
  { keys: 'Esc', what: 'STOP from anywhere. A waiting preview is dropped; with a dialog open, Esc closes it' },
  { keys: 'Space', what: 'STOP, outside text boxes (on a focused button too)' },
  { keys: 'cancel, Enter', what: 'Typed in the command box: drop a question, end a camera move or a lesson (one level at a time)' },
  { keys: KEYS.library.label, what: 'Open the library' },
  { keys: '← / →', what: 'On the side panel tabs: the previous / next tab' },
  { keys: 'V (hold)', what: 'Talk, outside text boxes' },
  { keys: 'S or Enter', what: 'Studio tab: shoot a frame (outside text boxes and buttons)' },
  { keys: 'Tab / Shift+Tab', what: 'Move between controls; Enter presses the focused button' },
  { keys: KEYS.sheet.label, what: 'This sheet (outside text boxes)' },
];

/** Whether the shortcut sheet is open. */
export const keysStore = createStore<{ sheet: boolean }>(() => ({ sheet: false }));

/**
 * Open dialogs, innermost last: Esc closes the innermost. A dialog registers its close function
 * while it is shown (`pushDialog` returns the function that unregisters it).
 */
const dialogs: (() => void)[] = [];
/** Dialogs nest at most this deep; a leak would otherwise grow the list without end. */
const MAX_DIALOGS = 16;

export function pushDialog(close: () => void): () => void {
  if (dialogs.length >= MAX_DIALOGS) dialogs.shift();
  dialogs.push(close);
  return () => {
    const i = dialogs.lastIndexOf(close);
    if (i >= 0) dialogs.splice(i, 1);
  };
}

/** ms after sending a command or a confirm during which the arm may start without the console knowing yet */
const MAY_START_MS = 3000;

/** The arm may be moving (or about to): a dialog must not hold back the stop then. */
function armMayMove(): boolean {
  const s = sessionStore.getState();
  const kind = s.dialogue?.kind;
  if (s.moving || s.phase === 'executing' || s.phase === 'planning') return true;
  if (kind === 'executing' || kind === 'framing' || kind === 'recording') return true;
  const p = previewStore.getState();
  if (p.mode === 'executing' || (p.mode === 'pending' && p.preview?.autoConfirm)) return true;
  // A command or confirm not yet answered by a preview may start the arm (a confirm, an auto-confirmed behavior).
  return lastCommand.at > p.receivedAt && performance.now() - lastCommand.at < MAY_START_MS;
}

/**
 * Arrow keys on a tablist (the WAI-ARIA tabs pattern): ←/→ pick the previous/next tab, Home/End
 * the first/last, and the chosen tab gets the focus. Only the selected tab is a Tab stop, so Tab
 * from it goes on into its panel.
 */
export function tabListKeys(e: { key: string; currentTarget: HTMLElement; preventDefault(): void }): void {
  const tabs = [...e.currentTarget.querySelectorAll<HTMLElement>('[role=tab]')];
  const i = tabs.indexOf(document.activeElement as HTMLElement);
  if (i < 0 || tabs.length === 0) return;
  const n = tabs.length;
  const to =
    e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i - 1 + n) % n : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
  if (to < 0) return;
  e.preventDefault();
  tabs[to].focus();
  tabs[to].click();
}

/** <input> types where Space does not type a character (it toggles or presses). */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file', 'image']);

/** A text box: Space types a character there. A <select> or a button is not one. */
export function isTextField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA') return true;
  return el.tagName === 'INPUT' && !NON_TEXT_INPUTS.has((el as HTMLInputElement).type);
}

/** Where a printable key is typed or picks an option: `/` and `?` leave it alone. */
function isTyping(t: EventTarget | null): boolean {
  return isTextField(t) || (t as HTMLElement | null)?.tagName === 'SELECT';
}

function isSpace(e: KeyboardEvent): boolean {
  return e.code === 'Space' || e.key === ' ';
}

/** ms the "Ctrl+Enter did not execute" note stays */
const KEY_NOTE_MS = 8000;
let noteTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Ctrl+Enter: confirm the preview on screen, exactly as the Execute button does and under the
 * same conditions, plus two of its own: nothing typed is waiting in the command box, and no
 * newer command is being planned (it would replace the preview shown: never run the old one).
 */
function executeFromKey(target: EventTarget | null): void {
  const typed = isTextField(target) && (target as HTMLInputElement).value.trim() !== '';
  const why = typed ? 'Send the typed text first (Enter), or clear it: Ctrl+Enter executes the preview already shown.' : executeBlock();
  if (why) {
    addLocalProblem({ id: 'keys', severity: 'info', message: `Ctrl+Enter did not execute. ${why}` });
    // A note about one key press: it goes by itself (or with ×), never stays to mislead later.
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => dismissLocalProblem('keys'), KEY_NOTE_MS);
    return;
  }
  dismissLocalProblem('keys');
  confirmPreview();
}

function onKeyDown(e: KeyboardEvent): void {
  const key = e.key;
  if (key === 'Escape' || e.code === 'Escape') {
    // Not stopPropagation: a component may also react to Esc (close a menu); it cannot prevent the stop.
    e.preventDefault();
    if (e.repeat) return;
    const close = dialogs.at(-1);
    if (close) {
      close();
      if (!armMayMove()) return;
    }
    stopRobot();
  } else if (isSpace(e)) {
    if (isTextField(e.target)) return;
    // preventDefault at keydown keeps a focused button, checkbox or select from acting on this
    // Space (a button "clicks" on keyup only after its keydown default ran) and the page from scrolling.
    e.preventDefault();
    e.stopPropagation();
    // A held key repeats: one stop per press.
    if (!e.repeat) stopRobot();
  } else if (key === 'Enter') {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    // No form submit, no studio shot, no button press: this key only executes.
    e.preventDefault();
    e.stopPropagation();
    if (!e.repeat && dialogs.length === 0) executeFromKey(e.target);
  } else if (key === 'l' || key === 'L') {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    e.preventDefault();
    if (dialogs.length === 0) openLibrary();
  } else if (key === '?' || key === '/') {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || dialogs.length > 0) return;
    e.preventDefault();
    if (key === '?') keysStore.setState({ sheet: true });
    else document.querySelector<HTMLInputElement>('[data-testid=utterance]')?.focus();
  }
}

function onKeyUp(e: KeyboardEvent): void {
  // Belt and braces for the keyup half of a button's Space activation.
  if (isSpace(e) && !isTextField(e.target)) e.preventDefault();
}

/** Listen for the console's keys on `win` (capture phase); returns the function that stops listening. */
export function installStopKeys(win: Window = window): () => void {
  win.addEventListener('keydown', onKeyDown, true);
  win.addEventListener('keyup', onKeyUp, true);
  return () => {
    win.removeEventListener('keydown', onKeyDown, true);
    win.removeEventListener('keyup', onKeyUp, true);
  };
}
