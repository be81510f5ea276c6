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
import type { App, SimApp } from '../session/app.js';
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
  type ContinuityInfo,
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
import { Transcript, turnEntry } from './transcript.js';
import { WORLD_RECORD, restoreWorld } from '../session/world-snapshot.js';
import {
  MAX_REPLAN_AGE_MS,
  PACE_RECORD,
  RESTORED_RECORD,
  findPreviousLogs,
  planRestore,
  readPreviousSessions,
  type PreviousSession,
  type WorldOutcome,
} from './restore.js';
import { basename, dirname } from 'node:path';
import { failureTip, jointsMessage, robotInfo, libraryMessage, locate, sceneInfo, worldMessage } from './messages.js';
import { FrameGate, TokenBucket } from './frame-gate.js';

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
  /** bring back the previous session's transcript and pending preview from its log (default true; needs app.logPath) */
  restore?: boolean;
}

/** a restored plan whose console has not come back by then stops blocking the others' commands */
const RESTORED_OWNER_GRACE_MS = 60_000;

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
/** text messages per second a console may send (an IK drag sends ~30), and the burst it may save up */
const MSG_RATE = 60;
const MSG_BURST = 120;
/**
 * Microphone audio (16 kHz s16), metered in audio seconds, not frames: a console sends it in
 * real time, but a browser tab throttled in the background, or a link that stalled, delivers a
 * backlog at once, and cutting an utterance short would make it another sentence. The decoders
 * run several times faster than real time, so 4 s of audio per second is taken sustained, with
 * 20 s saved up; the frame count is capped too (each frame costs a message's overhead).
 */
const AUDIO_BYTES_PER_S = 4 * 32_000;
const AUDIO_BURST_BYTES = 20 * 32_000;
const AUDIO_FRAMES_PER_S = 400;
/** commands waiting for the session beyond this are refused: a flood must not queue work for minutes */
const MAX_QUEUED = 16;
/**
 * requests a console that does not hold control may still make (voice_settings: how this console
 * hears the robot's replies, sent by every console as it connects)
 */
