/**
 * What a client's message must pass before it is parsed: size, nesting depth and rate. All of it
 * is cheap and bounded, so that a hostile or broken client cannot hold the event loop that
 * handles STOP.
 *
 * - Size: a WebSocket frame over MAX_FRAME_BYTES is refused by `ws` before it is buffered
 *   (the connection closes with 1009). Bulk data (a demonstration, a wrist-camera PNG) goes to the
 *   separate POST /api/upload, which allows MAX_UPLOAD_BYTES, one upload at a time.
 * - Depth: JSON nested deeper than MAX_DEPTH is refused by a linear scan, before JSON.parse.
 * - Rate: each client has a token bucket; a message over it is dropped with one error. A stop is
 *   never rate-limited.
 */

/** the console's largest ordinary message is a ~500-character utterance or an IK request */
export const MAX_FRAME_BYTES = 64 * 1024;
/** a demonstration of 20,000 samples, or a 4K PNG as base64 */
export const MAX_UPLOAD_BYTES = 17 * 1024 * 1024;
/** the protocol's deepest message (a recording sample in an array in a message) is 4 levels */
export const MAX_DEPTH = 16;

export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /** `rate` tokens per second, at most `burst` saved up */
  constructor(rate: number, burst: number, now = performance.now()) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Take `n` tokens (default one); false, taking none, when the client is over its rate. */
  take(now = performance.now(), n = 1): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

export const FrameGate = {
  /**
   * Why a JSON text nests too deeply, or null. Counts brackets outside strings; O(length), no
   * allocation, so it can run before JSON.parse on anything the size limit let through.
   */
  tooDeep(text: string, max = MAX_DEPTH): string | null {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 92 /* \ */) i++;
        else if (c === 34 /* " */) inString = false;
      } else if (c === 34) inString = true;
      else if (c === 91 /* [ */ || c === 123 /* { */) {
        if (++depth > max) return `the message nests deeper than ${max} levels`;
      } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
    }
    return null;
  },

  /** A cheap look at a text frame's type, to let stop through a full bucket without parsing it all. */
  isStop(text: string): boolean {
    return text.length < 64 && /^\s*\{\s*"type"\s*:\s*"stop"\s*\}\s*$/.test(text);
  },
};
