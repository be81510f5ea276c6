/**
 * Streaming conversion of float samples at any rate (a browser's AudioContext runs at 44.1 or
 * 48 kHz) to 16 kHz s16: windowed-sinc (Blackman) low-pass at 7.6 kHz, then resampling by
 * linear interpolation between filtered samples. Keep one per stream; feed chunks in order.
 *
 * No Node or DOM dependencies: the server (pcm.ts) and the console's AudioWorklet use this
 * same code.
 */
export const TARGET_RATE = 16000;

export class StreamResampler {
  readonly #ratio: number;
  readonly #taps: Float64Array;
  readonly #half: number;
  /** input samples kept from earlier chunks (the filter needs `half` on either side) */
  #history = new Float64Array(0);
  /** position of the next output sample, in input samples relative to the history start */
  #pos = 0;
  #buf = new Float64Array(0);
  #out = new Int16Array(0);

  constructor(readonly inputRate: number) {
    if (!(inputRate >= 8000 && inputRate <= 384000)) throw new RangeError(`input rate ${inputRate} Hz is out of range (8000..384000)`);
    this.#ratio = inputRate / TARGET_RATE;
    const half = inputRate === TARGET_RATE ? 0 : 24;
    this.#half = half;
    const fc = 7600 / inputRate;
    this.#taps = new Float64Array(2 * half + 1);
    let sum = 0;
    for (let k = -half; k <= half; k++) {
      const x = k === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * k) / (Math.PI * k);
      const w = half ? 0.42 + 0.5 * Math.cos((Math.PI * k) / half) + 0.08 * Math.cos((2 * Math.PI * k) / half) : 1;
      this.#taps[k + half] = x * w;
      sum += x * w;
    }
    for (let i = 0; i < this.#taps.length; i++) this.#taps[i] /= sum;
  }

  #filtered(buf: Float64Array, n: number, c: number): number {
    const taps = this.#taps;
    const half = this.#half;
    let acc = 0;
    for (let k = 0; k < taps.length; k++) {
      const j = c - half + k;
      if (j >= 0 && j < n) acc += buf[j] * taps[k];
    }
    return acc;
  }

  /**
   * Float samples in −1..1 (mono) → 16 kHz s16. The returned array is a view into a buffer
   * reused by the next call: copy it if you keep it.
   */
  push(input: Float32Array): Int16Array {
    const half = this.#half;
    const n = this.#history.length + input.length;
    if (this.#buf.length < n) this.#buf = new Float64Array(Math.max(n, this.#buf.length * 2));
    const buf = this.#buf;
    buf.set(this.#history);
    for (let i = 0; i < input.length; i++) buf[this.#history.length + i] = input[i];
    const most = Math.ceil((n - this.#pos) / this.#ratio) + 1;
    if (this.#out.length < most) this.#out = new Int16Array(Math.max(most, this.#out.length * 2));
    const out = this.#out;
    let count = 0;
    while (this.#pos + half + 1 < n) {
      const i = Math.floor(this.#pos);
      const frac = this.#pos - i;
      const v = frac ? this.#filtered(buf, n, i) * (1 - frac) + this.#filtered(buf, n, i + 1) * frac : this.#filtered(buf, n, i);
      out[count++] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
      this.#pos += this.#ratio;
    }
    const keep = Math.max(0, Math.floor(this.#pos) - half);
    this.#history = buf.slice(keep, n);
    this.#pos -= keep;
    return out.subarray(0, count);
  }
}
