/**
 * The STOP keys, and the words that describe them, in one place so the button, the hints and
 * the behaviour cannot drift apart: Esc stops from anywhere, the command box included; Space
 * stops whenever the focus is not in a text box (there it types a space), and on a focused
 * button it stops instead of pressing that button (Space on Execute never executes).
 *
 * Installed once on `window`, in the capture phase, before React renders: the first listener
 * any key event meets, so no component can swallow it, and the stop is sent at keydown from
 * this handler with no React state in between. Other keys return after two string compares:
 * nothing is allocated and nothing re-renders per key.
 */
import { stopRobot } from './panels/actions.js';

/** The keys, as the STOP button and the hints say them. */
export const STOP_KEYS = {
  /** on the button, next to STOP */
  short: 'Esc anywhere · Space outside text boxes',
  /** tooltip and accessible name */
  long: 'Halt the robot now. Keys: Esc from anywhere, the command box included; Space outside text boxes (in a text box it types a space)',
  /** in running text ("press STOP or …") */
  inline: 'Esc (anywhere) or Space (outside text boxes)',
} as const;

/** <input> types where Space does not type a character (it toggles or presses). */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file', 'image']);

/** A text box: Space types a character there. A <select> or a button is not one. */
export function isTextField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA') return true;
  return el.tagName === 'INPUT' && !NON_TEXT_INPUTS.has((el as HTMLInputElement).type);
}

function isSpace(e: KeyboardEvent): boolean {
  return e.code === 'Space' || e.key === ' ';
}

function onKeyDown(e: KeyboardEvent): void {
  if (e.key === 'Escape' || e.code === 'Escape') {
    // Not stopPropagation: a component may also react to Esc (close a menu); it cannot prevent the stop.
    e.preventDefault();
    if (!e.repeat) stopRobot();
  } else if (isSpace(e) && !isTextField(e.target)) {
    // preventDefault at keydown keeps a focused button, checkbox or select from acting on this
    // Space (a button "clicks" on keyup only after its keydown default ran) and the page from scrolling.
    e.preventDefault();
    e.stopPropagation();
    // A held key repeats: one stop per press.
    if (!e.repeat) stopRobot();
  }
}

function onKeyUp(e: KeyboardEvent): void {
  // Belt and braces for the keyup half of a button's Space activation.
  if (isSpace(e) && !isTextField(e.target)) e.preventDefault();
}

/** Listen for the STOP keys on `win` (capture phase); returns the function that stops listening. */
export function installStopKeys(win: Window = window): () => void {
  win.addEventListener('keydown', onKeyDown, true);
  win.addEventListener('keyup', onKeyUp, true);
  return () => {
    win.removeEventListener('keydown', onKeyDown, true);
    win.removeEventListener('keyup', onKeyUp, true);
  };
}
