/**
 * The console hub: everything between the Session and the browsers.
 *
 * - Listens to the session (dialogue, previews, execution), the backend (joint states), the
 *   world model and the skill registry, and turns them into protocol messages for every
 *   connected console.
 * - Takes the consoles' requests (say, confirm, cancel, stop, point, IK for the teaching gizmo,
 *   saving recordings) and drives the same Session the CLI drives. One command at a time
 *   reaches the session; stop bypasses the queue.
 *
 * Invariants:
 * - Nothing moves without a confirm that quotes the id of the pending preview, and the session
 *   executes exactly the compiled steps that preview showed. If the world changed since the
 *   preview, the hub re-plans, shows the new preview and asks again instead of executing.
 * - Joint states go out at a bounded rate (default 50 Hz) and are coalesced, never queued.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { App } from '../session/app.js';
import type { ProbeResult } from './probe.js';
import { OPERATOR, type Preview, type SessionEvent, type Source, type Turn } from '../session/session.js';
import { previewStillValid } from './preview.js';
import { PreviewBoard } from './preview-board.js';
import {
  PROTOCOL_VERSION,
  isStudioClientMessage,
  isVoiceClientMessage,
  parseClientMessage,
  type ClientMessage,
  type DialogueEntry,
  type ExecutionState,
  type HelloMessage,
  type Phase,
  type ProblemInfo,
  type SceneInfo,
  type ServerMessage,
} from './protocol.js';
import { saveRecording } from './recordings.js';
import { readFileSync } from 'node:fs';
import { loadConsoleSettings, saveConsoleSettings } from './console-settings.js';
import { JointStream } from './joint-stream.js';
import { IDLE_EXECUTION, nextExecution } from './execution-view.js';
import { solveIkRequest } from './ik.js';
import { Transcript } from './transcript.js';
import { failureTip, jointsMessage, robotInfo, libraryMessage, locate, sceneInfo, worldMessage } from './messages.js';

export { failureTip } from './messages.js';

export interface HubOptions {
  probes: ProbeResult[];
  /** where save_recording writes */
  recordingsDir: string;
  /** URL path the browser loads the robot's URDF from */
  urdfUrl: string;
  /** joint-state messages per second at most (default 50) */
  jointRate?: number;
  /** where console settings that outlive a restart are kept (auto-confirm); none: memory only */
  settingsPath?: string;
}

/**
 * A part of the console that lives beside the core dialogue (the microphone channels, the
 * stop-motion studio). It sees every connection and the requests of its own message types.
 */
export interface HubExtension {
  /** a console connected (after the core state went out): send it this part's state */
  attach?(ws: WebSocket): void;
  /** a console disconnected */
  detach?(ws: WebSocket): void;
  /** a request of this part's types; true when handled */
  handle?(ws: WebSocket, msg: ClientMessage): Promise<boolean> | boolean;
  /** a binary frame (microphone audio); true when taken */
  binary?(ws: WebSocket, data: Buffer): boolean;
  dispose?(): void | Promise<void>;
}

/** utterances that must halt the arm at once, even while a motion holds the command queue */
const STOP_WORDS = /^\s*(?:stop|halt|freeze|emergency stop|e-?stop)\b/i;
/** ping period; a console that misses two pongs is dropped */
const PING_MS = 5000;

export class ConsoleHub {
  readonly app: App;
  readonly serverId = randomBytes(4).toString('hex');
  readonly clients = new Set<WebSocket>();
  readonly #opts: HubOptions;
  readonly #scene: SceneInfo;
  readonly #transcript = new Transcript();
  readonly #previews: PreviewBoard;
  #execution: ExecutionState = IDLE_EXECUTION;
  #executionStarted = false;
  #stopFlag = false;
  #stopEpoch = 0;
  #planning = 0;
  #replanning = false;
  readonly #autoConfirm = new Set<string>();
  readonly #problems = new Map<string, ProblemInfo>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #tick = 0;
  readonly #joints: JointStream;
  #lastWorld = '';
  #lastStatus = '';
  #libraryQueued = false;
  readonly #unsubs: (() => void)[] = [];
  readonly extensions: HubExtension[] = [];
  /** utterances said through a microphone, waiting for the session to echo them */
  readonly #voiceUtterances = new Set<string>();
  #disposed = false;
  readonly #sources = new Map<WebSocket, Source>();

