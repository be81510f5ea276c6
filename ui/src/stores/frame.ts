/**
 * Asks the 3D view for a new frame (it renders on demand). The view registers its
 * invalidate function; stores and the network client call requestFrame() without knowing
 * about React or three.js.
 */
let requester: () => void = () => undefined;

export function setFrameRequester(fn: () => void): void {
  requester = fn;
}

export function requestFrame(): void {
  requester();
}
