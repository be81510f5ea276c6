/**
 * The microphone: getUserMedia → AudioWorklet (capture-worklet.ts) → 16 kHz s16 frames of
 * 20 ms, with their level in dBFS. Failures become a message and a tip for the operator (the
 * browser's error names are not something to show).
 */
import workletUrl from './capture-worklet.ts?worker&url';
import type { MicProblem } from './store.js';

export interface MicFrame {
  pcm: Int16Array;
  /** level of this frame, dBFS */
  db: number;
}

export type { MicProblem };

export class MicError extends Error {
  constructor(readonly problem: MicProblem) {
    super(problem.message);
    this.name = 'MicError';
  }
}

/** What went wrong opening the microphone, in words an operator can act on. */
export function micProblem(err: unknown, loc: { protocol: string; hostname: string; host: string } = window.location): MicProblem {
  const name = err instanceof Error || (typeof err === 'object' && err && 'name' in err) ? String(err.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return {
        message: 'The browser blocked the microphone for this page.',
        tip: 'Allow it: click the microphone (or lock) icon in the address bar, choose Allow, then press Talk again. If you dismissed the prompt, reload the page.',
      };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return {
        message: 'No microphone was found.',
        tip: 'Plug in a microphone or headset (check the system sound settings), then press Talk again. Typing still works.',
      };
    case 'NotReadableError':
    case 'TrackStartError':
      return {
        message: 'The microphone could not be opened: another program may be using it.',
        tip: 'Close other programs that use the microphone (video calls, recorders), then press Talk again.',
      };
    case 'OverconstrainedError':
      return {
        message: 'The microphone does not support the requested settings.',
        tip: 'Choose another input device in the system sound settings.',
      };
    case 'SecurityError':
    case 'InsecureContext':
      return {
        message: `Browsers give the microphone only to pages on https or localhost; this console is on ${loc.protocol}//${loc.host}.`,
        tip: `Open it at http://localhost:${loc.host.split(':')[1] ?? '8080'}/ on the machine running shammie, or forward the port (ssh -L ${loc.host.split(':')[1] ?? '8080'}:localhost:${loc.host.split(':')[1] ?? '8080'} ${loc.hostname}).`,
      };
    default:
      return {
        message: `The microphone could not be started: ${err instanceof Error ? err.message : String(err)}`,
        tip: 'Reload the page and press Talk again. Typing still works.',
      };
  }
}

export class Mic {
  #stream: MediaStream | null = null;
  #ctx: AudioContext | null = null;
  #node: AudioWorkletNode | null = null;
  #source: MediaStreamAudioSourceNode | null = null;
  onFrame: (f: MicFrame) => void = () => {};

  get open(): boolean {
    return this.#stream !== null;
  }

  /** the capture context's rate (the worklet resamples from it) */
  get inputRate(): number {
    return this.#ctx?.sampleRate ?? 0;
  }

  /** Ask for the microphone and start capturing. Throws MicError. */
  async start(): Promise<void> {
    if (this.#stream) return;
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
      throw new MicError(micProblem({ name: 'InsecureContext' }));
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          channelCount: 1,
          // Echo cancellation keeps the robot's spoken replies out of the microphone; noise
          // suppression and gain control reshape speech in ways the recognizer was not trained on.
          echoCancellation: true,
          noiseSuppression: false,
          autoGainControl: false,
        },
      });
    } catch (err) {
      throw new MicError(micProblem(err));
    }
    try {
      const ctx = new AudioContext({ latencyHint: 'interactive' });
      await ctx.audioWorklet.addModule(workletUrl);
      const source = ctx.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(ctx, 'shammie-capture', {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 1,
        channelCountMode: 'explicit',
      });
      node.port.onmessage = (e: MessageEvent<MicFrame>) => this.onFrame(e.data);
      source.connect(node);
      if (ctx.state !== 'running') await ctx.resume();
      this.#ctx = ctx;
      this.#node = node;
      this.#source = source;
      this.#stream = stream;
      // The device went away (unplugged, revoked in the browser's settings).
      for (const track of stream.getAudioTracks()) track.onended = () => this.onEnded();
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      throw new MicError({
        message: `The audio capture could not start: ${(err as Error).message}`,
        tip: 'Reload the page and try again; a current Chrome, Chromium or Firefox is needed.',
      });
    }
  }

  onEnded: () => void = () => {};

  async stop(): Promise<void> {
    this.#source?.disconnect();
    this.#node?.port.close();
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    await this.#ctx?.close().catch(() => undefined);
    this.#stream = null;
    this.#ctx = null;
    this.#node = null;
    this.#source = null;
  }
}