  constructor(app: App, opts: HubOptions) {
    this.app = app;
    this.#opts = opts;
    this.#scene = sceneInfo(app);
    this.#previews = new PreviewBoard(app, this.serverId, (m) => this.broadcast(m));
    // First listener: the consoles get each entry before other listeners act on it (a spoken reply follows its line).
    this.#transcript.onEntry((entry) => this.broadcast({ type: 'dialogue', entry }));
    this.#unsubs.push(app.session.subscribe((e) => this.#onSession(e)));
    this.#unsubs.push(app.world.onChange(() => this.#queueLibrary()));
    this.#unsubs.push(app.registry.onChange(() => this.#queueLibrary()));
    this.#joints = new JointStream(this.clients, opts.jointRate ?? 50, () => jointsMessage(app, this.#scene));
    this.#loadSettings();
    // Joint states are forwarded as the backend publishes them (thinned to the joint rate by
    // their stamps), so a busy machine delays them but does not thin them out; the timer
    // only sends keepalives and the slower world/status updates.
    this.#unsubs.push(app.backend.onJointState((js) => !this.#disposed && this.#joints.onJointState(js.stamp)));
    this.#timer = setInterval(() => this.#onTick(), 20);
    this.#timer.unref?.();
  }

  /** Add a part (voice, studio); it sees connections from now on. */
  use<T extends HubExtension>(ext: T): T {
    this.extensions.push(ext);
    for (const ws of this.clients) ext.attach?.(ws);
    return ext;
  }

  /** Stop everything; resolves when the extensions have released their processes. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const parts = this.extensions.map((ext) =>
      Promise.resolve()
        .then(() => ext.dispose?.())
        .catch(() => undefined),
    );
    if (this.#timer) clearInterval(this.#timer);
    for (const u of this.#unsubs) u();
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    await Promise.all(parts);
  }

  /** Drop every connection (tests use this to check that consoles reconnect). */
  dropClients(): void {
    for (const ws of this.clients) ws.terminate();
  }