const WATCHER_OK = new Set<string>([
  'stop',
  'ik',
  'control',
  'studio_frame',
  'studio_frame_failed',
  'speech_played',
  'voice_close',
  'voice_settings',
  // A watcher's microphone may be open: only its stop words act (say() checks control).
  'voice_open',
]);
const API: Source = 'api';

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
  /** what a restart brought back from the previous session's log and what it lost; null on a first start */
  continuity: ContinuityInfo | null = null;
  /** the watchdog thread's stop listener (consoles send stop there too), once it listens */
  stopPort: number | null = null;
  /** utterances said through a microphone, waiting for the session to echo them */
  readonly #voiceUtterances = new Set<string>();
  /** who said an utterance, until the session echoes it (the dialogue shows who said what) */
  readonly #utteranceBy = new Map<string, Source>();
  #disposed = false;
  readonly #sources = new Map<WebSocket, Source>();
  /** who holds control of the arm, and who asks for it */
  #controller: Source | null = null;
  #controlRequest: Source | null = null;
  /** "Console 1", "Console 2", … in order of first connection */
  readonly #labels = new Map<Source, string>();
  #queued = 0;

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
    if (opts.restore !== false) this.#restore();
    // An operator's stop reached the watchdog's thread (it already braked the arm or cancelled the
    // goals): run the session's own stop too, so pending plans and held camera moves end.
    if (app.watchdog) this.#unsubs.push(app.watchdog.onStopRequest(() => void this.stopNow('watchdog')));
    // The watchdog halted the arm while this loop was frozen: say so, with what to do.
    if (app.watchdog)
      this.#unsubs.push(
        app.watchdog.onTrip((trip) =>
          this.#setProblem({
            id: 'watchdog',
            severity: 'error',
            message: `The server did not answer for ${trip.silentMs} ms while the arm moved, so the watchdog halted the arm.`,
            tip: 'Something blocked the server (an overloaded machine or a long computation). Check the arm, then run the command again.',
          }),
        ),
      );
    // A session log the disk refuses is the operator's problem to fix (free space), not a silent gap.
    const log = app.log;
    if (log) {
      const show = (p: { message: string } | null) =>
        p
          ? this.#setProblem({
              id: 'session-log',
              severity: 'warn',
              message: p.message,
              tip: 'Free disk space; the log catches up by itself.',
            })
          : this.#clearProblem('session-log');
      if (log.problem) show(log.problem);
      this.#unsubs.push(log.onProblem(show));
    }
    // Joint states are forwarded as the backend publishes them (thinned to the joint rate by
    // their stamps), so a busy machine delays them but does not thin them out; the timer
    // only sends keepalives and the slower world/status updates.
    this.#unsubs.push(app.backend.onJointState((js) => !this.#disposed && this.#joints.onJointState(js.stamp)));
    this.#timer = setInterval(() => this.#onTick(), 20);
    this.#timer.unref?.();
  }

  /**
   * After a restart: the previous session's transcript from its log, a line saying what came back
   * and what was lost, and its pending plan planned again (a preview: nothing moves without a confirm).
   */
  #restore(): void {
    const current = this.app.logPath;
    if (!current) return;
    const files = findPreviousLogs(dirname(current), current);
    const file = files[0];
    if (!file) return;
    let prev: PreviousSession | null;
    try {
      prev = readPreviousSessions(files);
    } catch (err) {
      const why = `The previous session's log ${basename(file)} could not be read (${(err as Error).message}), so its transcript and pending preview were not restored.`;
      this.continuity = {
        previousLog: basename(file),
        previousEnd: 0,
        transcript: 0,
        preview: 'none',
        previewUtterance: null,
        lost: [why],
      };
      this.addEntry('system', `The server restarted. ${why}`, 'restart');
      return;
    }
    if (!prev) return;
    // The sim world and pace first: the pending preview is planned again in the restored world.
    let world: WorldOutcome | undefined;
    let pace: string | null = null;
    const sim = this.app.sim && this.app.simBackend ? (this.app as SimApp) : null;
    // A start long after the last session is a new day's work, not a restart: the scene's start.
    const recent = Date.now() - prev.endedAt <= MAX_REPLAN_AGE_MS;
    if (sim) {
      if (!prev.world) world = { reset: 'the previous session logged no world snapshot (the arm never came to rest after a motion)' };
      else if (!recent)
        world = {
          reset: `the previous session ended over ${Math.round(MAX_REPLAN_AGE_MS / 60_000)} min ago (only a recent world is restored)`,
        };
      else {
        const r = restoreWorld(sim, prev.world);
        world = r.ok ? { restored: r.summary } : { reset: `its last world snapshot could not be used: ${r.why}` };
        // This log starts from the restored world (a second restart finds it here).
        if (r.ok) this.app.log?.write({ type: WORLD_RECORD, scene: sim.scenePath, world: r.snapshot });
      }
      if (recent && prev.pace && prev.pace !== sim.simBackend.pace) {
        sim.simBackend.setPace(prev.pace);
        pace = prev.pace;
      }
      if (recent && prev.pace) this.app.log?.write({ type: PACE_RECORD, pace: prev.pace });
    }
    const plan = planRestore(prev, { now: Date.now(), sim: Boolean(sim), ...(world ? { world } : {}), pace });
    this.#transcript.restore(prev.transcript);
    this.continuity = plan.continuity;
    this.app.log?.write({ type: RESTORED_RECORD, from: plan.continuity.previousLog, replan: plan.replan?.utterance ?? null });
    this.addEntry('system', plan.note, 'restart');
    const again = plan.replan;
    if (!again) return;
    const by: Source = again.by ?? OPERATOR;
    void this.serial(async () => {
      // Planned on behalf of whoever asked; no new "user" line (the note says why it is back).
      this.#replanning = true;
      this.#planning++;
      try {
        await this.app.session.say(again.utterance, { by });
      } finally {
        this.#replanning = false;
        this.#planning--;
        this.#afterCommand();
      }
      if (!by.startsWith('console:')) this.app.session.disconnected(by);
      else {
        const t = setTimeout(() => {
          if (!this.#disposed && !this.#connected(by)) this.app.session.disconnected(by);
        }, RESTORED_OWNER_GRACE_MS);
        t.unref?.();
      }
    }).catch((err: Error) => this.addEntry('system', `The pending preview could not be planned again: ${err.message}`, 'note'));
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

  /** Run session commands one at a time (stop does not queue); refused when too many wait. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#queued >= MAX_QUEUED)
      return Promise.reject(new Error(`${MAX_QUEUED} commands are already waiting; wait for them to finish (stop is never queued)`));
    this.#queued++;
    const run = () => {
      this.#queued--;
      return fn();
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  // -------------------------------------------------------------------------------------------
  // Control: one client drives the arm; the others watch, and every one of them can stop it

  labelOf(source: Source): string {
    if (source === API) return 'API';
    if (source === OPERATOR) return 'Operator';
    let label = this.#labels.get(source);
    if (!label) {
      label = `Console ${this.#labels.size + 1}`;
      this.#labels.set(source, label);
    }
    return label;
  }

  #connected(source: Source): boolean {
    for (const s of this.#sources.values()) if (s === source) return true;
    return false;
  }

  get controller(): Source | null {
    return this.#controller;
  }

  /**
   * Null when `source` may drive the arm now, else why not. A console takes control when nobody
   * holds it; the HTTP API acts only while no console holds control.
   */
  controlRefusal(source: Source): string | null {
    const holder = this.#controller;
    if (holder === source) return null;
    if (holder === null) {
      if (source !== API) this.#setController(source);
      return null;
    }
    if (!this.#connected(holder)) {
      // The holder's console has gone (a closed tab, a lost network): whoever acts next drives.
      if (source !== API) this.#setController(source, `${this.labelOf(holder)} is gone; ${this.labelOf(source)} took control of the arm.`);
      return null;
    }
    return `${this.labelOf(holder)} is in control of the arm. ${source === API ? 'The API can drive it when no console holds control' : 'Ask for control (top bar)'}; stop works from every client.`;
  }

  #setController(source: Source | null, note?: string): void {
    if (this.#controller === source) return;
    this.#controller = source;
    if (this.#controlRequest === source) this.#controlRequest = null;
    if (note) this.addEntry('system', note, 'control');
    this.#pushStatus();
  }

  #control(ws: WebSocket, action: 'request' | 'take' | 'release' | 'grant' | 'deny'): void {
    const me = this.sourceOf(ws);
    const holder = this.#controller;
    const refuse = (message: string) => this.sendTo(ws, { type: 'error', re: 'control', message });
    switch (action) {
      case 'take':
        if (holder && holder !== me && this.#connected(holder)) return refuse(`${this.labelOf(holder)} is in control; ask for it instead.`);
        return this.#setController(me, `${this.labelOf(me)} took control of the arm.`);
      case 'request':
        if (!holder || !this.#connected(holder)) return this.#setController(me, `${this.labelOf(me)} took control of the arm.`);
        if (holder === me) return;
        this.#controlRequest = me;
        this.addEntry('system', `${this.labelOf(me)} asks for control of the arm; ${this.labelOf(holder)} can hand it over.`, 'control');
        return this.#pushStatus();
      case 'release':
        if (holder !== me) return;
        return this.#setController(null, `${this.labelOf(me)} released control of the arm.`);
      case 'grant': {
        const to = this.#controlRequest;
        if (holder !== me) return refuse('Only the console in control can hand it over.');
        if (!to || ![...this.#sources.values()].includes(to)) return refuse('No console is asking for control.');
        return this.#setController(to, `${this.labelOf(me)} handed control of the arm to ${this.labelOf(to)}.`);
      }
      case 'deny':
        if (holder !== me || !this.#controlRequest) return;
        this.addEntry('system', `${this.labelOf(me)} keeps control of the arm.`, 'control');
        this.#controlRequest = null;
        return this.#pushStatus();
    }
  }

  /** The source an HTTP request speaks for: a connected console that names itself, else the API. */
  apiSource(header: string | string[] | undefined): Source {
    const id = typeof header === 'string' ? header : undefined;
    if (id && /^[A-Za-z0-9_-]{1,64}$/.test(id) && [...this.#sources.values()].includes(`console:${id}`)) return `console:${id}`;
    return API;
  }

  /** the id of the preview waiting for confirmation, if any */
  get pendingPreviewId(): string | null {
    const cur = this.#previews.shown;
    return cur && this.#previews.isPending(cur.info.id) ? cur.info.id : null;
  }

  /** /api/upload: a bulk message from a connected console, handled as if it came over its WebSocket. */
  async upload(source: Source, msg: ClientMessage): Promise<{ ok: boolean; error?: string }> {
    const ws = [...this.#sources.entries()].find(([, s]) => s === source)?.[0];
    if (!ws) return { ok: false, error: 'uploads come from a connected console: send the x-shammie-client header of its WebSocket' };
    if (!WATCHER_OK.has(msg.type)) {
      const refused = this.controlRefusal(source);
      if (refused) return { ok: false, error: refused };
    }
    try {
      await this.#handle(ws, msg);
    } catch (err) {
      // A refused save (a quota, a full disk) is said in the dialogue too: every console sees why.
      const message = (err as Error).message;
      this.sendTo(ws, { type: 'error', re: msg.type, message });
      if (msg.type !== 'studio_frame') this.addEntry('system', `The demonstration was not saved: ${message}`, 'note');
      return { ok: false, error: message };
    }
    return { ok: true };
  }

  /** /api/confirm: like the console's Execute, for the preview the caller names. */
  async confirmFrom(previewId: string, source: Source): Promise<{ ok: boolean; reply: string; previewId: string | null }> {
    const r = await this.serial(() => this.#confirm(previewId, null, source));
    return { ...r, previewId: this.pendingPreviewId };
  }

  /** Auto-confirm flags from the settings file; a file that does not parse is set aside, not lost. */
  #loadSettings(): void {
    const path = this.#opts.settingsPath;
    if (!path) return;
    // Only taught behaviors may run without asking (an older file may list a built-in one).
    const reg = this.app.registry;
    const r = loadConsoleSettings(
      path,
      (name) => reg.has(name) && reg.get(name).kind === 'behavior' && !(reg.get(name) as { builtin?: boolean }).builtin,
    );
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
    const source: Source = `console:${id}`;
    this.#sources.set(ws, source);
    this.labelOf(source);
    // The first console drives the arm (a single local operator notices nothing); later ones watch.
    if (this.#controller === null) this.#controller = source;
    const textBucket = new TokenBucket(MSG_RATE, MSG_BURST);
    const audioBytes = new TokenBucket(AUDIO_BYTES_PER_S, AUDIO_BURST_BYTES);
    const audioFrames = new TokenBucket(AUDIO_FRAMES_PER_S, 2 * AUDIO_FRAMES_PER_S);
    let warnedRate = 0;
    let warnedAudio = 0;
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
      this.#sources.delete(ws);
      // The last connection of this console went away: its pending plan no longer blocks the others.
      if (![...this.#sources.values()].includes(source)) {
        this.app.session.disconnected(source);
        // The holder keeps control while it is away: a reload or a dropped link reconnects to it
        // silently; another console that acts meanwhile takes it over (controlRefusal).
        if (this.#controlRequest === source) this.#controlRequest = null;
      }
      this.#pushStatus();
    };
    ws.on('close', () => clearInterval(ping));
    ws.on('close', leave);
    ws.on('error', leave);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        const now = performance.now();
        if (!audioFrames.take(now) || !audioBytes.take(now, buf.length)) {
          // Audio lost mid-utterance changes what was said: the operator hears of it, once a second.
          if (now - warnedAudio > 1000) {
            warnedAudio = now;
            this.sendTo(ws, {
              type: 'error',
              re: 'audio',
              message: 'microphone audio is arriving much faster than real time; some was dropped, so the last words may be cut',
              tip: 'Say it again. If it keeps happening, check the network between the console and the robot.',
            });
          }
          return;
        }
        if (this.extensions.some((ext) => ext.binary?.(ws, buf))) return;
        return this.sendTo(ws, {
          type: 'error',
          re: 'audio',
          message: 'audio frames arrive only after voice_open; this one was dropped',
          tip: 'Press Talk (or V) again.',
        });
      }
      // Text frames arrive as a Buffer (or fragments); ws never hands over anything else here.
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      // A stop goes straight through: no rate limit, no queue.
      if (FrameGate.isStop(text)) return void this.stopNow('console', this.sourceOf(ws));
      if (!textBucket.take()) {
        const now = Date.now();
        if (now - warnedRate > 1000) {
          warnedRate = now;
          this.sendTo(ws, {
            type: 'error',
            message: `over ${MSG_RATE} messages per second: messages are being dropped`,
            tip: 'Stop is never limited.',
          });
        }
        return;
      }
      const deep = FrameGate.tooDeep(text);
      if (deep) return this.sendTo(ws, { type: 'error', message: `refused: ${deep}` });
      const parsed = parseClientMessage(text);
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
    this.sendTo(ws, { ...this.hello(), you: source, youLabel: this.labelOf(source) });
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
      you: 'console:unknown',
      youLabel: '',
      stopPort: this.stopPort,
      continuity: this.continuity,
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
    if (!WATCHER_OK.has(msg.type)) {
      const refused = this.controlRefusal(this.sourceOf(ws));
      if (refused) {
        this.sendTo(ws, { type: 'error', re: msg.type, message: refused, tip: 'Press "Ask for control" in the top bar.' });
        return;
      }
    }
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
        await this.say(msg.text, 'text', this.sourceOf(ws), msg.previewId);
        return;
      case 'confirm':
        await this.serial(() => this.#confirm(msg.previewId, ws, this.sourceOf(ws)));
        return;
      case 'control':
        this.#control(ws, msg.action);
        return;
      case 'cancel':
        await this.cancel(this.sourceOf(ws));
        return;
      case 'stop':
        await this.stopNow('console', this.sourceOf(ws));
        return;
      case 'point': {
        const p = msg.position;
        this.addEntry('user', `(clicked ${p.map((v) => v.toFixed(2)).join(', ')})`, 'point', this.sourceOf(ws));
        await this.serial(() => session.point(p, { by: this.sourceOf(ws) }));
        this.#afterCommand();
        return;
      }
      case 'auto_confirm': {
        const reg = this.app.registry;
        const def = reg.has(msg.skill) ? reg.get(msg.skill) : null;
        if (!def || def.kind !== 'behavior' || def.builtin) {
          this.sendTo(ws, {
            type: 'error',
            re: 'auto_confirm',
            message: `"${msg.skill}" is not a taught behavior; auto-confirm applies to behaviors you taught only`,
            tip: 'Teach a behavior first ("let me teach you to pack").',
          });
          return;
        }
        if (msg.enabled && msg.acknowledged !== true) {
          this.sendTo(ws, {
            type: 'error',
            re: 'auto_confirm',
            message: `turning on auto-confirm for ${msg.skill} needs the operator's explicit agreement (acknowledged: true)`,
            tip: 'Use the switch in the library: it asks before it turns on.',
          });
          return;
        }
        if (msg.enabled) this.#autoConfirm.add(msg.skill);
        else this.#autoConfirm.delete(msg.skill);
        this.#saveSettings();
        this.addEntry(
          'system',
          msg.enabled
            ? `${this.labelOf(this.sourceOf(ws))} turned on auto-confirm: ${msg.skill} will run without asking for confirmation.`
            : `${this.labelOf(this.sourceOf(ws))} turned off auto-confirm: ${msg.skill} asks for confirmation again.`,
          'note',
        );
        this.#queueLibrary();
        return;
      }
      case 'pace': {
        const sb = this.app.simBackend;
        if (!sb) {
          this.sendTo(ws, { type: 'error', re: 'pace', message: 'the pace applies to the simulation only; this server drives a real arm' });
          return;
        }
        if (sb.pace === msg.pace) return this.#pushStatus();
        sb.setPace(msg.pace);
        // In the log, so a restart keeps the operator's choice.
        this.app.log?.write({ type: PACE_RECORD, pace: msg.pace });
        this.addEntry(
          'system',
          msg.pace === 'fast'
            ? `${this.labelOf(this.sourceOf(ws))} switched the simulation to fast pace: it runs as fast as it can, only while the arm moves.`
            : `${this.labelOf(this.sourceOf(ws))} switched the simulation to real time.`,
          'note',
        );
        this.#pushStatus();
        return;
      }
      case 'reset_world':
        // Refused at once while something runs (the queue would only hold it until the motion ends).
        if (this.#resetRefusal(ws)) return;
        await this.serial(async () => {
          if (!this.#resetRefusal(ws)) await this.#resetWorld(ws);
        });
        return;
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

  /** Why the scene cannot be reset now (sent to the console; true), or false. */
  #resetRefusal(ws: WebSocket): boolean {
    const refuse = (message: string, tip?: string) => {
      this.sendTo(ws, { type: 'error', re: 'reset_world', message, ...(tip ? { tip } : {}) });
      return true;
    };
    if (!this.app.sim) return refuse('the scene can be reset in the simulation only; this server drives a real arm');
    const kind = this.app.session.view.kind;
    if (kind === 'executing' || kind === 'recording' || kind === 'framing' || this.app.backend.status().moving)
      return refuse(`the scene cannot be reset while the session is ${kind === 'idle' ? 'moving the arm' : kind}`, 'Stop or finish first.');
    return false;
  }

  /**
   * The sim's scene back at its start (a restart restores the last world; this is the way to a
   * fresh one). Refused on a real arm and while the arm moves, a lesson records or the camera
   * frames (#resetRefusal); a pending preview was planned in the old world, so it is dropped first.
   */
  async #resetWorld(ws: WebSocket): Promise<void> {
    const sim = this.app.sim!;
    const kind = this.app.session.view.kind;
    const by = this.sourceOf(ws);
    if (kind === 'previewing') await this.app.session.cancel({ by });
    sim.resetScene();
    this.app.world.held = null;
    this.app.log?.write({ type: WORLD_RECORD, scene: this.app.scenePath, world: sim.snapshot() });
    this.addEntry(
      'system',
      `${this.labelOf(by)} reset the scene: every object is back where the scene starts it, the arm is at its start pose and nothing is held.`,
      'note',
    );
    this.#afterCommand();
  }

  /**
   * An utterance from the console or the HTTP API; `via` voice marks it as heard, not typed.
   * A "yes" runs the pending preview only if `previewId` names it (spoken: the one on screen),
   * it is safe, and the scene has not changed since (else it is planned and shown again).
   */
  async say(text: string, via: 'text' | 'voice' = 'text', by: Source = OPERATOR, previewId?: string): Promise<Turn> {
    // Commands queue behind a running motion; a spoken or typed stop must not wait for it.
    const stopWord = STOP_WORDS.test(text);
    if (stopWord) void this.stopNow('dialogue');
    // Only the client in control drives the arm (a watcher's voice included); any client stops it.
    const refused = by === OPERATOR ? null : this.controlRefusal(by);
    if (refused) {
      const reply = stopWord ? 'Stopping.' : refused;
      return { utterance: text, kind: stopWord ? 'plan' : 'error', reply, plan: null, executed: false, outcome: 'not_run' };
    }
    if (via === 'voice') this.#voiceUtterances.add(text);
    this.#utteranceBy.set(text, by);
    this.#planning++;
    this.#pushStatus();
    try {
      return await this.serial(async () => {
        let stale: { utterance: string; reason: string } | null = null;
        const confirmGate = (pending: Preview): string | null => {
          const cur = this.#previews.shown;
          const id = previewId ?? (via === 'voice' ? cur?.info.id : undefined);
          if (!cur || cur.session !== pending || !id)
            return 'Which plan? Press Execute on the preview you mean (a "yes" must name the preview shown); nothing moved.';
          if (id !== cur.info.id) return 'That "yes" was for a preview that is no longer shown; look at the current one. Nothing moved.';
          if (!cur.info.safe) return 'That plan fails a safety check, so it cannot run. Nothing moved.';
          const valid = previewStillValid(cur.session, this.app.backend.jointState().position, (e) => locate(this.app, e));
          if (!valid.ok) {
            stale = { utterance: cur.info.utterance, reason: valid.reason };
            return `The scene changed since the preview (${valid.reason}); nothing moved.`;
          }
          return null;
        };
        const turn = await this.app.session.say(text, { by, confirmGate });
        const s = stale as { utterance: string; reason: string } | null;
        if (s) await this.#rePreview(s.utterance, s.reason);
        return turn;
      });
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
  async stopNow(source: 'console' | 'api' | 'dialogue' | 'voice' | 'watchdog', by?: Source): Promise<void> {
    this.#stopEpoch++;
    this.#stopFlag = true;
    await this.app.session.stop();
    if (source === 'console' || source === 'api')
      this.addEntry(
        'system',
        source === 'console'
          ? `Stop pressed${by ? ` (${this.labelOf(by)})` : ''}: the arm is halted and holding still.`
          : 'Stopped (API): the arm is halted.',
        'stopped',
      );
    this.#afterCommand();
  }

  async #confirm(previewId: string, ws: WebSocket | null, by: Source): Promise<{ ok: boolean; reply: string }> {
    const cur = this.#previews.shown;
    const session = this.app.session;
    const refuse = (message: string, tip?: string) => {
      if (ws) this.sendTo(ws, { type: 'error', re: 'confirm', message, tip });
      this.addEntry('system', `${message} Nothing moved.`, 'note');
      return { ok: false, reply: `${message} Nothing moved.` };
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
      return {
        ok: false,
        reply: `The scene changed since the preview (${valid.reason}). I re-planned: check the new preview and confirm again.`,
      };
    }
    const turn = await session.confirm({ by });
    this.#afterCommand();
    return { ok: turn.outcome === 'succeeded', reply: turn.reply };
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
      case 'utterance': {
        const by = this.#utteranceBy.get(e.text);
        this.#utteranceBy.delete(e.text);
        if (!this.#replanning && !e.text.startsWith('!'))
          this.addEntry('user', e.text, this.#voiceUtterances.delete(e.text) ? 'voice' : undefined, by);
        this.#problems.delete('execution');
        this.#pushStatus();
        return;
      }
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
    const line = turnEntry(turn);
    this.addEntry('robot', line.text, line.kind);
    if (turn.executed) return;
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
        await this.#confirm(info.id, null, OPERATOR);
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

  addEntry(role: DialogueEntry['role'], text: string, kind?: string, by?: Source): void {
    this.#transcript.add(role, text, kind, by === undefined ? undefined : { by, who: this.labelOf(by) });
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
      control: {
        holder: this.#controller,
        holderLabel: this.#controller ? this.labelOf(this.#controller) : null,
        holderAway: this.#controller !== null && !this.#connected(this.#controller),
        requestedBy: this.#controlRequest,
        requestedLabel: this.#controlRequest ? this.labelOf(this.#controlRequest) : null,
      },
      pace: this.app.simBackend?.pace ?? null,
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
