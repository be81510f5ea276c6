/**
 * The keyboard shortcut sheet (`?`, or the Keys button in the top bar): a modal dialog. The rest
 * of the page is inert while it is open, Tab cycles inside it, Esc or Close shuts it and the
 * focus goes back where it was. The rows come from keys.ts, the code that handles the keys.
 */
import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import { useStore } from 'zustand';
import { KEYS, SHEET, keysStore, pushDialog } from '../keys.js';

const close = () => keysStore.setState({ sheet: false });

export function ShortcutSheet() {
  const open = useStore(keysStore, (s) => s.sheet);
  return open ? createPortal(<Sheet />, document.body) : null;
}

/** What Tab can reach inside the dialog. */
const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

function Sheet() {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const unregister = pushDialog(close);
    const root = document.getElementById('root');
    // Inert: no click, focus or screen-reader visit reaches the console behind the sheet.
    root?.setAttribute('inert', '');
    box.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    return () => {
      unregister();
      root?.removeAttribute('inert');
      if (before?.isConnected) before.focus();
    };
  }, []);
  const trap = (e: ReactKeyboardEvent) => {
    if (e.key !== 'Tab' || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (items.length === 0) return e.preventDefault();
    const i = items.indexOf(document.activeElement as HTMLElement);
    const next = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : i === items.length - 1 ? 0 : i + 1;
    e.preventDefault();
    items[next].focus();
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        ref={box}
        className="modal shortcut-sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcut-sheet-title"
        data-testid="shortcut-sheet"
        onKeyDown={trap}
      >
        <h2 id="shortcut-sheet-title">Keyboard shortcuts</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Keys</th>
              <th scope="col">What they do</th>
            </tr>
          </thead>
          <tbody>
            {SHEET.map((row) => (
              <tr key={row.keys}>
                <td>
                  <kbd>{row.keys}</kbd>
                </td>
                <td>{row.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="hint">
          STOP works with this sheet open: Space stops; Esc closes the sheet, and stops too while the arm moves. Execute stays your
          confirmation of the preview on screen: a newer command or text not yet sent in the command box blocks {KEYS.execute.label}.
        </p>
        <div className="btn-row">
          <button type="button" onClick={close} data-testid="shortcut-close" aria-keyshortcuts={KEYS.cancel.aria}>
            Close <kbd>Esc</kbd>
          </button>
        </div>
      </div>
    </div>
  );
}
