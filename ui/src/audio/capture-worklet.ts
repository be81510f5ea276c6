/**
 * The microphone's AudioWorklet (audio thread): mono float samples at the context's rate →
 * 16 kHz s16 in 20 ms frames (the resampler the server uses too), each posted with its level.
 * Bundled by Vite as a classic script (`?worker&url`): no imports survive at run time.
 */
import { StreamResampler } from '../../../speech/resample.js';

// The AudioWorkletGlobalScope, which the DOM library does not describe.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

/** 20 ms at 16 kHz */
const FRAME = 320;

class CaptureProcessor extends AudioWorkletProcessor {
  readonly #resampler = new StreamResampler(sampleRate);
  #frame = new Int16Array(FRAME);
  #fill = 0;
  #energy = 0;

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    const pcm = this.#resampler.push(channel);
    for (let i = 0; i < pcm.length; i++) {
      const v = pcm[i];
      this.#frame[this.#fill++] = v;
      this.#energy += v * v;
      if (this.#fill === FRAME) {
        const rms = Math.sqrt(this.#energy / FRAME) / 32768;
        const db = rms > 0 ? 20 * Math.log10(rms) : -120;
        // Transfer the frame (no copy) and start a new one.
        this.port.postMessage({ pcm: this.#frame, db }, [this.#frame.buffer]);
        this.#frame = new Int16Array(FRAME);
        this.#fill = 0;
        this.#energy = 0;
      }
    }
    return true;
  }
}

registerProcessor('shammie-capture', CaptureProcessor);