  /** Run session commands one at a time (stop does not queue). */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  /** Auto-confirm flags from the settings file; a file that does not parse is set aside, not lost. */
  #loadSettings(): void {
    const path = this.#opts.settingsPath;
    if (!path) return;
    const r = loadConsoleSettings(path, (name) => this.app.registry.has(name));
    for (const name of r.autoConfirm) this.#autoConfirm.add(name);
    if (r.problem) this.#problems.set('settings', r.problem);
  }

  #saveSettings(): void {
    const path = this.#opts.settingsPath;
    if (!path) return;
    try {
      saveConsoleSettings(path, this.#autoConfirm);
    } catch (err) {
      this.#setProblem({
        id: 'settings',
        severity: 'warn',
        message: `Could not save the console settings: ${(err as Error).message}`,
        tip: 'Auto-confirm still works until the server stops.',
      });
    }
  }

  get phase(): Phase {
    if (this.#execution.active || this.app.session.executing) return 'executing';
    if (this.#planning > 0) return 'planning';
    if (this.app.session.pending) return 'pending';
    return 'idle';
  }

  // -------------------------------------------------------------------------------------------
  // Connections

  /**
   * Who a connection speaks for: 'console:<id>'. The console keeps its id for the life of the tab
   * and sends it in the WebSocket URL (?client=…), so a reconnect is still the same console.
   */
  sourceOf(ws: WebSocket): Source {
    return this.#sources.get(ws) ?? 'console:unknown';
  }

  attach(ws: WebSocket, clientId?: string): void {
    this.clients.add(ws);
    const id = clientId && /^[A-Za-z0-9_-]{1,64}$/.test(clientId) ? clientId : randomBytes(6).toString('hex');
    this.#sources.set(ws, `console:${id}`);
    // Drop connections that died silently (a laptop lid closed, a cable pulled).
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const ping = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, PING_MS);
    ping.unref?.();
    let gone = false;
    const leave = () => {
      this.clients.delete(ws);
      if (gone) return;
      gone = true;
      for (const ext of this.extensions) ext.detach?.(ws);
      const source = this.sourceOf(ws);
      this.#sources.delete(ws);
      // The last connection of this console went away: its pending plan no longer blocks the others.
      if (![...this.#sources.values()].includes(source)) this.app.session.disconnected(source);
      this.#pushStatus();
    };
    ws.on('close', () => clearInterval(ping));
    ws.on('close', leave);
    ws.on('error', leave);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (this.extensions.some((ext) => ext.binary?.(ws, buf))) return;
        return this.sendTo(ws, {
          type: 'error',
          re: 'audio',
          message: 'audio frames arrive only after voice_open; this one was dropped',
          tip: 'Press Talk (or V) again.',
        });
      }
      // Text frames arrive as a Buffer (or fragments); ws never hands over anything else here.
      const parsed = parseClientMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
      if (!parsed.ok)
        return this.sendTo(ws, {
          type: 'error',
          message: parsed.error,
          tip: 'The console and the server may be different versions: reload the page.',
        });
      void this.#handle(ws, parsed.message).catch((err: Error) => {
        this.sendTo(ws, { type: 'error', re: parsed.message.type, message: err.message });
      });
    });
    this.sendTo(ws, this.hello());
    this.sendTo(ws, this.#libraryMessage());
    this.sendTo(ws, this.#statusMessage());
    this.sendTo(ws, worldMessage(this.app, this.#scene));
    this.sendTo(ws, jointsMessage(this.app, this.#scene));
    for (const ext of this.extensions) ext.attach?.(ws);
  }

  hello(): HelloMessage {
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      serverId: this.serverId,
      robot: robotInfo(this.app.model, this.#opts.urdfUrl),
      scene: this.#scene,
      probes: this.#opts.probes,
      transcript: this.#transcript.recent(100),
      preview: this.#previews.shown?.info ?? null,
      execution: this.#execution,
      recordingsDir: this.#opts.recordingsDir,
    };
  }

  sendTo(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  }

  broadcast(msg: ServerMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(msg);
    for (const ws of this.clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  async #handle(ws: WebSocket, msg: ClientMessage): Promise<void> {
    const session = this.app.session;
    if (isVoiceClientMessage(msg) || isStudioClientMessage(msg)) {
      for (const ext of this.extensions) if (await ext.handle?.(ws, msg)) return;
      this.sendTo(ws, {
        type: 'error',
        re: msg.type,
        message: `${msg.type.startsWith('studio') ? 'the stop-motion studio' : 'voice input'} is not available on this server`,
        tip: 'Restart `shammie start`; its start-up lines say which optional parts are missing.',
      });
      return;
    }
    switch (msg.type) {
      case 'say':
        await this.say(msg.text, 'text', this.sourceOf(ws));
        return;
      case 'confirm':
        await this.serial(() => this.#confirm(msg.previewId, ws));
        return;
      case 'cancel':
        await this.cancel(this.sourceOf(ws));
        return;
      case 'stop':
        await this.stopNow('console');
        return;
      case 'point': {
        const p = msg.position;
        this.addEntry('user', `(clicked ${p.map((v) => v.toFixed(2)).join(', ')})`, 'point');
        await this.serial(() => session.point(p, { by: this.sourceOf(ws) }));
        this.#afterCommand();
        return;
      }
      case 'auto_confirm': {
        const reg = this.app.registry;
        if (!reg.has(msg.skill) || reg.get(msg.skill).kind !== 'behavior') {
          this.sendTo(ws, {
            type: 'error',
            re: 'auto_confirm',
            message: `"${msg.skill}" is not a behavior; auto-confirm applies to behaviors only`,
            tip: 'Teach a behavior first ("let me teach you to pack").',
          });
          return;
        }
        if (msg.enabled) this.#autoConfirm.add(msg.skill);
        else this.#autoConfirm.delete(msg.skill);
        this.#saveSettings();
        this.addEntry(
          'system',
          msg.enabled ? `${msg.skill} will run without asking for confirmation.` : `${msg.skill} asks for confirmation again.`,
          'note',
        );
        this.#queueLibrary();
        return;
      }
      case 'ik':
        this.sendTo(ws, solveIkRequest(this.app.ik, msg));
        return;
      case 'save_recording': {
        const r = saveRecording(this.#opts.recordingsDir, this.app.model, msg.name, msg.samples);
        this.sendTo(ws, { type: 'recording_saved', name: r.name, path: r.path, samples: r.samples });
        this.addEntry('system', `Saved the demonstration "${r.name}" (${r.samples} joint states) to ${r.path}.`, 'note');
        return;
      }
      case 'demonstrate': {
        const r = saveRecording(this.#opts.recordingsDir, this.app.model, msg.name, msg.samples);
        this.sendTo(ws, { type: 'recording_saved', name: r.name, path: r.path, samples: r.samples });
        this.addEntry('user', `(showed the demonstration "${r.name}": ${r.samples} joint states)`, 'demo');
        // The saved file is what the session learns from: the same path as `!demo FILE`.
        const demo: unknown = JSON.parse(readFileSync(r.path, 'utf8'));
        await this.serial(() => session.demonstrate(demo, `(demonstration ${r.name})`));
        this.#afterCommand();
        return;
      }
      default: {
        const never: never = msg;
        throw new Error(`[console] unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  /** An utterance from the console or the HTTP API; `via` voice marks it as heard, not typed. */
  async say(text: string, via: 'text' | 'voice' = 'text', by: Source = OPERATOR): Promise<Turn> {
    // Commands queue behind a running motion; a spoken or typed stop must not wait for it.
    if (STOP_WORDS.test(text)) void this.stopNow('dialogue');
    if (via === 'voice') this.#voiceUtterances.add(text);
    this.#planning++;
    this.#pushStatus();
    try {
      return await this.serial(() => this.app.session.say(text, { by }));
    } finally {
      this.#planning--;
      this.#afterCommand();
    }
  }

  /**
   * Cancel (the console's button, /api/cancel): not queued behind planning, so it can end a
   * question or a preview at once; the session ignores it while a motion runs (stop does that).
   */
  async cancel(by: Source): Promise<Turn> {
    try {
      return await this.app.session.cancel({ by });
    } finally {
      this.#afterCommand();
    }
  }

  /** Halt now, from any state; also cancels a scheduled auto-confirm. */
  async stopNow(source: 'console' | 'api' | 'dialogue' | 'voice'): Promise<void> {
    this.#stopEpoch++;
    this.#stopFlag = true;
    await this.app.session.stop();
    if (source === 'console' || source === 'api')
      this.addEntry(
        'system',
        source === 'console' ? 'Stop pressed: the arm is halted and holding still.' : 'Stopped (API): the arm is halted.',
        'stopped',
      );
    this.#afterCommand();
  }

  async #confirm(previewId: string, ws: WebSocket | null): Promise<void> {
    const cur = this.#previews.shown;
    const session = this.app.session;
    const refuse = (message: string, tip?: string) => {
      if (ws) this.sendTo(ws, { type: 'error', re: 'confirm', message, tip });
      this.addEntry('system', `${message} Nothing moved.`, 'note');
    };
    if (!cur?.session || !this.#previews.isPending(previewId)) {
      return refuse(
        'That preview is no longer pending (it was replaced, cancelled or already ran).',
        'Look at the current preview and confirm that one.',
      );
    }
    if (!cur.info.safe)
      return refuse('That plan fails a safety check, so it cannot run.', 'Change the request or move the objects, then ask again.');
    const valid = previewStillValid(cur.session, this.app.backend.jointState().position, (e) => locate(this.app, e));
    if (!valid.ok) {
      await this.#rePreview(cur.info.utterance, valid.reason);
      return;
    }
    await session.confirm({ by: ws ? this.sourceOf(ws) : OPERATOR });
    this.#afterCommand();
  }

  /** The world changed under a pending preview: plan the same utterance again and ask again. */
  async #rePreview(utterance: string, reason: string): Promise<void> {
    const pending = this.app.session.state;
    const proposer = pending.kind === 'previewing' ? pending.proposedBy : null;
    this.addEntry(
      'system',
      `The scene changed since the preview (${reason}). I re-planned: check the new preview and confirm again.`,
      'note',
    );
    this.#replanning = true;
    try {
      this.#planning++;
      // Re-planned on behalf of whoever asked for the stale preview.
      await this.app.session.say(utterance, { by: proposer ?? OPERATOR });
    } finally {
      this.#planning--;
      this.#replanning = false;
      this.#afterCommand();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Session events

  #onSession(e: SessionEvent): void {
    if (this.#disposed) return;
    switch (e.type) {
      case 'utterance':
        if (!this.#replanning && !e.text.startsWith('!'))
          this.addEntry('user', e.text, this.#voiceUtterances.delete(e.text) ? 'voice' : undefined);
        this.#problems.delete('execution');
        this.#pushStatus();
        return;
      case 'turn':
        this.#onTurn(e.turn);
        return;
      case 'preview':
        this.#onPreview(e.preview);
        return;
      case 'preview_cleared': {
        this.#executionStarted = false;
        this.#stopFlag = false;
        // confirm() and stop() emit their follow-up events synchronously: decide after them.
        queueMicrotask(() => this.#onPreviewCleared());
        return;
      }
      case 'execution': {
        if (e.status === 'started') {
          this.#executionStarted = true;
          this.#clearProblem('execution');
        } else if (e.outcome === 'failed' && e.failure && !e.failure.includes('stopped by the operator')) {
          // An operator stop is not a problem (the transcript says it stopped); failures are.
          this.#setProblem({ id: 'execution', severity: 'error', message: `Execution failed: ${e.failure}`, tip: failureTip(e.failure) });
        }
        this.#execution = nextExecution(this.#execution, e, this.#previews.shown?.info ?? null) ?? this.#execution;
        this.broadcast({ type: 'execution', execution: this.#execution });
        this.#pushStatus();
        return;
      }
      case 'progress':
      case 'step': {
        const next = nextExecution(this.#execution, e, this.#previews.shown?.info ?? null);
        if (!next) return;
        this.#execution = next;
        this.broadcast({ type: 'execution', execution: this.#execution });
        return;
      }
      case 'stop':
        this.#stopFlag = true;
        this.broadcast({ type: 'stop', t: e.t });
        return;
      case 'state':
        this.#pushStatus();
        return;
      default:
        // taught / library / teaching and future events: the registry and world listeners
        // already push the library; the turn carries the reply.
        this.#queueLibrary();
        return;
    }
  }

  #onTurn(turn: Turn): void {
    if (turn.executed) {
      // The same turn comes back once it ran.
      const text =
        turn.outcome === 'succeeded'
          ? `Done: ${turn.plan ? turn.plan.map((c) => `${c.skill}(${Object.values(c.args).join(', ')})`).join(' → ') : 'ok'}.${turn.notes?.length ? ` (${turn.notes.join('; ')})` : ''}`
          : turn.failure === 'stopped by the operator'
            ? 'I stopped, as you asked. The arm is holding still.'
            : `That did not work: ${turn.failure ?? 'unknown failure'}.`;
      this.addEntry(
        'robot',
        text,
        turn.outcome === 'succeeded' ? 'done' : turn.failure === 'stopped by the operator' ? 'stopped' : 'failed',
      );
      return;
    }
    this.addEntry('robot', turn.reply, turn.kind);
    if (turn.kind === 'plan' && turn.outcome === 'failed' && turn.plan && turn.plan.length) {
      // Unsafe or not plannable: the session does not keep it; show it red, not confirmable.
      const plan = turn.plan;
      const utterance = turn.utterance;
      queueMicrotask(() => this.#previews.showRefused(utterance, plan));
      this.#setProblem({
        id: 'plan',
        severity: 'warn',
        message: turn.preview
          ? (turn.failure ?? 'The plan fails a safety check.')
          : `I can't carry that out: ${turn.failure ?? 'the plan could not be compiled'}`,
        tip: failureTip(turn.failure ?? ''),
      });
    } else {
      this.#clearProblem('plan');
    }
    this.#pushStatus();
  }

  #onPreview(preview: Preview): void {
    const auto = preview.safe && preview.plan.length > 0 && preview.plan.every((c) => this.#autoConfirm.has(c.skill));
    const info = this.#previews.show(preview, auto);
    if (auto && info.confirmable) {
      const epoch = this.#stopEpoch;
      const names = [...new Set(preview.plan.map((c) => c.skill))].join(', ');
      this.addEntry('system', `Auto-confirm is on for ${names}: running it without asking.`, 'note');
      void this.serial(async () => {
        if (epoch !== this.#stopEpoch) return; // a stop since then cancels it
        await this.#confirm(info.id, null);
      });
    }
  }

  #onPreviewCleared(): void {
    this.#previews.cleared(this.#executionStarted, this.#stopFlag);
    this.#pushStatus();
  }

  /** After any command: drop a preview the session silently replaced, refresh status. */
  #afterCommand(): void {
    this.#previews.dropIfReplaced(this.#execution.active);
    this.#pushStatus();
  }

  // -------------------------------------------------------------------------------------------
  // Dialogue, problems, status, library, world

  addEntry(role: DialogueEntry['role'], text: string, kind?: string): void {
    this.#transcript.add(role, text, kind);
  }

  /** Every new dialogue entry (spoken replies follow the robot's entries). */
  onEntry(listener: (e: DialogueEntry) => void): () => void {
    return this.#transcript.onEntry(listener);
  }

  #setProblem(p: ProblemInfo): void {
    this.#problems.set(p.id, p);
    this.#pushStatus();
  }

  #clearProblem(id: string): void {
    if (this.#problems.delete(id)) this.#pushStatus();
  }

  #statusMessage(): ServerMessage {
    const s = this.app.backend.status();
    const problems = [
      ...s.problems.map((p) => ({ id: `backend:${p.id}`, severity: p.severity, message: p.message, ...(p.tip ? { tip: p.tip } : {}) })),
      ...this.#problems.values(),
    ];
    const asked = this.app.session.awaitingPoint;
    return {
      type: 'status',
      phase: this.phase,
      dialogue: this.app.session.view,
      presence: s.presence,
      moving: s.moving,
      // The session knows whether it asked for a location (the console shows a "click it" banner).
      awaitingPoint: asked ? { name: asked.name } : null,
      problems,
    };
  }

  #pushStatus(): void {
    if (this.#disposed) return;
    const msg = this.#statusMessage();
    const text = JSON.stringify(msg);
    if (text === this.#lastStatus) return;
    this.#lastStatus = text;
    this.broadcast(msg);
  }

  #queueLibrary(): void {
    if (this.#libraryQueued) return;
    this.#libraryQueued = true;
    queueMicrotask(() => {
      this.#libraryQueued = false;
      if (!this.#disposed) this.broadcast(this.#libraryMessage());
    });
  }

  #libraryMessage(): ServerMessage {
    let dropped = false;
    for (const name of [...this.#autoConfirm]) if (!this.app.registry.has(name)) dropped = this.#autoConfirm.delete(name);
    if (dropped) this.#saveSettings(); // forgotten or renamed: a later skill of that name asks again
    return libraryMessage(this.app, this.#autoConfirm);
  }

  #onTick(): void {
    if (this.#disposed || this.app.sim?.disposed) return;
    this.#tick++;
    if (this.clients.size > 0) this.#joints.send(true);
    if (this.#tick % 10 === 0) {
      if (this.clients.size > 0) {
        const world = worldMessage(this.app, this.#scene);
        const text = JSON.stringify(world);
        if (text !== this.#lastWorld) {
          this.#lastWorld = text;
          this.broadcast(world);
        }
      }
      this.#pushStatus();
      this.#revalidate();
    }
  }

  /** A pending preview whose world changed is re-planned and shown again (never executed as is). */
  #revalidate(): void {
    if (this.#planning > 0 || this.#execution.active) return;
    const stale = this.#previews.takeStale();
    if (stale) void this.serial(() => this.#rePreview(stale.utterance, stale.reason));
  }
}
