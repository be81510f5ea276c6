/**
 * The stop-motion studio in the console (protocol: protocol-studio.ts): a hub extension over
 * the StudioController. It opens films for the consoles, routes the sim camera's render
 * requests to a console and its frames back, turns the Shoot button into the same shoot the
 * dialogue does, and sends `studio_state` to every console on each change and on connect.
 * Frame images are served over HTTP by the session server (studioFrameFile below).
 *
 * Which camera: the sim's wrist camera is rendered by a console (ConsoleCamera); a ROS profile
 * with `studio.camera.topic` reads that sensor_msgs/CompressedImage topic through the robot's
 * own link (RosCamera); a ROS profile without one gets a camera that says how to set it.
 */
import { resolve } from 'node:path';
import type { WebSocket } from 'ws';
import type { App } from '../session/app.js';
import type { RosBackend } from '../robot-bridge/ros/ros-backend.js';
import { ConsoleCamera, DEFAULT_CAMERA, MissingCamera, RosCamera, type Camera } from '../studio/camera/index.js';
import { StudioController } from './studio-controller.js';
import type { ConsoleHub, HubExtension } from './hub.js';
import type { ClientMessage, ServerMessage, StudioClientMessage } from './protocol.js';

export interface StudioExtensionOptions {
  /** the workspace folder; films go to <dataDir>/studio/<name> */
  dataDir: string;
  /** the camera to use instead of the one the profile implies (tests, benchmarks) */
  camera?: Camera;
}

export class StudioExtension implements HubExtension {
  readonly controller: StudioController;
  readonly #hub: ConsoleHub;
  /** the sim camera, when the consoles render it */
  readonly #consoleCamera: ConsoleCamera<WebSocket> | null;
  /** the console that opened the studio renders the wrist camera first */
  #opener: WebSocket | null = null;
  #lastState = '';
  #unsubscribe: () => void;

  constructor(hub: ConsoleHub, o: StudioExtensionOptions) {
    this.#hub = hub;
    const app = hub.app;
    const config = app.profile.studio?.camera ?? DEFAULT_CAMERA;
    let camera = o.camera;
    let consoleCamera: ConsoleCamera<WebSocket> | null = null;
    if (!camera) {
      if (app.sim) {
        consoleCamera = new ConsoleCamera<WebSocket>({ consoles: () => this.#renderers(), send: (ws, msg) => hub.sendTo(ws, msg) }, config);
        camera = consoleCamera;
      } else {
        camera = rosCamera(app, config);
      }
    } else if (camera instanceof ConsoleCamera) {
      consoleCamera = camera as ConsoleCamera<WebSocket>;
    }
    this.#consoleCamera = consoleCamera;
    this.controller = new StudioController({
      dataDir: o.dataDir,
      camera,
      backend: app.backend,
      chain: app.ik.chain,
      scene: app.scene.name,
    }).attach(app.session);
    this.#unsubscribe = this.controller.onChange(() => this.broadcastState());
  }

  /** The studio as the consoles see it. */
  stateMessage(): Extract<ServerMessage, { type: 'studio_state' }> {
    return { type: 'studio_state', studio: this.controller.state() };
  }

  /** Send the state to every console if it changed. */
  broadcastState(force = false): void {
    const msg = this.stateMessage();
    const text = JSON.stringify(msg);
    if (!force && text === this.#lastState) return;
    this.#lastState = text;
    this.#hub.broadcast(msg);
  }

  attach(ws: WebSocket): void {
    // The camera's status (how many consoles can render) may have changed for the others too.
    const msg = this.stateMessage();
    const text = JSON.stringify(msg);
    if (text !== this.#lastState) {
      this.#lastState = text;
      this.#hub.broadcast(msg);
    } else {
      this.#hub.sendTo(ws, msg);
    }
  }

  detach(ws: WebSocket): void {
    if (this.#opener === ws) this.#opener = null;
    this.#consoleCamera?.detached(ws);
    this.broadcastState();
  }

  async handle(ws: WebSocket, msg: ClientMessage): Promise<boolean> {
    if (!msg.type.startsWith('studio_')) return false;
    const m = msg as StudioClientMessage;
    const hub = this.#hub;
    switch (m.type) {
      case 'studio_open': {
        const { film, created } = this.controller.openFilm(m.name);
        this.#opener = ws;
        hub.addEntry(
          'system',
          created
            ? `New film "${m.name}" in ${film.dir}.`
            : `Opened the film "${m.name}" (${film.frameCount} frame${film.frameCount === 1 ? '' : 's'}).`,
          'note',
        );
        this.broadcastState(true);
        return true;
      }
      case 'studio_close':
        this.controller.closeFilm();
        if (this.#opener === ws) this.#opener = null;
        return true;
      case 'studio_shoot':
        // The button is the same shoot as saying it; it waits its turn behind running commands.
        hub.addEntry('user', '(pressed Shoot)', 'shoot');
        await hub.serial(() => hub.app.session.shoot('!shoot'));
        return true;
      case 'studio_frame': {
        if (!this.#consoleCamera) {
          hub.sendTo(ws, {
            type: 'error',
            re: 'studio_frame',
            message: "this robot's camera is not rendered by the console; the frame was ignored",
          });
          return true;
        }
        const refused = this.#consoleCamera.frame(ws, m.requestId, m.png);
        if (refused)
          hub.sendTo(ws, {
            type: 'error',
            re: 'studio_frame',
            message: `wrist-camera frame refused: ${refused}`,
            tip: 'Render the wrist camera at the requested width and height and send it as a PNG.',
          });
        return true;
      }
      case 'studio_frame_failed':
        this.#consoleCamera?.failed(ws, m.requestId, m.reason);
        return true;
      case 'studio_delete':
        this.controller.deleteFrame(m.id);
        return true;
      case 'studio_move':
        this.controller.moveFrame(m.id, m.to);
        return true;
      default: {
        const never: never = m;
        throw new Error(`[studio] unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  dispose(): void {
    this.#unsubscribe();
    this.controller.dispose();
  }

  /** Consoles that can render the wrist camera: the opener first, then the others. */
  #renderers(): WebSocket[] {
    const open = [...this.#hub.clients].filter((ws) => ws.readyState === ws.OPEN);
    const first = this.#opener && open.includes(this.#opener) ? [this.#opener] : [];
    return [...first, ...open.filter((ws) => ws !== this.#opener)];
  }
}

/** The camera of a ROS profile: its CompressedImage topic, or an explanation of how to set one. */
function rosCamera(app: App, config: typeof DEFAULT_CAMERA): Camera {
  const robot = app.robot as Partial<RosBackend>;
  if (!config.topic) {
    return new MissingCamera(
      `the launch profile "${app.profile.name}" names no camera`,
      "set studio.camera.topic in the profile to the wrist camera's sensor_msgs/CompressedImage topic (see launch/profiles/ros2-rosbridge.yaml)",
      config,
    );
  }
  if (!robot.transport || !robot.config)
    return new MissingCamera(
      `the ${app.robot.kind} backend has no ROS link to read ${config.topic} through`,
      'use a ROS profile (rosbridge or rclnodejs)',
      config,
    );
  return new RosCamera({ transport: robot.transport, dialect: robot.config.dialect, config });
}

/** URL path of a film's frame → the file, only inside that film's frames folder (else null). */
export function studioFrameFile(dataDir: string, urlPath: string): { root: string; rel: string } | null {
  const m = /^\/studio\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/frames\/([0-9]{6,12}\.png)$/.exec(urlPath);
  if (!m) return null;
  return { root: resolve(dataDir, 'studio', m[1], 'frames'), rel: m[2] };
}
