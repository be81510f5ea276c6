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
import { buildPreviewInfo, partialPreview, previewStillValid } from './preview.js';
import {
  PROTOCOL_VERSION,
  isStudioClientMessage,
  isVoiceClientMessage,
  parseClientMessage,
  type ClientMessage,
  type DialogueEntry,
  type EntityInfo,
  type ExecutionState,
  type HelloMessage,
  type Phase,
  type PreviewInfo,
  type ProblemInfo,
  type SceneInfo,
  type ServerMessage,
  type SkillInfo,
} from './protocol.js';
import { saveRecording } from './recordings.js';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../skills/library/library.js';

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

const consoleSettingsSchema = z.strictObject({
  format: z.literal('shammie-console'),
  version: z.literal(1),
  /** behaviors that run without asking for confirmation */
  autoConfirm: z.array(z.string().min(1).max(100)).max(1000),
});

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

const TRANSCRIPT_MAX = 300;
/** utterances that must halt the arm at once, even while a motion holds the command queue */
const STOP_WORDS = /^\s*(?:stop|halt|freeze|emergency stop|e-?stop)\b/i;
/** ping period; a console that misses two pongs is dropped */
const PING_MS = 5000;
/** a client that has this much unsent data gets no joint frames until it catches up */
const BACKPRESSURE_BYTES = 512 * 1024;
/** re-send an unchanged joint frame this often, so the console can tell the stream is alive */
const KEEPALIVE_MS = 250;
/** joint frames that may go out back to back after a stall */
const BURST = 10;

interface CurrentPreview {
  info: PreviewInfo;
  /** the session's Preview object while it is pending (confirm executes exactly this) */
  session: Preview | null;
}

export class ConsoleHub {
  readonly app: App;
  readonly serverId = randomBytes(4).toString('hex');
  readonly clients = new Set<WebSocket>();
  readonly #opts: HubOptions;
  readonly #scene: SceneInfo;
  #transcript: DialogueEntry[] = [];
  #entryId = 0;
  #previewSeq = 0;
  #current: CurrentPreview | null = null;
  #execution: ExecutionState = { active: false, previewId: null, step: -1, stepFractions: [], outcome: null, failure: null };
  #executionStarted = false;
  #stopFlag = false;
  #stopEpoch = 0;
  #planning = 0;
  #replanning = false;
  #awaitingPoint: { name: string } | null = null;
  readonly #autoConfirm = new Set<string>();
  readonly #problems = new Map<string, ProblemInfo>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #tick = 0;
  #lastJoints: number[] = [];
  #lastJointsAt = 0;
  #lastStamp = -Infinity;
  readonly #jointPeriod: number;
  #tokens = 0;
  #tokenAt = 0;
  #lastWorld = '';
  #lastStatus = '';
  #libraryQueued = false;
  readonly #unsubs: (() => void)[] = [];
  readonly extensions: HubExtension[] = [];
  /** utterances said through a microphone, waiting for the session to echo them */
  readonly #voiceUtterances = new Set<string>();
  readonly #entryListeners = new Set<(e: DialogueEntry) => void>();
  #disposed = false;
  readonly #sources = new Map<WebSocket, Source>();

