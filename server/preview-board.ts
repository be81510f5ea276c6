/**
 * The preview every console shows: the session's pending preview (confirmable), a plan the
 * session refused (drawn red, never confirmable), or the plan that is running (its path stays,
 * no longer confirmable). Each gets a fresh id; a confirm must quote the id of the one shown.
 */
import type { App } from '../session/app.js';
import type { Preview, Turn } from '../session/session.js';
import { locate } from './messages.js';
import { buildPreviewInfo, partialPreview, previewStillValid } from './preview.js';
import type { PreviewInfo, ServerMessage } from './protocol.js';

export interface ShownPreview {
  info: PreviewInfo;
  /** the session's Preview object while it is pending (confirm executes exactly this) */
  session: Preview | null;
}

export class PreviewBoard {
  readonly #app: App;
  readonly #serverId: string;
  readonly #broadcast: (m: ServerMessage) => void;
  #seq = 0;
  #shown: ShownPreview | null = null;

  constructor(app: App, serverId: string, broadcast: (m: ServerMessage) => void) {
    this.#app = app;
    this.#serverId = serverId;
    this.#broadcast = broadcast;
  }

  get shown(): ShownPreview | null {
    return this.#shown;
  }

  #build(preview: Preview, utterance: string, confirmable: boolean, autoConfirm: boolean): PreviewInfo {
    const { backend, model } = this.#app;
    return buildPreviewInfo(preview, model, {
      id: `p${++this.#seq}-${this.#serverId}`,
      utterance,
      confirmable,
      autoConfirm,
      startQ: backend.jointState().position,
      startGripper: backend.gripperPosition(),
    });
  }

  /** The session made a preview: show it (confirmable while the session holds it pending). */
  show(preview: Preview, autoConfirm: boolean): PreviewInfo {
    const session = this.#app.session;
    const utterance = [...session.history].reverse().find((t) => t.kind === 'plan' && !t.executed)?.utterance ?? '';
    const pending = session.pending === preview;
    const info = this.#build(preview, utterance, pending, autoConfirm);
    this.#shown = { info, session: pending ? preview : null };
    this.#broadcast({ type: 'preview', preview: info });
    return info;
  }

  /** The session refused a plan (unsafe, or not plannable): show it red, never confirmable. */
  showRefused(utterance: string, plan: NonNullable<Turn['plan']>): void {
    const { registry, world, session } = this.#app;
    try {
      const valid = registry.validatePlan(plan, { entities: world.names() });
      if (!valid.ok) return;
      let preview: Preview;
      try {
        preview = session.preview(valid.plan);
      } catch {
        preview = partialPreview(session, valid.plan);
      }
      const info = this.#build(preview, utterance, false, false);
      this.#shown = { info, session: null };
      this.#broadcast({ type: 'preview', preview: info });
    } catch {
      // It failed to compile after all: the reply already says why.
    }
  }

  /** The session left its pending preview: while it executes the path stays (not confirmable); otherwise it goes. */
  cleared(executing: boolean, stopped: boolean): void {
    const id = this.#shown?.info.id ?? null;
    if (executing) {
      if (this.#shown) this.#shown = { info: { ...this.#shown.info, confirmable: false, autoConfirm: false }, session: null };
      this.#broadcast({ type: 'preview_cleared', id, reason: 'executing' });
    } else {
      this.#shown = null;
      this.#broadcast({ type: 'preview_cleared', id, reason: stopped ? 'stopped' : 'cancelled' });
    }
  }

  /** After a command: a pending preview the session replaced without a word is taken down. */
  dropIfReplaced(executionActive: boolean): void {
    const cur = this.#shown;
    if (cur?.session && this.#app.session.pending !== cur.session && !executionActive) {
      this.#shown = null;
      this.#broadcast({ type: 'preview_cleared', id: cur.info.id, reason: 'replaced' });
    }
  }

  /** Is this the pending preview the session would execute? */
  isPending(id: string): boolean {
    const cur = this.#shown;
    return !!cur && cur.info.id === id && !!cur.session && this.#app.session.pending === cur.session;
  }

  /**
   * The pending preview, if the world changed under it since it was shown (an object moved, the
   * arm is elsewhere): its utterance and why, reported once (it stops counting as pending here).
   */
  takeStale(): { utterance: string; reason: string } | null {
    const cur = this.#shown;
    if (!cur?.session || this.#app.session.pending !== cur.session) return null;
    const valid = previewStillValid(cur.session, this.#app.backend.jointState().position, (e) => locate(this.#app, e));
    if (valid.ok) return null;
    cur.session = null; // do not trigger twice
    return { utterance: cur.info.utterance, reason: valid.reason };
  }
}