  constructor(app: App, opts: HubOptions) {
    this.app = app;
    this.#opts = opts;
    this.#scene = sceneInfo(app);
    this.#unsubs.push(app.session.subscribe((e) => this.#onSession(e)));
    this.#unsubs.push(app.world.onChange(() => this.#queueLibrary()));
    this.#unsubs.push(app.registry.onChange(() => this.#queueLibrary()));
    this.#jointPeriod = 1 / (opts.jointRate ?? 50);
    this.#loadSettings();
    // Joint states are forwarded as the backend publishes them (thinned to the joint rate by
    // their stamps), so a busy machine delays them but does not thin them out; the timer
    // only sends keepalives and the slower world/status updates.
    this.#unsubs.push(app.backend.onJointState((js) => this.#onJointState(js.stamp)));
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
    if (!path || !existsSync(path)) return;
    let problem: string | null = null;
    try {
      const r = consoleSettingsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (r.success) {
        for (const name of r.data.autoConfirm) if (this.app.registry.has(name)) this.#autoConfirm.add(name);
        return;
      }
      problem = r.error.issues
        .slice(0, 2)
        .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
        .join('; ');
    } catch (err) {
      problem = (err as Error).message;
    }
    const aside = `${path}.unreadable-${Date.now()}`;
    try {
      renameSync(path, aside);
    } catch {
      /* leave it where it is */
    }
    this.#problems.set('settings', {
      id: 'settings',
      severity: 'warn',
      message: `The console settings file could not be read (${problem}); auto-confirm is off for every behavior.`,
      tip: `The file was kept as ${aside}.`,
    });
  }

  #saveSettings(): void {
    const path = this.#opts.settingsPath;
    if (!path) return;
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(
        path,
        JSON.stringify({ format: 'shammie-console', version: 1, autoConfirm: [...this.#autoConfirm].sort() }, null, 2) + '\n',
      );
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
      const parsed = parseClientMessage(data.toString());
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
    this.sendTo(ws, this.#worldMessage());
    this.sendTo(ws, this.#jointsMessage());
    for (const ext of this.extensions) ext.attach?.(ws);
  }

  hello(): HelloMessage {
    const m = this.app.model;
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      serverId: this.serverId,
      robot: {
        name: m.name,
        urdfUrl: this.#opts.urdfUrl,
        jointNames: [...m.jointNames],
        limits: m.arm.map((j) => ({ lower: finiteOr(j.lower, -Math.PI), upper: finiteOr(j.upper, Math.PI), velocity: j.velocity })),
        home: [...m.home],
        tipLink: m.tipLink,
        baseLink: m.baseLink,
        gripper: m.gripper ? { joint: m.gripper.joint, mimics: m.gripper.mimics, open: m.gripper.open, closed: m.gripper.closed } : null,
      },
      scene: this.#scene,
      probes: this.#opts.probes,
      transcript: this.#transcript.slice(-100),
      preview: this.#current?.info ?? null,
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
        this.sendTo(ws, this.#solveIk(msg));
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
    const cur = this.#current;
    const session = this.app.session;
    const refuse = (message: string, tip?: string) => {
      if (ws) this.sendTo(ws, { type: 'error', re: 'confirm', message, tip });
      this.addEntry('system', `${message} Nothing moved.`, 'note');
    };
    if (!cur || cur.info.id !== previewId || !cur.session || session.pending !== cur.session) {
      return refuse(
        'That preview is no longer pending (it was replaced, cancelled or already ran).',
        'Look at the current preview and confirm that one.',
      );
    }
    if (!cur.info.safe)
      return refuse('That plan fails a safety check, so it cannot run.', 'Change the request or move the objects, then ask again.');
    const valid = previewStillValid(cur.session, this.app.backend.jointState().position, (e) => this.#locate(e));
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

  #solveIk(msg: Extract<ClientMessage, { type: 'ik' }>): ServerMessage {
    const ik = this.app.ik;
    if (msg.seed.length !== ik.dof) {
      return {
        type: 'ik_result',
        id: msg.id,
        ok: false,
        q: [...msg.seed],
        positionError: Infinity,
        reason: `seed has ${msg.seed.length} values; the arm has ${ik.dof} joints`,
      };
    }
    const goal = { position: msg.position, ...(msg.quaternion ? { quaternion: msg.quaternion } : {}) };
    // Track from the seed first (a drag moves a little per request), then allow a few restarts.
    let r = ik.solve(goal, { seed: msg.seed, maxRestarts: 0, maxIterations: 60 });
    if (!r.ok) r = ik.solve(goal, { seed: msg.seed, maxRestarts: 8 });
    const positionError = Number.isFinite(r.positionError) ? r.positionError : 1e9;
    return { type: 'ik_result', id: msg.id, ok: r.ok, q: r.q, positionError, ...(r.reason ? { reason: r.reason } : {}) };
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
      case 'execution':
        if (e.status === 'started') {
          this.#executionStarted = true;
          const n = this.#current?.info.steps.length ?? 0;
          this.#execution = {
            active: true,
            previewId: this.#current?.info.id ?? null,
            step: 0,
            stepFractions: new Array(n).fill(0),
            outcome: null,
            failure: null,
          };
          this.#clearProblem('execution');
        } else {
          this.#execution = { ...this.#execution, active: false, outcome: e.outcome ?? null, failure: e.failure ?? null };
          // An operator stop is not a problem (the transcript says it stopped); failures are.
          if (e.outcome === 'failed' && e.failure && !e.failure.includes('stopped by the operator')) {
            this.#setProblem({ id: 'execution', severity: 'error', message: `Execution failed: ${e.failure}`, tip: failureTip(e.failure) });
          }
        }
        this.broadcast({ type: 'execution', execution: this.#execution });
        this.#pushStatus();
        return;
      case 'progress': {
        const step = this.#current?.info.steps[e.step];
        if (!step || !this.#execution.active) return;
        const motion = step.motions[e.motion];
        const within = motion ? motion.start - step.start + e.fraction * motion.duration : 0;
        const f = step.duration > 0 ? Math.min(1, within / step.duration) : 1;
        const fr = [...this.#execution.stepFractions];
        fr[e.step] = f;
        this.#execution = { ...this.#execution, step: e.step, stepFractions: fr };
        this.broadcast({ type: 'execution', execution: this.#execution });
        return;
      }
      case 'step': {
        if (!this.#execution.active) return;
        const fr = [...this.#execution.stepFractions];
        if (e.status === 'started') this.#execution = { ...this.#execution, step: e.index };
        else if (e.status === 'succeeded' && e.index >= 0) {
          fr[e.index] = 1;
          this.#execution = { ...this.#execution, stepFractions: fr };
        } else if (e.status === 'failed') this.#execution = { ...this.#execution, failure: e.reason ?? null };
        this.broadcast({ type: 'execution', execution: this.#execution });
        return;
      }
      case 'stop':
        this.#stopFlag = true;
        this.broadcast({ type: 'stop', t: e.t });
        return;
      case 'state':
        this.#awaitingPoint = this.app.session.awaitingPoint ? { name: this.app.session.awaitingPoint.name } : null;
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
    // The session knows whether it asked for a location (the console shows a "click it" banner).
    const asked = this.app.session.awaitingPoint;
    this.#awaitingPoint = asked ? { name: asked.name } : null;
    if (turn.kind === 'plan' && turn.outcome === 'failed' && turn.plan && turn.plan.length) {
      // Unsafe or not plannable: the session does not keep it; show it red, not confirmable.
      const plan = turn.plan;
      const utterance = turn.utterance;
      queueMicrotask(() => this.#showUnsafe(utterance, plan));
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
    const session = this.app.session;
    const js = this.app.backend.jointState();
    const auto = preview.safe && preview.plan.length > 0 && preview.plan.every((c) => this.#autoConfirm.has(c.skill));
    const utterance = [...session.history].reverse().find((t) => t.kind === 'plan' && !t.executed)?.utterance ?? '';
    const info = buildPreviewInfo(preview, this.app.model, {
      id: `p${++this.#previewSeq}-${this.serverId}`,
      utterance,
      confirmable: session.pending === preview,
      autoConfirm: auto,
      startQ: js.position,
      startGripper: this.app.backend.gripperPosition(),
    });
    this.#current = { info, session: session.pending === preview ? preview : null };
    this.broadcast({ type: 'preview', preview: info });
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

  #showUnsafe(utterance: string, plan: NonNullable<Turn['plan']>): void {
    try {
      const valid = this.app.registry.validatePlan(plan, { entities: this.app.world.names() });
      if (!valid.ok) return;
      let preview: Preview;
      try {
        preview = this.app.session.preview(valid.plan);
      } catch {
        preview = partialPreview(this.app.session, valid.plan);
      }
      const js = this.app.backend.jointState();
      const info = buildPreviewInfo(preview, this.app.model, {
        id: `p${++this.#previewSeq}-${this.serverId}`,
        utterance,
        confirmable: false,
        autoConfirm: false,
        startQ: js.position,
        startGripper: this.app.backend.gripperPosition(),
      });
      this.#current = { info, session: null };
      this.broadcast({ type: 'preview', preview: info });
    } catch {
      // It failed to compile after all: the reply already says why.
    }
  }

  #onPreviewCleared(): void {
    const id = this.#current?.info.id ?? null;
    if (this.#executionStarted) {
      // Keep showing what runs (the path), but it can no longer be confirmed.
      if (this.#current) this.#current = { info: { ...this.#current.info, confirmable: false, autoConfirm: false }, session: null };
      this.broadcast({ type: 'preview_cleared', id, reason: 'executing' });
    } else {
      this.#current = null;
      this.broadcast({ type: 'preview_cleared', id, reason: this.#stopFlag ? 'stopped' : 'cancelled' });
    }
    this.#pushStatus();
  }

  /** After any command: drop a preview the session silently replaced, refresh status. */
  #afterCommand(): void {
    const cur = this.#current;
    if (cur?.session && this.app.session.pending !== cur.session && !this.#execution.active) {
      this.#current = null;
      this.broadcast({ type: 'preview_cleared', id: cur.info.id, reason: 'replaced' });
    }
    this.#pushStatus();
  }

  // -------------------------------------------------------------------------------------------
  // Dialogue, problems, status, library, world

  addEntry(role: DialogueEntry['role'], text: string, kind?: string): void {
    const entry: DialogueEntry = { id: ++this.#entryId, role, text, ...(kind ? { kind } : {}), t: Date.now() };
    this.#transcript.push(entry);
    if (this.#transcript.length > TRANSCRIPT_MAX) this.#transcript = this.#transcript.slice(-TRANSCRIPT_MAX);
    this.broadcast({ type: 'dialogue', entry });
    for (const l of this.#entryListeners) {
      try {
        l(entry);
      } catch {
        /* a listener's bug must not break the dialogue */
      }
    }
  }

  /** Every new dialogue entry (spoken replies follow the robot's entries). */
  onEntry(listener: (e: DialogueEntry) => void): () => void {
    this.#entryListeners.add(listener);
    return () => this.#entryListeners.delete(listener);
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
    return {
      type: 'status',
      phase: this.phase,
      dialogue: this.app.session.view,
      presence: s.presence,
      moving: s.moving,
      awaitingPoint: this.#awaitingPoint,
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
    const reg = this.app.registry;
    let dropped = false;
    for (const name of [...this.#autoConfirm]) if (!reg.has(name)) dropped = this.#autoConfirm.delete(name);
    if (dropped) this.#saveSettings(); // forgotten or renamed: a later skill of that name asks again
    const skills: SkillInfo[] = reg.list().map((s) => {
      const def = reg.get(s.name);
      const base: SkillInfo = {
        name: s.name,
        kind: s.kind,
        description: s.description,
        params: s.params.map((p) => ({ name: p.name, type: p.type, description: p.description })),
        autoConfirm: this.#autoConfirm.has(s.name),
      };
      if (def.kind === 'behavior') {
        base.body = def.body.map((b) => ({ skill: b.skill, args: { ...b.args } }));
        if (def.builtin) base.builtin = true;
      }
      return base;
    });
    const entities: EntityInfo[] = this.app.world.list().map((e) => ({
      name: e.name,
      description: e.description,
      kind: e.kind,
      container: Boolean(e.container),
      body: e.source.type === 'body' ? e.source.body : null,
      position: this.#locate(e.name) ?? null,
    }));
    return { type: 'library', skills, entities };
  }

  #locate(name: string): [number, number, number] | undefined {
    try {
      const p = this.app.world.position(name);
      return [round(p[0]), round(p[1]), round(p[2])];
    } catch {
      return undefined;
    }
  }

  #worldMessage(): ServerMessage {
    const sim = this.app.sim;
    const held = this.app.world.held;
    if (!sim) {
      // On a robot: poses come from TF; containment is not observed.
      return { type: 'world', held, bodies: this.#scene.bodies.map((name) => ({ name, in: null, held: held === name })) };
    }
    const states = new Map(sim.objectStates().map((o) => [o.name, o]));
    return {
      type: 'world',
      held,
      bodies: this.#scene.bodies.map((name) => ({ name, in: states.get(name)?.in ?? null, held: states.get(name)?.held ?? false })),
    };
  }

  #jointsMessage(): Extract<ServerMessage, { type: 'joints' }> {
    const js = this.app.backend.jointState();
    // Object poses: the physics in the sim, the world model's pose source (TF) on a robot.
    const poses = this.app.sim ?? this.app.world.poses;
    const bodies: number[] = [];
    for (const name of this.#scene.bodies) {
      const p = poses?.bodyPosition(name) ?? [0, 0, -10];
      const q = poses?.bodyQuaternion?.(name) ?? [0, 0, 0, 1];
      // 0.1 mm and 1e-4 (quaternion) resolution: enough to draw, and resting objects that creep
      // by microns do not keep the stream (and the console's renderer) busy.
      bodies.push(r4(p[0]), r4(p[1]), r4(p[2]), r4(q[0]), r4(q[1]), r4(q[2]), r4(q[3]));
    }
    return {
      type: 'joints',
      stamp: Math.round(js.stamp * 1e4) / 1e4,
      q: js.position.map((v) => Math.round(v * 1e5) / 1e5),
      gripper: Math.round(this.app.backend.gripperPosition() * 1e5) / 1e5,
      bodies,
    };
  }

  /** A joint state was published (stamp: backend clock, s). */
  #onJointState(stamp: number): void {
    if (this.#disposed || this.clients.size === 0) return;
    if (stamp < this.#lastStamp) this.#lastStamp = -Infinity; // the clock was reset
    if (stamp - this.#lastStamp < this.#jointPeriod - 1e-6) return;
    // Token bucket on the wall clock: bursts after a stall pass, a sim running faster than
    // real time ('fast' pace) is capped at twice the joint rate.
    const now = performance.now();
    this.#tokens = Math.min(BURST, this.#tokens + ((now - this.#tokenAt) * 2) / (this.#jointPeriod * 1000));
    this.#tokenAt = now;
    if (this.#tokens < 1) return;
    this.#tokens -= 1;
    this.#lastStamp = stamp;
    this.#sendJoints(false);
  }

  /** Send the current joint state if it changed (or a keepalive is due). */
  #sendJoints(keepaliveOnly: boolean): void {
    const now = Date.now();
    if (keepaliveOnly && now - this.#lastJointsAt < KEEPALIVE_MS) return;
    const msg = this.#jointsMessage();
    const flat = [...msg.q, msg.gripper, ...msg.bodies];
    let changed = flat.length !== this.#lastJoints.length;
    for (let i = 0; !changed && i < flat.length; i++) if (flat[i] !== this.#lastJoints[i]) changed = true;
    if (!changed && now - this.#lastJointsAt < KEEPALIVE_MS) return;
    this.#lastJoints = flat;
    this.#lastJointsAt = now;
    const text = JSON.stringify(msg);
    for (const ws of this.clients) {
      // Coalesce rather than queue: a slow console skips frames.
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < BACKPRESSURE_BYTES) ws.send(text);
    }
  }

  #onTick(): void {
    if (this.#disposed || this.app.sim?.disposed) return;
    this.#tick++;
    if (this.clients.size > 0) this.#sendJoints(true);
    if (this.#tick % 10 === 0) {
      if (this.clients.size > 0) {
        const world = this.#worldMessage();
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
    const cur = this.#current;
    if (!cur?.session || this.#planning > 0 || this.#execution.active || this.app.session.pending !== cur.session) return;
    const valid = previewStillValid(cur.session, this.app.backend.jointState().position, (e) => this.#locate(e));
    if (valid.ok) return;
    const utterance = cur.info.utterance;
    cur.session = null; // do not trigger twice
    void this.serial(() => this.#rePreview(utterance, valid.reason));
  }
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

function r4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

function finiteOr(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}

/** What the operator can do about a failure, in plain words. */
export function failureTip(failure: string): string | undefined {
  const f = failure.toLowerCase();
  if (f.includes('stopped by the operator')) return 'Say or type the next command when ready.';
  if (f.includes('table')) return 'The motion would touch the table. Move the object further from the edge or pick a different location.';
  if (f.includes('workspace')) return 'The target is outside the allowed workspace. Move the object closer to the robot.';
  if (f.includes('limit')) return 'A joint would pass its limit. Try a target closer to the robot, or go home first ("go home").';
  if (f.includes('reach') || f.includes('ik') || f.includes('unreachable'))
    return 'The pose is out of reach. Move the object closer to the robot.';
  if (f.includes('closed on nothing') || f.includes('not grasped')) return 'The grasp missed. Check where the object is and try again.';
  if (f.includes('aborted') || f.includes('tracking'))
    return 'The arm could not follow the motion (a collision?). Check the scene, then go home.';
  return undefined;
}

function sceneInfo(app: App): SceneInfo {
  const s = app.scene;
  return {
    name: s.name,
    description: s.description ?? '',
    table: {
      size: [s.table.size[0], s.table.size[1]],
      center: [s.table.center[0], s.table.center[1]],
      thickness: s.table.thickness,
      height: s.table.height,
      rgba: rgba4(s.table.rgba),
    },
    objects: s.objects.map((o) => ({ name: o.name, shape: o.shape, size: [...o.size], rgba: rgba4(o.rgba) })),
    containers: s.containers.map((c) => ({
      name: c.name,
      kind: c.kind,
      inner: [c.inner[0], c.inner[1]],
      height: c.height,
      wall: c.wall,
      rgba: rgba4(c.rgba),
    })),
    bodies: [...s.objects.map((o) => o.name), ...s.containers.map((c) => c.name)],
  };
}

function rgba4(v: readonly number[] | undefined): [number, number, number, number] {
  return [v?.[0] ?? 0.7, v?.[1] ?? 0.7, v?.[2] ?? 0.7, v?.[3] ?? 1];
}
